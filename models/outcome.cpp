#include "models/outcome.hpp"

#include <algorithm>

namespace opsim {

namespace {
constexpr std::array<MetricInfo, kMetricCount> kMetrics{{
    {"new_bookings", Aggregation::flow, "currency"},
    {"new_bookings_spot", Aggregation::flow, "currency"},
    {"pipeline_bookings", Aggregation::flow, "currency"},
    {"expansion_bookings", Aggregation::flow, "currency"},
    {"renewal_bookings", Aggregation::flow, "currency"},
    {"bookings_spot", Aggregation::flow, "currency"},
    {"churned_arr", Aggregation::flow, "currency"},
    {"revenue", Aggregation::flow, "currency"},
    {"arr", Aggregation::stock, "currency"},
    {"opportunities", Aggregation::flow, "count"},
    {"wins", Aggregation::flow, "count"},
    {"won_amount", Aggregation::flow, "currency"},
    {"won_cycle_months", Aggregation::flow, "months"},
    {"pipeline_created", Aggregation::flow, "currency"},
    {"pipeline_wins", Aggregation::flow, "count"},
    {"pipeline_beyond", Aggregation::flow, "currency"},
    {"hires", Aggregation::flow, "count"},
    {"departures", Aggregation::flow, "count"},
    {"headcount", Aggregation::stock, "count"},
    {"ramped_fte", Aggregation::stock, "FTE"},
}};
}  // namespace

const MetricInfo& metric_info(Metric metric) {
  return kMetrics[static_cast<int>(metric)];
}

int metric_index(std::string_view name) {
  for (int k = 0; k < kMetricCount; ++k) {
    if (kMetrics[k].name == name) return k;
  }
  return -1;
}

std::string_view product_metric_name(int metric) {
  static constexpr std::array<std::string_view, kProductMetricCount> kNames{"new_bookings", "wins",
                                                                            "pipeline_created"};
  return kNames[static_cast<std::size_t>(metric)];
}

void TrialOutcome::reset(const CellLayout& cells, std::size_t seats, int fiscal_year_count) {
  layout = cells;
  fiscal_years = fiscal_year_count;
  monthly.assign(cells.size(), 0.0);
  seat_bookings.assign(seats * fiscal_year_count, 0.0);
  product_monthly.assign(cells.product_size(), 0.0);
}

void SeatMonths::reset(std::size_t seats, int months, bool with_bookings, std::size_t product_sets,
                       bool renewals, bool with_spif_deals, bool with_clawback) {
  const std::size_t n = seats * static_cast<std::size_t>(months);
  const std::size_t detail = with_bookings ? n : 0;
  bookings.assign(detail, 0.0);
  deals.assign(detail, 0.0);
  spif_deals.assign(with_spif_deals ? detail : 0, 0.0);
  clawback.assign(with_clawback ? detail : 0, 0.0);
  occupant.assign(n, -1);
  renewal_due.assign(with_bookings && renewals ? n : 0, 0.0);
  renewal_renewed.assign(with_bookings && renewals ? n : 0, 0.0);
  product_bookings.assign(detail * product_sets, 0.0);
}

}  // namespace opsim
