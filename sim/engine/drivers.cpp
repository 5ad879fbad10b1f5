#include "sim/engine/drivers.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "models/scenario.hpp"
#include "sim/base/error.hpp"

namespace opsim {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

SourceTable::SourceTable(std::vector<std::uint64_t> intensity_keys,
                         const std::vector<std::string>& assumption_pointers)
    : intensity_keys_(std::move(intensity_keys)) {
  std::sort(intensity_keys_.begin(), intensity_keys_.end());
  sources_ = {{SourceGroup::open_pipeline, "open pipeline", 0},
              {SourceGroup::rep_new_business, "rep-generated new business", 0},
              {SourceGroup::intensity_new_business, "intensity-given new business", 0},
              {SourceGroup::workforce, "workforce (attrition, skill)", 0},
              {SourceGroup::renewals, "renewals", 0},
              {SourceGroup::fx, "FX", 0},
              {SourceGroup::market, "market factor", 0}};
  for (const std::string& pointer : assumption_pointers)
    sources_.push_back({SourceGroup::assumption, pointer, stable_hash(pointer)});
}

SourceTable::SourceTable(const Scenario& scenario)
    : SourceTable(
          [&] {
            std::vector<std::uint64_t> keys;
            for (const IntensitySpec& spec : scenario.intensities) keys.push_back(spec.key);
            return keys;
          }(),
          [&] {
            std::vector<std::string> pointers;
            for (const UncertainParameter& p : scenario.uncertain) pointers.push_back(p.pointer);
            return pointers;
          }()) {}

int SourceTable::source_of(StreamId stream, std::uint64_t entity) const {
  // The one table from streams to sources: every StreamId the forecast engine draws is here.
  switch (stream) {
    case StreamId::pipeline:
      return static_cast<int>(SourceGroup::open_pipeline);
    case StreamId::opportunities:
      return std::binary_search(intensity_keys_.begin(), intensity_keys_.end(), entity)
                 ? static_cast<int>(SourceGroup::intensity_new_business)
                 : static_cast<int>(SourceGroup::rep_new_business);
    case StreamId::attrition:
    case StreamId::skill:
      return static_cast<int>(SourceGroup::workforce);
    case StreamId::renewals:
      return static_cast<int>(SourceGroup::renewals);
    case StreamId::fx:
      return static_cast<int>(SourceGroup::fx);
    case StreamId::market:
    case StreamId::parameters:
      return static_cast<int>(SourceGroup::market);
    case StreamId::assumptions:
      for (std::size_t i = static_cast<std::size_t>(SourceGroup::assumption); i < sources_.size();
           ++i) {
        if (sources_[i].key == entity) return static_cast<int>(i);
      }
      return -1;
    case StreamId::territories:
    case StreamId::territory_instances:
      return -1;
  }
  return -1;
}

PickFreezeRemap::PickFreezeRemap(const SourceTable& table, int kept, std::uint64_t offset,
                                 Mode mode)
    : table_(table), kept_(kept), offset_(offset), mode_(mode) {}

std::uint64_t PickFreezeRemap::trial(StreamId stream, std::uint64_t trial,
                                     std::uint64_t entity) const {
  const bool kept = table_.source_of(stream, entity) == kept_;
  if (kept && !drawn_.load(std::memory_order_relaxed))
    drawn_.store(true, std::memory_order_relaxed);
  return kept == (mode_ == Mode::keep) ? trial : trial + offset_;
}

VarianceShare first_order_share(const std::vector<double>& y, const std::vector<double>& y_s) {
  const std::size_t n = y.size();
  if (n < 2 || y_s.size() != n) throw_internal("first_order_share: needs two paired samples");
  // Shifted by the mean of y for accuracy (the estimator is shift-invariant).
  double shift = 0.0;
  for (double v : y) shift += v;
  shift /= static_cast<double>(n);
  // z = (a, b, a b, (a^2 + b^2) / 2) per trial; the estimator is g(mean z) with
  // g = (c - m^2) / (d - m^2), m = (a + b) / 2 (Janon et al. 2014).
  std::array<double, 4> mean{};
  for (std::size_t t = 0; t < n; ++t) {
    const double a = y[t] - shift, b = y_s[t] - shift;
    const std::array<double, 4> z{a, b, a * b, 0.5 * (a * a + b * b)};
    for (int k = 0; k < 4; ++k) mean[k] += (z[k] - mean[k]) / static_cast<double>(t + 1);
  }
  const double m = 0.5 * (mean[0] + mean[1]);
  const double num = mean[2] - m * m, den = mean[3] - m * m;
  VarianceShare out;
  out.variance = den * static_cast<double>(n) / static_cast<double>(n - 1);
  if (!(den > 0)) {
    out.share = kNaN;
    out.se = kNaN;
    out.variance_if_fixed = 0.0;
    return out;
  }
  out.share = num / den;
  // Delta method: Var(g) ~ grad' Cov(z) grad / n.
  const std::array<double, 4> grad{m * (num - den) / (den * den), m * (num - den) / (den * den),
                                   1.0 / den, -num / (den * den)};
  double var_g = 0.0;
  for (std::size_t t = 0; t < n; ++t) {
    const double a = y[t] - shift, b = y_s[t] - shift;
    const std::array<double, 4> z{a, b, a * b, 0.5 * (a * a + b * b)};
    double l = 0.0;
    for (int k = 0; k < 4; ++k) l += grad[k] * (z[k] - mean[k]);
    var_g += l * l;
  }
  var_g /= static_cast<double>(n - 1);
  out.se = std::sqrt(var_g / static_cast<double>(n));
  out.variance_if_fixed = out.variance * (1.0 - out.share);
  return out;
}

void add_total_effect(VarianceShare& share, const std::vector<double>& y,
                      const std::vector<double>& y_r) {
  const std::size_t n = y.size();
  if (n < 2 || y_r.size() != n) throw_internal("add_total_effect: needs two paired samples");
  if (y == y_r) {
    share.no_effect = true;
    share.share = share.se = share.total = share.total_se = 0.0;
    share.variance_if_fixed = share.variance;
    return;
  }
  // Var(Y) of the base run alone: Y^~S has the same law.
  double mean = 0.0, m2 = 0.0, half = 0.0, h2 = 0.0;
  for (std::size_t t = 0; t < n; ++t) {
    const double delta = y[t] - mean;
    mean += delta / static_cast<double>(t + 1);
    m2 += delta * (y[t] - mean);
    const double h = 0.5 * (y[t] - y_r[t]) * (y[t] - y_r[t]);
    const double dh = h - half;
    half += dh / static_cast<double>(t + 1);
    h2 += dh * (h - half);
  }
  const double variance = m2 / static_cast<double>(n - 1);
  if (!(variance > 0)) return;
  share.total = half / variance;
  share.total_se = std::sqrt(h2 / static_cast<double>(n - 1) / static_cast<double>(n)) / variance;
}

std::vector<SourceShare> estimate_sources(
    const SourceTable& table, const std::vector<double>& y, std::uint64_t trials,
    const std::function<std::vector<double>(const TrialRemap*)>& run,
    const std::function<bool(bool)>& drawn_anywhere) {
  std::vector<SourceShare> shares;
  for (std::size_t s = 0; s < table.sources().size(); ++s) {
    if (!table.may_draw(s)) continue;
    const PickFreezeRemap remap(table, static_cast<int>(s), trials);
    const std::vector<double> y_s = run(&remap);
    const bool drawn =
        drawn_anywhere ? drawn_anywhere(remap.kept_was_drawn()) : remap.kept_was_drawn();
    if (!drawn) continue;  // not in the model (every rank agrees)
    const PickFreezeRemap redraw(table, static_cast<int>(s), trials, PickFreezeRemap::Mode::redraw);
    const std::vector<double> y_r = run(&redraw);
    if (y.empty()) continue;  // another rank
    VarianceShare estimate = first_order_share(y, y_s);
    add_total_effect(estimate, y, y_r);
    shares.push_back({table.sources()[s].name, estimate});
  }
  std::stable_sort(shares.begin(), shares.end(), [](const SourceShare& a, const SourceShare& b) {
    return a.estimate.share > b.estimate.share;
  });
  return shares;
}

double reach_probability(const std::vector<double>& y, double target) {
  if (y.empty()) return kNaN;
  double hits = 0;
  for (double v : y) hits += v >= target ? 1 : 0;
  return hits / static_cast<double>(y.size());
}

Swing paired_swing(const std::vector<double>& low, const std::vector<double>& high,
                   std::optional<double> target) {
  const std::size_t n = low.size();
  if (n < 2 || high.size() != n) throw_internal("paired_swing: needs two paired samples");
  Swing out;
  double mean_d = 0.0, m2 = 0.0;
  for (std::size_t t = 0; t < n; ++t) {
    out.mean_low += (low[t] - out.mean_low) / static_cast<double>(t + 1);
    out.mean_high += (high[t] - out.mean_high) / static_cast<double>(t + 1);
    const double d = target ? (high[t] >= *target ? 1.0 : 0.0) - (low[t] >= *target ? 1.0 : 0.0)
                            : high[t] - low[t];
    const double delta = d - mean_d;
    mean_d += delta / static_cast<double>(t + 1);
    m2 += delta * (d - mean_d);
  }
  out.p_low = target ? reach_probability(low, *target) : kNaN;
  out.p_high = target ? reach_probability(high, *target) : kNaN;
  out.swing = std::abs(mean_d);
  out.se = std::sqrt(m2 / static_cast<double>(n - 1) / static_cast<double>(n));
  return out;
}

Solution solve_for_probability(const std::function<double(double)>& p_at, double low, double high,
                               double probability, std::uint64_t trials,
                               const std::string& parameter) {
  if (!(low < high)) throw_internal("solve_for_probability: empty range");
  Solution out;
  double a = low, b = high;
  double pa = p_at(a), pb = p_at(b);
  out.runs = 2;
  const bool rising = pb >= pa;
  if (probability < std::min(pa, pb) || probability > std::max(pa, pb)) {
    throw_infeasible(
        "--solve {}: P(reach) is {:.1f}% at {} and {:.1f}% at {}; {:.1f}% is out of reach over "
        "that range (give another with --solve-range LOW:HIGH)",
        parameter, 100 * pa, a, 100 * pb, b, 100 * probability);
  }
  // Bisection on common random numbers: P is monotone (up to Monte Carlo steps) in the value.
  // It stops when P is within a quarter of its standard error or the bracket is 1/4096 of the
  // range.
  const double se_p = std::sqrt(std::max(probability * (1 - probability), 1e-12) /
                                static_cast<double>(std::max<std::uint64_t>(trials, 1)));
  double value = pa == probability ? a : (pb == probability ? b : 0.5 * (a + b));
  double p_value = pa == probability ? pa : (pb == probability ? pb : kNaN);
  for (int i = 0; i < 12 && std::isnan(p_value); ++i) {
    const double mid = 0.5 * (a + b);
    const double pm = p_at(mid);
    ++out.runs;
    if (std::abs(pm - probability) <= 0.25 * se_p || (b - a) < (high - low) / 4096) {
      value = mid;
      p_value = pm;
      break;
    }
    if ((pm < probability) == rising)
      a = mid, pa = pm;
    else
      b = mid, pb = pm;
    value = 0.5 * (a + b);
  }
  if (std::isnan(p_value)) {
    p_value = p_at(value);
    ++out.runs;
  }
  // The slope over a window of 5% of the range around the solution (inside the range).
  const double h = 0.025 * (high - low);
  const double left = std::max(low, value - h), right = std::min(high, value + h);
  const double slope = (p_at(right) - p_at(left)) / (right - left);
  out.runs += 2;
  out.value = value;
  out.probability = p_value;
  out.slope = slope;
  out.se = slope != 0 ? se_p / std::abs(slope) : kNaN;
  return out;
}

}  // namespace opsim
