// Numbers for people at every layer (models' messages too): thousands separators, no -0.
// sim/io/number_format.hpp builds on these for the other formats.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace opsim {

//! Rounds to `decimals` and folds -0 (and tiny negatives that round to 0) into 0.
double round_decimals(double value, int decimals);
//! 71634120.4 -> "71,634,120" (decimals = 0) or "71,634,120.40" (decimals = 2); NaN -> "n/a".
std::string format_grouped(double value, int decimals = 0);
//! A plain decimal number's text ("-1234567.25") with its whole part grouped by commas
//! ("-1,234,567.25").
std::string group_thousands(const std::string& plain);
//! As format_grouped with at most `max_decimals`, trailing zeros dropped: 19810 -> "19,810",
//! 10000.25 -> "10,000.25", 0.5 -> "0.5".
std::string format_grouped_trimmed(double value, int max_decimals = 4);
//! A count and its noun: "1 month", "12 months", "1,480 closes" (`plural` when not noun + "s").
std::string format_count(long long count, const std::string& noun, const std::string& plural = "");

//! Names for a message: the first `shown`, comma-separated, then ", ..." when there are more.
std::string list_some(const std::vector<std::string>& names, std::size_t shown);

}  // namespace opsim
