// Exact mode: the p-median (compactness) alignment as a mixed-integer program solved by
// COIN-OR CBC, warm-started from the heuristic. Proves optimality or reports the gap.
#pragma once

#include <optional>
#include <string>

#include "models/territory/local_search.hpp"

namespace opsim::territory {

struct ExactSettings {
  double time_limit = 600.0;  //!< seconds for CBC
  int threads = 1;
  std::optional<Alignment> warm_start;  //!< a feasible alignment with centres (MIP start)
};

//! InputError naming `source` unless --exact supports `problem` (compactness with distances, at
//! most kMaxExactAccounts accounts, no locks, disruption term or contiguity, one capacity).
void check_exact_supported(const Problem& problem, const std::string& source);

//! Solves the compactness problem exactly (centres chosen among accounts; balance as bounds
//! relative to the open centre; capacities; regions; groups as units; fixed centres).
//! \throws InputError when the problem has a feature the formulation does not cover (locks,
//! current owners with a disruption term, dispersion, more than kMaxExactAccounts accounts).
SearchResult solve_exact(const Problem& problem, const Distances& distances,
                         const ExactSettings& settings);

namespace detail {

//! How a CBC run ended, as CBC reported it and as opsim's clock saw it.
struct CbcReport {
  bool says_optimal = false;     //!< CbcModel::isProvenOptimal, with an incumbent
  bool says_infeasible = false;  //!< CbcModel::isProvenInfeasible (none better than the cutoff)
  double objective = 0;          //!< the incumbent's, else the warm start's (CBC's columns)
  double best_bound = 0;         //!< CbcModel::getBestPossibleObjValue
  bool reached_limit = false;    //!< CBC's time limit or the watchdog's deadline was reached
};

//! What CBC proved. Its word alone is no proof: stopped by its own time limit inside the root LP,
//! CBC 2.10.8 reported "infeasible" under the warm start's cutoff while its bound stood 3% below
//! the warm start. Optimality counts only when the bound reaches the objective within the gaps
//! CBC was given; infeasibility only when CBC ended before any limit.
enum class CbcProof { none, optimal, infeasible };
CbcProof cbc_proof(const CbcReport& report, bool has_warm_start);

}  // namespace detail

}  // namespace opsim::territory
