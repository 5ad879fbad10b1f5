// Sample statistics shared by the domain models and the engine's summaries.
#pragma once

#include <algorithm>
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

}  // namespace opsim
