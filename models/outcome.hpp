// What one trial produces: monthly values per region x segment x metric, and per-seat
// new bookings per fiscal year. All amounts in the reporting currency.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <vector>

namespace opsim {

enum class Metric : int {
  new_bookings,        //!< won new business (rep-generated + open pipeline), plan rates
  new_bookings_spot,   //!< the same at simulated spot rates
  pipeline_bookings,   //!< the open-pipeline part of new_bookings, plan rates
  expansion_bookings,  //!< ARR change at renewal (may be negative), plan rates
  renewal_bookings,    //!< ARR renewed (before expansion), plan rates
  bookings_spot,       //!< new + expansion + renewal at spot rates
  churned_arr,         //!< ARR lost at renewal, plan rates
  revenue,             //!< recognised revenue: ARR in force / 12, plan rates
  arr,                 //!< ARR in force at month end, plan rates (stock)
  opportunities,       //!< new-business opportunities resolved (created within the horizon):
                       //!< rep-generated and intensity-given, not the open pipeline
  wins,                //!< those opportunities won
  won_amount,          //!< their won amount, plan rates
  won_cycle_months,    //!< sum of sales-cycle months over those wins
  pipeline_created,    //!< amount of those opportunities by creation month, plan rates
  pipeline_wins,       //!< open-pipeline deals won
  pipeline_beyond,     //!< open-pipeline amount whose close falls after the horizon (last month)
  hires,               //!< reps starting: planned hires and backfills
  departures,          //!< reps leaving
  headcount,           //!< active reps at month end (stock)
  ramped_fte,          //!< sum of ramp fractions of active reps (stock)
  count
};

inline constexpr int kMetricCount = static_cast<int>(Metric::count);

enum class Aggregation { flow, stock };

struct MetricInfo {
  std::string_view name;
  Aggregation aggregation;
  std::string_view unit;  //!< "currency", "count", "months" or "FTE"
};

const MetricInfo& metric_info(Metric metric);
inline const MetricInfo& metric_info(int metric) {
  return metric_info(static_cast<Metric>(metric));
}
//! -1 when unknown.
int metric_index(std::string_view name);

//! The metrics of the product results, kept per month x region x product (a separate small
//! array beside the region x segment cube, empty when the scenario has no products).
enum class ProductMetric : int {
  new_bookings,      //!< won new business of the product (opportunities, pipeline deals), plan
  wins,              //!< won opportunities and pipeline deals of the product
  pipeline_created,  //!< amount of the product's opportunities by creation month, plan rates
  count
};
inline constexpr int kProductMetricCount = static_cast<int>(ProductMetric::count);
std::string_view product_metric_name(int metric);

//! Index arithmetic for [month][region][segment][metric] arrays and the product results'
//! [month][region][product][product metric] arrays.
struct CellLayout {
  int months = 0;
  int regions = 0;
  int segments = 0;
  int products = 0;  //!< Scenario::products; 0 = no product results
  std::size_t product_size() const {
    return static_cast<std::size_t>(months) * regions * products * kProductMetricCount;
  }
  std::size_t product_index(int month, int region, int product, ProductMetric metric) const {
    return ((static_cast<std::size_t>(month) * regions + region) * products + product) *
               kProductMetricCount +
           static_cast<int>(metric);
  }
  std::size_t cells_per_month() const {
    return static_cast<std::size_t>(regions) * segments * kMetricCount;
  }
  std::size_t size() const { return cells_per_month() * months; }
  std::size_t index(int month, int region, int segment, Metric metric) const {
    return ((static_cast<std::size_t>(month) * regions + region) * segments + segment) *
               kMetricCount +
           static_cast<int>(metric);
  }
};

//! Per seat-month detail for the plan commands, recorded only when a run asks for it
//! (RunOptions::seat_months); index [seat * months + month].
struct SeatMonths {
  std::vector<double> bookings;    //!< new bookings at plan rates (rep-generated and owned deals)
  std::vector<double> deals;       //!< won deals
  std::vector<double> spif_deals;  //!< won deals of the seat's SPIF products
  std::vector<double>
      clawback;               //!< plan-rate amount of deals booked in m that churned in the window
  std::vector<int> occupant;  //!< 0-based occupant of the seat, -1 = vacant
  //! Installed-base ARR of contracts the seat owns (Contract::owner) up for renewal in the month,
  //! and the part renewed (before expansion), plan rates; for retention measures.
  std::vector<double> renewal_due, renewal_renewed;
  //! New bookings of deals whose product is in SeatMonthRecording::product_sets[k], plan rates;
  //! index [(seat * months + month) * product_sets + k].
  std::vector<double> product_bookings;
  //! Zeroes the arrays; with `bookings` false only the occupants are kept. `product_sets`:
  //! the number of product sets recorded, `renewals`: whether renewal results are recorded;
  //! `spif_deals`, `clawback`: whether those arrays are recorded (else left empty: no seat's
  //! plan reads them, and a trial need not zero them).
  void reset(std::size_t seats, int months, bool bookings, std::size_t product_sets = 0,
             bool renewals = false, bool spif_deals = true, bool clawback = true);
};

//! The kMetricCount values of one month x region x segment, indexed by Metric.
struct MetricRow {
  double* values;
  double& operator[](Metric metric) const { return values[static_cast<int>(metric)]; }
};

//! One trial's raw values (regions and segments without totals).
struct TrialOutcome {
  CellLayout layout;
  std::vector<double> monthly;          //!< layout.size() values
  std::vector<double> seat_bookings;    //!< [seat][fiscal year index], new bookings, plan rates
  std::vector<double> product_monthly;  //!< layout.product_size() values; empty without products
  int fiscal_years = 0;
  SeatMonths seat_months;  //!< empty unless recording was requested

  void reset(const CellLayout& cells, std::size_t seats, int fiscal_year_count);
  double& at(int month, int region, int segment, Metric metric) {
    return monthly[layout.index(month, region, segment, metric)];
  }
  double at(int month, int region, int segment, Metric metric) const {
    return monthly[layout.index(month, region, segment, metric)];
  }
  double& product_at(int month, int region, int product, ProductMetric metric) {
    return product_monthly[layout.product_index(month, region, product, metric)];
  }
  //! Valid until the next reset().
  MetricRow row(int month, int region, int segment) {
    return {&monthly[layout.index(month, region, segment, Metric{})]};
  }
};

}  // namespace opsim
