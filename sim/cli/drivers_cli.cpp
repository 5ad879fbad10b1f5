// `opsim drivers SCENARIO`: what drives the forecast of one outcome (a metric in one fiscal
// period, region and segment): the sources of its uncertainty, a tornado of the assumption
// groups and, with --solve, the value of one parameter that reaches the target with a given
// probability. Every run shares the seed (common random numbers); MPI splits each run's trials.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>
#include <tuple>

#include <H5Cpp.h>
#include <fmt/format.h>

#include "sim/base/error.hpp"
#include "sim/base/stopwatch.hpp"
#include "sim/cli/cli.hpp"
#include "sim/cli/cli_support.hpp"
#include "sim/engine/compare.hpp"
#include "sim/engine/drivers.hpp"
#include "sim/engine/mpi_support.hpp"
#include "sim/io/csv.hpp"
#include "sim/io/drivers_output.hpp"
#include "sim/io/drivers_variants.hpp"
#include "sim/io/hdf5_util.hpp"
#include "sim/io/json_pointer.hpp"
#include "sim/io/number_format.hpp"
#include "sim/io/output.hpp"
#include "sim/io/output_files.hpp"
#include "sim/io/scenario_document.hpp"
#include "sim/io/scenario_loader.hpp"

namespace opsim::cli {

namespace {

struct DriversArgs {
  std::string scenario;
  std::optional<std::uint64_t> trials;
  std::optional<std::uint64_t> seed;
  std::optional<int> threads;
  std::string max_memory;
  std::string metric = "new_bookings";
  std::string period;  //!< "" = the first whole fiscal year
  std::string region = "total";
  std::string segment = "total";
  std::string output;
  std::string csv_dir;
  std::vector<std::string> ranges;  //!< POINTER=LOW:HIGH
  std::string solve;
  std::optional<double> for_probability;
  std::string solve_range;  //!< LOW:HIGH
  bool no_sources = false;
  bool no_tornado = false;
  bool quiet = false;
  bool force = false;
};

//! A --range or --solve pointer: resolved in the document, pointing at a number.
struct PointerRange {
  std::string text;
  nlohmann::json::json_pointer pointer;
  double low = 0.0, high = 0.0;
};

std::pair<double, double> parse_low_high(const std::string& text, const std::string& option) {
  const auto colon = text.find(':');
  const auto low = colon == std::string::npos ? std::nullopt : parse_number(text.substr(0, colon));
  const auto high =
      colon == std::string::npos ? std::nullopt : parse_number(text.substr(colon + 1));
  if (!low || !high || !(*low < *high))
    throw_input("{}: \"{}\" is not LOW:HIGH with LOW < HIGH (two numbers)", option, text);
  return {*low, *high};
}

//! The outcome's place in the results: period, region and segment indices and the metric.
struct Outcome {
  std::size_t period = 0;
  int region = 0, segment = 0, metric = 0;
  std::optional<double> target;
  std::size_t cell(const ResultLayout& layout) const {
    return period * layout.cells() + layout.cell(region, segment, metric);
  }
};

Outcome resolve_outcome(const Scenario& scenario, const DriversArgs& args) {
  Outcome out;
  out.metric = metric_index(args.metric);
  if (out.metric < 0)
    throw_input("--metric: \"{}\" is not a metric (e.g. new_bookings, bookings_spot, arr)",
                args.metric);
  const ResultLayout layout(scenario);
  std::vector<std::string> labels;
  bool found = false;
  for (std::size_t p = 0; p < layout.periods.size() && !found; ++p) {
    labels.push_back(layout.periods[p].label);
    const bool whole_year = layout.periods[p].quarter == 0 && !layout.periods[p].partial();
    if (args.period.empty() ? whole_year : layout.periods[p].label == args.period) {
      out.period = p;
      found = true;
    }
  }
  if (!found && args.period.empty()) found = !layout.periods.empty();
  if (!found)
    throw_input("--period: \"{}\" is not a period of the horizon ({})", args.period,
                fmt::join(labels, ", "));
  auto index_of = [](const std::vector<std::string>& names, const std::string& name,
                     const char* option) {
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end())
      throw_input("{}: \"{}\" is not one of {}", option, name, fmt::join(names, ", "));
    return static_cast<int>(it - names.begin());
  };
  out.region = index_of(region_labels(scenario), args.region, "--region");
  out.segment = index_of(segment_labels(scenario), args.segment, "--segment");
  const Period& period = layout.periods[out.period];
  for (const Target& t : scenario.targets) {
    const int region = t.region < 0 ? layout.regions - 1 : t.region;
    const int segment = t.segment < 0 ? layout.segments - 1 : t.segment;
    if (t.metric == args.metric && t.fiscal_year == period.fiscal_year &&
        t.quarter == period.quarter && region == out.region && segment == out.segment)
      out.target = t.amount;
  }
  return out;
}

//! The outcome of every trial (rank 0; empty on the other ranks).
std::vector<double> outcome_values(const RunResult& result, const Outcome& outcome) {
  std::vector<double> y(result.trials());
  const ResultLayout& layout = result.layout;
  const std::size_t cell = outcome.cell(layout);
  for (std::uint64_t t = 0; t < result.trials(); ++t)
    y[t] = result.period_values[t * layout.period_cells() + cell];
  return y;
}

void drivers_command(const DriversArgs& args) {
  Stopwatch clock;
  ScenarioDocument resolved;
  Scenario scenario;
  Outcome outcome;
  std::string base_dir;
  CsvCache cache(input_options());
  std::vector<PointerRange> ranges;
  std::optional<PointerRange> solve;
  mpi::collectively([&] {
    resolved = read_scenario_document(args.scenario);
    base_dir = std::filesystem::path(args.scenario).parent_path().string();
    if (base_dir.empty()) base_dir = ".";
    scenario = build_scenario(resolved.document, args.scenario, base_dir, &cache);
    scenario.sha256 = scenario_sha256(resolved);
    scenario.input_files = scenario_files(resolved);
    outcome = resolve_outcome(scenario, args);
    for (const std::string& spec : args.ranges) {
      const auto eq = spec.rfind('=');
      if (eq == std::string::npos || spec.empty() || spec[0] != '/')
        throw_input("--range {}: expected /json/pointer=LOW:HIGH", spec);
      PointerRange r;
      r.text = spec.substr(0, eq);
      r.pointer = number_pointer(resolved.document, r.text,
                                 fmt::format("--range {}: {}", r.text, args.scenario));
      std::tie(r.low, r.high) = parse_low_high(spec.substr(eq + 1), "--range " + spec);
      ranges.push_back(r);
    }
    // A --range the scenario cannot take is refused before any work (review: -1:5 on a win
    // rate ran the rest and printed a row of zeros "not run"); both ends, their errors together.
    InputErrorCollector range_errors;
    for (const PointerRange& r : ranges) {
      for (const double value : {r.low, r.high}) {
        range_errors.collect([&] {
          nlohmann::json variant = resolved.document;
          variant[r.pointer] = value;
          require_comparable(
              scenario, build_scenario(variant,
                                       fmt::format("{} (--range {} at {})", args.scenario, r.text,
                                                   format_user_value(value)),
                                       base_dir, &cache));
        });
      }
    }
    range_errors.throw_if_any();
    if (!args.solve.empty()) {
      if (!args.for_probability)
        throw_input("--solve {}: give the probability to reach with --for-probability P",
                    args.solve);
      if (!outcome.target) {
        // "new bookings FY2027 total", "... NA SMB" (review: "total total").
        std::string where = args.region;
        if (args.segment != "total") where += " " + args.segment;
        throw_input("--solve {}: the scenario has no target for {} {} {} (add one to /targets)",
                    args.solve, metric_words(args.metric),
                    ResultLayout(scenario).periods[outcome.period].label, where);
      }
      PointerRange r;
      r.text = args.solve;
      r.pointer = number_pointer(resolved.document, r.text,
                                 fmt::format("--solve {}: {}", r.text, args.scenario));
      if (!args.solve_range.empty()) {
        std::tie(r.low, r.high) = parse_low_high(args.solve_range, "--solve-range");
      } else {
        // Default: half to one and a half times the current value, inside the field's range.
        const double value = resolved.document.at(r.pointer).get<double>();
        const auto [lower, upper] = field_range(r.text);
        r.low = std::max(lower, std::min(0.5 * value, 1.5 * value));
        r.high = std::min(upper, std::max(0.5 * value, 1.5 * value));
        if (!(r.low < r.high))
          throw_input(
              "--solve {}: the value {} gives no range to search; give --solve-range "
              "LOW:HIGH",
              args.solve, format_user_value(value));
      }
      solve = r;
    } else if (args.for_probability) {
      throw_input("--for-probability: give the parameter to solve for with --solve POINTER");
    }
    if (args.trials.value_or(scenario.simulation.trials) < 2) {
      throw_input("{}: /simulation/trials: {} trial; drivers needs at least 2 (give --trials)",
                  args.scenario, scenario.simulation.trials);
    }
    // A run's results and the outcomes of the ones before it are held together.
    require_memory_for(scenario, args.trials.value_or(scenario.simulation.trials), 2,
                       args.threads.value_or(scenario.simulation.threads), "drivers",
                       args.max_memory);
    OutputPlan plan(args.force);
    add_scenario_inputs(plan, scenario);
    plan.add_output(args.output, "-o", OutputKind::seekable);
    plan.add_output_folder(
        args.csv_dir, "--csv",
        drivers_csv_names(!args.no_sources, !args.no_tornado, !args.solve.empty()));
    plan.check();
  });

  const ResultLayout layout(scenario);
  DriversResult result;
  result.metric = args.metric;
  result.period = layout.periods[outcome.period].label;
  result.period_words =
      layout.periods[outcome.period].display_label(coverage_of(metric_index(args.metric)));
  result.region = args.region;
  result.segment = args.segment;
  result.currency = scenario.fx.currencies[scenario.fx.reporting].code;
  result.target = outcome.target;
  result.trials = args.trials.value_or(scenario.simulation.trials);
  result.seed = args.seed.value_or(scenario.simulation.seed);
  const int threads = args.threads.value_or(scenario.simulation.threads);

  const SourceTable table(scenario);
  const auto& groups = assumption_groups();
  std::size_t source_runs = 0;
  for (std::size_t s = 0; s < table.sources().size(); ++s) source_runs += table.may_draw(s) ? 1 : 0;
  const std::size_t planned = 1 + (args.no_sources ? 0 : 2 * source_runs) +
                              (args.no_tornado ? 0 : 2 * (groups.size() + ranges.size())) +
                              (solve ? 5 : 0);
  ProgressBar progress(result.trials * planned, !args.quiet && mpi::rank() == 0);
  auto run = [&](const Scenario& s, const TrialRemap* remap) {
    RunOptions options;
    options.end_trial = result.trials;
    options.seed = result.seed;
    options.threads = threads;
    options.remap = remap;
    options.progress = progress.step(result.trials);
    ++result.runs;
    return outcome_values(mpi::run_distributed(s, options), outcome);
  };

  const std::vector<double> y = run(scenario, nullptr);
  if (!y.empty()) {
    double mean = 0.0, m2 = 0.0;
    for (std::size_t t = 0; t < y.size(); ++t) {
      const double d = y[t] - mean;
      mean += d / static_cast<double>(t + 1);
      m2 += d * (y[t] - mean);
    }
    result.mean = mean;
    result.sd = y.size() > 1 ? std::sqrt(m2 / static_cast<double>(y.size() - 1)) : 0.0;
    result.p_reach = outcome.target ? reach_probability(y, *outcome.target) : std::nan("");
  }
  if (!args.no_sources) {
    result.sources = estimate_sources(
        table, y, result.trials, [&](const TrialRemap* remap) { return run(scenario, remap); },
        [](bool mine) {
          // Every rank learns whether any rank drew the source (a rank may hold no trial): the
          // source's second run is collective.
          std::vector<std::uint64_t> drawn{mine ? 1U : 0U};
          mpi::sum_on_root(drawn);
          std::vector<double> any{static_cast<double>(drawn[0] > 0 ? 1 : 0)};
          mpi::broadcast(any);
          return any[0] > 0;
        });
  }

  // A variant document: built and run with the base's seed. An invalid variant (the group
  // moved outside what validation allows) is a row with a note, on every rank alike.
  auto run_variant = [&](const nlohmann::json& document, const std::string& name,
                         std::string* error) -> std::vector<double> {
    Scenario variant;
    try {
      variant =
          build_scenario(document, fmt::format("{} ({})", args.scenario, name), base_dir, &cache);
    } catch (const InputError& e) {
      if (error) *error = e.what();
      return {};
    }
    return run(variant, nullptr);
  };
  if (!args.no_tornado) {
    auto add_row = [&](TornadoRow row, const std::vector<double>& low,
                       const std::vector<double>& high) {
      if (mpi::rank() != 0) return;
      if (!low.empty() && !high.empty()) row.swing = paired_swing(low, high, outcome.target);
      result.tornado.push_back(std::move(row));
    };
    for (const AssumptionGroup& group : groups) {
      const VariedDocument low = vary_group(resolved.document, group, 0.9, -1);
      const VariedDocument high = vary_group(resolved.document, group, 1.1, +1);
      if (low.changed == 0) continue;  // not in this scenario
      TornadoRow row;
      row.parameter = group.name;
      row.change = group.months ? "months" : "factor";
      row.low_value = group.months ? -1 : 0.9;
      row.high_value = group.months ? 1 : 1.1;
      std::string error;
      const auto y_low = run_variant(low.document, group.name + " low", &error);
      const auto y_high = run_variant(high.document, group.name + " high", &error);
      if (low.clamped + high.clamped > 0) {
        row.note = fmt::format("{} of {} fields held at the end of their range ({})",
                               low.clamped + high.clamped, low.changed + high.changed,
                               format_user_value(high.clamped > 0 ? high.bound : low.bound));
      }
      if (!error.empty()) row.note = "not run: " + error;
      add_row(row, y_low, y_high);
    }
    for (const PointerRange& r : ranges) {
      nlohmann::json low = resolved.document, high = resolved.document;
      low[r.pointer] = r.low;
      high[r.pointer] = r.high;
      TornadoRow row;
      row.parameter = r.text;
      // In words for people, as the sweep names an axis (review: "/segments/0/deal_size/mean").
      row.label = pointer_words(resolved.document, r.pointer);
      row.change = "value";
      row.low_value = r.low;
      row.high_value = r.high;
      std::string error;
      const auto y_low = run_variant(low, r.text + " low", &error);
      const auto y_high = run_variant(high, r.text + " high", &error);
      if (!error.empty()) row.note = "not run: " + error;
      add_row(row, y_low, y_high);
    }
    std::stable_sort(
        result.tornado.begin(), result.tornado.end(),
        [](const TornadoRow& a, const TornadoRow& b) { return a.swing.swing > b.swing.swing; });
  }
  if (solve) {
    auto p_at = [&](double value) {
      nlohmann::json document = resolved.document;
      document[solve->pointer] = value;
      std::string error;
      const auto values = run_variant(document, fmt::format("{}={}", solve->text, value), &error);
      if (!error.empty()) throw_input("--solve {}: at {}: {}", solve->text, value, error);
      std::vector<double> p{values.empty() ? 0.0 : reach_probability(values, *outcome.target)};
      mpi::broadcast(p);  // every rank takes the same next step of the search
      return p[0];
    };
    SolveResult s;
    s.parameter = solve->text;
    s.label = pointer_words(resolved.document, solve->pointer);
    s.probability = *args.for_probability;
    s.low = solve->low;
    s.high = solve->high;
    mpi::collectively([&] {
      // Out of reach, the sources and tornado already computed are still reported and written
      // (review: minutes of runs were thrown away with the exit 3).
      try {
        s.solution =
            solve_for_probability(p_at, s.low, s.high, s.probability, result.trials, solve->text);
      } catch (const InfeasibleError& e) {
        const double nan = std::numeric_limits<double>::quiet_NaN();
        s.solution = Solution{nan, nan, nan, nan, 2};
        s.out_of_reach = e.what();
      }
    });
    result.solve = s;
  }
  progress.finish();
  result.seconds = clock.seconds();
  const bool out_of_reach = result.solve && !result.solve->out_of_reach.empty();
  if (mpi::rank() != 0) {
    if (out_of_reach) throw InfeasibleError(result.solve->out_of_reach);
    return;
  }
  if (!args.output.empty()) {
    write_hdf5_document(args.output, [&](H5::H5File& file) {
      write_provenance(
          file, scenario,
          Provenance{command_line_of(nullptr), result.seed, scenario.sha256, scenario.name,
                     recorded_path(args.scenario), result.trials, resolved.document.dump(2)},
          result.trials);
      write_drivers_hdf5(file, result);
    });
  }
  if (!args.csv_dir.empty()) write_folder_files(args.csv_dir, drivers_csv_files(result));
  if (!args.quiet) fmt::print("{}", drivers_text(result));
  // Exit 3 with the outputs kept (the command line's handler commits them).
  if (out_of_reach) throw InfeasibleError(result.solve->out_of_reach);
}

}  // namespace

