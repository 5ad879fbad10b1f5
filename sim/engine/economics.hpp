// Costs and the cost-aware paired comparison: programme costs (`costs[]`), hire costs (the
// `plan.capacity` windows' per-hire and monthly figures) priced per trial on the same draws as
// the bookings, and per fiscal period and region the paired differences in bookings, cost,
// contribution (bookings - cost) and return on cost. Amounts in the reporting currency.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "models/scenario.hpp"
#include "sim/engine/results.hpp"
#include "sim/engine/summary.hpp"

namespace opsim {

//! One named programme cost: a one-off amount in one month and/or a monthly amount over a span.
struct CostLine {
  std::string id;
  int region = -1;   //!< -1 = company-wide (counted in the total only)
  int segment = -1;  //!< -1 = all segments (informational; costs are reported per region)
  double one_off = 0.0;
  int one_off_month = 0;  //!< relative month
  double monthly = 0.0;
  int first_month = 0;  //!< relative, inclusive
  int last_month = -1;  //!< relative, inclusive
};

//! Cost of hiring into one region x segment: `per_hire` for every rep starting (planned hires
//! and backfills alike, as simulated), `monthly` for every planned-hire seat from its start.
struct HireCostRate {
  int region = 0;
  int segment = 0;
  double per_hire = 0.0;
  double monthly = 0.0;
};

struct CostModel {
  std::vector<CostLine> lines;
  std::vector<HireCostRate> hires;
  bool empty() const { return lines.empty() && hires.empty(); }
};

//! Cost per trial, fiscal period and region (last = total): [trial][period][region].
std::vector<double> trial_costs(const CostModel& costs, const Scenario& scenario,
                                const RunResult& result);

//! A paired difference over trials: mean of alt - base and its standard error.
struct PairedMean {
  double mean = 0.0;
  double se = 0.0;
};

//! One fiscal period x region of a cost-aware comparison.
struct EconomicsCell {
  double bookings_base = 0.0, bookings_alt = 0.0;  //!< means of the compared metric
  double cost_base = 0.0, cost_alt = 0.0;          //!< mean costs
  PairedMean bookings, cost, contribution;         //!< alt - base
  double p_better = 0.0;  //!< P(contribution of alt > contribution of base)
  //! Return on the extra cost: E[delta bookings] / E[delta cost], its delta-method standard
  //! error and P(delta bookings > threshold x delta cost); NaN when the costs do not differ.
  double return_on_cost = std::numeric_limits<double>::quiet_NaN();
  double return_se = std::numeric_limits<double>::quiet_NaN();
  double p_return_above = std::numeric_limits<double>::quiet_NaN();
};

//! The paired change in one target's P(reach): mean and standard error of the per-trial
//! difference of the two indicators.
struct TargetChange {
  std::string name;
  double base = 0.0, alt = 0.0;
  PairedMean change;
};

struct Economics {
  std::string name;                  //!< of the alternative
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
