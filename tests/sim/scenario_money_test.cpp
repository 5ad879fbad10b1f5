#include "sim/io/scenario_money.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/base/error.hpp"
#include "tests/scenario_builder.hpp"

namespace opsim {
namespace {

using test::expect_identical;
using test::run;
using test::scenario_from_json;
using ::testing::HasSubstr;

constexpr double kEurRate = 1.08, kJpyRate = 0.0068;  // USD per unit

//! The analyst's case: three regions in USD, EUR and JPY, one segment whose deal size is stated
//! once, reps in every region.
nlohmann::json trap_document(int schema_version) {
  nlohmann::json doc = test::base_document(12);
  doc["schema_version"] = schema_version;
  doc["fx"] = {{"currencies",
                {{{"code", "EUR"}, {"plan_rate", kEurRate}, {"annual_volatility", 0.08}},
                 {{"code", "JPY"}, {"plan_rate", kJpyRate}, {"annual_volatility", 0.1}}}}};
  doc["regions"] = {{{"id", "AMER"}},
                    {{"id", "EMEA"}, {"currency", "EUR"}},
                    {{"id", "APJ"}, {"currency", "JPY"}}};
  doc["segments"] = {{{"id", "SMB"},
                      {"opportunity_rate", 3},
                      {"win_rate", 0.3},
                      {"deal_size", {{"mean", 45000}, {"cv", 0.5}}}}};
  nlohmann::json reps = nlohmann::json::array();
  for (const char* region : {"AMER", "EMEA", "APJ"}) {
    for (int i = 0; i < 3; ++i)
      reps.push_back({{"id", fmt::format("{}-{}", region, i)},
                      {"region", region},
                      {"segment", "SMB"},
                      {"start", "2026-01"}});
  }
  doc["roster"] = {{"reps", reps}};
  return doc;
}

TEST(SharedMoney, TrapCaseGivesTheSameResultsInTheReportingCurrencyOrPerRegion) {
  const Scenario stated_once = scenario_from_json(trap_document(2));
  // The same deal size stated per region, at plan rates, by regional overrides.
  nlohmann::json per_region = trap_document(2);
  per_region["overrides"] = {
      {{"region", "EMEA"},
       {"set", {{"deal_size", {{"mean", 45000 * (1.0 / kEurRate)}, {"cv", 0.5}}}}}},
      {{"region", "APJ"},
       {"set", {{"deal_size", {{"mean", 45000 * (1.0 / kJpyRate)}, {"cv", 0.5}}}}}}};
  const Scenario stated_per_region = scenario_from_json(per_region);
  EXPECT_DOUBLE_EQ(stated_once.params_at(2, 0, 0).deal_size.mean, 45000 / kJpyRate);
  expect_identical(run(stated_once, 200, 3), run(stated_per_region, 200, 3));
  // The same value read as yen (version 1) is another forecast: the comparison can fail.
  const RunResult v1 = run(scenario_from_json(trap_document(1)), 200, 3);
  EXPECT_NE(v1.period_values, run(stated_once, 200, 3).period_values);
}

TEST(SharedMoney, AValueMayStateItsCurrencyOrLocal) {
  nlohmann::json doc = trap_document(2);
  doc["segments"][0]["deal_size"]["currency"] = "EUR";
  Scenario s = scenario_from_json(doc);
  EXPECT_EQ(s.params_at(1, 0, 0).deal_size.mean, 45000.0);  // EUR in EUR: unchanged
  EXPECT_DOUBLE_EQ(s.params_at(0, 0, 0).deal_size.mean, 45000 * kEurRate);
  EXPECT_DOUBLE_EQ(s.params_at(2, 0, 0).deal_size.mean, 45000 * kEurRate / kJpyRate);
  doc["segments"][0]["deal_size"]["currency"] = "local";
  s = scenario_from_json(doc);
  for (int r = 0; r < 3; ++r) EXPECT_EQ(s.params_at(r, 0, 0).deal_size.mean, 45000.0);
  doc["segments"][0]["deal_size"]["currency"] = "YEN";
  try {
    scenario_from_json(doc);
    ADD_FAILURE() << "an unknown currency was accepted";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("/segments/0/deal_size/currency: unknown currency \"YEN\""));
  }
}

TEST(SharedMoney, OverridesAndProductsFollowTheRule) {
  nlohmann::json doc = trap_document(2);
  doc["overrides"] = {{{"from", "2027-06"}, {"set", {{"deal_size", {{"mean", 50000}}}}}},
                      {{"region", "APJ"},
                       {"from", "2027-09"},
                       {"set", {{"deal_size", {{"empirical", {1e6, 3e6}}}}}}}};
  doc["products"] = {
      {{"id", "P"}, {"segment", "SMB"}, {"share", 1.0}, {"deal_size", {{"mean", 10000}}}}};
  const Scenario s = scenario_from_json(doc);
  EXPECT_DOUBLE_EQ(s.params_at(1, 0, 5).deal_size.mean, 50000 / kEurRate);  // no region: USD
  EXPECT_EQ(s.params_at(2, 0, 8).deal_size_sample, (std::vector<double>{1e6, 3e6}));  // yen
  ASSERT_EQ(s.products[0].deal_size_to_region.size(), 3u);
  EXPECT_EQ(s.products[0].deal_size_to_region[0], 1.0);
  EXPECT_DOUBLE_EQ(s.products[0].apply(s.params_at(2, 0, 0), 2).deal_size.mean, 10000 / kJpyRate);
}

//! A version-1 scenario with every kind of shared deal size.
nlohmann::json version_1_document() {
  nlohmann::json doc = trap_document(1);
  doc["overrides"] = {
      {{"from", "2027-06"}, {"set", {{"deal_size", {{"mean", 1500}, {"cv", 0.4}}}}}},
      {{"region", "EMEA"}, {"from", "2027-09"}, {"set", {{"deal_size", {{"mean", 900}}}}}}};
  doc["products"] = {{{"id", "A"}, {"segment", "SMB"}, {"share", 0.6}},
                     {{"id", "B"},
                      {"segment", "SMB"},
                      {"share", 0.4},
                      {"deal_size", {{"mean", 4000}, {"cv", 0.3}}}}};
  return doc;
}

TEST(SchemaUpgrade, UpgradedScenarioGivesBitIdenticalResults) {
  const nlohmann::json v1 = version_1_document();
  const Scenario old_scenario = scenario_from_json(v1);
  const nlohmann::json v2 = upgrade_document(v1, old_scenario);
  EXPECT_EQ(v2["schema_version"], 2);
  EXPECT_EQ(v2["segments"][0]["deal_size"]["currency"], "local");
  EXPECT_EQ(v2["products"][1]["deal_size"]["currency"], "local");
  EXPECT_EQ(v2["overrides"][0]["set"]["deal_size"]["currency"], "local");
  EXPECT_FALSE(v2["overrides"][1]["set"]["deal_size"].contains("currency"));  // regional
  expect_identical(run(old_scenario, 300, 9), run(scenario_from_json(v2), 300, 9));
  // Only changing the version number changes the forecast (EUR amounts read as USD).
  nlohmann::json bumped = v1;
  bumped["schema_version"] = 2;
  EXPECT_NE(run(old_scenario, 300, 9).period_values,
            run(scenario_from_json(bumped), 300, 9).period_values);
}

TEST(SchemaUpgrade, SingleCurrencyScenarioOnlyChangesItsVersion) {
  nlohmann::json v1 = trap_document(1);
  v1.erase("fx");
  v1["regions"] = {{{"id", "AMER"}}, {{"id", "EMEA"}}, {{"id", "APJ"}}};
  const Scenario s = scenario_from_json(v1);
  nlohmann::json expected = v1;
  expected["schema_version"] = 2;
  EXPECT_EQ(upgrade_document(v1, s), expected);
  EXPECT_FALSE(currency_trap_note(v1, s));
}

TEST(SchemaUpgrade, VersionOneWithRegionsInSeveralCurrenciesNotesTheTrap) {
  const Scenario s = scenario_from_json(trap_document(1));
  ASSERT_EQ(s.notes.size(), 1u);
  EXPECT_THAT(s.notes[0], HasSubstr("/segments/0/deal_size"));
  EXPECT_THAT(s.notes[0], HasSubstr("each region's own currency (regions use EUR, JPY, USD)"));
  EXPECT_TRUE(scenario_from_json(trap_document(2)).notes.empty());
  nlohmann::json stated = trap_document(1);
  stated["segments"][0]["deal_size"]["currency"] = "local";
  EXPECT_TRUE(scenario_from_json(stated).notes.empty());
}

}  // namespace
}  // namespace opsim
