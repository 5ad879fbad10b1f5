#include "sim/engine/results.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "sim/base/error.hpp"

namespace opsim {

ResultLayout::ResultLayout(const Scenario& scenario)
    : months(scenario.months()),
      regions(scenario.region_count() + 1),
      segments(scenario.segment_count() + 1),
      seats(scenario.seats.size()),
      products(static_cast<int>(scenario.products.size())) {
  const Calendar& cal = scenario.calendar;
  first_fiscal_year = cal.fiscal_year_of(cal.start());
  const int last_fiscal_year = cal.fiscal_year_of(cal.absolute(months - 1));
  fiscal_years = last_fiscal_year - first_fiscal_year + 1;
  auto add = [&](int year, int quarter, int first, int last) {
    Period p;
    p.fiscal_year = year;
    p.quarter = quarter;
    p.label = quarter == 0 ? fmt::format("FY{}", year) : fmt::format("FY{}-Q{}", year, quarter);
    p.first_month = first;
    p.last_month = last;
    p.first_in_horizon = std::max(first - cal.start(), 0);
    p.last_in_horizon = std::min(last - cal.start(), months - 1);
    p.months_covered = std::min(last, cal.absolute(months - 1)) - first + 1;
    p.months_simulated = p.last_in_horizon - p.first_in_horizon + 1;
    if (p.first_in_horizon <= p.last_in_horizon) periods.push_back(p);
  };
  for (int year = first_fiscal_year; year <= last_fiscal_year; ++year) {
    const int start = cal.fiscal_year_start(year);
    for (int q = 1; q <= 4; ++q) add(year, q, start + 3 * (q - 1), start + 3 * q - 1);
    add(year, 0, start, start + 11);
  }
}

bool takes_actuals(int metric) {
  return metric == static_cast<int>(Metric::new_bookings) ||
         metric == static_cast<int>(Metric::new_bookings_spot) ||
         metric == static_cast<int>(Metric::bookings_spot);
}

Coverage coverage_of(int metric) {
  if (metric < 0 || metric >= kMetricCount) return Coverage::to_horizon_end;  // not a metric
  // bookings_spot takes the actuals too, but its renewals and expansion are simulated only: the
  // months before the horizon lack them, so it is not whole either.
  const bool whole_with_actuals =
      takes_actuals(metric) && metric != static_cast<int>(Metric::bookings_spot);
  return whole_with_actuals || metric_info(metric).aggregation == Aggregation::stock
             ? Coverage::to_horizon_end
             : Coverage::simulated;
}

std::string Period::coverage(Coverage c) const {
  if (!partial(c)) return "";
  // Both coverages end at the same month: the period's last one inside the horizon.
  const int last = first_month + months_covered - 1;
  return fmt::format("partial: {} of {} months ({}..{})", covered(c), months(),
                     format_year_month(last - covered(c) + 1), format_year_month(last));
}

std::string Period::display_label(Coverage c) const {
  return partial(c) ? label + " " + coverage(c) : label;
}

TrialAggregator::TrialAggregator(const Scenario& scenario, const ResultLayout& layout)
    : layout_(layout), actuals_(layout.period_cells(), 0.0) {
  const int total_region = layout.regions - 1;
  const int total_segment = layout.segments - 1;
  for (std::size_t p = 0; p < layout.periods.size(); ++p) {
    const Period& period = layout.periods[p];
    for (const Actual& actual : scenario.actuals) {
      if (actual.month < period.first_month || actual.month > period.last_month) continue;
      for (int region : {actual.region, total_region}) {
        std::vector<int> segments{total_segment};
        if (actual.segment >= 0) segments.push_back(actual.segment);
        for (int segment : segments) {
          for (int metric = 0; metric < kMetricCount; ++metric) {
            if (takes_actuals(metric))
              actuals_[p * layout.cells() + layout.cell(region, segment, metric)] += actual.amount;
          }
        }
      }
    }
  }
}

void TrialAggregator::aggregate(const TrialOutcome& outcome, double* monthly, double* periods,
                                double* products) const {
  const auto& raw = outcome.layout;
  const int total_region = layout_.regions - 1;
  const int total_segment = layout_.segments - 1;
  const std::size_t cells = layout_.cells();
  std::fill(monthly, monthly + layout_.monthly_cells(), 0.0);
  for (int m = 0; m < layout_.months; ++m) {
    double* month = monthly + m * cells;
    for (int r = 0; r < raw.regions; ++r) {
      for (int s = 0; s < raw.segments; ++s) {
        const double* in = &outcome.monthly[raw.index(m, r, s, Metric::new_bookings)];
        for (int k = 0; k < kMetricCount; ++k) {
          const double v = in[k];
          month[layout_.cell(r, s, k)] = v;
          month[layout_.cell(r, total_segment, k)] += v;
          month[layout_.cell(total_region, s, k)] += v;
          month[layout_.cell(total_region, total_segment, k)] += v;
        }
      }
    }
  }
  static const std::array<bool, kMetricCount> is_stock = [] {
    std::array<bool, kMetricCount> stock{};
    for (int k = 0; k < kMetricCount; ++k)
      stock[k] = metric_info(k).aggregation == Aggregation::stock;
    return stock;
  }();
  std::copy(actuals_.begin(), actuals_.end(), periods);
  for (std::size_t p = 0; p < layout_.periods.size(); ++p) {
    const Period& period = layout_.periods[p];
    double* row = periods + p * cells;
    // Flows: the actuals plus the months in order (month-major, so that the cells vectorise).
    for (int m = period.first_in_horizon; m <= period.last_in_horizon; ++m) {
      const double* month = monthly + m * cells;
      for (std::size_t c = 0; c < cells; ++c) row[c] += month[c];
    }
    // Stocks: the period's last month in the horizon.
    const double* last = monthly + period.last_in_horizon * cells;
    for (std::size_t c = 0; c < cells; ++c) {
      if (is_stock[c % kMetricCount]) row[c] = last[c];
    }
  }
  if (layout_.products == 0 || products == nullptr) return;
  // Product results: flows summed over the period's horizon months (no actuals: those carry no
  // product), regions then the total.
  const auto& raw_layout = outcome.layout;
  const std::size_t product_cells = layout_.product_cells();
  std::fill(products, products + layout_.product_period_cells(), 0.0);
  for (std::size_t p = 0; p < layout_.periods.size(); ++p) {
    const Period& period = layout_.periods[p];
    double* row = products + p * product_cells;
    for (int m = period.first_in_horizon; m <= period.last_in_horizon; ++m) {
      for (int r = 0; r < raw_layout.regions; ++r) {
        for (int j = 0; j < layout_.products; ++j) {
          for (int k = 0; k < kProductMetricCount; ++k) {
            const double v = outcome.product_monthly[raw_layout.product_index(
                m, r, j, static_cast<ProductMetric>(k))];
            row[layout_.product_cell(r, j, k)] += v;
            row[layout_.product_cell(total_region, j, k)] += v;
          }
        }
      }
    }
  }
}

RunResult merge_results(std::vector<RunResult> parts) {
  if (parts.empty()) throw_input("nothing to merge");
  // An empty range [x, x) (a rank with no trials) sorts before the range starting at x.
  std::sort(parts.begin(), parts.end(), [](const RunResult& a, const RunResult& b) {
    return a.first_trial != b.first_trial ? a.first_trial < b.first_trial
                                          : a.end_trial < b.end_trial;
  });
  RunResult merged = std::move(parts.front());
  std::vector<MomentTree> trees;
  trees.push_back(std::move(merged.monthly_moments));
  for (std::size_t i = 1; i < parts.size(); ++i) {
    RunResult& part = parts[i];
    if (part.first_trial != merged.end_trial) {
      throw_input("trial ranges do not join: [{}, {}) follows a range ending at {} ({})",
                  part.first_trial, part.end_trial, merged.end_trial,
                  part.first_trial < merged.end_trial ? "overlap" : "gap");
    }
    if (part.layout.cells() != merged.layout.cells() ||
        part.layout.periods.size() != merged.layout.periods.size() ||
        part.layout.seat_cells() != merged.layout.seat_cells() ||
        part.layout.months != merged.layout.months ||
        part.layout.product_cells() != merged.layout.product_cells() ||
        part.keep_monthly != merged.keep_monthly) {
      throw_input("results from different scenarios or options cannot be merged");
    }
    merged.end_trial = part.end_trial;
    auto append = [](UnfilledVector<double>& to, const UnfilledVector<double>& from) {
      to.insert(to.end(), from.begin(), from.end());
    };
    append(merged.period_values, part.period_values);
    append(merged.seat_values, part.seat_values);
    append(merged.monthly_values, part.monthly_values);
    append(merged.headline_values, part.headline_values);
    append(merged.product_values, part.product_values);
    merged.variates.add(part.variates);
    trees.push_back(std::move(part.monthly_moments));
  }
  merged.monthly_moments = MomentTree::merge(std::move(trees));
  return merged;
}

std::uint64_t result_bytes_per_trial(const ResultLayout& layout, bool keep_monthly) {
  return 8 * (layout.period_cells() + layout.seat_cells() + layout.headline_cells() +
              layout.product_period_cells() + (keep_monthly ? layout.monthly_cells() : 0));
}

std::uint64_t estimate_memory(const ResultLayout& layout, std::uint64_t trials, bool keep_monthly,
                              int threads) {
  const std::uint64_t per_trial = result_bytes_per_trial(layout, keep_monthly);
  int depth = 1;
  while ((std::uint64_t{1} << depth) < trials) ++depth;
  // Moment tree: at most ~2 nodes per level plus one block tree per in-flight block, each
  // holding mean and m2; scratch: raw outcome and full cells per thread.
  const std::uint64_t node = 16 * layout.monthly_cells();
  const std::uint64_t tree = node * (2 * depth + 2 * static_cast<std::uint64_t>(threads) * 8);
  // The raw per-thread product array: months x scenario regions x products x metrics.
  const std::uint64_t raw_products = static_cast<std::uint64_t>(layout.months) *
                                     (layout.regions - 1) * layout.products * kProductMetricCount;
  const std::uint64_t scratch = static_cast<std::uint64_t>(threads) * 8 *
                                (2 * layout.monthly_cells() + layout.period_cells() +
                                 layout.seat_cells() + layout.seats * layout.months + raw_products);
  return per_trial * trials + tree + scratch;
}

}  // namespace opsim
