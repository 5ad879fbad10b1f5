// `opsim run` and `opsim validate`.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <tuple>
#include <utility>

#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include "sim/base/error.hpp"
#include "sim/base/random.hpp"
#include "sim/cli/cli.hpp"
#include "sim/cli/cli_support.hpp"
#include "sim/engine/mpi_support.hpp"
#include "sim/engine/runner.hpp"
#include "sim/engine/summary.hpp"
#include "sim/io/csv.hpp"
#include "sim/io/deal_export.hpp"
#include "sim/io/output.hpp"
#include "sim/io/scenario_loader.hpp"

namespace opsim::cli {

namespace {

struct RunArgs {
  std::string scenario;
  std::string output;
  std::optional<std::uint64_t> trials;
  std::optional<std::uint64_t> seed;
  std::optional<int> threads;
  bool keep_trials = false;
  std::string max_memory;
  std::string summary_json;
  std::string csv_dir;
  std::string trial_range;
  std::string export_deals;
  std::uint64_t export_trial = 0;
  std::string checkpoint;
  std::uint64_t checkpoint_every = 1000;
  bool quiet = false;
};

struct OutputArgs {
  std::string output;
  std::string summary_json;
  std::string csv_dir;
  bool quiet = false;
};

//! "A:B" -> [A, B) within [0, trials].
std::pair<std::uint64_t, std::uint64_t> parse_trial_range(const std::string& text,
                                                          std::uint64_t trials) {
  const auto colon = text.find(':');
  auto first = colon == std::string::npos ? std::nullopt : parse_number(text.substr(0, colon));
  auto end = colon == std::string::npos ? std::nullopt : parse_number(text.substr(colon + 1));
  if (!first || !end || *first < 0 || *end <= *first || *end > static_cast<double>(trials) ||
      std::floor(*first) != *first || std::floor(*end) != *end) {
    throw_input(
        "--trial-range: \"{}\" is not a range A:B of trial indices with 0 <= A < B <= {} (the "
        "run's trials)",
        text, trials);
  }
  return {static_cast<std::uint64_t>(*first), static_cast<std::uint64_t>(*end)};
}

void check_output_folders(const OutputArgs& out) {
  for (const std::string* path : {&out.output, &out.summary_json, &out.csv_dir}) {
    if (!path->empty()) require_parent_folder(*path);
  }
}

//! Writes the requested outputs of a complete run (trials [0, N)).
void write_outputs(const Scenario& scenario, const RunResult& result, const Provenance& provenance,
                   const OutputArgs& out) {
  const Summary summary = summarise(scenario, result);
  if (!out.output.empty()) write_hdf5(out.output, scenario, result, &summary, provenance);
  if (!out.summary_json.empty())
    write_summary_json(out.summary_json, scenario, summary, provenance);
  if (!out.csv_dir.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(out.csv_dir, ignored);
    write_csv(out.csv_dir, scenario, summary);
  }
  if (!out.quiet) fmt::print("{}", format_summary_table(scenario, summary));
}

//! A run's checkpoint, written every --checkpoint-every trials and read back by a rerun of the
//! same command. A path ending in `.h5` is one shard file holding every trial this rank has done
//! (rank R > 0 of an MPI run uses `NAME.rankR.h5`), rewritten atomically after each chunk; any
//! other path is a folder of shard files, one per completed chunk, each written atomically. A
//! kill at any moment loses at most the chunk in progress.
class Checkpoint {
 public:
  explicit Checkpoint(std::string path)
      : path_(std::move(path)), single_file_(std::filesystem::path(path_).extension() == ".h5") {}

  bool single_file() const { return single_file_; }

  void check_path() const {
    require_parent_folder(path_);
    if (single_file_ && std::filesystem::is_directory(path_))
      throw_input("--checkpoint {}: is a folder (a path ending in .h5 names a checkpoint file)",
                  path_);
    if (!single_file_ && std::filesystem::exists(path_) && !std::filesystem::is_directory(path_))
      throw_input(
          "--checkpoint {}: exists and is not a folder (name a checkpoint file NAME.h5, or a "
          "folder)",
          path_);
  }

