#include "models/plan/compensation.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include <tbb/parallel_for.h>

#include "models/plan/seat_year_store.hpp"
#include "models/statistics.hpp"
#include "sim/base/error.hpp"

namespace opsim::plan {

namespace {

//! tiered_earnings(), inlined where a payout is priced (it sits on the chain of each component's
//! earnings at every measure point).
[[gnu::always_inline]] inline double tiered(const std::vector<Tier>& tiers, TierMode mode,
                                            double attainment) {
  const double a = std::max(attainment, 0.0);
  if (mode == TierMode::retroactive) {
    double rate = tiers.front().rate;
    for (const Tier& tier : tiers) {
      if (a >= tier.from) rate = tier.rate;
    }
    return rate * a;
  }
  // Every tier is priced and those the attainment has not reached add +0: whether it reaches
  // the next tier is a coin toss near 100% that a branch would mispredict. The tiers' starts
  // increase strictly, so these are the tiers a loop stopping at the first unreached one skips,
  // and the sum (from +0, never -0) is the same bit for bit, NaN included.
  double earned = 0.0;
  for (std::size_t k = 0; k < tiers.size(); ++k) {
    const double upper = k + 1 < tiers.size() ? tiers[k + 1].from : a;
    const double term = tiers[k].rate * (std::min(a, upper) - tiers[k].from);
    earned += !(a <= tiers[k].from) ? term : 0.0;
  }
  return earned;
}

}  // namespace

double tiered_earnings(const std::vector<Tier>& tiers, TierMode mode, double attainment) {
  return tiered(tiers, mode, attainment);
}

double CompPlan::earnings_factor(double attainment) const {
  return tiered_earnings(tiers, mode, attainment);
}

namespace {

//! A component as one seat's payout uses it (a plan without components is one of these).
//! Trivial (no default member values): seat_payout's array of them is only written as far as
//! the plan's components go, not filled first for every one of kMaxComponents.
struct Terms {
  const std::vector<Tier>* tiers;
  TierMode mode;
  double cap;
  Measurement measurement;
  Measure measure;
  double weight;
  double quota;  //!< amount, count or (retention) target rate
  int set;       //!< product set of restricted new bookings, -1 = none
  int gate;      //!< component index of the gate, -1 = none
  double gate_attainment;
};

//! One component's year to date within an occupant's months. Trivial, as Terms: seat_payout
//! sets the plan's components only, not kMaxComponents of them.
struct Running {
  double value;  //!< bookings, won deals or renewed ARR
  double due;    //!< retention: ARR up for renewal
  double paid;   //!< earned and paid so far (true-up)
};

std::size_t component_terms(const CompPlan& plan, double quota, const SeatYearView& view,
                            std::array<Terms, kMaxComponents>& terms) {
  if (plan.components.empty()) {
    terms[0] = {
        &plan.tiers, plan.mode, plan.cap, plan.measurement, Measure::new_bookings, 1.0, quota,
        -1,          -1,        0.0};
    return 1;
  }
  for (std::size_t c = 0; c < plan.components.size(); ++c) {
    const Component& k = plan.components[c];
    terms[c] = {&k.tiers,
                k.mode,
                k.cap,
                k.measurement,
                k.measure,
                k.weight,
                view.component_quota[c],
                view.component_set[c],
                k.gate,
                k.gate_attainment};
  }
  return plan.components.size();
}

//! The SeatYearTotals stream a component reads.
std::size_t stream_of(const Terms& c) {
  switch (c.measure) {
    case Measure::new_bookings:
      return c.set < 0 ? SeatYearTotals::kBookings
                       : SeatYearTotals::kFirstProductSet + static_cast<std::size_t>(c.set);
    case Measure::new_logos:
      return SeatYearTotals::kDeals;
    case Measure::retention:
      return SeatYearTotals::kRenewalRenewed;
  }
  return SeatYearTotals::kBookings;
}

//! Year-to-date attainment; NaN when the component has no quota or (retention) nothing was due.
double attainment(const Terms& c, const Running& run, double share) {
  if (c.measure == Measure::retention)
    return run.due > 0 ? run.value / run.due / c.quota : std::numeric_limits<double>::quiet_NaN();
  const double ytd_quota = c.quota * share;
  return ytd_quota > 0 ? run.value / ytd_quota : std::numeric_limits<double>::quiet_NaN();
}

//! Commission per unit of bookings of the components on all new bookings at the seat's quota.
double full_year_rate_of(const std::array<Terms, kMaxComponents>& terms, std::size_t n,
                         double variable) {
  double rate = 0;
  for (std::size_t c = 0; c < n; ++c) {
    if (terms[c].measure == Measure::new_bookings && terms[c].set < 0)
      rate += terms[c].weight * variable / terms[c].quota;
  }
  return rate;
}

//! The terms of an occupant holding months [a, b] of a seat that starts in `seat_start` (their
//! full_year_rate is not written): the share of the quota and per component the on-target
//! variable pay, the rate that pays it at 100% attainment of that share, and the cap.
void span_terms(const CompPlan& plan, const std::array<Terms, kMaxComponents>& terms, std::size_t n,
                const double* profile, const FiscalYear& fy, int seat_start, int a, int b,
                SeatTerms& out) {
  const double variable = plan.variable();
  double occupant_share = 0;
  for (int k = a; k <= b; ++k) occupant_share += profile[k - fy.first];
  out.occupant_share = occupant_share;
  out.clawback_rate = 0;
  // quota_share divides the seat's on-target pay among its occupants by their shares of its
  // quota; the seat's own is pro-rated by its months in the year, as under `months` (review: a
  // hire starting in May was paid against the whole year's V while its OTE said 8/12). 12 / 12
  // is 1 exactly, so a seat of the whole year is paid as before.
  const int seat_months = std::max(0, fy.last + 1 - std::max(fy.first, seat_start));
  const double seat_share = seat_months / 12.0;
  for (std::size_t c = 0; c < n; ++c) {
    const double v = terms[c].weight * variable;
    out.on_target[c] = plan.proration == Proration::months ? v * (b - a + 1) / 12.0
                                                           : v * occupant_share * seat_share;
    out.rate[c] = occupant_share > 0 && terms[c].quota > 0
                      ? out.on_target[c] / (terms[c].quota * occupant_share)
                      : 0.0;
    out.cap_amount[c] = terms[c].cap * out.on_target[c];
    if (terms[c].measure == Measure::new_bookings && terms[c].set < 0)
      out.clawback_rate += out.rate[c];
  }
}

//! A step of seat_year_totals()'s walk over a seat's occupied months: the month, bit 30 when a
//! span starts there (its running totals restart), bit 31 at a measure point.
constexpr std::uint32_t kRestart = 1U << 30, kPoint = 1U << 31;
constexpr std::size_t kSideBySide = 8;

//! Running totals of N streams along `walk` (values[j][month * stride[j]]), written at each
//! point to out[point * width + column[j]]: each stream summed in month order from its span's
//! first month, as alone.
template <std::size_t N>
void running_totals_of(const std::uint32_t* walk, std::size_t steps, const double* const* values,
                       const std::size_t* stride, const std::size_t* column, double* out,
                       std::size_t width) {
  std::array<double, N> total{};
  for (std::size_t i = 0; i < steps; ++i) {
    const std::uint32_t step = walk[i];
    const auto m = static_cast<std::size_t>(step & ~(kRestart | kPoint));
    if ((step & kRestart) != 0) total.fill(0.0);
    for (std::size_t j = 0; j < N; ++j) total[j] += values[j][m * stride[j]];
    if ((step & kPoint) != 0) {
      for (std::size_t j = 0; j < N; ++j) out[column[j]] = total[j];
      out += width;
    }
  }
}

void running_totals(const std::uint32_t* walk, std::size_t steps, const double* const* values,
                    const std::size_t* stride, const std::size_t* column, std::size_t count,
                    double* out, std::size_t width) {
  switch (count) {
    case 1:
      return running_totals_of<1>(walk, steps, values, stride, column, out, width);
    case 2:
      return running_totals_of<2>(walk, steps, values, stride, column, out, width);
    case 3:
      return running_totals_of<3>(walk, steps, values, stride, column, out, width);
    case 4:
      return running_totals_of<4>(walk, steps, values, stride, column, out, width);
    case 5:
      return running_totals_of<5>(walk, steps, values, stride, column, out, width);
    case 6:
      return running_totals_of<6>(walk, steps, values, stride, column, out, width);
    case 7:
      return running_totals_of<7>(walk, steps, values, stride, column, out, width);
    case 8:
      return running_totals_of<8>(walk, steps, values, stride, column, out, width);
    default:
      throw_internal("running_totals: {} streams side by side", count);
  }
}

//! P10, P50 and P90 of `values` (reordered), as from sorted values, by selection.
Spread spread_of(std::vector<double>& values) {
  const auto q = quantiles_by_selection(values, std::array<double, 3>{0.1, 0.5, 0.9});
  return Spread{q[0], q[1], q[2]};
}

double p90_of(std::vector<double>& values) {
  return quantiles_by_selection(values, std::array<double, 1>{0.9})[0];
}

//! The won deals per month a seat's SPIF pays on: all of them in a SPIF segment, else those of
//! the SPIF products (null: not recorded, none).
const double* spif_counts(const SeatYearView& view) {
  return view.spif ? view.deals : view.spif_deals;
}

//! Seats (or slots) taken together when reading per-trial columns: a row's block of columns is
//! read at once, which keeps the [trial][seat] arrays' reads in cache.
constexpr std::size_t kColumnBlock = 32;

//! Columns `cols` of the row-major [trials][width] `values`, one vector each: out[k][t]. The
//! vectors are the calling thread's, reused from block to block (their memory stays mapped).
std::vector<std::vector<double>>& gather_columns(const UnfilledVector<double>& values,
                                                 std::size_t width,
                                                 const std::vector<std::size_t>& cols,
                                                 std::uint64_t trials) {
  thread_local std::vector<std::vector<double>> out;
  if (out.size() < cols.size()) out.resize(cols.size());
  for (std::size_t k = 0; k < cols.size(); ++k) out[k].resize(trials);
  for (std::uint64_t t = 0; t < trials; ++t) {
    const double* row = &values[t * width];
    for (std::size_t k = 0; k < cols.size(); ++k) out[k][t] = row[cols[k]];
  }
  return out;
}

}  // namespace

SeatYearView seat_months_view(const SeatMonths& detail, std::size_t seat, int months,
                              std::size_t product_sets) {
  const std::size_t row = seat * static_cast<std::size_t>(months);
  SeatYearView view;
  view.bookings = &detail.bookings[row];
  view.deals = &detail.deals[row];
  // Arrays no seat's plan reads are not recorded (SeatMonths::reset): null reads as 0.
  if (!detail.spif_deals.empty()) view.spif_deals = &detail.spif_deals[row];
  if (!detail.clawback.empty()) view.clawback = &detail.clawback[row];
  view.occupant = &detail.occupant[row];
  if (product_sets > 0) view.product_bookings = &detail.product_bookings[row * product_sets];
  if (!detail.renewal_due.empty()) {
    view.renewal_due = &detail.renewal_due[row];
    view.renewal_renewed = &detail.renewal_renewed[row];
  }
  return view;
}

void measure_points(const int* occupant, const FiscalYear& fy, const Calendar& calendar,
                    std::vector<int>& points) {
  points.clear();
  // Fiscal-quarter ends fall every third month from the first one.
  int quarter_end = fy.first;
  while (!calendar.is_fiscal_quarter_end(quarter_end)) ++quarter_end;
  for (int m = fy.first; m <= fy.last; ++m) {
    const bool at_quarter_end = m == quarter_end;
    if (at_quarter_end) quarter_end += 3;
    if (occupant[m] < 0) continue;
    const bool last = m == fy.last || occupant[m + 1] != occupant[m];
    if (last || at_quarter_end) points.push_back(m);
  }
}

void seat_year_totals(const CompPlan& plan, const FiscalYear& fy, const Calendar& calendar,
                      const SeatYearView& view, std::size_t product_sets, SeatYearTotals& y) {
  y.occupant.assign(view.occupant, view.occupant + fy.last + 1);
  measure_points(view.occupant, fy, calendar, y.points);
  y.streams = SeatYearTotals::kFirstProductSet + product_sets;
  y.totals.resize(y.points.size() * y.streams);
  // The occupied months up to the last point, walked once for every stream: bit 30 marks a span's
  // first month (its running total restarts), bit 31 a measure point.
  std::array<std::uint32_t, 16> walk;  // a fiscal year has at most 12 months in the horizon
  std::size_t steps = 0;
  for (int m = fy.first, p = 0; m <= fy.last && p < static_cast<int>(y.points.size()); ++m) {
    if (view.occupant[m] < 0) continue;
    std::uint32_t step = static_cast<std::uint32_t>(m);
    if (m == fy.first || view.occupant[m - 1] != view.occupant[m]) step |= kRestart;
    if (m == y.points[static_cast<std::size_t>(p)]) {
      step |= kPoint;
      ++p;
    }
    walk[steps++] = step;
  }
  const std::array<const double*, SeatYearTotals::kFirstProductSet> monthly{
      view.bookings, view.deals, view.renewal_due, view.renewal_renewed};
  // Streams summed side by side, up to kSideBySide at a time: independent sums, each in month
  // order as alone, that the processor overlaps.
  std::array<const double*, kSideBySide> values;
  std::array<std::size_t, kSideBySide> stride, column;
  std::size_t live = 0;
  auto flush = [&] {
    running_totals(walk.data(), steps, values.data(), stride.data(), column.data(), live,
                   y.totals.data(), y.streams);
    live = 0;
  };
  for (std::size_t k = 0; k < y.streams; ++k) {
    const double* v = nullptr;
    std::size_t by = 1;
    if (k < SeatYearTotals::kFirstProductSet) {
      v = monthly[k];
    } else if (view.product_bookings != nullptr) {
      v = view.product_bookings + (k - SeatYearTotals::kFirstProductSet);
      by = product_sets;
    }
    if (v == nullptr) {  // null arrays read as 0: every running total is +0
      for (std::size_t p = 0; p < y.points.size(); ++p) y.totals[p * y.streams + k] = 0.0;
      continue;
    }
    values[live] = v;
    stride[live] = by;
    column[live] = k;
    if (++live == kSideBySide) flush();
  }
  if (live > 0) flush();
  // A seat of a SPIF segment earns it on every deal, so product deals are not counted twice.
  // (0 x a count adds +0: no SPIF rate, no SPIF.)
  y.spif = 0;
  const double* spif_deals = spif_counts(view);
  for (int k = fy.first; k <= fy.last && plan.spif_per_deal != 0 && spif_deals != nullptr; ++k)
    y.spif += plan.spif_per_deal * spif_deals[k];
  y.clawback.clear();  // read only by plans that claw back
  if (plan.clawback_months >= 0) {
    if (view.clawback != nullptr)
      y.clawback.assign(view.clawback + fy.first, view.clawback + fy.last + 1);
    else
      y.clawback.assign(static_cast<std::size_t>(fy.months()), 0.0);
  }
}

Payout seat_payout(const CompPlan& plan, double quota, const FiscalYear& fy,
                   const Calendar& calendar, const SeatYearView& view) {
  thread_local SeatYearTotals year;
  const std::size_t sets = view.product_bookings != nullptr ? view.product_sets : 0;
  seat_year_totals(plan, fy, calendar, view, sets, year);
  const Payout payout = seat_payout(plan, quota, fy, view, year);
  // A SPIF is paid in the month of its deal (the totals keep only the year's).
  const double* spif_deals = spif_counts(view);
  if (view.paid != nullptr && plan.spif_per_deal != 0 && spif_deals != nullptr) {
    for (int k = fy.first; k <= fy.last; ++k)
      (*view.paid)[static_cast<std::size_t>(k - fy.first)] += plan.spif_per_deal * spif_deals[k];
  }
  return payout;
}

Payout seat_payout(const CompPlan& plan, double quota, const FiscalYear& fy,
                   const SeatYearView& seat, const SeatYearTotals& y) {
  Payout payout;
  const double variable = plan.variable();
  std::array<Terms, kMaxComponents> terms;
  const std::size_t n = component_terms(plan, quota, seat, terms);
  std::array<std::size_t, kMaxComponents> stream;  // written for components 0..n-1
  for (std::size_t c = 0; c < n; ++c) stream[c] = stream_of(terms[c]);
  // Terms the same in every trial: the seat's, computed once, when given.
  const SeatTerms* fixed = seat.terms;
  // Commission per unit of bookings, per fiscal-year month, of the components on all new
  // bookings (clawbacks): the occupant's rate; a vacant month keeps the full-year rate.
  // A fiscal year has at most 12 months in the horizon; read only by plans that claw back.
  const bool claws_back = plan.clawback_months >= 0;
  std::array<double, 12> month_rate;
  if (claws_back)
    month_rate.fill(fixed != nullptr ? fixed->full_year_rate
                                     : full_year_rate_of(terms, n, variable));
  std::size_t p = 0;  // the next measure point
  int m = fy.first;
  MonthlyPay* by_month = seat.paid;  // (a component's `paid` below is its true-up)
  std::uint32_t settled = 0;         // bit m - fy.first: commission and draws settle in month m
  while (m <= fy.last) {
    const int occupant = y.occupant[m];
    if (occupant < 0) {
      ++m;
      continue;
    }
    const int a = m;
    int b = m;
    while (b + 1 <= fy.last && y.occupant[b + 1] == occupant) ++b;
    // Start of this occupant: the seat's start for the first one, else its first month.
    int start = a;
    while (start > 0 && y.occupant[start - 1] == occupant) --start;
    if (occupant == 0) start = seat.seat_start;
    // The span's points run from p to its last month b.
    std::size_t last_point = p;
    while (y.points[last_point] != b) ++last_point;

    // Per component: on-target variable pay of this occupant, the rate that pays it at 100%
    // attainment of their share of the quota, and the cap (the seat's own terms when the
    // occupant holds the whole year). Written for components 0..n-1 before they are read.
    SeatTerms computed;
    const SeatTerms* span = &computed;
    if (fixed != nullptr && a == fy.first && b == fy.last)
      span = fixed;
    else
      span_terms(plan, terms, n, seat.profile, fy, seat.seat_start, a, b, computed);
    const std::array<double, kMaxComponents>&on_target = span->on_target, &rate = span->rate,
                             &cap_amount = span->cap_amount;
    std::array<double, kMaxComponents> due_total;
    std::array<Running, kMaxComponents> run;
    for (std::size_t c = 0; c < n; ++c) {
      run[c] = Running{0.0, 0.0, 0.0};
      due_total[c] = terms[c].measure == Measure::retention
                         ? y.totals[last_point * y.streams + SeatYearTotals::kRenewalDue]
                         : 0.0;
    }
    for (int k = a; k <= b && claws_back; ++k) month_rate[k - fy.first] = span->clawback_rate;
    double share = 0, balance = 0;
    int last_measured = a - 1, shared = a - 1;
    for (; p <= last_point; ++p) {
      const int t = y.points[p];
      for (; shared < t; ++shared) share += seat.profile[shared + 1 - fy.first];
      const double* at = &y.totals[p * y.streams];
      for (std::size_t c = 0; c < n; ++c) {
        run[c].value = at[stream[c]];
        if (terms[c].measure == Measure::retention) run[c].due = at[SeatYearTotals::kRenewalDue];
      }
      // Each component's attainment at this point, computed at most once (a gate's is its
      // component's own).
      std::array<double, kMaxComponents> attained;
      unsigned known = 0;
      auto attainment_of = [&](std::size_t c) {
        if (((known >> c) & 1U) == 0) {
          attained[c] = attainment(terms[c], run[c], share);
          known |= 1U << c;
        }
        return attained[c];
      };
      double commission = 0;
      bool settle = false;
      for (std::size_t c = 0; c < n; ++c) {
        const Terms& k = terms[c];
        // Every point before the occupant's last month b is a fiscal-quarter end.
        const bool measure = t == b || k.measurement == Measurement::quarterly;
        if (!measure) continue;
        settle = true;
        // A gated component earns nothing while its gate's attainment is below the threshold
        // (NaN: the gate has no quota or nothing was due, so it is not reached). Attainment at
        // the threshold passes though the profile's sum may round a little above 1.
        const double gate_at = k.gate_attainment * (1 - 1e-12);
        double earned = 0;
        if (k.gate < 0 || attainment_of(static_cast<std::size_t>(k.gate)) >= gate_at) {
          if (k.measure == Measure::retention) {
            if (run[c].due > 0) {
              // x / x is 1 exactly for a finite x > 0: all that is due in the span is due by now.
              const double due_share = run[c].due == due_total[c] && std::isfinite(run[c].due)
                                           ? 1.0
                                           : run[c].due / due_total[c];
              earned = on_target[c] * due_share * tiered(*k.tiers, k.mode, attainment_of(c));
            }
          } else {
            const double ytd_quota = k.quota * share;
            earned = ytd_quota > 0
                         ? rate[c] * ytd_quota * tiered(*k.tiers, k.mode, attainment_of(c))
                         : 0.0;
          }
        }
        earned = std::min(earned, cap_amount[c]);
        const double paid = std::max(0.0, earned - run[c].paid);
        run[c].paid = std::max(run[c].paid, earned);
        payout.component[c] += paid;
        commission += paid;
      }
      if (!settle) continue;
      double draw = 0;
      if (plan.draw != DrawKind::none) {
        for (int k = last_measured + 1; k <= t; ++k) {
          if (k - start >= plan.draw_months) continue;
          draw += plan.draw_per_month;
          // A draw is advanced in the months it covers; the settlement pays the rest.
          if (by_month != nullptr)
            (*by_month)[static_cast<std::size_t>(k - fy.first)] += plan.draw_per_month;
        }
      }
      last_measured = t;
      settled |= std::uint32_t{1} << (t - fy.first);
      double paid_at_t = 0;  // commission and draw due in month t
      if (plan.draw == DrawKind::recoverable) {
        if (commission < draw) {
          balance += draw - commission;
          payout.commission += commission;
          payout.draw += draw - commission;
          paid_at_t = commission + (draw - commission);
        } else {
          // The advance recovered was commission paid early: it moves from the draw beyond
          // commission to the commission.
          const double recovered = std::min(balance, commission - draw);
          balance -= recovered;
          payout.commission += commission;
          payout.draw -= recovered;
          paid_at_t = commission - recovered;
        }
      } else {
        payout.commission += commission;
        payout.draw += std::max(0.0, draw - commission);
        paid_at_t = commission + std::max(0.0, draw - commission);
      }
      if (by_month != nullptr)
        (*by_month)[static_cast<std::size_t>(t - fy.first)] += paid_at_t - draw;
    }
    // An unrecovered balance at departure or year end is written off: it has been paid.
    payout.base += plan.base() / 12.0 * (b - a + 1);
    m = b + 1;
  }
  payout.spif = y.spif;
  if (claws_back) {
    for (int k = fy.first; k <= fy.last; ++k)
      payout.clawback += month_rate[k - fy.first] * y.clawback[k - fy.first];
  }
  for (int k = fy.first; k <= fy.last && by_month != nullptr && plan.clawback_months >= 0; ++k) {
    const double amount = month_rate[k - fy.first] * y.clawback[k - fy.first];
    if (amount == 0) continue;
    // Recovered from the payout that settles the deal's month: the occupant's first settlement
    // from it on (their last month settles at the latest); the year's end for a vacant month.
    int at = k;
    if (y.occupant[k] < 0) at = fy.last;
    while (at < fy.last && ((settled >> (at - fy.first)) & 1U) == 0) ++at;
    (*by_month)[static_cast<std::size_t>(at - fy.first)] -= amount;
  }
  return payout;
}

SeatTerms seat_terms(const CompPlan& plan, double quota, const FiscalYear& fy,
                     const SeatYearView& seat) {
  std::array<Terms, kMaxComponents> terms;
  const std::size_t n = component_terms(plan, quota, seat, terms);
  SeatTerms out;
  span_terms(plan, terms, n, seat.profile, fy, seat.seat_start, fy.first, fy.last, out);
  out.full_year_rate = full_year_rate_of(terms, n, plan.variable());
  return out;
}

bool CompSpec::needs_measure_totals() const {
  for (const CompPlan& plan : plans) {
    for (const Component& c : plan.components) {
      if (c.measure == Measure::new_logos && std::isnan(c.quota)) return true;
      if (c.measure == Measure::new_bookings && c.products != 0 && std::isnan(c.quota_share))
        return true;
    }
  }
  return false;
}

std::vector<std::uint64_t> CompSpec::product_sets() const {
  std::vector<std::uint64_t> sets;
  for (const CompPlan& plan : plans) {
    for (const Component& c : plan.components) {
      if (c.measure == Measure::new_bookings && c.products != 0 &&
          std::find(sets.begin(), sets.end(), c.products) == sets.end())
        sets.push_back(c.products);
    }
  }
  return sets;
}

void MeasureTotals::resize(std::size_t seat_count, std::size_t set_count) {
  seats = seat_count;
  sets = set_count;
  deals.assign(seat_count, 0);
  product_cents.assign(seat_count * set_count, 0);
  trials = 0;
}

void MeasureTotals::add(const MeasureTotals& other) {
  if (other.seats == 0) return;
  if (seats == 0) resize(other.seats, other.sets);
  for (std::size_t i = 0; i < deals.size(); ++i) deals[i] += other.deals[i];
  for (std::size_t i = 0; i < product_cents.size(); ++i) product_cents[i] += other.product_cents[i];
  trials += other.trials;
}

void count_seat_measures(const TrialOutcome& outcome, const FiscalYear& fy, std::size_t s,
                         MeasureTotals& totals) {
  const SeatMonths& detail = outcome.seat_months;
  const auto months = static_cast<std::size_t>(outcome.layout.months);
  double deals = 0;
  for (int m = fy.first; m <= fy.last; ++m) deals += detail.deals[s * months + m];
  totals.deals[s] += static_cast<std::uint64_t>(std::llround(deals));
  for (std::size_t k = 0; k < totals.sets; ++k) {
    double amount = 0;
    for (int m = fy.first; m <= fy.last; ++m)
      amount += detail.product_bookings[(s * months + m) * totals.sets + k];
    totals.product_cents[s * totals.sets + k] +=
        static_cast<std::uint64_t>(std::llround(amount * 100));
  }
}

void count_measures(const TrialOutcome& outcome, const FiscalYear& fy, MeasureTotals& totals) {
  for (std::size_t s = 0; s < totals.seats; ++s) count_seat_measures(outcome, fy, s, totals);
  ++totals.trials;
}

std::vector<double> component_quotas(const CompSpec& spec, const std::vector<double>& quota,
                                     const std::vector<double>& expected_bookings,
                                     const std::vector<double>& in_year,
                                     const MeasureTotals& totals) {
  const std::size_t n = quota.size();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> out(n * kMaxComponents, nan);
  if (spec.empty()) return out;  // no plans (--no-comp): no seat is paid
  const std::vector<std::uint64_t> sets = spec.product_sets();
  const double trials = static_cast<double>(std::max<std::uint64_t>(1, totals.trials));
  for (std::size_t s = 0; s < n; ++s) {
    const int p = spec.seat_plan[s];
    if (p < 0 || std::isnan(quota[s])) continue;
    const CompPlan& plan = spec.plans[static_cast<std::size_t>(p)];
    // Expected amounts per unit of expected bookings: a derived quota keeps the seat's ratio
    // of quota to expected bookings.
    const double per_booking = expected_bookings[s] > 0 ? quota[s] / expected_bookings[s] : nan;
    for (std::size_t c = 0; c < plan.components.size(); ++c) {
      const Component& k = plan.components[c];
      double& q = out[s * kMaxComponents + c];
      switch (k.measure) {
        case Measure::new_bookings:
          if (k.products == 0) {
            q = quota[s];
          } else if (!std::isnan(k.quota_share)) {
            q = quota[s] * k.quota_share;
          } else {
            const auto set = static_cast<std::size_t>(
                std::find(sets.begin(), sets.end(), k.products) - sets.begin());
            const double cents = static_cast<double>(totals.product_cents[s * totals.sets + set]);
            q = per_booking * cents / 100.0 / trials;
          }
          break;
        case Measure::new_logos:
          q = !std::isnan(k.quota) ? k.quota * (in_year.empty() ? 1.0 : in_year[s])
                                   : per_booking * static_cast<double>(totals.deals[s]) / trials;
          break;
        case Measure::retention:
          q = k.target;
          break;
      }
    }
  }
  return out;
}

}  // namespace opsim::plan

