// Recovery: opsim's own simulated opportunities, exported as a CRM CSV and fitted back, give
// the parameters that made them within 4 reported standard errors; a 10% shift is noticed.
#include <gtest/gtest.h>

#include <numeric>

#include <fmt/format.h>

#include "models/calibration/fit.hpp"
#include "sim/io/csv.hpp"
#include "sim/io/deal_export.hpp"
#include "sim/io/history_reader.hpp"
#include "tests/scenario_builder.hpp"
#include "tests/test_support.hpp"

namespace opsim {
namespace {

using calibration::Calibration;
using calibration::Estimate;

constexpr double kWinRate = 0.3, kQuarterEnd = 1.3, kDealMean = 5000, kDealCv = 0.6, kRate = 3.0,
                 kGrowth = 0.10;
const std::vector<double> kCycle{0.2, 0.3, 0.3, 0.2};
const std::vector<double> kSeason{0.7, 0.8, 1.1, 1.0, 1.0, 1.1, 0.9, 0.8, 1.2, 1.0, 1.1, 1.3};

nlohmann::json recovery_document(double win_rate) {
  nlohmann::json doc = test::base_document(36);
  doc["regions"][0]["seasonality"] = kSeason;
  doc["segments"][0] = {{"id", "SMB"},
                        {"opportunity_rate", kRate},
                        {"win_rate", win_rate},
                        {"quarter_end_win_multiplier", kQuarterEnd},
                        {"deal_size", {{"mean", kDealMean}, {"cv", kDealCv}}},
                        {"cycle_months", kCycle},
                        {"productivity_growth", kGrowth}};
  nlohmann::json reps = nlohmann::json::array();
  for (int i = 0; i < 300; ++i) {
    reps.push_back({{"id", fmt::format("R{:03d}", i)},
                    {"region", "NA"},
                    {"segment", "SMB"},
                    {"start", "2025-01"}});
  }
  doc["roster"] = {{"reps", reps}};
  return doc;
}

//! Simulates trial 0, exports it, reads it back like a user's CSV and fits it as of the end.
Calibration fit_export(double win_rate, std::uint64_t seed,
                       int as_of = calibration::day_number(2029, 12, 31)) {
  const Scenario scenario = test::scenario_from_json(recovery_document(win_rate));
  test::TempDir dir;
  const std::string path = (dir / "deals.csv").string();
  export_deals(path, scenario, seed, 0);
  HistorySource source;
  source.opportunities = TableSource{path, {}};
  ReadReport report;
  const calibration::History history = read_history(source, report);
  EXPECT_TRUE(report.issues.empty());
  calibration::FitOptions options;
  options.as_of = as_of;
  // Opportunities created before the horizon were dropped by the engine: skip the months
  // where that thins the data (cycles are at most 3 months).
  options.since = calibration::day_number(2027, 4, 1);
  return calibration::fit_history(history, options);
}

::testing::AssertionResult within_4_se(const char* what, const Estimate& e, double truth) {
  if (std::isfinite(e.se) && std::abs(e.value - truth) <= 4 * e.se)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << what << ": " << e.value << " ± " << e.se << " vs " << truth;
}

TEST(Recovery, FittedParametersMatchTheSimulatingOnes) {
  const Calibration fit = fit_export(kWinRate, 2024);
  ASSERT_GT(fit.closes, 10000);
  const auto& size = fit.segment_deal_sizes.at(0);
  const auto& rate = fit.rep_rates.at(0);  // all regions, all segments
  // Rep-months: 300 reps over the 33 months fitted.
  EXPECT_EQ(rate.rep_months, 300 * 33);
  // The rate per rep-month follows seasonality and growth; its mean over horizon months 3..35:
  const double season_sum = std::accumulate(kSeason.begin(), kSeason.end(), 0.0);
  double mean_rate = 0;
  for (int m = 3; m < 36; ++m)
    mean_rate += kRate * kSeason[m % 12] * 12 / season_sum * std::pow(1 + kGrowth, m / 12.0) / 33;
  // Negative twins: the same check rejects a value 10% off (growth, a rate itself: 10 points).
  const struct {
    const char* name;
    Estimate estimate;
    double truth, twin;
  } checks[] = {
      {"win rate", fit.overall_win_rate, kWinRate, 1.1 * kWinRate},
      {"quarter-end multiplier", fit.quarter_end_multiplier, kQuarterEnd, 1.1 * kQuarterEnd},
      {"deal mean", size.mean, kDealMean, 1.1 * kDealMean},
      {"deal cv", size.cv, kDealCv, 1.1 * kDealCv},
      {"rate per rep-month", rate.rate, mean_rate, 1.1 * mean_rate},
      {"annual growth", fit.annual_growth, kGrowth, kGrowth + 0.1}};
  for (const auto& c : checks) {
    EXPECT_TRUE(within_4_se(c.name, c.estimate, c.truth));
    EXPECT_FALSE(within_4_se(c.name, c.estimate, c.twin)) << c.name;
  }
  const auto& region = fit.region_fits.at(0);
  for (int c = 0; c < 12; ++c) {
    EXPECT_TRUE(within_4_se("seasonality", {region.seasonality[c], region.seasonality_se[c]},
                            kSeason[c] * 12 / season_sum))
        << "calendar month " << c + 1;
  }
  EXPECT_TRUE(fit.open_pipeline.empty());
}

TEST(Recovery, AWinRateShiftedByTenPercentIsNoticed) {
  const Calibration fit = fit_export(1.1 * kWinRate, 2024);
  EXPECT_FALSE(within_4_se("win rate", fit.overall_win_rate, kWinRate));
  EXPECT_TRUE(within_4_se("win rate", fit.overall_win_rate, 1.1 * kWinRate));
}

TEST(DealExport, ExportedTrialIsTheRunsTrial) {
  // The export re-simulates one trial: its won amounts add up to that trial's new bookings.
  nlohmann::json doc = recovery_document(kWinRate);
  doc["horizon"]["months"] = 12;
  const Scenario scenario = test::scenario_from_json(doc);
  const RunResult result = test::run(scenario, 3, 77);
  test::TempDir dir;
  const std::string path = (dir / "deals.csv").string();
  export_deals(path, scenario, 77, 2);
  const CsvTable table = CsvTable::read(path);
  double won = 0;
  for (const auto& row : table.rows()) {
    if (table.text(row, table.require_column("stage")) == "Won")
      won += table.number(row, table.require_column("amount"));
  }
  const auto bookings = test::period_column(result, test::period_index(result.layout, "FY2027"),
                                            Metric::new_bookings);
  EXPECT_NEAR(won, bookings[2], 1e-6 * bookings[2] + 0.01 * table.rows().size());
}

//! z-scores of the scenario cycle pmf calibrate writes for the export of `seed`, against `truth`.
std::vector<double> cycle_z_scores(std::uint64_t seed, const std::vector<double>& truth) {
  // The engine creates an opportunity when it resolves, so a trial holds no deal still open at
  // the end of its horizon: in its last months only short cycles are seen (right truncation).
  // Fit as of three months (the longest cycle) before the horizon ends, where every deal created
  // by then is in the export, closed or still open.
  const Calibration fit = fit_export(kWinRate, seed, calibration::day_number(2029, 9, 30));
  const std::vector<double> pmf = calibration::resolution_cycle_pmf(fit);
  EXPECT_EQ(pmf.size(), truth.size());
  std::vector<double> z;
  for (std::size_t k = 0; k < truth.size() && k < pmf.size(); ++k)
    z.push_back((pmf[k] - truth[k]) / std::sqrt(truth[k] * (1 - truth[k]) / fit.cycle.closed));
  return z;
}

// The cycle calibrate writes into a scenario is the simulating one. Averaged over ten exports
// so that a bias of a fifth of a standard error per export shows (the mean of ten z-scores has
// SD 0.32): the right truncation at the horizon end and the growth tilt between the cohort and
// resolution views (resolution_cycle_pmf) each moved the mean z by about 1 to 4.
TEST(Recovery, CycleDistributionMatchesTheSimulatingOne) {
  constexpr int kSeeds = 10;
  std::vector<double> mean_z(kCycle.size(), 0.0);
  for (int i = 0; i < kSeeds; ++i) {
    const std::vector<double> z = cycle_z_scores(2024 + i, kCycle);
    for (std::size_t k = 0; k < z.size(); ++k) mean_z[k] += z[k] / kSeeds;
  }
  for (std::size_t k = 0; k < kCycle.size(); ++k) {
    EXPECT_LT(std::abs(mean_z[k]), 4 / std::sqrt(double(kSeeds))) << "P(cycle = " << k << ")";
  }
}

// Negative twin: a pmf with 5% of P(cycle = 1) moved to P(cycle = 2) is told apart.
TEST(Recovery, CycleDistributionFivePercentOffIsNoticed) {
  constexpr int kSeeds = 10;
  std::vector<double> shifted = kCycle;
  shifted[1] *= 0.95;
  shifted[2] += 0.05 * kCycle[1];
  double mean_z1 = 0.0;
  for (int i = 0; i < kSeeds; ++i) mean_z1 += cycle_z_scores(2024 + i, shifted)[1] / kSeeds;
  EXPECT_GT(std::abs(mean_z1), 4 / std::sqrt(double(kSeeds)));
}

}  // namespace
}  // namespace opsim
