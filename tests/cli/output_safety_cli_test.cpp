// The user's files through the command line (issue 10): an output that is an input or another
// output is refused before any work (exit 2, naming both), an existing file is replaced only
// with --force, a --csv or checkpoint folder loses nothing opsim did not write, a device is
// never replaced, a full disk is exit 1 with the path and the OS message and leaves nothing at
// the final name, and every shared option is checked.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tests/progress_lines.hpp"
#include "tests/test_support.hpp"

namespace opsim {
namespace {

namespace fs = std::filesystem;
using test::run_opsim;
using test::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

//! The bundled plan example copied into `dir` as p.json with the CSV files it names.
fs::path copy_plan_example(const fs::path& dir) {
  for (const char* name : {"plan_example_prior.csv", "plan_example_territories.csv"})
    fs::copy(test::source_dir() / "scenarios" / name, dir / name);
  fs::copy(test::source_dir() / "scenarios/plan_example.json", dir / "p.json");
  return dir / "p.json";
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

fs::path small_scenario() {
  return test::source_dir() / "tests/fixtures/small_scenario.json";
}

std::set<std::string> listing(const fs::path& folder) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder))
    names.insert(entry.path().filename().string());
  return names;
}

//! Runs `args`; expects exit 2 naming every piece, and `kept` byte for byte as before.
void expect_clash(const std::string& args, const std::vector<std::string>& pieces,
                  const fs::path& kept) {
  const std::string before = read_file(kept);
  const auto result = run_opsim(args);
  EXPECT_EQ(result.exit_code, 2) << args << "\n" << result.output;
  for (const auto& piece : pieces) EXPECT_THAT(result.output, HasSubstr(piece)) << args;
  EXPECT_EQ(read_file(kept), before) << kept << " changed: " << args;
}

// ---- an output that is an input -------------------------------------------------------------

TEST(OutputSafetyCli, RunRefusesToOverwriteItsScenario) {
  TempDir dir;
  const fs::path s = dir / "s.json";
  fs::copy(small_scenario(), s);
  expect_clash(fmt::format("run {} -q -o {}", s.string(), s.string()), {"-o", "scenario"}, s);
  expect_clash(fmt::format("run {} -q --summary-json {}", s.string(), s.string()),
               {"--summary-json", "scenario"}, s);
  // Through a symlink, `..` and a hard link.
  fs::create_symlink(s, dir / "link.json");
  expect_clash(fmt::format("run {} -q -o {}", s.string(), (dir / "link.json").string()),
               {"scenario"}, s);
  fs::create_directory(dir / "sub");
  expect_clash(
      fmt::format("run {} -q --summary-json {}/sub/../s.json", s.string(), dir.path().string()),
      {"scenario"}, s);
  fs::create_hard_link(s, dir / "hard.json");
  expect_clash(fmt::format("run {} -q --summary-json {}", s.string(), (dir / "hard.json").string()),
               {"scenario"}, s);
}

TEST(OutputSafetyCli, ExportDealsRefusesToOverwriteTheRosterCsv) {
  TempDir dir;
  const fs::path s = test::copy_global_saas(dir.path());
  const fs::path roster = dir / "global_saas/roster.csv";
  expect_clash(fmt::format("run {} -q --trials 10 --export-deals {}", s.string(), roster.string()),
               {"--export-deals", roster.string()}, roster);
}

TEST(OutputSafetyCli, RunRefusesToOverwriteTheScenarioItExtends) {
  TempDir dir;
  const fs::path base = test::copy_global_saas(dir.path());
  const fs::path alternative = dir / "global_saas_emea_h1.json";
  fs::copy(test::source_dir() / "scenarios/global_saas_emea_h1.json", alternative);
  expect_clash(
      fmt::format("run {} -q --trials 10 --summary-json {}", alternative.string(), base.string()),
      {"--summary-json", base.string()}, base);
}

