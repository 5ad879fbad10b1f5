#include "sim/engine/summary.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>

#include <tbb/parallel_for.h>

#include "sim/base/error.hpp"

namespace opsim {

namespace {

//! Mean, SD, SE and quantiles of cells stored as [trial][cell], in trial order.
void describe(std::span<const double> values, std::size_t cells, std::uint64_t trials,
              std::vector<double>& mean, std::vector<double>& sd, std::vector<double>* se,
              std::vector<double>& quantiles) {
  mean.assign(cells, 0.0);
  sd.assign(cells, 0.0);
  if (se) se->assign(cells, 0.0);
  quantiles.assign(cells * kQuantiles, 0.0);
  tbb::parallel_for(std::size_t{0}, cells, [&](std::size_t c) {
    std::vector<double> column(trials);
    double m = 0.0, m2 = 0.0;
    for (std::uint64_t t = 0; t < trials; ++t) {
      const double x = values[t * cells + c];
      column[t] = x;
      const double delta = x - m;
      m += delta / static_cast<double>(t + 1);
      m2 += delta * (x - m);
    }
    mean[c] = m;
    sd[c] = trials > 1 ? std::sqrt(m2 / static_cast<double>(trials - 1)) : 0.0;
    if (se) (*se)[c] = sd[c] / std::sqrt(static_cast<double>(trials));
    const auto levels = quantiles_by_selection(column, kQuantileLevels);
    std::copy(levels.begin(), levels.end(),
              quantiles.begin() + static_cast<std::ptrdiff_t>(c * kQuantiles));
  });
}

}  // namespace

Summary summarise(const Scenario& scenario, const RunResult& result) {
  if (result.first_trial != 0) throw_internal("a summary needs trials from 0");
  Summary summary;
  summary.layout = result.layout;
  const ResultLayout& layout = result.layout;
  const std::uint64_t n = result.trials();
  summary.trials = n;

  const Moments moments = result.monthly_moments.finish();
  summary.monthly_mean = moments.mean;
  summary.monthly_sd.resize(moments.variance.size());
  summary.monthly_se.resize(moments.variance.size());
  for (std::size_t i = 0; i < moments.variance.size(); ++i) {
    summary.monthly_sd[i] = std::sqrt(moments.variance[i]);
    summary.monthly_se[i] = summary.monthly_sd[i] / std::sqrt(static_cast<double>(n));
  }
  if (result.keep_monthly) {
    std::vector<double> mean, sd;
    describe(result.monthly_values, layout.monthly_cells(), n, mean, sd, nullptr,
             summary.monthly_quantiles);
  }
  {
    std::vector<double> mean, sd;
    describe(result.headline_values, layout.headline_cells(), n, mean, sd, nullptr,
             summary.headline_quantiles);
  }
  describe(result.period_values, layout.period_cells(), n, summary.period_mean, summary.period_sd,
           &summary.period_se, summary.period_quantiles);
  if (layout.products > 0) {
    describe(result.product_values, layout.product_period_cells(), n, summary.product_mean,
             summary.product_sd, &summary.product_se, summary.product_quantiles);
  }

  for (const Target& target : scenario.targets) {
    TargetResult t;
    t.target = target;
    for (std::size_t p = 0; p < layout.periods.size(); ++p) {
      if (layout.periods[p].fiscal_year == target.fiscal_year &&
          layout.periods[p].quarter == target.quarter) {
        t.period = static_cast<int>(p);
      }
    }
    if (t.period < 0) continue;  // the period does not overlap the horizon
    const int region = target.region < 0 ? layout.regions - 1 : target.region;
    const int segment = target.segment < 0 ? layout.segments - 1 : target.segment;
    t.cell = static_cast<std::size_t>(t.period) * layout.cells() +
             layout.cell(region, segment, metric_index(target.metric));
    std::uint64_t hits = 0;
    for (std::uint64_t trial = 0; trial < n; ++trial) {
      hits += result.period_values[trial * layout.period_cells() + t.cell] >= target.amount ? 1 : 0;
    }
    t.mean = summary.period_mean[t.cell];
    t.probability = static_cast<double>(hits) / static_cast<double>(n);
    t.standard_error = std::sqrt(t.probability * (1 - t.probability) / static_cast<double>(n));
    summary.targets.push_back(t);
  }

  for (std::size_t p = 0; p < layout.periods.size(); ++p) {
    for (int r = 0; r < layout.regions; ++r) {
      for (int s = 0; s < layout.segments; ++s) {
        auto mean = [&](Metric m) {
          return summary.period_mean[p * layout.cells() + layout.cell(r, s, static_cast<int>(m))];
        };
        auto ratio = [](double a, double b) {
          return b > 0 ? a / b : std::numeric_limits<double>::quiet_NaN();
        };
        KpiRow k;
        k.period = static_cast<int>(p);
        k.region = r;
        k.segment = s;
        k.win_rate = ratio(mean(Metric::wins), mean(Metric::opportunities));
        k.average_deal_size = ratio(mean(Metric::won_amount), mean(Metric::wins));
        k.cycle_months = ratio(mean(Metric::won_cycle_months), mean(Metric::wins));
        k.pipeline_created = mean(Metric::pipeline_created);
        summary.kpis.push_back(k);
      }
    }
  }

  summary.pipeline_short_months = std::min(scenario.longest_sales_cycle(), scenario.months());
  const Calendar& cal = scenario.calendar;
  for (int y = 0; y < layout.fiscal_years; ++y) {
    const int fiscal_year = layout.first_fiscal_year + y;
    const int year_end = cal.fiscal_year_start(fiscal_year) + 11 - cal.start();
    std::vector<std::size_t> eligible;
    for (std::size_t s = 0; s < scenario.seats.size(); ++s) {
      if (scenario.seats[s].start <= year_end) eligible.push_back(s);
    }
    for (double threshold : scenario.productivity_thresholds) {
      ProductivityResult pr;
      pr.fiscal_year = fiscal_year;
      pr.threshold = threshold;
      pr.seats = eligible.size();
      // A partial year's shares compare a part year's bookings with an annual threshold: the
      // outputs mark it (review: FY2029's 2 months showed "10% of seats reach 250,000" plainly).
      // A seat's bookings are simulated only (the actuals are not per seat): a year that starts
      // before the horizon is partial too.
      for (const Period& period : layout.periods) {
        if (period.quarter != 0 || period.fiscal_year != fiscal_year) continue;
        pr.months_covered = period.months_simulated;
        pr.coverage = period.coverage(Coverage::simulated);
      }
      std::vector<double> shares(n, 0.0);
      for (std::uint64_t trial = 0; trial < n && !eligible.empty(); ++trial) {
        std::size_t reached = 0;
        for (std::size_t s : eligible) {
          reached +=
              result.seat_values[trial * layout.seat_cells() + s * layout.fiscal_years + y] >=
              threshold;
        }
        shares[trial] = static_cast<double>(reached) / static_cast<double>(eligible.size());
      }
      double sum = 0.0;
      for (double v : shares) sum += v;
      pr.mean_share = n ? sum / static_cast<double>(n) : 0.0;
      const auto levels = quantiles_by_selection(shares, kQuantileLevels);
      std::copy(levels.begin(), levels.end(), std::begin(pr.quantiles));
      summary.productivity.push_back(pr);
    }
  }
  return summary;
}

}  // namespace opsim
