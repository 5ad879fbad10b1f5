#include "models/new_business.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "models/renewals.hpp"
#include "sim/base/stable_exp.hpp"

namespace opsim {

void resolve_opportunities(TrialState& state, std::uint64_t entity, int region, int segment,
                           int month, int seat, const TrialRng& entity_rng,
                           const std::uint64_t* first_blocks, int count) {
  const int months = state.months();
  const CellRates& segment_cell = state.tables.cell(region, segment, month);
  const std::size_t rm = static_cast<std::size_t>(region) * months + month;
  const double market_win = state.work.market_win[rm];
  const int currency = state.scenario.regions[region].currency;
  const double plan = state.scenario.fx.currencies[currency].plan_rate;
  const double spot = state.work.spot[static_cast<std::size_t>(currency) * months + month];
  const auto& products = state.tables.segment_products[segment];
  auto& out = state.out;
  // The month's row in registers, stored once at the end: the loop writes other metrics, other
  // rows (created <= month; renewals from month + term, term >= 1) and other arrays only, and
  // each sum takes its terms in the same order, so the numbers are unchanged.
  const MetricRow booked = out.row(month, region, segment);
  double opportunities = booked[Metric::opportunities], wins = booked[Metric::wins];
  double won_amount = booked[Metric::won_amount];
  double won_cycle_months = booked[Metric::won_cycle_months];
  double new_bookings = booked[Metric::new_bookings];
  double new_bookings_spot = booked[Metric::new_bookings_spot];
  double bookings_spot = booked[Metric::bookings_spot];

  auto& variates = state.work.variates;
  // Counted locally and added once: the counters would otherwise be stored per opportunity.
  std::uint64_t uniforms = 0, normals = 0;
  // The wins are booked after a chunk's opportunities are drawn, in the same order: whether an
  // opportunity is won is a coin toss the branch predictor cannot learn, and the draws' loop
  // appends a won one without a branch. Nothing a win books is read or written by the draws
  // (they add pipeline_created; a win adds other metrics, other rows and contracts), and every
  // sum takes its terms in the same order, so the numbers are unchanged.
  struct Won {
    double amount;
    const CellRates* cell;
    int cycle, product, j;
  };
  constexpr int kChunk = 32;
  std::array<Won, kChunk> won;
  for (int start = 0; start < count; start += kChunk) {
    const int end = std::min(count, start + kChunk);
    int won_count = 0;
    for (int j = start; j < end; ++j) {
      TrialRng rng = entity_rng.started_sibling(slot(month, static_cast<std::uint64_t>(j) + 1),
                                                first_blocks + 2 * j);
      // Win and cycle share the first word (32 bits each), so that an opportunity without
      // products takes its amount from the second: one AES block.
      const auto [u_win, u_cycle] = rng.uniforms32();
      uniforms += 1;  // one word, as the floors draw it
      const CellRates* chosen = &segment_cell;
      int product = -1;
      if (!products.empty()) {
        // Drawn after the segment's own draws, so scenarios without products are unaffected.
        const int k = state.tables.segment_product_searches[segment].sample(rng.uniform());
        uniforms += 1;
        product = products[k];
        chosen = &state.tables.product_cell(product, region, month);
      }
      const CellRates& cell = *chosen;
      const int cycle = state.tables.cycle_searches[cell.cycle_cdf].sample(u_cycle);
      const int created = month - cycle;
      if (created < 0) continue;  // belongs to the open pipeline
      double amount = 0.0;
      if (cell.deal_sample >= 0) {
        uniforms += 1;
        amount = state.tables.draw_deal_sample(cell.deal_sample, rng);
      } else if (cell.deal_sigma > 0) {
        normals += 1;
        amount = stable_exp(cell.deal_mu + cell.deal_sigma * standard_normal(rng));
      } else {
        amount = stable_exp(cell.deal_mu);
      }
      const double win_rate = std::min(1.0, cell.win_rate * market_win);
      const bool is_won = u_win < win_rate;
      if (state.deal_log != nullptr) {
        state.deal_log->push_back({DealRecord::Source::new_business, entity, seat, -1, j, region,
                                   segment, product, created, month, is_won, amount});
      }
      const double amount_plan = amount * plan;
      opportunities += 1;
      out.at(created, region, segment, Metric::pipeline_created) += amount_plan;
      if (product >= 0)
        out.product_at(created, region, product, ProductMetric::pipeline_created) += amount_plan;
      won[static_cast<std::size_t>(won_count)] = {amount, &cell, cycle, product, j};
      won_count += is_won ? 1 : 0;
    }
    for (int w = 0; w < won_count; ++w) {
      const Won& deal = won[static_cast<std::size_t>(w)];
      const double amount = deal.amount;
      const double amount_plan = amount * plan;
      if (deal.product >= 0) {
        out.product_at(month, region, deal.product, ProductMetric::new_bookings) += amount_plan;
        out.product_at(month, region, deal.product, ProductMetric::wins) += 1;
      }
      wins += 1;
      won_amount += amount_plan;
      won_cycle_months += deal.cycle;
      new_bookings += amount_plan;
      new_bookings_spot += amount * spot;
      bookings_spot += amount * spot;
      if (seat >= 0) {
        out.seat_bookings[static_cast<std::size_t>(seat) * out.fiscal_years +
                          state.tables.fiscal_year_index[month]] += amount_plan;
        record_seat_win(state, seat, month, amount_plan, deal.product);
      }
      const std::uint64_t contract_key =
          stable_hash_combine(entity, slot(month, static_cast<std::uint64_t>(deal.j) + 1));
      book_contract(state, {contract_key, region, segment, currency, amount, month,
                            month + deal.cell->contract_term, deal.cell->contract_term, seat});
    }
  }
  variates.uniforms += uniforms;
  variates.normals += normals;
  booked[Metric::opportunities] = opportunities;
  booked[Metric::wins] = wins;
  booked[Metric::won_amount] = won_amount;
  booked[Metric::won_cycle_months] = won_cycle_months;
  booked[Metric::new_bookings] = new_bookings;
  booked[Metric::new_bookings_spot] = new_bookings_spot;
  booked[Metric::bookings_spot] = bookings_spot;
}

void record_seat_win(TrialState& state, int seat, int month, double amount_plan, int product,
                     double share) {
  if (state.recording == nullptr || !state.recording->bookings) return;
  const std::size_t i = static_cast<std::size_t>(seat) * state.months() + month;
  state.out.seat_months.bookings[i] += amount_plan;
  state.out.seat_months.deals[i] += share;
  const auto& spif = state.recording->spif_products;
  if (product >= 0 && product < 64 && !spif.empty() &&
      ((spif[static_cast<std::size_t>(seat)] >> product) & 1U)) {
    state.out.seat_months.spif_deals[i] += share;
  }
  const auto& sets = state.recording->product_sets;
  if (product < 0 || product >= 64) return;
  for (std::size_t k = 0; k < sets.size(); ++k) {
    if ((sets[k] >> product) & 1U)
      state.out.seat_months.product_bookings[i * sets.size() + k] += amount_plan;
  }
}

void simulate_entity_new_business(TrialState& state, std::uint64_t entity, int region, int segment,
                                  int seat, const double* means) {
  const int months = state.months();
  auto& work = state.work;
  // The entity's count streams are enciphered together, then every opportunity's stream of the
  // horizon: their AES chains overlap. Each is held as its first block (16 bytes) until drawn.
  // The entity is keyed once: the months' count streams are its siblings at slot(m, 0), and
  // month m's opportunity j its sibling at slot(m, j + 1) (the same streams, no rehash).
  const TrialRng entity_rng = state.rng(StreamId::opportunities, entity, slot(0, 0));
  auto& slots = work.stream_slots;
  slots.clear();
  for (int m = 0; m < months; ++m) {
    if (means[m] >= 0) slots.push_back(slot(m, 0));
  }
  auto& count_blocks = work.count_blocks;
  count_blocks.resize(2 * slots.size());
  entity_rng.sibling_first_blocks(slots.data(), slots.size(), count_blocks.data());
  // Poisson(mean)'s P(0) of every month first: the exps are independent and overlap, where each
  // would otherwise wait behind the previous month's inversion loop.
  auto& zero_probability = work.opportunity_zero_probability;
  zero_probability.resize(static_cast<std::size_t>(months));
  for (int m = 0; m < months; ++m) {
    const double mean = means[m];
    zero_probability[static_cast<std::size_t>(m)] =
        mean > 0.0 && mean < kPoissonInversionLimit ? stable_exp(-mean) : 0.0;
  }
  auto& counts = work.opportunity_counts;
  counts.assign(static_cast<std::size_t>(months), 0);
  slots.clear();
  std::size_t next = 0;
  for (int m = 0; m < months; ++m) {
    const double mean = means[m];
    if (mean < 0) continue;
    TrialRng count_rng = entity_rng.started_sibling(slot(m, 0), count_blocks.data() + 2 * next++);
    work.variates.poissons += 1;
    work.variates.poisson_mean_sum += mean;
    // As poisson(count_rng, mean), with P(0) from above.
    const int count = mean > 0.0 && mean < kPoissonInversionLimit
                          ? poisson_by_inversion(uniform01(count_rng), mean,
                                                 zero_probability[static_cast<std::size_t>(m)])
                          : poisson(count_rng, mean);
    counts[static_cast<std::size_t>(m)] = count;
    // Each opportunity has its own sub-stream: its draws never depend on its siblings'.
    for (int j = 0; j < count; ++j) slots.push_back(slot(m, static_cast<std::uint64_t>(j) + 1));
  }
  work.variates.streams += slots.size();
  auto& blocks = work.opportunity_blocks;
  blocks.resize(2 * slots.size());
  entity_rng.sibling_first_blocks(slots.data(), slots.size(), blocks.data());
  const std::uint64_t* first = blocks.data();
  for (int m = 0; m < months; ++m) {
    const int count = counts[static_cast<std::size_t>(m)];
    if (count == 0) continue;
    resolve_opportunities(state, entity, region, segment, m, seat, entity_rng, first, count);
    first += 2 * static_cast<std::size_t>(count);
  }
}

void simulate_rep_new_business(TrialState& state) {
  const auto& seats = state.scenario.seats;
  const int months = state.months();
  const auto& capacity = state.work.capacity;
  auto& means = state.work.opportunity_means;
  means.resize(static_cast<std::size_t>(months));
  for (std::size_t i = 0; i < seats.size(); ++i) {
    const Seat& seat = seats[i];
    if (seat.overlay) continue;  // credited through its overlay, sells nothing itself
    for (int m = 0; m < months; ++m) {
      const double c = capacity[i * months + m];
      // productivity is exactly 1 without territory potential, so results are unchanged.
      means[static_cast<std::size_t>(m)] =
          c <= 0 ? -1.0
                 : c * state.tables.cell(seat.region, seat.segment, m).intensity *
                       state.work
                           .market_intensity[static_cast<std::size_t>(seat.region) * months + m] *
                       seat.productivity;
    }
    simulate_entity_new_business(state, seat.key, seat.region, seat.segment, static_cast<int>(i),
                                 means.data());
  }
}

void simulate_intensity_new_business(TrialState& state) {
  const int months = state.months();
  auto& means = state.work.opportunity_means;
  means.resize(static_cast<std::size_t>(months));
  for (const IntensitySpec& spec : state.scenario.intensities) {
    for (int m = 0; m < months; ++m) {
      means[static_cast<std::size_t>(m)] =
          spec.opportunities[m] *
          state.work.market_intensity[static_cast<std::size_t>(spec.region) * months + m];
    }
    simulate_entity_new_business(state, spec.key, spec.region, spec.segment, -1, means.data());
  }
}

}  // namespace opsim
