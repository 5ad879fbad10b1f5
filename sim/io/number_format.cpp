#include "sim/io/number_format.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace opsim {

std::string format_significant(double value, int digits) {
  if (!std::isfinite(value)) return "n/a";
  if (value == 0) return "0";
  const int magnitude = static_cast<int>(std::floor(std::log10(std::fabs(value))));
  int decimals = std::clamp(digits - 1 - magnitude, 0, 12);
  // 0.99999 rounds up to the next power of ten: one decimal fewer ("1.000", not "1.0000").
  const double scale = std::pow(10.0, decimals);
  if (decimals > 0 && std::round(std::fabs(value) * scale) / scale >= std::pow(10.0, magnitude + 1))
    --decimals;
  return format_grouped(value, decimals);
}

std::string format_p_value(double p) {
  if (!std::isfinite(p)) return "n/a";
  return p < 0.0005 ? "<0.001" : fmt::format("{:.3f}", p);
}

std::string format_significant_range(double low, double high, int digits) {
  const std::string a = format_significant(low, digits), b = format_significant(high, digits);
  return a == b ? a : a + " to " + b;
}

std::string format_amount(double value, const std::string& currency) {
  if (!std::isfinite(value)) return "n/a";
  const double size = std::fabs(value);
  const char* suffix = "";
  double scaled = value;
  // Trillions too (review: a 1e12 target read "1,000B").
  if (size >= 999.5e9) {
    suffix = "T";
    scaled = value / 1e12;
  } else if (size >= 999.5e6) {
    suffix = "B";
    scaled = value / 1e9;
  } else if (size >= 999.5e3) {
    suffix = "M";
    scaled = value / 1e6;
  } else if (size >= 999.5) {
    suffix = "K";
    scaled = value / 1e3;
  }
  const double s = std::fabs(scaled);
  const int decimals = *suffix == '\0' ? 0 : s < 9.995 ? 2 : s < 99.95 ? 1 : 0;
  const std::string number = format_grouped(scaled, decimals) + suffix;
  return currency.empty() ? number : number + " " + currency;
}

namespace {

bool below_ten(double se) {
  return std::isfinite(se) && std::fabs(se) < 9.995;
}

}  // namespace

std::string format_se_grouped(double se) {
  return below_ten(se) ? format_significant(se, 2) : format_grouped(se);
}

std::string format_amount_with_se(double mean, double se, bool sign) {
  const std::string error = below_ten(se) ? format_significant(se, 2) : format_amount(se);
  return fmt::format("{}{} ±{}", sign && mean > 0 ? "+" : "", format_amount(mean), error);
}

std::string format_points(double fraction, bool sign) {
  if (std::isnan(fraction)) return "n/a";
  const double points = 100 * fraction;
  // -0.04 points reads "0.0", not "-0.0".
  const double shown = std::fabs(points) < 0.05 ? 0.0 : points;
  return sign ? fmt::format("{:+.1f} pts", shown) : fmt::format("{:.1f} pts", shown);
}

std::string format_percent(double probability, int decimals) {
  if (!std::isfinite(probability)) return "n/a";
  return fmt::format("{:.{}f}%", round_decimals(100 * probability, decimals), decimals);
}

std::string csv_number(double value, int decimals) {
  if (!std::isfinite(value)) return "";
  return fmt::format("{:.{}f}", round_decimals(value, decimals), decimals);
}

std::string csv_text(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string format_user_value(double value) {
  if (!std::isfinite(value)) return "n/a";
  return fmt::format("{}", std::stod(fmt::format("{:.12g}", value)));
}

std::string format_user_value_grouped(double value) {
  const std::string text = format_user_value(value);
  if (text.find_first_not_of("-0123456789.") != std::string::npos) return text;  // 1e+20, n/a
  return group_thousands(text);
}

std::string wrap_words(const std::string& text, std::size_t width, std::size_t indent) {
  std::string out, line;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    start = end + 1;
    if (word.empty()) continue;
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line = std::string(indent, ' ');
    }
    line += (line.empty() || line.back() == ' ' ? "" : " ") + word;
  }
  return out + line;
}

std::string metric_words(const std::string& id) {
  static const std::array<std::pair<std::string_view, std::string_view>, 8> kWords{{
      {"new_bookings_spot", "new bookings at spot rates"},
      {"bookings_spot", "bookings at spot rates"},
      {"churned_arr", "churned ARR"},
      {"arr", "ARR"},
      {"pipeline_beyond", "pipeline closing beyond the horizon"},
      {"ramped_fte", "ramped FTE"},
      {"won_cycle_months", "sales cycle months of won deals"},
      {"pipeline_created", "pipeline created"},
  }};
  for (const auto& [key, words] : kWords)
    if (id == key) return std::string(words);
  return words_of_name(id);
}

std::string format_probability_change(double change, double se) {
  if (std::isnan(change)) return "n/a";
  if (change == 0 && !(se > 0)) return "same";
  if (std::isnan(se)) return fmt::format("{:+.1f} pts", 100 * change);
  return fmt::format("{:+.1f} ±{:.1f} pts", 100 * change, 100 * se);
}

std::string rule_of_three_percent(std::uint64_t trials, bool complement) {
  const double bound = trials > 0 ? std::min(1.0, 3.0 / static_cast<double>(trials)) : 1.0;
  // Two significant digits in fixed notation, trailing zeros dropped: 30, 1.5, 0.03, 0.0003.
  const double percent = 100 * bound;
  const int digits = std::max(0, 1 - static_cast<int>(std::floor(std::log10(percent))));
  std::string text = fmt::format("{:.{}f}", percent, digits);
  if (text.find('.') != std::string::npos) {
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
  }
  if (!complement) return fmt::format("{}%", text);
  // 100 less the bound as written, to its decimals: 98.5, 99.97.
  const std::size_t dot = text.find('.');
  const int decimals = dot == std::string::npos ? 0 : static_cast<int>(text.size() - dot - 1);
  return fmt::format("{:.{}f}%", 100 - std::strtod(text.c_str(), nullptr), decimals);
}

namespace {

//! Whether `p` (with `se`) is none or every one of `trials` trials.
bool none_or_all(double p, double se, std::uint64_t trials) {
  return trials > 0 && se == 0 && (p == 0 || p == 1);
}

}  // namespace

std::string format_certain_probability(double p, double se, std::uint64_t trials) {
  if (!none_or_all(p, se, trials)) return "";
  return p == 0 ? fmt::format("<{} (none)", rule_of_three_percent(trials))
                : fmt::format(">{} (all)", rule_of_three_percent(trials, true));
}

std::string format_trials_probability(double p, std::uint64_t trials) {
  const std::string bound = format_certain_probability(p, 0.0, trials);
  return bound.empty() ? format_percent(p) : bound;
}

std::string format_trials_probability_short(double p, std::uint64_t trials, bool& bounded) {
  if (!none_or_all(p, 0.0, trials)) return format_percent(p);
  bounded = true;
  return fmt::format("{}{}", p == 0 ? "<" : ">", rule_of_three_percent(trials, p == 1));
}

std::string words_of_name(std::string id) {
  std::replace(id.begin(), id.end(), '_', ' ');
  return id;
}

std::string target_words(const std::string& label) {
  const std::size_t space = label.find(' ');
  return space == std::string::npos ? metric_words(label)
                                    : metric_words(label.substr(0, space)) + label.substr(space);
}

}  // namespace opsim
