// Cost-aware paired comparison: programme costs are exact, a cost tied to hires matches the
// expected hire count, and the return on cost and P(return > x) match their closed forms.
#include "sim/engine/economics.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "sim/base/error.hpp"
#include "sim/io/cost_loader.hpp"
#include "tests/scenario_builder.hpp"

namespace opsim {
namespace {

//! NA and EMEA, 50 opportunities a month each at a 30% win rate, deals of 1,000, FY = 2027.
nlohmann::json two_region_document() {
  nlohmann::json doc = test::base_document(12);
  doc["regions"] = {{{"id", "NA"}}, {{"id", "EMEA"}}};
  doc["segments"][0] = test::fixed_deal_segment(0, 0.3, 1000);
  doc["new_business_intensity"] = {
      {{"region", "NA"}, {"segment", "SMB"}, {"opportunities_per_month", 50}},
      {{"region", "EMEA"}, {"segment", "SMB"}, {"opportunities_per_month", 50}}};
  doc["targets"] = {{{"fiscal_year", 2027}, {"amount", 365000}}};
  return doc;
}

struct Arm {
  Scenario scenario;
  CostModel costs;
  RunResult result;
  std::vector<double> cost;
};

Arm run_arm(const nlohmann::json& doc, std::uint64_t trials) {
  Arm arm;
  arm.scenario = test::scenario_from_json(doc);
  arm.costs = load_costs(arm.scenario, doc);
  arm.result = test::run(arm.scenario, trials, 17);
  arm.cost = trial_costs(arm.costs, arm.scenario, arm.result);
  return arm;
}

Economics compare(const Arm& base, const Arm& alt, double threshold) {
  const Summary summary = summarise(base.scenario, base.result);
  return compare_economics("alt", base.result, base.cost, alt.result, alt.cost,
                           static_cast<int>(Metric::new_bookings), threshold, summary.targets,
                           std::vector<std::string>(summary.targets.size(), "target"));
}

TEST(Economics, ProgrammeCostsAreExactAndReturnMatchesTheClosedForm) {
  const nlohmann::json base_doc = two_region_document();
  nlohmann::json alt_doc = base_doc;
  // An EMEA enablement programme: 1,000 once in March, 500 a month from July: 4,000 in FY2027.
  alt_doc["costs"] = {{{"id", "enablement"},
                       {"region", "EMEA"},
                       {"one_off", 1000},
                       {"month", "2027-03"},
                       {"monthly", 500},
                       {"from", "2027-07"}}};
  // ... worth +3 win-rate points in EMEA (a region-level override).
  alt_doc["overrides"] = {{{"region", "EMEA"}, {"segment", "SMB"}, {"set", {{"win_rate", 0.33}}}}};
  const std::uint64_t n = 10'000;
  const Arm base = run_arm(base_doc, n), alt = run_arm(alt_doc, n);
  const double threshold = 4.0;
  const Economics e = compare(base, alt, threshold);
  // Cells [period][NA, EMEA, total]; FY2027 is one of the periods (with its quarters).
  const std::size_t fy = test::period_index(base.result.layout, "FY2027");
  ASSERT_EQ(e.cells.size(), 3 * base.result.layout.periods.size());
  const EconomicsCell &na = e.cells[3 * fy], &emea = e.cells[3 * fy + 1],
                      &total = e.cells[3 * fy + 2];
  // Deterministic costs: exact, and exactly zero error.
  EXPECT_EQ(emea.cost.mean, 4000.0);
  EXPECT_EQ(emea.cost.se, 0.0);
  EXPECT_EQ(total.cost.mean, 4000.0);
  EXPECT_EQ(na.cost.mean, 0.0);
  EXPECT_NE(emea.cost.mean, 1.05 * 4000.0);    // negative twin
  EXPECT_TRUE(std::isnan(na.return_on_cost));  // no extra cost: no return
  // Common random numbers: the extra EMEA wins are the opportunities with u in [0.30, 0.33),
  // Poisson(600 x 0.03 = 18), so delta bookings = 1,000 x Poisson(18).
  const double mean_gain = 18'000;
  EXPECT_TRUE(test::within_4_se(emea.bookings.mean, mean_gain, emea.bookings.se));
  EXPECT_FALSE(test::within_4_se(emea.bookings.mean, 1.05 * mean_gain, emea.bookings.se));
  EXPECT_EQ(na.bookings.mean, 0.0);
  EXPECT_TRUE(test::within_4_se(emea.contribution.mean, mean_gain - 4000, emea.contribution.se));
  EXPECT_TRUE(test::within_4_se(emea.return_on_cost, mean_gain / 4000, emea.return_se));
  EXPECT_FALSE(test::within_4_se(emea.return_on_cost, 1.05 * mean_gain / 4000, emea.return_se));
  // P(return > 4) = P(1,000 N > 16,000) = P(N >= 17), N ~ Poisson(18).
  double below = 0, term = std::exp(-18.0);
  for (int k = 0; k <= 16; ++k) {
    below += term;
    term *= 18.0 / (k + 1);
  }
  const double p = 1 - below, p_se = std::sqrt(p * (1 - p) / static_cast<double>(n));
  EXPECT_TRUE(test::within_4_se(emea.p_return_above, p, p_se)) << emea.p_return_above;
  EXPECT_FALSE(test::within_4_se(emea.p_return_above, 1.05 * p, p_se));
  // The target's paired change in P(reach) carries a standard error and matches the
  // difference of the two arms' own probabilities.
  ASSERT_EQ(e.targets.size(), 1u);
  EXPECT_GT(e.targets[0].change.se, 0.0);
  EXPECT_NEAR(e.targets[0].change.mean, e.targets[0].alt - e.targets[0].base, 1e-12);
  EXPECT_GT(e.targets[0].change.mean, 4 * e.targets[0].change.se);
}

TEST(Economics, CostPerHireFollowsTheExpectedHireCount) {
  nlohmann::json base_doc = two_region_document();
  base_doc["segments"][0]["attrition"] = 0.3;
  base_doc["segments"][0]["backfill_lag_months"] = 0;
  base_doc["plan"] = {{"capacity",
                       {{"windows",
                         {{{"region", "EMEA"},
                           {"segment", "SMB"},
                           {"earliest", "2027-01"},
                           {"max_hires", 10},
                           {"cost_per_hire", 10000},
                           {"monthly_cost", 1000}}}}}}};
  nlohmann::json alt_doc = base_doc;
  alt_doc["hiring_plan"] = {{{"region", "EMEA"},
                             {"segment", "SMB"},
                             {"requisition_month", "2027-01"},
                             {"count", 5},
                             {"time_to_fill_months", 0}}};
  const std::uint64_t n = 4'000;
  const Arm base = run_arm(base_doc, n), alt = run_arm(alt_doc, n);
  ASSERT_EQ(alt.costs.hires.size(), 1u);
  const Economics e = compare(base, alt, 1.0);
  const std::size_t fy = test::period_index(base.result.layout, "FY2027");
  const EconomicsCell& emea = e.cells[3 * fy + 1];
  // Each hire starts in month 0 and, with backfills at once, its seat is refilled after every
  // departure: 1 + 11 h hires per seat, h = 1 - 0.7^(1/12) the monthly hazard. The monthly cost
  // is 12 months x 5 seats x 1,000.
  const double h = 1 - std::pow(0.7, 1.0 / 12);
  const double expected = 10000 * 5 * (1 + 11 * h) + 5 * 12 * 1000;
  EXPECT_TRUE(test::within_4_se(emea.cost.mean, expected, emea.cost.se)) << emea.cost.mean;
  EXPECT_FALSE(test::within_4_se(emea.cost.mean, 1.05 * expected, emea.cost.se));
  EXPECT_GT(emea.cost.se, 0.0);
  EXPECT_EQ(e.cells[3 * fy].cost.mean, 0.0);  // nothing changes in NA
}

TEST(Economics, BadCostsNameThePointer) {
  auto refused = [](nlohmann::json cost, const std::string& expected) {
    nlohmann::json doc = two_region_document();
    doc["costs"] = {std::move(cost)};
    const Scenario scenario = test::scenario_from_json(doc);
    try {
      (void)load_costs(scenario, doc);
      ADD_FAILURE() << "accepted; expected " << expected;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  };
  refused({{"id", "x"}, {"region", "EMEA"}}, "/costs/0");
  refused({{"id", "x"}, {"region", "EMAE"}, {"monthly", 1}}, "did you mean \"EMEA\"");
  refused({{"id", "x"}, {"one_off", 1}, {"month", "2029-01"}}, "outside the horizon");
  refused({{"id", "x"}, {"monthly", -5}}, "/costs/0/monthly");
}

}  // namespace
}  // namespace opsim