// Review: `report SCENARIO.json -o` with --force overwrote the roster the scenario names and
// the scenario it extends; only the file on the command line was guarded.
TEST(OutputSafetyCli, ReportRefusesToOverwriteWhatItsScenarioReads) {
  TempDir dir;
  const fs::path base = test::copy_global_saas(dir.path());
  const fs::path roster = dir / "global_saas/roster.csv";
  expect_clash(fmt::format("report {} -o {} --force", base.string(), roster.string()),
               {"-o", roster.string()}, roster);
  const fs::path alternative = dir / "global_saas_emea_h1.json";
  fs::copy(test::source_dir() / "scenarios/global_saas_emea_h1.json", alternative);
  expect_clash(fmt::format("report {} -o {} --force", alternative.string(), base.string()),
               {"-o", base.string()}, base);
  // Twin: a page beside them is written.
  const auto r =
      run_opsim(fmt::format("report {} -o {}", base.string(), (dir / "p.html").string()));
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(OutputSafetyCli, CompareRefusesToOverwriteAScenario) {
  TempDir dir;
  const fs::path a = dir / "a.json", b = dir / "b.json";
  fs::copy(small_scenario(), a);
  fs::copy(small_scenario(), b);
  expect_clash(
      fmt::format("compare {} {} -q --trials 20 -o {}", a.string(), b.string(), b.string()),
      {"-o", "scenario"}, b);
}

TEST(OutputSafetyCli, QuotasRefusesToOverwriteItsScenario) {
  TempDir dir;
  const fs::path p = copy_plan_example(dir.path());
  expect_clash(fmt::format("quotas {} -q --trials 20 -o {}", p.string(), p.string()),
               {"-o", "scenario"}, p);
}

TEST(OutputSafetyCli, CalibrateRefusesToOverwriteItsHistory) {
  TempDir dir;
  const std::string d = dir.write("d.csv",
                                  "id,region,segment,stage,created,closed,amount\n"
                                  "1,East,SMB,Won,2017-01-05,2017-02-01,100\n"
                                  "2,East,SMB,Lost,2017-01-05,2017-02-11,0\n");
  expect_clash(fmt::format("calibrate --opportunities {} --as-of 2017-04 -o {}", d, d),
               {"-o", "history file"}, d);
}

TEST(OutputSafetyCli, TerritoriesRefusesToOverwriteTheAccountsCsvItsScenarioNames) {
  TempDir dir;
  const std::string accounts =
      dir.write("accounts.csv", "id,x,y,potential\na,0,0,1\nb,1,0,1\nc,0,1,1\nd,1,1,1\n");
  const std::string s =
      dir.write("s.json", R"({"territories": {"count": 2, "accounts": "accounts.csv"}})");
  // --force does not lift the clash: an input is never an output.
  expect_clash(fmt::format("territories {} --time-limit 5 --force -o {}", s, accounts),
               {"-o " + accounts, "input of " + s}, accounts);
  expect_clash(
      fmt::format("territories evaluate {} --allocation {} --force -o {}", s, accounts, accounts),
      {"-o " + accounts}, accounts);
}

TEST(OutputSafetyCli, PlanCommandsRefuseToOverwriteThePriorBookingsCsv) {
  TempDir dir;
  nlohmann::json doc =
      nlohmann::json::parse(read_file(test::source_dir() / "scenarios/plan_example.json"));
  doc["plan"]["quotas"]["prior_bookings_csv"] = "prior.csv";
  copy_plan_example(dir.path());
  const std::string p = dir.write("p.json", doc.dump(2));
  const std::string prior = dir.write("prior.csv", "seat,bookings\n");
  for (const std::string& command :
       {fmt::format("quotas {} -q --trials 20 --force -o {}", p, prior),
        fmt::format("capacity {} -q --trials 20 --force --csv {} -o {}", p, (dir / "csv").string(),
                    prior),
        fmt::format("run {} -q --trials 20 --force --summary-json {}", p, prior)}) {
    expect_clash(command, {prior, "input of " + p}, prior);
  }
}

TEST(OutputSafetyCli, MergeRefusesToOverwriteAShard) {
  TempDir dir;
  const std::string s = small_scenario().string();
  const std::string a = (dir / "a.h5").string(), b = (dir / "b.h5").string();
  ASSERT_EQ(
      run_opsim(fmt::format("run {} -q --trials 40 --trial-range 0:20 -o {}", s, a)).exit_code, 0);
  ASSERT_EQ(
      run_opsim(fmt::format("run {} -q --trials 40 --trial-range 20:40 -o {}", s, b)).exit_code, 0);
  expect_clash(fmt::format("merge {} {} -q -o {}", a, b, a), {"-o", "shard"}, a);
}

TEST(OutputSafetyCli, TwoOutputsOnOneFileAreRefused) {
  TempDir dir;
  const std::string x = (dir / "x").string();
  const auto result = run_opsim(fmt::format("run {} -q --trials 20 -o {} --summary-json {}",
                                            small_scenario().string(), x, x));
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("same file"));
  EXPECT_FALSE(fs::exists(x));
}

