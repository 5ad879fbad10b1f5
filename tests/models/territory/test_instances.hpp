// Small hand-made problems shared by the territory tests.
#pragma once

#include <string>

#include <fmt/format.h>

#include "models/territory/problem.hpp"

namespace opsim::test {

//! A w x h grid of accounts one unit apart with attribute "potential" = 1 (or `potential` for
//! the first account), 4-neighbour adjacency of length 1, p territories, planar distances.
inline territory::Problem grid_problem(int w, int h, int p, double first_potential = 1.0) {
  territory::Problem problem;
  problem.name = "grid";
  problem.attribute_names = {"potential"};
  for (int j = 0; j < h; ++j)
    for (int i = 0; i < w; ++i) {
      territory::Account a;
      a.id = fmt::format("A{}", j * w + i);
      a.x = i;
      a.y = j;
      a.attributes = {problem.accounts.empty() ? first_potential : 1.0};
      problem.accounts.push_back(a);
      int index = j * w + i;
      if (i > 0) problem.edges.push_back({index - 1, index, 1.0});
      if (j > 0) problem.edges.push_back({index - w, index, 1.0});
    }
  problem.territories.resize(p);
  for (int t = 0; t < p; ++t) problem.territories[t].id = fmt::format("T{}", t + 1);
  return problem;
}

}  // namespace opsim::test
