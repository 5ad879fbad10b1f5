// Open pipeline: each deal closes at its expected month (overdue deals: the first month) plus a
// sampled slip, and wins with its stage probability whose odds decay per slipped month and per
// month overdue. Deals closing after the horizon are counted, not booked.
#pragma once

#include "models/trial.hpp"

namespace opsim {

//! Win probability after `slipped` slipped months and `overdue` months overdue.
double pipeline_win_probability(const PipelineSpec& pipeline, double stage_probability, int slipped,
                                int overdue);
//! The same from the decay factors slip_decay^slipped and overdue_decay^overdue.
double pipeline_win_probability(double stage_probability, double slip_factor,
                                double overdue_factor);

void simulate_pipeline(TrialState& state);

}  // namespace opsim
