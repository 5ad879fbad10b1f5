#include "models/territory/bound.hpp"

#include <filesystem>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "models/territory/exact_cbc.hpp"
#include "sim/io/territory_io.hpp"
#include "tests/models/territory/test_instances.hpp"
#include "tests/test_support.hpp"

namespace opsim::territory {
namespace {

//! A capacitated grid: w x h accounts with demands 1..4 cycling, p territories of capacity
//! `slack` x (total demand / p).
Problem capacitated_grid(int w, int h, int p, double slack) {
  Problem problem = test::grid_problem(w, h, p);
  double total = 0.0;
  for (std::size_t i = 0; i < problem.accounts.size(); ++i) {
    problem.accounts[i].attributes = {1.0 + static_cast<double>(i % 4)};
    total += problem.accounts[i].attributes[0];
  }
  for (Territory& t : problem.territories) t.capacity = {std::ceil(slack * total / p)};
  problem.edges.clear();
  validate(problem, "grid");
  return problem;
}

// The bound is a relaxation's optimum: never above the true optimum, which CBC proves here.
TEST(LagrangianBound, NeverExceedsTheProvenOptimum) {
  for (double slack : {1.05, 1.2, 2.0}) {
    SCOPED_TRACE(slack);
    const Problem problem = capacitated_grid(5, 4, 3, slack);
    Distances distances(problem);
    const SearchResult exact = solve_exact(problem, distances, ExactSettings{});
    ASSERT_TRUE(exact.proven_optimal);
    const std::optional<LowerBound> bound = lagrangian_bound(problem, distances, {});
    ASSERT_TRUE(bound);
    EXPECT_TRUE(bound->exact_knapsacks);
    EXPECT_EQ(bound->attribute, 0);
    const double optimum = exact.evaluation.objective;
    EXPECT_LE(bound->value, optimum * (1 + 1e-9));
    // And it is informative: within 10% of the optimum on these small grids.
    EXPECT_GT(bound->value, 0.9 * optimum);
  }
}

// Published optima (OR-Library pmedcap, Lorena & Senne SJC1, all proven): the bound stays below
// each, and within the gap measured when it was written (1.1%, 6.4% and 0.2%).
TEST(LagrangianBound, IsValidAndTightOnPublishedInstances) {
  const auto dir = test::shared_data_dir() / "territory" / "cpmp";
  OPSIM_REQUIRE_DATA_OR_SKIP(std::filesystem::is_directory(dir),
                             "shared data folder territory/cpmp not found");
  struct Case {
    const char* file;
    double gap;  //!< largest allowed (optimum - bound) / bound
  };
  for (const Case& c :
       {Case{"pmedcap01.txt", 0.02}, Case{"pmedcap08.txt", 0.08}, Case{"SJC1.txt", 0.005}}) {
    SCOPED_TRACE(c.file);
    const auto instance = territory_io::load_instance(dir / c.file, {});
    ASSERT_TRUE(instance.reference);
    Distances distances(instance.problem);
    BoundSettings settings;
    settings.upper = *instance.reference;
    const std::optional<LowerBound> bound = lagrangian_bound(instance.problem, distances, settings);
    ASSERT_TRUE(bound);
    EXPECT_LE(bound->value, *instance.reference * (1 + 1e-9));
    EXPECT_LE((*instance.reference - bound->value) / bound->value, c.gap);
  }
}

// Truncated distances and whole weights make every objective an integer, so the bound rounds up:
// on pmedcap05 that proves the published optimum (663.37 before rounding).
TEST(LagrangianBound, RoundsUpToAnIntegerObjectiveAndProvesPmedcap05) {
  const auto file = test::shared_data_dir() / "territory" / "cpmp" / "pmedcap05.txt";
  OPSIM_REQUIRE_DATA_OR_SKIP(std::filesystem::exists(file), "shared data pmedcap05 not found");
  const auto instance = territory_io::load_instance(file, {});
  Distances distances(instance.problem);
  const auto bound = lagrangian_bound(instance.problem, distances, {});
  ASSERT_TRUE(bound);
  EXPECT_TRUE(bound->rounded_up);
  EXPECT_EQ(bound->value, *instance.reference);
}

TEST(LagrangianBound, IsTheSameOnAnyThreadCount) {
  const Problem problem = capacitated_grid(12, 10, 8, 1.1);
  Distances distances(problem);
  BoundSettings one;
  one.neighbours = 20;  // so that some columns fall back to every account
  BoundSettings two = one;
  two.threads = 2;
  const auto a = lagrangian_bound(problem, distances, one);
  const auto b = lagrangian_bound(problem, distances, two);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->value, b->value);
  EXPECT_EQ(a->iterations, b->iterations);
}

TEST(LagrangianBound, UncapacitatedWithATerritoryPerAccountIsZero) {
  Problem problem = test::grid_problem(3, 3, 9);
  problem.edges.clear();
  validate(problem, "grid");
  Distances distances(problem);
  const auto bound = lagrangian_bound(problem, distances, {});
  ASSERT_TRUE(bound);
  EXPECT_EQ(bound->attribute, -1);
  EXPECT_NEAR(bound->value, 0.0, 1e-9);
  EXPECT_TRUE(bound->relaxation_feasible);
}

TEST(LagrangianBound, RefusesWhatItDoesNotCover) {
  Problem problem = test::grid_problem(3, 3, 2);
  Distances distances(problem);
  problem.objective = ObjectiveKind::dispersion;
  EXPECT_FALSE(lagrangian_bound(problem, distances, {}));
  problem.objective = ObjectiveKind::compactness;
  problem.distance = DistanceKind::none;
  EXPECT_FALSE(lagrangian_bound(problem, distances, {}));
}

}  // namespace
}  // namespace opsim::territory
