// A proven lower bound on the compactness objective: Lagrangian relaxation of the capacitated
// p-median problem, so that an alignment's quality can be stated without a published optimum.
//
// Every feasible alignment assigns each account to one of p territories whose centre is an
// account and whose total of each attribute stays within its limit (capacity, balance ceiling).
// Dropping everything else (balance floors, locks, groups, regions, contiguity, the disruption
// term, fixed centres, all but one limited attribute) only enlarges the feasible set, so the
// optimum of what is left is a lower bound. Relaxing "each account served once" with
// multipliers u_i gives
//     L(u) = sum_i u_i + (sum of the p smallest g_j),
//     g_j  = -max { sum_i (u_i - w_i d_ij) x_i : sum_i a_i x_i <= C, x_i in {0, 1} },
// a 0-1 knapsack per candidate centre j (a_i the limited attribute, C its largest limit over
// the territories). Each knapsack is solved exactly by dynamic programming when the attribute's
// values and C are integers of moderate size, otherwise as an LP (Dantzig), which is weaker but
// still a valid bound. Any u gives a valid bound; subgradient steps improve it.
#pragma once

#include <optional>

#include "models/territory/distance.hpp"
#include "models/territory/problem.hpp"

namespace opsim::territory {

struct BoundSettings {
  int iterations = 3000;     //!< subgradient steps at most
  int neighbours = 80;       //!< candidate accounts kept per centre (exactness never depends on it)
  double time_limit = 60.0;  //!< seconds; the best bound so far is returned
  std::optional<double> upper;  //!< a feasible objective, the target of the step size
  int threads = 1;
};

struct LowerBound {
  double value = 0.0;
  int iterations = 0;
  double seconds = 0.0;
  bool exact_knapsacks = false;  //!< knapsacks by dynamic programming (else LP)
  //! The relaxation's own solution serves every account once: the bound equals its optimum.
  bool relaxation_feasible = false;
  int attribute = -1;            //!< the limited attribute of the knapsacks, -1 = uncapacitated
  bool stopped_by_time = false;  //!< the time limit ended the steps (a weaker bound, maybe)
  //! Every objective value is an integer (truncated distances, whole weights, no disruption
  //! term), so the bound was rounded up to one.
  bool rounded_up = false;
};

//! Largest number of accounts the bound accepts (its neighbour lists take O(n^2) distances).
inline constexpr std::size_t kMaxBoundAccounts = 20000;

//! The bound, or nothing when it does not apply: a dispersion objective, no geography, a
//! negative disruption weight, or more than kMaxBoundAccounts accounts.
//! Deterministic: the same problem and settings give the same value with any thread count,
//! unless the time limit stops it early.
std::optional<LowerBound> lagrangian_bound(const Problem& problem, const Distances& distances,
                                           const BoundSettings& settings);

}  // namespace opsim::territory
