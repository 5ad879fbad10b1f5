// Quotas belong to seats. Four ways to set them from the simulated per-seat distributions, and
// their evaluation: per seat, territory and region quota, bookings quantiles and the
// probability of reaching quota; for the organisation the expected share of seats at quota,
// the attainment histogram and fairness (spread of the per-seat probabilities, Gini).
#pragma once

#include <cstdint>
#include <limits>
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
  SeatDistributions(const std::vector<double>& seat_values, std::size_t seats, int fiscal_years,
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

struct QuotaRequest {
  QuotaMethod method = QuotaMethod::equal_chance;
  double target = 0.0;  //!< company target x over-assignment (plan-rate reporting currency)
  //! Per region: over-assigned target, or all negative to split the company target by key.
  std::vector<double> region_targets;
  QuotaKey key;
  std::vector<double> prior;     //!< per seat prior-year bookings; NaN = none (counts as 0)
  std::vector<double> imported;  //!< per seat quota (import); NaN = no quota
};

inline constexpr double kNoQuota = std::numeric_limits<double>::quiet_NaN();

struct QuotaSet {
  std::vector<double> quota;             //!< per seat; NaN = the seat carries no quota this year
  double common_probability = kNoQuota;  //!< equal-chance only
};

//! Sets quotas. Seats with no expected bookings in the year carry none. Throws InputError when
//! a method cannot meet the request (e.g. an equal-chance target beyond every seat's maximum).
QuotaSet set_quotas(const Scenario& scenario, const SeatDistributions& bookings,
                    const QuotaRequest& request);

//! Parses "top-down", "capacity", "equal-chance", "import"; InputError otherwise.
QuotaMethod parse_quota_method(const std::string& text);
std::string to_string(QuotaMethod method);

//! Summary of a group's bookings distribution.
struct Distribution {
  double mean = 0, p10 = 0, p50 = 0, p90 = 0;
};

struct GroupQuota {
  std::string id;
  int seats = 0;
  double quota = 0;
  Distribution bookings;
  double probability = 0;  //!< P(group bookings >= group quota)
  double probability_se = 0;
};

struct SeatQuota {
  double quota = kNoQuota;
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

struct QuotaReport {
  std::vector<SeatQuota> seats;
  std::vector<GroupQuota> territories;
  std::vector<GroupQuota> regions;      //!< scenario regions, then "total"
  double expected_share_at_quota = 0;   //!< mean over quota seats of P(reach quota)
  Distribution share_at_quota;          //!< per-trial share of quota seats at or above quota
  std::vector<double> histogram_edges;  //!< attainment bin lower edges (last bin open)
  std::vector<double> histogram;        //!< share of seat-trials per bin
  double probability_sd = 0, probability_min = 0, probability_max = 0;
  double gini_expected_attainment = 0;
  int quota_seats = 0;
};

//! Evaluates quotas against the per-trial seat values of the run. `occupancy` may be null.
QuotaReport evaluate_quotas(const Scenario& scenario, const FiscalYear& fy,
                            const std::vector<double>& seat_values, std::uint64_t trials,
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

}  // namespace opsim::plan
