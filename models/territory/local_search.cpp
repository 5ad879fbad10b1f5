#include "models/territory/local_search.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <queue>
#include <tuple>

// Boost 1.74's geometry headers include a header Boost itself deprecated; its note is noise.
#define BOOST_ALLOW_DEPRECATED_HEADERS
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>

#include "models/territory/labels.hpp"
#include "sim/base/error.hpp"
#include "sim/base/random.hpp"

namespace opsim::territory {

namespace {

using Clock = std::chrono::steady_clock;
//! Above this many territories a unit only considers its nearest centres as targets.
constexpr int kAllTargetsLimit = 40;
constexpr int kNearestTargets = 10;
//! Swap moves are quadratic in the number of units; above this they are skipped.
constexpr int kSwapUnitLimit = 3000;
//! Swap partners sampled per target territory on large instances.
constexpr std::size_t kSwapSamples = 24;
//! Unit x territory costs are tabulated up to this many cells.
constexpr std::size_t kCostTableLimit = 1 << 22;
//! Weight of the mean diameter next to the largest one: breaks the plateaus of a max objective.
constexpr double kMeanDiameterWeight = 0.1;
constexpr double kFeasibleViolation = 1e-9;
//! The balance penalty weight grows at most this much over its start value.
constexpr double kMaxPenaltyGrowth = 1e6;
//! Alignments kept for path relinking: all pairs of them are relinked each round.
constexpr std::size_t kEliteSize = 4;
//! Evaluations each running task advances by in a round of the search (see optimise).
constexpr std::uint64_t kRoundWork = 250'000;
//! Starts in their first phase (construction and first descent) at once: the next start begins
//! when one of them ends its first descent, so that under a short time limit the first starts
//! finish their descent instead of all advancing together. Fixed: not the thread count.
constexpr int kStartWave = 2;
//! Continuations of the best alignment per continuation round (fixed: not the thread count).
constexpr int kContinuations = 2;
//! Rounds in a row without improvement after which the continuations of the best end.
constexpr int kMaxIdleContinuations = 3;
//! Rounds of `starts` more starts while none has found a feasible alignment.
constexpr int kMoreStartRounds = 8;
//! Descents along one relinking path (centres are replaced in batches beyond this many).
constexpr std::size_t kRelinkSteps = 12;

//! Everything a move changes; copied to keep the best alignment of a start.
struct State {
  std::vector<int> assign;        //!< unit -> territory
  std::vector<int> centre;        //!< territory -> centre account (compactness), -1 otherwise
  std::vector<double> totals;     //!< territory x attribute
  std::vector<double> violation;  //!< per territory, in units of a mean territory
  std::vector<double> cost;       //!< per territory: compactness sum
  std::vector<double> diam;       //!< per territory (dispersion)
  std::vector<double> far;        //!< account x territory: largest distance to a member
  std::vector<std::vector<int>> members;  //!< territory -> accounts
  std::vector<int> position;              //!< account -> index in members[territory]
  double moved = 0.0;                     //!< disruption measure moved
};

struct Score {
  bool feasible = false;
  double value = kInfinity;  //!< objective when feasible, violation otherwise
  bool operator<(const Score& other) const {
    if (feasible != other.feasible) return feasible;
    return value < other.value;
  }
};

//! How a task's call to Search::improve_until ended.
enum class Progress { paused, finished, stopped };

class Search {
 public:
  Search(const Problem& problem, const Distances& distances, const std::vector<Unit>& units,
         Rng rng)
      : problem_(problem),
        distances_(distances),
        units_(units),
        rng_(rng),
        n_(static_cast<int>(problem.size())),
        p_(problem.territory_count()),
        m_(static_cast<int>(problem.attribute_names.size())),
        compact_(problem.objective == ObjectiveKind::compactness),
        geographic_(problem.distance != DistanceKind::none) {
    unit_of_.assign(n_, -1);
    for (int u = 0; u < static_cast<int>(units_.size()); ++u)
      for (int i : units_[u].accounts) unit_of_[i] = u;
    std::vector<double> sum(m_, 0.0);
    for (const Account& a : problem_.accounts)
      for (int k = 0; k < m_; ++k) sum[k] += a.attributes[k];
    scale_.assign(m_, 1.0);
    lower_.assign(m_, -kInfinity);
    upper_.assign(static_cast<std::size_t>(p_) * m_, kInfinity);
    for (int k = 0; k < m_; ++k) scale_[k] = sum[k] > 0 ? sum[k] / p_ : 1.0;
    for (const BalanceRule& rule : problem_.balance) {
      double mean = sum[rule.attribute] / p_;
      lower_[rule.attribute] = std::max(lower_[rule.attribute], (1 - rule.tolerance) * mean);
      for (int t = 0; t < p_; ++t) {
        double& up = upper_[static_cast<std::size_t>(t) * m_ + rule.attribute];
        up = std::min(up, (1 + rule.tolerance) * mean);
      }
    }
    for (int t = 0; t < p_; ++t) {
      const auto& capacity = problem_.territories[t].capacity;
      for (std::size_t k = 0; k < capacity.size(); ++k)
        if (capacity[k]) {
          double& up = upper_[static_cast<std::size_t>(t) * m_ + k];
          up = std::min(up, *capacity[k]);
        }
    }
    double measure_total = 0.0;
    for (const Unit& u : units_) measure_total += u.moved_measure;
    if (problem_.disruption.max_moved_fraction)
      moved_cap_ = *problem_.disruption.max_moved_fraction * measure_total;
    moved_scale_ = measure_total > 0 ? measure_total / p_ : 1.0;
    unit_diameter_.assign(units_.size(), 0.0);
    for (std::size_t u = 0; u < units_.size(); ++u)
      if (units_[u].accounts.size() > 1 && geographic_)
        unit_diameter_[u] = diameter(problem_, distances_, units_[u].accounts);
    if (problem_.contiguity) {
      adjacent_.resize(n_);
      for (const Edge& e : problem_.edges) {
        adjacent_[e.from].push_back(e.to);
        adjacent_[e.to].push_back(e.from);
      }
    }
    swaps_ = !problem_.contiguity;
    large_ = static_cast<int>(units_.size()) > kSwapUnitLimit;
  }

  //! A start's construction (the alignment it has from then on, never cut by a work cap); its
  //! first descent (local search with penalty adaptation) and then the VNS run in improve_until,
  //! so that a large instance's first descent pauses in rounds like the VNS.
  void begin_start(int start, const std::optional<Alignment>& initial, int max_idle) {
    work_cap_ = 0;
    // A realignment with a cap or a price on moves starts every start from the current owners
    // (each with its own centres): a start from scratch moves about (p-1)/p of the measure.
    const bool owners = problem_.has_owners();
    const bool moves_matter =
        problem_.disruption.max_moved_fraction || problem_.disruption.weight > 0;
    if (start == 0 && initial) {
      construct_from(*initial);
    } else if (owners && (start == 0 || moves_matter)) {
      construct_from_owners();
    } else {
      bisect_ = p_ > kAllTargetsLimit || start % 2 == 1;
      construct();
    }
    // The construction itself (e.g. the current alignment with locks applied) may be the best
    // feasible alignment there is: it is the first candidate.
    best_score_ = Score{};
    keep_if_better();
    first_descent_ = true;
    start_vns(max_idle);
  }

  //! Path relinking (compactness): walks from `initiating` towards `guiding` by replacing its
  //! centres with the guiding centres it lacks (nearest pairs first, in at most kRelinkSteps
  //! batches), each step followed by a descent; the best alignment on the path then seeds a VNS.
  //! Good alignments share most centres, so the path crosses the region between them that
  //! neither start's perturbations reached.
  //! This is the first phase of a relinking task (only the deadline cuts it); improve_until runs
  //! the VNS. \pre both are feasible alignments of this problem with a centre per territory.
  void begin_relink(const Alignment& initiating, const Alignment& guiding, int max_idle) {
    work_cap_ = 0;
    construct_from(initiating);
    best_score_ = Score{};
    keep_if_better();
    descend();
    keep_if_better();
    // Guiding centres the initiating alignment lacks, each paired with the nearest territory
    // whose centre is not a guiding one (greedy matching by distance, nearest pairs first).
    std::vector<char> guide(n_, 0), current(n_, 0);
    for (int c : guiding.centre)
      if (c >= 0) guide[c] = 1;
    for (int c : s_.centre)
      if (c >= 0) current[c] = 1;
    std::vector<std::tuple<double, int, int>> candidates;  // distance, entering account, territory
    for (int g = 0; g < n_; ++g) {
      if (!guide[g] || current[g] || units_[unit_of_[g]].lock >= 0) continue;
      for (int t = 0; t < p_; ++t) {
        const int c = s_.centre[t];
        if (c >= 0 && !guide[c] && problem_.territories[t].centre < 0 && allowed(unit_of_[g], t))
          candidates.emplace_back(distances_(g, c), g, t);
      }
    }
    std::sort(candidates.begin(), candidates.end());
    std::vector<std::pair<int, int>> path;
    std::vector<char> entered(n_, 0), left(p_, 0);
    for (const auto& [d, g, t] : candidates)
      if (!entered[g] && !left[t]) {
        entered[g] = 1;
        left[t] = 1;
        path.emplace_back(g, t);
      }
    // At most kRelinkSteps descents along the path: large instances replace centres in batches.
    const std::size_t batch =
        std::max<std::size_t>(1, (path.size() + kRelinkSteps - 1) / kRelinkSteps);
    for (std::size_t first = 0; first < path.size() && !out_of_time(); first += batch) {
      for (std::size_t k = first; k < std::min(path.size(), first + batch); ++k) {
        const auto [entering, territory] = path[k];
        if (pinned_[unit_of_[entering]]) continue;  // a recentring made it another's centre
        if (s_.centre[territory] >= 0) pinned_[unit_of_[s_.centre[territory]]] = 0;
        s_.centre[territory] = entering;
        if (s_.assign[unit_of_[entering]] != territory) move(unit_of_[entering], territory);
        pinned_[unit_of_[entering]] = 1;
      }
      recompute_costs();
      refresh_targets();
      descend();
      keep_if_better();
    }
    restore_best();
    start_vns(max_idle);
  }

