// What `opsim calibrate` writes: a scenario (schema_version 1) carrying the fitted parameters,
// and the fit report (JSON and readable text) with counts, standard errors and warnings.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "models/calibration/fit.hpp"
#include "sim/io/history_reader.hpp"

namespace opsim {

struct ScenarioRequest {
  std::string name = "calibrated";
  int months = 12;  //!< horizon from the first month after the cut-off
  std::string currency = "USD";
  std::uint64_t trials = 1000;
  std::uint64_t seed = 1;
  bool open_pipeline = true;  //!< include the deals open as of the cut-off
  bool market = true;         //!< the market factor fitted from count overdispersion
  //! Each trial draws the fitted parameters from their sampling distribution: the region levels
  //! and the growth (market.level_uncertainty / growth_uncertainty), and as uncertain
  //! assumptions the seasonality indices, win rates and mean deal sizes, so intervals include
  //! estimation error.
  bool parameter_uncertainty = true;
  //! New business from a roster of the reps active at the cut-off (a seat per rep and
  //! segment) instead of region-level intensity; same expected resolutions at the start.
  bool rep_roster = false;
  std::string earliest_open_stage = "open";
};

//! A scenario document the loader accepts: region-level new-business intensity per region x
//! segment, fitted win rates, deal sizes, cycle, seasonality, growth, market factor and the
//! open pipeline under the snapshot rule.
nlohmann::json calibrated_scenario(const calibration::Calibration& fit,
                                   const ScenarioRequest& request);

//! A fitted probability with its estimation error, as a scenario number: the beta distribution
//! with mean e.value and sd e.se (by moments), or the plain value when it has no error (or a
//! value of 0 or 1, or an sd no beta with that mean reaches).
nlohmann::json uncertain_probability(const calibration::Estimate& e);

//! A fitted positive number with its estimation error: the lognormal with mean e.value and sd
//! e.se (cv at most 20), or the plain value when it has no error.
nlohmann::json uncertain_positive(const calibration::Estimate& e);

nlohmann::json fit_report_json(const calibration::Calibration& fit, const ReadReport& read);
std::string fit_report_text(const calibration::Calibration& fit, const ReadReport& read);

//! "2017-06-30" or "2017-06" (the month's last day) as a day number; InputError otherwise.
int parse_cutoff(const std::string& text, const std::string& option);
//! "2017-06-01" or "2017-06" (the month's first day: a start, as `--since`) as a day number.
int parse_since(const std::string& text, const std::string& option);

}  // namespace opsim
