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
  double monthly_cost = 0;   //!< per month employed within the horizon (e.g. loaded base pay)
};

struct CapacitySpec {
  int fiscal_year = 0;
  std::vector<HiringWindow> windows;
  int start_step_months = 3;  //!< requisition months tried: earliest, earliest + step, ..., latest
};

struct PlannedHire {
  int window = 0;
  int number = 0;       //!< 1-based within the window; part of the stable id
  int requisition = 0;  //!< relative month
  double cost = 0;
  std::string id;  //!< "capacity/REGION/SEGMENT/NUMBER"
};

struct Attainment {
  std::string id;  //!< region id or "total"
  double target = 0;
  double probability = 0;
  double probability_se = 0;
  double mean = 0;
  //! One more hire in this region (best window, earliest month): change in this region's and
  //! the company's probability, with the standard error of the paired difference.
  double marginal_probability = 0;
  double marginal_se = 0;
  double marginal_company = 0;
  double marginal_cost = 0;
};

struct CapacityResult {
  bool feasible = false;
  double confidence = 0;
  std::vector<PlannedHire> hires;
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

}  // namespace opsim::plan
