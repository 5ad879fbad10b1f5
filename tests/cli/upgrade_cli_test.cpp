// `opsim upgrade` and version-1 scenarios through the command line; the worked example in
// scenarios/from_exports/ (raw exports read through mapped CSV inputs).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tests/test_support.hpp"

namespace opsim {
namespace {

namespace fs = std::filesystem;
using test::run_opsim;
using test::TempDir;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

//! Regions in USD, EUR and JPY, one segment deal size stated once, pipeline from a CSV file.
nlohmann::json version_1_document() {
  return nlohmann::json::parse(R"({
    "schema_version": 1,
    "horizon": {"start": "2027-01", "months": 9, "reporting_currency": "USD"},
    "fx": {"currencies": [{"code": "EUR", "plan_rate": 1.08, "annual_volatility": 0.08},
                          {"code": "JPY", "plan_rate": 0.0068, "annual_volatility": 0.1}]},
    "regions": [{"id": "AMER"}, {"id": "EMEA", "currency": "EUR"},
                {"id": "APJ", "currency": "JPY"}],
    "segments": [{"id": "SMB", "opportunity_rate": 3, "win_rate": 0.3,
                  "deal_size": {"mean": 45000, "cv": 0.5}}],
    "overrides": [{"from": "2027-05", "set": {"deal_size": {"mean": 50000}}}],
    "roster": {"reps": [{"id": "a", "region": "AMER", "segment": "SMB", "start": "2026-01"},
                        {"id": "e", "region": "EMEA", "segment": "SMB", "start": "2026-01"},
                        {"id": "j", "region": "APJ", "segment": "SMB", "start": "2026-01"}]},
    "pipeline": {"stages": [{"id": "Commit", "win_probability": 0.7}], "csv": "deals.csv"}
  })");
}

//! The datasets of two result files that differ bit for bit (scripts/compare_results.py),
//! leaving out the scenario/ group: the scenario's own text, paths and hashes.
std::vector<std::string> different_results(const fs::path& a, const fs::path& b) {
  const auto result =
      test::run_shell(fmt::format("/usr/bin/python3 {}/scripts/compare_results.py {} {}",
                                  test::source_dir().string(), a.string(), b.string()));
  EXPECT_THAT(result.output, HasSubstr("datasets compared")) << result.output;
  std::vector<std::string> names;
  std::istringstream lines(result.output);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("differs: ", 0) == 0 && line.rfind("differs: scenario/", 0) != 0)
      names.push_back(line.substr(9));
  }
  return names;
}

TEST(UpgradeCli, VersionTwoFileGivesBitIdenticalResults) {
  TempDir dir;
  fs::create_directories(dir / "old");
  fs::create_directories(dir / "new");
  dir.write("old/deals.csv",
            "id,owner,region,segment,stage,amount,expected_close\n"
            "D1,e,EMEA,SMB,Commit,30000,2027-02\nD2,j,APJ,SMB,Commit,4000000,2027-03\n");
  const std::string old_path = dir.write("old/scenario.json", version_1_document().dump(2));
  const std::string new_path = (dir / "new" / "scenario.json").string();

  const auto validated = run_opsim("validate " + old_path);
  EXPECT_EQ(validated.exit_code, 0) << validated.output;
  EXPECT_THAT(validated.output, HasSubstr("note: schema_version 1: the shared deal sizes at "
                                          "/segments/0/deal_size, /overrides/0/set/deal_size"));

  const auto upgraded = run_opsim(fmt::format("upgrade {} -o {}", old_path, new_path));
  ASSERT_EQ(upgraded.exit_code, 0) << upgraded.output;
  std::ifstream in(new_path);
  const auto document = nlohmann::json::parse(in);
  EXPECT_EQ(document["schema_version"], 2);
  EXPECT_EQ(document["pipeline"]["csv"], "../old/deals.csv");  // still the same file
  EXPECT_THAT(run_opsim("validate " + new_path).output, Not(HasSubstr("note:")));

  for (const auto& [scenario, result] :
       {std::pair{old_path, "old.h5"}, std::pair{new_path, "new.h5"}}) {
    const auto run = run_opsim(
        fmt::format("run {} -q --trials 300 --seed 4 -o {}", scenario, (dir / result).string()));
    ASSERT_EQ(run.exit_code, 0) << run.output;
  }
  EXPECT_THAT(different_results(dir / "old.h5", dir / "new.h5"), ::testing::IsEmpty());

  // The comparison can fail: the same file with only its version changed reads the deal sizes
  // in USD, another forecast.
  auto bumped = version_1_document();
  bumped["schema_version"] = 2;
  const std::string bumped_path = dir.write("old/bumped.json", bumped.dump(2));
  ASSERT_EQ(run_opsim(fmt::format("run {} -q --trials 300 --seed 4 -o {}", bumped_path,
                                  (dir / "bumped.h5").string()))
                .exit_code,
            0);
  EXPECT_THAT(different_results(dir / "old.h5", dir / "bumped.h5"), Not(::testing::IsEmpty()));
}

