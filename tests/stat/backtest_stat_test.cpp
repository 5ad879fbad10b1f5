// Backtests on real data (skipped outside CI when ../shared/data is absent): the Superstore
// rolling origin meets issue 14's goals; Maven runs end to end under the snapshot rule. Long
// (every trial rebuilds its scenario to draw the parameter uncertainty): Release only.
#include <gtest/gtest.h>

#include "sim/io/history_reader.hpp"
#include "sim/workflows/backtest.hpp"
#include "tests/shared_data.hpp"

namespace opsim {
namespace {

calibration::History superstore() {
  ReadReport report;
  calibration::History history = read_history(test::superstore_source(), report);
  EXPECT_EQ(report.rejected(), 0u);
  EXPECT_EQ(report.booking_rows, 9994u);
  return history;
}

TEST(Backtest, SuperstoreRollingOriginMeetsTheGoals) {
  OPSIM_REQUIRE_DATA_OR_SKIP(!test::shared_data_dir().empty(), "../shared/data is absent");
  BacktestOptions options;
  // Defaults throughout (deal size: lognormal unless its KS test rejects it, then empirical).
  // Cut-offs 2016-12-31 .. 2019-11-30: 144 scored region-months, so that the coverage goals are
  // judged with a sampling error of about 0.04 (96 months would leave about 0.05).
  options.first_origin = 2016 * 12 + 11;
  options.last_origin = 2019 * 12 + 10;
  options.horizon = 1;
  options.trials = 2000;
  options.seed = 1;
  options.threads = 2;
  const BacktestResult result = run_backtest(superstore(), options);
  const PooledScore& model = result.pooled[0][0];
  const PooledScore& seasonal = result.pooled[0][static_cast<int>(Method::seasonal_naive)];
  const PooledScore& trailing = result.pooled[0][static_cast<int>(Method::trailing_average)];
  EXPECT_GE(model.count, 96u);
  EXPECT_EQ(seasonal.count, model.count);
  EXPECT_EQ(trailing.count, model.count);
  // The goals of issue 14: 80% coverage in [0.75, 0.85], 50% coverage in [0.45, 0.55].
  EXPECT_GE(model.coverage80, 0.75);
  EXPECT_LE(model.coverage80, 0.85);
  EXPECT_GE(model.coverage50, 0.45);
  EXPECT_LE(model.coverage50, 0.55);
  EXPECT_LT(model.crps, seasonal.crps);
  EXPECT_LT(model.crps, trailing.crps);
}

TEST(Backtest, MavenRunsEndToEndUnderTheSnapshotRule) {
  OPSIM_REQUIRE_DATA_OR_SKIP(!test::shared_data_dir().empty(), "../shared/data is absent");
  ReadReport report;
  const calibration::History history = read_history(test::maven_source(), report);
  BacktestOptions options;
  options.first_origin = 2017 * 12 + 4;  // 2017-05 .. 2017-11, one month ahead
  options.last_origin = 2017 * 12 + 10;
  options.horizon = 1;
  options.trials = 1000;
  options.threads = 2;
  const BacktestResult result = run_backtest(history, options);
  const PooledScore& model = result.pooled[0][0];
  const PooledScore& trailing = result.pooled[0][static_cast<int>(Method::trailing_average)];
  EXPECT_EQ(model.count, 21u);  // 7 origins x 3 offices
  EXPECT_EQ(trailing.count, 21u);
  EXPECT_GT(model.crps, 0.0);
  EXPECT_EQ(result.pooled[0][static_cast<int>(Method::seasonal_naive)].count,
            0u);  // no year of history
}

}  // namespace
}  // namespace opsim
