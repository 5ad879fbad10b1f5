#include "sim/workflows/checkpoint.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sim/base/error.hpp"
#include "sim/base/random.hpp"
#include "sim/engine/mpi_support.hpp"
#include "sim/io/input.hpp"

namespace opsim {

namespace fs = std::filesystem;

namespace {

//! Marks a checkpoint folder opsim created, so that only such a folder is removed at the end.
constexpr const char* kMarkerName = ".opsim-checkpoint";

//! `text` from `at` is `count` characters each accepted by `ok`.
template <class Accept>
bool run_of(const std::string& text, std::size_t at, std::size_t count, Accept ok) {
  if (text.size() < at + count) return false;
  return std::all_of(text.begin() + static_cast<std::ptrdiff_t>(at),
                     text.begin() + static_cast<std::ptrdiff_t>(at + count),
                     [&](char c) { return ok(static_cast<unsigned char>(c)); });
}

//! `trials_DDDDDDDDDDDD_DDDDDDDDDDDD.h5` (12 digits each), the shard names opsim writes.
bool is_shard_name(const std::string& name) {
  const auto digit = [](unsigned char c) { return std::isdigit(c) != 0; };
  return name.size() == 35 && name.compare(0, 7, "trials_") == 0 && run_of(name, 7, 12, digit) &&
         name[19] == '_' && run_of(name, 20, 12, digit) && name.compare(32, 4, ".h5") == 0;
}

}  // namespace

Checkpoint::Checkpoint(std::string path)
    : path_(std::move(path)), single_file_(fs::path(path_).extension() == ".h5") {}

std::string Checkpoint::shard_name(std::uint64_t first, std::uint64_t end) {
  return fmt::format("trials_{:012d}_{:012d}.h5", first, end);
}

std::string Checkpoint::rank_file(int rank) const {
  if (rank == 0) return path_;
  const fs::path p(path_);
  return (p.parent_path() / fmt::format("{}.rank{}.h5", p.stem().string(), rank)).string();
}

std::string Checkpoint::marker() const {
  return (fs::path(path_) / kMarkerName).string();
}

void Checkpoint::add_to(OutputPlan& plan) const {
  if (single_file_) {
    if (fs::is_directory(path_))
      throw_input("--checkpoint {}: is a folder (a path ending in .h5 names a checkpoint file)",
                  path_);
    for (int r = 0; r < mpi::size(); ++r)
      plan.add_own_output(rank_file(r), "--checkpoint", OutputKind::seekable);
    return;
  }
  if (fs::exists(path_) && !fs::is_directory(path_)) {
    throw_input(
        "--checkpoint {}: exists and is not a folder (name a checkpoint file NAME.h5, or a folder)",
        path_);
  }
  plan.add_output_folder(path_, "--checkpoint", {}, [](const std::string& name) {
    return is_shard_name(name) || name == kMarkerName;
  });
}

std::optional<RunResult> Checkpoint::load(const Scenario& scenario, const ResultLayout& layout,
                                          const Provenance& provenance, std::uint64_t first,
                                          std::uint64_t end, bool keep_trials) const {
  std::vector<ResultFileInfo> shards;
  if (single_file_) {
    // A checkpoint of another rank count is refused by every rank before any work (review: one
    // process resumed rank 0's file of a 2-rank run and left rank 1's; 3 ranks refused only
    // after rank 2 had simulated its share and written a file of its own). Rank 0 reads every
    // rank's file and one more (a larger run's): load() runs collectively, so its refusal is
    // every rank's and its message the one printed, and the other ranks read none of them
    // (review: R ranks made R x R reads of the shared file system).
    for (int r = 0; r <= mpi::size() && mpi::rank() == 0; ++r) {
      if (!fs::exists(rank_file(r))) continue;
      const ResultFileInfo info = read_result_info(rank_file(r));
      if (!info.checkpoint || info.checkpoint_ranks == 0 || info.checkpoint_ranks == mpi::size())
        continue;
      throw_input(
          "{}: this checkpoint was written by a run on {} MPI rank{} and this run has {}; resume "
          "it with as many ranks (mpirun -np {}), or remove {} and its .rankN.h5 files",
          info.path, info.checkpoint_ranks, info.checkpoint_ranks == 1 ? "" : "s", mpi::size(),
          info.checkpoint_ranks, path_);
    }
    if (fs::exists(rank_file(mpi::rank())))
      shards.push_back(read_result_info(rank_file(mpi::rank())));
  } else if (fs::is_directory(path_)) {
    // Only opsim's own shard names: temporaries and the user's files are not read.
    for (const auto& entry : fs::directory_iterator(path_)) {
      if (is_shard_name(entry.path().filename().string()))
        shards.push_back(read_result_info(entry.path().string()));
    }
  }
  std::vector<ResultFileInfo> own;  // the shards of this run's trials
  for (const auto& info : shards) {
    // Only a file opsim wrote as a checkpoint is resumed from, and later removed: a finished
    // result of the same run named by mistake is the user's (a review lost one so).
    if (!info.checkpoint) {
      throw_input(
          "--checkpoint {}: is a result file, not a checkpoint of opsim's (it would be resumed "
          "from and then removed); choose another --checkpoint",
          info.path);
    }
    if (info.stream_version != kTrialStreamVersion) {
      throw_input(
          "{}: this checkpoint was written with random stream scheme {} but this opsim uses "
          "scheme {}; its trials cannot be resumed (remove it or choose another --checkpoint)",
          info.path, info.stream_version, kTrialStreamVersion);
    }
    require_same_inputs(info.inputs, info.path, scenario.inputs, "this run",
                        "remove the checkpoint or choose another --checkpoint");
    // What differs, each with both values (review: one sentence for all of them).
    std::vector<std::string> differ;
    if (info.scenario_sha256 != scenario.sha256)
      differ.push_back(fmt::format("its scenario has SHA-256 {}, this run's {}",
                                   info.scenario_sha256.substr(0, 12),
                                   scenario.sha256.substr(0, 12)));
    if (info.seed != provenance.seed)
      differ.push_back(fmt::format("seed {}, this run's {}", info.seed, provenance.seed));
    if (info.total_trials != provenance.total_trials)
      differ.push_back(
          fmt::format("{} trials, this run's {}", info.total_trials, provenance.total_trials));
    if (info.keep_trials != keep_trials)
      differ.push_back(fmt::format("--keep-trials {}, this run {}",
                                   info.keep_trials ? "given" : "not given",
                                   keep_trials ? "gives it" : "does not"));
    // A run of another --trial-range: its shards are not this run's to resume or remove
    // (review: a shard run consumed another shard's checkpoint folder and deleted it).
    const std::pair run{provenance.run_first_trial, provenance.run_end_trial};
    if (info.checkpoint_run && *info.checkpoint_run != run) {
      // Another shard run of the same run sharing the folder, its trials apart from this run's:
      // left alone, neither resumed nor removed (review: a shard started or requeued after the
      // other had written was refused and told to remove that run's live checkpoint).
      const bool apart = info.end_trial <= run.first || info.first_trial >= run.second;
      if (differ.empty() && !single_file_ && apart) continue;
      differ.push_back(fmt::format("written by the run of trials {}..{}, this run's {}..{}",
                                   info.checkpoint_run->first, info.checkpoint_run->second,
                                   run.first, run.second));
    }
    if (differ.empty() && single_file_ && (info.first_trial != first || info.end_trial > end))
      differ.push_back(fmt::format("trials {}..{}, this rank's share {}..{}", info.first_trial,
                                   info.end_trial, first, end));
    if (!differ.empty()) {
      throw_input(
          "{}: this checkpoint belongs to a different run ({}); remove it or choose another "
          "--checkpoint",
          info.path, fmt::join(differ, "; "));
    }
    own.push_back(info);
  }
  std::sort(own.begin(), own.end(),
            [](const auto& a, const auto& b) { return a.first_trial < b.first_trial; });
  std::vector<RunResult> parts;
  std::uint64_t next = first;
  for (const auto& shard : own) {
    if (shard.first_trial != next || shard.end_trial > end) break;
    parts.push_back(read_result(shard.path, layout));
    next = shard.end_trial;
  }
  if (parts.empty()) return std::nullopt;
  return merge_results(std::move(parts));
}

void Checkpoint::save(const Scenario& scenario, const RunResult& result,
                      const Provenance& run_provenance) const {
  // On disk at once, whatever the command's other outputs wait for: a rerun after a kill reads
  // it.
  const OutputBatch::Immediate now;
  Provenance provenance = run_provenance;
  provenance.checkpoint = true;
  // A folder's shards are resumed by any rank count; a file per rank by as many ranks.
  if (single_file_) provenance.checkpoint_ranks = mpi::size();
  if (single_file_) {
    write_hdf5(rank_file(mpi::rank()), scenario, result, nullptr, provenance);
    return;
  }
  if (!fs::exists(path_)) {
    std::error_code error;
    if (fs::create_directory(path_, error)) {
      write_text_file(marker(), [](std::ostream& out) {
        out << "opsim created this checkpoint folder; it is removed when the run completes\n";
      });
    } else if (error) {
      throw OutputError(
          fmt::format("{}: cannot create the checkpoint folder: {}", path_, error.message()));
    }
  }
  const std::string shard =
      (fs::path(path_) / shard_name(result.first_trial, result.end_trial)).string();
  write_hdf5(shard, scenario, result, nullptr, provenance);
}

void Checkpoint::remove(std::uint64_t first, std::uint64_t end) const {
  // A temporary ".NAME.opsim-XXXXXX" that a killed run left is kept, as the output layer says
  // when it names it (review: named as kept, then removed here, a user's file of that name too).
  if (single_file_) {
    for (int r = 0; r < mpi::size(); ++r) remove_written_file(rank_file(r));
    return;
  }
  // The shard-named files of this run's trials are its own (load() refused the folder
  // otherwise; an output of such a name in the folder is refused before the run: add_to). Those
  // of other trials are another shard run's, started beside this one before either had written
  // (review: a finishing shard run deleted the checkpoint of a killed one sharing its folder).
  std::error_code error;
  bool others = false;  // another run's shards: the folder (and its marker) stays for it
  for (const auto& entry : fs::directory_iterator(path_, error)) {
    const std::string name = entry.path().filename().string();
    if (!is_shard_name(name)) continue;
    const std::uint64_t from = std::stoull(name.substr(7, 12)),
                        to = std::stoull(name.substr(20, 12));
    if (from >= first && to <= end)
      remove_written_file(entry.path().string());
    else
      others = true;
  }
  if (!others && fs::exists(marker())) {
    remove_written_file(marker());
    ::rmdir(path_.c_str());  // fails, harmlessly, when the user put files there
  }
}

RunResult run_checkpointed(const Scenario& scenario, const Provenance& provenance,
                           const RunOptions& options, const Checkpoint* checkpoint,
                           std::uint64_t every, const std::function<void(std::uint64_t)>& resumed) {
  const std::uint64_t first = options.first_trial, end = options.end_trial;
  std::optional<RunResult> done;
  if (checkpoint) {
    // Every rank agrees before any of them works (an error on one is every rank's).
    mpi::collectively([&] {
      done = checkpoint->load(scenario, ResultLayout(scenario), provenance, first, end,
                              options.keep_monthly);
    });
    if (done && resumed) resumed(done->end_trial);
  }
  std::uint64_t next = done ? done->end_trial : first;
  const std::uint64_t chunk = checkpoint ? std::max<std::uint64_t>(1, every) : end - first;
  while (next < end) {
    RunOptions part_options = options;
    part_options.first_trial = next;
    part_options.end_trial = std::min(end, next + chunk);
    const std::uint64_t offset = next - first;
    if (options.progress)
      part_options.progress = [&](std::uint64_t n) { options.progress(offset + n); };
    RunResult part = run_trials(scenario, part_options);
    const bool more = part_options.end_trial < end;
    if (checkpoint && more && !checkpoint->single_file())
      checkpoint->save(scenario, part, provenance);
    if (done) {
      std::vector<RunResult> parts;
      parts.push_back(std::move(*done));
      parts.push_back(std::move(part));
      done = merge_results(std::move(parts));
    } else {
      done = std::move(part);
    }
    if (checkpoint && more && checkpoint->single_file())
      checkpoint->save(scenario, *done, provenance);
    next = part_options.end_trial;
  }
  if (!done) {
    RunOptions empty = options;
    empty.end_trial = empty.first_trial;
    done = run_trials(scenario, empty);
  }
  return std::move(*done);
}

}  // namespace opsim
