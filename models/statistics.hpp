// Sample statistics shared by the domain models and the engine's summaries.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <vector>

namespace opsim {

//! Quantile of sorted values, linear interpolation between order statistics (R type 7);
//! 0 for no values.
inline double quantile_sorted(const std::vector<double>& sorted, double level) {
  if (sorted.empty()) return 0.0;
  const double h = (static_cast<double>(sorted.size()) - 1) * level;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

//! quantile_sorted(sort(values), levels[i]) for every i, bit for bit, by selection
//! (std::nth_element, O(n) per level) instead of a full sort; `values` is reordered.
//! Ascending levels reuse the previous selection's split. 0 for no values.
template <std::size_t N>
std::array<double, N> quantiles_by_selection(std::vector<double>& values,
                                             const std::array<double, N>& levels) {
  std::array<double, N> out{};
  if (values.empty()) return out;
  const std::size_t n = values.size();
  std::size_t split = 0;  // every element before `split` is <= every element from it on
  for (std::size_t i = 0; i < N; ++i) {
    const double h = (static_cast<double>(n) - 1) * levels[i];
    const auto lo = static_cast<std::size_t>(std::floor(h));
    if (lo < split) split = 0;
    const auto begin = values.begin();
    std::nth_element(begin + static_cast<std::ptrdiff_t>(split),
                     begin + static_cast<std::ptrdiff_t>(lo), values.end());
    split = lo;
    const double at_lo = values[lo];
    // The next order statistic is the smallest of the elements after lo.
    const double at_hi =
        lo + 1 < n ? *std::min_element(begin + static_cast<std::ptrdiff_t>(lo) + 1, values.end())
                   : at_lo;
    out[i] = at_lo + (h - static_cast<double>(lo)) * (at_hi - at_lo);
  }
  return out;
}

}  // namespace opsim
