// Evaluating an alignment from scratch: the objective, each territory's totals, deviations and
// diameter, moved accounts and feasibility. The search keeps these incrementally; this is the
// reference it is checked against and what every report is built from.
#pragma once

#include <vector>

#include "models/territory/distance.hpp"
#include "models/territory/problem.hpp"

namespace opsim::territory {

struct Alignment {
  std::vector<int> territory;  //!< per account: territory index 0..p-1
  std::vector<int> centre;     //!< per territory: centre account, -1 when not used
};

struct TerritoryMetrics {
  std::vector<double> totals;     //!< per attribute
  std::vector<double> deviation;  //!< per attribute: total / mean - 1
  int accounts = 0;
  int centre = -1;
  double compactness = 0.0;  //!< sum of weight x distance to the centre
  double diameter = 0.0;     //!< largest distance between two of its accounts
  bool capacity_ok = true;
};

struct Evaluation {
  double objective = 0.0;    //!< compactness or max diameter, plus the disruption cost
  double compactness = 0.0;  //!< sum over territories
  double max_diameter = 0.0;
  double disruption_cost = 0.0;
  int moved_accounts = 0;      //!< accounts not with their current owner's territory
  double moved_measure = 0.0;  //!< accounts or the disruption attribute moved
  double moved_fraction = 0.0;
  bool feasible = false;  //!< balance, capacity, locks, groups, regions, cap on moves
  bool balance_ok = true, capacity_ok = true, locks_ok = true, groups_ok = true, regions_ok = true,
       moved_ok = true, contiguity_ok = true;
  //! Per balance rule: the largest |total / mean - 1| over territories, i.e. the tightest
  //! tolerance this alignment satisfies (reported when the requested one is infeasible).
  std::vector<double> tightest_tolerance;
  std::vector<double> mean;  //!< per attribute: total / p
  std::vector<TerritoryMetrics> territories;
};

//! Relative slack on balance and capacity bounds: totals within 1e-9 of a bound are inside.
inline constexpr double kBoundSlack = 1e-9;

//! \pre alignment.territory has one entry per account, each in 0..p-1.
Evaluation evaluate(const Problem& problem, const Distances& distances, const Alignment& alignment);

//! Which territories choose_median_centres gives their 1-median.
enum class Recentre {
  missing,  //!< those without a centre (an allocation given without them)
  free,     //!< every territory without a fixed centre, a centre kept unless another is better
};

//! Gives territories (which: `which`; a fixed one its fixed centre) their 1-median: the member
//! minimising the weighted distance sum, so that compactness is defined for an allocation given
//! without centres, and a search's result is centred as the objective says. Territories of more
//! than 2,000 members try the 64 nearest their weighted mean (and their centre). No-op without
//! geography or for the dispersion objective.
void choose_median_centres(const Problem& problem, const Distances& distances, Alignment& alignment,
                           Recentre which = Recentre::missing);

//! The diameter of a set of accounts: exact pairwise scan, or for large planar sets the exact
//! diameter over the convex hull (haversine: hull of lon/lat, an approximation).
double diameter(const Problem& problem, const Distances& distances,
                const std::vector<int>& members);

}  // namespace opsim::territory