  //! Variable neighbourhood search from the current state: perturb k centres or units, descend,
  //! keep the best. Returns `finished` after max_idle perturbations in a row without improvement,
  //! `paused` between two perturbations once the work reaches `pause_at` (a later call continues
  //! exactly as if there had been no pause: the trajectory does not depend on how it is cut into
  //! calls), `stopped` at the deadline or the work cap (then conclude() restores the best).
  Progress improve_until(std::uint64_t pause_at) {
    if (first_descent_) {
      if (!descend(pause_at)) return Progress::paused;
      keep_if_better();
      first_descent_ = false;
    }
    const int k_max = std::max(2, std::min(p_, 10));
    while (idle_ < max_idle_) {
      if (out_of_time()) return Progress::stopped;
      if (work_ >= pause_at) return Progress::paused;
      perturb(k_);
      improved_in_descent_ = false;
      descend();
      const bool kept = keep_if_better();
      if (kept || improved_in_descent_) {
        if (!kept) restore_best();  // the best was a state the descent passed through
        idle_ = 0;
        k_ = 1;
      } else {
        restore_best();
        ++idle_;
        k_ = k_ % k_max + 1;
      }
      lambda_ = std::max(base_lambda_, 0.7 * lambda_);
    }
    restore_best();
    return Progress::finished;
  }

  //! Ends a paused or stopped task: the state becomes its best alignment.
  void conclude() { restore_best(); }

  void set_deadline(Clock::time_point deadline) { deadline_ = deadline; }
  //! A hard cap on the work (0 = none): inside an operation the search stops at it, and a state
  //! reached at or beyond it is never kept, so a capped task's best is one the uncapped task
  //! also passes through (its result can only improve with a larger cap).
  void set_work_cap(std::uint64_t cap) { work_cap_ = cap; }
  //! The objective of the best feasible state so far, if any.
  std::optional<double> best_feasible() const {
    if (!best_score_.feasible) return std::nullopt;
    return best_score_.value;
  }

  void restore_best() {
    s_ = best_;
    pinned_.assign(units_.size(), 0);
    for (int t = 0; t < p_; ++t)
      if (s_.centre[t] >= 0) pinned_[unit_of_[s_.centre[t]]] = 1;
    for (int& v : version_) ++v;
    if (compact_) {
      recompute_costs();
      refresh_targets();
    }
  }

  Alignment alignment() const {
    Alignment result;
    result.territory.assign(n_, 0);
    for (std::size_t u = 0; u < units_.size(); ++u)
      for (int i : units_[u].accounts) result.territory[i] = s_.assign[u];
    result.centre = s_.centre;
    return result;
  }
  double time_to_best() const { return time_to_best_; }
  std::uint64_t work() const { return work_; }
  double time_to_feasible() const { return time_to_feasible_; }
  //! A start whose first descent is still to run or paused.
  bool in_first_descent() const { return first_descent_; }
  void set_origin(Clock::time_point origin) { origin_ = origin; }

 private:
  // ---- evaluation helpers -------------------------------------------------------------------

  std::size_t at(int t, int k) const { return static_cast<std::size_t>(t) * m_ + k; }

  double territory_violation(int t, const double* totals) const {
    double v = 0.0;
    for (int k = 0; k < m_; ++k) {
      double x = totals[k];
      double up = upper_[at(t, k)];
      if (x > up * (1 + kBoundSlack)) v += (x - up) / scale_[k];
      if (x < lower_[k] * (1 - kBoundSlack)) v += (lower_[k] - x) / scale_[k];
    }
    return v;
  }
  double moved_violation(double moved) const {
    return moved_cap_ && moved > *moved_cap_ * (1 + kBoundSlack)
               ? (moved - *moved_cap_) / moved_scale_
               : 0.0;
  }
  double total_violation() const {
    return std::accumulate(s_.violation.begin(), s_.violation.end(), 0.0) +
           moved_violation(s_.moved);
  }
  double dispersion_term(const std::vector<double>& diam) const {
    double largest = 0.0, sum = 0.0;
    for (double d : diam) {
      largest = std::max(largest, d);
      sum += d;
    }
    return largest + kMeanDiameterWeight * sum / p_;
  }
  double main_objective() const {
    if (compact_) return std::accumulate(s_.cost.begin(), s_.cost.end(), 0.0);
    return *std::max_element(s_.diam.begin(), s_.diam.end());
  }
  double objective() const { return main_objective() + problem_.disruption.weight * s_.moved; }
  //! Feasibility includes contiguity: moves keep territories connected, but a construction
  //! (e.g. the current alignment) may not be, and the result must never claim it is.
  Score score() const {
    double v = total_violation() + contiguity_violation();
    if (v <= kFeasibleViolation) return {true, objective()};
    return {false, v};
  }
  //! Territories' extra connected components (0 when every territory is connected).
  double contiguity_violation() const {
    if (!problem_.contiguity) return 0.0;
    int extra = 0;
    for (int t = 0; t < p_; ++t) extra += std::max(0, components(t) - 1);
    return extra;
  }
  //! The connected components of territory t's members over the adjacency graph, leaving out
  //! unit `without` (-1: none).
  int components(int t, int without = -1) const {
    visited_.resize(n_, 0);
    if (++visit_mark_ == 0) {
      std::fill(visited_.begin(), visited_.end(), 0);
      visit_mark_ = 1;
    }
    int count = 0;
    std::vector<int> stack;
    for (int seed : s_.members[t]) {
      if (visited_[seed] == visit_mark_ || unit_of_[seed] == without) continue;
      ++count;
      visited_[seed] = visit_mark_;
      stack.assign(1, seed);
      while (!stack.empty()) {
        int i = stack.back();
        stack.pop_back();
        for (int j : adjacent_[i])
          if (visited_[j] != visit_mark_ && s_.assign[unit_of_[j]] == t && unit_of_[j] != without) {
            visited_[j] = visit_mark_;
            stack.push_back(j);
          }
      }
    }
    return count;
  }
  //! Keeps the current state when it beats the best of this start (feasible before infeasible,
  //! then by objective or violation): the best alignment ever seen, not the last.
  bool keep_if_better() {
    if (work_cap_ > 0 && work_ >= work_cap_) return false;
    Score now = score();
    if (!(now < best_score_)) return false;
    best_ = s_;
    best_score_ = now;
    note_best();
    return true;
  }

  bool allowed(int u, int t) const {
    const Unit& unit = units_[u];
    if (unit.lock >= 0) return unit.lock == t;
    return unit.region < 0 || problem_.territories[t].region < 0 ||
           problem_.territories[t].region == unit.region;
  }
  bool movable(int u) const { return units_[u].lock < 0 && !pinned_[u]; }

  //! Sum over the unit's accounts of weight x distance to territory t's centre.
  double unit_cost(int u, int t) const {
    if (!cost_table_.empty()) return cost_table_[static_cast<std::size_t>(u) * p_ + t];
    return unit_cost_direct(u, t);
  }
  double unit_cost_direct(int u, int t) const {
    int c = s_.centre[t];
    if (!compact_ || c < 0 || !geographic_) return 0.0;
    double sum = 0.0;
    for (int i : units_[u].accounts) sum += problem_.accounts[i].weight * distances_(i, c);
    return sum;
  }
  double moved_change(int u, int from, int to) const {
    int owner = units_[u].owner;
    if (owner < 0) return 0.0;
    return units_[u].moved_measure * ((to != owner) - (from != owner));
  }
  //! Largest distance from unit v's accounts to territory t's members, ignoring unit `skip`.
  double far_from(int v, int t, int skip) const {
    double best = 0.0;
    for (int i : units_[v].accounts) {
      double f = s_.far[static_cast<std::size_t>(i) * p_ + t];
      bool touches = false;
      if (skip >= 0)
        for (int j : units_[skip].accounts)
          if (distances_(i, j) >= f) touches = true;
      if (touches) {
        f = 0.0;
        for (int j : s_.members[t])
          if (unit_of_[j] != skip && unit_of_[j] != v) f = std::max(f, distances_(i, j));
      }
      best = std::max(best, f);
    }
    return best;
  }
  //! Diameter of territory t without unit u (cached while t is unchanged).
  double diameter_without(int u, int t) {
    if (cache_version_[u] == version_[t] && cache_territory_[u] == t) return cache_value_[u];
    double f = 0.0;
    for (int i : units_[u].accounts) f = std::max(f, s_.far[static_cast<std::size_t>(i) * p_ + t]);
    double result = s_.diam[t];
    if (f >= s_.diam[t]) {
      result = 0.0;
      const auto& mem = s_.members[t];
      for (std::size_t a = 0; a < mem.size(); ++a) {
        if (unit_of_[mem[a]] == u) continue;
        for (std::size_t b = a + 1; b < mem.size(); ++b)
          if (unit_of_[mem[b]] != u) result = std::max(result, distances_(mem[a], mem[b]));
      }
    }
    cache_version_[u] = version_[t];
    cache_territory_[u] = t;
    cache_value_[u] = result;
    return result;
  }

