// `mpirun -np N opsim run` must give exactly the single-process datasets; an error on any rank
// ends the job with one message and no output.
#include <gtest/gtest.h>

#include <filesystem>

#include <fmt/format.h>

#include "tests/test_support.hpp"

namespace opsim {
namespace {

bool have_mpirun() { return std::system("command -v mpirun >/dev/null 2>&1") == 0; }

test::CommandResult mpirun(int ranks, const std::string& args) {
  // mpirun refuses root without these; more ranks than cores need --oversubscribe. Open MPI
  // itself leaks at exit, so LeakSanitizer is off for the ranks (AddressSanitizer stays on).
  const std::string command = fmt::format(
      "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 "
      "mpirun --oversubscribe -np {} {} {} 2>&1",
      ranks, OPSIM_EXE, args);
  test::CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  char buffer[4096];
  std::size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string fixture() { return (test::source_dir() / "tests/fixtures/small_scenario.json").string(); }

int compare(const std::filesystem::path& a, const std::filesystem::path& b) {
  return std::system(fmt::format("/usr/bin/python3 {}/scripts/compare_results.py {} {} >/dev/null",
                                 test::source_dir().string(), a.string(), b.string()).c_str());
}

TEST(MpiCli, TwoAndThreeRanksGiveTheSingleProcessDatasets) {
  OPSIM_REQUIRE_OR_SKIP(have_mpirun(), "mpirun is not installed (Debian openmpi-bin)");
  test::TempDir dir;
  ASSERT_EQ(test::run_opsim(fmt::format("run {} -q --trials 500 --keep-trials -o {}", fixture(), (dir / "single.h5").string())).exit_code, 0);
  for (int ranks : {2, 3}) {
    const auto out = dir / fmt::format("mpi{}.h5", ranks);
    auto r = mpirun(ranks, fmt::format("run {} -q --trials 500 --keep-trials --threads 1 -o {}", fixture(), out.string()));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(compare(dir / "single.h5", out), 0) << ranks << " ranks";
  }
}

TEST(MpiCli, BadInputOnEveryRankGivesOneMessageAndNoOutput) {
  OPSIM_REQUIRE_OR_SKIP(have_mpirun(), "mpirun is not installed (Debian openmpi-bin)");
  test::TempDir dir;
  const auto out = dir / "out.h5";
  auto r = mpirun(2, fmt::format("run {} -q --trials 0 -o {}", fixture(), out.string()));
  EXPECT_NE(r.exit_code, 0);
  auto missing = mpirun(2, fmt::format("run {} -q -o {}", (dir / "absent.json").string(), out.string()));
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  std::size_t messages = 0;
  for (std::size_t at = missing.output.find("opsim: error:"); at != std::string::npos;
       at = missing.output.find("opsim: error:", at + 1)) {
    ++messages;
  }
  EXPECT_EQ(messages, 1u) << missing.output;
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace opsim