// Review: a dangling or looping symbolic link at an output path was replaced by a regular file.
// A link is written through (the link stays, the file it names is made); a loop is refused.
TEST(OutputSafetyCli, ASymbolicLinkIsWrittenThroughEvenDanglingAndALoopIsRefused) {
  TempDir dir;
  const std::string s = small_scenario().string();
  fs::create_symlink("other/target.json", dir / "dangling.json");
  const std::string run = fmt::format("run {} -q --trials 20 --summary-json ", s);
  // The folder it names does not exist: refused before any work, the link left as it is.
  auto r = run_opsim(run + (dir / "dangling.json").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("symbolic link"));
  fs::create_directory(dir / "other");
  r = run_opsim(run + (dir / "dangling.json").string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::is_symlink(dir / "dangling.json"));
  EXPECT_TRUE(fs::is_regular_file(dir / "other/target.json"));
  fs::create_symlink("loop2", dir / "loop1");
  fs::create_symlink("loop1", dir / "loop2");
  r = run_opsim(run + (dir / "loop1").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  // The option that gave the path is named (review: the message had no option).
  EXPECT_THAT(r.output, HasSubstr("--summary-json " + (dir / "loop1").string() +
                                  ": a symbolic "
                                  "link on this path loops"));
  EXPECT_TRUE(fs::is_symlink(dir / "loop1"));
  // A loop on a folder of the path (review: an internal error, exit 1).
  r = run_opsim(run + (dir / "loop1" / "x.json").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("--summary-json " + (dir / "loop1" / "x.json").string() +
                                  ": a symbolic link on this path loops"));
  // A --csv folder that loops is named as given, not by a file opsim would write in it.
  r = run_opsim(fmt::format("run {} -q --trials 20 --csv {}", s, (dir / "loop1").string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("--csv " + (dir / "loop1").string() + ": a symbolic link"));
  // The same dangling link as one of a --csv folder's files (review: exit 1 after the work).
  fs::create_directory(dir / "csv");
  fs::create_symlink("/nonexistent/x", dir / "csv/periods.csv");
  r = run_opsim(
      fmt::format("run {} --progress-every 0 --trials 20 --csv {}", s, (dir / "csv").string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("periods.csv: is a symbolic link to /nonexistent/x, whose "
                                  "folder does not exist"));
  EXPECT_EQ(test::progress_lines(r.output, "trials"), 0u) << r.output;
}

// Review: a name of 242 to 255 bytes could not be written (the temporary's name was too long),
// and a longer name or path failed after the run, one with an internal error.
TEST(OutputSafetyCli, LongNamesAreWrittenAndTooLongOnesRefusedBeforeAnyWork) {
  TempDir dir;
  const std::string run =
      fmt::format("run {} -q --trials 20 --summary-json ", small_scenario().string());
  const fs::path longest = dir / (std::string(250, 'n') + ".json");  // 255 bytes
  auto r = run_opsim(run + longest.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::is_regular_file(longest));
  r = run_opsim(run + (dir / (std::string(251, 'n') + ".json")).string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("at most 255"));
  std::string deep = dir.path().string();
  for (int i = 0; i < 25; ++i) deep += "/" + std::string(200, 'd');
  r = run_opsim(run + deep + "/x.json");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("at most 4081 bytes"));
  // A path a few bytes under PATH_MAX: its temporary would not fit, so it is refused up front
  // (review: exit 1 after the run).
  std::string near = dir.path().string();
  while (near.size() + 201 < 4070) near.append("/").append(200, 'e');
  near.append("/").append(4090 - near.size() - 6, 'f').append(".json");
  r = run_opsim(run + near);
  EXPECT_EQ(r.exit_code, 2) << r.output.substr(0, 300);
}

// ---- an existing file is replaced only with --force ------------------------------------------

TEST(OutputSafetyCli, ExistingOutputFileIsRefusedWithoutForce) {
  TempDir dir;
  const std::string s = small_scenario().string();
  for (const auto& [option, name] : std::vector<std::pair<std::string, std::string>>{
           {"-o", "out.h5"}, {"--summary-json", "summary.json"}, {"--xlsx", "book.xlsx"}}) {
    const fs::path file = dir / name;
    std::ofstream(file) << "the user's " << name;
    const std::string before = read_file(file);
    const auto result =
        run_opsim(fmt::format("run {} -q --trials 20 {} {}", s, option, file.string()));
    EXPECT_EQ(result.exit_code, 2) << option << "\n" << result.output;
    EXPECT_THAT(result.output, HasSubstr(file.string())) << option;
    EXPECT_THAT(result.output, HasSubstr("pass --force to replace it")) << option;
    EXPECT_EQ(read_file(file), before) << option;
  }
  // Every command that writes files shares the rule (one output layer).
  const fs::path taken = dir / "taken.h5";
  std::ofstream(taken) << "the user's file";
  const fs::path p = copy_plan_example(dir.path());
  for (const std::string& command :
       {fmt::format("compare {} {} -q --trials 20 -o {}", s, s, taken.string()),
        fmt::format("sweep {} -q --trials 20 --set /simulation/seed=1,2 -o {}", s, taken.string()),
        fmt::format("quotas {} -q --trials 20 -o {}", p.string(), taken.string()),
        fmt::format("report {} -o {}", s, taken.string())}) {
    const auto result = run_opsim(command);
    EXPECT_EQ(result.exit_code, 2) << command << "\n" << result.output;
    EXPECT_THAT(result.output, HasSubstr("pass --force to replace it")) << command;
    EXPECT_EQ(read_file(taken), "the user's file") << command;
  }
}

TEST(OutputSafetyCli, ForceReplacesAnExistingOutputFile) {
  TempDir dir;
  const fs::path json = dir / "summary.json", h5 = dir / "out.h5";
  std::ofstream(json) << "old";
  std::ofstream(h5) << "old";
  const auto result = run_opsim(fmt::format("run {} -q --trials 20 --force --summary-json {} -o {}",
                                            small_scenario().string(), json.string(), h5.string()));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(read_file(json), HasSubstr("\"periods\""));
  EXPECT_NE(read_file(h5), "old");
  // A second identical run needs --force as well: the first run's files are now there.
  const auto again = run_opsim(fmt::format("run {} -q --trials 20 --summary-json {}",
                                           small_scenario().string(), json.string()));
  EXPECT_EQ(again.exit_code, 2) << again.output;
}

// Review: validate and upgrade said "pass --force to replace it" and refused --force, so an
// existing output could never be replaced with them.
TEST(OutputSafetyCli, ValidateAndUpgradeTakeForceAsTheyAskForIt) {
  TempDir dir;
  const std::string s = small_scenario().string();
  const fs::path out = dir / "out.json";
  for (const std::string& command : {fmt::format("validate {} --summary-json {}", s, out.string()),
                                     fmt::format("upgrade {} -o {}", s, out.string())}) {
    std::ofstream(out) << "the user's file";
    const auto refused = run_opsim(command);
    EXPECT_EQ(refused.exit_code, 2) << command << "\n" << refused.output;
    EXPECT_THAT(refused.output, HasSubstr("pass --force to replace it")) << command;
    EXPECT_EQ(read_file(out), "the user's file") << command;
    const auto forced = run_opsim(command + " --force");
    EXPECT_EQ(forced.exit_code, 0) << command << "\n" << forced.output;
    EXPECT_NE(read_file(out), "the user's file") << command;
  }
}

TEST(OutputSafetyCli, CsvFolderFileOfTheSameNameIsRefusedAndUntouched) {
  TempDir dir;
  const fs::path csv = dir / "csv";
  fs::create_directory(csv);
  std::ofstream(csv / "monthly.csv") << "the user's monthly figures";
  const std::string s = small_scenario().string();
  const auto result = run_opsim(fmt::format("run {} -q --trials 20 --csv {}", s, csv.string()));
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr((csv / "monthly.csv").string()));
  EXPECT_THAT(result.output, HasSubstr("pass --force to replace it"));
  EXPECT_EQ(read_file(csv / "monthly.csv"), "the user's monthly figures");
  EXPECT_EQ(listing(csv), std::set<std::string>{"monthly.csv"}) << "other CSVs were written";
  const auto forced =
      run_opsim(fmt::format("run {} -q --trials 20 --csv {} --force", s, csv.string()));
  ASSERT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_NE(read_file(csv / "monthly.csv"), "the user's monthly figures");
}

TEST(OutputSafetyCli, ScriptsRunWorksTwiceInARow) {
  // scripts/run in a copy of the tree (its results/ is the copy's), with this build's opsim.
  TempDir dir;
  fs::create_directories(dir / "scripts");
  fs::create_directories(dir / "build/release");
  fs::copy(test::source_dir() / "scripts/run", dir / "scripts/run");
  fs::create_directory_symlink(test::source_dir() / "scenarios", dir / "scenarios");
  fs::create_symlink(OPSIM_EXE, dir / "build/release/opsim");
  const std::string command =
      fmt::format("{} -q --trials 200 --threads 2", (dir / "scripts/run").string());
  const auto first = test::run_shell(command);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const auto second = test::run_shell(command);
  EXPECT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr("global_saas_report.html"));
  EXPECT_TRUE(fs::exists(dir / "results/global_saas_csv/monthly.csv"));
}

