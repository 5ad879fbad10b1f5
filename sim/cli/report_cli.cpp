// `opsim report INPUT.h5... -o REPORT.html`: one self-contained HTML page on result files (or
// on a scenario file's inputs: SCENARIO.json).
#include <memory>

#include <fmt/format.h>

#include "sim/base/error.hpp"
#include "sim/cli/cli.hpp"
#include "sim/cli/cli_support.hpp"
#include "sim/io/report.hpp"

namespace opsim::cli {

void add_report_command(CLI::App& app) {
  auto inputs = std::make_shared<std::vector<std::string>>();
  auto output = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  auto* report = app.add_subcommand(
      "report",
      "Write one offline HTML page on result files (run, merge, compare, sweep) or on a "
      "scenario's inputs (SCENARIO.json)");
  report->add_option("inputs", *inputs, "HDF5 files written by opsim, or scenario files (*.json)")
      ->required();
  add_output_option(report, *output, "The HTML file to write")->required();
  add_force_flag(report, *force);
  report->callback([inputs, output, force] {
    OutputPlan plan(*force);
    plan.add_inputs(*inputs, "input");
    plan.add_output(*output, "-o");
    plan.check();
    write_report(*inputs, *output);
    fmt::print("opsim: wrote the report {}\n", *output);
  });
}

}  // namespace opsim::cli
