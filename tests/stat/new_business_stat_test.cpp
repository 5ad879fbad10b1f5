// New business against exact answers: with fully ramped reps, Poisson opportunity counts and
// independent wins, won deals per year are Poisson (thinning), so bookings are compound
// Poisson; in a steady state monthly bookings are proportional to seasonality, except in the
// first months where opportunities created before the horizon start are dropped.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "sim/engine/summary.hpp"
#include "tests/scenario_builder.hpp"

namespace opsim {
namespace {

constexpr std::uint64_t kNewBusinessTrials = 20000;

nlohmann::json reps_document(int reps, double deal_cv, std::vector<double> cycle_pmf, int months,
                             std::vector<double> seasonality) {
  nlohmann::json doc = test::base_document(months);
  doc["regions"][0]["seasonality"] = seasonality;
  doc["segments"][0] = {{"id", "SMB"},
                        {"opportunity_rate", 3.0},
                        {"win_rate", 0.25},
                        {"deal_size", {{"mean", 2000.0}, {"cv", deal_cv}}},
                        {"cycle_months", cycle_pmf}};
  nlohmann::json list = nlohmann::json::array();
  for (int i = 0; i < reps; ++i) {
    list.push_back({{"id", fmt::format("R{}", i)},
                    {"region", "NA"},
                    {"segment", "SMB"},
                    {"start", "2025-01"}});
  }
  doc["roster"] = {{"reps", list}};
  return doc;
}

const std::vector<double> kFlat(12, 1.0);

TEST(NewBusinessExact, FixedDealSizeGivesCompoundPoissonMeanAndVariance) {
  const Scenario scenario = test::scenario_from_json(reps_document(10, 0.0, {1.0}, 12, kFlat));
  const RunResult result = test::run(scenario, kNewBusinessTrials, 99);
  const auto bookings = test::period_column(result, test::period_index(result.layout, "FY2027"),
                                            Metric::new_bookings);
  const auto m = test::sample_moments(bookings);
  const double lambda = 10 * 12 * 3.0 * 0.25;  // expected wins
  const double deal = 2000.0;
  const double mean = lambda * deal, variance = lambda * deal * deal;
  const double mean_se = std::sqrt(variance / kNewBusinessTrials);
  EXPECT_TRUE(test::within_4_se(m.mean, mean, mean_se)) << m.mean << " vs " << mean;
  EXPECT_FALSE(test::within_4_se(m.mean, 1.05 * mean, mean_se));
  // Fourth central moment of deal x Poisson(lambda): deal^4 lambda (1 + 3 lambda).
  const double m4 = std::pow(deal, 4) * lambda * (1 + 3 * lambda);
  const double var_se = std::sqrt((m4 - variance * variance) / kNewBusinessTrials);
  EXPECT_TRUE(test::within_4_se(m.variance, variance, var_se)) << m.variance << " vs " << variance;
  EXPECT_FALSE(test::within_4_se(m.variance, 1.05 * variance, var_se));
}

TEST(NewBusinessExact, LognormalDealSizeGivesCompoundPoissonMeanAndVariance) {
  const double cv = 0.5;
  const Scenario scenario = test::scenario_from_json(reps_document(10, cv, {1.0}, 12, kFlat));
  const RunResult result = test::run(scenario, kNewBusinessTrials, 7);
  const auto bookings = test::period_column(result, test::period_index(result.layout, "FY2027"),
                                            Metric::new_bookings);
  const auto m = test::sample_moments(bookings);
  const double lambda = 10 * 12 * 3.0 * 0.25;
  const double second_moment = 2000.0 * 2000.0 * (1 + cv * cv);  // E[X^2] of the deal size
  const double mean = lambda * 2000.0, variance = lambda * second_moment;
  const double mean_se = std::sqrt(variance / kNewBusinessTrials);
  EXPECT_TRUE(test::within_4_se(m.mean, mean, mean_se)) << m.mean << " vs " << mean;
  EXPECT_FALSE(test::within_4_se(m.mean, 1.05 * mean, mean_se));
  // Standard error of the sample variance from the sample's own fourth moment.
  const double var_se = std::sqrt((m.m4 - m.variance * m.variance) / kNewBusinessTrials);
  EXPECT_TRUE(test::within_4_se(m.variance, variance, var_se)) << m.variance << " vs " << variance;
  EXPECT_FALSE(test::within_4_se(m.variance, 1.05 * variance, var_se));
}

TEST(NewBusinessExact, ProductsSplitOpportunitiesByShareWithTheirOwnRatesAndSizes) {
  nlohmann::json doc = reps_document(10, 0.0, {1.0}, 12, kFlat);
  doc["products"] = {{{"id", "Core"}, {"segment", "SMB"}, {"share", 0.7}},
                     {{"id", "Add-on"},
                      {"segment", "SMB"},
                      {"share", 0.3},
                      {"win_rate", 0.5},
                      {"deal_size", {{"mean", 500.0}}}}};
  const Scenario scenario = test::scenario_from_json(doc);
  const RunResult result = test::run(scenario, kNewBusinessTrials, 13);
  const auto bookings = test::period_column(result, test::period_index(result.layout, "FY2027"),
                                            Metric::new_bookings);
  const auto m = test::sample_moments(bookings);
  // Wins of each product are independent Poisson (thinning by share x win rate).
  const double opportunities = 10 * 12 * 3.0;
  const double core = opportunities * 0.7 * 0.25, addon = opportunities * 0.3 * 0.5;
  const double mean = core * 2000.0 + addon * 500.0;
  const double variance = core * 2000.0 * 2000.0 + addon * 500.0 * 500.0;
  const double se = std::sqrt(variance / kNewBusinessTrials);
  EXPECT_TRUE(test::within_4_se(m.mean, mean, se)) << m.mean << " vs " << mean;
  EXPECT_FALSE(test::within_4_se(m.mean, 1.05 * mean, se));
  const double var_se = std::sqrt((m.m4 - m.variance * m.variance) / kNewBusinessTrials);
  EXPECT_TRUE(test::within_4_se(m.variance, variance, var_se)) << m.variance << " vs " << variance;
}

class SteadyState : public ::testing::Test {
 protected:
  static constexpr int kReps = 20;
  static constexpr int kMonths = 24;
  static inline const std::vector<double> kSeason{0.6, 0.8, 1.0, 1.2, 1.4, 1.0,
                                                  0.9, 0.7, 1.1, 1.2, 1.0, 1.1};
  static inline const std::vector<double> kCycle{0.5, 0.3, 0.2};

