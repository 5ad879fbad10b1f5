// Incentive compensation: what a seat's occupants are paid in a fiscal year for the bookings
// they make against their quota. Amounts in the reporting currency at plan FX rates.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "models/outcome.hpp"
#include "models/plan/fiscal_year.hpp"
#include "models/scenario.hpp"
#include "models/trial.hpp"

namespace opsim::plan {

//! Rate multiplier from an attainment threshold on (fraction of quota).
struct Tier {
  double from = 0.0;  //!< attainment where the tier starts; the first tier starts at 0
  double rate = 1.0;  //!< multiple of the base commission rate (variable / quota)
};

enum class TierMode { marginal, retroactive };
enum class Measurement { quarterly, annual };
enum class DrawKind { none, recoverable, non_recoverable };
//! On-target variable pay of an occupant who holds the seat for part of the fiscal year.
enum class Proration {
  months,       //!< V x months in seat / 12, as base pay (the default)
  quota_share,  //!< V x the occupant's share of the seat's annual quota
};

struct CompPlan {
  std::string id;
  //! Which seats the plan covers is in CompSpec::seat_plan: seats whose role it names, then
  //! seats of its segments without a role plan; a plan naming neither covers the rest.
  double ote = 0.0;                     //!< on-target earnings per year (base + variable)
  double variable_share = 0.5;          //!< pay mix: variable / OTE
  std::vector<Tier> tiers{{0.0, 1.0}};  //!< strictly increasing `from`, first at 0
  TierMode mode = TierMode::marginal;
  double cap = std::numeric_limits<double>::infinity();  //!< on variable pay, x on-target variable
  Measurement measurement = Measurement::annual;
  DrawKind draw = DrawKind::none;
  double draw_per_month = 0.0;  //!< paid while the occupant's tenure is below draw_months
  int draw_months = 0;
  double spif_per_deal = 0.0;  //!< per won deal of seats of spif_segments ...
  std::vector<int> spif_segments;
  std::vector<int> spif_products;  //!< ... and per won deal of these products (at most 64)
  int clawback_months =
      -1;  //!< commission on deals churning within this many months is clawed back
  Proration proration = Proration::months;

