#include "models/territory/problem.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <queue>

#include "models/territory/objective.hpp"
#include "sim/base/error.hpp"
#include "sim/base/grouped.hpp"

namespace opsim::territory {

namespace {

//! An amount in a message, as the territory tables show it: thousands separated, at most two
//! decimals (review: "16,842,008.8061").
std::string figure(double value) {
  return format_grouped_trimmed(value, 2);
}

}  // namespace

int Problem::attribute_index(const std::string& name) const {
  auto it = std::find(attribute_names.begin(), attribute_names.end(), name);
  return it == attribute_names.end() ? -1 : static_cast<int>(it - attribute_names.begin());
}

bool Problem::has_owners() const {
  return std::any_of(accounts.begin(), accounts.end(),
                     [](const Account& a) { return a.owner >= 0; });
}

std::vector<int> graph_components(std::size_t n, const std::vector<Edge>& edges,
                                  const std::vector<int>* within) {
  std::vector<std::vector<int>> adjacent(n);
  for (const Edge& e : edges) {
    if (within != nullptr &&
        (*within)[static_cast<std::size_t>(e.from)] != (*within)[static_cast<std::size_t>(e.to)])
      continue;
    adjacent[static_cast<std::size_t>(e.from)].push_back(e.to);
    adjacent[static_cast<std::size_t>(e.to)].push_back(e.from);
  }
  std::vector<int> label(n, -1);
  int components = 0;
  for (std::size_t start = 0; start < n; ++start) {
    if (label[start] >= 0) continue;
    std::queue<int> frontier;
    frontier.push(static_cast<int>(start));
    label[start] = components;
    while (!frontier.empty()) {
      const int u = frontier.front();
      frontier.pop();
      for (int v : adjacent[static_cast<std::size_t>(u)])
        if (label[static_cast<std::size_t>(v)] < 0) {
          label[static_cast<std::size_t>(v)] = components;
          frontier.push(v);
        }
    }
    ++components;
  }
  return label;
}

void validate(const Problem& problem, const std::string& source) {
  const std::size_t n = problem.size();
  // An account's error names its line or pointer (review: "account 'A112' is locked to 'T4' but
  // its group is locked to 'T2'" named neither).
  auto place = [&](const Account& a) -> const std::string& {
    const auto i = static_cast<std::size_t>(&a - problem.accounts.data());
    return i < problem.account_places.size() ? problem.account_places[i] : source;
  };
  const int p = problem.territory_count();
  if (n == 0) throw_input("{}: no accounts", source);
  if (p < 1) throw_input("{}: {} territories requested; at least 1 is required", source, p);
  if (static_cast<std::size_t>(p) > n)
    throw_input("{}: {} territories requested but only {} accounts; p must be at most {}", source,
                p, n, n);
  const std::size_t m = problem.attribute_names.size();
  for (const Account& a : problem.accounts) {
    if (!std::isfinite(a.x) || !std::isfinite(a.y))
      throw_input("{}: account '{}': coordinates ({}, {}) are not finite numbers", place(a), a.id,
                  a.x, a.y);
    if (a.attributes.size() != m)
      throw_internal("account '{}' has {} attributes, expected {}", a.id, a.attributes.size(), m);
    for (std::size_t k = 0; k < m; ++k)
      if (!(a.attributes[k] >= 0.0) || !std::isfinite(a.attributes[k]))
        throw_input("{}: account '{}': {} = {} is not allowed (attributes are finite and >= 0)",
                    place(a), a.id, problem.attribute_names[k], a.attributes[k]);
    if (a.lock >= p || a.owner >= p)
      throw_internal("account '{}' refers to territory beyond {}", a.id, p);
    if (a.lock >= 0 && a.region >= 0 && problem.territories[a.lock].region >= 0 &&
        problem.territories[a.lock].region != a.region)
      throw_input("{}: account '{}' is locked to territory '{}' of another region", place(a), a.id,
                  problem.territories[a.lock].id);
  }
  for (const BalanceRule& rule : problem.balance)
    if (!(rule.tolerance >= 0.0) || !std::isfinite(rule.tolerance))
      throw_input("{}: balance tolerance for '{}' is {}; allowed: a finite number >= 0", source,
                  problem.attribute_names[rule.attribute], rule.tolerance);
  // A group behaves as one unit: its accounts may not be locked to different territories.
  std::map<int, int> group_lock;
  for (const Account& a : problem.accounts) {
    if (a.group < 0 || a.lock < 0) continue;
    auto [it, inserted] = group_lock.emplace(a.group, a.lock);
    if (!inserted && it->second != a.lock)
      throw_input(
          "{}: account '{}' is locked to '{}' but its group is locked to '{}'; allowed: "
          "every account of a group locked to one territory, or unlocked",
          place(a), a.id, problem.territories[a.lock].id, problem.territories[it->second].id);
  }
  if (problem.distance == DistanceKind::graph || problem.contiguity) {
    if (problem.edges.empty())
      throw_input("{}: graph distances or contiguity need an adjacency graph; none was given",
                  source);
    if (n > kMaxGraphAccounts)
      throw_input(
          "{}: {} accounts is too many for shortest-path distances (all pairs need {:.1f} GB); "
          "allowed: at most {} accounts, or use euclidean/haversine distances",
          source, n, 8.0 * static_cast<double>(n) * static_cast<double>(n) / 1e9,
          kMaxGraphAccounts);
    for (const Edge& e : problem.edges)
      if (!(e.length >= 0.0) || !std::isfinite(e.length))
        throw_input("{}: edge {}-{} has length {}; allowed: a finite number >= 0", source,
                    problem.accounts[e.from].id, problem.accounts[e.to].id, e.length);
    const std::vector<int> label = graph_components(n, problem.edges);
    const int components = n == 0 ? 0 : *std::max_element(label.begin(), label.end()) + 1;
    if (components > 1 && (problem.contiguity || problem.distance == DistanceKind::graph)) {
      // The parts by size, and the accounts of all but the largest named (review: "3
      // disconnected components" named none; one was two accounts without a neighbour row).
      std::vector<std::size_t> size(static_cast<std::size_t>(components), 0);
      for (int c : label) ++size[static_cast<std::size_t>(c)];
      const auto largest =
          static_cast<int>(std::max_element(size.begin(), size.end()) - size.begin());
      std::vector<std::string> sizes, stray;
      for (std::size_t c = 0; c < size.size(); ++c)
        sizes.push_back(format_grouped(static_cast<double>(size[c]), 0));
      std::size_t others = 0;
      for (std::size_t i = 0; i < n; ++i) {
        if (label[i] == largest) continue;
        if (stray.size() < 6) stray.push_back("'" + problem.accounts[i].id + "'");
        ++others;
      }
      throw_input(
          "{}: the adjacency graph has {} disconnected parts ({} accounts); {} requires a "
          "connected graph: join the parts by adjacency rows ({} outside the largest part: "
          "{}{})",
          source, components, fmt::join(sizes, ", "),
          problem.contiguity ? "contiguity" : "shortest-path distance",
          format_count(static_cast<long long>(others), "account"), fmt::join(stray, ", "),
          others > stray.size() ? ", ..." : "");
    }
  }
  if (problem.objective == ObjectiveKind::dispersion) {
    if (problem.distance == DistanceKind::none)
      throw_input("{}: the dispersion objective needs coordinates or an adjacency graph", source);
    if (n > kMaxDispersionAccounts)
      throw_input(
          "{}: {} accounts is too many for the dispersion objective (diameters are "
          "quadratic in territory size); allowed: at most {}, or use compactness",
          source, n, kMaxDispersionAccounts);
  }
  if (!problem.region_names.empty()) {
    std::vector<int> per_region(problem.region_names.size(), 0);
    for (const Territory& t : problem.territories)
      if (t.region >= 0) ++per_region[t.region];
    std::vector<std::string> served, held;
    for (std::size_t r = 0; r < per_region.size(); ++r)
      if (per_region[r] > 0) served.push_back(problem.region_names[r]);
    // A territory of a region no account is in stays empty and breaks balance: refused before
    // the search (review: a misspelt region ran the whole search, then "violated: balance").
    std::vector<int> accounts_in(problem.region_names.size(), 0);
    for (const Account& a : problem.accounts)
      if (a.region >= 0) ++accounts_in[a.region];
    for (std::size_t r = 0; r < accounts_in.size(); ++r)
      if (accounts_in[r] > 0) held.push_back(problem.region_names[r]);
    for (const Territory& t : problem.territories)
      if (t.region >= 0 && accounts_in[t.region] == 0)
        throw_input("{}: territory '{}' is in region '{}', which no account is in; allowed: {}",
                    source, t.id, problem.region_names[t.region],
                    held.empty()
                        ? std::string("no region (no account has one)")
                        : fmt::format("a region of the accounts ({})", fmt::join(held, ", ")));
    for (const Account& a : problem.accounts)
      if (a.region >= 0 && per_region[a.region] == 0)
        throw_input("{}: account '{}' is in region '{}' which has no territory; allowed: {}",
                    place(a), a.id, problem.region_names[a.region],
                    served.empty()
                        ? std::string("no region (no territory has one)")
                        : fmt::format("a region of a territory ({})", fmt::join(served, ", ")));
  }
}

std::vector<std::vector<double>> territory_limits(const Problem& problem) {
  const int p = problem.territory_count();
  const std::size_t m = problem.attribute_names.size();
  std::vector<double> total(m, 0.0);
  for (const Account& a : problem.accounts)
    for (std::size_t k = 0; k < m; ++k) total[k] += a.attributes[k];
  std::vector<std::vector<double>> upper(p, std::vector<double>(m, kInfinity));
  for (const BalanceRule& rule : problem.balance)
    for (int t = 0; t < p; ++t)
      upper[t][rule.attribute] =
          std::min(upper[t][rule.attribute], (1 + rule.tolerance) * (total[rule.attribute] / p));
  for (int t = 0; t < p; ++t)
    for (std::size_t k = 0; k < problem.territories[t].capacity.size() && k < m; ++k)
      if (problem.territories[t].capacity[k])
        upper[t][k] = std::min(upper[t][k], *problem.territories[t].capacity[k]);
  return upper;
}

namespace {

//! With a cap on moves, an unlocked account whose measure alone exceeds what the locks leave of
//! the cap (`room`) cannot leave its owner: it is pinned there in every feasible alignment (moved
//! counts each account away from its owner's territory). Pinned and locked accounts must then fit
//! each territory's limits, and with every other account added they must reach the balance floor
//! (review: `--max-moved 0` on an unbalanced book searched until the time limit).
void check_pinned_accounts(const Problem& problem, const std::string& source, double room,
                           double measure_total, std::vector<std::vector<double>> fixed,
                           const std::vector<std::vector<double>>& upper,
                           const std::vector<double>& lower) {
  const int p = problem.territory_count();
  const std::size_t m = problem.attribute_names.size();
  const double slack = 1.0 + 1e-9;
  const int measure = problem.disruption.measure_attribute;
  std::vector<double> free(m, 0.0);
  std::size_t pinned = 0;
  for (const Account& a : problem.accounts) {
    const double amount = measure < 0 ? 1.0 : a.attributes[measure];
    const bool pin = a.lock < 0 && a.owner >= 0 && amount > room + kBoundSlack * measure_total;
    if (pin) ++pinned;
    for (std::size_t k = 0; k < m; ++k) {
      if (pin)
        fixed[a.owner][k] += a.attributes[k];
      else if (a.lock < 0)
        free[k] += a.attributes[k];
    }
  }
  if (pinned == 0) return;
  const std::string who = pinned == problem.accounts.size()
                              ? std::string("no account can leave its")
                              : format_count(static_cast<long long>(pinned), "account") +
                                    (pinned == 1 ? " cannot leave its" : " cannot leave their");
  const std::string why =
      fmt::format("with at most {:.4g}% of the disruption measure moved, {} current territory",
                  100.0 * *problem.disruption.max_moved_fraction, who);
  for (int t = 0; t < p; ++t) {
    for (std::size_t k = 0; k < m; ++k) {
      const std::string& name = problem.attribute_names[k];
      if (fixed[t][k] > upper[t][k] * slack)
        throw_infeasible(
            "{}: no feasible alignment: {}, and those (with any locked there) keep '{}' at {} "
            "{}, {} over its limit {} (capacity and balance)",
            source, why, problem.territories[t].id, figure(fixed[t][k]), name,
            figure(fixed[t][k] - upper[t][k]), figure(upper[t][k]));
      if (fixed[t][k] + free[k] < lower[k] / slack)
        throw_infeasible(
            "{}: no feasible alignment: {}, so '{}' can reach at most {} {} but balance needs "
            "at least {} (short by {})",
            source, why, problem.territories[t].id, figure(fixed[t][k] + free[k]), name,
            figure(lower[k]), figure(lower[k] - fixed[t][k] - free[k]));
    }
  }
}

}  // namespace

void check_bounds_feasible(const Problem& problem, const std::string& source) {
  const int p = problem.territory_count();
  const std::size_t m = problem.attribute_names.size();
  const double slack = 1.0 + 1e-9;
  std::vector<double> total(m, 0.0);
  for (const Account& a : problem.accounts)
    for (std::size_t k = 0; k < m; ++k) total[k] += a.attributes[k];
  // upper[t][k]: the tighter of the capacity and the balance ceiling; lower[k]: balance floor.
  const std::vector<std::vector<double>> upper = territory_limits(problem);
  std::vector<double> lower(m, 0.0);
  for (const BalanceRule& rule : problem.balance)
    lower[rule.attribute] =
        std::max(lower[rule.attribute], (1 - rule.tolerance) * (total[rule.attribute] / p));
  for (std::size_t k = 0; k < m; ++k) {
    const std::string& name = problem.attribute_names[k];
    double room = 0.0;
    for (int t = 0; t < p; ++t) room += upper[t][k];
    if (total[k] > room * slack)
      throw_infeasible(
          "{}: no feasible alignment: total {} {} exceeds the territories' combined limit "
          "{} (capacity and balance) by {} ({:.2f}%)",
          source, name, figure(total[k]), figure(room), figure(total[k] - room),
          100.0 * (total[k] - room) / room);
    for (int t = 0; t < p; ++t)
      if (lower[k] > upper[t][k] * slack)
        throw_infeasible(
            "{}: no feasible alignment: territory '{}' may hold at most {} {} but balance "
            "needs at least {} (short by {})",
            source, problem.territories[t].id, figure(upper[t][k]), name, figure(lower[k]),
            figure(lower[k] - upper[t][k]));
  }
  // An account, or a group that moves as one, must fit some territory it may go to (review: one
  // account above the balance ceiling searched until the time limit).
  for (const Unit& unit : make_units(problem)) {
    if (unit.lock >= 0) continue;  // the locked accounts are checked with their territory below
    for (std::size_t k = 0; k < m; ++k) {
      double widest = 0.0;
      for (int t = 0; t < p; ++t) {
        const int region = problem.territories[t].region;
        if (unit.region < 0 || region < 0 || region == unit.region)
          widest = std::max(widest, upper[t][k]);
      }
      if (!(unit.totals[k] > widest * slack)) continue;
      const Account& first = problem.accounts[unit.accounts.front()];
      throw_infeasible(
          "{}: no feasible alignment: {} holds {} {}, {} over the largest territory limit {} "
          "(capacity and balance)",
          source,
          unit.accounts.size() == 1
              ? fmt::format("account '{}'", first.id)
              : fmt::format("the group of {} accounts with '{}'", unit.accounts.size(), first.id),
          figure(unit.totals[k]), problem.attribute_names[k], figure(unit.totals[k] - widest),
          figure(widest));
    }
  }
  // Locked accounts alone must fit their territory, and the moves they force must fit the cap.
  std::vector<std::vector<double>> locked(p, std::vector<double>(m, 0.0));
  const int measure = problem.disruption.measure_attribute;
  double forced = 0.0, measure_total = 0.0;
  for (const Account& a : problem.accounts) {
    const double amount = measure < 0 ? 1.0 : a.attributes[measure];
    measure_total += amount;
    if (a.lock < 0) continue;
    for (std::size_t k = 0; k < m; ++k) locked[a.lock][k] += a.attributes[k];
    if (a.owner >= 0 && a.owner != a.lock) forced += amount;
  }
  for (int t = 0; t < p; ++t)
    for (std::size_t k = 0; k < m; ++k)
      if (locked[t][k] > upper[t][k] * slack)
        throw_infeasible(
            "{}: no feasible alignment: the accounts locked to '{}' hold {} {}, {} over "
            "its "
            "limit {} (capacity and balance)",
            source, problem.territories[t].id, figure(locked[t][k]), problem.attribute_names[k],
            figure(locked[t][k] - upper[t][k]), figure(upper[t][k]));
  if (problem.disruption.max_moved_fraction && measure_total > 0) {
    const double cap = *problem.disruption.max_moved_fraction * measure_total;
    if (forced > cap * slack)
      throw_infeasible(
          "{}: no feasible alignment: locks move {:.4g}% of the disruption measure away from the "
          "current owners; the cap is {:.4g}% (over by {:.4g} points)",
          source, 100.0 * forced / measure_total, 100.0 * cap / measure_total,
          100.0 * (forced - cap) / measure_total);
    // With a balanced attribute as the measure, what the current books hold above the ceilings
    // must move, and what they lack below the floor must arrive from other books (accounts
    // without an owner arrive without moving): at least that much of the measure moves
    // (review: a cap below it searched until the time limit).
    if (measure >= 0) {
      std::vector<double> book(p, 0.0);
      double unowned = 0.0;
      for (const Account& a : problem.accounts)
        (a.owner >= 0 ? book[a.owner] : unowned) += a.attributes[measure];
      double over = 0.0, short_of = 0.0;
      for (int t = 0; t < p; ++t) {
        over += std::max(0.0, book[t] - upper[t][measure]);
        short_of += std::max(0.0, lower[measure] - book[t]);
      }
      const double needed = std::max(over, short_of - unowned);
      if (needed > cap * slack + kBoundSlack * measure_total)
        throw_infeasible(
            "{}: no feasible alignment: the current books are {} {} above the territories' "
            "limits and {} below the balance floor, so at least {:.4g}% of the disruption "
            "measure must move; the cap is {:.4g}% (over by {:.4g} points)",
            source, figure(over), problem.attribute_names[measure], figure(short_of),
            100.0 * needed / measure_total, 100.0 * cap / measure_total,
            100.0 * (needed - cap) / measure_total);
    }
    check_pinned_accounts(problem, source, cap - forced, measure_total, locked, upper, lower);
  }
}

std::vector<Unit> make_units(const Problem& problem) {
  std::vector<Unit> units;
  std::map<int, int> unit_of_group;
  const std::size_t m = problem.attribute_names.size();
  const int measure = problem.disruption.measure_attribute;
  for (std::size_t i = 0; i < problem.size(); ++i) {
    const Account& a = problem.accounts[i];
    int index = static_cast<int>(units.size());
    if (a.group >= 0) {
      auto [it, inserted] = unit_of_group.emplace(a.group, index);
      index = it->second;
    }
    if (index == static_cast<int>(units.size())) {
      units.emplace_back();
      units.back().totals.assign(m, 0.0);
      units.back().owner = a.owner;
      units.back().region = a.region;
    }
    Unit& unit = units[index];
    unit.accounts.push_back(static_cast<int>(i));
    for (std::size_t k = 0; k < m; ++k) unit.totals[k] += a.attributes[k];
    if (a.lock >= 0) unit.lock = a.lock;
    // A group's owner is the owner of its first owned account; moved accounts count singly.
    if (unit.owner < 0) unit.owner = a.owner;
    unit.moved_measure += measure < 0 ? 1.0 : a.attributes[measure];
  }
  return units;
}

void assign_territory_regions(Problem& problem) {
  const int regions = static_cast<int>(problem.region_names.size());
  if (regions == 0) return;
  bool any_given = std::any_of(problem.territories.begin(), problem.territories.end(),
                               [](const Territory& t) { return t.region >= 0; });
  if (any_given) return;
  const int p = problem.territory_count();
  if (p < regions)
    throw_input("{}: {} territories cannot cover {} regions; allowed: at least one per region",
                problem.name, p, regions);
  std::vector<double> count(regions, 0.0);
  for (const Account& a : problem.accounts)
    if (a.region >= 0) count[a.region] += 1.0;
  const double total = std::accumulate(count.begin(), count.end(), 0.0);
  // Largest remainder with one territory guaranteed per region.
  std::vector<int> share(regions, 1);
  std::vector<double> remainder(regions);
  int left = p - regions;
  int given = 0;
  for (int r = 0; r < regions; ++r) {
    double exact = left * count[r] / total;
    int whole = static_cast<int>(std::floor(exact));
    share[r] += whole;
    given += whole;
    remainder[r] = exact - whole;
  }
  std::vector<int> order(regions);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return remainder[a] > remainder[b]; });
  for (int k = 0; k < left - given; ++k) ++share[order[k % regions]];
  int t = 0;
  for (int r = 0; r < regions; ++r)
    for (int k = 0; k < share[r]; ++k) problem.territories[t++].region = r;
}

}  // namespace opsim::territory
