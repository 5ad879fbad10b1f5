#include "models/assumption.hpp"

#include <algorithm>
#include <cmath>

#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/normal.hpp>

#include "models/scenario.hpp"
#include "sim/base/error.hpp"
#include "sim/base/random.hpp"

namespace opsim {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

//! Shape parameters of the PERT distribution on [min, max] with this mode (lambda = 4).
std::pair<double, double> pert_shape(double lo, double mode, double hi) {
  return {1.0 + 4.0 * (mode - lo) / (hi - lo), 1.0 + 4.0 * (hi - mode) / (hi - lo)};
}

double beta_quantile(double alpha, double beta, double u) {
  return boost::math::quantile(boost::math::beta_distribution<double>(alpha, beta), u);
}

//! sigma^2 of the underlying normal of a lognormal with coefficient of variation cv.
double log_variance(double cv) {
  return std::log1p(cv * cv);
}

//! Standard normal density and CDF at x, with the limits at +-infinity.
double phi(double x) {
  return std::isfinite(x) ? std::exp(-0.5 * x * x) / std::sqrt(2.0 * M_PI) : 0.0;
}
double big_phi(double x) {
  return 0.5 * std::erfc(-x / std::sqrt(2.0));
}

}  // namespace

double Distribution::quantile(double u) const {
  switch (family) {
    case Family::uniform:
      return p1 + u * (p2 - p1);
    case Family::triangular: {
      const double a = p1, c = p2, b = p3;
      if (b == a) return a;
      const double split = (c - a) / (b - a);
      return u < split ? a + std::sqrt(u * (b - a) * (c - a))
                       : b - std::sqrt((1.0 - u) * (b - a) * (b - c));
    }
    case Family::pert: {
      if (p3 == p1) return p1;
      const auto [alpha, beta] = pert_shape(p1, p2, p3);
      return p1 + (p3 - p1) * beta_quantile(alpha, beta, u);
    }
    case Family::beta:
      return beta_quantile(p1, p2, u);
    case Family::lognormal: {
      const double s2 = log_variance(p2);
      const double mu = std::log(p1) - 0.5 * s2;
      if (s2 == 0) return p1;
      return std::exp(mu + std::sqrt(s2) * boost::math::quantile(
                                               boost::math::normal_distribution<double>(), u));
    }
    case Family::normal: {
      if (p2 == 0) return std::clamp(p1, lower, upper);
      const double lo = big_phi((lower - p1) / p2), hi = big_phi((upper - p1) / p2);
      const double z = boost::math::quantile(boost::math::normal_distribution<double>(),
                                             std::clamp(lo + u * (hi - lo), 1e-300, 1.0 - 1e-16));
      return std::clamp(p1 + p2 * z, lower, upper);
    }
  }
  throw_internal("unknown distribution family");
}

double Distribution::mean() const {
  switch (family) {
    case Family::uniform:
      return 0.5 * (p1 + p2);
    case Family::triangular:
      return (p1 + p2 + p3) / 3.0;
    case Family::pert:
      return (p1 + 4.0 * p2 + p3) / 6.0;
    case Family::beta:
      return p1 / (p1 + p2);
    case Family::lognormal:
      return p1;
    case Family::normal: {
      if (p2 == 0) return std::clamp(p1, lower, upper);
      const double a = (lower - p1) / p2, b = (upper - p1) / p2;
      return p1 + p2 * (phi(a) - phi(b)) / (big_phi(b) - big_phi(a));
    }
  }
  throw_internal("unknown distribution family");
}

double Distribution::variance() const {
  switch (family) {
    case Family::uniform:
      return (p2 - p1) * (p2 - p1) / 12.0;
    case Family::triangular: {
      const double a = p1, c = p2, b = p3;
      return (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0;
    }
    case Family::pert: {
      const double m = mean();
      return (m - p1) * (p3 - m) / 7.0;
    }
    case Family::beta: {
      const double s = p1 + p2;
      return p1 * p2 / (s * s * (s + 1.0));
    }
    case Family::lognormal:
      return p1 * p1 * p2 * p2;
    case Family::normal: {
      if (p2 == 0) return 0.0;
      const double a = (lower - p1) / p2, b = (upper - p1) / p2;
      const double z = big_phi(b) - big_phi(a);
      const double a_phi = std::isfinite(a) ? a * phi(a) : 0.0;
      const double b_phi = std::isfinite(b) ? b * phi(b) : 0.0;
      const double shift = (phi(a) - phi(b)) / z;
      return p2 * p2 * (1.0 + (a_phi - b_phi) / z - shift * shift);
    }
  }
  throw_internal("unknown distribution family");
}

double Distribution::support_low() const {
  switch (family) {
    case Family::uniform:
    case Family::triangular:
    case Family::pert:
      return p1;
    case Family::beta:
      return 0.0;
    case Family::lognormal:
      return p2 == 0 ? p1 : 0.0;
    case Family::normal:
      return p2 == 0 ? std::clamp(p1, lower, upper) : lower;
  }
  return -kInf;
}

double Distribution::support_high() const {
  switch (family) {
    case Family::uniform:
      return p2;
    case Family::triangular:
    case Family::pert:
      return p3;
    case Family::beta:
      return 1.0;
    case Family::lognormal:
      return p2 == 0 ? p1 : kInf;
    case Family::normal:
      return p2 == 0 ? std::clamp(p1, lower, upper) : upper;
  }
  return kInf;
}

const char* Distribution::name() const {
  switch (family) {
    case Family::uniform:
      return "uniform";
    case Family::triangular:
      return "triangular";
    case Family::pert:
      return "pert";
    case Family::beta:
      return "beta";
    case Family::lognormal:
      return "lognormal";
    case Family::normal:
      return "normal";
  }
  return "?";
}

std::uint64_t UncertainParameter::key() const {
  return stable_hash(pointer);
}

std::vector<double> draw_assumptions(const std::vector<UncertainParameter>& parameters,
                                     const StreamFactory& streams, std::uint64_t trial) {
  std::vector<double> values;
  values.reserve(parameters.size());
  for (const UncertainParameter& p : parameters) {
    TrialRng rng = streams(StreamId::assumptions, trial, p.key());
    values.push_back(p.distribution.quantile(rng.uniform()));
  }
  return values;
}

std::shared_ptr<const Scenario> scenario_for_trial(const Scenario& scenario,
                                                   const StreamFactory& streams,
                                                   std::uint64_t trial) {
  if (scenario.uncertain.empty()) return nullptr;
  if (!scenario.with_values) throw_internal("uncertain scenario without a rebuild function");
  return scenario.with_values(scenario, draw_assumptions(scenario.uncertain, streams, trial));
}

}  // namespace opsim
