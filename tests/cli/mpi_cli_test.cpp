// `mpirun -np N opsim run` must give exactly the single-process datasets; an error on any rank
// ends the job with one message and no output.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tests/test_support.hpp"

namespace opsim {
namespace {

// Both the launcher and an opsim built with MPI (a build without it runs each rank alone).
bool have_mpirun() {
#ifdef OPSIM_HAVE_MPI
  return std::system("command -v mpirun >/dev/null 2>&1") == 0;
#else
  return false;
#endif
}

test::CommandResult mpirun(int ranks, const std::string& args) {
  // mpirun refuses root without these; more ranks than cores need --oversubscribe. Open MPI
  // itself leaks at exit, so LeakSanitizer is off for the ranks (AddressSanitizer stays on).
  const std::string command = fmt::format(
      "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
      "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 "
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

int compare(const std::filesystem::path& a, const std::filesystem::path& b) {
  return std::system(fmt::format("/usr/bin/python3 {}/scripts/compare_results.py {} {} >/dev/null",
                                 test::source_dir().string(), a.string(), b.string())
                         .c_str());
}

TEST(MpiCli, TwoAndThreeRanksGiveTheSingleProcessDatasets) {
  OPSIM_REQUIRE_OR_SKIP(
      have_mpirun(),
      "mpirun or an MPI build of opsim is missing (Debian openmpi-bin libopenmpi-dev)");
  test::TempDir dir;
  // The plan example has products (product results), a split deal and an overlay role.
  const std::string plan = (test::source_dir() / "scenarios/plan_example.json").string();
  for (const std::string& scenario : {test::small_scenario(), plan}) {
    const std::string name = std::filesystem::path(scenario).stem().string();
    const auto single = dir / fmt::format("single-{}.h5", name);
    ASSERT_EQ(test::run_opsim(fmt::format("run {} -q --trials 500 --keep-trials -o {}", scenario,
                                          single.string()))
                  .exit_code,
              0);
    // The plan example at 3 ranks only (uneven shares), to keep the test short.
    for (int ranks : scenario == plan ? std::vector<int>{3} : std::vector<int>{2, 3}) {
      const auto out = dir / fmt::format("mpi{}-{}.h5", ranks, name);
      auto r = mpirun(ranks, fmt::format("run {} -q --trials 500 --keep-trials --threads 1 -o {}",
                                         scenario, out.string()));
      ASSERT_EQ(r.exit_code, 0) << r.output;
      EXPECT_EQ(compare(single, out), 0) << ranks << " ranks, " << scenario;
    }
  }
}

// Review: rank 0 used 2.3 times the memory estimate under 3 ranks, and --max-memory did not
// catch it. Rank 0 now holds the whole result and one other rank's share while it gathers, and
// its estimate says so: a limit just above the single-process estimate refuses 2 ranks before
// any work; its twin, a limit above theirs, is not refused for memory.
TEST(MpiCli, RankZerosEstimateIncludesTheShareItGathers) {
  OPSIM_REQUIRE_OR_SKIP(
      have_mpirun(),
      "mpirun or an MPI build of opsim is missing (Debian openmpi-bin libopenmpi-dev)");
  const std::string run = fmt::format("run {} -q", test::small_scenario());
  const std::string args = run + " --trials 100000";
  auto needs = [](const std::string& output) {
    const std::size_t at = output.find("needs about ");
    return at == std::string::npos ? -1.0 : std::stod(output.substr(at + 12));  // MiB
  };
  const double single = needs(test::run_opsim(args + " --max-memory 1K").output);
  ASSERT_GT(single, 0);
  const auto limit = static_cast<std::uint64_t>((single + 1) * 1024 * 1024);
  auto r = mpirun(2, fmt::format("{} --threads 1 --max-memory {}", args, limit));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NEAR(needs(r.output), 1.5 * single, 0.02 * single) << r.output;  // + half the trials
  r = mpirun(2, fmt::format("{} --trials 10 --threads 1 --max-memory {}", run, limit));
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(MpiCli, CompareAndSweepGiveTheSingleProcessDatasets) {
  OPSIM_REQUIRE_OR_SKIP(
      have_mpirun(),
      "mpirun or an MPI build of opsim is missing (Debian openmpi-bin libopenmpi-dev)");
  test::TempDir dir;
  const std::string base = (test::source_dir() / "scenarios/global_saas.json").string();
  const std::string h1 = (test::source_dir() / "scenarios/global_saas_emea_h1.json").string();
  // The decision example prices hires, compensation and an uncertain programme cost.
  const std::string decision = (test::source_dir() / "scenarios/decision_base.json").string();
  const std::string enablement =
      (test::source_dir() / "scenarios/decision_apac_enablement.json").string();
  const std::string plan = (test::source_dir() / "scenarios/plan_example.json").string();
  const std::vector<std::pair<std::string, std::string>> commands{
      {"compare", fmt::format("compare {} {} --trials 150 -q", base, h1)},
      {"costs", fmt::format("compare {} {} --trials 61 -q", decision, enablement)},
      // Plans with components, a derived quota (measures summed over the ranks), draws, SPIFs,
      // clawbacks and quarterly true-ups, priced as `opsim quotas` prices them.
      {"plans", fmt::format("compare {} {} --trials 41 -q", plan, plan)},
      {"sweep", fmt::format("sweep {} --set /segments/0/win_rate=0.2,0.3 --trials 150 -q", base)}};
  for (const auto& [name, args] : commands) {
    const auto single = dir / (name + "-single.h5");
    auto one = test::run_opsim(fmt::format("{} -o {}", args, single.string()));
    ASSERT_EQ(one.exit_code, 0) << one.output;
    const auto out = dir / (name + "-mpi.h5");
    auto r = mpirun(2, fmt::format("{} --threads 1 -o {}", args, out.string()));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(compare(single, out), 0) << name;
  }
}

// `opsim drivers` splits every run's trials (the pick-freeze runs, the tornado variants and
// each step of the --solve search, whose P(reach) rank 0 broadcasts) across ranks.
TEST(MpiCli, DriversGiveTheSingleProcessDatasets) {
  OPSIM_REQUIRE_OR_SKIP(
      have_mpirun(),
      "mpirun or an MPI build of opsim is missing (Debian openmpi-bin libopenmpi-dev)");
  test::TempDir dir;
  const std::string args = fmt::format(
      "drivers {} --trials 300 --region NA --solve /segments/0/win_rate --solve-range 0.05:0.9 "
      "--for-probability 0.5 -q",
      test::small_scenario());
  auto one = test::run_opsim(fmt::format("{} -o {}", args, (dir / "single.h5").string()));
  ASSERT_EQ(one.exit_code, 0) << one.output;
  auto r = mpirun(2, fmt::format("{} --threads 1 -o {}", args, (dir / "mpi.h5").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(compare(dir / "single.h5", dir / "mpi.h5"), 0);
  // Fewer trials than ranks: a rank without trials still says which sources were drawn.
  const std::string few =
      fmt::format("drivers {} --trials 2 --no-tornado -q", test::small_scenario());
  one = test::run_opsim(fmt::format("{} -o {}", few, (dir / "few.h5").string()));
  ASSERT_EQ(one.exit_code, 0) << one.output;
  r = mpirun(3, fmt::format("{} --threads 1 -o {}", few, (dir / "few-mpi.h5").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(compare(dir / "few.h5", dir / "few-mpi.h5"), 0);
}

// Quotas and the compensation pass split their trials across ranks too: the quota solve on
// rank 0 sees every trial, and the payouts of each rank's trials are gathered in order. The
// example's AE plan has three components (new bookings, new logos with a quota derived from the
// forecast's won-deal counts summed over ranks, retention gated on bookings), so the component
// payouts (/compensation/components, /compensation/seat_components) are compared too.
TEST(MpiCli, QuotasWithCompensationGiveTheSingleProcessDatasets) {
  OPSIM_REQUIRE_OR_SKIP(
      have_mpirun(),
      "mpirun or an MPI build of opsim is missing (Debian openmpi-bin libopenmpi-dev)");
  test::TempDir dir;
  const std::string scenario = (test::source_dir() / "scenarios/plan_example.json").string();
  for (const char* method : {"equal-chance", "top-down"}) {
    const auto single = dir / fmt::format("single-{}.h5", method);
    auto one = test::run_opsim(fmt::format("quotas {} --method {} -q --trials 301 -o {}", scenario,
                                           method, single.string()));
    ASSERT_EQ(one.exit_code, 0) << one.output;
    for (int ranks : {2, 3}) {
      const auto out = dir / fmt::format("mpi{}-{}.h5", ranks, method);
      auto r = mpirun(ranks, fmt::format("quotas {} --method {} -q --trials 301 --threads 1 -o {}",
                                         scenario, method, out.string()));
      ASSERT_EQ(r.exit_code, 0) << r.output;
      EXPECT_EQ(compare(single, out), 0) << ranks << " ranks, " << method;
    }
    // Each rank prices its trials from its stored seat-months; with no room for them (the
    // limit at the run's estimate) or room for a few, the rest are simulated again.
    const std::string command =
        fmt::format("quotas {} --method {} -q --trials 301 --threads 1", scenario, method);
    const std::uint64_t bytes = test::quota_run_bytes(command);
    for (std::uint64_t room : {std::uint64_t{0}, std::uint64_t{30000}}) {
      const auto out = dir / fmt::format("mpi-room{}-{}.h5", room, method);
      auto r =
          mpirun(2, fmt::format("{} --max-memory {} -o {}", command, bytes + room, out.string()));
      ASSERT_EQ(r.exit_code, 0) << r.output;
      EXPECT_EQ(compare(single, out), 0) << room << " bytes of room, " << method;
    }
  }
}

TEST(MpiCli, BadInputOnEveryRankGivesOneMessageAndNoOutput) {
  OPSIM_REQUIRE_OR_SKIP(
      have_mpirun(),
      "mpirun or an MPI build of opsim is missing (Debian openmpi-bin libopenmpi-dev)");
  test::TempDir dir;
  const auto out = dir / "out.h5";
  auto r =
      mpirun(2, fmt::format("run {} -q --trials 0 -o {}", test::small_scenario(), out.string()));
  EXPECT_NE(r.exit_code, 0);
  auto missing =
      mpirun(2, fmt::format("run {} -q -o {}", (dir / "absent.json").string(), out.string()));
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  std::size_t messages = 0;
  for (std::size_t at = missing.output.find("opsim: error:"); at != std::string::npos;
       at = missing.output.find("opsim: error:", at + 1)) {
    ++messages;
  }
  EXPECT_EQ(messages, 1u) << missing.output;
  EXPECT_FALSE(std::filesystem::exists(out));
  auto quotas = mpirun(
      2, fmt::format("quotas {} --method import -o {}",
                     (test::source_dir() / "scenarios/plan_example.json").string(), out.string()));
  EXPECT_EQ(quotas.exit_code, 2) << quotas.output;
  EXPECT_NE(quotas.output.find("--method import needs --import-csv"), std::string::npos)
      << quotas.output;
  EXPECT_EQ(quotas.output.find("opsim: error:"), quotas.output.rfind("opsim: error:"))
      << "one message\n"
      << quotas.output;
  EXPECT_FALSE(std::filesystem::exists(out));
  // Commands that do not split their trials refuse to run once per rank.
  auto capacity = mpirun(
      2, fmt::format("capacity {} -o {}",
                     (test::source_dir() / "scenarios/plan_example.json").string(), out.string()));
  EXPECT_EQ(capacity.exit_code, 2) << capacity.output;
  EXPECT_NE(capacity.output.find("`opsim capacity` runs in one process"), std::string::npos)
      << capacity.output;
  EXPECT_EQ(capacity.output.find("opsim: error:"), capacity.output.rfind("opsim: error:"))
      << capacity.output;
  EXPECT_FALSE(std::filesystem::exists(out));
}

// The benchmark behind the cluster figures runs real mpirun jobs, shards and a merge, checks
// their datasets against one run, and measures a paired comparison's variance reduction.
// Review: the rank files of a stopped 2-rank run (ck.h5, ck.rank1.h5) were resumed by one
// process, which left ck.rank1.h5 for good; with 3 ranks the refusal came only after rank 2 had
// simulated its share and written ck.rank2.h5. Both are refused before any work, naming the rank
// counts; the files are kept for a resume on 2 ranks.
TEST(MpiCli, ACheckpointOfAnotherRankCountIsRefusedBeforeAnyWork) {
  OPSIM_REQUIRE_OR_SKIP(
      have_mpirun(),
      "mpirun or an MPI build of opsim is missing (Debian openmpi-bin libopenmpi-dev)");
  test::TempDir dir;
  const std::string checkpoint = (dir / "ck.h5").string(), out = (dir / "out.h5").string();
  const std::string run = fmt::format(
      "run {} -q --threads 1 --trials 200000 --checkpoint {} --checkpoint-every 500 -o {}",
      test::small_scenario(), checkpoint, out);
  // A 2-rank run stopped (SIGTERM, as a cluster's time limit) once both ranks have saved.
  const std::string command = fmt::format(
      "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
      "ASAN_OPTIONS=detect_leaks=0 exec mpirun --oversubscribe -np 2 {} {} >/dev/null 2>&1",
      OPSIM_EXE, run);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const std::filesystem::path rank1 = dir / "ck.rank1.h5";
  for (int i = 0;
       i < 1200 && !(std::filesystem::exists(checkpoint) && std::filesystem::exists(rank1)); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(std::filesystem::exists(checkpoint) && std::filesystem::exists(rank1));
  auto r = test::run_opsim(run);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("written by a run on 2 MPI ranks and this run has 1"), std::string::npos)
      << r.output;
  r = mpirun(3, run);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("written by a run on 2 MPI ranks and this run has 3"), std::string::npos)
      << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "ck.rank2.h5")) << "rank 2 worked first";
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_TRUE(std::filesystem::exists(checkpoint) && std::filesystem::exists(rank1));
  // Rank 0's file gone (killed before its first save): rank 1's is still read, by the one
  // process as the next rank's and by 3 ranks' rank 1 as its own.
  std::filesystem::rename(checkpoint, dir / "aside.h5");
  r = test::run_opsim(run);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(rank1.string() + ": this checkpoint was written by a run on 2 MPI ranks "
                                           "and this run has 1"),
            std::string::npos)
      << r.output;
  r = mpirun(3, run);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("written by a run on 2 MPI ranks and this run has 3"), std::string::npos)
      << r.output;
  EXPECT_FALSE(std::filesystem::exists(checkpoint)) << "rank 0 worked first";
  EXPECT_FALSE(std::filesystem::exists(out));
  // An error on rank 1 alone (its file is a copy of rank 0's: another share) is printed, by
  // rank 0 (review: rank 0's quiet exit ended the job before rank 1 printed it).
  std::filesystem::rename(dir / "aside.h5", checkpoint);
  std::filesystem::copy_file(checkpoint, rank1, std::filesystem::copy_options::overwrite_existing);
  r = mpirun(2, run);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(rank1.string() + ": this checkpoint belongs to a different run (trials "
                                           "0.."),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(", this rank's share 100000..200000)"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));
}

// Review: a --work-dir that does not exist, or is a file, was an internal error (exit 1).
TEST(MpiCli, ClusterBenchRefusesAWorkDirThatIsNoFolder) {
  OPSIM_REQUIRE_OR_SKIP(
      have_mpirun(),
      "mpirun or an MPI build of opsim is missing (Debian openmpi-bin libopenmpi-dev)");
  test::TempDir dir;
  const std::string file = dir.write("file.txt", "x");
  for (const auto& [work, says] : std::vector<std::pair<std::string, std::string>>{
           {(dir / "missing").string(), "no such folder"}, {file, "is not a folder"}}) {
    const auto r = test::run_opsim(
        fmt::format("cluster-bench {} --trials 50 --work-dir {}", test::small_scenario(), work));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find(fmt::format("--work-dir {}: {}", work, says)), std::string::npos)
        << r.output;
  }
}

TEST(MpiCli, ClusterBenchTimesRanksShardsAndComparisons) {
  OPSIM_REQUIRE_OR_SKIP(
      have_mpirun(),
      "mpirun or an MPI build of opsim is missing (Debian openmpi-bin libopenmpi-dev)");
  test::TempDir dir;
  std::ifstream in(test::small_scenario());
  nlohmann::json alt = nlohmann::json::parse(in);
  alt["segments"][0]["win_rate"] = 0.3;
  const std::string alt_path = dir.write("alt.json", alt.dump());
  const auto json = dir / "bench.json";
  auto r = test::run_shell(
      fmt::format("OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
                  "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 "
                  "{} cluster-bench {} --trials 40 --ranks 1,3 --shards 3 --compare {} "
                  "--compare-trials 300 --work-dir {} --json {}",
                  OPSIM_EXE, test::small_scenario(), alt_path, dir.path().string(), json.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream report_file(json);
  const auto report = nlohmann::json::parse(report_file);
  ASSERT_EQ(report["ranks"].size(), 2u);
  EXPECT_EQ(report["ranks"][1]["ranks"], 3);
  for (const auto& t : report["ranks"]) {
    EXPECT_TRUE(t["identical"].get<bool>());
    EXPECT_GT(t["seconds_with_output"].get<double>(), 0.0);
  }
  EXPECT_TRUE(report["sharding"]["identical"].get<bool>());
  EXPECT_EQ(report["sharding"]["shards"], 3);
  ASSERT_FALSE(report["comparisons"].empty());
  EXPECT_GT(report["comparisons"][0]["variance_reduction"].get<double>(), 1.0);
  // Its temporary files are gone; only the report and the alternative remain.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            2);
}

}  // namespace
}  // namespace opsim
