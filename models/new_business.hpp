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

//! Opportunities of one entity (seat or intensity cell) in month m with Poisson mean `mean`;
//! `seat` is the owning seat index or -1; `count_rng` is the entity-month's count stream
//! (opportunities, entity, slot(month, 0)), unused so far.
void resolve_opportunities(TrialState& state, std::uint64_t entity, int region, int segment,
                           int month, double mean, int seat, TrialRng& count_rng);

//! Adds a won deal (of `product`, -1 = none) to the seat-month detail when the run records it;
//! `amount_plan` is the seat's credit, `share` its share of the deal (split credit).
void record_seat_win(TrialState& state, int seat, int month, double amount_plan, int product,
                     double share = 1.0);

}  // namespace opsim
