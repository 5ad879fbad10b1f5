// CRPS, PIT and interval coverage on hand-worked examples.
#include <gtest/gtest.h>

#include <boost/math/distributions/normal.hpp>

#include "models/calibration/scores.hpp"

namespace opsim::calibration {
namespace {

TEST(Crps, ThreePointSampleByHand) {
  // mean|x - 2| = 2/3; sum_ij |x_i - x_j| = 8, / (2 * 9) = 4/9; CRPS = 2/3 - 4/9 = 2/9.
  EXPECT_NEAR(crps_sample({3.0, 1.0, 2.0}, 2.0), 2.0 / 9.0, 1e-15);
}

TEST(Crps, PointForecastIsAbsoluteError) {
  EXPECT_DOUBLE_EQ(crps_sample({5.0}, 2.0), 3.0);
}

TEST(Crps, TwoPointSampleEqualsTheIntegralOfSquaredCdfDifference) {
  // F = 1/2 on [0, 10): integral over [0, 10) of (1/2 - 1)^2 = 2.5.
  EXPECT_DOUBLE_EQ(crps_sample({0.0, 10.0}, 0.0), 2.5);
  // Outside the sample: mean|x - 20| = 15, minus 2.5.
  EXPECT_DOUBLE_EQ(crps_sample({0.0, 10.0}, 20.0), 12.5);
}

TEST(Crps, StandardNormalQuantileSampleMatchesClosedForm) {
  // CRPS(N(0,1), 0) = 2 phi(0) - 1/sqrt(pi).
  const boost::math::normal_distribution<double> normal;
  std::vector<double> sample;
  const int n = 20000;
  for (int i = 0; i < n; ++i) sample.push_back(boost::math::quantile(normal, (i + 0.5) / n));
  const double exact = 2 * boost::math::pdf(normal, 0.0) - 1 / std::sqrt(M_PI);
  EXPECT_NEAR(crps_sample(sample, 0.0), exact, 1e-3);
  EXPECT_GT(crps_sample(sample, 1.0), crps_sample(sample, 0.0));
}

TEST(Pit, MidRankForTiesAndBounds) {
  const std::vector<double> sorted{1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(pit_sorted(sorted, 2.5), 0.5);
  EXPECT_DOUBLE_EQ(pit_sorted(sorted, 2.0), 0.375);
  EXPECT_DOUBLE_EQ(pit_sorted(sorted, 0.0), 0.0);
  EXPECT_DOUBLE_EQ(pit_sorted(sorted, 5.0), 1.0);
  EXPECT_DOUBLE_EQ(pit_sorted({0, 0, 0, 0}, 0.0), 0.5);
}

TEST(Coverage, CentralIntervalEndsIncluded) {
  std::vector<double> sorted;
  for (int i = 0; i <= 100; ++i) sorted.push_back(i);
  EXPECT_TRUE(in_central_interval(sorted, 10.0, 0.8));
  EXPECT_TRUE(in_central_interval(sorted, 90.0, 0.8));
  EXPECT_FALSE(in_central_interval(sorted, 9.9, 0.8));
  EXPECT_FALSE(in_central_interval(sorted, 24.9, 0.5));
  EXPECT_TRUE(in_central_interval(sorted, 25.0, 0.5));
  const ForecastScore s = score_sample(sorted, 50.0);
  EXPECT_DOUBLE_EQ(s.median, 50.0);
  EXPECT_DOUBLE_EQ(s.pit, 0.5);
  EXPECT_TRUE(s.in50 && s.in80);
}

}  // namespace
}  // namespace opsim::calibration
