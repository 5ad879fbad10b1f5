#include "sim/engine/year_bookings.hpp"

#include <memory>

#include "sim/base/error.hpp"

namespace opsim {

plan::YearBookings simulate_year_bookings(const Scenario& scenario, int fiscal_year,
                                          const RunOptions& options) {
  const RunResult run = run_trials(scenario, options);
  const ResultLayout& layout = run.layout;
  std::size_t period = layout.periods.size();
  for (std::size_t p = 0; p < layout.periods.size(); ++p) {
    if (layout.periods[p].fiscal_year == fiscal_year && layout.periods[p].quarter == 0) period = p;
  }
  if (period == layout.periods.size()) throw_internal("fiscal year {} has no period", fiscal_year);
  const std::uint64_t trials = run.trials();
  const int year = fiscal_year - layout.first_fiscal_year;
  plan::YearBookings out;
  out.regions.resize(trials * layout.regions);
  out.seats.resize(trials * layout.seats);
  for (std::uint64_t t = 0; t < trials; ++t) {
    for (int r = 0; r < layout.regions; ++r) {
      const std::size_t cell =
          period * layout.cells() +
          layout.cell(r, layout.segments - 1, static_cast<int>(Metric::new_bookings));
      out.regions[t * layout.regions + r] = run.period_values[t * layout.period_cells() + cell];
    }
    for (std::size_t s = 0; s < layout.seats; ++s) {
      out.seats[t * layout.seats + s] =
          run.seat_values[(t * layout.seats + s) * layout.fiscal_years + year];
    }
  }
  return out;
}

plan::CapacityRun capacity_run(const RunOptions& options) {
  plan::CapacityRun run;
  run.trials = options.end_trial - options.first_trial;
  auto calls = std::make_shared<std::uint64_t>(0);
  run.simulate = [options, calls, trials = run.trials](const Scenario& scenario, int fiscal_year) {
    RunOptions call = options;
    if (options.progress) {
      const std::uint64_t offset = (*calls)++ * trials;
      call.progress = [progress = options.progress, offset](std::uint64_t n) {
        progress(offset + n);
      };
    }
    return simulate_year_bookings(scenario, fiscal_year, call);
  };
  return run;
}

}  // namespace opsim
