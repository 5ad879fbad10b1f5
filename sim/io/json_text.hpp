// JSON written for people as well as programs: estimates rounded to the digits they carry, so a
// calibrated scenario reads `"dispersion": 0.107609`, not `0.10760891796746136`.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace opsim {

//! Significant digits of fitted parameters and scores (calibrate, backtest): more than their
//! standard errors resolve, and no 17-digit floats.
constexpr int kEstimateDigits = 6;
//! Significant digits of simulated results in the JSON summaries (run, validate, quotas): far
//! more than their Monte Carlo error resolves, and no 17-digit floats (review). The HDF5 file
//! keeps every bit.
constexpr int kResultDigits = 12;

//! `x` rounded to `significant_digits` as fmt writes it, read back.
double round_significant(double x, int significant_digits);

//! `value` with every floating-point number rounded to `significant_digits` (integers, strings
//! and booleans as they are).
nlohmann::json round_numbers(nlohmann::json value, int significant_digits);

//! Probabilities that sum to 1 as a scenario file reads them: each rounded to
//! `significant_digits`, the largest taking what the rounding moved, so that the written values
//! still sum to 1 within the loader's 10^-6 (six-digit rounding alone left a 5-month slip pmf
//! 1.2e-6 short, and the scenario calibrate wrote did not load). Normalised first; empty stays
//! empty.
std::vector<double> rounded_probabilities(std::vector<double> pmf, int significant_digits);

//! `document` indented by two spaces, ending in a newline, its floating-point numbers rounded
//! to `significant_digits`.
std::string json_text(const nlohmann::json& document, int significant_digits);

}  // namespace opsim