  void SetUp() override {
    scenario_ = std::make_unique<Scenario>(
        test::scenario_from_json(reps_document(kReps, 0.0, kCycle, kMonths, kSeason)));
    result_ = std::make_unique<RunResult>(test::run(*scenario_, 10000, 5));
    summary_ = std::make_unique<Summary>(summarise(*scenario_, *result_));
  }
  double normalised_season(int month) const {
    double sum = 0;
    for (double s : kSeason) sum += s;
    return kSeason[month % 12] * 12 / sum;
  }
  //! Expected bookings in horizon month m: opportunities created before the start are dropped,
  //! so only the fraction with cycle <= m survives.
  double expected(int month) const {
    double surviving = 0;
    for (int k = 0; k <= std::min(month, 2); ++k) surviving += kCycle[k];
    return kReps * 3.0 * normalised_season(month) * 0.25 * 2000.0 * surviving;
  }
  std::size_t cell(int month) const {
    const auto& layout = result_->layout;
    return month * layout.cells() + layout.cell(layout.regions - 1, layout.segments - 1,
                                                static_cast<int>(Metric::new_bookings));
  }
  std::unique_ptr<Scenario> scenario_;
  std::unique_ptr<RunResult> result_;
  std::unique_ptr<Summary> summary_;
};

TEST_F(SteadyState, MonthlyBookingsAreProportionalToSeasonality) {
  for (int m = 2; m < kMonths; ++m) {  // after the warm-up of the longest cycle
    const double mean = summary_->monthly_mean[cell(m)];
    const double se = summary_->monthly_se[cell(m)];
    EXPECT_TRUE(test::within_4_se(mean, expected(m), se))
        << "month " << m << ": " << mean << " vs " << expected(m);
    EXPECT_FALSE(test::within_4_se(mean, 1.05 * expected(m), se)) << "month " << m;
  }
}

TEST_F(SteadyState, OpportunitiesCreatedBeforeTheHorizonAreDropped) {
  for (int m : {0, 1}) {
    const double mean = summary_->monthly_mean[cell(m)];
    const double se = summary_->monthly_se[cell(m)];
    EXPECT_TRUE(test::within_4_se(mean, expected(m), se))
        << "month " << m << ": " << mean << " vs " << expected(m);
    // Without the drop the month would carry the full seasonal amount.
    const double undropped = kReps * 3.0 * normalised_season(m) * 0.25 * 2000.0;
    EXPECT_FALSE(test::within_4_se(mean, undropped, se));
    EXPECT_FALSE(test::within_4_se(mean, 1.05 * expected(m), se));
  }
}

}  // namespace
}  // namespace opsim
