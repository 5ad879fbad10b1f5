// Headings and units of the plan tables (sim/io/plan_columns.hpp), as the HTML report shows
// them (review finding: raw snake_case names).
#include <gtest/gtest.h>

#include "sim/io/plan_columns.hpp"

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
  EXPECT_EQ(plan_column_kind("weight"), CellKind::percent);
  EXPECT_EQ(plan_column_kind("recommended"), CellKind::integer);
  EXPECT_EQ(plan_column_kind("quota_coverage"), CellKind::number);
}

}  // namespace
}  // namespace opsim
