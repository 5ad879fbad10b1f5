// Distances between accounts: computed from coordinates on demand (no n x n matrix, so large
// instances fit in memory) or, for graph distances, looked up in an all-pairs table.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "models/territory/problem.hpp"

namespace opsim::territory {

inline constexpr double kEarthRadiusKm = 6371.0088;  //!< mean Earth radius (IUGG)

//! Great-circle distance in km between (lon, lat) points given in degrees.
double haversine_km(double lon1, double lat1, double lon2, double lat2);

class Distances {
 public:
  //! \pre validate(problem) passed (graph size within kMaxGraphAccounts, graph connected).
  explicit Distances(const Problem& problem);

  double operator()(int i, int j) const {
    switch (kind_) {
      case DistanceKind::euclidean:
        return planar(i, j);
      case DistanceKind::euclidean_floor:
        return std::floor(planar(i, j));
      case DistanceKind::haversine: {
        // Same value as haversine_km, from the chord between precomputed unit vectors.
        const double dx = ux_[i] - ux_[j], dy = uy_[i] - uy_[j], dz = uz_[i] - uz_[j];
        const double half_chord = 0.5 * std::sqrt(dx * dx + dy * dy + dz * dz);
        return 2.0 * kEarthRadiusKm * std::asin(std::min(1.0, half_chord));
      }
      case DistanceKind::graph:
        return table_[static_cast<std::size_t>(i) * n_ + j];
      case DistanceKind::none:
        break;
    }
    return 0.0;
  }

  DistanceKind kind() const { return kind_; }

  //! sqrt(dx^2 + dy^2): coordinates are far from overflow, and std::hypot is several times slower.
  double planar(int i, int j) const {
    const double dx = x_[i] - x_[j], dy = y_[i] - y_[j];
    return std::sqrt(dx * dx + dy * dy);
  }
  std::size_t size() const { return n_; }

 private:
  DistanceKind kind_;
  std::size_t n_;
  std::vector<double> x_, y_;
  std::vector<double> ux_, uy_, uz_;  //!< unit vectors of (lon, lat) for haversine
  std::vector<double> table_;         //!< row-major all-pairs shortest paths (graph distances only)
};

}  // namespace opsim::territory
