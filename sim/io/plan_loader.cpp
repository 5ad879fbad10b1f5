#include "sim/io/plan_loader.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "sim/base/error.hpp"
#include "sim/io/cost_loader.hpp"
#include "sim/io/csv.hpp"
#include "sim/io/csv_source.hpp"
#include "sim/io/json_reader.hpp"

namespace opsim {

namespace {

std::optional<JsonNode> plan_section(const nlohmann::json& document, const Scenario& scenario,
                                     std::string_view name) {
  const JsonNode root(document, scenario.source);
  auto plan = root.get("plan");
  if (!plan) return std::nullopt;
  // "overlays" is read with the scenario (scenario_loader.cpp: overlay seats sell nothing).
  plan->allow_only({"fiscal_year", "capacity", "quotas", "compensation", "overlays"});
  if (name.empty()) return plan;
  return plan->get(name);
}

int find_index(const JsonNode& node, const std::vector<std::string>& ids, std::string_view kind) {
  const std::string id = node.string();
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] == id) return static_cast<int>(i);
  }
  const std::string suggestion = did_you_mean(id, ids);
  if (!suggestion.empty())
    node.fail("unknown {} \"{}\" (did you mean \"{}\"?)", kind, id, suggestion);
  node.fail("unknown {} \"{}\" (known: {})", kind, id, fmt::join(ids, ", "));
}

//! The value named by a string member; fails listing the allowed names.
template <class Enum>
Enum choose(const JsonNode& node, std::string_view what,
            const std::vector<std::pair<std::string, Enum>>& options) {
  const std::string text = node.string();
  std::vector<std::string> names;
  for (const auto& [name, value] : options) {
    if (name == text) return value;
    names.push_back(name);
  }
  node.fail("\"{}\" is not {} ({})", text, what, fmt::join(names, ", "));
}

std::vector<std::string> region_ids(const Scenario& s) {
  std::vector<std::string> ids;
  for (const auto& r : s.regions) ids.push_back(r.id);
  return ids;
}

std::vector<std::string> segment_ids(const Scenario& s) {
  std::vector<std::string> ids;
  for (const auto& r : s.segments) ids.push_back(r.id);
  return ids;
}

int relative_month(const Scenario& scenario, const JsonNode& node) {
  return node.year_month() - scenario.calendar.start();
}

std::string resolve_path(const Scenario& scenario, const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_absolute()) return path;
  return (std::filesystem::path(scenario.source).parent_path() / p).lexically_normal().string();
}

}  // namespace

int plan_fiscal_year(const nlohmann::json& document, const Scenario& scenario) {
  const int first = scenario.calendar.fiscal_year_of(scenario.calendar.start());
  const int last =
      scenario.calendar.fiscal_year_of(scenario.calendar.absolute(scenario.months() - 1));
  if (auto plan = plan_section(document, scenario, "")) {
    if (auto year = plan->get("fiscal_year")) return static_cast<int>(year->integer(first, last));
  }
  return first;
}

