// Reading the progress lines of a command's output (defined in tests/test_support.cpp).
#pragma once

#include <cstddef>
#include <string>

namespace opsim::test {

//! Progress lines in `output` as a command prints them off a terminal:
//! "opsim: DONE/TOTAL UNIT (P%), RATE UNIT/s, ETA ..." with 0 < DONE < TOTAL.
std::size_t progress_lines(const std::string& output, const std::string& unit);

}  // namespace opsim::test
