// The input summary (models/input_summary.hpp) for people (terminal), as JSON and as CSV files
// (`opsim validate --summary`, `--summary-json`, `--csv`; layout in results/README.md).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/input_summary.hpp"
#include "sim/io/output_files.hpp"

namespace opsim {

//! The tables of the summary, as every output shows them: rows are the JSON array `key`.
struct SummaryColumn {
  enum Kind { text, count, amount };
  std::string key, title;
  Kind kind = text;
};
struct SummaryTable {
  std::string key, title;
  std::vector<SummaryColumn> columns;
  bool total = false;  //!< a total row sums the count and amount columns
};
const std::vector<SummaryTable>& input_summary_tables();

//! Aligned tables with thousands separators and the currency, then the coverage sentence and
//! the warnings. `title` names the scenario.
std::string format_input_summary(const InputSummary& summary, const std::string& title);

//! One line for a planner: "the open pipeline covers 12% of what the model expects ...".
std::string coverage_sentence(const InputSummary& summary);

//! Every table as arrays of row objects; amounts unrounded, NaN as null.
nlohmann::json input_summary_json(const InputSummary& summary);

//! The CSV files --csv writes: input_seats.csv, input_pipeline.csv, ...
const std::vector<std::string>& input_summary_csv_names();
std::vector<FolderFile> input_summary_csv_files(const InputSummary& summary);

}  // namespace opsim
