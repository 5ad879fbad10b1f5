// The inputs of a scenario at a glance, before simulating (`opsim validate --summary`, the
// report's input page): seats, open pipeline, installed base, hires, deal sizes, and how much of
// what the flow model expects in the first months the open pipeline holds.
// Amounts are in the reporting currency at plan rates.
#pragma once

#include <string>
#include <vector>

#include "models/scenario.hpp"

namespace opsim {

struct InputSummary {
  struct Seats {
    std::string region, segment, role;  //!< role "" = none
    int seats = 0;
    int planned_hires = 0;  //!< of `seats`, from the hiring plan
  };
  struct PipelineCell {
    std::string stage, region, quarter;  //!< quarter of the expected close: "FY2027 Q3"
    int deals = 0;
    double amount = 0;    //!< open amount
    double weighted = 0;  //!< amount x amount factor x stage win probability (overdue decay)
  };
  struct RegionArr {
    std::string region;
    int contracts = 0;
    double arr = 0;  //!< in force at the horizon start
  };
  struct Renewals {
    std::string region, month;  //!< month "YYYY-MM" within the horizon
    int contracts = 0;
    double arr = 0;  //!< ARR up for renewal (before churn and expansion)
  };
  struct Hires {
    std::string month;
    int starts = 0;         //!< seats whose first occupant starts this month
    int planned_hires = 0;  //!< of `starts`, from the hiring plan
  };
  struct DealSize {
    std::string region;
    double mean_deal = 0;  //!< flow model: mean won deal size, weighted by expected wins
    int open_deals = 0;
    double mean_open_deal = 0;  //!< open pipeline: mean amount (NaN without deals)
  };
  //! One of the first months: what the flow model expects to close, the part of it from
  //! opportunities opened before the start (which the simulation leaves to the open pipeline),
  //! and what the open pipeline holds closing then (overdue deals in the first month).
  struct Coverage {
    std::string month;
    double expected = 0;
    double from_before_start = 0;
    double pipeline = 0;
    double pipeline_weighted = 0;
  };

  std::string currency;  //!< reporting currency code
  int coverage_months = 0;
  std::vector<Seats> seats;
  std::vector<PipelineCell> pipeline;
  std::vector<RegionArr> arr;
  std::vector<Renewals> renewals;
  std::vector<Hires> hires;
  std::vector<DealSize> deal_sizes;
  std::vector<Coverage> coverage;
  std::vector<std::string> warnings;

  //! Stage-weighted open pipeline over the part of the flow expectation opened before the start,
  //! summed over the coverage months; NaN when the model expects nothing from before the start.
  double pipeline_coverage() const;
  //! The flow model's expectation for the coverage months.
  double expected_total() const;
};

//! Summarises `scenario` (validated). Expectations use the parameters' means (market factor 1,
//! skill 1), ramp from each seat's start and survival under attrition; backfills are left out.
InputSummary summarise_inputs(const Scenario& scenario, int coverage_months = 3);

}  // namespace opsim
