// Incentive compensation: what a seat's occupants are paid in a fiscal year for the bookings
// they make against their quota. Amounts in the reporting currency at plan FX rates.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "models/outcome.hpp"
#include "models/plan/fiscal_year.hpp"
#include "models/scenario.hpp"
#include "models/trial.hpp"
#include "sim/base/default_init.hpp"

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

//! What a component of a plan measures.
enum class Measure {
  new_bookings,  //!< new bookings, optionally of listed products only (today's measure)
  new_logos,     //!< count of won new-business deals (rep-generated and owned pipeline deals)
  retention,     //!< renewed ARR / ARR up for renewal in the seat's book (owned contracts)
};

//! A plan has at most this many components.
inline constexpr std::size_t kMaxComponents = 8;

//! Variable pay (commission + draw + SPIF - clawback) by the fiscal-year month it is paid in,
//! index m - fy.first (a fiscal year has at most 12 months in the horizon).
using MonthlyPay = std::array<double, 12>;

//! Earnings per unit of on-target variable at attainment a under `tiers`, before any cap.
double tiered_earnings(const std::vector<Tier>& tiers, TierMode mode, double attainment);

//! One weighted part of a plan's variable pay, with its own measure, quota, tiers, cap and
//! payout timing. Its on-target variable is weight x the plan's (pro-rated as the plan says).
struct Component {
  std::string id;
  Measure measure = Measure::new_bookings;
  double weight = 1.0;  //!< share of the plan's variable pay; a plan's weights sum to 1
  std::vector<Tier> tiers{{0.0, 1.0}};
  TierMode mode = TierMode::marginal;
  double cap = std::numeric_limits<double>::infinity();  //!< x the component's on-target pay
  Measurement measurement = Measurement::annual;
  std::uint64_t products = 0;  //!< new_bookings of these products only (bit k); 0 = all
  //! new_bookings of products: the quota as a share of the seat's quota; NaN = the seat's
  //! expected share of its bookings in those products.
  double quota_share = std::numeric_limits<double>::quiet_NaN();
  //! new_logos: won deals a year for a full-year ramped seat (x the seat's in-year factor);
  //! NaN = the seat's quota x its expected won deals / its expected bookings.
  double quota = std::numeric_limits<double>::quiet_NaN();
  double target = 0.9;  //!< retention: the rate paying on target (attainment = rate / target)
  int gate = -1;        //!< component of the plan whose attainment gates this one; -1 = none
  double gate_attainment = 0.0;  //!< pays only while the gate's attainment is at least this
  double earnings_factor(double attainment) const {
    return tiered_earnings(tiers, mode, attainment);
  }
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
  //! Weighted components; empty = one new-bookings component of weight 1 with the plan's
  //! tiers, mode, cap and measurement (a plan as before components).
  std::vector<Component> components;

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
  //! How the quotas pay is measured against are phased (/plan/quotas/phasing): every command
  //! that prices the plans measures against the same quarters (phasing_profiles()).
  Phasing phasing = Phasing::profile;
  //! The unit the phased months are rounded to (/plan/quotas/rounding, 0 = none): with one, pay
  //! is measured against the rounded months (published_profiles()).
  double rounding = 0;
  //! Components some of a plan's seats can never earn (retention without an owned contract,
  //! a product-restricted component for an overlay seat, whose credit has no product).
  std::vector<std::string> warnings;
  bool empty() const { return plans.empty(); }
  //! Whether some plan has a component whose quota derives from the forecast (a new-logos
  //! quota not stated, a product share not stated).
  bool needs_measure_totals() const;
  //! Distinct product sets of the new-bookings components restricted to products.
  std::vector<std::uint64_t> product_sets() const;
};

//! Per-seat sums over the forecast's trials that derived component quotas need: won deals and
//! bookings of each product set in the fiscal year. Integers (bookings in whole cents), so any
//! thread or rank order sums the same.
struct MeasureTotals {
  std::size_t seats = 0, sets = 0;
  std::vector<std::uint64_t> deals;          //!< per seat
  std::vector<std::uint64_t> product_cents;  //!< [seat * sets + k]
  std::uint64_t trials = 0;
  void resize(std::size_t seat_count, std::size_t set_count);
  void add(const MeasureTotals& other);
};

