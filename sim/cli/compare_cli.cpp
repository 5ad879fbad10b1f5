// `opsim compare` and `opsim sweep`: paired runs with common random numbers.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>

#include <H5Cpp.h>
#include <fmt/format.h>

#include "sim/base/error.hpp"
#include "sim/cli/cli.hpp"
#include "sim/cli/cli_support.hpp"
#include "sim/engine/compare.hpp"
#include "sim/engine/mpi_support.hpp"
#include "sim/io/csv.hpp"
#include "sim/io/hdf5_util.hpp"
#include "sim/io/json_pointer.hpp"
#include "sim/io/output.hpp"
#include "sim/io/output_files.hpp"
#include "sim/io/scenario_document.hpp"
#include "sim/io/scenario_loader.hpp"

namespace opsim::cli {

namespace {

struct PairedArgs {
  std::optional<std::uint64_t> trials;
  std::optional<std::uint64_t> seed;
  std::optional<int> threads;
  std::string metric = "new_bookings";
  std::string output;
  std::string csv_dir;
  bool quiet = false;
};

//! A scenario and its paired and independent runs (only rank 0 holds the trials under MPI).
struct Arm {
  std::string name;
  Scenario scenario;
  RunResult paired;
  RunResult independent;
};

RunResult run_arm(const Scenario& scenario, std::uint64_t trials, std::uint64_t seed, int threads) {
  RunOptions options;
  options.end_trial = trials;
  options.seed = seed;
  options.threads = threads;
  return mpi::run_distributed(scenario, options);
}

int metric_of(const std::string& name) {
  const int k = metric_index(name);
  if (k < 0)
    throw_input("--metric: \"{}\" is not a metric (e.g. new_bookings, bookings_spot, arr)", name);
  return k;
}

std::string scenario_name(const Scenario& s) {
  return s.name.empty() ? std::filesystem::path(s.source).stem().string() : s.name;
}

void write_comparison_csv(const std::string& dir, const Scenario& base, const ResultLayout& layout,
                          const std::vector<ScenarioComparison>& comparisons,
                          const std::string& metric,
                          const std::vector<std::pair<std::string, Summary>>& summaries) {
  const auto regions = region_labels(base);
  const auto segments = segment_labels(base);
  std::vector<FolderFile> files;
  files.push_back({"differences.csv", [&](std::ostream& out) {
                     out << "alternative,period,region,segment,metric,mean_difference,se,p5,p50,"
                            "p95,p_alternative_"
                            "better,"
                            "se_independent,variance_reduction\n";
                     for (const auto& c : comparisons) {
                       for (std::size_t p = 0; p < layout.periods.size(); ++p) {
                         for (int r = 0; r < layout.regions; ++r) {
                           for (int s = 0; s < layout.segments; ++s) {
                             const PairedCell& x =
                                 c.cells[(p * layout.regions + r) * layout.segments + s];
                             out << fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{}\n", c.name,
                                                layout.periods[p].label, regions[r], segments[s],
                                                metric, x.mean, x.se, x.p5, x.p50, x.p95,
                                                x.p_better, x.se_independent, x.variance_reduction);
                           }
                         }
                       }
                     }
                   }});
  files.push_back(
      {"targets.csv", [&](std::ostream& targets) {
         targets << "scenario,metric,period,region,segment,target,probability,standard_error\n";
         for (const auto& [name, summary] : summaries) {
           for (const auto& t : summary.targets) {
             targets << fmt::format("{},{},{},{},{},{},{},{}\n", name, t.target.metric,
                                    layout.periods[t.period].label,
                                    t.target.region < 0 ? "total" : regions[t.target.region],
                                    t.target.segment < 0 ? "total" : segments[t.target.segment],
                                    t.target.amount, t.probability, t.standard_error);
           }
         }
       }});
  write_folder_files(dir, files);
}

void write_comparison_hdf5(const std::string& path, const Scenario& base,
                           const ResultLayout& layout,
                           const std::vector<ScenarioComparison>& comparisons,
                           const std::string& metric, std::uint64_t seed, std::uint64_t trials) {
  write_hdf5_document(path, [&](H5::H5File& file) {
    H5::Group root = file.openGroup("/");
    string_attribute(root, "metric", metric);
    string_attribute(root, "base_scenario_sha256", base.sha256);
    string_attribute(root, "seed", std::to_string(seed));
    string_attribute(root, "trials", std::to_string(trials));
    string_attribute(root, "independent_seed", std::to_string(independent_seed(seed)));
    const std::vector<hsize_t> dims{layout.periods.size(), static_cast<hsize_t>(layout.regions),
                                    static_cast<hsize_t>(layout.segments)};
    for (std::size_t a = 0; a < comparisons.size(); ++a) {
      H5::Group group = file.createGroup(fmt::format("/alternative_{}", a + 1));
      string_attribute(group, "name", comparisons[a].name);
      auto field = [&](const char* name, double PairedCell::*member) {
        std::vector<double> values;
        for (const auto& c : comparisons[a].cells) values.push_back(c.*member);
        write_doubles(group, name, dims, values.data(), "period,region,segment");
      };
      field("mean_difference", &PairedCell::mean);
      field("se", &PairedCell::se);
      field("p5", &PairedCell::p5);
      field("p50", &PairedCell::p50);
      field("p95", &PairedCell::p95);
      field("p_alternative_better", &PairedCell::p_better);
      field("se_independent", &PairedCell::se_independent);
      field("variance_reduction", &PairedCell::variance_reduction);
    }
  });
}

std::string comparison_table(const Scenario& base, const ResultLayout& layout,
                             const std::vector<ScenarioComparison>& comparisons,
                             const std::string& metric,
                             const std::vector<std::pair<std::string, Summary>>& summaries) {
  const auto regions = region_labels(base);
  std::string text;
  for (const auto& c : comparisons) {
    text += fmt::format("\n{} minus base, {} (paired, common random numbers)\n", c.name, metric);
    text += fmt::format("{:<10} {:<8} {:>14} {:>12} {:>14} {:>14} {:>14} {:>9} {:>9}\n", "period",
                        "region", "mean diff", "SE", "P5", "P50", "P95", "P(better)", "var.red.");
    for (std::size_t p = 0; p < layout.periods.size(); ++p) {
      if (layout.periods[p].quarter != 0) continue;
      for (int r = 0; r < layout.regions; ++r) {
        const PairedCell& x =
            c.cells[(p * layout.regions + r) * layout.segments + layout.segments - 1];
        text += fmt::format(
            "{:<10} {:<8} {:>14.0f} {:>12.0f} {:>14.0f} {:>14.0f} {:>14.0f} {:>8.1f}% {:>8.1f}x\n",
            layout.periods[p].label, regions[r], x.mean, x.se, x.p5, x.p50, x.p95, 100 * x.p_better,
            x.variance_reduction);
      }
    }
  }
  if (!summaries.front().second.targets.empty()) {
    text += "\nprobability of reaching each target\n";
    for (const auto& [name, summary] : summaries) {
      for (const auto& t : summary.targets) {
        text += fmt::format("{:<28} {} {} {:<8} {:>7.1f}% ±{:.1f}\n", name, t.target.metric,
                            layout.periods[t.period].label,
                            t.target.region < 0 ? "total" : regions[t.target.region],
                            100 * t.probability, 100 * t.standard_error);
      }
    }
  }
  return text;
}

//! Runs base and alternatives paired (same seed) plus each alternative independently, then
//! reports and writes. `alternatives` share the base's layout.
void report_paired(const PairedArgs& args, Arm& base, std::vector<Arm>& alternatives) {
  const int metric = metric_of(args.metric);
  const std::uint64_t trials = args.trials.value_or(base.scenario.simulation.trials);
  const std::uint64_t seed = args.seed.value_or(base.scenario.simulation.seed);
  const int threads = args.threads.value_or(base.scenario.simulation.threads);
  base.paired = run_arm(base.scenario, trials, seed, threads);
  for (auto& alt : alternatives) {
    alt.paired = run_arm(alt.scenario, trials, seed, threads);
    alt.independent = run_arm(alt.scenario, trials, independent_seed(seed), threads);
  }
  if (mpi::rank() != 0) return;
  std::vector<ScenarioComparison> comparisons;
  std::vector<std::pair<std::string, Summary>> summaries;
  summaries.emplace_back(base.name, summarise(base.scenario, base.paired));
  for (auto& alt : alternatives) {
    comparisons.push_back(
        compare_paired(alt.name, base.paired, alt.paired, alt.independent, metric));
    summaries.emplace_back(alt.name, summarise(alt.scenario, alt.paired));
  }
  const ResultLayout& layout = base.paired.layout;
  if (!args.output.empty())
    write_comparison_hdf5(args.output, base.scenario, layout, comparisons, args.metric, seed,
                          trials);
  if (!args.csv_dir.empty()) {
    write_comparison_csv(args.csv_dir, base.scenario, layout, comparisons, args.metric, summaries);
  }
  if (!args.quiet)
    fmt::print("{}", comparison_table(base.scenario, layout, comparisons, args.metric, summaries));
}

void add_paired_options(CLI::App* command, PairedArgs& args) {
  add_trials_option(command, args.trials, "Trials per scenario");
  add_seed_option(command, args.seed, "Random seed shared by all scenarios");
  add_threads_option(command, args.threads);
  command->add_option("--metric", args.metric, "Metric compared (default new_bookings)");
  add_output_option(command, args.output, "Write the comparison to this HDF5 file");
  add_csv_option(command, args.csv_dir);
  add_quiet_flag(command, args.quiet);
}

//! Refuses outputs that would overwrite a scenario or its CSV files, or each other.
void check_paired_outputs(const PairedArgs& args, const std::vector<const Scenario*>& scenarios,
                          const std::vector<std::string>& csv_names) {
  metric_of(args.metric);
  OutputPlan plan;
  for (const Scenario* scenario : scenarios) add_scenario_inputs(plan, *scenario);
  plan.add_output(args.output, "-o", OutputKind::seekable);
  plan.add_output_folder(args.csv_dir, "--csv", csv_names);
  plan.check();
}

//! One --set: a JSON pointer into the scenario and the values it takes.
struct SweepAxis {
  nlohmann::json::json_pointer pointer;
  std::string text;
  std::vector<double> values;
};

SweepAxis parse_axis(const std::string& spec, const nlohmann::json& document,
                     const std::string& file) {
  const auto eq = spec.rfind('=');
  if (eq == std::string::npos || spec.empty() || spec[0] != '/') {
    throw_input(
        "--set {}: expected /json/pointer=VALUES (a number, a list a,b,c or a range from:to:step)",
        spec);
  }
  SweepAxis axis;
  axis.text = spec.substr(0, eq);
  axis.pointer = resolve_pointer(document, axis.text, fmt::format("--set {}: {}", spec, file));
  if (!document.contains(axis.pointer) || !document.at(axis.pointer).is_number()) {
    throw_input("--set {}: {}: {} does not point at a number in the scenario", spec, file,
                axis.text);
  }
  const std::string values = spec.substr(eq + 1);
  auto number = [&](const std::string& t) {
    auto v = parse_number(t);
    if (!v) throw_input("--set {}: \"{}\" is not a number", spec, t);
    return *v;
  };
  if (std::count(values.begin(), values.end(), ':') == 2) {
    const auto a = values.find(':'), b = values.rfind(':');
    const double from = number(values.substr(0, a)), to = number(values.substr(a + 1, b - a - 1)),
                 step = number(values.substr(b + 1));
    if (step <= 0 || to < from)
      throw_input("--set {}: a range needs from <= to and a positive step", spec);
    const auto count = static_cast<long long>(std::floor((to - from) / step + 1e-9)) + 1;
    if (count > 10000) throw_input("--set {}: {} values is too many (at most 10000)", spec, count);
    for (long long i = 0; i < count; ++i)
      axis.values.push_back(from + static_cast<double>(i) * step);
  } else {
    std::size_t start = 0;
    while (start <= values.size()) {
      const auto comma = values.find(',', start);
      axis.values.push_back(number(values.substr(start, comma - start)));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return axis;
}

void sweep_command(const std::string& base_path, const std::vector<std::string>& sets,
                   const PairedArgs& args) {
  const ScenarioDocument resolved = read_scenario_document(base_path);
  const nlohmann::json& document = resolved.document;
  const std::string base_dir = std::filesystem::path(base_path).parent_path().string();
  CsvCache cache;  // every variant reuses the base's CSV files, read once
  Arm base;
  base.name = "base";
  base.scenario = build_scenario(document, base_path, base_dir.empty() ? "." : base_dir, &cache);
  base.scenario.sha256 = scenario_sha256(resolved);
  base.scenario.input_files.insert(base.scenario.input_files.begin(), resolved.files.begin(),
                                   resolved.files.end());
  mpi::collectively([&] { check_paired_outputs(args, {&base.scenario}, {"sweep.csv"}); });
  std::vector<SweepAxis> axes;
  for (const auto& spec : sets) axes.push_back(parse_axis(spec, document, base_path));
  if (axes.empty()) throw_input("sweep: give at least one --set /pointer=values");
  std::size_t variants = 1;
  for (const auto& axis : axes) variants *= axis.values.size();
  if (variants > 10000) throw_input("sweep: {} variants is too many (at most 10000)", variants);

  const int metric = metric_of(args.metric);
  const std::uint64_t trials = args.trials.value_or(base.scenario.simulation.trials);
  const std::uint64_t seed = args.seed.value_or(base.scenario.simulation.seed);
  const int threads = args.threads.value_or(base.scenario.simulation.threads);
  base.paired = run_arm(base.scenario, trials, seed, threads);

  struct Row {
    std::vector<double> values;
    std::vector<double> outputs;
  };
  std::vector<std::string> columns;
  std::vector<Row> rows;
  for (std::size_t v = 0; v < variants; ++v) {
    nlohmann::json variant = document;
    Row row;
    std::size_t index = v;
    for (auto it = axes.rbegin(); it != axes.rend(); ++it) {
      const double value = it->values[index % it->values.size()];
      index /= it->values.size();
      variant[it->pointer] = value;
      row.values.insert(row.values.begin(), value);
    }
    Scenario scenario = build_scenario(variant, fmt::format("{} (variant {})", base_path, v + 1),
                                       base_dir.empty() ? "." : base_dir, &cache);
    const RunResult result = run_arm(scenario, trials, seed, threads);
    if (mpi::rank() != 0) continue;
    const Summary summary = summarise(scenario, result);
    const ResultLayout& layout = result.layout;
    const ScenarioComparison diff = compare_paired("variant", base.paired, result, result, metric);
    const bool first_row = rows.empty();
    for (std::size_t p = 0; p < layout.periods.size(); ++p) {
      if (layout.periods[p].quarter != 0) continue;
      const std::size_t cell =
          p * layout.cells() + layout.cell(layout.regions - 1, layout.segments - 1, metric);
      const PairedCell& d = diff.cells[(p * layout.regions + layout.regions - 1) * layout.segments +
                                       layout.segments - 1];
      const std::string& label = layout.periods[p].label;
      for (auto [name, value] : {std::pair<std::string, double>{"mean", summary.period_mean[cell]},
                                 {"p10", summary.period_quantiles[cell * kQuantiles + 1]},
                                 {"p50", summary.period_quantiles[cell * kQuantiles + 3]},
                                 {"p90", summary.period_quantiles[cell * kQuantiles + 5]},
                                 {"difference_vs_base", d.mean},
                                 {"difference_se", d.se}}) {
        if (first_row) columns.push_back(fmt::format("{}_{}_{}", args.metric, label, name));
        row.outputs.push_back(value);
      }
    }
    for (const auto& t : summary.targets) {
      if (first_row) {
        columns.push_back(
            fmt::format("p_target_{}_{}_{}", t.target.metric, layout.periods[t.period].label,
                        t.target.region < 0 ? "total" : scenario.regions[t.target.region].id));
      }
      row.outputs.push_back(t.probability);
    }
    rows.push_back(std::move(row));
  }
  if (mpi::rank() != 0) return;

  std::vector<std::string> header;
  for (const auto& axis : axes) header.push_back(axis.text);
  header.insert(header.end(), columns.begin(), columns.end());
  if (!args.csv_dir.empty()) {
    write_folder_files(args.csv_dir,
                       {{"sweep.csv", [&](std::ostream& out) {
                           out << "variant," << fmt::format("{}", fmt::join(header, ",")) << "\n";
                           for (std::size_t v = 0; v < rows.size(); ++v) {
                             out << v + 1 << ","
                                 << fmt::format("{}", fmt::join(rows[v].values, ",")) << ","
                                 << fmt::format("{}", fmt::join(rows[v].outputs, ",")) << "\n";
                           }
                         }}});
  }
  if (!args.output.empty()) {
    write_hdf5_document(args.output, [&](H5::H5File& file) {
      H5::Group root = file.openGroup("/");
      std::vector<double> table;
      for (const auto& row : rows) {
        table.insert(table.end(), row.values.begin(), row.values.end());
        table.insert(table.end(), row.outputs.begin(), row.outputs.end());
      }
      write_doubles(root, "sweep", {rows.size(), header.size()}, table.data(), "variant,column");
      write_strings(root, "columns", header);
    });
  }
  if (!args.quiet) {
    fmt::print(
        "sweep of {} variants, {} trials each, paired with the base (seed {}); {} CSV file(s) read "
        "once\n",
        rows.size(), trials, seed, cache.files_read());
    fmt::print("{}\n", fmt::join(header, " | "));
    for (const auto& row : rows) {
      std::vector<std::string> cells;
      for (double v : row.values) cells.push_back(fmt::format("{:g}", v));
      for (double v : row.outputs) cells.push_back(fmt::format("{:.4g}", v));
      fmt::print("{}\n", fmt::join(cells, " | "));
    }
  }
}

}  // namespace

void add_compare_commands(CLI::App& app) {
  auto paths = std::make_shared<std::vector<std::string>>();
  auto args = std::make_shared<PairedArgs>();
  auto* compare =
      app.add_subcommand("compare", "Compare scenarios with common random numbers (paired)");
  compare->add_option("scenarios", *paths, "BASE.json ALT.json [ALT2.json ...]")
      ->required()
      ->expected(2, 1000);
  add_paired_options(compare, *args);
  compare->callback([paths, args] {
    Arm base;
    std::vector<Arm> alternatives;
    mpi::collectively([&] {
      base.scenario = load_scenario(paths->front());
      base.name = scenario_name(base.scenario);
      for (std::size_t i = 1; i < paths->size(); ++i) {
        Arm alt;
        alt.scenario = load_scenario((*paths)[i]);
        require_comparable(base.scenario, alt.scenario);
        alt.name = scenario_name(alt.scenario);
        alternatives.push_back(std::move(alt));
      }
      std::vector<const Scenario*> scenarios{&base.scenario};
      for (const Arm& alt : alternatives) scenarios.push_back(&alt.scenario);
      check_paired_outputs(*args, scenarios, {"differences.csv", "targets.csv"});
    });
    report_paired(*args, base, alternatives);
  });

  auto base_path = std::make_shared<std::string>();
  auto sets = std::make_shared<std::vector<std::string>>();
  auto sweep_args = std::make_shared<PairedArgs>();
  auto* sweep =
      app.add_subcommand("sweep", "Run a grid of scenario variants, paired with the base");
  sweep->add_option("scenario", *base_path, "Base scenario")->required();
  sweep
      ->add_option("--set", *sets,
                   "/json/pointer=VALUES: a number, a,b,c or from:to:step (repeatable)")
      ->required();
  add_paired_options(sweep, *sweep_args);
  sweep->callback([base_path, sets, sweep_args] {
    mpi::collectively([&] { metric_of(sweep_args->metric); });
    sweep_command(*base_path, *sets, *sweep_args);
  });
}

}  // namespace opsim::cli
