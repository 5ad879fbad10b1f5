// Vectors whose elements are not zero-filled when they are sized, for large arrays whose owner
// writes every element before reading it.
#pragma once

#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace opsim {

//! std::allocator whose value-initialisation of an element default-initialises it: a vector of
//! trivial elements sized through it is left unwritten (not zero-filled), so that its pages are
//! first touched where its rows are written (in parallel, while in cache) instead of all at once
//! by one thread (review: 2 GB of payout rows zeroed in 3 s before pricing began).
template <class T>
struct DefaultInitAllocator : std::allocator<T> {
  DefaultInitAllocator() = default;
  template <class U>
  explicit DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  template <class U>
  void construct(U* at) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(at)) U;
  }
  template <class U, class... Args>
  void construct(U* at, Args&&... args) {
    ::new (static_cast<void*>(at)) U(std::forward<Args>(args)...);
  }
};

//! A vector whose resize() leaves new trivial elements unwritten: write each before reading it.
template <class T>
using UnfilledVector = std::vector<T, DefaultInitAllocator<T>>;

}  // namespace opsim
