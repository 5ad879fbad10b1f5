// `opsim cluster-bench`: the figures of the cluster capability, measured on this machine by
// running opsim itself as a batch job would: wall time of `mpirun -np R opsim run` per rank
// count (with and without the HDF5 output), trial-range shards run one after another plus
// `opsim merge` against one run, and the variance reduction of paired comparisons.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <span>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/base/error.hpp"
#include "sim/base/stopwatch.hpp"
#include "sim/cli/cli.hpp"
#include "sim/cli/cli_support.hpp"
#include "sim/engine/compare.hpp"
#include "sim/engine/runner.hpp"
#include "sim/io/output.hpp"
#include "sim/io/output_files.hpp"
#include "sim/io/scenario_loader.hpp"

extern char** environ;

namespace opsim::cli {

namespace {

struct ClusterBenchArgs {
  std::string scenario;
  std::uint64_t trials = 512;
  std::optional<std::uint64_t> seed;
  std::vector<int> ranks{1, 2};
  int shards = 2;
  int repeat = 1;
  std::vector<std::string> compare;
  std::uint64_t compare_trials = 2000;
  std::string work_dir;
  std::string json;
  bool force = false;
};

std::string find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream folders(path ? path : "");
  for (std::string folder; std::getline(folders, folder, ':');) {
    const auto candidate = std::filesystem::path(folder.empty() ? "." : folder) / program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

//! Runs `argv` with its output in `log`; returns its wall time. A failure is opsim's (exit 1),
//! with the end of the child's output.
double timed_child(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> pointers;
  for (const auto& a : argv) pointers.push_back(const_cast<char*>(a.c_str()));
  pointers.push_back(nullptr);
  const Stopwatch clock;
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, pointers[0], &actions, nullptr, pointers.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  while (spawned == 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const double seconds = clock.seconds();
  if (spawned != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::ifstream in(log);
    std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (output.size() > 2000) output = "..." + output.substr(output.size() - 2000);
    const std::string why = spawned != 0 ? std::strerror(spawned)
                            : WIFSIGNALED(status)
                                ? fmt::format("killed by signal {}", WTERMSIG(status))
                                : fmt::format("exit code {}", WEXITSTATUS(status));
    throw_internal("cluster-bench: `{}` failed ({}):\n{}", fmt::join(argv, " "), why, output);
  }
  return seconds;
}

//! Fastest of `repeat` runs.
double fastest(int repeat, const std::vector<std::string>& argv, const std::filesystem::path& log) {
  double best = timed_child(argv, log);
  for (int i = 1; i < repeat; ++i) best = std::min(best, timed_child(argv, log));
  return best;
}

bool same_bits(std::span<const double> a, std::span<const double> b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

//! Every per-trial value and moment node of two result files, bit for bit.
bool same_datasets(const std::string& a, const std::string& b, const ResultLayout& layout) {
  const RunResult x = read_result(a, layout), y = read_result(b, layout);
  if (!same_bits(x.period_values, y.period_values) || !same_bits(x.seat_values, y.seat_values) ||
      !same_bits(x.product_values, y.product_values))
    return false;
  const auto& nx = x.monthly_moments.nodes();
  const auto& ny = y.monthly_moments.nodes();
  if (nx.size() != ny.size()) return false;
  for (std::size_t i = 0; i < nx.size(); ++i) {
    if (!same_bits(nx[i].mean, ny[i].mean) || !same_bits(nx[i].m2, ny[i].m2)) return false;
  }
  return true;
}

struct RankTiming {
  int ranks = 0;
  double compute_seconds = 0;  //!< without output files
  double output_seconds = 0;   //!< with -o
  bool identical = false;
};

void cluster_bench_command(const ClusterBenchArgs& args) {
  const Scenario scenario = load_scenario(args.scenario);
  OutputPlan plan(args.force);
  add_scenario_inputs(plan, scenario);
  plan.add_output(args.json, "--json");
  plan.check();
#ifndef OPSIM_HAVE_MPI
  throw_input(
      "cluster-bench: this opsim was built without MPI (install openmpi-bin libopenmpi-dev and "
      "rebuild)");
#endif
  if (std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr) {
    throw_input(
        "cluster-bench: run it directly, not under mpirun or srun (it starts mpirun itself)");
  }
  const std::string mpirun = find_on_path("mpirun");
  if (mpirun.empty())
    throw_input("cluster-bench: mpirun is not on PATH (Debian package openmpi-bin)");
  if (args.shards < 1 || static_cast<std::uint64_t>(args.shards) > args.trials) {
    throw_input("--shards {}: must be between 1 and --trials ({})", args.shards, args.trials);
  }
  const std::uint64_t seed = args.seed.value_or(scenario.simulation.seed);
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  const std::string scenario_path = recorded_path(args.scenario);
  const std::filesystem::path base = args.work_dir.empty() ? std::filesystem::temp_directory_path()
                                                           : std::filesystem::path(args.work_dir);
  // The work folder must be an existing folder (review: a missing one, or a file, was an
  // internal error).
  if (!args.work_dir.empty() && !std::filesystem::is_directory(base)) {
    throw_input(
        "--work-dir {}: {}", args.work_dir,
        std::filesystem::exists(base) ? "is not a folder" : "no such folder (create it first)");
  }
  const std::filesystem::path dir = base / fmt::format("opsim-cluster-bench-{}", getpid());
  // Its own folder, so that removing it at the end removes only what this run wrote.
  std::error_code created;
  if (!std::filesystem::create_directory(dir, created)) {
    if (created)
      throw_input("--work-dir {}: cannot create a folder in it: {}", base.string(),
                  created.message());
    throw_input("cluster-bench: {} already exists; remove it or choose another --work-dir",
                dir.string());
  }
  struct Cleanup {
    std::filesystem::path dir;
    bool keep = false;  // results that differ stay for inspection
    ~Cleanup() {
      std::error_code ignored;
      if (!keep) std::filesystem::remove_all(dir, ignored);
    }
  } cleanup{dir};
  const ResultLayout layout(scenario);
  const std::string trials = std::to_string(args.trials), seed_text = std::to_string(seed);
  // --force: a configuration repeated (--repeat) rewrites its file in this run's own folder.
  const std::vector<std::string> run{self,     "run",     scenario_path, "-q", "--trials", trials,
                                     "--seed", seed_text, "--threads",   "1",  "--force"};
  const auto with = [](std::vector<std::string> argv, std::initializer_list<std::string> more) {
    argv.insert(argv.end(), more);
    return argv;
  };
  const long cores = std::max(1L, sysconf(_SC_NPROCESSORS_ONLN));
  const std::filesystem::path log = dir / "child.log";
  fmt::print("cluster-bench: {} trials of {}, seed {}, 1 thread per rank, {} core(s)\n",
             args.trials, scenario.name, seed, cores);

  // MPI ranks.
  std::vector<RankTiming> timings;
  for (int r : args.ranks) {
    // Open MPI counts slots per physical core, so the flag is always given.
    std::vector<std::string> launch{mpirun, "--oversubscribe", "-np", std::to_string(r)};
    launch.insert(launch.end(), run.begin(), run.end());
    RankTiming t;
    t.ranks = r;
    t.compute_seconds = fastest(args.repeat, launch, log);
    const std::string file = (dir / fmt::format("ranks{}.h5", r)).string();
    t.output_seconds = fastest(args.repeat, with(launch, {"-o", file}), log);
    t.identical =
        timings.empty() ||
        same_datasets((dir / fmt::format("ranks{}.h5", args.ranks.front())).string(), file, layout);
    timings.push_back(t);
    const RankTiming& first = timings.front();
    fmt::print(
        "  mpirun -np {:<3} run: {:7.2f} s ({:.2f}x)   with -o: {:7.2f} s ({:.2f}x)   datasets "
        "{}\n",
        r, t.compute_seconds, first.compute_seconds / t.compute_seconds, t.output_seconds,
        first.output_seconds / t.output_seconds, t.identical ? "identical" : "DIFFER");
  }

  // Shards run one after another (as array tasks on one core would), then merged.
  const std::string single = (dir / "single.h5").string();
  const double single_seconds = fastest(args.repeat, with(run, {"-o", single}), log);
  double shard_total = 0, shard_longest = 0;
  std::vector<std::string> merge{self, "merge", "-q", "--force"};
  for (int k = 0; k < args.shards; ++k) {
    const std::uint64_t a =
        args.trials * static_cast<std::uint64_t>(k) / static_cast<std::uint64_t>(args.shards);
    const std::uint64_t b =
        args.trials * static_cast<std::uint64_t>(k + 1) / static_cast<std::uint64_t>(args.shards);
    const std::string file = (dir / fmt::format("shard{}.h5", k)).string();
    const double seconds = fastest(
        args.repeat, with(run, {"--trial-range", fmt::format("{}:{}", a, b), "-o", file}), log);
    shard_total += seconds;
    shard_longest = std::max(shard_longest, seconds);
    merge.push_back(file);
  }
  const std::string merged = (dir / "merged.h5").string();
  const double merge_seconds = fastest(args.repeat, with(merge, {"-o", merged}), log);
  const bool merge_identical = same_datasets(single, merged, layout);
  fmt::print(
      "  {} shards: {:.2f} s in all (longest {:.2f} s) + merge {:.2f} s vs one run {:.2f} s: "
      "overhead {:+.1f}% "
      "of work, wall {:.2f}x with the shards in parallel; datasets {}\n",
      args.shards, shard_total, shard_longest, merge_seconds, single_seconds,
      100 * ((shard_total + merge_seconds) / single_seconds - 1),
      single_seconds / (shard_longest + merge_seconds), merge_identical ? "identical" : "DIFFER");

  // Paired comparisons, in this process.
  nlohmann::json comparisons = nlohmann::json::array();
  if (!args.compare.empty()) {
    RunOptions options;
    options.end_trial = args.compare_trials;
    options.seed = seed;
    options.threads = 0;
    const RunResult base_run = run_trials(scenario, options);
    for (const auto& path : args.compare) {
      const Scenario alt = load_scenario(path);
      require_comparable(scenario, alt);
      const RunResult paired = run_trials(alt, options);
      RunOptions independent_options = options;
      independent_options.seed = independent_seed(seed);
      const RunResult independent = run_trials(alt, independent_options);
      const ScenarioComparison c =
          compare_paired(alt.name, base_run, paired, independent, metric_index("new_bookings"));
      // Company total of each fiscal year.
      for (std::size_t p = 0; p < layout.periods.size(); ++p) {
        if (layout.periods[p].quarter != 0) continue;
        const PairedCell& x = c.cells[(p * layout.regions + layout.regions - 1) * layout.segments +
                                      layout.segments - 1];
        fmt::print(
            "  compare {} vs {}, {} total new bookings ({} trials): variance reduction {} "
            "(paired SE {:.0f}, independent SE {:.0f})\n",
            path, args.scenario, layout.periods[p].label, args.compare_trials,
            std::isnan(x.variance_reduction) ? std::string("undefined (identical)")
                                             : fmt::format("{:.0f}x", x.variance_reduction),
            x.se, x.se_independent);
        comparisons.push_back({{"alternative", path},
                               {"period", layout.periods[p].label},
                               {"variance_reduction", x.variance_reduction},
                               {"se_paired", x.se},
                               {"se_independent", x.se_independent}});
      }
    }
  }

  if (!args.json.empty()) {
    nlohmann::json report{
        {"scenario", scenario_path}, {"trials", args.trials}, {"seed", seed}, {"cores", cores}};
    for (const auto& t : timings) {
      report["ranks"].push_back({{"ranks", t.ranks},
                                 {"seconds", t.compute_seconds},
                                 {"seconds_with_output", t.output_seconds},
                                 {"identical", t.identical}});
    }
    report["sharding"] = {{"shards", args.shards},
                          {"shard_seconds_total", shard_total},
                          {"shard_seconds_longest", shard_longest},
                          {"merge_seconds", merge_seconds},
                          {"single_seconds", single_seconds},
                          {"identical", merge_identical}};
    report["comparisons"] = comparisons;
    write_text_file(args.json, [&](std::ostream& out) { out << report.dump(2) << "\n"; });
  }
  const bool all_identical =
      merge_identical &&
      std::all_of(timings.begin(), timings.end(), [](const RankTiming& t) { return t.identical; });
  if (!all_identical) {
    cleanup.keep = true;
    throw_internal(
        "cluster-bench: a distributed result differs from the single run (files kept in {})",
        dir.string());
  }
}

}  // namespace

void add_cluster_bench_command(CLI::App& app) {
  auto args = std::make_shared<ClusterBenchArgs>();
  auto* bench = app.add_subcommand(
      "cluster-bench",
      "Time mpirun rank counts, trial-range shards + merge, and paired comparisons");
  bench->add_option("scenario", args->scenario, "Scenario file (JSON, schema_version 1 or 2)")
      ->required();
  add_trials_option(bench, args->trials, "Trials per run")->capture_default_str();
  add_seed_option(bench, args->seed);
  bench
      ->add_option("--ranks", args->ranks,
                   "MPI rank counts, comma-separated (the first is the reference)")
      ->delimiter(',')
      ->check(within(1, 1024))
      ->capture_default_str();
  bench->add_option("--shards", args->shards, "Trial-range shards to run and merge")
      ->check(within(1, 1024))
      ->capture_default_str();
  bench->add_option("--repeat", args->repeat, "Runs per configuration; the fastest counts")
      ->check(within(1, 100))
      ->capture_default_str();
  bench
      ->add_option("--compare", args->compare,
                   "Alternative scenarios to compare with SCENARIO, paired")
      ->type_name("SCENARIO.json")
      ->expected(1, CLI::detail::expected_max_vector_size);
  bench
      ->add_option("--compare-trials", args->compare_trials,
                   "Trials per scenario of the comparisons")
      ->check(within(2ULL, 100'000'000ULL))
      ->capture_default_str();
  bench->add_option("--work-dir", args->work_dir,
                    "Folder for the temporary result files (default: the system temp folder)");
  bench->add_option("--json", args->json, "Also write the figures as JSON to this file")
      ->check(output_path());
  add_force_flag(bench, args->force);
  bench->callback([args] { cluster_bench_command(*args); });
}

}  // namespace opsim::cli
