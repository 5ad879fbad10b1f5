#include "models/plan/compensation.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include <tbb/parallel_for.h>

#include "models/statistics.hpp"
#include "sim/base/error.hpp"

namespace opsim::plan {

double CompPlan::earnings_factor(double attainment) const {
  const double a = std::max(attainment, 0.0);
  if (mode == TierMode::retroactive) {
    double rate = tiers.front().rate;
    for (const Tier& tier : tiers) {
      if (a >= tier.from) rate = tier.rate;
    }
    return rate * a;
  }
  double earned = 0.0;
  for (std::size_t k = 0; k < tiers.size(); ++k) {
    const double upper = k + 1 < tiers.size() ? tiers[k + 1].from : a;
    if (a <= tiers[k].from) break;
    earned += tiers[k].rate * (std::min(a, upper) - tiers[k].from);
  }
  return earned;
}

Payout seat_payout(const CompPlan& plan, double quota, const FiscalYear& fy,
                   const Calendar& calendar, const SeatYearView& view) {
  Payout payout;
  const double variable = plan.variable();
  // Commission per unit of bookings, per fiscal-year month: the occupant's rate; a vacant
  // month keeps the full-year rate (for clawbacks of deals booked before).
  std::array<double, 12> month_rate;  // a fiscal year has at most 12 months in the horizon
  month_rate.fill(variable / quota);
  int m = fy.first;
  while (m <= fy.last) {
    const int occupant = view.occupant[m];
    if (occupant < 0) {
      ++m;
      continue;
    }
    const int a = m;
    int b = m;
    while (b + 1 <= fy.last && view.occupant[b + 1] == occupant) ++b;
    // Start of this occupant: the seat's start for the first one, else its first month.
    int start = a;
    while (start > 0 && view.occupant[start - 1] == occupant) --start;
    if (occupant == 0) start = view.seat_start;

    double occupant_share = 0;
    for (int k = a; k <= b; ++k) occupant_share += view.profile[k - fy.first];
    // On-target variable pay of this occupant, and the rate that pays it at 100% attainment
    // of their share of the quota.
    const double on_target = plan.proration == Proration::months ? variable * (b - a + 1) / 12.0
                                                                 : variable * occupant_share;
    const double rate = occupant_share > 0 ? on_target / (quota * occupant_share) : 0.0;
    for (int k = a; k <= b; ++k) month_rate[k - fy.first] = rate;
    const double cap_amount = plan.cap * on_target;
    double booked = 0, share = 0, paid = 0, balance = 0;
    int last_measured = a - 1;
    for (int t = a; t <= b; ++t) {
      booked += view.bookings[t];
      share += view.profile[t - fy.first];
      const bool measure = t == b || (plan.measurement == Measurement::quarterly &&
                                      calendar.is_fiscal_quarter_end(t));
      if (!measure) continue;
      const double ytd_quota = quota * share;
      double earned =
          ytd_quota > 0 ? rate * ytd_quota * plan.earnings_factor(booked / ytd_quota) : 0.0;
      earned = std::min(earned, cap_amount);
      const double commission = std::max(0.0, earned - paid);
      paid = std::max(paid, earned);
      double draw = 0;
      if (plan.draw != DrawKind::none) {
        for (int k = last_measured + 1; k <= t; ++k) {
          if (k - start < plan.draw_months) draw += plan.draw_per_month;
        }
      }
      last_measured = t;
      if (plan.draw == DrawKind::recoverable) {
        if (commission < draw) {
          balance += draw - commission;
          payout.commission += commission;
          payout.draw += draw - commission;
        } else {
          const double recovered = std::min(balance, commission - draw);
          balance -= recovered;
          payout.commission += commission - recovered;
        }
      } else {
        payout.commission += commission;
        payout.draw += std::max(0.0, draw - commission);
      }
    }
    // An unrecovered balance at departure or year end is written off: it has been paid.
    payout.base += plan.base() / 12.0 * (b - a + 1);
    m = b + 1;
  }
  for (int k = fy.first; k <= fy.last; ++k) {
    // A seat of a SPIF segment earns it on every deal, so product deals are not counted twice.
    if (view.spif) {
      payout.spif += plan.spif_per_deal * view.deals[k];
    } else if (view.spif_deals != nullptr) {
      payout.spif += plan.spif_per_deal * view.spif_deals[k];
    }
    if (plan.clawback_months >= 0) payout.clawback += month_rate[k - fy.first] * view.clawback[k];
  }
  return payout;
}

}  // namespace opsim::plan

