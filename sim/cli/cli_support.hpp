// Small pieces shared by the CLI commands.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

namespace opsim::cli {

//! "4G", "512M", "1.5GiB", "2000000" -> bytes; InputError naming `option` otherwise.
std::uint64_t parse_size(const std::string& text, const std::string& option);
std::string format_size(std::uint64_t bytes);
//! Half of the machine's physical memory.
std::uint64_t default_memory_limit();
//! Fails with exit 2 before any work when the folder that should hold `path` is missing.
void require_parent_folder(const std::string& path);
//! The command line as typed (for provenance).
std::string command_line_of(const CLI::App* subcommand);
void set_command_line(int argc, char** argv);

//! Progress of a long command on stderr: on a terminal a bar with ETA (after one second); when
//! stderr is not a terminal (a batch log) one line every `interval()` seconds with the work
//! done, the rate and the ETA, so that the log shows the job is alive.
class ProgressBar {
 public:
  ProgressBar(std::uint64_t total, bool enabled, std::string unit = "trials");
  void update(std::uint64_t done);
  void finish();

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
};

//! "1h 02m", "6m 11s", "42s".
std::string format_duration(double seconds);

}  // namespace opsim::cli
