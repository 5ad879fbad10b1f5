#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tests/test_support.hpp"

namespace opsim {
namespace {

TEST(CompareCli, CompareWritesDifferencesAndTargetProbabilities) {
  test::TempDir dir;
  const auto base = test::source_dir() / "scenarios/didactic.json";
  auto r = test::run_opsim(fmt::format("compare {} {} --trials 200 --csv {} -o {}", base.string(),
                                       base.string(), (dir / "csv").string(),
                                       (dir / "cmp.h5").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir / "csv/differences.csv"));
  EXPECT_TRUE(std::filesystem::exists(dir / "cmp.h5"));
  EXPECT_NE(r.output.find("minus base"), std::string::npos);
}

TEST(CompareCli, SweepReadsEachCsvFileOnce) {
  test::TempDir dir;
  const auto base = test::source_dir() / "scenarios/global_saas.json";
  auto r = test::run_opsim(
      fmt::format("sweep {} --set /segments/0/win_rate=0.2,0.3 --set /simulation/seed=1:2:1 "
                  "--trials 20 --threads 2 --csv {}",
                  base.string(), (dir / "sweep").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("sweep of 4 variants"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("4 CSV file(s) read once"), std::string::npos) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir / "sweep/sweep.csv"));
}

TEST(CompareCli, SweepRejectsAPointerThatIsNotANumber) {
  const auto base = test::source_dir() / "scenarios/didactic.json";
  auto r = test::run_opsim(fmt::format("sweep {} --set /segments/0/nonexistent=1", base.string()));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("/segments/0/nonexistent"), std::string::npos) << r.output;
}

TEST(CompareCli, SweepSelectsArrayMembersById) {
  test::TempDir dir;
  const auto base = test::source_dir() / "scenarios/didactic.json";
  const nlohmann::json doc = nlohmann::json::parse(std::ifstream(base));
  const std::string id = doc["segments"][0]["id"];
  auto r =
      test::run_opsim(fmt::format("sweep {} --set '/segments[id={}]/win_rate=0.2,0.3' "
                                  "--trials 20 --threads 2 --csv {}",
                                  base.string(), id, (dir / "sweep").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("sweep of 2 variants"), std::string::npos) << r.output;
  auto bad = test::run_opsim(
      fmt::format("sweep {} --set '/segments[id={}x]/win_rate=0.2'", base.string(), id));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("did you mean \"" + id + "\""), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace opsim
