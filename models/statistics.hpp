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

namespace detail {
//! std::nth_element(first, nth, last) for doubles, by Lomuto partitions without a branch on the
//! comparison (random payouts mispredict most of std::nth_element's); ranges of few elements, and
//! any range that repeated poor splits (many equal values) leave, go to std::nth_element.
inline void select_nth(double* first, double* nth, double* last) {
  int poor = 0;
  while (last - first > 32 && poor < 4) {
    double* mid = first + (last - first) / 2;
    // Median of three as the pivot, moved to the end.
    if (*mid < *first) std::swap(*mid, *first);
    if (last[-1] < *mid) std::swap(last[-1], *mid);
    if (*mid < *first) std::swap(*mid, *first);
    std::swap(*mid, last[-1]);
    const double pivot = last[-1];
    double* split = first;
    for (double* at = first; at != last - 1; ++at) {
      const double x = *at;
      const bool less = x < pivot;
      *at = *split;
      *split = x;
      split += less;
    }
    std::swap(*split, last[-1]);  // [first, split) < pivot <= (split, last)
    if (split == nth) return;
    const std::ptrdiff_t kept = nth < split ? split - first : last - split - 1;
    poor += kept > (last - first) / 16 * 15;
    if (nth < split)
      last = split;
    else
      first = split + 1;
  }
  std::nth_element(first, nth, last);
}
}  // namespace detail

//! quantile_sorted(sort(values), levels[i]) for every i, bit for bit, by selection
//! (detail::select_nth) instead of a full sort; `values` is reordered; levels in any order.
//! 0 for no values. The order statistics are selected middle first, each within the split the
//! previous selections left (P10, P50, P90: 2n element visits, not 2.4n in level order), and the
//! next order statistic after each is the smallest element up to the next selected one.
template <std::size_t N>
std::array<double, N> quantiles_by_selection(std::vector<double>& values,
                                             const std::array<double, N>& levels) {
  std::array<double, N> out{};
  if (values.empty()) return out;
  const std::size_t n = values.size();
  std::array<std::size_t, N> lo_of{};  // per level, the lower order statistic's position
  for (std::size_t i = 0; i < N; ++i)
    lo_of[i] = static_cast<std::size_t>(std::floor((static_cast<double>(n) - 1) * levels[i]));
  std::array<std::size_t, N> at = lo_of;  // the distinct positions, ascending
  std::sort(at.begin(), at.end());
  const auto count = static_cast<std::size_t>(std::unique(at.begin(), at.end()) - at.begin());
  const auto it = [&](std::size_t i) { return values.begin() + static_cast<std::ptrdiff_t>(i); };
  // Positions at[first, last) lie in values[from, to), which holds exactly their order statistics.
  auto select = [&](auto& self, std::size_t first, std::size_t last, std::size_t from,
                    std::size_t to) -> void {
    if (first >= last) return;
    const std::size_t mid = first + (last - first) / 2;
    detail::select_nth(values.data() + from, values.data() + at[mid], values.data() + to);
    self(self, first, mid, from, at[mid]);
    self(self, mid + 1, last, at[mid] + 1, to);
  };
  select(select, 0, count, 0, n);
  // Every element after at[k] up to at[k + 1] (inclusive) is >= values[at[k]], every element
  // after at[k + 1] >= values[at[k + 1]]: the next order statistic is the smallest of them.
  std::array<double, N> next{};
  for (std::size_t k = 0; k < count; ++k) {
    const std::size_t end = k + 1 < count ? at[k + 1] + 1 : n;
    next[k] = at[k] + 1 < n ? *std::min_element(it(at[k] + 1), it(end)) : values[at[k]];
  }
  for (std::size_t i = 0; i < N; ++i) {
    const double h = (static_cast<double>(n) - 1) * levels[i];
    const std::size_t lo = lo_of[i];
    const std::size_t k =
        static_cast<std::size_t>(std::lower_bound(at.begin(), at.begin() + count, lo) - at.begin());
    const double at_lo = values[lo];
    out[i] = at_lo + (h - static_cast<double>(lo)) * (next[k] - at_lo);
  }
  return out;
}

}  // namespace opsim
