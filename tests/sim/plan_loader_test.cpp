// Which compensation plan covers a seat: its role's plan, else its segment's, else the default.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "sim/base/error.hpp"
#include "sim/io/plan_loader.hpp"
#include "sim/io/scenario_loader.hpp"
#include "tests/scenario_builder.hpp"
#include "tests/test_support.hpp"

namespace opsim {
namespace {

nlohmann::json roles_document() {
  nlohmann::json doc = test::base_document();
  doc["segments"] = {{{"id", "SMB"}}, {{"id", "ENT"}}};
  doc["roster"]["reps"] = {
      {{"id", "ae1"}, {"region", "NA"}, {"segment", "SMB"}, {"start", "2026-01"}, {"role", "AE"}},
      {{"id", "se1"}, {"region", "NA"}, {"segment", "SMB"}, {"start", "2026-01"}, {"role", "SE"}},
      {{"id", "ent1"}, {"region", "NA"}, {"segment", "ENT"}, {"start", "2026-01"}},
      {{"id", "ent2"}, {"region", "NA"}, {"segment", "ENT"}, {"start", "2026-01"}, {"role", "SE"}}};
  doc["hiring_plan"] = {{{"region", "NA"},
                         {"segment", "SMB"},
                         {"requisition_month", "2027-03"},
                         {"count", 1},
                         {"role", "SE"}}};
  doc["plan"]["compensation"]["plans"] = {
      {{"id", "se"}, {"roles", {"SE"}}, {"ote", 150000}, {"variable_share", 0.3}},
      {{"id", "ent"}, {"segments", {"ENT"}}, {"ote", 250000}, {"variable_share", 0.5}},
      {{"id", "default"}, {"ote", 120000}, {"variable_share", 0.5}}};
  return doc;
}

TEST(PlanLoader, RolePlanBeatsSegmentPlanBeatsDefault) {
  const nlohmann::json doc = roles_document();
  const Scenario scenario = test::scenario_from_json(doc);
  ASSERT_EQ(scenario.seats.size(), 5u);
  EXPECT_EQ(scenario.seats[4].role, "SE") << "planned hires carry their role";
  const plan::CompSpec spec = parse_comp_spec(doc, scenario);
  std::vector<std::string> plan_of;
  for (int k : spec.seat_plan) plan_of.push_back(spec.plans.at(static_cast<std::size_t>(k)).id);
  EXPECT_EQ(plan_of, (std::vector<std::string>{"default", "se", "ent", "se", "se"}));
}

TEST(PlanLoader, RosterCsvRoleColumnIsOptionalAndMayBeEmpty) {
  test::TempDir dir;
  dir.write("roster.csv",
            "id,region,segment,start,role\nae1,NA,SMB,2026-01,AE\nx1,NA,SMB,2026-01,\n");
  nlohmann::json doc = test::base_document();
  doc["roster"]["csv"] = "roster.csv";
  doc["plan"]["compensation"]["plans"] = {
      {{"id", "ae"}, {"roles", {"AE"}}, {"ote", 1e5}, {"variable_share", 0.5}},
      {{"id", "rest"}, {"ote", 9e4}, {"variable_share", 0.4}}};
  const Scenario scenario = build_scenario(doc, (dir / "test.json").string(), dir.path().string());
  ASSERT_EQ(scenario.seats.size(), 2u);
  EXPECT_EQ(scenario.seats[0].role, "AE");
  EXPECT_EQ(scenario.seats[1].role, "");
  const plan::CompSpec spec = parse_comp_spec(doc, scenario);
  EXPECT_EQ(spec.seat_plan, (std::vector<int>{0, 1}));
}

//! /plan/quotas/prior_bookings_csv takes the csv mapping of every scenario CSV: a mapped seat
//! column, thousands separators and currency symbols, extra columns ignored.
TEST(PlanLoader, PriorBookingsCsvTakesAColumnMapAndNumberFormats) {
  test::TempDir dir;
  dir.write("prior.csv",
            "Employee,Region,Bookings FY26,Notes\n"
            "ae1,NA,\"$1,250,000.50\",top rep\n"
            "se1,NA,\"$90,000\",\n");
  nlohmann::json doc = roles_document();
  doc["plan"]["quotas"]["prior_bookings_csv"] = {
      {"path", "prior.csv"},
      {"columns", {{"seat", "Employee"}, {"bookings", "Bookings FY26"}}},
      {"thousands", ","},
      {"currency_symbols", true}};
  const Scenario scenario = build_scenario(doc, (dir / "test.json").string(), dir.path().string());
  const QuotaSettings settings = parse_quota_settings(doc, scenario);
  EXPECT_EQ(settings.prior_bookings_csv.path, (dir / "prior.csv").string());
  const std::vector<double> prior =
      read_seat_amounts(settings.prior_bookings_csv, scenario, "bookings", false);
  ASSERT_EQ(prior.size(), 5u);
  EXPECT_DOUBLE_EQ(prior[0], 1250000.5);
  EXPECT_DOUBLE_EQ(prior[1], 90000.0);
  EXPECT_TRUE(std::isnan(prior[2]));
  // A misspelt mapped column is named with the header.
  doc["plan"]["quotas"]["prior_bookings_csv"]["columns"]["seat"] = "Employe";
  try {
    read_seat_amounts(parse_quota_settings(doc, scenario).prior_bookings_csv, scenario, "bookings",
                      false);
    ADD_FAILURE() << "a misspelt column was read";
  } catch (const InputError& e) {
    EXPECT_THAT(std::string(e.what()),
                ::testing::HasSubstr("prior.csv:1: column 'Employe' (mapped to seat) is missing "
                                     "(header: Employee,Region,Bookings FY26,Notes)"));
  }
  // A field the file does not have is refused with its fields.
  doc["plan"]["quotas"]["prior_bookings_csv"]["columns"] = {{"owner", "Employee"}};
  try {
    (void)parse_quota_settings(doc, scenario);
    ADD_FAILURE() << "an unknown field was accepted";
  } catch (const InputError& e) {
    EXPECT_THAT(std::string(e.what()),
                ::testing::HasSubstr("/plan/quotas/prior_bookings_csv/columns/owner"));
  }
}

//! `opsim validate` checks the plan sections with check_plan_sections: a prior-bookings CSV that
//! `opsim quotas` would refuse (a bad amount, a missing file) is refused there too, naming it.
TEST(PlanLoader, ValidateReadsThePriorBookingsCsvAsQuotasDoes) {
  test::TempDir dir;
  dir.write("prior.csv", "seat,bookings\nae1,120000\nse1,ninety\n");
  nlohmann::json doc = roles_document();
  doc["plan"]["quotas"]["prior_bookings_csv"] = "prior.csv";
  const Scenario scenario = build_scenario(doc, (dir / "test.json").string(), dir.path().string());
  try {
    (void)check_plan_sections(doc, scenario);
    ADD_FAILURE() << "an unreadable prior amount passed validation";
  } catch (const InputError& e) {
    EXPECT_THAT(std::string(e.what()), ::testing::HasSubstr("prior.csv:3"));
    EXPECT_THAT(std::string(e.what()), ::testing::HasSubstr("ninety"));
  }
  dir.write("prior.csv", "seat,bookings\nae1,120000\nse1,90000\n");
  EXPECT_NO_THROW((void)check_plan_sections(doc, scenario));
  doc["plan"]["quotas"]["prior_bookings_csv"] = "absent.csv";
  try {
    (void)check_plan_sections(doc, scenario);
    ADD_FAILURE() << "a missing prior-bookings file passed validation";
  } catch (const InputError& e) {
    // The scenario's pointer names it, not the file name alone.
    EXPECT_THAT(std::string(e.what()),
                ::testing::HasSubstr("/plan/quotas/prior_bookings_csv: 'absent.csv' ("));
  }
}

std::string error_of(const nlohmann::json& doc) {
  try {
    parse_comp_spec(doc, test::scenario_from_json(doc));
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(PlanLoader, UnknownOrDuplicateRolesAreRejected) {
  nlohmann::json typo = roles_document();
  typo["plan"]["compensation"]["plans"][0]["roles"] = {"SEE"};
  EXPECT_NE(error_of(typo).find(
                "/plan/compensation/plans/0/roles/0: unknown role \"SEE\" (did you mean \"SE\"?)"),
            std::string::npos)
      << error_of(typo);

  nlohmann::json twice = roles_document();
  twice["plan"]["compensation"]["plans"][1]["roles"] = {"SE"};
  EXPECT_NE(error_of(twice).find("role \"SE\" already has plan \"se\""), std::string::npos)
      << error_of(twice);

  nlohmann::json none = test::base_document();
  none["roster"]["reps"] = {
      {{"id", "a"}, {"region", "NA"}, {"segment", "SMB"}, {"start", "2026-01"}}};
  none["plan"]["compensation"]["plans"] = {
      {{"id", "p"}, {"roles", {"AE"}}, {"ote", 1e5}, {"variable_share", 0.5}}};
  EXPECT_NE(error_of(none).find("no seat has a role"), std::string::npos) << error_of(none);

  nlohmann::json empty = roles_document();
  empty["plan"]["compensation"]["plans"][1]["segments"] = nlohmann::json::array();
  EXPECT_NE(error_of(empty).find("/plan/compensation/plans/1/segments: is empty"),
            std::string::npos)
      << error_of(empty);
}

//! A default plan of three components over seats that own contracts.
nlohmann::json components_document() {
  nlohmann::json doc = test::base_document();
  doc["products"] = {{{"id", "core"}, {"segment", "SMB"}, {"share", 0.7}},
                     {{"id", "ai"}, {"segment", "SMB"}, {"share", 0.3}}};
  doc["roster"]["reps"] = {
      {{"id", "a"}, {"region", "NA"}, {"segment", "SMB"}, {"start", "2026-01"}}};
  doc["installed_base"]["contracts"] = {{{"id", "K1"},
                                         {"owner", "a"},
                                         {"region", "NA"},
                                         {"segment", "SMB"},
                                         {"arr", 1000},
                                         {"renewal_month", "2027-05"}}};
  doc["plan"]["compensation"]["plans"] = {
      {{"id", "p"},
       {"ote", 1e5},
       {"variable_share", 0.5},
       {"cap", 3},
       {"components",
        {{{"id", "bookings"}, {"measure", "new_bookings"}, {"weight", 0.5}},
         {{"id", "ai"}, {"measure", "new_bookings"}, {"weight", 0.1}, {"products", {"ai"}}},
         {{"id", "logos"}, {"measure", "new_logos"}, {"weight", 0.2}, {"quota", 12}},
         {{"id", "keep"},
          {"measure", "retention"},
          {"weight", 0.2},
          {"target", 0.9},
          {"gate", {{"component", "bookings"}, {"attainment", 0.8}}}}}}}};
  return doc;
}

// Review: a misspelt product in a component with a quota_share also printed "quota_share: needs
// products", which was false (products were given); the one true error is reported alone.
TEST(PlanLoader, AnUnknownProductIsNotAlsoReportedAsMissingProducts) {
  nlohmann::json doc = components_document();
  auto& ai = doc["plan"]["compensation"]["plans"][0]["components"][1];
  ai["products"] = {"Nope"};
  ai["quota_share"] = 0.3;
  const std::string error = error_of(doc);
  EXPECT_THAT(error, ::testing::HasSubstr("components/1/products/0"));
  EXPECT_THAT(error, ::testing::HasSubstr("\"Nope\""));
  EXPECT_EQ(error.find("needs products"), std::string::npos) << error;
  // Its twin: without products at all, the share says what it needs.
  ai.erase("products");
  EXPECT_THAT(error_of(doc), ::testing::HasSubstr("quota_share: needs products"));
}

TEST(PlanLoader, ComponentsReadWithDefaultsFromThePlan) {
  const nlohmann::json doc = components_document();
  const Scenario scenario = test::scenario_from_json(doc);
  ASSERT_EQ(scenario.contracts.size(), 1u);
  EXPECT_EQ(scenario.contracts[0].owner, 0);
  const plan::CompSpec spec = parse_comp_spec(doc, scenario);
  const auto& c = spec.plans.at(0).components;
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[1].products, std::uint64_t{1} << 1);
  EXPECT_EQ(c[2].measure, plan::Measure::new_logos);
  EXPECT_DOUBLE_EQ(c[2].quota, 12);
  EXPECT_EQ(c[3].gate, 0);
  EXPECT_DOUBLE_EQ(c[3].gate_attainment, 0.8);
  EXPECT_DOUBLE_EQ(c[3].cap, 3) << "the plan's cap is the default";
  EXPECT_EQ(spec.product_sets(), (std::vector<std::uint64_t>{2}));
  EXPECT_TRUE(spec.needs_measure_totals()) << "the ai share is derived";
}

// Review: a component gated on retention pays a seat without a book 0 too, and the warning named
// retention alone.
TEST(PlanLoader, AComponentGatedOnOneASeatCanNeverEarnIsWarnedOf) {
  nlohmann::json doc = components_document();
  doc["roster"]["reps"].push_back(
      {{"id", "b"}, {"region", "NA"}, {"segment", "SMB"}, {"start", "2026-01"}});
  auto& components = doc["plan"]["compensation"]["plans"][0]["components"];
  components[3].erase("gate");
  components[2]["gate"] = {{"component", "keep"}, {"attainment", 0.5}};  // logos, on retention
  const Scenario scenario = test::scenario_from_json(doc);
  const plan::CompSpec spec = parse_comp_spec(doc, scenario);
  const std::string all = fmt::format("{}", fmt::join(spec.warnings, "\n"));
  EXPECT_THAT(all, ::testing::HasSubstr("plan p component logos: 1 of its 2 seats can never earn "
                                        "it (its gate, component keep, is never reached for "
                                        "them), so it pays them 0 (b)"));
  EXPECT_THAT(all, ::testing::HasSubstr("plan p component keep: 1 of its 2 seats can never earn "
                                        "it (they own no installed-base contract)"));
  // The twin: the bookings component, ungated, is earned by both.
  EXPECT_THAT(all, ::testing::Not(::testing::HasSubstr("component bookings:")));
}

// Review: two plans of one id were both kept, and outputs named the seats of both by it.
TEST(PlanLoader, APlanIdIsUsedOnce) {
  nlohmann::json doc = components_document();
  auto& plans = doc["plan"]["compensation"]["plans"];
  nlohmann::json second = plans[0];
  second.erase("components");
  second["roles"] = nlohmann::json::array();
  second["segments"] = nlohmann::json::array();
  plans.push_back(second);
  EXPECT_THAT(error_of(doc), ::testing::HasSubstr("/plan/compensation/plans/1/id: \"" +
                                                  plans[0]["id"].get<std::string>() +
                                                  "\" is used twice (plan ids are unique; "
                                                  "/plan/compensation/plans/0 has it)"));
  plans[1]["id"] = "another";  // the twin
  EXPECT_THAT(error_of(doc), ::testing::Not(::testing::HasSubstr("is used twice")));
}

// Bad component input names the JSON pointer, the value and what is allowed.
TEST(PlanLoader, BadComponentsAreRejectedWithThePointer) {
  const std::string at = "/plan/compensation/plans/0/components";
  auto with = [](auto&& change) {
    nlohmann::json doc = components_document();
    change(doc["plan"]["compensation"]["plans"][0]["components"]);
    return error_of(doc);
  };
  const std::string measure = with([](nlohmann::json& c) { c[2]["measure"] = "logos"; });
  EXPECT_THAT(measure, ::testing::HasSubstr(at + "/2/measure: \"logos\" is not a measure "
                                                 "(new_bookings, new_logos, retention)"));
  const std::string weights = with([](nlohmann::json& c) { c[0]["weight"] = 0.6; });
  EXPECT_THAT(weights, ::testing::HasSubstr(at + ": weights sum to 1.1 (the weights of a plan's "
                                                 "components must sum to 1)"));
  const std::string unknown =
      with([](nlohmann::json& c) { c[3]["gate"]["component"] = "booking"; });
  EXPECT_THAT(unknown, ::testing::HasSubstr(at + "/3/gate/component: unknown component "
                                                 "\"booking\" (did you mean \"bookings\"?)"));
  const std::string self = with([](nlohmann::json& c) { c[3]["gate"]["component"] = "keep"; });
  // Review: the list of others named the component itself.
  EXPECT_THAT(self, ::testing::HasSubstr(at + "/3/gate/component: \"keep\" gates itself (name "
                                              "another component of the plan: bookings, ai, "
                                              "logos)"));
  const std::string product = with([](nlohmann::json& c) { c[1]["products"] = {"a1"}; });
  EXPECT_THAT(product, ::testing::HasSubstr(at + "/1/products/0: unknown product \"a1\""));
  const std::string wrong = with([](nlohmann::json& c) { c[2]["products"] = {"ai"}; });
  EXPECT_THAT(wrong, ::testing::HasSubstr(at + "/2/products: applies to measure new_bookings"));
  nlohmann::json unowned = components_document();
  unowned["installed_base"]["contracts"][0].erase("owner");
  EXPECT_THAT(error_of(unowned),
              ::testing::HasSubstr(at + "/3/measure: retention measures the seats' books, but no "
                                        "installed_base contract has an owner"));
}

// Review: a self-gate went unreported beside another component's error, and a component's
// measure typo beside the plan's tier error. Each is reported with the others.
TEST(PlanLoader, AComponentsErrorsAreReportedBesideThePlansAndEachOthers) {
  const std::string at = "/plan/compensation/plans/0";
  nlohmann::json doc = components_document();
  auto& plan = doc["plan"]["compensation"]["plans"][0];
  plan["components"][3]["gate"]["component"] = "keep";  // gates itself
  plan["components"][2]["measure"] = "logos";           // not a measure
  plan["tiers"] = {{{"from", 0.1}, {"rate", 1}}};       // the first tier must start at 0
  const std::string error = error_of(doc);
  EXPECT_THAT(error, ::testing::HasSubstr(at + "/components/3/gate/component: \"keep\" gates "
                                               "itself"));
  EXPECT_THAT(error, ::testing::HasSubstr(at + "/components/2/measure: \"logos\" is not a "
                                               "measure"));
  EXPECT_THAT(error, ::testing::HasSubstr(at + "/tiers/0/from: 0.1 must be 0"));
}

// Review: a plan with a bad rate in one tier and overlapping tiers was told of the first error
// only. Every tier's errors are reported together; its twin, one bad tier, reports that one.
TEST(PlanLoader, EveryTiersErrorIsReportedTogether) {
  const std::string at = "/plan/compensation/plans/0/tiers";
  nlohmann::json doc = components_document();
  auto& plan = doc["plan"]["compensation"]["plans"][0];
  plan["tiers"] = {{{"from", 0}, {"rate", -1}},  // not a rate
                   {{"from", 0.5}, {"rate", 1}},
                   {{"from", 0.4}, {"rate", 2}},   // overlaps the previous tier
                   {{"form", 1.2}, {"rate", 3}}};  // a typo
  std::string error = error_of(doc);
  EXPECT_THAT(error, ::testing::HasSubstr(at + "/0/rate: -1"));
  EXPECT_THAT(error, ::testing::HasSubstr(at + "/2/from: 0.4 does not increase on the previous "
                                               "tier's 0.5"));
  EXPECT_THAT(error, ::testing::HasSubstr(at + "/3"));
  plan["tiers"] = {{{"from", 0}, {"rate", 1}}, {{"from", 0.4}, {"rate", 2}}};
  plan["tiers"][1]["rate"] = -2;
  error = error_of(doc);
  EXPECT_THAT(error, ::testing::HasSubstr(at + "/1/rate: -2"));
  EXPECT_THAT(error, ::testing::Not(::testing::HasSubstr(at + "/0")));
  // Tiers that are not a list are one error.
  plan["tiers"] = 3;
  EXPECT_THAT(error_of(doc), ::testing::HasSubstr(at + ": "));
}

// Every input error of the plan sections is reported at once, each naming the pointer, the value
// and what is allowed (regression: `opsim quotas` reported the first one only). An unknown key
// of /plan, which each section reads, is reported once.
TEST(PlanLoader, EveryErrorOfThePlanSectionsIsReportedTogether) {
  nlohmann::json doc = components_document();
  doc["plan"]["fiscal_yeer"] = 2027;
  doc["plan"]["capacity"]["windows"] = {{{"region", "NA"},
                                         {"segment", "SMB"},
                                         {"earliest", "2027-01"},
                                         {"max_hires", 0},
                                         {"cost_per_hire", 1000}}};
  doc["plan"]["quotas"] = {{"phasing", "weekly"}, {"rounding", -5}};
  auto& plan = doc["plan"]["compensation"]["plans"][0];
  plan["ote"] = -1;
  plan["components"][2]["quota"] = 0;
  plan["components"][3]["target"] = 1.5;
  const Scenario scenario = test::scenario_from_json(doc);
  std::vector<std::string> errors;
  try {
    (void)check_plan_sections(doc, scenario);
  } catch (const InputErrors& e) {
    errors = e.errors();
  }
  const std::vector<std::string> expected{
      "/plan/fiscal_yeer: unknown key \"fiscal_yeer\" (did you mean \"fiscal_year\"?)",
      "/plan/capacity/windows/0/max_hires: 0",
      "/plan/quotas/phasing: \"weekly\" is not a phasing (profile, flat)",
      "/plan/quotas/rounding: -5",
      "/plan/compensation/plans/0/ote: -1",
      "/plan/compensation/plans/0/components/2/quota: 0",
      "/plan/compensation/plans/0/components/3/target: 1.5"};
  ASSERT_EQ(errors.size(), expected.size()) << ::testing::PrintToString(errors);
  for (std::size_t i = 0; i < expected.size(); ++i)
    EXPECT_THAT(errors[i], ::testing::HasSubstr(expected[i])) << i;
  // What `opsim quotas` reads (quotas and compensation, not capacity) is collected the same way.
  doc["plan"].erase("capacity");
  doc["plan"].erase("fiscal_yeer");
  try {
    (void)check_plan_sections(doc, scenario);
    ADD_FAILURE() << "no error";
  } catch (const InputErrors& e) {
    EXPECT_EQ(e.errors().size(), 5u) << e.what();
  }
}

// Contract owners resolve like pipeline deal owners: an unknown one is an error naming the
// closest seat, or with unknown_owner "unowned" a contract without an owner and a note.
TEST(PlanLoader, ContractOwnersResolveAsPipelineOwnersDo) {
  nlohmann::json doc = components_document();
  doc["installed_base"]["contracts"][0]["owner"] = "b";
  EXPECT_THROW(
      {
        try {
          (void)test::scenario_from_json(doc);
        } catch (const InputError& e) {
          EXPECT_THAT(e.what(), ::testing::HasSubstr("/installed_base/contracts/0/owner"));
          throw;
        }
      },
      InputError);
  doc["installed_base"]["unknown_owner"] = "unowned";
  doc.erase("plan");
  const Scenario scenario = test::scenario_from_json(doc);
  EXPECT_EQ(scenario.contracts[0].owner, -1);
  ASSERT_FALSE(scenario.notes.empty());
  EXPECT_THAT(
      scenario.notes.back(),
      ::testing::HasSubstr("installed_base: 1 contract of 1 owner not in the roster is unowned"));
}

//! Every member path of `node` with array indices as "*": "plan/overlays/*/role".
void member_paths(const nlohmann::json& node, const std::string& at, std::set<std::string>& out) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      const std::string path = at.empty() ? key : at + "/" + key;
      out.insert(path);
      member_paths(value, path, out);
    }
  } else if (node.is_array()) {
    for (const auto& value : node) member_paths(value, at + "/*", out);
  }
}

