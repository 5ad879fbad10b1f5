// The scenario's costs for cost-aware comparisons: the optional root section "costs" (named
// programme costs), the hire costs of the "plan.capacity" windows and the compensation plans of
// "plan.compensation". Layout: scenarios/README.md, section "costs".
#pragma once

#include <nlohmann/json.hpp>

#include "models/scenario.hpp"
#include "sim/engine/economics.hpp"

namespace opsim {

class JsonNode;

//! /costs, /plan/capacity/windows' cost_per_hire and monthly_cost (the first window of a
//! region x segment sets its rates) and /plan/compensation; an amount may be a distribution
//! over amounts >= 0 (models/assumption.hpp). InputError naming the file, pointer, value and
//! what is allowed. Empty when the scenario has none of them.
//! `document`: the scenario's resolved document (read_scenario_document).
CostModel load_costs(const Scenario& scenario, const nlohmann::json& document);

//! An amount in the reporting currency at `node`: a number >= 0, or a distribution over amounts
//! >= 0 (a normal truncated at 0), keyed by the node's pointer; InputError otherwise.
CostAmount read_cost_amount(const JsonNode& node);

//! One line per uncertain cost amount, "/costs/0/monthly: pert(...)" (empty when none).
std::vector<std::string> describe_uncertain_costs(const CostModel& costs);

}  // namespace opsim
