// Regional market factor M_r(m): log M_r follows a stationary AR(1) with correlated shocks,
// E[M_r] = 1. It scales opportunity intensity, win rates and churn through elasticities.
#pragma once

#include "models/trial.hpp"

namespace opsim {

//! Fills work.market_intensity / market_win / market_churn for every region and month.
void sample_market(TrialState& state);

}  // namespace opsim
