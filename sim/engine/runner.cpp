#include "sim/engine/runner.hpp"

#include <algorithm>
#include <cmath>
#include <thread>

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "models/trial.hpp"
#include "sim/base/error.hpp"

namespace opsim {

int resolve_threads(int requested) {
  if (requested > 0) return requested;
  return std::max(1, tbb::this_task_arena::max_concurrency());
}

namespace {

struct Scratch {
  TrialWorkspace work;
  TrialOutcome outcome;
  std::vector<double> monthly;
};

}  // namespace

RunResult run_trials(const Scenario& scenario, const RunOptions& options) {
  if (options.end_trial < options.first_trial) throw_internal("empty trial range");
  RunResult result;
  result.layout = ResultLayout(scenario);
  result.first_trial = options.first_trial;
  result.end_trial = options.end_trial;
  result.keep_monthly = options.keep_monthly;
  const ResultLayout& layout = result.layout;
  const std::uint64_t trials = result.trials();
  // Left unwritten here: each trial's rows are written whole below, by the worker that runs it.
  result.period_values.resize(trials * layout.period_cells());
  result.seat_values.resize(trials * layout.seat_cells());
  result.headline_values.resize(trials * layout.headline_cells());
  result.product_values.resize(trials * layout.product_period_cells());
  if (options.keep_monthly) result.monthly_values.resize(trials * layout.monthly_cells());
  result.monthly_moments = MomentTree(layout.monthly_cells());

  const TrialSimulator simulator(scenario, options.seat_months);
  const TrialAggregator aggregator(scenario, layout);
  const StreamFactory streams(options.seed, options.remap);
  const int threads = resolve_threads(options.threads);
  // At least four blocks a thread when the run is short (a large scenario may run 64 trials: one
  // block of 64 would leave every other thread idle). The block size never changes results.
  const std::uint64_t block =
      std::clamp<std::uint64_t>(trials / (4 * static_cast<std::uint64_t>(threads)), 1,
                                std::max<std::uint64_t>(1, options.block_trials));
  tbb::enumerable_thread_specific<Scratch> scratch;

  // Blocks are processed in waves so that only a bounded number of block trees is alive.
  const std::uint64_t wave_blocks = 8 * static_cast<std::uint64_t>(threads);
  tbb::task_arena arena(threads);
  std::uint64_t next = options.first_trial;
  while (next < options.end_trial) {
    std::vector<std::uint64_t> starts;
    for (std::uint64_t b = 0; b < wave_blocks && next < options.end_trial; ++b) {
      starts.push_back(next);
      // Align blocks to multiples of the block size after the first one.
      next = std::min(options.end_trial, (next / block + 1) * block);
    }
    std::vector<MomentTree> block_trees(starts.size(), MomentTree(layout.monthly_cells()));
    const std::uint64_t wave_end = next;
    arena.execute([&] {
      tbb::parallel_for(std::size_t{0}, starts.size(), [&](std::size_t b) {
        Scratch& s = scratch.local();
        s.monthly.resize(layout.monthly_cells());
        const std::uint64_t end = b + 1 < starts.size() ? starts[b + 1] : wave_end;
        for (std::uint64_t trial = starts[b]; trial < end; ++trial) {
          // Uncertain assumptions: this trial's scenario, drawn from its own streams.
          if (const auto drawn = scenario_for_trial(scenario, streams, trial))
            TrialSimulator(*drawn, options.seat_months, &simulator.tables())
                .simulate(trial, streams, s.work, s.outcome);
          else
            simulator.simulate(trial, streams, s.work, s.outcome);
          const std::uint64_t row = trial - options.first_trial;
          aggregator.aggregate(s.outcome, s.monthly.data(),
                               &result.period_values[row * layout.period_cells()],
                               result.product_values.data() + row * layout.product_period_cells());
          // The rows were left unwritten: each must be written whole.
          if (s.outcome.seat_bookings.size() != layout.seat_cells())
            throw_internal("run_trials: a trial's seat bookings do not fill its row");
          std::copy(
              s.outcome.seat_bookings.begin(), s.outcome.seat_bookings.end(),
              result.seat_values.begin() + static_cast<std::ptrdiff_t>(row * layout.seat_cells()));
          if (options.keep_monthly) {
            std::copy(s.monthly.begin(), s.monthly.end(),
                      result.monthly_values.begin() +
                          static_cast<std::ptrdiff_t>(row * layout.monthly_cells()));
          }
          double* headline = &result.headline_values[row * layout.headline_cells()];
          for (int m = 0; m < layout.months; ++m) {
            for (int r = 0; r < layout.regions; ++r) {
              headline[m * layout.regions + r] =
                  s.monthly[m * layout.cells() +
                            layout.cell(r, layout.segments - 1,
                                        static_cast<int>(Metric::new_bookings))];
            }
          }
          block_trees[b].add_trial(trial, s.monthly.data());
          if (options.observe_trial) options.observe_trial(trial, s.outcome);
        }
        block_trees[b].release_spares();  // only the block's nodes wait for the wave to end
      });
    });
    for (const auto& tree : block_trees) result.monthly_moments.append(tree);
    if (options.progress) options.progress(next - options.first_trial);
  }
  for (const Scratch& s : scratch) result.variates.add(s.work.variates);
  // Every metric of a period is a finite sum of finite draws unless an input amount is too large
  // for doubles (review: deals of 1e308 gave inf and NaN in every output of run, drivers,
  // capacity and quotas, exit 0): bad input, for every command, before any output. A non-finite
  // cell reaches the company totals, which are all that is read.
  const std::size_t total = layout.cell(layout.regions - 1, layout.segments - 1, 0);
  for (std::uint64_t row = 0; row < trials; ++row) {
    for (std::size_t p = 0; p < layout.periods.size(); ++p) {
      const double* cells = &result.period_values[row * layout.period_cells() + p * layout.cells()];
      for (int k = 0; k < kMetricCount; ++k) {
        // Beyond 1e150 the variances overflow too.
        const double value = cells[total + static_cast<std::size_t>(k)];
        if (!std::isfinite(value) || std::abs(value) > 1e150) {
          throw_input(
              "{}: the forecast's {} is {}: an amount in the scenario or its CSV files is too "
              "large to add up (amounts up to 1e15 are safe)",
              scenario.source.empty() ? scenario.name : scenario.source, metric_info(k).name,
              std::isfinite(value) ? "beyond 1e150" : "not a finite number");
        }
      }
    }
  }
  return result;
}

}  // namespace opsim