  // ---- state maintenance ----------------------------------------------------------------------

  void rebuild() {
    const int p = p_;
    s_.totals.assign(static_cast<std::size_t>(p) * m_, 0.0);
    s_.members.assign(p, {});
    s_.position.assign(n_, -1);
    s_.moved = 0.0;
    for (std::size_t u = 0; u < units_.size(); ++u) {
      int t = s_.assign[u];
      for (int k = 0; k < m_; ++k) s_.totals[at(t, k)] += units_[u].totals[k];
      for (int i : units_[u].accounts) {
        s_.position[i] = static_cast<int>(s_.members[t].size());
        s_.members[t].push_back(i);
      }
      if (units_[u].owner >= 0 && units_[u].owner != t) s_.moved += units_[u].moved_measure;
    }
    s_.violation.resize(p);
    for (int t = 0; t < p; ++t)
      s_.violation[t] = territory_violation(t, s_.totals.data() + at(t, 0));
    pinned_.assign(units_.size(), 0);
    for (int t = 0; t < p; ++t)
      if (s_.centre[t] >= 0) pinned_[unit_of_[s_.centre[t]]] = 1;
    recompute_costs();
    if (!compact_) {
      s_.far.assign(static_cast<std::size_t>(n_) * p, 0.0);
      s_.diam.assign(p, 0.0);
      for (int i = 0; i < n_; ++i)
        for (int t = 0; t < p; ++t) {
          double f = 0.0;
          for (int j : s_.members[t]) f = std::max(f, distances_(i, j));
          s_.far[static_cast<std::size_t>(i) * p + t] = f;
        }
      for (int t = 0; t < p; ++t)
        for (int i : s_.members[t])
          s_.diam[t] = std::max(s_.diam[t], s_.far[static_cast<std::size_t>(i) * p + t]);
    }
    version_.assign(p, 0);
    cache_version_.assign(units_.size(), -1);
    cache_territory_.assign(units_.size(), -1);
    cache_value_.assign(units_.size(), 0.0);
  }

  //! Refreshes the unit x territory cost table (small instances) and the territory costs; call
  //! whenever centres change.
  void recompute_costs() {
    s_.cost.assign(p_, 0.0);
    if (!compact_) return;
    cost_table_.clear();
    const std::size_t cells = units_.size() * static_cast<std::size_t>(p_);
    if (geographic_ && p_ <= kAllTargetsLimit && cells <= kCostTableLimit) {
      std::vector<double> table(cells);
      for (std::size_t u = 0; u < units_.size(); ++u)
        for (int t = 0; t < p_; ++t) table[u * p_ + t] = unit_cost_direct(static_cast<int>(u), t);
      cost_table_ = std::move(table);
    }
    for (std::size_t u = 0; u < units_.size(); ++u)
      s_.cost[s_.assign[u]] += unit_cost(static_cast<int>(u), s_.assign[u]);
  }

  void move(int u, int to) {
    const int from = s_.assign[u];
    const Unit& unit = units_[u];
    for (int k = 0; k < m_; ++k) {
      s_.totals[at(from, k)] -= unit.totals[k];
      s_.totals[at(to, k)] += unit.totals[k];
    }
    s_.violation[from] = territory_violation(from, s_.totals.data() + at(from, 0));
    s_.violation[to] = territory_violation(to, s_.totals.data() + at(to, 0));
    s_.moved += moved_change(u, from, to);
    if (compact_) {
      s_.cost[from] -= unit_cost(u, from);
      s_.cost[to] += unit_cost(u, to);
    }
    for (int i : unit.accounts) {
      auto& source = s_.members[from];
      int index = s_.position[i];
      source[index] = source.back();
      s_.position[source[index]] = index;
      source.pop_back();
      s_.position[i] = static_cast<int>(s_.members[to].size());
      s_.members[to].push_back(i);
    }
    s_.assign[u] = to;
    ++version_[from];
    ++version_[to];
    if (!compact_) update_far(u, from, to);
  }

  void update_far(int u, int from, int to) {
    const auto& moved = units_[u].accounts;
    for (int j = 0; j < n_; ++j) {
      double* row = &s_.far[static_cast<std::size_t>(j) * p_];
      bool stale = false;
      for (int i : moved) {
        double d = distances_(i, j);
        row[to] = std::max(row[to], d);
        if (d >= row[from]) stale = true;
      }
      if (stale) {
        double f = 0.0;
        for (int k : s_.members[from]) f = std::max(f, distances_(j, k));
        row[from] = f;
      }
    }
    s_.diam[to] = 0.0;
    for (int i : s_.members[to])
      s_.diam[to] = std::max(s_.diam[to], s_.far[static_cast<std::size_t>(i) * p_ + to]);
    s_.diam[from] = 0.0;
    for (int i : s_.members[from])
      s_.diam[from] = std::max(s_.diam[from], s_.far[static_cast<std::size_t>(i) * p_ + from]);
  }

  // ---- candidate targets ----------------------------------------------------------------------

  //! Coordinates on the unit sphere for haversine (chord order = great-circle order), else planar.
  using Point = boost::geometry::model::point<double, 3, boost::geometry::cs::cartesian>;
  Point point_of(int i) const {
    const Account& a = problem_.accounts[i];
    if (problem_.distance == DistanceKind::haversine) {
      const double to_radians = std::acos(-1.0) / 180.0;
      double lon = a.x * to_radians, lat = a.y * to_radians;
      return Point(std::cos(lat) * std::cos(lon), std::cos(lat) * std::sin(lon), std::sin(lat));
    }
    return Point(a.x, a.y, 0.0);
  }

  //! Targets a unit considers: all territories when p is small, else its nearest centres.
  void refresh_targets() {
    if (p_ <= kAllTargetsLimit || !compact_ || !geographic_ ||
        problem_.distance == DistanceKind::graph) {
      targets_.clear();
      return;
    }
    namespace bgi = boost::geometry::index;
    std::vector<std::pair<Point, int>> entries;
    for (int t = 0; t < p_; ++t)
      if (s_.centre[t] >= 0) entries.emplace_back(point_of(s_.centre[t]), t);
    bgi::rtree<std::pair<Point, int>, bgi::quadratic<16>> tree(entries.begin(), entries.end());
    const bool regions = !problem_.region_names.empty();
    const int wanted = regions ? 3 * kNearestTargets : kNearestTargets;
    targets_.assign(units_.size() * kNearestTargets, -1);
    std::vector<std::pair<Point, int>> found;
    for (std::size_t u = 0; u < units_.size(); ++u) {
      int* row = &targets_[u * kNearestTargets];
      int count = 0;
      found.clear();
      tree.query(bgi::nearest(point_of(units_[u].accounts.front()), wanted),
                 std::back_inserter(found));
      std::sort(found.begin(), found.end(), [&](const auto& a, const auto& b) {
        return unit_cost(static_cast<int>(u), a.second) <
                   unit_cost(static_cast<int>(u), b.second) ||
               (unit_cost(static_cast<int>(u), a.second) ==
                    unit_cost(static_cast<int>(u), b.second) &&
                a.second < b.second);
      });
      for (const auto& [point, t] : found)
        if (count < kNearestTargets && allowed(static_cast<int>(u), t)) row[count++] = t;
    }
  }

  template <class F>
  void for_each_target(int u, F&& f) const {
    if (targets_.empty()) {
      for (int t = 0; t < p_; ++t)
        if (allowed(u, t)) f(t);
      return;
    }
    const int* row = &targets_[static_cast<std::size_t>(u) * kNearestTargets];
    bool owner_seen = units_[u].owner < 0;
    for (int k = 0; k < kNearestTargets && row[k] >= 0; ++k) {
      owner_seen = owner_seen || row[k] == units_[u].owner;
      f(row[k]);
    }
    if (!owner_seen && allowed(u, units_[u].owner)) f(units_[u].owner);
  }

  // ---- construction -----------------------------------------------------------------------------

