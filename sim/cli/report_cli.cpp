// `opsim report INPUT.h5... -o REPORT.html`: one self-contained HTML page on result files (or
// on a scenario file's inputs: SCENARIO.json).
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

void add_report_command(CLI::App& app) {
  auto inputs = std::make_shared<std::vector<std::string>>();
  auto output = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  auto quiet = std::make_shared<bool>(false);
  auto* report = app.add_subcommand(
      "report",
      "Write one offline HTML page on result files (run, merge, compare, sweep, quotas, "
      "capacity, territories, backtest, drivers) or on a scenario's inputs (SCENARIO.json)");
  report->add_option("FILE", *inputs, "HDF5 files written by opsim, or scenario files (*.json)")
      ->required();
  add_required_output_option(report, *output, "The HTML file to write");
  add_force_flag(report, *force);
  // -q as every command takes it (review: the README lists it as shared, and report refused it).
  add_quiet_flag(report, *quiet);
  report->callback([inputs, output, force, quiet] {
    OutputPlan plan(*force);
    plan.add_inputs(*inputs, "input");
    // Each result file is opened and verified once, here, for the checks and the page.
    const std::vector<ReportInput> opened = open_report_inputs(*inputs);
    // A scenario's input page reads every file the scenario names (its extends chain and CSV
    // files): none of them may be the page, --force or not (a review overwrote a roster).
    for (const std::string& input : *inputs) {
      if (is_scenario_path(input)) {
        const std::vector<std::string> files = scenario_files(read_scenario_document(input));
        for (std::size_t i = 1; i < files.size(); ++i)
          plan.add_input(files[i], "input of " + input);
      }
    }
    // A result names the scenario it was run on and the files that read (review: `report
    // r.h5 -o global_saas/roster.csv --force` replaced the roster, which merge refuses).
    for (const ReportInput& input : opened) {
      if (!input.result) continue;
      for (const std::string& file : recorded_inputs(*input.result))
        plan.add_input(file, "input of " + input.path);
    }
    plan.add_output(*output, "-o");
    plan.check();
    write_report(opened, *output, input_options());
    if (!*quiet) fmt::print("opsim: wrote the report {}\n", *output);
  });
}

}  // namespace opsim::cli
