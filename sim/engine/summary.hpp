// Summary statistics of a run: mean, SD and standard error of the mean per monthly cell (from
// the moment tree), exact quantiles per fiscal-period cell (from the kept per-trial values),
// probabilities of reaching targets, and KPIs.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "models/scenario.hpp"
#include "models/statistics.hpp"
#include "sim/engine/results.hpp"

namespace opsim {

inline constexpr std::array<double, 7> kQuantileLevels{0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95};
inline constexpr int kQuantiles = static_cast<int>(kQuantileLevels.size());

struct TargetResult {
  Target target;
  int period = -1;  //!< index into layout.periods
  std::size_t cell = 0;
  double mean = 0.0;
  double probability = 0.0;  //!< P(period value >= target amount), actuals included
  double standard_error = 0.0;
};

//! Share of seats whose fiscal-year new bookings reach a threshold, per trial.
struct ProductivityResult {
  int fiscal_year = 0;
  double threshold = 0.0;
  std::size_t seats = 0;    //!< seats that exist by the end of the fiscal year
  int months_covered = 12;  //!< months of the fiscal year in the horizon (seats have no actuals)
  std::string coverage;     //!< the fiscal year's Period::coverage(Coverage::simulated)
  double mean_share = 0.0;
  std::array<double, kQuantiles> quantiles{};
};

//! Ratio-of-means KPIs of one fiscal period, region and segment (new business: rep-generated
//! and intensity-given opportunities).
struct KpiRow {
  int period = 0;
  int region = 0;   //!< layout index (last = total)
  int segment = 0;  //!< layout index (last = total)
  // A ratio whose denominator is 0 (no opportunities, no wins) is undefined: NaN.
  double win_rate = 0.0;           //!< E[wins] / E[opportunities]
  double average_deal_size = 0.0;  //!< E[won amount] / E[wins]
  double cycle_months = 0.0;       //!< E[sum of won cycles] / E[wins]
  double pipeline_created = 0.0;   //!< E[amount of opportunities created in the period]
};

struct Summary {
  ResultLayout layout;
  std::uint64_t trials = 0;
  std::vector<double> monthly_mean, monthly_sd, monthly_se;  //!< [month][cell]
  std::vector<double> monthly_quantiles;  //!< [month][cell][quantile], only with kept trials
  //! [month][region][quantile] of new bookings, all segments: always (the headline fan chart)
  std::vector<double> headline_quantiles;
  std::vector<double> period_mean, period_sd, period_se;  //!< [period][cell]
  std::vector<double> period_quantiles;                   //!< [period][cell][quantile]
  //! Product results: [period][region][product][product metric] (+ [quantile]); empty
  //! without products. See ResultLayout::product_cell.
  std::vector<double> product_mean, product_sd, product_se, product_quantiles;
  std::vector<TargetResult> targets;
  std::vector<ProductivityResult> productivity;
  std::vector<KpiRow> kpis;
  //! Pipeline created in the horizon's last this many months lacks the opportunities that close
  //! after the horizon (Scenario::longest_sales_cycle; 0: none).
  int pipeline_short_months = 0;
};

//! The result must cover trials [0, N).
Summary summarise(const Scenario& scenario, const RunResult& result);

}  // namespace opsim
