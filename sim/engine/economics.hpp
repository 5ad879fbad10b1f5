// Costs and the cost-aware paired comparison: programme costs (`costs[]`), hire costs (the
// `plan.capacity` windows' per-hire and monthly figures) and compensation cost (the
// `plan.compensation` plans) priced per trial on the same draws as the bookings, and per fiscal
// period and region the paired differences in bookings, cost, contribution (bookings - cost) and
// return on cost. Amounts in the reporting currency.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/assumption.hpp"
#include "models/plan/compensation.hpp"
#include "models/scenario.hpp"
#include "sim/engine/comp_pricing.hpp"
#include "sim/engine/results.hpp"
#include "sim/engine/summary.hpp"

namespace opsim {

//! A cost amount in the reporting currency: a number, or a distribution drawn once per trial
//! from the stream (seed, assumptions, trial, hash of its JSON pointer), like every uncertain
//! assumption, so that scenarios sharing it stay paired.
struct CostAmount {
  double value = 0.0;  //!< the number (>= 0); the distribution's mean when uncertain
  std::optional<UncertainParameter> uncertain;
  bool zero() const { return value == 0 && !uncertain; }
};

//! One named programme cost: a one-off amount in one month and/or a monthly amount over a span.
struct CostLine {
  std::string id;
  int region = -1;   //!< -1 = company-wide (counted in the total only)
  int segment = -1;  //!< -1 = all segments (informational; costs are reported per region)
  CostAmount one_off;
  int one_off_month = 0;  //!< relative month
  CostAmount monthly;
  int first_month = 0;  //!< relative, inclusive
  int last_month = -1;  //!< relative, inclusive
};

//! Cost of hiring into one region x segment: `per_hire` for every rep starting (planned hires
//! and backfills alike, as simulated), `monthly` for every planned-hire seat from its start.
struct HireCostRate {
  int region = 0;
  int segment = 0;
  CostAmount per_hire;
  CostAmount monthly;
};

struct CostModel {
  std::vector<CostLine> lines;
  std::vector<HireCostRate> hires;
  //! The compensation plans and the seats they cover (empty = no compensation cost).
  plan::CompSpec comp;
  bool empty() const { return lines.empty() && hires.empty() && comp.empty(); }
};

//! Costs are priced for the horizon's months only; the months before it are history, the same
//! in both scenarios. A fiscal period that began before the horizon has its costs for part of
//! it (kCostCoverage) and is marked so (review: FY2028's cost of 10 of its 12 months was shown
//! as a year's), while its paired differences, the return on cost among them, are the whole
//! period's. A period that runs past the horizon (Period::partial()) gets no return on cost.
inline constexpr Coverage kCostCoverage = Coverage::simulated;

//! A trial's two costs within this fraction of the larger (or of one currency unit) are equal:
//! the rounding of sums taken in another order (1e-9 of a million is a thousandth of a cent),
//! not a difference.
inline constexpr double kCostRounding = 1e-9;

//! What a cost-aware comparison says of a period's coverage: "" when whole; else the period's
//! coverage (Period::coverage) and/or "costs for 10 of 12 months (2027-04..2028-01)".
std::string cost_coverage(const Period& period);

//! Cost per trial, fiscal period and region (last = total): [trial][period][region].
//! Uncertain amounts are drawn with `seed` (the run's). Compensation is `comp`, the pay of the
//! plans in `costs.comp` priced on the trials of `result` (price_compensation): base pay in the
//! periods it is earned, variable pay in the periods it is paid (plan::seat_payout's timing).
std::vector<double> trial_costs(const CostModel& costs, const Scenario& scenario,
                                const RunResult& result, std::uint64_t seed,
                                const CompTrialPay& comp = {});

//! A paired difference over trials: mean of alt - base and its standard error.
struct PairedMean {
  double mean = 0.0;
  double se = 0.0;
};

//! Why a cell has a return on cost or not, decided once (here) for the terminal, economics.csv,
//! the HDF5 file and the report (review: the report called a saving of FY2028 a "partial
//! period" from its cost-coverage note while the others said "saves cost").
enum class ReturnStatus {
  defined,         //!< extra cost > 0 in a whole period: return_on_cost is its ratio
  partial_period,  //!< the period runs past the horizon, and the costs differ
  saves_cost,      //!< the alternative costs less (mean delta C < 0)
  no_extra_cost,   //!< the costs are equal
};
//! "", "partial period", "saves cost" or "no extra cost".
std::string_view describe(ReturnStatus status);

//! One fiscal period x region of a cost-aware comparison.
struct EconomicsCell {
  double bookings_base = 0.0, bookings_alt = 0.0;  //!< means of the compared metric
  double cost_base = 0.0, cost_alt = 0.0;          //!< mean costs
  PairedMean bookings, cost, contribution;         //!< alt - base
  //! P(contribution of alt > contribution of base); NaN (undefined) when the contributions
  //! agree in every trial.
  double p_better = std::numeric_limits<double>::quiet_NaN();
  //! Return on the extra cost: E[delta bookings] / E[delta cost], its delta-method standard
  //! error and P(delta bookings > threshold x delta cost); NaN when the costs do not differ
  //! and for a period that runs past the horizon (a year the horizon covers only in part is not
  //! a year's return).
  double return_on_cost = std::numeric_limits<double>::quiet_NaN();
  double return_se = std::numeric_limits<double>::quiet_NaN();
  double p_return_above = std::numeric_limits<double>::quiet_NaN();
  ReturnStatus status = ReturnStatus::no_extra_cost;
};

//! The paired change in one target's P(reach): mean and standard error of the per-trial
//! difference of the two indicators.
struct TargetChange {
  std::string name;
  bool partial = false;  //!< its period is partial for its metric (Period::partial)
  double base = 0.0, alt = 0.0;
  PairedMean change;
};

struct Economics {
  std::string name;          //!< of the alternative
  std::uint64_t trials = 0;  //!< paired trials
  //! Said with the costs in every output: one of the two scenarios prices no costs and counts as
  //! costing 0 (empty otherwise).
  std::string note;
  std::vector<EconomicsCell> cells;  //!< [period][region]
  std::vector<TargetChange> targets;
};

//! `base_cost` and `alt_cost` from trial_costs; `metric` the bookings metric; `targets` the
//! base scenario's targets (summary) with display names.
Economics compare_economics(const std::string& name, const RunResult& base,
                            const std::vector<double>& base_cost, const RunResult& alt,
                            const std::vector<double>& alt_cost, int metric,
                            double return_threshold, const std::vector<TargetResult>& targets,
                            const std::vector<std::string>& target_names);

}  // namespace opsim
