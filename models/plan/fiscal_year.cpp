#include "models/plan/fiscal_year.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <fmt/format.h>

#include "models/calendar.hpp"
#include "models/trial.hpp"
#include "sim/base/error.hpp"

namespace opsim::plan {

int first_fiscal_year(const Scenario& scenario) {
  return scenario.calendar.fiscal_year_of(scenario.calendar.start());
}

FiscalYear fiscal_year_of(const Scenario& scenario, int year, const std::string& where) {
  const Calendar& cal = scenario.calendar;
  const int first_year = first_fiscal_year(scenario);
  const int last_year = cal.fiscal_year_of(cal.absolute(scenario.months() - 1));
  if (year < first_year || year > last_year) {
    throw_input("{}: fiscal year {} is outside the horizon (allowed {}..{})", where, year,
                first_year, last_year);
  }
  FiscalYear fy;
  fy.year = year;
  fy.index = year - first_year;
  fy.first = std::max(cal.fiscal_year_start(year) - cal.start(), 0);
  fy.last = std::min(cal.fiscal_year_start(year) + 11 - cal.start(), scenario.months() - 1);
  return fy;
}

FiscalYearRange whole_fiscal_years(const Scenario& scenario) {
  const Calendar& cal = scenario.calendar;
  const int end = cal.absolute(scenario.months() - 1);
  FiscalYearRange range{cal.fiscal_year_of(cal.start()), cal.fiscal_year_of(end)};
  if (cal.fiscal_year_start(range.first) < cal.start()) ++range.first;
  if (cal.fiscal_year_start(range.last) + 11 > end) --range.last;
  return range;
}

FiscalYear planned_fiscal_year_of(const Scenario& scenario, int year, const std::string& where) {
  const Calendar& cal = scenario.calendar;
  const int first_year = first_fiscal_year(scenario);
  const int last_year = cal.fiscal_year_of(cal.absolute(scenario.months() - 1));
  // The years a plan may work on, not every year the horizon touches (a review found "allowed
  // 2027..2028" printed for a horizon whose FY2028 the whole-year rule refuses, and "or plan a
  // later year" offered where no year fits).
  const FiscalYearRange whole = whole_fiscal_years(scenario);
  const std::string whole_years = whole.first == whole.last
                                      ? fmt::format("FY{}", whole.first)
                                      : fmt::format("one of FY{}..FY{}", whole.first, whole.last);
  if (year < first_year || year > last_year) {
    throw_input("{}: fiscal year {} is outside the horizon ({}..{}); {}", where, year,
                format_year_month(cal.start()),
                format_year_month(cal.absolute(scenario.months() - 1)),
                whole.empty() ? std::string("it covers no fiscal year whole, which quotas, pay "
                                            "and hiring plans need")
                              : fmt::format("plan {}, which it covers whole", whole_years));
  }
  const std::string or_plan = whole.empty()
                                  ? std::string()
                                  : fmt::format(", or plan {}, which it covers whole", whole_years);
  const FiscalYear fy = fiscal_year_of(scenario, year, where);
  if (cal.fiscal_year_start(year) < cal.start()) {
    // Its first months are not simulated seat by seat (actuals, if any, are company totals):
    // a whole-year quota split over the rest of the year put NA's P(quota) at 0.5% (review).
    throw_input(
        "{}: fiscal year {} starts before the horizon, which starts in {}: its months {}..{} are "
        "not simulated seat by seat, and quotas, pay and hiring plans need the whole year (start "
        "the horizon in {}{})",
        where, year, format_year_month(cal.start()), format_year_month(cal.fiscal_year_start(year)),
        format_year_month(cal.start() - 1), format_year_month(cal.fiscal_year_start(year)),
        or_plan);
  }
  const int year_last = cal.fiscal_year_start(year) + 11 - cal.start();
  if (year_last > scenario.months() - 1) {
    throw_input(
        "{}: fiscal year {} runs past the horizon, which ends in {}: only {} of its 12 months "
        "({}..{}) are simulated, and quotas, pay and hiring plans need the whole year (make "
        "horizon.months at least {}{})",
        where, year, format_year_month(cal.absolute(scenario.months() - 1)),
        scenario.months() - std::max(cal.fiscal_year_start(year) - cal.start(), 0),
        format_year_month(cal.absolute(fy.first)), format_year_month(cal.absolute(fy.last)),
        year_last + 1, or_plan);
  }
  return fy;
}

namespace {

//! Per seat and fiscal-year month: the planned occupant's expected bookings (unnormalised
//! profile) and those of a fully ramped rep holding the seat all year (for the in-year factor).
struct ExpectedYear {
  std::vector<double> occupant, full_year;
};

ExpectedYear expected_year(const Scenario& scenario, const FiscalYear& fy) {
  const TrialTables tables(scenario);
  const int n = fy.months();
  ExpectedYear e;
  e.occupant.assign(scenario.seats.size() * static_cast<std::size_t>(n), 0.0);
  e.full_year.assign(scenario.seats.size() * static_cast<std::size_t>(n), 0.0);
  for (std::size_t i = 0; i < scenario.seats.size(); ++i) {
    const Seat& seat = scenario.seats[i];
    for (int m = fy.first; m <= fy.last; ++m) {
      const SegmentParams& p = scenario.params_at(seat.region, seat.segment, m);
      const CellRates& cell = tables.cell(seat.region, seat.segment, m);
      const double rate = cell.intensity * cell.win_rate * p.deal_size.mean;
      const std::size_t k = i * n + (m - fy.first);
      e.full_year[k] = rate;
      if (m < seat.start) continue;
      const double ramp =
          p.ramp_curve < 0 ? 1.0 : scenario.ramp_curves[p.ramp_curve].at(m - seat.start);
      e.occupant[k] = ramp * rate;
    }
  }
  return e;
}

}  // namespace

std::vector<double> quota_profiles(const Scenario& scenario, const FiscalYear& fy) {
  const int n = fy.months();
  std::vector<double> profile = expected_year(scenario, fy).occupant;
  for (std::size_t i = 0; i < scenario.seats.size(); ++i) {
    double* row = &profile[i * n];
    double sum = 0;
    for (int k = 0; k < n; ++k) sum += row[k];
    const int first = std::max(fy.first, scenario.seats[i].start) - fy.first;
    if (!(sum > 0) && first < n) {
      // No rep-generated bookings expected (e.g. a segment with opportunity rate 0 whose seat
      // closes pipeline deals): the quota is spread evenly over the months in seat.
      for (int k = first; k < n; ++k) row[k] = 1.0;
      sum = n - first;
    }
    if (sum > 0) {
      for (int k = 0; k < n; ++k) row[k] /= sum;
    }
  }
  return profile;
}

std::vector<double> in_year_factors(const Scenario& scenario, const FiscalYear& fy) {
  const int n = fy.months();
  const ExpectedYear e = expected_year(scenario, fy);
  std::vector<double> factor(scenario.seats.size(), 0.0);
  for (std::size_t i = 0; i < scenario.seats.size(); ++i) {
    double occupant = 0, full = 0;
    for (int k = 0; k < n; ++k) {
      occupant += e.occupant[i * n + k];
      full += e.full_year[i * n + k];
    }
    const int first = std::max(fy.first, scenario.seats[i].start) - fy.first;
    factor[i] = full > 0 ? occupant / full : static_cast<double>(std::max(0, n - first)) / n;
  }
  return factor;
}

double new_bookings_target(const Scenario& scenario, int fiscal_year, int region) {
  for (const Target& t : scenario.targets) {
    if (t.metric == "new_bookings" && t.region == region && t.segment < 0 && t.quarter == 0 &&
        t.fiscal_year == fiscal_year) {
      return t.amount;
    }
  }
  return -1.0;
}

std::vector<double> phasing_profiles(const Scenario& scenario, const FiscalYear& fy,
                                     Phasing phasing) {
  if (phasing == Phasing::profile) return quota_profiles(scenario, fy);
  const int n = fy.months();
  std::vector<double> profile(scenario.seats.size() * static_cast<std::size_t>(n), 0.0);
  for (std::size_t s = 0; s < scenario.seats.size(); ++s) {
    const int first = std::clamp(scenario.seats[s].start - fy.first, 0, n);
    for (int k = first; k < n; ++k) profile[s * n + k] = 1.0 / (n - first);
  }
  return profile;
}

}  // namespace opsim::plan
