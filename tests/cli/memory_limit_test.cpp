// The default --max-memory: half the physical memory, or 90% of a control group's memory limit
// when that is less (review: a job under a Slurm memory allocation was OOM-killed instead of
// refused up front, the default being half of the node's memory).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <thread>

#include "sim/cli/cli_support.hpp"
#include "tests/test_support.hpp"

namespace opsim::cli {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

// cgroup v2: the tightest memory.max of the group and its parents; "max" is no limit.
TEST(MemoryLimit, TheTightestCgroupV2LimitUpTheHierarchy) {
  test::TempDir dir;
  write(dir / "proc_cgroup", "0::/slurm/job_7/step_0\n");
  write(dir / "sys/slurm/memory.max", "max\n");
  write(dir / "sys/slurm/job_7/memory.max", "8589934592\n");
  write(dir / "sys/slurm/job_7/step_0/memory.max", "max\n");
  EXPECT_EQ(cgroup_memory_limit(dir / "proc_cgroup", dir / "sys"), 8589934592ULL);
  // The twin: no limit anywhere.
  write(dir / "sys/slurm/job_7/memory.max", "max\n");
  EXPECT_FALSE(cgroup_memory_limit(dir / "proc_cgroup", dir / "sys").has_value());
}

// cgroup v1: the memory controller's memory.limit_in_bytes; 2^63 rounded to a page is none.
TEST(MemoryLimit, CgroupV1MemoryControllerLimit) {
  test::TempDir dir;
  write(dir / "proc_cgroup", "5:cpu,cpuacct:/job\n4:memory:/slurm/uid_0/job_9\n0::/\n");
  write(dir / "sys/memory/memory.limit_in_bytes", "9223372036854771712\n");
  write(dir / "sys/memory/slurm/uid_0/job_9/memory.limit_in_bytes", "4294967296\n");
  EXPECT_EQ(cgroup_memory_limit(dir / "proc_cgroup", dir / "sys"), 4294967296ULL);
  write(dir / "sys/memory/slurm/uid_0/job_9/memory.limit_in_bytes", "9223372036854771712\n");
  EXPECT_FALSE(cgroup_memory_limit(dir / "proc_cgroup", dir / "sys").has_value());
}

// Without a cgroup file (not Linux, a container without /proc) there is no limit.
TEST(MemoryLimit, NoCgroupFileIsNoLimit) {
  test::TempDir dir;
  EXPECT_FALSE(cgroup_memory_limit(dir / "missing", dir / "sys").has_value());
  EXPECT_GT(default_memory_limit(), 0u);
}

// Review: a search under --time-limit 3 printed "ETA 21s", extrapolated from its starts; the
// ETA never reaches past the work's time limit. The twin without a limit extrapolates.
TEST(ProgressBarEta, NeverPastTheTimeLimit) {
  auto eta_after_a_tenth = [](double limit) {
    const double interval = ProgressBar::interval();
    ProgressBar::interval() = 0;
    ::testing::internal::CaptureStderr();
    {
      ProgressBar bar(10, true, "starts");
      bar.set_time_limit(limit);
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      bar.update(1);  // 1 of 10 after 0.25 s: 2.25 s more at that pace
    }
    ProgressBar::interval() = interval;
    const std::string line = ::testing::internal::GetCapturedStderr();
    const std::size_t at = line.find("ETA ");
    return at == std::string::npos ? line : line.substr(at + 4, line.find('\n', at) - at - 4);
  };
  EXPECT_EQ(eta_after_a_tenth(0.3), "0s");
  EXPECT_EQ(eta_after_a_tenth(std::numeric_limits<double>::infinity()), "2s");
}

}  // namespace
}  // namespace opsim::cli
