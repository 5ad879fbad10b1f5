// `opsim run` and `opsim validate`.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "sim/cli.hpp"
#include "sim/cli_support.hpp"
#include "sim/error.hpp"
#include "sim/output.hpp"
#include "sim/runner.hpp"
#include "sim/scenario_loader.hpp"
#include "sim/summary.hpp"

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
  bool quiet = false;
};

void run_command(const RunArgs& args, const std::string& command_line) {
  Scenario scenario = load_scenario(args.scenario);
  const std::uint64_t trials = args.trials.value_or(scenario.simulation.trials);
  const std::uint64_t seed = args.seed.value_or(scenario.simulation.seed);
  const int threads = resolve_threads(args.threads.value_or(scenario.simulation.threads));
  for (const std::string* path : {&args.output, &args.summary_json}) {
    if (!path->empty()) require_parent_folder(*path);
  }
  if (!args.csv_dir.empty()) require_parent_folder(args.csv_dir);

  const ResultLayout layout(scenario);
  const std::uint64_t limit = args.max_memory.empty() ? default_memory_limit() : parse_size(args.max_memory, "--max-memory");
  const std::uint64_t estimate = estimate_memory(layout, trials, args.keep_trials, threads);
  if (!args.quiet) {
    fmt::print(stderr, "opsim: {} trials, seed {}, {} threads; memory estimate {} (limit {})\n", trials, seed,
               threads, format_size(estimate), format_size(limit));
  }
  if (estimate > limit) {
    throw_input("the run needs about {} but --max-memory allows {} (fewer --trials, no --keep-trials, or raise --max-memory)",
                format_size(estimate), format_size(limit));
  }

  RunOptions options;
  options.end_trial = trials;
  options.seed = seed;
  options.threads = threads;
  options.keep_monthly = args.keep_trials;
  ProgressBar progress(trials, !args.quiet);
  options.progress = [&](std::uint64_t done) { progress.update(done); };
  const RunResult result = run_trials(scenario, options);
  progress.finish();
  const Summary summary = summarise(scenario, result);

  Provenance provenance{command_line, seed, scenario.sha256, scenario.name};
  if (!args.output.empty()) write_hdf5(args.output, scenario, result, &summary, provenance);
  if (!args.summary_json.empty()) write_summary_json(args.summary_json, scenario, summary, provenance);
  if (!args.csv_dir.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(args.csv_dir, ignored);
    write_csv(args.csv_dir, scenario, summary);
  }
  if (!args.quiet) fmt::print("{}", format_summary_table(scenario, summary));
}

}  // namespace

void add_run_commands(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  auto* run = app.add_subcommand("run", "Simulate a scenario and summarise the forecast distributions");
  run->add_option("scenario", args->scenario, "Scenario file (JSON, schema_version 1)")->required();
  run->add_option("-o,--output", args->output, "Write the full results to this HDF5 file");
  run->add_option("--trials", args->trials, "Number of trials (overrides the scenario)")->check(CLI::Range(1ULL, 100'000'000ULL));
  run->add_option("--seed", args->seed, "Random seed (overrides the scenario)");
  run->add_option("--threads", args->threads, "Worker threads, 0 = all cores")->check(CLI::Range(0, 1024));
  run->add_flag("--keep-trials", args->keep_trials, "Keep the monthly per-trial series (exact monthly quantiles)");
  run->add_option("--max-memory", args->max_memory, "Refuse to start above this memory estimate (e.g. 4G)");
  run->add_option("--summary-json", args->summary_json, "Write the summary as JSON");
  run->add_option("--csv", args->csv_dir, "Write summary CSV files into this folder");
  run->add_flag("-q,--quiet", args->quiet, "No progress or table");
  run->callback([args, run] { run_command(*args, command_line_of(run)); });

  auto scenario = std::make_shared<std::string>();
  auto* validate = app.add_subcommand("validate", "Check a scenario file without simulating");
  validate->add_option("scenario", *scenario, "Scenario file")->required();
  validate->callback([scenario] {
    const Scenario s = load_scenario(*scenario);
    fmt::print("{}: valid ({} regions, {} segments, {} seats, {} open deals, {} contracts, {} months)\n", *scenario,
               s.region_count(), s.segment_count(), s.seats.size(), s.pipeline.deals.size(), s.contracts.size(),
               s.months());
  });
}

}  // namespace opsim::cli
