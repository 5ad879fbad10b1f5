// `opsim compare` and `opsim sweep`: paired runs with common random numbers.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>

#include <H5Cpp.h>
#include <fmt/format.h>

#include "sim/base/error.hpp"
#include "sim/cli/cli.hpp"
#include "sim/cli/cli_support.hpp"
#include "sim/engine/compare.hpp"
#include "sim/engine/economics.hpp"
#include "sim/engine/mpi_support.hpp"
#include "sim/io/assumptions.hpp"
#include "sim/io/cost_loader.hpp"
#include "sim/io/csv.hpp"
#include "sim/io/economics_output.hpp"
#include "sim/io/hdf5_util.hpp"
#include "sim/io/json_pointer.hpp"
#include "sim/io/number_format.hpp"
#include "sim/io/output.hpp"
#include "sim/io/output_files.hpp"
#include "sim/io/scenario_document.hpp"
#include "sim/io/scenario_loader.hpp"
#include "sim/io/summary_text.hpp"
#include "sim/io/sweep_text.hpp"
#include "sim/io/xlsx.hpp"

namespace opsim::cli {

namespace {

//! A period in column names, saying when it is partial: FY2029_partial_2_of_12.
std::string column_label(const Period& period, Coverage cover) {
  return period.partial(cover) ? fmt::format("{}_partial_{}_of_{}", period.label,
                                             period.covered(cover), period.months())
                               : period.label;
}

struct PairedArgs {
  std::optional<std::uint64_t> trials;
  std::optional<std::uint64_t> seed;
  std::optional<int> threads;
  std::string metric = "new_bookings";
  std::string output;
  std::string csv_dir;
  std::string xlsx;
  double return_threshold = 1.0;  //!< x of P(return on cost > x)
  std::string max_memory;
  bool zip = false;  //!< sweep: the --set axes move together instead of a grid
  bool quiet = false;
  bool force = false;
};

//! A scenario and its paired and independent runs (only rank 0 holds the trials under MPI).
struct Arm {
  std::string name;
  Scenario scenario;
  RunResult paired;
  RunResult independent;
  CostModel costs;  //!< /costs and the capacity windows' hire costs
};

RunOptions arm_options(std::uint64_t trials, std::uint64_t seed, int threads) {
  RunOptions options;
  options.end_trial = trials;
  options.seed = seed;
  options.threads = threads;
  return options;
}

//! `progress`: the bar over every run of a comparison or sweep (rank 0's share under MPI).
RunResult run_arm(const Scenario& scenario, std::uint64_t trials, std::uint64_t seed, int threads,
                  ProgressBar* progress = nullptr) {
  RunOptions options = arm_options(trials, seed, threads);
  if (progress) options.progress = progress->step(trials);
  return mpi::run_distributed(scenario, options);
}

//! An arm priced for its costs: its forecast (counting what its compensation plans' derived
//! quotas need) and, with compensation plans, a second pass over the same trials pricing them
//! as `opsim quotas` does (or, for an alternative whose quotas are all the base's, one pass
//! doing both). `quotas`: the base's (read on rank 0), null for the base itself.
struct PricedArm {
  RunResult result;
  CompTrialPay comp;
};

//! The runs of a priced arm: 1, or 2 with compensation plans (for the progress bar).
std::uint64_t priced_runs(const CostModel& costs) {
  return costs.comp.empty() ? 1 : 2;
}

PricedArm run_priced_arm(const Scenario& scenario, const CostModel& costs, std::uint64_t trials,
                         std::uint64_t seed, int threads, ProgressBar& progress,
                         const CompQuotas* quotas) {
  PricedArm arm;
  RunOptions options = arm_options(trials, seed, threads);
  options.progress = progress.step(trials);
  // An alternative whose every quota is the base's is priced during its forecast.
  if (quotas != nullptr &&
      run_priced_forecast(scenario, costs.comp, options, *quotas, arm.result, arm.comp)) {
    (void)progress.step(trials);  // the pricing pass it saved
    return arm;
  }
  CompMeasures measures;
  arm.result = run_counting_measures(scenario, costs.comp, options, measures);
  if (costs.comp.empty()) return arm;
  const CompQuotas own =
      quotas == nullptr && mpi::rank() == 0 ? comp_quotas(scenario, arm.result) : CompQuotas();
  options.progress = progress.step(trials);
  arm.comp = price_compensation(scenario, costs.comp, arm.result, options,
                                quotas != nullptr ? *quotas : own, measures);
  return arm;
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

//! Names that tell the compared scenarios apart in every output (the workbook's headings, the
//! CSVs' alternative column, the legend): a name two scenarios share gains each one's file name,
//! its path as given when the file names repeat, and its position when the same file is given
//! twice (a review found two columns both headed "plan_example (USD)").
std::vector<std::string> distinct_names(const std::vector<const Scenario*>& scenarios) {
  std::vector<std::string> names;
  for (const Scenario* s : scenarios) names.push_back(scenario_name(*s));
  auto repeated = [](const std::vector<std::string>& list, std::size_t i) {
    return std::count(list.begin(), list.end(), list[i]) > 1;
  };
  std::vector<std::string> named = names;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (repeated(names, i))
      named[i] = fmt::format("{} ({})", names[i],
                             std::filesystem::path(scenarios[i]->source).filename().string());
  }
  // Files of one name in different folders: their paths as given (the same file given twice
  // keeps its file name, then its position).
  std::vector<std::string> located = named;
  for (std::size_t i = 0; i < named.size(); ++i) {
    for (std::size_t j = 0; j < named.size(); ++j) {
      if (named[j] == named[i] && scenarios[j]->source != scenarios[i]->source)
        located[i] = fmt::format("{} ({})", names[i], scenarios[i]->source);
    }
  }
  std::vector<std::string> numbered = located;
  for (std::size_t i = 0; i < located.size(); ++i) {
    if (repeated(located, i)) numbered[i] = fmt::format("{} #{}", located[i], i + 1);
  }
  return numbered;
}

//! The unit of a metric's values: the reporting currency for amounts, else what it counts
//! (MetricInfo::unit, as the run's workbook gives it).
std::string metric_unit(const Scenario& scenario, const std::string& metric) {
  const std::string_view unit = metric_info(metric_of(metric)).unit;
  return unit == "currency" ? reporting_currency(scenario) : std::string(unit);
}

//! The bookings metric costs are weighed against: the compared metric when it is an amount
//! that flows, else new bookings (review: --metric wins subtracted a cost in USD from a count of
//! wins, and labelled the wins USD).
int economics_metric(int metric) {
  const MetricInfo& info = metric_info(metric);
  return info.unit == "currency" && info.aggregation == Aggregation::flow
             ? metric
             : static_cast<int>(Metric::new_bookings);
}

//! A machine name in words: "new_bookings" -> "new bookings".
std::string words_of(std::string name) {
  std::replace(name.begin(), name.end(), '_', ' ');
  return name;
}

//! A sweep statistic's column name in words for the workbook's headings.
std::string statistic_words(const std::string& name) {
  if (name == "difference_vs_base") return "difference vs base";
  if (name == "difference_se") return "difference SE";
  if (name == "contribution_se") return "contribution SE";
  return words_of(name);
}

//! The workbook's kind of a metric's cells: amounts in the reporting currency, else numbers.
CellKind metric_cell_kind(const Scenario& scenario, const std::string& metric) {
  return metric_unit(scenario, metric) == reporting_currency(scenario) ? CellKind::amount
                                                                       : CellKind::number;
}

//! A paired difference whose every trial is zero: the scenarios agree on this cell.
bool identical(const PairedCell& x) {
  return x.mean == 0 && x.se == 0 && x.p5 == 0 && x.p95 == 0 && x.p_better == 0;
}

//! "new_bookings FY2028 NA" (the files' label); in words for the terminal and the workbook:
//! "new bookings FY2028 NA".
//! `among`: the compared targets; a target that shares its cell with another of another amount
//! (an alternative's stretch target) is named with its amount: "new bookings FY2028 total
//! (170M)" (review: two rows read the same).
std::string target_name(const TargetResult& t, const ResultLayout& layout, const Scenario& scenario,
                        const std::vector<TargetResult>& among, bool words = false) {
  std::string name =
      fmt::format("{} {} {}", words ? metric_words(t.target.metric) : t.target.metric,
                  layout.periods[t.period].label, target_place(scenario, t.target));
  const bool shared = std::any_of(among.begin(), among.end(), [&](const TargetResult& o) {
    return o.cell == t.cell && o.target.amount != t.target.amount;
  });
  if (shared) name += fmt::format(" ({})", format_amount(t.target.amount));
  return name;
}

//! Every scenario's targets, once each: the base's, then those only an alternative sets (the
//! same cell and amount are one target), in the order first met. Review: an alternative's own
//! targets were in targets.csv but not on the terminal, in the HDF5 file, the workbook or the
//! report.
std::vector<TargetResult> compared_targets(
    const std::vector<std::pair<std::string, Summary>>& summaries) {
  std::vector<TargetResult> out;
  for (const auto& [name, summary] : summaries) {
    for (const TargetResult& t : summary.targets) {
      const bool seen = std::any_of(out.begin(), out.end(), [&](const TargetResult& o) {
        return o.cell == t.cell && o.target.amount == t.target.amount;
      });
      if (!seen) out.push_back(t);
    }
  }
  return out;
}

void write_comparison_csv(const std::string& dir, const Scenario& base, const ResultLayout& layout,
                          const std::vector<ScenarioComparison>& comparisons,
                          const std::string& metric,
                          const std::vector<std::pair<std::string, Summary>>& summaries,
                          const std::vector<Economics>& economics, double return_threshold) {
  const auto regions = region_labels(base);
  const auto segments = segment_labels(base);
  const Coverage cover = coverage_of(metric_index(metric));  // the compared metric's months
  std::vector<FolderFile> files = economics_csv_files(base, layout, economics, return_threshold);
  files.push_back(
      {"differences.csv", [&](std::ostream& out) {
         out << "alternative,period,region,segment,metric,unit,mean_difference,se,p5,p50,p95,p_"
                "alternative_better,se_independent,variance_reduction,note\n";
         const std::string unit = metric_unit(base, metric);
         // A partial period's coverage whether or not the scenarios differ in it (review).
         auto note = [](bool same, const std::string& coverage) {
           if (!same) return coverage;
           return coverage.empty() ? std::string("identical") : "identical; " + coverage;
         };
         for (const auto& c : comparisons) {
           for (std::size_t p = 0; p < layout.periods.size(); ++p) {
             for (int r = 0; r < layout.regions; ++r) {
               for (int s = 0; s < layout.segments; ++s) {
                 const PairedCell& x = c.cells[(p * layout.regions + r) * layout.segments + s];
                 // Undefined where the scenarios agree in every trial (a variance reduction of
                 // 0 / 0, and P(higher): review, "0.0000" read as never higher) is left empty.
                 out << fmt::format(
                     "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_text(c.name),
                     layout.periods[p].label, regions[r], segments[s], metric, unit,
                     csv_number(x.mean, 2), csv_number(x.se, 2), csv_number(x.p5, 2),
                     csv_number(x.p50, 2), csv_number(x.p95, 2),
                     identical(x) ? "" : csv_number(x.p_better, 4), csv_number(x.se_independent, 2),
                     identical(x) ? "" : csv_number(x.variance_reduction, 4),
                     note(identical(x), layout.periods[p].coverage(cover)));
               }
             }
           }
         }
       }});
  files.push_back({"targets.csv", [&](std::ostream& targets) {
                     targets << "scenario,metric,period,region,segment,target,currency,probability,"
                                "standard_error,coverage\n";
                     for (const auto& [name, summary] : summaries) {
                       for (const auto& t : summary.targets) {
                         const Period& period = layout.periods[t.period];
                         targets << fmt::format(
                             "{},{},{},{},{},{},{},{},{},{}\n", csv_text(name), t.target.metric,
                             period.label, t.target.region < 0 ? "total" : regions[t.target.region],
                             t.target.segment < 0 ? "total" : segments[t.target.segment],
                             csv_number(t.target.amount, 2), reporting_currency(base),
                             csv_number(t.probability, 4), csv_number(t.standard_error, 4),
                             csv_text(period.coverage(coverage_of(metric_index(t.target.metric)))));
                       }
                     }
                   }});
  write_folder_files(dir, files);
}

//! /labels for the axes of the comparison and /scenarios: each scenario's mean of the metric per
//! period and region (all segments) and its targets' P(reach), base first.
void write_comparison_labels(H5::H5File& file, const Scenario& base, const ResultLayout& layout,
                             const std::string& metric,
                             const std::vector<std::pair<std::string, Summary>>& summaries) {
  H5::Group labels = file.createGroup("/labels");
  std::vector<std::string> periods, coverage, names, targets;
  // The compared metric's months (review: revenue's 10-month FY2028 was labelled whole, as new
  // bookings with their actuals are, and the report showed it as a full year).
  const Coverage cover = coverage_of(metric_index(metric));
  for (const auto& p : layout.periods) {
    periods.push_back(p.label);
    coverage.push_back(p.coverage(cover));
  }
  write_strings(labels, "periods", periods);
  write_strings(labels, "period_coverage", coverage);
  write_strings(labels, "regions", region_labels(base));
  write_strings(labels, "segments", segment_labels(base));
  std::vector<std::string> target_coverage;
  const std::vector<TargetResult> compared = compared_targets(summaries);
  for (const auto& t : compared) {
    targets.push_back(target_name(t, layout, base, compared));
    target_coverage.push_back(
        layout.periods[t.period].coverage(coverage_of(metric_index(t.target.metric))));
  }
  write_strings(labels, "targets", targets);
  write_strings(labels, "target_coverage", target_coverage);
  H5::Group group = file.createGroup("/scenarios");
  const int k = metric_index(metric);
  std::vector<double> means, probability, se, amount;
  for (const auto& [name, summary] : summaries) {
    names.push_back(name);
    for (std::size_t p = 0; p < layout.periods.size(); ++p) {
      for (int r = 0; r < layout.regions; ++r)
        means.push_back(
            summary.period_mean[p * layout.cells() + layout.cell(r, layout.segments - 1, k)]);
    }
    for (const auto& reference : compared) {
      double value = std::numeric_limits<double>::quiet_NaN(), error = value;
      for (const auto& t : summary.targets) {
        if (t.cell == reference.cell && t.target.amount == reference.target.amount)
          value = t.probability, error = t.standard_error;
      }
      probability.push_back(value);
      se.push_back(error);
    }
  }
  for (const auto& t : compared) amount.push_back(t.target.amount);
  write_strings(group, "names", names);
  const hsize_t n = summaries.size(), P = layout.periods.size(),
                R = static_cast<hsize_t>(layout.regions), T = targets.size();
  write_doubles(group, "period_mean", {n, P, R}, means.data(), "scenario,period,region");
  write_doubles(group, "target_probability", {n, T}, probability.data(), "scenario,target");
  write_doubles(group, "target_standard_error", {n, T}, se.data(), "scenario,target");
  write_doubles(group, "target_amount", {T}, amount.data(), "target");
}

void write_comparison_hdf5(const std::string& path, const Scenario& base,
                           const ResultLayout& layout,
                           const std::vector<ScenarioComparison>& comparisons,
                           const std::string& metric, std::uint64_t seed, std::uint64_t trials,
                           const std::vector<std::pair<std::string, Summary>>& summaries,
                           const std::vector<Economics>& economics, double return_threshold,
                           const std::vector<std::vector<std::string>>& drawn) {
  write_hdf5_document(path, [&](H5::H5File& file) {
    H5::Group root = file.openGroup("/");
    string_attribute(root, "metric", metric);
    // Every amount of the file (differences of a money metric, targets, costs) is in it.
    string_attribute(root, "currency", reporting_currency(base));
    string_attribute(root, "unit", metric_unit(base, metric));  // of the compared metric
    string_attribute(root, "base_scenario_sha256", base.sha256);
    string_attribute(root, "seed", std::to_string(seed));
    string_attribute(root, "trials", std::to_string(trials));
    string_attribute(root, "independent_seed", std::to_string(independent_seed(seed)));
    const std::vector<hsize_t> dims{layout.periods.size(), static_cast<hsize_t>(layout.regions),
                                    static_cast<hsize_t>(layout.segments)};
    write_comparison_labels(file, base, layout, metric, summaries);
    // Each scenario's parameters drawn once per trial, as `run` writes them (/scenario/...), with
    // the scenario each belongs to.
    std::vector<std::string> parameters, of;
    for (std::size_t i = 0; i < drawn.size(); ++i) {
      for (const std::string& line : drawn[i]) {
        parameters.push_back(line);
        of.push_back(summaries[i].first);
      }
    }
    H5::Group scenarios = file.openGroup("/scenarios");
    write_strings(scenarios, "uncertain_parameters", parameters);
    write_strings(scenarios, "uncertain_parameters_scenario", of);
    for (std::size_t a = 0; a < comparisons.size(); ++a) {
      H5::Group group = file.createGroup(fmt::format("/alternative_{}", a + 1));
      string_attribute(group, "name", comparisons[a].name);
      // `undefined_if_identical`: NaN where the scenarios agree in every trial, as in
      // differences.csv.
      auto field = [&](const char* name, double PairedCell::*member,
                       bool undefined_if_identical = false) {
        std::vector<double> values;
        for (const auto& c : comparisons[a].cells)
          values.push_back(undefined_if_identical && identical(c)
                               ? std::numeric_limits<double>::quiet_NaN()
                               : c.*member);
        write_doubles(group, name, dims, values.data(), "period,region,segment");
      };
      field("mean_difference", &PairedCell::mean);
      field("se", &PairedCell::se);
      field("p5", &PairedCell::p5);
      field("p50", &PairedCell::p50);
      field("p95", &PairedCell::p95);
      field("p_alternative_better", &PairedCell::p_better, true);
      field("se_independent", &PairedCell::se_independent);
      field("variance_reduction", &PairedCell::variance_reduction);
    }
    write_economics_hdf5(file, base, layout, economics, return_threshold);
  });
}

//! The comparison as a workbook: Summary (scenarios side by side, then the differences),
//! Targets (P(reach) per scenario) and Differences (every paired cell).
std::vector<XlsxTable> comparison_workbook(
    const Scenario& base, const ResultLayout& layout,
    const std::vector<ScenarioComparison>& comparisons, const std::string& metric,
    const std::vector<std::pair<std::string, Summary>>& summaries,
    const std::vector<Economics>& economics, bool with_costs, double return_threshold,
    const std::vector<std::vector<std::string>>& drawn) {
  const auto regions = region_labels(base);
  const auto segments = segment_labels(base);
  const std::string unit = fmt::format(" ({})", base.fx.currencies[base.fx.reporting].code);
  const std::uint64_t trials = summaries.front().second.trials;  // paired: every arm's
  std::string assumptions;
  for (std::size_t i = 0; i < drawn.size(); ++i) {
    if (drawn[i].empty()) continue;
    assumptions += fmt::format(
        " {} is a forecast with assumption uncertainty, drawn once per "
        "trial: {}.",
        summaries[i].first, fmt::join(drawn[i], "; "));
  }
  // The compared metric's own unit and cell kind (a count of wins is not USD).
  const std::string metric_text = fmt::format(" ({})", metric_unit(base, metric));
  const CellKind metric_kind = metric_cell_kind(base, metric);
  const int k = metric_index(metric);
  const Coverage cover = coverage_of(k);  // the compared metric's months
  XlsxTable summary{
      "Summary",
      {{"period", CellKind::text, 10},
       {"coverage", CellKind::text, 28},
       {"region", CellKind::text, 10}},
      {},
      with_missing_actuals(fmt::format("{}: mean per fiscal year and region (all segments); "
                                       "differences paired with common random numbers; where the "
                                       "scenarios agree in every trial the difference is 0 and its "
                                       "SE and P(higher) are blank.{}",
                                       metric_words(metric), assumptions),
                           base, layout)};
  for (const auto& [name, s] : summaries)
    summary.columns.push_back({name + metric_text, metric_kind, 16});
  // Each alternative's SE and P(higher) name it when there are several (a review found three
  // columns each headed "SE (USD)").
  const bool several = comparisons.size() > 1;
  for (const auto& c : comparisons) {
    summary.columns.push_back(
        {c.name + " - " + summaries.front().first + metric_text, metric_kind, 16});
    summary.columns.push_back(
        // The difference's SE (review: "SE of <alternative>" read as the alternative's own).
        {several ? fmt::format("SE of {} − {}{}", c.name, summaries.front().first, metric_text)
                 : "SE of the difference" + metric_text,
         metric_kind, 10});
    summary.columns.push_back(
        {several ? fmt::format("P({} higher)", c.name) : std::string("P(higher)"),
         CellKind::percent, 10});
  }
  for (std::size_t p = 0; p < layout.periods.size(); ++p) {
    const Period& period = layout.periods[p];
    if (period.quarter != 0) continue;
    for (int r = 0; r < layout.regions; ++r) {
      std::vector<XlsxValue> row{period.label, period.coverage(cover), regions[r]};
      for (const auto& entry : summaries)
        row.push_back(
            entry.second.period_mean[p * layout.cells() + layout.cell(r, layout.segments - 1, k)]);
      for (const auto& c : comparisons) {
        const PairedCell& x =
            c.cells[(p * layout.regions + r) * layout.segments + layout.segments - 1];
        const double none = std::numeric_limits<double>::quiet_NaN();
        row.emplace_back(identical(x) ? 0.0 : x.mean);
        row.emplace_back(identical(x) ? none : x.se);
        row.push_back(identical(x) ? XlsxValue(none) : trials_probability(x.p_better, trials));
      }
      summary.rows.push_back(std::move(row));
    }
  }
  // A target of a partial period says so (review: only the terminal marked it, without saying
  // what the mark meant); its row is shaded as every row with a coverage.
  XlsxTable targets{"Targets",
                    {{"target", CellKind::text, 34},
                     {"coverage", CellKind::text, 28},
                     {"amount" + unit, CellKind::amount, 16}},
                    {},
                    ""};
  for (const auto& [name, s] : summaries) targets.columns.push_back({name, CellKind::percent, 12});
  // Each alternative's paired change in P(reach) and its standard error, as the terminal prints
  // them (review: the workbook had the probabilities only, and their difference is not paired).
  for (const Economics& e : economics) {
    const std::string change = e.name + " − " + summaries.front().first;
    targets.columns.push_back({"change " + change, CellKind::points, 14});
    targets.columns.push_back({"SE of change " + change, CellKind::points, 12});
  }
  const std::vector<TargetResult> compared = compared_targets(summaries);
  for (std::size_t i = 0; i < compared.size(); ++i) {
    const TargetResult& reference = compared[i];
    std::vector<XlsxValue> row{target_name(reference, layout, base, compared, true),
                               layout.periods[reference.period].coverage(
                                   coverage_of(metric_index(reference.target.metric))),
                               reference.target.amount};
    for (const auto& entry : summaries) {
      XlsxValue value = std::numeric_limits<double>::quiet_NaN();
      for (const auto& t : entry.second.targets) {
        if (t.cell == reference.cell && t.target.amount == reference.target.amount)
          value = trials_probability(t.probability, entry.second.trials);
      }
      row.push_back(value);
    }
    for (const Economics& e : economics) {
      row.push_back(e.targets[i].change.mean);
      row.push_back(e.targets[i].change.se);
    }
    targets.rows.push_back(std::move(row));
  }
  XlsxTable differences{"Differences",
                        {{"alternative", CellKind::text, 16},
                         {"period", CellKind::text, 10},
                         {"coverage", CellKind::text, 28},
                         {"region", CellKind::text, 10},
                         {"segment", CellKind::text, 10},
                         {"mean difference" + metric_text, metric_kind, 16},
                         {"SE" + metric_text, metric_kind, 12},
                         {"P5" + metric_text, metric_kind, 14},
                         {"P50" + metric_text, metric_kind, 14},
                         {"P95" + metric_text, metric_kind, 14},
                         {"P(higher)", CellKind::percent, 10},
                         {"SE independent" + metric_text, metric_kind, 14},
                         {"variance reduction", CellKind::number, 12}},
                        {},
                        ""};
  // Said only where some cell is blank for it (review: the note stood under every table).
  bool any_identical = false;
  for (const auto& c : comparisons)
    for (const PairedCell& x : c.cells) any_identical = any_identical || identical(x);
  if (any_identical)
    differences.note =
        "P(higher) and variance reduction blank: the scenarios agree in every trial (identical).";
  for (const auto& c : comparisons) {
    for (std::size_t p = 0; p < layout.periods.size(); ++p) {
      for (int r = 0; r < layout.regions; ++r) {
        for (int s = 0; s < layout.segments; ++s) {
          const PairedCell& x = c.cells[(p * layout.regions + r) * layout.segments + s];
          const double none = std::numeric_limits<double>::quiet_NaN();
          differences.rows.push_back(
              {c.name, layout.periods[p].label, layout.periods[p].coverage(cover), regions[r],
               segments[s], x.mean, x.se, x.p5, x.p50, x.p95,
               identical(x) ? XlsxValue(none) : trials_probability(x.p_better, trials),
               x.se_independent, identical(x) ? none : x.variance_reduction});
        }
      }
    }
  }
  if (!with_costs) return {summary, targets, differences};
  // Costs and return: economics.csv's rows (sim/io/economics_output.cpp), for people.
  XlsxTable costs{"Costs",
                  {{"alternative", CellKind::text, 16},
                   {"period", CellKind::text, 10},
                   {"coverage", CellKind::text, 28},
                   {"region", CellKind::text, 10},
                   {"bookings base" + unit, CellKind::amount, 16},
                   {"bookings alternative" + unit, CellKind::amount, 16},
                   {"cost base" + unit, CellKind::amount, 16},
                   {"cost alternative" + unit, CellKind::amount, 16},
                   {"extra cost" + unit, CellKind::amount, 16},
                   {"SE of extra cost" + unit, CellKind::amount, 12},
                   {"extra bookings" + unit, CellKind::amount, 16},
                   {"SE of extra bookings" + unit, CellKind::amount, 12},
                   {"extra contribution" + unit, CellKind::amount, 18},
                   {"SE of extra contribution" + unit, CellKind::amount, 12},
                   {"P(better)", CellKind::percent, 10},
                   {"return on cost (x)", CellKind::number, 14},
                   {"SE of return on cost (x)", CellKind::significant, 12},
                   {fmt::format("P(return on cost > {})", format_user_value(return_threshold)),
                    CellKind::percent, 14}},
                  {},
                  "Paired differences (alternative - base) per trial. Return on cost blank: no "
                  "extra cost, the alternative saves cost, or a partial period. A quarter holds "
                  "the pay placed in it by the plans' payout timing: judge returns by fiscal "
                  "year."};
  for (const Economics& e : economics)
    if (!e.note.empty()) costs.note += fmt::format(" Warning: {}.", e.note);
  for (const Economics& e : economics) {
    for (std::size_t p = 0; p < layout.periods.size(); ++p) {
      for (int r = 0; r < layout.regions; ++r) {
        const EconomicsCell& c =
            e.cells[p * static_cast<std::size_t>(layout.regions) + static_cast<std::size_t>(r)];
        costs.rows.push_back({e.name, layout.periods[p].label, cost_coverage(layout.periods[p]),
                              regions[r], c.bookings_base, c.bookings_alt, c.cost_base, c.cost_alt,
                              c.cost.mean, c.cost.se, c.bookings.mean, c.bookings.se,
                              c.contribution.mean, c.contribution.se,
                              trials_probability(c.p_better, e.trials), c.return_on_cost,
                              c.return_se, trials_probability(c.p_return_above, e.trials)});
      }
    }
  }
  return {summary, targets, differences, costs};
}

//! Scenarios per block of the means and P(reach) tables, alternatives per block of the
//! differences: every line fits 100 columns however many scenarios are compared.
constexpr std::size_t kScenariosPerBlock = 7;
constexpr std::size_t kTargetScenariosPerBlock = 4;
constexpr std::size_t kDifferencesPerBlock = 2;

//! Scenarios side by side: the means per fiscal year and region, then each alternative's paired
//! difference, then each scenario's P(reach) of every target (the paired changes in P(reach)
//! follow in economics_table).
std::string comparison_table(const Scenario& base, const ResultLayout& layout,
                             const std::vector<ScenarioComparison>& comparisons,
                             const std::string& metric,
                             const std::vector<std::pair<std::string, Summary>>& summaries) {
  const auto regions = region_labels(base);
  const int k = metric_index(metric);
  const Coverage cover = coverage_of(k);  // the compared metric's months
  std::string text = fmt::format(
      "\n{} in {}, mean per fiscal year and region (all segments); differences paired with\n"
      "common random numbers\n",
      metric_words(metric), metric_unit(base, metric));
  // Scenario names are long: columns carry a short key, and a legend names each scenario.
  auto key = [](std::size_t i) { return i == 0 ? std::string("base") : fmt::format("alt{}", i); };
  for (std::size_t i = 0; i < summaries.size(); ++i)
    text += fmt::format("  {:<5} = {}\n", key(i), summaries[i].first);
  auto end_line = [&] {
    text.erase(text.find_last_not_of(' ') + 1);
    text += "\n";
  };
  // Each block: a header, then one line per fiscal year and region.
  auto rows = [&](const std::string& header, auto&& cells) {
    text += fmt::format("\n{:<8} {:<7}{}\n", "period", "region", header);
    for (std::size_t p = 0; p < layout.periods.size(); ++p) {
      const Period& period = layout.periods[p];
      if (period.quarter != 0) continue;
      for (int r = 0; r < layout.regions; ++r) {
        text += fmt::format("{:<8} {:<7}", period.label + (period.partial(cover) ? "*" : ""),
                            regions[r]);
        cells(p, r);
        end_line();
      }
    }
  };
  for (std::size_t first = 0; first < summaries.size(); first += kScenariosPerBlock) {
    const std::size_t last = std::min(summaries.size(), first + kScenariosPerBlock);
    std::string header;
    for (std::size_t i = first; i < last; ++i) header += fmt::format(" {:>10}", key(i));
    rows(header, [&](std::size_t p, int r) {
      const std::size_t c = p * layout.cells() + layout.cell(r, layout.segments - 1, k);
      for (std::size_t i = first; i < last; ++i)
        text += fmt::format(" {:>10}", format_amount(summaries[i].second.period_mean[c]));
    });
  }
  // P(higher) of none or every trial: its rule-of-three bound, "<0.6%" or ">99.4%" (review:
  // "100.0%"), said once under the table.
  const std::uint64_t trials = summaries.front().second.trials;
  bool bounded = false;
  auto higher = [&](double p) { return format_trials_probability_short(p, trials, bounded); };
  for (std::size_t first = 0; first < comparisons.size(); first += kDifferencesPerBlock) {
    const std::size_t last = std::min(comparisons.size(), first + kDifferencesPerBlock);
    std::string header;
    for (std::size_t i = first; i < last; ++i)
      header += fmt::format(" {:>18} {:>9} {:>8}", key(i + 1) + " - base", "P(higher)", "var.red.");
    rows(header, [&](std::size_t p, int r) {
      for (std::size_t i = first; i < last; ++i) {
        const PairedCell& x =
            comparisons[i].cells[(p * layout.regions + r) * layout.segments + layout.segments - 1];
        if (identical(x)) {
          text += fmt::format(" {:>18} {:>9} {:>8}", "identical", "", "");
        } else {
          text += fmt::format(
              " {:>18} {:>9} {:>8}", format_amount_with_se(x.mean, x.se), higher(x.p_better),
              std::isfinite(x.variance_reduction) ? format_grouped(x.variance_reduction, 1) + "x"
                                                  : "n/a");
        }
      }
    });
  }
  if (bounded)
    text += fmt::format(
        "P(higher) <{0} or >{1}: higher in none or every one of the {2} trials (rule of three)\n",
        rule_of_three_percent(trials), rule_of_three_percent(trials, true),
        format_grouped(static_cast<double>(trials)));
  for (const Period& period : layout.periods) {
    if (period.quarter == 0 && period.partial(cover))
      text += fmt::format("* {}\n", period.display_label(cover));
  }
  const std::vector<TargetResult> reference = compared_targets(summaries);
  for (std::size_t first = 0; !reference.empty() && first < summaries.size();
       first += kTargetScenariosPerBlock) {
    const std::size_t last = std::min(summaries.size(), first + kTargetScenariosPerBlock);
    text += fmt::format("\n{:<40}", "P(reach) ±SE");
    for (std::size_t i = first; i < last; ++i) text += fmt::format(" {:>13}", key(i));
    text += "\n";
    for (std::size_t i = 0; i < reference.size(); ++i) {
      const Period& period = layout.periods[reference[i].period];
      text += fmt::format(
          "{:<40}",
          target_name(reference[i], layout, base, reference, true) +
              (period.partial(coverage_of(metric_index(reference[i].target.metric))) ? "*" : ""));
      // Alternatives may set other targets: match by cell, "-" where a scenario lacks it.
      for (std::size_t s = first; s < last; ++s) {
        const TargetResult* t = nullptr;
        for (const auto& candidate : summaries[s].second.targets) {
          if (candidate.cell == reference[i].cell &&
              candidate.target.amount == reference[i].target.amount)
            t = &candidate;
        }
        const std::uint64_t trials = summaries[s].second.trials;
        std::string shown = "-";
        if (t != nullptr) {
          shown = format_certain_probability(t->probability, t->standard_error, trials);
          if (shown.empty())
            shown =
                fmt::format("{} ±{:.1f}", format_percent(t->probability), 100 * t->standard_error);
        }
        text += fmt::format(" {:>13}", shown);
      }
      end_line();
    }
  }
  // What a target's "*" means (review: the table marked it and said nothing), each period once.
  std::vector<std::string> notes;
  for (const TargetResult& t : reference) {
    const Coverage c = coverage_of(metric_index(t.target.metric));
    const Period& period = layout.periods[t.period];
    const std::string note =
        fmt::format("* {} ({})", period.display_label(c), metric_words(t.target.metric));
    if (period.partial(c) && std::find(notes.begin(), notes.end(), note) == notes.end())
      notes.push_back(note);
  }
  for (const std::string& note : notes) text += note + "\n";
  return text;
}

//! A scenario of a comparison with costs that prices none: said on the terminal before the runs
//! and with the costs in every file.
std::string unpriced_note(const std::string& name) {
  return fmt::format(
      "{} prices no costs (no /costs, no compensation plans, no capacity hire costs): its cost "
      "counts as 0 in the costs and return",
      name);
}

//! Runs base and alternatives paired (same seed) plus each alternative independently, then
//! reports and writes. `alternatives` share the base's layout.
void report_paired(const PairedArgs& args, Arm& base, std::vector<Arm>& alternatives) {
  const int metric = metric_of(args.metric);
  const std::uint64_t trials = args.trials.value_or(base.scenario.simulation.trials);
  const std::uint64_t seed = args.seed.value_or(base.scenario.simulation.seed);
  const int threads = args.threads.value_or(base.scenario.simulation.threads);
  std::uint64_t runs = priced_runs(base.costs);
  for (const Arm& alt : alternatives) runs += priced_runs(alt.costs) + 1;
  // A scenario that prices nothing beside one that prices costs is compared at cost 0: said
  // before the work, on stderr whatever -q (review: an alternative without the base's cost model
  // read "saves cost" and P(better) 100% in silence).
  if (mpi::rank() == 0) {
    std::vector<const Arm*> arms{&base};
    for (const Arm& alt : alternatives) arms.push_back(&alt);
    const auto priced =
        std::find_if(arms.begin(), arms.end(), [](const Arm* arm) { return !arm->costs.empty(); });
    for (const Arm* arm : arms) {
      if (priced == arms.end() || !arm->costs.empty()) continue;
      fmt::print(stderr, "{}\n",
                 wrap_words(fmt::format("opsim: warning: {}, beside the costs of {}",
                                        unpriced_note(arm->name), (*priced)->name),
                            100, 2));
    }
  }
  // The base's run and each alternative's paired and independent ones are held together.
  mpi::collectively([&] {
    require_memory_for(base.scenario, trials, 1 + 2 * alternatives.size(), threads, "compare",
                       args.max_memory);
  });
  ProgressBar progress(trials * runs, !args.quiet && mpi::rank() == 0);
  PricedArm priced = run_priced_arm(base.scenario, base.costs, trials, seed, threads, progress, {});
  base.paired = std::move(priced.result);
  // Compensation quotas are the base's (the plan of record), for every scenario.
  const CompQuotas quotas =
      mpi::rank() == 0 ? comp_quotas(base.scenario, base.paired) : CompQuotas();
  const CompTrialPay base_comp = std::move(priced.comp);
  std::vector<CompTrialPay> alt_comp;
  for (auto& alt : alternatives) {
    priced = run_priced_arm(alt.scenario, alt.costs, trials, seed, threads, progress, &quotas);
    alt.paired = std::move(priced.result);
    alt_comp.push_back(std::move(priced.comp));
    alt.independent = run_arm(alt.scenario, trials, independent_seed(seed), threads, &progress);
  }
  progress.finish();
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
  // Costs priced per trial on the same draws; every target's paired change in P(reach).
  const std::vector<TargetResult> targets = compared_targets(summaries);
  std::vector<std::string> target_names;
  for (const auto& t : targets)
    target_names.push_back(target_name(t, layout, base.scenario, targets));
  bool with_costs = !base.costs.empty();
  const std::vector<double> base_cost =
      trial_costs(base.costs, base.scenario, base.paired, seed, base_comp);
  std::vector<Economics> economics;
  for (std::size_t a = 0; a < alternatives.size(); ++a) {
    const Arm& alt = alternatives[a];
    with_costs = with_costs || !alt.costs.empty();
    economics.push_back(
        compare_economics(alt.name, base.paired, base_cost, alt.paired,
                          trial_costs(alt.costs, alt.scenario, alt.paired, seed, alt_comp[a]),
                          economics_metric(metric), args.return_threshold, targets, target_names));
    // The warning printed before the runs, kept with the costs in the files (review: the report
    // and workbook showed "saves cost" with no caveat).
    if (base.costs.empty() != alt.costs.empty()) {
      const Arm& unpriced = base.costs.empty() ? base : alt;
      economics.back().note = unpriced_note(unpriced.name);
    }
  }
  // Each scenario's distributions drawn once per trial: in full in the file, in short for
  // people (the terminal and the workbook).
  std::vector<std::vector<std::string>> drawn, drawn_short;
  for (std::size_t i = 0; i <= alternatives.size(); ++i) {
    const Arm& arm = i == 0 ? base : alternatives[i - 1];
    drawn.push_back(describe_assumptions(arm.scenario));
    drawn_short.push_back(summarise_assumptions(arm.scenario));
    for (const std::string& line : describe_uncertain_costs(arm.costs)) {
      drawn.back().push_back(line);
      drawn_short.back().push_back(line);
    }
  }
  if (!args.output.empty())
    write_comparison_hdf5(args.output, base.scenario, layout, comparisons, args.metric, seed,
                          trials, summaries, economics, args.return_threshold, drawn);
  if (!args.csv_dir.empty()) {
    write_comparison_csv(args.csv_dir, base.scenario, layout, comparisons, args.metric, summaries,
                         economics, args.return_threshold);
  }
  if (!args.xlsx.empty())
    write_workbook(args.xlsx,
                   comparison_workbook(base.scenario, layout, comparisons, args.metric, summaries,
                                       economics, with_costs, args.return_threshold, drawn_short));
  if (!args.quiet) {
    fmt::print("{}", comparison_table(base.scenario, layout, comparisons, args.metric, summaries));
    fmt::print("{}", missing_actuals_notes(base.scenario, layout));
    fmt::print(
        "{}", economics_table(base.scenario, layout, economics, args.return_threshold, with_costs));
    // Scenarios with distributions: say so, and which parameters were drawn per trial.
    for (std::size_t i = 0; i < drawn_short.size(); ++i) {
      const std::vector<std::string>& lines = drawn_short[i];
      if (lines.empty()) continue;
      fmt::print("\n{} is a forecast with assumption uncertainty; drawn once per trial:\n",
                 i == 0 ? std::string("base") : fmt::format("alt{}", i));
      for (const std::string& line : lines) fmt::print("  {}\n", line);
    }
  }
}

void add_paired_options(CLI::App* command, PairedArgs& args) {
  add_trials_option(command, args.trials, "Trials per scenario");
  add_seed_option(command, args.seed, "Random seed shared by all scenarios");
  add_threads_option(command, args.threads);
  add_max_memory_option(command, args.max_memory);
  command->add_option("--metric", args.metric, "Metric compared (default new_bookings)");
  add_output_option(command, args.output, "Write the comparison to this HDF5 file");
  add_csv_option(command, args.csv_dir);
  add_xlsx_option(command, args.xlsx);
  add_force_flag(command, args.force);
  add_quiet_flag(command, args.quiet);
  command
      ->add_option("--return-threshold", args.return_threshold,
                   "x of P(return on cost > x): extra bookings per unit of extra cost, a finite "
                   "number >= 0 (default 1)")
      ->check(non_negative_number());
}

//! Refuses outputs that would overwrite a scenario or its CSV files, or each other.
void check_paired_outputs(const PairedArgs& args, const std::vector<const Scenario*>& scenarios,
                          const std::vector<std::string>& csv_names) {
  metric_of(args.metric);
  OutputPlan plan(args.force);
  for (const Scenario* scenario : scenarios) add_scenario_inputs(plan, *scenario);
  plan.add_output(args.output, "-o", OutputKind::seekable);
  plan.add_output_folder(args.csv_dir, "--csv", csv_names);
  plan.add_output(args.xlsx, "--xlsx", OutputKind::seekable);
  plan.check();
}

//! One --set: a JSON pointer into the scenario and the values it takes.
struct SweepAxis {
  nlohmann::json::json_pointer pointer;
  std::string text;
  std::string words;  //!< what it names, for people: "Win rate (segment SMB)"
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
  axis.pointer = number_pointer(document, axis.text, fmt::format("--set {}: {}", spec, file));
  axis.words = pointer_words(document, axis.pointer);
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
    // 0.1 + 2 x 0.1 is 0.30000000000000004 in binary; the user meant 0.3.
    for (long long i = 0; i < count; ++i)
      axis.values.push_back(std::stod(format_user_value(from + static_cast<double>(i) * step)));
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
  CsvCache cache(input_options());  // every variant reuses the base's CSV files, read once
  Arm base;
  base.name = "base";
  base.scenario = build_scenario(document, base_path, base_dir.empty() ? "." : base_dir, &cache);
  base.scenario.sha256 = scenario_sha256(resolved);
  base.scenario.input_files = scenario_files(resolved);
  mpi::collectively([&] { check_paired_outputs(args, {&base.scenario}, {"sweep.csv"}); });
  std::vector<SweepAxis> axes;
  for (const auto& spec : sets) {
    axes.push_back(parse_axis(spec, document, base_path));
    // Two --set on one field (review: /segments[id=SMB]/win_rate and /segments/0/win_rate): the
    // later one overwrote the earlier while both values were reported.
    for (std::size_t a = 0; a + 1 < axes.size(); ++a) {
      if (axes[a].pointer == axes.back().pointer) {
        throw_input("--set {} and --set {} name the same field ({}); give each field one --set",
                    axes[a].text, axes.back().text, axes.back().pointer.to_string());
      }
    }
  }
  if (axes.empty()) throw_input("sweep: give at least one --set /pointer=values");
  std::size_t variants = 1;
  for (const auto& axis : axes) {
    if (args.zip && axis.values.size() != axes.front().values.size()) {
      throw_input("--zip: every --set needs the same number of values ({} has {}, {} has {})",
                  axes.front().text, axes.front().values.size(), axis.text, axis.values.size());
    }
    variants = args.zip ? axis.values.size() : variants * axis.values.size();
  }
  if (variants > 10000) throw_input("sweep: {} variants is too many (at most 10000)", variants);

