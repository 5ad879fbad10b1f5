// The engine behind the plan searches: one fiscal year's new bookings per trial, per region and
// per seat, as models/plan/capacity.hpp asks for them.
#pragma once

#include "models/plan/capacity.hpp"
#include "models/scenario.hpp"
#include "sim/engine/runner.hpp"

namespace opsim {

//! Runs trials [0, options.end_trial) of `scenario` and keeps fiscal year `fiscal_year`'s new
//! bookings at plan rates per region (company last) and per seat.
plan::YearBookings simulate_year_bookings(const Scenario& scenario, int fiscal_year,
                                          const RunOptions& options);

//! A plan::CapacityRun that simulates with `options` (seed, threads, trial count). The search
//! simulates twice (the base plan, then every candidate hire); `options.progress` sees the
//! trials done over both, 0 .. 2 x trials.
plan::CapacityRun capacity_run(const RunOptions& options);

}  // namespace opsim
