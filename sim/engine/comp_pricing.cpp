#include "sim/engine/comp_pricing.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include <tbb/enumerable_thread_specific.h>

#include "models/plan/fiscal_year.hpp"
#include "models/plan/quotas.hpp"
#include "sim/engine/mpi_support.hpp"

namespace opsim {

namespace {

//! The fiscal years of the horizon (clipped to it), by fiscal-year index.
std::vector<plan::FiscalYear> horizon_years(const Scenario& scenario) {
  const ResultLayout layout(scenario);
  std::vector<plan::FiscalYear> years;
  for (int y = 0; y < layout.fiscal_years; ++y)
    years.push_back(plan::fiscal_year_of(scenario, layout.first_fiscal_year + y, "comparison"));
  return years;
}

//! Payouts held at once while pricing (the evaluators' per-trial rows), in bytes.
constexpr std::uint64_t kPricingBudget = std::uint64_t{256} << 20;

}  // namespace

CompQuotas comp_quotas(const Scenario& scenario, const RunResult& result) {
  const ResultLayout& layout = result.layout;
  const std::size_t Y = static_cast<std::size_t>(layout.fiscal_years);
  const std::uint64_t n = result.trials();
  CompQuotas quotas;
  for (std::size_t s = 0; s < scenario.seats.size(); ++s) {
    std::vector<double> mean(Y, 0.0);
    for (std::uint64_t t = 0; t < n; ++t) {
      for (std::size_t y = 0; y < Y; ++y)
        mean[y] += result.seat_values[t * layout.seat_cells() + s * Y + y];
    }
    for (double& m : mean) m /= static_cast<double>(std::max<std::uint64_t>(n, 1));
    quotas.by_seat[scenario.seats[s].id] = std::move(mean);
  }
  return quotas;
}

RunResult run_counting_measures(const Scenario& scenario, const plan::CompSpec& spec,
                                RunOptions options, CompMeasures& measures) {
  measures.clear();
  if (spec.empty() || !spec.needs_measure_totals()) return mpi::run_distributed(scenario, options);
  const std::vector<plan::FiscalYear> years = horizon_years(scenario);
  const std::size_t seats = scenario.seats.size();
  SeatMonthRecording recording;
  recording.clawback_months.assign(seats, -1);
  recording.product_sets = spec.product_sets();
  const std::size_t sets = recording.product_sets.size();
  tbb::enumerable_thread_specific<CompMeasures> local;
  options.seat_months = &recording;
  options.observe_trial = [&](std::uint64_t, const TrialOutcome& trial) {
    CompMeasures& sums = local.local();
    if (sums.empty()) {
      sums.resize(years.size());
      for (plan::MeasureTotals& s : sums) s.resize(seats, sets);
    }
    for (std::size_t y = 0; y < years.size(); ++y) plan::count_measures(trial, years[y], sums[y]);
  };
  RunResult result = mpi::run_distributed(scenario, options);
  // Counts are integers: their sum over threads and ranks is exact in any order.
  measures.resize(years.size());
  for (std::size_t y = 0; y < years.size(); ++y) {
    plan::MeasureTotals& total = measures[y];
    total.resize(seats, sets);
    for (const CompMeasures& sums : local) {
      if (!sums.empty()) total.add(sums[y]);
    }
    mpi::sum_on_root(total.deals);
    mpi::sum_on_root(total.product_cents);
    std::vector<std::uint64_t> trials{total.trials};
    mpi::sum_on_root(trials);
    total.trials = trials.front();
  }
  return result;
}

namespace {

//! Per fiscal year, each seat's quota and its components' quotas (set on rank 0, broadcast).
struct YearQuotas {
  std::vector<std::vector<double>> quota, component_quota;
};

//! `own`: the arm's own mean bookings per seat (null when the arm has not run: `quotas` then
//! cover every seat).
YearQuotas year_quotas(const Scenario& scenario, const plan::CompSpec& spec,
                       const std::vector<plan::FiscalYear>& years, const CompQuotas& quotas,
                       const CompQuotas* own, const CompMeasures& measures) {
  const std::size_t n = scenario.seats.size(), Y = years.size();
  const bool components =
      std::any_of(spec.plans.begin(), spec.plans.end(),
                  [](const plan::CompPlan& p) { return !p.components.empty(); });
  YearQuotas q{std::vector<std::vector<double>>(Y), std::vector<std::vector<double>>(Y)};
  if (mpi::rank() == 0) {
    for (std::size_t y = 0; y < Y; ++y) {
      q.quota[y].assign(n, std::numeric_limits<double>::quiet_NaN());
      std::vector<double> expected(n, 0.0);
      for (std::size_t s = 0; s < n; ++s) {
        const std::string& id = scenario.seats[s].id;
        if (own != nullptr) expected[s] = own->by_seat.at(id)[y];
        const auto set = quotas.by_seat.find(id);
        double value = set != quotas.by_seat.end() && y < set->second.size() ? set->second[y] : 0.0;
        if (!(value > 0)) value = expected[s];
        if (value > 0) q.quota[y][s] = value;
      }
      if (components) {
        q.component_quota[y] = plan::component_quotas(
            spec, q.quota[y], expected, plan::in_year_factors(scenario, years[y]),
            y < measures.size() ? measures[y] : plan::MeasureTotals{});
      }
    }
  }
  for (std::size_t y = 0; y < Y; ++y) {
    mpi::broadcast(q.quota[y]);
    mpi::broadcast(q.component_quota[y]);
  }
  return q;
}

//! Bytes of payouts held per trial priced (with each region's pay by the month it is paid in).
std::uint64_t pricing_bytes_per_trial(const Scenario& scenario, const plan::CompSpec& spec,
                                      std::size_t years) {
  return std::max<std::uint64_t>(
      1, years * (plan::CompEvaluator::memory_bytes(scenario, spec, 1) +
                  8 * 12 * static_cast<std::uint64_t>(scenario.region_count())));
}

//! Prices trials [options.first_trial, options.end_trial) split across the ranks with `q`. With
//! `forecast`, the pass is the arm's forecast itself, in one step, gathered into it on rank 0.
CompTrialPay priced_pass(const Scenario& scenario, const plan::CompSpec& spec,
                         const std::vector<plan::FiscalYear>& years, const YearQuotas& q,
                         RunOptions options, RunResult* forecast) {
  CompTrialPay pay;
  const ResultLayout layout(scenario);
  const std::size_t n = scenario.seats.size(), Y = years.size(), P = layout.periods.size(),
                    R = static_cast<std::size_t>(layout.regions - 1);
  pay.periods = P;
  pay.regions = R;
  std::vector<int> region_of(n);
  for (std::size_t s = 0; s < n; ++s) region_of[s] = scenario.seats[s].region;
  std::vector<std::vector<double>> profiles(Y);
  // Pay is measured against the months as the quotas command publishes them (rounded).
  for (std::size_t y = 0; y < Y; ++y) {
    const std::vector<double> phased = plan::phasing_profiles(scenario, years[y], spec.phasing);
    profiles[y] = plan::published_profiles(
        plan::phase_quotas(scenario, years[y], q.quota[y], phased, spec.phasing, spec.rounding),
        phased);
  }
  const SeatMonthRecording recording = plan::comp_recording(scenario, spec);
  options.threads = mpi::threads_per_rank(options.threads);
  std::uint64_t first = 0, end = 0;
  std::tie(first, end) = mpi::share_of(options.first_trial, options.end_trial);
  // Trials priced at a time: every rank takes the same number of steps (shares differ by one
  // trial at most), so that their collective runs match.
  const std::uint64_t span = options.end_trial - options.first_trial;
  const auto ranks = static_cast<std::uint64_t>(mpi::size());
  const std::uint64_t widest = (span + ranks - 1) / ranks;
  const std::uint64_t chunk =
      forecast != nullptr ? std::max<std::uint64_t>(widest, 1)
                          : std::max<std::uint64_t>(
                                64, kPricingBudget / pricing_bytes_per_trial(scenario, spec, Y));
  const std::uint64_t steps = forecast != nullptr ? 1 : (widest + chunk - 1) / chunk;
  std::vector<double> variable((end - first) * P * R, 0.0), base((end - first) * P * R, 0.0);
  for (std::uint64_t step = 0; step < steps; ++step) {
    const std::uint64_t a = std::min(end, first + step * chunk), b = std::min(end, a + chunk);
    std::vector<plan::CompEvaluator> evaluators;
    evaluators.reserve(Y);
    for (std::size_t y = 0; y < Y; ++y) {
      evaluators.emplace_back(scenario, spec, years[y], q.quota[y], profiles[y], b - a, a,
                              q.component_quota[y]);
      evaluators.back().place_payouts(region_of, R);
    }
    RunOptions share = options;
    share.first_trial = a;
    share.end_trial = b;
    share.seat_months = &recording;
    if (options.progress) {
      share.progress = [&, before = a - first](std::uint64_t done) {
        options.progress(before + done);
      };
    }
    share.observe_trial = [&](std::uint64_t trial, const TrialOutcome& outcome) {
      for (plan::CompEvaluator& evaluator : evaluators) evaluator.observe(trial, outcome);
      // Base pay for the months occupied in each period, as plan::seat_payout counts them.
      double* row = &base[(trial - first) * P * R];
      const int months = outcome.layout.months;
      for (std::size_t s = 0; s < n; ++s) {
        if (spec.seat_plan[s] < 0) continue;
        const int* occupant =
            outcome.seat_months.occupant.data() + s * static_cast<std::size_t>(months);
        const double monthly =
            spec.plans[static_cast<std::size_t>(spec.seat_plan[s])].base() / 12.0;
        const auto region = static_cast<std::size_t>(scenario.seats[s].region);
        for (std::size_t p = 0; p < P; ++p) {
          const Period& period = layout.periods[p];
          int occupied = 0;
          for (int m = period.first_in_horizon; m <= period.last_in_horizon; ++m)
            occupied += occupant[m] >= 0 ? 1 : 0;
          if (occupied > 0) row[p * R + region] += monthly * occupied;
        }
      }
    };
    if (forecast != nullptr) {
      RunResult mine;
      mpi::collectively([&] { mine = run_trials(scenario, share); });
      *forecast = mpi::gather_on_root(std::move(mine));
    } else {
      mpi::collectively([&] {
        if (a < b) (void)run_trials(scenario, share);
      });
    }
    // Each trial's variable pay per region: a fiscal year's summed in seat order, a quarter's
    // of the months it is paid in.
    for (std::uint64_t t = a; t < b; ++t) {
      for (std::size_t p = 0; p < P; ++p) {
        const Period& period = layout.periods[p];
        const auto y = static_cast<std::size_t>(period.fiscal_year - layout.first_fiscal_year);
        const plan::TrialPayouts& paid = evaluators[y].payouts();
        double* into = &variable[((t - first) * P + p) * R];
        if (period.quarter == 0) {
          const double* seat_pay = paid.seat_variable.data() + (t - a) * n;
          for (std::size_t s = 0; s < n; ++s)
            into[static_cast<std::size_t>(region_of[s])] += seat_pay[s];
          continue;
        }
        const auto months = static_cast<std::size_t>(years[y].months());
        for (std::size_t r = 0; r < R; ++r) {
          const double* month = &paid.placed[((t - a) * R + r) * months];
          for (int m = period.first_in_horizon; m <= period.last_in_horizon; ++m)
            into[r] += month[m - years[y].first];
        }
      }
    }
  }
  pay.variable = mpi::concatenate_on_root(std::move(variable));
  pay.base = mpi::concatenate_on_root(std::move(base));
  pay.trials = P * R > 0 ? pay.variable.size() / (P * R) : 0;
  return pay;
}

}  // namespace

CompTrialPay price_compensation(const Scenario& scenario, const plan::CompSpec& spec,
                                const RunResult& result, RunOptions options,
                                const CompQuotas& quotas, const CompMeasures& measures) {
  if (spec.empty()) return {};
  const std::vector<plan::FiscalYear> years = horizon_years(scenario);
  const CompQuotas own = mpi::rank() == 0 ? comp_quotas(scenario, result) : CompQuotas();
  const YearQuotas q = year_quotas(scenario, spec, years, quotas, &own, measures);
  return priced_pass(scenario, spec, years, q, std::move(options), nullptr);
}

bool run_priced_forecast(const Scenario& scenario, const plan::CompSpec& spec,
                         const RunOptions& options, const CompQuotas& quotas, RunResult& result,
                         CompTrialPay& pay) {
  if (spec.empty() || spec.needs_measure_totals()) return false;
  const std::vector<plan::FiscalYear> years = horizon_years(scenario);
  // Rank 0 decides (it alone holds the quotas): every seat with a plan has one in every year,
  // and the payouts of a rank's whole share fit the pricing budget.
  std::vector<double> decision{1.0};
  if (mpi::rank() == 0) {
    const auto ranks = static_cast<std::uint64_t>(mpi::size());
    const std::uint64_t widest = (options.end_trial - options.first_trial + ranks - 1) / ranks;
    bool covered = widest * pricing_bytes_per_trial(scenario, spec, years.size()) <= kPricingBudget;
    for (std::size_t s = 0; s < scenario.seats.size() && covered; ++s) {
      if (spec.seat_plan[s] < 0) continue;
      const auto set = quotas.by_seat.find(scenario.seats[s].id);
      covered = set != quotas.by_seat.end() && set->second.size() >= years.size() &&
                std::all_of(set->second.begin(), set->second.end(), [](double q) { return q > 0; });
    }
    decision[0] = covered ? 1.0 : 0.0;
  }
  mpi::broadcast(decision);
  if (decision[0] == 0.0) return false;
  const YearQuotas q = year_quotas(scenario, spec, years, quotas, nullptr, {});
  pay = priced_pass(scenario, spec, years, q, options, &result);
  return true;
}

}  // namespace opsim
