// The parallel trial runner: oneTBB over blocks of trials; every trial's numbers depend only
// on (seed, trial), and reductions follow the trial-index tree (sim/moments.hpp), so any
// thread count, block size or trial range split gives bit-identical results.
#pragma once

#include <cstdint>
#include <functional>

#include "models/scenario.hpp"
#include "models/trial.hpp"
#include "sim/engine/results.hpp"

namespace opsim {

struct RunOptions {
  std::uint64_t first_trial = 0;
  std::uint64_t end_trial = 0;  //!< exclusive
  std::uint64_t seed = 1;
  int threads = 0;  //!< 0 = all cores
  bool keep_monthly = false;
  //! Trials per task at most (short runs use smaller blocks, four a thread); never changes results.
  std::uint64_t block_trials = 64;
  //! Called from the calling thread with the number of trials done so far.
  std::function<void(std::uint64_t)> progress;
  //! Seat-month detail to record (plan commands); null = none, and no extra memory.
  const SeatMonthRecording* seat_months = nullptr;
  //! Called on a worker thread after each trial with its outcome; calls for different trials
  //! run concurrently, so it may only write to that trial's own storage.
  std::function<void(std::uint64_t trial, const TrialOutcome&)> observe_trial;
  //! Per-stream trial remap (`opsim drivers`' pick-freeze runs); null = none. Must outlive the
  //! run.
  const TrialRemap* remap = nullptr;
};

RunResult run_trials(const Scenario& scenario, const RunOptions& options);

//! Threads a run uses: `requested`, or all cores for 0.
int resolve_threads(int requested);

}  // namespace opsim
