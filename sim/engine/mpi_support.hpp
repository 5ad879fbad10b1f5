// MPI across ranks: each rank runs a contiguous trial range, rank 0 gathers and merges the
// results exactly (sim/results.hpp merge_results) and alone writes output. Built only when Open
// MPI is present; without it (or outside mpirun) there is one rank.
#pragma once

#include <cstdint>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "sim/engine/results.hpp"
#include "sim/engine/runner.hpp"

namespace opsim::mpi {

//! Initialises MPI when this process was started by mpirun; call once from main.
void initialise(int* argc, char*** argv);
void finalise();

int rank();
int size();
//! Ranks on this node (to share its cores among them).
int local_size();
bool active();  //!< more than one rank
//! Lets every thread of this process run on any core bound to a rank of this node (mpirun binds
//! each rank to its own core by default); rank 0 calls it once the other ranks have finished.
void use_node_cores();

//! Collective: true when `failed` is true on any rank. `lowest_failing` gets the lowest failing
//! rank, which alone reports the error.
bool any_failed(bool failed, int* lowest_failing);

//! This rank's contiguous share of trials [first, end) (the shares of ranks 0, 1, ... follow
//! each other and cover the range).
std::pair<std::uint64_t, std::uint64_t> share_of(std::uint64_t first, std::uint64_t end);

//! Worker threads of this rank: `requested` when above 0, else this node's cores shared among
//! its ranks (at least 1).
int threads_per_rank(int requested);

//! Rank 0 returns every rank's `mine` joined in rank order; other ranks return an empty vector.
std::vector<double> concatenate_on_root(std::vector<double> mine);
//! As concatenate_on_root() for a vector of another allocator: no copy in a single process.
template <class Allocator>
std::vector<double, Allocator> concatenate_on_root(std::vector<double, Allocator> mine) {
  if (size() == 1) return mine;
  const std::vector<double> all =
      concatenate_on_root(std::vector<double>(mine.begin(), mine.end()));
  return std::vector<double, Allocator>(all.begin(), all.end());
}
//! Rank 0's `values` become the element-wise sum over the ranks (exact for integers).
void sum_on_root(std::vector<std::uint64_t>& values);
//! Every rank's `values` become rank 0's.
void broadcast(std::vector<double>& values);

//! Rank 0 returns the exact merge of every rank's result (its own first); other ranks send
//! theirs and return an empty result. Without MPI, returns `mine`.
RunResult gather_on_root(RunResult mine);

//! Runs trials [options.first_trial, options.end_trial) split across the ranks (threads per
//! rank: options.threads, or this node's cores shared among its ranks). Rank 0 returns the
//! exactly merged result; other ranks return an empty one and must not write output.
RunResult run_distributed(const Scenario& scenario, RunOptions options);

//! Runs `step` on every rank; if it throws on any rank, the lowest failing rank's error is
//! reported once: an input error is rethrown on rank 0 (which mpirun lets print before it ends
//! the job; review: rank 1's message was lost when rank 0's quiet exit ended the job first), any
//! other on that rank; the other ranks throw QuietExit.
template <class Step>
void collectively(Step&& step);

//! Ends every rank at once after an unrecoverable error on one of them.
[[noreturn]] void abort(int code);

//! Thrown on ranks that must exit quietly with `code` because another rank reported the error.
struct QuietExit {
  int code;
};

//! The error this rank rethrows once every rank knows `lowest` failed (`error`: this rank's, if
//! any); null: exit quietly. Forwards an InputError of a rank other than 0 to rank 0.
std::exception_ptr error_to_report(std::exception_ptr error, int lowest);

//! Whether the error being handled was agreed on by every rank (rethrown by `collectively`);
//! an error that is not must end the whole job (abort) or the other ranks would wait forever.
bool error_is_collective();
void note_collective_error();

template <class Step>
void collectively(Step&& step) {
  std::exception_ptr error;
  try {
    step();
  } catch (...) {
    error = std::current_exception();
  }
  int lowest = -1;
  if (any_failed(error != nullptr, &lowest)) {
    note_collective_error();
    if (std::exception_ptr reported = error_to_report(error, lowest))
      std::rethrow_exception(reported);
    throw QuietExit{2};
  }
}

}  // namespace opsim::mpi