  const int metric = metric_of(args.metric);
  const std::uint64_t trials = args.trials.value_or(base.scenario.simulation.trials);
  const std::uint64_t seed = args.seed.value_or(base.scenario.simulation.seed);
  const int threads = args.threads.value_or(base.scenario.simulation.threads);
  // Every variant runs with the base's seed, trials and threads (paired): a /simulation axis
  // changes nothing (a review found two identical variants of /simulation/seed=1,2, unexplained).
  std::vector<std::string> warnings;
  for (const SweepAxis& axis : axes) {
    if (axis.text.rfind("/simulation/", 0) == 0) {
      warnings.push_back(fmt::format(
          "--set {}: every variant runs with the base's seed ({}) and trials ({}), paired with "
          "it, so this axis changes nothing (compare seeds with opsim run --seed)",
          axis.text, seed, trials));
    }
  }
  if (mpi::rank() == 0) print_warnings(warnings);
  // Variant v's document and its values of the axes, in axis order.
  auto variant_of = [&](std::size_t v, std::vector<double>& values) {
    nlohmann::json variant = document;
    values.clear();
    std::size_t index = v;
    for (auto it = axes.rbegin(); it != axes.rend(); ++it) {
      // --zip: variant v takes every axis's v-th value; otherwise the grid, last axis fastest.
      const double value = it->values[args.zip ? v : index % it->values.size()];
      index /= it->values.size();
      variant[it->pointer] = value;
      values.insert(values.begin(), value);
    }
    return variant;
  };
  auto variant_name = [&](std::size_t v) {
    return fmt::format("{} (variant {})", base_path, v + 1);
  };
  // Every variant's scenario and costs are checked before anything runs, their errors together
  // (review: a bad value in the last variant was found after the base and every earlier one had
  // been simulated, and under mpirun ended in MPI_Abort).
  mpi::collectively([&] {
    // The base's run, a variant's and its priced pass are held together.
    require_memory_for(base.scenario, trials, 3, threads, "sweep", args.max_memory);
    InputErrorCollector errors;
    std::vector<double> values;
    for (std::size_t v = 0; v < variants; ++v) {
      errors.collect([&] {
        const nlohmann::json variant = variant_of(v, values);
        const Scenario scenario =
            build_scenario(variant, variant_name(v), base_dir.empty() ? "." : base_dir, &cache);
        // Paired with the base trial by trial: the same horizon, regions and segments (review:
        // --set /horizon/months=10 ended in an internal error).
        require_comparable(base.scenario, scenario);
        (void)load_costs(scenario, variant);
      });
    }
    errors.throw_if_any();
  });
  base.costs = load_costs(base.scenario, document);
  // Compensation plans are priced on a second pass of each run (a --set may add or change one).
  const std::uint64_t runs = priced_runs(base.costs) * (1 + variants);
  ProgressBar progress(trials * runs, !args.quiet && mpi::rank() == 0);
  PricedArm priced = run_priced_arm(base.scenario, base.costs, trials, seed, threads, progress, {});
  base.paired = std::move(priced.result);
  const CompQuotas quotas =
      mpi::rank() == 0 ? comp_quotas(base.scenario, base.paired) : CompQuotas();
  const std::vector<double> base_cost =
      mpi::rank() == 0 ? trial_costs(base.costs, base.scenario, base.paired, seed, priced.comp)
                       : std::vector<double>();

