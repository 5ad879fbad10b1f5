#include "models/territory/local_search.hpp"

#include <cmath>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "models/territory/exact_cbc.hpp"
#include "models/territory/generate.hpp"
#include "sim/io/territory_io.hpp"
#include "tests/models/territory/test_instances.hpp"
#include "tests/test_support.hpp"

namespace opsim::territory {
namespace {

constexpr int kRelinkAccounts = 60, kRelinkTerritories = 6, kRelinkIdle = 10;
constexpr std::uint64_t kRelinkSeed = 1;
//! Large enough that a start's first descent takes several rounds of 250,000 evaluations.
constexpr int kFirstDescentAccounts = 2000, kFirstDescentTerritories = 200;

SearchSettings quick(int threads = 1) {
  SearchSettings settings;
  settings.seed = 7;
  settings.threads = threads;
  settings.starts = 4;
  settings.max_idle = 60;
  settings.time_limit = 120;  // never reached: runs end by max_idle, so they are reproducible
  return settings;
}

TEST(TerritoryLocalSearch, MatchesTheExactOptimumOnABalancedGrid) {
  Problem problem = test::grid_problem(6, 6, 3);
  problem.balance = {{0, 0.0}};
  validate(problem, "grid");
  Distances distances(problem);
  SearchResult heuristic = optimise(problem, distances, quick());
  SearchResult exact = solve_exact(problem, distances, ExactSettings{});
  ASSERT_TRUE(exact.proven_optimal);
  EXPECT_TRUE(heuristic.evaluation.feasible);
  EXPECT_NEAR(heuristic.evaluation.objective, exact.evaluation.objective, 1e-9);
}

TEST(TerritoryLocalSearch, SameSeedSameAlignmentWhateverTheThreadCount) {
  Problem problem = test::grid_problem(12, 10, 6);
  problem.balance = {{0, 0.05}};
  validate(problem, "grid");
  Distances distances(problem);
  SearchResult one = optimise(problem, distances, quick(1));
  SearchResult again = optimise(problem, distances, quick(1));
  SearchResult two = optimise(problem, distances, quick(2));
  EXPECT_EQ(one.alignment.territory, again.alignment.territory);
  EXPECT_EQ(one.alignment.territory, two.alignment.territory);
  EXPECT_EQ(one.best_start, two.best_start);
  EXPECT_EQ(one.evaluation.objective, two.evaluation.objective);
}

TEST(TerritoryLocalSearch, InfeasibleBalanceIsAResultNotAFailure) {
  // One account carries 50 of 65 potential: no 4-way split is within 5%.
  Problem problem = test::grid_problem(4, 4, 4, 50.0);
  problem.balance = {{0, 0.05}};
  validate(problem, "grid");
  Distances distances(problem);
  SearchResult r = optimise(problem, distances, quick());
  EXPECT_FALSE(r.evaluation.feasible);
  EXPECT_FALSE(r.time_to_feasible.has_value());  // never claims a feasible time it did not have
  ASSERT_EQ(r.evaluation.tightest_tolerance.size(), 1u);
  // The best possible: the big account alone (50 / 16.25 - 1 = 2.077).
  EXPECT_NEAR(r.evaluation.tightest_tolerance[0], 50.0 / 16.25 - 1.0, 1e-9);
}

TEST(TerritoryLocalSearch, HonoursLocksGroupsAndTheMovedCap) {
  Problem problem = test::grid_problem(6, 6, 3);
  for (std::size_t i = 0; i < problem.size(); ++i)
    problem.accounts[i].owner = static_cast<int>(i % 3);
  problem.accounts[0].lock = 2;
  problem.accounts[35].group = 1;
  problem.accounts[5].group = 1;
  problem.balance = {{0, 0.1}};
  problem.disruption.max_moved_fraction = 0.5;
  validate(problem, "grid");
  Distances distances(problem);
  SearchResult r = optimise(problem, distances, quick());
  EXPECT_TRUE(r.evaluation.feasible);
  EXPECT_EQ(r.alignment.territory[0], 2);
  EXPECT_EQ(r.alignment.territory[35], r.alignment.territory[5]);
  EXPECT_LE(r.evaluation.moved_fraction, 0.5 + 1e-12);
}

TEST(TerritoryLocalSearch, KeepsTerritoriesContiguousWhenRequired) {
  Problem problem = test::grid_problem(8, 6, 4);
  problem.contiguity = true;
  problem.balance = {{0, 0.1}};
  validate(problem, "grid");
  Distances distances(problem);
  SearchResult r = optimise(problem, distances, quick());
  EXPECT_TRUE(r.evaluation.contiguity_ok);
  EXPECT_TRUE(r.evaluation.feasible);
}

// Review: with contiguity and tight balance every start of some seeds ended infeasible within a
// second of a 20 s limit ("search converged", exit 3) while other seeds found feasible
// alignments. While none is feasible, more starts run (their own streams).
TEST(TerritoryLocalSearch, MoreStartsRunWhileNoneIsFeasible) {
  Problem problem = test::grid_problem(10, 8, 8);
  for (std::size_t i = 0; i < problem.size(); ++i)
    problem.accounts[i].attributes[0] = 1.0 + static_cast<double>((i * 7) % 11);
  problem.contiguity = true;
  problem.balance = {{0, 0.03}};
  validate(problem, "grid");
  Distances distances(problem);
  int feasible = 0, more = 0;
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    SearchSettings settings = quick();
    settings.seed = seed;
    settings.starts = 2;
    settings.max_idle = 5;
    const SearchResult r = optimise(problem, distances, settings);
    feasible += r.evaluation.feasible ? 1 : 0;
    more += r.starts_run > 2 ? 1 : 0;
    EXPECT_TRUE(!r.evaluation.feasible || r.evaluation.contiguity_ok);
  }
  // Four of the seeds' two starts end infeasible: without more starts 8 of 12 are feasible.
  EXPECT_EQ(feasible, 12);
  EXPECT_GT(more, 0);
}

TEST(TerritoryLocalSearch, BalancesNamedAccountsWithoutGeography) {
  Problem problem = test::grid_problem(5, 4, 4);
  problem.distance = DistanceKind::none;
  for (std::size_t i = 0; i < problem.size(); ++i) problem.accounts[i].attributes[0] = 1.0 + i % 5;
  problem.balance = {{0, 0.0}};
  validate(problem, "named");
  Distances distances(problem);
  SearchResult r = optimise(problem, distances, quick());
  EXPECT_TRUE(r.evaluation.feasible);  // 60 potential, 15 per territory exactly
}

TEST(TerritoryLocalSearch, DispersionShrinksTheLargestDiameter) {
  Problem problem = test::grid_problem(8, 8, 4);
  problem.objective = ObjectiveKind::dispersion;
  problem.distance = DistanceKind::graph;
  problem.balance = {{0, 0.0}};
  validate(problem, "grid");
  Distances distances(problem);
  SearchResult r = optimise(problem, distances, quick());
  EXPECT_TRUE(r.evaluation.feasible);
  EXPECT_LE(r.evaluation.objective, 6.0);  // 4x4 quadrants: corner to corner 3 + 3
}

// OR-Library capacitated p-median: the heuristic reaches the published optimum.
TEST(TerritoryLocalSearch, ReachesPmedcapOptima) {
  auto dir = test::shared_data_dir();
  OPSIM_REQUIRE_DATA_OR_SKIP(
      !dir.empty() && std::filesystem::is_directory(dir / "territory" / "cpmp"),
      "shared data folder territory/cpmp not found");
  for (int k : {1, 2, 4, 5}) {
    SCOPED_TRACE(k);
    char name[32];
    std::snprintf(name, sizeof name, "pmedcap%02d.txt", k);
    auto instance = territory_io::load_instance(dir / "territory" / "cpmp" / name, {});
    Distances distances(instance.problem);
    SearchSettings settings = quick();
    settings.starts = 8;
    settings.max_idle = 200;
    SearchResult r = optimise(instance.problem, distances, settings);
    EXPECT_TRUE(r.evaluation.feasible);
    EXPECT_DOUBLE_EQ(r.evaluation.objective, *instance.reference);
  }
}

//! A generated realignment where compactness pulls against contiguity: 2 x 100 accounts in two
//! rows 0.1 apart, the adjacency a path along row 0 and back along row 1 (the rows touch only at
//! the right end), potentials 100..110 drawn by the generator. The current owners are 8
//! consecutive path segments; the last account of segments 1-3 is locked to the next segment.
//! That current alignment with the locks applied is contiguous, within 10% on potential and moves
//! 1.5% of it, so it is feasible; the rows' nearness tempts a search into splitting territories.
Problem folded_path_realignment() {
  constexpr int kRow = 100, kTerritories = 8;
  GeneratorSettings generator;
  generator.accounts = 2 * kRow;
  generator.territories = kTerritories;
  generator.geographic = false;
  Problem generated = generate_instance(generator);
  Problem problem;
  problem.name = "folded path";
  problem.attribute_names = {"potential"};
  for (int k = 0; k < 2 * kRow; ++k) {
    Account a;
    a.id = fmt::format("A{}", k);
    a.x = k % kRow;
    a.y = 0.1 * (k / kRow);
    a.attributes = {100.0 + std::fmod(generated.accounts[k].attributes[0], 11.0)};
    problem.accounts.push_back(a);
  }
  std::vector<int> path;
  for (int i = 0; i < kRow; ++i) path.push_back(i);
  for (int i = kRow - 1; i >= 0; --i) path.push_back(kRow + i);
  for (std::size_t k = 1; k < path.size(); ++k)
    problem.edges.push_back({path[k - 1], path[k], 1.0});
  const int segment = 2 * kRow / kTerritories;
  for (std::size_t k = 0; k < path.size(); ++k)
    problem.accounts[path[k]].owner = static_cast<int>(k) / segment;
  for (int t = 1; t <= 3; ++t) problem.accounts[path[t * segment - 1]].lock = t;
  problem.territories.resize(kTerritories);
  for (int t = 0; t < kTerritories; ++t) problem.territories[t].id = fmt::format("T{}", t + 1);
  problem.contiguity = true;
  problem.balance = {{0, 0.10}};
  problem.disruption.measure_attribute = 0;
  problem.disruption.max_moved_fraction = 0.35;
  return problem;
}

TEST(TerritoryLocalSearch, CombinedConstraintsKeepTheFeasibleRepairedCurrentAlignment) {
  Problem problem = folded_path_realignment();
  validate(problem, "folded path");
  Distances distances(problem);
  Alignment current;
  for (const Account& a : problem.accounts)
    current.territory.push_back(a.lock >= 0 ? a.lock : a.owner);
  ASSERT_TRUE(evaluate(problem, distances, current).feasible);  // the instance is as described
  SearchResult r = optimise(problem, distances, quick());
  EXPECT_TRUE(r.evaluation.feasible);
  EXPECT_TRUE(r.evaluation.contiguity_ok);
  EXPECT_LE(r.evaluation.moved_fraction, 0.35 + 1e-12);
  ASSERT_TRUE(r.time_to_feasible.has_value());
  EXPECT_LE(*r.time_to_feasible, r.time_to_best + 1e-12);
}

//! The compactness of `alignment` with every territory on its exact 1-median, recomputed here.
double median_compactness(const Problem& problem, const Distances& distances,
                          const Alignment& alignment) {
  double total = 0.0;
  for (int t = 0; t < problem.territory_count(); ++t) {
    double best = kInfinity;
    for (std::size_t c = 0; c < problem.size(); ++c) {
      if (alignment.territory[c] != t) continue;
      double cost = 0.0;
      for (std::size_t i = 0; i < problem.size(); ++i)
        if (alignment.territory[i] == t)
          cost += problem.accounts[i].weight * distances(static_cast<int>(i), static_cast<int>(c));
      best = std::min(best, cost);
    }
    if (best < kInfinity) total += best;
  }
  return total;
}

// Review: a realignment adding a territory nobody owns left it without a centre, so the accounts
// it gained cost nothing: it gathered scattered accounts and the objective left them out (742.6
// printed, 1,378.1 recomputed), and centres were not their territories' 1-medians. Six uneven
// column bands own a jittered 20 x 15 grid of skewed potentials and T7 is vacant (the review's
// shape): every territory is centred on a member and the objective is the compactness
// recomputed with exact 1-medians (the old search, 759 printed, fails both).
TEST(TerritoryLocalSearch, AVacantTerritoryIsCentredAndItsAccountsCost) {
  Problem problem = test::grid_problem(20, 15, 7);
  const int cuts[] = {0, 3, 7, 10, 13, 17, 20};
  for (Account& a : problem.accounts) {
    const int i = static_cast<int>(a.x), j = static_cast<int>(a.y);
    a.owner = 0;
    while (i >= cuts[a.owner + 1]) ++a.owner;
    a.x += 0.3 * (((i * 7 + j * 13) % 11) / 5.0 - 1);
    a.y += 0.3 * (((i * 5 + j * 3) % 7) / 3.0 - 1);
    a.attributes = {20 * std::pow(1 + ((i * 37 + j * 91) % 17) / 8.0, 1.5)};
  }
  problem.edges.clear();
  problem.balance = {{0, 0.1}};
  validate(problem, "vacant");
  Distances distances(problem);
  SearchSettings settings;
  settings.threads = 1;
  settings.work_limit = 50;
  settings.time_limit = 120;  // never reached: the work limit ends the search, reproducibly
  const SearchResult r = optimise(problem, distances, settings);
  ASSERT_TRUE(r.evaluation.feasible);
  const double recomputed = median_compactness(problem, distances, r.alignment);
  EXPECT_NEAR(r.evaluation.compactness, recomputed, 1e-9 * recomputed);
  for (int t = 0; t < problem.territory_count(); ++t) {
    ASSERT_GE(r.alignment.centre[t], 0) << t;
    EXPECT_EQ(r.alignment.territory[r.alignment.centre[t]], t) << t;
  }
}

// Review: a current alignment with enclaves (isolated accounts inside another territory) under
// contiguity and a cap on moves came out infeasible ("violated contiguity", exit 3), its
// enclaves kept: every move out of a territory in pieces was refused, the enclaves' own first.
// Three enclaves on a 12 x 8 grid of four column territories, 10% of accounts movable: the
// search returns a feasible, contiguous alignment.
TEST(TerritoryLocalSearch, EnclavesOfTheCurrentAlignmentAreRepairedUnderContiguity) {
  Problem problem = test::grid_problem(12, 8, 4);
  for (Account& a : problem.accounts) a.owner = static_cast<int>(a.x) / 3;
  for (int enclave : {13, 40, 77}) problem.accounts[enclave].owner = 3;  // inside T1..T3
  problem.contiguity = true;
  problem.balance = {{0, 0.1}};
  problem.disruption.max_moved_fraction = 0.10;
  validate(problem, "enclaves");
  Distances distances(problem);
  Alignment current;
  for (const Account& a : problem.accounts) current.territory.push_back(a.owner);
  ASSERT_FALSE(evaluate(problem, distances, current).contiguity_ok);  // as described
  const SearchResult r = optimise(problem, distances, quick());
  EXPECT_TRUE(r.evaluation.contiguity_ok);
  EXPECT_TRUE(r.evaluation.feasible);
  EXPECT_LE(r.evaluation.moved_fraction, 0.10 + 1e-12);
}

// The effort budget counts evaluations, not time: equal budgets give equal alignments whatever
// the thread count, and the search stops when the budget is spent.
TEST(TerritoryLocalSearch, SameWorkLimitSameAlignment) {
  Problem problem = test::grid_problem(16, 12, 6);
  problem.balance = {{0, 0.05}};
  validate(problem, "grid");
  Distances distances(problem);
  SearchSettings settings = quick();
  settings.max_idle = 1000000;  // only the budget ends a start
  settings.work_limit = 0.2;    // 200,000 evaluations in all
  SearchResult one = optimise(problem, distances, settings);
  settings.threads = 2;
  SearchResult two = optimise(problem, distances, settings);
  EXPECT_TRUE(one.stopped_by_work);
  EXPECT_FALSE(one.stopped_by_time);
  EXPECT_EQ(one.alignment.territory, two.alignment.territory);
  EXPECT_EQ(one.work, two.work);
  EXPECT_EQ(one.evaluation.objective, two.evaluation.objective);
  settings.work_limit = 0.4;
  SearchResult more = optimise(problem, distances, settings);
  EXPECT_GT(more.work, one.work);
}

//! A generated capacitated p-median instance (planar clustered points, demand = the generator's
//! workload 10..40, one capacity per median at 90% utilisation): the SJC/pmedcap shape, small
//! enough for CBC to prove its optimum in a second.
Problem capacitated_instance(int accounts, int territories, std::uint64_t seed) {
  GeneratorSettings generator;
  generator.accounts = accounts;
  generator.territories = territories;
  generator.geographic = false;
  generator.seed = seed;
  Problem problem = generate_instance(generator);
  problem.attribute_names = {"demand"};
  double total = 0.0;
  for (Account& a : problem.accounts) {
    a.attributes = {a.attributes[1]};
    total += a.attributes[0];
  }
  problem.balance.clear();
  for (Territory& t : problem.territories) t.capacity = {std::ceil(total / (0.9 * territories))};
  return problem;
}

// Path relinking between the best starts keeps or improves the multistart result and reaches
// the proven optimum where short starts alone may stop above it.
TEST(TerritoryLocalSearch, PathRelinkingReachesTheExactCapacitatedOptimum) {
  Problem problem = capacitated_instance(kRelinkAccounts, kRelinkTerritories, kRelinkSeed);
  validate(problem, "capacitated");
  Distances distances(problem);
  ExactSettings exact_settings;
  exact_settings.time_limit = 60;
  SearchResult exact = solve_exact(problem, distances, exact_settings);
  ASSERT_TRUE(exact.proven_optimal);
  SearchSettings settings = quick();
  settings.max_idle = kRelinkIdle;
  settings.relink_rounds = 0;
  SearchResult starts_only = optimise(problem, distances, settings);
  settings.relink_rounds = 3;
  SearchResult relinked = optimise(problem, distances, settings);
  EXPECT_GT(relinked.relinks_run, 0);
  EXPECT_TRUE(relinked.evaluation.feasible);
  EXPECT_LE(relinked.evaluation.objective, starts_only.evaluation.objective);
  EXPECT_NEAR(relinked.evaluation.objective, exact.evaluation.objective,
              1e-9 * exact.evaluation.objective);
}

// Relinking keeps --work-limit runs reproducible: the same budget, stopping the search during
// its relinking and continuation stages, gives the same alignment on one and two threads, run
// after run.
TEST(TerritoryLocalSearch, PathRelinkingWithAWorkLimitIsReproducibleOnTwoThreads) {
  Problem problem = capacitated_instance(120, 8, 3);
  validate(problem, "capacitated");
  Distances distances(problem);
  SearchSettings settings = quick(2);
  settings.max_idle = kRelinkIdle;  // starts end, then relinking and continuations
  const SearchResult converged = optimise(problem, distances, settings);
  ASSERT_EQ(converged.stop_reason, StopReason::converged);
  settings.work_limit = 0.9 * static_cast<double>(converged.work) / 1e6;
  SearchResult first = optimise(problem, distances, settings);
  SearchResult second = optimise(problem, distances, settings);
  settings.threads = 1;
  SearchResult one = optimise(problem, distances, settings);
  EXPECT_GT(first.relinks_run, 0);
  EXPECT_TRUE(first.stopped_by_work);
  EXPECT_EQ(first.alignment.territory, second.alignment.territory);
  EXPECT_EQ(first.alignment.territory, one.alignment.territory);
  EXPECT_EQ(first.best_start, one.best_start);
  EXPECT_EQ(first.relinks_run, one.relinks_run);
  EXPECT_EQ(first.work, one.work);
  EXPECT_EQ(first.evaluation.objective, second.evaluation.objective);
  EXPECT_LE(converged.evaluation.objective, first.evaluation.objective);  // more effort
}

// The search is monotone in effort: with the same seed a larger work limit runs the same rounds
// and more, so it never returns a worse objective. (A longer --time-limit could return a worse
// alignment when the limit set each start's share of the time.)
//! Objectives for doubling work limits from `first` (millions), same seed, two threads.
std::vector<double> objectives_for_doubling_limits(const Problem& problem, double first) {
  Distances distances(problem);
  SearchSettings settings = quick(2);
  settings.max_idle = 0;  // by size: starts end, so that relinking and continuations are reached
  std::vector<double> objectives;
  for (double limit = first; limit <= 16 * first; limit *= 2) {
    settings.work_limit = limit;
    const SearchResult result = optimise(problem, distances, settings);
    EXPECT_TRUE(result.evaluation.feasible) << problem.name << " " << limit;
    EXPECT_EQ(result.stop_reason, StopReason::work_limit) << problem.name << " " << limit;
    objectives.push_back(result.evaluation.objective);
  }
  return objectives;
}

void expect_never_worse(const std::vector<double>& objectives) {
  for (std::size_t k = 1; k < objectives.size(); ++k)
    EXPECT_LE(objectives[k], objectives[k - 1]) << "limit " << k;
}

TEST(TerritoryLocalSearch, LargerWorkLimitNeverGivesAWorseObjective) {
  Problem generated = capacitated_instance(120, 8, 3);
  validate(generated, "capacitated");
  expect_never_worse(objectives_for_doubling_limits(generated, 0.05));
  auto dir = test::shared_data_dir();
  OPSIM_REQUIRE_DATA_OR_SKIP(!dir.empty(), "shared data folder not found");
  auto sjc1 = territory_io::load_instance(dir / "territory" / "cpmp" / "SJC1.txt", {});
  const std::vector<double> objectives = objectives_for_doubling_limits(sjc1.problem, 2.0);
  expect_never_worse(objectives);
  // The limits matter on SJC1 (2 to 32 million evaluations): a search that got worse with more
  // effort would show here.
  EXPECT_LT(objectives.back(), objectives.front());
}

// A start's first descent pauses in the work rounds like its VNS: a work limit of about one
// round per start stops a large instance's first descents part-way (they ran to their end, so
// that one start took minutes on 3,000 accounts and 600 territories), with the same result on
// any thread count and never a worse one for a larger limit.
TEST(TerritoryLocalSearch, FirstDescentPausesInWorkRounds) {
  Problem problem = capacitated_instance(kFirstDescentAccounts, kFirstDescentTerritories, 5);
  validate(problem, "capacitated");
  Distances distances(problem);
  SearchSettings settings = quick();
  settings.starts = 2;
  settings.max_idle = 1;
  // A descent step (a shift pass and what follows it) is about 3.3 million evaluations here, the
  // first descent many steps: each limit stops both starts in their first descent.
  std::vector<SearchResult> results;
  for (double limit : {4.0, 8.0, 16.0}) {
    settings.work_limit = limit;
    results.push_back(optimise(problem, distances, settings));
    EXPECT_EQ(results.back().stop_reason, StopReason::work_limit) << limit;
  }
  settings.threads = 2;
  const SearchResult two = optimise(problem, distances, settings);
  // The whole first descent ran whatever the limit before: the work did not grow with it.
  EXPECT_LT(results[0].work, results[1].work);
  EXPECT_LT(results[1].work, results[2].work);
  EXPECT_EQ(results[2].alignment.territory, two.alignment.territory);
  EXPECT_EQ(results[2].work, two.work);
  // A larger limit runs the same rounds and more: a feasible result stays feasible and never
  // gets worse (infeasible ones rank by violation, which the search keeps to itself).
  for (std::size_t k = 1; k < results.size(); ++k)
    if (results[k - 1].evaluation.feasible) {
      EXPECT_TRUE(results[k].evaluation.feasible);
      EXPECT_LE(results[k].evaluation.objective, results[k - 1].evaluation.objective);
    }
}

// The starts begin in waves of two (at most two in their first descent at once): a short limit
// lets the first starts finish their descent and give a feasible alignment, where all eight
// advancing together each got an eighth of the work and none finished (3,000 accounts and 1,000
// territories ended infeasible after 180 s on one thread).
TEST(TerritoryLocalSearch, ShortLimitStillFinishesTheFirstStartsDescents) {
  // Its construction is infeasible: only a finished first descent makes it feasible.
  Problem problem = capacitated_instance(600, 60, 1);
  validate(problem, "capacitated");
  Distances distances(problem);
  SearchSettings settings = quick();
  settings.starts = 1;
  settings.max_idle = 1;
  settings.relink_rounds = 0;
  // Construction, first descent and one VNS iteration of start 0: at least its first phase.
  const std::uint64_t first_phase = optimise(problem, distances, settings).work;
  settings.work_limit = 0.1;
  ASSERT_FALSE(optimise(problem, distances, settings).evaluation.feasible);
  // Negative twin: an eighth of the limit below is not enough for start 0's first descent.
  const double limit = 2.2 * static_cast<double>(first_phase) / 1e6;
  settings.work_limit = limit / 8;
  EXPECT_FALSE(optimise(problem, distances, settings).evaluation.feasible);

  settings.starts = 8;
  settings.max_idle = 0;
  settings.work_limit = limit;
  const SearchResult one = optimise(problem, distances, settings);
  settings.threads = 2;
  const SearchResult two = optimise(problem, distances, settings);
  EXPECT_EQ(one.stop_reason, StopReason::work_limit);
  EXPECT_TRUE(one.evaluation.feasible);
  EXPECT_LT(one.starts_run, settings.starts);  // the later starts had not begun
  EXPECT_EQ(one.alignment.territory, two.alignment.territory);
  EXPECT_EQ(one.work, two.work);
}

// The report says what ended the search: a run that converged well inside its time limit is not
// "stopped by the time limit" (it was, whenever one task's share of the time ran out).
TEST(TerritoryLocalSearch, StopReasonSaysWhatEndedTheSearch) {
  Problem problem = capacitated_instance(kRelinkAccounts, kRelinkTerritories, kRelinkSeed);
  validate(problem, "capacitated");
  Distances distances(problem);
  SearchSettings settings = quick();
  settings.max_idle = kRelinkIdle;
  const SearchResult converged = optimise(problem, distances, settings);
  EXPECT_EQ(converged.stop_reason, StopReason::converged);
  EXPECT_FALSE(converged.stopped_by_time);
  EXPECT_FALSE(converged.stopped_by_work);
  EXPECT_GT(converged.relinks_run, 0);
  EXPECT_EQ(converged.starts_run, settings.starts);

  settings.work_limit = static_cast<double>(converged.work) / 2e6;
  const SearchResult halved = optimise(problem, distances, settings);
  EXPECT_EQ(halved.stop_reason, StopReason::work_limit);
  EXPECT_TRUE(halved.stopped_by_work);
  EXPECT_FALSE(halved.stopped_by_time);

  settings.work_limit = 0;
  settings.max_idle = 1000000;  // only the clock ends it
  settings.time_limit = 0.2;
  const SearchResult timed = optimise(problem, distances, settings);
  EXPECT_EQ(timed.stop_reason, StopReason::time_limit);
  EXPECT_TRUE(timed.stopped_by_time);
  EXPECT_GE(timed.seconds, settings.time_limit);

  settings.time_limit = 60;
  settings.target = 2 * converged.evaluation.objective;
  const SearchResult targeted = optimise(problem, distances, settings);
  EXPECT_EQ(targeted.stop_reason, StopReason::target);
  EXPECT_FALSE(targeted.stopped_by_time);
  EXPECT_LE(targeted.evaluation.objective, *settings.target);
}

}  // namespace
}  // namespace opsim::territory
