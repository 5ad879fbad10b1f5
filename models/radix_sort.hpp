// Sorting long rows of per-trial totals in linear time.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

namespace opsim {

//! Sorts values[0, n) ascending and leaves exactly what std::sort(values, values + n) leaves, bit
//! for bit: a least-significant-digit radix sort (8-bit digits, digits all keys share skipped) of
//! the order-preserving integer keys of the doubles, O(n) where std::sort is O(n log n). Rows
//! whose order by bits std::sort need not follow (-0.0 beside +0.0, which compare equal; NaN) and
//! short rows go to std::sort. `scratch` is reused between calls.
inline void sort_doubles(double* values, std::size_t n, std::vector<std::uint64_t>& scratch) {
  constexpr std::size_t kShort = 256;
  if (n < kShort) {
    std::sort(values, values + n);
    return;
  }
  constexpr std::uint64_t kSign = std::uint64_t{1} << 63;
  constexpr std::uint64_t kInfinity = 0x7ff0000000000000;
  scratch.resize(2 * n);
  std::uint64_t* keys = scratch.data();
  std::uint64_t* other = keys + n;
  std::array<std::array<std::size_t, 256>, 8> count{};
  bool negative_zero = false, positive_zero = false, nan = false;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t bits;
    std::memcpy(&bits, &values[i], sizeof bits);
    negative_zero |= bits == kSign;
    positive_zero |= bits == 0;
    nan |= (bits & ~kSign) > kInfinity;
    // Negative values: all bits flipped (larger magnitude, smaller key); others: the sign set.
    const std::uint64_t key = (bits & kSign) != 0 ? ~bits : bits | kSign;
    keys[i] = key;
    for (std::size_t d = 0; d < 8; ++d) ++count[d][(key >> (8 * d)) & 0xff];
  }
  if (nan || (negative_zero && positive_zero)) {
    std::sort(values, values + n);
    return;
  }
  for (std::size_t d = 0; d < 8; ++d) {
    std::array<std::size_t, 256>& at = count[d];
    const unsigned shift = static_cast<unsigned>(8 * d);
    if (at[(keys[0] >> shift) & 0xff] == n) continue;  // every key has this digit
    std::size_t offset = 0;
    for (std::size_t& c : at) offset += std::exchange(c, offset);
    for (std::size_t i = 0; i < n; ++i) other[at[(keys[i] >> shift) & 0xff]++] = keys[i];
    std::swap(keys, other);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t key = keys[i];
    const std::uint64_t bits = (key & kSign) != 0 ? key & ~kSign : ~key;
    std::memcpy(&values[i], &bits, sizeof bits);
  }
}

}  // namespace opsim
