// The drivers estimators against closed forms, through the same remap and estimator the command
// uses: synthetic models whose outcome is a known function of named streams.
#include "sim/engine/drivers.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "models/sampling.hpp"
#include "sim/base/error.hpp"
#include "tests/scenario_builder.hpp"

namespace opsim {
namespace {

constexpr std::uint64_t kDriversSeed = 20261129;
constexpr std::uint64_t kSeatKey = 11, kIntensityKey = 22;
const std::string kPointer = "/segments/0/win_rate";

//! One standard normal from (stream, trial, entity) of the factory.
double z(const StreamFactory& streams, StreamId stream, std::uint64_t trial, std::uint64_t entity) {
  TrialRng rng = streams(stream, trial, entity);
  return standard_normal(rng);
}

//! Y = z_pipeline + sqrt(1.5) z_intensity + sqrt(2) z_assumption + sqrt(2.5) z_rep: independent
//! additive parts with variances 1, 1.5, 2 and 2.5 (sum 7).
std::vector<double> additive(std::uint64_t trials, const TrialRemap* remap) {
  const StreamFactory streams(kDriversSeed, remap);
  std::vector<double> y(trials);
  for (std::uint64_t t = 0; t < trials; ++t) {
    y[t] = z(streams, StreamId::pipeline, t, 1) +
           std::sqrt(1.5) * z(streams, StreamId::opportunities, t, kIntensityKey) +
           std::sqrt(2.0) * z(streams, StreamId::assumptions, t, stable_hash(kPointer)) +
           std::sqrt(2.5) * z(streams, StreamId::opportunities, t, kSeatKey);
  }
  return y;
}

//! Four regions sharing one market factor: Y = sum_r (M + e_r), Var = 16 + 4; the market
//! explains 0.8, the regions' own parts (renewals streams) 0.2.
std::vector<double> shared_market(std::uint64_t trials, const TrialRemap* remap) {
  const StreamFactory streams(kDriversSeed, remap);
  std::vector<double> y(trials);
  for (std::uint64_t t = 0; t < trials; ++t) {
    const double market = z(streams, StreamId::market, t, 0);
    for (std::uint64_t r = 0; r < 4; ++r) y[t] += market + z(streams, StreamId::renewals, t, r);
  }
  return y;
}

std::map<std::string, VarianceShare> shares_of(
    const std::function<std::vector<double>(std::uint64_t, const TrialRemap*)>& model,
    std::uint64_t trials) {
  const SourceTable table({kIntensityKey}, {kPointer});
  const std::vector<double> y = model(trials, nullptr);
  std::map<std::string, VarianceShare> out;
  for (const SourceShare& s : estimate_sources(
           table, y, trials, [&](const TrialRemap* remap) { return model(trials, remap); }))
    out[s.source] = s.estimate;
  return out;
}

TEST(Drivers, IndependentAdditiveSourcesShareTheirVarianceOverTheSum) {
  constexpr std::uint64_t trials = 1'600'000;
  const auto shares = shares_of(additive, trials);
  const std::map<std::string, double> expected{{"open pipeline", 1.0 / 7},
                                               {"intensity-given new business", 1.5 / 7},
                                               {kPointer, 2.0 / 7},
                                               {"rep-generated new business", 2.5 / 7}};
  ASSERT_EQ(shares.size(), expected.size());  // sources never drawn (FX, market, ...) left out
  double sum = 0.0;
  for (const auto& [name, share] : expected) {
    const VarianceShare& s = shares.at(name);
    EXPECT_TRUE(test::within_4_se(s.share, share, s.se)) << name << " " << s.share << " ±" << s.se;
    // Negative twin: the same check against a share biased by 5% fails.
    EXPECT_FALSE(test::within_4_se(s.share, 1.05 * share, s.se)) << name;
    EXPECT_NEAR(s.variance, 7.0, 4 * 7.0 * std::sqrt(2.0 / trials));
    EXPECT_NEAR(s.variance_if_fixed, s.variance * (1 - s.share), 1e-9 * s.variance);
    sum += s.share;
  }
  // Additive: no interaction beyond Monte Carlo error.
  EXPECT_NEAR(sum, 1.0, 0.02);
}

TEST(Drivers, SharedMarketFactorExplainsItsSquaredWeight) {
  const auto shares = shares_of(shared_market, 1'000'000);
  ASSERT_EQ(shares.size(), 2U);
  const VarianceShare& market = shares.at("market factor");
  const VarianceShare& own = shares.at("renewals");
  EXPECT_TRUE(test::within_4_se(market.share, 0.8, market.se)) << market.share << " ±" << market.se;
  EXPECT_FALSE(test::within_4_se(market.share, 0.8 * 1.05, market.se));
  EXPECT_TRUE(test::within_4_se(own.share, 0.2, own.se)) << own.share << " ±" << own.se;
  EXPECT_FALSE(test::within_4_se(own.share, 0.2 * 1.05, own.se));
}

//! Y = a + b + a b with a (open pipeline) and b (market) standard normal, Var = 3; an FX stream
//! drawn that never reaches Y. First-order shares 1/3 each; total effects (1 + 1) / 3 each, the
//! product being their interaction; FX has no effect.
std::vector<double> interacting(std::uint64_t trials, const TrialRemap* remap) {
  const StreamFactory streams(kDriversSeed, remap);
  std::vector<double> y(trials);
  for (std::uint64_t t = 0; t < trials; ++t) {
    const double a = z(streams, StreamId::pipeline, t, 1), b = z(streams, StreamId::market, t, 0);
    (void)z(streams, StreamId::fx, t, 0);  // drawn, and without effect
    y[t] = a + b + a * b;
  }
  return y;
}

TEST(Drivers, TotalEffectsHoldTheInteractionAndASourceWithoutEffectIsZeroExactly) {
  constexpr std::uint64_t trials = 400'000;
  const auto shares = shares_of(interacting, trials);
  ASSERT_EQ(shares.size(), 3U);
  for (const char* name : {"open pipeline", "market factor"}) {
    const VarianceShare& s = shares.at(name);
    EXPECT_FALSE(s.no_effect) << name;
    EXPECT_TRUE(test::within_4_se(s.share, 1.0 / 3, s.se)) << name << " " << s.share;
    EXPECT_TRUE(test::within_4_se(s.total, 2.0 / 3, s.total_se)) << name << " " << s.total;
    // Negative twin: a total effect biased by 5% is told apart.
    EXPECT_FALSE(test::within_4_se(s.total, 1.05 * 2.0 / 3, s.total_se)) << name;
  }
  // A source that is drawn but never reaches the outcome: exactly nothing, not noise.
  const VarianceShare& fx = shares.at("FX");
  EXPECT_TRUE(fx.no_effect);
  EXPECT_EQ(fx.share, 0.0);
  EXPECT_EQ(fx.total, 0.0);
  EXPECT_EQ(fx.se, 0.0);
  EXPECT_EQ(fx.variance_if_fixed, fx.variance);
}

TEST(Drivers, SourcesAreSortedLargestFirst) {
  const SourceTable table({kIntensityKey}, {kPointer});
  const std::vector<double> y = additive(20'000, nullptr);
  const auto shares = estimate_sources(
      table, y, 20'000, [](const TrialRemap* remap) { return additive(20'000, remap); });
  ASSERT_EQ(shares.front().source, "rep-generated new business");
  for (std::size_t i = 1; i < shares.size(); ++i)
    EXPECT_GE(shares[i - 1].estimate.share, shares[i].estimate.share);
}

TEST(Drivers, EveryForecastStreamHasASource) {
  const SourceTable table({kIntensityKey}, {kPointer});
  for (StreamId id :
       {StreamId::attrition, StreamId::skill, StreamId::opportunities, StreamId::pipeline,
        StreamId::renewals, StreamId::fx, StreamId::market, StreamId::parameters})
    EXPECT_GE(table.source_of(id, 1), 0);
  EXPECT_EQ(table.source_of(StreamId::assumptions, stable_hash(kPointer)),
            static_cast<int>(SourceGroup::assumption));
  EXPECT_EQ(table.source_of(StreamId::assumptions, stable_hash("/other")), -1);
}

TEST(Drivers, PairedSwingOfAScaledOutcome) {
  // high = 1.1 x, low = 0.9 x of the same draws: the mean swing is 0.2 E[x] = 0.2 x 10.
  const StreamFactory streams(kDriversSeed);
  std::vector<double> low, high;
  for (std::uint64_t t = 0; t < 50'000; ++t) {
    const double x = 10.0 + z(streams, StreamId::pipeline, t, 0);
    low.push_back(0.9 * x);
    high.push_back(1.1 * x);
  }
  const Swing s = paired_swing(low, high, std::nullopt);
  EXPECT_TRUE(test::within_4_se(s.swing, 2.0, s.se)) << s.swing << " ±" << s.se;
  EXPECT_FALSE(test::within_4_se(s.swing, 2.0 * 1.05, s.se));
  // With a target of 10: P(0.9 x >= 10) = P(z >= 1.111), P(1.1 x >= 10) = P(z >= -0.909).
  const Swing p = paired_swing(low, high, 10.0);
  const double expected =
      0.5 * std::erfc(-0.9090909 / std::sqrt(2.0)) - 0.5 * std::erfc(1.1111111 / std::sqrt(2.0));
  EXPECT_TRUE(test::within_4_se(p.swing, expected, p.se)) << p.swing << " ±" << p.se;
  EXPECT_FALSE(test::within_4_se(p.swing, expected * 1.05, p.se));
}

TEST(Drivers, SolveFindsTheValueOfAKnownProbability) {
  // P(v + z >= 0) = Phi(v): 0.7 at v = 0.524401.
  constexpr std::uint64_t trials = 160'000;
  const StreamFactory streams(kDriversSeed);
  std::vector<double> draws;
  for (std::uint64_t t = 0; t < trials; ++t) draws.push_back(z(streams, StreamId::pipeline, t, 0));
  auto p_at = [&](double v) {
    std::vector<double> y;
    for (double d : draws) y.push_back(v + d);
    return reach_probability(y, 0.0);
  };
  const Solution s = solve_for_probability(p_at, -2.0, 2.0, 0.7, trials, "/x");
  EXPECT_TRUE(test::within_4_se(s.value, 0.524401, s.se)) << s.value << " ±" << s.se;
  EXPECT_FALSE(test::within_4_se(s.value, 0.524401 * 1.05, s.se));
  EXPECT_NEAR(s.probability, 0.7, 0.01);
  EXPECT_THROW(solve_for_probability(p_at, -0.1, 0.1, 0.7, trials, "/x"), InfeasibleError);
}

}  // namespace
}  // namespace opsim
