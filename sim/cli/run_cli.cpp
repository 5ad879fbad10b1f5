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
#include <fmt/ranges.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include "models/input_summary.hpp"
#include "sim/base/error.hpp"
#include "sim/base/grouped.hpp"
#include "sim/base/random.hpp"
#include "sim/cli/cli.hpp"
#include "sim/cli/cli_support.hpp"
#include "sim/engine/mpi_support.hpp"
#include "sim/engine/runner.hpp"
#include "sim/engine/summary.hpp"
#include "sim/io/cost_loader.hpp"
#include "sim/io/csv.hpp"
#include "sim/io/deal_export.hpp"
#include "sim/io/input_summary_output.hpp"
#include "sim/io/json_text.hpp"
#include "sim/io/number_format.hpp"
#include "sim/io/output.hpp"
#include "sim/io/output_files.hpp"
#include "sim/io/plan_loader.hpp"
#include "sim/io/scenario_document.hpp"
#include "sim/io/scenario_loader.hpp"
#include "sim/io/summary_text.hpp"
#include "sim/io/xlsx.hpp"
#include "sim/workflows/checkpoint.hpp"

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
  bool detail = false;
  std::string xlsx;
  bool force = false;
};

struct OutputArgs {
  std::string output;
  std::string summary_json;
  std::string csv_dir;
  bool quiet = false;
  bool detail = false;
  std::string xlsx;
  bool force = false;  //!< --force: existing output files may be replaced
};

//! "A:B" -> [A, B) within [0, trials]: whole trial indices in digits, as --trials takes (review:
//! "0:5e1", "0:50.0" and "0:+50" were taken, and "0:49.7" refused without saying why).
std::pair<std::uint64_t, std::uint64_t> parse_trial_range(const std::string& text,
                                                          std::uint64_t trials) {
  const auto colon = text.find(':');
  const auto first =
      colon == std::string::npos ? std::nullopt : whole_in_digits(text.substr(0, colon));
  const auto end =
      colon == std::string::npos ? std::nullopt : whole_in_digits(text.substr(colon + 1));
  if (!first || !end) {
    throw_input(
        "--trial-range: \"{}\" is not a range A:B of trial indices (whole numbers in digits, "
        "e.g. 0:{})",
        text, std::min<std::uint64_t>(trials, 1000));
  }
  if (*end <= *first || *end > trials) {
    throw_input(
        "--trial-range: \"{}\" is not a range A:B of trial indices with 0 <= A < B <= {} (the "
        "run's trials)",
        text, trials);
  }
  return {*first, *end};
}

//! Registers the outputs of a complete run (or a shard: -o only).
void add_outputs(OutputPlan& plan, const OutputArgs& out) {
  plan.add_output(out.output, "-o", OutputKind::seekable);
  plan.add_output(out.summary_json, "--summary-json");
  plan.add_output_folder(out.csv_dir, "--csv", run_csv_names());
  plan.add_output(out.xlsx, "--xlsx", OutputKind::seekable);
}

//! Writes the requested outputs of a complete run (trials [0, N)).
void write_outputs(const Scenario& scenario, const RunResult& result, const Provenance& provenance,
                   const OutputArgs& out) {
  const Summary summary = summarise(scenario, result);
  if (!out.output.empty()) write_hdf5(out.output, scenario, result, &summary, provenance);
  if (!out.summary_json.empty())
    write_summary_json(out.summary_json, scenario, summary, provenance);
  if (!out.xlsx.empty()) write_workbook(out.xlsx, run_workbook(scenario, summary));
  if (!out.csv_dir.empty()) write_csv(out.csv_dir, scenario, summary);
  if (!out.quiet) {
    // On stderr, beside the memory estimate: the summary on stdout stays one screen.
    for (const auto& note : scenario.notes)
      fmt::print(stderr, "{}\n", wrap_words("opsim: note: " + note, 100, 2));
    fmt::print("{}", out.detail ? format_detail_table(scenario, summary)
                                : format_summary_table(scenario, summary));
  }
}

