// What drives a forecast (`opsim drivers`): the share of the outcome's variance each random
// source explains (pick-freeze with common random numbers), paired one-at-a-time swings of the
// assumption groups (tornado), and the value of one parameter at which the target is reached
// with a given probability (paired search). Estimators: scenarios/README.md "Drivers".
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/base/random.hpp"

namespace opsim {

struct Scenario;

//! The random parts of the model, each a set of streams (one table: source_of below).
enum class SourceGroup : int {
  open_pipeline = 0,
  rep_new_business,
  intensity_new_business,
  workforce,
  renewals,
  fx,
  market,
  assumption,  //!< one uncertain parameter (a distribution in the scenario file)
};

//! One source of uncertainty: a fixed group, or one uncertain parameter by its pointer.
struct Source {
  SourceGroup group = SourceGroup::open_pipeline;
  std::string name;       //!< "open pipeline", ..., or the assumption's JSON pointer
  std::uint64_t key = 0;  //!< assumption: its stream entity (stable_hash of the pointer)
};

//! Which source every (stream, entity) belongs to.
class SourceTable {
 public:
  //! `intensity_keys`: entities of intensity-given new business (the other opportunity streams
  //! are rep-generated); `assumption_pointers`: the uncertain parameters, in scenario order.
  SourceTable(std::vector<std::uint64_t> intensity_keys,
              const std::vector<std::string>& assumption_pointers);
  explicit SourceTable(const Scenario& scenario);
  const std::vector<Source>& sources() const { return sources_; }
  //! Index into sources() of the stream (stream, entity); -1 for streams of no source.
  int source_of(StreamId stream, std::uint64_t entity) const;
  //! False when source `s` certainly draws nothing (intensity-given business without any
  //! intensity entity), so that its run can be skipped.
  bool may_draw(std::size_t s) const {
    return sources_[s].group != SourceGroup::intensity_new_business || !intensity_keys_.empty();
  }

 private:
  std::vector<Source> sources_;
  std::vector<std::uint64_t> intensity_keys_;  //!< sorted
};

//! Pick-freeze remap: source `kept` keeps trial t, every other source draws trial t + offset
//! (independent numbers). Records which sources were drawn at all.
class PickFreezeRemap : public TrialRemap {
 public:
  //! `keep`: source `kept`'s streams stay at trial t and every other stream moves to t + offset
  //! (Y^S, for the first-order share); `redraw`: only its streams move (Y^~S, for the total
  //! effect, and exactly Y when the source does not reach the outcome).
  enum class Mode { keep, redraw };
  PickFreezeRemap(const SourceTable& table, int kept, std::uint64_t offset, Mode mode = Mode::keep);
  std::uint64_t trial(StreamId stream, std::uint64_t trial, std::uint64_t entity) const override;
  //! True when some stream of source `kept` was drawn during the run (on this process).
  bool kept_was_drawn() const { return drawn_.load(std::memory_order_relaxed); }