//! Adds one trial's fiscal-year won deals and product-set bookings per seat (recorded with
//! SeatMonthRecording::product_sets = spec.product_sets()).
void count_measures(const TrialOutcome& outcome, const FiscalYear& fy, MeasureTotals& totals);
//! count_measures() of one seat, without counting the trial (for a pass over the seats that
//! does several things per seat while its rows are in cache).
void count_seat_measures(const TrialOutcome& outcome, const FiscalYear& fy, std::size_t seat,
                         MeasureTotals& totals);

//! Per seat and component of its plan ([seat * kMaxComponents + c]) the component's quota:
//! new_bookings: q_i (all products), q_i x quota_share, or q_i x E[B_i^P] / E[B_i];
//! new_logos: quota x in_year_i, or q_i x E[N_i] / E[B_i]; retention: the target rate. NaN
//! where the seat has no quota (it is not paid) or the plan has no such component.
//! `expected_bookings`: E[B_i]; `in_year`: in_year_factors() of the year.
std::vector<double> component_quotas(const CompSpec& spec, const std::vector<double>& quota,
                                     const std::vector<double>& expected_bookings,
                                     const std::vector<double>& in_year,
                                     const MeasureTotals& totals);

struct SeatTerms;

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
  //! When set, seat_payout() also adds the variable pay to the month it is paid in (plan.md,
  //! "Payout timing"): commission at the measurement point that settles it, a draw advanced in
  //! each month it covers (the settlement pays the rest of what is due), a SPIF in the month of
  //! its deal (seat_payout() of the months only: the totals keep the year's), a clawback at the
  //! occupant's first settlement from the deal's booking month on (the year's last month for a
  //! deal booked while the seat was vacant). The payout is the same bit for bit; the months add
  //! up to its variable() up to rounding.
  MonthlyPay* paid = nullptr;
  // Components (plans with `components` only):
  const double* component_quota = nullptr;   //!< per component, component_quotas()
  const int* component_set = nullptr;        //!< per component: its product set k, -1 = none
  const double* product_bookings = nullptr;  //!< [month * product_sets + k]
  std::size_t product_sets = 0;
  const double* renewal_due = nullptr;  //!< ARR up for renewal in the seat's book, per month
  const double* renewal_renewed = nullptr;
  //! seat_terms() of the seat (null: computed per payout); read with the quota arrays above.
  const SeatTerms* terms = nullptr;
};

//! The terms of one seat's payout that are the same in every trial, computed once per seat
//! instead of once per seat-trial (bit for bit the same values): the commission rate per unit
//! of bookings of the components on all new bookings, and for an occupant holding every month
//! of the fiscal year, the span's quota share and per component its on-target pay, the rate
//! that pays it at 100% attainment and its cap.
//! Components 0..n-1 of the plan are written (the arrays are not filled first).
struct SeatTerms {
  double full_year_rate;
  double occupant_share, clawback_rate;
  std::array<double, kMaxComponents> on_target, rate, cap_amount;
};
//! SeatTerms of a seat under `plan` with annual quota `quota`; of `seat` it reads profile,
//! component_quota and component_set.
SeatTerms seat_terms(const CompPlan& plan, double quota, const FiscalYear& fy,
                     const SeatYearView& seat);

//! Seat `seat`'s arrays in `detail` (a run of `months` months): all of them, product bookings
//! (of `product_sets` sets) and renewals when recorded.
SeatYearView seat_months_view(const SeatMonths& detail, std::size_t seat, int months,
                              std::size_t product_sets);

//! One seat's fiscal year as its payout reads it: each occupant's running totals since their
//! first month in the year, taken at the months where a component may be measured (the
//! fiscal-quarter ends and the occupant's last month in the year). The totals are summed month by
//! month in month order from 0, as a month-by-month reading sums them, so payouts priced from
//! them equal payouts priced month by month bit for bit.
struct SeatYearTotals {
  //! Streams: running totals of these, then of each product set's bookings.
  static constexpr std::size_t kBookings = 0, kDeals = 1, kRenewalDue = 2, kRenewalRenewed = 3,
                               kFirstProductSet = 4;
  std::vector<int> occupant;     //!< months 0..fy.last: 0-based occupant, -1 = vacant
  std::vector<int> points;       //!< measure_points() of occupant
  std::size_t streams = 0;       //!< kFirstProductSet + product sets
  std::vector<double> totals;    //!< [point * streams + stream]
  double spif = 0;               //!< SPIF earned in the year (does not depend on the quota)
  std::vector<double> clawback;  //!< per fiscal-year month (index m - fy.first)
};

