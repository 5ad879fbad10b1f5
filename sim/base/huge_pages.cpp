// Why: a block first touched 4 KiB at a time costs a page fault per 4 KiB, which on a virtual
// machine is expensive. Measured on the project's 2-core VM (results/README.md, "Performance"):
// writing 1 GiB of fresh memory took 3.9 s on 4 KiB pages and 0.11 s on huge pages, and the quota
// run with compensation (`opsim plan-bench --only measures`, 10,000 trials) spent more than half
// of its time beyond the forecast in page faults: the forecast's per-trial results, the stored
// seat-months and the payouts are such blocks. Memory use and every result are unchanged; only the
// page size backing large blocks.
#include "sim/base/huge_pages.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>

namespace opsim {

void* allocate_on_huge_pages(std::size_t bytes) noexcept {
  void* p = std::malloc(bytes == 0 ? 1 : bytes);
  if (p != nullptr && bytes >= kHugePageBytes) {
    constexpr std::uintptr_t kMask = ~(std::uintptr_t{kHugePageBytes} - 1);
    const auto at = reinterpret_cast<std::uintptr_t>(p);
    const std::uintptr_t begin = (at + kHugePageBytes - 1) & kMask;
    const std::uintptr_t end = (at + bytes) & kMask;
    // Advice only: where the kernel refuses it, the block keeps 4 KiB pages.
    if (end > begin) (void)madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
  }
  return p;
}

}  // namespace opsim
