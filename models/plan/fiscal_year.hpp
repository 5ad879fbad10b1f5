// The fiscal year a plan works on, and each seat's quota profile within it.
#pragma once

#include <vector>

#include "models/scenario.hpp"

namespace opsim::plan {

//! One fiscal year clipped to the horizon.
struct FiscalYear {
  int year = 0;   //!< e.g. 2027
  int index = 0;  //!< into RunResult::seat_values' fiscal-year axis
  int first = 0;  //!< first horizon month (relative, 0-based)
  int last = 0;   //!< last horizon month (inclusive)
  int months() const { return last - first + 1; }
};

//! The fiscal year `year` of the scenario; throws InputError naming `where` if outside the horizon.
FiscalYear fiscal_year_of(const Scenario& scenario, int year, const std::string& where);
//! fiscal_year_of for a plan (quotas, pay, capacity): refused when the year starts before the
//! horizon or runs past its end, months never simulated seat by seat (a plan for a
//! half-simulated year set a full-year quota against half a year of pay and bookings).
FiscalYear planned_fiscal_year_of(const Scenario& scenario, int year, const std::string& where);

//! The first fiscal year of the horizon.
int first_fiscal_year(const Scenario& scenario);

//! The fiscal years the horizon covers whole, first..last (first > last when none): the years a
//! plan may work on.
struct FiscalYearRange {
  int first = 0, last = -1;
  bool empty() const { return first > last; }
};
FiscalYearRange whole_fiscal_years(const Scenario& scenario);

//! Quota profile: share of a seat's annual quota that falls in each month of the fiscal year,
//! proportional to the planned occupant's expected bookings (ramp from the seat's start x
//! opportunity rate x seasonality x growth x win rate x mean deal size). Index
//! [seat * fy.months() + (m - fy.first)]; each seat's row sums to 1, or to 0 when the seat
//! starts after the year. A seat expecting no rep-generated bookings (opportunity rate 0, a
//! pipeline-only seat) gets a flat profile over its months in the year.
std::vector<double> quota_profiles(const Scenario& scenario, const FiscalYear& fy);

//! How an annual quota is spread over the months of the fiscal year.
enum class Phasing {
  profile,  //!< by the seat's quota profile (seasonality, ramp, start month)
  flat,     //!< evenly over the months from the seat's start
};

//! The profiles a plan's quotas are published and measured by, [seat * fy.months() + (m -
//! fy.first)]: quota_profiles() for `profile`; for `flat` each seat's months from its start alike
//! (a row of 0 for a seat starting after the year). Pay is measured against the quota the rep is
//! given (a review found flat quarters published and seasonal ones paid against).
std::vector<double> phasing_profiles(const Scenario& scenario, const FiscalYear& fy,
                                     Phasing phasing);

//! Per seat: the planned occupant's expected bookings in the year (ramp from the seat's start)
//! over those of a fully ramped rep holding the seat all year, in [0, 1]; months in seat over
//! months in the year when the seat's cell expects no bookings.
std::vector<double> in_year_factors(const Scenario& scenario, const FiscalYear& fy);

//! Company (region -1) or region new-bookings target for the fiscal year, or a negative
//! value when the scenario has none.
double new_bookings_target(const Scenario& scenario, int fiscal_year, int region);

}  // namespace opsim::plan
