#include "models/territory/objective.hpp"

#include <gtest/gtest.h>

#include "sim/io/territory_io.hpp"
#include "tests/models/territory/test_instances.hpp"
#include "tests/test_support.hpp"

namespace opsim::territory {
namespace {

TEST(TerritoryObjective, EvaluatesAHandComputedAlignment) {
  // 4 x 1 line: {A0, A1} centred on A0 and {A2, A3} centred on A3; one moved account.
  Problem problem = test::grid_problem(4, 1, 2);
  problem.balance = {{0, 0.0}};
  for (auto& a : problem.accounts) a.owner = 0;
  Distances distances(problem);
  Alignment alignment{{0, 0, 1, 1}, {0, 3}};
  Evaluation e = evaluate(problem, distances, alignment);
  EXPECT_DOUBLE_EQ(e.compactness, 2.0);
  EXPECT_DOUBLE_EQ(e.max_diameter, 1.0);
  EXPECT_EQ(e.moved_accounts, 2);
  EXPECT_DOUBLE_EQ(e.moved_fraction, 0.5);
  EXPECT_TRUE(e.feasible);
  EXPECT_DOUBLE_EQ(e.tightest_tolerance[0], 0.0);
}

TEST(TerritoryObjective, ReportsTheTightestToleranceWhenBalanceFails) {
  Problem problem = test::grid_problem(4, 1, 2);
  problem.balance = {{0, 0.1}};
  Distances distances(problem);
  Evaluation e = evaluate(problem, distances, Alignment{{0, 0, 0, 1}, {0, 3}});
  EXPECT_FALSE(e.feasible);
  EXPECT_FALSE(e.balance_ok);
  EXPECT_DOUBLE_EQ(e.tightest_tolerance[0], 0.5);  // totals 3 and 1 around a mean of 2
  EXPECT_DOUBLE_EQ(e.territories[0].deviation[0], 0.5);
}

TEST(TerritoryObjective, ChecksLocksCapacityAndContiguity) {
  Problem problem = test::grid_problem(3, 1, 2);
  problem.accounts[1].lock = 1;
  problem.territories[0].capacity = {1.5};
  problem.contiguity = true;
  Distances distances(problem);
  Evaluation e = evaluate(problem, distances, Alignment{{0, 0, 1}, {0, 2}});
  EXPECT_FALSE(e.locks_ok);
  EXPECT_FALSE(e.capacity_ok);
  EXPECT_TRUE(e.contiguity_ok);
  e = evaluate(problem, distances, Alignment{{0, 1, 0}, {0, 1}});
  EXPECT_FALSE(e.contiguity_ok);
}

TEST(TerritoryObjective, LargePlanarDiameterFromTheHullEqualsPairwise) {
  Problem problem = test::grid_problem(70, 50, 1);  // 3500 accounts: above the pairwise limit
  Distances distances(problem);
  std::vector<int> all(problem.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
  EXPECT_NEAR(diameter(problem, distances, all), std::hypot(69.0, 49.0), 1e-12);
}

// The published VNS allocations of Aly, Gabor & Sleptchenko evaluate to their objective (to 4
// decimals) and are feasible at 5% on all three attributes.
TEST(TerritoryObjective, ReproducesPublishedDtdpAllocations) {
  auto dir = test::shared_data_dir();
  OPSIM_REQUIRE_DATA_OR_SKIP(
      !dir.empty() && std::filesystem::is_directory(dir / "territory" / "dtdp"),
      "shared data folder territory/dtdp not found");
  for (int g = 0; g <= 4; ++g) {
    SCOPED_TRACE(g);
    auto base = dir / "territory" / "dtdp" / ("planar500_G" + std::to_string(g));
    territory_io::Instance instance =
        territory_io::load_instance(base.string() + ".graphml", territory_io::Overrides{});
    Distances distances(instance.problem);
    double published = 0.0;
    Alignment alignment =
        territory_io::read_allocation(base.string() + "_vns.json", instance.problem, &published);
    Evaluation e = evaluate(instance.problem, distances, alignment);
    EXPECT_NEAR(e.objective, published, 5e-5);
    EXPECT_TRUE(e.feasible);
    for (double t : e.tightest_tolerance) EXPECT_LE(t, 0.05);
    ASSERT_TRUE(instance.reference.has_value());
    EXPECT_NEAR(*instance.reference, published, 5e-5);
  }
}

}  // namespace
}  // namespace opsim::territory