//! The months where `occupant` (months 0..fy.last) may be measured, increasing: in each occupied
//! span of the fiscal year, its fiscal-quarter ends and its last month.
void measure_points(const int* occupant, const FiscalYear& fy, const Calendar& calendar,
                    std::vector<int>& points);

//! `totals` of one seat's month-by-month `view` (null arrays read as 0); `product_sets`: the
//! number of product sets in view.product_bookings.
void seat_year_totals(const CompPlan& plan, const FiscalYear& fy, const Calendar& calendar,
                      const SeatYearView& view, std::size_t product_sets, SeatYearTotals& totals);

struct Payout {
  double commission = 0;  //!< tiered, capped, trued-up commission paid
  double draw = 0;        //!< draw paid beyond commission earned (not recovered)
  double spif = 0;
  double clawback = 0;  //!< commission recovered on churned deals (>= 0, subtracted)
  double base = 0;      //!< base pay for the months occupied
  //! Per component: the commission it earned (before draws recover against commission).
  std::array<double, kMaxComponents> component{};
  double variable() const { return commission + draw + spif - clawback; }
  double cost() const { return variable() + base; }
};

//! Payout of one seat for a fiscal year. Each occupant is measured on their own: occupant j
//! holding months [a, b] carries quota Q x sum of the profile over [a, b] (a backfill inherits
//! the remaining prorated quota) and on-target variable pay V x (b - a + 1) / 12 (or V x that
//! quota share under Proration::quota_share), as base pay; commission is measured at fiscal-quarter
//! ends (quarterly) or only at b (annual), each time on year-to-date attainment, paying the
//! increase over what was paid (true-up; never negative); draws are paid for months of tenure below
//! draw_months. With components, each is measured so with its own quota, tiers, cap, timing and
//! gate, and draws settle against their summed commission (scenarios/plan.md).
Payout seat_payout(const CompPlan& plan, double quota, const FiscalYear& fy,
                   const Calendar& calendar, const SeatYearView& view);
//! As seat_payout() of the months, from the seat's totals (the same payout bit for bit); of
//! `seat` it reads only profile, seat_start, component_quota, component_set and paid.
Payout seat_payout(const CompPlan& plan, double quota, const FiscalYear& fy,
                   const SeatYearView& seat, const SeatYearTotals& year);

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

//! One component of one plan over the seats it pays.
struct ComponentResult {
  std::string plan, component;
  Measure measure = Measure::new_bookings;
  double weight = 1.0;
  int seats = 0;
  double on_target = 0;         //!< sum over seats of weight x V x months in seat / 12
  double expected = 0;          //!< E[payout summed over the seats]
  Spread total;                 //!< of the per-trial sum over the seats
  double probability_paid = 0;  //!< share of seat-trials with a payout > 0
};

//! One seat's component: its quota (amount, count or rate) and payout distribution.
struct SeatComponentResult {
  int seat = 0;
  int component = 0;  //!< index into CompResult::components
  double quota = 0;
  double expected = 0;
  Spread payout;
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
  double expected_bookings = 0;    //!< company new bookings of the year, mean over trials
  //! E[cost] / E[bookings], as the role x region rows give theirs (a ratio of means, so that the
  //! rows and the company add up as a compensation committee reconciles them; NaN without
  //! bookings).
  double cost_of_sales_share() const;
  double budget = std::numeric_limits<double>::quiet_NaN();
  double probability_over_budget = 0, probability_over_budget_se = 0;
  //! Plans with components: per plan x component, and per seat x component (seat order).
  std::vector<ComponentResult> components;
  std::vector<SeatComponentResult> seat_components;
};

//! Per-trial payouts, in trial order.
struct TrialPayouts {
  //! [trial][seat]. The large arrays are not zero-filled when sized: observing a trial writes
  //! its whole row.
  UnfilledVector<double> seat_variable, seat_cost;
  std::vector<double> parts;  //!< [trial][commission, draw, spif, clawback, base], seats summed
  //! [trial][slot]: the commission of each component of each seat whose plan has components
  //! (CompEvaluator's slot layout).
  UnfilledVector<double> component;
  //! With CompEvaluator::place_payouts(): [trial][group][month - fy.first], the variable pay of
  //! the group's seats by the month it is paid in, summed in seat order.
  std::vector<double> placed;
};