// ---- folders: nothing opsim did not write is removed -----------------------------------------

TEST(OutputSafetyCli, CsvFolderKeepsTheUsersFiles) {
  TempDir dir;
  const fs::path csv = dir / "csv";
  fs::create_directory(csv);
  std::ofstream(csv / "budget.xlsx") << "the user's budget";
  const auto result = run_opsim(
      fmt::format("run {} -q --trials 20 --csv {}", small_scenario().string(), csv.string()));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(read_file(csv / "budget.xlsx"), "the user's budget");
  EXPECT_EQ(listing(csv),
            (std::set<std::string>{"budget.xlsx", "kpis.csv", "monthly.csv", "periods.csv",
                                   "products.csv", "productivity.csv", "targets.csv"}));
}

TEST(OutputSafetyCli, CsvDotWritesIntoTheCurrentFolderWithoutWipingIt) {
  TempDir dir;
  std::ofstream(dir / "notes.txt") << "keep me";
  fs::copy(small_scenario(), dir / "s.json");
  const auto result = test::run_shell(
      fmt::format("cd {} && {} run s.json -q --trials 20 --csv .", dir.path().string(), OPSIM_EXE));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(read_file(dir / "notes.txt"), "keep me");
  EXPECT_TRUE(fs::exists(dir / "s.json"));
  EXPECT_TRUE(fs::exists(dir / "monthly.csv"));
}

TEST(OutputSafetyCli, CompareSweepAndQuotasCsvFoldersKeepTheUsersFiles) {
  TempDir dir;
  const std::string s = small_scenario().string();
  const fs::path p = copy_plan_example(dir.path());
  for (const std::string& command :
       {fmt::format("compare {} {} -q --trials 20", s, s),
        fmt::format("sweep {} -q --trials 20 --set /simulation/seed=1,2", s),
        fmt::format("quotas {} -q --trials 20", p.string())}) {
    const fs::path csv = dir / "csv";
    fs::remove_all(csv);
    fs::create_directory(csv);
    std::ofstream(csv / "budget.xlsx") << "the user's budget";
    const auto result = run_opsim(fmt::format("{} --csv {}", command, csv.string()));
    ASSERT_EQ(result.exit_code, 0) << command << "\n" << result.output;
    EXPECT_EQ(read_file(csv / "budget.xlsx"), "the user's budget") << command;
    EXPECT_GT(listing(csv).size(), 1u) << command;
  }
}

TEST(OutputSafetyCli, CheckpointFolderLosesOnlyItsShards) {
  TempDir dir;
  const fs::path checkpoint = dir / "ckpt";
  fs::create_directory(checkpoint);
  std::ofstream(checkpoint / "readme.txt") << "the user's notes";
  const auto result = run_opsim(
      fmt::format("run {} -q --trials 60 --checkpoint {} --checkpoint-every 20 -o {}",
                  small_scenario().string(), checkpoint.string(), (dir / "out.h5").string()));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(listing(checkpoint), std::set<std::string>{"readme.txt"});
  // A folder opsim created itself is removed once the run is done.
  const fs::path own = dir / "own";
  ASSERT_EQ(run_opsim(fmt::format("run {} -q --trials 60 --checkpoint {} --checkpoint-every 20",
                                  small_scenario().string(), own.string()))
                .exit_code,
            0);
  EXPECT_FALSE(fs::exists(own));
}

// ---- devices and FIFOs are never replaced ----------------------------------------------------

