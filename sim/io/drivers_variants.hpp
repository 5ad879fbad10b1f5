// The scenario variants of `opsim drivers`: each assumption group of the tornado moved down and
// up in the scenario document (scaled by a factor, or whole-month fields shifted by a month),
// clamped to the range the field allows, and the default search range of --solve.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace opsim {

//! One tornado row's parameters: a named group of scenario fields, moved together.
struct AssumptionGroup {
  std::string name;                   //!< "win rates", ...
  bool months = false;                //!< whole-month fields: shifted by +-1 instead of scaled
  std::vector<std::string> keys;      //!< field names matched anywhere in the document
  std::string parent;                 //!< "" = any; else the field's nearest named parent
  double lower = 0.0, upper = 1e300;  //!< the range the fields allow (values are clamped)
};

//! The groups, in the order of issue #12: win rates, opportunity rates, deal sizes, sales
//! cycles, ramp, attrition, backfill lag, slip and decay, amount factor, churn, expansion, FX
//! volatility, market dispersion, hiring timing.
const std::vector<AssumptionGroup>& assumption_groups();

struct VariedDocument {
  nlohmann::json document;
  int changed = 0;     //!< fields moved (0: the group is not in this scenario)
  int clamped = 0;     //!< of those, fields held at the end of their range
  double bound = 0.0;  //!< the bound of the last clamped field
};

//! `document` with every field of `group` scaled by `factor` (or, for month groups, shifted by
//! `shift` months: integers move by one, a cycle pmf moves its mass one month later or earlier).
//! Distributions ({"dist": ...}) have their min, mode, max and mean scaled.
VariedDocument vary_group(const nlohmann::json& document, const AssumptionGroup& group,
                          double factor, int shift);

//! The range [lower, upper] a field allows, from the group whose keys include the pointer's last
//! key ("/segments/0/win_rate" -> [0, 1]); [0, inf) when no group names it.
std::pair<double, double> field_range(const std::string& pointer);

}  // namespace opsim
