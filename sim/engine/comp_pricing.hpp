// Compensation cost of one arm of a comparison or sweep, priced per trial by the mechanism
// `opsim quotas` uses (plan::CompEvaluator: every component and its measure, gates, tiers, caps,
// payout timing, draws, SPIFs, clawbacks and quarterly true-ups), on the arm's own trials so that
// arms stay paired. Amounts in the reporting currency.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/plan/compensation.hpp"
#include "models/scenario.hpp"
#include "sim/engine/results.hpp"
#include "sim/engine/runner.hpp"

namespace opsim {

//! Quotas of the compensation plans in a comparison, set once on the base run (the plan of
//! record): per seat id, per fiscal-year index, the seat's expected new bookings (plan rates).
struct CompQuotas {
  std::map<std::string, std::vector<double>> by_seat;
};

//! Each seat's mean bookings per fiscal year in `result`, keyed by seat id.
CompQuotas comp_quotas(const Scenario& scenario, const RunResult& result);

//! Per fiscal year of the horizon, the per-seat measures derived component quotas need (won
//! deals, product-set bookings), summed over an arm's forecast; empty when no plan needs them.
using CompMeasures = std::vector<plan::MeasureTotals>;

//! Runs an arm's forecast as mpi::run_distributed does and, when `spec` derives component quotas
//! from the forecast, counts their measures per fiscal year into `measures` (summed on rank 0).
//! The result is the same as without counting.
RunResult run_counting_measures(const Scenario& scenario, const plan::CompSpec& spec,
                                RunOptions options, CompMeasures& measures);

//! An arm's compensation pay per trial (in trial order, on rank 0).
struct CompTrialPay {
  std::uint64_t trials = 0;
  std::size_t periods = 0, regions = 0;  //!< ResultLayout::periods; regions without the total
  //! [trial][period][region]: variable pay (commission + draw + SPIF - clawback) of the seats of
  //! the region, as plan::seat_payout prices each seat's fiscal year: a fiscal year's period
  //! holds the year's, summed in seat order; a quarter holds what is paid in its months
  //! (plan::seat_payout's payout timing), summed in seat order and then month order.
  std::vector<double> variable;
  //! [trial][period][region]: base pay for the months each seat is occupied in the period.
  std::vector<double> base;
  bool empty() const { return variable.empty(); }
};

//! Prices the plans of `spec` on trials [options.first_trial, options.end_trial) of `scenario`,
//! split across the ranks, simulated again with the seat-month detail the payouts read (the same
//! draws as the forecast `result`, which rank 0 holds). Per fiscal year of the horizon (clipped
//! to it), a seat's quota is its entry in `quotas` (the base's), else its own mean bookings in
//! `result`; a seat with neither is paid no variable pay. Derived component quotas take the
//! seat's own expected bookings and `measures` (run_counting_measures). Memory: the payouts of
//! at most ~256 MB of trials at a time. Bit-identical for any thread count, rank count or split.
CompTrialPay price_compensation(const Scenario& scenario, const plan::CompSpec& spec,
                                const RunResult& result, RunOptions options,
                                const CompQuotas& quotas, const CompMeasures& measures);

//! An alternative arm's forecast and its compensation priced in one pass (instead of
//! run_counting_measures and price_compensation), when no quota of it derives from its own
//! forecast: every seat with a plan has a quota in `quotas` in every fiscal year, no component
//! quota is derived, and the payouts of a rank's share fit the pricing budget. Returns false,
//! having run nothing, otherwise. The same result and pay as the two passes, bit for bit.
bool run_priced_forecast(const Scenario& scenario, const plan::CompSpec& spec,
                         const RunOptions& options, const CompQuotas& quotas, RunResult& result,
                         CompTrialPay& pay);

}  // namespace opsim
