// `opsim report INPUT.h5... -o REPORT.html`: one self-contained HTML page on result files (or
// on a scenario file's inputs: SCENARIO.json).
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "sim/base/error.hpp"
#include "sim/cli/cli.hpp"
#include "sim/cli/cli_support.hpp"
#include "sim/io/report.hpp"
#include "sim/io/report_parts.hpp"
#include "sim/io/scenario_document.hpp"

namespace opsim::cli {

namespace {

//! The scenario a result file was run on and the files it read, as the file records them
//! (`scenario_path`, `/scenario/inputs/path` relative to the scenario's folder); none when the
//! file is not a readable result (write_report then says why).
std::vector<std::string> recorded_inputs(const std::string& path) {
  std::vector<std::string> files;
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return files;  // a FIFO would block here
  try {
    report::H5Reader f(path);
    const std::string scenario = f.attribute("scenario_path");
    if (scenario.empty()) return files;
    files.push_back(scenario);
    if (f.has("/scenario/inputs/path")) {
      const std::filesystem::path folder = std::filesystem::path(scenario).parent_path();
      const auto recorded = f.strings("/scenario/inputs/path");
      for (std::size_t i = 1; i < recorded.size(); ++i)
        files.push_back((folder / recorded[i]).string());
    }
  } catch (const std::exception&) {  // not an HDF5 result: write_report names the problem
    files.clear();
  }
  return files;
}

}  // namespace

void add_report_command(CLI::App& app) {
  auto inputs = std::make_shared<std::vector<std::string>>();
  auto output = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  auto* report = app.add_subcommand(
      "report",
      "Write one offline HTML page on result files (run, merge, compare, sweep, quotas, "
      "capacity, territories, backtest, drivers) or on a scenario's inputs (SCENARIO.json)");
  report->add_option("inputs", *inputs, "HDF5 files written by opsim, or scenario files (*.json)")
      ->required();
  add_output_option(report, *output, "The HTML file to write")->required();
  add_force_flag(report, *force);
  report->callback([inputs, output, force] {
    OutputPlan plan(*force);
    plan.add_inputs(*inputs, "input");
    // A scenario's input page reads every file the scenario names (its extends chain and CSV
    // files): none of them may be the page, --force or not (a review overwrote a roster).
    for (const std::string& input : *inputs) {
      if (is_scenario_path(input)) {
        const std::vector<std::string> files = scenario_files(read_scenario_document(input));
        for (std::size_t i = 1; i < files.size(); ++i)
          plan.add_input(files[i], "input of " + input);
        continue;
      }
      // A result names the scenario it was run on and the files that read (review: `report
      // r.h5 -o global_saas/roster.csv --force` replaced the roster, which merge refuses).
      for (const std::string& file : recorded_inputs(input))
        plan.add_input(file, "input of " + input);
    }
    plan.add_output(*output, "-o");
    plan.check();
    write_report(*inputs, *output, input_options());
    fmt::print("opsim: wrote the report {}\n", *output);
  });
}

}  // namespace opsim::cli
