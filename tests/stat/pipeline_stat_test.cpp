// Open pipeline with fixed amounts and no slip: the number of won deals is Poisson-binomial, so
// bookings have an exact distribution. Each check has a negative twin: the same check against a
// quantity biased by 5% must fail.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "sim/engine/summary.hpp"
#include "tests/scenario_builder.hpp"

namespace opsim {
namespace {

constexpr int kDeals = 200;
constexpr double kAmount = 1000.0;
constexpr std::uint64_t kPipelineTrials = 20000;
const std::vector<double> kStageProbabilities{0.1, 0.3, 0.5, 0.7, 0.9};

nlohmann::json pipeline_document() {
  nlohmann::json doc = test::base_document(12);
  nlohmann::json stages = nlohmann::json::array();
  for (std::size_t i = 0; i < kStageProbabilities.size(); ++i) {
    stages.push_back({{"id", fmt::format("S{}", i)}, {"win_probability", kStageProbabilities[i]}});
  }
  nlohmann::json deals = nlohmann::json::array();
  for (int i = 0; i < kDeals; ++i) {
    deals.push_back({{"id", fmt::format("D{}", i)},
                     {"region", "NA"},
                     {"segment", "SMB"},
                     {"stage", fmt::format("S{}", i % 5)},
                     {"amount", kAmount},
                     {"expected_close", fmt::format("2027-{:02d}", 1 + i % 12)}});
  }
  doc["pipeline"] = {{"stages", stages}, {"deals", deals}};
  return doc;
}

//! Exact pmf of the number of successes of independent Bernoulli(p_i).
std::vector<double> poisson_binomial(const std::vector<double>& p) {
  std::vector<double> pmf{1.0};
  for (double q : p) {
    std::vector<double> next(pmf.size() + 1, 0.0);
    for (std::size_t k = 0; k < pmf.size(); ++k) {
      next[k] += pmf[k] * (1 - q);
      next[k + 1] += pmf[k] * q;
    }
    pmf = next;
  }
  return pmf;
}

class PipelineExact : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scenario_ = new Scenario(test::scenario_from_json(pipeline_document()));
    result_ = new RunResult(test::run(*scenario_, kPipelineTrials, 2027));
    summary_ = new Summary(summarise(*scenario_, *result_));
    std::vector<double> p;
    for (int i = 0; i < kDeals; ++i) p.push_back(kStageProbabilities[i % 5]);
    pmf_ = poisson_binomial(p);
    for (std::size_t k = 0; k < pmf_.size(); ++k) {
      mean_ += k * kAmount * pmf_[k];
    }
    for (std::size_t k = 0; k < pmf_.size(); ++k) {
      const double d = k * kAmount - mean_;
      variance_ += d * d * pmf_[k];
      m4_ += d * d * d * d * pmf_[k];
    }
  }
  static void TearDownTestSuite() {
    delete summary_;
    delete result_;
    delete scenario_;
  }
  //! Exact CDF at a bookings amount.
  static double cdf(double amount) {
    double total = 0.0;
    for (std::size_t k = 0; k < pmf_.size() && k * kAmount <= amount + 1e-9; ++k) total += pmf_[k];
    return total;
  }
  //! The simulated quantile at `level` is consistent with the exact distribution: the exact
  //! CDF just below it is at most level, and at it at least level (within 4 standard errors).
  static bool quantile_consistent(double simulated, double level) {
    const double tolerance = 4 * std::sqrt(level * (1 - level) / kPipelineTrials);
    return cdf(simulated) >= level - tolerance && cdf(simulated - kAmount) <= level + tolerance;
  }
  static std::vector<double> bookings() {
    return test::period_column(*result_, test::period_index(result_->layout, "FY2027"),
                               Metric::pipeline_bookings);
  }
  static double simulated_quantile(int q) {
    const auto& layout = result_->layout;
    const std::size_t cell = test::period_index(layout, "FY2027") * layout.cells() +
                             layout.cell(layout.regions - 1, layout.segments - 1,
                                         static_cast<int>(Metric::pipeline_bookings));
    return summary_->period_quantiles[cell * kQuantiles + q];
  }

  static inline Scenario* scenario_ = nullptr;
  static inline RunResult* result_ = nullptr;
  static inline Summary* summary_ = nullptr;
  static inline std::vector<double> pmf_;
  static inline double mean_ = 0, variance_ = 0, m4_ = 0;
};

TEST_F(PipelineExact, MeanMatchesPoissonBinomial) {
  const auto m = test::sample_moments(bookings());
  const double se = std::sqrt(variance_ / kPipelineTrials);
  EXPECT_TRUE(test::within_4_se(m.mean, mean_, se)) << m.mean << " vs " << mean_;
  EXPECT_FALSE(test::within_4_se(m.mean, 1.05 * mean_, se));
}

TEST_F(PipelineExact, VarianceMatchesPoissonBinomial) {
  const auto m = test::sample_moments(bookings());
  const double se = std::sqrt((m4_ - variance_ * variance_) / kPipelineTrials);
  EXPECT_TRUE(test::within_4_se(m.variance, variance_, se)) << m.variance << " vs " << variance_;
  EXPECT_FALSE(test::within_4_se(m.variance, 1.05 * variance_, se));
}

TEST_F(PipelineExact, QuantilesMatchPoissonBinomial) {
  for (int q : {1, 3, 5}) {  // P10, P50, P90
    const double level = kQuantileLevels[q];
    const double simulated = simulated_quantile(q);
    EXPECT_TRUE(quantile_consistent(simulated, level)) << "P" << level * 100 << " = " << simulated;
    EXPECT_FALSE(quantile_consistent(1.05 * simulated, level)) << "biased P" << level * 100;
  }
}

TEST_F(PipelineExact, EveryDealClosesInsideTheHorizon) {
  const auto& layout = result_->layout;
  const std::size_t fy = test::period_index(layout, "FY2027");
  for (double beyond : test::period_column(*result_, fy, Metric::pipeline_beyond))
    ASSERT_EQ(beyond, 0.0);
}

}  // namespace
}  // namespace opsim
