// Open pipeline: each deal closes at its expected month (overdue deals: the first month) plus a
// sampled slip, and wins with its stage probability whose odds decay per slipped month and per
// month overdue. Deals closing after the horizon are counted, not booked.
#pragma once

#include "models/trial.hpp"

namespace opsim {

//! Win probability after `slipped` slipped months and `overdue` months overdue.
double pipeline_win_probability(const PipelineSpec& pipeline, double stage_probability,
                                int slipped, int overdue);

void simulate_pipeline(TrialState& state);

}  // namespace opsim
