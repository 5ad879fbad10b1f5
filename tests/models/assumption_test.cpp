// Uncertain assumptions: the moments of every distribution family against their closed forms
// (each with a negative twin biased by 5%), and the engine drawing one value per trial.
#include "models/assumption.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "sim/base/error.hpp"
#include "sim/engine/summary.hpp"
#include "tests/scenario_builder.hpp"

namespace opsim {
namespace {

using Family = Distribution::Family;

struct MomentCheck {
  double mean, mean_se, variance, variance_se;
};

//! Sample mean and variance of `n` draws through draw_assumptions, with their standard errors
//! (the variance's from the sample fourth central moment).
MomentCheck drawn_moments(const Distribution& d, std::uint64_t n, std::uint64_t seed = 7) {
  const std::vector<UncertainParameter> parameters{{"/segments/0/win_rate", d, {}}};
  const StreamFactory streams(seed);
  std::vector<double> x;
  for (std::uint64_t t = 0; t < n; ++t) x.push_back(draw_assumptions(parameters, streams, t)[0]);
  const test::SampleMoments m = test::sample_moments(x);
  const double nn = static_cast<double>(n);
  return {m.mean, std::sqrt(m.variance / nn), m.variance,
          std::sqrt(std::max(0.0, m.m4 - m.variance * m.variance) / nn)};
}

Distribution make(Family family, double p1, double p2, double p3 = 0.0) {
  Distribution d;
  d.family = family;
  d.p1 = p1, d.p2 = p2, d.p3 = p3;
  return d;
}

//! `draws` 40,000 or more keep the 5% twins detectable for every family here (kurtosis < 5).
void expect_moments(const char* name, const Distribution& d, double mean, double variance,
                    std::uint64_t draws = 100'000) {
  SCOPED_TRACE(name);
  // The closed forms written out in the test agree with the library's.
  EXPECT_NEAR(d.mean(), mean, 1e-12 * std::abs(mean));
  EXPECT_NEAR(d.variance(), variance, 1e-9 * variance);
  const MomentCheck c = drawn_moments(d, draws);
  EXPECT_TRUE(test::within_4_se(c.mean, mean, c.mean_se)) << c.mean << " vs " << mean;
  EXPECT_TRUE(test::within_4_se(c.variance, variance, c.variance_se))
      << c.variance << " vs " << variance;
  // Negative twins: a 5% bias in either moment is detected.
  EXPECT_FALSE(test::within_4_se(c.mean, 1.05 * mean, c.mean_se));
  EXPECT_FALSE(test::within_4_se(c.variance, 1.05 * variance, c.variance_se));
  // Every draw lies in the support.
  EXPECT_GE(d.quantile(1e-12), d.support_low());
  EXPECT_LE(d.quantile(1 - 1e-12), d.support_high());
}

TEST(AssumptionDraws, TriangularMoments) {
  const double a = 0.0, c = 0.02, b = 0.04;
  expect_moments("triangular", make(Family::triangular, a, c, b), (a + b + c) / 3,
                 (a * a + b * b + c * c - a * b - a * c - b * c) / 18);
  expect_moments("skewed triangular", make(Family::triangular, 1.0, 1.5, 4.0), 6.5 / 3,
                 (1 + 16 + 2.25 - 4 - 1.5 - 6) / 18);
}

TEST(AssumptionDraws, UniformMoments) {
  expect_moments("uniform", make(Family::uniform, 0.2, 0.4), 0.3, 0.04 / 12);
}

TEST(AssumptionDraws, PertMoments) {
  // PERT(min, mode, max): mean (min + 4 mode + max) / 6, variance (mean-min)(max-mean)/7.
  const double lo = 10, mode = 12, hi = 20, mean = (lo + 4 * mode + hi) / 6;
  // Beta quantiles are slow (Boost's inverse incomplete beta): fewer draws.
  expect_moments("pert", make(Family::pert, lo, mode, hi), mean, (mean - lo) * (hi - mean) / 7,
                 40'000);
}

TEST(AssumptionDraws, BetaMoments) {
  const double a = 6, b = 14;
  expect_moments("beta", make(Family::beta, a, b), a / (a + b),
                 a * b / ((a + b) * (a + b) * (a + b + 1)), 40'000);
}

TEST(AssumptionDraws, LognormalMoments) {
  // By mean and coefficient of variation: variance (mean cv)^2.
  expect_moments("lognormal", make(Family::lognormal, 1000, 0.3), 1000, 300.0 * 300.0);
}

TEST(AssumptionDraws, NormalMomentsUntruncatedAndTruncated) {
  expect_moments("normal", make(Family::normal, 5, 2), 5, 4);
  // Truncated to [0, 1] (a probability) from N(0.3, 0.4^2): the closed form of the truncated
  // normal, with alpha = (0 - 0.3) / 0.4 and beta = (1 - 0.3) / 0.4.
  Distribution d = make(Family::normal, 0.3, 0.4);
  d.lower = 0, d.upper = 1;
  const double al = -0.75, be = 1.75;
  auto pdf = [](double x) { return std::exp(-0.5 * x * x) / std::sqrt(2 * M_PI); };
  auto cdf = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
  const double z = cdf(be) - cdf(al), shift = (pdf(al) - pdf(be)) / z;
  expect_moments("truncated normal", d, 0.3 + 0.4 * shift,
                 0.16 * (1 + (al * pdf(al) - be * pdf(be)) / z - shift * shift));
}

TEST(AssumptionDraws, EachParameterHasItsOwnStream) {
  // Adding a second uncertain parameter leaves the first one's draws unchanged.
  const Distribution d = make(Family::uniform, 0, 1);
  const StreamFactory streams(3);
  const std::vector<UncertainParameter> one{{"/a", d, {}}};
  const std::vector<UncertainParameter> two{{"/b", d, {}}, {"/a", d, {}}};
  for (std::uint64_t t = 0; t < 50; ++t) {
    const auto x = draw_assumptions(one, streams, t);
    const auto y = draw_assumptions(two, streams, t);
    EXPECT_EQ(x[0], y[1]);
    EXPECT_NE(y[0], y[1]);
  }
}

//! 50 opportunities a month for 12 months, win rate uniform(0.2, 0.4), deals of 1,000.
nlohmann::json uncertain_win_rate_document() {
  nlohmann::json doc = test::base_document(12);
  doc["segments"][0] = test::fixed_deal_segment(0, 0.3, 1000);
  doc["segments"][0]["win_rate"] = {{"dist", "uniform"}, {"min", 0.2}, {"max", 0.4}};
  doc["new_business_intensity"] = {
      {{"region", "NA"}, {"segment", "SMB"}, {"opportunities_per_month", 50}}};
  return doc;
}

TEST(UncertainScenario, OneUncertainWinRateGivesTheMixtureMoments) {
  const Scenario scenario = test::scenario_from_json(uncertain_win_rate_document());
  ASSERT_EQ(scenario.uncertain.size(), 1u);
  EXPECT_EQ(scenario.uncertain[0].pointer, "/segments/0/win_rate");
  // The fields hold the mean.
  EXPECT_DOUBLE_EQ(scenario.params_at(0, 0, 0).win_rate, 0.3);
  const RunResult result = test::run(scenario, 10'000, 21);
  const auto wins =
      test::period_column(result, test::period_index(result.layout, "FY2027"), Metric::wins);
  const test::SampleMoments m = test::sample_moments(wins);
  // Given w, wins ~ Poisson(600 w): E = 600 E[w]; Var = 600 E[w] + 600^2 Var(w).
  const double n = 600, mean = n * 0.3, variance = n * 0.3 + n * n * 0.04 / 12;
  const double mean_se = std::sqrt(m.variance / 1e4);
  const double variance_se = std::sqrt((m.m4 - m.variance * m.variance) / 1e4);
  EXPECT_TRUE(test::within_4_se(m.mean, mean, mean_se)) << m.mean;
  EXPECT_TRUE(test::within_4_se(m.variance, variance, variance_se)) << m.variance;
  EXPECT_FALSE(test::within_4_se(m.mean, 1.05 * mean, mean_se));
  EXPECT_FALSE(test::within_4_se(m.variance, 1.05 * variance, variance_se));
  // Without the uncertainty the variance is the Poisson one only (the mixture term is real).
  EXPECT_FALSE(test::within_4_se(m.variance, n * 0.3, variance_se));
}

TEST(UncertainScenario, OneAndTwoThreadsAreBitIdentical) {
  const Scenario scenario = test::scenario_from_json(uncertain_win_rate_document());
  const RunResult one = test::run(scenario, 300, 5, 1, 0, 64);
  const RunResult two = test::run(scenario, 300, 5, 2, 0, 7);
  EXPECT_EQ(one.period_values, two.period_values);
  EXPECT_EQ(one.seat_values, two.seat_values);
}

TEST(UncertainScenario, TrialRangesMergeIntoTheSingleRun) {
  // What MPI ranks and shards do: disjoint trial ranges, merged, equal the whole run.
  const Scenario scenario = test::scenario_from_json(uncertain_win_rate_document());
  const RunResult whole = test::run(scenario, 120, 5, 2);
  std::vector<RunResult> parts;
  parts.push_back(test::run(scenario, 77, 5, 1, 43));
  parts.push_back(test::run(scenario, 43, 5, 2, 0));
  const RunResult merged = merge_results(std::move(parts));
  EXPECT_EQ(whole.period_values, merged.period_values);
}

TEST(UncertainScenario, AnUncertainParameterChangesNoOtherDraw) {
  // The mixed scenario with its opportunity rate uncertain but always at its fixed value (a
  // degenerate normal cannot be written; a uniform of width 1e-12 is indistinguishable): the
  // other models' draws (pipeline, renewals, attrition) are unchanged.
  nlohmann::json fixed = test::mixed_document();
  nlohmann::json uncertain = fixed;
  uncertain["pipeline"]["amount_factor"]["mean"] = {
      {"dist", "triangular"}, {"min", 0.9}, {"mode", 0.9}, {"max", 0.9 + 1e-9}};
  // A churn probability outside the seats, pipeline and installed base: the trial scenarios
  // reuse those from the scenario at the means (the fast path), with the same draws.
  nlohmann::json churn = fixed;
  churn["segments"][0]["churn_probability"] = {
      {"dist", "uniform"}, {"min", 0.2}, {"max", 0.2 + 1e-9}};
  const Scenario a = test::scenario_from_json(fixed);
  const Scenario b = test::scenario_from_json(uncertain);
  const Scenario c = test::scenario_from_json(churn);
  ASSERT_EQ(b.uncertain.size(), 1u);
  ASSERT_EQ(c.uncertain.size(), 1u);
  const RunResult ra = test::run(a, 200, 9);
  const RunResult rb = test::run(b, 200, 9);
  const RunResult rc = test::run(c, 200, 9);
  for (std::size_t p = 0; p < ra.layout.periods.size(); ++p) {
    for (Metric m : {Metric::wins, Metric::opportunities, Metric::hires, Metric::departures}) {
      // New business and the workforce touch neither parameter: bit-identical.
      EXPECT_EQ(test::period_column(ra, p, m), test::period_column(rb, p, m));
      EXPECT_EQ(test::period_column(ra, p, m), test::period_column(rc, p, m));
    }
    EXPECT_EQ(test::period_column(ra, p, Metric::pipeline_wins),
              test::period_column(rc, p, Metric::pipeline_wins));
  }
  EXPECT_EQ(ra.seat_values, rc.seat_values);
}

TEST(UncertainScenario, ADistributionOutsideTheAllowedRangeNamesThePointer) {
  nlohmann::json doc = uncertain_win_rate_document();
  doc["segments"][0]["win_rate"] = {
      {"dist", "triangular"}, {"min", 0.5}, {"mode", 0.8}, {"max", 1.2}};
  try {
    (void)test::scenario_from_json(doc);
    FAIL() << "a win rate reaching 1.2 was accepted";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("/segments/0/win_rate"), std::string::npos) << message;
    EXPECT_NE(message.find("1.2"), std::string::npos) << message;
    EXPECT_NE(message.find("0..1"), std::string::npos) << message;
  }
}

TEST(UncertainScenario, BadSpecificationsAreRefused) {
  auto refused = [](nlohmann::json spec, const std::string& expected) {
    nlohmann::json doc = uncertain_win_rate_document();
    doc["segments"][0]["win_rate"] = std::move(spec);
    try {
      (void)test::scenario_from_json(doc);
      ADD_FAILURE() << "accepted; expected " << expected;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  };
  refused({{"dist", "weibull"}}, "is not a distribution");
  refused({{"dist", "uniform"}, {"min", 0.4}, {"max", 0.2}}, "must be below max");
  refused({{"dist", "triangular"}, {"min", 0.1}, {"mode", 0.5}, {"max", 0.3}}, "mode 0.5");
  refused({{"dist", "lognormal"}, {"mean", 0.3}, {"cv", 0.2}}, "infinity");
  refused({{"dist", "uniform"}, {"min", 0.2}, {"max", 0.4}, {"mode", 0.3}}, "mode");
}

TEST(UncertainScenario, WholeNumbersAndFactsCannotBeUncertain) {
  nlohmann::json doc = uncertain_win_rate_document();
  doc["targets"] = {
      {{"fiscal_year", 2027}, {"amount", {{"dist", "uniform"}, {"min", 1}, {"max", 2}}}}};
  EXPECT_THROW((void)test::scenario_from_json(doc), InputError);
  nlohmann::json lag = test::mixed_document();
  lag["segments"][0]["backfill_lag_months"] = {{"dist", "uniform"}, {"min", 1}, {"max", 3}};
  EXPECT_THROW((void)test::scenario_from_json(lag), InputError);
}

TEST(UncertainScenario, LognormalIsAcceptedForAPositiveParameter) {
  // Its low end, 0, is only approached: building the scenario there (which a deal size refuses)
  // used to reject every lognormal on a positive parameter.
  nlohmann::json doc = uncertain_win_rate_document();
  doc["segments"][0]["win_rate"] = 0.3;
  doc["segments"][0]["deal_size"]["mean"] = {{"dist", "lognormal"}, {"mean", 1000}, {"cv", 0.2}};
  const Scenario scenario = test::scenario_from_json(doc);
  ASSERT_EQ(scenario.uncertain.size(), 1u);
  EXPECT_EQ(scenario.uncertain[0].pointer, "/segments/0/deal_size/mean");
  EXPECT_DOUBLE_EQ(scenario.params_at(0, 0, 0).deal_size.mean, 1000.0);
  // A uniform reaching 0 on the same parameter is still built at 0 and refused.
  doc["segments"][0]["deal_size"]["mean"] = {{"dist", "uniform"}, {"min", 0.0}, {"max", 2000.0}};
  EXPECT_THROW((void)test::scenario_from_json(doc), InputError);
}

TEST(UncertainScenario, NormalIsTruncatedToTheParametersRange) {
  nlohmann::json doc = uncertain_win_rate_document();
  doc["segments"][0]["win_rate"] = {{"dist", "normal"}, {"mean", 0.9}, {"sd", 0.2}};
  const Scenario scenario = test::scenario_from_json(doc);
  ASSERT_EQ(scenario.uncertain.size(), 1u);
  EXPECT_EQ(scenario.uncertain[0].distribution.lower, 0.0);
  EXPECT_EQ(scenario.uncertain[0].distribution.upper, 1.0);
  EXPECT_LT(scenario.params_at(0, 0, 0).win_rate, 0.9);  // the truncated mean
}

}  // namespace
}  // namespace opsim
