#include "sim/io/plan_loader.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "sim/base/error.hpp"
#include "sim/base/grouped.hpp"
#include "sim/io/cost_loader.hpp"
#include "sim/io/csv.hpp"
#include "sim/io/csv_source.hpp"
#include "sim/io/json_reader.hpp"

namespace opsim {

namespace {

//! /plan/NAME (/plan itself when `name` is empty); an unknown key of /plan is recorded in
//! `errors` and the section read on.
std::optional<JsonNode> plan_section(const nlohmann::json& document, const Scenario& scenario,
                                     std::string_view name, InputErrorCollector& errors) {
  const JsonNode root(document, scenario.source);
  auto plan = root.get("plan");
  if (!plan) return std::nullopt;
  // "overlays" is read with the scenario (scenario_loader.cpp: overlay seats sell nothing).
  errors.collect([&] {
    plan->allow_only({"fiscal_year", "capacity", "quotas", "compensation", "overlays"});
  });
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

void throw_plan_errors(const InputErrorCollector& errors) {
  try {
    errors.throw_if_any();
  } catch (const InputErrors& e) {
    std::vector<std::string> unique;
    for (const std::string& message : e.errors())
      if (std::find(unique.begin(), unique.end(), message) == unique.end())
        unique.push_back(message);
    if (unique.size() == 1) throw InputError(unique.front());
    throw InputErrors(unique, false);
  }
}

int plan_fiscal_year(const nlohmann::json& document, const Scenario& scenario) {
  const int first = scenario.calendar.fiscal_year_of(scenario.calendar.start());
  const int last =
      scenario.calendar.fiscal_year_of(scenario.calendar.absolute(scenario.months() - 1));
  const JsonNode root(document, scenario.source);
  if (auto plan = root.get("plan")) {
    if (auto year = plan->get("fiscal_year")) {
      const int value = static_cast<int>(year->integer(1, 9999));
      // A year outside the horizon is named with the years a plan may work on (whole years).
      if (value < first || value > last)
        (void)plan::planned_fiscal_year_of(scenario, value,
                                           scenario.source + ": /plan/fiscal_year");
      return value;
    }
  }
  // The first year the horizon covers whole; its first year when it covers none (refused by the
  // planning commands, with the months missing).
  const plan::FiscalYearRange whole = plan::whole_fiscal_years(scenario);
  return whole.empty() ? first : whole.first;
}

std::string plan_year_origin(const nlohmann::json& document, const Scenario& scenario) {
  const JsonNode root(document, scenario.source);
  const auto plan = root.get("plan");
  if (plan && plan->has("fiscal_year")) return "/plan/fiscal_year";
  return plan::whole_fiscal_years(scenario).empty()
             // "Simulated" whole: a forecast completes a year begun before the horizon with
             // actuals, a plan cannot (review: "covers none whole" read as contradicting run's
             // FY2028).
             ? "the plan's fiscal year (the horizon's first, as it simulates none whole seat by "
               "seat: /plan/fiscal_year is not given)"
             : "the plan's fiscal year (the first the horizon covers whole: /plan/fiscal_year is "
               "not given)";
}

plan::FiscalYear planned_plan_year(const nlohmann::json& document, const Scenario& scenario) {
  return plan::planned_fiscal_year_of(
      scenario, plan_fiscal_year(document, scenario),
      scenario.source + ": " + plan_year_origin(document, scenario));
}

std::string missing_plan_target(const nlohmann::json& document, const Scenario& scenario) {
  const int year = plan_fiscal_year(document, scenario);
  bool any = plan::new_bookings_target(scenario, year, -1) >= 0;
  for (int r = 0; r < scenario.region_count(); ++r)
    any = any || plan::new_bookings_target(scenario, year, r) >= 0;
  if (any) return "";
  return fmt::format(
      "{}: no new_bookings target for FY{} in /targets (a plan needs a company or region target "
      "for its year; FY{} is {})",
      scenario.source, year, year, plan_year_origin(document, scenario));
}

plan::CapacitySpec parse_capacity_spec(const nlohmann::json& document, const Scenario& scenario) {
  // Every error of the section is collected and reported together.
  InputErrorCollector errors;
  auto node = plan_section(document, scenario, "capacity", errors);
  if (!node) {
    errors.collect([&] {
      throw_input(
          "{}: /plan/capacity is missing (capacity needs hiring windows: region, segment, "
          "earliest, latest, max_hires, cost_per_hire)",
          scenario.source);
    });
    errors.throw_if_any();
  }
  plan::CapacitySpec spec;
  errors.collect([&] { node->allow_only({"windows", "start_step_months"}); });
  errors.collect([&] { spec.fiscal_year = plan_fiscal_year(document, scenario); });
  if (auto step = node->get("start_step_months"))
    errors.collect([&] { spec.start_step_months = static_cast<int>(step->integer(1, 36)); });
  errors.collect([&] {
    const JsonNode list = node->at("windows");
    if (list.size() == 0) list.fail("needs at least one hiring window");
    for (const auto& item : list.items()) {
      plan::HiringWindow w;
      errors.collect([&] {
        item.allow_only({"region", "segment", "role", "earliest", "latest", "max_hires",
                         "time_to_fill_months", "cost_per_hire", "monthly_cost"});
      });
      errors.collect(
          [&] { w.region = find_index(item.at("region"), region_ids(scenario), "region"); });
      errors.collect(
          [&] { w.segment = find_index(item.at("segment"), segment_ids(scenario), "segment"); });
      errors.collect([&] {
        w.earliest = relative_month(scenario, item.at("earliest"));
        w.latest = item.has("latest") ? relative_month(scenario, item.at("latest")) : w.earliest;
        if (w.earliest < 0 || w.earliest >= scenario.months()) {
          item.at("earliest")
              .fail("{} is outside the horizon (allowed {}..{})", item.at("earliest").string(),
                    format_year_month(scenario.calendar.start()),
                    format_year_month(scenario.calendar.absolute(scenario.months() - 1)));
        }
        if (w.latest < w.earliest || w.latest >= scenario.months()) {
          item.at("latest").fail(
              "{} is not between earliest and the horizon end ({}..{})", item.at("latest").string(),
              format_year_month(scenario.calendar.absolute(w.earliest)),
              format_year_month(scenario.calendar.absolute(scenario.months() - 1)));
        }
      });
      errors.collect(
          [&] { w.max_hires = static_cast<int>(item.at("max_hires").integer(1, 10000)); });
      if (auto t = item.get("time_to_fill_months"))
        errors.collect([&] { w.time_to_fill = static_cast<int>(t->integer(0, 36)); });
      // An uncertain cost (drawn per trial in comparisons) plans at its mean.
      errors.collect([&] { w.cost_per_hire = read_cost_amount(item.at("cost_per_hire")).value; });
      if (auto c = item.get("monthly_cost"))
        errors.collect([&] { w.monthly_cost = read_cost_amount(*c).value; });
      if (auto role = item.get("role")) errors.collect([&] { w.role = role->string(); });
      spec.windows.push_back(w);
    }
  });
  errors.throw_if_any();
  return spec;
}

namespace {

//! /plan/quotas/phasing (`quotas`: that section), profile when not given.
plan::Phasing read_phasing(const JsonNode& quotas) {
  const auto phasing = quotas.get("phasing");
  if (!phasing) return plan::Phasing::profile;
  return choose<plan::Phasing>(
      *phasing, "a phasing", {{"profile", plan::Phasing::profile}, {"flat", plan::Phasing::flat}});
}

}  // namespace

//! /plan/quotas/rounding (`quotas`: that section), 0 (none) when not given.
double read_rounding(const JsonNode& quotas) {
  const auto rounding = quotas.get("rounding");
  if (!rounding) return 0;
  // Below a hundredth of the currency unit a rounding is meaningless, and quotas counted in such
  // units would pass the 2^53 integers a double holds exactly.
  const double unit = rounding->non_negative();
  if (unit > 0 && unit < plan::kMinQuotaRounding)
    rounding->fail("{} is not a rounding unit: use 0 (no rounding) or at least {}", unit,
                   plan::kMinQuotaRounding);
  return unit;
}

QuotaSettings parse_quota_settings(const nlohmann::json& document, const Scenario& scenario) {
  QuotaSettings settings;
  InputErrorCollector errors;
  errors.collect([&] { settings.fiscal_year = plan_fiscal_year(document, scenario); });
  const auto node = plan_section(document, scenario, "quotas", errors);
  if (!node) {
    errors.throw_if_any();
    return settings;
  }
  errors.collect([&] {
    node->allow_only(
        {"method", "over_assignment", "key", "prior_bookings_csv", "phasing", "rounding"});
  });
  if (auto method = node->get("method")) {
    errors.collect([&] {
      settings.method =
          choose<plan::QuotaMethod>(*method, "a quota method",
                                    {{"top-down", plan::QuotaMethod::top_down},
                                     {"capacity", plan::QuotaMethod::capacity},
                                     {"equal-chance", plan::QuotaMethod::equal_chance},
                                     {"import", plan::QuotaMethod::import}});
    });
  }
  errors.collect([&] { settings.phasing = read_phasing(*node); });
  errors.collect([&] { settings.rounding = read_rounding(*node); });
  if (auto oa = node->get("over_assignment")) {
    errors.collect([&] {
      const double over = oa->positive();
      // Checked here, so that validate reports it with the file (review: it said "valid" and
      // quotas named no file).
      if (over > plan::kMostOverAssignment)
        oa->fail("{} is not allowed (allowed: > 0 and at most {})", over,
                 plan::kMostOverAssignment);
      settings.over_assignment = over;
    });
  }
  if (auto key = node->get("key")) {
    errors.collect([&] {
      key->allow_only({"potential", "prior", "expected"});
      settings.key_given = true;
      settings.key = {0, 0, 0};
      if (auto v = key->get("potential")) settings.key.potential = v->non_negative();
      if (auto v = key->get("prior")) settings.key.prior = v->non_negative();
      if (auto v = key->get("expected")) settings.key.expected = v->non_negative();
      if (settings.key.potential + settings.key.prior + settings.key.expected <= 0)
        key->fail("all weights are 0 (at least one must be > 0)");
    });
  }
  if (auto csv = node->get("prior_bookings_csv")) {
    errors.collect([&] {
      settings.prior_bookings_csv = read_csv_source(*csv, {"seat", "id", "bookings", "stage"});
      const std::string written = settings.prior_bookings_csv.path;
      settings.prior_bookings_csv.path = resolve_path(scenario, written);
      // Named with the scenario and the pointer that gives it (it read "missing.csv: no such
      // file" alone).
      if (!std::filesystem::is_regular_file(settings.prior_bookings_csv.path)) {
        csv->fail("'{}' ({}): no such file", written,
                  std::filesystem::absolute(settings.prior_bookings_csv.path).string());
      }
    });
  }
  errors.throw_if_any();
  return settings;
}

namespace {

//! Tiers, tier mode, cap and measurement of a plan or component (members of `item`); each
//! member's error is recorded in `errors` and the others read on.
template <class Terms>
void parse_pay_terms(const JsonNode& item, Terms& p, InputErrorCollector& errors) {
  bool tiers_read = true;  // the cap is checked against the tiers only when they were read
  if (auto tiers = item.get("tiers")) {
    // Every tier's errors at once (review: a plan with two bad tiers was told of the first only);
    // a tier is checked against the last one read.
    p.tiers.clear();
    bool listed = false;  // a non-empty array
    errors.collect([&] {
      if (tiers->size() == 0) tiers->fail("needs at least one tier");
      listed = true;
    });
    bool first = true;
    for (const auto& t : listed ? tiers->items() : std::vector<JsonNode>{}) {
      errors.collect([&] {
        t.allow_only({"from", "rate"});
        plan::Tier tier{t.at("from").number_in(0.0, 100.0, "an attainment (fraction of quota)"),
                        t.at("rate").number_in(0.0, 100.0, "a rate multiple")};
        if (first && tier.from != 0)
          t.at("from").fail("{} must be 0 (the first tier starts at 0% of quota)", tier.from);
        if (!p.tiers.empty() && tier.from <= p.tiers.back().from) {
          t.at("from").fail(
              "{} does not increase on the previous tier's {} (tiers must not overlap: strictly "
              "increasing from)",
              tier.from, p.tiers.back().from);
        }
        p.tiers.push_back(tier);
      });
      first = false;
    }
    tiers_read = listed && p.tiers.size() == tiers->size();
  }
  if (auto mode = item.get("tier_mode")) {
    errors.collect([&] {
      p.mode = choose<plan::TierMode>(
          *mode, "a tier mode",
          {{"marginal", plan::TierMode::marginal}, {"retroactive", plan::TierMode::retroactive}});
    });
  }
  if (auto cap = item.get("cap")) {
    errors.collect([&] {
      p.cap = cap->positive();
      const double on_target = std::max(1.0, p.earnings_factor(1.0));
      if (tiers_read && p.cap < on_target) {
        cap->fail(
            "{} caps variable pay below on-target pay (cap is a multiple of the on-target "
            "variable; allowed >= {})",
            p.cap, on_target);
      }
    });
  }
  if (auto m = item.get("measurement")) {
    errors.collect([&] {
      p.measurement = choose<plan::Measurement>(
          *m, "a measurement",
          {{"quarterly", plan::Measurement::quarterly}, {"annual", plan::Measurement::annual}});
    });
  }
}

//! The bit set of the product ids listed in `list` (the first 64 of the scenario's products).
std::uint64_t product_set(const JsonNode& list, const Scenario& scenario, std::string_view what) {
  std::vector<std::string> product_ids;
  for (const auto& product : scenario.products) product_ids.push_back(product.id);
  if (list.size() == 0) list.fail("is empty (name products, or leave the key out)");
  std::uint64_t set = 0;
  for (const auto& name : list.items()) {
    if (product_ids.empty())
      name.fail("\"{}\" is not a product: the scenario has no products", name.string());
    const int k = find_index(name, product_ids, "product");
    if (k >= 64)
      name.fail("product \"{}\" is number {} ({} cover the first 64 products)", product_ids[k],
                k + 1, what);
    set |= std::uint64_t{1} << k;
  }
  return set;
}

//! /plan/compensation/plans/i/components: the plan's tiers, mode, cap and measurement are
//! each component's defaults. Errors are recorded in `errors`.
std::vector<plan::Component> parse_components(const JsonNode& list, const plan::CompPlan& p,
                                              const Scenario& scenario, bool plan_terms_read,
                                              InputErrorCollector& errors) {
  if (list.size() == 0) list.fail("is empty (give at least one component, or leave the key out)");
  if (list.size() > plan::kMaxComponents)
    list.fail("has {} components (at most {})", list.size(), plan::kMaxComponents);
  std::vector<plan::Component> out;
  std::vector<std::string> ids;
  // Every component's id read: the gates are checked; and every weight: the sum is (a review
  // found a self-gate unreported beside another component's error).
  bool ids_complete = true, weights_complete = true;
  for (const auto& item : list.items()) {
    bool id_read = false, weight_read = false;
    // Kept however far it is read, so that out[i] is the i-th component for the gates below.
    plan::Component& c = out.emplace_back();
    errors.collect([&] {
      errors.collect([&] {
        item.allow_only({"id", "measure", "weight", "tiers", "tier_mode", "cap", "measurement",
                         "products", "quota_share", "quota", "target", "gate"});
      });
      c.id = item.at("id").id();
      if (std::find(ids.begin(), ids.end(), c.id) != ids.end())
        item.at("id").fail("\"{}\" is used twice (component ids are unique within a plan)", c.id);
      ids.push_back(c.id);
      id_read = true;
      c.measure = choose<plan::Measure>(item.at("measure"), "a measure",
                                        {{"new_bookings", plan::Measure::new_bookings},
                                         {"new_logos", plan::Measure::new_logos},
                                         {"retention", plan::Measure::retention}});
      errors.collect([&] {
        c.weight = item.at("weight").number_in(0.0, 1.0, "a weight (share of variable pay)");
        if (!(c.weight > 0)) item.at("weight").fail("0 pays nothing (allowed: above 0, up to 1)");
        weight_read = true;
      });
      c.tiers = p.tiers;
      c.mode = p.mode;
      c.cap = p.cap;
      c.measurement = p.measurement;
      const std::size_t terms = errors.size();
      parse_pay_terms(item, c, errors);
      // The cap against the tiers only when both were read (the plan's, when inherited).
      const bool own_terms = item.has("tiers") && item.has("cap");
      if (errors.size() == terms && (plan_terms_read || own_terms) &&
          c.cap < std::max(1.0, c.earnings_factor(1.0))) {
        errors.collect([&] {
          item.fail(
              "the cap {} (the plan's) is below this component's on-target pay {} (give the "
              "component its own cap)",
              c.cap, std::max(1.0, c.earnings_factor(1.0)));
        });
      }
      const auto only_for = [&](std::string_view key, plan::Measure measure,
                                std::string_view name) {
        if (item.has(key) && c.measure != measure) {
          errors.collect([&] {
            item.at(key).fail("applies to measure {} only (this component measures {})", name,
                              item.at("measure").string());
          });
        }
      };
      only_for("products", plan::Measure::new_bookings, "new_bookings");
      only_for("quota_share", plan::Measure::new_bookings, "new_bookings");
      only_for("quota", plan::Measure::new_logos, "new_logos");
      only_for("target", plan::Measure::retention, "retention");
      if (auto products = item.get("products"))
        errors.collect([&] { c.products = product_set(*products, scenario, "components"); });
      if (auto share = item.get("quota_share")) {
        errors.collect([&] {
          // Products given but refused above are reported there, not as missing here.
          if (c.products == 0 && !item.has("products"))
            share->fail("needs products (the share of the seat's quota in those products)");
          c.quota_share = share->number_in(0.0, 1.0, "a share of the seat's quota");
          if (!(c.quota_share > 0)) share->fail("0 is not allowed (above 0, up to 1)");
        });
      }
      if (auto quota = item.get("quota")) errors.collect([&] { c.quota = quota->positive(); });
      if (c.measure == plan::Measure::retention) {
        errors.collect([&] {
          c.target = item.at("target").number_in(0.0, 1.0, "a retention rate");
          if (!(c.target > 0)) item.at("target").fail("0 is not allowed (above 0, up to 1)");
        });
        const bool owned = std::any_of(scenario.contracts.begin(), scenario.contracts.end(),
                                       [](const Contract& k) { return k.owner >= 0; });
        if (!owned) {
          errors.collect([&] {
            item.at("measure").fail(
                "retention measures the seats' books, but no installed_base contract has an "
                "owner (give contracts an \"owner\": a roster rep or hiring-plan seat id)");
          });
        }
      }
    });
    // A component whose id could not be read leaves the ids incomplete, one whose weight failed
    // the sum unknown: the gates, or the sum, are not checked then (the error is reported).
    ids_complete = ids_complete && id_read;
    weights_complete = weights_complete && weight_read;
  }
  double total = 0;
  for (const auto& c : out) total += c.weight;
  if (weights_complete && std::abs(total - 1.0) > 1e-9) {
    errors.collect([&] {
      list.fail("weights sum to {:.6g} (the weights of a plan's components must sum to 1)", total);
    });
  }
  if (!ids_complete) return out;
  // Gates name another component of the same plan.
  for (std::size_t i = 0; i < out.size(); ++i) {
    const JsonNode item = list.at(i);
    auto gate = item.get("gate");
    if (!gate) continue;
    errors.collect([&] {
      gate->allow_only({"component", "attainment"});
      const JsonNode name = gate->at("component");
      const int k = find_index(name, ids, "component");
      if (static_cast<std::size_t>(k) == i) {
        std::vector<std::string> others = ids;
        others.erase(others.begin() + k);
        name.fail("\"{}\" gates itself (name another component of the plan{}{})", ids[k],
                  others.empty() ? "" : ": ", fmt::join(others, ", "));
      }
      out[i].gate = k;
      out[i].gate_attainment =
          gate->at("attainment").number_in(0.0, 100.0, "an attainment (fraction of quota)");
    });
  }
  return out;
}

}  // namespace

plan::CompSpec parse_comp_spec(const nlohmann::json& document, const Scenario& scenario) {
  plan::CompSpec spec;
  // Every error of the section is collected and reported together: per plan, component and
  // member.
  InputErrorCollector errors;
  const auto node = plan_section(document, scenario, "compensation", errors);
  if (!node) {
    errors.throw_if_any();
    return spec;
  }
  errors.collect([&] { node->allow_only({"plans", "budget"}); });
  // Pay is measured against the quotas as phased (/plan/quotas reports /plan's unknown keys).
  InputErrorCollector reported;
  if (const auto quotas = plan_section(document, scenario, "quotas", reported))
    errors.collect([&] {
      spec.phasing = read_phasing(*quotas);
      spec.rounding = read_rounding(*quotas);
    });
  if (auto budget = node->get("budget")) errors.collect([&] { spec.budget = budget->positive(); });
  const auto segments = segment_ids(scenario);
  bool have_plans = false;
  errors.collect([&] {
    if (node->at("plans").size() == 0) node->at("plans").fail("needs at least one plan");
    have_plans = true;
  });
  if (!have_plans) errors.throw_if_any();
  const JsonNode list = node->at("plans");
  std::vector<int> segment_plan(segments.size(), -1);
  std::vector<std::string> roles;  // held by some seat, in seat order
  for (const auto& seat : scenario.seats) {
    if (!seat.role.empty() && std::find(roles.begin(), roles.end(), seat.role) == roles.end())
      roles.push_back(seat.role);
  }
  std::vector<int> role_plan(roles.size(), -1);
  int default_plan = -1;
  for (const auto& item : list.items()) {
    // The plan is kept even when a member fails, so that the indices other plans' claims name
    // stay valid; nothing is returned while an error is recorded.
    const int index = static_cast<int>(spec.plans.size());
    spec.plans.emplace_back();
    plan::CompPlan& p = spec.plans.back();
    errors.collect([&] {
      item.allow_only({"id", "roles", "segments", "ote", "variable_share", "tiers", "tier_mode",
                       "cap", "measurement", "draw", "spif", "clawback_months", "proration",
                       "components"});
    });
    errors.collect([&] {
      p.id = item.at("id").string();
      // Review: two plans of one id were both kept, and every output named the seats of both
      // by it (an SE seat shown on the AE plan with the SE plan's OTE).
      for (int k = 0; k < index; ++k) {
        if (spec.plans[static_cast<std::size_t>(k)].id == p.id)
          item.at("id").fail(
              "\"{}\" is used twice (plan ids are unique; /plan/compensation/plans/{} has it)",
              p.id, k);
      }
    });
    // A plan covers the seats of its roles, then those of its segments without a role plan.
    const auto claim = [&](const JsonNode& names, const std::vector<std::string>& ids,
                           std::vector<int>& plan_of, std::string_view kind) {
      if (names.size() == 0)
        names.fail("is empty (name at least one {0}, or leave the key out)", kind);
      for (const auto& s : names.items()) {
        errors.collect([&] {
          if (ids.empty()) s.fail("no seat has a {0} (give roster reps or hires a \"{0}\")", kind);
          const int k = find_index(s, ids, kind);
          if (plan_of[k] >= 0) {
            s.fail("{} \"{}\" already has plan \"{}\" (one plan per {})", kind, ids[k],
                   spec.plans[plan_of[k]].id, kind);
          }
          plan_of[k] = index;
        });
      }
    };
    const auto list_roles = item.get("roles");
    const auto list_segments = item.get("segments");
    if (list_roles) errors.collect([&] { claim(*list_roles, roles, role_plan, "role"); });
    if (list_segments)
      errors.collect([&] { claim(*list_segments, segments, segment_plan, "segment"); });
    if (!list_roles && !list_segments) {
      errors.collect([&] {
        if (default_plan >= 0)
          item.fail("a second plan without roles or segments (only one default plan is allowed)");
        default_plan = index;
      });
    }
    errors.collect([&] { p.ote = item.at("ote").positive(); });
    errors.collect([&] {
      p.variable_share = item.at("variable_share").number_in(0.0, 1.0, "a share of OTE");
      if (!(p.variable_share > 0))
        item.at("variable_share")
            .fail("0 leaves nothing to pay on quota (allowed: above 0, up to 1)");
    });
    const std::size_t terms = errors.size();
    parse_pay_terms(item, p, errors);
    const bool terms_read = errors.size() == terms;
    if (auto draw = item.get("draw")) {
      errors.collect([&] {
        draw->allow_only({"kind", "per_month", "months"});
        errors.collect([&] {
          p.draw = choose<plan::DrawKind>(draw->at("kind"), "a draw kind",
                                          {{"recoverable", plan::DrawKind::recoverable},
                                           {"non_recoverable", plan::DrawKind::non_recoverable}});
        });
        errors.collect([&] { p.draw_per_month = draw->at("per_month").positive(); });
        errors.collect(
            [&] { p.draw_months = static_cast<int>(draw->at("months").integer(1, 36)); });
      });
    }
    if (auto spif = item.get("spif")) {
      errors.collect([&] {
        spif->allow_only({"per_deal", "segments", "products"});
        errors.collect([&] { p.spif_per_deal = spif->at("per_deal").positive(); });
        bool named = false;
        if (auto list_segments = spif->get("segments")) {
          named = true;
          for (const auto& s : list_segments->items())
            errors.collect([&] { p.spif_segments.push_back(find_index(s, segments, "segment")); });
        }
        if (auto list_products = spif->get("products")) {
          named = true;
          errors.collect([&] {
            const std::uint64_t set = product_set(*list_products, scenario, "SPIFs");
            for (int k = 0; k < 64; ++k)
              if (set >> k & 1) p.spif_products.push_back(k);
          });
        }
        if (!named) spif->fail("names no segment or product (give segments or products)");
      });
    }
    if (auto c = item.get("clawback_months"))
      errors.collect([&] { p.clawback_months = static_cast<int>(c->integer(0, 60)); });
    if (auto r = item.get("proration")) {
      errors.collect([&] {
        p.proration = choose<plan::Proration>(
            *r, "a proration",
            {{"months", plan::Proration::months}, {"quota_share", plan::Proration::quota_share}});
      });
    }
    // Components inherit the plan's pay terms; they are read, and their own errors reported,
    // even when the plan's failed (review: a measure typo went unreported beside a tier error).
    if (auto components = item.get("components")) {
      errors.collect(
          [&] { p.components = parse_components(*components, p, scenario, terms_read, errors); });
    }
  }
  errors.throw_if_any();
  spec.seat_plan.resize(scenario.seats.size());
  for (std::size_t s = 0; s < scenario.seats.size(); ++s) {
    const Seat& seat = scenario.seats[s];
    const auto role = std::find(roles.begin(), roles.end(), seat.role);
    const int by_role =
        role == roles.end() ? -1 : role_plan[static_cast<std::size_t>(role - roles.begin())];
    const int by_segment = segment_plan[seat.segment];
    spec.seat_plan[s] = by_role >= 0 ? by_role : by_segment >= 0 ? by_segment : default_plan;
  }
  // Seats that no plan covers are paid nothing and their cost is not in the plan's cost (nor
  // in the cost of sales, over the company's bookings): said, not silent (review: 4 of 5 seats
  // uncovered gave a cost of sales of one seat's pay).
  std::vector<std::string> uncovered;
  for (std::size_t s = 0; s < scenario.seats.size(); ++s)
    if (spec.seat_plan[s] < 0) uncovered.push_back(scenario.seats[s].id);
  if (!spec.plans.empty() && !uncovered.empty()) {
    spec.warnings.push_back(fmt::format(
        "{} of {} seats have no compensation plan (no plan's roles or segments cover them and "
        "there is no default plan), so their pay is left out of the cost and the cost of sales: "
        "{}",
        uncovered.size(), scenario.seats.size(), list_some(uncovered, 8)));
  }
  // Components that some of a plan's seats can never earn pay them 0: said, not silent.
  std::vector<char> owns(scenario.seats.size(), 0);
  for (const Contract& c : scenario.contracts)
    if (c.owner >= 0) owns[static_cast<std::size_t>(c.owner)] = 1;
  for (std::size_t p = 0; p < spec.plans.size(); ++p) {
    const auto& components = spec.plans[p].components;
    // Per component and seat: it can never be earned, for want of a book or a product, or
    // because it is gated on one that can never be (review: a bookings component gated on
    // retention paid a seat without a book 0, and the warning named retention alone).
    std::vector<std::vector<char>> never(components.size(),
                                         std::vector<char>(scenario.seats.size(), 0));
    for (std::size_t c = 0; c < components.size(); ++c) {
      for (std::size_t s = 0; s < scenario.seats.size(); ++s)
        never[c][s] = (components[c].measure == plan::Measure::retention && !owns[s]) ||
                      (components[c].products != 0 && scenario.seats[s].overlay);
    }
    for (std::size_t pass = 0; pass < components.size(); ++pass) {  // gates may chain
      for (std::size_t c = 0; c < components.size(); ++c) {
        const int gate = components[c].gate;
        if (gate < 0) continue;
        for (std::size_t s = 0; s < scenario.seats.size(); ++s)
          never[c][s] |= never[static_cast<std::size_t>(gate)][s];
      }
    }
    for (std::size_t c = 0; c < components.size(); ++c) {
      const plan::Component& k = components[c];
      std::vector<std::string> ids;
      std::size_t covered = 0;
      for (std::size_t s = 0; s < scenario.seats.size(); ++s) {
        if (spec.seat_plan[s] != static_cast<int>(p)) continue;
        ++covered;
        if (never[c][s]) ids.push_back(scenario.seats[s].id);
      }
      if (ids.empty()) continue;
      const bool own = k.measure == plan::Measure::retention || k.products != 0;
      spec.warnings.push_back(fmt::format(
          "plan {} component {}: {} of its {} seats can never earn it ({}), so it pays them 0 "
          "({})",
          spec.plans[p].id, k.id, ids.size(), covered,
          !own ? fmt::format("its gate, component {}, is never reached for them",
                             components[static_cast<std::size_t>(k.gate)].id)
          : k.measure == plan::Measure::retention ? "they own no installed-base contract"
                                                  : "overlay credit carries no product",
          list_some(ids, 8)));
    }
  }
  return spec;
}

std::vector<std::string> check_plan_sections(const nlohmann::json& document,
                                             const Scenario& scenario) {
  const auto plan = document.find("plan");
  if (plan == document.end()) return {};
  // The sections' errors are reported together (a message repeated by two sections, such as
  // an unknown key of /plan, once).
  InputErrorCollector errors;
  std::vector<std::string> warnings;
  if (plan->is_object() && plan->contains("capacity"))
    errors.collect([&] { (void)parse_capacity_spec(document, scenario); });
  errors.collect([&] {
    // The prior bookings are read as `quotas` reads them: validate passes what quotas refuses.
    const QuotaSettings settings = parse_quota_settings(document, scenario);
    if (!settings.prior_bookings_csv.path.empty())
      (void)read_seat_amounts(settings.prior_bookings_csv, scenario, "bookings", false);
  });
  errors.collect([&] { warnings = parse_comp_spec(document, scenario).warnings; });
  throw_plan_errors(errors);
  // The year quotas and capacity plan (without --fiscal-year) must lie wholly in the horizon.
  // A warning, not an error: the plan's compensation and hire costs also price `compare`, over
  // every fiscal year the horizon touches (the decision examples' FY2028 starts before theirs).
  std::string refusal;
  try {
    (void)planned_plan_year(document, scenario);
    refusal = missing_plan_target(document, scenario);
  } catch (const InputError& e) {
    refusal = e.what();
  }
  if (!refusal.empty())
    warnings.push_back(
        fmt::format("opsim quotas and opsim capacity will refuse this plan: {}", refusal));
  return warnings;
}

LoadedScenario load_planned_scenario(const std::string& path, const InputOptions& options) {
  try {
    return load_scenario_and_document(path, options);
  } catch (const InputError&) {
    const std::exception_ptr original = std::current_exception();
    InputErrorCollector errors;
    errors.collect([&] { std::rethrow_exception(original); });
    // Without the overlays: does the rest load, and what do the plan sections say?
    Scenario scenario;
    nlohmann::json document;
    try {
      document = read_scenario_document(path).document;
      const auto plan = document.find("plan");
      if (plan == document.end() || !plan->is_object() || !plan->contains("overlays")) throw;
      nlohmann::json without = document;
      without["plan"].erase("overlays");
      const std::string folder = std::filesystem::path(path).parent_path().string();
      CsvCache cache(options);
      scenario = build_scenario(without, path, folder.empty() ? "." : folder, &cache);
    } catch (const InputError&) {
      std::rethrow_exception(original);
    }
    errors.collect([&] { (void)check_plan_sections(document, scenario); });
    throw_plan_errors(errors);
    throw;
  }
}

std::vector<double> read_seat_amounts(const CsvSource& source, const Scenario& scenario,
                                      const std::string& column, bool positive) {
  // Ragged rows are collected with the other bad rows below instead of ending the read at the
  // first.
  const CsvTable read = CsvTable::read(source.path, /*allow_ragged=*/true);
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
  // Every bad row is reported at once (the first kCsvErrorLimit of them), so that a planner
  // fixes an export in one round.
  InputErrorCollector errors(kCsvErrorLimit, AtErrorLimit::count);
  std::vector<char> seen(scenario.seats.size(), 0);
  for (const auto& row : table.rows()) {
    errors.collect([&] {
      if (row.get().fields.size() != read.header().size())
        throw_input("{}: {}", table.where(row),
                    field_count_mismatch(row.get().fields.size(), read.header().size()));
      const std::string& id = table.text(row, seat_column);
      auto it = index.find(id);
      if (it == index.end()) {
        const std::string suggestion = did_you_mean(id, ids);
        throw_input(
            "{}: column '{}': unknown seat \"{}\"{} (seats are roster rep ids and hiring-plan "
            "ids such as hire/NA/SMB/2027-03/1)",
            table.where(row), table.header()[seat_column], id,
            suggestion.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", suggestion));
      }
      if (seen[it->second]++ > 0)
        throw_input("{}: seat \"{}\" appears twice", table.where(row), id);
      const double v = table.number(row, amount);
      if (positive ? !(v > 0) : v < 0) {
        throw_input("{}: column '{}': {} is not allowed (must be {})", table.where(row), column, v,
                    positive ? "> 0" : ">= 0");
      }
      values[it->second] = v;
    });
  }
  errors.throw_if_any();
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
