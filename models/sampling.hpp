// Variate generation used by the models. Algorithms are fixed here (Boost's ziggurat for the
// normal, inversion for small Poisson means) so that results do not depend on the standard
// library, and inversion keeps draws monotone in their parameters for paired comparisons.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include <boost/random/normal_distribution.hpp>
#include <boost/random/poisson_distribution.hpp>

#include "sim/base/random.hpp"
#include "sim/base/stable_exp.hpp"

namespace opsim {

//! Counts of variates drawn, for the benchmark's sampling floor.
struct VariateCounts {
  std::uint64_t uniforms = 0;  //!< 64-bit words drawn for uniforms (two uniforms32 share one)
  std::uint64_t normals = 0;
  std::uint64_t poissons = 0;
  double poisson_mean_sum = 0.0;
  std::uint64_t streams = 0;  //!< TrialRng objects keyed (each costs one refill when used)
  void add(const VariateCounts& o) {
    uniforms += o.uniforms;
    normals += o.normals;
    poissons += o.poissons;
    poisson_mean_sum += o.poisson_mean_sum;
    streams += o.streams;
  }
  std::uint64_t total() const { return uniforms + normals + poissons; }
};

//! Uniform on (0, 1) from any 64-bit generator: 53 random bits, never exactly 0 or 1 (the same
//! conversion as Rng::uniform and TrialRng::uniform).
template <class Engine>
double uniform01(Engine& engine) {
  return (static_cast<double>(engine() >> 11) + 0.5) * 0x1.0p-53;
}

template <class Engine>
double standard_normal(Engine& rng) {
  return boost::random::normal_distribution<double>(0.0, 1.0)(rng);
}

//! The smallest k with u <= P(X <= k) for X ~ Poisson(mean), given p0 = stable_exp(-mean): the
//! inversion step of poisson(), for callers that evaluate several p0 together.
inline int poisson_by_inversion(double u, double mean, double p0) {
  double p = p0;
  double cdf = p;
  int k = 0;
  while (u > cdf && k < 1000) {
    ++k;
    p *= mean / k;
    cdf += p;
  }
  return k;
}

//! Means below this are drawn by inversion (one uniform), others by PTRS.
inline constexpr double kPoissonInversionLimit = 30.0;

//! Poisson(mean): inversion with one uniform below 30 (monotone in the mean), PTRS above.
template <class Engine>
int poisson(Engine& rng, double mean) {
  if (mean <= 0.0) return 0;
  if (mean < kPoissonInversionLimit) {
    const double u = uniform01(rng);
    return poisson_by_inversion(u, mean, stable_exp(-mean));
  }
  return boost::random::poisson_distribution<int, double>(mean)(rng);
}

//! Smallest k with u <= cdf[k]; the last index when u exceeds every entry (rounding).
//! \pre cdf is non-decreasing (as cumulative() makes it), so that k is the number of entries
//! below u: counting them has no data-dependent branch to mispredict.
inline int sample_from_cdf(const std::vector<double>& cdf, double u) {
  const int n = static_cast<int>(cdf.size());
  int below = 0;
  for (int k = 0; k < n - 1; ++k) below += cdf[k] < u ? 1 : 0;
  return below;
}

//! A cdf laid out for sample_from_cdf's search: its entries but the last, padded with +inf to a
//! multiple of 4, so that the count runs in whole groups of four (vectorised) with no tail loop.
//! sample(u) == sample_from_cdf(cdf, u) for every u in (0, 1).
class CdfSearch {
 public:
  CdfSearch() = default;
  explicit CdfSearch(const std::vector<double>& cdf);
  int sample(double u) const {
    const double* c = entries_.data();
    int below = 0;
    for (std::size_t k = 0; k < entries_.size(); k += 4) {
      below += (c[k] < u ? 1 : 0) + (c[k + 1] < u ? 1 : 0) + (c[k + 2] < u ? 1 : 0) +
               (c[k + 3] < u ? 1 : 0);
    }
    return below;
  }

 private:
  std::vector<double> entries_;
};

std::vector<double> cumulative(const std::vector<double>& pmf);

}  // namespace opsim
