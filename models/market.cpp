#include "models/market.hpp"

#include <cmath>

#include <Eigen/Dense>

#include "sim/base/stable_exp.hpp"

namespace opsim {

void sample_market(TrialState& state) {
  const auto& market = state.scenario.market;
  const int regions = state.scenario.region_count();
  const int months = state.months();
  auto& w = state.work;
  const std::size_t size = static_cast<std::size_t>(regions) * months;
  w.market_intensity.assign(size, 1.0);
  w.market_win.assign(size, 1.0);
  w.market_churn.assign(size, 1.0);
  if (!market.enabled()) return;

  // Parameter uncertainty, once per trial: a log level error per region and a growth error that
  // grows with the month (one shared by the regions plus each region's own), each
  // mean-preserving (E exp(x - v/2) = 1 for x ~ N(0, v)).
  std::vector<double> level_error(regions, 0.0), region_growth_error(regions, 0.0);
  double growth_error = 0.0;
  auto region_sd = [](const std::vector<double>& sds, int r) { return sds.empty() ? 0.0 : sds[r]; };
  for (int r = 0; r < regions; ++r) {
    if (region_sd(market.level_uncertainty, r) > 0) {
      TrialRng rng = state.rng(StreamId::parameters, state.tables.region_keys[r], slot(0));
      level_error[r] = market.level_uncertainty[r] * standard_normal(rng);
      state.work.variates.normals += 1;
    }
    if (region_sd(market.region_growth_uncertainty, r) > 0) {
      TrialRng rng = state.rng(StreamId::parameters, state.tables.region_keys[r], slot(1));
      region_growth_error[r] = market.region_growth_uncertainty[r] * standard_normal(rng);
      state.work.variates.normals += 1;
    }
  }
  if (market.growth_uncertainty > 0) {
    TrialRng rng = state.rng(StreamId::parameters, stable_hash("growth"), slot(0));
    growth_error = market.growth_uncertainty * standard_normal(rng);
    state.work.variates.normals += 1;
  }
  auto parameter_factor = [&](int r, int m) {
    const double level_sd = region_sd(market.level_uncertainty, r);
    const double growth_sd = region_sd(market.region_growth_uncertainty, r);
    const double variance = level_sd * level_sd + std::pow(market.growth_uncertainty * m, 2) +
                            std::pow(growth_sd * m, 2);
    if (variance <= 0) return 1.0;
    return stable_exp(level_error[r] + (growth_error + region_growth_error[r]) * m -
                      0.5 * variance);
  };

  Eigen::VectorXd shock(regions), log_factor(regions);
  for (int m = 0; m < months; ++m) {
    for (int r = 0; r < regions; ++r) {
      TrialRng rng = state.rng(StreamId::market, state.tables.region_keys[r], slot(m));
      shock[r] = standard_normal(rng);
    }
    state.work.variates.normals += regions;
    Eigen::VectorXd z = market.cholesky * shock;
    for (int r = 0; r < regions; ++r) {
      const double sigma = market.dispersion[r];
      const double phi = market.persistence[r];
      // Month 0 starts from the stationary law, so every month has sd(log M) = sigma.
      log_factor[r] =
          m == 0 ? sigma * z[r] : phi * log_factor[r] + sigma * std::sqrt(1 - phi * phi) * z[r];
      const double factor = stable_exp(log_factor[r] - 0.5 * sigma * sigma);
      const std::size_t i = static_cast<std::size_t>(r) * months + m;
      w.market_intensity[i] =
          std::pow(factor, market.intensity_elasticity) * parameter_factor(r, m);
      w.market_win[i] = std::pow(factor, market.win_rate_elasticity);
      w.market_churn[i] = std::pow(factor, -market.churn_elasticity);
    }
  }
}

}  // namespace opsim
