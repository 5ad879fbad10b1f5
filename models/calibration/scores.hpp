// Scores of a forecast distribution, given as a sample, against what happened.
#pragma once

#include <vector>

namespace opsim::calibration {

//! Continuous ranked probability score of the empirical distribution of `sample` at `actual`,
//! exactly: mean |x_i - y| - (1 / 2n^2) sum_ij |x_i - x_j| (sorted: sum_ij = 2 sum_i (2i - n - 1)
//! x_(i)).
double crps_sample(std::vector<double> sample, double actual);
//! The same for an already sorted sample.
double crps_sorted(const std::vector<double>& sorted, double actual);

//! Probability integral transform with mid-rank ties: (#{x < y} + #{x = y} / 2) / n.
double pit_sorted(const std::vector<double>& sorted, double actual);

//! The forecast's CDF just below and at `actual`: F(y-) = #{x < y} / n, F(y) = #{x <= y} / n.
//! They differ where the forecast has an atom at y (a sparse region's zero bookings).
struct PitRange {
  double low = 0.0;
  double high = 0.0;
};
PitRange pit_range(const std::vector<double>& sorted, double actual);

//! The probability that the randomised PIT, uniform on [F(y-), F(y)], lies in [a, b]; where
//! F(y-) = F(y) it is 1 when F(y) lies in [a, b], else 0 (Czado, Gneiting & Held 2009).
double pit_mass_in(const PitRange& range, double a, double b);

//! Coverage of the central interval of probability `level` that stays calibrated for forecasts
//! with atoms: 1 or 0 as `in_central_interval` where the actual ties no forecast value, else
//! the probability that the randomised PIT lies in [(1-level)/2, (1+level)/2]. Its expectation
//! is `level` exactly under a calibrated forecast, while the interval with its ends included
//! covers at least P(X <= q_(1+level)/2) - P(X < q_(1-level)/2), which an atom at 0 makes
//! larger than `level` (a forecast with P(0) = 0.3 has q_0.25 = 0 and covers 0.75 with [0,
//! q_0.75]).
double central_coverage(const std::vector<double>& sorted, double actual, double level);

//! Whether `actual` lies in the central interval of probability `level` (quantiles (1-level)/2
//! and (1+level)/2, linear interpolation between order statistics), ends included.
bool in_central_interval(const std::vector<double>& sorted, double actual, double level);

//! Quantile of a sorted sample by linear interpolation between order statistics (R type 7).
double sample_quantile(const std::vector<double>& sorted, double level);

struct ForecastScore {
  double actual = 0.0;
  double pit = 0.0;
  double crps = 0.0;
  double median = 0.0;
  double mean = 0.0;
  PitRange pit_range;
  double in50 = 0.0;        //!< central_coverage at 0.5
  double in80 = 0.0;        //!< central_coverage at 0.8
  bool interval50 = false;  //!< in_central_interval at 0.5 (ends included)
  bool interval80 = false;  //!< in_central_interval at 0.8
};

ForecastScore score_sample(std::vector<double> sample, double actual);

}  // namespace opsim::calibration
