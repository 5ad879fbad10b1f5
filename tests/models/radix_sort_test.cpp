#include "models/radix_sort.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "sim/base/random.hpp"

namespace opsim {
namespace {

//! Whether a and b hold the same doubles bit for bit (-0.0 differs from +0.0).
bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  // Element by element: memcmp of an empty vector's data() (null) is undefined (UBSan).
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](double x, double y) {
    return std::bit_cast<std::uint64_t>(x) == std::bit_cast<std::uint64_t>(y);
  });
}

//! Values of `kind`: 0 spread over magnitudes and signs, 1 bookings-like (non-negative, many
//! +0.0, ties), 2 only -0.0 among the zeros, 3 +0.0 and -0.0 mixed (left to std::sort), 4 with
//! infinities.
std::vector<double> values_of(int kind, std::size_t n) {
  std::vector<double> values;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t h = mix64(i * 7919 + n * 31 + static_cast<std::uint64_t>(kind));
    const double x =
        std::ldexp(static_cast<double>(h >> 11) * 0x1p-53, static_cast<int>(h % 80) - 40);
    double v = (h & 1) != 0 ? -x : x;
    if (kind == 1) v = h % 3 == 0 ? 0.0 : std::round(x * 1e4);
    if (kind == 2 && h % 4 == 0) v = -0.0;
    if (kind == 3 && h % 4 == 0) v = (h & 8) != 0 ? -0.0 : 0.0;
    if (kind == 4 && h % 50 == 0) v = std::copysign(std::numeric_limits<double>::infinity(), v);
    values.push_back(v);
  }
  return values;
}

TEST(RadixSort, SortsAsStdSortDoesBitForBit) {
  std::vector<std::uint64_t> scratch;
  for (int kind = 0; kind < 5; ++kind) {
    for (std::size_t n : {0U, 1U, 255U, 256U, 257U, 1000U, 10000U}) {
      std::vector<double> values = values_of(kind, n);
      std::vector<double> expected = values;
      std::sort(expected.begin(), expected.end());
      sort_doubles(values.data(), values.size(), scratch);
      EXPECT_TRUE(same_bits(values, expected)) << "kind " << kind << ", " << n << " values";
    }
  }
}

TEST(RadixSort, AnUnsortedRowIsNotSorted) {
  // The negative twin: the comparison above can fail (a row in the wrong order is told apart).
  std::vector<std::uint64_t> scratch;
  std::vector<double> values = values_of(0, 1000);
  std::vector<double> expected = values;
  sort_doubles(values.data(), values.size(), scratch);
  EXPECT_FALSE(same_bits(values, expected));
  EXPECT_TRUE(std::is_sorted(values.begin(), values.end()));
}

}  // namespace
}  // namespace opsim
