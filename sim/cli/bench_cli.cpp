// `opsim bench`: engine throughput and scaling next to the sampling floor, and memory.
#include <algorithm>
#include <fstream>
#include <optional>

#include <fmt/format.h>

#include "sim/base/error.hpp"
#include "sim/cli/cli.hpp"
#include "sim/cli/cli_support.hpp"
#include "sim/engine/results.hpp"
#include "sim/io/output.hpp"
#include "sim/io/output_files.hpp"
#include "sim/io/scenario_loader.hpp"
#include "sim/workflows/bench.hpp"

namespace opsim::cli {

namespace {

struct BenchArgs {
  std::string scenario;
  std::optional<std::uint64_t> trials;
  std::optional<std::uint64_t> seed;
  std::vector<int> threads{1, 2};
  int repeat = 1;
  double min_seconds = 5.0;
  std::string max_memory;
  std::string json;
  bool force = false;
};

void bench_command(const BenchArgs& args) {
  const Scenario scenario = load_scenario(args.scenario);
  OutputPlan plan(args.force);
  add_scenario_inputs(plan, scenario);
  plan.add_output(args.json, "--json");
  plan.check();
  BenchOptions options;
  options.seed = args.seed.value_or(scenario.simulation.seed);
  options.threads = args.threads;
  options.repeat = args.repeat;
  const std::uint64_t limit = memory_limit(args.max_memory);
  // The first configuration's results stay alive (for the identity check) while the others run.
  const int most = *std::max_element(options.threads.begin(), options.threads.end());
  const ResultLayout layout(scenario);
  auto needs = [&](std::uint64_t trials) {
    return estimate_memory(layout, trials, false, options.threads.front()) +
           estimate_memory(layout, trials, false, most);
  };
  if (args.trials) {
    options.trials = *args.trials;
  } else {
    // A calibrated size gives way to the memory limit; an explicit --trials does not.
    options.trials = calibrate_trials(scenario, options.seed, args.min_seconds);
    while (options.trials > 128 && needs(options.trials) > limit) {
      options.trials = std::max<std::uint64_t>(128, options.trials / 2 / 64 * 64);
    }
  }
  const std::uint64_t estimate = needs(options.trials);
  if (estimate > limit) {
    throw_input(
        "the benchmark needs about {} for {} trials but --max-memory allows {} (fewer --trials or "
        "raise --max-memory)",
        format_size(estimate), options.trials, format_size(limit));
  }

  const BenchReport report = run_benchmark(scenario, options);
  fmt::print("{}", format_bench_report(report));
  if (!args.json.empty()) {
    write_text_file(args.json,
                    [&](std::ostream& out) { out << bench_report_json(report).dump(2) << "\n"; });
  }
}

}  // namespace

void add_bench_commands(CLI::App& app) {
  auto args = std::make_shared<BenchArgs>();
  auto* bench = app.add_subcommand(
      "bench", "Measure engine throughput per thread count against the sampling floor, and memory");
  bench->add_option("scenario", args->scenario, "Scenario file (JSON, schema_version 1 or 2)")
      ->required();
  add_trials_option(bench, args->trials,
                    "Trials per run (default: about --min-seconds at 1 thread)");
  bench
      ->add_option("--threads-list", args->threads,
                   "Thread counts to run, comma-separated (1 first)")
      ->delimiter(',')
      ->check(within(1, 1024))
      ->capture_default_str();
  add_seed_option(bench, args->seed);
  bench->add_option("--repeat", args->repeat, "Runs per configuration; the fastest counts")
      ->check(within(1, 100))
      ->capture_default_str();
  bench
      ->add_option("--min-seconds", args->min_seconds,
                   "Target length of the 1-thread run when sizing trials")
      ->check(seconds_between(0.1, 3600))
      ->capture_default_str();
  add_max_memory_option(bench, args->max_memory);
  bench->add_option("--json", args->json, "Also write the figures as JSON to this file")
      ->check(output_path());
  add_force_flag(bench, args->force);
  bench->callback([args] { bench_command(*args); });
}

}  // namespace opsim::cli