class SeatYearStore;

//! What a run must record per seat for the plans' payouts: clawback windows, SPIF products,
//! product sets and renewals.
SeatMonthRecording comp_recording(const Scenario& scenario, const CompSpec& spec);

//! Computes each seat's payout per trial from the recorded seat-month detail; `observe` may run
//! concurrently for different trials. Memory: memory_bytes().
class CompEvaluator {
 public:
  //! For trials [first_trial, first_trial + trials).
  //! `component_quota`: component_quotas() (needed when a plan has components).
  CompEvaluator(const Scenario& scenario, const CompSpec& spec, const FiscalYear& fy,
                const std::vector<double>& quota, const std::vector<double>& profiles,
                std::uint64_t trials, std::uint64_t first_trial = 0,
                std::vector<double> component_quota = {});
  //! What the run must record per seat: clawback windows and SPIF products.
  SeatMonthRecording recording() const;
  //! Also keeps each trial's variable pay by the month it is paid in (SeatYearView::paid),
  //! summed per group of seats (`group` per seat, -1 = none, below `groups`) into
  //! payouts().placed: 8 x groups x fy.months() bytes per trial more than memory_bytes(). Call
  //! before observing; payouts are then priced month by month (observe(), not observe_stored()).
  void place_payouts(std::vector<int> group, std::size_t groups);
  void observe(std::uint64_t trial, const TrialOutcome& outcome);
  //! As observe(), from the trial's totals kept in `store` (bit-identical payouts); `scratch`
  //! is the calling thread's decoding buffer.
  void observe_stored(std::uint64_t trial, const SeatYearStore& store, SeatYearTotals& scratch);
  //! Bytes of the per-trial payouts for `trials` trials, finish() included: 16 x trials x seats
  //! + 40 x trials, plus per trial 8 per component of every seat whose plan has components and
  //! 16 per role x region group (one per seat with a plan, an upper bound); + 216 x seats (terms).
  static std::uint64_t memory_bytes(const Scenario& scenario, const CompSpec& spec,
                                    std::uint64_t trials);
  //! This evaluator's per-trial payouts; replaced by all trials' on the rank that finishes an
  //! MPI run.
  TrialPayouts& payouts() { return payouts_; }
  //! `company_bookings`: per trial of payouts(), the company's new bookings of the year (plan
  //! rates); `seat_bookings`: per seat, expected bookings of the year (empty = unknown).
  CompResult finish(const std::vector<double>& company_bookings,
                    const std::vector<double>& seat_bookings = {}) const;

 private:
  //! Zeroes the seat cells of payouts row `row` before its seats are priced.
  void start_row(std::uint64_t row);
  //! Prices seat `s` of the trial in payouts row `row`: from `year` when given, else from the
  //! view's arrays by horizon month.
  void pay_seat(std::uint64_t row, std::size_t s, SeatYearView view, const SeatYearTotals* year,
                double* parts);
  //! Sets the view's per-seat fields (plan, quotas, profile); with no components, clears the
  //! arrays the plan does not read.
  void seat_view(std::size_t s, SeatYearView& view) const;
  //! Per-seat and per role x region spreads and the cost table.
  void distributions(CompResult& r, const std::vector<double>& seat_bookings) const;
  //! Per component and per seat x component payouts.
  void component_distributions(CompResult& r) const;

  const Scenario& scenario_;
  const CompSpec& spec_;
  FiscalYear fy_;
  const std::vector<double>& quota_;
  const std::vector<double>& profiles_;
  std::uint64_t first_trial_;
  std::vector<double> component_quota_;
  std::vector<std::uint64_t> sets_;  //!< product_sets() of the spec
  //! Per seat: its first component slot, -1 when its plan has no components; slots in all.
  std::vector<std::int64_t> slot_;
  std::size_t slots_ = 0;
  std::vector<int> placement_group_;  //!< per seat (place_payouts); empty = not placed
  std::size_t placement_groups_ = 0;
  //! Per plan and component: its product set index, -1 = none.
  std::vector<std::array<int, kMaxComponents>> component_set_;
  std::vector<std::uint8_t> spif_segment_;  //!< per seat: its segment earns its plan's SPIF
  std::vector<SeatTerms> seat_terms_;       //!< per seat with a plan and a quota: seat_terms()
  TrialPayouts payouts_;
};

}  // namespace opsim::plan
