#include "models/territory/distance.hpp"

#include <algorithm>
#include <numbers>

#include <tbb/parallel_for.h>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>

namespace opsim::territory {

double haversine_km(double lon1, double lat1, double lon2, double lat2) {
  constexpr double to_radians = std::numbers::pi / 180.0;
  const double phi1 = lat1 * to_radians, phi2 = lat2 * to_radians;
  const double dphi = phi2 - phi1, dlambda = (lon2 - lon1) * to_radians;
  const double s = std::sin(dphi / 2), t = std::sin(dlambda / 2);
  const double h = s * s + std::cos(phi1) * std::cos(phi2) * t * t;
  return 2.0 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(h)));
}

Distances::Distances(const Problem& problem) : kind_(problem.distance), n_(problem.size()) {
  x_.reserve(n_);
  y_.reserve(n_);
  for (const Account& a : problem.accounts) {
    x_.push_back(a.x);
    y_.push_back(a.y);
  }
  if (kind_ == DistanceKind::haversine) {
    constexpr double to_radians = std::numbers::pi / 180.0;
    for (std::size_t i = 0; i < n_; ++i) {
      const double lon = x_[i] * to_radians, lat = y_[i] * to_radians;
      ux_.push_back(std::cos(lat) * std::cos(lon));
      uy_.push_back(std::cos(lat) * std::sin(lon));
      uz_.push_back(std::sin(lat));
    }
  }
  if (kind_ != DistanceKind::graph) return;
  using Graph =
      boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, boost::no_property,
                            boost::property<boost::edge_weight_t, double>>;
  Graph graph(n_);
  for (const Edge& e : problem.edges) boost::add_edge(e.from, e.to, e.length, graph);
  table_.assign(n_ * n_, 0.0);
  // Rows are independent, so the table is the same whatever the thread count.
  tbb::parallel_for(std::size_t{0}, n_, [&](std::size_t source) {
    double* row = table_.data() + source * n_;
    boost::dijkstra_shortest_paths(graph, source, boost::distance_map(row));
  });
  // Path sums in opposite directions can differ in the last bit; searches rely on d(i,j) ==
  // d(j,i) exactly, so keep the smaller of the two.
  for (std::size_t i = 0; i < n_; ++i)
    for (std::size_t j = i + 1; j < n_; ++j) {
      double d = std::min(table_[i * n_ + j], table_[j * n_ + i]);
      table_[i * n_ + j] = d;
      table_[j * n_ + i] = d;
    }
}

}  // namespace opsim::territory
