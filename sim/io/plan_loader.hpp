// The scenario's optional "plan" section (capacity windows, quota settings, compensation
// plans) and the seat CSV files of the plan commands, validated with errors naming the file,
// JSON pointer or CSV line, the value and what is allowed. Layout: scenarios/plan.md.
// The section is read from the resolved scenario document the command loaded
// (load_scenario_and_document), passed in explicitly: the Scenario does not carry it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/plan/capacity.hpp"
#include "models/plan/compensation.hpp"
#include "models/plan/quotas.hpp"
#include "models/scenario.hpp"
#include "sim/base/error.hpp"
#include "sim/io/csv_source.hpp"
#include "sim/io/scenario_loader.hpp"

namespace opsim {

struct QuotaSettings {
  int fiscal_year = 0;
  std::optional<double> over_assignment;  //!< from /plan/quotas/over_assignment
  //! /plan/quotas/method: the method when --method is not given (else equal-chance).
  std::optional<plan::QuotaMethod> method;
  plan::QuotaKey key;
  bool key_given = false;                          //!< /plan/quotas/key is present
  CsvSource prior_bookings_csv;                    //!< path resolved; empty path = none
  plan::Phasing phasing = plan::Phasing::profile;  //!< monthly and quarterly quotas
  double rounding = 0;                             //!< unit of period quotas; 0 = none
};

// `document`: the resolved scenario document `scenario` was built from.
//! /plan/fiscal_year, or the horizon's first fiscal year.
int plan_fiscal_year(const nlohmann::json& document, const Scenario& scenario);
//! The plan's fiscal year (plan_fiscal_year) as quotas, pay and capacity use it: refused (bad
//! input) when the horizon does not cover it whole, naming /plan/fiscal_year or, when it is not
//! given, the horizon's first year.
plan::FiscalYear planned_plan_year(const nlohmann::json& document, const Scenario& scenario);
//! Where the plan's fiscal year comes from, for messages: "/plan/fiscal_year", or the default's
//! rule when it is not given.
std::string plan_year_origin(const nlohmann::json& document, const Scenario& scenario);
//! The refusal of a plan whose fiscal year has no new_bookings target at all (company or
//! region), naming where the year comes from; empty when it has one.
std::string missing_plan_target(const nlohmann::json& document, const Scenario& scenario);
//! /plan/capacity; InputError when absent.
plan::CapacitySpec parse_capacity_spec(const nlohmann::json& document, const Scenario& scenario);
QuotaSettings parse_quota_settings(const nlohmann::json& document, const Scenario& scenario);
//! /plan/compensation; empty when absent.
plan::CompSpec parse_comp_spec(const nlohmann::json& document, const Scenario& scenario);
//! Reads every plan section present (fiscal year, capacity, quotas, compensation) as `capacity`
//! and `quotas` will, so that `opsim validate` reports their errors before those commands run;
//! returns the compensation plan's warnings (CompSpec::warnings).
std::vector<std::string> check_plan_sections(const nlohmann::json& document,
                                             const Scenario& scenario);

//! The scenario of a command that checks its plan sections (validate, capacity, quotas), as
//! load_scenario_and_document() loads it; when it fails on /plan/overlays alone (it loads
//! without them), the plan sections' errors (check_plan_sections) are reported with the
//! overlays' (review: an overlay error hid every other plan error).
LoadedScenario load_planned_scenario(const std::string& path, const InputOptions& options);

//! Throws the errors `errors` collected over several plan sections (InputError for one,
//! InputErrors for several), each once: sections that read the same member of /plan (an
//! unknown key, fiscal_year) report it once.
void throw_plan_errors(const InputErrorCollector& errors);

//! Bad rows of a seat CSV listed in one error; further ones are counted ("... and N more").
inline constexpr std::size_t kCsvErrorLimit = 20;

//! Per-seat amounts from a CSV with columns seat (or id) and `column`, as `source` maps and
//! formats them (extra columns are ignored): unknown seats, duplicate seats, numbers that do not
//! parse and (when `positive`) amounts <= 0 fail with the file and line, all rows' errors
//! together (InputErrors, at most kCsvErrorLimit listed). Absent seats are NaN.
std::vector<double> read_seat_amounts(const CsvSource& source, const Scenario& scenario,
                                      const std::string& column, bool positive);

//! "potential=0.5,prior=0.2,expected=0.3" as a key; InputError naming `option` otherwise.
plan::QuotaKey parse_quota_key(const std::string& text, const std::string& option);

}  // namespace opsim
