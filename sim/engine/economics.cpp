#include "sim/engine/economics.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "models/calendar.hpp"
#include "sim/base/error.hpp"
#include "sim/base/random.hpp"

namespace opsim {

namespace {

//! Months of [first, last] inside a period's horizon months.
int overlap(int first, int last, const Period& p) {
  return std::max(0, std::min(last, p.last_in_horizon) - std::max(first, p.first_in_horizon) + 1);
}

//! Mean and standard error of a per-trial series (Welford).
struct Running {
  double mean = 0.0, m2 = 0.0;
  std::uint64_t n = 0;
  void add(double x) {
    ++n;
    const double d = x - mean;
    mean += d / static_cast<double>(n);
    m2 += d * (x - mean);
  }
  PairedMean finish() const {
    const double variance = n > 1 ? m2 / static_cast<double>(n - 1) : 0.0;
    return {mean, std::sqrt(variance / static_cast<double>(std::max<std::uint64_t>(n, 1)))};
  }
};

}  // namespace

std::string cost_coverage(const Period& period) {
  std::string note = period.coverage();
  if (period.partial(kCostCoverage) && period.covered(kCostCoverage) != period.months_covered) {
    // The costed months end where the period's covered months do.
    const int last = period.first_month + period.months_covered - 1;
    const int costed = period.covered(kCostCoverage);
    note +=
        fmt::format("{}costs for {} of {} months ({}..{})", note.empty() ? "" : "; ", costed,
                    period.months(), format_year_month(last - costed + 1), format_year_month(last));
  }
  return note;
}

std::vector<double> trial_costs(const CostModel& costs, const Scenario& scenario,
                                const RunResult& result, std::uint64_t seed,
                                const CompTrialPay& comp) {
  const ResultLayout& layout = result.layout;
  const std::size_t P = layout.periods.size(), R = static_cast<std::size_t>(layout.regions);
  const int total = layout.regions - 1;
  auto add = [&](double* into, std::size_t p, int region, double amount) {
    if (region >= 0) into[p * R + static_cast<std::size_t>(region)] += amount;
    into[p * R + static_cast<std::size_t>(total)] += amount;
  };
  // Each amount's cost per unit of it, per period and region: multiplied by the trial's value.
  std::vector<std::pair<const CostAmount*, std::vector<double>>> priced;
  auto price = [&](const CostAmount& amount, auto&& units) {
    if (amount.zero()) return;
    std::vector<double> unit(P * R, 0.0);
    for (std::size_t p = 0; p < P; ++p) units(unit.data(), p, layout.periods[p]);
    priced.emplace_back(&amount, std::move(unit));
  };
  for (const CostLine& line : costs.lines) {
    price(line.one_off, [&](double* unit, std::size_t p, const Period& period) {
      if (overlap(line.one_off_month, line.one_off_month, period) > 0) add(unit, p, line.region, 1);
    });
    price(line.monthly, [&](double* unit, std::size_t p, const Period& period) {
      add(unit, p, line.region, overlap(line.first_month, line.last_month, period));
    });
  }
  for (const HireCostRate& rate : costs.hires) {
    price(rate.monthly, [&](double* unit, std::size_t p, const Period& period) {
      for (const Seat& seat : scenario.seats) {
        if (seat.planned_hire && seat.region == rate.region && seat.segment == rate.segment)
          add(unit, p, seat.region, overlap(seat.start, layout.months - 1, period));
      }
    });
  }
  const std::uint64_t n = result.trials();
  const std::size_t regions = R - 1;
  const bool paid = !costs.comp.empty();
  if (paid && (comp.trials != n || comp.periods != P || comp.regions != regions))
    throw_internal("trial_costs: compensation priced on {} trials, the run has {}", comp.trials, n);
  const StreamFactory streams(seed);
  std::vector<double> out(n * P * R, 0.0);
  for (std::uint64_t t = 0; t < n; ++t) {
    double* row = &out[t * P * R];
    const std::uint64_t trial = result.first_trial + t;
    for (const auto& [amount, unit] : priced) {
      const double value = amount->uncertain
                               ? draw_assumptions({*amount->uncertain}, streams, trial).front()
                               : amount->value;
      for (std::size_t i = 0; i < P * R; ++i) row[i] += value * unit[i];
    }
    // A per-hire cost for every rep starting, backfills included, as simulated.
    for (const HireCostRate& rate : costs.hires) {
      if (rate.per_hire.zero()) continue;
      const double per_hire =
          rate.per_hire.uncertain
              ? draw_assumptions({*rate.per_hire.uncertain}, streams, trial).front()
              : rate.per_hire.value;
      for (std::size_t p = 0; p < P; ++p) {
        const double hires = result.period_values[t * layout.period_cells() + p * layout.cells() +
                                                  layout.cell(rate.region, rate.segment,
                                                              static_cast<int>(Metric::hires))];
        add(row, p, rate.region, per_hire * hires);
      }
    }
    if (!paid) continue;
    for (std::size_t p = 0; p < P; ++p) {
      for (std::size_t r = 0; r < regions; ++r)
        add(row, p, static_cast<int>(r), comp.base[(t * P + p) * regions + r]);
    }
    // Variable pay in the periods it is paid in (a fiscal year's is the year's total).
    for (std::size_t p = 0; p < P; ++p) {
      for (std::size_t r = 0; r < regions; ++r) {
        const double pay = comp.variable[(t * P + p) * regions + r];
        if (pay != 0) add(row, p, static_cast<int>(r), pay);
      }
    }
  }
  return out;
}

Economics compare_economics(const std::string& name, const RunResult& base,
                            const std::vector<double>& base_cost, const RunResult& alt,
                            const std::vector<double>& alt_cost, int metric,
                            double return_threshold, const std::vector<TargetResult>& targets,
                            const std::vector<std::string>& target_names) {
  const ResultLayout& layout = base.layout;
  const std::uint64_t n = base.trials();
  const std::size_t P = layout.periods.size(), R = static_cast<std::size_t>(layout.regions);
  if (alt.trials() != n || base_cost.size() != n * P * R || alt_cost.size() != n * P * R)
    throw_internal("cost comparison: runs differ in trials");
  Economics out;
  out.name = name;
  out.trials = n;
  out.cells.resize(P * R);
  std::vector<double> d_bookings(n), d_cost(n);
  for (std::size_t p = 0; p < P; ++p) {
    for (std::size_t r = 0; r < R; ++r) {
      const std::size_t cell =
          p * layout.cells() + layout.cell(static_cast<int>(r), layout.segments - 1, metric);
      Running b_base, b_alt, c_base, c_alt, db, dc, dk;
      double better = 0;
      bool differ = false;  // some trial's contributions differ: P(better) is defined
      for (std::uint64_t t = 0; t < n; ++t) {
        const double bb = base.period_values[t * layout.period_cells() + cell];
        const double ba = alt.period_values[t * layout.period_cells() + cell];
        const double cb = base_cost[(t * P + p) * R + r], ca = alt_cost[(t * P + p) * R + r];
        b_base.add(bb), b_alt.add(ba), c_base.add(cb), c_alt.add(ca);
        d_bookings[t] = ba - bb;
        // Costs summed in another order differ by rounding alone: no difference (review: equal
        // costs gave -5.8e-13, "the alternative saves cost" and a "-0" in the workbook).
        d_cost[t] = std::abs(ca - cb) <= kCostRounding * std::max({std::abs(ca), std::abs(cb), 1.0})
                        ? 0.0
                        : ca - cb;
        db.add(d_bookings[t]);
        dc.add(d_cost[t]);
        dk.add(d_bookings[t] - d_cost[t]);
        // The alternative is better when its extra bookings exceed its extra cost: the same
        // test as P(return > 1), so that the two agree (review: 0.05% against 0.4%).
        better += d_bookings[t] > d_cost[t] ? 1 : 0;
        differ = differ || d_bookings[t] != d_cost[t];
      }
      EconomicsCell& c = out.cells[p * R + r];
      c.bookings_base = b_base.mean, c.bookings_alt = b_alt.mean;
      c.cost_base = c_base.mean, c.cost_alt = c_alt.mean;
      c.bookings = db.finish(), c.cost = dc.finish(), c.contribution = dk.finish();
      if (differ) c.p_better = better / static_cast<double>(n);
      // A partial period's bookings and costs are not a year's (a programme often costs before
      // it returns): no return on cost is shown for it (its differences are).
      // A return on cost is a ratio over extra cost: where the alternative saves cost (mean
      // delta C < 0) mean delta B / mean delta C of two losses would read as a high return, so
      // it is left undefined and the contribution says which is better.
      c.status = c.cost.mean == 0              ? ReturnStatus::no_extra_cost
                 : layout.periods[p].partial() ? ReturnStatus::partial_period
                 : c.cost.mean < 0             ? ReturnStatus::saves_cost
                                               : ReturnStatus::defined;
      if (c.status == ReturnStatus::defined) {
        // Ratio of means; its standard error by the delta method on delta B - R delta C.
        const double ratio = c.bookings.mean / c.cost.mean;
        Running residual;
        double above = 0;
        for (std::uint64_t t = 0; t < n; ++t) {
          residual.add(d_bookings[t] - ratio * d_cost[t]);
          above += d_bookings[t] > return_threshold * d_cost[t] ? 1 : 0;
        }
        c.return_on_cost = ratio;
        c.return_se = residual.finish().se / std::abs(c.cost.mean);
        c.p_return_above = above / static_cast<double>(n);
      }
    }
  }
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const TargetResult& target = targets[i];
    Running in_base, in_alt, change;
    for (std::uint64_t t = 0; t < n; ++t) {
      const double hit_base =
          base.period_values[t * layout.period_cells() + target.cell] >= target.target.amount;
      const double hit_alt =
          alt.period_values[t * layout.period_cells() + target.cell] >= target.target.amount;
      in_base.add(hit_base), in_alt.add(hit_alt), change.add(hit_alt - hit_base);
    }
    const bool partial = layout.periods[static_cast<std::size_t>(target.period)].partial(
        coverage_of(metric_index(target.target.metric)));
    out.targets.push_back({target_names[i], partial, in_base.mean, in_alt.mean, change.finish()});
  }
  return out;
}

std::string_view describe(ReturnStatus status) {
  switch (status) {
    case ReturnStatus::defined:
      return "";
    case ReturnStatus::partial_period:
      return "partial period";
    case ReturnStatus::saves_cost:
      return "saves cost";
    case ReturnStatus::no_extra_cost:
      return "no extra cost";
  }
  return "";
}

}  // namespace opsim
