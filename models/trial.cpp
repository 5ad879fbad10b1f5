#include "models/trial.hpp"

#include <cmath>
#include <numeric>

#include "models/fx.hpp"
#include "models/market.hpp"
#include "models/new_business.hpp"
#include "models/pipeline.hpp"
#include "models/renewals.hpp"
#include "models/workforce.hpp"

namespace opsim {

std::vector<double> cumulative(const std::vector<double>& pmf) {
  std::vector<double> cdf(pmf.size());
  std::partial_sum(pmf.begin(), pmf.end(), cdf.begin());
  return cdf;
}

TrialTables::TrialTables(const Scenario& scenario)
    : months(scenario.months()), segments(scenario.segment_count()) {
  const Calendar& cal = scenario.calendar;
  first_fiscal_year = cal.fiscal_year_of(cal.start());
  fiscal_years = cal.fiscal_year_of(cal.absolute(months - 1)) - first_fiscal_year + 1;
  for (int m = 0; m < months; ++m) {
    fiscal_year_index.push_back(cal.fiscal_year_of(cal.absolute(m)) - first_fiscal_year);
  }
  layout = {months, scenario.region_count(), segments};
  for (const Region& region : scenario.regions) region_keys.push_back(stable_hash(region.id));
  slip_cdf = cumulative(scenario.pipeline.slip_pmf);

  regions = scenario.region_count();
  auto rates = [&](const SegmentParams& p, int r, int m) {
    CellRates cell;
    const double season = scenario.regions[r].seasonality[cal.calendar_month(m) - 1];
    const double growth = std::pow(1.0 + p.productivity_growth, m / 12.0);
    cell.intensity = p.opportunity_rate * season * growth;
    cell.win_rate = p.win_rate * (cal.is_fiscal_quarter_end(m) ? p.quarter_end_win_multiplier : 1.0);
    cell.deal_mu = p.deal_size.mu();
    cell.deal_sigma = p.deal_size.sigma();
    if (!p.deal_size_sample.empty()) {
      auto sample = std::find(deal_samples.begin(), deal_samples.end(), p.deal_size_sample);
      cell.deal_sample = static_cast<int>(sample - deal_samples.begin());
      if (sample == deal_samples.end()) deal_samples.push_back(p.deal_size_sample);
    }
    auto cdf = cumulative(p.cycle_pmf);
    auto found = std::find(cycle_cdfs.begin(), cycle_cdfs.end(), cdf);
    cell.cycle_cdf = static_cast<int>(found - cycle_cdfs.begin());
    if (found == cycle_cdfs.end()) cycle_cdfs.push_back(std::move(cdf));
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
        product_cells.push_back(rates(product.apply(scenario.params_at(r, product.segment, m)), r, m));
      }
    }
  }
}

TrialSimulator::TrialSimulator(const Scenario& scenario, const SeatMonthRecording* recording)
    : scenario_(scenario), tables_(scenario), recording_(recording) {}

void TrialSimulator::simulate(std::uint64_t trial, const StreamFactory& streams,
                              TrialWorkspace& work, TrialOutcome& out,
                              std::vector<DealRecord>* deal_log) const {
  out.reset(tables_.layout, scenario_.seats.size(), tables_.fiscal_years);
  work.arr_delta.assign(
      static_cast<std::size_t>(scenario_.region_count()) * tables_.segments * (tables_.months + 1), 0.0);
  if (recording_ != nullptr) out.seat_months.reset(scenario_.seats.size(), tables_.months, recording_->bookings);
  TrialState state{scenario_, tables_, streams, trial, work, out, recording_, deal_log};
  sample_market(state);
  sample_fx(state);
  simulate_workforce(state);
  simulate_rep_new_business(state);
  simulate_intensity_new_business(state);
  simulate_pipeline(state);
  simulate_installed_base(state);
  finish_arr(state);
}

}  // namespace opsim
