#include "models/renewals.hpp"

#include <algorithm>
#include <array>

#include "sim/base/error.hpp"

namespace opsim {

namespace {
double& arr_change(TrialState& state, int region, int segment, int month) {
  const std::size_t row = static_cast<std::size_t>(region) * state.tables.segments + segment;
  return state.work.arr_delta[row * (state.months() + 1) + month];
}

//! Calls visit(t) for each renewal month t of c within the horizon of `months`, in order (one
//! month when the contract has no term), until visit returns false: the one walk of a
//! contract's renewals that keying its streams and booking them share.
template <class Visit>
void for_each_renewal_month(const ContractTerms& c, int months, Visit&& visit) {
  for (int t = std::max(c.first_renewal, 0); t < months; t += c.term_months) {
    if (!visit(t) || c.term_months <= 0) return;
  }
}

//! Appends the streams of c's renewals within the horizon, one per renewal month; returns
//! their number.
std::size_t key_renewals(TrialState& state, const ContractTerms& c,
                         std::vector<TrialRng>& streams) {
  const int months = state.months();
  if (c.in_force_from >= months) return 0;
  const std::size_t before = streams.size();
  for_each_renewal_month(c, months, [&](int t) {
    streams.push_back(state.rng(StreamId::renewals, c.key, slot(t)));
    return true;
  });
  return streams.size() - before;
}

//! Books c's ARR and renewals; stream_at(r, t) is the stream of its r-th renewal (in month t),
//! started (a contract that churns leaves the later ones unused).
template <class StreamAt>
void book_keyed_contract(TrialState& state, const ContractTerms& c, StreamAt stream_at) {
  const int months = state.months();
  if (c.in_force_from >= months) return;
  const double plan = state.scenario.fx.currencies[c.currency].plan_rate;
  const double* spot = &state.work.spot[static_cast<std::size_t>(c.currency) * months];
  double arr = c.arr;
  arr_change(state, c.region, c.segment, std::max(c.in_force_from, 0)) += arr * plan;
  if (std::max(c.first_renewal, 0) >= months) return;
  std::size_t renewal = 0;
  for_each_renewal_month(c, months, [&](int t) {
    const CellRates& cell = state.tables.cell(c.region, c.segment, t);
    const double churn = std::min(
        1.0, cell.churn * state.work.market_churn[static_cast<std::size_t>(c.region) * months + t]);
    auto&& rng = stream_at(renewal++, t);
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
      return false;
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
    return true;
  });
}

}  // namespace

void book_contract(TrialState& state, const ContractTerms& contract) {
  const int months = state.months();
  // Most won deals renew after the horizon: their ARR alone, no streams.
  if (std::max(contract.first_renewal, 0) >= months || contract.in_force_from >= months) {
    return book_keyed_contract(state, contract, [](std::size_t, int) -> TrialRng& {
      throw_internal("a contract renewing after the horizon drew a renewal");
    });
  }
  // The streams of every renewal in the horizon (key_renewals' slots), siblings of one keyed
  // stream, enciphered together and held as their first blocks until drawn.
  const TrialRng entity = state.rng(StreamId::renewals, contract.key, slot(0));
  auto& slots = state.work.renewal_slots;
  slots.clear();
  for_each_renewal_month(contract, months, [&](int t) {
    slots.push_back(slot(t));
    return true;
  });
  state.work.variates.streams += slots.size() - 1;  // as key_renewals counts them
  auto& blocks = state.work.renewal_blocks;
  blocks.resize(2 * slots.size());
  entity.sibling_first_blocks(slots.data(), slots.size(), blocks.data());
  book_keyed_contract(state, contract, [&](std::size_t r, int t) {
    return entity.started_sibling(slot(t), blocks.data() + 2 * r);
  });
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
      book_keyed_contract(state, terms(contracts[i]), [&](std::size_t r, int) -> TrialRng& {
        return streams[offsets[i - first] + r];
      });
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