 private:
  const SourceTable& table_;
  int kept_;
  std::uint64_t offset_;
  Mode mode_;
  mutable std::atomic<bool> drawn_{false};
};

//! First-order share of Var(Y) explained by a source S: Var(E[Y | S]) / Var(Y), estimated from
//! paired trials Y_t = f(S_t, R_t) and Y^S_t = f(S_t, R'_t) (Janon et al. 2014).
struct VarianceShare {
  double share = 0.0;
  double se = 0.0;                 //!< delta-method standard error of `share`
  double variance = 0.0;           //!< Var(Y), pooled over Y and Y^S
  double variance_if_fixed = 0.0;  //!< Var(Y) - Var(E[Y | S]) = E[Var(Y | S)]
  //! Total effect E[Var(Y | everything but S)] / Var(Y): the share with every interaction of S
  //! (Jansen's estimator from Y and Y^~S, which redraws S only), and its standard error; NaN
  //! when not estimated.
  double total = std::numeric_limits<double>::quiet_NaN();
  double total_se = std::numeric_limits<double>::quiet_NaN();
  //! Y^~S equals Y in every trial: S does not reach the outcome, and every figure above is
  //! exactly 0 (a review found FX at 7.4% ±5.4 of new bookings at plan rates).
  bool no_effect = false;
};
//! \pre y.size() == y_s.size() >= 2
VarianceShare first_order_share(const std::vector<double>& y, const std::vector<double>& y_s);
//! Adds the total effect to `share` from Y and Y^~S (Jansen 1999: E[(Y - Y^~S)^2] / (2 Var(Y)),
//! its standard error by the central limit theorem); a source whose Y^~S equals Y in every trial
//! has no effect: share, total and their SEs are 0 and nothing is explained.
//! \pre y.size() == y_r.size() >= 2
void add_total_effect(VarianceShare& share, const std::vector<double>& y,
                      const std::vector<double>& y_r);

//! One source's row of sources.csv.
struct SourceShare {
  std::string source;
  VarianceShare estimate;
};

//! Runs the model twice per source with `run(remap)` (keep, then redraw; Y per trial, trials
//! 0..n-1, in order; empty
//! on MPI ranks other than 0, which return an empty list) and estimates every source's share
//! against the base `y`. Sources never drawn (absent from the scenario) are left out. Sorted by
//! share, largest first.
//! `drawn_anywhere(mine)` combines this process's "the source was drawn" with the other ranks'
//! (under MPI a rank may hold no trial); default: this process alone.
std::vector<SourceShare> estimate_sources(
    const SourceTable& table, const std::vector<double>& y, std::uint64_t trials,
    const std::function<std::vector<double>(const TrialRemap*)>& run,
    const std::function<bool(bool)>& drawn_anywhere = {});

//! A paired low/high pair of runs against the base, for one tornado row.
struct Swing {
  double mean_low = 0.0, mean_high = 0.0;
  double p_low = 0.0, p_high = 0.0;  //!< P(Y >= target); NaN without a target
  double swing = 0.0;  //!< |p_high - p_low|, or |mean_high - mean_low| without a target
  double se = 0.0;     //!< paired standard error of the swing's difference
};
Swing paired_swing(const std::vector<double>& low, const std::vector<double>& high,
                   std::optional<double> target);

//! P(Y >= target): the share of trials reaching it.
double reach_probability(const std::vector<double>& y, double target);

//! The value of a parameter at which P(reach) equals `probability`, found by a paired search
//! (the same seed at every value: P is then a monotone step function of the value).
struct Solution {
  double value = 0.0;
  double se = 0.0;           //!< SE(P) / |dP/dvalue| (Monte Carlo error of the value)
  double probability = 0.0;  //!< P(reach) at `value`
  double slope = 0.0;        //!< dP/dvalue near the solution (central difference)
  int runs = 0;
};
//! `p_at(value)` runs the model at `value` and returns P(reach) (the same on every rank).
//! Searches [low, high]; when `probability` lies outside P's range over it, throws
//! InfeasibleError naming the reachable range (exit 3). `trials` sets SE(P).
Solution solve_for_probability(const std::function<double(double)>& p_at, double low, double high,
                               double probability, std::uint64_t trials,
                               const std::string& parameter);

//! One tornado row: a group or a --range pointer, moved to its low and high value.
struct TornadoRow {
  std::string parameter;  //!< a group's name, or the --range pointer (the CSV's)
  std::string label;      //!< for people, when it differs: the pointer in words
  //! The name for people: the label, else the parameter.
  const std::string& words() const { return label.empty() ? parameter : label; }
  double low_value = 0.0, high_value = 0.0;  //!< factors, month shifts or the --range values
  std::string change;                        //!< "factor", "months" or "value"
  Swing swing;
  std::string note;  //!< clamping, or why the row has no numbers
};

//! The requested value of --solve and the answer.
struct SolveResult {
  std::string parameter;  //!< the --solve pointer
  std::string label;      //!< the pointer in words
  //! The name for people: the label, else the pointer.
  const std::string& words() const { return label.empty() ? parameter : label; }
  double probability = 0.0;      //!< requested
  double low = 0.0, high = 0.0;  //!< the range searched
  Solution solution;             //!< NaN values when out of reach
  //! Why no value in the range reaches the probability (solve_for_probability's message; the
  //! command then exits 3 after writing the rest); empty when solved.
  std::string out_of_reach;
};

//! Everything `opsim drivers` reports, for the writers (sim/io/drivers_output.hpp).
struct DriversResult {
  std::string metric, period, region, segment;
  //! The period for people: marked when partial ("FY2027 partial: 10 of 12 months (...)").
  std::string period_words;
  std::string currency;
  std::optional<double> target;  //!< the scenario's target for this cell, if any
  std::uint64_t trials = 0, seed = 0;
  double mean = 0.0, sd = 0.0;  //!< of the outcome in the base run
  double p_reach = 0.0;         //!< NaN without a target
  std::vector<SourceShare> sources;
  std::vector<TornadoRow> tornado;  //!< sorted by swing, largest first
  std::optional<SolveResult> solve;
  double seconds = 0.0;
  int runs = 0;  //!< full runs of `trials` trials, base included
};

}  // namespace opsim
