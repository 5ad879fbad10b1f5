// Quotas belong to seats. Four ways to set them from the simulated per-seat distributions, and
// their evaluation: per seat, territory and region quota, bookings quantiles and the
// probability of reaching quota; for the organisation the expected share of seats at quota,
// the attainment histogram and fairness (spread of the per-seat probabilities, Gini).
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "models/plan/fiscal_year.hpp"
#include "models/scenario.hpp"

namespace opsim::plan {

//! One fiscal year's bookings per seat, [seat][trial], each row sorted; built from the run's
//! per-trial seat values without re-simulating. Memory: 8 x seats x trials bytes.
class SeatDistributions {
 public:
  //! `seat_values` is RunResult::seat_values ([trial][seat][fiscal year]).
  SeatDistributions(std::span<const double> seat_values, std::size_t seats, int fiscal_years,
                    int year_index, std::uint64_t trials);
  std::size_t seats() const { return seats_; }
  std::uint64_t trials() const { return trials_; }
  double mean(std::size_t seat) const { return mean_[seat]; }
  //! R type-7 quantile of the seat's bookings.
  double quantile(std::size_t seat, double level) const;
  //! Smallest positive simulated bookings; 0 when the seat never books.
  double smallest_positive(std::size_t seat) const;
  //! Trials with bookings >= amount.
  std::uint64_t count_at_least(std::size_t seat, double amount) const;
  //! Share of trials with bookings >= amount.
  double probability_at_least(std::size_t seat, double amount) const;

