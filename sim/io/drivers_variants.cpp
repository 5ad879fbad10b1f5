#include "sim/io/drivers_variants.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace opsim {

using nlohmann::json;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

bool has_key(const AssumptionGroup& group, const std::string& key) {
  return std::find(group.keys.begin(), group.keys.end(), key) != group.keys.end();
}

struct Varier {
  const AssumptionGroup& group;
  double factor;
  int shift;
  VariedDocument& out;
  bool numbers_only = false;  //!< touch only fields that are plain numbers

  double moved(double value) {
    const double raw = group.months ? value + shift : value * factor;
    const double clamped = std::clamp(raw, group.lower, group.upper);
    if (clamped != raw) {
      ++out.clamped;
      out.bound = clamped;
    }
    ++out.changed;
    return clamped;
  }

  //! A cycle pmf one month later (mass moves up) or earlier (month 0 absorbs month 1).
  void shift_pmf(json& pmf) {
    if (!pmf.is_array() || pmf.empty()) return;
    ++out.changed;
    if (shift > 0) {
      if (pmf.size() >= 60) {  // at the 60-month limit: the last month holds the overflow
        ++out.clamped;
        const double last = pmf.back().get<double>();
        pmf.erase(pmf.end() - 1);
        pmf.back() = pmf.back().get<double>() + last;
      }
      pmf.insert(pmf.begin(), 0.0);
    } else if (pmf.size() > 1) {
      const double first = pmf[0].get<double>();
      pmf.erase(pmf.begin());
      pmf[0] = pmf[0].get<double>() + first;
    } else {
      ++out.clamped;  // all mass at month 0 already
    }
  }

  void field(json& value) {
    if (numbers_only && !value.is_number()) return;
    if (value.is_number()) {
      const double v = moved(value.get<double>());
      if (value.is_number_integer() || group.months)
        value = static_cast<long long>(std::llround(v));
      else
        value = v;
    } else if (value.is_array()) {
      if (group.months) {
        shift_pmf(value);
        return;
      }
      for (json& item : value) field(item);
    } else if (value.is_object()) {
      if (value.contains("dist")) {
        for (const char* member : {"min", "mode", "max", "mean"}) {
          if (value.contains(member) && value[member].is_number())
            value[member] = moved(value[member].get<double>());
        }
      } else if (group.months && value.contains("pmf")) {
        shift_pmf(value["pmf"]);
      } else {
        // A per-region map ({"NA": 0.1, ...}, e.g. market dispersion).
        for (json& item : value) {
          if (item.is_number()) field(item);
        }
      }
    }
  }

  void walk(json& node, const std::string& parent) {
    if (node.is_object()) {
      for (auto& [key, value] : node.items()) {
        if (has_key(group, key) && (group.parent.empty() || group.parent == parent)) {
          field(value);
          continue;
        }
        walk(value, key);
      }
    } else if (node.is_array()) {
      for (json& item : node) walk(item, parent);
    }
  }
};

}  // namespace

const std::vector<AssumptionGroup>& assumption_groups() {
  static const std::vector<AssumptionGroup> groups{
      {"win rates", false, {"win_rate", "win_probability"}, "", 0.0, 1.0},
      {"opportunity rates", false, {"opportunity_rate", "opportunities_per_month"}, "", 0.0, kInf},
      {"deal sizes", false, {"mean"}, "deal_size", 1e-9, kInf},
      {"sales cycles", true, {"cycle_months"}, "", 0.0, 59.0},
      {"ramp", false, {"fraction"}, "", 0.0, 2.0},
      {"attrition", false, {"annual"}, "attrition", 0.0, 0.999999},
      {"backfill lag", true, {"backfill_lag_months"}, "", 0.0, 60.0},
      {"slip and decay", false, {"decay_per_month", "overdue_decay_per_month"}, "", 0.0, 1.0},
      {"amount factor", false, {"mean"}, "amount_factor", 1e-9, kInf},
      {"churn", false, {"churn_probability"}, "", 0.0, 1.0},
      {"expansion", false, {"mean"}, "expansion", -1.0, 10.0},
      {"FX volatility", false, {"annual_volatility"}, "", 0.0, kInf},
      {"market dispersion", false, {"dispersion"}, "market", 0.0, 2.0},
      {"hiring timing", true, {"time_to_fill_months"}, "", 0.0, 36.0},
  };
  return groups;
}

VariedDocument vary_group(const json& document, const AssumptionGroup& group, double factor,
                          int shift) {
  VariedDocument out;
  out.document = document;
  Varier varier{group, factor, shift, out};
  varier.walk(out.document, "");
  // A plain attrition number (not banded) is the field itself.
  if (group.name == "attrition") {
    const AssumptionGroup plain{group.name, false, {"attrition"}, "", group.lower, group.upper};
    Varier whole{plain, factor, shift, out, true};
    whole.walk(out.document, "");
  }
  return out;
}

std::pair<double, double> field_range(const std::string& pointer) {
  const std::string key = pointer.substr(pointer.rfind('/') + 1);
  for (const AssumptionGroup& group : assumption_groups()) {
    if (has_key(group, key) && group.parent.empty()) return {group.lower, group.upper};
  }
  return {0.0, kInf};
}

}  // namespace opsim
