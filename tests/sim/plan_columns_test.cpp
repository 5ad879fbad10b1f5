// Headings and units of the plan tables (sim/io/plan_columns.hpp), as the HTML report shows
// them (review finding: raw snake_case names).
#include <gtest/gtest.h>

#include "sim/io/plan_columns.hpp"
#include "sim/io/plan_output.hpp"

namespace opsim {
namespace {

TEST(PlanColumns, HeadingsAreForPeopleWithTheUnitOfAmounts) {
  EXPECT_EQ(plan_column_heading("p_reach_quota"), "P(reach quota)");
  EXPECT_EQ(plan_column_heading("quota", "USD"), "Quota (USD)");
  EXPECT_EQ(plan_column_heading("quota_q3", "EUR"), "Quota Q3 (EUR)");
  EXPECT_EQ(plan_column_heading("quota_2027-03"), "Quota 2027-03");
  EXPECT_EQ(plan_column_heading("payout_p10", "USD"), "Payout P10 (USD)");
  EXPECT_EQ(plan_column_heading("cost_to_fiscal_year_end", "USD"), "Cost to fiscal-year end (USD)");
  EXPECT_EQ(plan_column_heading("expected_share_at_quota", "USD"), "Expected share at quota");
  EXPECT_EQ(plan_column_heading("planned"), "Planned");
  // The compensation table's rows are headed with their unit (its columns carry none).
  EXPECT_EQ(plan_column_heading("draw_beyond_commission", "USD"), "Draw beyond commission (USD)");
  EXPECT_EQ(plan_column_heading("spif", "USD"), "SPIF (USD)");
  EXPECT_EQ(plan_column_heading("clawback", "USD"), "Clawback (USD)");
  EXPECT_EQ(plan_column_heading("p_cost_over_budget", "USD"), "P(cost > budget)");
}

TEST(PlanColumns, KindsFollowTheUnit) {
  EXPECT_EQ(plan_column_kind("cost_to_fiscal_year_end"), CellKind::amount);
  EXPECT_EQ(plan_column_kind("fiscal_year"), CellKind::year);
  EXPECT_EQ(plan_column_kind("cost_of_sales_share"), CellKind::percent);
  // Review: attainment read 0.99 beside P(reach quota) 43.5%.
  EXPECT_EQ(plan_column_kind("attainment_p50"), CellKind::percent);
  EXPECT_EQ(plan_column_kind("expected_attainment"), CellKind::percent);
  EXPECT_EQ(plan_column_kind("gini_expected_attainment"), CellKind::ratio);
  EXPECT_EQ(plan_column_kind("weight"), CellKind::percent);
  EXPECT_EQ(plan_column_kind("recommended"), CellKind::integer);
  EXPECT_EQ(plan_column_kind("quota_coverage"), CellKind::number);
}

// Review: coverage 0.999999999999999 (a quota equal to its median bookings but for rounding) was
// "1.00x ... outside the healthy band 1.00x..1.30x", and 1.3043 printed as 1.30x outside it.
TEST(QuotaWarnings, CoverageAtTheBandsEdgeIsInsideAndBeyondItShowsEnoughDecimals) {
  const QuotaRunInfo info{"capacity", 2027, 1.0, 200.0, 0.0, 100, {}};
  plan::QuotaReport report;
  report.regions.push_back({"NA", 2, 100.0, {}, 0.999999999999999, 0.5, 0.01});
  report.regions.push_back({"EMEA", 2, 100.0, {}, plan::kCoverageHigh, 0.5, 0.01});
  EXPECT_TRUE(quota_warnings(info, report).empty());
  report.regions[0].coverage = 0.95;  // negative twin: 5% below the band
  report.regions[1].coverage = 1.3043;
  const std::vector<std::string> warnings = quota_warnings(info, report);
  ASSERT_EQ(warnings.size(), 2U);
  EXPECT_NE(warnings[0].find("coverage 0.95x"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[1].find("coverage 1.304x"), std::string::npos) << warnings[1];
}

// Review: a rounding unit above the seats' quotas raised each to one unit, and the total from
// 400,000 to 3,000,000, with no word. A rounding within a unit of the target says nothing.
TEST(QuotaWarnings, RoundingThatMovesTheTotalByAUnitOrMoreIsSaid) {
  const QuotaRunInfo info{"top-down", 2027, 1.0, 400000.0, 0.0, 100, {}};
  plan::QuotaReport report;
  report.periods.unit = 1000000;
  report.classes[0].total.quota = 1000000;  // sellers: 1,000,000 within one unit of 400,000
  EXPECT_TRUE(quota_warnings(info, report).empty());
  report.classes[0].total.quota = 3000000;  // negative twin
  const std::vector<std::string> warnings = quota_warnings(info, report);
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_NE(warnings[0].find("moved the quotas' total to 3,000,000, 2,600,000 from"),
            std::string::npos)
      << warnings[0];
  report.periods.unit = 0;  // no rounding: nothing said
  EXPECT_TRUE(quota_warnings(info, report).empty());
}

// Review: a seat a plan covers without a quota (absent from an imported quota file) was left out
// of the cost in silence; it is now paid its base pay, and said. A seat without a plan, or with
// a quota, is not named.
TEST(QuotaWarnings, CoveredSeatsWithoutAQuotaAreNamed) {
  // A target of 0: the imported total is not below it (that warning is another test's).
  const QuotaRunInfo info{"import", 2027, 1.0, 0.0, 0.0, 100, {}};
  Scenario scenario;
  for (const char* id : {"R0", "R1", "R2"}) {
    Seat seat;
    seat.id = id;
    scenario.seats.push_back(seat);
  }
  plan::QuotaReport report;
  report.seats.resize(3);
  report.seats[1].quota = 100000;  // R1 has a quota; R0 and R2 have none
  plan::CompResult comp;
  comp.seat_plan = {"ae", "ae", ""};  // R2 has no plan
  EXPECT_TRUE(quota_warnings(info, report).empty());
  const std::vector<std::string> warnings = quota_warnings(info, report, &scenario, &comp);
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_NE(warnings[0].find("for 1 seat a compensation plan covers (absent from the imported "
                             "quotas): R0; each is paid its base pay"),
            std::string::npos)
      << warnings[0];
  report.seats[0].quota = 50000;  // negative twin: every covered seat has a quota
  EXPECT_TRUE(quota_warnings(info, report, &scenario, &comp).empty());
}

}  // namespace
}  // namespace opsim