TEST(OutputSafetyCli, DevNullIsWrittenIntoNotReplaced) {
  const std::string s = small_scenario().string();
  const auto json = run_opsim(fmt::format("run {} -q --trials 20 --summary-json /dev/null", s));
  EXPECT_EQ(json.exit_code, 0) << json.output;
  const auto hdf5 = run_opsim(fmt::format("run {} -q --trials 20 -o /dev/null", s));
  EXPECT_EQ(hdf5.exit_code, 2) << hdf5.output;
  EXPECT_THAT(hdf5.output, HasSubstr("character device"));
  struct stat info {};
  ASSERT_EQ(::stat("/dev/null", &info), 0);
  EXPECT_TRUE(S_ISCHR(info.st_mode)) << "/dev/null was replaced";
}

TEST(OutputSafetyCli, CharacterDeviceMadeByMknodIsNotReplaced) {
  OPSIM_REQUIRE_OR_SKIP(::geteuid() == 0, "mknod needs root");
  TempDir dir;
  const fs::path device = dir / "null";
  ASSERT_EQ(::mknod(device.c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  const auto result = run_opsim(fmt::format("run {} -q --trials 20 --summary-json {}",
                                            small_scenario().string(), device.string()));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  struct stat info {};
  ASSERT_EQ(::stat(device.c_str(), &info), 0);
  EXPECT_TRUE(S_ISCHR(info.st_mode)) << "the device was replaced by a regular file";
  EXPECT_EQ(listing(dir.path()), std::set<std::string>{"null"});
}

// ---- a full disk ----------------------------------------------------------------------------

//! A tmpfs of `size_kib` KiB (256) at `where` (root only) filled up to its last `free_kib` (8)
//! by a file `filler`, unmounted at destruction.
class SmallDisk {
 public:
  explicit SmallDisk(const fs::path& where, int size_kib = 256, int free_kib = 8) : path_(where) {
    fs::create_directory(path_);
    mounted_ =
        ::mount("tmpfs", path_.c_str(), "tmpfs", 0, fmt::format("size={}k", size_kib).c_str()) == 0;
    if (mounted_) std::ofstream(path_ / "filler") << std::string((size_kib - free_kib) * 1024, 'x');
  }
  ~SmallDisk() {
    if (mounted_) ::umount(path_.c_str());
  }
  bool mounted() const { return mounted_; }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
  bool mounted_ = false;
};

TEST(OutputSafetyCli, DiskFullHdf5IsExitOneWithoutCrashOrFile) {
  OPSIM_REQUIRE_OR_SKIP(::geteuid() == 0, "mounting a small tmpfs needs root");
  TempDir dir;
  SmallDisk disk(dir / "full");
  OPSIM_REQUIRE_OR_SKIP(disk.mounted(), "cannot mount tmpfs here");
  const fs::path out = disk.path() / "out.h5";
  std::ofstream(out) << "previous result";
  const auto result = run_opsim(fmt::format("run {} -q --trials 2000 --keep-trials --force -o {}",
                                            small_scenario().string(), out.string()));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output, HasSubstr(out.string()));
  EXPECT_THAT(result.output, HasSubstr("No space left on device"));
  EXPECT_EQ(read_file(out), "previous result");
  EXPECT_EQ(listing(disk.path()), (std::set<std::string>{"filler", "out.h5"}))
      << "a temporary file was left";
}

// Review: a disk that filled up during the write printed HDF5's own "DataSet::~DataSet -
// H5Dclose failed" above opsim's message.
TEST(OutputSafetyCli, DiskFullDuringTheHdf5WriteIsOneMessage) {
  OPSIM_REQUIRE_OR_SKIP(::geteuid() == 0, "mounting a small tmpfs needs root");
  TempDir dir;
  SmallDisk disk(dir / "full", 1024, 124);  // room for the header, not the trials
  OPSIM_REQUIRE_OR_SKIP(disk.mounted(), "cannot mount tmpfs here");
  const fs::path out = disk.path() / "out.h5";
  const auto result =
      run_opsim(fmt::format("run {} -q --trials 2000 --keep-trials -o {}",
                            test::copy_global_saas(dir.path()).string(), out.string()));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output, HasSubstr("writing HDF5 failed: No space left on device"));
  EXPECT_THAT(result.output, Not(HasSubstr("~DataSet")));
  EXPECT_EQ(result.output.find('\n'), result.output.size() - 1) << result.output;  // one line
  EXPECT_EQ(listing(disk.path()), (std::set<std::string>{"filler"}));
}

// Review: under a file-size limit (bash ulimit -f, KiB; as clusters set) libxlsxwriter's staged
// sheets were cut short and zipped as they were: exit 0 and a workbook Excel cannot open. An HDF5
// file that hit the limit was reported, then libhdf5 crashed at exit (segmentation fault, exit
// 139).
TEST(OutputSafetyCli, AFileSizeLimitIsAnErrorWithoutADamagedFileOrACrash) {
  TempDir dir;
  const std::string scenario = (test::source_dir() / "scenarios/didactic.json").string();
  const auto book =
      test::run_shell(fmt::format("bash -c 'ulimit -f 20; {} run {} --trials 50 -q --xlsx {}' 2>&1",
                                  OPSIM_EXE, scenario, (dir / "b.xlsx").string()));
  EXPECT_EQ(book.exit_code, 1) << book.output;
  EXPECT_THAT(book.output, HasSubstr("came out cut short"));
  const auto h5 =
      test::run_shell(fmt::format("bash -c 'ulimit -f 100; {} run {} --trials 50 -q -o {}' 2>&1",
                                  OPSIM_EXE, scenario, (dir / "x.h5").string()));
  EXPECT_EQ(h5.exit_code, 1) << h5.output;
  EXPECT_THAT(h5.output, HasSubstr("File too large"));
  EXPECT_EQ(std::count(h5.output.begin(), h5.output.end(), '\n'), 1) << h5.output;
  EXPECT_TRUE(listing(dir.path()).empty())
      << fmt::format("{}", fmt::join(listing(dir.path()), ", "));
  // Twin: without the limit both are written.
  const auto fine = run_opsim(fmt::format("run {} --trials 50 -q --xlsx {} -o {}", scenario,
                                          (dir / "b.xlsx").string(), (dir / "x.h5").string()));
  EXPECT_EQ(fine.exit_code, 0) << fine.output;
  EXPECT_EQ(listing(dir.path()), (std::set<std::string>{"b.xlsx", "x.h5"}));
}

