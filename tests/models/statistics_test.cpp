#include "models/statistics.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <vector>

#include "sim/base/random.hpp"

namespace opsim {
namespace {

constexpr std::array<double, 7> kLevels{0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95};

TEST(Statistics, SelectionGivesTheSortedQuantilesBitForBit) {
  for (std::size_t n : {1U, 2U, 3U, 7U, 20U, 101U, 1000U}) {
    for (int ties = 0; ties < 2; ++ties) {
      std::vector<double> values;
      for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t h = mix64(i * 7919 + n);
        // With ties: only 5 distinct values, so equal order statistics straddle the splits.
        values.push_back(ties ? static_cast<double>(h % 5) : static_cast<double>(h >> 11) * 1e-9);
      }
      std::vector<double> sorted = values;
      std::sort(sorted.begin(), sorted.end());
      const auto selected = quantiles_by_selection(values, kLevels);
      for (std::size_t q = 0; q < kLevels.size(); ++q) {
        EXPECT_EQ(selected[q], quantile_sorted(sorted, kLevels[q])) << n << " " << kLevels[q];
      }
    }
  }
}

TEST(Statistics, SelectionGivesTheSortedQuantilesForAnyLevelOrderAndManyEqualValues) {
  // Middle-first selection: levels out of order, a level twice, adjacent order statistics.
  constexpr std::array<double, 6> kMixed{0.9, 0.1, 0.5, 0.1, 1.0, 0.0};
  // Values all distinct, mostly zero (repeated poor splits: std::nth_element takes over) or all
  // equal.
  for (int kind = 0; kind < 3; ++kind) {
    for (std::size_t n : {1U, 2U, 5U, 10U, 11U, 33U, 1000U, 5000U}) {
      std::vector<double> values;
      for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t h = mix64(i + 31 * n);
        const double x = static_cast<double>(h >> 11) * 1e-9 - 4e6;
        values.push_back(kind == 0 ? x : kind == 1 ? (h % 10 == 0 ? x : 0.0) : 2.5);
      }
      std::vector<double> sorted = values;
      std::sort(sorted.begin(), sorted.end());
      const auto selected = quantiles_by_selection(values, kMixed);
      for (std::size_t q = 0; q < kMixed.size(); ++q)
        EXPECT_EQ(selected[q], quantile_sorted(sorted, kMixed[q]))
            << kind << " " << n << " " << kMixed[q];
    }
  }
}

TEST(Statistics, SelectionOfNothingIsZero) {
  std::vector<double> none;
  for (double q : quantiles_by_selection(none, kLevels)) EXPECT_EQ(q, 0.0);
}

TEST(Statistics, SelectionHandlesDescendingLevels) {
  std::vector<double> values{5, 1, 4, 2, 3};
  const auto q = quantiles_by_selection(values, std::array<double, 3>{0.75, 0.5, 0.0});
  EXPECT_EQ(q[0], 4.0);
  EXPECT_EQ(q[1], 3.0);
  EXPECT_EQ(q[2], 1.0);
}

}  // namespace
}  // namespace opsim
