// Synthetic alignment instances for scale benchmarks: accounts clustered around "cities" in a
// lat/lon box (or a planar square), with potential and workload attributes.
#pragma once

#include <cstdint>

#include "models/territory/problem.hpp"

namespace opsim::territory {

struct GeneratorSettings {
  int accounts = 10000;
  int territories = 100;
  std::uint64_t seed = 1;
  bool geographic = true;   //!< lat/lon in the contiguous-US box (haversine) or planar 0..1000
  double tolerance = 0.05;  //!< balance tolerance on potential and workload
};

//! A pure function of the settings (counter-based streams keyed by account index).
Problem generate_instance(const GeneratorSettings& settings);

}  // namespace opsim::territory
