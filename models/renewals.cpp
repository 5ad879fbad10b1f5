#include "models/renewals.hpp"

#include <algorithm>

namespace opsim {

namespace {
double& arr_change(TrialState& state, int region, int segment, int month) {
  const std::size_t row = static_cast<std::size_t>(region) * state.tables.segments + segment;
  return state.work.arr_delta[row * (state.months() + 1) + month];
}
}  // namespace

void book_contract(TrialState& state, const ContractTerms& c) {
  const int months = state.months();
  if (c.in_force_from >= months) return;
  const double plan = state.scenario.fx.currencies[c.currency].plan_rate;
  const double* spot = &state.work.spot[static_cast<std::size_t>(c.currency) * months];
  double arr = c.arr;
  arr_change(state, c.region, c.segment, std::max(c.in_force_from, 0)) += arr * plan;
  // Most won deals renew after the horizon: no renewal streams to key.
  if (std::max(c.first_renewal, 0) >= months) return;
  // The streams of every renewal in the horizon are started together (their AES chains
  // overlap); a contract that churns leaves the later ones unused.
  auto& streams = state.work.renewal_streams;
  streams.clear();
  for (int t = std::max(c.first_renewal, 0); t < months; t += c.term_months) {
    streams.push_back(state.rng(StreamId::renewals, c.key, slot(t)));
    if (c.term_months <= 0) break;
  }
  TrialRng::start_all(streams.data(), streams.size());
  std::size_t renewal = 0;
  for (int t = std::max(c.first_renewal, 0); t < months; t += c.term_months) {
    const CellRates& cell = state.tables.cell(c.region, c.segment, t);
    const double churn = std::min(
        1.0, cell.churn * state.work.market_churn[static_cast<std::size_t>(c.region) * months + t]);
    TrialRng& rng = streams[renewal++];
    state.work.variates.uniforms += 1;
    const MetricRow booked = state.out.row(t, c.region, c.segment);
    if (rng.uniform() < churn) {
      if (c.seat >= 0 && state.recording != nullptr && state.recording->bookings) {
        const int window = state.recording->clawback_months[static_cast<std::size_t>(c.seat)];
        if (window >= 0 && t - c.in_force_from <= window) {
          state.out.seat_months
              .clawback[static_cast<std::size_t>(c.seat) * months + c.in_force_from] +=
              c.arr * plan;
        }
      }
      booked[Metric::churned_arr] += arr * plan;
      arr_change(state, c.region, c.segment, t) -= arr * plan;
      return;
    }
    double expansion = cell.expansion_mean;
    if (cell.expansion_sd > 0) {
      state.work.variates.normals += 1;
      expansion += cell.expansion_sd * standard_normal(rng);
    }
    expansion = std::max(expansion, -1.0);
    booked[Metric::renewal_bookings] += arr * plan;
    booked[Metric::expansion_bookings] += arr * expansion * plan;
    booked[Metric::bookings_spot] += arr * (1 + expansion) * spot[t];
    arr_change(state, c.region, c.segment, t) += arr * expansion * plan;
    arr *= 1 + expansion;
    if (c.term_months <= 0) return;
  }
}

void simulate_installed_base(TrialState& state) {
  for (const Contract& contract : state.scenario.contracts) {
    book_contract(state, {contract.key, contract.region, contract.segment, contract.currency,
                          contract.arr, 0, contract.renewal_month, contract.term_months});
  }
}

void finish_arr(TrialState& state) {
  const int months = state.months();
  for (int r = 0; r < state.scenario.region_count(); ++r) {
    for (int s = 0; s < state.tables.segments; ++s) {
      double in_force = 0.0;
      for (int m = 0; m < months; ++m) {
        in_force += arr_change(state, r, s, m);
        state.out.at(m, r, s, Metric::arr) = in_force;
        state.out.at(m, r, s, Metric::revenue) = in_force / 12.0;
      }
    }
  }
}

}  // namespace opsim
