// Writing the plan commands' results: HDF5, CSV folders and the terminal tables. Layout:
// results/plan.md. Files are written under a temporary name and renamed when complete.
#pragma once

#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "models/plan/capacity.hpp"
#include "models/plan/compensation.hpp"
#include "models/plan/quotas.hpp"
#include "models/scenario.hpp"
#include "sim/io/output.hpp"
#include "sim/io/xlsx.hpp"

namespace opsim {

//! What a quota run did, for the files' attributes.
struct QuotaRunInfo {
  std::string method;
  int fiscal_year = 0;
  double over_assignment = 1.0;
  double target = 0.0;  //!< company target x over-assignment, plan-rate reporting currency
  double common_probability = 0.0;  //!< equal-chance only (NaN otherwise)
  std::uint64_t trials = 0;
  //! The plan's and the quotas' warnings (quota_warnings), as the terminal printed them: kept
  //! in the HDF5 file (/quotas/warnings), the workbook's Summary and so the report.
  std::vector<std::string> warnings;
};

void write_quota_hdf5(const std::string& path, const Scenario& scenario, const QuotaRunInfo& info,
                      const plan::QuotaReport& report, const plan::CompResult* comp,
                      const Provenance& provenance);
//! seats.csv, territories.csv, regions.csv, organisation.csv, attainment_histogram.csv and,
//! with a comp result, compensation_seats.csv and compensation.csv.
//! The files write_quota_csv and write_capacity_csv may write (for OutputPlan).
const std::vector<std::string>& quota_csv_names();
const std::vector<std::string>& capacity_csv_names();

void write_quota_csv(const std::string& directory, const Scenario& scenario,
                     const QuotaRunInfo& info, const plan::QuotaReport& report,
                     const plan::CompResult* comp);
std::string format_quota_table(const Scenario& scenario, const QuotaRunInfo& info,
                               const plan::QuotaReport& report, const plan::CompResult* comp);
//! Quota sanity, for standard error (as other warnings, printed with -q too): coverage (quota /
//! median bookings) per region and the sellers' expected share at quota outside their healthy
//! bands, a rounding that moved the quotas' total a unit or more from the target, and (given the
//! scenario and the plans' result) seats a plan covers that carry no quota: paid base pay alone.
std::vector<std::string> quota_warnings(const QuotaRunInfo& info, const plan::QuotaReport& report,
                                        const Scenario* scenario = nullptr,
                                        const plan::CompResult* comp = nullptr);

//! The capacity plan's status for people, naming the required confidence: "Feasible: every
//! new-bookings target ... is reached with the required confidence of 70.0% or more." (the
//! workbook's note and the HTML report; a review found neither saying it).
//! `budget`: NaN, or --budget's amount in `currency` (budget mode).
std::string capacity_status_sentence(bool feasible, double confidence,
                                     double budget = std::numeric_limits<double>::quiet_NaN(),
                                     const std::string& currency = "");

void write_capacity_hdf5(const std::string& path, const Scenario& scenario,
                         const plan::CapacitySpec& spec, const plan::CapacityResult& result,
                         const Provenance& provenance);
//! plan.csv (per hire: region, segment, role, requisition and start month, cost to the
//! fiscal-year end), headcount.csv (per fiscal-year month) and attainment.csv.
void write_capacity_csv(const std::string& directory, const Scenario& scenario,
                        const plan::CapacitySpec& spec, const plan::CapacityResult& result);
//! The resolved scenario `document` (as loaded for `scenario`), with one `hiring_plan` entry per
//! recommended hire (id "capacity/REGION/SEGMENT/k", count 1) and relative file paths rebased
//! to `path`'s folder.
void write_scenario_with_hires(const std::string& path, const Scenario& scenario,
                               const nlohmann::json& document, const plan::CapacitySpec& spec,
                               const plan::CapacityResult& result);
std::string format_capacity_table(const Scenario& scenario, const plan::CapacitySpec& spec,
                                  const plan::CapacityResult& result);

//! Workbooks (--xlsx): Summary (the organisation row or the attainment per region), then one
//! sheet per table of the CSV folder.
std::vector<XlsxTable> quota_workbook(const Scenario& scenario, const QuotaRunInfo& info,
                                      const plan::QuotaReport& report,
                                      const plan::CompResult* comp);
std::vector<XlsxTable> capacity_workbook(const Scenario& scenario, const plan::CapacitySpec& spec,
                                         const plan::CapacityResult& result);

}  // namespace opsim
