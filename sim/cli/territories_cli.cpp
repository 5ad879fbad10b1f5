// `opsim territories`: optimise an alignment; `territories evaluate`: score a given allocation;
// `territories generate`: write a synthetic accounts CSV; `territories bench`: the benchmark set.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include <fmt/format.h>

#include "models/territory/bound.hpp"
#include "models/territory/exact_cbc.hpp"
#include "models/territory/generate.hpp"
#include "models/territory/local_search.hpp"
#include "sim/base/error.hpp"
#include "sim/base/grouped.hpp"
#include "sim/base/stopwatch.hpp"
#include "sim/cli/cli.hpp"
#include "sim/cli/cli_support.hpp"
#include "sim/engine/runner.hpp"
#include "sim/io/output_files.hpp"
#include "sim/io/territory_io.hpp"

namespace opsim::cli {

namespace {

namespace fs = std::filesystem;
using namespace opsim::territory;
using namespace opsim::territory_io;

struct RunOptions {
  std::string input;
  std::string output;  //!< -o: none by default (opsim writes only to the paths named)
  std::string xlsx;    //!< --xlsx: the workbook (territory_workbook)
  std::string format = "auto";
  int territories = 0;
  std::string objective;
  std::string distance;
  std::string balance;
  std::string weight;
  std::string moved_measure;
  double max_moved = -1.0;
  double disruption_weight = -1.0;
  double time_limit = 60.0;
  double work_limit = 0.0;  //!< millions of evaluations over the search, 0 = none
  std::uint64_t seed = 1;
  int threads = 0;  //!< 0 = all cores
  int starts = 8;
  int max_idle = 0;
  int relink_rounds = 10;
  double target = NAN;
  bool exact = false;
  bool bound = false;        //!< --bound: a Lagrangian lower bound after the search
  double bound_time = 60.0;  //!< --bound-time: its seconds
  bool contiguity = false;
  bool quiet = false;
  bool force = false;  //!< --force: existing output files may be replaced
};

//! "potential=0.05,workload=0.1" -> pairs; a bare number applies to every attribute.
std::vector<std::pair<std::string, double>> parse_balance(const std::string& text) {
  std::vector<std::pair<std::string, double>> result;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    std::size_t equals = item.find('=');
    if (equals == std::string::npos)
      throw_input("--balance: '{}' is not NAME=TOLERANCE (e.g. potential=0.05,workload=0.05)",
                  item);
    std::string value = item.substr(equals + 1);
    char* stop = nullptr;
    double tolerance = std::strtod(value.c_str(), &stop);
    if (value.empty() || *stop != '\0')
      throw_input("--balance: '{}' in '{}' is not a number", value, item);
    // Review: "potential=0.1,potential=0.2" kept both rules, and 1.5 went without comment.
    if (!(tolerance >= 0 && tolerance <= 1))
      throw_input(
          "--balance: {} in '{}' is not allowed; allowed: a tolerance from 0 to 1 (0.1 "
          "keeps each territory within 10% of the mean)",
          value, item);
    const std::string name = item.substr(0, equals);
    for (const auto& [given, _] : result)
      if (given == name)
        throw_input("--balance: '{}' is given twice; allowed: one tolerance per attribute", name);
    result.emplace_back(name, tolerance);
    start = end + 1;
  }
  return result;
}

Overrides overrides_from(const RunOptions& o) {
  Overrides overrides;
  overrides.format = o.format;
  if (o.territories > 0) overrides.territories = o.territories;
  if (!o.objective.empty()) overrides.objective = parse_objective(o.objective, "--objective");
  if (!o.distance.empty()) overrides.distance = parse_distance(o.distance, "--distance");
  if (!o.balance.empty()) overrides.balance = parse_balance(o.balance);
  if (o.max_moved >= 0) overrides.max_moved = o.max_moved;
  if (o.disruption_weight >= 0) overrides.disruption_weight = o.disruption_weight;
  if (!o.moved_measure.empty()) overrides.disruption_measure = o.moved_measure;
  if (!o.weight.empty()) overrides.weight_attribute = o.weight;
  overrides.contiguity = o.contiguity;
  overrides.encoding = input_options().encoding;
  return overrides;
}

//! `progress` sees the starts finished (of o.starts).
SearchSettings search_settings(const RunOptions& o, ProgressBar* progress) {
  SearchSettings settings;
  if (progress) settings.progress = [progress](int starts) { progress->update(starts); };
  settings.seed = o.seed;
  settings.threads = o.threads;
  settings.starts = o.starts;
  settings.time_limit = o.time_limit;
  settings.work_limit = o.work_limit;
  settings.max_idle = o.max_idle;
  settings.relink_rounds = o.relink_rounds;
  if (!std::isnan(o.target)) settings.target = o.target;
  return settings;
}

//! Heuristic, then (with --exact) CBC warm-started from it; --time-limit covers both.
//! `progress` follows the heuristic's starts.
SearchResult solve(const Problem& problem, const Distances& distances, const RunOptions& o,
                   ProgressBar* progress = nullptr) {
  if (!o.exact) return optimise(problem, distances, search_settings(o, progress));
  const Stopwatch watch;
  RunOptions warm = o;
  warm.time_limit = std::min(o.time_limit / 4, 10.0);
  SearchResult heuristic = optimise(problem, distances, search_settings(warm, progress));
  ExactSettings exact;
  exact.time_limit = std::max(0.01, o.time_limit - heuristic.seconds);
  exact.threads = o.threads;
  if (heuristic.evaluation.feasible) exact.warm_start = heuristic.alignment;
  SearchResult result;
  try {
    result = solve_exact(problem, distances, exact);
  } catch (const InfeasibleError& e) {
    // CBC found no alignment in its time or proved there is none, and neither did the heuristic:
    // its closest alignment is the result, written and reported as infeasible (exit 3) as
    // without --exact (review: nothing was written). What CBC found is said first.
    if (heuristic.evaluation.feasible) throw;
    if (!o.quiet) fmt::print("exact: {}\n", e.what());
    heuristic.seconds = watch.seconds();
    return heuristic;
  }
  result.seconds += heuristic.seconds;
  result.work = heuristic.work;  // the warm start's evaluations (CBC counts none)
  result.time_to_best += heuristic.seconds;
  if (heuristic.evaluation.feasible)
    result.time_to_feasible = heuristic.time_to_feasible;
  else if (result.time_to_feasible)
    *result.time_to_feasible += heuristic.seconds;
  // CBC may stop at its limit with a worse incumbent than the heuristic's, or return one no
  // better (the cutoff admits ties): then the warm start is the result, found when the
  // heuristic found it.
  if (heuristic.evaluation.feasible) {
    const bool improved =
        result.evaluation.feasible && result.evaluation.objective < heuristic.evaluation.objective;
    result.improved_warm_start = improved;
    if (!improved) {
      result.alignment = heuristic.alignment;
      result.evaluation = heuristic.evaluation;
      result.time_to_best = heuristic.time_to_best;
    }
  }
  return result;
}

//! --bound: the Lagrangian lower bound (models/territory/bound.hpp) joins the result when it is
//! stronger than what the search proved, and the objective's distance to the optimum follows.
void add_lagrangian_bound(const Problem& problem, const Distances& distances, const RunOptions& o,
                          SearchResult& result) {
  BoundSettings settings;
  settings.threads = o.threads;
  settings.time_limit = o.bound_time;
  if (result.evaluation.feasible) settings.upper = result.evaluation.objective;
  const std::optional<LowerBound> bound = lagrangian_bound(problem, distances, settings);
  if (!bound) return;  // refused up front by check_bound_applies
  if (!o.quiet)
    fmt::print(
        "lagrangian bound: {} subgradient steps, {} knapsacks, {:.2f} s{}{}\n", bound->iterations,
        bound->exact_knapsacks ? "exact" : "LP", bound->seconds,
        bound->rounded_up ? ", rounded up to an integer (integer objective)" : "",
        bound->stopped_by_time ? "; stopped by --bound-time, a longer one may raise it" : "");
  if (result.best_bound && *result.best_bound >= bound->value) return;
  result.best_bound = bound->value;
  result.bound_method = "lagrangian";
  const double objective = result.evaluation.objective;
  result.proven_optimal = result.evaluation.feasible &&
                          objective <= bound->value + 1e-9 * std::max(1.0, std::abs(objective));
}

//! --bound on a problem the Lagrangian bound does not cover is bad input, refused before the
//! search.
void check_bound_applies(const Problem& problem, const std::string& input) {
  if (problem.objective != ObjectiveKind::compactness)
    throw_input("--bound: supports the compactness objective only");
  if (problem.distance == DistanceKind::none)
    throw_input("--bound: {} has no geography (distance none); the bound needs distances", input);
  if (problem.disruption.weight < 0)
    throw_input("--bound: a negative disruption weight is not allowed");
  if (problem.size() > kMaxBoundAccounts)
    throw_input("--bound: {} has {} accounts; allowed: at most {}", input, problem.size(),
                kMaxBoundAccounts);
}

//! The HDF5 file `output` and its CSV companions beside it (territory_io's write_alignment).
void add_alignment_outputs(OutputPlan& plan, const std::string& output) {
  if (output.empty()) return;
  const fs::path absolute = fs::absolute(output);
  const fs::path stem = absolute.parent_path() / absolute.stem();
  plan.add_output(output, "-o", OutputKind::seekable);
  plan.add_output(stem.string() + "_assignment.csv", "-o (assignment CSV)");
  plan.add_output(stem.string() + "_territories.csv", "-o (territory CSV)");
}

void run_alignment(RunOptions o) {
  o.threads = resolve_threads(o.threads);  // recorded as run, not as 0
  if (o.input.empty())
    throw_input("territories: INPUT is required (or a subcommand: bench, evaluate, generate)");
  if (o.starts < 1) throw_input("--starts: {} is not allowed; allowed: 1 or more", o.starts);
  if (o.relink_rounds < 0)
    throw_input("--relink-rounds: {} is not allowed; allowed: 0 or more", o.relink_rounds);
  if (!(o.time_limit > 0))
    throw_input("--time-limit: {} is not allowed; allowed: > 0 seconds", o.time_limit);
  if (!(o.bound_time > 0) || !std::isfinite(o.bound_time))
    throw_input("--bound-time: {} is not allowed; allowed: > 0 seconds", o.bound_time);
  if (!(o.work_limit >= 0) || !std::isfinite(o.work_limit))
    throw_input("--work-limit: {} is not allowed; allowed: >= 0 (millions of evaluations)",
                o.work_limit);
  Instance instance = load_instance(o.input, overrides_from(o));
  check_bounds_feasible(instance.problem, o.input);
  // plan.check() refuses an unusable output (a missing folder included) before the search.
  OutputPlan plan(o.force);
  plan.add_input(o.input, "INPUT");
  plan.add_inputs(instance.input_files, "input of " + o.input);
  add_alignment_outputs(plan, o.output);
  plan.add_output(o.xlsx, "--xlsx", OutputKind::seekable);
  plan.check();
  // Unsupported problems are refused before any work, naming the input (review: locks were
  // refused after the heuristic's warm start, named by the file's stem).
  if (o.exact) check_exact_supported(instance.problem, o.input);
  if (o.bound) check_bound_applies(instance.problem, o.input);
  Distances distances(instance.problem);
  ProgressBar progress(static_cast<std::uint64_t>(o.starts), !o.quiet, "starts");
  progress.set_time_limit(o.time_limit);
  SearchResult result = solve(instance.problem, distances, o, &progress);
  progress.finish();
  if (o.bound) add_lagrangian_bound(instance.problem, distances, o, result);
  RunInfo info{o.input,     o.seed, o.threads, o.starts, o.time_limit, instance.reference,
               o.work_limit};
  if (!o.output.empty()) write_alignment(o.output, instance.problem, result, info);
  if (!o.xlsx.empty()) write_workbook(o.xlsx, territory_workbook(instance.problem, result));
  if (!o.quiet)
    fmt::print("{}{}", format_report(instance.problem, result, info),
               o.output.empty() ? "" : fmt::format("wrote {}\n", o.output));
  // The best infeasible alignment is written for inspection, but the run did not succeed.
  if (!result.evaluation.feasible)
    throw_infeasible(
        "{}: no feasible alignment found (violated: {}){}", o.input,
        violation_details(instance.problem, result.alignment, result.evaluation),
        o.output.empty() ? std::string() : fmt::format("; {} holds the closest one", o.output));
}

void add_problem_options(CLI::App* app, RunOptions& o) {
  app->add_option("--format", o.format, "Input format: auto, scenario, csv, pmedcap, sjc, graphml");
  app->add_option("--territories,-p", o.territories, "Number of territories p")
      ->check(positive_number());
  app->add_option("--objective", o.objective,
                  "compactness (p-median) or dispersion (max diameter)");
  app->add_option("--distance", o.distance, "euclidean, euclidean_floor, haversine, graph, none");
  app->add_option("--balance", o.balance, "Tolerances, e.g. potential=0.05,workload=0.05");
  app->add_option("--weight", o.weight, "Attribute weighting the compactness distances");
  app->add_option("--max-moved", o.max_moved, "Hard cap on the moved fraction (0..1)")
      ->check(fraction());
  app->add_option("--disruption-weight", o.disruption_weight, "Objective cost per moved unit")
      ->check(non_negative_number());
  app->add_option("--moved-measure", o.moved_measure, "accounts (default) or an attribute");
  app->add_flag("--contiguity", o.contiguity,
                "Territories must be connected in the adjacency graph");
}

// ---- bench -------------------------------------------------------------------------------------

struct BenchOptions {
  std::string data;
  std::string only;
  double time_limit = 60.0;
  double work_limit = 0.0;
  int threads = 1;
  int relink_rounds = 10;
  std::uint64_t seed = 1;
  bool large = false;
  bool exact = true;
};

void bench_row(const std::string& name, const std::string& method, const SearchResult& r,
               std::optional<double> reference) {
  std::string gap =
      reference
          ? fmt::format("{:+.3f}%", 100.0 * (r.evaluation.objective - *reference) / *reference)
          : std::string("-");
  std::string bound = r.best_bound
                          ? format_grouped(*r.best_bound, 2) + (r.proven_optimal ? "*" : "")
                          : std::string("-");
  std::string feasible_at = r.time_to_feasible ? format_grouped(*r.time_to_feasible, 2) : "-";
  fmt::print("{:<14} {:<16} {:>14} {:>14} {:>9} {:>5} {:>13} {:>8} {:>8} {:>8}\n", name, method,
             format_grouped(r.evaluation.objective, 4),
             reference ? format_grouped(*reference, 4) : "-", gap,
             r.evaluation.feasible ? "yes" : "NO", bound, format_grouped(r.seconds, 2),
             format_grouped(r.time_to_best, 2), feasible_at);
  std::fflush(stdout);
}

void run_bench(const BenchOptions& o) {
  fs::path data = o.data.empty() ? fs::path("../shared/data/territory") : fs::path(o.data);
  if (!fs::is_directory(data))
    throw_input("--data: {} is not a directory (expected ../shared/data/territory)", data.string());
  auto wanted = [&](const std::string& set) {
    return o.only.empty() || o.only.find(set) != std::string::npos;
  };
  fmt::print("{:<14} {:<16} {:>14} {:>14} {:>9} {:>5} {:>13} {:>8} {:>8} {:>8}\n", "instance",
             "method", "objective", "reference", "gap", "feas", "bound", "seconds", "to best",
             "feasible");
  SearchSettings settings;
  settings.seed = o.seed;
  settings.threads = o.threads;
  settings.time_limit = o.time_limit;
  settings.work_limit = o.work_limit;
  settings.relink_rounds = o.relink_rounds;
  if (wanted("pmedcap")) {
    for (int k = 1; k <= 10; ++k) {
      fs::path file = data / "cpmp" / fmt::format("pmedcap{:02d}.txt", k);
      Instance instance = load_instance(file, {});
      Distances distances(instance.problem);
      SearchResult heuristic = optimise(instance.problem, distances, settings);
      bench_row(instance.problem.name, "vns", heuristic, instance.reference);
      if (o.exact) {
        ExactSettings exact;
        exact.time_limit = o.time_limit;
        if (heuristic.evaluation.feasible) exact.warm_start = heuristic.alignment;
        bench_row(instance.problem.name, "exact-cbc",
                  solve_exact(instance.problem, distances, exact), instance.reference);
      }
    }
  }
  if (wanted("sjc")) {
    for (const char* name : {"SJC1", "SJC2"}) {
      Instance instance = load_instance(data / "cpmp" / fmt::format("{}.txt", name), {});
      Distances distances(instance.problem);
      bench_row(name, "vns", optimise(instance.problem, distances, settings), instance.reference);
    }
  }
  if (wanted("dtdp")) {
    for (int g = 0; g <= 4; ++g) {
      fs::path file = data / "dtdp" / fmt::format("planar500_G{}.graphml", g);
      Instance instance = load_instance(file, {});
      Distances distances(instance.problem);
      SearchSettings one_core = settings;
      one_core.threads = 1;
      bench_row(instance.problem.name.substr(0, 14), "vns 1 thread",
                optimise(instance.problem, distances, one_core), instance.reference);
    }
  }
  auto scale = [&](int accounts, int territories, double limit) {
    GeneratorSettings generator;
    generator.accounts = accounts;
    generator.territories = territories;
    Problem problem = generate_instance(generator);
    validate(problem, problem.name);
    Distances distances(problem);
    SearchSettings big = settings;
    big.threads = std::max(2, o.threads);
    big.starts = big.threads;
    big.time_limit = limit;
    bench_row(fmt::format("gen{}k/{}", accounts / 1000, territories), "vns",
              optimise(problem, distances, big), {});
  };
  if (wanted("scale")) scale(10000, 100, 60.0);
  if (o.large) scale(250000, 1000, 600.0);
}

}  // namespace

