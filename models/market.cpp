#include "models/market.hpp"

#include <cmath>

#include <Eigen/Dense>

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
      const double factor = std::exp(log_factor[r] - 0.5 * sigma * sigma);
      const std::size_t i = static_cast<std::size_t>(r) * months + m;
      w.market_intensity[i] = std::pow(factor, market.intensity_elasticity);
      w.market_win[i] = std::pow(factor, market.win_rate_elasticity);
      w.market_churn[i] = std::pow(factor, -market.churn_elasticity);
    }
  }
}

}  // namespace opsim
