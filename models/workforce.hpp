// Workforce: seats filled by reps who ramp, may leave (monthly hazard from annual attrition by
// tenure band) and are backfilled after a lag at tenure 0.
#pragma once

#include "models/trial.hpp"

namespace opsim {

//! Fills work.capacity (ramp fraction x skill per seat-month, 0 when vacant) and the
//! headcount, ramped_fte, hires and departures metrics.
void simulate_workforce(TrialState& state);

//! Skill multiplier of occupant `occupant` (0 = first) of a seat: lognormal, mean 1.
double sample_skill(const TrialState& state, const Seat& seat, int occupant, double skill_cv);

}  // namespace opsim
