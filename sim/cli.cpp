#include "sim/cli.hpp"

#include <cstdio>
#include <exception>

#include <fmt/format.h>

#include "opsim_version.hpp"
#include "sim/cli_support.hpp"
#include "sim/error.hpp"
#include "sim/mpi_support.hpp"

namespace opsim::cli {

namespace {
int run_app(int argc, char** argv);
}

int main(int argc, char** argv) {
  mpi::initialise(&argc, &argv);
  const int code = run_app(argc, argv);
  mpi::finalise();
  return code;
}

namespace {

int run_app(int argc, char** argv) {
  CLI::App app{"opsim: Monte Carlo forecasting and territory planning for revenue operations"};
  app.set_version_flag("--version", fmt::format("opsim {} ({})", OPSIM_VERSION, OPSIM_GIT_REVISION));
  app.require_subcommand(1);
  set_command_line(argc, argv);
  try {
    add_run_commands(app);
    add_bench_commands(app);
    add_cluster_bench_command(app);
    add_territories_commands(app);
    add_compare_commands(app);
    add_plan_commands(app);
    add_calibrate_commands(app);
    app.parse(argc, argv);
    return 0;
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const mpi::QuietExit& e) {
    return e.code;
  } catch (const InputError& e) {
    fmt::print(stderr, "opsim: error: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "opsim: internal error: {}\n", e.what());
    return 1;
  }
}

}  // namespace

}  // namespace opsim::cli
