#include "models/territory/labels.hpp"

#include <algorithm>
#include <numeric>

#include <gtest/gtest.h>

#include "tests/models/territory/test_instances.hpp"

namespace opsim::territory {
namespace {

double assignment_cost(const std::vector<std::vector<double>>& cost, const std::vector<int>& to) {
  double sum = 0.0;
  for (std::size_t r = 0; r < cost.size(); ++r) sum += cost[r][to[r]];
  return sum;
}

TEST(TerritoryLabels, AssignmentMatchesBruteForce) {
  // A fixed 6 x 6 matrix with distinct costs: the Hungarian optimum equals the best of 720.
  std::vector<std::vector<double>> cost(6, std::vector<double>(6));
  for (int r = 0; r < 6; ++r)
    for (int c = 0; c < 6; ++c) cost[r][c] = ((r * 7 + c * 13) % 17) + 0.1 * r - 0.05 * c;
  std::vector<int> perm(6);
  std::iota(perm.begin(), perm.end(), 0);
  double best = 1e300;
  do best = std::min(best, assignment_cost(cost, perm));
  while (std::next_permutation(perm.begin(), perm.end()));
  std::vector<int> found = solve_assignment(cost);
  std::vector<int> sorted = found;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, std::vector<int>({0, 1, 2, 3, 4, 5}));
  EXPECT_DOUBLE_EQ(assignment_cost(cost, found), best);
}

// A result that is the current alignment under other labels moves nobody.
TEST(TerritoryLabels, RelabelledCurrentAlignmentReportsZeroMoved) {
  Problem problem = test::grid_problem(6, 4, 4);
  for (Account& a : problem.accounts) a.owner = (a.x < 3 ? 0 : 1) + (a.y < 2 ? 0 : 2);
  const int relabel[4] = {2, 3, 1, 0};
  Alignment alignment;
  for (const Account& a : problem.accounts) alignment.territory.push_back(relabel[a.owner]);
  alignment.centre.assign(4, -1);
  Distances distances(problem);
  ASSERT_GT(evaluate(problem, distances, alignment).moved_accounts, 0);
  match_owner_labels(problem, alignment);
  EXPECT_EQ(evaluate(problem, distances, alignment).moved_accounts, 0);
}

// Relabelling never breaks a lock, a region or a fixed centre: such territories keep labels.
TEST(TerritoryLabels, LockedTerritoriesKeepTheirLabel) {
  Problem problem = test::grid_problem(4, 1, 2);
  problem.accounts[0].owner = problem.accounts[1].owner = 0;
  problem.accounts[2].owner = problem.accounts[3].owner = 1;
  problem.accounts[3].lock = 0;  // the lock wins over matching the owners
  Alignment alignment{{1, 1, 0, 0}, {0, 2}};
  match_owner_labels(problem, alignment);
  EXPECT_EQ(alignment.territory, std::vector<int>({1, 1, 0, 0}));
  problem.accounts[3].lock = -1;
  match_owner_labels(problem, alignment);
  EXPECT_EQ(alignment.territory, std::vector<int>({0, 0, 1, 1}));
  EXPECT_EQ(alignment.centre, std::vector<int>({2, 0}));
}

}  // namespace
}  // namespace opsim::territory
