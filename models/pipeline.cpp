#include "models/pipeline.hpp"

#include <algorithm>
#include <array>
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

//! Books a won open-pipeline deal of `amount` (in its currency) closing in month `close`.
void book_pipeline_win(TrialState& state, const PipelineDeal& deal, int close, double amount) {
  auto& out = state.out;
  const int months = state.months();
  const double plan = state.scenario.fx.currencies[deal.currency].plan_rate;
  const double spot = state.work.spot[static_cast<std::size_t>(deal.currency) * months + close];
  const MetricRow booked = out.row(close, deal.region, deal.segment);
  booked[Metric::new_bookings] += amount * plan;
  booked[Metric::pipeline_bookings] += amount * plan;
  booked[Metric::pipeline_wins] += 1;
  booked[Metric::new_bookings_spot] += amount * spot;
  booked[Metric::bookings_spot] += amount * spot;
  if (deal.product >= 0) {
    out.product_at(close, deal.region, deal.product, ProductMetric::new_bookings) += amount * plan;
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

}  // namespace

void simulate_pipeline(TrialState& state) {
  const auto& pipeline = state.scenario.pipeline;
  const int months = state.months();
  const double factor_mu = pipeline.amount_factor.mu();
  const double factor_sigma = pipeline.amount_factor.sigma();
  const double fixed_factor = stable_exp(factor_mu);  // the factor when sigma is 0
  auto& out = state.out;
  auto& variates = state.work.variates;

  // Deals' streams are started a batch at a time, so that their AES chains overlap. A batch's
  // slips and wins are drawn first and its won deals booked after, in the same order: whether a
  // deal is won is a coin toss the branch predictor cannot learn, and the first pass appends a
  // won deal without a branch. The first pass adds only pipeline_beyond, which no win touches,
  // and every sum takes its terms in the same order, so the numbers are unchanged; a won deal's
  // log record is placed in order and its amount filled in when it is booked.
  constexpr std::size_t kBatch = 256;
  struct Won {
    std::size_t deal, record;
    int close;
  };
  std::array<Won, kBatch> won;
  auto& streams = state.work.deal_streams;
  for (std::size_t first = 0; first < pipeline.deals.size(); first += kBatch) {
    const std::size_t last = std::min(first + kBatch, pipeline.deals.size());
    streams.clear();
    for (std::size_t d = first; d < last; ++d)
      streams.push_back(state.rng(StreamId::pipeline, pipeline.deals[d].key, 0));
    TrialRng::start_all(streams.data(), streams.size());
    std::size_t won_count = 0;
    for (std::size_t d = first; d < last; ++d) {
      const PipelineDeal& deal = pipeline.deals[d];
      // One word; a won deal's amount factor takes the next.
      const auto [u_slip, u_win] = streams[d - first].uniforms32();
      const int slipped = state.tables.slip_search.sample(u_slip);
      variates.uniforms += 1;
      const int overdue = std::max(0, -deal.expected_close);
      const int close = std::max(deal.expected_close, 0) + slipped;
      const std::size_t record = state.deal_log != nullptr ? state.deal_log->size() : 0;
      auto log = [&](bool is_won) {
        if (state.deal_log == nullptr) return;
        state.deal_log->push_back({DealRecord::Source::pipeline, deal.key, deal.owner,
                                   static_cast<int>(d), 0, deal.region, deal.segment, deal.product,
                                   0, close, is_won, deal.amount});
      };
      if (close >= months) {
        const double plan = state.scenario.fx.currencies[deal.currency].plan_rate;
        out.at(months - 1, deal.region, deal.segment, Metric::pipeline_beyond) +=
            deal.amount * plan;
        log(false);
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
      const bool is_won = !(u_win >= p);
      log(is_won);
      won[won_count] = {d, record, close};
      won_count += is_won ? 1 : 0;
    }
    for (std::size_t w = 0; w < won_count; ++w) {
      const std::size_t d = won[w].deal;
      const int close = won[w].close;
      const PipelineDeal& deal = pipeline.deals[d];
      TrialRng& rng = streams[d - first];
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
      if (state.deal_log != nullptr) (*state.deal_log)[won[w].record].amount = amount;
      book_pipeline_win(state, deal, close, amount);
    }
  }
}

}  // namespace opsim