  //! Centres by k-means++ sampling (D^2), restricted to each territory's region; locked accounts
  //! and fixed centres are honoured first.
  void choose_centres() {
    s_.centre.assign(p_, -1);
    std::vector<char> taken(n_, 0);
    for (int t = 0; t < p_; ++t) {
      int fixed = problem_.territories[t].centre;
      if (fixed >= 0) {
        s_.centre[t] = fixed;
        taken[fixed] = 1;
      }
    }
    // A territory with locked accounts is centred on one of them.
    std::vector<std::vector<int>> locked(p_);
    for (int i = 0; i < n_; ++i)
      if (problem_.accounts[i].lock >= 0) locked[problem_.accounts[i].lock].push_back(i);
    for (int t = 0; t < p_; ++t)
      if (s_.centre[t] < 0 && !locked[t].empty()) {
        int i = locked[t][rng_() % locked[t].size()];
        if (!taken[i]) {
          s_.centre[t] = i;
          taken[i] = 1;
        }
      }
    if (!geographic_) return;
    std::vector<double> nearest(n_, kInfinity);
    auto add_centre = [&](int c) {
      for (int i = 0; i < n_; ++i) nearest[i] = std::min(nearest[i], distances_(i, c));
    };
    for (int t = 0; t < p_; ++t)
      if (s_.centre[t] >= 0) add_centre(s_.centre[t]);
    for (int t = 0; t < p_; ++t) {
      if (s_.centre[t] >= 0) continue;
      double total = 0.0;
      auto eligible = [&](int i) {
        return !taken[i] && units_[unit_of_[i]].lock < 0 && allowed(unit_of_[i], t);
      };
      for (int i = 0; i < n_; ++i)
        if (eligible(i)) total += std::isinf(nearest[i]) ? 1.0 : nearest[i] * nearest[i];
      double pick = rng_.uniform() * total;
      int chosen = -1;
      for (int i = 0; i < n_; ++i) {
        if (!eligible(i)) continue;
        chosen = i;
        pick -= std::isinf(nearest[i]) ? 1.0 : nearest[i] * nearest[i];
        if (pick <= 0) break;
      }
      if (chosen < 0) continue;  // no free account in the region: territory stays empty
      s_.centre[t] = chosen;
      taken[chosen] = 1;
      add_centre(chosen);
    }
  }

  void construct() {
    choose_centres();
    s_.assign.assign(units_.size(), -1);
    for (int t = 0; t < p_; ++t)
      if (s_.centre[t] >= 0) s_.assign[unit_of_[s_.centre[t]]] = t;
    // For dispersion and without geography the centres are only seeds of the construction.
    if (problem_.contiguity) {
      grow_contiguous();
      finish_construction();
      return;
    }
    if (compact_ && geographic_ && bisect_) {
      bisect();
      finish_construction();
      recentre();
      refresh_targets();
      return;
    }
    greedy_assign();
    finish_construction();
  }

  //! Recursive bisection: splits the units along the longer axis (of a randomly rotated frame)
  //! at the point where the balance weight divides in proportion to the territory counts. Gives
  //! balanced, compact starts at any scale (n log n log p), where seeding centres alone would
  //! leave dense areas with too few territories.
  void bisect() {
    const double angle = rng_.uniform() * std::acos(-1.0);
    const double c = std::cos(angle), s = std::sin(angle);
    const bool spherical = problem_.distance == DistanceKind::haversine;
    std::vector<std::array<double, 3>> items;  // u, v (rotated coordinates), weight
    std::vector<int> unit_ids;
    double mean_lat = 0.0;
    for (const Account& a : problem_.accounts) mean_lat += a.y;
    mean_lat /= std::max(1, n_);
    const double shrink = spherical ? std::cos(mean_lat * std::acos(-1.0) / 180.0) : 1.0;
    // Territories per region (all together when regions are not used).
    std::map<int, std::vector<int>> territories_of_region;
    for (int t = 0; t < p_; ++t) territories_of_region[problem_.territories[t].region].push_back(t);
    std::map<int, std::vector<int>> units_of_region;
    for (std::size_t u = 0; u < units_.size(); ++u) {
      int r = units_[u].region;
      if (!territories_of_region.count(r)) r = territories_of_region.begin()->first;
      units_of_region[r].push_back(static_cast<int>(u));
    }
    s_.assign.assign(units_.size(), -1);
    for (auto& [region, list] : units_of_region) {
      const std::vector<int>& ts = territories_of_region[region];
      std::vector<Item> region_items;
      for (int u : list) {
        const Account& a = problem_.accounts[units_[u].accounts.front()];
        double x = a.x * shrink, y = a.y;
        double weight = 0.0;
        for (const BalanceRule& rule : problem_.balance)
          weight += units_[u].totals[rule.attribute] / scale_[rule.attribute];
        if (problem_.balance.empty()) weight = 1.0;
        region_items.push_back({c * x - s * y, s * x + c * y, weight, u});
      }
      split(region_items.begin(), region_items.end(), ts.data(), static_cast<int>(ts.size()));
    }
    s_.centre.assign(p_, -1);
    for (int t = 0; t < p_; ++t)
      if (problem_.territories[t].centre >= 0) s_.centre[t] = problem_.territories[t].centre;
  }

  struct Item {
    double x, y, weight;
    int unit;
  };
  using ItemIterator = std::vector<Item>::iterator;

  void split(ItemIterator first, ItemIterator last, const int* territories, int count) {
    if (first == last) return;
    if (count == 1) {
      for (auto it = first; it != last; ++it) s_.assign[it->unit] = territories[0];
      return;
    }
    double min_x = kInfinity, max_x = -kInfinity, min_y = kInfinity, max_y = -kInfinity, total = 0;
    for (auto it = first; it != last; ++it) {
      min_x = std::min(min_x, it->x);
      max_x = std::max(max_x, it->x);
      min_y = std::min(min_y, it->y);
      max_y = std::max(max_y, it->y);
      total += it->weight;
    }
    const bool along_x = max_x - min_x >= max_y - min_y;
    std::sort(first, last, [&](const Item& a, const Item& b) {
      double ka = along_x ? a.x : a.y, kb = along_x ? b.x : b.y;
      return ka < kb || (ka == kb && a.unit < b.unit);
    });
    const int left = count / 2;
    const double wanted = total * left / count;
    double running = 0.0;
    auto cut = first;
    while (cut != last && running + cut->weight / 2 < wanted) running += (cut++)->weight;
    if (cut == first) ++cut;
    if (cut == last) --cut;
    split(first, cut, territories, left);
    split(cut, last, territories + left, count - left);
  }

  //! Units in decreasing regret order go to the cheapest target with room under the upper bounds.
  void greedy_assign() {
    const std::size_t count = units_.size();
    std::vector<double> totals(static_cast<std::size_t>(p_) * m_, 0.0);
    for (std::size_t u = 0; u < count; ++u)
      if (s_.assign[u] >= 0)
        for (int k = 0; k < m_; ++k) totals[at(s_.assign[u], k)] += units_[u].totals[k];
    s_.cost.assign(p_, 0.0);
    refresh_targets();
    std::vector<std::pair<double, int>> order;
    order.reserve(count);
    for (std::size_t u = 0; u < count; ++u) {
      if (s_.assign[u] >= 0) continue;
      double first = kInfinity, second = kInfinity;
      for_each_target(static_cast<int>(u), [&](int t) {
        double c = distance_to_centre(static_cast<int>(u), t);
        if (c < first) {
          second = first;
          first = c;
        } else if (c < second) {
          second = c;
        }
      });
      double regret = std::isinf(second) ? kInfinity : second - first;
      order.emplace_back(-regret, static_cast<int>(u));
    }
    std::sort(order.begin(), order.end());
    std::vector<std::pair<double, int>> options;
    for (const auto& entry : order) {
      const int u = entry.second;  // a plain variable: clang 14 cannot capture a binding
      options.clear();
      for_each_target(u, [&](int t) { options.emplace_back(distance_to_centre(u, t), t); });
      if (!geographic_) {
        // Without geography, fill the emptiest territory (relative to the mean) first.
        for (auto& [key, t] : options) {
          key = 0.0;
          for (int k = 0; k < m_; ++k) key += totals[at(t, k)] / scale_[k];
        }
      }
      std::sort(options.begin(), options.end());
      int chosen = options.empty() ? 0 : options.front().second;
      for (auto [c, t] : options) {
        bool fits = true;
        for (int k = 0; k < m_ && fits; ++k)
          fits = totals[at(t, k)] + units_[u].totals[k] <= upper_[at(t, k)];
        if (fits) {
          chosen = t;
          break;
        }
      }
      s_.assign[u] = chosen;
      for (int k = 0; k < m_; ++k) totals[at(chosen, k)] += units_[u].totals[k];
    }
  }

  double distance_to_centre(int u, int t) const {
    int c = s_.centre[t];
    if (c < 0 || !geographic_) return 0.0;
    double sum = 0.0;
    for (int i : units_[u].accounts) sum += distances_(i, c);
    return sum;
  }

  //! Multi-source Dijkstra from the centres over the adjacency graph: graph Voronoi cells are
  //! connected, so the construction is contiguous.
  void grow_contiguous() {
    std::vector<double> best(n_, kInfinity);
    using Entry = std::pair<double, std::pair<int, int>>;  // distance, (account, territory)
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue;
    std::vector<double> length_of;
    std::vector<std::vector<std::pair<int, double>>> edges(n_);
    for (const Edge& e : problem_.edges) {
      edges[e.from].emplace_back(e.to, e.length);
      edges[e.to].emplace_back(e.from, e.length);
    }
    for (int t = 0; t < p_; ++t)
      if (s_.centre[t] >= 0) queue.push({0.0, {s_.centre[t], t}});
    std::vector<int> territory(n_, -1);
    while (!queue.empty()) {
      auto [d, key] = queue.top();
      auto [i, t] = key;
      queue.pop();
      if (territory[i] >= 0) continue;
      territory[i] = t;
      for (auto [j, length] : edges[i])
        if (territory[j] < 0 && d + length < best[j]) {
          best[j] = d + length;
          queue.push({d + length, {j, t}});
        }
    }
    for (std::size_t u = 0; u < units_.size(); ++u)
      if (s_.assign[u] < 0) s_.assign[u] = std::max(0, territory[units_[u].accounts.front()]);
  }

