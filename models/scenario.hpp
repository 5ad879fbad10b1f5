// The typed scenario: everything a run needs, validated and resolved to indices.
// Months inside a Scenario are relative to the horizon start (0-based; negative = before it).
// Amounts are in the named currency of their entity; conversion happens in the models.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "models/assumption.hpp"
#include "models/calendar.hpp"

namespace opsim {

//! Lognormal by mean and coefficient of variation; cv = 0 means the fixed value `mean`.
struct LognormalSpec {
  double mean = 1.0;
  double cv = 0.0;
  double sigma() const;  //!< sd of the underlying normal
  double mu() const;     //!< mean of the underlying normal
};

struct NormalSpec {
  double mean = 0.0;
  double sd = 0.0;
};

//! Annual attrition rate for tenures up to `max_tenure_months` (inclusive); the last band is open.
struct AttritionBand {
  int max_tenure_months = std::numeric_limits<int>::max();
  double annual_rate = 0.0;
};

//! Parameters of one region x segment cell in one month (after overrides).
struct SegmentParams {
  double opportunity_rate = 0.0;  //!< opportunities resolved per fully ramped rep-month
  double win_rate = 0.0;
  double quarter_end_win_multiplier = 1.0;  //!< applies in fiscal-quarter-end months
  LognormalSpec deal_size;                  //!< first-year ACV, in the region's currency
  //! Empirical deal sizes (sorted), each equally likely; empty = the lognormal above.
  std::vector<double> deal_size_sample;
  std::vector<double> cycle_pmf{1.0};  //!< P(sales cycle = k months), k = 0, 1, ...
  int contract_term_months = 12;
  int ramp_curve = -1;                   //!< index into Scenario::ramp_curves; -1 = none
  std::vector<AttritionBand> attrition;  //!< empty = no attrition
  int backfill_lag_months = 2;           //!< -1 = departures are not backfilled
  double skill_cv = 0.0;                 //!< dispersion of the per-rep skill multiplier
  double productivity_growth = 0.0;      //!< per year, compounding monthly
  double churn_probability = 0.0;        //!< per renewal event
  NormalSpec expansion;                  //!< relative ARR change at renewal (floored at -1)

  //! Monthly hazard 1-(1-a)^(1/12) for a rep of this tenure (months since start, 0-based).
  double monthly_attrition_hazard(int tenure_months) const;
};

//! A product sold within one segment: it takes a share of the segment's opportunities and may
//! replace the segment's win rate, deal size, sales cycle and contract term.
struct Product {
  std::string id;
  int segment = 0;
  double share = 1.0;  //!< of the segment's opportunities; a segment's shares sum to 1
  std::optional<double> win_rate;
  std::optional<double> quarter_end_win_multiplier;
  std::optional<LognormalSpec> deal_size;
  //! Per region: deal_size x factor is the deal size in that region's currency (deal_size is
  //! stated in one currency); empty = deal_size is in each region's own currency.
  std::vector<double> deal_size_to_region;
  std::optional<std::vector<double>> cycle_pmf;
  std::optional<int> contract_term_months;

