// FX: a monthly lognormal path per currency, a martingale in the reporting currency
// (E[S(m)] = plan rate), with correlated shocks.
#pragma once

#include "models/trial.hpp"

namespace opsim {

//! Fills work.spot[currency * M + m] (reporting-currency units per unit).
void sample_fx(TrialState& state);

}  // namespace opsim
