// Small pieces shared by the CLI commands.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "sim/io/input.hpp"

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

//! Adds `--encoding utf-8|cp1252|latin1` (of CSV inputs) to every command that reads CSV;
//! the value is what input_options() returns. Call once all commands are registered.
void add_input_options(CLI::App& app);
const InputOptions& input_options();

//! A progress bar with ETA on stderr, shown only on a terminal and after one second.
class ProgressBar {
 public:
  ProgressBar(std::uint64_t total, bool enabled);
  void update(std::uint64_t done);
  void finish();

 private:
  std::uint64_t total_;
  bool enabled_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace opsim::cli