 private:
  std::size_t seats_;
  std::uint64_t trials_;
  std::vector<double> sorted_;
  std::vector<double> mean_;
};

enum class QuotaMethod { top_down, capacity, equal_chance, import };

//! Weights of the top-down key; each component is normalised to sum 1 over the seats first.
struct QuotaKey {
  double potential = 0.0;
  double prior = 0.0;
  double expected = 1.0;
};

//! The smallest rounding unit a plan may state (0 aside): a hundredth of the currency unit.
inline constexpr double kMinQuotaRounding = 0.01;

//! The largest over-assignment: above it quotas exceed any plan's reach and their totals overflow
//! the tables (review: 1e308 printed "quota coverage infx").
inline constexpr double kMostOverAssignment = 10.0;

struct QuotaRequest {
  QuotaMethod method = QuotaMethod::equal_chance;
  double target = 0.0;  //!< company target x over-assignment (plan-rate reporting currency)
  //! Per region: its target (not over-assigned), or all negative to split by the key. The
  //! quotas always total `target`: regions get target x T_r / sum of T_r.
  std::vector<double> region_targets;
  QuotaKey key;
  //! Where the key was given, for messages: the scenario's pointer or the command's option.
  std::string key_origin = "/plan/quotas/key";
  //! Per seat: in_year_factors() of the fiscal year, which scales the potential key (a seat
  //! starting in August counts for its months and ramp); empty = 1 for every seat.
  std::vector<double> in_year;
  std::vector<double> prior;     //!< per seat prior-year bookings; NaN = none (counts as 0)
  std::vector<double> imported;  //!< per seat quota (import); NaN = no quota
  //! Unit the annual quotas opsim sets are rounded to (round_quotas; imported ones are not);
  //! 0 = none.
  double rounding = 0.0;
};

inline constexpr double kNoQuota = std::numeric_limits<double>::quiet_NaN();

struct QuotaSet {
  std::vector<double> quota;             //!< per seat; NaN = the seat carries no quota this year
  double common_probability = kNoQuota;  //!< equal-chance only
  //! Per seat (equal-chance): 1 when the seat books nothing more often than 1 - p, so its quota
  //! is its expected bookings instead of a quantile.
  std::vector<char> floored;
};

//! Sets quotas, rounded to `request.rounding` (round_quotas) unless imported (as given). Seats
//! with no expected bookings in the year carry none. Throws InputError when a method cannot meet
//! the request (e.g. an equal-chance target beyond every seat's maximum).
QuotaSet set_quotas(const Scenario& scenario, const SeatDistributions& bookings,
                    const QuotaRequest& request);

//! Rounds every annual quota to a whole number of `unit`s (> 0), per seat class (sellers, then
//! overlay seats) by largest remainders: each seat gets floor(q / unit) units, at least one, and
//! the units left, round(sum of the class's q / unit) less those, go one each to the largest
//! remainders (ties to the earlier seat). So each class's total moves by at most unit / 2 (more
//! only by seats raised to one unit) and each seat's quota by less than one unit.
void round_quotas(const Scenario& scenario, std::vector<double>& quota, double unit);

//! Monthly and quarterly quotas per seat, each rounded to `unit`.
struct PeriodQuotas {
  int first = 0;                //!< relative month of the first column (fy.first)
  int months = 0;               //!< fiscal-year months in the horizon
  double unit = 0;              //!< rounding unit (0 = none)
  std::vector<double> month;    //!< [seat * months + (m - fy.first)]; NaN for seats without quota
  std::vector<double> quarter;  //!< [seat * 4 + fiscal quarter - 1]; sums of the months
  //! Seats with a month whose phased quota was above 0 but rounds to 0: the unit is coarser
  //! than their months (quota_warnings() says so).
  std::vector<std::size_t> coarse;
};

//! Phases each seat's annual quota q: month amounts q x w(m) (w the profile, or flat over the
//! months from the seat's start), rounded to `unit` by largest remainders so that they sum to
//! q rounded to `unit`: exactly q when round_quotas rounded it to the same (whole-number) unit.
//! Quarters are the sums of their months.
PeriodQuotas phase_quotas(const Scenario& scenario, const FiscalYear& fy,
                          const std::vector<double>& quota, const std::vector<double>& profiles,
                          Phasing phasing, double unit);

//! The profiles pay is measured against once quotas are phased: each seat's published months
//! (`periods.month`, rounded) as shares of their sum, so that the year-to-date quota at a quarter
//! end is the sum of the quarters the rep was given, and the year's is the annual quota (plan.md,
//! "Quotas by quarter and month"). A seat without a quota, or whose months sum to 0, keeps its
//! row of `profiles` ([seat * months + month], as phasing_profiles()); so does every seat when
//! the months were not rounded (`periods.unit` 0: split to the cent, they are the phasing).
std::vector<double> published_profiles(const PeriodQuotas& periods, std::vector<double> profiles);

//! Parses "top-down", "capacity", "equal-chance", "import"; InputError otherwise.
QuotaMethod parse_quota_method(const std::string& text);
std::string to_string(QuotaMethod method);

//! Summary of a group's bookings distribution.
struct Distribution {
  double mean = 0, p10 = 0, p50 = 0, p90 = 0;
};

//! Healthy bands of quota sanity: quota coverage (quota over median bookings) and the expected
//! share of seats at quota. Outside them the report warns.
inline constexpr double kCoverageLow = 1.0, kCoverageHigh = 1.3;
inline constexpr double kShareAtQuotaLow = 0.4, kShareAtQuotaHigh = 0.8;

struct GroupQuota {
  std::string id;
  int seats = 0;
  double quota = 0;
  Distribution bookings;
  double coverage = kNoQuota;  //!< quota / P50 of the group's bookings; NaN when P50 is 0
  double probability = 0;      //!< P(group bookings >= group quota)
  double probability_se = 0;
};

struct SeatQuota {
  double quota = kNoQuota;
  bool floored = false;  //!< equal-chance: quota = E[bookings] (P(bookings > 0) < p)
  Distribution bookings;
  double probability = 0;
  double probability_se = 0;
  double expected_attainment = 0;  //!< E[bookings] / quota
  // Leavers (from seat-month occupancy; zero when not recorded): expected values over trials.
  double leavers = 0;         //!< occupants leaving during the year
  double leaver_quota = 0;    //!< prorated quota carried by leavers up to their departure
  double backfill_quota = 0;  //!< remaining prorated quota inherited by backfills
  double vacant_quota = 0;    //!< prorated quota of months without an occupant
};

//! Per-seat occupancy counts summed over trials (integers, so any thread order sums the same).
struct OccupancyCounts {
  std::size_t seats = 0;
  int months = 0;                                       //!< fiscal-year months
  std::vector<std::uint64_t> leaver, backfill, vacant;  //!< [seat * months + k]: trials
  std::vector<std::uint64_t> departures;                //!< per seat
  std::uint64_t trials = 0;
  void resize(std::size_t seat_count, int month_count);
  void add(const OccupancyCounts& other);
};

//! Which company-level figures a seat counts in. An overlay seat's credit repeats its sellers'
//! bookings, so quota totals, coverage, fairness and the share of seats at quota count sellers
//! only, and overlay seats have the same figures of their own (scenarios/plan.md).
enum class SeatClass { seller = 0, overlay = 1 };
inline constexpr std::size_t kSeatClasses = 2;
inline SeatClass seat_class(const Seat& seat) {
  return seat.overlay ? SeatClass::overlay : SeatClass::seller;
}

//! Company-level figures over the quota seats of one class.
struct ClassQuota {
  //! Quota total, the class's per-trial bookings (credit for overlays), coverage and P(total
  //! >= quota); for sellers the same as the regions' "total" row.
  GroupQuota total;
  double expected_share_at_quota = 0;  //!< mean over quota seats of P(reach quota)
  Distribution share_at_quota;         //!< per-trial share of quota seats at or above quota
  std::vector<double> histogram;       //!< share of seat-trials per bin of histogram_edges
  double probability_sd = 0, probability_min = 0, probability_max = 0;
  double gini_expected_attainment = 0;
  //! Expected over trials, summed over quota seats (SeatQuota's leaver fields).
  double leavers = 0, leaver_quota = 0, backfill_quota = 0, vacant_quota = 0;
  int quota_seats() const { return total.seats; }
};

struct QuotaReport {
  std::vector<SeatQuota> seats;
  std::vector<GroupQuota> territories;           //!< sellers only
  std::vector<GroupQuota> regions;               //!< scenario regions, then "total"; sellers only
  std::array<ClassQuota, kSeatClasses> classes;  //!< by SeatClass
  std::vector<double> histogram_edges;           //!< attainment bin lower edges (last bin open)
  PeriodQuotas periods;  //!< monthly and quarterly quotas (phase_quotas); empty when not set
  const ClassQuota& of(SeatClass c) const { return classes[static_cast<std::size_t>(c)]; }
  //! The company's figures: sellers'.
  const ClassQuota& sellers() const { return of(SeatClass::seller); }
  const ClassQuota& overlays() const { return of(SeatClass::overlay); }
};

//! Evaluates quotas against the per-trial seat values of the run. `occupancy` may be null.
QuotaReport evaluate_quotas(const Scenario& scenario, const FiscalYear& fy,
                            std::span<const double> seat_values, std::uint64_t trials,
                            const SeatDistributions& bookings, const std::vector<double>& quota,
                            const std::vector<double>& profiles, const OccupancyCounts* occupancy);

//! Gini coefficient of non-negative values (0 = all equal).
double gini(std::vector<double> values);

}  // namespace opsim::plan

namespace opsim {
struct TrialOutcome;
}

namespace opsim::plan {

//! Adds one trial's occupancy of the fiscal year (from the recorded seat-month occupants) to
//! `counts`: per month, whether the seat is vacant, held by an occupant who leaves within the
//! year (a leaver), or by a backfill that started within the year and stays.
void count_occupancy(const TrialOutcome& outcome, const FiscalYear& fy, int horizon_months,
                     OccupancyCounts& counts);
//! count_occupancy() of one seat, without counting the trial.
void count_seat_occupancy(const TrialOutcome& outcome, const FiscalYear& fy, int horizon_months,
                          std::size_t seat, OccupancyCounts& counts);

}  // namespace opsim::plan
