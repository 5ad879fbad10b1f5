#include "sim/io/assumptions.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include <fmt/format.h>

#include "sim/base/error.hpp"
#include "sim/io/json_pointer.hpp"
#include "sim/io/json_reader.hpp"
#include "sim/io/number_format.hpp"
#include "sim/io/scenario_loader.hpp"

namespace opsim {

bool read_by_cost_loader(const std::string& pointer) {
  return pointer.rfind("/costs/", 0) == 0 || pointer.rfind("/plan/", 0) == 0;
}

namespace {

using Family = Distribution::Family;
using json = nlohmann::json;

//! Parts of a scenario that are not drawn per trial: the horizon, the actuals, the targets and
//! the run settings are facts or questions, not assumptions.
constexpr std::string_view kFixedRoots[] = {"/horizon", "/actuals", "/targets", "/simulation",
                                            "/schema_version"};

//! Sections whose typed form depends on no other section's numbers (seats, open pipeline,
//! installed base): built once when no uncertain parameter lies inside them.
constexpr std::string_view kStructuralRoots[] = {"/roster/", "/hiring_plan/", "/pipeline/",
                                                 "/installed_base/", "/territory_potential/"};

//! A root member whose numbers the cost loader reads (read_by_cost_loader).
bool cost_section(const json::json_pointer& at, const std::string& key) {
  return at.empty() && read_by_cost_loader("/" + key + "/");
}

//! Whether two scenarios have the same seats (the same entities, in order).
bool same_seats(const Scenario& a, const Scenario& b) {
  return std::equal(a.seats.begin(), a.seats.end(), b.seats.begin(), b.seats.end(),
                    [](const Seat& x, const Seat& y) { return x.key == y.key; });
}

//! Every distribution in `value` but those the cost loader reads.
void collect(const json& value, const json::json_pointer& at,
             std::vector<std::pair<json::json_pointer, const json*>>& out) {
  if (value.is_object()) {
    if (value.contains("dist")) {
      out.emplace_back(at, &value);
      return;
    }
    for (const auto& [key, member] : value.items()) {
      if (!cost_section(at, key)) collect(member, at / key, out);
    }
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) collect(value[i], at / i, out);
  }
}

}  // namespace

Distribution read_distribution(const JsonNode& node) {
  const std::string family = node.at("dist").string();
  Distribution d;
  auto bounds = [&](double lo, double hi) {
    if (!(lo < hi)) node.fail("min {} must be below max {}", lo, hi);
  };
  if (family == "triangular" || family == "pert") {
    node.allow_only({"dist", "min", "mode", "max"});
    d.family = family == "pert" ? Family::pert : Family::triangular;
    d.p1 = node.at("min").number();
    d.p2 = node.at("mode").number();
    d.p3 = node.at("max").number();
    bounds(d.p1, d.p3);
    if (d.p2 < d.p1 || d.p2 > d.p3)
      node.fail("mode {} is not within min..max ({}..{})", d.p2, d.p1, d.p3);
  } else if (family == "uniform") {
    node.allow_only({"dist", "min", "max"});
    d.family = Family::uniform;
    d.p1 = node.at("min").number();
    d.p2 = node.at("max").number();
    bounds(d.p1, d.p2);
  } else if (family == "normal") {
    node.allow_only({"dist", "mean", "sd", "min", "max"});
    d.family = Family::normal;
    d.p1 = node.at("mean").number();
    d.p2 = node.at("sd").positive();
    if (auto lo = node.get("min")) d.lower = lo->number();
    if (auto hi = node.get("max")) d.upper = hi->number();
    if (!(d.lower < d.upper)) node.fail("min {} must be below max {}", d.lower, d.upper);
  } else if (family == "lognormal") {
    node.allow_only({"dist", "mean", "cv"});
    d.family = Family::lognormal;
    d.p1 = node.at("mean").positive();
    d.p2 = node.at("cv").positive();
  } else if (family == "beta") {
    node.allow_only({"dist", "alpha", "beta"});
    d.family = Family::beta;
    d.p1 = node.at("alpha").positive();
    d.p2 = node.at("beta").positive();
  } else {
    node.at("dist").fail(
        "\"{}\" is not a distribution (triangular, pert, uniform, normal, lognormal or beta)",
        family);
  }
  return d;
}

