#include "models/territory/bound.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <queue>
#include <vector>

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include "sim/base/stopwatch.hpp"

namespace opsim::territory {

namespace {

//! Dynamic programming tables larger than this (items x capacity) fall back to the LP bound.
constexpr std::size_t kMaxTable = 20'000'000;

//! One candidate centre's knapsack: the accounts it may serve and what serving them is worth.
struct Column {
  std::vector<int> items;     //!< nearest accounts by cost, ascending
  std::vector<double> cost;   //!< w_i d_ij of those accounts
  std::vector<int> sorted;    //!< the same accounts by index
  double radius = kInfinity;  //!< cost of the first account left out
};

//! The multipliers u and the accounts in decreasing order of u (ties by index).
struct Multipliers {
  std::vector<double> u;
  std::vector<int> by_u;

  void sort() {
    by_u.resize(u.size());
    std::iota(by_u.begin(), by_u.end(), 0);
    std::sort(by_u.begin(), by_u.end(),
              [&](int a, int b) { return u[a] != u[b] ? u[a] > u[b] : a < b; });
  }
};

struct Knapsack {
  double value = 0.0;
  std::vector<std::pair<int, double>> chosen;  //!< account, fraction served
};

//! The p-median data with one limited attribute: costs w_i d_ij, weights a_i, capacity C.
class Relaxation {
 public:
  Relaxation(const Problem& problem, const Distances& distances, int attribute, double capacity,
             bool exact, int neighbours)
      : problem_(problem),
        distances_(distances),
        n_(static_cast<int>(problem.size())),
        capacity_(capacity),
        exact_(exact) {
    weight_.resize(n_);
    for (int i = 0; i < n_; ++i)
      weight_[i] = attribute < 0 ? 0.0 : problem.accounts[i].attributes[attribute];
    columns_.resize(n_);
    const int keep = std::min(n_, neighbours);
    tbb::parallel_for(0, n_, [&](int j) {
      std::vector<std::pair<double, int>> all(n_);
      for (int i = 0; i < n_; ++i) all[i] = {cost(i, j), i};
      auto end = all.begin() + std::min(n_, keep + 1);
      std::partial_sort(all.begin(), end, all.end());
      Column& c = columns_[j];
      c.radius = keep < n_ ? all[keep].first : kInfinity;
      for (int k = 0; k < keep; ++k) {
        c.items.push_back(all[k].second);
        c.cost.push_back(all[k].first);
      }
      c.sorted = c.items;
      std::sort(c.sorted.begin(), c.sorted.end());
    });
  }

  int size() const { return n_; }
  double cost(int i, int j) const { return problem_.accounts[i].weight * distances_(i, j); }

  //! u_i = the cost of serving i from its nearest other account: a good first multiplier.
  std::vector<double> first_multipliers() const {
    std::vector<double> u(n_, 0.0);
    if (n_ < 2) return u;
    tbb::parallel_for(0, n_, [&](int i) {
      double best = kInfinity;
      for (int j = 0; j < n_; ++j)
        if (j != i) best = std::min(best, cost(i, j));
      u[i] = best;
    });
    return u;
  }

  //! The knapsack of centre j under multipliers m, as an LP.
  Knapsack solve_lp(int j, const Multipliers& m) const { return solve_lp(positive_items(j, m)); }
  //! The same knapsack in 0-1 items by dynamic programming over integer weights; the LP when the
  //! table would be too large (a weaker value, still a valid bound).
  Knapsack solve_exact(int j, const Multipliers& m) const {
    std::vector<Item> items = positive_items(j, m);
    const std::size_t size = static_cast<std::size_t>(std::floor(capacity_));
    if (!exact_ || items.size() * (size + 1) > kMaxTable) return solve_lp(std::move(items));
    Knapsack k;
    std::vector<double> best(size + 1, 0.0);
    std::vector<std::uint8_t> take(items.size() * (size + 1), 0);
    for (std::size_t r = 0; r < items.size(); ++r) {
      const Item& item = items[r];
      const auto w = static_cast<std::size_t>(item.weight);
      if (w > size) continue;
      std::uint8_t* row = &take[r * (size + 1)];
      for (std::size_t c = size + 1; c-- > w;) {
        const double candidate = best[c - w] + item.profit;
        if (candidate > best[c]) {
          best[c] = candidate;
          row[c] = 1;
        }
      }
    }
    k.value = best[size];
    std::size_t c = size;
    for (std::size_t r = items.size(); r-- > 0;) {
      if (!take[r * (size + 1) + c]) continue;
      k.chosen.emplace_back(items[r].account, 1.0);
      c -= static_cast<std::size_t>(items[r].weight);
    }
    return k;
  }

