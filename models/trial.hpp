// One Monte Carlo trial of the sales organisation: market and FX paths, workforce, new
// business, open pipeline and renewals, written into a TrialOutcome.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "models/outcome.hpp"
#include "models/sampling.hpp"
#include "models/scenario.hpp"
#include "sim/base/random.hpp"

namespace opsim {

//! Per region x segment x month values precomputed once per run (hot-path lookups).
struct CellRates {
  double intensity = 0.0;  //!< opportunity rate x seasonality x growth, per ramped rep-month
  double win_rate = 0.0;   //!< incl. the quarter-end multiplier, before the market factor
  double deal_mu = 0.0;
  double deal_sigma = 0.0;
  int deal_sample = -1;  //!< index into TrialTables::deal_samples; -1 = lognormal
  //! Mean deal size of the scenario as stated, before a trial's draws of uncertain assumptions:
  //! an open deal's amount is relative to it (Pipeline::amount_spread_deal_size), so that its
  //! won amount carries the drawn mean's estimation error.
  double deal_mean = 0.0;
  int cycle_cdf = 0;  //!< index into TrialTables::cycle_cdfs
  int hazards = -1;   //!< index into TrialTables::hazard_tables; -1 = no attrition
  int contract_term = 12;
  double churn = 0.0;
  double expansion_mean = 0.0;
  double expansion_sd = 0.0;
};

struct TrialTables {
  //! `stated`: the tables of the scenario as stated when `scenario` is one trial's draw of its
  //! uncertain assumptions (same layout); each cell's deal_mean is then taken from it.
  explicit TrialTables(const Scenario& scenario, const TrialTables* stated = nullptr);
  const CellRates& cell(int region, int segment, int month) const {
    return cells[(static_cast<std::size_t>(region) * segments + segment) * months + month];
  }
  //! SegmentParams::monthly_attrition_hazard(tenure) of the cell, looked up. \pre tenure >= 0
  double attrition_hazard(const CellRates& rates, int tenure_months) const {
    const std::vector<double>& table = hazard_tables[rates.hazards];
    return table[std::min<std::size_t>(static_cast<std::size_t>(tenure_months), table.size() - 1)];
  }
  //! One deal size drawn uniformly from the empirical list `sample` (one uniform).
  double draw_deal_sample(int sample, TrialRng& rng) const {
    const std::vector<double>& values = deal_samples[static_cast<std::size_t>(sample)];
    const auto k = static_cast<std::size_t>(rng.uniform() * static_cast<double>(values.size()));
    return values[std::min(k, values.size() - 1)];
  }
  const CellRates& product_cell(int product, int region, int month) const {
    return product_cells[(static_cast<std::size_t>(product) * regions + region) * months + month];
  }
  int regions = 0;
  //! Per segment: its products' indices and cumulative shares (empty = no products).
  std::vector<std::vector<int>> segment_products;
  std::vector<std::vector<double>> segment_product_cdf;
  std::vector<CdfSearch> segment_product_searches;  //!< per segment_product_cdf entry
  std::vector<CellRates> product_cells;             //!< [product][region][month]
  int months = 0;
  int segments = 0;
  int first_fiscal_year = 0;
  int fiscal_years = 0;
  std::vector<int> fiscal_year_index;  //!< per horizon month
  std::vector<CellRates> cells;
  std::vector<std::vector<double>> cycle_cdfs;
  std::vector<CdfSearch> cycle_searches;          //!< per cycle_cdfs entry
  std::vector<std::vector<double>> deal_samples;  //!< empirical deal sizes, sorted
  std::vector<double> deal_sample_means;          //!< per deal_samples entry
  //! Monthly attrition hazard by tenure 0..n-1; the last entry holds for every longer tenure.
  std::vector<std::vector<double>> hazard_tables;
  std::vector<double> slip_cdf;
  CdfSearch slip_search;                      //!< of slip_cdf
  std::vector<double> slip_decay_factors;     //!< slip_decay^k per slipped month count k
  std::vector<double> overdue_decay_factors;  //!< overdue_decay^k per overdue month count k
  std::vector<std::uint64_t> region_keys;
  CellLayout layout;
};

//! Scratch space reused across trials by one thread.
struct TrialWorkspace {
  std::vector<double> market_intensity;  //!< [region * M + m] M^elasticity factors
  std::vector<double> market_win;
  std::vector<double> market_churn;
  std::vector<double> spot;      //!< [currency * M + m] reporting units per unit
  std::vector<double> capacity;  //!< [seat * M + m] ramp x skill, 0 when vacant
  std::vector<char> occupied;    //!< [seat * M + m] 1 = occupied; only with overlays (else empty)
  std::vector<int> overlay_present;         //!< credit_overlays: an overlay's occupied seats
  std::vector<double> arr_delta;            //!< [(region * S + segment) * (M + 1) + m], plan rates
  std::vector<std::uint64_t> stream_slots;  //!< one entity's count or opportunity stream slots
  std::vector<std::uint64_t> count_blocks;  //!< their count streams' first blocks (2 words each)
  std::vector<double> opportunity_means;    //!< one entity's Poisson means per month
  std::vector<int> opportunity_counts;      //!< one entity's opportunities per month
  std::vector<double> opportunity_zero_probability;  //!< one entity's Poisson P(0) per month
  std::vector<std::uint64_t> opportunity_blocks;     //!< one entity's opportunity streams' first
                                                     //!< blocks (2 words each), month-major
  std::vector<TrialRng> deal_streams;                //!< a batch of open-pipeline deals' streams
  std::vector<TrialRng> renewal_streams;  //!< a batch of installed-base contracts' renewal streams
  std::vector<std::uint64_t> renewal_slots;   //!< one won deal's renewal slots
  std::vector<std::uint64_t> renewal_blocks;  //!< their streams' first blocks (2 words each)
  VariateCounts variates;
};

//! What to record per seat-month besides the standard outcome (plan commands).
struct SeatMonthRecording {
  //! Per seat: a won deal whose contract churns within this many months of booking counts as
  //! clawback; -1 = no clawback window.
  std::vector<int> clawback_months;
  //! Per seat: bit k set = won deals of product k count in SeatMonths::spif_deals; empty = none.
  std::vector<std::uint64_t> spif_products;
  bool bookings = true;  //!< false: record only the occupants (no per-deal detail)
  //! Product sets (bit k = product k, the first 64) whose bookings each seat-month records in
  //! SeatMonths::product_bookings; empty = none.
  std::vector<std::uint64_t> product_sets;
  //! Record installed-base renewals of owned contracts (SeatMonths::renewal_due, _renewed).
  bool renewals = false;
  //! Whether any seat records SPIF deals (a SPIF product) or clawback (a window): else those
  //! SeatMonths arrays stay empty.
  bool records_spif_deals() const;
  bool records_clawback() const;
};

//! One opportunity or open-pipeline deal of a trial, recorded only when a deal log is attached
//! (opsim run --export-deals); months are relative to the horizon start.
struct DealRecord {
  enum class Source { new_business, pipeline } source = Source::new_business;
  std::uint64_t entity = 0;
  int seat = -1;  //!< owning seat, -1 = none
  int deal = -1;  //!< open-pipeline deal index, -1 for new business
  int index = 0;  //!< opportunity number within its entity-month
  int region = 0, segment = 0;
  int product = -1;  //!< index into Scenario::products, -1 = none
  int created = 0;   //!< new business only
  int closed = 0;    //!< month resolved; for the pipeline >= months means still open
  bool won = false;
  double amount = 0.0;  //!< in the region's (pipeline: the deal's) currency
};

//! Everything a model needs while simulating one trial.
struct TrialState {
  const Scenario& scenario;
  const TrialTables& tables;
  StreamFactory streams;
  std::uint64_t trial;
  TrialWorkspace& work;
  TrialOutcome& out;
  const SeatMonthRecording* recording = nullptr;  //!< null = no seat-month detail
  std::vector<DealRecord>* deal_log = nullptr;    //!< null except when exporting one trial's deals

