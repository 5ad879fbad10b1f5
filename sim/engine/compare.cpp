#include "sim/engine/compare.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/base/error.hpp"
#include "sim/base/random.hpp"

namespace opsim {

std::uint64_t independent_seed(std::uint64_t seed) {
  // Within the seeds a scenario and --seed take (0..2^63-1), so that the independent runs can
  // be repeated by hand (review: the recorded seed was above what --seed accepts).
  return stable_hash_combine(seed, stable_hash("independent comparison")) >> 1;
}

void require_comparable(const Scenario& base, const Scenario& alt) {
  auto fail = [&](const std::string& what) {
    throw_input("{}: cannot be compared with {}: {} differ", alt.source, base.source, what);
  };
  if (base.calendar.start() != alt.calendar.start() || base.months() != alt.months() ||
      base.calendar.fiscal_year_start_month() != alt.calendar.fiscal_year_start_month()) {
    fail("horizons");
  }
  if (base.region_count() != alt.region_count()) fail("regions");
  for (int r = 0; r < base.region_count(); ++r) {
    if (base.regions[r].id != alt.regions[r].id) fail("regions");
  }
  if (base.segment_count() != alt.segment_count()) fail("segments");
  for (int s = 0; s < base.segment_count(); ++s) {
    if (base.segments[s].id != alt.segments[s].id) fail("segments");
  }
}

ScenarioComparison compare_paired(const std::string& name, const RunResult& base,
                                  const RunResult& paired, const RunResult& independent,
                                  int metric) {
  const ResultLayout& layout = base.layout;
  const std::uint64_t n = base.trials();
  if (paired.trials() != n || independent.trials() != n)
    throw_internal("comparison runs differ in trials");
  ScenarioComparison out;
  out.name = name;
  const std::size_t cells_per_period = static_cast<std::size_t>(layout.regions) * layout.segments;
  out.cells.resize(layout.periods.size() * cells_per_period);
  std::vector<double> d(n), e(n);
  for (std::size_t p = 0; p < layout.periods.size(); ++p) {
    for (int r = 0; r < layout.regions; ++r) {
      for (int s = 0; s < layout.segments; ++s) {
        const std::size_t cell = p * layout.cells() + layout.cell(r, s, metric);
        double mean_d = 0, m2_d = 0, mean_e = 0, m2_e = 0, better = 0;
        for (std::uint64_t t = 0; t < n; ++t) {
          const double b = base.period_values[t * layout.period_cells() + cell];
          d[t] = paired.period_values[t * layout.period_cells() + cell] - b;
          e[t] = independent.period_values[t * layout.period_cells() + cell] - b;
          better += d[t] > 0 ? 1 : 0;
          const double dd = d[t] - mean_d;
          mean_d += dd / static_cast<double>(t + 1);
          m2_d += dd * (d[t] - mean_d);
          const double de = e[t] - mean_e;
          mean_e += de / static_cast<double>(t + 1);
          m2_e += de * (e[t] - mean_e);
        }
        PairedCell& c =
            out.cells[p * cells_per_period + static_cast<std::size_t>(r) * layout.segments + s];
        const double var_d = n > 1 ? m2_d / static_cast<double>(n - 1) : 0.0;
        const double var_e = n > 1 ? m2_e / static_cast<double>(n - 1) : 0.0;
        c.mean = mean_d;
        c.se = std::sqrt(var_d / static_cast<double>(n));
        c.se_independent = std::sqrt(var_e / static_cast<double>(n));
        // Undefined (NaN) when the paired difference does not vary, e.g. identical scenarios:
        // common random numbers then remove all of the variance and no ratio describes it.
        c.variance_reduction = var_d > 0 ? var_e / var_d : std::numeric_limits<double>::quiet_NaN();
        c.p_better = better / static_cast<double>(n);
        std::sort(d.begin(), d.end());
        c.p5 = quantile_sorted(d, 0.05);
        c.p50 = quantile_sorted(d, 0.50);
        c.p95 = quantile_sorted(d, 0.95);
      }
    }
  }
  return out;
}

}  // namespace opsim