 private:
  struct Item {
    int account;
    double profit;
    double weight;
  };

  Knapsack solve_lp(std::vector<Item> items) const {
    std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
      // Zero-weight items first (infinite ratio), then by profit per unit, ties by account.
      const bool fa = a.weight <= 0, fb = b.weight <= 0;
      if (fa != fb) return fa;
      const double ra = fa ? a.profit : a.profit / a.weight;
      const double rb = fb ? b.profit : b.profit / b.weight;
      if (ra != rb) return ra > rb;
      return a.account < b.account;
    });
    Knapsack k;
    double room = capacity_;
    for (const Item& item : items) {
      if (item.weight <= 0) {
        k.value += item.profit;
        k.chosen.emplace_back(item.account, 1.0);
        continue;
      }
      if (room <= 0) break;
      const double fraction = std::min(1.0, room / item.weight);
      k.value += fraction * item.profit;
      k.chosen.emplace_back(item.account, fraction);
      room -= fraction * item.weight;
    }
    return k;
  }

  //! Accounts with u_i > w_i d_ij: only they can enter j's knapsack. Those outside j's
  //! neighbour list cost at least its radius, so only accounts with u_i above the radius (the
  //! first ones of m.by_u) need a look beyond the list.
  std::vector<Item> positive_items(int j, const Multipliers& m) const {
    std::vector<Item> items;
    const Column& c = columns_[j];
    auto consider = [&](int i, double cost_ij) {
      const double profit = m.u[i] - cost_ij;
      if (profit > 0) items.push_back({i, profit, weight_[i]});
    };
    for (std::size_t k = 0; k < c.items.size(); ++k) consider(c.items[k], c.cost[k]);
    for (int i : m.by_u) {
      if (!(m.u[i] > c.radius)) break;
      if (!std::binary_search(c.sorted.begin(), c.sorted.end(), i)) consider(i, cost(i, j));
    }
    return items;
  }

  const Problem& problem_;
  const Distances& distances_;
  int n_;
  double capacity_;
  bool exact_;
  std::vector<double> weight_;  //!< a_i: the limited attribute (0 when uncapacitated)
  std::vector<Column> columns_;
};

//! The limited attribute whose largest limit is the smallest share of its total, and that
//! limit; (-1, infinity) when no attribute is limited.
std::pair<int, double> knapsack_attribute(const Problem& problem) {
  const std::vector<std::vector<double>> limits = territory_limits(problem);
  int chosen = -1;
  double capacity = kInfinity, share = kInfinity;
  for (std::size_t k = 0; k < problem.attribute_names.size(); ++k) {
    double largest = 0.0, total = 0.0;
    for (const auto& territory : limits) largest = std::max(largest, territory[k]);
    for (const Account& a : problem.accounts) total += a.attributes[k];
    if (!std::isfinite(largest) || !(total > 0)) continue;
    if (largest / total < share) {
      share = largest / total;
      chosen = static_cast<int>(k);
      capacity = largest;
    }
  }
  return {chosen, capacity};
}

bool integral(const Problem& problem, int attribute, double capacity) {
  if (attribute < 0 || !std::isfinite(capacity)) return false;
  for (const Account& a : problem.accounts) {
    const double v = a.attributes[attribute];
    if (v != std::floor(v)) return false;
  }
  return true;
}

}  // namespace

