#include "models/plan/fiscal_year.hpp"

#include <algorithm>
#include <cmath>

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

std::vector<double> quota_profiles(const Scenario& scenario, const FiscalYear& fy) {
  const TrialTables tables(scenario);
  const int n = fy.months();
  std::vector<double> profile(scenario.seats.size() * static_cast<std::size_t>(n), 0.0);
  for (std::size_t i = 0; i < scenario.seats.size(); ++i) {
    const Seat& seat = scenario.seats[i];
    double* row = &profile[i * n];
    double sum = 0;
    for (int m = std::max(fy.first, seat.start); m <= fy.last; ++m) {
      const SegmentParams& p = scenario.params_at(seat.region, seat.segment, m);
      const double ramp =
          p.ramp_curve < 0 ? 1.0 : scenario.ramp_curves[p.ramp_curve].at(m - seat.start);
      const CellRates& cell = tables.cell(seat.region, seat.segment, m);
      row[m - fy.first] = ramp * cell.intensity * cell.win_rate * p.deal_size.mean;
      sum += row[m - fy.first];
    }
    if (sum > 0) {
      for (int k = 0; k < n; ++k) row[k] /= sum;
    }
  }
  return profile;
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

}  // namespace opsim::plan