  //! What was checkpointed of this rank's trials [first, end), if anything.
  std::optional<RunResult> load(const Scenario& scenario, const ResultLayout& layout,
                                const Provenance& provenance, std::uint64_t first,
                                std::uint64_t end, bool keep_trials) const {
    std::vector<ResultFileInfo> shards;
    if (single_file_) {
      if (std::filesystem::exists(rank_file(mpi::rank())))
        shards.push_back(read_result_info(rank_file(mpi::rank())));
    } else if (std::filesystem::is_directory(path_)) {
      for (const auto& entry : std::filesystem::directory_iterator(path_)) {
        // Skips the .partial files of an interrupted write.
        if (entry.path().extension() == ".h5")
          shards.push_back(read_result_info(entry.path().string()));
      }
    }
    for (const auto& info : shards) {
      if (info.stream_version != kTrialStreamVersion) {
        throw_input(
            "{}: this checkpoint was written with random stream scheme {} but this opsim uses "
            "scheme {}; its trials cannot be resumed (remove it or choose another --checkpoint)",
            info.path, info.stream_version, kTrialStreamVersion);
      }
      if (info.scenario_sha256 != scenario.sha256 || info.seed != provenance.seed ||
          info.total_trials != provenance.total_trials || info.keep_trials != keep_trials ||
          (single_file_ && (info.first_trial != first || info.end_trial > end))) {
        throw_input(
            "{}: this checkpoint belongs to a different run (scenario, seed, trials, ranks or "
            "options "
            "differ); remove it or choose another --checkpoint",
            info.path);
      }
    }
    std::sort(shards.begin(), shards.end(),
              [](const auto& a, const auto& b) { return a.first_trial < b.first_trial; });
    std::vector<RunResult> parts;
    std::uint64_t next = first;
    for (const auto& shard : shards) {
      if (shard.first_trial != next || shard.end_trial > end) break;
      parts.push_back(read_result(shard.path, layout));
      next = shard.end_trial;
    }
    if (parts.empty()) return std::nullopt;
    return merge_results(std::move(parts));
  }

  //! Saves `result`: the chunk just run (folder), or everything so far (file).
  void save(const Scenario& scenario, const RunResult& result, const Provenance& provenance) const {
    if (single_file_) {
      write_hdf5(rank_file(mpi::rank()), scenario, result, nullptr, provenance);
      return;
    }
    std::filesystem::create_directories(path_);
    const auto name =
        fmt::format("trials_{:012d}_{:012d}.h5", result.first_trial, result.end_trial);
    write_hdf5((std::filesystem::path(path_) / name).string(), scenario, result, nullptr,
               provenance);
  }

  //! Removes every rank's checkpoint once the run's output is written.
  void remove() const {
    std::error_code ignored;
    if (!single_file_) {
      std::filesystem::remove_all(path_, ignored);
      return;
    }
    for (int r = 0; r < mpi::size(); ++r) std::filesystem::remove(rank_file(r), ignored);
  }

 private:
  std::string rank_file(int rank) const {
    if (rank == 0) return path_;
    const std::filesystem::path p(path_);
    return (p.parent_path() / fmt::format("{}.rank{}.h5", p.stem().string(), rank)).string();
  }

