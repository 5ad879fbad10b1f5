// Variate generation used by the models. Algorithms are fixed here (Boost's ziggurat for the
// normal, inversion for small Poisson means) so that results do not depend on the standard
// library, and inversion keeps draws monotone in their parameters for paired comparisons.
#pragma once

#include <cmath>
#include <cstdint>
#include <type_traits>
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

namespace detail {

//! An engine that returns `first`, then what `engine` draws: replays a word already drawn.
template <class Engine>
struct ReplayFirst {
  using result_type = std::uint64_t;  // full-range 64-bit engines only, as standard_normal's
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }
  result_type operator()() {
    if (!replayed) {
      replayed = true;
      return first;
    }
    return engine();
  }
  Engine& engine;
  result_type first;
  bool replayed = false;
};

//! Boost's whole ziggurat draw, its first word `word` (already drawn from rng).
template <class Engine>
[[gnu::noinline]] double standard_normal_from(Engine& rng, std::uint64_t word) {
  ReplayFirst<Engine> replay{rng, word};
  return boost::random::normal_distribution<double>(0.0, 1.0)(replay);
}

}  // namespace detail

//! A standard normal variate: Boost's ziggurat, normal_distribution<double>(0, 1)(rng), the same
//! numbers bit for bit. Its first step decides about 99% of draws from one 64-bit word (the
//! low 8 bits pick a layer and the sign, the top 56, bit 11 cleared, the abscissa, as Boost's
//! generate_int_float_pair<double, 8> makes them) and is inlined here; any other draw replays
//! the word into Boost's own loop.
template <class Engine>
[[gnu::always_inline]] inline double standard_normal(Engine& rng) {
  static_assert(std::is_same_v<typename Engine::result_type, std::uint64_t>,
                "the inlined step reads a whole 64-bit word (a full-range 64-bit engine)");
  const std::uint64_t word = rng();
  const double* table_x = boost::random::detail::normal_table<double>::table_x;
  const int bucket = static_cast<int>(word & 0xFF);
  const int layer = bucket >> 1;
  const double sign = static_cast<double>((bucket & 1) * 2 - 1);
  const double x =
      static_cast<double>((word & ~(std::uint64_t{1} << 11)) >> 8) * 0x1.0p-56 * table_x[layer];
  // x * sign, then normal_distribution's * sigma + mean (+ 0.0 turns -0.0 into +0.0).
  if (x < table_x[layer + 1]) return x * sign * 1.0 + 0.0;
  return detail::standard_normal_from(rng, word);
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
