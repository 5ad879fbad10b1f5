// Uncertain assumptions: a scenario parameter given as a distribution instead of a number is
// drawn once per trial from its own stream, keyed by the parameter's JSON pointer, so that adding
// or removing one uncertain parameter changes no other draw and paired comparisons stay paired.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace opsim {

struct Scenario;
class StreamFactory;

//! One family of distributions; every draw is by inversion of the CDF (monotone in the uniform,
//! so that paired scenarios with the same uncertain parameter move together).
struct Distribution {
  enum class Family { triangular, normal, uniform, lognormal, pert, beta };
  Family family = Family::uniform;
  //! triangular, pert: min, mode, max; uniform: min, max; normal: mean, sd; lognormal: mean,
  //! cv (of the lognormal itself); beta: alpha, beta (on [0, 1]).
  double p1 = 0.0, p2 = 0.0, p3 = 0.0;
  //! Truncation of the normal (an explicit bound or the parameter's valid range); infinite =
  //! none. For the other families the support itself.
  double lower = -std::numeric_limits<double>::infinity();
  double upper = std::numeric_limits<double>::infinity();

  //! The value at uniform u in (0, 1) (the inverse CDF).
  double quantile(double u) const;
  double mean() const;
  double variance() const;
  //! Smallest and largest values the distribution can take (may be infinite).
  double support_low() const;
  double support_high() const;
  //! The family's name as written in scenario files ("triangular", ...).
  const char* name() const;
};

struct UncertainParameter {
  std::string pointer;  //!< plain JSON pointer into the scenario document
  Distribution distribution;
  //! What the pointer names, for people ("Win rate (segment SMB)"); empty = the pointer.
  std::string words;
  //! The name for people: the words, else the pointer.
  const std::string& name() const { return words.empty() ? pointer : words; }
  std::uint64_t key() const;  //!< the stream entity: stable_hash(pointer)
};

//! This trial's value of every uncertain parameter, in order: one uniform from the stream
//! (seed, assumptions, trial, hash(pointer)).
std::vector<double> draw_assumptions(const std::vector<UncertainParameter>& parameters,
                                     const StreamFactory& streams, std::uint64_t trial);

//! The scenario as simulated in `trial`: null when it has no uncertain parameter (simulate the
//! scenario itself), else the scenario rebuilt with this trial's draws.
std::shared_ptr<const Scenario> scenario_for_trial(const Scenario& scenario,
                                                   const StreamFactory& streams,
                                                   std::uint64_t trial);

}  // namespace opsim