struct ValidateArgs {
  std::string scenario;
  bool resolved = false;
  bool inputs = false;
  bool summary = false;
  std::string summary_json;
  std::string csv_dir;
  bool force = false;
};

void validate_command(const ValidateArgs& args) {
  const LoadedScenario loaded = load_planned_scenario(args.scenario, input_options());
  const Scenario& s = loaded.scenario;
  if (args.resolved) {
    fmt::print("{}\n", loaded.document.document.dump(2));
    return;
  }
  if (args.inputs) {
    for (const std::string& file : s.input_files) fmt::print("{}\n", file);
    return;
  }
  // What `quotas` and `capacity` refuse, the compensation plan's warnings, and what `compare`
  // and `sweep` refuse in the costs (review: validate passed a one-off outside the horizon).
  std::vector<std::string> plan_warnings;
  InputErrorCollector errors;
  errors.collect([&] { plan_warnings = check_plan_sections(loaded.document.document, s); });
  errors.collect([&] { (void)load_costs(s, loaded.document.document); });
  throw_plan_errors(errors);
  OutputPlan plan(args.force);
  add_scenario_inputs(plan, s);
  plan.add_output(args.summary_json, "--summary-json");
  plan.add_output_folder(args.csv_dir, "--csv", input_summary_csv_names());
  plan.check();
  auto count = [](std::size_t n, const char* noun) {
    return format_count(static_cast<long long>(n), noun);
  };
  fmt::print("{}: valid ({}, {}, {}, {}, {}, {})\n", args.scenario,
             count(static_cast<std::size_t>(s.region_count()), "region"),
             count(static_cast<std::size_t>(s.segment_count()), "segment"),
             count(s.seats.size(), "seat"), count(s.pipeline.deals.size(), "open deal"),
             count(s.contracts.size(), "contract"),
             count(static_cast<std::size_t>(s.months()), "month"));
  for (const auto& note : s.notes) fmt::print("note: {}\n", note);
  print_warnings(plan_warnings);
  if (!args.summary && args.summary_json.empty() && args.csv_dir.empty()) {
    print_warnings(s.warnings);
    return;
  }
  const InputSummary summary = summarise_inputs(s);
  if (args.summary) {
    fmt::print("\n{}", format_input_summary(summary, s.name.empty() ? args.scenario : s.name));
  } else {
    print_warnings(summary.warnings);
  }
  if (!args.summary_json.empty()) {
    write_text_file(args.summary_json, [&](std::ostream& out) {
      out << json_text(input_summary_json(summary), kResultDigits);
    });
  }
  if (!args.csv_dir.empty()) write_folder_files(args.csv_dir, input_summary_csv_files(summary));
}

