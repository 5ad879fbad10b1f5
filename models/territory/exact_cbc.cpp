#include "models/territory/exact_cbc.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <coin/CbcModel.hpp>
#include <coin/CbcSolver.hpp>
#include <coin/ClpEventHandler.hpp>
#include <coin/CoinPackedMatrix.hpp>
#include <coin/OsiClpSolverInterface.hpp>

#include "models/territory/labels.hpp"
#include "sim/base/error.hpp"

namespace opsim::territory {

namespace {

// CBC checks its own seconds limit only now and then (it overran 20 s by a minute on a loaded
// machine, counting CPU time), and its C interface cannot interrupt it. So CbcMain1 (the driver
// behind CBC's defaults) runs with a callback that publishes the branch-and-bound model it
// creates, and a watchdog thread tells that model to stop at the deadline, as CBC's own Ctrl-C
// handler does; CBC then returns its best incumbent. Before the tree search (root LP,
// preprocessing, the root's cuts and heuristics) a Clp event handler stops the simplex at the
// deadline instead (LpDeadline).
// CbcMain1 keeps static state: one solve at a time.
// CBC's stopping gaps (absolute, relative) and the warm start's cutoff slack (relative).
constexpr double kAllowableGap = 1e-7, kRatioGap = 1e-9, kCutoffSlack = 1e-7;

std::mutex solve_mutex;
std::mutex branch_mutex;
CbcModel* branch_model = nullptr;  //!< CbcMain1's model while it branches, under branch_mutex
bool stop_requested = false;       //!< the deadline has passed, under branch_mutex
//! Until the tree search begins, simplex solves stop at the deadline (LpDeadline)...
std::atomic<bool> lp_stop_armed{false};
//! ...and this says one did: CBC's statuses and bound after an interrupted LP prove nothing.
std::atomic<bool> lp_interrupted{false};

//! Whether CBC has not begun its tree search: before branch and bound, or at its root (cuts and
//! heuristics such as the feasibility pump, which check no limit between their LPs). Node LPs
//! are left to the watchdog, which stops the search between nodes.
bool before_the_first_node() {
  std::lock_guard lock(branch_mutex);
  return branch_model == nullptr || branch_model->getNodeCount() == 0;
}

//! Stops a simplex solve at its next iteration once the deadline has passed, before branch and
//! bound (CBC clones it with the solver into its preprocessing and root). CBC's own limit and
//! the watchdog do not reach these solves: SJC2's root LP ran 5 s past a 2.5 s limit.
class LpDeadline final : public ClpEventHandler {
 public:
  explicit LpDeadline(std::chrono::steady_clock::time_point deadline) : deadline_(deadline) {}
  int event(Event which) override {
    if (which != endOfIteration || !lp_stop_armed.load() ||
        std::chrono::steady_clock::now() < deadline_ || !before_the_first_node())
      return -1;
    lp_interrupted.store(true);
    return 0;  // Clp's "stopped by an event" (status 5)
  }
  ClpEventHandler* clone() const override { return new LpDeadline(*this); }

