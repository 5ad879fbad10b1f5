// Result layout and per-trial aggregation (sim/engine/results.*): which fiscal periods are partial
// and what they cover; how a trial's months add up to periods.
#include <gtest/gtest.h>

#include "sim/engine/results.hpp"

#include <vector>
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

// A period's flow is its actuals plus its months in the horizon; a stock is its last month in
// the horizon (the aggregation is written month-major for speed; this pins what it computes).
TEST(TrialAggregator, PeriodFlowsAddActualsAndMonthsAndStocksTakeTheLastMonth) {
  const Scenario scenario =
      load_scenario((test::source_dir() / "tests/fixtures/small_scenario.json").string());
  const ResultLayout layout(scenario);
  const TrialAggregator aggregator(scenario, layout);
  const CellLayout raw{layout.months, scenario.region_count(), scenario.segment_count()};
  TrialOutcome zero;
  zero.reset(raw, scenario.seats.size(), layout.fiscal_years);
  TrialOutcome outcome = zero;
  // Multiples of 1/4 below 2^20: every sum is exact, whatever the order of additions.
  for (std::size_t i = 0; i < outcome.monthly.size(); ++i)
    outcome.monthly[i] = 0.25 * static_cast<double>(1 + (i * 37) % 1001);
  std::vector<double> monthly(layout.monthly_cells()), periods(layout.period_cells());
  std::vector<double> actuals(layout.period_cells());
  aggregator.aggregate(zero, monthly.data(), actuals.data());
  aggregator.aggregate(outcome, monthly.data(), periods.data());
  const int total_region = layout.regions - 1, total_segment = layout.segments - 1;
  int checked_actuals = 0;
  for (std::size_t p = 0; p < layout.periods.size(); ++p) {
    const Period& period = layout.periods[p];
    for (int r = 0; r <= total_region; ++r) {
      for (int s = 0; s <= total_segment; ++s) {
        for (int k = 0; k < kMetricCount; ++k) {
          auto value = [&](int m) {
            double sum = 0.0;
            for (int rr = 0; rr < raw.regions; ++rr) {
              for (int ss = 0; ss < raw.segments; ++ss) {
                if ((r == total_region || rr == r) && (s == total_segment || ss == s))
                  sum += outcome.at(m, rr, ss, static_cast<Metric>(k));
              }
            }
            return sum;
          };
          const std::size_t c = p * layout.cells() + layout.cell(r, s, k);
          double expected = value(period.last_in_horizon);
          if (metric_info(k).aggregation == Aggregation::flow) {
            expected = actuals[c];
            checked_actuals += actuals[c] != 0.0 ? 1 : 0;
            for (int m = period.first_in_horizon; m <= period.last_in_horizon; ++m)
              expected += value(m);
          }
          ASSERT_EQ(periods[c], expected)
              << period.label << " region " << r << " segment " << s << " " << metric_info(k).name;
        }
      }
    }
  }
  EXPECT_GT(checked_actuals, 0);  // the fixture's actuals reach some periods
}

}  // namespace
}  // namespace opsim
