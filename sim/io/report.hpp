// `opsim report`: one self-contained HTML page (inline CSS, SVG and a small check script; no
// network) describing result files written by opsim. Layout: results/README.md.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sim/io/input.hpp"

namespace opsim {

namespace report {
class H5Reader;
}

//! What an input file is, told from its datasets.
enum class ResultKind {
  run,
  compare,
  sweep,
  quotas,
  capacity,
  territories,
  backtest,
  drivers,
  unknown
};

ResultKind detect_result_kind(const std::string& path);
ResultKind detect_result_kind(const report::H5Reader& file);

//! Whether a report input is a scenario file (its input page) rather than a result file.
bool is_scenario_path(const std::string& path);

//! One input of a report: a scenario file, or a result file opened (and its checksums verified)
//! once for the whole command.
struct ReportInput {
  std::string path;
  //! Null for a scenario, and for a result file that could not be opened: write_report opens it
  //! again and names the problem.
  std::shared_ptr<report::H5Reader> result;
};
std::vector<ReportInput> open_report_inputs(const std::vector<std::string>& paths);

//! The files a result records as its inputs: the scenario it was run on (`scenario_path`) and
//! the files that read (`/scenario/inputs/path`, relative to the scenario's folder).
std::vector<std::string> recorded_inputs(const report::H5Reader& file);

//! Writes the report on `inputs` to `output` (atomically). InputError naming the file when an
//! input is not a result opsim can describe. `options`: how a scenario's CSV files are read.
void write_report(const std::vector<ReportInput>& inputs, const std::string& output,
                  const InputOptions& options = {});
void write_report(const std::vector<std::string>& inputs, const std::string& output,
                  const InputOptions& options = {});

}  // namespace opsim
