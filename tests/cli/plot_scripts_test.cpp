// The plotting scripts on real results: scripts/plot_forecast.py must draw the fan chart and one
// histogram per fiscal year, scripts/plot_plan.py the quota and compensation charts; both fail
// cleanly on a file they cannot draw.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include <fmt/format.h>

#include "tests/test_support.hpp"

namespace opsim {
namespace {

using test::run_opsim;
using test::run_shell;
using test::TempDir;

std::string script(const std::string& name) {
  return (test::source_dir() / "scripts" / name).string();
}

TEST(PlotForecast, DrawsFanChartAndHistograms) {
  OPSIM_REQUIRE_OR_SKIP(test::python_has_plotting(),
                        "python3-h5py / python3-matplotlib are not installed");
  TempDir dir;
  const std::string fixture = (test::source_dir() / "tests/fixtures/small_scenario.json").string();
  for (const char* keep : {"", "--keep-trials"}) {
    const auto out = dir / (std::string("plots") + keep);
    std::filesystem::create_directories(out);
    const auto h5 = (out / "result.h5").string();
    ASSERT_EQ(
        run_opsim(fmt::format("run {} -q --trials 200 {} -o {}", fixture, keep, h5)).exit_code, 0);
    const auto plot = run_shell(fmt::format("/usr/bin/python3 {} {} --out {}",
                                            script("plot_forecast.py"), h5, out.string()));
    ASSERT_EQ(plot.exit_code, 0) << plot.output;
    for (const char* png : {"fan_new_bookings.png", "histogram_FY2028_new_bookings.png"}) {
      ASSERT_TRUE(std::filesystem::exists(out / png)) << png << "\n" << plot.output;
      EXPECT_GT(std::filesystem::file_size(out / png), 10'000u) << png;
    }
  }
}

// Comparisons and sweeps draw too, into a folder the script creates.
TEST(PlotCompare, DrawsComparisonAndSweepIntoANewFolder) {
  OPSIM_REQUIRE_OR_SKIP(test::python_has_plotting(),
                        "python3-h5py / python3-matplotlib are not installed");
  TempDir dir;
  const std::string fixture = (test::source_dir() / "tests/fixtures/small_scenario.json").string();
  const auto compare = (dir / "compare.h5").string();
  const auto sweep = (dir / "sweep.h5").string();
  ASSERT_EQ(run_opsim(fmt::format("compare {} {} -q --trials 100 -o {}", fixture, fixture, compare))
                .exit_code,
            0);
  ASSERT_EQ(
      run_opsim(fmt::format("sweep {} --set /segments/0/win_rate=0.2,0.3 -q --trials 50 -o {}",
                            fixture, sweep))
          .exit_code,
      0);
  const auto out = dir / "new" / "plots";
  for (const auto& input : {compare, sweep}) {
    const auto plot = run_shell(
        fmt::format("/usr/bin/python3 {} {} {}", script("plot_compare.py"), input, out.string()));
    ASSERT_EQ(plot.exit_code, 0) << plot.output;
  }
  for (const char* png : {"compare_new_bookings.png", "sweep_new_bookings_FY2028.png"}) {
    ASSERT_TRUE(std::filesystem::exists(out / png)) << png;
    EXPECT_GT(std::filesystem::file_size(out / png), 10'000u) << png;
  }
}

TEST(PlotForecast, RejectsWhatIsNotAResult) {
  OPSIM_REQUIRE_OR_SKIP(test::python_has_plotting(),
                        "python3-h5py / python3-matplotlib are not installed");
  TempDir dir;
  const auto bad =
      run_shell(fmt::format("/usr/bin/python3 {} {} --out {}", script("plot_forecast.py"),
                            (dir / "absent.h5").string(), dir.path().string()));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.output, ::testing::HasSubstr("cannot open as HDF5"));
}

TEST(PlotPlan, DrawsQuotaAndCompensationCharts) {
  OPSIM_REQUIRE_OR_SKIP(test::python_has_plotting(),
                        "python3-h5py / python3-matplotlib are not installed");
  TempDir dir;
  const std::string scenario = (test::source_dir() / "scenarios/plan_example.json").string();
  const auto h5 = (dir / "quotas.h5").string();
  const auto quotas =
      run_opsim(fmt::format("quotas {} --method equal-chance --trials 300 -q -o {}", scenario, h5));
  ASSERT_EQ(quotas.exit_code, 0) << quotas.output;
  const auto out = dir / "plots";
  const auto plot = run_shell(
      fmt::format("/usr/bin/python3 {} {} --out {}", script("plot_plan.py"), h5, out.string()));
  ASSERT_EQ(plot.exit_code, 0) << plot.output;
  for (const char* png : {"attainment_histogram.png", "seat_probability.png",
                          "quota_vs_bookings.png", "compensation_cost.png"}) {
    ASSERT_TRUE(std::filesystem::exists(out / png)) << png << "\n" << plot.output;
    EXPECT_GT(std::filesystem::file_size(out / png), 10'000u) << png;
  }
}

TEST(PlotPlan, RejectsWhatIsNotAQuotasResult) {
  OPSIM_REQUIRE_OR_SKIP(test::python_has_plotting(),
                        "python3-h5py / python3-matplotlib are not installed");
  TempDir dir;
  const std::string fixture = (test::source_dir() / "tests/fixtures/small_scenario.json").string();
  const auto run = (dir / "run.h5").string();
  ASSERT_EQ(run_opsim(fmt::format("run {} -q --trials 20 -o {}", fixture, run)).exit_code, 0);
  const auto bad = run_shell(fmt::format("/usr/bin/python3 {} {} --out {}", script("plot_plan.py"),
                                         run, dir.path().string()));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.output, ::testing::HasSubstr("not a quotas result"));
  const auto absent =
      run_shell(fmt::format("/usr/bin/python3 {} {} --out {}", script("plot_plan.py"),
                            (dir / "absent.h5").string(), dir.path().string()));
  EXPECT_EQ(absent.exit_code, 2);
  EXPECT_THAT(absent.output, ::testing::HasSubstr("cannot open as HDF5"));
}

}  // namespace
}  // namespace opsim
