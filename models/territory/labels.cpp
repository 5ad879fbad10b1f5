#include "models/territory/labels.hpp"

#include <algorithm>
#include <limits>

namespace opsim::territory {

std::vector<int> solve_assignment(const std::vector<std::vector<double>>& cost) {
  // Shortest augmenting paths with potentials (Kuhn-Munkres in the e-maxx form), 1-based.
  const int n = static_cast<int>(cost.size());
  const double inf = kInfinity;
  std::vector<double> u(n + 1, 0.0), v(n + 1, 0.0);
  std::vector<int> match(n + 1, 0), way(n + 1, 0);
  for (int i = 1; i <= n; ++i) {
    match[0] = i;
    int j0 = 0;
    std::vector<double> minv(n + 1, inf);
    std::vector<char> used(n + 1, 0);
    do {
      used[j0] = 1;
      const int i0 = match[j0];
      double delta = inf;
      int j1 = 0;
      for (int j = 1; j <= n; ++j) {
        if (used[j]) continue;
        const double reduced = cost[i0 - 1][j - 1] - u[i0] - v[j];
        if (reduced < minv[j]) {
          minv[j] = reduced;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (int j = 0; j <= n; ++j) {
        if (used[j]) {
          u[match[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (match[j0] != 0);
    do {
      const int j1 = way[j0];
      match[j0] = match[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  std::vector<int> column(n, -1);
  for (int j = 1; j <= n; ++j)
    if (match[j] > 0) column[match[j] - 1] = j - 1;
  return column;
}

void match_owner_labels(const Problem& problem, Alignment& alignment) {
  if (!problem.has_owners()) return;
  const int p = problem.territory_count();
  const int measure = problem.disruption.measure_attribute;
  // overlap[r][t]: measure of result territory r's accounts currently owned by territory t.
  std::vector<std::vector<double>> overlap(p, std::vector<double>(p, 0.0));
  std::vector<int> lock_of(p, -1);  // result territory -> label its locked accounts require
  for (std::size_t i = 0; i < problem.size(); ++i) {
    const Account& a = problem.accounts[i];
    const int r = alignment.territory[i];
    if (a.owner >= 0) overlap[r][a.owner] += measure < 0 ? 1.0 : a.attributes[measure];
    if (a.lock >= 0) lock_of[r] = a.lock;
  }
  auto interchangeable = [&](int r, int t) {
    if (r == t) return true;
    const Territory& a = problem.territories[r];
    const Territory& b = problem.territories[t];
    if (a.centre >= 0 || b.centre >= 0 || a.region != b.region) return false;
    if (a.capacity != b.capacity) return false;
    return lock_of[r] < 0 || lock_of[r] == t;
  };
  // Keeping every label costs 0; a forbidden relabelling costs more than any gain can repay.
  double total = 0.0;
  for (const auto& row : overlap)
    for (double x : row) total += x;
  const double forbidden = 2.0 * total + 1.0;
  std::vector<std::vector<double>> cost(p, std::vector<double>(p, 0.0));
  for (int r = 0; r < p; ++r)
    for (int t = 0; t < p; ++t) cost[r][t] = interchangeable(r, t) ? -overlap[r][t] : forbidden;
  const std::vector<int> label = solve_assignment(cost);
  double kept_before = 0.0, kept_after = 0.0;
  for (int r = 0; r < p; ++r) {
    kept_before += overlap[r][r];
    kept_after += interchangeable(r, label[r]) ? overlap[r][label[r]] : -forbidden;
  }
  // Only a strict gain relabels, so ties keep the search's labels (and its centres' order).
  if (!(kept_after > kept_before)) return;
  for (int& t : alignment.territory) t = label[t];
  if (alignment.centre.empty()) return;
  alignment.centre.resize(p, -1);
  std::vector<int> centre(p, -1);
  for (int r = 0; r < p; ++r) centre[label[r]] = alignment.centre[r];
  alignment.centre = std::move(centre);
}

}  // namespace opsim::territory