void add_drivers_command(CLI::App& app) {
  auto args = std::make_shared<DriversArgs>();
  auto* command = app.add_subcommand(
      "drivers",
      "What drives the forecast: sources of uncertainty, a tornado of the assumptions and what "
      "it would take to reach a target");
  command->add_option("scenario", args->scenario, "Scenario file")->required();
  // Variances and paired differences need two trials at least.
  add_trials_option(command, args->trials, "Trials per run (overrides the scenario; at least 2)",
                    100'000'000, 2);
  add_seed_option(command, args->seed, "Random seed shared by every run");
  add_threads_option(command, args->threads);
  add_max_memory_option(command, args->max_memory);
  command->add_option("--metric", args->metric, "Metric explained (default new_bookings)");
  command->add_option("--period", args->period,
                      "Fiscal period, e.g. FY2028 or FY2028-Q1 (default the first whole year)");
  command->add_option("--region", args->region, "Region id or total (default total)");
  command->add_option("--segment", args->segment, "Segment id or total (default total)");
  add_output_option(command, args->output, "Write the drivers to this HDF5 file");
  add_csv_option(command, args->csv_dir);
  command->add_option("--range", args->ranges,
                      "/json/pointer=LOW:HIGH: a tornado row for this parameter (repeatable)");
  command->add_option("--solve", args->solve,
                      "/json/pointer of a number: find the value that reaches the target with "
                      "--for-probability");
  command->add_option("--for-probability", args->for_probability, "Probability for --solve")
      ->check(within(0.0, 1.0));
  command->add_option("--solve-range", args->solve_range,
                      "LOW:HIGH searched by --solve (default 0.5x..1.5x the current value)");
  command->add_flag("--no-sources", args->no_sources, "Skip the sources of uncertainty");
  command->add_flag("--no-tornado", args->no_tornado, "Skip the tornado");
  add_force_flag(command, args->force);
  add_quiet_flag(command, args->quiet);
  command->callback([args] { drivers_command(*args); });
}

}  // namespace opsim::cli