plan::CapacitySpec parse_capacity_spec(const nlohmann::json& document, const Scenario& scenario) {
  auto node = plan_section(document, scenario, "capacity");
  if (!node) {
    throw_input(
        "{}: /plan/capacity is missing (capacity needs hiring windows: region, segment, earliest, "
        "latest, max_hires, cost_per_hire)",
        scenario.source);
  }
  node->allow_only({"windows", "start_step_months"});
  plan::CapacitySpec spec;
  spec.fiscal_year = plan_fiscal_year(document, scenario);
  if (auto step = node->get("start_step_months"))
    spec.start_step_months = static_cast<int>(step->integer(1, 36));
  const JsonNode list = node->at("windows");
  if (list.size() == 0) list.fail("needs at least one hiring window");
  for (const auto& item : list.items()) {
    item.allow_only({"region", "segment", "role", "earliest", "latest", "max_hires",
                     "time_to_fill_months", "cost_per_hire", "monthly_cost"});
    plan::HiringWindow w;
    w.region = find_index(item.at("region"), region_ids(scenario), "region");
    w.segment = find_index(item.at("segment"), segment_ids(scenario), "segment");
    w.earliest = relative_month(scenario, item.at("earliest"));
    w.latest = item.has("latest") ? relative_month(scenario, item.at("latest")) : w.earliest;
    if (w.earliest < 0 || w.earliest >= scenario.months()) {
      item.at("earliest")
          .fail("{} is outside the horizon (allowed {}..{})", item.at("earliest").string(),
                format_year_month(scenario.calendar.start()),
                format_year_month(scenario.calendar.absolute(scenario.months() - 1)));
    }
    if (w.latest < w.earliest || w.latest >= scenario.months()) {
      item.at("latest").fail("{} is not between earliest and the horizon end ({}..{})",
                             item.at("latest").string(),
                             format_year_month(scenario.calendar.absolute(w.earliest)),
                             format_year_month(scenario.calendar.absolute(scenario.months() - 1)));
    }
    w.max_hires = static_cast<int>(item.at("max_hires").integer(1, 10000));
    if (auto t = item.get("time_to_fill_months"))
      w.time_to_fill = static_cast<int>(t->integer(0, 36));
    // An uncertain cost (drawn per trial in comparisons) plans at its mean.
    w.cost_per_hire = read_cost_amount(item.at("cost_per_hire")).value;
    if (auto c = item.get("monthly_cost")) w.monthly_cost = read_cost_amount(*c).value;
    if (auto role = item.get("role")) w.role = role->string();
    spec.windows.push_back(w);
  }
  return spec;
}

QuotaSettings parse_quota_settings(const nlohmann::json& document, const Scenario& scenario) {
  QuotaSettings settings;
  settings.fiscal_year = plan_fiscal_year(document, scenario);
  auto node = plan_section(document, scenario, "quotas");
  if (!node) return settings;
  node->allow_only({"over_assignment", "key", "prior_bookings_csv", "phasing", "rounding"});
  if (auto phasing = node->get("phasing")) {
    settings.phasing =
        choose<plan::Phasing>(*phasing, "a phasing",
                              {{"profile", plan::Phasing::profile}, {"flat", plan::Phasing::flat}});
  }
  if (auto rounding = node->get("rounding")) settings.rounding = rounding->non_negative();
  if (auto oa = node->get("over_assignment")) settings.over_assignment = oa->positive();
  if (auto key = node->get("key")) {
    key->allow_only({"potential", "prior", "expected"});
    settings.key = {0, 0, 0};
    if (auto v = key->get("potential")) settings.key.potential = v->non_negative();
    if (auto v = key->get("prior")) settings.key.prior = v->non_negative();
    if (auto v = key->get("expected")) settings.key.expected = v->non_negative();
    if (settings.key.potential + settings.key.prior + settings.key.expected <= 0)
      key->fail("all weights are 0 (at least one must be > 0)");
  }
  if (auto csv = node->get("prior_bookings_csv")) {
    settings.prior_bookings_csv = read_csv_source(*csv, {"seat", "id", "bookings", "stage"});
    settings.prior_bookings_csv.path = resolve_path(scenario, settings.prior_bookings_csv.path);
  }
  return settings;
}

