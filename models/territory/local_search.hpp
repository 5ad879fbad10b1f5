// The heuristic optimiser: multistart construction + variable neighbourhood search with shift
// and swap moves and incremental evaluation, parallel over starts (oneTBB), then rounds of path
// relinking between the best alignments (compactness), parallel over pairs.
//
// Determinism: start s draws only from Rng(seed, territories, s, 0, 0), relinking task r from
// Rng(seed, territories, r, 1, 0); the tasks advance in rounds of a fixed number of evaluations
// (never time), the starts beginning in waves of a fixed width (two in their first descent at
// once, not the thread count), and the best alignment is chosen by (feasible, objective or
// violation, task index), so the result is a function of the seed and the settings (including the
// work limit), not of the thread count or the machine's load - unless the time limit or the target
// value stops the run. Monotone in effort: a longer limit (work or time) runs the same rounds and
// more, so with the same seed it never returns a worse objective (under a time limit up to the
// machine's speed: the rounds reached in the time are what counts).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "models/territory/objective.hpp"

namespace opsim::territory {

//! What ended a search.
enum class StopReason {
  converged,       //!< every stage ran to its end (starts, relinking, idle continuation rounds)
  time_limit,      //!< the wall-clock limit stopped it with work left
  work_limit,      //!< the work limit stopped it with work left
  target,          //!< a feasible objective <= the target was found
  proven_optimal,  //!< (exact mode) the solver proved its alignment optimal
};
//! "converged", "time_limit", "work_limit", "target" or "proven_optimal" (the HDF5 attribute).
std::string_view describe(StopReason reason);
//! The reason `describe` names, if `text` is one of its identifiers.
std::optional<StopReason> parse_stop_reason(std::string_view text);
//! What ended a search, for people: "stopped by the time limit", "proven optimal".
std::string_view stop_phrase(StopReason reason);

struct SearchSettings {
  std::uint64_t seed = 1;
  int threads = 0;           //!< 0 = all cores (oneTBB's default concurrency)
  int starts = 8;            //!< independent constructions, each followed by VNS
  double time_limit = 60.0;  //!< wall-clock seconds for the whole search
  //! Deterministic effort budget for the whole search, in millions of move and centre
  //! evaluations; 0 = none. The search stops at whichever of this and the time limit comes
  //! first; it may exceed the budget by part of one VNS iteration (or of one step of a start's
  //! first descent) per running task.
  double work_limit = 0.0;
  std::optional<double> target;  //!< stop once a feasible objective <= target is found
  int max_idle = 0;  //!< VNS iterations without improvement before a start ends; 0 = by size
  //! Rounds of path relinking between the best distinct feasible alignments after the starts
  //! (compactness with geography and without contiguity); a round runs only while the previous
  //! one improved. 0 = none.
  int relink_rounds = 10;
  //! Centres the compactness search starts from (start 0), e.g. a previous alignment's.
  std::optional<Alignment> initial;
  //! Called with the number of starts ended so far, from the thread that called optimise.
  std::function<void(int)> progress;
};

struct SearchResult {
  Alignment alignment;
  Evaluation evaluation;
  double seconds = 0.0;
  double time_to_best = 0.0;  //!< seconds from the start of the search to the best alignment
  //! Seconds until the first start held a feasible alignment (each start's clock runs from the
  //! search start, so with several threads this is the earliest over the finished starts).
  std::optional<double> time_to_feasible;
  int starts_run = 0;
  std::uint64_t work = 0;  //!< move and centre evaluations over all tasks
  StopReason stop_reason = StopReason::converged;
  bool stopped_by_work = false;  //!< stop_reason == work_limit
  int best_start = -1;  //!< index of the winning start; >= starts: a relinking (in task order)
  int relinks_run = 0;  //!< finished path relinkings
  bool stopped_by_time = false;      //!< the time limit stopped the search (or CBC) with work left
  std::optional<double> best_bound;  //!< a proven lower bound (exact mode, or --bound)
  std::string bound_method;          //!< what proved best_bound: "cbc" or "lagrangian"
  bool proven_optimal = false;
  //! Exact mode with a feasible warm start: whether CBC found a better alignment than the warm
  //! start (when it did not, the warm start is the result and time_to_best is its time).
  std::optional<bool> improved_warm_start;
  std::string method;
};

//! \pre validate(problem) passed.
SearchResult optimise(const Problem& problem, const Distances& distances,
                      const SearchSettings& settings);

}  // namespace opsim::territory