std::optional<LowerBound> lagrangian_bound(const Problem& problem, const Distances& distances,
                                           const BoundSettings& settings) {
  const int p = problem.territory_count();
  const std::size_t n = problem.size();
  if (problem.objective != ObjectiveKind::compactness || problem.distance == DistanceKind::none ||
      problem.disruption.weight < 0 || n > kMaxBoundAccounts || p < 1 ||
      static_cast<std::size_t>(p) > n)
    return std::nullopt;
  Stopwatch watch;
  // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
  const std::pair<int, double> limited = knapsack_attribute(problem);
  const int attribute = limited.first;
  const double capacity = limited.second;
  LowerBound result;
  result.attribute = attribute;
  result.exact_knapsacks = integral(problem, attribute, capacity);
  tbb::task_arena arena(std::max(1, settings.threads));
  arena.execute([&] {
    const Relaxation relaxation(problem, distances, attribute, capacity, result.exact_knapsacks,
                                std::max(1, settings.neighbours));
    Multipliers m;
    m.u = relaxation.first_multipliers();
    std::vector<double>& u = m.u;
    std::vector<Knapsack> lp(n);
    std::vector<double> g(n);
    std::vector<int> order(n);
    double best = -kInfinity, theta = 2.0;
    int stall = 0;
    for (int it = 0; it < settings.iterations; ++it) {
      result.iterations = it + 1;
      m.sort();
      tbb::parallel_for(std::size_t{0}, n, [&](std::size_t j) {
        lp[j] = relaxation.solve_lp(static_cast<int>(j), m);
        g[j] = -lp[j].value;
      });
      // The p centres of smallest g. Exact knapsacks can only raise g, so columns are solved
      // exactly in order of their LP value until the next LP value cannot enter the p smallest.
      std::iota(order.begin(), order.end(), 0);
      std::sort(order.begin(), order.end(),
                [&](int a, int b) { return g[a] != g[b] ? g[a] < g[b] : a < b; });
      std::vector<std::pair<double, int>> medians;  // (g, j)
      if (result.exact_knapsacks) {
        // In batches of a fixed size (never the thread count), so the columns solved, and so the
        // bound, do not depend on the threads.
        constexpr std::size_t kBatch = 64;
        std::priority_queue<double> largest;  // the p smallest exact values, largest on top
        bool done = false;
        for (std::size_t first = 0; first < n && !done; first += kBatch) {
          const std::size_t last = std::min(n, first + kBatch);
          tbb::parallel_for(first, last, [&](std::size_t k) {
            lp[order[k]] = relaxation.solve_exact(order[k], m);
          });
          for (std::size_t k = first; k < last; ++k) {
            const int j = order[k];
            if (static_cast<int>(largest.size()) >= p && g[j] >= largest.top()) {
              done = true;
              break;
            }
            const double exact = -lp[j].value;
            medians.emplace_back(exact, j);
            largest.push(exact);
            if (static_cast<int>(largest.size()) > p) largest.pop();
          }
        }
        std::sort(medians.begin(), medians.end());
        medians.resize(static_cast<std::size_t>(p));
      } else {
        for (int k = 0; k < p; ++k) medians.emplace_back(g[order[k]], order[k]);
      }
      double bound = 0.0;
      for (double value : u) bound += value;
      for (const auto& m : medians) bound += m.first;
      std::vector<double> served(n, 0.0);
      for (const auto& m : medians)
        for (const auto& [i, fraction] : lp[m.second].chosen) served[i] += fraction;
      if (it == 0 || bound > best + 1e-9 * std::max(1.0, std::abs(best))) {
        best = bound;
        stall = 0;
      } else if (++stall >= 20) {
        theta /= 2;
        stall = 0;
      }
      double norm = 0.0;
      for (double s : served) norm += (1.0 - s) * (1.0 - s);
      if (norm < 1e-12) {
        result.relaxation_feasible = true;
        break;
      }
      if (theta < 1e-5) break;
      if (watch.seconds() > settings.time_limit) {
        result.stopped_by_time = true;
        break;
      }
      const double goal =
          settings.upper && *settings.upper > best ? *settings.upper : best * 1.05 + 1.0;
      const double step = theta * (goal - bound) / norm;
      for (std::size_t i = 0; i < n; ++i) u[i] += step * (1.0 - served[i]);
    }
    result.value = best;
  });
  // With integer objective values the optimum is at least the next integer.
  const bool integral_objective =
      problem.distance == DistanceKind::euclidean_floor && problem.disruption.weight == 0 &&
      std::all_of(problem.accounts.begin(), problem.accounts.end(),
                  [](const Account& a) { return a.weight == std::floor(a.weight); });
  if (integral_objective) {
    const double rounded = std::ceil(result.value - 1e-6 * std::max(1.0, std::abs(result.value)));
    result.rounded_up = rounded > result.value;
    result.value = std::max(result.value, rounded);
  }
  result.seconds = watch.seconds();
  return result;
}

}  // namespace opsim::territory
