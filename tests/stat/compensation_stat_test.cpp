// Expected payout of a tiered, capped plan against the exact finite sum: one fully ramped seat
// with Poisson deal counts and a fixed deal size has attainment N x deal / quota with N
// Poisson, so E[payout] = sum_k P(N = k) min(cap, V G(k deal / quota)).
#include <gtest/gtest.h>

#include <cmath>

#include "models/plan/compensation.hpp"
#include "tests/scenario_builder.hpp"

namespace opsim::plan {
namespace {

TEST(CompensationExact, TieredCappedPlanMatchesThePoissonSum) {
  nlohmann::json doc = test::base_document(12);
  doc["segments"][0] = test::fixed_deal_segment(3.0, 0.25, 1000.0);
  doc["roster"] = {
      {"reps", {{{"id", "R1"}, {"region", "NA"}, {"segment", "SMB"}, {"start", "2025-01"}}}}};
  const Scenario scenario = test::scenario_from_json(doc);
  const FiscalYear fy = fiscal_year_of(scenario, 2027, "test");
  CompSpec spec;
  CompPlan plan;
  plan.ote = 100000;
  plan.variable_share = 0.5;
  plan.tiers = {{0.0, 0.5}, {0.5, 1.0}, {1.0, 2.0}, {1.5, 3.0}};
  plan.cap = 2.5;
  spec.plans = {plan};
  spec.seat_plan = {0};
  const double quota = 10000;  // 10 deals
  const std::vector<double> quotas{quota};
  const std::vector<double> profiles = quota_profiles(scenario, fy);
  constexpr std::uint64_t kTrials = 40000;
  CompEvaluator evaluator(scenario, spec, fy, quotas, profiles, kTrials);
  const SeatMonthRecording recording = evaluator.recording();
  RunOptions options;
  options.end_trial = kTrials;
  options.seed = 17;
  options.threads = 2;
  options.seat_months = &recording;
  options.observe_trial = [&](std::uint64_t t, const TrialOutcome& o) { evaluator.observe(t, o); };
  (void)run_trials(scenario, options);
  const CompResult result = evaluator.finish(std::vector<double>(kTrials, 1.0));

  const double lambda = 12 * 3.0 * 0.25;  // won deals a year
  const double variable = plan.variable();
  double expected = 0, second = 0, pmf = std::exp(-lambda);
  for (int k = 0; k < 200; ++k) {
    if (k > 0) pmf *= lambda / k;
    const double pay =
        std::min(plan.cap * variable, variable * plan.earnings_factor(k * 1000.0 / quota));
    expected += pmf * pay;
    second += pmf * pay * pay;
  }
  const double se = std::sqrt((second - expected * expected) / kTrials);
  double mean = 0;
  for (double v : result.total_variable) mean += v / kTrials;
  EXPECT_TRUE(test::within_4_se(mean, expected, se)) << mean << " vs " << expected;
  EXPECT_FALSE(test::within_4_se(mean, 1.05 * expected, se));
  // Base pay: the seat is occupied all year.
  EXPECT_NEAR(result.base, plan.base(), 1e-6 * plan.base());
}

}  // namespace
}  // namespace opsim::plan
