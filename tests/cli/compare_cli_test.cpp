#include <gtest/gtest.h>

#include <H5Cpp.h>

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
  // A scenario compared with itself: every difference is identically zero.
  EXPECT_NE(r.output.find("identical"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("inf"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("0.0% P(better)"), std::string::npos) << r.output;
  H5::H5File file((dir / "cmp.h5").string(), H5F_ACC_RDONLY);
  EXPECT_TRUE(file.nameExists("/labels/periods"));
  EXPECT_TRUE(file.nameExists("/labels/regions"));
  EXPECT_TRUE(file.nameExists("/scenarios/target_probability"));
}

// from:to:step grids read as the user wrote them (0.3, not 0.30000000000000004), and the sweep
// file carries provenance.
TEST(CompareCli, SweepGridValuesAsWrittenAndProvenance) {
  test::TempDir dir;
  const auto base = test::source_dir() / "tests/fixtures/small_scenario.json";
  auto r = test::run_opsim(
      fmt::format("sweep {} --set /segments/0/win_rate=0.1:0.3:0.1 --trials 20 --csv {} -o {}",
                  base.string(), (dir / "sweep").string(), (dir / "sweep.h5").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(dir / "sweep/sweep.csv");
  const std::string csv((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(csv.find("\n3,0.3,"), std::string::npos) << csv;
  EXPECT_EQ(csv.find("0000000"), std::string::npos) << csv;
  EXPECT_NE(csv.find("FY2029_partial_2_of_12_mean"), std::string::npos) << csv;
  H5::H5File file((dir / "sweep.h5").string(), H5F_ACC_RDONLY);
  EXPECT_TRUE(file.openGroup("/").attrExists("scenario_sha256"));
  EXPECT_TRUE(file.openGroup("/").attrExists("seed"));
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
