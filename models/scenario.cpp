#include "models/scenario.hpp"

#include <algorithm>
#include <cmath>

namespace opsim {

double LognormalSpec::sigma() const {
  return std::sqrt(std::log1p(cv * cv));
}
double LognormalSpec::mu() const {
  return std::log(mean) - 0.5 * std::log1p(cv * cv);
}

double SegmentParams::monthly_attrition_hazard(int tenure_months) const {
  for (const auto& band : attrition) {
    if (tenure_months <= band.max_tenure_months) {
      return 1.0 - std::pow(1.0 - band.annual_rate, 1.0 / 12.0);
    }
  }
  return 0.0;
}

SegmentParams Product::apply(const SegmentParams& segment_params, int region) const {
  SegmentParams p = segment_params;
  if (win_rate) p.win_rate = *win_rate;
  if (quarter_end_win_multiplier) p.quarter_end_win_multiplier = *quarter_end_win_multiplier;
  if (deal_size) {
    p.deal_size = *deal_size;
    if (!deal_size_to_region.empty()) p.deal_size.mean *= deal_size_to_region[region];
    p.deal_size_sample.clear();  // a product's lognormal replaces a segment's empirical list
  }
  if (cycle_pmf) p.cycle_pmf = *cycle_pmf;
  if (contract_term_months) p.contract_term_months = *contract_term_months;
  return p;
}

double RampCurve::at(int tenure_months) const {
  if (tenure_months < 0) return 0.0;
  auto t = static_cast<size_t>(tenure_months);
  return t < fraction.size() ? fraction[t] : 1.0;
}

bool FxSpec::stochastic() const {
  return std::any_of(currencies.begin(), currencies.end(),
                     [](const Currency& c) { return c.annual_vol > 0; });
}

bool MarketSpec::enabled() const {
  auto positive = [](double d) { return d > 0; };
  return std::any_of(dispersion.begin(), dispersion.end(), positive) ||
         std::any_of(level_uncertainty.begin(), level_uncertainty.end(), positive) ||
         std::any_of(region_growth_uncertainty.begin(), region_growth_uncertainty.end(),
                     positive) ||
         growth_uncertainty > 0;
}

const SegmentParams& Scenario::params_at(int region, int segment, int month) const {
  int m = std::clamp(month, 0, months() - 1);
  return params[(static_cast<size_t>(region) * segments.size() + segment) * months() + m];
}

int Scenario::longest_sales_cycle() const {
  std::size_t longest = 1;
  for (const SegmentParams& p : params) longest = std::max(longest, p.cycle_pmf.size());
  for (const Product& p : products)
    if (p.cycle_pmf) longest = std::max(longest, p.cycle_pmf->size());
  return static_cast<int>(longest) - 1;
}

double Scenario::plan_rate_of_region(int region) const {
  return fx.currencies[regions[region].currency].plan_rate;
}

void bind_overlay_seats(Scenario& scenario) {
  for (Overlay& overlay : scenario.overlays) overlay.seats.clear();
  for (std::size_t i = 0; i < scenario.seats.size(); ++i) {
    Seat& seat = scenario.seats[i];
    seat.overlay = false;
    for (Overlay& overlay : scenario.overlays) {
      if (seat.role.empty() || seat.role != overlay.role) continue;
      seat.overlay = true;
      if (overlay.regions[static_cast<std::size_t>(seat.region)])
        overlay.seats.push_back(static_cast<int>(i));
    }
  }
}

}  // namespace opsim
