// Fiscal periods of a result layout (sim/engine/results.*): which are partial and what they cover.
#include <gtest/gtest.h>

#include "sim/engine/results.hpp"
#include "sim/io/scenario_loader.hpp"
#include "tests/test_support.hpp"

namespace opsim {
namespace {

// Horizon 2027-04..2028-03, fiscal years from February: FY2028 (2027-02..2028-01) is whole
// (its first two months are actuals to date), FY2029 has 2 of its 12 months inside.
TEST(Period, PartialOnlyWhenThePeriodRunsPastTheHorizon) {
  const Scenario scenario =
      load_scenario((test::source_dir() / "tests/fixtures/small_scenario.json").string());
  const ResultLayout layout(scenario);
  ASSERT_EQ(layout.periods.size(), 7u);
  for (const Period& p : layout.periods) {
    if (p.fiscal_year == 2028) {
      EXPECT_FALSE(p.partial()) << p.label;
      EXPECT_EQ(p.coverage(), "") << p.label;
      EXPECT_EQ(p.display_label(), p.label);
    }
  }
  const Period& q1 = layout.periods[5];
  const Period& year = layout.periods[6];
  EXPECT_EQ(q1.label, "FY2029-Q1");
  EXPECT_EQ(q1.display_label(), "FY2029-Q1 partial: 2 of 3 months (2028-02..2028-03)");
  EXPECT_EQ(year.months_covered, 2);
  EXPECT_EQ(year.months(), 12);
  EXPECT_EQ(year.display_label(), "FY2029 partial: 2 of 12 months (2028-02..2028-03)");
}

}  // namespace
}  // namespace opsim