//! Names in `folder` of opsim's temporaries (".NAME.opsim-XXXXXX").
std::vector<std::string> temporaries_in(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".opsim-") != std::string::npos && name.front() == '.') names.push_back(name);
  }
  return names;
}

// Review: a run stopped by Ctrl-C (SIGINT) or a cluster's time limit (SIGTERM) left its
// temporary (".ck.h5.opsim-XXXXXX", tens of MB) for good. The run is frozen (SIGSTOP) while a
// temporary exists, then told to stop: the temporary is gone, the finished checkpoint kept.
TEST(OutputSafetyCli, ATemporaryIsRemovedWhenASignalEndsTheRun) {
  for (const int sig : {SIGTERM, SIGINT}) {
    TempDir dir;
    const fs::path scenario = test::copy_global_saas(dir.path());
    const std::string out = (dir / "out.h5").string(), checkpoint = (dir / "ck.h5").string();
    std::vector<std::string> args{
        OPSIM_EXE, "run",          scenario.string(), "--trials",           "100000", "-q", "-o",
        out,       "--checkpoint", checkpoint,        "--checkpoint-every", "200"};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // Its stderr, for the line that says what stopped it.
    const std::string log = (dir / "stderr.txt").string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = 0;
    ASSERT_EQ(::posix_spawn(&pid, OPSIM_EXE, &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    // Wait (at most a minute) for a moment the run is writing a temporary, and freeze it there.
    bool caught = false;
    for (int i = 0; i < 60000 && !caught; ++i) {
      if (!temporaries_in(dir.path()).empty()) {
        ::kill(pid, SIGSTOP);
        caught = !temporaries_in(dir.path()).empty();
        if (!caught) ::kill(pid, SIGCONT);
      }
      if (!caught) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ::kill(pid, sig);
    ::kill(pid, SIGCONT);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(caught) << "no temporary seen while the run wrote its checkpoints";
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig) << status;
    EXPECT_EQ(temporaries_in(dir.path()), std::vector<std::string>{}) << sig;
    EXPECT_FALSE(fs::exists(out));
    // Review: the batch log ended on a progress line, unsaid.
    std::ifstream in(log);
    const std::string said((std::istreambuf_iterator<char>(in)), {});
    EXPECT_THAT(said, HasSubstr(fmt::format("opsim: stopped by {}; run the same command again to "
                                            "resume from its checkpoint",
                                            sig == SIGTERM ? "SIGTERM" : "SIGINT")));
  }
}

// Review: a workbook on a full disk said "Zip generic error ZIP_ERRNO", not the OS's reason.
TEST(OutputSafetyCli, DiskFullWorkbookNamesTheReasonAndLeavesNoFile) {
  OPSIM_REQUIRE_OR_SKIP(::geteuid() == 0, "mounting a small tmpfs needs root");
  TempDir dir;
  SmallDisk disk(dir / "full");
  OPSIM_REQUIRE_OR_SKIP(disk.mounted(), "cannot mount tmpfs here");
  const fs::path out = disk.path() / "book.xlsx";
  const auto result =
      run_opsim(fmt::format("run {} -q --trials 200 --xlsx {}",
                            test::copy_global_saas(dir.path()).string(), out.string()));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output, HasSubstr(out.string()));
  EXPECT_THAT(result.output, HasSubstr("cannot write the workbook: No space left on device"));
  // In opsim's words alone (review: libxlsxwriter's own "[ERROR][packager.c:...]" lines too).
  EXPECT_THAT(result.output, Not(HasSubstr("[ERROR]")));
  EXPECT_EQ(listing(disk.path()), (std::set<std::string>{"filler"})) << "a file was left";
}

// Review: the HDF5 file was written, then the workbook failed (exit 1) and the HDF5 file stayed,
// alone of the outputs asked for. A command's outputs appear together or not at all; an
// existing file they would replace (--force) is kept as it was.
TEST(OutputSafetyCli, AFailedCommandLeavesNoneOfItsOutputs) {
  OPSIM_REQUIRE_OR_SKIP(::geteuid() == 0, "mounting a small tmpfs needs root");
  TempDir dir;
  SmallDisk disk(dir / "full");
  OPSIM_REQUIRE_OR_SKIP(disk.mounted(), "cannot mount tmpfs here");
  const fs::path roomy = dir / "roomy";
  fs::create_directory(roomy);
  std::ofstream(roomy / "old.json") << "previous summary";
  const std::string command =
      fmt::format("run {} -q --trials 200 -o {} --summary-json {} --csv {} --xlsx {} --force",
                  test::copy_global_saas(dir.path()).string(), (roomy / "out.h5").string(),
                  (roomy / "old.json").string(), (roomy / "csv").string(),
                  (disk.path() / "book.xlsx").string());
  const auto result = run_opsim(command);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output, HasSubstr("No space left on device"));
  EXPECT_EQ(listing(roomy), (std::set<std::string>{"old.json"})) << "an output or temporary left";
  EXPECT_EQ(read_file(roomy / "old.json"), "previous summary");
  EXPECT_EQ(listing(disk.path()), (std::set<std::string>{"filler"}));
  // Twin: with room for the workbook every output is there.
  const auto fine = run_opsim(fmt::format(
      "run {} -q --trials 200 -o {} --summary-json {} --csv {} --xlsx {} --force",
      (dir / "global_saas.json").string(), (roomy / "out.h5").string(),
      (roomy / "old.json").string(), (roomy / "csv").string(), (roomy / "book.xlsx").string()));
  EXPECT_EQ(fine.exit_code, 0) << fine.output;
  EXPECT_EQ(listing(roomy), (std::set<std::string>{"book.xlsx", "csv", "old.json", "out.h5"}));
  EXPECT_NE(read_file(roomy / "old.json"), "previous summary");
}

