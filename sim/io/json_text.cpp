#include "sim/io/json_text.hpp"

#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace opsim {
namespace {

void round_in_place(nlohmann::json& value, int significant_digits) {
  if (value.is_structured()) {
    for (auto& member : value) round_in_place(member, significant_digits);
    return;
  }
  if (!value.is_number_float()) return;
  const double x = value.get<double>();
  if (!std::isfinite(x)) return;
  const double rounded =
      std::strtod(fmt::format("{:.{}g}", x, significant_digits).c_str(), nullptr);
  value = rounded == 0 ? 0.0 : rounded;  // no -0
}

}  // namespace

nlohmann::json round_numbers(nlohmann::json value, int significant_digits) {
  round_in_place(value, significant_digits);
  return value;
}

std::string json_text(const nlohmann::json& document, int significant_digits) {
  return round_numbers(document, significant_digits).dump(2) + "\n";
}

}  // namespace opsim
