// Which compensation plan covers a seat: its role's plan, else its segment's, else the default.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "sim/base/error.hpp"
#include "sim/io/plan_loader.hpp"
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

}  // namespace
}  // namespace opsim
