// Large blocks on transparent huge pages (sim/base/huge_pages.cpp).
#pragma once

#include <cstddef>

namespace opsim {

//! Blocks of at least this many bytes are advised onto huge pages.
inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;

//! std::malloc(bytes) (of 1 byte for 0; null when it fails), and for a block of at least
//! kHugePageBytes the advice, before it is first touched, that its 2 MiB-aligned interior be
//! backed by huge pages (madvise MADV_HUGEPAGE; only advice: the kernel may keep 4 KiB pages).
//! Free it with std::free. The opsim executable's operator new allocates with it
//! (sim/base/operator_new.cpp).
void* allocate_on_huge_pages(std::size_t bytes) noexcept;

}  // namespace opsim