  double variable() const { return ote * variable_share; }
  double base() const { return ote * (1 - variable_share); }
  //! Earnings per unit of on-target variable at attainment a, before the cap (1 at a = 1 with a
  //! single tier of rate 1).
  double earnings_factor(double attainment) const;
};

struct CompSpec {
  std::vector<CompPlan> plans;
  std::vector<int> seat_plan;  //!< per seat, index into plans, -1 = no plan
  double budget = std::numeric_limits<double>::quiet_NaN();  //!< total cost of sales; NaN = none
  bool empty() const { return plans.empty(); }
};

//! One seat's fiscal year as recorded by the engine; arrays indexed by horizon month.
struct SeatYearView {
  const double* bookings = nullptr;
  const double* deals = nullptr;
  const double* spif_deals = nullptr;  //!< won deals of the plan's SPIF products
  const double* clawback = nullptr;
  const int* occupant = nullptr;
  const double* profile = nullptr;  //!< quota share per fiscal-year month (index m - fy.first)
  int seat_start = 0;               //!< start of occupant 0 (relative; may precede the horizon)
  bool spif = false;                //!< the seat's segment earns the plan's SPIF
};

struct Payout {
  double commission = 0;  //!< tiered, capped, trued-up commission paid
  double draw = 0;        //!< draw paid beyond commission earned (not recovered)
  double spif = 0;
  double clawback = 0;  //!< commission recovered on churned deals (>= 0, subtracted)
  double base = 0;      //!< base pay for the months occupied
  double variable() const { return commission + draw + spif - clawback; }
  double cost() const { return variable() + base; }
};

//! Payout of one seat for a fiscal year. Each occupant is measured on their own: occupant j
//! holding months [a, b] carries quota Q x sum of the profile over [a, b] (a backfill inherits
//! the remaining prorated quota) and on-target variable pay V x (b - a + 1) / 12 (or V x that
//! quota share under Proration::quota_share), as base pay; commission is measured at fiscal-quarter
//! ends (quarterly) or only at b (annual), each time on year-to-date attainment, paying the
//! increase over what was paid (true-up; never negative); draws are paid for months of tenure below
//! draw_months.
Payout seat_payout(const CompPlan& plan, double quota, const FiscalYear& fy,
                   const Calendar& calendar, const SeatYearView& view);

//! P10, P50 and P90 over trials.
struct Spread {
  double p10 = 0, p50 = 0, p90 = 0;
};

//! The cost table of one role x region (seats without a plan or quota are left out).
struct CompGroup {
  std::string role;  //!< the seats' role, "-" for none
  int region = 0;
  int seats = 0;
  double ote = 0;                //!< sum of OTE x months in seat in the year / 12 (planned)
  double expected_variable = 0;  //!< E[variable pay]
  Spread variable;               //!< of the group's total variable pay per trial
  double expected_cost = 0;      //!< E[variable + base]
  double cost_p90 = 0;
  double expected_bookings = 0;  //!< sum of the seats' E[bookings]; cost share = cost / this
};

//! Cost of the compensation plans over the trials of a run.
struct CompResult {
  std::uint64_t trials = 0;
  std::vector<std::string> seat_plan;        //!< per seat: id of its plan, empty = none
  std::vector<double> seat_variable;         //!< per seat: expected variable pay
  std::vector<double> seat_cost;             //!< per seat: expected variable + base pay
  std::vector<Spread> seat_variable_spread;  //!< per seat: P10/P50/P90 of variable pay
  std::vector<double> seat_cost_p90;         //!< per seat: P90 of variable + base pay
  std::vector<double> seat_ote;              //!< per seat: OTE x months in seat / 12
  std::vector<CompGroup> groups;             //!< role x region, in order of first seat
  double commission = 0, draw = 0, spif = 0, clawback = 0, base = 0;  //!< expected totals
  std::vector<double> total_variable;                                 //!< per trial, in trial order
  std::vector<double> total_cost;  //!< per trial: variable + base
  std::vector<double> cost_share;  //!< per trial: cost / company new bookings of the year
  double budget = std::numeric_limits<double>::quiet_NaN();
  double probability_over_budget = 0, probability_over_budget_se = 0;
};

//! Per-trial payouts, in trial order.
struct TrialPayouts {
  std::vector<double> seat_variable, seat_cost;  //!< [trial][seat]
  std::vector<double> parts;  //!< [trial][commission, draw, spif, clawback, base], seats summed
};

//! Computes each seat's payout per trial from the recorded seat-month detail; `observe` may run
//! concurrently for different trials. Memory: 16 x trials x seats + 48 x trials bytes.
class CompEvaluator {
 public:
  //! For trials [first_trial, first_trial + trials).
  CompEvaluator(const Scenario& scenario, const CompSpec& spec, const FiscalYear& fy,
                const std::vector<double>& quota, const std::vector<double>& profiles,
                std::uint64_t trials, std::uint64_t first_trial = 0);
  //! What the run must record per seat: clawback windows and SPIF products.
  SeatMonthRecording recording() const;
  void observe(std::uint64_t trial, const TrialOutcome& outcome);
  //! This evaluator's per-trial payouts; replaced by all trials' on the rank that finishes an
  //! MPI run.
  TrialPayouts& payouts() { return payouts_; }
  //! `company_bookings`: per trial of payouts(), the company's new bookings of the year (plan
  //! rates); `seat_bookings`: per seat, expected bookings of the year (empty = unknown).
  CompResult finish(const std::vector<double>& company_bookings,
                    const std::vector<double>& seat_bookings = {}) const;

 private:
  //! Per-seat and per role x region spreads and the cost table.
  void distributions(CompResult& r, const std::vector<double>& seat_bookings) const;

  const Scenario& scenario_;
  const CompSpec& spec_;
  FiscalYear fy_;
  const std::vector<double>& quota_;
  const std::vector<double>& profiles_;
  std::uint64_t first_trial_;
  TrialPayouts payouts_;
};

}  // namespace opsim::plan