namespace {

std::string show_range(const NumberUse& use) {
  auto end = [](double v) { return std::isfinite(v) ? format_user_value(v) : std::string(); };
  if (!std::isfinite(use.hi)) return fmt::format(">= {}", end(use.lo));
  return fmt::format("{}..{}", end(use.lo), end(use.hi));
}

}  // namespace

namespace {

//! Without building pointers: every trial's rebuild asks this of a document that may hold long
//! empirical lists.
bool holds_distribution(const json& value) {
  if (value.is_object()) {
    if (value.contains("dist")) return true;
    return std::any_of(value.begin(), value.end(),
                       [](const json& member) { return holds_distribution(member); });
  }
  if (value.is_array()) {
    return std::any_of(value.begin(), value.end(),
                       [](const json& item) { return holds_distribution(item); });
  }
  return false;
}

}  // namespace

bool has_distributions(const json& document) {
  // A cost's distribution is drawn by the costs (cost_loader), not by rebuilding the scenario.
  if (!document.is_object()) return holds_distribution(document);
  if (document.contains("dist")) return true;
  for (const auto& [key, member] : document.items()) {
    if (!cost_section(json::json_pointer(), key) && holds_distribution(member)) return true;
  }
  return false;
}

std::string describe_distribution(const Distribution& d) {
  // Thousands separated for people (review: "pert(min 40000, mode 50000, max 80000)").
  auto v = [](double x) { return format_user_value_grouped(x); };
  switch (d.family) {
    case Family::triangular:
    case Family::pert:
      return fmt::format("{}(min {}, mode {}, max {})", d.name(), v(d.p1), v(d.p2), v(d.p3));
    case Family::uniform:
      return fmt::format("uniform(min {}, max {})", v(d.p1), v(d.p2));
    case Family::normal: {
      std::string text = fmt::format("normal(mean {}, sd {}", v(d.p1), v(d.p2));
      if (std::isfinite(d.lower) || std::isfinite(d.upper)) {
        text += fmt::format(", truncated to {}..{}", std::isfinite(d.lower) ? v(d.lower) : "",
                            std::isfinite(d.upper) ? v(d.upper) : "");
      }
      return text + ")";
    }
    case Family::lognormal:
      return fmt::format("lognormal(mean {}, cv {})", v(d.p1), v(d.p2));
    case Family::beta:
      return fmt::format("beta(alpha {}, beta {})", v(d.p1), v(d.p2));
  }
  return d.name();
}

std::vector<std::string> describe_assumptions(const Scenario& scenario) {
  std::vector<std::string> lines;
  for (const auto& p : scenario.uncertain)
    lines.push_back(fmt::format("{}: {}", p.name(), describe_distribution(p.distribution)));
  return lines;
}

namespace {

//! "/regions/0/seasonality/11" -> "/regions/*/seasonality/*".
std::string pointer_pattern(const std::string& pointer) {
  std::string pattern;
  std::size_t start = 1;
  while (start <= pointer.size()) {
    std::size_t end = pointer.find('/', start);
    if (end == std::string::npos) end = pointer.size();
    const std::string token = pointer.substr(start, end - start);
    const bool index = !token.empty() && std::all_of(token.begin(), token.end(),
                                                     [](char c) { return c >= '0' && c <= '9'; });
    pattern += "/" + (index ? std::string("*") : token);
    start = end + 1;
  }
  return pattern;
}

}  // namespace

std::optional<std::string> describe_estimation_errors(const MarketSpec& market) {
  auto range = [](const std::vector<double>& sds) {
    const auto [low, high] = std::minmax_element(sds.begin(), sds.end());
    return format_significant_range(*low, *high, 3);
  };
  auto any = [](const std::vector<double>& sds) {
    return std::any_of(sds.begin(), sds.end(), [](double sd) { return sd > 0; });
  };
  std::vector<std::string> parts;
  if (any(market.level_uncertainty))
    parts.push_back(
        fmt::format("the log level of each region (sd {})", range(market.level_uncertainty)));
  if (market.growth_uncertainty > 0 || any(market.region_growth_uncertainty)) {
    std::string growth = fmt::format("the monthly log growth (sd {} shared",
                                     format_significant(market.growth_uncertainty, 3));
    if (any(market.region_growth_uncertainty))
      growth += fmt::format(", {} each region's own", range(market.region_growth_uncertainty));
    parts.push_back(growth + ")");
  }
  if (parts.empty()) return std::nullopt;
  return fmt::format("/market: estimation errors of {}", fmt::join(parts, " and "));
}

