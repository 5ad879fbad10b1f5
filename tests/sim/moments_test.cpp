// Moments reduced over a fixed binary tree (sim/engine/moments.*): the same bits however trials
// are grouped, and the mean and variance of the values.
#include "sim/engine/moments.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace opsim {
namespace {

std::vector<double> trial_values(std::uint64_t trial, std::size_t cells) {
  std::vector<double> values(cells);
  for (std::size_t c = 0; c < cells; ++c)
    values[c] = 1000.0 * static_cast<double>(c) + 1.0 / static_cast<double>(trial % 7 + 1 + c);
  return values;
}

// add_trial combines an odd trial into the leaf before it in place; that must give the bits of
// one-trial trees merged with combine_into (as shards of one trial each would be).
TEST(MomentTree, TrialsAddedInOrderEqualSingleTrialTreesMerged) {
  constexpr std::size_t kCells = 5;
  constexpr std::uint64_t kTrials = 23;
  MomentTree whole(kCells);
  std::vector<MomentTree> singles;
  for (std::uint64_t t = 0; t < kTrials; ++t) {
    const auto values = trial_values(t, kCells);
    whole.add_trial(t, values.data());
    MomentTree single(kCells);
    single.add_trial(t, values.data());
    singles.push_back(std::move(single));
  }
  const Moments a = whole.finish();
  const Moments b = MomentTree::merge(std::move(singles)).finish();
  EXPECT_EQ(a.count, kTrials);
  EXPECT_EQ(a.mean, b.mean);  // bit for bit
  EXPECT_EQ(a.variance, b.variance);
}

TEST(MomentTree, MeanAndVarianceMatchTwoPassSums) {
  constexpr std::size_t kCells = 3;
  constexpr std::uint64_t kTrials = 37;
  MomentTree tree(kCells);
  std::vector<std::vector<double>> all;
  for (std::uint64_t t = 0; t < kTrials; ++t) {
    all.push_back(trial_values(t, kCells));
    tree.add_trial(t, all.back().data());
  }
  const Moments m = tree.finish();
  for (std::size_t c = 0; c < kCells; ++c) {
    double mean = 0.0;
    for (const auto& v : all) mean += v[c];
    mean /= kTrials;
    double squares = 0.0;
    for (const auto& v : all) squares += (v[c] - mean) * (v[c] - mean);
    EXPECT_NEAR(m.mean[c], mean, 1e-12 * (1.0 + mean));
    EXPECT_NEAR(m.variance[c], squares / (kTrials - 1), 1e-9 * squares / (kTrials - 1));
    EXPECT_GT(m.variance[c], 0.0);
  }
}

}  // namespace
}  // namespace opsim
