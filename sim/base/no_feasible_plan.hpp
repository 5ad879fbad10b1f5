// A valid request with no feasible answer, apart from bad input (error.hpp). Maps to exit
// code 3.
#pragma once

#include <stdexcept>

namespace opsim {

//! E.g. a capacity plan that cannot reach its targets within the allowed hires; the message says
//! how far it falls short.
class NoFeasiblePlan : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace opsim
