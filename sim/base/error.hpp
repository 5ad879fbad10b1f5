// Three kinds of failure: the user's input (exit 2), a problem with no solution (exit 3) and
// opsim's own fault (exit 1).
#pragma once

#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace opsim {

//! Bad usage or bad input: names the place (file, JSON pointer, CSV line), the value and
//! what is allowed. Maps to exit code 2.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

//! The input is well formed but admits no solution (e.g. no alignment meets the hard
//! constraints): says what cannot be met and by how much. Maps to exit code 3.
class InfeasibleError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

//! A broken invariant inside opsim. Maps to exit code 1.
class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

//! The operating system refused a write (disk full, quota, I/O error): names the path and the
//! OS message. Maps to exit code 1.
class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

template <class... Args>
[[noreturn]] void throw_input(fmt::format_string<Args...> format, Args&&... args) {
  throw InputError(fmt::format(format, std::forward<Args>(args)...));
}

template <class... Args>
[[noreturn]] void throw_infeasible(fmt::format_string<Args...> format, Args&&... args) {
  throw InfeasibleError(fmt::format(format, std::forward<Args>(args)...));
}

template <class... Args>
[[noreturn]] void throw_internal(fmt::format_string<Args...> format, Args&&... args) {
  throw InternalError(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace opsim