  //! The segment's parameters in `region` with this product's replacements applied.
  SegmentParams apply(const SegmentParams& segment_params, int region) const;
};

struct Region {
  std::string id;
  int currency = 0;
  std::array<double, 12> seasonality{};  //!< by calendar month (Jan = 0), mean 1
};

struct Segment {
  std::string id;
};

struct RampCurve {
  std::string id;
  std::vector<double> fraction;  //!< productivity by month of tenure; 1.0 after the list
  double at(int tenure_months) const;
};

//! The id of the k-th seat (from 1) of the hiring-plan entry `entry`: "ENTRY/k" (what the quota
//! outputs and a capacity plan's `seat` column name it by).
inline std::string planned_seat_id(const std::string& entry, long long k) {
  return entry + "/" + std::to_string(k);
}

//! A seat: a roster rep or a planned hire, and every backfill that later fills it.
struct Seat {
  std::string id;
  std::uint64_t key = 0;  //!< stable_hash(id): the seat's random-stream entity
  int region = 0;
  int segment = 0;
  std::string role;  //!< job role (e.g. "AE", "SE"); empty = none; selects a compensation plan
  int start = 0;     //!< first active month (relative; may precede the horizon)
  bool planned_hire = false;
  std::string territory;      //!< from territory_potential; empty = none
  double productivity = 1.0;  //!< (territory potential / mean potential)^beta; 1 = no effect
  bool overlay = false;  //!< holds an overlay role: sells nothing of its own, credited by overlays
};

//! An overlay role (e.g. solution engineers): its seats in each covered region share `share`
//! of the new bookings of the covered region x segment cells, split equally among the role's
//! seats occupied that month. Credit only: bookings are counted once.
struct Overlay {
  std::string role;
  std::vector<char> regions;   //!< per region: covered
  std::vector<char> segments;  //!< per segment: covered
  double share = 0.0;          //!< 0..1
  std::vector<int> seats;      //!< seats holding the role in a covered region
};

//! New-business intensity given directly, for organisations without a rep model.
struct IntensitySpec {
  int region = 0;
  int segment = 0;
  std::uint64_t key = 0;
  std::vector<double> opportunities;  //!< per horizon month, seasonality already applied
};

struct Stage {
  std::string id;
  double win_probability = 0.0;
};

//! A seat credited with a share of a deal's credit (split credit).
struct DealSplit {
  int seat = 0;        //!< seat index
  double share = 0.0;  //!< of the deal's credit, 0..1
};

struct PipelineDeal {
  std::string id;
  std::uint64_t key = 0;
  int owner = -1;  //!< seat index, -1 = none
  //! Other credited seats; the owner's share is 1 - the sum of theirs (credit, not bookings:
  //! the deal is booked once).
  std::vector<DealSplit> splits;
  double owner_share = 1.0;
  int product = -1;  //!< index into Scenario::products (of the deal's segment), -1 = none
  int region = 0;
  int segment = 0;
  int stage = 0;
  double amount = 0.0;  //!< in `currency`
  int currency = 0;
  int expected_close = 0;  //!< relative month; < 0 = overdue
};

struct PipelineSpec {
  std::vector<Stage> stages;
  std::vector<PipelineDeal> deals;
  std::vector<double> slip_pmf{1.0};  //!< P(slip = k months)
  double slip_decay = 1.0;            //!< win-odds multiplier per slipped month
  double overdue_decay = 1.0;         //!< win-odds multiplier per month overdue at the start
  LognormalSpec amount_factor;        //!< won amount = amount x factor
  //! The won amount also varies as the deal's cell's won deals do: x D / E[D], D drawn from the
  //! cell's deal size in the close month (for amounts that are estimates, as calibrate's are).
  bool amount_spread_deal_size = false;
  //! Scale win probabilities in fiscal-quarter-end close months by the cell's
  //! quarter_end_win_multiplier (stages fitted on all months, e.g. by opsim calibrate).
  bool quarter_end_effect = false;
};

struct Contract {
  std::string id;
  std::uint64_t key = 0;
  int region = 0;
  int segment = 0;
  double arr = 0.0;  //!< in `currency`
  int currency = 0;
  int renewal_month = 0;  //!< first renewal at or after the horizon start (relative)
  int term_months = 12;
  int owner = -1;  //!< account manager's seat index (retention measures), -1 = none
};

struct Currency {
  std::string code;
  std::uint64_t key = 0;
  double plan_rate = 1.0;   //!< reporting-currency units per unit of this currency
  double annual_vol = 0.0;  //!< of the log rate
};

struct FxSpec {
  std::vector<Currency> currencies;
  int reporting = 0;
  Eigen::MatrixXd cholesky;  //!< lower factor of the correlation of monthly shocks
  bool stochastic() const;
};

//! Regional market factor: log M_r is AR(1), stationary, mean of M_r = 1.
struct MarketSpec {
  std::vector<double> dispersion;   //!< stationary sd of log M_r, per region
  std::vector<double> persistence;  //!< AR(1) coefficient per region
  Eigen::MatrixXd cholesky;         //!< of the cross-region correlation of shocks
  double intensity_elasticity = 1.0;
  double win_rate_elasticity = 1.0;
  double churn_elasticity = 1.0;
  //! Estimation error of fitted parameters, drawn once per trial (opsim calibrate writes them):
  //! sd of the log intensity level per region, sd of the monthly log growth (all regions), and
  //! sd of each region's own monthly log growth error, independent across regions.
  std::vector<double> level_uncertainty;
  double growth_uncertainty = 0.0;
  std::vector<double> region_growth_uncertainty;
  bool enabled() const;
};

struct Actual {
  int region = 0;
  int segment = -1;     //!< -1 = not split by segment (counts in the all-segment cells only)
  int month = 0;        //!< absolute month
  double amount = 0.0;  //!< reporting currency at plan rates
};

struct Target {
  std::string metric = "new_bookings";
  int region = -1;   //!< -1 = the whole company
  int segment = -1;  //!< -1 = all segments
  int fiscal_year = 0;
  int quarter = 0;  //!< 0 = the whole fiscal year
  double amount = 0.0;
};

struct SimulationSettings {
  std::uint64_t trials = 1000;
  std::uint64_t seed = 1;
  int threads = 0;  //!< 0 = all cores
};

//! One input file of a run and the SHA-256 of its bytes; `path` as the scenario names it
//! (relative to the scenario's folder), so that the identity does not depend on where it lies.
struct InputDigest {
  std::string path;
  std::string sha256;
  //! The encoding its text was converted from when that changed it (a file with bytes beyond
  //! ASCII read with --encoding cp1252 or latin1), else "": two reads of one file's bytes in
  //! different encodings are different inputs (review: merge and a resumed checkpoint mixed them).
  std::string read_as = {};
  bool operator==(const InputDigest&) const = default;
};

struct Scenario {
  std::string name;
  std::string source;  //!< path of the scenario file
  std::string sha256;  //!< of the scenario file's bytes
  //! Every file of the scenario: the scenario file (and each file it extends), then each file it
  //! references, read or not (paths as resolved against its folder),
  //! so that commands can refuse to overwrite them. Empty for a scenario built from a document.
  std::vector<std::string> input_files;
  //! The scenario file, then every file it references, in reading order: the identity of a run.
  std::vector<InputDigest> inputs;
  //! Inputs that are valid but implausible (e.g. dates far outside the horizon), each naming its
  //! place; validate and run print them.
  std::vector<std::string> warnings;
  //! What the loader did to the data that the user should know (rows skipped, deals made
  //! unowned), with counts; validate and run print them.
  std::vector<std::string> notes;

