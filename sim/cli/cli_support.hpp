// Small pieces shared by the CLI commands.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "models/scenario.hpp"
#include "sim/io/input.hpp"
#include "sim/io/output_files.hpp"

namespace opsim::cli {

//! A scenario's path as results record it (root attribute `scenario_path`, which merge and
//! resume read again): absolute, with symbolic links and "." and ".." resolved, so that it still
//! names the file when the folder it was given from is gone (review: "jobdir/../s.json" after
//! the job's scratch folder was removed).
std::string recorded_path(const std::string& path);
//! "4G", "512M", "1.5GiB", "2000000" -> bytes; InputError naming `option` otherwise.
std::uint64_t parse_size(const std::string& text, const std::string& option);
std::string format_size(std::uint64_t bytes);
//! The tightest memory limit of this process's control groups: cgroup v2 `memory.max` and v1
//! `memory.limit_in_bytes` of its group and every group above it; none when unlimited or
//! unknown. `proc_cgroup` and `root` are /proc/self/cgroup and /sys/fs/cgroup (tests give
//! others).
std::optional<std::uint64_t> cgroup_memory_limit(
    const std::filesystem::path& proc_cgroup = "/proc/self/cgroup",
    const std::filesystem::path& root = "/sys/fs/cgroup");
//! Half of the machine's physical memory, or 90% of the cgroup limit when that is less (a batch
//! job's memory allocation: review: a job under a Slurm memory limit was OOM-killed instead of
//! refused).
std::uint64_t default_memory_limit();
//! Where default_memory_limit() comes from, for messages: "half this machine's memory" or "90% of
//! this job's memory limit (cgroup) of 8.0 GiB".
std::string default_memory_limit_origin();
//! The memory a command may use: `max_memory` (its --max-memory, as parse_size reads it) or,
//! when that is empty, default_memory_limit().
std::uint64_t memory_limit(const std::string& max_memory);
//! InputError unless `runs` runs of `trials` trials of `scenario` held at once fit in
//! memory_limit(max_memory): refused before any work, where the allocation would otherwise fail
//! in the middle (review: `compare --trials 100000000` ended in "internal error: bad_alloc").
void require_memory_for(const Scenario& scenario, std::uint64_t trials, std::uint64_t runs,
                        int threads, const std::string& command, const std::string& max_memory);

// ---- options several commands share, defined once (README "Options shared by commands") -----
// Each value is checked when parsed: a bad one is exit 2 naming the option.

//! Seeds are 0..2^63-1, like the scenario's simulation.seed; a sign or 2^64 is refused.
const CLI::Validator& seed_range();
//! A positive number (counts, strengths, factors).
const CLI::Validator& positive_number();
//! An amount > 0 as planners write it: "600000", "600,000", "600k", "1.5M" (read as the number).
const CLI::Validator& positive_amount();
//! A number >= 0 (prior strengths, weights).
const CLI::Validator& non_negative_number();
//! A fraction in [0, 1] (negative, NaN and above 1 refused; review: --max-moved -0.1 and nan
//! were silently taken as no cap).
const CLI::Validator& fraction();
//! A number of seconds in [low, high], said so when refused (CLI11's range printed
//! "0.000000 to 86400.000000").
CLI::Validator seconds_between(double low, double high);
//! A number from `low` to `high`, told as the other checks tell it ("--threads: 5000 is not
//! allowed; allowed: 0 to 1,024"; review: CLI11's "Value 5000 not in range 0 to 1024" and
//! "0.000000 to 1.000000").
CLI::Validator within(double low, double high);
//! A path to write: "" or blanks are refused (`-o "$OUT"` with OUT unset wrote nothing and exited
//! 0), and so is one starting with '-' (`--output= -q` wrote a file named -q).
const CLI::Validator& output_path();

//! A whole number written in digits only ("50"; not "5e1", "50.0", "+50" or " 50"), at most 19
//! of them; nothing otherwise.
std::optional<std::uint64_t> whole_in_digits(std::string_view text);

//! A whole number in [least, most] written in digits, said so when refused (review: "--trials
//! 1e2" read "Value 1e2 not in range 1 to 100000000"); `what` names the count ("trials").
CLI::Validator count_between(std::uint64_t least, std::uint64_t most, const std::string& what);

template <class T>
CLI::Option* add_trials_option(
    CLI::App* command, T& trials,
    const std::string& help = "Number of trials (overrides the scenario)",
    std::uint64_t most = 100'000'000, std::uint64_t least = 1) {
  return command->add_option("--trials", trials, help)->check(count_between(least, most, "trials"));
}
template <class T>
CLI::Option* add_seed_option(CLI::App* command, T& seed,
                             const std::string& help = "Random seed (overrides the scenario)") {
  return command->add_option("--seed", seed, help)->check(seed_range());
}
template <class T>
CLI::Option* add_threads_option(CLI::App* command, T& threads,
                                const std::string& help = "Worker threads, 0 = all cores") {
  return command->add_option("--threads", threads, help)->check(within(0, 1024));
}
//! --max-memory's default in words, for the commands' help texts.
inline constexpr const char* kDefaultMemoryWords =
    "default half the physical memory, or 90% of a cgroup memory limit below it";
//! --max-memory SIZE ("4G"), checked when parsed.
CLI::Option* add_max_memory_option(CLI::App* command, std::string& size,
                                   const std::string& help = fmt::format(
                                       "Memory the command may use (e.g. 4G; {}): refused above it "
                                       "before any work",
                                       kDefaultMemoryWords));
CLI::Option* add_output_option(CLI::App* command, std::string& path, const std::string& help);
//! As add_output_option(), for a command that needs the file: required, and an empty path is told
//! to give one.
CLI::Option* add_required_output_option(CLI::App* command, std::string& path,
                                        const std::string& help);
//! A folder receiving opsim's own named CSV files; other files in it are kept.
CLI::Option* add_csv_option(CLI::App* command, std::string& folder,
                            const std::string& help =
                                "Write CSV files into this folder (other "
                                "files in it are kept)");
CLI::Option* add_summary_json_option(CLI::App* command, std::string& path,
                                     const std::string& help = "Write the summary as JSON");
//! --xlsx: an Excel workbook (a Summary sheet for people, then one sheet per table).
CLI::Option* add_xlsx_option(CLI::App* command, std::string& path);
//! --force: replace output files that already exist (without it such a file is refused, exit 2).
//! Every command that writes files registers it and passes it to its OutputPlan.
CLI::Option* add_force_flag(CLI::App* command, bool& force);
//! -q/--quiet: nothing on standard output and no progress; errors still go to standard error.
CLI::Option* add_quiet_flag(CLI::App* command, bool& quiet);
//! The scenario file and every CSV it references, as inputs no output may overwrite.
void add_scenario_inputs(OutputPlan& plan, const Scenario& scenario);
//! Warnings on standard error, the first 20 and a count of the rest.
void print_warnings(const std::vector<std::string>& warnings);
//! The command line as typed (for provenance).
std::string command_line_of(const CLI::App* subcommand);
void set_command_line(int argc, char** argv);

//! Adds `--encoding utf-8|cp1252|latin1` (of CSV inputs) to every command that reads CSV;
//! the value is what input_options() returns. Call once all commands are registered.
void add_input_options(CLI::App& app);
const InputOptions& input_options();

//! Progress of a long command on stderr: on a terminal a bar with ETA (after one second); when
//! stderr is not a terminal (a batch log) one line every `interval()` seconds with the work
//! done, the rate and the ETA, so that the log shows the job is alive.
class ProgressBar {
 public:
  ProgressBar(std::uint64_t total, bool enabled, std::string unit = "trials");
  //! Safe to call from several threads (calls are serialised).
  void update(std::uint64_t done);
  void finish();
  //! A callback for the next `units` of the work, done in steps one after another (the runs of
  //! a comparison, the passes of a quota run): it reports the units of the earlier steps plus
  //! its argument, the units of this step done so far.
  std::function<void(std::uint64_t)> step(std::uint64_t units);
  //! The work stops at `seconds` after the bar's start at the latest (a search's time limit): the
  //! ETA never reaches past it (review: "ETA 21s" on a 3-second search).
  void set_time_limit(double seconds) { time_limit_ = seconds; }

  //! Seconds between log lines off a terminal (--progress-every; default 60).
  static double& interval();

 private:
  std::uint64_t total_;
  bool enabled_;
  bool terminal_;
  bool shown_ = false;
  std::string unit_;
  std::chrono::steady_clock::time_point start_;
  double last_line_ = 0.0;
  std::uint64_t steps_ = 0;  //!< units of the steps handed out by step()
  double time_limit_ = std::numeric_limits<double>::infinity();
  std::mutex mutex_;
};

//! "1h 02m", "6m 11s", "42s".
std::string format_duration(double seconds);

}  // namespace opsim::cli
