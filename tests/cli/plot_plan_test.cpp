// scripts/plot_plan.py on a real quotas result: it must draw the attainment, fairness, quota
// and cost charts, and fail cleanly on a file that is not a quotas result.
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

std::string script() {
  return (test::source_dir() / "scripts/plot_plan.py").string();
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
  const auto plot =
      run_shell(fmt::format("/usr/bin/python3 {} {} --out {}", script(), h5, out.string()));
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
  const auto bad =
      run_shell(fmt::format("/usr/bin/python3 {} {} --out {}", script(), run, dir.path().string()));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.output, ::testing::HasSubstr("not a quotas result"));
  const auto absent = run_shell(fmt::format("/usr/bin/python3 {} {} --out {}", script(),
                                            (dir / "absent.h5").string(), dir.path().string()));
  EXPECT_EQ(absent.exit_code, 2);
  EXPECT_THAT(absent.output, ::testing::HasSubstr("cannot open as HDF5"));
}

}  // namespace
}  // namespace opsim
