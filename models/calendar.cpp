#include "models/calendar.hpp"

#include <charconv>

#include <fmt/format.h>

namespace opsim {

namespace {
int floor_mod(int a, int b) {
  return ((a % b) + b) % b;
}
int floor_div(int a, int b) {
  return (a - floor_mod(a, b)) / b;
}
}  // namespace

std::optional<int> parse_year_month(std::string_view text) {
  if (text.size() != 7 || text[4] != '-') return std::nullopt;
  int year = 0, month = 0;
  auto y = std::from_chars(text.data(), text.data() + 4, year);
  auto m = std::from_chars(text.data() + 5, text.data() + 7, month);
  if (y.ptr != text.data() + 4 || m.ptr != text.data() + 7) return std::nullopt;
  if (year < 1900 || year > 2999 || month < 1 || month > 12) return std::nullopt;
  return year * 12 + (month - 1);
}

std::string format_year_month(int absolute_month) {
  return fmt::format("{:04d}-{:02d}", floor_div(absolute_month, 12),
                     floor_mod(absolute_month, 12) + 1);
}

Calendar::Calendar(int start_month, int months, int fiscal_year_start_month)
    : start_(start_month), months_(months), fiscal_start_(fiscal_year_start_month) {}

int Calendar::calendar_month_of(int absolute_month) {
  return floor_mod(absolute_month, 12) + 1;
}

int Calendar::fiscal_year_of(int absolute_month) const {
  // Months since the start of the fiscal year that begins in calendar year 0.
  int shifted = absolute_month - (fiscal_start_ - 1);
  int year_of_start = floor_div(shifted, 12);
  return fiscal_start_ == 1 ? year_of_start : year_of_start + 1;
}

int Calendar::fiscal_quarter_of(int absolute_month) const {
  return floor_mod(absolute_month - (fiscal_start_ - 1), 12) / 3 + 1;
}

int Calendar::fiscal_year_start(int fiscal_year) const {
  int year_of_start = fiscal_start_ == 1 ? fiscal_year : fiscal_year - 1;
  return year_of_start * 12 + (fiscal_start_ - 1);
}

bool Calendar::is_fiscal_quarter_end(int month) const {
  return floor_mod(start_ + month - (fiscal_start_ - 1), 3) == 2;
}

}  // namespace opsim