  std::string path_;
  bool single_file_;
};

void run_command(const RunArgs& args, const std::string& command_line) {
  // Every rank validates; an error on any rank is reported once and ends all of them.
  Scenario scenario;
  std::uint64_t trials = 0, seed = 0, first = 0, end = 0;
  int threads = 1;
  const OutputArgs out{args.output, args.summary_json, args.csv_dir,
                       args.quiet || mpi::rank() != 0};
  mpi::collectively([&] {
    scenario = load_scenario(args.scenario);
    trials = args.trials.value_or(scenario.simulation.trials);
    seed = args.seed.value_or(scenario.simulation.seed);
    threads = mpi::threads_per_rank(args.threads.value_or(scenario.simulation.threads));
    std::tie(first, end) = args.trial_range.empty()
                               ? std::pair<std::uint64_t, std::uint64_t>{0, trials}
                               : parse_trial_range(args.trial_range, trials);
    const bool complete = first == 0 && end == trials;
    if (!complete && (!args.summary_json.empty() || !args.csv_dir.empty() || args.output.empty())) {
      throw_input(
          "--trial-range {}: a shard run writes only its HDF5 shard (-o SHARD.h5); "
          "summaries come from `opsim merge`",
          args.trial_range);
    }
    check_output_folders(out);
    if (!args.export_deals.empty()) {
      require_parent_folder(args.export_deals);
      if (args.export_trial >= trials) {
        throw_input("--export-trial: {} is not a trial of this run (0..{})", args.export_trial,
                    trials - 1);
      }
    }
    if (!args.checkpoint.empty()) Checkpoint(args.checkpoint).check_path();
    const std::uint64_t limit = args.max_memory.empty()
                                    ? default_memory_limit()
                                    : parse_size(args.max_memory, "--max-memory");
    const std::uint64_t estimate =
        estimate_memory(ResultLayout(scenario), end - first, args.keep_trials, threads);
    if (!out.quiet) {
      fmt::print(stderr,
                 "opsim: trials [{}, {}) of {}, seed {}, {} rank(s) x {} threads; memory estimate "
                 "{} (limit {})\n",
                 first, end, trials, seed, mpi::size(), threads, format_size(estimate),
                 format_size(limit));
    }
    if (estimate > limit) {
      throw_input(
          "the run needs about {} but --max-memory allows {} (fewer --trials, no --keep-trials, or "
          "raise --max-memory)",
          format_size(estimate), format_size(limit));
    }
  });

  const ResultLayout layout(scenario);
  const Provenance provenance{command_line,
                              seed,
                              scenario.sha256,
                              scenario.name,
                              std::filesystem::absolute(args.scenario).string(),
                              trials};
  const auto [my_first, my_end] = mpi::share_of(first, end);

  std::optional<RunResult> done;
  std::optional<Checkpoint> checkpoint;
  if (!args.checkpoint.empty()) checkpoint.emplace(args.checkpoint);
  mpi::collectively([&] {
    if (checkpoint) {
      done = checkpoint->load(scenario, layout, provenance, my_first, my_end, args.keep_trials);
      if (done)
        fmt::print(stderr, "opsim: resuming from trial {} ({})\n", done->end_trial,
                   args.checkpoint);
    }
    ProgressBar progress(my_end - my_first, !out.quiet);
    std::uint64_t next = done ? done->end_trial : my_first;
    const std::uint64_t chunk = args.checkpoint.empty()
                                    ? my_end - my_first
                                    : std::max<std::uint64_t>(1, args.checkpoint_every);
    while (next < my_end) {
      RunOptions options;
      options.first_trial = next;
      options.end_trial = std::min(my_end, next + chunk);
      options.seed = seed;
      options.threads = threads;
      options.keep_monthly = args.keep_trials;
      const std::uint64_t offset = next - my_first;
      options.progress = [&](std::uint64_t n) { progress.update(offset + n); };
      RunResult part = run_trials(scenario, options);
      const bool more = options.end_trial < my_end;
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
      next = options.end_trial;
    }
    progress.finish();
    if (!done)
      done = run_trials(
          scenario,
          RunOptions{my_first, my_first, seed, threads, args.keep_trials, 64, {}, nullptr, {}});
  });

  done = mpi::gather_on_root(std::move(*done));
  if (mpi::rank() != 0) return;

  // Summaries and compression run on this node's cores: its other ranks have finished.
  mpi::use_node_cores();
  const int output_threads = threads * mpi::local_size();
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(output_threads));
  tbb::task_arena output_arena(output_threads);
  output_arena.execute([&] {
    if (first == 0 && end == trials) {
      write_outputs(scenario, *done, provenance, out);
    } else {
      write_hdf5(args.output, scenario, *done, nullptr, provenance);
      if (!out.quiet) fmt::print("opsim: wrote shard [{}, {}) to {}\n", first, end, args.output);
    }
  });
  if (!args.export_deals.empty())
    export_deals(args.export_deals, scenario, seed, args.export_trial);
  if (checkpoint) checkpoint->remove();
}

void merge_command(const std::vector<std::string>& shards, const OutputArgs& out,
                   const std::string& command_line) {
  check_output_folders(out);
  std::vector<ResultFileInfo> infos;
  for (const auto& path : shards) infos.push_back(read_result_info(path));
  const ResultFileInfo& reference = infos.front();
  for (const auto& info : infos) {
    auto differs = [&](const char* what, const std::string& a, const std::string& b) {
      if (a != b)
        throw_input("{}: {} {} differs from {} in {}; shards of different runs cannot be merged",
                    info.path, what, a, b, reference.path);
    };
    differs("scenario SHA-256", info.scenario_sha256, reference.scenario_sha256);
    differs("seed", std::to_string(info.seed), std::to_string(reference.seed));
    // The merged file records this opsim's scheme, so every shard must have been drawn with it.
    if (info.stream_version != kTrialStreamVersion) {
      throw_input(
          "{}: written with random stream scheme {} but this opsim uses scheme {}; results of "
          "different stream schemes cannot be merged (rerun the shard)",
          info.path, info.stream_version, kTrialStreamVersion);
    }
    differs("opsim version", info.opsim_version, reference.opsim_version);
    differs("total trials", std::to_string(info.total_trials),
            std::to_string(reference.total_trials));
    differs("--keep-trials", std::to_string(info.keep_trials),
            std::to_string(reference.keep_trials));
  }
  std::sort(infos.begin(), infos.end(),
            [](const auto& a, const auto& b) { return a.first_trial < b.first_trial; });
  std::uint64_t covered = 0;
  for (const auto& info : infos) {
    if (info.first_trial > covered)
      throw_input("shards leave trials [{}, {}) missing (next shard: {})", covered,
                  info.first_trial, info.path);
    if (info.first_trial < covered)
      throw_input("{}: trials [{}, {}) overlap an earlier shard (which reaches {})", info.path,
                  info.first_trial, info.end_trial, covered);
    covered = info.end_trial;
  }
  if (covered != reference.total_trials)
    throw_input("shards leave trials [{}, {}) missing", covered, reference.total_trials);

  Scenario scenario = load_scenario(reference.scenario_path);
  if (scenario.sha256 != reference.scenario_sha256) {
    throw_input("{}: the scenario file changed since the shards were written (SHA-256 {} vs {})",
                reference.scenario_path, scenario.sha256, reference.scenario_sha256);
  }
  const ResultLayout layout(scenario);
  std::vector<RunResult> parts;
  for (const auto& info : infos) parts.push_back(read_result(info.path, layout));
  const RunResult merged = merge_results(std::move(parts));
  const Provenance provenance{command_line,  reference.seed,          scenario.sha256,
                              scenario.name, reference.scenario_path, reference.total_trials};
  write_outputs(scenario, merged, provenance, out);
}

}  // namespace

