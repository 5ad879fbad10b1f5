// Workforce expectations: with a constant monthly hazard h and no backfill, a rep hired before
// the horizon is active in month m with probability (1-h)^(m+1); a hire starting in month 0
// contributes ramp(m) x prod_{t=1..m} (1 - h(t)) ramped FTE, h by tenure band.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "sim/engine/summary.hpp"
#include "tests/scenario_builder.hpp"

namespace opsim {
namespace {

std::size_t cell(const ResultLayout& layout, int month, Metric metric) {
  return month * layout.cells() +
         layout.cell(layout.regions - 1, layout.segments - 1, static_cast<int>(metric));
}

TEST(WorkforceExact, HeadcountDecaysWithTheMonthlyHazard) {
  const int reps = 400;
  nlohmann::json doc = test::base_document(12);
  doc["segments"][0] = {{"id", "SMB"}, {"attrition", 0.3}, {"backfill_lag_months", "none"}};
  nlohmann::json list = nlohmann::json::array();
  for (int i = 0; i < reps; ++i)
    list.push_back({{"id", fmt::format("R{}", i)},
                    {"region", "NA"},
                    {"segment", "SMB"},
                    {"start", "2024-06"}});
  doc["roster"] = {{"reps", list}};
  const Scenario scenario = test::scenario_from_json(doc);
  const RunResult result = test::run(scenario, 4000, 17);
  const Summary summary = summarise(scenario, result);
  const double h = 1 - std::pow(0.7, 1.0 / 12);
  for (int m = 0; m < 12; ++m) {
    const double q = std::pow(1 - h, m + 1);
    const double expected = reps * q;
    const double se = std::sqrt(reps * q * (1 - q) / 4000);
    const double mean = summary.monthly_mean[cell(result.layout, m, Metric::headcount)];
    EXPECT_TRUE(test::within_4_se(mean, expected, se))
        << "month " << m << ": " << mean << " vs " << expected;
    EXPECT_FALSE(test::within_4_se(mean, 1.05 * expected, se)) << "month " << m;
  }
  // After 12 months, the annual rate: 30% gone.
  EXPECT_NEAR(std::pow(1 - h, 12), 0.7, 1e-12);
}

TEST(WorkforceExact, RampedFteOfNewHiresFollowsRampAndTenureBandedSurvival) {
  const int hires = 300;
  const std::vector<double> ramp{0.1, 0.4, 0.7};
  nlohmann::json doc = test::base_document(12);
  doc["ramp_curves"] = {{{"id", "r"}, {"fraction", ramp}}};
  doc["segments"][0] = {
      {"id", "SMB"},
      {"ramp_curve", "r"},
      {"backfill_lag_months", "none"},
      {"attrition", {{{"max_tenure_months", 3}, {"annual", 0.5}}, {{"annual", 0.2}}}}};
  doc["hiring_plan"] = {
      {{"region", "NA"}, {"segment", "SMB"}, {"requisition_month", "2027-01"}, {"count", hires}}};
  const Scenario scenario = test::scenario_from_json(doc);
  const RunResult result = test::run(scenario, 4000, 23);
  const Summary summary = summarise(scenario, result);
  double survival = 1.0;
  for (int m = 0; m < 12; ++m) {
    if (m >= 1) survival *= 1 - (1 - std::pow(1 - (m <= 3 ? 0.5 : 0.2), 1.0 / 12));
    const double f = m < 3 ? ramp[m] : 1.0;
    const double expected = hires * f * survival;
    // Var of the sum of f x Bernoulli(survival) over hires.
    const double se = f * std::sqrt(hires * survival * (1 - survival) / 4000);
    const double mean = summary.monthly_mean[cell(result.layout, m, Metric::ramped_fte)];
    if (m == 0) {
      EXPECT_NEAR(mean, expected, 1e-9 * expected);  // nobody leaves in the month they start
      continue;
    }
    EXPECT_TRUE(test::within_4_se(mean, expected, se))
        << "month " << m << ": " << mean << " vs " << expected;
    EXPECT_FALSE(test::within_4_se(mean, 1.05 * expected, se)) << "month " << m;
  }
}

TEST(WorkforceExact, ImmediateBackfillKeepsHeadcountAndMatchesHiresToDepartures) {
  nlohmann::json doc = test::base_document(12);
  doc["segments"][0] = {{"id", "SMB"}, {"attrition", 0.4}, {"backfill_lag_months", 0}};
  nlohmann::json list = nlohmann::json::array();
  for (int i = 0; i < 50; ++i)
    list.push_back({{"id", fmt::format("R{}", i)},
                    {"region", "NA"},
                    {"segment", "SMB"},
                    {"start", "2025-01"}});
  doc["roster"] = {{"reps", list}};
  const Scenario scenario = test::scenario_from_json(doc);
  const RunResult result = test::run(scenario, 200, 3, 1);
  const Summary summary = summarise(scenario, result);
  double departures = 0;
  for (int m = 0; m < 12; ++m) {
    EXPECT_EQ(summary.monthly_mean[cell(result.layout, m, Metric::headcount)], 50.0);
    EXPECT_DOUBLE_EQ(summary.monthly_mean[cell(result.layout, m, Metric::hires)],
                     summary.monthly_mean[cell(result.layout, m, Metric::departures)]);
    departures += summary.monthly_mean[cell(result.layout, m, Metric::departures)];
  }
  EXPECT_GT(departures, 10.0);  // people did leave
}

}  // namespace
}  // namespace opsim