TEST(OutputSafetyCli, DiskFullCsvIsExitOneWithoutTruncatedFiles) {
  OPSIM_REQUIRE_OR_SKIP(::geteuid() == 0, "mounting a small tmpfs needs root");
  TempDir dir;
  SmallDisk disk(dir / "full");
  OPSIM_REQUIRE_OR_SKIP(disk.mounted(), "cannot mount tmpfs here");
  const fs::path csv = disk.path() / "csv";
  const auto result = run_opsim(fmt::format("run {} -q --trials 200 --keep-trials --csv {}",
                                            small_scenario().string(), csv.string()));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output, HasSubstr("No space left on device"));
  EXPECT_THAT(result.output, HasSubstr(csv.string()));
  // Either every file is complete or none is there; the folder opsim made for them goes too
  // (a review found it left empty).
  EXPECT_FALSE(fs::exists(csv));
  // A folder that was there is kept, with no CSV and no temporary in it.
  fs::create_directory(csv);
  const auto again = run_opsim(fmt::format("run {} -q --trials 200 --keep-trials --csv {}",
                                           small_scenario().string(), csv.string()));
  EXPECT_EQ(again.exit_code, 1) << again.output;
  ASSERT_TRUE(fs::is_directory(csv));
  EXPECT_TRUE(listing(csv).empty()) << fmt::format("{}", fmt::join(listing(csv), ", "));
}

// Review: with a checkpoint in a read-only folder the whole run went by, its other outputs were
// written, then it ended "ck.h5: cannot remove: Read-only file system" (exit 1) for a file it had
// never made. A folder that cannot take files is refused before any work, for every output.
TEST(OutputSafetyCli, AReadOnlyFolderIsRefusedBeforeAnyWork) {
  OPSIM_REQUIRE_OR_SKIP(::geteuid() == 0, "mounting a read-only folder needs root");
  TempDir dir;
  const fs::path ro = dir / "ro";
  fs::create_directory(ro);
  ASSERT_EQ(::mount(ro.c_str(), ro.c_str(), nullptr, MS_BIND, nullptr), 0);
  const bool read_only =
      ::mount(nullptr, ro.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) == 0;
  for (const std::string& option :
       {"--checkpoint " + (ro / "ck.h5").string(), "--checkpoint " + (ro / "ckd").string(),
        "-o " + (ro / "r.h5").string(), "--csv " + (ro / "csv").string(),
        "--xlsx " + (ro / "b.xlsx").string()}) {
    if (!read_only) break;
    const fs::path other = dir / "other.json";
    const auto result =
        run_opsim(fmt::format("run {} --trials 50 --progress-every 0 {} --summary-json {}",
                              small_scenario().string(), option, other.string()));
    EXPECT_EQ(result.exit_code, 2) << option << "\n" << result.output;
    EXPECT_THAT(result.output, HasSubstr("cannot be written (Read-only file system)")) << option;
    EXPECT_FALSE(fs::exists(other)) << option << ": work was done before the refusal";
  }
  ::umount(ro.c_str());
  ASSERT_TRUE(read_only) << "cannot remount the folder read-only";
}

// Review: run as root with --force, a user's mode-600 file was replaced by one owned by root,
// which the user could no longer read. The replacement keeps the owner and the mode.
TEST(OutputSafetyCli, AReplacedFileKeepsItsOwnerAndMode) {
  OPSIM_REQUIRE_OR_SKIP(::geteuid() == 0, "giving a file to another user needs root");
  TempDir dir;
  const fs::path out = dir / "summary.json";
  std::ofstream(out) << "previous";
  ASSERT_EQ(::chown(out.c_str(), 65534, 65534), 0);
  ASSERT_EQ(::chmod(out.c_str(), 0600), 0);
  const auto result = run_opsim(fmt::format("run {} --trials 20 -q --force --summary-json {}",
                                            small_scenario().string(), out.string()));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  struct stat info {};
  ASSERT_EQ(::stat(out.c_str(), &info), 0);
  EXPECT_EQ(info.st_uid, 65534u);
  EXPECT_EQ(info.st_gid, 65534u);
  EXPECT_EQ(info.st_mode & 07777, 0600u);
  EXPECT_NE(read_file(out), "previous");
}

