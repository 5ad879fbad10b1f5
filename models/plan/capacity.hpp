// Capacity planning: the cheapest hiring plan (hires per region x segment and their requisition
// months within allowed windows) such that P(new bookings >= target) reaches the requested
// confidence for every region with a target and for the company.
//
// Seats do not interact, so a plan's per-trial bookings are the base scenario's plus the
// per-trial bookings of each added hire. Each candidate hire is simulated once per requisition
// month it may take, keyed by its stable id (window, hire number) and not by its month, so all
// plans are compared on common random numbers and the search itself simulates nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "models/scenario.hpp"

namespace opsim::plan {

struct HiringWindow {
  int region = 0;
  int segment = 0;
  int earliest = 0;  //!< first allowed requisition month (relative)
  int latest = 0;    //!< last allowed requisition month (relative, inclusive)
  int max_hires = 0;
  int time_to_fill = 0;      //!< months from requisition to start
  double cost_per_hire = 0;  //!< one-off (reporting currency)
  double monthly_cost = 0;   //!< per month employed up to the fiscal-year end (loaded base pay)
  std::string role;          //!< role of the hires' seats (empty = none)
};

struct CapacitySpec {
  int fiscal_year = 0;
  std::vector<HiringWindow> windows;
  int start_step_months = 3;  //!< requisition months tried: earliest, earliest + step, ..., latest
  //! Budget mode when not NaN: the hires (total cost <= budget) that maximise the sum of the
  //! constrained probabilities, greedily by gain per unit cost; the confidence only grades it.
  double budget = std::numeric_limits<double>::quiet_NaN();
};

struct PlannedHire {
  int window = 0;
  int number = 0;       //!< 1-based within the window; part of the stable id
  int requisition = 0;  //!< relative month
  double cost = 0;      //!< cost_per_hire + monthly_cost x months from start to fiscal-year end
  std::string id;       //!< "capacity/REGION/SEGMENT/NUMBER"
  int start = 0;        //!< relative month: requisition + time to fill
};

struct Attainment {
  std::string id;  //!< region id or "total"
  double target = 0;
  double probability = 0;
  double probability_se = 0;
  double mean = 0;
  //! One more hire in this region (best window, earliest month): change in this region's and
  //! the company's probability, with the standard error of the paired difference. NaN (shown
  //! as "-" or empty) for the company row and when no window allows another hire.
  double marginal_probability = std::numeric_limits<double>::quiet_NaN();
  double marginal_se = std::numeric_limits<double>::quiet_NaN();
  double marginal_company = std::numeric_limits<double>::quiet_NaN();
  double marginal_cost = std::numeric_limits<double>::quiet_NaN();
  //! How far the plan falls short: target minus the bookings reached with the confidence asked
  //! (the (1 - confidence) quantile of B), 0 when the constraint holds.
  double shortfall = 0;
};

struct CapacityResult {
  bool feasible = false;
  double confidence = 0;
  std::vector<PlannedHire> hires;  //!< by window, then requisition month, then number
  double cost = 0;
  std::vector<Attainment> regions;  //!< regions with a target, then "total" when it has one
  std::uint64_t trials = 0;
  std::size_t candidates = 0;  //!< candidate hire x month columns simulated
  double simulate_seconds = 0, search_seconds = 0;
};

//! Per-trial new bookings of one fiscal year at plan rates, from trials [0, trials).
struct YearBookings {
  std::vector<double> regions;  //!< [trial][region], the company total last (R + 1 values)
  std::vector<double> seats;    //!< [trial][seat]
};

//! The engine, passed in (models/ runs no trials): simulates `scenario` with the caller's
//! seed and trial count and returns the bookings of fiscal year `fiscal_year`.
using SimulateYear = std::function<YearBookings(const Scenario& scenario, int fiscal_year)>;

struct CapacityRun {
  std::uint64_t trials = 1000;  //!< trials each call of `simulate` returns
  SimulateYear simulate;
};

//! Searches greedily (best reduction of the probability shortfall per unit cost), then drops
//! hires that are not needed and moves hires to later (cheaper) months while the plan stays
//! feasible. Regions without a new-bookings target for the year are unconstrained; the
//! company is constrained when it has a target (or else when any region has one, at their sum).
CapacityResult search_capacity(const Scenario& scenario, const CapacitySpec& spec,
                               double confidence, const CapacityRun& run);

//! Planned headcount per fiscal-year month, region and segment: seats of the scenario (roster
//! and hiring plan) started by the month, and the recommended hires started by it (no attrition).
struct HeadcountMonth {
  int month = 0;  //!< relative
  int region = 0, segment = 0;
  int planned = 0, recommended = 0;
};
std::vector<HeadcountMonth> headcount_by_month(const Scenario& scenario, const CapacitySpec& spec,
                                               const CapacityResult& result);

}  // namespace opsim::plan