  TrialRng rng(StreamId stream, std::uint64_t entity, std::uint64_t slot_value) const {
    ++work.variates.streams;
    return streams(stream, trial, entity, slot_value);
  }
  int months() const { return tables.months; }
};

//! Overlay credit (Scenario::overlays) of one finished trial: per month, region and overlay,
//! share x the covered cells' new bookings (and won deals) split equally among the overlay's
//! occupied seats, into the seats' fiscal-year bookings and, when recorded, seat-month detail.
void credit_overlays(TrialState& state);

class TrialSimulator {
 public:
  //! `recording` (may be null) must outlive the simulator. `stated`: the tables of the scenario
  //! as stated when `scenario` is one trial's draw (scenario_for_trial), else null.
  explicit TrialSimulator(const Scenario& scenario, const SeatMonthRecording* recording = nullptr,
                          const TrialTables* stated = nullptr);
  //! Simulates trial `trial`; `out` is reset first. Depends only on (seed, trial, scenario).
  //! `deal_log`, when given, receives every opportunity and pipeline deal; draws are unchanged.
  void simulate(std::uint64_t trial, const StreamFactory& streams, TrialWorkspace& work,
                TrialOutcome& out, std::vector<DealRecord>* deal_log = nullptr) const;
  const TrialTables& tables() const { return tables_; }
  const Scenario& scenario() const { return scenario_; }

 private:
  const Scenario& scenario_;
  TrialTables tables_;
  const SeatMonthRecording* recording_;
};

}  // namespace opsim
