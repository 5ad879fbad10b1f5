#include "sim/cli/cli.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include <filesystem>

#include <fmt/format.h>

#include "opsim_version.hpp"
#include "sim/base/error.hpp"
#include "sim/cli/cli_support.hpp"
#include "sim/engine/mpi_support.hpp"
#include "sim/io/hdf5_util.hpp"
#include "sim/io/output_files.hpp"

namespace opsim::cli {

namespace {
int run_app(int argc, char** argv);
}

int main(int argc, char** argv) {
  // Past a file-size limit (ulimit -f) a write fails with EFBIG and the error is reported, where
  // SIGXFSZ would end the process unsaid.
  std::signal(SIGXFSZ, SIG_IGN);
  mpi::initialise(&argc, &argv);
  install_stop_handler(mpi::rank() == 0);  // one line per job, not per rank
  const int code = run_app(argc, argv);
  mpi::finalise();
  // The error is reported and the temporaries are gone; libhdf5's exit handler would crash on
  // the file it failed to close (review: "Segmentation fault", exit 139, after the message).
  if (hdf5_unsafe_to_close_at_exit()) {
    std::fflush(nullptr);
    std::_Exit(code);
  }
  return code;
}

namespace {

//! Prints the error; under MPI an error the other ranks do not know of ends the whole job.
int report(const char* kind, const char* what, int code) {
  // The command has ended with this message: a signal now (mpirun ending the other ranks) is not
  // what stopped it, and rerunning it would not resume (review: "stopped by SIGTERM; run the
  // same command again to resume" after a refused checkpoint).
  silence_stop_message();
  fmt::print(stderr, "opsim: {}: {}\n", kind, what);
  if (!mpi::error_is_collective()) {
    std::fflush(stderr);
    mpi::abort(code);
  }
  return code;
}

//! Under mpirun only the commands that split their trials across ranks may run; the others
//! would run once per rank and write the same files.
void refuse_under_mpi_unless_split(CLI::App& app) {
  for (CLI::App* command : app.get_subcommands([](CLI::App*) { return true; })) {
    const std::string name = command->get_name();
    if (name == "run" || name == "compare" || name == "sweep" || name == "quotas" ||
        name == "drivers")
      continue;
    command->preparse_callback([name](std::size_t) {
      if (!mpi::active()) return;
      mpi::collectively([&] {
        throw_input(
            "`opsim {}` runs in one process: start it without mpirun (MPI splits run, compare, "
            "sweep, drivers and quotas)",
            name);
      });
    });
  }
}

int run_app(int argc, char** argv) {
  CLI::App app{"opsim: Monte Carlo forecasting and territory planning for revenue operations"};
  app.set_version_flag("--version",
                       fmt::format("opsim {} ({})", OPSIM_VERSION, OPSIM_GIT_REVISION));
  app.require_subcommand(1);
  // Accepted after the command name too (fallthrough): opsim run X --progress-every 10.
  app.fallthrough();
  app.add_option("--progress-every", ProgressBar::interval(),
                 "Seconds between progress lines when stderr is not a terminal (default 60; 0 = "
                 "a line at every update)")
      ->check(seconds_between(0, 86400));
  set_command_line(argc, argv);
  // The command's outputs appear together when it succeeds, and none of them otherwise (the
  // batch, left uncommitted, removes them when this function returns).
  OutputBatch outputs;
  try {
    add_run_commands(app);
    add_bench_commands(app);
    add_cluster_bench_command(app);
    add_territories_commands(app);
    add_compare_commands(app);
    add_drivers_command(app);
    add_plan_commands(app);
    add_calibrate_commands(app);
    add_upgrade_command(app);
    add_report_command(app);
    add_input_options(app);
    refuse_under_mpi_unless_split(app);
    app.parse(argc, argv);
    outputs.commit();
    return 0;
  } catch (const CLI::ParseError& e) {
    // Every rank parses the same arguments: one of them answers.
    if (mpi::rank() != 0) return e.get_exit_code() == 0 ? 0 : 2;
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    // In opsim's words, as every other error (review: CLI11's lines lost the prefix).
    fmt::print(stderr, "opsim: error: {}\nRun with --help for the options.\n", e.what());
    return 2;
  } catch (const mpi::QuietExit& e) {
    return e.code;
  } catch (const InputError& e) {
    return report("error", e.what(), 2);
  } catch (const OutputError& e) {
    return report("error", e.what(), 1);
  } catch (const InfeasibleError& e) {
    // The best plan or alignment found is written for inspection (exit 3, not a failure of
    // opsim's): its outputs stay.
    try {
      outputs.commit();
    } catch (const std::exception& error) {
      return report("error", error.what(), 1);
    }
    return report("infeasible", e.what(), 3);
  } catch (const std::filesystem::filesystem_error& e) {
    // A path the file system cannot take is the user's to change, not opsim's fault.
    if (e.code() == std::errc::filename_too_long) {
      const std::string message = fmt::format(
          "{}...: the path is too long for the file system (names at most 255 bytes, paths at "
          "most 4,095)",
          e.path1().string().substr(0, 80));
      return report("error", message.c_str(), 2);
    }
    if (e.code() == std::errc::too_many_symbolic_link_levels) {
      // A folder on the path is a symbolic link that loops (review: an internal error).
      const std::string message =
          fmt::format("{}: a symbolic link on this path loops (or a chain of over 40 links)",
                      e.path1().string());
      return report("error", message.c_str(), 2);
    }
    return report("internal error", e.what(), 1);
  } catch (const std::exception& e) {
    return report("internal error", e.what(), 1);
  }
}

}  // namespace

}  // namespace opsim::cli
