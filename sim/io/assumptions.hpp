// Uncertain assumptions in scenario files: any number the scenario reads may instead be a
// distribution, {"dist": "triangular", "min": .., "mode": .., "max": ..} and the other families of
// models/assumption.hpp, drawn once per trial.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "models/scenario.hpp"

namespace opsim {

class CsvCache;
class JsonNode;

//! A distribution as written in a scenario file, {"dist": ..., and the family's parameters};
//! InputError naming the pointer otherwise. The range its parameter allows is checked by the
//! caller.
Distribution read_distribution(const JsonNode& node);

//! True for a pointer whose numbers the cost loader reads (sim/io/cost_loader.hpp: "/costs" and
//! "/plan"), not the scenario: a distribution there is drawn by the costs, not the trials.
bool read_by_cost_loader(const std::string& pointer);

//! True when some object in `document` has a "dist" member, outside the sections the cost
//! loader reads (read_by_cost_loader).
bool has_distributions(const nlohmann::json& document);

//! Builds a scenario whose document holds distributions: the scenario at the distributions'
//! means, with `uncertain` and `with_values` set. Every distribution must stay inside the range
//! its parameter allows, and the scenario must be valid at each distribution's ends; otherwise
//! InputError naming the file, the pointer, the value and the allowed range.
Scenario build_uncertain_scenario(const nlohmann::json& document, const std::string& file,
                                  const std::string& base_dir, CsvCache* cache);

//! "triangular(min 0, mode 0.02, max 0.04)": a distribution as people read it.
std::string describe_distribution(const Distribution& distribution);

//! One line per uncertain parameter, what it names in words and its distribution: "Win rate
//! (override APAC SMB): triangular(...)" (the pointer when it has no words; empty for a fixed
//! forecast). The plain pointers are in a run's results file
//! (/scenario/uncertain_parameter_pointers).
std::vector<std::string> describe_assumptions(const Scenario& scenario);

//! describe_assumptions for a terminal: at most `max_lines` lines. Longer lists are grouped by
//! the pointer with its array indices as `*` and the family, one line per group with the count
//! and the range of the means: "/regions/*/seasonality/*: 48 lognormal, means 0.3907 to 1.776".
//! The full list is in the results file (/scenario/uncertain_parameters). A last line names the
//! estimation errors of a calibrated scenario's market (describe_estimation_errors).
//! "/market: estimation errors of the log level of each region (sd 0.042 to 0.049) and ...":
//! the errors of fitted levels and growth drawn once per trial (opsim calibrate writes them);
//! nothing when there are none.
std::optional<std::string> describe_estimation_errors(const MarketSpec& market);

std::vector<std::string> summarise_assumptions(const Scenario& scenario,
                                               std::size_t max_lines = 12);

}  // namespace opsim
