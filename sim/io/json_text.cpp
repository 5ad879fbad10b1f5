#include "sim/io/json_text.hpp"

#include <cmath>
#include <cstdlib>
#include <string_view>

#include <fmt/format.h>

namespace opsim {

double round_significant(double x, int significant_digits) {
  return std::strtod(fmt::format("{:.{}g}", x, significant_digits).c_str(), nullptr);
}

namespace {

//! `cents`: amounts booked (a scenario's actuals) are facts, kept to the cent rather than to the
//! significant digits of an estimate.
void round_in_place(nlohmann::json& value, int significant_digits, bool cents = false) {
  if (value.is_object()) {
    for (auto& [key, member] : value.items())
      round_in_place(member, significant_digits, cents || key == "actuals");
    return;
  }
  if (value.is_array()) {
    for (auto& member : value) round_in_place(member, significant_digits, cents);
    return;
  }
  if (!value.is_number_float()) return;
  const double x = value.get<double>();
  if (!std::isfinite(x)) return;
  const double rounded = cents ? std::strtod(fmt::format("{:.2f}", x).c_str(), nullptr)
                               : round_significant(x, significant_digits);
  value = rounded == 0 ? 0.0 : rounded;  // no -0
}

}  // namespace

std::vector<double> rounded_probabilities(std::vector<double> pmf, int significant_digits) {
  double total = 0;
  for (double p : pmf) total += p;
  if (pmf.empty() || !(total > 0)) return pmf;
  std::size_t largest = 0;
  for (std::size_t k = 0; k < pmf.size(); ++k) {
    pmf[k] = round_significant(pmf[k] / total, significant_digits);
    if (pmf[k] > pmf[largest]) largest = k;
  }
  double others = 0;
  for (std::size_t k = 0; k < pmf.size(); ++k) others += k == largest ? 0.0 : pmf[k];
  pmf[largest] = round_significant(std::max(0.0, 1.0 - others), significant_digits);
  return pmf;
}

nlohmann::json round_numbers(nlohmann::json value, int significant_digits) {
  round_in_place(value, significant_digits);
  return value;
}

std::string json_text(const nlohmann::json& document, int significant_digits) {
  // nlohmann's Grisu2 is not always shortest (0.834092 came out 0.8340919999999999): every
  // fraction is rewritten with fmt's shortest round-trip form (the same double).
  const std::string dumped = round_numbers(document, significant_digits).dump(2);
  std::string text;
  text.reserve(dumped.size() + 1);
  bool in_string = false;
  for (std::size_t i = 0; i < dumped.size();) {
    const char c = dumped[i];
    if (in_string) {
      text += c;
      if (c == '\\' && i + 1 < dumped.size())
        text += dumped[++i];
      else if (c == '"')
        in_string = false;
      ++i;
      continue;
    }
    if (c == '"') in_string = true;
    if (c != '-' && (c < '0' || c > '9')) {
      text += c;
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < dumped.size() &&
           std::string_view("+-.0123456789eE").find(dumped[end]) != std::string_view::npos)
      ++end;
    const std::string token = dumped.substr(i, end - i);
    if (token.find_first_of(".eE") == std::string::npos) {
      text += token;  // an integer
    } else {
      std::string shortest = fmt::format("{}", std::strtod(token.c_str(), nullptr));
      if (shortest.find_first_of(".e") == std::string::npos) shortest += ".0";
      text += shortest;
    }
    i = end;
  }
  return text + "\n";
}

}  // namespace opsim
