// `opsim bench` through the CLI.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tests/test_support.hpp"

namespace opsim {
namespace {

using test::run_opsim;
using test::TempDir;
using ::testing::HasSubstr;

TEST(BenchCli, PrintsTheTableAndWritesJson) {
  TempDir dir;
  const auto json_path = (dir / "bench.json").string();
  const auto result = run_opsim(fmt::format("bench {} --trials 64 --threads-list 1,2 --json {}",
                                            test::small_scenario(), json_path));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("sampling floor"));
  EXPECT_THAT(result.output, HasSubstr("of the sampling floor"));
  EXPECT_THAT(result.output, HasSubstr("2 threads over 1"));
  EXPECT_THAT(result.output, HasSubstr("bit-identical across thread counts: yes"));
  std::ifstream in(json_path);
  const auto doc = nlohmann::json::parse(in);
  EXPECT_EQ(doc["trials"], 64);
  ASSERT_EQ(doc["engine"].size(), 2u);
  EXPECT_EQ(doc["engine"][1]["threads"], 2);
  EXPECT_TRUE(doc["engine"][1]["identical_to_first"].get<bool>());
  // Per core from CPU seconds (the variates are the whole run's), as the terminal's
  // variates/s/core (review: wall-based here).
  for (const auto& e : doc["engine"]) {
    const double variates = doc["variates"]["uniforms"].get<double>() +
                            doc["variates"]["normals"].get<double>() +
                            doc["variates"]["poissons"].get<double>();
    EXPECT_DOUBLE_EQ(e["variates_per_second_per_core"].get<double>(),
                     variates / e["cpu_seconds"].get<double>());
  }
}

TEST(BenchCli, BadInputExitsTwo) {
  TempDir dir;
  auto missing = run_opsim(fmt::format("bench {}", (dir / "absent.json").string()));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.output, HasSubstr("no such file"));
  auto threads = run_opsim(fmt::format("bench {} --threads-list 1,0", test::small_scenario()));
  EXPECT_EQ(threads.exit_code, 2);
  auto memory =
      run_opsim(fmt::format("bench {} --trials 1000 --max-memory 1K", test::small_scenario()));
  EXPECT_EQ(memory.exit_code, 2);
  EXPECT_THAT(memory.output, HasSubstr("--max-memory allows 1.0 KiB"));
  auto folder = run_opsim(fmt::format("bench {} --trials 64 --json {}", test::small_scenario(),
                                      (dir / "missing" / "b.json").string()));
  EXPECT_EQ(folder.exit_code, 2);
  EXPECT_THAT(folder.output, HasSubstr("does not exist"));
}

}  // namespace
}  // namespace opsim