void add_run_commands(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  auto* run =
      app.add_subcommand("run", "Simulate a scenario and summarise the forecast distributions");
  run->add_option("scenario", args->scenario, "Scenario file (JSON, schema_version 1)")->required();
  run->add_option("-o,--output", args->output, "Write the full results to this HDF5 file");
  run->add_option("--trials", args->trials, "Number of trials (overrides the scenario)")
      ->check(CLI::Range(1ULL, 100'000'000ULL));
  run->add_option("--seed", args->seed, "Random seed (overrides the scenario)");
  run->add_option("--threads", args->threads, "Worker threads, 0 = all cores")
      ->check(CLI::Range(0, 1024));
  run->add_flag("--keep-trials", args->keep_trials,
                "Keep the monthly per-trial series (exact monthly quantiles)");
  run->add_option("--max-memory", args->max_memory,
                  "Refuse to start above this memory estimate (e.g. 4G)");
  run->add_option("--summary-json", args->summary_json, "Write the summary as JSON");
  run->add_option("--csv", args->csv_dir, "Write summary CSV files into this folder");
  run->add_option("--trial-range", args->trial_range,
                  "Run only trials A:B and write them as a shard (-o)");
  run->add_option("--checkpoint", args->checkpoint,
                  "Checkpoint: NAME.h5 (one file, rewritten) or a folder (a shard per chunk), "
                  "saved every --checkpoint-every trials; a rerun resumes from it");
  run->add_option("--checkpoint-every", args->checkpoint_every, "Trials between checkpoints")
      ->check(CLI::Range(1ULL, 100'000'000ULL));
  run->add_option("--export-deals", args->export_deals,
                  "Write one trial's opportunities as a CSV that opsim calibrate reads");
  run->add_option("--export-trial", args->export_trial,
                  "The trial --export-deals writes (default 0)");
  run->add_flag("-q,--quiet", args->quiet, "No progress or table");
  run->callback([args, run] { run_command(*args, command_line_of(run)); });

  auto shards = std::make_shared<std::vector<std::string>>();
  auto merge_out = std::make_shared<OutputArgs>();
  auto* merge =
      app.add_subcommand("merge", "Merge shard files of one run into the complete result");
  merge->add_option("shards", *shards, "Shard files written by run --trial-range")->required();
  merge->add_option("-o,--output", merge_out->output, "Merged HDF5 file")->required();
  merge->add_option("--summary-json", merge_out->summary_json, "Write the summary as JSON");
  merge->add_option("--csv", merge_out->csv_dir, "Write summary CSV files into this folder");
  merge->add_flag("-q,--quiet", merge_out->quiet, "No table");
  merge->callback(
      [shards, merge_out, merge] { merge_command(*shards, *merge_out, command_line_of(merge)); });

  auto scenario = std::make_shared<std::string>();
  auto* validate = app.add_subcommand("validate", "Check a scenario file without simulating");
  validate->add_option("scenario", *scenario, "Scenario file")->required();
  validate->callback([scenario] {
    const Scenario s = load_scenario(*scenario);
    fmt::print(
        "{}: valid ({} regions, {} segments, {} seats, {} open deals, {} contracts, {} months)\n",
        *scenario, s.region_count(), s.segment_count(), s.seats.size(), s.pipeline.deals.size(),
        s.contracts.size(), s.months());
  });
}

}  // namespace opsim::cli
