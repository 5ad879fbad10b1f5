// Paired scenario comparison with common random numbers: the same trial and the same entity
// (matched by id) draw the same numbers in every scenario, so a per-trial difference isolates
// the changed assumptions. The variance reduction against independent sampling is measured by
// also running each alternative with an independent seed.
#pragma once

#include <string>
#include <vector>

#include "models/scenario.hpp"
#include "sim/engine/results.hpp"
#include "sim/engine/summary.hpp"

namespace opsim {

struct PairedCell {
  double mean = 0.0;  //!< mean of alt - base over trials
  double se = 0.0;    //!< its standard error, from the paired differences
  double p5 = 0.0, p50 = 0.0, p95 = 0.0;
  double p_better = 0.0;        //!< share of trials with alt > base
  double se_independent = 0.0;  //!< standard error of the mean difference of independent runs
  //! var(independent difference) / var(paired difference); NaN (undefined) when the paired
  //! difference has no variance (identical scenarios, or a cell that is constant in both).
  double variance_reduction = 0.0;
};

struct ScenarioComparison {
  std::string name;               //!< of the alternative
  std::vector<PairedCell> cells;  //!< [period][region][segment] of the compared metric
};

//! Seed of the independent runs used to measure the variance reduction: at most 2^63 - 1, as
//! every seed opsim takes.
std::uint64_t independent_seed(std::uint64_t seed);

//! Throws InputError unless the scenarios share horizon, fiscal calendar, regions and segments.
void require_comparable(const Scenario& base, const Scenario& alt);

//! `paired` and `independent` hold trial-by-trial results of one alternative; metric: a metric
//! index.
ScenarioComparison compare_paired(const std::string& name, const RunResult& base,
                                  const RunResult& paired, const RunResult& independent,
                                  int metric);

}  // namespace opsim
