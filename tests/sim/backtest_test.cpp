// Backtest baselines on a small made-up history. The backtests on real data (Superstore's goals,
// Maven end to end) are long and live in tests/stat/backtest_stat_test.cpp (Release only).
#include <gtest/gtest.h>

#include <fstream>

#include <fmt/format.h>

#include "sim/io/history_reader.hpp"
#include "sim/workflows/backtest.hpp"
#include "tests/shared_data.hpp"

namespace opsim {
namespace {

TEST(Backtest, SeasonalNaiveUsesLastYearScaledByTrend) {
  // Two regions, flat 100 a month in 2016 and 110 in 2017 except one spike; one order a month.
  test::TempDir dir;
  const std::string path = (dir / "orders.csv").string();
  {
    std::ofstream out(path);
    out << "date,region,amount\n";
    for (int year = 2016; year <= 2018; ++year) {
      for (int month = 1; month <= 12; ++month) {
        for (const char* region : {"A", "B"}) {
          double amount = year == 2016 ? 100 : 110;
          if (year == 2017 && month == 3 && region[0] == 'A') amount = 330;
          out << fmt::format("{}-{:02d}-10,{},{}\n", year, month, region, amount);
        }
      }
    }
  }
  HistorySource source;
  source.bookings = TableSource{path, {}};
  ReadReport report;
  BacktestOptions options;
  options.first_origin = options.last_origin = 2018 * 12 + 1;  // cut-off 2018-02-28
  options.horizon = 1;
  options.trials = 200;
  options.threads = 1;
  const BacktestResult result = run_backtest(read_history(source, report), options);
  ASSERT_EQ(result.rows.size(), 2u);
  const BacktestRow& a = result.rows[0];
  EXPECT_EQ(a.region, "A");
  EXPECT_EQ(a.period, "2018-03");
  EXPECT_DOUBLE_EQ(a.actual, 110);
  ASSERT_TRUE(a.available[static_cast<int>(Method::seasonal_naive)]);
  ASSERT_TRUE(a.available[static_cast<int>(Method::trailing_average)]);
  const MonthlyActuals actuals = collect_actuals(read_history(source, report));
  const int o = options.first_origin;
  // Trailing average of Dec..Feb: 110.
  EXPECT_DOUBLE_EQ(*baseline_point(Method::trailing_average, actuals, {"A", "B"}, "A", o, 1, 1, 3),
                   110.0);
  // Last March (330) x growth: Mar 2017..Feb 2018 (2 x 12 x 110 + 220 spike) over
  // Mar 2016..Feb 2017 (2 x (10 x 100 + 2 x 110)).
  EXPECT_DOUBLE_EQ(*baseline_point(Method::seasonal_naive, actuals, {"A", "B"}, "A", o, 1, 1, 3),
                   330.0 * 2860.0 / 2440.0);
  // A quarter is the sum of its months; without a year of history there is no seasonal naive.
  EXPECT_DOUBLE_EQ(*baseline_point(Method::trailing_average, actuals, {"A", "B"}, "B", o, 1, 3, 3),
                   330.0);
  EXPECT_FALSE(
      baseline_point(Method::seasonal_naive, actuals, {"A", "B"}, "A", 2016 * 12 + 5, 1, 1, 3));
}

}  // namespace
}  // namespace opsim
