#include "models/territory/problem.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/base/error.hpp"
#include "tests/models/territory/test_instances.hpp"

namespace opsim::territory {
namespace {

using ::testing::HasSubstr;

std::string validation_message(const Problem& problem) {
  try {
    validate(problem, "input.csv");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(TerritoryProblem, AcceptsAValidGrid) {
  EXPECT_NO_THROW(validate(test::grid_problem(4, 4, 4), "grid"));
}

TEST(TerritoryProblem, RefusesMoreTerritoriesThanAccounts) {
  EXPECT_THAT(validation_message(test::grid_problem(2, 2, 5)),
              HasSubstr("5 territories requested but only 4 accounts"));
}

TEST(TerritoryProblem, RefusesDisconnectedGraphWithContiguity) {
  Problem problem = test::grid_problem(3, 3, 2);
  problem.edges.erase(problem.edges.begin());      // A0-A1
  problem.edges.erase(problem.edges.begin() + 1);  // A0-A3
  problem.contiguity = true;
  // The parts by size, and the accounts outside the largest named (review: named none).
  EXPECT_THAT(validation_message(problem),
              HasSubstr("2 disconnected parts (1, 8 accounts); contiguity requires a connected "
                        "graph: join the parts by adjacency rows (1 account outside the largest "
                        "part: 'A0')"));
}

TEST(TerritoryProblem, RefusesNegativeAttributeAndNanCoordinates) {
  Problem problem = test::grid_problem(2, 2, 2);
  problem.accounts[1].attributes[0] = -3;
  EXPECT_THAT(validation_message(problem), HasSubstr("potential = -3 is not allowed"));
  problem = test::grid_problem(2, 2, 2);
  problem.accounts[2].x = std::nan("");
  EXPECT_THAT(validation_message(problem), HasSubstr("not finite"));
}

TEST(TerritoryProblem, RefusesGraphDistancesBeyondTheLimitUpFront) {
  Problem problem = test::grid_problem(2, 2, 2);
  problem.distance = DistanceKind::graph;
  problem.accounts.resize(kMaxGraphAccounts + 1, problem.accounts.back());
  EXPECT_THAT(validation_message(problem), HasSubstr("too many for shortest-path distances"));
}

TEST(TerritoryProblem, RefusesConflictingLocksInOneGroup) {
  Problem problem = test::grid_problem(2, 2, 2);
  for (auto& a : problem.accounts) a.group = 0;
  problem.accounts[0].lock = 0;
  problem.accounts[1].lock = 1;
  EXPECT_THAT(validation_message(problem), HasSubstr("its group is locked to 'T1'"));
}

TEST(TerritoryProblem, GroupsBecomeUnitsWithSummedAttributes) {
  Problem problem = test::grid_problem(3, 1, 2);
  problem.accounts[0].group = 7;
  problem.accounts[2].group = 7;
  auto units = make_units(problem);
  ASSERT_EQ(units.size(), 2u);
  EXPECT_EQ(units[0].accounts, (std::vector<int>{0, 2}));
  EXPECT_DOUBLE_EQ(units[0].totals[0], 2.0);
}

TEST(TerritoryProblem, SplitsTerritoriesOverRegionsByAccountCount) {
  Problem problem = test::grid_problem(4, 2, 4);
  problem.region_names = {"East", "West"};
  for (std::size_t i = 0; i < problem.size(); ++i) problem.accounts[i].region = i < 6 ? 0 : 1;
  assign_territory_regions(problem);
  int east = 0;
  for (const auto& t : problem.territories) east += t.region == 0;
  EXPECT_EQ(east, 3);
}

}  // namespace
}  // namespace opsim::territory