// The bundled example uses every planning feature (issue 13: products, components, overlays with
// their own plan, split credit, quotas by quarter and month, capacity windows by role), so that
// none can silently drop out of it: each member scenarios/plan.md documents, then what the
// members mean once read.
TEST(PlanExample, UsesEveryPlanningFeature) {
  const std::string path = (test::source_dir() / "scenarios/plan_example.json").string();
  const LoadedScenario loaded = load_scenario_and_document(path);
  const Scenario& s = loaded.scenario;
  const nlohmann::json& doc = loaded.document.document;
  std::set<std::string> paths;
  member_paths(doc, "", paths);
  const std::string window = "plan/capacity/windows/*/", comp = "plan/compensation/plans/*/",
                    component = comp + "components/*/";
  std::vector<std::string> expected{"plan/fiscal_year",
                                    "plan/capacity/start_step_months",
                                    "plan/quotas/over_assignment",
                                    "plan/quotas/key/potential",
                                    "plan/quotas/key/prior",
                                    "plan/quotas/key/expected",
                                    "plan/quotas/prior_bookings_csv",
                                    "plan/quotas/phasing",
                                    "plan/quotas/rounding",
                                    "plan/compensation/budget",
                                    "plan/overlays/*/role",
                                    "plan/overlays/*/regions",
                                    "plan/overlays/*/segments",
                                    "plan/overlays/*/share",
                                    "territory_potential/beta",
                                    "territory_potential/territories/*/seat",
                                    "territory_potential/territories/*/potential",
                                    "territory_potential/csv",
                                    "territory_potential/seat_column",
                                    "territory_potential/potential_column",
                                    "pipeline/deals/*/product",
                                    "pipeline/deals/*/splits/*/seat",
                                    "pipeline/deals/*/splits/*/share",
                                    "installed_base/contracts/*/owner",
                                    "products/*/share",
                                    "products/*/win_rate",
                                    "products/*/deal_size",
                                    "roster/reps/*/role",
                                    "hiring_plan/*/role"};
  for (const char* key : {"region", "segment", "role", "earliest", "latest", "max_hires",
                          "time_to_fill_months", "cost_per_hire", "monthly_cost"})
    expected.push_back(window + key);
  for (const char* key :
       {"id", "roles", "segments", "ote", "variable_share", "tiers/*/from", "tiers/*/rate",
        "tier_mode", "cap", "measurement", "draw/kind", "draw/per_month", "draw/months",
        "spif/per_deal", "spif/segments", "spif/products", "clawback_months", "proration"})
    expected.push_back(comp + key);
  for (const char* key :
       {"id", "measure", "weight", "tiers", "tier_mode", "cap", "measurement", "products",
        "quota_share", "quota", "target", "gate/component", "gate/attainment"})
    expected.push_back(component + key);
  for (const auto& key : expected) EXPECT_TRUE(paths.contains(key)) << key;

  // Products: deals of each product in the open pipeline, one of them split.
  ASSERT_GE(s.products.size(), 2u);
  std::set<int> deal_products;
  bool split = false;
  for (const auto& deal : s.pipeline.deals) {
    if (deal.product >= 0) deal_products.insert(deal.product);
    split = split || !deal.splits.empty();
  }
  EXPECT_EQ(deal_products.size(), s.products.size());
  EXPECT_TRUE(split);
  // Capacity windows with a role; quotas phased and rounded with a blended key and prior CSV.
  const plan::CapacitySpec capacity = parse_capacity_spec(doc, s);
  for (const auto& w : capacity.windows) EXPECT_FALSE(w.role.empty());
  const QuotaSettings quotas = parse_quota_settings(doc, s);
  EXPECT_GT(quotas.rounding, 0);
  EXPECT_GT(quotas.key.potential * quotas.key.prior * quotas.key.expected, 0);
  EXPECT_EQ(read_seat_amounts(quotas.prior_bookings_csv, s, "bookings", false).size(),
            s.seats.size());
  // Compensation: every measure, a product-restricted component with a stated quota share, a
  // logo quota, a retention target, a gate, both tier modes; overlay seats under their own plan.
  const plan::CompSpec spec = parse_comp_spec(doc, s);
  std::set<plan::Measure> measures;
  bool restricted = false, logo_quota = false, gate = false, retroactive = false;
  for (const auto& p : spec.plans) {
    retroactive = retroactive || p.mode == plan::TierMode::retroactive;
    for (const auto& c : p.components) {
      measures.insert(c.measure);
      restricted = restricted || (c.products != 0 && c.quota_share > 0);
      logo_quota = logo_quota || (c.measure == plan::Measure::new_logos && c.quota > 0);
      gate = gate || c.gate >= 0;
      retroactive = retroactive || c.mode == plan::TierMode::retroactive;
    }
  }
  EXPECT_EQ(measures.size(), 3u);
  EXPECT_TRUE(restricted && logo_quota && gate && retroactive);
  std::set<int> overlay_plans, seller_plans;
  std::size_t owners = 0;
  for (const Contract& c : s.contracts) owners += c.owner >= 0;
  EXPECT_GT(owners, 0u);
  ASSERT_FALSE(s.overlays.empty());
  for (std::size_t i = 0; i < s.seats.size(); ++i)
    (s.seats[i].overlay ? overlay_plans : seller_plans).insert(spec.seat_plan[i]);
  ASSERT_EQ(overlay_plans.size(), 1u);
  EXPECT_GE(*overlay_plans.begin(), 0);
  EXPECT_FALSE(seller_plans.contains(*overlay_plans.begin()))
      << "overlay seats have their own compensation plan";
  EXPECT_TRUE(check_plan_sections(doc, s).size() <= 1u) << "at most the hires' retention note";
}

// A rounding unit below a hundredth of the currency unit is refused, naming the pointer and the
// smallest unit allowed (regression: 1e-300 counted quotas in units past any integer type, an
// undefined conversion that set every quota to 0). The smallest unit and 0 (none) are accepted.
TEST(PlanLoader, ARoundingUnitBelowACentIsRefused) {
  nlohmann::json doc = components_document();
  const Scenario scenario = test::scenario_from_json(doc);
  doc["plan"]["quotas"] = {{"rounding", 1e-300}};
  try {
    (void)parse_quota_settings(doc, scenario);
    ADD_FAILURE() << "a rounding of 1e-300 was accepted";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("/plan/quotas/rounding: 1e-300 is not a "
                                               "rounding unit: use 0 (no rounding) or at "
                                               "least 0.01"));
  }
  for (double unit : {plan::kMinQuotaRounding, 0.0}) {
    doc["plan"]["quotas"] = {{"rounding", unit}};
    EXPECT_EQ(parse_quota_settings(doc, scenario).rounding, unit);
  }
}

}  // namespace
}  // namespace opsim
