// Territory labels: which result territory each current owner keeps. A search finds territories
// as sets of accounts; their labels are arbitrary among interchangeable territories, so before
// moves are counted each result territory is matched to the current territory it overlaps most
// (an assignment problem), so that a rep's new territory resembles their book.
#pragma once

#include <vector>

#include "models/territory/objective.hpp"

namespace opsim::territory {

//! Minimum-cost perfect matching of rows to columns of a square matrix (Hungarian algorithm,
//! O(n^3)); returns column per row. Costs must be finite.
std::vector<int> solve_assignment(const std::vector<std::vector<double>>& cost);

//! Relabels the alignment's territories to maximise the moved measure kept with the current
//! owners (accounts, or the disruption attribute), permuting only territories that are
//! interchangeable: same region, same capacities, no fixed centre, and a territory holding locked
//! accounts keeps the lock's label. Balance, compactness and dispersion are unchanged; the moved
//! measure never increases. No-op when no account has an owner.
void match_owner_labels(const Problem& problem, Alignment& alignment);

}  // namespace opsim::territory