  void construct_from(const Alignment& initial) {
    s_.centre = initial.centre;
    s_.centre.resize(p_, -1);
    s_.assign.assign(units_.size(), 0);
    for (std::size_t u = 0; u < units_.size(); ++u)
      s_.assign[u] = initial.territory[units_[u].accounts.front()];
    if (compact_) {
      for (int t = 0; t < p_; ++t)
        if (s_.centre[t] >= 0 && s_.assign[unit_of_[s_.centre[t]]] != t) s_.centre[t] = -1;
    } else {
      s_.centre.assign(p_, -1);
    }
    finish_construction();
    if (compact_) recentre();
  }

  //! Start 0 of a realignment: everyone stays with the current owner; unowned units go to the
  //! nearest centre.
  void construct_from_owners() {
    Alignment current;
    current.territory.assign(n_, -1);
    for (int i = 0; i < n_; ++i) current.territory[i] = units_[unit_of_[i]].owner;
    std::vector<char> has_owner(units_.size(), 0);
    for (std::size_t u = 0; u < units_.size(); ++u) has_owner[u] = units_[u].owner >= 0;
    choose_centres();
    s_.assign.assign(units_.size(), -1);
    for (std::size_t u = 0; u < units_.size(); ++u)
      if (has_owner[u]) s_.assign[u] = units_[u].owner;
    for (std::size_t u = 0; u < units_.size(); ++u)
      if (units_[u].lock >= 0) s_.assign[u] = units_[u].lock;
    // Centres must lie in their territory: recentre on the current members where possible.
    for (int t = 0; t < p_; ++t)
      if (s_.centre[t] >= 0 && s_.assign[unit_of_[s_.centre[t]]] != t &&
          problem_.territories[t].centre < 0)
        s_.centre[t] = -1;
    for (int t = 0; t < p_; ++t)
      if (s_.centre[t] >= 0) s_.assign[unit_of_[s_.centre[t]]] = t;
    if (!compact_) s_.centre.assign(p_, -1);
    greedy_assign();
    finish_construction();
    if (compact_) {
      recentre();
      refresh_targets();
    }
  }

  //! A territory left with neither members nor a centre (a vacant one of a realignment, whose
  //! owners hold every account) is given one unit, so that it has a centre and the accounts it
  //! gains cost their distance to it (review: without one they cost nothing, and the territory
  //! gathered 80 scattered accounts while the objective left them out). The unit taken is the
  //! one farthest from its own territory's centre among those it may take, leaving its territory
  //! members and its centre. Not under contiguity, whose construction grows every territory.
  void seed_vacant_territories() {
    if (problem_.contiguity) return;
    for (int t = 0; t < p_; ++t) {
      if (s_.centre[t] >= 0 || !s_.members[t].empty()) continue;
      int chosen = -1;
      double farthest = -1.0;
      for (int u = 0; u < static_cast<int>(units_.size()); ++u) {
        const int from = s_.assign[u];
        if (units_[u].lock >= 0 || pinned_[u] || !allowed(u, t) ||
            s_.members[from].size() <= units_[u].accounts.size())
          continue;
        const double d = distance_to_centre(u, from);
        if (d > farthest) farthest = d, chosen = u;
      }
      if (chosen < 0) continue;
      s_.assign[chosen] = t;
      s_.centre[t] = units_[chosen].accounts.front();
      rebuild();
    }
  }

  void finish_construction() {
    for (std::size_t u = 0; u < units_.size(); ++u)
      if (units_[u].lock >= 0) s_.assign[u] = units_[u].lock;
    if (compact_ && geographic_) {
      // Territories without a centre (e.g. an empty region) get one among their members.
      rebuild();
      for (int t = 0; t < p_; ++t)
        if (s_.centre[t] < 0 && !s_.members[t].empty()) s_.centre[t] = s_.members[t].front();
      seed_vacant_territories();
    } else {
      s_.centre.assign(p_, -1);
    }
    rebuild();
    refresh_targets();
    double objective_scale = compact_ ? std::max(1e-9, main_objective() / p_) : 1.0;
    if (!compact_) objective_scale = std::max(1e-9, main_objective());
    if (!geographic_) objective_scale = 1.0;
    // A territory's worth of imbalance weighs at least as much as moving a territory's worth of
    // the disruption measure (review: without coordinates, a weight of 1 per dollar of potential
    // moved outweighed balance even at the penalty's largest, and a feasible alignment was
    // reported infeasible).
    objective_scale = std::max(objective_scale, problem_.disruption.weight * moved_scale_);
    lambda_ = objective_scale;
    base_lambda_ = objective_scale;
  }

  // ---- local search -----------------------------------------------------------------------------

  bool keeps_contiguous(int u, int from, int to) const {
    if (!problem_.contiguity) return true;
    const Unit& unit = units_[u];
    bool touches = s_.members[to].empty();
    for (int i : unit.accounts)
      for (int j : adjacent_[i])
        if (s_.assign[unit_of_[j]] == to) touches = true;
    if (!touches) return false;
    const auto& mem = s_.members[from];
    std::size_t remaining = mem.size() - unit.accounts.size();
    if (remaining == 0) return true;
    int seed = -1;
    for (int i : mem)
      if (unit_of_[i] != u) {
        seed = i;
        break;
      }
    std::vector<int> stack{seed};
    visited_.resize(n_, 0);
    ++visit_mark_;
    if (visit_mark_ == 0) {
      std::fill(visited_.begin(), visited_.end(), 0);
      visit_mark_ = 1;
    }
    visited_[seed] = visit_mark_;
    std::size_t reached = 1;
    while (!stack.empty()) {
      int i = stack.back();
      stack.pop_back();
      for (int j : adjacent_[i])
        if (visited_[j] != visit_mark_ && s_.assign[unit_of_[j]] == from && unit_of_[j] != u) {
          visited_[j] = visit_mark_;
          ++reached;
          stack.push_back(j);
        }
    }
    if (reached == remaining) return true;
    // `from` is left in pieces: allowed only when it already was in as many or more, as when an
    // enclave of the current alignment leaves for the territory around it (review: every move
    // out of a territory with an enclave was refused, the enclaves first of all, and a
    // realignment whose book had three came out infeasible while a feasible one existed).
    return components(from, u) <= components(from);
  }

  //! Penalised change of moving unit u from its territory to `to`.
  double shift_delta(int u, int to) {
    ++work_;
    const int from = s_.assign[u];
    const Unit& unit = units_[u];
    double after_from[64], after_to[64];
    double* a = m_ <= 64 ? after_from : nullptr;
    double* b = m_ <= 64 ? after_to : nullptr;
    std::vector<double> spill;
    if (m_ > 64) {
      spill.resize(2 * m_);
      a = spill.data();
      b = spill.data() + m_;
    }
    for (int k = 0; k < m_; ++k) {
      a[k] = s_.totals[at(from, k)] - unit.totals[k];
      b[k] = s_.totals[at(to, k)] + unit.totals[k];
    }
    double moved_after = s_.moved + moved_change(u, from, to);
    double violation =
        settle(territory_violation(from, a) + territory_violation(to, b) - s_.violation[from] -
               s_.violation[to] + moved_violation(moved_after) - moved_violation(s_.moved));
    double delta = lambda_ * violation + problem_.disruption.weight * (moved_after - s_.moved);
    if (compact_) {
      delta += unit_cost(u, to) - unit_cost(u, from);
    } else if (geographic_) {
      double diam_from = diameter_without(u, from);
      double diam_to = std::max({s_.diam[to], far_from(u, to, -1), unit_diameter_[u]});
      delta += dispersion_change(from, diam_from, to, diam_to);
    }
    return delta;
  }

  double dispersion_change(int a, double diam_a, int b, double diam_b) const {
    double largest = 0.0, largest_before = 0.0, sum_before = 0.0;
    for (int t = 0; t < p_; ++t) {
      double d = s_.diam[t];
      largest_before = std::max(largest_before, d);
      sum_before += d;
      if (t != a && t != b) largest = std::max(largest, d);
    }
    largest = std::max({largest, diam_a, diam_b});
    double sum = sum_before - s_.diam[a] - s_.diam[b] + diam_a + diam_b;
    return (largest - largest_before) + kMeanDiameterWeight * (sum - sum_before) / p_;
  }

  //! Violation changes below rounding noise are zero: with a large penalty weight, noise in the
  //! incrementally kept totals would otherwise look like an improvement and moves could cycle.
  static double settle(double change) { return std::abs(change) < 1e-12 ? 0.0 : change; }

  double epsilon() const { return 1e-9 * (1.0 + std::abs(main_objective())); }

  bool shift_pass() {
    bool improved = false;
    order_.resize(units_.size());
    std::iota(order_.begin(), order_.end(), 0);
    shuffle(order_);
    const double eps = epsilon();
    for (int u : order_) {
      if (!movable(u)) continue;
      if ((order_.size() > 5000) && out_of_time()) break;
      const int from = s_.assign[u];
      double best = -eps;
      int target = -1;
      for_each_target(u, [&](int t) {
        if (t == from) return;
        double d = shift_delta(u, t);
        if (d < best) {
          best = d;
          target = t;
        }
      });
      if (target >= 0 && keeps_contiguous(u, from, target)) {
        move(u, target);
        improved = true;
      }
    }
    return improved;
  }

