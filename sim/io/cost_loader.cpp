#include "sim/io/cost_loader.hpp"

#include <cmath>
#include <set>

#include <fmt/format.h>

#include "sim/io/assumptions.hpp"
#include "sim/io/json_pointer.hpp"
#include "sim/io/json_reader.hpp"
#include "sim/io/number_format.hpp"
#include "sim/io/plan_loader.hpp"

namespace opsim {

namespace {

//! Index of the region or segment named by `node`; fails naming the known ids.
template <class Entity>
int find_entity(const JsonNode& node, const std::vector<Entity>& entities, std::string_view kind) {
  const std::string id = node.string();
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < entities.size(); ++i) {
    if (entities[i].id == id) return static_cast<int>(i);
    ids.push_back(entities[i].id);
  }
  const std::string suggestion = did_you_mean(id, ids);
  if (!suggestion.empty())
    node.fail("unknown {} \"{}\" (did you mean \"{}\"?)", kind, id, suggestion);
  node.fail("unknown {} \"{}\" (known: {})", kind, id, fmt::join(ids, ", "));
}

//! A "YYYY-MM" member as a month relative to the horizon start, inside the horizon.
int horizon_month(const Scenario& scenario, const JsonNode& node) {
  const int month = node.year_month() - scenario.calendar.start();
  if (month < 0 || month >= scenario.months()) {
    node.fail("{} is outside the horizon ({}..{})", node.string(),
              format_year_month(scenario.calendar.start()),
              format_year_month(scenario.calendar.absolute(scenario.months() - 1)));
  }
  return month;
}

}  // namespace

CostAmount read_cost_amount(const JsonNode& node) {
  CostAmount amount;
  if (!(node.is_object() && node.has("dist"))) {
    amount.value = node.non_negative();
    return amount;
  }
  Distribution d = read_distribution(node);
  if (d.family == Distribution::Family::normal) {
    d.lower = std::max(d.lower, 0.0);
    if (!(d.lower < d.upper)) node.fail("the bounds leave nothing of the allowed range >= 0");
  }
  if (d.support_low() < 0) {
    node.fail(
        "the {} distribution reaches {} (min), outside the allowed range >= 0 (an amount "
        "in the reporting currency)",
        d.name(),
        std::isfinite(d.support_low()) ? format_user_value(d.support_low())
                                       : std::string("-infinity"));
  }
  amount.value = d.mean();
  amount.uncertain = UncertainParameter{node.pointer(), d, {}};
  return amount;
}

namespace {

//! Refuses a distribution anywhere under `node` but at `allowed` members of its objects.
void refuse_distributions(const JsonNode& node, const std::vector<std::string>& allowed) {
  if (node.is_object() && node.has("dist")) {
    const std::string& at = node.pointer();
    const std::string member = at.substr(at.rfind('/') + 1);
    if (std::find(allowed.begin(), allowed.end(), member) == allowed.end())
      node.fail(
          "a distribution is not allowed here (in /plan only a capacity window's cost_per_hire "
          "and monthly_cost may be uncertain)");
    return;
  }
  if (node.is_object()) {
    for (const std::string& key : node.keys()) refuse_distributions(node.at(key), allowed);
  } else if (node.is_array()) {
    for (const JsonNode& item : node.items()) refuse_distributions(item, allowed);
  }
}

}  // namespace

CostModel load_costs(const Scenario& scenario, const nlohmann::json& document) {
  CostModel model;
  const JsonNode root(document, scenario.source);
  if (auto list = root.get("costs")) {
    std::set<std::string> ids;
    for (const JsonNode& item : list->items()) {
      item.allow_only(
          {"id", "region", "segment", "one_off", "month", "monthly", "from", "to", "description"});
      CostLine line;
      line.id = item.at("id").id();
      if (!ids.insert(line.id).second) item.at("id").fail("duplicate cost id \"{}\"", line.id);
      if (auto r = item.get("region")) line.region = find_entity(*r, scenario.regions, "region");
      if (auto s = item.get("segment"))
        line.segment = find_entity(*s, scenario.segments, "segment");
      if (auto d = item.get("description")) (void)d->string();
      if (!item.has("one_off") && !item.has("monthly"))
        item.fail(
            "a cost needs \"one_off\" (with \"month\") or \"monthly\" (amounts in the "
            "reporting currency)");
      if (auto amount = item.get("one_off")) {
        line.one_off = read_cost_amount(*amount);
        line.one_off_month = horizon_month(scenario, item.at("month"));
      } else if (item.has("month")) {
        item.at("month").fail("\"month\" belongs to a one-off cost (add \"one_off\")");
      }
      if (auto amount = item.get("monthly")) {
        line.monthly = read_cost_amount(*amount);
        line.first_month = item.has("from") ? horizon_month(scenario, item.at("from")) : 0;
        line.last_month =
            item.has("to") ? horizon_month(scenario, item.at("to")) : scenario.months() - 1;
        if (line.last_month < line.first_month)
          item.at("to").fail("{} is before \"from\"", item.at("to").string());
      } else if (item.has("from") || item.has("to")) {
        item.fail("\"from\" and \"to\" belong to a monthly cost (add \"monthly\")");
      }
      model.lines.push_back(std::move(line));
    }
  }
  const auto plan = root.get("plan");
  if (plan) refuse_distributions(*plan, {"cost_per_hire", "monthly_cost"});
  if (plan && plan->has("capacity")) {
    const auto spec = parse_capacity_spec(document, scenario).windows;
    std::vector<std::pair<CostAmount, CostAmount>> amounts;  // per window, as written
    const JsonNode windows = plan->at("capacity").at("windows");
    for (std::size_t i = 0; i < windows.size(); ++i) {
      const JsonNode w = windows.at(i);
      amounts.emplace_back(
          read_cost_amount(w.at("cost_per_hire")),
          w.has("monthly_cost") ? read_cost_amount(w.at("monthly_cost")) : CostAmount{});
    }
    for (std::size_t i = 0; i < spec.size(); ++i) {
      const plan::HiringWindow& w = spec[i];
      const bool known = std::any_of(model.hires.begin(), model.hires.end(), [&](const auto& h) {
        return h.region == w.region && h.segment == w.segment;
      });
      if (!known && !(amounts[i].first.zero() && amounts[i].second.zero()))
        model.hires.push_back({w.region, w.segment, amounts[i].first, amounts[i].second});
    }
  }
  model.comp = parse_comp_spec(document, scenario);
  // Each uncertain amount named for people, as the scenario's uncertain parameters are (review:
  // "/costs/0/monthly: pert(...)").
  auto name = [&](CostAmount& amount) {
    if (amount.uncertain)
      amount.uncertain->words =
          pointer_words(document, nlohmann::json::json_pointer(amount.uncertain->pointer));
  };
  for (CostLine& line : model.lines) name(line.one_off), name(line.monthly);
  for (HireCostRate& rate : model.hires) name(rate.per_hire), name(rate.monthly);
  return model;
}

std::vector<std::string> describe_uncertain_costs(const CostModel& costs) {
  std::vector<std::string> lines;
  auto describe = [&](const CostAmount& amount) {
    if (amount.uncertain) {
      lines.push_back(fmt::format("{}: {}", amount.uncertain->name(),
                                  describe_distribution(amount.uncertain->distribution)));
    }
  };
  for (const CostLine& line : costs.lines) describe(line.one_off), describe(line.monthly);
  for (const HireCostRate& rate : costs.hires) describe(rate.per_hire), describe(rate.monthly);
  return lines;
}

}  // namespace opsim