void add_territories_commands(CLI::App& app) {
  auto* territories = app.add_subcommand("territories", "Optimise a territory alignment");
  auto options = std::make_shared<RunOptions>();
  territories->add_option("INPUT", options->input,
                          "Scenario JSON (territories section), accounts CSV, pmedcap/SJC .txt or "
                          "DTDP .graphml");
  add_problem_options(territories, *options);
  territories
      ->add_option("-o,--output", options->output,
                   "HDF5 output (CSV companions beside it); none without it")
      ->check(output_path());
  territories->add_option("--time-limit", options->time_limit, "Wall-clock seconds (default 60)")
      ->check(positive_number());
  territories->add_option(
      "--work-limit", options->work_limit,
      "Effort for the whole search in millions of evaluations (reproducible; 0 = none)");
  add_seed_option(territories, options->seed, "Random seed (default 1)");
  add_threads_option(territories, options->threads,
                     "Worker threads, 0 = all cores (default; a --work-limit result is the same "
                     "for any count)");
  territories->add_option("--starts", options->starts, "Multistart count (default 8)");
  territories
      ->add_option("--max-idle", options->max_idle,
                   "VNS iterations in a row without improvement that end a start (default 0: by "
                   "size, 300 up to 200 accounts, 150 up to 2,000, 20 up to 20,000, else 3)")
      ->check(non_negative_number());
  territories->add_option(
      "--relink-rounds", options->relink_rounds,
      "Rounds of path relinking between the best starts (default 10, 0 = none)");
  territories->add_option("--target", options->target,
                          "Stop once a feasible objective <= TARGET is found");
  territories->add_flag("--exact", options->exact, "Solve the p-median model with COIN-OR CBC");
  territories->add_flag("--bound", options->bound,
                        "After the search, prove a lower bound (Lagrangian relaxation) and say "
                        "how far above the optimum the alignment can be");
  territories->add_option("--bound-time", options->bound_time, "Seconds for --bound (default 60)");
  add_force_flag(territories, options->force);
  add_quiet_flag(territories, options->quiet);
  add_xlsx_option(territories, options->xlsx);
  territories->require_subcommand(0, 1);

  auto* evaluate_command = territories->add_subcommand("evaluate", "Evaluate a given allocation");
  auto eval_input = std::make_shared<std::string>();
  auto allocation = std::make_shared<std::string>();
  auto eval_output = std::make_shared<std::string>();
  auto eval_options = std::make_shared<RunOptions>();
  evaluate_command->add_option("INPUT", *eval_input, "Problem input")->required();
  evaluate_command
      ->add_option("--allocation", *allocation,
                   "Allocation: opsim's *_assignment.csv (id,territory[,centre]) or a JSON "
                   "{\"Allocation\": {territory: [account ids]}}")
      ->required();
  evaluate_command
      ->add_option("-o,--output", *eval_output,
                   "Also write the evaluation as HDF5 (CSV companions beside it)")
      ->check(output_path());
  add_problem_options(evaluate_command, *eval_options);
  add_force_flag(evaluate_command, eval_options->force);
  // -q as every command reads it (review: evaluate printed its report with --quiet).
  add_quiet_flag(evaluate_command, eval_options->quiet);
  add_xlsx_option(evaluate_command, eval_options->xlsx);
  evaluate_command->callback([eval_input, allocation, eval_output, eval_options] {
    Instance instance = load_instance(*eval_input, overrides_from(*eval_options));
    OutputPlan plan(eval_options->force);
    plan.add_input(*eval_input, "INPUT");
    plan.add_inputs(instance.input_files, "input of " + *eval_input);
    plan.add_input(*allocation, "--allocation");
    add_alignment_outputs(plan, *eval_output);
    plan.add_output(eval_options->xlsx, "--xlsx", OutputKind::seekable);
    plan.check();
    Distances distances(instance.problem);
    double published = NAN;
    SearchResult result;
    result.method = kGivenAllocation;
    result.alignment = read_allocation(*allocation, instance.problem, &published);
    choose_median_centres(instance.problem, distances, result.alignment);
    result.evaluation = evaluate(instance.problem, distances, result.alignment);
    RunInfo info{*eval_input, 0, 1, 0, 0.0, instance.reference};
    if (!eval_output->empty()) write_alignment(*eval_output, instance.problem, result, info);
    if (!eval_options->xlsx.empty())
      write_workbook(eval_options->xlsx, territory_workbook(instance.problem, result));
    if (eval_options->quiet) return;
    fmt::print("{}", format_report(instance.problem, result, info));
    if (!std::isnan(published)) fmt::print("published     {:.4f}\n", published);
    if (!eval_output->empty()) fmt::print("wrote {}\n", *eval_output);
  });

  auto* generate_command =
      territories->add_subcommand("generate", "Write a synthetic accounts CSV");
  auto generator = std::make_shared<GeneratorSettings>();
  auto generated = std::make_shared<std::string>();
  auto planar = std::make_shared<bool>(false);
  auto force_generated = std::make_shared<bool>(false);
  auto quiet_generated = std::make_shared<bool>(false);
  generate_command->add_option(
      "--accounts", generator->accounts,
      fmt::format("Number of accounts (default {})", format_grouped(generator->accounts)));
  add_seed_option(generate_command, generator->seed, "Random seed");
  generate_command->add_flag("--planar", *planar, "Planar x/y instead of lat/lon");
  add_required_output_option(generate_command, *generated, "CSV file");
  add_force_flag(generate_command, *force_generated);
  add_quiet_flag(generate_command, *quiet_generated);
  generate_command->callback([generator, generated, planar, force_generated, quiet_generated] {
    if (generator->accounts < 1)
      throw_input("--accounts: {} is not allowed; allowed: >= 1", generator->accounts);
    generator->geographic = !*planar;
    generator->territories = 1;
    Problem problem = generate_instance(*generator);
    std::string text =
        generator->geographic ? "id,lat,lon,potential,workload\n" : "id,x,y,potential,workload\n";
    for (const Account& a : problem.accounts)
      text += generator->geographic ? fmt::format("{},{:.6f},{:.6f},{},{}\n", a.id, a.y, a.x,
                                                  a.attributes[0], a.attributes[1])
                                    : fmt::format("{},{:.4f},{:.4f},{},{}\n", a.id, a.x, a.y,
                                                  a.attributes[0], a.attributes[1]);
    OutputPlan plan(*force_generated);
    plan.add_output(*generated, "-o");
    plan.check();
    write_text_file(*generated, [&](std::ostream& out) { out << text; });
    if (!*quiet_generated) fmt::print("wrote {} accounts to {}\n", problem.size(), *generated);
  });

  auto* bench_command =
      territories->add_subcommand("bench", "Run the benchmark set (pmedcap, SJC, DTDP, scale)");
  auto bench = std::make_shared<BenchOptions>();
  bench_command->add_option("--data", bench->data,
                            "Benchmark folder (default ../shared/data/territory)");
  bench_command->add_option("--only", bench->only, "Comma list of sets: pmedcap, sjc, dtdp, scale");
  bench_command->add_option("--time-limit", bench->time_limit, "Seconds per instance (default 60)")
      ->check(positive_number());
  bench_command->add_option("--threads", bench->threads, "Threads (DTDP always runs on 1)");
  add_seed_option(bench_command, bench->seed, "Random seed");
  bench_command->add_option(
      "--work-limit", bench->work_limit,
      "Effort per instance in millions of evaluations (reproducible; 0 = none)");
  bench_command->add_option(
      "--relink-rounds", bench->relink_rounds,
      "Rounds of path relinking between the best starts (default 10, 0 = none)");
  bench_command->add_flag("--large", bench->large, "Also run 250,000 accounts / 1,000 territories");
  bench_command->callback([bench] { run_bench(*bench); });

  territories->callback([territories, options] {
    if (!territories->get_subcommands().empty()) return;
    run_alignment(*options);
  });
}

}  // namespace opsim::cli
