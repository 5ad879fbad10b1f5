// `opsim report`: one self-contained HTML page (inline CSS, SVG and a small check script; no
// network) describing result files written by opsim. Layout: results/README.md.
#pragma once

#include <string>
#include <vector>

#include "sim/io/input.hpp"

namespace opsim {

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

//! Whether a report input is a scenario file (its input page) rather than a result file.
bool is_scenario_path(const std::string& path);

//! Writes the report on `inputs` to `output` (atomically). InputError naming the file when an
//! input is not a result opsim can describe. `options`: how a scenario's CSV files are read.
void write_report(const std::vector<std::string>& inputs, const std::string& output,
                  const InputOptions& options = {});

}  // namespace opsim
