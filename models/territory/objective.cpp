#include "models/territory/objective.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>

// Boost 1.74's geometry headers include a header Boost itself deprecated; its note is noise.
#define BOOST_ALLOW_DEPRECATED_HEADERS
#include <boost/geometry.hpp>
#include <boost/geometry/geometries/multi_point.hpp>
#include <boost/geometry/geometries/point_xy.hpp>
#include <boost/geometry/geometries/polygon.hpp>

#include "sim/base/error.hpp"

namespace opsim::territory {

namespace {

constexpr std::size_t kPairwiseDiameterLimit = 3000;

//! True when the members induce a connected subgraph of the adjacency graph.
bool connected(const std::vector<std::vector<int>>& adjacent, const std::vector<int>& members,
               const std::vector<int>& territory_of, int territory) {
  if (members.empty()) return true;
  std::vector<int> stack{members.front()};
  std::vector<char> seen(territory_of.size(), 0);
  seen[members.front()] = 1;
  std::size_t reached = 1;
  while (!stack.empty()) {
    int u = stack.back();
    stack.pop_back();
    for (int v : adjacent[u])
      if (!seen[v] && territory_of[v] == territory) {
        seen[v] = 1;
        ++reached;
        stack.push_back(v);
      }
  }
  return reached == members.size();
}

}  // namespace

double diameter(const Problem& problem, const Distances& distances,
                const std::vector<int>& members) {
  const bool planar = problem.distance == DistanceKind::euclidean ||
                      problem.distance == DistanceKind::euclidean_floor ||
                      problem.distance == DistanceKind::haversine;
  if (members.size() > kPairwiseDiameterLimit && planar) {
    namespace bg = boost::geometry;
    using Point = bg::model::d2::point_xy<double>;
    bg::model::multi_point<Point> points;
    for (int i : members) points.emplace_back(problem.accounts[i].x, problem.accounts[i].y);
    bg::model::polygon<Point> hull;
    bg::convex_hull(points, hull);
    // Map hull vertices back to accounts by coordinates to use the problem's metric.
    std::vector<int> on_hull;
    const auto& ring = hull.outer();
    for (int i : members)
      for (const Point& q : ring)
        if (q.x() == problem.accounts[i].x && q.y() == problem.accounts[i].y) {
          on_hull.push_back(i);
          break;
        }
    return diameter(problem, distances, on_hull);
  }
  double best = 0.0;
  for (std::size_t a = 0; a < members.size(); ++a)
    for (std::size_t b = a + 1; b < members.size(); ++b)
      best = std::max(best, distances(members[a], members[b]));
  return best;
}

void choose_median_centres(const Problem& problem, const Distances& distances, Alignment& alignment,
                           Recentre which) {
  if (problem.objective != ObjectiveKind::compactness || problem.distance == DistanceKind::none)
    return;
  const int p = problem.territory_count();
  alignment.centre.resize(p, -1);
  std::vector<std::vector<int>> members(p);
  for (std::size_t i = 0; i < problem.size(); ++i)
    members[alignment.territory[i]].push_back(static_cast<int>(i));
  constexpr std::size_t kExhaustive = 2000, kCandidates = 64;
  for (int t = 0; t < p; ++t) {
    if (members[t].empty()) {
      if (which == Recentre::free) alignment.centre[t] = -1;
      continue;
    }
    if (which == Recentre::missing && alignment.centre[t] >= 0) continue;
    if (problem.territories[t].centre >= 0) {
      alignment.centre[t] = problem.territories[t].centre;
      continue;
    }
    // A centre outside its territory is none.
    const int current = alignment.centre[t] >= 0 && alignment.territory[alignment.centre[t]] == t
                            ? alignment.centre[t]
                            : -1;
    std::vector<int> candidates = members[t];
    if (candidates.size() > kExhaustive) {
      double wx = 0, wy = 0, w = 0;
      for (int i : members[t]) {
        const double wi = problem.accounts[i].weight + 1e-12;
        wx += wi * problem.accounts[i].x;
        wy += wi * problem.accounts[i].y;
        w += wi;
      }
      auto away = [&](int i) {
        return std::hypot(problem.accounts[i].x - wx / w, problem.accounts[i].y - wy / w);
      };
      std::partial_sort(
          candidates.begin(), candidates.begin() + kCandidates, candidates.end(),
          [&](int a, int b) { return away(a) < away(b) || (away(a) == away(b) && a < b); });
      candidates.resize(kCandidates);
      if (current >= 0) candidates.push_back(current);
    }
    // The current centre is kept unless another member is strictly better.
    double best = kInfinity;
    alignment.centre[t] = current;
    if (current >= 0) {
      best = 0.0;
      for (int i : members[t]) best += problem.accounts[i].weight * distances(i, current);
    }
    for (int c : candidates) {
      double cost = 0.0;
      for (int i : members[t]) {
        cost += problem.accounts[i].weight * distances(i, c);
        if (cost >= best) break;
      }
      if (cost < best) {
        best = cost;
        alignment.centre[t] = c;
      }
    }
  }
}

Evaluation evaluate(const Problem& problem, const Distances& distances,
                    const Alignment& alignment) {
  const std::size_t n = problem.size();
  const int p = problem.territory_count();
  const std::size_t m = problem.attribute_names.size();
  if (alignment.territory.size() != n) throw_internal("alignment has the wrong size");
  Evaluation result;
  result.territories.resize(p);
  std::vector<std::vector<int>> members(p);
  for (auto& t : result.territories) t.totals.assign(m, 0.0);
  result.mean.assign(m, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    int t = alignment.territory[i];
    if (t < 0 || t >= p) throw_internal("account {} assigned to territory {}", i, t);
    members[t].push_back(static_cast<int>(i));
    for (std::size_t k = 0; k < m; ++k) {
      result.territories[t].totals[k] += problem.accounts[i].attributes[k];
      result.mean[k] += problem.accounts[i].attributes[k];
    }
  }
  for (double& v : result.mean) v /= p;
  for (int t = 0; t < p; ++t) {
    TerritoryMetrics& metrics = result.territories[t];
    metrics.accounts = static_cast<int>(members[t].size());
    metrics.deviation.assign(m, 0.0);
    for (std::size_t k = 0; k < m; ++k)
      metrics.deviation[k] = result.mean[k] > 0 ? metrics.totals[k] / result.mean[k] - 1.0 : 0.0;
    const auto& capacity = problem.territories[t].capacity;
    for (std::size_t k = 0; k < capacity.size(); ++k)
      if (capacity[k] && metrics.totals[k] > *capacity[k] * (1 + kBoundSlack))
        metrics.capacity_ok = false;
    result.capacity_ok = result.capacity_ok && metrics.capacity_ok;
    if (t < static_cast<int>(alignment.centre.size())) metrics.centre = alignment.centre[t];
    if (problem.distance != DistanceKind::none) {
      if (metrics.centre >= 0)
        for (int i : members[t])
          metrics.compactness += problem.accounts[i].weight * distances(i, metrics.centre);
      metrics.diameter = diameter(problem, distances, members[t]);
    }
    result.compactness += metrics.compactness;
    result.max_diameter = std::max(result.max_diameter, metrics.diameter);
  }
  result.tightest_tolerance.assign(problem.balance.size(), 0.0);
  for (std::size_t r = 0; r < problem.balance.size(); ++r) {
    const BalanceRule& rule = problem.balance[r];
    for (const TerritoryMetrics& t : result.territories) {
      double dev = std::abs(t.deviation[rule.attribute]);
      result.tightest_tolerance[r] = std::max(result.tightest_tolerance[r], dev);
      if (dev > rule.tolerance + kBoundSlack) result.balance_ok = false;
    }
  }
  // Locks, regions, groups, centres inside their territory.
  std::vector<int> group_territory;
  double measure_total = 0.0;
  const int measure = problem.disruption.measure_attribute;
  for (std::size_t i = 0; i < n; ++i) {
    const Account& a = problem.accounts[i];
    int t = alignment.territory[i];
    if (a.lock >= 0 && a.lock != t) result.locks_ok = false;
    if (a.region >= 0 && problem.territories[t].region >= 0 &&
        problem.territories[t].region != a.region)
      result.regions_ok = false;
    if (a.group >= 0) {
      if (group_territory.size() <= static_cast<std::size_t>(a.group))
        group_territory.resize(a.group + 1, -1);
      if (group_territory[a.group] < 0) group_territory[a.group] = t;
      if (group_territory[a.group] != t) result.groups_ok = false;
    }
    double amount = measure < 0 ? 1.0 : a.attributes[measure];
    measure_total += amount;
    if (a.owner >= 0 && a.owner != t) {
      ++result.moved_accounts;
      result.moved_measure += amount;
    }
  }
  result.moved_fraction = measure_total > 0 ? result.moved_measure / measure_total : 0.0;
  if (problem.disruption.max_moved_fraction &&
      result.moved_fraction > *problem.disruption.max_moved_fraction + kBoundSlack)
    result.moved_ok = false;
  result.disruption_cost = problem.disruption.weight * result.moved_measure;
  if (problem.contiguity) {
    std::vector<std::vector<int>> adjacent(n);
    for (const Edge& e : problem.edges) {
      adjacent[e.from].push_back(e.to);
      adjacent[e.to].push_back(e.from);
    }
    for (int t = 0; t < p; ++t)
      if (!connected(adjacent, members[t], alignment.territory, t)) result.contiguity_ok = false;
  }
  const double main_term =
      problem.objective == ObjectiveKind::compactness ? result.compactness : result.max_diameter;
  result.objective = main_term + result.disruption_cost;
  result.feasible = result.balance_ok && result.capacity_ok && result.locks_ok &&
                    result.groups_ok && result.regions_ok && result.moved_ok &&
                    result.contiguity_ok;
  return result;
}

}  // namespace opsim::territory
