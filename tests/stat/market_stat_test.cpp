// Parameter uncertainty in the market model against exact answers: with a level error
// eps ~ N(0, s^2) per region and a growth error delta ~ N(0, g^2), drawn once per trial, the
// intensity in month m is lambda exp(eps + delta m - v_m / 2), v_m = s^2 + g^2 m^2. Opportunity
// counts are then mixed Poisson: a year's count N has E N = 12 lambda and
// Var N = 12 lambda + lambda^2 sum_{m,k} (exp(s^2 + g^2 m k) - 1). A region's own growth error
// (sd h, region_growth_uncertainty) adds to the shared one: g^2 becomes g^2 + h^2.
#include <gtest/gtest.h>

#include <cmath>

#include "sim/engine/summary.hpp"
#include "tests/scenario_builder.hpp"

namespace opsim {
namespace {

constexpr std::uint64_t kMarketTrials = 40000;
constexpr double kLambda = 20.0, kDeal = 1000.0, kLevelSd = 0.2, kGrowthSd = 0.02;

void check_mixed_poisson(double region_growth_sd) {
  nlohmann::json doc = test::base_document(12);
  doc["segments"][0] = {{"id", "SMB"},
                        {"win_rate", 1.0},
                        {"deal_size", {{"mean", kDeal}, {"cv", 0.0}}},
                        {"cycle_months", {1.0}}};
  doc["new_business_intensity"] = {
      {{"region", "NA"}, {"segment", "SMB"}, {"opportunities_per_month", kLambda}}};
  doc["market"] = {{"level_uncertainty", kLevelSd}, {"growth_uncertainty", kGrowthSd}};
  if (region_growth_sd > 0) doc["market"]["region_growth_uncertainty"] = {{"NA", region_growth_sd}};
  const double growth_variance = kGrowthSd * kGrowthSd + region_growth_sd * region_growth_sd;
  const Scenario scenario = test::scenario_from_json(doc);
  const RunResult result = test::run(scenario, kMarketTrials, 5);
  const auto bookings = test::period_column(result, test::period_index(result.layout, "FY2027"),
                                            Metric::new_bookings);
  const auto m = test::sample_moments(bookings);
  double mixing = 0;
  for (int a = 0; a < 12; ++a) {
    for (int b = 0; b < 12; ++b)
      mixing += std::expm1(kLevelSd * kLevelSd + growth_variance * a * b);
  }
  const double mean = 12 * kLambda * kDeal;
  const double variance = (12 * kLambda + kLambda * kLambda * mixing) * kDeal * kDeal;
  const double mean_se = std::sqrt(variance / kMarketTrials);
  EXPECT_TRUE(test::within_4_se(m.mean, mean, mean_se)) << m.mean << " vs " << mean;
  EXPECT_FALSE(test::within_4_se(m.mean, 1.05 * mean, mean_se));
  const double var_se = std::sqrt((m.m4 - m.variance * m.variance) / kMarketTrials);
  EXPECT_TRUE(test::within_4_se(m.variance, variance, var_se)) << m.variance << " vs " << variance;
  EXPECT_FALSE(test::within_4_se(m.variance, 1.05 * variance, var_se));
  // Negative twin of the model: without the uncertainty the counts are Poisson.
  const double poisson = 12 * kLambda * kDeal * kDeal;
  EXPECT_FALSE(test::within_4_se(m.variance, poisson, var_se));
  if (region_growth_sd > 0) {
    // Twin: the region's own error left out.
    double shared = 0;
    for (int a = 0; a < 12; ++a) {
      for (int b = 0; b < 12; ++b)
        shared += std::expm1(kLevelSd * kLevelSd + kGrowthSd * kGrowthSd * a * b);
    }
    const double without = (12 * kLambda + kLambda * kLambda * shared) * kDeal * kDeal;
    EXPECT_FALSE(test::within_4_se(m.variance, without, var_se));
  }
}

TEST(MarketExact, ParameterUncertaintyGivesMixedPoissonMeanAndVariance) {
  check_mixed_poisson(0.0);
}

// The region's own growth error adds to the shared one (twin: the 5%-scaled variance fails).
TEST(MarketExact, RegionGrowthUncertaintyAddsToTheSharedGrowthError) {
  check_mixed_poisson(0.03);
}

}  // namespace
}  // namespace opsim