void run_command(const RunArgs& args, const std::string& command_line) {
  // Every rank validates; an error on any rank is reported once and ends all of them.
  Scenario scenario;
  std::string document;  // the resolved scenario, for the results' provenance
  std::uint64_t trials = 0, seed = 0, first = 0, end = 0;
  int threads = 1;
  const OutputArgs out{args.output, args.summary_json, args.csv_dir, args.quiet || mpi::rank() != 0,
                       args.detail, args.xlsx,         args.force};
  mpi::collectively([&] {
    LoadedScenario loaded = load_scenario_and_document(args.scenario, input_options());
    scenario = std::move(loaded.scenario);
    document = loaded.document.document.dump(2);
    trials = args.trials.value_or(scenario.simulation.trials);
    seed = args.seed.value_or(scenario.simulation.seed);
    threads = mpi::threads_per_rank(args.threads.value_or(scenario.simulation.threads));
    std::tie(first, end) = args.trial_range.empty()
                               ? std::pair<std::uint64_t, std::uint64_t>{0, trials}
                               : parse_trial_range(args.trial_range, trials);
    const bool complete = first == 0 && end == trials;
    if (!complete && (!args.summary_json.empty() || !args.csv_dir.empty() || !args.xlsx.empty() ||
                      args.output.empty())) {
      throw_input(
          "--trial-range {}: a shard run writes only its HDF5 shard (-o SHARD.h5); "
          "summaries come from `opsim merge`",
          args.trial_range);
    }
    if (!args.export_deals.empty() && args.export_trial >= trials) {
      throw_input("--export-trial: {} is not a trial of this run (0..{})", args.export_trial,
                  trials - 1);
    }
    OutputPlan plan(args.force);
    add_scenario_inputs(plan, scenario);
    add_outputs(plan, out);
    plan.add_output(args.export_deals, "--export-deals");
    if (!args.checkpoint.empty()) Checkpoint(args.checkpoint).add_to(plan);
    plan.check();
    const std::uint64_t limit = memory_limit(args.max_memory);
    // Under MPI rank 0 also holds, while it gathers, the part of one other rank (gather_on_root).
    const std::uint64_t ranks = static_cast<std::uint64_t>(mpi::size());
    const std::uint64_t estimate =
        estimate_memory(ResultLayout(scenario), end - first, args.keep_trials, threads) +
        (ranks > 1 ? result_bytes_per_trial(ResultLayout(scenario), args.keep_trials) *
                         ((end - first + ranks - 1) / ranks)
                   : 0);
    if (mpi::rank() == 0) print_warnings(scenario.warnings);
    if (!out.quiet) {
      fmt::print(
          stderr,
          "opsim: trials [{}, {}) of {}, seed {}, {} rank(s) x {} threads; memory estimate "
          "{} (limit {}){}\n",
          first, end, trials, seed, mpi::size(), threads, format_size(estimate), format_size(limit),
          // The progress below is rank 0's (review: "1024/1500 trials" of 3000, unsaid).
          mpi::size() > 1
              ? fmt::format("; progress shows rank 0's share, {} trials",
                            format_grouped(static_cast<double>(mpi::share_of(first, end).second -
                                                               mpi::share_of(first, end).first)))
              : std::string());
    }
    if (estimate > limit) {
      throw_input(
          "the run needs about {} but --max-memory allows {} (fewer --trials, no --keep-trials, or "
          "raise --max-memory)",
          format_size(estimate), format_size(limit));
    }
  });

  Provenance provenance{command_line,
                        seed,
                        scenario.sha256,
                        scenario.name,
                        recorded_path(args.scenario),
                        trials,
                        std::move(document)};
  provenance.run_first_trial = first;
  provenance.run_end_trial = end;
  // Plain variables, not a structured binding: clang 14 (the fuzz build) cannot capture those.
  const auto share = mpi::share_of(first, end);
  const std::uint64_t my_first = share.first, my_end = share.second;

  std::optional<RunResult> done;
  std::optional<Checkpoint> checkpoint;
  if (!args.checkpoint.empty()) {
    checkpoint.emplace(args.checkpoint);
    note_checkpoint_in_use();
  }
  mpi::collectively([&] {
    ProgressBar progress(my_end - my_first, !out.quiet);
    RunOptions options;
    options.first_trial = my_first;
    options.end_trial = my_end;
    options.seed = seed;
    options.threads = threads;
    options.keep_monthly = args.keep_trials;
    options.progress = [&](std::uint64_t n) { progress.update(n); };
    done =
        run_checkpointed(scenario, provenance, options, checkpoint ? &*checkpoint : nullptr,
                         args.checkpoint_every, [&](std::uint64_t next) {
                           // The file this rank resumed from (review: rank 1 named rank 0's).
                           fmt::print(stderr, "opsim: resuming from trial {} ({})\n", next,
                                      checkpoint->single_file() ? checkpoint->rank_file(mpi::rank())
                                                                : args.checkpoint);
                         });
    progress.finish();
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
  // Once the outputs that replace it are in place.
  if (checkpoint)
    after_outputs_committed(
        [done_with = *checkpoint, first, end] { done_with.remove(first, end); });
}

//! `scenario_path`: the scenario the shards were made from, when it has moved since (else the
//! path the shards recorded).
void merge_command(const std::vector<std::string>& shards, const std::string& scenario_path,
                   const OutputArgs& out, const std::string& max_memory,
                   const std::string& command_line) {
  OutputPlan shard_plan(out.force);
  shard_plan.add_inputs(shards, "shard");
  add_outputs(shard_plan, out);
  shard_plan.check();
  // The same file given twice (review: reported as an overlap with no word of which shard).
  for (std::size_t i = 0; i < shards.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      std::error_code error;
      if (std::filesystem::equivalent(shards[i], shards[j], error)) {
        throw_input(
            "{}: the same file as {}, given before it (shards {} and {} of the list); give "
            "each shard once",
            shards[i], shards[j], j + 1, i + 1);
      }
    }
  }
  std::vector<ResultFileInfo> infos;
  for (const auto& path : shards) infos.push_back(read_result_info(path));
  const ResultFileInfo& reference = infos.front();
  // Every problem of every shard at once, whatever its kind (review: a foreign shard's seed
  // hid a gap, which took a rerun to learn of).
  std::vector<std::string> problems;
  for (const auto& info : infos) {
    auto differs = [&](const char* what, const std::string& a, const std::string& b) {
      if (a != b)
        problems.push_back(fmt::format(
            "{}: {} {} differs from {} in {}; shards of different runs cannot be merged", info.path,
            what, a, b, reference.path));
    };
    if (auto difference =
            inputs_difference(info.inputs, info.path, reference.inputs, reference.path))
      problems.push_back(*difference + "; shards made from different inputs cannot be merged");
    differs("scenario SHA-256", info.scenario_sha256, reference.scenario_sha256);
    differs("seed", std::to_string(info.seed), std::to_string(reference.seed));
    // The merged file records this opsim's scheme, so every shard must have been drawn with it.
    if (info.stream_version != kTrialStreamVersion) {
      problems.push_back(
          fmt::format("{}: written with random stream scheme {} but this opsim uses scheme {}; "
                      "results of different stream schemes cannot be merged (rerun the shard)",
                      info.path, info.stream_version, kTrialStreamVersion));
    }
    differs("opsim version", info.opsim_version, reference.opsim_version);
    differs("total trials", std::to_string(info.total_trials),
            std::to_string(reference.total_trials));
    differs("--keep-trials", std::to_string(info.keep_trials),
            std::to_string(reference.keep_trials));
  }
  std::sort(infos.begin(), infos.end(),
            [](const auto& a, const auto& b) { return a.first_trial < b.first_trial; });
  // Every gap and overlap at once (review: one at a time, a rerun for each).
  std::uint64_t covered = 0;
  const ResultFileInfo* previous = nullptr;
  for (const auto& info : infos) {
    if (info.first_trial > covered)
      problems.push_back(fmt::format("trials [{}, {}) are missing (next shard: {})", covered,
                                     info.first_trial, info.path));
    if (info.first_trial < covered)
      problems.push_back(fmt::format("{}: trials [{}, {}) overlap those of {} (trials [{}, {}))",
                                     info.path, info.first_trial, info.end_trial, previous->path,
                                     previous->first_trial, previous->end_trial));
    if (info.end_trial >= covered) {
      covered = info.end_trial;
      previous = &info;
    }
  }
  if (covered < reference.total_trials)
    problems.push_back(fmt::format("trials [{}, {}) are missing (after the last shard)", covered,
                                   reference.total_trials));
  if (problems.size() == 1)
    throw_input("shards of {} trials: {}", reference.total_trials, problems.front());
  if (!problems.empty()) {
    throw_input("shards of {} trials, {} problems:\n  {}", reference.total_trials, problems.size(),
                fmt::join(problems, "\n  "));
  }

  // Recorded as an absolute path, as a run records it (review: --scenario's was kept relative).
  // Without --scenario: the first path a shard recorded that exists (review: only the first
  // shard's was tried, though shards run on other machines may record others).
  std::string source =
      scenario_path.empty() ? reference.scenario_path : recorded_path(scenario_path);
  if (scenario_path.empty()) {
    for (const auto& info : infos) {
      if (std::error_code error; std::filesystem::exists(info.scenario_path, error)) {
        source = info.scenario_path;
        break;
      }
    }
  }
  if (scenario_path.empty() && !std::filesystem::exists(source)) {
    // Review: a scenario moved after the shards were written gave only "no such file".
    std::vector<std::string> recorded;
    for (const auto& info : infos) {
      if (std::find(recorded.begin(), recorded.end(), info.scenario_path) == recorded.end())
        recorded.push_back(info.scenario_path);
    }
    throw_input(
        "{}: no such file: the shards were made from this scenario; if it has moved, give its "
        "path with --scenario",
        fmt::join(recorded, ", "));
  }
  const LoadedScenario loaded = load_scenario_and_document(source, input_options());
  const Scenario& scenario = loaded.scenario;
  require_same_inputs(reference.inputs, reference.path, scenario.inputs,
                      "the scenario as it is now",
                      "the inputs changed since the shards were written");
  if (scenario.sha256 != reference.scenario_sha256) {
    throw_input("{}: {} (SHA-256 {} vs {})", source,
                scenario_path.empty() ? "the scenario file changed since the shards were written"
                                      : "not the scenario the shards were made from",
                scenario.sha256, reference.scenario_sha256);
  }
  OutputPlan plan(out.force);
  plan.add_inputs(shards, "shard");
  add_scenario_inputs(plan, scenario);
  add_outputs(plan, out);
  plan.check();
  const ResultLayout layout(scenario);
  // The shards' results and the merged one are held together: about two runs of the whole
  // trials, refused before reading any (review: a merge of a run that fitted ended in
  // "internal error: std::bad_alloc").
  {
    std::uint64_t trials = 0;
    for (const auto& info : infos) trials += info.end_trial - info.first_trial;
    const std::uint64_t limit = memory_limit(max_memory);
    const std::uint64_t one = estimate_memory(layout, trials, reference.keep_trials, 1);
    if (static_cast<double>(one) * 2 > static_cast<double>(limit)) {
      throw_input(
          "merge: the {} trials of the shards need about {} (the shards' results and the "
          "merged one: twice a run's {}), but {}: raise --max-memory, or merge on a machine "
          "with more memory",
          format_grouped(static_cast<double>(trials)), format_size(2 * one), format_size(one),
          max_memory.empty() ? fmt::format("the default allows {} ({})", format_size(limit),
                                           default_memory_limit_origin())
                             : fmt::format("--max-memory allows {}", format_size(limit)));
    }
  }
  std::vector<RunResult> parts;
  ProgressBar progress(infos.size(), !out.quiet, "shards");
  for (const auto& info : infos) {
    parts.push_back(read_result(info.path, layout));
    progress.update(parts.size());
  }
  progress.finish();
  const RunResult merged = merge_results(std::move(parts));
  const Provenance provenance{command_line,
                              reference.seed,
                              scenario.sha256,
                              scenario.name,
                              source,
                              reference.total_trials,
                              loaded.document.document.dump(2)};
  write_outputs(scenario, merged, provenance, out);
}

}  // namespace

