// scripts/plot_forecast.py on a real result: it must draw the fan chart and one histogram per
// fiscal year, and fail cleanly on a file that is not a result.
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
  return (test::source_dir() / "scripts/plot_forecast.py").string();
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
    const auto plot =
        run_shell(fmt::format("/usr/bin/python3 {} {} --out {}", script(), h5, out.string()));
    ASSERT_EQ(plot.exit_code, 0) << plot.output;
    for (const char* png : {"fan_new_bookings.png", "histogram_FY2028_new_bookings.png"}) {
      ASSERT_TRUE(std::filesystem::exists(out / png)) << png << "\n" << plot.output;
      EXPECT_GT(std::filesystem::file_size(out / png), 10'000u) << png;
    }
  }
}

TEST(PlotForecast, RejectsWhatIsNotAResult) {
  OPSIM_REQUIRE_OR_SKIP(test::python_has_plotting(),
                        "python3-h5py / python3-matplotlib are not installed");
  TempDir dir;
  const auto bad = run_shell(fmt::format("/usr/bin/python3 {} {} --out {}", script(),
                                         (dir / "absent.h5").string(), dir.path().string()));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.output, ::testing::HasSubstr("cannot open as HDF5"));
}

}  // namespace
}  // namespace opsim
