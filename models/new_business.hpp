// New business: opportunities resolve for a seat in month m as a Poisson process with intensity
// opportunity_rate x ramp x skill x market x seasonality x growth; each wins with the cell's
// (quarter-end- and market-adjusted) win rate. Opportunities created before the horizon start
// belong to the open pipeline and are dropped.
#pragma once

#include <cstdint>

#include "models/trial.hpp"

namespace opsim {

//! Rep-driven new business for every seat-month with capacity.
void simulate_rep_new_business(TrialState& state);

//! Region-level new business from IntensitySpec (organisations without a rep model).
void simulate_intensity_new_business(TrialState& state);

//! New business of one entity (seat or intensity cell) over the horizon: in month m a Poisson
//! count of mean means[m] from the count stream (opportunities, entity, slot(m, 0)), none and
//! no stream when means[m] < 0; `seat` is the owning seat index or -1.
void simulate_entity_new_business(TrialState& state, std::uint64_t entity, int region, int segment,
                                  int seat, const double* means);

//! The `count` opportunities of one entity in month m: opportunity j draws from the stream
//! entity_rng.sibling(slot(m, j + 1)), whose first block is first_blocks[2j, 2j + 2) (from
//! TrialRng::sibling_first_blocks), j < count.
void resolve_opportunities(TrialState& state, std::uint64_t entity, int region, int segment,
                           int month, int seat, const TrialRng& entity_rng,
                           const std::uint64_t* first_blocks, int count);

//! Adds a won deal (of `product`, -1 = none) to the seat-month detail when the run records it;
//! `amount_plan` is the seat's credit, `share` its share of the deal (split credit).
void record_seat_win(TrialState& state, int seat, int month, double amount_plan, int product,
                     double share = 1.0);

}  // namespace opsim
