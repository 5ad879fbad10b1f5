// Checkpointed runs (`opsim run --checkpoint`): a run saves what it has done every few trials
// and a rerun of the same command resumes from it. Files go through the output layer.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "models/scenario.hpp"
#include "sim/engine/results.hpp"
#include "sim/engine/runner.hpp"
#include "sim/io/output.hpp"
#include "sim/io/output_files.hpp"

namespace opsim {

//! A path ending in `.h5` is one shard file holding every trial this rank has done (rank R > 0
//! of an MPI run uses `NAME.rankR.h5`), rewritten after each chunk. Any other path is a folder of
//! shard files `trials_FIRST_END.h5`, one per completed chunk; the folder may hold other files,
//! which are never read or removed. A kill at any moment loses at most the chunk in progress.
class Checkpoint {
 public:
  explicit Checkpoint(std::string path);

  bool single_file() const { return single_file_; }
  const std::string& path() const { return path_; }
  //! A file checkpoint's file of MPI rank `rank`: the path itself for rank 0, else
  //! `NAME.rankR.h5`.
  std::string rank_file(int rank) const;

  //! Registers the files this checkpoint reads and writes; exit 2 when the path is of the
  //! wrong kind (a folder for NAME.h5, a file for a folder checkpoint).
  void add_to(OutputPlan& plan) const;

  //! What was checkpointed of this rank's trials [first, end), if anything; exit 2 when the
  //! checkpoint belongs to another run (scenario, seed, trials, ranks or options differ, each
  //! named), on every rank before any of them works.
  std::optional<RunResult> load(const Scenario& scenario, const ResultLayout& layout,
                                const Provenance& provenance, std::uint64_t first,
                                std::uint64_t end, bool keep_trials) const;

  //! Saves `result`: the chunk just run (folder), or everything so far (file).
  void save(const Scenario& scenario, const RunResult& result, const Provenance& provenance) const;

  //! Removes the shard files of this run, trials [first, end) (every rank's: a folder's shards
  //! of other trials are another shard run's, which may share the folder), and the folder when
  //! opsim created it and nothing else is left in it. Call on one rank once every rank has
  //! finished.
  void remove(std::uint64_t first, std::uint64_t end) const;

  //! A shard file name of a folder checkpoint: `trials_FIRST_END.h5`.
  static std::string shard_name(std::uint64_t first, std::uint64_t end);

 private:
  std::string marker() const;

  std::string path_;
  bool single_file_;
};

//! Runs trials [options.first_trial, options.end_trial) of this rank in chunks of `every`
//! trials, saving each chunk to `checkpoint` (when given) and resuming from what it holds.
//! `options.progress` sees the trials done since options.first_trial; `resumed` is called with
//! the first trial still to run when a checkpoint is resumed.
RunResult run_checkpointed(const Scenario& scenario, const Provenance& provenance,
                           const RunOptions& options, const Checkpoint* checkpoint,
                           std::uint64_t every, const std::function<void(std::uint64_t)>& resumed);

}  // namespace opsim