 private:
  std::chrono::steady_clock::time_point deadline_;
};

void stop(CbcModel& model) {
  model.sayEventHappened();
  if (model.heuristicModel()) model.heuristicModel()->sayEventHappened();
}

int publish_branch_model(CbcModel* model, int where_from) {
  constexpr int kBeforeBranchAndBound = 3, kAfterBranchAndBound = 4;
  std::lock_guard lock(branch_mutex);
  if (where_from == kBeforeBranchAndBound) {
    // From here the watchdog stops the search between nodes; the LPs of the root's cuts and
    // heuristics stay stoppable (review: the root's feasibility pump ran 22 s past a 15 s limit).
    branch_model = model;
    if (stop_requested) stop(*model);
  }
  if (where_from == kAfterBranchAndBound) {
    branch_model = nullptr;
    lp_stop_armed.store(false);  // postprocessing maps the incumbent back: never cut short
  }
  return 0;
}

//! Stops CbcMain1's branch and bound at `deadline` unless disarmed first (destructor).
class CbcWatchdog {
 public:
  explicit CbcWatchdog(std::chrono::steady_clock::time_point deadline)
      : thread_([this, deadline] {
          std::unique_lock lock(mutex_);
          if (done_.wait_until(lock, deadline, [this] { return finished_; })) return;
          std::lock_guard branch(branch_mutex);
          stop_requested = true;
          if (branch_model) stop(*branch_model);
        }) {}
  ~CbcWatchdog() {
    {
      std::lock_guard lock(mutex_);
      finished_ = true;
    }
    done_.notify_all();
    thread_.join();
  }
  CbcWatchdog(const CbcWatchdog&) = delete;
  CbcWatchdog& operator=(const CbcWatchdog&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  bool finished_ = false;
  std::thread thread_;  //!< last: starts after the members it uses
};

}  // namespace

namespace detail {

CbcProof cbc_proof(const CbcReport& report, bool has_warm_start) {
  // CBC stops at a gap of kAllowableGap or kRatioGap x |objective| (the arguments below); the
  // warm start's cutoff lies kCutoffSlack x max(1, |objective|) above it.
  const double tolerance =
      kAllowableGap + (kRatioGap + kCutoffSlack) * std::max(1.0, std::abs(report.objective));
  const bool bound_reaches = report.best_bound >= report.objective - tolerance;
  if (report.says_optimal && bound_reaches) return CbcProof::optimal;
  if (report.says_infeasible && has_warm_start && bound_reaches) return CbcProof::optimal;
  if (report.says_infeasible && !has_warm_start && !report.reached_limit)
    return CbcProof::infeasible;
  return CbcProof::none;
}

}  // namespace detail

void check_exact_supported(const Problem& problem, const std::string& source) {
  if (problem.objective != ObjectiveKind::compactness)
    throw_input(
        "{}: --exact supports the compactness objective only (dispersion: use the "
        "heuristic)",
        source);
  if (problem.distance == DistanceKind::none)
    throw_input("{}: --exact needs coordinates or a graph (compactness)", source);
  if (problem.size() > kMaxExactAccounts)
    throw_input("{}: {} accounts is too many for --exact; allowed: at most {}", source,
                problem.size(), kMaxExactAccounts);
  for (const Account& a : problem.accounts)
    if (a.lock >= 0)
      throw_input(
          "{}: account '{}' is locked; --exact does not support locks (territories are "
          "unlabelled in the p-median model)",
          source, a.id);
  if (problem.has_owners() &&
      (problem.disruption.weight > 0 || problem.disruption.max_moved_fraction))
    throw_input("{}: --exact does not support the disruption term", source);
  // Capacities must be the same for every territory: the model does not label territories.
  for (const Territory& t : problem.territories)
    if (t.capacity != problem.territories.front().capacity)
      throw_input("{}: territory '{}' has its own capacity; --exact needs one capacity for all",
                  source, t.id);
  if (problem.contiguity) throw_input("{}: --exact does not support contiguity", source);
}

SearchResult solve_exact(const Problem& problem, const Distances& distances,
                         const ExactSettings& settings) {
  check_exact_supported(problem, problem.name);
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

  // Columns: y_j (j = account) then x_uj for compatible pairs; all binary.
  std::vector<double> column_lower, column_cost;
  std::vector<int> fixed(n, 0);
  for (const Territory& t : problem.territories)
    if (t.centre >= 0) fixed[t.centre] = 1;
  for (int j = 0; j < n; ++j) {
    column_lower.push_back(fixed[j]);
    column_cost.push_back(0.0);
  }
  std::vector<std::vector<std::pair<int, int>>> x_of_centre(n);  // j -> (u, column)
  std::vector<std::vector<int>> x_of_unit(nu);
  int columns = n;
  for (int u = 0; u < nu; ++u)
    for (int j = 0; j < n; ++j) {
      if (!compatible(u, j)) continue;
      double cost = 0.0;
      for (int i : units[u].accounts) cost += problem.accounts[i].weight * distances(i, j);
      column_lower.push_back(0.0);
      column_cost.push_back(cost);
      x_of_centre[j].emplace_back(u, columns);
      x_of_unit[u].push_back(columns);
      ++columns;
    }
  std::vector<int> cols;
  std::vector<double> coefs;
  // Rows in CSR form: row_start[r] .. row_start[r + 1] in row_columns / row_coefs.
  std::vector<int> row_columns;
  std::vector<double> row_coefs, row_lower, row_upper;
  std::vector<CoinBigIndex> row_start{0};
  auto add_row = [&](char sense, double rhs) {
    row_columns.insert(row_columns.end(), cols.begin(), cols.end());
    row_coefs.insert(row_coefs.end(), coefs.begin(), coefs.end());
    row_start.push_back(static_cast<CoinBigIndex>(row_columns.size()));
    row_lower.push_back(sense == 'L' ? -COIN_DBL_MAX : rhs);
    row_upper.push_back(sense == 'G' ? COIN_DBL_MAX : rhs);
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
  const int rows = static_cast<int>(row_lower.size());
  std::vector<int> row_lengths(rows);
  for (int r = 0; r < rows; ++r) row_lengths[r] = static_cast<int>(row_start[r + 1] - row_start[r]);
  const CoinPackedMatrix matrix(false, columns, rows, row_start.back(), row_coefs.data(),
                                row_columns.data(), row_start.data(), row_lengths.data());
  const std::vector<double> column_upper(columns, 1.0);
  OsiClpSolverInterface solver;
  solver.messageHandler()->setLogLevel(0);
  solver.loadProblem(matrix, column_lower.data(), column_upper.data(), column_cost.data(),
                     row_lower.data(), row_upper.data());
  for (int c = 0; c < columns; ++c) solver.setInteger(c);
  const auto deadline = origin + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                     std::chrono::duration<double>(settings.time_limit));
  const LpDeadline lp_deadline(deadline);
  solver.getModelPtr()->passInEventHandler(&lp_deadline);  // copied with the solver
  CbcModel model(solver);
  std::lock_guard solving(solve_mutex);
  CbcSolverUsefulData solver_data;
  const auto cbc_start = std::chrono::steady_clock::now();  // before CBC starts its own clock
  CbcMain0(model, solver_data);
  model.setLogLevel(0);
  // The warm start enters as a cutoff, not as a MIP start: CBC 2.10.8 crashes in its
  // postprocessing (CglPreProcess::postProcess) when a named MIP start meets an early stop. CBC
  // then looks only for better alignments, and "infeasible" proves the warm start optimal.
  std::optional<double> warm_cost;
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
    warm_cost = 0.0;
    for (int c = 0; c < columns; ++c) *warm_cost += values[c] * column_cost[c];
  }
  // A wall-clock limit: CBC's own (elapsed-time mode), kMarginShare of the remaining time early
  // because CBC needs time to wind down (root cuts, postprocessing), and the watchdog at the
  // deadline for the places CBC does not check its limit. Building the model counts too.
  constexpr double kMarginShare = 0.15;
  const double cbc_seconds = std::max(
      0.01, (1 - kMarginShare) *
                std::chrono::duration<double>(deadline - std::chrono::steady_clock::now()).count());
  model.setUseElapsedTime(true);
  model.setMaximumSeconds(cbc_seconds);
  const std::string seconds_text = fmt::format("{}", cbc_seconds);
  const std::string threads_text = std::to_string(std::max(1, settings.threads));
  const std::string allowable_gap_text = fmt::format("{}", kAllowableGap);
  const std::string ratio_gap_text = fmt::format("{}", kRatioGap);
  std::vector<const char*> arguments = {"opsim",
                                        "-timeMode",
                                        "elapsed",
                                        "-seconds",
                                        seconds_text.c_str(),
                                        "-allowableGap",
                                        allowable_gap_text.c_str(),
                                        "-ratioGap",
                                        ratio_gap_text.c_str(),
                                        "-log",
                                        "0"};
  if (settings.threads > 1) {
    arguments.push_back("-threads");
    arguments.push_back(threads_text.c_str());
  }
  const std::string cutoff_text =
      warm_cost
          ? fmt::format("{:.17g}", *warm_cost + kCutoffSlack * std::max(1.0, std::abs(*warm_cost)))
          : std::string();
  if (warm_cost) {
    arguments.push_back("-cutoff");
    arguments.push_back(cutoff_text.c_str());
  }
  arguments.push_back("-solve");
  arguments.push_back("-quit");
  {
    std::lock_guard branch(branch_mutex);
    stop_requested = false;
  }
  lp_interrupted.store(false);
  lp_stop_armed.store(true);
  {
    CbcWatchdog watchdog(deadline);
    CbcMain1(static_cast<int>(arguments.size()), arguments.data(), model, publish_branch_model,
             solver_data);
  }
  const double cbc_elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - cbc_start).count();
  bool stopped_at_deadline = false;
  {
    std::lock_guard branch(branch_mutex);
    stopped_at_deadline = stop_requested;
  }
  lp_stop_armed.store(false);
  const bool interrupted = lp_interrupted.load();

