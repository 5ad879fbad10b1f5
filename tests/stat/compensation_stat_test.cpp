// Expected payout of a tiered, capped plan against the exact finite sum: one fully ramped seat
// with Poisson deal counts and a fixed deal size has attainment N x deal / quota with N
// Poisson, so E[payout] = sum_k P(N = k) min(cap, V G(k deal / quota)). Plans with several
// measures (scenarios/plan.md, "Components") against exact answers: new logos on the same
// Poisson count, retention of contracts that renew independently with a known probability, and
// a gate whose pass probability is known.
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "models/plan/compensation.hpp"
#include "tests/scenario_builder.hpp"
#include "tests/test_support.hpp"

namespace opsim::plan {
namespace {

//! Prices `plan` for the seats of `scenario` (every seat on it) with the given quotas.
//! A plan with components gets stated component quotas (component_quotas() without forecast
//! totals, the seats' expected bookings `expected`).
CompResult price(const Scenario& scenario, const CompPlan& plan, const std::vector<double>& quotas,
                 std::uint64_t trials, std::uint64_t seed,
                 const std::vector<double>& expected = {}) {
  const FiscalYear fy = fiscal_year_of(scenario, 2027, "test");
  CompSpec spec;
  spec.plans = {plan};
  spec.seat_plan.assign(scenario.seats.size(), 0);
  const std::vector<double> profiles = quota_profiles(scenario, fy);
  CompEvaluator evaluator(
      scenario, spec, fy, quotas, profiles, trials, 0,
      component_quotas(spec, quotas, expected.empty() ? quotas : expected, {}, MeasureTotals{}));
  test::price_year_over_run(scenario, evaluator, trials, seed);
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

constexpr double kLambda = 12 * 3.0 * 0.25;  // won deals a year
constexpr double kDeal = 1000.0;

//! One ramped rep R1 with fixed deals of kDeal; `contracts` renewals of ARR 1,000 in June it owns.
Scenario seat_with_book(int contracts, double churn) {
  nlohmann::json doc = test::base_document(12);
  doc["segments"][0] = test::fixed_deal_segment(3.0, 0.25, kDeal);
  doc["segments"][0]["churn_probability"] = churn;
  doc["roster"] = {
      {"reps", {{{"id", "R1"}, {"region", "NA"}, {"segment", "SMB"}, {"start", "2025-01"}}}}};
  nlohmann::json list = nlohmann::json::array();
  for (int k = 0; k < contracts; ++k) {
    list.push_back({{"id", fmt::format("C{}", k)},
                    {"owner", "R1"},
                    {"region", "NA"},
                    {"segment", "SMB"},
                    {"arr", 1000},
                    {"renewal_month", "2027-06"},
                    {"term_months", 12}});
  }
  if (contracts > 0) doc["installed_base"] = {{"contracts", list}};
  return test::scenario_from_json(doc);
}

Component component(const std::string& id, Measure measure, double weight) {
  Component c;
  c.id = id;
  c.measure = measure;
  c.weight = weight;
  c.tiers = {{0.0, 1.0}, {1.0, 2.0}};
  c.cap = 2.5;
  return c;
}

CompPlan plan_of(std::vector<Component> components) {
  CompPlan plan;
  plan.ote = 100000;
  plan.variable_share = 0.5;
  plan.components = std::move(components);
  return plan;
}

//! Mean of a seat x component payout over the trials and E[pay(K)], SE over `trials`, for a
//! count K with probabilities pmf[k].
std::pair<double, double> exact(const std::vector<double>& pmf, auto&& pay, std::uint64_t trials) {
  double expected = 0, second = 0;
  for (std::size_t k = 0; k < pmf.size(); ++k) {
    const double x = pay(static_cast<int>(k));
    expected += pmf[k] * x;
    second += pmf[k] * x * x;
  }
  return {expected, std::sqrt((second - expected * expected) / static_cast<double>(trials))};
}

std::vector<double> poisson_pmf(double lambda) {
  std::vector<double> pmf{std::exp(-lambda)};
  for (int k = 1; k < 200; ++k) pmf.push_back(pmf.back() * lambda / k);
  return pmf;
}

std::vector<double> binomial_pmf(int n, double p) {
  std::vector<double> pmf;
  for (int k = 0; k <= n; ++k)
    pmf.push_back(std::exp(std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0)) *
                  std::pow(p, k) * std::pow(1 - p, n - k));
  return pmf;
}

// New logos: the component pays w V min(cap, G(N / L)) with N ~ Poisson(lambda) won deals and a
// stated quota of L logos.
TEST(ComponentsExact, NewLogosPayTheExactPoissonSum) {
  const Scenario scenario = seat_with_book(0, 0.0);
  Component logos = component("logos", Measure::new_logos, 0.4);
  logos.quota = 8;
  const CompPlan plan = plan_of({component("bookings", Measure::new_bookings, 0.6), logos});
  constexpr std::uint64_t kTrials = 40000;
  const CompResult r = price(scenario, plan, {9000.0}, kTrials, 31);
  ASSERT_EQ(r.components.size(), 2U);
  const double v = 0.4 * plan.variable();
  const auto [expected, se] = exact(
      poisson_pmf(kLambda),
      [&](int k) { return std::min(logos.cap * v, v * logos.earnings_factor(k / 8.0)); }, kTrials);
  const double mean = r.components[1].expected;
  EXPECT_TRUE(test::within_4_se(mean, expected, se)) << mean << " vs " << expected;
  EXPECT_FALSE(test::within_4_se(mean, 1.05 * expected, se));
  // The components add up to the commission (no draws here).
  EXPECT_NEAR(r.components[0].expected + r.components[1].expected, r.commission,
              1e-9 * r.commission);
}

// Retention: n contracts of equal ARR renew with probability 1 - c each, so the rate is K / n
// with K ~ Binomial(n, 1 - c) and the component pays w V min(cap, G((K / n) / target)).
TEST(ComponentsExact, RetentionPaysTheExactBinomialSum) {
  constexpr int kContracts = 20;
  const Scenario scenario = seat_with_book(kContracts, 0.15);
  Component retention = component("keep", Measure::retention, 0.5);
  retention.target = 0.9;
  const CompPlan plan = plan_of({component("bookings", Measure::new_bookings, 0.5), retention});
  constexpr std::uint64_t kTrials = 40000;
  const CompResult r = price(scenario, plan, {9000.0}, kTrials, 37);
  const double v = 0.5 * plan.variable();
  const auto [expected, se] = exact(
      binomial_pmf(kContracts, 0.85),
      [&](int k) {
        return std::min(retention.cap * v,
                        v * retention.earnings_factor(k / double(kContracts) / 0.9));
      },
      kTrials);
  const double mean = r.components[1].expected;
  EXPECT_TRUE(test::within_4_se(mean, expected, se)) << mean << " vs " << expected;
  EXPECT_FALSE(test::within_4_se(mean, 1.05 * expected, se));
}

// A gate: logos pay only when bookings reach 80% of quota, i.e. N d >= 0.8 q. Both measures
// count the same deals, so the gated payout is E[1(N >= 0.8 q / d) w V min(cap, G(N / L))], and
// the share of trials in which the gated component pays is P(N >= 0.8 q / d) (all k >= 1).
TEST(ComponentsExact, GatedComponentPaysOnlyPastTheGate) {
  const Scenario scenario = seat_with_book(0, 0.0);
  Component logos = component("logos", Measure::new_logos, 0.3);
  logos.quota = 9;
  logos.gate = 0;
  logos.gate_attainment = 0.8;
  const double quota = 10000;  // gate at 8 deals
  const CompPlan plan = plan_of({component("bookings", Measure::new_bookings, 0.7), logos});
  constexpr std::uint64_t kTrials = 40000;
  const CompResult r = price(scenario, plan, {quota}, kTrials, 41);
  const double v = 0.3 * plan.variable();
  const std::vector<double> pmf = poisson_pmf(kLambda);
  auto passes = [&](int k) { return k * kDeal >= 0.8 * quota; };
  const auto [expected, se] = exact(
      pmf,
      [&](int k) {
        return passes(k) ? std::min(logos.cap * v, v * logos.earnings_factor(k / 9.0)) : 0.0;
      },
      kTrials);
  const double mean = r.components[1].expected;
  EXPECT_TRUE(test::within_4_se(mean, expected, se)) << mean << " vs " << expected;
  EXPECT_FALSE(test::within_4_se(mean, 1.05 * expected, se));
  double pass = 0;
  for (std::size_t k = 0; k < pmf.size(); ++k) pass += passes(static_cast<int>(k)) ? pmf[k] : 0;
  const double pass_se = std::sqrt(pass * (1 - pass) / kTrials);
  EXPECT_TRUE(test::within_4_se(r.components[1].probability_paid, pass, pass_se))
      << r.components[1].probability_paid << " vs " << pass;
  EXPECT_FALSE(test::within_4_se(r.components[1].probability_paid, 1.05 * pass, pass_se));
}

}  // namespace
}  // namespace opsim::plan