namespace {

std::vector<std::string> summarise_parameters(const Scenario& scenario, std::size_t max_lines) {
  if (scenario.uncertain.size() <= max_lines) return describe_assumptions(scenario);
  struct Group {
    std::string pattern;
    const UncertainParameter* first;
    std::size_t count = 0;
    double low = 0, high = 0;
  };
  std::vector<Group> groups;  // in order of first appearance
  for (const auto& p : scenario.uncertain) {
    const std::string pattern = pointer_pattern(p.pointer);
    const double mean = p.distribution.mean();
    auto group = std::find_if(groups.begin(), groups.end(), [&](const Group& g) {
      return g.pattern == pattern && g.first->distribution.family == p.distribution.family;
    });
    if (group == groups.end()) {
      groups.push_back({pattern, &p, 1, mean, mean});
      continue;
    }
    ++group->count;
    group->low = std::min(group->low, mean);
    group->high = std::max(group->high, mean);
  }
  std::vector<std::string> lines;
  for (const Group& g : groups) {
    lines.push_back(
        g.count == 1
            ? fmt::format("{}: {}", g.first->name(), describe_distribution(g.first->distribution))
            : fmt::format("{}: {} {}, means {}", g.pattern, g.count, g.first->distribution.name(),
                          format_significant_range(g.low, g.high)));
  }
  lines.push_back(
      fmt::format("({} uncertain parameters; each is listed in full in a run's results "
                  "file, /scenario/uncertain_parameters)",
                  format_grouped(static_cast<double>(scenario.uncertain.size()))));
  return lines;
}

}  // namespace

std::vector<std::string> summarise_assumptions(const Scenario& scenario, std::size_t max_lines) {
  std::vector<std::string> lines = summarise_parameters(scenario, max_lines);
  if (auto errors = describe_estimation_errors(scenario.market)) lines.push_back(*errors);
  return lines;
}

