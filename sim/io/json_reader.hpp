// Reading a JSON document with every error naming the file, the JSON pointer, the value and
// what is allowed; unknown keys are rejected with a did-you-mean.
#pragma once

#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/base/error.hpp"

namespace opsim {

//! The closest candidate ignoring case, when within 1 edit (words of up to 4 letters), 2 (up to 8)
//! or 3 (longer); else empty.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);
//! The `count` candidates closest to `word` (case-insensitive edit distance), closest first: for
//! messages that cannot list thousands of known ids.
std::vector<std::string> closest(std::string_view word, const std::vector<std::string>& candidates,
                                 std::size_t count);

//! How the reader took one number: the range it was checked against and whether it had to be
//! whole (for uncertain assumptions, whose distributions must stay inside that range).
struct NumberUse {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool integer = false;
};

//! While alive, records on this thread every number JsonNode reads, by JSON pointer.
class NumberUseRecorder {
 public:
  NumberUseRecorder();
  ~NumberUseRecorder();
  NumberUseRecorder(const NumberUseRecorder&) = delete;
  NumberUseRecorder& operator=(const NumberUseRecorder&) = delete;
  const std::map<std::string, NumberUse>& uses() const { return uses_; }
  void note(const std::string& pointer, double lo, double hi, bool integer);

 private:
  std::map<std::string, NumberUse> uses_;
  NumberUseRecorder* previous_;
};

class JsonNode {
 public:
  JsonNode(const nlohmann::json& value, std::string file, std::string pointer = "")
      : value_(&value), file_(std::move(file)), pointer_(std::move(pointer)) {}

  const nlohmann::json& json() const { return *value_; }
  const std::string& pointer() const { return pointer_; }
  const std::string& file() const { return file_; }
  std::string where() const { return file_ + ": " + (pointer_.empty() ? "/" : pointer_); }

  template <class... Args>
  [[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) const {
    throw InputError(where() + ": " + fmt::format(format, std::forward<Args>(args)...));
  }

  bool has(std::string_view key) const;
  JsonNode at(std::string_view key) const;  //!< required member
  std::optional<JsonNode> get(std::string_view key) const;
  JsonNode at(std::size_t index) const;
  std::size_t size() const;  //!< array length (fails if not an array)
  std::vector<JsonNode> items() const;
  //! Object keys in document order.
  std::vector<std::string> keys() const;
  //! Fails on a member not in `allowed`, suggesting the closest allowed key.
  void allow_only(const std::vector<std::string_view>& allowed) const;

  bool is_object() const { return value_->is_object(); }
  bool is_array() const { return value_->is_array(); }
  bool is_number() const { return value_->is_number(); }
  bool is_string() const { return value_->is_string(); }

  void expect_object() const;
  double number() const;                                                //!< finite number
  double number_in(double lo, double hi, std::string_view what) const;  //!< in [lo, hi]
  double non_negative() const;
  double positive() const;
  double probability() const;  //!< in [0, 1]
  long long integer(long long lo, long long hi) const;
  bool boolean() const;
  std::string string() const;
  //! A non-blank string naming something (ids).
  std::string id() const;
  //! "YYYY-MM" as an absolute month.
  int year_month() const;
  std::vector<double> numbers() const;

 private:
  const nlohmann::json* value_;
  std::string file_;
  std::string pointer_;
};

}  // namespace opsim