namespace {

//! Tiers, tier mode, cap and measurement of a plan or component (members of `item`).
template <class Terms>
void parse_pay_terms(const JsonNode& item, Terms& p) {
  if (auto tiers = item.get("tiers")) {
    p.tiers.clear();
    if (tiers->size() == 0) tiers->fail("needs at least one tier");
    for (const auto& t : tiers->items()) {
      t.allow_only({"from", "rate"});
      plan::Tier tier{t.at("from").number_in(0.0, 100.0, "an attainment (fraction of quota)"),
                      t.at("rate").number_in(0.0, 100.0, "a rate multiple")};
      if (p.tiers.empty() && tier.from != 0)
        t.at("from").fail("{} must be 0 (the first tier starts at 0% of quota)", tier.from);
      if (!p.tiers.empty() && tier.from <= p.tiers.back().from) {
        t.at("from").fail(
            "{} does not increase on the previous tier's {} (tiers must not overlap: strictly "
            "increasing from)",
            tier.from, p.tiers.back().from);
      }
      p.tiers.push_back(tier);
    }
  }
  if (auto mode = item.get("tier_mode")) {
    p.mode = choose<plan::TierMode>(
        *mode, "a tier mode",
        {{"marginal", plan::TierMode::marginal}, {"retroactive", plan::TierMode::retroactive}});
  }
  if (auto cap = item.get("cap")) {
    p.cap = cap->positive();
    const double on_target = std::max(1.0, p.earnings_factor(1.0));
    if (p.cap < on_target) {
      cap->fail(
          "{} caps variable pay below on-target pay (cap is a multiple of the on-target "
          "variable; allowed >= {})",
          p.cap, on_target);
    }
  }
  if (auto m = item.get("measurement")) {
    p.measurement = choose<plan::Measurement>(
        *m, "a measurement",
        {{"quarterly", plan::Measurement::quarterly}, {"annual", plan::Measurement::annual}});
  }
}

//! /plan/compensation/plans/i/components: the plan's tiers, mode, cap and measurement are
//! each component's defaults.
std::vector<plan::Component> parse_components(const JsonNode& list, const plan::CompPlan& p,
                                              const Scenario& scenario) {
  if (list.size() == 0) list.fail("is empty (give at least one component, or leave the key out)");
  if (list.size() > plan::kMaxComponents)
    list.fail("has {} components (at most {})", list.size(), plan::kMaxComponents);
  std::vector<plan::Component> out;
  std::vector<std::string> ids;
  for (const auto& item : list.items()) {
    item.allow_only({"id", "measure", "weight", "tiers", "tier_mode", "cap", "measurement",
                     "products", "quota_share", "quota", "target", "gate"});
    plan::Component c;
    c.id = item.at("id").id();
    if (std::find(ids.begin(), ids.end(), c.id) != ids.end())
      item.at("id").fail("\"{}\" is used twice (component ids are unique within a plan)", c.id);
    ids.push_back(c.id);
    c.measure = choose<plan::Measure>(item.at("measure"), "a measure",
                                      {{"new_bookings", plan::Measure::new_bookings},
                                       {"new_logos", plan::Measure::new_logos},
                                       {"retention", plan::Measure::retention}});
    c.weight = item.at("weight").number_in(0.0, 1.0, "a weight (share of variable pay)");
    if (!(c.weight > 0)) item.at("weight").fail("0 pays nothing (allowed: above 0, up to 1)");
    c.tiers = p.tiers;
    c.mode = p.mode;
    c.cap = p.cap;
    c.measurement = p.measurement;
    parse_pay_terms(item, c);
    if (c.cap < std::max(1.0, c.earnings_factor(1.0))) {
      item.fail(
          "the cap {} (the plan's) is below this component's on-target pay {} (give the component "
          "its own cap)",
          c.cap, std::max(1.0, c.earnings_factor(1.0)));
    }
    const auto only_for = [&](std::string_view key, plan::Measure measure, std::string_view name) {
      if (item.has(key) && c.measure != measure)
        item.at(key).fail("applies to measure {} only (this component measures {})", name,
                          item.at("measure").string());
    };
    only_for("products", plan::Measure::new_bookings, "new_bookings");
    only_for("quota_share", plan::Measure::new_bookings, "new_bookings");
    only_for("quota", plan::Measure::new_logos, "new_logos");
    only_for("target", plan::Measure::retention, "retention");
    if (auto products = item.get("products")) {
      std::vector<std::string> product_ids;
      for (const auto& product : scenario.products) product_ids.push_back(product.id);
      if (products->size() == 0) products->fail("is empty (name products, or leave the key out)");
      for (const auto& name : products->items()) {
        if (product_ids.empty())
          name.fail("\"{}\" is not a product: the scenario has no products", name.string());
        const int k = find_index(name, product_ids, "product");
        if (k >= 64)
          name.fail("product \"{}\" is number {} (components cover the first 64 products)",
                    product_ids[k], k + 1);
        c.products |= std::uint64_t{1} << k;
      }
    }
    if (auto share = item.get("quota_share")) {
      if (c.products == 0)
        share->fail("needs products (the share of the seat's quota in those products)");
      c.quota_share = share->number_in(0.0, 1.0, "a share of the seat's quota");
      if (!(c.quota_share > 0)) share->fail("0 is not allowed (above 0, up to 1)");
    }
    if (auto quota = item.get("quota")) c.quota = quota->positive();
    if (c.measure == plan::Measure::retention) {
      c.target = item.at("target").number_in(0.0, 1.0, "a retention rate");
      if (!(c.target > 0)) item.at("target").fail("0 is not allowed (above 0, up to 1)");
      const bool owned = std::any_of(scenario.contracts.begin(), scenario.contracts.end(),
                                     [](const Contract& k) { return k.owner >= 0; });
      if (!owned) {
        item.at("measure").fail(
            "retention measures the seats' books, but no installed_base contract has an owner "
            "(give contracts an \"owner\": a roster rep or hiring-plan seat id)");
      }
    }
    out.push_back(c);
  }
  double total = 0;
  for (const auto& c : out) total += c.weight;
  if (std::abs(total - 1.0) > 1e-9) {
    list.fail("weights sum to {:.6g} (the weights of a plan's components must sum to 1)", total);
  }
  // Gates name another component of the same plan.
  for (std::size_t i = 0; i < out.size(); ++i) {
    const JsonNode item = list.at(i);
    auto gate = item.get("gate");
    if (!gate) continue;
    gate->allow_only({"component", "attainment"});
    const JsonNode name = gate->at("component");
    const int k = find_index(name, ids, "component");
    if (static_cast<std::size_t>(k) == i)
      name.fail("\"{}\" gates itself (name another component of the plan: {})", ids[k],
                fmt::join(ids, ", "));
    out[i].gate = k;
    out[i].gate_attainment =
        gate->at("attainment").number_in(0.0, 100.0, "an attainment (fraction of quota)");
  }
  return out;
}

}  // namespace

