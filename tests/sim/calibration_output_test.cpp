// The scenario written from a fit: region-level intensity or a roster of the active reps give
// the same expected resolutions in the first forecast month.
#include <gtest/gtest.h>

#include "sim/io/calibration_output.hpp"
#include "sim/io/scenario_loader.hpp"
#include "tests/shared_data.hpp"

namespace opsim {
namespace {

TEST(CalibratedScenario, RepRosterMatchesRegionIntensity) {
  OPSIM_REQUIRE_DATA_OR_SKIP(!test::shared_data_dir().empty(), "../shared/data is absent");
  ReadReport report;
  const calibration::History history = read_history(test::maven_source(), report);
  calibration::FitOptions options;
  options.as_of = calibration::day_number(2017, 9, 30);
  const calibration::Calibration fit = calibration::fit_history(history, options);
  ScenarioRequest request;
  const Scenario regional = build_scenario(calibrated_scenario(fit, request), "region.json", ".");
  request.rep_roster = true;
  const Scenario roster = build_scenario(calibrated_scenario(fit, request), "reps.json", ".");
  EXPECT_TRUE(roster.intensities.empty());
  EXPECT_EQ(roster.seats.size(), fit.active_reps.size() * fit.segments.size());
  EXPECT_GE(fit.active_reps.size(), 20u);
  std::vector<double> by_region(regional.region_count(), 0.0),
      by_seats(regional.region_count(), 0.0);
  for (const IntensitySpec& spec : regional.intensities)
    by_region[spec.region] += spec.opportunities[0];
  const double season_growth =
      1.0;  // month 0: growth 1; seasonality is flat with 7 months of history
  for (const Seat& seat : roster.seats) {
    by_seats[seat.region] +=
        roster.params_at(seat.region, seat.segment, 0).opportunity_rate * season_growth;
  }
  for (int r = 0; r < regional.region_count(); ++r)
    EXPECT_NEAR(by_seats[r], by_region[r], 1e-9 * by_region[r]);
}

}  // namespace
}  // namespace opsim
