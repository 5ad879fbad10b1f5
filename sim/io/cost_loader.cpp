#include "sim/io/cost_loader.hpp"

#include <set>

#include "sim/io/json_reader.hpp"
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
        line.one_off = amount->non_negative();
        line.one_off_month = horizon_month(scenario, item.at("month"));
      } else if (item.has("month")) {
        item.at("month").fail("\"month\" belongs to a one-off cost (add \"one_off\")");
      }
      if (auto amount = item.get("monthly")) {
        line.monthly = amount->non_negative();
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
  if (plan && plan->has("capacity")) {
    for (const plan::HiringWindow& w : parse_capacity_spec(document, scenario).windows) {
      const bool known = std::any_of(model.hires.begin(), model.hires.end(), [&](const auto& h) {
        return h.region == w.region && h.segment == w.segment;
      });
      if (!known && (w.cost_per_hire > 0 || w.monthly_cost > 0))
        model.hires.push_back({w.region, w.segment, w.cost_per_hire, w.monthly_cost});
    }
  }
  return model;
}

}  // namespace opsim