  SearchResult result;
  result.method = "exact (COIN-OR CBC)";
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - origin).count();
  result.time_to_best = result.seconds;
  result.starts_run = 1;
  result.best_start = 0;
  // An interrupted LP leaves CBC with no bound (it reported the partial simplex's objective).
  if (!interrupted) {
    result.best_bound = model.getBestPossibleObjValue();
    result.bound_method = "cbc";
  }
  // The incumbent in the original columns (the driver presolves a copy and maps it back).
  const double* solution = model.bestSolution();
  if (!solution && model.numberSavedSolutions() > 0) solution = model.solver()->getColSolution();
  const bool has_solution = solution != nullptr;
  detail::CbcReport report;
  report.says_optimal = has_solution && model.isProvenOptimal() && !interrupted;
  report.says_infeasible = !has_solution && model.isProvenInfeasible() && !interrupted;
  report.objective = has_solution ? model.getObjValue() : warm_cost.value_or(0.0);
  report.best_bound = model.getBestPossibleObjValue();
  report.reached_limit = stopped_at_deadline || interrupted || cbc_elapsed >= cbc_seconds;
  const detail::CbcProof proof = detail::cbc_proof(report, warm_cost.has_value());
  if (!has_solution) {
    if (proof == detail::CbcProof::infeasible)
      throw_infeasible(
          "{}: the exact model is infeasible: no alignment meets the balance and capacity "
          "constraints",
          problem.name);
    if (!settings.warm_start)
      throw_infeasible("{}: no feasible alignment found: CBC found none within {:.2f} s",
                       problem.name, settings.time_limit);
    result.alignment = *settings.warm_start;
    result.time_to_best = 0.0;  // the warm start was known when CBC started
    if (proof == detail::CbcProof::optimal) result.best_bound = *warm_cost;
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
  if (settings.warm_start) result.improved_warm_start = has_solution;
  result.proven_optimal = proof == detail::CbcProof::optimal;
  match_owner_labels(problem, result.alignment);
  result.evaluation = evaluate(problem, distances, result.alignment);
  // CBC does not say when it found its first solution: the warm start was feasible from the
  // start, else the solution is known when CBC returns.
  if (result.evaluation.feasible)
    result.time_to_feasible = settings.warm_start ? 0.0 : result.seconds;
  result.stopped_by_time = !result.proven_optimal;
  result.stop_reason = result.proven_optimal ? StopReason::proven_optimal : StopReason::time_limit;
  return result;
}

}  // namespace opsim::territory