namespace opsim::plan {

CompEvaluator::CompEvaluator(const Scenario& scenario, const CompSpec& spec, const FiscalYear& fy,
                             const std::vector<double>& quota, const std::vector<double>& profiles,
                             std::uint64_t trials, std::uint64_t first_trial)
    : scenario_(scenario),
      spec_(spec),
      fy_(fy),
      quota_(quota),
      profiles_(profiles),
      first_trial_(first_trial),
      payouts_{std::vector<double>(trials * scenario.seats.size(), 0.0),
               std::vector<double>(trials * scenario.seats.size(), 0.0),
               std::vector<double>(trials * 5, 0.0)} {}

SeatMonthRecording CompEvaluator::recording() const {
  SeatMonthRecording r;
  r.clawback_months.assign(scenario_.seats.size(), -1);
  r.spif_products.assign(scenario_.seats.size(), 0);
  for (std::size_t s = 0; s < scenario_.seats.size(); ++s) {
    if (spec_.seat_plan[s] < 0) continue;
    const CompPlan& plan = spec_.plans[spec_.seat_plan[s]];
    r.clawback_months[s] = plan.clawback_months;
    for (int product : plan.spif_products) r.spif_products[s] |= std::uint64_t{1} << product;
  }
  return r;
}

void CompEvaluator::observe(std::uint64_t trial, const TrialOutcome& outcome) {
  const std::size_t n = scenario_.seats.size();
  const int months = outcome.layout.months;
  const SeatMonths& detail = outcome.seat_months;
  const std::uint64_t row_of_trial = trial - first_trial_;
  double* parts = &payouts_.parts[row_of_trial * 5];
  for (std::size_t s = 0; s < n; ++s) {
    const int p = spec_.seat_plan[s];
    if (p < 0 || std::isnan(quota_[s])) continue;
    const CompPlan& plan = spec_.plans[p];
    const Seat& seat = scenario_.seats[s];
    const std::size_t row = s * static_cast<std::size_t>(months);
    SeatYearView view;
    view.bookings = &detail.bookings[row];
    view.deals = &detail.deals[row];
    view.spif_deals = &detail.spif_deals[row];
    view.clawback = &detail.clawback[row];
    view.occupant = &detail.occupant[row];
    view.profile = &profiles_[s * static_cast<std::size_t>(fy_.months())];
    view.seat_start = seat.start;
    view.spif = std::find(plan.spif_segments.begin(), plan.spif_segments.end(), seat.segment) !=
                plan.spif_segments.end();
    const Payout pay = seat_payout(plan, quota_[s], fy_, scenario_.calendar, view);
    payouts_.seat_variable[row_of_trial * n + s] = pay.variable();
    payouts_.seat_cost[row_of_trial * n + s] = pay.cost();
    parts[0] += pay.commission;
    parts[1] += pay.draw;
    parts[2] += pay.spif;
    parts[3] += pay.clawback;
    parts[4] += pay.base;
  }
}

void CompEvaluator::distributions(CompResult& r, const std::vector<double>& seat_bookings) const {
  const std::size_t n = scenario_.seats.size();
  const std::uint64_t trials = r.trials;
  r.seat_variable_spread.assign(n, Spread{});
  r.seat_cost_p90.assign(n, 0.0);
  r.seat_ote.assign(n, 0.0);
  auto spread_of = [](std::vector<double>& v) {
    std::sort(v.begin(), v.end());
    return Spread{quantile_sorted(v, 0.1), quantile_sorted(v, 0.5), quantile_sorted(v, 0.9)};
  };
  // Groups: role x region of the seats that are paid (a plan and a quota).
  std::vector<int> group_of(n, -1);
  for (std::size_t s = 0; s < n; ++s) {
    if (spec_.seat_plan[s] < 0 || std::isnan(quota_[s])) continue;
    const Seat& seat = scenario_.seats[s];
    const CompPlan& plan = spec_.plans[spec_.seat_plan[s]];
    const int months = std::max(0, fy_.last + 1 - std::max(fy_.first, seat.start));
    r.seat_ote[s] = plan.ote * months / 12.0;
    const std::string role = seat.role.empty() ? "-" : seat.role;
    auto it = std::find_if(r.groups.begin(), r.groups.end(), [&](const CompGroup& g) {
      return g.role == role && g.region == seat.region;
    });
    if (it == r.groups.end()) {
      CompGroup group;
      group.role = role;
      group.region = seat.region;
      r.groups.push_back(group);
      it = r.groups.end() - 1;
    }
    group_of[s] = static_cast<int>(it - r.groups.begin());
    it->seats += 1;
    it->ote += r.seat_ote[s];
    it->expected_variable += r.seat_variable[s];
    it->expected_cost += r.seat_cost[s];
    if (!seat_bookings.empty()) it->expected_bookings += seat_bookings[s];
  }
  tbb::parallel_for(std::size_t{0}, n, [&](std::size_t s) {
    if (group_of[s] < 0) return;
    std::vector<double> column(trials);
    for (std::uint64_t t = 0; t < trials; ++t) column[t] = payouts_.seat_variable[t * n + s];
    r.seat_variable_spread[s] = spread_of(column);
    for (std::uint64_t t = 0; t < trials; ++t) column[t] = payouts_.seat_cost[t * n + s];
    std::sort(column.begin(), column.end());
    r.seat_cost_p90[s] = quantile_sorted(column, 0.9);
  });
  // Per-trial group totals, summed in seat order (deterministic).
  const std::size_t G = r.groups.size();
  std::vector<double> variable(G * trials, 0.0), cost(G * trials, 0.0);
  tbb::parallel_for(std::uint64_t{0}, trials, [&](std::uint64_t t) {
    for (std::size_t s = 0; s < n; ++s) {
      if (group_of[s] < 0) continue;
      variable[group_of[s] * trials + t] += payouts_.seat_variable[t * n + s];
      cost[group_of[s] * trials + t] += payouts_.seat_cost[t * n + s];
    }
  });
  tbb::parallel_for(std::size_t{0}, G, [&](std::size_t g) {
    std::vector<double> v(variable.begin() + g * trials, variable.begin() + (g + 1) * trials);
    r.groups[g].variable = spread_of(v);
    std::vector<double> c(cost.begin() + g * trials, cost.begin() + (g + 1) * trials);
    std::sort(c.begin(), c.end());
    r.groups[g].cost_p90 = quantile_sorted(c, 0.9);
  });
}

CompResult CompEvaluator::finish(const std::vector<double>& company_bookings,
                                 const std::vector<double>& seat_bookings) const {
  CompResult r;
  const std::size_t n = scenario_.seats.size();
  const std::uint64_t trials = company_bookings.size();
  if (payouts_.parts.size() != trials * 5)
    throw_internal("CompEvaluator::finish: {} trials of bookings for {} of payouts", trials,
                   payouts_.parts.size() / 5);
  r.trials = trials;
  r.budget = spec_.budget;
  r.seat_variable.assign(n, 0.0);
  r.seat_cost.assign(n, 0.0);
  for (int k : spec_.seat_plan)
    r.seat_plan.push_back(k >= 0 ? spec_.plans[static_cast<std::size_t>(k)].id : "");
  const double dt = static_cast<double>(trials);
  std::uint64_t over = 0;
  for (std::uint64_t t = 0; t < trials; ++t) {
    for (std::size_t s = 0; s < n; ++s) {
      r.seat_variable[s] += payouts_.seat_variable[t * n + s] / dt;
      r.seat_cost[s] += payouts_.seat_cost[t * n + s] / dt;
    }
    const double* p = &payouts_.parts[t * 5];
    r.commission += p[0] / dt;
    r.draw += p[1] / dt;
    r.spif += p[2] / dt;
    r.clawback += p[3] / dt;
    r.base += p[4] / dt;
    const double variable = p[0] + p[1] + p[2] - p[3];
    const double cost = variable + p[4];
    r.total_variable.push_back(variable);
    r.total_cost.push_back(cost);
    r.cost_share.push_back(company_bookings[t] > 0 ? cost / company_bookings[t] : 0.0);
    over += !std::isnan(spec_.budget) && cost > spec_.budget;
  }
  distributions(r, seat_bookings);
  r.probability_over_budget = static_cast<double>(over) / dt;
  r.probability_over_budget_se =
      std::sqrt(r.probability_over_budget * (1 - r.probability_over_budget) / dt);
  return r;
}

}  // namespace opsim::plan