  Calendar calendar;
  std::vector<Region> regions;
  std::vector<Segment> segments;
  std::vector<Product> products;
  std::vector<RampCurve> ramp_curves;
  //! Parameters per region x segment x month: index (r * S + s) * M + m.
  std::vector<SegmentParams> params;

  std::vector<Seat> seats;
  std::vector<Overlay> overlays;  //!< from plan.overlays
  std::vector<IntensitySpec> intensities;
  PipelineSpec pipeline;
  std::vector<Contract> contracts;
  FxSpec fx;
  MarketSpec market;
  std::vector<Actual> actuals;
  std::vector<Target> targets;
  std::vector<double> productivity_thresholds;  //!< fiscal-year bookings per seat, for KPIs
  SimulationSettings simulation;

  //! Parameters given as distributions, drawn once per trial (empty = a fixed forecast). The
  //! fields above hold each at its mean; `with_values(running, values)` rebuilds the scenario
  //! with one value per uncertain parameter, in order (set by the loader), keeping the
  //! organisation (seats, overlays, pipeline, installed base) of `running`, the scenario being
  //! simulated: a command that replaces the seats (capacity's candidate hires) keeps them.
  std::vector<UncertainParameter> uncertain;
  std::function<std::shared_ptr<const Scenario>(const Scenario& running,
                                                const std::vector<double>& values)>
      with_values;

  int months() const { return calendar.months(); }
  int region_count() const { return static_cast<int>(regions.size()); }
  int segment_count() const { return static_cast<int>(segments.size()); }
  //! Parameters in force; months outside the horizon use the nearest horizon month.
  const SegmentParams& params_at(int region, int segment, int month) const;
  //! The longest sales cycle any cell or product can draw, in months: pipeline created in the
  //! horizon's last that many months lacks the opportunities that close after the horizon.
  int longest_sales_cycle() const;
  //! Plan rate of a region's currency into the reporting currency.
  double plan_rate_of_region(int region) const;
};

//! Binds every overlay to the seats: marks the seats holding an overlay role (they sell
//! nothing) and lists, per overlay, the seats of its role in a covered region. An overlay's
//! seat list indexes `seats`, so whoever replaces the seats binds again.
void bind_overlay_seats(Scenario& scenario);

}  // namespace opsim
