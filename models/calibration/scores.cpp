#include "models/calibration/scores.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "models/statistics.hpp"

namespace opsim::calibration {

double sample_quantile(const std::vector<double>& sorted, double level) {
  return quantile_sorted(sorted, level);
}

double crps_sorted(const std::vector<double>& sorted, double actual) {
  const std::size_t n = sorted.size();
  if (n == 0) return 0.0;
  double absolute = 0, spread = 0;
  for (std::size_t i = 0; i < n; ++i) {
    absolute += std::abs(sorted[i] - actual);
    spread += (2.0 * static_cast<double>(i + 1) - static_cast<double>(n) - 1.0) * sorted[i];
  }
  const double nd = static_cast<double>(n);
  return absolute / nd - spread / (nd * nd);
}

double crps_sample(std::vector<double> sample, double actual) {
  std::sort(sample.begin(), sample.end());
  return crps_sorted(sample, actual);
}

double pit_sorted(const std::vector<double>& sorted, double actual) {
  if (sorted.empty()) return 0.5;
  const auto lower = std::lower_bound(sorted.begin(), sorted.end(), actual);
  const auto upper = std::upper_bound(sorted.begin(), sorted.end(), actual);
  const double below = static_cast<double>(lower - sorted.begin());
  const double ties = static_cast<double>(upper - lower);
  return (below + 0.5 * ties) / static_cast<double>(sorted.size());
}

PitRange pit_range(const std::vector<double>& sorted, double actual) {
  if (sorted.empty()) return {0.5, 0.5};
  const auto lower = std::lower_bound(sorted.begin(), sorted.end(), actual);
  const auto upper = std::upper_bound(lower, sorted.end(), actual);
  const double n = static_cast<double>(sorted.size());
  return {static_cast<double>(lower - sorted.begin()) / n,
          static_cast<double>(upper - sorted.begin()) / n};
}

double pit_mass_in(const PitRange& range, double a, double b) {
  if (range.high <= range.low) return a <= range.low && range.low <= b ? 1.0 : 0.0;
  const double overlap = std::min(b, range.high) - std::max(a, range.low);
  return std::max(0.0, overlap) / (range.high - range.low);
}

double central_coverage(const std::vector<double>& sorted, double actual, double level) {
  const PitRange range = pit_range(sorted, actual);
  if (range.high <= range.low) return in_central_interval(sorted, actual, level) ? 1.0 : 0.0;
  return pit_mass_in(range, 0.5 - 0.5 * level, 0.5 + 0.5 * level);
}

bool in_central_interval(const std::vector<double>& sorted, double actual, double level) {
  if (sorted.empty()) return false;
  const double lo = sample_quantile(sorted, 0.5 - 0.5 * level);
  const double hi = sample_quantile(sorted, 0.5 + 0.5 * level);
  return lo <= actual && actual <= hi;
}

ForecastScore score_sample(std::vector<double> sample, double actual) {
  std::sort(sample.begin(), sample.end());
  ForecastScore s;
  s.actual = actual;
  s.pit = pit_sorted(sample, actual);
  s.crps = crps_sorted(sample, actual);
  s.median = sample.empty() ? 0.0 : sample_quantile(sample, 0.5);
  s.mean = sample.empty() ? 0.0
                          : std::accumulate(sample.begin(), sample.end(), 0.0) /
                                static_cast<double>(sample.size());
  s.pit_range = pit_range(sample, actual);
  s.in50 = central_coverage(sample, actual, 0.5);
  s.in80 = central_coverage(sample, actual, 0.8);
  s.interval50 = in_central_interval(sample, actual, 0.5);
  s.interval80 = in_central_interval(sample, actual, 0.8);
  return s;
}

}  // namespace opsim::calibration
