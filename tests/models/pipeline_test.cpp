// Open pipeline options: the opt-in quarter-end effect scales win probabilities only in
// fiscal-quarter-end close months, and leaves every draw of a scenario without it unchanged; the
// opt-in amount spread makes a won deal's amount vary as its cell's deal sizes do.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "sim/base/error.hpp"
#include "tests/scenario_builder.hpp"

namespace opsim {
namespace {

constexpr int kDeals = 400;
constexpr std::uint64_t kPipelineTrials = 2000;

nlohmann::json pipeline_document(bool quarter_end_effect) {
  nlohmann::json doc = test::base_document(12);
  doc["segments"][0]["quarter_end_win_multiplier"] = 1.6;
  nlohmann::json deals = nlohmann::json::array();
  for (int i = 0; i < kDeals; ++i) {
    // Half close in March (a quarter end), half in April.
    deals.push_back({{"id", fmt::format("D{}", i)},
                     {"region", "NA"},
                     {"segment", "SMB"},
                     {"stage", "open"},
                     {"amount", 1.0},
                     {"expected_close", i % 2 ? "2027-03" : "2027-04"}});
  }
  doc["pipeline"] = {{"stages", {{{"id", "open"}, {"win_probability", 0.5}}}}, {"deals", deals}};
  if (quarter_end_effect) doc["pipeline"]["quarter_end_effect"] = true;
  return doc;
}

//! Mean pipeline wins per trial in month m (0-based) and its standard error.
std::pair<double, double> mean_wins(const RunResult& result, int m) {
  const auto& layout = result.layout;
  const std::size_t cell = layout.cell(0, 0, static_cast<int>(Metric::pipeline_wins));
  std::vector<double> wins;
  for (std::uint64_t t = 0; t < result.trials(); ++t) {
    wins.push_back(result.monthly_values[t * layout.monthly_cells() + m * layout.cells() + cell]);
  }
  const auto moments = test::sample_moments(wins);
  return {moments.mean, std::sqrt(moments.variance / static_cast<double>(wins.size()))};
}

RunResult run(bool quarter_end_effect) {
  RunOptions options;
  options.end_trial = kPipelineTrials;
  options.seed = 5;
  options.threads = 2;
  options.keep_monthly = true;
  return run_trials(test::scenario_from_json(pipeline_document(quarter_end_effect)), options);
}

TEST(PipelineQuarterEnd, MultiplierAppliesInQuarterEndMonthsOnly) {
  const RunResult with = run(true);
  const auto [march, march_se] = mean_wins(with, 2);
  const auto [april, april_se] = mean_wins(with, 3);
  EXPECT_TRUE(test::within_4_se(march, kDeals / 2 * 0.8, march_se)) << march;
  EXPECT_FALSE(test::within_4_se(march, kDeals / 2 * 0.8 * 1.1, march_se));
  EXPECT_TRUE(test::within_4_se(april, kDeals / 2 * 0.5, april_se)) << april;
  // Off by default: March wins at the stage probability, with the same draws as before.
  const RunResult without = run(false);
  const auto [plain_march, plain_se] = mean_wins(without, 2);
  EXPECT_TRUE(test::within_4_se(plain_march, kDeals / 2 * 0.5, plain_se)) << plain_march;
  EXPECT_EQ(mean_wins(without, 3).first, april);
}

//! Pipeline bookings of one month per trial: 100 deals of amount 1 closing in January, won with
//! probability 0.5, in a segment whose won deals are 1, 2, 3 or 10.
//! `scale_cv` > 0: the list's scale is an uncertain assumption, lognormal with mean 1.
test::SampleMoments spread_bookings(bool spread, std::uint64_t trials, double win = 0.5,
                                    double scale_cv = 0.0) {
  nlohmann::json doc = test::base_document(1);
  doc["segments"][0]["deal_size"] = {{"empirical", {1.0, 2.0, 3.0, 10.0}}};
  if (scale_cv > 0) {
    doc["segments"][0]["deal_size"]["scale"] = {
        {"dist", "lognormal"}, {"mean", 1.0}, {"cv", scale_cv}};
  }
  nlohmann::json deals = nlohmann::json::array();
  for (int i = 0; i < 100; ++i) {
    deals.push_back({{"id", fmt::format("D{}", i)},
                     {"region", "NA"},
                     {"segment", "SMB"},
                     {"stage", "open"},
                     {"amount", 1.0},
                     {"expected_close", "2027-01"}});
  }
  doc["pipeline"] = {{"stages", {{{"id", "open"}, {"win_probability", win}}}}, {"deals", deals}};
  if (spread) doc["pipeline"]["amount_spread"] = "deal_size";
  const RunResult result = test::run(test::scenario_from_json(doc), trials, 9);
  return test::sample_moments(test::period_column(
      result, test::period_index(result.layout, "FY2027"), Metric::pipeline_bookings));
}

TEST(PipelineAmountSpread, WonAmountsVaryAsTheirCellsDealSizes) {
  // A won deal books 1 x D / E[D], E[(D / E D)^2] = mean(x^2) / mean(x)^2 = 28.5 / 16, so the
  // month's variance is 100 (0.5 x 28.5 / 16 - 0.25); without the spread 100 x 0.25.
  constexpr std::uint64_t kSpreadTrials = 40'000;
  auto variance_se = [](const test::SampleMoments& m) {
    return std::sqrt((m.m4 - m.variance * m.variance) / static_cast<double>(m.n));
  };
  const double spread_variance = 100 * (0.5 * 28.5 / 16 - 0.25);
  const test::SampleMoments with = spread_bookings(true, kSpreadTrials);
  EXPECT_TRUE(test::within_4_se(with.mean, 50.0, std::sqrt(with.variance / kSpreadTrials)))
      << with.mean;
  EXPECT_TRUE(test::within_4_se(with.variance, spread_variance, variance_se(with)))
      << with.variance;
  EXPECT_FALSE(test::within_4_se(with.variance, 1.05 * spread_variance, variance_se(with)));
  // Off by default: the stated amount is booked as it is.
  const test::SampleMoments without = spread_bookings(false, kSpreadTrials);
  EXPECT_TRUE(test::within_4_se(without.variance, 25.0, variance_se(without))) << without.variance;
  EXPECT_FALSE(test::within_4_se(without.variance, spread_variance, variance_se(without)));
}

// Regression: an open deal's won amount was relative to the trial's drawn mean deal size, so it
// left out the mean's estimation error (scenarios/calibration.md, Parameter uncertainty).
TEST(PipelineAmountSpread, WonAmountsCarryTheDrawnMeanDealSize) {
  // 100 deals won for certain, each 1 x S X / E[X] with X from the list and S, the list's
  // scale, drawn once per trial (mean 1, cv c): Var = (1 + c^2) 100 (28.5 / 16 - 1) + c^2 100^2.
  // Relative to the trial's own mean the second term was missing (variance 100 x 12.5 / 16).
  constexpr std::uint64_t kSpreadTrials = 40'000;
  constexpr double kCv = 0.3;
  const test::SampleMoments with = spread_bookings(true, kSpreadTrials, 1.0, kCv);
  const double se = std::sqrt((with.m4 - with.variance * with.variance) / kSpreadTrials);
  const double expected = (1 + kCv * kCv) * 100 * (28.5 / 16 - 1) + kCv * kCv * 100 * 100;
  EXPECT_TRUE(test::within_4_se(with.mean, 100.0, std::sqrt(with.variance / kSpreadTrials)))
      << with.mean;
  EXPECT_TRUE(test::within_4_se(with.variance, expected, se)) << with.variance << " " << se;
  EXPECT_FALSE(test::within_4_se(with.variance, 1.05 * expected, se)) << with.variance;
  EXPECT_FALSE(test::within_4_se(with.variance, 100 * 12.5 / 16, se)) << with.variance;
}

TEST(PipelineAmountSpread, OnlyNoneOrDealSizeIsAccepted) {
  nlohmann::json doc = test::base_document(1);
  doc["pipeline"] = {{"stages", {{{"id", "open"}, {"win_probability", 0.5}}}},
                     {"amount_spread", "lognormal"}};
  try {
    test::scenario_from_json(doc);
    ADD_FAILURE() << "accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/pipeline/amount_spread"), std::string::npos) << e.what();
    EXPECT_NE(
        std::string(e.what()).find("\"lognormal\" is not allowed (\"none\" or \"deal_size\")"),
        std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace opsim