plan::CompSpec parse_comp_spec(const nlohmann::json& document, const Scenario& scenario) {
  plan::CompSpec spec;
  auto node = plan_section(document, scenario, "compensation");
  if (!node) return spec;
  node->allow_only({"plans", "budget"});
  if (auto budget = node->get("budget")) spec.budget = budget->positive();
  const auto segments = segment_ids(scenario);
  const JsonNode list = node->at("plans");
  if (list.size() == 0) list.fail("needs at least one plan");
  std::vector<int> segment_plan(segments.size(), -1);
  std::vector<std::string> roles;  // held by some seat, in seat order
  for (const auto& seat : scenario.seats) {
    if (!seat.role.empty() && std::find(roles.begin(), roles.end(), seat.role) == roles.end())
      roles.push_back(seat.role);
  }
  std::vector<int> role_plan(roles.size(), -1);
  int default_plan = -1;
  for (const auto& item : list.items()) {
    item.allow_only({"id", "roles", "segments", "ote", "variable_share", "tiers", "tier_mode",
                     "cap", "measurement", "draw", "spif", "clawback_months", "proration",
                     "components"});
    plan::CompPlan p;
    const int index = static_cast<int>(spec.plans.size());
    p.id = item.at("id").string();
    // A plan covers the seats of its roles, then those of its segments without a role plan.
    const auto claim = [&](const JsonNode& names, const std::vector<std::string>& ids,
                           std::vector<int>& plan_of, std::string_view kind) {
      if (names.size() == 0)
        names.fail("is empty (name at least one {0}, or leave the key out)", kind);
      for (const auto& s : names.items()) {
        if (ids.empty()) s.fail("no seat has a {0} (give roster reps or hires a \"{0}\")", kind);
        const int k = find_index(s, ids, kind);
        if (plan_of[k] >= 0) {
          s.fail("{} \"{}\" already has plan \"{}\" (one plan per {})", kind, ids[k],
                 spec.plans[plan_of[k]].id, kind);
        }
        plan_of[k] = index;
      }
    };
    const auto list_roles = item.get("roles");
    const auto list_segments = item.get("segments");
    if (list_roles) claim(*list_roles, roles, role_plan, "role");
    if (list_segments) claim(*list_segments, segments, segment_plan, "segment");
    if (!list_roles && !list_segments) {
      if (default_plan >= 0)
        item.fail("a second plan without roles or segments (only one default plan is allowed)");
      default_plan = index;
    }
    p.ote = item.at("ote").positive();
    p.variable_share = item.at("variable_share").number_in(0.0, 1.0, "a share of OTE");
    if (!(p.variable_share > 0))
      item.at("variable_share")
          .fail("0 leaves nothing to pay on quota (allowed: above 0, up to 1)");
    parse_pay_terms(item, p);
    if (auto draw = item.get("draw")) {
      draw->allow_only({"kind", "per_month", "months"});
      p.draw = choose<plan::DrawKind>(draw->at("kind"), "a draw kind",
                                      {{"recoverable", plan::DrawKind::recoverable},
                                       {"non_recoverable", plan::DrawKind::non_recoverable}});
      p.draw_per_month = draw->at("per_month").positive();
      p.draw_months = static_cast<int>(draw->at("months").integer(1, 36));
    }
    if (auto spif = item.get("spif")) {
      spif->allow_only({"per_deal", "segments", "products"});
      p.spif_per_deal = spif->at("per_deal").positive();
      if (auto list_segments = spif->get("segments")) {
        for (const auto& s : list_segments->items())
          p.spif_segments.push_back(find_index(s, segments, "segment"));
      }
      if (auto list_products = spif->get("products")) {
        std::vector<std::string> product_ids;
        for (const auto& product : scenario.products) product_ids.push_back(product.id);
        for (const auto& s : list_products->items()) {
          const int k = find_index(s, product_ids, "product");
          if (k >= 64)
            s.fail("product \"{}\" is number {} (SPIFs cover the first 64 products)",
                   product_ids[k], k + 1);
          p.spif_products.push_back(k);
        }
      }
      if (p.spif_segments.empty() && p.spif_products.empty())
        spif->fail("names no segment or product (give segments or products)");
    }
    if (auto c = item.get("clawback_months"))
      p.clawback_months = static_cast<int>(c->integer(0, 60));
    if (auto r = item.get("proration")) {
      p.proration = choose<plan::Proration>(
          *r, "a proration",
          {{"months", plan::Proration::months}, {"quota_share", plan::Proration::quota_share}});
    }
    if (auto components = item.get("components"))
      p.components = parse_components(*components, p, scenario);
    spec.plans.push_back(p);
  }
  spec.seat_plan.resize(scenario.seats.size());
  for (std::size_t s = 0; s < scenario.seats.size(); ++s) {
    const Seat& seat = scenario.seats[s];
    const auto role = std::find(roles.begin(), roles.end(), seat.role);
    const int by_role =
        role == roles.end() ? -1 : role_plan[static_cast<std::size_t>(role - roles.begin())];
    const int by_segment = segment_plan[seat.segment];
    spec.seat_plan[s] = by_role >= 0 ? by_role : by_segment >= 0 ? by_segment : default_plan;
  }
  // Components that some of a plan's seats can never earn pay them 0: said, not silent.
  std::vector<char> owns(scenario.seats.size(), 0);
  for (const Contract& c : scenario.contracts)
    if (c.owner >= 0) owns[static_cast<std::size_t>(c.owner)] = 1;
  for (std::size_t p = 0; p < spec.plans.size(); ++p) {
    for (const plan::Component& k : spec.plans[p].components) {
      std::vector<std::string> never;
      std::size_t covered = 0;
      for (std::size_t s = 0; s < scenario.seats.size(); ++s) {
        if (spec.seat_plan[s] != static_cast<int>(p)) continue;
        ++covered;
        if ((k.measure == plan::Measure::retention && !owns[s]) ||
            (k.products != 0 && scenario.seats[s].overlay))
          never.push_back(scenario.seats[s].id);
      }
      if (never.empty()) continue;
      const std::size_t shown = std::min<std::size_t>(never.size(), 8);
      spec.warnings.push_back(fmt::format(
          "plan {} component {}: {} of its {} seats can never earn it ({}), so it pays them 0 "
          "({}{})",
          spec.plans[p].id, k.id, never.size(), covered,
          k.measure == plan::Measure::retention ? "they own no installed-base contract"
                                                : "overlay credit carries no product",
          fmt::join(never.begin(), never.begin() + static_cast<std::ptrdiff_t>(shown), ", "),
          never.size() > shown ? ", ..." : ""));
    }
  }
  return spec;
}

