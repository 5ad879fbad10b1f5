#include "models/renewals.hpp"

#include <algorithm>
#include <array>

namespace opsim {

namespace {
double& arr_change(TrialState& state, int region, int segment, int month) {
  const std::size_t row = static_cast<std::size_t>(region) * state.tables.segments + segment;
  return state.work.arr_delta[row * (state.months() + 1) + month];
}

//! Appends the streams of c's renewals within the horizon, one per renewal month; returns
//! their number.
std::size_t key_renewals(TrialState& state, const ContractTerms& c,
                         std::vector<TrialRng>& streams) {
  const int months = state.months();
  if (c.in_force_from >= months) return 0;
  const std::size_t before = streams.size();
  for (int t = std::max(c.first_renewal, 0); t < months; t += c.term_months) {
    streams.push_back(state.rng(StreamId::renewals, c.key, slot(t)));
    if (c.term_months <= 0) break;
  }
  return streams.size() - before;
}

//! Books c's ARR and renewals; `streams` are its renewal streams as key_renewals appends them,
//! started (a contract that churns leaves the later ones unused).
void book_keyed_contract(TrialState& state, const ContractTerms& c, TrialRng* streams) {
  const int months = state.months();
  if (c.in_force_from >= months) return;
  const double plan = state.scenario.fx.currencies[c.currency].plan_rate;
  const double* spot = &state.work.spot[static_cast<std::size_t>(c.currency) * months];
  double arr = c.arr;
  arr_change(state, c.region, c.segment, std::max(c.in_force_from, 0)) += arr * plan;
  if (std::max(c.first_renewal, 0) >= months) return;
  std::size_t renewal = 0;
  for (int t = std::max(c.first_renewal, 0); t < months; t += c.term_months) {
    const CellRates& cell = state.tables.cell(c.region, c.segment, t);
    const double churn = std::min(
        1.0, cell.churn * state.work.market_churn[static_cast<std::size_t>(c.region) * months + t]);
    TrialRng& rng = streams[renewal++];
    state.work.variates.uniforms += 1;
    const MetricRow booked = state.out.row(t, c.region, c.segment);
    // The account manager's book: ARR up for renewal, and renewed, in month t.
    double* renewed = nullptr;
    if (c.account_manager >= 0 && state.recording != nullptr && state.recording->renewals &&
        state.recording->bookings) {
      const std::size_t i = static_cast<std::size_t>(c.account_manager) * months + t;
      state.out.seat_months.renewal_due[i] += arr * plan;
      renewed = &state.out.seat_months.renewal_renewed[i];
    }
    if (rng.uniform() < churn) {
      if (state.recording != nullptr && state.recording->bookings) {
        // Each credited seat gives back its credited share, within its own plan's window.
        auto claw_back = [&](int seat, double share) {
          const int window = state.recording->clawback_months[static_cast<std::size_t>(seat)];
          if (window >= 0 && t - c.in_force_from <= window) {
            state.out.seat_months
                .clawback[static_cast<std::size_t>(seat) * months + c.in_force_from] +=
                c.arr * plan * share;
          }
        };
        if (c.seat >= 0) claw_back(c.seat, c.seat_share);
        if (c.splits != nullptr) {
          for (const DealSplit& split : *c.splits) claw_back(split.seat, split.share);
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
    if (renewed != nullptr) *renewed += arr * plan;
    booked[Metric::renewal_bookings] += arr * plan;
    booked[Metric::expansion_bookings] += arr * expansion * plan;
    booked[Metric::bookings_spot] += arr * (1 + expansion) * spot[t];
    arr_change(state, c.region, c.segment, t) += arr * expansion * plan;
    arr *= 1 + expansion;
    if (c.term_months <= 0) return;
  }
}

}  // namespace

void book_contract(TrialState& state, const ContractTerms& contract) {
  // Most won deals renew after the horizon: their ARR alone, no streams.
  if (std::max(contract.first_renewal, 0) >= state.months())
    return book_keyed_contract(state, contract, nullptr);
  // The streams of every renewal in the horizon are started together (their AES chains overlap).
  auto& streams = state.work.renewal_streams;
  streams.clear();
  key_renewals(state, contract, streams);
  TrialRng::start_all(streams.data(), streams.size());
  book_keyed_contract(state, contract, streams.data());
}

void simulate_installed_base(TrialState& state) {
  const auto& contracts = state.scenario.contracts;
  auto terms = [](const Contract& contract) {
    return ContractTerms{contract.key,           contract.region,      contract.segment,
                         contract.currency,      contract.arr,         0,
                         contract.renewal_month, contract.term_months, -1,
                         contract.owner};
  };
  // The renewal streams of a batch of contracts are started together, so that their AES chains
  // overlap; contracts are booked in their order, as one by one.
  constexpr std::size_t kBatch = 256;
  auto& streams = state.work.renewal_streams;
  std::array<std::size_t, kBatch + 1> offsets{};
  for (std::size_t first = 0; first < contracts.size(); first += kBatch) {
    const std::size_t last = std::min(first + kBatch, contracts.size());
    streams.clear();
    for (std::size_t i = first; i < last; ++i)
      offsets[i - first + 1] =
          offsets[i - first] + key_renewals(state, terms(contracts[i]), streams);
    TrialRng::start_all(streams.data(), streams.size());
    for (std::size_t i = first; i < last; ++i)
      book_keyed_contract(state, terms(contracts[i]), streams.data() + offsets[i - first]);
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
