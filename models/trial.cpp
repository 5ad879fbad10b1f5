#include "models/trial.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "models/fx.hpp"
#include "models/market.hpp"
#include "models/new_business.hpp"
#include "models/pipeline.hpp"
#include "models/renewals.hpp"
#include "models/workforce.hpp"
#include "sim/base/error.hpp"

namespace opsim {

std::vector<double> cumulative(const std::vector<double>& pmf) {
  std::vector<double> cdf(pmf.size());
  std::partial_sum(pmf.begin(), pmf.end(), cdf.begin());
  return cdf;
}

CdfSearch::CdfSearch(const std::vector<double>& cdf) {
  if (cdf.size() < 2) return;
  entries_.assign(cdf.begin(), cdf.end() - 1);
  entries_.resize((entries_.size() + 3) / 4 * 4, std::numeric_limits<double>::infinity());
}

namespace {

//! Index of `table` in `tables`, appending it when new (cells share identical tables).
int intern(std::vector<std::vector<double>>& tables, std::vector<double> table) {
  auto found = std::find(tables.begin(), tables.end(), table);
  if (found != tables.end()) return static_cast<int>(found - tables.begin());
  tables.push_back(std::move(table));
  return static_cast<int>(tables.size()) - 1;
}

std::vector<double> hazard_by_tenure(const SegmentParams& p) {
  int longest_band = -1;
  for (const AttritionBand& band : p.attrition) {
    if (band.max_tenure_months != std::numeric_limits<int>::max()) {
      longest_band = std::max(longest_band, band.max_tenure_months);
    }
  }
  std::vector<double> table(static_cast<std::size_t>(longest_band) + 2);
  for (std::size_t t = 0; t < table.size(); ++t) {
    table[t] = p.monthly_attrition_hazard(static_cast<int>(t));
  }
  return table;
}

//! base^k for k = 0..count-1, each computed as std::pow does in the model equations.
std::vector<double> powers(double base, int count) {
  std::vector<double> out(static_cast<std::size_t>(std::max(count, 1)));
  for (std::size_t k = 0; k < out.size(); ++k) out[k] = std::pow(base, static_cast<int>(k));
  return out;
}

}  // namespace

TrialTables::TrialTables(const Scenario& scenario, const TrialTables* stated)
    : months(scenario.months()), segments(scenario.segment_count()) {
  const Calendar& cal = scenario.calendar;
  first_fiscal_year = cal.fiscal_year_of(cal.start());
  fiscal_years = cal.fiscal_year_of(cal.absolute(months - 1)) - first_fiscal_year + 1;
  for (int m = 0; m < months; ++m) {
    fiscal_year_index.push_back(cal.fiscal_year_of(cal.absolute(m)) - first_fiscal_year);
  }
  layout = {months, scenario.region_count(), segments, static_cast<int>(scenario.products.size())};
  for (const Region& region : scenario.regions) region_keys.push_back(stable_hash(region.id));
  slip_cdf = cumulative(scenario.pipeline.slip_pmf);
  slip_decay_factors = powers(scenario.pipeline.slip_decay, static_cast<int>(slip_cdf.size()));
  int overdue = 0;
  for (const PipelineDeal& deal : scenario.pipeline.deals) {
    overdue = std::max(overdue, -deal.expected_close);
  }
  overdue_decay_factors = powers(scenario.pipeline.overdue_decay, overdue + 1);

  regions = scenario.region_count();
  auto rates = [&](const SegmentParams& p, int r, int m) {
    CellRates cell;
    const double season = scenario.regions[r].seasonality[cal.calendar_month(m) - 1];
    const double growth = std::pow(1.0 + p.productivity_growth, m / 12.0);
    cell.intensity = p.opportunity_rate * season * growth;
    cell.win_rate =
        p.win_rate * (cal.is_fiscal_quarter_end(m) ? p.quarter_end_win_multiplier : 1.0);
    cell.deal_mu = p.deal_size.mu();
    cell.deal_sigma = p.deal_size.sigma();
    if (!p.deal_size_sample.empty()) cell.deal_sample = intern(deal_samples, p.deal_size_sample);
    cell.cycle_cdf = intern(cycle_cdfs, cumulative(p.cycle_pmf));
    if (!p.attrition.empty()) cell.hazards = intern(hazard_tables, hazard_by_tenure(p));
    cell.contract_term = p.contract_term_months;
    cell.churn = p.churn_probability;
    cell.expansion_mean = p.expansion.mean;
    cell.expansion_sd = p.expansion.sd;
    return cell;
  };
  cells.reserve(static_cast<std::size_t>(regions) * segments * months);
  for (int r = 0; r < regions; ++r) {
    for (int s = 0; s < segments; ++s) {
      for (int m = 0; m < months; ++m) cells.push_back(rates(scenario.params_at(r, s, m), r, m));
    }
  }
  segment_products.resize(segments);
  segment_product_cdf.resize(segments);
  for (std::size_t i = 0; i < scenario.products.size(); ++i) {
    const Product& product = scenario.products[i];
    segment_products[product.segment].push_back(static_cast<int>(i));
    auto& cdf = segment_product_cdf[product.segment];
    cdf.push_back((cdf.empty() ? 0.0 : cdf.back()) + product.share);
    for (int r = 0; r < regions; ++r) {
      for (int m = 0; m < months; ++m) {
        product_cells.push_back(
            rates(product.apply(scenario.params_at(r, product.segment, m), r), r, m));
      }
    }
  }
  for (const auto& cdf : segment_product_cdf) segment_product_searches.emplace_back(cdf);
  for (const auto& cdf : cycle_cdfs) cycle_searches.emplace_back(cdf);
  slip_search = CdfSearch(slip_cdf);
  for (const auto& sample : deal_samples) {
    deal_sample_means.push_back(std::accumulate(sample.begin(), sample.end(), 0.0) /
                                static_cast<double>(sample.size()));
  }
  auto set_deal_means = [&](std::vector<CellRates>& rates, const std::vector<CellRates>* from) {
    if (from != nullptr && from->size() != rates.size())
      throw_internal("a trial's scenario has another cell layout than the stated one");
    for (std::size_t i = 0; i < rates.size(); ++i) {
      CellRates& cell = rates[i];
      if (from != nullptr) {
        cell.deal_mean = (*from)[i].deal_mean;
      } else if (cell.deal_sample >= 0) {
        cell.deal_mean = deal_sample_means[static_cast<std::size_t>(cell.deal_sample)];
      } else {
        cell.deal_mean = stable_exp(cell.deal_mu + 0.5 * cell.deal_sigma * cell.deal_sigma);
      }
    }
  };
  set_deal_means(cells, stated ? &stated->cells : nullptr);
  set_deal_means(product_cells, stated ? &stated->product_cells : nullptr);
}

bool SeatMonthRecording::records_spif_deals() const {
  return std::any_of(spif_products.begin(), spif_products.end(),
                     [](std::uint64_t products) { return products != 0; });
}

bool SeatMonthRecording::records_clawback() const {
  return std::any_of(clawback_months.begin(), clawback_months.end(),
                     [](int window) { return window >= 0; });
}

TrialSimulator::TrialSimulator(const Scenario& scenario, const SeatMonthRecording* recording,
                               const TrialTables* stated)
    : scenario_(scenario), tables_(scenario, stated), recording_(recording) {}

void TrialSimulator::simulate(std::uint64_t trial, const StreamFactory& streams,
                              TrialWorkspace& work, TrialOutcome& out,
                              std::vector<DealRecord>* deal_log) const {
  out.reset(tables_.layout, scenario_.seats.size(), tables_.fiscal_years);
  work.arr_delta.assign(
      static_cast<std::size_t>(scenario_.region_count()) * tables_.segments * (tables_.months + 1),
      0.0);
  if (recording_ != nullptr)
    out.seat_months.reset(scenario_.seats.size(), tables_.months, recording_->bookings,
                          recording_->product_sets.size(), recording_->renewals,
                          recording_->records_spif_deals(), recording_->records_clawback());
  TrialState state{scenario_, tables_, streams, trial, work, out, recording_, deal_log};
  sample_market(state);
  sample_fx(state);
  simulate_workforce(state);
  simulate_rep_new_business(state);
  simulate_intensity_new_business(state);
  simulate_pipeline(state);
  simulate_installed_base(state);
  finish_arr(state);
  if (!scenario_.overlays.empty()) credit_overlays(state);
}

void credit_overlays(TrialState& state) {
  const Scenario& scenario = state.scenario;
  const int months = state.months();
  auto& out = state.out;
  const bool detail = state.recording != nullptr && state.recording->bookings;
  std::vector<int>& present = state.work.overlay_present;
  for (const Overlay& overlay : scenario.overlays) {
    for (int m = 0; m < months; ++m) {
      for (int r = 0; r < scenario.region_count(); ++r) {
        if (!overlay.regions[static_cast<std::size_t>(r)]) continue;
        present.clear();
        for (int seat : overlay.seats) {
          if (scenario.seats[static_cast<std::size_t>(seat)].region == r &&
              state.work.occupied[static_cast<std::size_t>(seat) * months + m])
            present.push_back(seat);
        }
        if (present.empty()) continue;
        double bookings = 0.0, deals = 0.0;
        for (int s = 0; s < scenario.segment_count(); ++s) {
          if (!overlay.segments[static_cast<std::size_t>(s)]) continue;
          bookings += out.at(m, r, s, Metric::new_bookings);
          deals += out.at(m, r, s, Metric::wins) + out.at(m, r, s, Metric::pipeline_wins);
        }
        const double each = overlay.share / static_cast<double>(present.size());
        for (int seat : present) {
          out.seat_bookings[static_cast<std::size_t>(seat) * out.fiscal_years +
                            state.tables.fiscal_year_index[m]] += each * bookings;
          if (!detail) continue;
          const std::size_t i = static_cast<std::size_t>(seat) * months + m;
          out.seat_months.bookings[i] += each * bookings;
          out.seat_months.deals[i] += each * deals;
        }
      }
    }
  }
}

}  // namespace opsim
