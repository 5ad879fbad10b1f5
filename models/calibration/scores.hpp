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
  bool in50 = false;
  bool in80 = false;
};

ForecastScore score_sample(std::vector<double> sample, double actual);

}  // namespace opsim::calibration
