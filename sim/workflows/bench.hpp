// The benchmark behind `opsim bench`: engine throughput at several thread counts, next to a
// sampling floor (the same variates drawn with the same generator and nothing else) and the
// memory estimate next to the measured peak resident set.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/sampling.hpp"
#include "models/scenario.hpp"

namespace opsim {

//! The cost of drawing `counts` variates and nothing else, on the calling thread.
struct SamplingFloor {
  double seconds = 0.0;  //!< wall clock
  double cpu_seconds = 0.0;
  VariateCounts drawn;
  double checksum = 0.0;  //!< sum of the draws, so that the compiler cannot drop them
};

//! Draws counts.uniforms uniforms (TrialRng::uniform), counts.normals standard normals (Boost's
//! ziggurat) and counts.poissons Poisson variates (models/sampling.hpp) of the engine's mean
//! mean (poisson_mean_sum / poissons), from counts.streams freshly keyed TrialRng objects with
//! the draws spread evenly over them: the floor of the engine's own stream scheme.
//! \pre counts.streams > 0 when any variate is requested.
SamplingFloor measure_sampling_floor(const VariateCounts& counts, std::uint64_t seed);

//! The same variates from one sequential, non-keyed generator (Boost's mt19937_64 seeded once):
//! the physical floor of drawing them, without the cost of keyed streams.
SamplingFloor measure_sequential_floor(const VariateCounts& counts, std::uint64_t seed);

//! Share `index` of `total` items spread evenly over `parts` (the shares sum to `total`).
std::uint64_t even_share(std::uint64_t total, std::uint64_t index, std::uint64_t parts);

//! Resident set size of this process now, in bytes (0 when /proc is unavailable).
std::uint64_t current_rss_bytes();
//! Peak resident set size of this process (getrusage ru_maxrss), in bytes.
std::uint64_t peak_rss_bytes();
//! Lowers the kernel's peak-RSS mark to the current RSS (Linux /proc/self/clear_refs "5"), so
//! that peak_rss_bytes() covers only what follows; false when the kernel refuses.
bool reset_peak_rss();

//! Trials (a multiple of 64, 128 .. 10^7) that take about `seconds` at one thread, timed on
//! pilot runs of 16, 32, ... trials (which also warm up caches and the thread pool).
std::uint64_t calibrate_trials(const Scenario& scenario, std::uint64_t seed, double seconds);

struct BenchOptions {
  std::uint64_t trials = 0;  //!< 0 = calibrate_trials(min_seconds)
  double min_seconds = 5.0;
  std::uint64_t seed = 1;
  std::vector<int> threads{1, 2};
  int repeat = 1;  //!< runs per configuration; the fastest counts
};

//! One engine configuration: wall and CPU time of its fastest run.
struct EngineTiming {
  int threads = 0;
  double wall_seconds = 0.0;
  double cpu_seconds = 0.0;
  //! CPU seconds of each thread that worked during the run, largest first: an even split
  //! means the engine would scale on otherwise idle cores even when the machine is busy.
  std::vector<double> thread_cpu_seconds;
  std::uint64_t memory_estimate = 0;  //!< estimate_memory() for this run
  std::uint64_t rss_before = 0;       //!< resident set before the run
  std::uint64_t peak_rss = 0;         //!< peak resident set during the run (0 = unknown)
  bool peak_is_per_run = false;       //!< false when the peak mark could not be reset
  bool identical = true;              //!< results bit-identical to the first configuration
};

struct BenchReport {
  std::string scenario;
  std::uint64_t trials = 0;
  std::uint64_t seed = 0;
  int hardware_threads = 0;
  //! One-minute load average before and after: other processes on the machine skew wall times.
  double load_before = 0.0, load_after = 0.0;
  VariateCounts variates;          //!< over all trials (the same at every thread count)
  SamplingFloor floor;             //!< keyed streams, as the engine draws (its own scheme)
  SamplingFloor sequential_floor;  //!< one fast sequential generator (the physical limit)
  std::vector<EngineTiming> engine;

  //! Engine time at one thread over floor time; 0 when no one-thread run was made.
  double floor_fraction() const;
  //! The same from CPU seconds, which other load on the machine disturbs less.
  double floor_fraction_cpu() const;
  //! Sequential floor CPU time over the engine's at one thread; 0 without a one-thread run.
  double sequential_floor_fraction_cpu() const;
  //! Wall-time speed-up of `threads` over the one-thread run; 0 when either is missing.
  double speedup(int threads) const;
  //! The speed-up idle cores would allow at most: the one-thread run's CPU time over the
  //! busiest thread's at `threads` (barrier waits and OS scheduling are not in it).
  double cpu_speedup_bound(int threads) const;
};

//! Runs the engine at every thread count in `options.threads` (in order) and the floor.
BenchReport run_benchmark(const Scenario& scenario, const BenchOptions& options);

std::string format_bench_report(const BenchReport& report);
nlohmann::json bench_report_json(const BenchReport& report);

}  // namespace opsim
