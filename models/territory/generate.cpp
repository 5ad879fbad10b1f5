#include "models/territory/generate.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "sim/base/random.hpp"

namespace opsim::territory {

namespace {

//! Standard normal from two uniforms (Box-Muller), deterministic per stream.
double normal(Rng& rng) {
  return std::sqrt(-2.0 * std::log(rng.uniform())) *
         std::cos(2.0 * std::numbers::pi * rng.uniform());
}

}  // namespace

Problem generate_instance(const GeneratorSettings& settings) {
  Problem problem;
  problem.name = fmt::format("generated_{}x{}", settings.accounts, settings.territories);
  problem.attribute_names = {"potential", "workload"};
  problem.distance = settings.geographic ? DistanceKind::haversine : DistanceKind::euclidean;
  // Cities: centres and spreads; accounts pick a city with probability ~ its size (Zipf).
  const int cities = std::max(1, settings.accounts / 250);
  std::vector<double> cx(cities), cy(cities), spread(cities), cumulative(cities);
  double total = 0.0;
  for (int c = 0; c < cities; ++c) {
    Rng rng(settings.seed, StreamId::territory_instances, 0, static_cast<std::uint64_t>(c), 0);
    cx[c] = settings.geographic ? -124.0 + 57.0 * rng.uniform() : 1000.0 * rng.uniform();
    cy[c] = settings.geographic ? 26.0 + 22.0 * rng.uniform() : 1000.0 * rng.uniform();
    spread[c] = (settings.geographic ? 0.6 : 15.0) * (0.3 + rng.uniform());
    total += 1.0 / (c + 1.0);
    cumulative[c] = total;
  }
  for (int i = 0; i < settings.accounts; ++i) {
    Rng rng(settings.seed, StreamId::territory_instances, 1, static_cast<std::uint64_t>(i), 0);
    double pick = rng.uniform() * total;
    int c = static_cast<int>(std::lower_bound(cumulative.begin(), cumulative.end(), pick) -
                             cumulative.begin());
    c = std::min(c, cities - 1);
    Account a;
    a.id = fmt::format("A{:06d}", i + 1);
    a.x = cx[c] + spread[c] * normal(rng);
    a.y = cy[c] + spread[c] * normal(rng);
    if (settings.geographic) {
      a.y = std::clamp(a.y, -89.0, 89.0);
      a.x = std::clamp(a.x, -179.0, 179.0);
    }
    double potential = std::exp(10.0 + 0.8 * normal(rng));
    double workload = 10.0 + 30.0 * rng.uniform();
    a.attributes = {std::round(potential), std::round(workload)};
    problem.accounts.push_back(std::move(a));
  }
  problem.territories.resize(settings.territories);
  for (int t = 0; t < settings.territories; ++t)
    problem.territories[t].id = fmt::format("T{}", t + 1);
  problem.balance = {{0, settings.tolerance}, {1, settings.tolerance}};
  return problem;
}

}  // namespace opsim::territory
