// Expected payout of a tiered, capped plan against the exact finite sum: one fully ramped seat
// with Poisson deal counts and a fixed deal size has attainment N x deal / quota with N
// Poisson, so E[payout] = sum_k P(N = k) min(cap, V G(k deal / quota)).
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>
#include <utility>

#include "models/plan/compensation.hpp"
#include "tests/scenario_builder.hpp"

namespace opsim::plan {
namespace {

//! Prices `plan` for the seats of `scenario` (every seat on it) with the given quotas.
CompResult price(const Scenario& scenario, const CompPlan& plan, const std::vector<double>& quotas,
                 std::uint64_t trials, std::uint64_t seed) {
  const FiscalYear fy = fiscal_year_of(scenario, 2027, "test");
  CompSpec spec;
  spec.plans = {plan};
  spec.seat_plan.assign(scenario.seats.size(), 0);
  const std::vector<double> profiles = quota_profiles(scenario, fy);
  CompEvaluator evaluator(scenario, spec, fy, quotas, profiles, trials);
  const SeatMonthRecording recording = evaluator.recording();
  RunOptions options;
  options.end_trial = trials;
  options.seed = seed;
  options.threads = 2;
  options.seat_months = &recording;
  options.observe_trial = [&](std::uint64_t t, const TrialOutcome& o) { evaluator.observe(t, o); };
  (void)run_trials(scenario, options);
  return evaluator.finish(std::vector<double>(trials, 1.0));
}

//! E[min(cap x V', V' x G(N d / q))] and its standard error over `trials`, N ~ Poisson(lambda),
//! V' the on-target variable pay of the months in seat.
std::pair<double, double> poisson_payout(const CompPlan& plan, double on_target, double lambda,
                                         double deal, double quota, std::uint64_t trials) {
  double expected = 0, second = 0, pmf = std::exp(-lambda);
  for (int k = 0; k < 200; ++k) {
    if (k > 0) pmf *= lambda / k;
    const double pay =
        std::min(plan.cap * on_target, on_target * plan.earnings_factor(k * deal / quota));
    expected += pmf * pay;
    second += pmf * pay * pay;
  }
  return {expected, std::sqrt((second - expected * expected) / static_cast<double>(trials))};
}

TEST(CompensationExact, TieredCappedPlanMatchesThePoissonSum) {
  nlohmann::json doc = test::base_document(12);
  doc["segments"][0] = test::fixed_deal_segment(3.0, 0.25, 1000.0);
  doc["roster"] = {
      {"reps", {{{"id", "R1"}, {"region", "NA"}, {"segment", "SMB"}, {"start", "2025-01"}}}}};
  const Scenario scenario = test::scenario_from_json(doc);
  CompPlan plan;
  plan.ote = 100000;
  plan.variable_share = 0.5;
  plan.tiers = {{0.0, 0.5}, {0.5, 1.0}, {1.0, 2.0}, {1.5, 3.0}};
  plan.cap = 2.5;
  const double quota = 10000;  // 10 deals
  constexpr std::uint64_t kTrials = 40000;
  const CompResult result = price(scenario, plan, {quota}, kTrials, 17);
  const auto [expected, se] =
      poisson_payout(plan, plan.variable(), 12 * 3.0 * 0.25, 1000.0, quota, kTrials);
  double mean = 0;
  for (double v : result.total_variable) mean += v / kTrials;
  EXPECT_TRUE(test::within_4_se(mean, expected, se)) << mean << " vs " << expected;
  EXPECT_FALSE(test::within_4_se(mean, 1.05 * expected, se));
  // Base pay: the seat is occupied all year.
  EXPECT_NEAR(result.base, plan.base(), 1e-6 * plan.base());
}

// Defect: a seat filled in April was paid its full annual target incentive at 100%. With months
// in seat n = 9, on-target variable V' = V x 9/12 and the payout is E[min(cap V', V' G(N d / q))]
// with N ~ Poisson(9 x rate x win), base pay 9/12 of the year's.
TEST(CompensationExact, PartYearSeatIsPaidOnTargetProratedByMonthsInSeat) {
  nlohmann::json doc = test::base_document(12);
  doc["segments"][0] = test::fixed_deal_segment(3.0, 0.25, 1000.0);
  doc["hiring_plan"] = {
      {{"region", "NA"}, {"segment", "SMB"}, {"requisition_month", "2027-04"}, {"count", 1}}};
  const Scenario scenario = test::scenario_from_json(doc);
  CompPlan plan;
  plan.ote = 100000;
  plan.variable_share = 0.5;
  plan.tiers = {{0.0, 1.0}, {1.0, 2.0}};
  plan.cap = 2.0;
  const double quota = 7000;  // 7 deals
  constexpr std::uint64_t kTrials = 40000;
  const CompResult result = price(scenario, plan, {quota}, kTrials, 23);
  const auto [expected, se] =
      poisson_payout(plan, plan.variable() * 9 / 12, 9 * 3.0 * 0.25, 1000.0, quota, kTrials);
  double mean = 0;
  for (double v : result.total_variable) mean += v / kTrials;
  EXPECT_TRUE(test::within_4_se(mean, expected, se)) << mean << " vs " << expected;
  EXPECT_FALSE(test::within_4_se(mean, 1.05 * expected, se));
  EXPECT_NEAR(result.base, plan.base() * 9 / 12, 1e-6 * plan.base());
  EXPECT_GT(std::abs(1.05 * result.base - plan.base() * 9 / 12), 1e-6 * plan.base());
}

// Defect: a seat whose segment generates no opportunities (opportunity_rate 0) but owns won
// pipeline deals had an all-zero quota profile, so a year-to-date quota and cap of 0 and no
// pay. Its profile is now flat over its months: 80,000 won on a quota of 100,000 pays 0.8 V.
TEST(CompensationExact, PipelineOnlySeatIsPaidOnItsWonDeals) {
  nlohmann::json doc = test::base_document(12);
  doc["segments"][0] = {{"id", "SMB"}, {"opportunity_rate", 0.0}, {"win_rate", 0.25}};
  doc["roster"] = {
      {"reps", {{{"id", "R1"}, {"region", "NA"}, {"segment", "SMB"}, {"start", "2025-01"}}}}};
  nlohmann::json deals = nlohmann::json::array();
  for (const auto& [id, amount, close] :
       {std::tuple{"D1", 30000.0, "2027-03"}, std::tuple{"D2", 50000.0, "2027-08"}}) {
    deals.push_back({{"id", id},
                     {"owner", "R1"},
                     {"region", "NA"},
                     {"segment", "SMB"},
                     {"stage", "commit"},
                     {"amount", amount},
                     {"expected_close", close}});
  }
  doc["pipeline"] = {{"stages", {{{"id", "commit"}, {"win_probability", 1.0}}}}, {"deals", deals}};
  const Scenario scenario = test::scenario_from_json(doc);
  const FiscalYear fy = fiscal_year_of(scenario, 2027, "test");
  const std::vector<double> profile = quota_profiles(scenario, fy);
  for (double w : profile) EXPECT_NEAR(w, 1.0 / 12, 1e-15);
  CompPlan plan;
  plan.ote = 200000;
  plan.variable_share = 0.5;
  plan.measurement = Measurement::quarterly;
  const CompResult result = price(scenario, plan, {100000.0}, 64, 5);
  const double expected = 0.8 * plan.variable();
  EXPECT_NEAR(result.seat_variable[0], expected, 1e-6 * expected);
  EXPECT_GT(std::abs(1.05 * result.seat_variable[0] - expected), 1e-6 * expected);
}

}  // namespace
}  // namespace opsim::plan
