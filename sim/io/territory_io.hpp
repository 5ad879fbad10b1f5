// Reading territory problems (scenario JSON section, accounts CSV, OR-Library pmedcap, Lorena &
// Senne SJC, DTDP graphml and published allocations: territory_reader.cpp, through the input
// layer) and writing alignments (HDF5, CSV: territory_io.cpp).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/territory/exact_cbc.hpp"
#include "models/territory/local_search.hpp"
#include "models/territory/problem.hpp"
#include "sim/io/input.hpp"
#include "sim/io/xlsx.hpp"

namespace opsim::territory_io {

using territory::Alignment;
using territory::DistanceKind;
using territory::ObjectiveKind;
using territory::Problem;
using territory::SearchResult;

//! Command-line settings that override (or complete) what the input says.
struct Overrides {
  std::string format = "auto";  //!< auto|scenario|csv|pmedcap|sjc|graphml
  std::optional<int> territories;
  std::optional<ObjectiveKind> objective;
  std::optional<DistanceKind> distance;
  std::vector<std::pair<std::string, double>> balance;  //!< attribute name, tolerance
  std::optional<double> max_moved;                      //!< fraction of the disruption measure
  std::optional<double> disruption_weight;
  std::optional<std::string> disruption_measure;  //!< "accounts" or an attribute name
  std::optional<std::string> weight_attribute;    //!< compactness weight column
  bool contiguity = false;
  Encoding encoding = Encoding::utf8;  //!< of an accounts CSV (`--encoding`)
};

struct Instance {
  Problem problem;
  std::string format;
  std::optional<double> reference;  //!< published optimum / best known / VNS value
  std::string reference_label;
  //! The files read besides INPUT (a scenario's accounts CSV, a DTDP reference table), which
  //! no output may overwrite.
  std::vector<std::string> input_files;
};

//! Reads INPUT in the format given or detected from the extension (.json scenario, .csv
//! accounts, .graphml DTDP, .txt OR-Library pmedcap or SJC by the first line) and validates it.
//! \throws InputError naming file, line or JSON pointer, the value and what is allowed.
Instance load_instance(const std::filesystem::path& input, const Overrides& overrides);

ObjectiveKind parse_objective(const std::string& text, const std::string& where);
DistanceKind parse_distance(const std::string& text, const std::string& where);
std::string to_string(ObjectiveKind kind);
std::string to_string(DistanceKind kind);

//! SearchResult::method of an evaluated allocation (`territories evaluate`): no search ran.
inline constexpr const char* kGivenAllocation = "given allocation";

//! A given allocation as an alignment: a JSON file with `Allocation` (territory -> account ids,
//! as DTDP publishes them) or a CSV with `id,territory` columns (and optionally `centre`, 0/1,
//! as opsim writes `<stem>_assignment.csv`). Territories are matched by name; when no label is
//! a territory id (DTDP's "0".."9"), labels are anonymous and matched to the current owners by
//! the assignment that keeps the most (territory::match_owner_labels).
//! \throws InputError naming the file, line or JSON pointer and the value.
Alignment read_allocation(const std::filesystem::path& path, const Problem& problem,
                          double* published_objective = nullptr);

//! The hard constraints an evaluation breaks, comma-separated ("balance, contiguity").
std::string violated_constraints(const territory::Evaluation& evaluation);
//! violated_constraints with where and by how much, for a result that is not feasible: "balance
//! (Dev potential +8.28%, allowed ±5.00%), contiguity (Dev in 2 pieces, the smaller 4 accounts)",
//! a few places per constraint ("and 3 more").
std::string violation_details(const Problem& problem, const Alignment& alignment,
                              const territory::Evaluation& evaluation);

//! Run provenance written next to the alignment.
struct RunInfo {
  std::string input;
  std::uint64_t seed = 0;
  int threads = 1;
  int starts = 0;
  double time_limit = 0.0;
  std::optional<double> reference;
  double work_limit = 0.0;  //!< millions of evaluations over the search, 0 = none
};

//! Writes the HDF5 file through a temporary name renamed at the end, then the CSV companions
//! `<stem>_assignment.csv` and `<stem>_territories.csv` (per-territory metrics).
void write_alignment(const std::filesystem::path& path, const Problem& problem,
                     const SearchResult& result, const RunInfo& info);

//! The alignment's workbook (--xlsx): Territories (accounts, centre, the figures that apply,
//! each attribute's total and its deviation from the mean), with the result's headline as its
//! note, then Accounts (territory, current owner, moved, centre).
std::vector<XlsxTable> territory_workbook(const Problem& problem, const SearchResult& result);

//! The run report printed to the terminal.
std::string format_report(const Problem& problem, const SearchResult& result, const RunInfo& info);

}  // namespace opsim::territory_io
