// Renewals and ARR: a contract is in force from its start until it churns; at each renewal
// month it churns with its (market-adjusted) probability, else renews with a sampled expansion.
#pragma once

#include <cstdint>
#include <vector>

#include "models/trial.hpp"

namespace opsim {

struct ContractTerms {
  std::uint64_t key = 0;  //!< random-stream entity of the contract
  int region = 0;
  int segment = 0;
  int currency = 0;
  double arr = 0.0;       //!< in `currency`
  int in_force_from = 0;  //!< first month counted in ARR
  int first_renewal = 0;  //!< relative month
  int term_months = 12;
  int seat = -1;             //!< owning seat of a won deal (clawback detail), -1 = none
  int account_manager = -1;  //!< seat whose book holds the contract (retention), -1 = none
  //! The share of the deal credited to `seat` and the split seats' shares (open-pipeline deals
  //! with split credit): a churn within a seat's clawback window claws back its credited share.
  double seat_share = 1.0;
  const std::vector<DealSplit>* splits = nullptr;
};

//! Books a contract's ARR and its renewals within the horizon.
void book_contract(TrialState& state, const ContractTerms& contract);

//! Books the installed base (scenario contracts).
void simulate_installed_base(TrialState& state);

//! Turns the ARR changes booked so far into the arr (stock) and revenue metrics.
void finish_arr(TrialState& state);

}  // namespace opsim