  double swap_delta(int u, int v) {
    ++work_;
    const int a = s_.assign[u], b = s_.assign[v];
    double ta[64], tb[64];
    if (m_ > 64) return kInfinity;
    for (int k = 0; k < m_; ++k) {
      double shift = units_[v].totals[k] - units_[u].totals[k];
      ta[k] = s_.totals[at(a, k)] + shift;
      tb[k] = s_.totals[at(b, k)] - shift;
    }
    double moved_after = s_.moved + moved_change(u, a, b) + moved_change(v, b, a);
    double violation =
        settle(territory_violation(a, ta) + territory_violation(b, tb) - s_.violation[a] -
               s_.violation[b] + moved_violation(moved_after) - moved_violation(s_.moved));
    double delta = lambda_ * violation + problem_.disruption.weight * (moved_after - s_.moved);
    if (compact_) {
      delta += unit_cost(u, b) - unit_cost(u, a) + unit_cost(v, a) - unit_cost(v, b);
    } else if (geographic_) {
      double diam_a = std::max({diameter_without(u, a), far_from(v, a, u), unit_diameter_[v]});
      double diam_b = std::max({diameter_without(v, b), far_from(u, b, v), unit_diameter_[u]});
      delta += dispersion_change(a, diam_a, b, diam_b);
    }
    return delta;
  }

  bool swap_pass() {
    if (!swaps_) return false;
    bool improved = false;
    const double eps = epsilon();
    const int count = static_cast<int>(units_.size());
    order_.resize(count);
    std::iota(order_.begin(), order_.end(), 0);
    shuffle(order_);
    for (int u : order_) {
      if (!movable(u)) continue;
      if (out_of_time()) break;
      double best = -eps;
      int partner = -1;
      auto consider = [&](int v) {
        if (!movable(v) || s_.assign[v] == s_.assign[u]) return;
        if (!allowed(u, s_.assign[v]) || !allowed(v, s_.assign[u])) return;
        double d = swap_delta(u, v);
        if (d < best) {
          best = d;
          partner = v;
        }
      };
      if (!large_) {
        for (int v = 0; v < count; ++v) consider(v);
      } else {
        // Large instances: partners sampled from the territories this unit may move to.
        const int a = s_.assign[u];
        for_each_target(u, [&](int t) {
          if (t == a) return;
          const auto& mem = s_.members[t];
          const std::size_t samples = std::min<std::size_t>(kSwapSamples, mem.size());
          for (std::size_t k = 0; k < samples; ++k) consider(unit_of_[mem[rng_() % mem.size()]]);
        });
      }
      if (partner >= 0) {
        int a = s_.assign[u], b = s_.assign[partner];
        move(u, b);
        move(partner, a);
        improved = true;
      }
    }
    return improved;
  }

  //! Ejection chains of length two (compactness without contiguity): unit u moves to a nearer
  //! territory b even though b then exceeds its capacity, and a unit v of b moves on to a third
  //! territory c (or back to u's). Capacity-tight instances have local optima that no single shift
  //! or swap leaves but such a chain does. Only moves that bring u nearer its centre are tried.
  bool chain_pass() {
    if (!compact_ || problem_.contiguity) return false;
    bool improved = false;
    const double eps = epsilon();
    order_.resize(units_.size());
    std::iota(order_.begin(), order_.end(), 0);
    shuffle(order_);
    std::vector<int> members;
    for (int u : order_) {
      if (!movable(u)) continue;
      if (out_of_time()) break;
      const int a = s_.assign[u];
      double best = -eps;
      int best_b = -1, best_v = -1, best_c = -1;
      std::vector<int> nearer;
      for_each_target(u, [&](int b) {
        if (b != a && unit_cost(u, b) < unit_cost(u, a)) nearer.push_back(b);
      });
      for (int b : nearer) {
        const double first = shift_delta(u, b);
        move(u, b);
        members.clear();
        for (int i : s_.members[b])
          if (unit_of_[i] != u && units_[unit_of_[i]].accounts.front() == i)
            members.push_back(unit_of_[i]);
        for (int v : members) {
          if (!movable(v)) continue;
          for_each_target(v, [&](int c) {
            if (c == b) return;
            const double total = first + shift_delta(v, c);
            if (total < best) {
              best = total;
              best_b = b;
              best_v = v;
              best_c = c;
            }
          });
        }
        move(u, a);
      }
      if (best_b >= 0) {
        move(u, best_b);
        move(best_v, best_c);
        improved = true;
      }
    }
    return improved;
  }

  //! Moves each free centre to the member minimising the territory's weighted distance sum.
  bool recentre() {
    if (!compact_ || !geographic_) return false;
    bool changed = false;
    std::vector<int> candidates;
    for (int t = 0; t < p_; ++t) {
      if (problem_.territories[t].centre >= 0) continue;
      const auto& mem = s_.members[t];
      if (mem.empty()) continue;
      candidates.clear();
      constexpr std::size_t kExactLimit = 300, kSampled = 48;
      if (mem.size() <= kExactLimit || problem_.distance == DistanceKind::graph) {
        if (mem.size() <= kExactLimit) {
          candidates = mem;
        } else {
          for (std::size_t k = 0; k < kSampled; ++k) candidates.push_back(mem[rng_() % mem.size()]);
        }
      } else {
        // Members nearest the weighted mean position are the likely medians.
        double wx = 0, wy = 0, w = 0;
        for (int i : mem) {
          double wi = problem_.accounts[i].weight + 1e-12;
          wx += wi * problem_.accounts[i].x;
          wy += wi * problem_.accounts[i].y;
          w += wi;
        }
        wx /= w;
        wy /= w;
        std::vector<std::pair<double, int>> by_distance;
        by_distance.reserve(mem.size());
        for (int i : mem)
          by_distance.emplace_back(
              std::hypot(problem_.accounts[i].x - wx, problem_.accounts[i].y - wy), i);
        std::partial_sort(by_distance.begin(), by_distance.begin() + kSampled, by_distance.end());
        for (std::size_t k = 0; k < kSampled; ++k) candidates.push_back(by_distance[k].second);
      }
      int best_centre = s_.centre[t];
      double best_cost = kInfinity;
      if (best_centre >= 0) {
        best_cost = 0.0;
        for (int i : mem) best_cost += problem_.accounts[i].weight * distances_(i, best_centre);
      }
      for (int c : candidates) {
        if (c == s_.centre[t]) continue;
        ++work_;
        double cost = 0.0;
        for (int i : mem) {
          cost += problem_.accounts[i].weight * distances_(i, c);
          if (cost >= best_cost) break;
        }
        if (cost < best_cost * (1 - 1e-12)) {
          best_cost = cost;
          best_centre = c;
        }
      }
      if (best_centre != s_.centre[t]) {
        if (s_.centre[t] >= 0) pinned_[unit_of_[s_.centre[t]]] = 0;
        s_.centre[t] = best_centre;
        pinned_[unit_of_[best_centre]] = 1;
        changed = true;
      }
    }
    if (changed) recompute_costs();
    return changed;
  }

  //! Local search to a local optimum, raising the penalty while balance is violated. Returns
  //! false when it paused before a shift pass because the work reached `pause_at` (a start's
  //! first descent, which on large instances takes minutes); the next call continues exactly
  //! where it paused, so the trajectory does not depend on how it is cut into calls. True when
  //! the descent ended (a local optimum, or the deadline or work cap cut it).
  bool descend(std::uint64_t pause_at = std::numeric_limits<std::uint64_t>::max()) {
    Descent& d = descent_;
    for (; d.round < 40; ++d.round) {
      for (;;) {
        if (!d.shifting) {
          d.improved = false;
          d.violation = total_violation();
          d.shifting = true;
        }
        for (;;) {
          if (work_ >= pause_at) return false;
          if (!shift_pass()) break;
          d.improved = true;
          if (out_of_time()) break;
          // A pass that barely reduces the violation doubles the penalty now rather than after
          // the whole descent: on large instances a descent takes minutes.
          double after = total_violation();
          // The first feasible state on the way is kept even if the descent then leaves
          // feasibility (e.g. trades the moved cap for compactness). Later descents are not
          // snapshotted mid-way: the VNS restarts from local optima, and feasible ones already
          // outrank every infeasible state.
          if (after <= kFeasibleViolation && !best_score_.feasible && keep_if_better())
            improved_in_descent_ = true;
          if (large_ && after > kFeasibleViolation && after > 0.99 * d.violation &&
              lambda_ <= kMaxPenaltyGrowth * base_lambda_)
            lambda_ *= 1.5;
          d.violation = after;
        }
        d.shifting = false;
        bool improved = d.improved;
        if (!out_of_time() && swap_pass()) improved = true;
        if (!improved && !out_of_time() && chain_pass()) improved = true;
        if (!improved && recentre()) {
          refresh_targets();
          improved = true;
        }
        if (!improved || out_of_time()) break;
      }
      recompute_costs();
      if (total_violation() <= kFeasibleViolation || out_of_time()) break;
      if (lambda_ > kMaxPenaltyGrowth * base_lambda_) break;  // balance looks infeasible
      lambda_ *= 2.0;
    }
    d = Descent{};
    return true;
  }

  // ---- perturbation -------------------------------------------------------------------------

