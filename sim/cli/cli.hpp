// The command-line interface: one CLI11 app with a subcommand per capability.
#pragma once

#include <CLI/CLI.hpp>

namespace opsim::cli {

//! Parses arguments, runs the chosen command and maps failures to exit codes:
//! 0 success, 2 bad usage or bad input (InputError), 3 no feasible solution (InfeasibleError),
//! 1 internal error.
int main(int argc, char** argv);

// Each capability registers its subcommand(s); the callback does the work and throws
// InputError for bad input. Defined next to the command's code in sim/.
void add_run_commands(CLI::App& app);
void add_bench_commands(CLI::App& app);
//! cluster-bench: mpirun rank counts, shards + merge, paired comparisons
//! (sim/cluster_bench_cli.cpp).
void add_cluster_bench_command(CLI::App& app);
void add_territories_commands(CLI::App& app);
void add_compare_commands(CLI::App& app);
//! `opsim drivers` (sim/cli/drivers_cli.cpp).
void add_drivers_command(CLI::App& app);
//! capacity, quotas and plan-bench (sim/plan_cli.cpp).
void add_plan_commands(CLI::App& app);
//! calibrate and backtest (sim/calibrate_cli.cpp).
void add_calibrate_commands(CLI::App& app);
//! `opsim report`.
void add_report_command(CLI::App& app);
//! `opsim upgrade` (sim/cli/upgrade_cli.cpp).
void add_upgrade_command(CLI::App& app);

}  // namespace opsim::cli
