// Backtesting: fit as of a cut-off, forecast the next months with the engine, and score the
// forecast against what happened, next to two naive baselines; over many cut-offs (rolling
// origin) the scores are pooled. Definitions: scenarios/calibration.md; layout:
// results/backtest.md.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/calibration/fit.hpp"
#include "models/calibration/scores.hpp"
#include "sim/io/calibration_output.hpp"

namespace opsim {

struct BacktestOptions {
  calibration::FitOptions fit;  //!< as_of is set per origin
  int first_origin = 0;         //!< absolute month whose last day is the first cut-off
  int last_origin = 0;
  int step = 1;     //!< months between origins
  int horizon = 1;  //!< months forecast after each cut-off
  std::uint64_t trials = 2000;
  std::uint64_t seed = 1;
  int threads = 0;
  int trailing_months = 3;   //!< window of the trailing-average baseline
  ScenarioRequest scenario;  //!< months and trials are taken from above
  //! Called from the calling thread with the trials forecast so far over every origin
  //! (0 .. origins x trials; a skipped origin counts as done).
  std::function<void(std::uint64_t)> progress;
};

enum class Method { model, seasonal_naive, trailing_average };
inline constexpr int kMethods = 3;
const char* method_name(Method method);

//! Won amounts (bookings) per region and absolute month over the whole history: the truth.
struct MonthlyActuals {
  int first_month = 0, last_month = -1;  //!< complete months covered by the data
  std::map<std::string, std::map<int, double>> by_region;
  double at(const std::string& region, int month) const;
  bool covers(int month) const { return month >= first_month && month <= last_month; }
};

MonthlyActuals collect_actuals(const calibration::History& history);

//! A baseline's point forecast for months origin+first .. origin+last (1-based offsets) of a
//! region, from actuals up to the origin only. Trailing average: the mean of the last
//! `trailing` months per month. Seasonal naive: the same months a year earlier times the
//! company's growth (last 12 months over the 12 before; 1 without two years of history);
//! none when a year of history is missing.
std::optional<double> baseline_point(Method method, const MonthlyActuals& actuals,
                                     const std::vector<std::string>& regions,
                                     const std::string& region, int origin, int first, int last,
                                     int trailing);

//! One scored forecast: a region over a month or a fiscal quarter after one origin.
struct BacktestRow {
  int origin = 0;  //!< absolute month of the cut-off
  std::string region;
  bool quarter = false;
  std::string period;                     //!< "2018-03" or "2018-Q1" (fiscal)
  int first_offset = 0, last_offset = 0;  //!< months after the origin, 1-based
  double actual = 0.0;
  std::vector<double> quantiles;  //!< model quantiles at kFanLevels
  bool available[kMethods] = {true, false, false};
  calibration::ForecastScore score[kMethods];
};

inline constexpr double kFanLevels[] = {0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95};

struct PooledScore {
  std::size_t count = 0;
  //! coverage50/80: mean calibration::central_coverage (atoms randomised); interval_coverage:
  //! the share of actuals inside the interval with its ends included.
  double crps = 0, coverage50 = 0, coverage80 = 0, interval_coverage50 = 0, interval_coverage80 = 0,
         mean_pit = 0, abs_median_error = 0, median_bias = 0;
  //! Rows per PIT decile; a row whose actual is an atom of the forecast spreads its weight
  //! uniformly over [F(y-), F(y)] (the non-randomised PIT histogram), so counts may be fractional.
  std::vector<double> pit_histogram = std::vector<double>(10, 0.0);
  //! Pearson chi-square test of a uniform PIT over the 10 bins (9 degrees of freedom).
  double pit_chi2 = 0, pit_uniform_p = 1;
};

struct BacktestResult {
  std::vector<BacktestRow> rows;
  std::vector<std::string> origins;
  std::vector<std::string> regions;
  //! [kind: 0 month, 1 quarter][method], over the rows where the method applies.
  PooledScore pooled[2][kMethods];
  //! The model's scores over the rows where method m applies, to compare like with like.
  PooledScore model_on[2][kMethods];
  std::vector<std::string> notes;
};

BacktestResult run_backtest(const calibration::History& history, const BacktestOptions& options);

void write_backtest_hdf5(const std::string& path, const BacktestResult& result,
                         const std::string& command_line);
void write_backtest_csv(const std::string& path, const BacktestResult& result);
nlohmann::json backtest_summary_json(const BacktestResult& result);
std::string format_backtest_table(const BacktestResult& result);

}  // namespace opsim