void add_run_commands(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  auto* run =
      app.add_subcommand("run", "Simulate a scenario and summarise the forecast distributions");
  run->add_option("scenario", args->scenario, "Scenario file (JSON, schema_version 1 or 2)")
      ->required();
  add_output_option(run, args->output, "Write the full results to this HDF5 file");
  add_trials_option(run, args->trials);
  add_seed_option(run, args->seed);
  add_threads_option(run, args->threads);
  run->add_flag("--keep-trials", args->keep_trials,
                "Keep the monthly per-trial series (exact monthly quantiles)");
  add_max_memory_option(run, args->max_memory);
  add_summary_json_option(run, args->summary_json);
  add_csv_option(run, args->csv_dir);
  add_xlsx_option(run, args->xlsx);
  run->add_option("--trial-range", args->trial_range,
                  "Run only trials A:B and write them as a shard (-o)");
  CLI::Option* checkpoint =
      run->add_option("--checkpoint", args->checkpoint,
                      "Checkpoint: NAME.h5 (one file, rewritten) or a folder (a shard per chunk), "
                      "saved every --checkpoint-every trials; a rerun resumes from it")
          ->check(output_path());
  // Without a checkpoint it would change nothing (review: accepted in silence).
  run->add_option("--checkpoint-every", args->checkpoint_every,
                  "Trials between checkpoints (default 1,000)")
      ->check(within(1ULL, 100'000'000ULL))
      ->needs(checkpoint);
  CLI::Option* export_deals =
      run->add_option("--export-deals", args->export_deals,
                      "Write one trial's opportunities as a CSV that opsim calibrate reads")
          ->check(output_path());
  // Without --export-deals it would be ignored unsaid (review).
  run->add_option("--export-trial", args->export_trial,
                  "The trial --export-deals writes (default 0)")
      ->needs(export_deals)
      ->check(count_between(0, 999'999'999'999'999'999, "trials"));  // -1 wrapped to 2^64 - 1
  add_force_flag(run, args->force);
  add_quiet_flag(run, args->quiet);
  run->add_flag("--detail", args->detail,
                "Print every fiscal-year table, KPIs and target (default: a one-screen summary)");
  run->callback([args, run] { run_command(*args, command_line_of(run)); });

  auto shards = std::make_shared<std::vector<std::string>>();
  auto merge_out = std::make_shared<OutputArgs>();
  auto* merge =
      app.add_subcommand("merge", "Merge shard files of one run into the complete result");
  auto merge_scenario = std::make_shared<std::string>();
  auto merge_memory = std::make_shared<std::string>();
  merge->add_option("shards", *shards, "Shard files written by run --trial-range")->required();
  merge
      ->add_option("--scenario", *merge_scenario,
                   "The scenario the shards were made from, when it has moved since they were "
                   "written (default: the path they record); its content must be the same")
      ->check(CLI::ExistingFile);
  add_required_output_option(merge, merge_out->output, "Merged HDF5 file");
  add_summary_json_option(merge, merge_out->summary_json);
  add_csv_option(merge, merge_out->csv_dir);
  add_xlsx_option(merge, merge_out->xlsx);
  add_force_flag(merge, merge_out->force);
  add_quiet_flag(merge, merge_out->quiet);
  merge->add_flag("--detail", merge_out->detail, "Print every table (default: one screen)");
  add_max_memory_option(merge, *merge_memory);
  merge->callback([shards, merge_scenario, merge_out, merge_memory, merge] {
    merge_command(*shards, *merge_scenario, *merge_out, *merge_memory, command_line_of(merge));
  });

  auto validate_args = std::make_shared<ValidateArgs>();
  auto* validate = app.add_subcommand("validate", "Check a scenario file without simulating");
  validate->add_option("scenario", validate_args->scenario, "Scenario file")->required();
  validate->add_flag("--resolved", validate_args->resolved,
                     "Print the full scenario with its `extends` chain resolved (JSON)");
  validate->add_flag("--inputs", validate_args->inputs,
                     "Print every file the scenario reads, one path per line: the scenario, each "
                     "file it extends and each data file it names (scripts use it to keep results "
                     "off the inputs)");
  validate->add_flag("--summary", validate_args->summary,
                     "Print the inputs at a glance: seats, open pipeline, ARR, renewals, hires, "
                     "deal sizes and pipeline coverage of the first months");
  add_summary_json_option(validate, validate_args->summary_json, "Write the input summary as JSON");
  add_csv_option(validate, validate_args->csv_dir,
                 "Write the input summary's tables as CSV files into this folder (other files in "
                 "it are kept)");
  add_force_flag(validate, validate_args->force);
  validate->callback([validate_args] { validate_command(*validate_args); });
}

}  // namespace opsim::cli
