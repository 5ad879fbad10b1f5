#include "models/territory/distance.hpp"

#include <gtest/gtest.h>

#include "tests/models/territory/test_instances.hpp"

namespace opsim::territory {
namespace {

TEST(TerritoryDistance, HaversineMatchesAKnownDistance) {
  // Paris (2.3522 E, 48.8566 N) to London (0.1278 W, 51.5074 N): about 343.5 km.
  EXPECT_NEAR(haversine_km(2.3522, 48.8566, -0.1278, 51.5074), 343.5, 1.0);
  EXPECT_DOUBLE_EQ(haversine_km(10, 20, 10, 20), 0.0);
}

TEST(TerritoryDistance, FloorTruncatesEuclidean) {
  Problem problem = test::grid_problem(3, 3, 2);
  problem.distance = DistanceKind::euclidean_floor;
  Distances distances(problem);
  EXPECT_DOUBLE_EQ(distances(0, 8), 2.0);  // sqrt(8) = 2.83
  problem.distance = DistanceKind::euclidean;
  EXPECT_NEAR(Distances(problem)(0, 8), std::sqrt(8.0), 1e-12);
}

TEST(TerritoryDistance, ShortestPathsAreSymmetric) {
  Problem problem = test::grid_problem(4, 3, 2);
  problem.distance = DistanceKind::graph;
  problem.edges.push_back({0, 11, 0.5});  // a shortcut across the grid
  Distances distances(problem);
  EXPECT_DOUBLE_EQ(distances(0, 11), 0.5);
  EXPECT_DOUBLE_EQ(distances(1, 10), 2.5);  // 1 -> 0 -> 11 -> 10
  for (int i = 0; i < 12; ++i)
    for (int j = 0; j < 12; ++j) EXPECT_EQ(distances(i, j), distances(j, i));
}

}  // namespace
}  // namespace opsim::territory
