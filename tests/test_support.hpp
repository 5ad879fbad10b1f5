// Shared helpers for the test suites.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace opsim {
struct Scenario;
namespace plan {
class CompEvaluator;
}
}  // namespace opsim

namespace opsim::test {

//! True under CI (CI=true), where scripts/setup installs everything and a skip is a failure.
bool in_ci();

//! ../shared/data relative to the project root, or empty when absent.
std::filesystem::path shared_data_dir();

std::filesystem::path source_dir();

struct CommandResult {
  int exit_code = -1;
  std::string output;  //!< stdout and stderr together
};

//! Runs a shell command and captures its output (stdout and stderr).
CommandResult run_shell(const std::string& command);

//! Runs `opsim ARGS` through the shell and captures its output.
CommandResult run_opsim(const std::string& args);
//! Bytes an `opsim quotas` command needs besides the stored seat-months, read from its refusal
//! of a 1-byte --max-memory ("... (24,361,856 bytes) besides ..."); 0 and a failure if absent.
std::uint64_t quota_run_bytes(const std::string& quotas_command);

//! Debian's python3 with h5py, matplotlib and numpy (for the scripts/plot_*.py tests).
bool python_has_plotting();

//! A fresh empty directory under the system temp dir, removed at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  //! Writes `text` (bytes as given) to a file named `name` here and returns its path.
  std::string write(const std::string& name, const std::string& text) const;

 private:
  std::filesystem::path path_;
};

//! Writes `text` (bytes as given) to `path`, creating its folder.
void write_file(const std::filesystem::path& path, const std::string& text);
//! The bytes of the file at `path` ("" when it cannot be read).
std::string read_text(const std::filesystem::path& path);

//! tests/fixtures/small_scenario.json.
std::string small_scenario();

//! scenarios/global_saas.json copied into `dir` with its CSV folder; the copy's path
//! (dir/global_saas.json).
std::filesystem::path copy_global_saas(const std::filesystem::path& dir);

//! Marks the result file at `path` (a shard of a run) as the checkpoint an interrupted run
//! leaves (root attribute `checkpoint`), resealed: `run --checkpoint` resumes only from such a
//! file.
void mark_as_checkpoint(const std::filesystem::path& path);

//! A CSV file as rows of named fields (no quoted commas in the files read with it).
std::vector<std::map<std::string, std::string>> read_csv(const std::filesystem::path& path);

//! Prices `evaluator`'s fiscal year over trials [0, trials) of a run of `scenario` (seed `seed`,
//! 2 threads) as `opsim quotas` does: every trial is simulated with the seat-month detail the
//! plans read and observed by the evaluator (its payouts() then hold the trials').
void price_year_over_run(const Scenario& scenario, plan::CompEvaluator& evaluator,
                         std::uint64_t trials, std::uint64_t seed);

}  // namespace opsim::test

//! The public data in ../shared/data is not something scripts/setup installs: tests that read
//! it skip, with the reason, wherever the folder (or the part they need) is absent, CI included.
#define OPSIM_REQUIRE_DATA_OR_SKIP(condition, message) \
  do {                                                 \
    if (!(condition)) GTEST_SKIP() << message;         \
  } while (0)

//! Skips outside CI when a dependency is missing; under CI a missing dependency fails.
#define OPSIM_REQUIRE_OR_SKIP(condition, message)                             \
  do {                                                                        \
    if (!(condition)) {                                                       \
      if (::opsim::test::in_ci()) FAIL() << "required under CI: " << message; \
      GTEST_SKIP() << message;                                                \
    }                                                                         \
  } while (0)
