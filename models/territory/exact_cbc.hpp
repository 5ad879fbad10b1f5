// Exact mode: the p-median (compactness) alignment as a mixed-integer program solved by
// COIN-OR CBC, warm-started from the heuristic. Proves optimality or reports the gap.
#pragma once

#include <optional>

#include "models/territory/local_search.hpp"

namespace opsim::territory {

struct ExactSettings {
  double time_limit = 600.0;  //!< seconds for CBC
  int threads = 1;
  std::optional<Alignment> warm_start;  //!< a feasible alignment with centres (MIP start)
};

//! Solves the compactness problem exactly (centres chosen among accounts; balance as bounds
//! relative to the open centre; capacities; regions; groups as units; fixed centres).
//! \throws InputError when the problem has a feature the formulation does not cover (locks,
//! current owners with a disruption term, dispersion, more than kMaxExactAccounts accounts).
SearchResult solve_exact(const Problem& problem, const Distances& distances,
                         const ExactSettings& settings);

}  // namespace opsim::territory
