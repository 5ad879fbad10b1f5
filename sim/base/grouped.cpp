#include "sim/base/grouped.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace opsim {

double round_decimals(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  const double r = std::round(value * scale) / scale;
  return r == 0.0 ? 0.0 : r;
}

std::string group_thousands(const std::string& plain) {
  const bool negative = !plain.empty() && plain.front() == '-';
  const std::size_t digits_begin = negative ? 1 : 0;
  const std::size_t digits_end = std::min(plain.find('.'), plain.size());
  std::string out = negative ? "-" : "";
  for (std::size_t i = digits_begin; i < digits_end; ++i) {
    out += plain[i];
    const std::size_t left = digits_end - i - 1;
    if (left > 0 && left % 3 == 0) out += ',';
  }
  out += plain.substr(digits_end);
  return out;
}

std::string format_grouped(double value, int decimals) {
  if (!std::isfinite(value)) return "n/a";
  return group_thousands(fmt::format("{:.{}f}", round_decimals(value, decimals), decimals));
}

std::string format_grouped_trimmed(double value, int max_decimals) {
  std::string text = format_grouped(value, max_decimals);
  if (text.find('.') == std::string::npos) return text;
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.') text.pop_back();
  return text;
}

std::string format_count(long long count, const std::string& noun, const std::string& plural) {
  const std::string word = count == 1 ? noun : plural.empty() ? noun + "s" : plural;
  return format_grouped(static_cast<double>(count)) + " " + word;
}

std::string list_some(const std::vector<std::string>& names, std::size_t shown) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < shown; ++i) out += (i > 0 ? ", " : "") + names[i];
  if (names.size() > shown) out += ", ...";
  return out;
}

}  // namespace opsim
