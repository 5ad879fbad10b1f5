#include "models/calibration/history.hpp"

#include <algorithm>
#include <chrono>
#include <limits>

#include <fmt/format.h>

namespace opsim::calibration {

int day_number(int year, int month, int day) {
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  return static_cast<int>(std::chrono::sys_days{date}.time_since_epoch().count());
}

int month_of_day(int day) {
  const std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{day}}};
  return static_cast<int>(date.year()) * 12 +
         static_cast<int>(static_cast<unsigned>(date.month())) - 1;
}

int last_day_of_month(int absolute_month) {
  const int year = absolute_month / 12, month = absolute_month % 12 + 1;
  const std::chrono::year_month_day_last last{std::chrono::year{year} /
                                              std::chrono::month{static_cast<unsigned>(month)} /
                                              std::chrono::last};
  return static_cast<int>(std::chrono::sys_days{last}.time_since_epoch().count());
}

std::string format_date(int day) {
  const std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{day}}};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
}

int History::last_dated_day() const {
  int last = std::numeric_limits<int>::min();
  for (const Opportunity& o : opportunities) {
    if (o.created) last = std::max(last, *o.created);
    if (o.closed) last = std::max(last, *o.closed);
  }
  for (const Booking& b : bookings) last = std::max(last, b.day);
  return std::max(last, snapshot_day);
}

}  // namespace opsim::calibration