  struct Row {
    std::vector<double> values;
    std::vector<double> outputs;
  };
  std::vector<std::string> columns;
  // The workbook's headings for people (units, words), one per column.
  std::vector<XlsxColumn> headings;
  const std::string currency = base.scenario.fx.currencies[base.scenario.fx.reporting].code;
  const std::string metric_heading = metric_words(args.metric);
  auto add_column = [&](std::string name, std::string heading, CellKind kind) {
    if (kind == CellKind::amount) heading += fmt::format(" ({})", currency);
    columns.push_back(std::move(name));
    headings.push_back({std::move(heading), kind, 16.0});
  };
  // The compared metric's columns in its own unit (wins are a count, not USD).
  const CellKind metric_kind = metric_cell_kind(base.scenario, args.metric);
  auto add_metric_column = [&](std::string name, std::string heading) {
    if (metric_kind != CellKind::amount)
      heading += fmt::format(" ({})", metric_unit(base.scenario, args.metric));
    add_column(std::move(name), std::move(heading), metric_kind);
  };
  std::vector<Row> rows;
  SweepText table;  // the terminal's view
  for (const auto& axis : axes) table.axes.push_back(fmt::format("{}: {}", axis.words, axis.text));
  table.metric = metric_words(args.metric);                  // for people: the terminal's heading
  table.currency = metric_unit(base.scenario, args.metric);  // wins are a count, not USD
  table.trials = trials;
  for (std::size_t v = 0; v < variants; ++v) {
    Row row;
    const nlohmann::json variant = variant_of(v, row.values);
    Scenario scenario =
        build_scenario(variant, variant_name(v), base_dir.empty() ? "." : base_dir, &cache);
    const CostModel costs = load_costs(scenario, variant);  // a --set may move a cost
    const PricedArm arm = run_priced_arm(scenario, costs, trials, seed, threads, progress, &quotas);
    const RunResult& result = arm.result;
    if (mpi::rank() != 0) continue;
    const bool with_costs = !base.costs.empty() || !costs.empty();
    const Economics economics =
        compare_economics("variant", base.paired, base_cost, result,
                          trial_costs(costs, scenario, result, seed, arm.comp),
                          economics_metric(metric), args.return_threshold, {}, {});
    const Summary summary = summarise(scenario, result);
    const ResultLayout& layout = result.layout;
    const ScenarioComparison diff = compare_paired("variant", base.paired, result, result, metric);
    const bool first_row = rows.empty();
    // The terminal table's share of the row: per year the company total, then P(reach).
    std::vector<double> text_outputs;
    for (std::size_t p = 0; p < layout.periods.size(); ++p) {
      if (layout.periods[p].quarter != 0) continue;
      const std::size_t cell =
          p * layout.cells() + layout.cell(layout.regions - 1, layout.segments - 1, metric);
      const PairedCell& d = diff.cells[(p * layout.regions + layout.regions - 1) * layout.segments +
                                       layout.segments - 1];
      // A partial year says so in its column names: new_bookings_FY2029_partial_2_of_12_mean.
      const Period& period = layout.periods[p];
      const Coverage cover = coverage_of(metric);  // the swept metric's months
      const std::string label = column_label(period, cover);
      const std::string label_words = period.display_label(cover);  // as run and compare name it
      for (auto [name, value] : {std::pair<std::string, double>{"mean", summary.period_mean[cell]},
                                 {"p10", summary.period_quantiles[cell * kQuantiles + 1]},
                                 {"p50", summary.period_quantiles[cell * kQuantiles + 3]},
                                 {"p90", summary.period_quantiles[cell * kQuantiles + 5]},
                                 {"difference_vs_base", d.mean},
                                 {"difference_se", d.se}}) {
        if (first_row) {
          add_metric_column(
              fmt::format("{}_{}_{}", args.metric, label, name),
              fmt::format("{} {} {}", metric_heading, label_words, statistic_words(name)));
        }
        row.outputs.push_back(value);
        text_outputs.push_back(value);
      }
      if (first_row) {
        table.years.push_back(period.partial(cover)
                                  ? fmt::format("{} partial {}/{}", period.label,
                                                period.covered(cover), period.months())
                                  : period.label);
      }
      // With costs: the paired cost and contribution differences and the return on cost.
      const EconomicsCell& e =
          economics.cells[p * static_cast<std::size_t>(layout.regions) + layout.regions - 1];
      for (auto [name, value] : {std::pair<std::string, double>{"cost_difference", e.cost.mean},
                                 {"contribution_difference", e.contribution.mean},
                                 {"contribution_se", e.contribution.se},
                                 {"return_on_cost", e.return_on_cost},
                                 {"p_return_above_threshold", e.p_return_above}}) {
        if (!with_costs) break;
        if (first_row) {
          const CellKind kind = std::string_view(name) == "return_on_cost" ? CellKind::number
                                : std::string_view(name) == "p_return_above_threshold"
                                    ? CellKind::percent
                                    : CellKind::amount;
          // The threshold named (a review found "above threshold" without it).
          const std::string words =
              kind == CellKind::percent
                  ? fmt::format("P(return on cost > {})", format_user_value(args.return_threshold))
                  : statistic_words(name);
          add_column(fmt::format("{}_{}", label, name), fmt::format("{} {}", label_words, words),
                     kind);
        }
        row.outputs.push_back(value);
      }
      // Every region (all segments): its mean, paired difference and that difference's SE.
      for (int r = 0; r + 1 < layout.regions; ++r) {
        const std::size_t region_cell =
            p * layout.cells() + layout.cell(r, layout.segments - 1, metric);
        const PairedCell& rd =
            diff.cells[(p * layout.regions + r) * layout.segments + layout.segments - 1];
        for (auto [name, value] :
             {std::pair<std::string, double>{"mean", summary.period_mean[region_cell]},
              {"difference_vs_base", rd.mean},
              {"difference_se", rd.se}}) {
          if (first_row) {
            add_metric_column(
                fmt::format("{}_{}_{}_{}", args.metric, label, scenario.regions[r].id, name),
                fmt::format("{} {} {} {}", metric_heading, label_words, scenario.regions[r].id,
                            statistic_words(name)));
          }
          row.outputs.push_back(value);
        }
        const EconomicsCell& re =
            economics
                .cells[p * static_cast<std::size_t>(layout.regions) + static_cast<std::size_t>(r)];
        for (auto [name, value] : {std::pair<std::string, double>{"cost_difference", re.cost.mean},
                                   {"contribution_difference", re.contribution.mean}}) {
          if (!with_costs) break;
          if (first_row) {
            add_column(
                fmt::format("{}_{}_{}", label, scenario.regions[r].id, name),
                fmt::format("{} {} {}", label_words, scenario.regions[r].id, statistic_words(name)),
                CellKind::amount);
          }
          row.outputs.push_back(value);
        }
      }
    }
    for (const auto& t : summary.targets) {
      if (first_row) {
        // A target of a partial period says so, as the years' columns do (review: the sweep's
        // legend and columns did not).
        const Period& period = layout.periods[t.period];
        const Coverage cover = coverage_of(metric_index(t.target.metric));
        // The segment too (review: three EMEA targets gave three columns of one name).
        const std::string where = target_place(scenario, t.target);
        std::string column_where = where;
        std::replace(column_where.begin(), column_where.end(), ' ', '_');
        add_column(fmt::format("p_target_{}_{}_{}", t.target.metric, column_label(period, cover),
                               column_where),
                   fmt::format("P({} {} {} reaches target)", metric_words(t.target.metric),
                               period.display_label(cover), where),
                   CellKind::percent);
        table.targets.push_back(fmt::format("{} {} {}", metric_words(t.target.metric),
                                            period.display_label(cover), where));
      }
      row.outputs.push_back(t.probability);
      text_outputs.push_back(t.probability);
    }
    table.values.push_back(row.values);
    table.outputs.push_back(std::move(text_outputs));
    rows.push_back(std::move(row));
  }
  progress.finish();
  if (mpi::rank() != 0) return;

