#include "sim/workflows/bench.hpp"

#include <gtest/gtest.h>

#include "sim/io/scenario_loader.hpp"
#include "tests/test_support.hpp"

namespace opsim {
namespace {

TEST(Bench, EvenSharesSumToTheTotal) {
  for (std::uint64_t total : {0ULL, 1ULL, 7ULL, 1000ULL}) {
    for (std::uint64_t parts : {1ULL, 3ULL, 64ULL}) {
      std::uint64_t sum = 0, lo = total, hi = 0;
      for (std::uint64_t i = 0; i < parts; ++i) {
        const std::uint64_t share = even_share(total, i, parts);
        sum += share;
        lo = std::min(lo, share);
        hi = std::max(hi, share);
      }
      EXPECT_EQ(sum, total);
      EXPECT_LE(hi - std::min(lo, hi), 1u);
    }
  }
}

TEST(Bench, FloorDrawsWhatItIsAskedFor) {
  VariateCounts counts;
  counts.uniforms = 1000;
  counts.normals = 500;
  counts.poissons = 200;
  counts.poisson_mean_sum = 200 * 3.0;
  counts.streams = 300;
  const SamplingFloor floor = measure_sampling_floor(counts, 5);
  EXPECT_EQ(floor.drawn.uniforms, 1000u);
  EXPECT_EQ(floor.drawn.normals, 500u);
  EXPECT_EQ(floor.drawn.poissons, 200u);
  EXPECT_DOUBLE_EQ(floor.drawn.poisson_mean_sum, 600.0);
  // E[sum] = 1000 x 0.5 + 0 + 200 x 3 = 1100; its sd is about sqrt(83 + 500 + 600) = 34.
  EXPECT_NEAR(floor.checksum, 1100.0, 4 * 35.0);
  EXPECT_GE(floor.seconds, 0.0);
}

TEST(Bench, ReportsEveryThreadCountWithIdenticalResults) {
  const Scenario scenario =
      load_scenario((test::source_dir() / "tests/fixtures/small_scenario.json").string());
  BenchOptions options;
  options.trials = 100;
  options.threads = {1, 2};
  const BenchReport report = run_benchmark(scenario, options);
  ASSERT_EQ(report.engine.size(), 2u);
  EXPECT_EQ(report.trials, 100u);
  for (const auto& e : report.engine) {
    EXPECT_TRUE(e.identical);
    EXPECT_GT(e.wall_seconds, 0.0);
    EXPECT_GT(e.memory_estimate, 0u);
  }
  EXPECT_GT(report.variates.total(), 0u);
  EXPECT_GT(report.variates.streams, 0u);
  EXPECT_EQ(report.floor.drawn.total(), report.variates.total());
  EXPECT_GT(report.floor_fraction(), 0.0);
  EXPECT_GT(report.speedup(2), 0.0);
  const std::string table = format_bench_report(report);
  EXPECT_NE(table.find("sampling floor"), std::string::npos);
  const auto json = bench_report_json(report);
  EXPECT_EQ(json["engine"].size(), 2u);
  EXPECT_EQ(json["trials"], 100);
}

}  // namespace
}  // namespace opsim
