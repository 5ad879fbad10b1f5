#include "sim/io/territory_io.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <H5Cpp.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <nlohmann/json.hpp>

#include "models/territory/labels.hpp"
#include "opsim_version.hpp"
#include "sim/base/error.hpp"
#include "sim/base/random.hpp"
#include "sim/io/hdf5_util.hpp"
#include "sim/io/number_format.hpp"
#include "sim/io/output_files.hpp"

namespace opsim::territory_io {

using territory::Account;
using territory::BalanceRule;
using territory::Edge;
using territory::Territory;

std::string to_string(ObjectiveKind kind) {
  return kind == ObjectiveKind::compactness ? "compactness" : "dispersion";
}

std::string to_string(DistanceKind kind) {
  switch (kind) {
    case DistanceKind::euclidean:
      return "euclidean";
    case DistanceKind::euclidean_floor:
      return "euclidean_floor";
    case DistanceKind::haversine:
      return "haversine";
    case DistanceKind::graph:
      return "graph";
    case DistanceKind::none:
      return "none";
  }
  return "?";
}

std::string violated_constraints(const territory::Evaluation& e) {
  std::vector<std::string> failed;
  if (!e.balance_ok) failed.push_back("balance");
  if (!e.capacity_ok) failed.push_back("capacity");
  if (!e.locks_ok) failed.push_back("locks");
  if (!e.groups_ok) failed.push_back("groups");
  if (!e.regions_ok) failed.push_back("regions");
  if (!e.moved_ok) failed.push_back("max moved");
  if (!e.contiguity_ok) failed.push_back("contiguity");
  return fmt::format("{}", fmt::join(failed, ", "));
}

std::string violation_details(const Problem& problem, const Alignment& alignment,
                              const territory::Evaluation& e) {
  constexpr std::size_t kNamed = 3;
  std::vector<std::string> parts;
  auto add = [&](const char* constraint, const std::vector<std::string>& places) {
    std::string text = constraint;
    if (!places.empty()) {
      const std::vector<std::string> named(places.begin(),
                                           places.begin() + std::min(kNamed, places.size()));
      text +=
          fmt::format(" ({}{})", fmt::join(named, "; "),
                      places.size() > kNamed ? fmt::format("; and {} more", places.size() - kNamed)
                                             : std::string());
    }
    parts.push_back(text);
  };
  const int p = problem.territory_count();
  const std::size_t n = problem.size();
  if (!e.balance_ok) {
    std::vector<std::string> places;
    for (const BalanceRule& rule : problem.balance) {
      for (int t = 0; t < p; ++t) {
        const double deviation = e.territories[t].deviation[rule.attribute];
        if (std::abs(deviation) <= rule.tolerance + territory::kBoundSlack) continue;
        places.push_back(fmt::format("{} {} {:+.2f}%, allowed ±{:.2f}%", problem.territories[t].id,
                                     problem.attribute_names[rule.attribute], 100 * deviation,
                                     100 * rule.tolerance));
      }
    }
    add("balance", places);
  }
  if (!e.capacity_ok) {
    std::vector<std::string> places;
    for (int t = 0; t < p; ++t) {
      const auto& capacity = problem.territories[t].capacity;
      for (std::size_t k = 0; k < capacity.size(); ++k) {
        const double total = e.territories[t].totals[k];
        if (capacity[k] && total > *capacity[k] * (1 + territory::kBoundSlack))
          places.push_back(fmt::format("{} {} {} over its {}", problem.territories[t].id,
                                       problem.attribute_names[k],
                                       format_grouped_trimmed(total - *capacity[k], 2),
                                       format_grouped_trimmed(*capacity[k], 2)));
      }
    }
    add("capacity", places);
  }
  if (!e.locks_ok) {
    std::vector<std::string> places;
    for (std::size_t i = 0; i < n; ++i) {
      const Account& a = problem.accounts[i];
      if (a.lock >= 0 && a.lock != alignment.territory[i])
        places.push_back(fmt::format("'{}' locked to {} is in {}", a.id,
                                     problem.territories[a.lock].id,
                                     problem.territories[alignment.territory[i]].id));
    }
    add("locks", places);
  }
  if (!e.groups_ok) add("groups", {});
  if (!e.regions_ok) add("regions", {});
  if (!e.moved_ok)
    add("max moved",
        {fmt::format("{:.2f}% of the measure moved, at most {:.2f}%", 100 * e.moved_fraction,
                     100 * problem.disruption.max_moved_fraction.value_or(1.0))});
  if (!e.contiguity_ok) {
    // Each territory's pieces: connected parts of its members in the adjacency graph.
    const std::vector<int> piece =
        territory::graph_components(n, problem.edges, &alignment.territory);
    std::vector<std::map<int, std::size_t>> parts_of(static_cast<std::size_t>(p));
    for (std::size_t i = 0; i < n; ++i)
      ++parts_of[static_cast<std::size_t>(alignment.territory[i])][piece[i]];
    std::vector<std::vector<std::size_t>> sizes(static_cast<std::size_t>(p));
    for (int t = 0; t < p; ++t)
      for (const auto& [label, count] : parts_of[static_cast<std::size_t>(t)])
        sizes[static_cast<std::size_t>(t)].push_back(count);
    std::vector<std::string> places;
    for (int t = 0; t < p; ++t) {
      const auto& of = sizes[static_cast<std::size_t>(t)];
      if (of.size() < 2) continue;
      places.push_back(
          fmt::format("{} in {} pieces, the smallest {}", problem.territories[t].id, of.size(),
                      format_count(static_cast<long long>(*std::min_element(of.begin(), of.end())),
                                   "account")));
    }
    add("contiguity", places);
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

// ---- output ------------------------------------------------------------------------------------

namespace {

template <class T>
void write_vector(H5::Group& group, const std::string& name, const std::vector<T>& values,
                  hsize_t columns = 1) {
  const H5::PredType& type =
      std::is_same_v<T, int> ? H5::PredType::NATIVE_INT : H5::PredType::NATIVE_DOUBLE;
  hsize_t dims[2] = {columns > 1 ? values.size() / columns : values.size(), columns};
  H5::DataSpace space(columns > 1 ? 2 : 1, dims);
  H5::DataSet set = group.createDataSet(name, type, space);
  if (!values.empty()) set.write(values.data(), type);
}

void attribute(H5::H5Object& object, const std::string& name, const std::string& value) {
  H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
  H5::Attribute a = object.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
  const char* text = value.c_str();
  a.write(type, &text);
}

void attribute(H5::H5Object& object, const std::string& name, double value) {
  H5::Attribute a =
      object.createAttribute(name, H5::PredType::NATIVE_DOUBLE, H5::DataSpace(H5S_SCALAR));
  a.write(H5::PredType::NATIVE_DOUBLE, &value);
}

std::string csv_cell(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

//! Which figures of an alignment apply: compactness needs centres and geography (the
//! compactness objective), diameters geography; without geography the objective is the
//! disruption cost alone, defined with a disruption weight.
struct Defined {
  bool objective, compactness, diameter;
};

Defined defined_figures(const Problem& problem) {
  const bool geographic = problem.distance != DistanceKind::none;
  return {geographic || problem.disruption.weight > 0,
          geographic && problem.objective == ObjectiveKind::compactness, geographic};
}

//! The search's own fields of /report (results/territories.md).
void write_search_fields(H5::Group& report, const SearchResult& result, const RunInfo& info) {
  attribute(report, "time_to_best", result.time_to_best);
  // 1: CBC improved on the warm start, 0: it did not, NaN: no exact search from a warm start.
  attribute(report, "improved_warm_start",
            result.improved_warm_start ? (*result.improved_warm_start ? 1.0 : 0.0) : NAN);
  attribute(report, "time_to_feasible", result.time_to_feasible.value_or(NAN));
  attribute(report, "seconds", result.seconds);
  attribute(report, "time_limit", info.time_limit);
  attribute(report, "work_limit", info.work_limit);
  uint_attribute(report, "work", static_cast<std::uint64_t>(result.work));
  attribute(report, "stop_reason", std::string(describe(result.stop_reason)));
  uint_attribute(report, "starts_run", static_cast<std::uint64_t>(result.starts_run));
  int_attribute(report, "best_start", result.best_start);  // -1: none
  uint_attribute(report, "relinks_run", static_cast<std::uint64_t>(result.relinks_run));
}

}  // namespace

void write_alignment(const std::filesystem::path& path, const Problem& problem,
                     const SearchResult& result, const RunInfo& info) {
  const auto& e = result.evaluation;
  const std::size_t n = problem.size(), m = problem.attribute_names.size();
  const int p = problem.territory_count();
  // Figures that do not apply are NaN (HDF5) or empty (CSV), as the report leaves them out
  // (review: 0 for the compactness and diameter of accounts without coordinates).
  const Defined defined = defined_figures(problem);
  auto only = [](bool applies, double value) { return applies ? value : NAN; };
  // A given allocation (evaluate) has no search: its search fields are not written.
  const bool searched = result.method != kGivenAllocation;
  write_hdf5_document(path.string(), [&](H5::H5File& file) {
    H5::Group root = file.openGroup("/");
    attribute(root, "tool", "opsim territories");
    attribute(root, "tool_version", OPSIM_VERSION);
    attribute(root, "git_revision", OPSIM_GIT_REVISION);
    attribute(root, "input", info.input);
    // Counts and the seed as unsigned integers (they were doubles: a seed above 2^53 lost bits).
    uint_attribute(root, "seed", info.seed);
    uint_attribute(root, "threads", static_cast<std::uint64_t>(info.threads));
    uint_attribute(root, "starts", static_cast<std::uint64_t>(info.starts));
    attribute(root, "stream_scheme", std::string(kStreamScheme));
    H5::Group report = file.createGroup("/report");
    attribute(report, "method", result.method);
    attribute(report, "objective_kind", to_string(problem.objective));
    attribute(report, "distance", to_string(problem.distance));
    attribute(report, "objective", only(defined.objective, e.objective));
    attribute(report, "compactness", only(defined.compactness, e.compactness));
    attribute(report, "max_diameter", only(defined.diameter, e.max_diameter));
    attribute(report, "disruption_cost", e.disruption_cost);
    uint_attribute(report, "moved_accounts", static_cast<std::uint64_t>(e.moved_accounts));
    attribute(report, "moved_fraction", e.moved_fraction);
    attribute(report, "feasible", e.feasible ? 1.0 : 0.0);
    attribute(report, "best_bound", result.best_bound.value_or(NAN));
    attribute(report, "bound_method", result.bound_method);
    attribute(report, "proven_optimal", result.proven_optimal ? 1.0 : 0.0);
    attribute(report, "reference", info.reference.value_or(NAN));
    if (searched) write_search_fields(report, result, info);
    H5::Group accounts = file.createGroup("/accounts");
    std::vector<std::string> ids, territory_ids;
    std::vector<double> x, y, weight;
    std::vector<int> owner, moved;
    for (std::size_t i = 0; i < n; ++i) {
      const Account& a = problem.accounts[i];
      ids.push_back(a.id);
      // Named accounts have no position: NaN, not 0 (review: the report's map stacked 300
      // accounts at (0, 0)).
      x.push_back(only(defined.diameter, a.x));
      y.push_back(only(defined.diameter, a.y));
      weight.push_back(a.weight);
      owner.push_back(a.owner);
      moved.push_back(a.owner >= 0 && a.owner != result.alignment.territory[i]);
      territory_ids.push_back(problem.territories[result.alignment.territory[i]].id);
    }
    write_strings(accounts, "id", ids);
    write_vector(accounts, "x", x);
    write_vector(accounts, "y", y);
    write_vector(accounts, "weight", weight);
    write_vector(accounts, "territory", result.alignment.territory);
    write_strings(accounts, "territory_id", territory_ids);
    write_vector(accounts, "owner", owner);
    write_vector(accounts, "moved", moved);
    H5::Group territories = file.createGroup("/territories");
    std::vector<std::string> tid, towner;
    std::vector<int> centre, count;
    std::vector<double> totals, deviation, diameter, compactness;
    for (int t = 0; t < p; ++t) {
      tid.push_back(problem.territories[t].id);
      towner.push_back(problem.territories[t].owner);
      centre.push_back(e.territories[t].centre);
      count.push_back(e.territories[t].accounts);
      // An empty territory has neither (review: 0.00 for both).
      const bool held = e.territories[t].accounts > 0;
      diameter.push_back(only(defined.diameter && held, e.territories[t].diameter));
      compactness.push_back(only(defined.compactness && held, e.territories[t].compactness));
      for (std::size_t k = 0; k < m; ++k) {
        totals.push_back(e.territories[t].totals[k]);
        deviation.push_back(e.territories[t].deviation[k]);
      }
    }
    write_strings(territories, "id", tid);
    write_strings(territories, "owner", towner);
    write_vector(territories, "centre", centre);
    write_vector(territories, "accounts", count);
    write_vector(territories, "diameter", diameter);
    write_vector(territories, "compactness", compactness);
    write_strings(territories, "attribute", problem.attribute_names);
    if (m > 0) {
      write_vector(territories, "totals", totals, m);
      write_vector(territories, "deviation", deviation, m);
    }
    H5::Group balance = file.createGroup("/balance");
    std::vector<std::string> names;
    std::vector<double> tolerance, tightest;
    for (std::size_t r = 0; r < problem.balance.size(); ++r) {
      names.push_back(problem.attribute_names[problem.balance[r].attribute]);
      tolerance.push_back(problem.balance[r].tolerance);
      tightest.push_back(e.tightest_tolerance[r]);
    }
    write_strings(balance, "attribute", names);
    write_vector(balance, "tolerance", tolerance);
    write_vector(balance, "tightest", tightest);
  });

  // The current territory, not "owner" (the rep in _territories.csv: review, read as a rep).
  std::string assignment = "id,territory,current_territory,moved,centre\n";
  std::vector<char> is_centre(n, 0);
  for (int c : result.alignment.centre)
    if (c >= 0) is_centre[c] = 1;
  for (std::size_t i = 0; i < n; ++i) {
    const Account& a = problem.accounts[i];
    int t = result.alignment.territory[i];
    assignment +=
        fmt::format("{},{},{},{},{}\n", csv_cell(a.id), csv_cell(problem.territories[t].id),
                    a.owner >= 0 ? csv_cell(problem.territories[a.owner].id) : "",
                    a.owner >= 0 && a.owner != t ? 1 : 0, int(is_centre[i]));
  }
  auto stem = path.parent_path() / path.stem();
  write_text_file(stem.string() + "_assignment.csv", [&](std::ostream& out) { out << assignment; });
  std::string metrics = "territory,owner,accounts,centre,compactness,diameter";
  for (const std::string& name : problem.attribute_names)
    metrics += fmt::format(",{},{}_deviation", csv_cell(name), csv_cell(name));
  metrics += "\n";
  for (int t = 0; t < p; ++t) {
    const auto& tm = e.territories[t];
    metrics +=
        fmt::format("{},{},{},{},{},{}", csv_cell(problem.territories[t].id),
                    csv_cell(problem.territories[t].owner), tm.accounts,
                    tm.centre >= 0 ? csv_cell(problem.accounts[tm.centre].id) : "",
                    csv_number(only(defined.compactness && tm.accounts > 0, tm.compactness), 2),
                    csv_number(only(defined.diameter && tm.accounts > 0, tm.diameter), 2));
    // Totals as the user would have written them (sums of their values, no float noise); the
    // deviation from the mean as a fraction to four decimals.
    for (std::size_t k = 0; k < m; ++k)
      metrics +=
          fmt::format(",{},{}", format_user_value(tm.totals[k]), csv_number(tm.deviation[k], 4));
    metrics += "\n";
  }
  write_text_file(stem.string() + "_territories.csv", [&](std::ostream& out) { out << metrics; });
}

std::vector<XlsxTable> territory_workbook(const Problem& problem, const SearchResult& result) {
  const auto& e = result.evaluation;
  const Defined defined = defined_figures(problem);
  const int p = problem.territory_count();
  // Territories: only the figures that apply (as the terminal and the CSV give them).
  std::vector<XlsxColumn> columns{{"Territory", CellKind::text, 16},
                                  {"Owner", CellKind::text, 14},
                                  {"Accounts", CellKind::integer, 10},
                                  {"Centre", CellKind::text, 12}};
  if (defined.compactness) columns.push_back({"Compactness", CellKind::number, 14});
  if (defined.diameter) columns.push_back({"Diameter", CellKind::number, 12});
  for (const std::string& name : problem.attribute_names) {
    columns.push_back({name, CellKind::number, 14});
    columns.push_back({name + " deviation", CellKind::percent, 14});
  }
  std::vector<std::vector<XlsxValue>> rows;
  for (int t = 0; t < p; ++t) {
    const auto& tm = e.territories[t];
    const bool held = tm.accounts > 0;
    const double none = std::nan("");
    std::vector<XlsxValue> row{problem.territories[t].id, problem.territories[t].owner,
                               static_cast<double>(tm.accounts),
                               tm.centre >= 0 ? problem.accounts[tm.centre].id : std::string()};
    if (defined.compactness) row.emplace_back(held ? tm.compactness : none);
    if (defined.diameter) row.emplace_back(held ? tm.diameter : none);
    for (std::size_t k = 0; k < problem.attribute_names.size(); ++k) {
      row.emplace_back(tm.totals[k]);
      row.emplace_back(tm.deviation[k]);
    }
    rows.push_back(std::move(row));
  }
  // The headline, as the terminal's first lines give it.
  std::vector<std::string> facts;
  if (defined.objective)
    facts.push_back(fmt::format("objective {}", format_grouped(e.objective, 3)));
  facts.push_back(e.feasible ? "feasible"
                             : fmt::format("infeasible (violated: {})", violated_constraints(e)));
  for (std::size_t r = 0; r < problem.balance.size(); ++r) {
    facts.push_back(fmt::format("{} balance within {} of the mean (requested {})",
                                problem.attribute_names[problem.balance[r].attribute],
                                format_percent(e.tightest_tolerance[r]),
                                format_percent(problem.balance[r].tolerance)));
  }
  if (problem.has_owners()) {
    facts.push_back(fmt::format("{} moved ({} of the disruption measure)",
                                format_count(e.moved_accounts, "account"),
                                format_percent(e.moved_fraction)));
  }
  std::vector<XlsxTable> tables{
      XlsxTable("Territories", std::move(columns), std::move(rows),
                fmt::format("{}: {} accounts in {} territories by {}; {}.", problem.name,
                            format_grouped(static_cast<double>(problem.size())), p, result.method,
                            fmt::join(facts, "; ")))};
  // Accounts: where each goes, and whether it moved from its current owner.
  std::vector<char> is_centre(problem.size(), 0);
  for (int c : result.alignment.centre)
    if (c >= 0) is_centre[static_cast<std::size_t>(c)] = 1;
  std::vector<std::vector<XlsxValue>> accounts;
  for (std::size_t i = 0; i < problem.size(); ++i) {
    const Account& a = problem.accounts[i];
    const int t = result.alignment.territory[i];
    accounts.push_back({a.id, problem.territories[t].id,
                        a.owner >= 0 ? problem.territories[a.owner].id : std::string(),
                        std::string(a.owner >= 0 && a.owner != t ? "moved" : ""),
                        std::string(is_centre[i] ? "centre" : "")});
  }
  tables.emplace_back("Accounts",
                      std::vector<XlsxColumn>{{"Account", CellKind::text, 14},
                                              {"Territory", CellKind::text, 16},
                                              {"Current owner", CellKind::text, 16},
                                              {"Moved", CellKind::text, 8},
                                              {"Centre", CellKind::text, 8}},
                      std::move(accounts));
  return tables;
}

namespace {

//! A figure of the printed report: two decimals, none for a whole number (review: "objective
//! 713.000000", "2,674.291021"); the HDF5 and CSV files keep every digit.
std::string figure(double x) {
  return std::isfinite(x) && x == std::round(x) && std::abs(x) < 1e15 ? format_grouped(x, 0)
                                                                      : format_grouped(x, 2);
}

}  // namespace

std::string format_report(const Problem& problem, const SearchResult& result, const RunInfo& info) {
  const auto& e = result.evaluation;
  std::string out;
  out += fmt::format("instance      {} ({}, {}, {} objective, {})\n", problem.name,
                     format_count(static_cast<long long>(problem.size()), "account"),
                     format_count(problem.territory_count(), "territory", "territories"),
                     to_string(problem.objective),
                     problem.distance == DistanceKind::none
                         ? std::string("no coordinates")  // review: "none distance"
                         : words_of_name(to_string(problem.distance)) + " distance");
  // The starts run against those planned, in words (review: "72/8 starts", "1 threads").
  const int run = result.starts_run, planned = info.starts;
  const std::string starts = run == planned ? format_count(run, "start")
                             : run < planned
                                 ? fmt::format("{} of {} starts", run, planned)
                                 : fmt::format("{} ({} planned, more run while none was feasible)",
                                               format_count(run, "start"), planned);
  if (result.starts_run > 0)
    out += fmt::format("method        {} (seed {}, {}, {}{})\n", result.method, info.seed,
                       format_count(info.threads, "thread"), starts,
                       result.relinks_run > 0
                           ? fmt::format(", {} path relinking{}", result.relinks_run,
                                         result.relinks_run == 1 ? "" : "s")
                           : std::string());
  else
    out += fmt::format("method        {}\n", result.method);
  // Only figures that are defined (defined_figures).
  const Defined defined = defined_figures(problem);
  const bool geographic = defined.diameter;
  if (defined.objective) out += fmt::format("objective     {}\n", figure(e.objective));
  if (info.reference)
    out += fmt::format("reference     {} (gap {:+.3f}%)\n", figure(*info.reference),
                       100.0 * (e.objective - *info.reference) / *info.reference);
  if (result.best_bound) {
    // The optimum is at least the bound, so (objective - bound) / bound bounds the true gap.
    const double bound = *result.best_bound;
    std::string note = result.bound_method;
    if (result.proven_optimal)
      note += note.empty() ? "proven optimal" : ", proven optimal";
    else if (e.feasible && bound > 0)
      note += fmt::format("{}the objective is at most {:.3f}% above the optimum",
                          note.empty() ? "" : ", ", 100.0 * (e.objective - bound) / bound);
    out +=
        fmt::format("best bound    {}{}\n", figure(bound), note.empty() ? "" : " (" + note + ")");
  }
  out += fmt::format("feasible      {}\n", e.feasible ? "yes" : "no");
  if (!e.feasible)
    out += fmt::format("violated      {}\n", violation_details(problem, result.alignment, e));
  for (std::size_t r = 0; r < problem.balance.size(); ++r)
    out += fmt::format("balance       {}: requested ±{}, achieved ±{}\n",
                       problem.attribute_names[problem.balance[r].attribute],
                       format_percent(problem.balance[r].tolerance, 2),
                       format_percent(e.tightest_tolerance[r], 2));
  if (defined.compactness) out += fmt::format("compactness   {}\n", figure(e.compactness));
  if (geographic) out += fmt::format("max diameter  {}\n", figure(e.max_diameter));
  if (problem.has_owners()) {
    // The accounts, and the amount of the measure when it is an attribute, with the cap
    // (review: "moved 35 accounts (3.98% of the disruption measure)" said neither).
    const int measure = problem.disruption.measure_attribute;
    std::string moved = format_count(e.moved_accounts, "account");
    if (measure >= 0) {
      double total = 0.0;
      for (const Account& a : problem.accounts) total += a.attributes[measure];
      moved += fmt::format(", {} {}", figure(e.moved_fraction * total),
                           problem.attribute_names[measure]);
    }
    const auto& cap = problem.disruption.max_moved_fraction;
    out += fmt::format("moved         {} ({:.2f}% of {}{})\n", moved, 100.0 * e.moved_fraction,
                       measure >= 0 ? problem.attribute_names[measure] : std::string("accounts"),
                       cap ? fmt::format("; at most {}", format_percent(*cap, 2)) : std::string());
  }
  if (result.method != kGivenAllocation) {  // a search ran
    out += fmt::format(
        "time          {:.2f} s (best after {:.2f} s{}){}\n", result.seconds, result.time_to_best,
        result.time_to_feasible
            ? fmt::format(", first feasible after {:.2f} s", *result.time_to_feasible)
            : std::string(),
        fmt::format(", {}", stop_phrase(result.stop_reason)));
    if (result.improved_warm_start && !*result.improved_warm_start)
      out += fmt::format(
          "exact         CBC found no better alignment than the heuristic's warm start{}\n",
          !result.best_bound ? std::string(" (and proved no bound)")
          : result.bound_method == "cbc"
              ? fmt::format(" (its bound {})", figure(*result.best_bound))
              : std::string());
    out += fmt::format("work          {} million evaluations{}\n",
                       format_grouped(result.work / 1e6, 1),
                       info.work_limit > 0 ? fmt::format(" (limit {:g} million)", info.work_limit)
                                           : std::string());
  }
  out += geographic ? "territory            accounts    diameter" : "territory            accounts";
  for (const std::string& name : problem.attribute_names)
    out += fmt::format(" {:>14} {:>7}", name, "dev%");
  out += "\n";
  constexpr int kListed = 50;  // the CSV companion and the HDF5 file hold every territory
  for (int t = 0; t < std::min(problem.territory_count(), kListed); ++t) {
    const auto& tm = e.territories[t];
    out += fmt::format("{:<20} {:>8}", problem.territories[t].id, tm.accounts);
    if (geographic) out += fmt::format(" {:>11}", figure(tm.diameter));
    for (std::size_t k = 0; k < problem.attribute_names.size(); ++k) {
      // A deviation that rounds to zero reads +0.00, not -0.00 (review).
      const double deviation = 100.0 * tm.deviation[k];
      out += fmt::format(" {:>14} {:>+7.2f}", format_grouped(tm.totals[k], 2),
                         std::abs(deviation) < 0.005 ? 0.0 : deviation);
    }
    out += "\n";
  }
  if (problem.territory_count() > kListed)
    out += fmt::format("... {} more territories in the output files\n",
                       problem.territory_count() - kListed);
  return out;
}

}  // namespace opsim::territory_io