  void perturb(int k) {
    if (compact_ && geographic_) {
      for (int step = 0; step < k; ++step) {
        // Re-site one free centre on a random account near it (a target of that account).
        int i = static_cast<int>(rng_() % n_);
        int u = unit_of_[i];
        if (pinned_[u] || units_[u].lock >= 0) continue;
        std::vector<int> options;
        for_each_target(u, [&](int t) {
          if (problem_.territories[t].centre < 0) options.push_back(t);
        });
        // Under contiguity only the unit's own territory is re-sited: taking the unit to another
        // territory's centre could disconnect both.
        if (problem_.contiguity)
          options.assign(problem_.territories[s_.assign[u]].centre < 0, s_.assign[u]);
        if (options.empty()) continue;
        int t = options[rng_() % options.size()];
        if (s_.centre[t] >= 0) pinned_[unit_of_[s_.centre[t]]] = 0;
        s_.centre[t] = i;
        if (s_.assign[u] != t) move(u, t);
        pinned_[u] = 1;
      }
      recompute_costs();
      refresh_targets();
      return;
    }
    for (int step = 0; step < k; ++step) {
      int u = static_cast<int>(rng_() % units_.size());
      if (!geographic_ || rng_() % 2 == 0) {
        if (!movable(u)) continue;
        int t = static_cast<int>(rng_() % p_);
        if (t != s_.assign[u] && allowed(u, t) && keeps_contiguous(u, s_.assign[u], t)) move(u, t);
        continue;
      }
      // Take an extreme account of the widest territory to the territory it is closest to.
      int widest =
          static_cast<int>(std::max_element(s_.diam.begin(), s_.diam.end()) - s_.diam.begin());
      const auto& mem = s_.members[widest];
      if (mem.empty()) continue;
      int i = mem[rng_() % mem.size()];
      u = unit_of_[i];
      if (!movable(u)) continue;
      int best_t = -1;
      double best_far = kInfinity;
      for (int t = 0; t < p_; ++t) {
        if (t == widest || !allowed(u, t)) continue;
        double f = far_from(u, t, -1);
        if (f < best_far) {
          best_far = f;
          best_t = t;
        }
      }
      if (best_t >= 0 && keeps_contiguous(u, widest, best_t)) move(u, best_t);
    }
  }

  void shuffle(std::vector<int>& values) {
    for (std::size_t i = values.size(); i > 1; --i) std::swap(values[i - 1], values[rng_() % i]);
  }

  //! The effort budget counts move and centre evaluations, never time, so a run stopped by it
  //! is reproducible on a loaded machine.
  bool out_of_time() const {
    return (work_cap_ > 0 && work_ >= work_cap_) || Clock::now() >= deadline_;
  }
  void note_best() {
    time_to_best_ = std::chrono::duration<double>(Clock::now() - origin_).count();
    if (best_score_.feasible && time_to_feasible_ < 0) time_to_feasible_ = time_to_best_;
  }

