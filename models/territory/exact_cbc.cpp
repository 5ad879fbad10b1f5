#include "models/territory/exact_cbc.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <string>

#include <coin/Cbc_C_Interface.h>
#include <fmt/format.h>

#include "models/territory/labels.hpp"
#include "sim/base/error.hpp"

namespace opsim::territory {

namespace {

void check_supported(const Problem& problem) {
  if (problem.objective != ObjectiveKind::compactness)
    throw_input(
        "{}: --exact supports the compactness objective only (dispersion: use the "
        "heuristic)",
        problem.name);
  if (problem.distance == DistanceKind::none)
    throw_input("{}: --exact needs coordinates or a graph (compactness)", problem.name);
  if (problem.size() > kMaxExactAccounts)
    throw_input("{}: {} accounts is too many for --exact; allowed: at most {}", problem.name,
                problem.size(), kMaxExactAccounts);
  for (const Account& a : problem.accounts)
    if (a.lock >= 0)
      throw_input(
          "{}: account '{}' is locked; --exact does not support locks (territories are "
          "unlabelled in the p-median model)",
          problem.name, a.id);
  if (problem.has_owners() &&
      (problem.disruption.weight > 0 || problem.disruption.max_moved_fraction))
    throw_input("{}: --exact does not support the disruption term", problem.name);
  // Capacities must be the same for every territory: the model does not label territories.
  for (const Territory& t : problem.territories)
    if (t.capacity != problem.territories.front().capacity)
      throw_input("{}: territory '{}' has its own capacity; --exact needs one capacity for all",
                  problem.name, t.id);
  if (problem.contiguity) throw_input("{}: --exact does not support contiguity", problem.name);
}

struct ModelDeleter {
  void operator()(Cbc_Model* model) const { Cbc_deleteModel(model); }
};

}  // namespace

SearchResult solve_exact(const Problem& problem, const Distances& distances,
                         const ExactSettings& settings) {
  check_supported(problem);
  const auto origin = std::chrono::steady_clock::now();
  const std::vector<Unit> units = make_units(problem);
  const int n = static_cast<int>(problem.size());
  const int nu = static_cast<int>(units.size());
  const int p = problem.territory_count();
  const int m = static_cast<int>(problem.attribute_names.size());
  std::vector<int> unit_of(n);
  for (int u = 0; u < nu; ++u)
    for (int i : units[u].accounts) unit_of[i] = u;
  auto compatible = [&](int u, int j) {
    int ru = units[u].region, rj = problem.accounts[j].region;
    return ru < 0 || rj < 0 || ru == rj;
  };
  // Bounds on a territory's total per attribute (balance and the common capacity).
  std::vector<double> sum(m, 0.0);
  for (const Account& a : problem.accounts)
    for (int k = 0; k < m; ++k) sum[k] += a.attributes[k];
  std::vector<double> lower(m, 0.0), upper(m, HUGE_VAL);
  for (const BalanceRule& rule : problem.balance) {
    lower[rule.attribute] =
        std::max(lower[rule.attribute], (1 - rule.tolerance) * sum[rule.attribute] / p);
    upper[rule.attribute] =
        std::min(upper[rule.attribute], (1 + rule.tolerance) * sum[rule.attribute] / p);
  }
  const auto& capacity = problem.territories.front().capacity;
  for (std::size_t k = 0; k < capacity.size(); ++k)
    if (capacity[k]) upper[k] = std::min(upper[k], *capacity[k]);

  std::unique_ptr<Cbc_Model, ModelDeleter> model(Cbc_newModel());
  Cbc_setLogLevel(model.get(), 0);
  // Columns: y_j (j = account) then x_uj for compatible pairs.
  std::vector<int> fixed(n, 0);
  for (const Territory& t : problem.territories)
    if (t.centre >= 0) fixed[t.centre] = 1;
  for (int j = 0; j < n; ++j)
    Cbc_addCol(model.get(), "", fixed[j], 1.0, 0.0, 1, 0, nullptr, nullptr);
  std::vector<std::vector<std::pair<int, int>>> x_of_centre(n);  // j -> (u, column)
  std::vector<std::vector<int>> x_of_unit(nu);
  int columns = n;
  for (int u = 0; u < nu; ++u)
    for (int j = 0; j < n; ++j) {
      if (!compatible(u, j)) continue;
      double cost = 0.0;
      for (int i : units[u].accounts) cost += problem.accounts[i].weight * distances(i, j);
      Cbc_addCol(model.get(), "", 0.0, 1.0, cost, 1, 0, nullptr, nullptr);
      x_of_centre[j].emplace_back(u, columns);
      x_of_unit[u].push_back(columns);
      ++columns;
    }
  std::vector<int> cols;
  std::vector<double> coefs;
  auto add_row = [&](char sense, double rhs) {
    Cbc_addRow(model.get(), "", static_cast<int>(cols.size()), cols.data(), coefs.data(), sense,
               rhs);
    cols.clear();
    coefs.clear();
  };
  for (int u = 0; u < nu; ++u) {
    for (int c : x_of_unit[u]) {
      cols.push_back(c);
      coefs.push_back(1.0);
    }
    add_row('E', 1.0);
  }
  for (int j = 0; j < n; ++j)
    for (auto [u, c] : x_of_centre[j]) {
      cols = {c, j};
      coefs = {1.0, -1.0};
      add_row(u == unit_of[j] ? 'E' : 'L', 0.0);  // a centre belongs to its own territory
    }
  // Territory counts, per region when regions are used.
  if (problem.region_names.empty()) {
    for (int j = 0; j < n; ++j) {
      cols.push_back(j);
      coefs.push_back(1.0);
    }
    add_row('E', p);
  } else {
    for (std::size_t r = 0; r < problem.region_names.size(); ++r) {
      int count = 0;
      for (const Territory& t : problem.territories) count += t.region == static_cast<int>(r);
      for (int j = 0; j < n; ++j)
        if (problem.accounts[j].region == static_cast<int>(r)) {
          cols.push_back(j);
          coefs.push_back(1.0);
        }
      add_row('E', count);
    }
  }
  for (int k = 0; k < m; ++k) {
    for (int side = 0; side < 2; ++side) {
      double bound = side == 0 ? upper[k] : lower[k];
      if ((side == 0 && !std::isfinite(bound)) || (side == 1 && bound <= 0.0)) continue;
      for (int j = 0; j < n; ++j) {
        for (auto [u, c] : x_of_centre[j]) {
          cols.push_back(c);
          coefs.push_back(units[u].totals[k]);
        }
        cols.push_back(j);
        coefs.push_back(-bound);
        add_row(side == 0 ? 'L' : 'G', 0.0);
      }
    }
  }
  if (settings.warm_start) {
    std::vector<double> values(columns, 0.0);
    const Alignment& start = *settings.warm_start;
    for (int c : start.centre)
      if (c >= 0) values[c] = 1.0;
    for (int j = 0; j < n; ++j)
      for (auto [u, c] : x_of_centre[j]) {
        int t = start.territory[units[u].accounts.front()];
        if (t >= 0 && start.centre[t] == j) values[c] = 1.0;
      }
    std::vector<int> index(columns);
    for (int c = 0; c < columns; ++c) index[c] = c;
    Cbc_setMIPStartI(model.get(), columns, index.data(), values.data());
  }
  // A wall-clock limit (CBC counts CPU seconds by default), given both to the model and to the
  // parameters Cbc_solve hands its command-line driver.
  // Building the model counts against the limit too.
  const double cbc_seconds = std::max(
      0.01, settings.time_limit -
                std::chrono::duration<double>(std::chrono::steady_clock::now() - origin).count());
  Cbc_setMaximumSeconds(model.get(), cbc_seconds);
  Cbc_setParameter(model.get(), "timeMode", "elapsed");
  Cbc_setParameter(model.get(), "seconds", fmt::format("{}", cbc_seconds).c_str());
  Cbc_setAllowableGap(model.get(), 1e-7);
  Cbc_setAllowableFractionGap(model.get(), 1e-9);
  if (settings.threads > 1)
    Cbc_setParameter(model.get(), "threads", std::to_string(settings.threads).c_str());
  Cbc_solve(model.get());

  SearchResult result;
  result.method = "exact (COIN-OR CBC)";
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - origin).count();
  result.time_to_best = result.seconds;
  result.starts_run = 1;
  result.best_start = 0;
  result.best_bound = Cbc_getBestPossibleObjValue(model.get());
  result.bound_method = "cbc";
  const double* solution = Cbc_getColSolution(model.get());
  const bool has_solution = solution != nullptr && Cbc_numberSavedSolutions(model.get()) > 0;
  if (!has_solution) {
    if (Cbc_isProvenInfeasible(model.get()))
      throw_infeasible(
          "{}: the exact model is infeasible: no alignment meets the balance and capacity "
          "constraints",
          problem.name);
    if (!settings.warm_start)
      throw_infeasible("{}: no feasible alignment found: CBC found none within {} s", problem.name,
                       settings.time_limit);
    result.alignment = *settings.warm_start;
  } else {
    // Label territories by increasing centre index; fixed centres keep their territory.
    std::vector<int> territory_of_centre(n, -1);
    std::vector<char> used(p, 0);
    for (int t = 0; t < p; ++t)
      if (problem.territories[t].centre >= 0) {
        territory_of_centre[problem.territories[t].centre] = t;
        used[t] = 1;
      }
    for (int j = 0; j < n; ++j) {
      if (solution[j] < 0.5 || territory_of_centre[j] >= 0) continue;
      int region = problem.accounts[j].region;
      for (int t = 0; t < p; ++t)
        if (!used[t] && (region < 0 || problem.territories[t].region == region)) {
          territory_of_centre[j] = t;
          used[t] = 1;
          break;
        }
    }
    result.alignment.centre.assign(p, -1);
    for (int j = 0; j < n; ++j)
      if (territory_of_centre[j] >= 0) result.alignment.centre[territory_of_centre[j]] = j;
    result.alignment.territory.assign(n, 0);
    for (int j = 0; j < n; ++j)
      for (auto [u, c] : x_of_centre[j])
        if (solution[c] > 0.5)
          for (int i : units[u].accounts) result.alignment.territory[i] = territory_of_centre[j];
  }
  result.proven_optimal = Cbc_isProvenOptimal(model.get()) != 0;
  match_owner_labels(problem, result.alignment);
  result.evaluation = evaluate(problem, distances, result.alignment);
  // CBC does not say when it found its first solution: the warm start was feasible from the
  // start, else the solution is known when CBC returns.
  if (result.evaluation.feasible)
    result.time_to_feasible = settings.warm_start ? 0.0 : result.seconds;
  result.stopped_by_time = !result.proven_optimal;
  return result;
}

}  // namespace opsim::territory