TEST(UpgradeCli, RefusesToOverwriteItsInputAndVersionTwoFiles) {
  TempDir dir;
  dir.write("deals.csv", "id,region,segment,stage,amount,expected_close\n");
  const std::string path = dir.write("scenario.json", version_1_document().dump(2));
  const std::string before = test::run_shell("cat " + path).output;
  auto same = run_opsim(fmt::format("upgrade {} -o {}", path, path));
  EXPECT_EQ(same.exit_code, 2) << same.output;
  EXPECT_EQ(test::run_shell("cat " + path).output, before);
  auto csv = run_opsim(fmt::format("upgrade {} -o {}", path, (dir / "deals.csv").string()));
  EXPECT_EQ(csv.exit_code, 2) << csv.output;

  auto v2 = version_1_document();
  v2["schema_version"] = 2;
  const std::string v2_path = dir.write("v2.json", v2.dump(2));
  auto again = run_opsim(fmt::format("upgrade {} -o {}", v2_path, (dir / "x.json").string()));
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_THAT(again.output, HasSubstr("/schema_version: already 2"));
  EXPECT_FALSE(fs::exists(dir / "x.json"));
}

TEST(FromExportsExample, ValidatesAndRunsFromTheRawExports) {
  const fs::path folder = test::source_dir() / "scenarios" / "from_exports";
  TempDir dir;
  for (const char* name : {"scenario.json", "scenario_hiring.json"}) {
    const std::string scenario = (folder / name).string();
    const auto validated = run_opsim("validate " + scenario);
    ASSERT_EQ(validated.exit_code, 0) << validated.output;
    EXPECT_THAT(validated.output, HasSubstr("valid (3 regions, 2 segments"));
    EXPECT_THAT(validated.output,
                ContainsRegex("pipeline: [^\n]*crm_opportunities.csv: 15 rows skipped by "
                              "skip_stages \\(6 Closed Lost, 9 Closed Won\\)"));
    EXPECT_THAT(validated.output,
                HasSubstr("pipeline: 6 deals of 3 owners not in the roster are unowned"));
    const auto run = run_opsim(fmt::format("run {} --trials 200 --summary-json {}", scenario,
                                           (dir / (std::string(name) + ".summary.json")).string()));
    EXPECT_EQ(run.exit_code, 0) << run.output;
  }
  EXPECT_THAT(run_opsim("validate " + (folder / "scenario_hiring.json").string()).output,
              HasSubstr("19 seats"));
}

// A shared size that an override replaces in every region of another currency is read only in
// the reporting currency: no note (global_saas sets each non-USD region's deal sizes itself).
// Twin: with EMEA's SMB override no longer setting a deal size, the SMB size is read in EUR too.
TEST(UpgradeCli, CurrencyNoteOnlyWhereASharedSizeIsReadInAnotherCurrency) {
  const std::string base = (test::source_dir() / "scenarios" / "global_saas.json").string();
  const auto clean = run_opsim("validate " + base);
  EXPECT_EQ(clean.exit_code, 0) << clean.output;
  EXPECT_THAT(clean.output, Not(HasSubstr("schema_version 1:")));

  TempDir dir;
  const nlohmann::json twin = {
      {"extends", base},
      {"patches",
       {{{"op", "replace"}, {"path", "/overrides/0/set"}, {"value", {{"win_rate", 0.2}}}}}}};
  const std::string path = dir.write("twin.json", twin.dump(2));
  const auto noted = run_opsim("validate " + path);
  EXPECT_EQ(noted.exit_code, 0) << noted.output;
  EXPECT_THAT(noted.output, HasSubstr("the shared deal sizes at /segments/0/deal_size are read"));
}

}  // namespace
}  // namespace opsim
