#include "models/pipeline.hpp"

#include <algorithm>
#include <cmath>

#include "models/new_business.hpp"
#include "models/renewals.hpp"
#include "sim/base/stable_exp.hpp"

namespace opsim {

double pipeline_win_probability(double stage_probability, double slip_factor,
                                double overdue_factor) {
  if (stage_probability >= 1.0) return 1.0;
  if (stage_probability <= 0.0) return 0.0;
  const double odds = stage_probability / (1.0 - stage_probability) * slip_factor * overdue_factor;
  return odds / (1.0 + odds);
}

double pipeline_win_probability(const PipelineSpec& pipeline, double stage_probability, int slipped,
                                int overdue) {
  return pipeline_win_probability(stage_probability, std::pow(pipeline.slip_decay, slipped),
                                  std::pow(pipeline.overdue_decay, overdue));
}

namespace {

//! D / E[D] for D drawn from this trial's deal size of the cell, E[D] the mean of the scenario
//! as stated (CellRates::deal_mean): the cell's shape and cv, and a mean that is 1 unless the
//! trial drew the mean deal size from its estimation error (then that draw's ratio to it).
double deal_size_ratio(const TrialTables& tables, const CellRates& cell, TrialRng& rng,
                       VariateCounts& variates) {
  if (!(cell.deal_mean > 0)) return 1.0;
  if (cell.deal_sample >= 0) {
    variates.uniforms += 1;
    return tables.draw_deal_sample(cell.deal_sample, rng) / cell.deal_mean;
  }
  // The same expression as TrialTables' deal_mean, so the ratio is exactly 1 without draws.
  const double drawn_mean = stable_exp(cell.deal_mu + 0.5 * cell.deal_sigma * cell.deal_sigma);
  const double shift = drawn_mean / cell.deal_mean;
  if (cell.deal_sigma <= 0) return shift;
  variates.normals += 1;
  return shift * stable_exp(cell.deal_sigma * standard_normal(rng) -
                            0.5 * cell.deal_sigma * cell.deal_sigma);
}

}  // namespace

void simulate_pipeline(TrialState& state) {
  const auto& pipeline = state.scenario.pipeline;
  const int months = state.months();
  const double factor_mu = pipeline.amount_factor.mu();
  const double factor_sigma = pipeline.amount_factor.sigma();
  const double fixed_factor = stable_exp(factor_mu);  // the factor when sigma is 0
  auto& out = state.out;
  auto& variates = state.work.variates;

  // Deals' streams are started a batch at a time, so that their AES chains overlap.
  constexpr std::size_t kBatch = 256;
  auto& streams = state.work.deal_streams;
  for (std::size_t d = 0; d < pipeline.deals.size(); ++d) {
    const PipelineDeal& deal = pipeline.deals[d];
    if (d % kBatch == 0) {
      streams.clear();
      for (std::size_t e = d; e < std::min(d + kBatch, pipeline.deals.size()); ++e)
        streams.push_back(state.rng(StreamId::pipeline, pipeline.deals[e].key, 0));
      TrialRng::start_all(streams.data(), streams.size());
    }
    TrialRng& rng = streams[d % kBatch];
    const auto [u_slip, u_win] = rng.uniforms32();  // one word; the amount factor takes the next
    const int slipped = state.tables.slip_search.sample(u_slip);
    variates.uniforms += 1;
    const int overdue = std::max(0, -deal.expected_close);
    const int close = std::max(deal.expected_close, 0) + slipped;
    const double plan = state.scenario.fx.currencies[deal.currency].plan_rate;
    auto record = [&](bool won, double amount) {
      if (state.deal_log == nullptr) return;
      state.deal_log->push_back({DealRecord::Source::pipeline, deal.key, deal.owner,
                                 static_cast<int>(d), 0, deal.region, deal.segment, deal.product, 0,
                                 close, won, amount});
    };
    if (close >= months) {
      out.at(months - 1, deal.region, deal.segment, Metric::pipeline_beyond) += deal.amount * plan;
      record(false, deal.amount);
      continue;
    }
    double p = std::min(
        1.0, pipeline_win_probability(pipeline.stages[deal.stage].win_probability,
                                      state.tables.slip_decay_factors[slipped],
                                      state.tables.overdue_decay_factors[overdue]) *
                 state.work.market_win[static_cast<std::size_t>(deal.region) * months + close]);
    if (pipeline.quarter_end_effect && state.scenario.calendar.is_fiscal_quarter_end(close)) {
      p = std::min(1.0, p * state.scenario.params_at(deal.region, deal.segment, close)
                                .quarter_end_win_multiplier);
    }
    if (u_win >= p) {
      record(false, deal.amount);
      continue;
    }
    double factor = fixed_factor;
    if (factor_sigma > 0) {
      variates.normals += 1;
      factor = stable_exp(factor_mu + factor_sigma * standard_normal(rng));
    }
    double amount = deal.amount * factor;
    if (pipeline.amount_spread_deal_size) {
      const CellRates& cell = deal.product >= 0
                                  ? state.tables.product_cell(deal.product, deal.region, close)
                                  : state.tables.cell(deal.region, deal.segment, close);
      amount *= deal_size_ratio(state.tables, cell, rng, variates);
    }
    record(true, amount);
    const double spot = state.work.spot[static_cast<std::size_t>(deal.currency) * months + close];
    const MetricRow booked = out.row(close, deal.region, deal.segment);
    booked[Metric::new_bookings] += amount * plan;
    booked[Metric::pipeline_bookings] += amount * plan;
    booked[Metric::pipeline_wins] += 1;
    booked[Metric::new_bookings_spot] += amount * spot;
    booked[Metric::bookings_spot] += amount * spot;
    if (deal.product >= 0) {
      out.product_at(close, deal.region, deal.product, ProductMetric::new_bookings) +=
          amount * plan;
      out.product_at(close, deal.region, deal.product, ProductMetric::wins) += 1;
    }
    // Credit: the owner's share, then each split's (bookings above are counted once).
    auto credit = [&](int seat, double share) {
      out.seat_bookings[static_cast<std::size_t>(seat) * out.fiscal_years +
                        state.tables.fiscal_year_index[close]] += amount * plan * share;
      record_seat_win(state, seat, close, amount * plan * share, deal.product, share);
    };
    if (deal.owner >= 0) credit(deal.owner, deal.owner_share);
    for (const DealSplit& split : deal.splits) credit(split.seat, split.share);
    const int term = state.tables.cell(deal.region, deal.segment, close).contract_term;
    book_contract(state, {deal.key, deal.region, deal.segment, deal.currency, amount, close,
                          close + term, term, deal.owner, -1, deal.owner_share, &deal.splits});
  }
}

}  // namespace opsim
