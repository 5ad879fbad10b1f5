#include "sim/cli.hpp"
#include "sim/error.hpp"

namespace opsim::cli {

void add_run_commands(CLI::App& app) {
  auto* run = app.add_subcommand("run", "Simulate a scenario");
  run->callback([] { throw_internal("run: not built yet"); });
}

}  // namespace opsim::cli