  // Under the table in the workbook and the report: how the variants ran, why a return on cost
  // is blank, and any year without actuals.
  const bool with_return = std::any_of(columns.begin(), columns.end(), [](const std::string& c) {
    return c.size() > 15 && c.compare(c.size() - 15, 15, "_return_on_cost") == 0;
  });
  const std::string note = with_missing_actuals(
      fmt::format("{} trials per variant, seed {}, paired with the base scenario.{}",
                  format_grouped(static_cast<double>(trials)), seed,
                  with_return ? " Return on cost = extra bookings / extra cost; blank where the "
                                "variant costs no more than the base or the period is partial."
                              : ""),
      base.scenario, base.paired.layout);
  std::vector<std::string> header;
  for (const auto& axis : axes) header.push_back(axis.text);
  header.insert(header.end(), columns.begin(), columns.end());
  if (!args.csv_dir.empty()) {
    write_folder_files(args.csv_dir,
                       {{"sweep.csv", [&](std::ostream& out) {
                           out << "variant," << fmt::format("{}", fmt::join(header, ",")) << "\n";
                           for (std::size_t v = 0; v < rows.size(); ++v) {
                             out << v + 1;
                             for (double value : rows[v].values)
                               out << "," << format_user_value(value);
                             for (std::size_t i = 0; i < rows[v].outputs.size(); ++i) {
                               out << ","
                                   << csv_number(rows[v].outputs[i],
                                                 headings[i].kind == CellKind::percent ? 4 : 2);
                             }
                             out << "\n";
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
      // The workbook's headings and cell kinds, so that the report shows what the workbook shows
      // (a review found the report's return on cost rounded to a whole number).
      std::vector<std::string> people = header, kinds(axes.size(), "value");
      for (std::size_t a = 0; a < axes.size(); ++a) people[a] = axes[a].words;
      for (std::size_t i = 0; i < headings.size(); ++i) {
        people[axes.size() + i] = headings[i].header;
        kinds.push_back(cell_kind_name(headings[i].kind));
      }
      write_strings(root, "headings", people);
      write_strings(root, "kinds", kinds);
      write_strings(root, "note", {note});
      write_provenance(
          file, base.scenario,
          Provenance{command_line_of(nullptr), seed, base.scenario.sha256, base.scenario.name,
                     recorded_path(base_path), trials, document.dump(2)},
          trials);
    });
  }
  if (!args.xlsx.empty()) {
    XlsxTable table{"Summary", {{"variant", CellKind::integer, 8}}, {}, ""};
    // An axis of whole numbers (counts, amounts such as an OTE) without decimals: "100,000", not
    // "100,000.00"; of fractions (rates) with three: "0.001", not "0.00"; others as numbers.
    for (std::size_t c = 0; c < axes.size(); ++c) {
      const auto& values = axes[c].values;
      const bool whole =
          std::all_of(values.begin(), values.end(), [](double x) { return std::trunc(x) == x; });
      const bool fractions =
          std::all_of(values.begin(), values.end(), [](double x) { return std::abs(x) < 1; });
      table.columns.push_back({axes[c].words,
                               whole       ? CellKind::integer
                               : fractions ? CellKind::ratio
                                           : CellKind::number,
                               22.0});
    }
    table.columns.insert(table.columns.end(), headings.begin(), headings.end());
    for (std::size_t v = 0; v < rows.size(); ++v) {
      std::vector<XlsxValue> row{static_cast<double>(v + 1)};
      row.insert(row.end(), rows[v].values.begin(), rows[v].values.end());
      row.insert(row.end(), rows[v].outputs.begin(), rows[v].outputs.end());
      table.rows.push_back(std::move(row));
    }
    table.note = note;
    write_workbook(args.xlsx, {table});
  }
  if (!args.quiet) {
    const std::size_t files = cache.files_read();
    fmt::print("sweep of {} variants, {} trials each, paired with the base (seed {}){}\n",
               rows.size(), format_grouped(static_cast<double>(trials)), seed,
               files == 0 ? std::string()
                          : fmt::format("; {} read once",
                                        format_count(static_cast<long long>(files), "CSV file")));
    fmt::print("{}", format_sweep_table(table));
    fmt::print("{}", missing_actuals_notes(base.scenario, base.paired.layout));
  }
}

}  // namespace

void add_compare_commands(CLI::App& app) {
  auto paths = std::make_shared<std::vector<std::string>>();
  auto args = std::make_shared<PairedArgs>();
  auto* compare =
      app.add_subcommand("compare", "Compare scenarios with common random numbers (paired)");
  // The largest count CLI11 knows: help says "SCENARIO.json ..." (with a finite maximum it printed
  // "TEXT x 2", as if exactly two were allowed).
  compare->add_option("scenarios", *paths, "BASE.json ALT.json [ALT2.json ...]")
      ->required()
      ->type_name("SCENARIO.json")
      ->expected(2, CLI::detail::expected_max_vector_size);
  add_paired_options(compare, *args);
  compare->callback([paths, args] {
    Arm base;
    std::vector<Arm> alternatives;
    mpi::collectively([&] {
      LoadedScenario loaded = load_scenario_and_document(paths->front(), input_options());
      base.scenario = std::move(loaded.scenario);
      base.costs = load_costs(base.scenario, loaded.document.document);
      for (std::size_t i = 1; i < paths->size(); ++i) {
        Arm alt;
        LoadedScenario alt_loaded = load_scenario_and_document((*paths)[i], input_options());
        alt.scenario = std::move(alt_loaded.scenario);
        require_comparable(base.scenario, alt.scenario);
        alt.costs = load_costs(alt.scenario, alt_loaded.document.document);
        alternatives.push_back(std::move(alt));
      }
      std::vector<const Scenario*> scenarios{&base.scenario};
      for (const Arm& alt : alternatives) scenarios.push_back(&alt.scenario);
      const std::vector<std::string> names = distinct_names(scenarios);
      base.name = names.front();
      for (std::size_t i = 0; i < alternatives.size(); ++i) alternatives[i].name = names[i + 1];
      check_paired_outputs(
          *args, scenarios,
          {"differences.csv", "targets.csv", "economics.csv", "target_changes.csv"});
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
  sweep->add_flag("--zip", sweep_args->zip,
                  "Move the --set parameters together (variant k takes each one's k-th value) "
                  "instead of running their full grid");
  sweep->callback([base_path, sets, sweep_args] {
    mpi::collectively([&] { metric_of(sweep_args->metric); });
    sweep_command(*base_path, *sets, *sweep_args);
  });
}

}  // namespace opsim::cli