// ---- shared options are checked --------------------------------------------------------------

TEST(OutputSafetyCli, SeedOutsideZeroToTwoToTheSixtyThreeIsRefused) {
  const std::string s = small_scenario().string();
  for (const char* seed : {"-1", "18446744073709551616", "9223372036854775808", "1e3", "x"}) {
    const auto result = run_opsim(fmt::format("run {} -q --trials 10 --seed {}", s, seed));
    EXPECT_EQ(result.exit_code, 2) << seed << ": " << result.output;
    EXPECT_THAT(result.output, HasSubstr("--seed")) << seed;
  }
  EXPECT_EQ(run_opsim(fmt::format("run {} -q --trials 10 --seed 9223372036854775807", s)).exit_code,
            0);
  const auto compare = run_opsim(fmt::format("compare {} {} -q --seed -1", s, s));
  EXPECT_EQ(compare.exit_code, 2) << compare.output;
  EXPECT_THAT(compare.output, HasSubstr("--seed"));
}

TEST(OutputSafetyCli, CountsAndStrengthsOutOfRangeAreRefused) {
  TempDir dir;
  const std::string d = dir.write("d.csv",
                                  "id,region,segment,stage,created,closed,amount\n"
                                  "1,East,SMB,Won,2017-01-05,2017-02-01,100\n");
  const std::string s = small_scenario().string();
  for (const auto& [args, option] : std::vector<std::pair<std::string, std::string>>{
           {fmt::format("calibrate --opportunities {} --as-of 2017-04 --prior-strength -1", d),
            "--prior-strength"},
           {fmt::format("territories {} -p 0", s), "--territories"},
           {fmt::format("run {} --trials 0", s), "--trials"},
           {fmt::format("run {} --threads -1", s), "--threads"}}) {
    const auto result = run_opsim(args);
    EXPECT_EQ(result.exit_code, 2) << args << "\n" << result.output;
    EXPECT_THAT(result.output, HasSubstr(option)) << args;
  }
}

// `-o "$OUT"` with OUT unset wrote nothing and exited 0 (edge-case review): an empty path is
// refused, exit 2 naming the option, for every option that names a file or folder to write.
TEST(OutputSafetyCli, AnEmptyOutputPathIsRefused) {
  TempDir dir;
  const std::string d = dir.write("d.csv",
                                  "id,region,segment,stage,created,closed,amount\n"
                                  "1,East,SMB,Won,2017-01-05,2017-02-01,100\n");
  const std::string s = small_scenario().string();
  const std::string calibrate = fmt::format("calibrate --opportunities {} --as-of 2017-04", d);
  const std::string backtest = fmt::format(
      "backtest --opportunities {} --as-of 2017-02 --last-origin 2017-02 --trials 100", d);
  for (const auto& [args, option] : std::vector<std::pair<std::string, std::string>>{
           {fmt::format("run {} --trials 10 -o ''", s), "--output"},
           {fmt::format("run {} --trials 10 --csv ''", s), "--csv"},
           {fmt::format("run {} --trials 10 --xlsx ''", s), "--xlsx"},
           {fmt::format("run {} --trials 10 --summary-json ''", s), "--summary-json"},
           {fmt::format("run {} --trials 10 --checkpoint ''", s), "--checkpoint"},
           {fmt::format("run {} --trials 10 --export-deals ''", s), "--export-deals"},
           {calibrate + " -o ''", "--output"},
           {calibrate + " --report ''", "--report"},
           {backtest + " --csv ''", "--csv"},
           {fmt::format("territories {} -o ''", s), "--output"},
           {fmt::format("bench {} --trials 10 --json ''", s), "--json"},
           {fmt::format("run {} --trials 10 -o ' '", s), "--output"}}) {
    const auto result = run_opsim(args + " -q");
    EXPECT_EQ(result.exit_code, 2) << args << "\n" << result.output;
    EXPECT_THAT(result.output, HasSubstr(option + ": an empty path names no file")) << args;
    EXPECT_THAT(result.output, HasSubstr("leave the option out to write none")) << args;
  }
  // Review: a command that needs its -o told an empty one to leave the option out.
  for (const std::string args :
       {"merge a.h5 b.h5 -o ''", "territories generate --accounts 10 -o ''",
        "upgrade old.json -o ''"}) {
    const auto result = run_opsim(args + " -q");
    EXPECT_EQ(result.exit_code, 2) << args << "\n" << result.output;
    EXPECT_THAT(result.output,
                HasSubstr("--output: an empty path names no file (give the file to write)"))
        << args;
    EXPECT_THAT(result.output, Not(HasSubstr("leave the option out"))) << args;
  }
  // "--output= -q" gave "-q" as the file name (review): a path that starts with '-' is refused.
  const auto dashed = run_opsim(fmt::format("run {} --trials 10 --output=-q", s));
  EXPECT_EQ(dashed.exit_code, 2) << dashed.output;
  EXPECT_THAT(dashed.output, HasSubstr("'-q' looks like an option, not a file"));
  // "-o=-x" wrote a file named "=-x" (review).
  const auto equals = run_opsim(fmt::format("run {} --trials 10 -o=-x", s));
  EXPECT_EQ(equals.exit_code, 2) << equals.output;
  EXPECT_THAT(equals.output, HasSubstr("'=-x' starts with '='"));
  EXPECT_FALSE(std::filesystem::exists("=-x"));
}

}  // namespace
}  // namespace opsim
