// Per-run results: what is kept per trial (fiscal-period cells, per-seat fiscal-year bookings,
// optionally the monthly series) and the monthly moments. Region and segment axes carry a
// final "total" entry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "models/outcome.hpp"
#include "models/sampling.hpp"
#include "models/scenario.hpp"
#include "sim/base/default_init.hpp"
#include "sim/engine/moments.hpp"

namespace opsim {

//! Which months of a period a value covers. The actuals to date fill the months before the
//! horizon for new bookings (new_bookings, new_bookings_spot), and a stock metric is the period's
//! last month's: both cover the period from its start (`to_horizon_end`). Every other flow
//! (revenue, renewals, wins, pipeline, bookings_spot with its renewals, per-seat and per-product
//! bookings, the KPIs) is simulated, at least in part: it covers the horizon's months
//! (`simulated`).
enum class Coverage { to_horizon_end, simulated };

//! The coverage of a metric of models/outcome.hpp.
Coverage coverage_of(int metric);
//! The metrics the actuals are added to.
bool takes_actuals(int metric);

//! A fiscal quarter or year that overlaps the horizon.
struct Period {
  std::string label;  //!< "FY2027" or "FY2027-Q1"
  int fiscal_year = 0;
  int quarter = 0;      //!< 0 = whole year
  int first_month = 0;  //!< absolute months of the whole period
  int last_month = 0;
  int first_in_horizon = 0;  //!< relative months clipped to the horizon
  int last_in_horizon = 0;
  //! Months of the period up to the horizon's end: months before the horizon count as
  //! covered (they hold the actuals to date), months after it are not simulated.
  int months_covered = 0;
  //! Months of the period inside the horizon.
  int months_simulated = 0;

  int months() const { return last_month - first_month + 1; }
  //! Months a value of this coverage covers.
  int covered(Coverage c) const {
    return c == Coverage::simulated ? months_simulated : months_covered;
  }
  //! The value is not a whole quarter's or year's: the period runs past the horizon or (a
  //! simulated value) starts before it.
  bool partial(Coverage c = Coverage::to_horizon_end) const { return covered(c) < months(); }
  //! "" for a whole period, else "partial: 2 of 12 months (2028-02..2028-03)".
  std::string coverage(Coverage c = Coverage::to_horizon_end) const;
  //! The label followed by the coverage when partial: "FY2029 partial: 2 of 12 months (...)".
  std::string display_label(Coverage c = Coverage::to_horizon_end) const;
};

struct ResultLayout {
  ResultLayout() = default;
  explicit ResultLayout(const Scenario& scenario);

  int months = 0;
  int regions = 0;   //!< scenario regions + 1 (total)
  int segments = 0;  //!< scenario segments + 1 (total)
  std::vector<Period> periods;
  std::size_t seats = 0;
  int fiscal_years = 0;
  int first_fiscal_year = 0;
  int products = 0;  //!< scenario products (no total entry: the region x segment cells hold it)

  std::size_t cells() const { return static_cast<std::size_t>(regions) * segments * kMetricCount; }
  std::size_t monthly_cells() const { return cells() * months; }
  std::size_t period_cells() const { return cells() * periods.size(); }
  std::size_t seat_cells() const { return seats * fiscal_years; }
  //! Per trial, always kept: new bookings of every region (and the total), all segments, per
  //! month, for the true monthly quantiles of the headline fan chart.
  std::size_t headline_cells() const { return static_cast<std::size_t>(months) * regions; }
  //! Product results per fiscal period: [region][product][product metric]; 0 without products.
  std::size_t product_cells() const {
    return static_cast<std::size_t>(regions) * products * kProductMetricCount;
  }
  std::size_t product_period_cells() const { return product_cells() * periods.size(); }
  std::size_t product_cell(int region, int product, int metric) const {
    return (static_cast<std::size_t>(region) * products + product) * kProductMetricCount + metric;
  }
  std::size_t cell(int region, int segment, int metric) const {
    return (static_cast<std::size_t>(region) * segments + segment) * kMetricCount + metric;
  }
};

//! Results of trials [first_trial, end_trial).
struct RunResult {
  ResultLayout layout;
  std::uint64_t first_trial = 0;
  std::uint64_t end_trial = 0;
  bool keep_monthly = false;
  // Unfilled when sized: run_trials() writes every trial's rows from the worker that simulates
  // it, so that their pages are first touched in parallel (review: zero-filling 100 MiB on one
  // thread before the trials began was 16% of a two-thread run's wall time).
  UnfilledVector<double> period_values;    //!< [trial][period][region][segment][metric]
  UnfilledVector<double> seat_values;      //!< [trial][seat][fiscal year]
  UnfilledVector<double> monthly_values;   //!< [trial][month][region][segment][metric] if kept
  UnfilledVector<double> headline_values;  //!< [trial][month][region] new bookings, all segments
  UnfilledVector<double> product_values;   //!< [trial][period][region][product][product metric]
  MomentTree monthly_moments;
  VariateCounts variates;

  std::uint64_t trials() const { return end_trial - first_trial; }
};

//! Joins results of disjoint trial ranges given in any order into the result of their union;
//! identical, bit for bit, to running the union at once. Throws InputError on gaps, overlaps or
//! different layouts.
RunResult merge_results(std::vector<RunResult> parts);

//! Turns one trial's raw outcome into full cells (with totals), adds the actuals to date to
//! the fiscal periods, and stores them at the trial's row.
class TrialAggregator {
 public:
  TrialAggregator(const Scenario& scenario, const ResultLayout& layout);
  //! Writes monthly cells with totals into `monthly` (layout.monthly_cells() values), the
  //! period cells into `periods` (layout.period_cells() values) and, with products, the period
  //! product cells into `products` (layout.product_period_cells() values; may be null without).
  void aggregate(const TrialOutcome& outcome, double* monthly, double* periods,
                 double* products = nullptr) const;

 private:
  const ResultLayout& layout_;
  std::vector<double> actuals_;  //!< per period cell: bookings closed before the horizon
};

//! The bytes a trial's stored results take (period, seat, headline and product cells, and with
//! `keep_monthly` the monthly ones).
std::uint64_t result_bytes_per_trial(const ResultLayout& layout, bool keep_monthly);

//! Bytes a run keeps: 8 x trials x (period + seat + headline + product period cells [+ monthly
//! cells]) plus the moment tree and per-thread scratch.
std::uint64_t estimate_memory(const ResultLayout& layout, std::uint64_t trials, bool keep_monthly,
                              int threads);

}  // namespace opsim
