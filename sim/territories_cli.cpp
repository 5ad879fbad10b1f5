#include "sim/cli.hpp"
#include "sim/error.hpp"

namespace opsim::cli {

void add_territories_commands(CLI::App& app) {
  auto* territories = app.add_subcommand("territories", "Optimise a territory alignment");
  territories->callback([] { throw_internal("territories: not built yet"); });
}

}  // namespace opsim::cli