std::vector<std::string> check_plan_sections(const nlohmann::json& document,
                                             const Scenario& scenario) {
  const auto plan = document.find("plan");
  if (plan == document.end()) return {};
  if (plan->is_object() && plan->contains("capacity"))
    (void)parse_capacity_spec(document, scenario);
  (void)parse_quota_settings(document, scenario);
  return parse_comp_spec(document, scenario).warnings;
}

std::vector<double> read_seat_amounts(const CsvSource& source, const Scenario& scenario,
                                      const std::string& column, bool positive) {
  const CsvTable read = CsvTable::read(source.path);
  const MappedCsv table(read, source);
  const auto seat = mapped_column(read, source, "seat", {"id"});
  if (!seat) (void)table.require_column("seat");
  const std::size_t seat_column = *seat;
  const std::size_t amount = table.require_column(column);
  std::map<std::string, std::size_t, std::less<>> index;
  std::vector<std::string> ids;
  for (std::size_t s = 0; s < scenario.seats.size(); ++s) {
    index.emplace(scenario.seats[s].id, s);
    ids.push_back(scenario.seats[s].id);
  }
  std::vector<double> values(scenario.seats.size(), std::numeric_limits<double>::quiet_NaN());
  for (const auto& row : table.rows()) {
    const std::string& id = table.text(row, seat_column);
    auto it = index.find(id);
    if (it == index.end()) {
      const std::string suggestion = did_you_mean(id, ids);
      throw_input(
          "{}: column '{}': unknown seat \"{}\"{} (seats are roster rep ids and hiring-plan ids "
          "such as "
          "hire/NA/SMB/2027-03/1)",
          table.where(row), table.header()[seat_column], id,
          suggestion.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", suggestion));
    }
    if (!std::isnan(values[it->second]))
      throw_input("{}: seat \"{}\" appears twice", table.where(row), id);
    const double v = table.number(row, amount);
    if (positive ? !(v > 0) : v < 0) {
      throw_input("{}: column '{}': {} is not allowed (must be {})", table.where(row), column, v,
                  positive ? "> 0" : ">= 0");
    }
    values[it->second] = v;
  }
  return values;
}

plan::QuotaKey parse_quota_key(const std::string& text, const std::string& option) {
  plan::QuotaKey key{0, 0, 0};
  if (text == "potential" || text == "prior" || text == "expected") {
    (text == "potential" ? key.potential : text == "prior" ? key.prior : key.expected) = 1;
    return key;
  }
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find(',', start), text.size());
    const std::string part = text.substr(start, end - start);
    const auto eq = part.find('=');
    const auto value = eq == std::string::npos ? std::nullopt : parse_number(part.substr(eq + 1));
    const std::string name = eq == std::string::npos ? part : part.substr(0, eq);
    if (!value || *value < 0 || (name != "potential" && name != "prior" && name != "expected")) {
      throw_input(
          "{}: \"{}\" is not a key (potential, prior, expected, or a blend such as "
          "potential=0.5,prior=0.2,expected=0.3 with weights >= 0)",
          option, text);
    }
    (name == "potential" ? key.potential : name == "prior" ? key.prior : key.expected) = *value;
    start = end + 1;
  }
  if (key.potential + key.prior + key.expected <= 0)
    throw_input("{}: \"{}\": all weights are 0", option, text);
  return key;
}

}  // namespace opsim