namespace opsim::plan {

CompEvaluator::CompEvaluator(const Scenario& scenario, const CompSpec& spec, const FiscalYear& fy,
                             const std::vector<double>& quota, const std::vector<double>& profiles,
                             std::uint64_t trials, std::uint64_t first_trial,
                             std::vector<double> component_quota)
    : scenario_(scenario),
      spec_(spec),
      fy_(fy),
      quota_(quota),
      profiles_(profiles),
      first_trial_(first_trial),
      component_quota_(std::move(component_quota)),
      sets_(spec.product_sets()),
      slot_(scenario.seats.size(), -1),
      payouts_{UnfilledVector<double>(trials * scenario.seats.size()),
               UnfilledVector<double>(trials * scenario.seats.size()),
               std::vector<double>(trials * 5, 0.0),
               {},
               {}} {
  for (const CompPlan& plan : spec.plans) {
    std::array<int, kMaxComponents> set;
    set.fill(-1);
    for (std::size_t c = 0; c < plan.components.size(); ++c) {
      const Component& k = plan.components[c];
      if (k.measure == Measure::new_bookings && k.products != 0)
        set[c] =
            static_cast<int>(std::find(sets_.begin(), sets_.end(), k.products) - sets_.begin());
    }
    component_set_.push_back(set);
  }
  spif_segment_.assign(scenario.seats.size(), 0);
  for (std::size_t s = 0; s < scenario.seats.size(); ++s) {
    const int p = spec.seat_plan[s];
    if (p < 0) continue;
    const CompPlan& plan = spec.plans[static_cast<std::size_t>(p)];
    spif_segment_[s] = std::find(plan.spif_segments.begin(), plan.spif_segments.end(),
                                 scenario.seats[s].segment) != plan.spif_segments.end();
  }
  for (std::size_t s = 0; s < scenario.seats.size(); ++s) {
    const int p = spec.seat_plan[s];
    if (p < 0 || std::isnan(quota[s]) || spec.plans[static_cast<std::size_t>(p)].components.empty())
      continue;
    if (component_quota_.size() != scenario.seats.size() * kMaxComponents)
      throw_internal("CompEvaluator: component quotas missing for a plan with components");
    slot_[s] = static_cast<std::int64_t>(slots_);
    slots_ += spec.plans[static_cast<std::size_t>(p)].components.size();
  }
  payouts_.component.resize(trials * slots_);  // each trial's row written as it is observed
  // What every trial's payout of a seat computes the same way, once per seat.
  seat_terms_.resize(scenario.seats.size());
  for (std::size_t s = 0; s < scenario.seats.size(); ++s) {
    const int p = spec.seat_plan[s];
    if (p < 0 || std::isnan(quota[s])) continue;
    SeatYearView view;
    seat_view(s, view);
    seat_terms_[s] = seat_terms(spec.plans[static_cast<std::size_t>(p)], quota[s], fy_, view);
  }
}

SeatMonthRecording comp_recording(const Scenario& scenario, const CompSpec& spec) {
  SeatMonthRecording r;
  r.clawback_months.assign(scenario.seats.size(), -1);
  r.spif_products.assign(scenario.seats.size(), 0);
  for (std::size_t s = 0; s < scenario.seats.size(); ++s) {
    if (spec.seat_plan[s] < 0) continue;
    const CompPlan& plan = spec.plans[spec.seat_plan[s]];
    r.clawback_months[s] = plan.clawback_months;
    for (int product : plan.spif_products) r.spif_products[s] |= std::uint64_t{1} << product;
    for (const Component& c : plan.components) r.renewals |= c.measure == Measure::retention;
  }
  r.product_sets = spec.product_sets();
  return r;
}

SeatMonthRecording CompEvaluator::recording() const {
  return comp_recording(scenario_, spec_);
}

void CompEvaluator::place_payouts(std::vector<int> group, std::size_t groups) {
  if (group.size() != scenario_.seats.size() ||
      std::any_of(group.begin(), group.end(), [&](int g) { return g >= static_cast<int>(groups); }))
    throw_internal("CompEvaluator::place_payouts: {} seats grouped into {} groups for {} seats",
                   group.size(), groups, scenario_.seats.size());
  placement_group_ = std::move(group);
  placement_groups_ = groups;
  payouts_.placed.assign(
      payouts_.parts.size() / 5 * groups * static_cast<std::size_t>(fy_.months()), 0.0);
}

std::uint64_t CompEvaluator::memory_bytes(const Scenario& scenario, const CompSpec& spec,
                                          std::uint64_t trials) {
  std::uint64_t per_trial = 16 * scenario.seats.size() + 40;
  for (int p : spec.seat_plan) {
    if (p < 0) continue;
    per_trial += 16 + 8 * spec.plans[static_cast<std::size_t>(p)].components.size();
  }
  // And per seat its payout terms, computed once (SeatTerms).
  return per_trial * trials + sizeof(SeatTerms) * scenario.seats.size();
}

void CompEvaluator::seat_view(std::size_t s, SeatYearView& view) const {
  view.profile = &profiles_[s * static_cast<std::size_t>(fy_.months())];
  view.seat_start = scenario_.seats[s].start;
  view.spif = spif_segment_[s] != 0;
  if (slot_[s] >= 0) {
    view.component_quota = &component_quota_[s * kMaxComponents];
    view.component_set = component_set_[static_cast<std::size_t>(spec_.seat_plan[s])].data();
    view.product_sets = sets_.size();
  } else {
    view.product_bookings = nullptr;
    view.renewal_due = view.renewal_renewed = nullptr;
  }
}

void CompEvaluator::pay_seat(std::uint64_t row_of_trial, std::size_t s, SeatYearView view,
                             const SeatYearTotals* year, double* parts) {
  // With place_payouts(), the seat's pay by month, added to its group's.
  MonthlyPay months;
  const int group = placement_group_.empty() ? -1 : placement_group_[s];
  if (group >= 0) {
    if (year != nullptr)
      throw_internal("CompEvaluator: payouts are placed by month only when priced month by month");
    months.fill(0.0);
    view.paid = &months;
  }
  const std::size_t n = scenario_.seats.size();
  const int p = spec_.seat_plan[s];
  const CompPlan& plan = spec_.plans[p];
  Payout pay;
  if (std::isnan(quota_[s])) {
    // A covered seat without a quota this year earns no variable pay; its base pay for the
    // months occupied is a cost all the same (as compare and sweep count it).
    const int* occupant = year != nullptr ? year->occupant.data() : view.occupant;
    int occupied = 0;
    for (int m = fy_.first; m <= fy_.last; ++m) occupied += occupant[m] >= 0 ? 1 : 0;
    pay.base = plan.base() / 12.0 * occupied;
  } else {
    seat_view(s, view);
    view.terms = &seat_terms_[s];
    pay = year != nullptr ? seat_payout(plan, quota_[s], fy_, view, *year)
                          : seat_payout(plan, quota_[s], fy_, scenario_.calendar, view);
  }
  if (slot_[s] >= 0) {
    double* slots = &payouts_.component[row_of_trial * slots_ + static_cast<std::size_t>(slot_[s])];
    for (std::size_t c = 0; c < plan.components.size(); ++c) slots[c] = pay.component[c];
  }
  if (group >= 0) {
    const auto width = static_cast<std::size_t>(fy_.months());
    double* into =
        &payouts_
             .placed[(row_of_trial * placement_groups_ + static_cast<std::size_t>(group)) * width];
    for (std::size_t k = 0; k < width; ++k) into[k] += months[k];
  }
  payouts_.seat_variable[row_of_trial * n + s] = pay.variable();
  payouts_.seat_cost[row_of_trial * n + s] = pay.cost();
  parts[0] += pay.commission;
  parts[1] += pay.draw;
  parts[2] += pay.spif;
  parts[3] += pay.clawback;
  parts[4] += pay.base;
}

void CompEvaluator::start_row(std::uint64_t row_of_trial) {
  // Seats without a plan pay nothing; every other seat's cells and every slot are written by
  // pay_seat() (the rows are not zero-filled when sized).
  const std::size_t n = scenario_.seats.size();
  std::fill_n(payouts_.seat_variable.begin() + static_cast<std::ptrdiff_t>(row_of_trial * n), n,
              0.0);
  std::fill_n(payouts_.seat_cost.begin() + static_cast<std::ptrdiff_t>(row_of_trial * n), n, 0.0);
}

void CompEvaluator::observe(std::uint64_t trial, const TrialOutcome& outcome) {
  const std::size_t n = scenario_.seats.size();
  const int months = outcome.layout.months;
  const SeatMonths& detail = outcome.seat_months;
  const std::uint64_t row_of_trial = trial - first_trial_;
  start_row(row_of_trial);
  double* parts = &payouts_.parts[row_of_trial * 5];
  for (std::size_t s = 0; s < n; ++s) {
    if (spec_.seat_plan[s] < 0) continue;
    pay_seat(row_of_trial, s, seat_months_view(detail, s, months, sets_.size()), nullptr, parts);
  }
}

void CompEvaluator::observe_stored(std::uint64_t trial, const SeatYearStore& store,
                                   SeatYearTotals& year) {
  const std::size_t n = scenario_.seats.size();
  const std::uint64_t row_of_trial = trial - first_trial_;
  start_row(row_of_trial);
  double* parts = &payouts_.parts[row_of_trial * 5];
  SeatYearStore::Cursor cursor = store.cursor(trial);
  for (std::size_t s = 0; s < n; ++s) {
    if (spec_.seat_plan[s] < 0) continue;
    cursor.next(s, year);  // every seat with a plan is stored, in seat order
    pay_seat(row_of_trial, s, SeatYearView{}, &year, parts);
  }
}

void CompEvaluator::distributions(CompResult& r, const std::vector<double>& seat_bookings) const {
  const std::size_t n = scenario_.seats.size();
  const std::uint64_t trials = r.trials;
  r.seat_variable_spread.assign(n, Spread{});
  r.seat_cost_p90.assign(n, 0.0);
  r.seat_ote.assign(n, 0.0);

  // Groups: role x region of the seats a plan covers (a seat without a quota earns its base).
  std::vector<int> group_of(n, -1);
  for (std::size_t s = 0; s < n; ++s) {
    if (spec_.seat_plan[s] < 0) continue;
    const Seat& seat = scenario_.seats[s];
    const CompPlan& plan = spec_.plans[spec_.seat_plan[s]];
    const int months = std::max(0, fy_.last + 1 - std::max(fy_.first, seat.start));
    r.seat_ote[s] = (std::isnan(quota_[s]) ? plan.base() : plan.ote) * months / 12.0;
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
  tbb::parallel_for(std::size_t{0}, (n + kColumnBlock - 1) / kColumnBlock, [&](std::size_t b) {
    std::vector<std::size_t> seats;
    for (std::size_t s = b * kColumnBlock; s < std::min(n, (b + 1) * kColumnBlock); ++s) {
      if (group_of[s] >= 0) seats.push_back(s);
    }
    std::vector<std::vector<double>>& variable =
        gather_columns(payouts_.seat_variable, n, seats, trials);
    for (std::size_t k = 0; k < seats.size(); ++k)
      r.seat_variable_spread[seats[k]] = spread_of(variable[k]);
    std::vector<std::vector<double>>& cost = gather_columns(payouts_.seat_cost, n, seats, trials);
    for (std::size_t k = 0; k < seats.size(); ++k) r.seat_cost_p90[seats[k]] = p90_of(cost[k]);
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
    r.groups[g].cost_p90 = p90_of(c);
  });
}

void CompEvaluator::component_distributions(CompResult& r) const {
  const std::size_t n = scenario_.seats.size();
  const std::uint64_t trials = r.trials;
  if (slots_ == 0) return;
  const double dt = static_cast<double>(trials);

  // Rows per plan x component, in plan order; seat rows in seat order.
  std::vector<std::size_t> first_row;
  for (const CompPlan& plan : spec_.plans) {
    first_row.push_back(r.components.size());
    for (const Component& c : plan.components)
      r.components.push_back({plan.id, c.id, c.measure, c.weight, 0, 0, 0, {}, 0});
  }
  std::vector<std::uint64_t> paid_trials(r.components.size(), 0);
  for (std::size_t s = 0; s < n; ++s) {
    if (slot_[s] < 0) continue;
    const auto p = static_cast<std::size_t>(spec_.seat_plan[s]);
    const CompPlan& plan = spec_.plans[p];
    const Seat& seat = scenario_.seats[s];
    const int months = std::max(0, fy_.last + 1 - std::max(fy_.first, seat.start));
    for (std::size_t c = 0; c < plan.components.size(); ++c) {
      ComponentResult& row = r.components[first_row[p] + c];
      row.seats += 1;
      row.on_target += plan.components[c].weight * plan.variable() * months / 12.0;
      r.seat_components.push_back({static_cast<int>(s),
                                   static_cast<int>(first_row[p] + c),
                                   component_quota_[s * kMaxComponents + c],
                                   0,
                                   {}});
    }
  }
  // Per seat x component: mean and spread of the payout (columns of the per-trial slots).
  std::vector<std::size_t> slot_of(r.seat_components.size());
  {
    std::size_t k = 0;
    for (std::size_t s = 0; s < n; ++s) {
      if (slot_[s] < 0) continue;
      const std::size_t count =
          spec_.plans[static_cast<std::size_t>(spec_.seat_plan[s])].components.size();
      for (std::size_t c = 0; c < count; ++c) slot_of[k++] = static_cast<std::size_t>(slot_[s]) + c;
    }
  }
  std::vector<std::uint64_t> paid(r.seat_components.size(), 0);
  const std::size_t count = r.seat_components.size();
  tbb::parallel_for(std::size_t{0}, (count + kColumnBlock - 1) / kColumnBlock, [&](std::size_t b) {
    const std::size_t first = b * kColumnBlock, last = std::min(count, first + kColumnBlock);
    const std::vector<std::size_t> slots(slot_of.begin() + first, slot_of.begin() + last);
    std::vector<std::vector<double>>& columns =
        gather_columns(payouts_.component, slots_, slots, trials);
    for (std::size_t i = first; i < last; ++i) {
      std::vector<double>& column = columns[i - first];
      double sum = 0;
      for (std::uint64_t t = 0; t < trials; ++t) {
        sum += column[t];
        paid[i] += column[t] > 0;
      }
      r.seat_components[i].expected = sum / dt;
      r.seat_components[i].payout = spread_of(column);
    }
  });
  // Per plan x component: the per-trial sum over its seats (seat order: deterministic).
  const std::size_t rows = r.components.size();
  std::vector<double> totals(rows * trials, 0.0);
  tbb::parallel_for(std::uint64_t{0}, trials, [&](std::uint64_t t) {
    for (std::size_t i = 0; i < r.seat_components.size(); ++i) {
      const auto row = static_cast<std::size_t>(r.seat_components[i].component);
      totals[row * trials + t] += payouts_.component[t * slots_ + slot_of[i]];
    }
  });
  for (std::size_t i = 0; i < r.seat_components.size(); ++i)
    paid_trials[static_cast<std::size_t>(r.seat_components[i].component)] += paid[i];
  for (std::size_t row = 0; row < rows; ++row) {
    ComponentResult& c = r.components[row];
    std::vector<double> v(totals.begin() + row * trials, totals.begin() + (row + 1) * trials);
    double sum = 0;
    for (double x : v) sum += x;
    c.expected = sum / dt;
    c.total = spread_of(v);
    c.probability_paid = c.seats > 0 ? static_cast<double>(paid_trials[row]) / (dt * c.seats) : 0.0;
  }
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
  // Per seat, summed in trial order (any split over seats gives the same sums): blocks of seats
  // in parallel, each reading its columns of the [trial][seat] rows.
  constexpr std::size_t kMeanBlock = 512;
  tbb::parallel_for(std::size_t{0}, (n + kMeanBlock - 1) / kMeanBlock, [&](std::size_t b) {
    const std::size_t first = b * kMeanBlock, last = std::min(n, first + kMeanBlock);
    for (std::uint64_t t = 0; t < trials; ++t) {
      const double* variable = &payouts_.seat_variable[t * n];
      const double* cost = &payouts_.seat_cost[t * n];
      for (std::size_t s = first; s < last; ++s) {
        r.seat_variable[s] += variable[s] / dt;
        r.seat_cost[s] += cost[s] / dt;
      }
    }
  });
  std::uint64_t over = 0;
  for (std::uint64_t t = 0; t < trials; ++t) {
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
    r.expected_bookings += company_bookings[t] / dt;
    over += !std::isnan(spec_.budget) && cost > spec_.budget;
  }
  distributions(r, seat_bookings);
  component_distributions(r);
  r.probability_over_budget = static_cast<double>(over) / dt;
  r.probability_over_budget_se =
      std::sqrt(r.probability_over_budget * (1 - r.probability_over_budget) / dt);
  return r;
}

double CompResult::cost_of_sales_share() const {
  if (!(expected_bookings > 0)) return std::numeric_limits<double>::quiet_NaN();
  double cost = 0;
  for (double c : total_cost) cost += c;
  return cost / static_cast<double>(total_cost.size()) / expected_bookings;
}

}  // namespace opsim::plan
