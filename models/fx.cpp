#include "models/fx.hpp"

#include <cmath>

#include <Eigen/Dense>

#include "sim/base/stable_exp.hpp"

namespace opsim {

void sample_fx(TrialState& state) {
  const auto& fx = state.scenario.fx;
  const int currencies = static_cast<int>(fx.currencies.size());
  const int months = state.months();
  auto& spot = state.work.spot;
  spot.resize(static_cast<std::size_t>(currencies) * months);
  for (int c = 0; c < currencies; ++c) {
    for (int m = 0; m < months; ++m)
      spot[static_cast<std::size_t>(c) * months + m] = fx.currencies[c].plan_rate;
  }
  if (!fx.stochastic()) return;

  Eigen::VectorXd shock(currencies), log_rate(currencies);
  for (int c = 0; c < currencies; ++c) log_rate[c] = std::log(fx.currencies[c].plan_rate);
  for (int m = 0; m < months; ++m) {
    for (int c = 0; c < currencies; ++c) {
      TrialRng rng = state.rng(StreamId::fx, fx.currencies[c].key, slot(m));
      shock[c] = standard_normal(rng);
    }
    state.work.variates.normals += currencies;
    Eigen::VectorXd z = fx.cholesky * shock;
    for (int c = 0; c < currencies; ++c) {
      const double monthly_sd = fx.currencies[c].annual_vol / std::sqrt(12.0);
      // The -sd^2/2 drift makes the rate a martingale: E[S(m)] = S(m-1).
      log_rate[c] += monthly_sd * z[c] - 0.5 * monthly_sd * monthly_sd;
      spot[static_cast<std::size_t>(c) * months + m] = stable_exp(log_rate[c]);
    }
  }
}

}  // namespace opsim
