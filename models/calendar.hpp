// Months and fiscal periods. A month is an absolute index year*12 + (month-1); inside a run
// months are counted from the horizon start (0-based, negative before it).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace opsim {

//! "YYYY-MM" -> absolute month index, or nothing when malformed.
std::optional<int> parse_year_month(std::string_view text);
std::string format_year_month(int absolute_month);

//! Fiscal periods. A fiscal year is named after the calendar year in which it ends
//! (fiscal start February: FY2027 = 2026-02 .. 2027-01); start January: FY = calendar year.
class Calendar {
 public:
  Calendar() = default;
  Calendar(int start_month, int months, int fiscal_year_start_month);

  int start() const { return start_; }  //!< absolute month of horizon month 0
  int months() const { return months_; }
  int absolute(int month) const { return start_ + month; }
  //! Calendar month 1..12 of horizon month m (m may be negative).
  int calendar_month(int month) const { return calendar_month_of(start_ + month); }
  static int calendar_month_of(int absolute_month);
  int fiscal_year_of(int absolute_month) const;
  //! Fiscal quarter 1..4.
  int fiscal_quarter_of(int absolute_month) const;
  //! Absolute month of the first month of a fiscal year.
  int fiscal_year_start(int fiscal_year) const;
  bool is_fiscal_quarter_end(int month) const;
  int fiscal_year_start_month() const { return fiscal_start_; }

 private:
  int start_ = 0;
  int months_ = 0;
  int fiscal_start_ = 1;
};

}  // namespace opsim
