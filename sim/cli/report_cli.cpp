// `opsim report INPUT.h5... -o REPORT.html`: one self-contained HTML page on result files (or
// on a scenario file's inputs: SCENARIO.json).
#include <memory>

#include <fmt/format.h>

#include "sim/base/error.hpp"
#include "sim/cli/cli.hpp"
#include "sim/cli/cli_support.hpp"
#include "sim/io/report.hpp"
#include "sim/io/scenario_document.hpp"

namespace opsim::cli {

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
      if (!is_scenario_path(input)) continue;
      const std::vector<std::string> files = scenario_files(read_scenario_document(input));
      for (std::size_t i = 1; i < files.size(); ++i) plan.add_input(files[i], "input of " + input);
    }
    plan.add_output(*output, "-o");
    plan.check();
    write_report(*inputs, *output, input_options());
    fmt::print("opsim: wrote the report {}\n", *output);
  });
}

}  // namespace opsim::cli
