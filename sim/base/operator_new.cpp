// The opsim executable's operator new: every C++ allocation through allocate_on_huge_pages, so
// that large blocks (the forecast's per-trial results, the quota run's stored seat-months and its
// payouts) are backed by huge pages (sim/base/huge_pages.hpp). Only the executable replaces it:
// the libraries and tests keep the standard one, and sanitizer and fuzz builds, whose runtimes
// replace operator new themselves, leave this file out (CMakeLists.txt).
#include <new>

#include "sim/base/huge_pages.hpp"

namespace {

void* allocate_or_throw(std::size_t bytes) {
  for (;;) {
    if (void* p = opsim::allocate_on_huge_pages(bytes)) return p;
    const std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
}

}  // namespace

// The matching operator delete is the standard one, which frees with std::free.
void* operator new(std::size_t bytes) {
  return allocate_or_throw(bytes);
}
void* operator new[](std::size_t bytes) {
  return allocate_or_throw(bytes);
}
void* operator new(std::size_t bytes, const std::nothrow_t&) noexcept {
  return opsim::allocate_on_huge_pages(bytes);
}
void* operator new[](std::size_t bytes, const std::nothrow_t&) noexcept {
  return opsim::allocate_on_huge_pages(bytes);
}