Scenario build_uncertain_scenario(const json& document, const std::string& file,
                                  const std::string& base_dir, CsvCache* cache) {
  std::vector<std::pair<json::json_pointer, const json*>> found;
  collect(document, json::json_pointer(), found);
  std::vector<UncertainParameter> parameters;
  auto nominal = std::make_shared<json>(document);
  for (const auto& [pointer, spec] : found) {
    const JsonNode node(*spec, file, pointer.to_string());
    for (std::string_view root : kFixedRoots) {
      if (pointer.to_string().rfind(root, 0) == 0)
        node.fail("{} is not an assumption and cannot be a distribution", root.substr(1));
    }
    parameters.push_back({pointer.to_string(), read_distribution(node), {}});
  }
  // Every build below reads the CSV files from this cache, which the per-trial builds keep.
  auto own_cache = cache ? std::make_shared<CsvCache>(*cache) : std::make_shared<CsvCache>();

  // The scenario at the means, recording the range the loader checks each number against.
  auto set_means = [&] {
    for (std::size_t i = 0; i < parameters.size(); ++i)
      (*nominal)[json::json_pointer(parameters[i].pointer)] = parameters[i].distribution.mean();
  };
  set_means();
  std::map<std::string, NumberUse> uses;
  Scenario scenario = [&] {
    NumberUseRecorder recorder;
    try {
      Scenario s = build_scenario(*nominal, file, base_dir, own_cache.get());
      uses = recorder.uses();
      return s;
    } catch (const InputError& e) {
      // Say the means were used only when the message is about an uncertain parameter.
      const std::string message = e.what();
      const bool about_a_distribution =
          std::any_of(parameters.begin(), parameters.end(), [&](const UncertainParameter& p) {
            return message.find(p.pointer + ":") != std::string::npos ||
                   message.find(p.pointer + " ") != std::string::npos;
          });
      if (!about_a_distribution) throw;
      throw InputError(fmt::format("{} (uncertain parameters at their means)", message));
    }
  }();

  for (std::size_t i = 0; i < parameters.size(); ++i) {
    UncertainParameter& p = parameters[i];
    const JsonNode node(*found[i].second, file, p.pointer);
    const auto use = uses.find(p.pointer);
    if (use == uses.end())
      node.fail("a distribution may only replace a number the scenario reads as one");
    if (use->second.integer)
      node.fail(
          "takes a whole number ({}); a distribution is allowed only for continuous "
          "parameters",
          show_range(use->second));
    Distribution& d = p.distribution;
    if (d.family == Family::normal) {
      // Truncated to the parameter's valid range unless explicit bounds are narrower.
      d.lower = std::max(d.lower, use->second.lo);
      d.upper = std::min(d.upper, use->second.hi);
      if (!(d.lower < d.upper))
        node.fail("the bounds leave nothing of the allowed range {}", show_range(use->second));
    }
    for (auto [end, value] :
         {std::pair<const char*, double>{"min", d.support_low()}, {"max", d.support_high()}}) {
      if (value < use->second.lo || value > use->second.hi) {
        node.fail("the {} distribution reaches {} ({}), outside the allowed range {}", d.name(),
                  std::isfinite(value) ? format_user_value(value) : "infinity", end,
                  show_range(use->second));
      }
    }
  }
  set_means();  // the normals' truncation moves their means
  if (!parameters.empty()) scenario = build_scenario(*nominal, file, base_dir, own_cache.get());

  // The scenario must be valid over the whole range: each parameter at each finite end it can
  // take (a lognormal only approaches its low end, 0, which a positive parameter refuses).
  for (const UncertainParameter& p : parameters) {
    for (auto [end, value] : {std::pair<const char*, double>{"min", p.distribution.support_low()},
                              {"max", p.distribution.support_high()}}) {
      if (!std::isfinite(value)) continue;
      if (p.distribution.family == Family::lognormal && std::string_view(end) == "min") continue;
      json at_end = *nominal;
      at_end[json::json_pointer(p.pointer)] = value;
      try {
        (void)build_scenario(at_end, file, base_dir, own_cache.get());
      } catch (const InputError& e) {
        throw InputError(fmt::format("{} (at the {} of the distribution at {}: {})", e.what(), end,
                                     p.pointer, format_user_value(value)));
      }
    }
  }

  for (UncertainParameter& p : parameters)
    p.words = pointer_words(document, json::json_pointer(p.pointer));
  scenario.uncertain = parameters;
  std::vector<json::json_pointer> pointers;
  for (const auto& p : parameters) pointers.emplace_back(p.pointer);
  // The seats, open pipeline and installed base (most of a large scenario's building) do not
  // depend on other sections' numbers: when no uncertain parameter lies inside them, each trial
  // builds the rest and takes them from the scenario at the means.
  const auto structural = std::find_if(parameters.begin(), parameters.end(), [](const auto& p) {
    return std::any_of(std::begin(kStructuralRoots), std::end(kStructuralRoots),
                       [&](std::string_view root) { return p.pointer.rfind(root, 0) == 0; });
  });
  const bool reuse = structural == parameters.end();
  auto trial_document = std::make_shared<json>(*nominal);
  if (reuse) {
    for (std::string_view root : kStructuralRoots)
      trial_document->erase(std::string(root.substr(1, root.size() - 2)));
    // Overlays bind to seats, which each trial takes from the running scenario.
    if (auto plan = trial_document->find("plan");
        plan != trial_document->end() && plan->is_object())
      plan->erase("overlays");
  }
  std::shared_ptr<const json> means = trial_document;
  const std::string drawn_structure = reuse ? std::string() : structural->pointer;
  scenario.with_values = [means, pointers, file, base_dir, own_cache, reuse, drawn_structure](
                             const Scenario& running, const std::vector<double>& values) {
    json drawn = *means;
    for (std::size_t i = 0; i < pointers.size(); ++i) drawn[pointers[i]] = values[i];
    // The cache already holds every CSV file (read by the builds above): lookups only.
    Scenario trial = build_scenario(drawn, file, base_dir, own_cache.get());
    if (reuse) {
      trial.seats = running.seats;
      trial.overlays = running.overlays;
      trial.pipeline = running.pipeline;
      trial.contracts = running.contracts;
    } else if (!same_seats(trial, running)) {
      throw InputError(fmt::format(
          "{}: {}: an uncertain parameter inside the organisation (roster, hiring plan, "
          "pipeline, installed base, territory potential) cannot be combined with a command "
          "that simulates other seats than the scenario's (opsim capacity): give it as a number",
          file, drawn_structure));
    }
    return std::make_shared<const Scenario>(std::move(trial));
  };
  return scenario;
}

}  // namespace opsim