  const Problem& problem_;
  const Distances& distances_;
  const std::vector<Unit>& units_;
  Rng rng_;
  int n_, p_, m_;
  bool compact_, geographic_;
  bool swaps_ = true;
  bool large_ = false;   //!< too many units for all-pairs swaps: swap with sampled neighbours
  bool bisect_ = false;  //!< construct by recursive bisection instead of seeded centres
  std::vector<int> unit_of_;
  std::vector<double> scale_, lower_, upper_;
  std::optional<double> moved_cap_;
  double moved_scale_ = 1.0;
  std::vector<double> unit_diameter_;
  std::vector<std::vector<int>> adjacent_;
  State s_, best_;
  Score best_score_;
  std::vector<char> pinned_;
  std::vector<int> targets_;
  std::vector<double> cost_table_;  //!< unit x territory compactness cost, when small
  std::vector<int> order_;
  std::vector<int> version_, cache_version_, cache_territory_;
  std::vector<double> cache_value_;
  mutable std::vector<unsigned> visited_;
  mutable unsigned visit_mark_ = 0;
  double lambda_ = 1.0, base_lambda_ = 1.0;
  Clock::time_point deadline_, origin_ = Clock::now();
  double time_to_best_ = 0.0;
  double time_to_feasible_ = -1.0;
  std::uint64_t work_ = 0, work_cap_ = 0;  //!< evaluations done; hard cap (0 = none)
  int max_idle_ = 1, idle_ = 0, k_ = 1;    //!< VNS: iterations without improvement allowed, so far
  void start_vns(int max_idle) {
    max_idle_ = max_idle;
    idle_ = 0;
    k_ = 1;
  }
  bool improved_in_descent_ = false;
  //! Where a paused descent continues: penalty round, inside its shift passes, and their state.
  struct Descent {
    int round = 0;
    bool shifting = false, improved = false;
    double violation = 0.0;
  };
  Descent descent_;
  bool first_descent_ = false;  //!< a start's first descent is still to run (or paused)
};

}  // namespace

SearchResult optimise(const Problem& problem, const Distances& distances,
                      const SearchSettings& settings) {
  const auto origin = Clock::now();
  const auto deadline = origin + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(settings.time_limit));
  const std::vector<Unit> units = make_units(problem);
  const int starts = std::max(1, settings.starts);
  int max_idle = settings.max_idle;
  if (max_idle <= 0) {
    const std::size_t n = problem.size();
    max_idle = n <= 200 ? 300 : n <= 2000 ? 150 : n <= 20000 ? 20 : 3;
  }
  const auto work_budget = static_cast<std::uint64_t>(std::llround(settings.work_limit * 1e6));
  // Infeasible results rank by how far they are from feasible: balance excess over the tolerance,
  // plus one per other broken constraint (moved cap, contiguity, ...), so that a start that
  // breaks only balance slightly beats one that moved half the book or split a territory.
  auto key = [&](const Evaluation& e) {
    double violation = 0.0;
    for (std::size_t r = 0; r < e.tightest_tolerance.size(); ++r)
      violation += std::max(0.0, e.tightest_tolerance[r] - problem.balance[r].tolerance);
    violation += !e.capacity_ok + !e.locks_ok + !e.groups_ok + !e.regions_ok + !e.moved_ok +
                 !e.contiguity_ok;
    return std::make_pair(!e.feasible, e.feasible ? e.objective : violation);
  };
  // A task is a start or a relinking (a continuation is the best alignment relinked with
  // itself: an empty path, then VNS). Its trajectory depends only on the seed, its index and its
  // inputs, never on the limits or the thread count.
  struct Task {
    int start = -1;                     //!< start index; -1: relinking or continuation
    int initiating = -1, guiding = -1;  //!< task indices relinked
    int max_idle = 0;
    std::unique_ptr<Search> search;  //!< while it runs
    bool begun = false, ended = false;
    Alignment raw;  //!< as the search left it (before owner matching): input to relinking
    Alignment alignment;
    Evaluation evaluation;
    double time_to_best = 0.0;
    double time_to_feasible = -1.0;
    std::uint64_t work = 0;
  };
  std::vector<Task> tasks(starts);
  for (int s = 0; s < starts; ++s) {
    tasks[s].start = s;
    tasks[s].max_idle = max_idle;
  }
  int starts_ended = 0;
  auto finish = [&](Task& task) {
    task.raw = task.search->alignment();
    task.alignment = task.raw;
    match_owner_labels(problem, task.alignment);
    // Each territory on its 1-median, as the objective is defined: the search re-centres between
    // moves, not after its last ones (review: three centres were not their territories' medians).
    choose_median_centres(problem, distances, task.alignment, Recentre::free);
    task.work = task.search->work();
    task.evaluation = evaluate(problem, distances, task.alignment);
    task.time_to_best = task.search->time_to_best();
    task.time_to_feasible = task.search->time_to_feasible();
    task.search.reset();
    task.ended = true;
    // The progress bar counts the first `starts` starts (more run only while none is feasible).
    if (task.start >= 0 && task.start < starts && settings.progress)
      settings.progress(++starts_ended);
  };
  auto best_task = [&]() {
    int best = -1;
    for (int t = 0; t < static_cast<int>(tasks.size()); ++t)
      if (tasks[t].ended && (best < 0 || key(tasks[t].evaluation) < key(tasks[best].evaluation)))
        best = t;
    return best;
  };
  const bool relinking = problem.objective == ObjectiveKind::compactness &&
                         problem.distance != DistanceKind::none && !problem.contiguity &&
                         starts >= 2 && settings.relink_rounds > 0;
  // Path relinking between elite alignments: pairs of the best distinct feasible alignments so
  // far, from the better one. False when there are fewer than two.
  auto open_relinking_round = [&]() {
    std::vector<int> elite;
    for (int t = 0; t < static_cast<int>(tasks.size()); ++t)
      if (tasks[t].ended && tasks[t].evaluation.feasible) elite.push_back(t);
    std::stable_sort(elite.begin(), elite.end(), [&](int a, int b) {
      return key(tasks[a].evaluation) < key(tasks[b].evaluation);
    });
    // Distinct objectives only: relinking an alignment with its twin explores nothing.
    elite.erase(std::unique(elite.begin(), elite.end(),
                            [&](int a, int b) {
                              return std::abs(tasks[a].evaluation.objective -
                                              tasks[b].evaluation.objective) <=
                                     1e-9 * std::abs(tasks[a].evaluation.objective);
                            }),
                elite.end());
    if (elite.size() > kEliteSize) elite.resize(kEliteSize);
    if (elite.size() < 2) return false;
    for (std::size_t a = 0; a < elite.size(); ++a)
      for (std::size_t b = a + 1; b < elite.size(); ++b) {
        Task task;
        task.initiating = elite[a];
        task.guiding = elite[b];
        task.max_idle = std::max(1, max_idle / 2);
        tasks.push_back(std::move(task));
      }
    return true;
  };
  auto open_continuation_round = [&]() {
    const int best = best_task();
    if (best < 0 || !tasks[best].evaluation.feasible) return false;
    for (int c = 0; c < kContinuations; ++c) {
      Task task;
      task.initiating = task.guiding = best;
      task.max_idle = max_idle;
      tasks.push_back(std::move(task));
    }
    return true;
  };
  // Stages follow each other when every task of the current one has ended: the starts, rounds
  // of relinking while a round improves (at most relink_rounds), then continuation rounds until
  // kMaxIdleContinuations in a row improve nothing.
  enum class Stage { starts, relinking, continuation };
  Stage stage = Stage::starts;
  int relink_round = 0, idle_continuations = 0;
  std::size_t stage_first = 0;
  std::pair<bool, double> before{true, kInfinity};
  auto open_next_stage = [&]() {
    bool improved = false;
    for (std::size_t t = stage_first; t < tasks.size(); ++t)
      if (tasks[t].ended && key(tasks[t].evaluation) < before) improved = true;
    const int best = best_task();
    if (best >= 0) before = key(tasks[best].evaluation);
    stage_first = tasks.size();
    if (!relinking) return false;
    if (stage == Stage::continuation) idle_continuations = improved ? 0 : idle_continuations + 1;
    const bool relink_more = stage == Stage::starts || (stage == Stage::relinking && improved &&
                                                        relink_round < settings.relink_rounds);
    if (relink_more && open_relinking_round()) {
      stage = Stage::relinking;
      ++relink_round;
      return true;
    }
    if (idle_continuations >= kMaxIdleContinuations || !open_continuation_round()) return false;
    stage = Stage::continuation;
    return true;
  };
  // While no task has found a feasible alignment, `starts` more starts at a time (their own
  // streams, by task index), at most kMoreStartRounds times, unless a limit ends the search first
  // (review: with contiguity 8 starts ended infeasible in 0.4 s of a 20 s limit, while other
  // seeds' starts found feasible alignments).
  int more_start_rounds = 0;
  auto open_more_starts = [&]() {
    const int best = best_task();
    if ((best >= 0 && tasks[best].evaluation.feasible) || more_start_rounds >= kMoreStartRounds)
      return false;
    ++more_start_rounds;
    const int first = static_cast<int>(tasks.size());
    for (int s = 0; s < starts; ++s) {
      Task task;
      task.start = first + s;
      task.max_idle = max_idle;
      tasks.push_back(std::move(task));
    }
    stage_first = static_cast<std::size_t>(first);
    return true;
  };
  // Rounds: every running task advances by kRoundWork evaluations (pausing between two VNS
  // iterations, or two shift passes of a start's first descent), in parallel. Starts begin in
  // index order, at most kStartWave of them in their first descent at once. The limits are
  // checked only between rounds, except that a work limit too small for a full round gives each
  // task an equal share as a hard cap and ends the search, and the deadline stops everything. So a
  // longer limit runs the same rounds and more: with the same seed its result is never worse, and
  // the work-limited result is the same on any thread count.
  const int threads =
      settings.threads > 0 ? settings.threads : tbb::this_task_arena::max_concurrency();
  tbb::task_arena arena(threads);
  StopReason reason = StopReason::converged;
  for (;;) {
    int descending = 0;  // starts begun and still in their first descent
    for (const Task& task : tasks)
      if (task.search && task.search->in_first_descent()) ++descending;
    std::vector<int> running;  // the tasks this round advances
    for (int t = 0; t < static_cast<int>(tasks.size()); ++t) {
      if (tasks[t].ended) continue;
      if (!tasks[t].begun && tasks[t].start >= 0 && descending++ >= kStartWave) continue;
      running.push_back(t);
    }
    if (running.empty()) {
      if (open_next_stage()) continue;
      if (open_more_starts()) continue;
      reason = StopReason::converged;
      break;
    }
    if (settings.target) {
      bool reached = false;
      for (const Task& task : tasks)
        if (task.ended && task.evaluation.feasible && task.evaluation.objective <= *settings.target)
          reached = true;
        else if (task.search && task.search->best_feasible() &&
                 *task.search->best_feasible() <= *settings.target)
          reached = true;
      if (reached) {
        reason = StopReason::target;
        break;
      }
    }
    if (Clock::now() >= deadline) {
      reason = StopReason::time_limit;
      break;
    }
    std::uint64_t used = 0;
    for (const Task& task : tasks) used += task.search ? task.search->work() : task.work;
    std::uint64_t allot = kRoundWork;
    bool capped = false;
    if (work_budget > 0) {
      if (used >= work_budget) {
        reason = StopReason::work_limit;
        break;
      }
      const std::uint64_t share = (work_budget - used) / running.size();
      if (share < kRoundWork) {
        allot = std::max<std::uint64_t>(1, share);
        capped = true;
      }
    }
    std::vector<Progress> progress(running.size(), Progress::paused);
    arena.execute([&] {
      tbb::parallel_for(0, static_cast<int>(running.size()), 1, [&](int r) {
        Task& task = tasks[running[r]];
        // The share counts from the work before the round (a start's construction is in it).
        const std::uint64_t pause_at = (task.begun ? task.search->work() : 0) + allot;
        if (!task.begun) {
          if (Clock::now() >= deadline) return;  // never begun: no result
          const auto index = static_cast<std::uint64_t>(running[r]);
          task.search = std::make_unique<Search>(
              problem, distances, units,
              Rng(settings.seed, StreamId::territories, index, task.start >= 0 ? 0 : 1, 0));
          task.search->set_origin(origin);
          task.search->set_deadline(deadline);
          if (task.start >= 0)
            task.search->begin_start(task.start, settings.initial, task.max_idle);
          else
            task.search->begin_relink(tasks[task.initiating].raw, tasks[task.guiding].raw,
                                      task.max_idle);
          task.begun = true;
        }
        task.search->set_work_cap(capped ? pause_at : 0);
        progress[r] = task.search->improve_until(pause_at);
      });
    });
    bool cut = false;
    for (std::size_t r = 0; r < running.size(); ++r) {
      Task& task = tasks[running[r]];
      if (progress[r] == Progress::finished) finish(task);
      if (progress[r] == Progress::stopped) cut = true;
    }
    if (capped && cut) {
      reason = Clock::now() >= deadline ? StopReason::time_limit : StopReason::work_limit;
      break;
    }
  }
  for (Task& task : tasks)
    if (task.search) {
      task.search->conclude();
      finish(task);
    }
  SearchResult result;
  result.method = "multistart VNS";
  result.stop_reason = reason;
  for (int t = 0; t < static_cast<int>(tasks.size()); ++t) {
    const Task& task = tasks[t];
    if (!task.ended) continue;
    if (task.start >= 0) ++result.starts_run;
    if (task.start < 0) ++result.relinks_run;
    result.work += task.work;
    double feasible_at = task.time_to_feasible;
    if (feasible_at >= 0 && (!result.time_to_feasible || feasible_at < *result.time_to_feasible))
      result.time_to_feasible = feasible_at;
    if (result.best_start < 0 || key(task.evaluation) < key(result.evaluation)) {
      result.best_start = t;
      result.alignment = task.alignment;
      result.evaluation = task.evaluation;
      result.time_to_best = task.time_to_best;
    }
  }
  if (result.best_start < 0) throw_input("territories: the time limit allowed no start to begin");
  // Starts only note truly feasible states, but the report must never pair a time to feasible
  // with an infeasible result.
  if (!result.evaluation.feasible) result.time_to_feasible.reset();
  result.seconds = std::chrono::duration<double>(Clock::now() - origin).count();
  result.stopped_by_time = reason == StopReason::time_limit;
  result.stopped_by_work = reason == StopReason::work_limit;
  return result;
}

namespace {

//! Each stop reason's identifier (the HDF5 attribute) and its phrase for people.
struct StopReasonText {
  StopReason reason;
  std::string_view id, phrase;
};
constexpr StopReasonText kStopReasons[] = {
    {StopReason::converged, "converged", "search converged"},
    {StopReason::time_limit, "time_limit", "stopped by the time limit"},
    {StopReason::work_limit, "work_limit", "stopped by the work limit"},
    {StopReason::target, "target", "stopped at the target"},
    {StopReason::proven_optimal, "proven_optimal", "proven optimal"},
};

const StopReasonText& text_of(StopReason reason) {
  for (const auto& t : kStopReasons)
    if (t.reason == reason) return t;
  return kStopReasons[0];
}

}  // namespace

std::string_view describe(StopReason reason) {
  return text_of(reason).id;
}

std::string_view stop_phrase(StopReason reason) {
  return text_of(reason).phrase;
}

std::optional<StopReason> parse_stop_reason(std::string_view text) {
  for (const auto& t : kStopReasons)
    if (t.id == text) return t.reason;
  return std::nullopt;
}

}  // namespace opsim::territory
