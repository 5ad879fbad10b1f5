#include "sim/io/scenario_money.hpp"

#include <functional>
#include <set>
#include <vector>

#include <fmt/format.h>

namespace opsim {

namespace {

//! Every deal_size shared by several regions: segments', products' and those of overrides
//! without a region.
void for_each_shared_deal_size(const nlohmann::json& document,
                               const std::function<void(const nlohmann::json::json_pointer&)>& f) {
  for (const char* list : {"segments", "products"}) {
    if (!document.contains(list) || !document[list].is_array()) continue;
    for (std::size_t i = 0; i < document[list].size(); ++i) {
      if (document[list][i].is_object() && document[list][i].contains("deal_size"))
        f(nlohmann::json::json_pointer(fmt::format("/{}/{}/deal_size", list, i)));
    }
  }
  if (!document.contains("overrides") || !document["overrides"].is_array()) return;
  for (std::size_t i = 0; i < document["overrides"].size(); ++i) {
    const auto& item = document["overrides"][i];
    if (item.is_object() && !item.contains("region") && item.contains("set") &&
        item["set"].is_object() && item["set"].contains("deal_size"))
      f(nlohmann::json::json_pointer(fmt::format("/overrides/{}/set/deal_size", i)));
  }
}

bool states_currency(const nlohmann::json& deal_size) {
  return deal_size.is_object() && deal_size.contains("currency");
}

//! Whether an override sets a whole-horizon deal size for `region` (and `segment`, when it
//! names one): the shared size is then not read in that region.
bool overridden_in(const nlohmann::json& document, const std::string& region,
                   const std::string& segment) {
  if (!document.contains("overrides") || !document["overrides"].is_array()) return false;
  for (const auto& item : document["overrides"]) {
    if (!item.is_object() || item.value("region", std::string()) != region) continue;
    if (item.contains("segment") && item.value("segment", std::string()) != segment) continue;
    if (item.contains("from")) continue;  // from a month on: the shared size applies before
    if (item.contains("set") && item["set"].is_object() && item["set"].contains("deal_size"))
      return true;
  }
  return false;
}

//! Currencies of the regions that read the shared deal size at `at` (a segment's size is not
//! read where an override replaces it for that region).
std::set<std::string> reading_currencies(const nlohmann::json& document, const Scenario& scenario,
                                         const nlohmann::json::json_pointer& at) {
  std::string segment;
  if (at.to_string().rfind("/segments/", 0) == 0) {
    const auto& item = document.at(at.parent_pointer());
    segment = item.value("id", std::string());
  }
  std::set<std::string> codes;
  for (const Region& region : scenario.regions) {
    if (!segment.empty() && overridden_in(document, region.id, segment)) continue;
    codes.insert(scenario.fx.currencies[region.currency].code);
  }
  return codes;
}

//! A shared size is a trap when a region reads it in a currency other than the reporting one.
bool read_outside_reporting(const nlohmann::json& document, const Scenario& scenario,
                            const nlohmann::json::json_pointer& at) {
  const std::string& reporting = scenario.fx.currencies[scenario.fx.reporting].code;
  for (const std::string& code : reading_currencies(document, scenario, at))
    if (code != reporting) return true;
  return false;
}

}  // namespace

int stated_currency(const JsonNode& value, const FxSpec& fx, int fallback) {
  if (!value.is_object() || !value.has("currency")) return fallback;
  const JsonNode node = value.at("currency");
  const std::string code = node.string();
  if (code == "local") return kRegionCurrency;
  std::vector<std::string> known{"local"};
  for (std::size_t i = 0; i < fx.currencies.size(); ++i) {
    if (fx.currencies[i].code == code) return static_cast<int>(i);
    known.push_back(fx.currencies[i].code);
  }
  node.fail("unknown currency \"{}\" (known: {}; \"local\" = each region's own currency)", code,
            fmt::join(known.begin() + 1, known.end(), ", "));
}

int default_deal_size_currency(int schema_version, const FxSpec& fx, bool regional) {
  return schema_version < 2 || regional ? kRegionCurrency : fx.reporting;
}

double to_region_factor(const Scenario& scenario, int currency, int region) {
  const int to = scenario.regions[static_cast<std::size_t>(region)].currency;
  if (currency == kRegionCurrency || currency == to) return 1.0;
  const auto& c = scenario.fx.currencies;
  return c[static_cast<std::size_t>(currency)].plan_rate /
         c[static_cast<std::size_t>(to)].plan_rate;
}

void scale_deal_size(SegmentParams& params, double factor) {
  if (factor == 1.0) return;
  params.deal_size.mean *= factor;
  for (double& amount : params.deal_size_sample) amount *= factor;
}

std::optional<std::string> currency_trap_note(const nlohmann::json& document,
                                              const Scenario& scenario) {
  std::vector<std::string> places;
  std::set<std::string> codes;
  for_each_shared_deal_size(document, [&](const nlohmann::json::json_pointer& at) {
    if (states_currency(document.at(at)) || !read_outside_reporting(document, scenario, at)) return;
    places.push_back(at.to_string());
    const auto reading = reading_currencies(document, scenario, at);
    codes.insert(reading.begin(), reading.end());
  });
  if (codes.size() < 2) return std::nullopt;
  if (places.empty()) return std::nullopt;
  return fmt::format(
      "schema_version 1: the shared deal sizes at {} are read in each region's own currency "
      "(regions use {}), so one number means different amounts; `opsim upgrade` rewrites the file "
      "as schema_version 2 (shared amounts in the reporting currency {}) stating \"currency\": "
      "\"local\" where this meaning must be kept",
      fmt::join(places, ", "), fmt::join(codes, ", "),
      scenario.fx.currencies[static_cast<std::size_t>(scenario.fx.reporting)].code);
}

nlohmann::json upgrade_document(const nlohmann::json& document, const Scenario& scenario) {
  nlohmann::json upgraded = document;
  upgraded["schema_version"] = kSchemaVersion;
  bool all_reporting = true;
  for (const Region& region : scenario.regions)
    all_reporting = all_reporting && region.currency == scenario.fx.reporting;
  if (all_reporting) return upgraded;  // reporting and regional currency are the same
  for_each_shared_deal_size(document, [&](const nlohmann::json::json_pointer& at) {
    if (!states_currency(document.at(at)) && read_outside_reporting(document, scenario, at))
      upgraded[at]["currency"] = "local";
  });
  return upgraded;
}

}  // namespace opsim
