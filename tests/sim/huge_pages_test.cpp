#include "sim/base/huge_pages.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace opsim {
namespace {

//! The VmFlags of the mapping of this process that holds `p` (/proc/self/smaps), empty when none.
std::string vm_flags_of(const void* p) {
  std::ifstream smaps("/proc/self/smaps");
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    std::uintptr_t begin = 0, end = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> begin >> dash >> end && dash == '-' &&
        line.find(':') > line.find(' ')) {
      inside = begin <= at && at < end;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) return line.substr(8);
  }
  return {};
}

bool advised(const void* p) {
  return vm_flags_of(p).find(" hg") != std::string::npos;
}

TEST(HugePages, ALargeBlockIsAdvisedOntoHugePagesAndASmallOneIsNot) {
  // The advice is a flag of the block's mapping (VM_HUGEPAGE, "hg" in smaps), whatever the kernel
  // then does with it, so the check holds on any kernel that prints VmFlags.
  constexpr std::size_t kLarge = 16 * kHugePageBytes;
  auto* large = static_cast<char*>(allocate_on_huge_pages(kLarge));
  ASSERT_NE(large, nullptr);
  std::memset(large, 1, kLarge);  // usable throughout
  ASSERT_FALSE(vm_flags_of(large + kLarge / 2).empty()) << "no VmFlags in /proc/self/smaps";
  EXPECT_TRUE(advised(large + kLarge / 2));
  // Twins: the same size from plain malloc, and a block below the threshold, are not advised.
  auto* plain = static_cast<char*>(std::malloc(kLarge));
  ASSERT_NE(plain, nullptr);
  std::memset(plain, 1, kLarge);
  EXPECT_FALSE(advised(plain + kLarge / 2));
  auto* small = static_cast<char*>(allocate_on_huge_pages(kHugePageBytes / 4));
  ASSERT_NE(small, nullptr);
  EXPECT_FALSE(advised(small));
  std::free(small);
  std::free(plain);
  std::free(large);
  void* empty = allocate_on_huge_pages(0);
  EXPECT_NE(empty, nullptr) << "a zero-byte block is a valid pointer";
  std::free(empty);
}

}  // namespace
}  // namespace opsim
