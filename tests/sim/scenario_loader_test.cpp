#include "sim/io/scenario_loader.hpp"

#include <algorithm>
#include <fstream>
#include <functional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "sim/base/error.hpp"
#include "tests/test_support.hpp"

namespace opsim {
namespace {

using test::write_file;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

//! A small valid scenario with two segments, inline reps and CSV-backed pipeline and contracts.
nlohmann::json base_document() {
  return nlohmann::json::parse(R"({
    "schema_version": 1,
    "horizon": {"start": "2027-04", "months": 12, "fiscal_year_start_month": 2,
                "reporting_currency": "USD"},
    "fx": {"currencies": [{"code": "EUR", "plan_rate": 1.08, "annual_volatility": 0.07}]},
    "regions": [{"id": "NA"}, {"id": "EMEA", "currency": "EUR"}],
    "segments": [
      {"id": "SMB", "opportunity_rate": 10, "win_rate": 0.25, "deal_size": {"mean": 15000}},
      {"id": "Enterprise", "opportunity_rate": 2, "win_rate": 0.18,
       "deal_size": {"mean": 250000, "cv": 0.9}}
    ],
    "roster": {"reps": [{"id": "r1", "region": "NA", "segment": "SMB", "start": "2026-01"}]},
    "hiring_plan": [
      {"region": "EMEA", "segment": "Enterprise", "requisition_month": "2027-05", "count": 2,
       "time_to_fill_months": 3},
      {"id": "launch", "region": "NA", "segment": "SMB", "requisition_month": "2027-06",
       "count": 1}
    ],
    "pipeline": {"stages": [{"id": "Commit", "win_probability": 0.8}], "csv": "pipeline.csv"},
    "installed_base": {"csv": "contracts.csv"},
    "simulation": {"trials": 100, "seed": 7}
  })");
}

const char* kPipelineCsv =
    "id,owner,region,segment,stage,amount,currency,expected_close\n"
    "D1,r1,NA,SMB,Commit,12000,USD,2027-05\n"
    "D2,,EMEA,Enterprise,Commit,200000,EUR,2027-02\n";
const char* kContractsCsv =
    "id,region,segment,arr,currency,renewal_month,term_months\n"
    "C1,NA,SMB,20000,USD,2027-06,12\n"
    "C2,EMEA,Enterprise,400000,EUR,2026-09,24\n";

//! Writes the base scenario (after `change`) and its CSV files into a temporary folder.
class ScenarioFixture : public ::testing::Test {
 protected:
  std::string write(const std::function<void(nlohmann::json&)>& change = {}) {
    nlohmann::json document = base_document();
    if (change) change(document);
    write_text(document.dump(2));
    return path();
  }
  void write_text(const std::string& text) {
    write_file(dir_ / "scenario.json", text);
    if (!std::filesystem::exists(dir_ / "pipeline.csv"))
      write_file(dir_ / "pipeline.csv", kPipelineCsv);
    if (!std::filesystem::exists(dir_ / "contracts.csv"))
      write_file(dir_ / "contracts.csv", kContractsCsv);
  }
  std::string path() const { return (dir_ / "scenario.json").string(); }
  std::string csv_path(const std::string& name) const { return (dir_ / name).string(); }

  //! The InputError message of loading the scenario; fails when it loads.
  std::string error_of_load() const {
    try {
      load_scenario(path());
    } catch (const InputError& e) {
      return e.what();
    }
    ADD_FAILURE() << "the scenario loaded, but an InputError was expected";
    return {};
  }

  test::TempDir dir_;
};

TEST(BundledScenarios, GlobalSaasLoads) {
  const Scenario s =
      load_scenario((test::source_dir() / "scenarios" / "global_saas.json").string());
  EXPECT_EQ(s.region_count(), 4);
  EXPECT_EQ(s.segment_count(), 3);
  EXPECT_GE(s.seats.size(), 200u);
  EXPECT_EQ(s.pipeline.deals.size(), 2000u);
  EXPECT_EQ(s.contracts.size(), 3000u);
  EXPECT_FALSE(s.actuals.empty());
  EXPECT_FALSE(s.targets.empty());
  EXPECT_EQ(s.calendar.fiscal_year_of(s.calendar.start()), 2028);  // FY2028 = 2027-02..2028-01
  EXPECT_EQ(s.simulation.trials, 10000u);
  EXPECT_EQ(s.simulation.seed, 20270401u);
  EXPECT_EQ(s.simulation.threads, 0);
  EXPECT_TRUE(s.fx.stochastic());
  EXPECT_TRUE(s.market.enabled());
}

TEST(BundledScenarios, DidacticLoads) {
  const Scenario s = load_scenario((test::source_dir() / "scenarios" / "didactic.json").string());
  EXPECT_EQ(s.region_count(), 1);
  EXPECT_EQ(s.segment_count(), 1);
  ASSERT_EQ(s.seats.size(), 5u);
  EXPECT_EQ(s.seats[4].id, "hire/NA/Core/2027-05/1");
  EXPECT_EQ(s.seats[4].start, 3);  // requisition 2027-05 + 2 months to fill, horizon 2027-04
  EXPECT_EQ(s.pipeline.deals.size(), 5u);
  EXPECT_EQ(s.contracts.size(), 4u);
  EXPECT_EQ(s.actuals.size(), 3u);
}

TEST_F(ScenarioFixture, ValidScenarioResolvesIdsMonthsAndCurrencies) {
  const Scenario s = load_scenario(write());
  ASSERT_EQ(s.seats.size(), 4u);
  EXPECT_EQ(s.seats[0].start, -15);  // 2026-01 is 15 months before 2027-04
  EXPECT_EQ(s.seats[1].id, "hire/EMEA/Enterprise/2027-05/1");
  EXPECT_EQ(s.seats[2].id, "hire/EMEA/Enterprise/2027-05/2");
  EXPECT_EQ(s.seats[2].start, 4);
  EXPECT_TRUE(s.seats[2].planned_hire);
  EXPECT_EQ(s.seats[3].id, "launch/1");
  ASSERT_EQ(s.pipeline.deals.size(), 2u);
  EXPECT_EQ(s.pipeline.deals[0].owner, 0);
  EXPECT_EQ(s.pipeline.deals[1].owner, -1);
  EXPECT_EQ(s.pipeline.deals[1].expected_close, -2);  // overdue
  EXPECT_EQ(s.fx.currencies[s.pipeline.deals[1].currency].code, "EUR");
  ASSERT_EQ(s.contracts.size(), 2u);
  EXPECT_EQ(s.contracts[1].renewal_month, 17);  // 2026-09 rolled forward by its 24-month term
}

// Review: a per-region field given a word said only "is not an object", though a number is
// allowed too. The message names both forms.
// Review: a target of a year the horizon covers in part passed validate without a word, and its
// P(reach) read 0.0%. It gets a note. The horizon 2027-04..2028-03 covers FY2028 (Feb..Jan) whole
// for new bookings (the months before it are actuals) but 10 of 12 months of revenue, and 2 of
// FY2029's.
TEST_F(ScenarioFixture, ATargetOfAPartlyCoveredPeriodIsWarnedAbout) {
  write([](nlohmann::json& d) {
    d["targets"] = nlohmann::json::parse(R"([
      {"fiscal_year": 2028, "amount": 1000000},
      {"metric": "revenue", "fiscal_year": 2028, "amount": 2000000},
      {"fiscal_year": 2029, "amount": 3000000},
      {"metric": "revenue", "fiscal_year": 2028, "quarter": 2, "amount": 400000}])");
  });
  const Scenario scenario = load_scenario(path());
  // (and the schema_version 1 note of the base document's shared deal sizes)
  ASSERT_EQ(scenario.notes.size(), 3u) << fmt::format("{}", fmt::join(scenario.notes, "\n"));
  EXPECT_THAT(scenario.notes[0],
              AllOf(HasSubstr("/targets/1 (revenue FY2028, 2,000,000) is a whole period's target"),
                    HasSubstr("cover 10 of 12 months (2027-04..2028-01)")));
  EXPECT_THAT(scenario.notes[1], AllOf(HasSubstr("/targets/2 (new bookings FY2029, 3,000,000)"),
                                       HasSubstr("cover 2 of 12 months (2028-02..2028-03)"),
                                       HasSubstr("with actuals")));
}

// Review: a stock metric named by a target was "not a bookings metric (new_bookings, ...)": the
// list was cut short and named bookings only, while revenue and churned_arr are allowed too.
TEST_F(ScenarioFixture, ATargetOfAStockMetricListsEveryMetricATargetMayName) {
  write([](nlohmann::json& d) {
    d["targets"] =
        nlohmann::json::parse(R"([{"metric": "arr", "fiscal_year": 2028, "amount": 1}])");
  });
  EXPECT_THAT(error_of_load(),
              AllOf(HasSubstr("/targets/0/metric: \"arr\" is not a flow metric in currency"),
                    HasSubstr("new_bookings, new_bookings_spot"), HasSubstr("revenue"),
                    HasSubstr("churned_arr"), HasSubstr("pipeline_beyond"), Not(HasSubstr("..."))));
}

// A run's --summary-json named where a scenario goes (review: `report summary.json` said only
// that schema_version was missing); a scenario missing one member is still told which.
TEST_F(ScenarioFixture, ASummaryJsonIsNamedAsNoScenario) {
  write_text(R"({"scenario": "didactic", "scenario_sha256": "ab", "seed": 1, "trials": 200,
                 "kpis": []})");
  EXPECT_THAT(error_of_load(),
              AllOf(HasSubstr("scenario.json: not a scenario: it has none of /schema_version, "
                              "/horizon, /regions, /segments"),
                    HasSubstr("summary opsim wrote with --summary-json")));
  write_text(R"({"name": "notes"})");
  EXPECT_THAT(error_of_load(), AllOf(HasSubstr("not a scenario"), Not(HasSubstr("summary"))));
  write([](nlohmann::json& d) { d.erase("schema_version"); });
  EXPECT_THAT(error_of_load(),
              AllOf(HasSubstr("\"schema_version\" is missing"), Not(HasSubstr("not a scenario"))));
}

TEST_F(ScenarioFixture, APerRegionFieldOfTheWrongTypeNamesBothForms) {
  write([](nlohmann::json& d) { d["market"] = {{"dispersion", "low"}}; });
  EXPECT_THAT(error_of_load(),
              AllOf(HasSubstr("/market/dispersion: \"low\" is not a log-scale dispersion (0..2)"),
                    HasSubstr("a number for every region or an object of numbers by region id")));
  write([](nlohmann::json& d) { d["market"] = {{"dispersion", 0.2}}; });  // the twin
  EXPECT_NO_THROW(load_scenario(path()));
}

// Review: a reporting currency "eur" or "US Dollars" passed validate while calibrate refused it.
// Both read currency codes as ISO 4217 codes, of its list (review: "XYZ" was accepted).
TEST_F(ScenarioFixture, CurrencyCodesAreThoseOfIso4217) {
  write([](nlohmann::json& d) { d["horizon"]["reporting_currency"] = "eur"; });
  EXPECT_THAT(error_of_load(),
              AllOf(HasSubstr("/horizon/reporting_currency"),
                    HasSubstr("\"eur\" is not an ISO 4217 currency code (write EUR)")));
  write([](nlohmann::json& d) { d["horizon"]["reporting_currency"] = "XYZ"; });
  EXPECT_THAT(error_of_load(), HasSubstr("\"XYZ\" is not an ISO 4217 currency code (a code of "
                                         "ISO 4217's list, e.g. USD, EUR, JPY)"));
  write([](nlohmann::json& d) {
    d["fx"]["currencies"] = {{{"code", "Euro"}, {"plan_rate", 1.1}}};
  });
  EXPECT_THAT(error_of_load(), HasSubstr("\"Euro\" is not an ISO 4217 currency code"));
  write();  // twin: the base document's codes load
  EXPECT_NO_THROW(load_scenario(path()));
}

TEST_F(ScenarioFixture, UnknownKeySuggestsTheClosestOne) {
  write([](nlohmann::json& d) { d["segments"][0]["win_rat"] = 0.2; });
  EXPECT_THAT(error_of_load(),
              AllOf(HasSubstr(path()), HasSubstr("/segments/0/win_rat"),
                    HasSubstr("unknown key \"win_rat\""), HasSubstr("did you mean \"win_rate\"")));
  write([](nlohmann::json& d) { d["horizon"]["month"] = 12; });
  EXPECT_THAT(error_of_load(),
              AllOf(HasSubstr("/horizon/month"), HasSubstr("did you mean \"months\"")));
}

TEST_F(ScenarioFixture, ProbabilityAboveOne) {
  write([](nlohmann::json& d) { d["segments"][1]["win_rate"] = 1.4; });
  EXPECT_THAT(error_of_load(),
              HasSubstr(path() + ": /segments/1/win_rate: 1.4 is not a probability (0..1)"));
}

TEST_F(ScenarioFixture, UnknownRegionReference) {
  write([](nlohmann::json& d) { d["roster"]["reps"][0]["region"] = "EMAE"; });
  EXPECT_THAT(error_of_load(),
              AllOf(HasSubstr(path()), HasSubstr("/roster/reps/0/region"),
                    HasSubstr("unknown region \"EMAE\""), HasSubstr("did you mean \"EMEA\"")));
}

TEST_F(ScenarioFixture, UnknownRegionInCsv) {
  write();
  write_file(dir_ / "pipeline.csv",
             "id,owner,region,segment,stage,amount,currency,expected_close\n"
             "D1,r1,APAC,SMB,Commit,12000,USD,2027-05\n");
  EXPECT_THAT(error_of_load(), AllOf(HasSubstr(csv_path("pipeline.csv") + ":2"),
                                     HasSubstr("column 'region'"), HasSubstr("\"APAC\"")));
}

TEST_F(ScenarioFixture, ElevenSeasonalityValues) {
  write([](nlohmann::json& d) {
    d["regions"][0]["seasonality"] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  });
  EXPECT_THAT(error_of_load(), AllOf(HasSubstr(path()), HasSubstr("/regions/0/seasonality"),
                                     HasSubstr("has 11 values; needs 12")));
}

TEST_F(ScenarioFixture, MalformedMonth) {
  write([](nlohmann::json& d) { d["horizon"]["start"] = "2027-13"; });
  EXPECT_THAT(error_of_load(), AllOf(HasSubstr(path()), HasSubstr("/horizon/start"),
                                     HasSubstr("\"2027-13\" is not a month")));
  write([](nlohmann::json& d) { d["roster"]["reps"][0]["start"] = "April 2026"; });
  EXPECT_THAT(error_of_load(),
              AllOf(HasSubstr("/roster/reps/0/start"), HasSubstr("\"April 2026\" is not a month")));
}

TEST_F(ScenarioFixture, MalformedMonthInCsv) {
  write();
  write_file(dir_ / "contracts.csv",
             "id,region,segment,arr,currency,renewal_month,term_months\n"
             "C1,NA,SMB,20000,USD,2027-06,12\n"
             "C2,NA,SMB,20000,USD,2027/07,12\n");
  EXPECT_THAT(error_of_load(),
              AllOf(HasSubstr(csv_path("contracts.csv") + ":3"),
                    HasSubstr("column 'renewal_month'"), HasSubstr("\"2027/07\" is not a month")));
}

TEST_F(ScenarioFixture, NanIsInvalidJson) {
  write_text("{\n  \"schema_version\": 1,\n  \"horizon\": NaN\n}\n");
  EXPECT_THAT(error_of_load(), AllOf(HasSubstr(path() + ":3:14: invalid JSON"),
                                     HasSubstr("invalid literal"), HasSubstr("\"horizon\": N")));
}

TEST_F(ScenarioFixture, NanInCsvIsNotANumber) {
  write();
  write_file(dir_ / "pipeline.csv",
             "id,owner,region,segment,stage,amount,currency,expected_close\n"
             "D1,r1,NA,SMB,Commit,nan,USD,2027-05\n");
  EXPECT_THAT(error_of_load(),
              AllOf(HasSubstr(csv_path("pipeline.csv") + ":2"), HasSubstr("column 'amount'"),
                    HasSubstr("'nan' is not a finite number")));
}

TEST_F(ScenarioFixture, NegativeAmountInCsv) {
  write();
  write_file(dir_ / "pipeline.csv",
             "id,owner,region,segment,stage,amount,currency,expected_close\n"
             "D1,r1,NA,SMB,Commit,12000,USD,2027-05\n"
             "D2,r1,NA,SMB,Commit,-500,USD,2027-05\n");
  EXPECT_THAT(error_of_load(), AllOf(HasSubstr(csv_path("pipeline.csv") + ":3"),
                                     HasSubstr("column 'amount': -500 is negative")));
}

TEST_F(ScenarioFixture, NegativeInlineAmount) {
  write([](nlohmann::json& d) {
    d["installed_base"] = {{"contracts",
                            {{{"id", "C1"},
                              {"region", "NA"},
                              {"segment", "SMB"},
                              {"arr", -1},
                              {"renewal_month", "2027-06"}}}}};
  });
  EXPECT_THAT(error_of_load(),
              AllOf(HasSubstr(path()), HasSubstr("/installed_base/contracts/0/arr"),
                    HasSubstr("-1 is negative")));
}

TEST_F(ScenarioFixture, RaggedCsvRow) {
  write();
  write_file(dir_ / "contracts.csv",
             "id,region,segment,arr,currency,renewal_month,term_months\n"
             "C1,NA,SMB,20000,USD,2027-06,12\n"
             "\n"
             "C2,NA,SMB,20000,USD\n");
  EXPECT_THAT(error_of_load(), AllOf(HasSubstr(csv_path("contracts.csv") + ":4"),
                                     HasSubstr("row has 5 fields but the header has 7")));
}

TEST_F(ScenarioFixture, EmptyCsv) {
  write();
  write_file(dir_ / "contracts.csv", "");
  EXPECT_THAT(error_of_load(),
              AllOf(HasSubstr(csv_path("contracts.csv")), HasSubstr("the file is empty")));
}

TEST_F(ScenarioFixture, MissingCsvFile) {
  write([](nlohmann::json& d) { d["installed_base"]["csv"] = "exports/contracts.csv"; });
  EXPECT_THAT(error_of_load(),
              AllOf(HasSubstr(csv_path("exports/contracts.csv")), HasSubstr("no such file")));
}

TEST_F(ScenarioFixture, MissingScenarioFile) {
  try {
    load_scenario(csv_path("nowhere.json"));
    ADD_FAILURE() << "a missing scenario file loaded";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr(csv_path("nowhere.json")), HasSubstr("no such file")));
  }
}

TEST_F(ScenarioFixture, DuplicateIds) {
  write([](nlohmann::json& d) { d["roster"]["reps"].push_back(d["roster"]["reps"][0]); });
  EXPECT_THAT(error_of_load(), AllOf(HasSubstr(path()), HasSubstr("/roster/reps/1/id"),
                                     HasSubstr("duplicate rep id \"r1\"")));
  write();
  write_file(dir_ / "contracts.csv",
             "id,region,segment,arr,currency,renewal_month,term_months\n"
             "C1,NA,SMB,20000,USD,2027-06,12\n"
             "C1,NA,SMB,30000,USD,2027-07,12\n");
  EXPECT_THAT(error_of_load(), AllOf(HasSubstr(csv_path("contracts.csv") + ":3"),
                                     HasSubstr("duplicate contract id \"C1\"")));
  // A planned hire whose synthetic id collides with a roster rep.
  write([](nlohmann::json& d) { d["roster"]["reps"][0]["id"] = "launch/1"; });
  EXPECT_THAT(error_of_load(),
              AllOf(HasSubstr("/hiring_plan/1"), HasSubstr("duplicate rep id \"launch/1\"")));
}

TEST_F(ScenarioFixture, AbsurdTrialCount) {
  write([](nlohmann::json& d) { d["simulation"]["trials"] = 1'000'000'000'000LL; });
  EXPECT_THAT(error_of_load(),
              AllOf(HasSubstr(path()), HasSubstr("/simulation/trials"),
                    HasSubstr("1000000000000 is out of range (allowed 1..100000000)")));
}

TEST_F(ScenarioFixture, DealSizeRequiredWithOpportunities) {
  write([](nlohmann::json& d) { d["segments"][0].erase("deal_size"); });
  EXPECT_THAT(error_of_load(), AllOf(HasSubstr("/segments/0"), HasSubstr("deal_size is required")));
}

TEST_F(ScenarioFixture, OverrideCannotStartOpportunitiesWithoutDealSize) {
  // A segment without opportunities needs no deal size, until an override gives it some.
  write([](nlohmann::json& d) {
    d["segments"].push_back({{"id", "Partner"}, {"win_rate", 0.3}});
    d["overrides"] = {{{"region", "NA"},
                       {"segment", "Partner"},
                       {"from", "2027-07"},
                       {"set", {{"opportunity_rate", 4}}}}};
  });
  EXPECT_THAT(error_of_load(), AllOf(HasSubstr(path()), HasSubstr("/overrides/0/set"),
                                     HasSubstr("deal_size is required"), HasSubstr("NA/Partner")));
  write([](nlohmann::json& d) {
    d["segments"].push_back({{"id", "Partner"}, {"win_rate", 0.3}});
    d["overrides"] = {{{"region", "NA"},
                       {"segment", "Partner"},
                       {"from", "2027-07"},
                       {"set", {{"opportunity_rate", 4}, {"deal_size", {{"mean", 9000}}}}}}};
  });
  const Scenario s = load_scenario(path());
  EXPECT_EQ(s.params_at(0, 2, 3).deal_size.mean, 9000.0);
  EXPECT_EQ(s.params_at(0, 2, 2).opportunity_rate, 0.0);
}

TEST_F(ScenarioFixture, ActualsMustPrecedeTheHorizon) {
  write([](nlohmann::json& d) {
    d["actuals"] = {{"bookings", {{{"region", "NA"}, {"month", "2027-04"}, {"amount", 1000}}}}};
  });
  EXPECT_THAT(error_of_load(), AllOf(HasSubstr("/actuals/bookings/0/month"),
                                     HasSubstr("2027-04 is not before the horizon start")));
}

TEST_F(ScenarioFixture, TargetOutsideTheHorizon) {
  write([](nlohmann::json& d) {
    d["targets"] = {{{"region", "NA"}, {"fiscal_year", 2027}, {"amount", 1e6}}};
  });
  EXPECT_THAT(error_of_load(), AllOf(HasSubstr("/targets/0/fiscal_year"),
                                     HasSubstr("2027 is out of range (allowed 2028..2029)")));
}

TEST_F(ScenarioFixture, QuarterTargetOutsideTheHorizon) {
  // FY2028 Q1 is 2027-02..2027-04 and overlaps the horizon; FY2029 Q2 (2028-05..07) does not.
  write([](nlohmann::json& d) {
    d["targets"] = {{{"fiscal_year", 2028}, {"quarter", 1}, {"amount", 1e6}},
                    {{"fiscal_year", 2029}, {"quarter", 2}, {"amount", 1e6}}};
  });
  EXPECT_THAT(error_of_load(),
              AllOf(HasSubstr(path()), HasSubstr("/targets/1/quarter"),
                    HasSubstr("FY2029 Q2 (2028-05..2028-07) does not overlap the horizon "
                              "(2027-04..2028-03)")));
}

TEST_F(ScenarioFixture, DuplicateIntensityCell) {
  // Two entries for one region x segment would share one random stream (identical draws).
  write([](nlohmann::json& d) {
    d["new_business_intensity"] = {
        {{"region", "NA"}, {"segment", "SMB"}, {"opportunities_per_month", 5}},
        {{"region", "NA"}, {"segment", "SMB"}, {"opportunities_per_month", 3}}};
  });
  EXPECT_THAT(error_of_load(), AllOf(HasSubstr(path()), HasSubstr("/new_business_intensity/1"),
                                     HasSubstr("NA/SMB"), HasSubstr("/new_business_intensity/0")));
}

//! The InputErrors of loading the scenario; fails when it loads or throws one error only.
std::vector<std::string> errors_of_load(const std::string& path) {
  try {
    load_scenario(path);
  } catch (const InputErrors& e) {
    return e.errors();
  } catch (const InputError& e) {
    ADD_FAILURE() << "one error only: " << e.what();
    return {};
  }
  ADD_FAILURE() << "the scenario loaded, but InputErrors were expected";
  return {};
}

TEST_F(ScenarioFixture, AllErrorsAtOnceGroupedByFile) {
  write([](nlohmann::json& d) {
    d["roster"]["reps"][0]["region"] = "Emea";             // case typo
    d["hiring_plan"][1]["requisition_month"] = "2027-13";  // not a month
  });
  write_file(dir_ / "pipeline.csv",
             "id,owner,region,segment,stage,amount,currency,expected_close\n"
             "D1,,AMER,SMB,Commit,12000,USD,2027-05\n"       // unknown region
             "D2,,EMEA,Enterprise,Commit,abc,EUR,2027-02\n"  // not a number
             "D3,,NA,SMB,Commit,5000,USD,2027-06\n");        // valid
  const auto errors = errors_of_load(path());
  ASSERT_EQ(errors.size(), 4u);
  try {
    load_scenario(path());
  } catch (const InputErrors& e) {
    const std::string text = e.what();
    EXPECT_THAT(text, HasSubstr("4 errors in 2 files:"));
    EXPECT_THAT(text, HasSubstr(path() + ": 2 errors"));
    EXPECT_THAT(text, HasSubstr(csv_path("pipeline.csv") + ": 2 errors"));
    EXPECT_THAT(text, AllOf(HasSubstr("/roster/reps/0/region: unknown region \"Emea\" (did you "
                                      "mean \"EMEA\"?)"),
                            HasSubstr("/hiring_plan/1/requisition_month"),
                            HasSubstr(csv_path("pipeline.csv") + ":2"),
                            HasSubstr(csv_path("pipeline.csv") + ":3")));
    // "AMER" is two edits from "EMEA": no misleading suggestion, the known ids instead.
    EXPECT_THAT(text, HasSubstr("unknown region \"AMER\" (known: NA, EMEA)"));
  }
}

// Review: a hire's unknown region hid its unknown segment, and a bad requisition month its
// negative count. Every field's error is reported; its twin, one bad field, reports that one.
TEST_F(ScenarioFixture, EveryFieldOfAHireIsReported) {
  write([](nlohmann::json& d) {
    d["hiring_plan"][1]["region"] = "Emea";
    d["hiring_plan"][1]["segment"] = "Midmarket";
    d["hiring_plan"][0]["requisition_month"] = "2027-13";
    d["hiring_plan"][0]["count"] = -2;
  });
  const std::vector<std::string> errors = errors_of_load(path());
  const std::string text = fmt::format("{}", fmt::join(errors, "\n"));
  EXPECT_EQ(errors.size(), 4u) << text;
  EXPECT_THAT(text, AllOf(HasSubstr("/hiring_plan/1/region: unknown region \"Emea\""),
                          HasSubstr("/hiring_plan/1/segment: unknown segment \"Midmarket\""),
                          HasSubstr("/hiring_plan/0/requisition_month"),
                          HasSubstr("/hiring_plan/0/count: -2")));
  write([](nlohmann::json& d) { d["hiring_plan"][0]["count"] = -2; });
  EXPECT_THAT(error_of_load(),
              AllOf(HasSubstr("/hiring_plan/0/count: -2"), Not(HasSubstr("/hiring_plan/1"))));
}

//! One error planted in each section (two in fx, regions, segments and market): every one is
//! reported in one run, each under its file. Nothing here removes an element later sections
//! name, so no stage ends validation early.
TEST_F(ScenarioFixture, DuplicateKeyIsReportedWithTheOtherErrorsAtOnce) {
  // A duplicate key used to end validation before any other error was seen (review finding).
  nlohmann::json document = base_document();
  document["segments"][1]["win_rate"] = 1.4;
  std::string text = document.dump(2);
  const std::string key = "\"opportunity_rate\": 10,";
  ASSERT_NE(text.find(key), std::string::npos) << text;
  text.replace(text.find(key), key.size(), key + " \"opportunity_rate\": 11,");
  write_text(text);
  const auto errors = errors_of_load(path());
  ASSERT_EQ(errors.size(), 2u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], HasSubstr("/segments/0: duplicate key \"opportunity_rate\""));
  EXPECT_THAT(errors[1], HasSubstr("/segments/1/win_rate: 1.4 is not a probability"));
}

TEST_F(ScenarioFixture, ErrorsInEverySectionAreReportedInOneRun) {
  write();
  const Scenario valid = load_scenario(path());
  const int fiscal_year = valid.calendar.fiscal_year_of(valid.calendar.start());
  write([&](nlohmann::json& d) {
    d["fx"]["currencies"][0]["plan_rate"] = -1;  // fx 1
    d["fx"]["currencies"].push_back(
        {{"code", "JPY"}, {"plan_rate", 0.0068}, {"annual_volatility", 5}});  // fx 2
    d["regions"][0]["seasonality"] = std::vector<double>(11, 1.0);            // regions 1
    d["regions"][1]["currency"] = "GBP";                                      // regions 2
    d["ramp_curves"] = {{{"id", "std"}, {"fraction", {0.2, 3.0}}}};
    d["segments"][0]["win_rate"] = 1.4;  // segments 1
    d["segments"][1]["skill_cv"] = 9;    // segments 2
    d["products"] = {{{"id", "p1"}, {"segment", "SMB"}, {"share", 1.5}}};
    d["overrides"] = {{{"region", "EMEA"}, {"set", {{"win_rate", 2}}}}};
    d["roster"]["reps"][0]["start"] = "2026-13";
    d["hiring_plan"][0]["time_to_fill_months"] = 99;
    d["new_business_intensity"] = {
        {{"region", "NA"}, {"segment", "SMB"}, {"opportunities_per_month", -3}}};
    d["pipeline"]["stages"][0]["win_probability"] = 1.5;
    d["market"] = {{"dispersion", {{"NA", 5}}}, {"persistence", 1.5}};  // market 1, 2
    d["actuals"] = {{"bookings", {{{"region", "NA"}, {"month", "2027-06"}, {"amount", 5}}}}};
    d["targets"] = {{{"region", "APAC"}, {"fiscal_year", fiscal_year}, {"amount", 1}}};
    d["simulation"]["trials"] = 0;
    d["kpi"] = {{"productivity_thresholds", {-1}}};
  });
  write_file(dir_ / "pipeline.csv",
             "id,owner,region,segment,stage,amount,currency,expected_close\n"
             "D1,r1,NA,SMB,Commit,abc,USD,2027-05\n");
  write_file(dir_ / "contracts.csv",
             "id,region,segment,arr,currency,renewal_month,term_months\n"
             "C1,NA,SMB,x,USD,2027-06,12\n");
  const auto errors = errors_of_load(path());
  const std::vector<std::string> expected{"/fx/currencies/0/plan_rate",
                                          "/fx/currencies/1/annual_volatility",
                                          "/regions/0/seasonality: has 11 values",
                                          "/regions/1/currency: unknown currency \"GBP\"",
                                          "/ramp_curves/0/fraction/1",
                                          "/segments/0/win_rate",
                                          "/segments/1/skill_cv",
                                          "/products/0/share",
                                          "/overrides/0/set/win_rate",
                                          "/roster/reps/0/start",
                                          "/hiring_plan/0/time_to_fill_months",
                                          "/new_business_intensity/0/opportunities_per_month",
                                          "/pipeline/stages/0/win_probability",
                                          "pipeline.csv:2: column 'amount'",
                                          "contracts.csv:2: column 'arr'",
                                          "/market/dispersion/NA",
                                          "/market/persistence",
                                          "/actuals/bookings/0/month",
                                          "/targets/0/region: unknown region \"APAC\"",
                                          "/simulation/trials",
                                          "/kpi/productivity_thresholds/0"};
  ASSERT_EQ(errors.size(), expected.size()) << ::testing::PrintToString(errors);
  for (const std::string& place : expected) {
    EXPECT_EQ(std::count_if(errors.begin(), errors.end(),
                            [&](const std::string& e) { return e.find(place) != e.npos; }),
              1)
        << place;
  }
  EXPECT_THAT(error_of_load(),
              AllOf(HasSubstr("21 errors in 3 files:"), HasSubstr(path() + ": 19 errors"),
                    HasSubstr(csv_path("pipeline.csv") + ": 1 error\n"),
                    HasSubstr(csv_path("contracts.csv") + ": 1 error\n")));
}

//! A region that fails before it is registered (no id) ends validation after its stage: the
//! sections naming regions would only repeat it. A planned hire without an id that fails (its
//! seats' names unknown) leaves out the pipeline, whose owners name seats, but not the sections
//! after it.
TEST_F(ScenarioFixture, AStageEndsWhenAnElementLaterSectionsNameFailed) {
  write([](nlohmann::json& d) {
    d["regions"][1].erase("id");
    d["regions"][0]["seasonality"] = {1};
    d["segments"][0]["win_rate"] = 1.4;  // not reached: segments come after regions
  });
  EXPECT_EQ(errors_of_load(path()).size(), 2u);
  write([](nlohmann::json& d) {
    d["hiring_plan"][0]["requisition_month"] = "2027-13";  // its seats' names unknown
    d["pipeline"]["stages"][0]["win_probability"] = 1.5;   // not reached
    d["simulation"]["trials"] = 0;                         // reached
  });
  const auto errors = errors_of_load(path());
  ASSERT_EQ(errors.size(), 2u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], HasSubstr("/hiring_plan/0/requisition_month"));
  EXPECT_THAT(errors[1], HasSubstr("/simulation/trials"));
}

TEST_F(ScenarioFixture, ErrorsStopAtTheLimit) {
  write();
  std::string rows = "id,owner,region,segment,stage,amount,currency,expected_close\n";
  for (int i = 0; i < 70; ++i) rows += fmt::format("D{},,XX,SMB,Commit,1,USD,2027-05\n", i);
  write_file(dir_ / "pipeline.csv", rows);
  const auto errors = errors_of_load(path());
  EXPECT_EQ(errors.size(), 50u);
  EXPECT_THAT(error_of_load(), HasSubstr("50 errors in 1 file (validation stopped there):"));
}

TEST_F(ScenarioFixture, LongListOfKnownIdsIsCutToTheClosest) {
  write([](nlohmann::json& d) {
    for (int i = 2; i <= 338; ++i) {
      d["roster"]["reps"].push_back({{"id", fmt::format("rep-{:04}", i)},
                                     {"region", "NA"},
                                     {"segment", "SMB"},
                                     {"start", "2026-01"}});
    }
  });
  write_file(dir_ / "pipeline.csv",
             "id,owner,region,segment,stage,amount,currency,expected_close\n"
             "D1,departed-17,NA,SMB,Commit,12000,USD,2027-05\n");
  const std::string message = error_of_load();
  EXPECT_THAT(message, HasSubstr("unknown rep \"departed-17\" (closest of 341 known: rep-0017, "));
  EXPECT_LT(message.size(), 400u) << message;
}

TEST_F(ScenarioFixture, SuggestionsIgnoreCaseAndSwappedLetters) {
  write([](nlohmann::json& d) { d["roster"]["reps"][0]["segment"] = "SBM"; });
  EXPECT_THAT(error_of_load(), HasSubstr("unknown segment \"SBM\" (did you mean \"SMB\"?)"));
  write([](nlohmann::json& d) { d["roster"]["reps"][0]["region"] = "na"; });
  EXPECT_THAT(error_of_load(), HasSubstr("unknown region \"na\" (did you mean \"NA\"?)"));
}

TEST_F(ScenarioFixture, ImplausibleDatesAreWarnedAbout) {
  write();
  EXPECT_TRUE(load_scenario(path()).warnings.empty());
  write([](nlohmann::json& d) {
    d["roster"]["reps"].push_back(
        {{"id", "late"}, {"region", "NA"}, {"segment", "SMB"}, {"start", "2031-01"}});
  });
  write_file(dir_ / "contracts.csv",
             "id,region,segment,arr,currency,renewal_month,term_months\n"
             "C1,NA,SMB,20000,USD,2027-06,12\n"
             "C2,NA,SMB,20000,USD,2020-03,12\n");
  const Scenario scenario = load_scenario(path());
  ASSERT_EQ(scenario.warnings.size(), 2u);
  EXPECT_THAT(scenario.warnings[0],
              AllOf(HasSubstr("contracts.csv:3"), HasSubstr("contract \"C2\" renews in 2020-03"),
                    HasSubstr("more than one 12-month term before the horizon start 2027-04")));
  EXPECT_THAT(scenario.warnings[1],
              AllOf(HasSubstr("rep \"late\" starts in 2031-01, after the end of the horizon "
                              "(2027-04..2028-03)")));
  // Named by where its start is given (review: the scenario file only).
  EXPECT_THAT(scenario.warnings[1], MatchesRegex(".*: /roster/reps/[0-9]+/start: rep \"late\".*"));
  EXPECT_THAT(scenario.warnings[0], HasSubstr("(rolled to the first renewal at or after"));
}

// Review: a renewal in 2068 (a two-digit year read in the wrong century) was said to be rolled,
// and expected closes as far went unsaid.
TEST_F(ScenarioFixture, FarFutureDatesAreWarnedAboutAsTheyAreRead) {
  write();
  write_file(dir_ / "contracts.csv",
             "id,region,segment,arr,currency,renewal_month,term_months\n"
             "C1,NA,SMB,20000,USD,2068-06,12\n");
  write_file(dir_ / "pipeline.csv",
             "id,owner,region,segment,stage,amount,currency,expected_close\n"
             "D1,r1,NA,SMB,Commit,12000,USD,2068-05\n"
             "D2,,EMEA,Enterprise,Commit,200000,EUR,2027-02\n"
             "D3,,EMEA,Enterprise,Commit,200000,EUR,2016-02\n");
  const Scenario scenario = load_scenario(path());
  ASSERT_EQ(scenario.warnings.size(), 2u);
  const std::string all = scenario.warnings[0] + "\n" + scenario.warnings[1];
  EXPECT_THAT(all, HasSubstr("contract \"C1\" renews in 2068-06, more than one 12-month term "
                             "after the horizon start 2027-04 (it first renews then; check the "
                             "date"));
  EXPECT_THAT(all, Not(HasSubstr("rolled")));
  EXPECT_THAT(all, HasSubstr("pipeline.csv:2: deal \"D1\" is expected to close in 2068-05, more "
                             "than 10 years after the horizon start 2027-04, and 1 more deal as "
                             "far: check the dates (a two-digit year, %y, reads 68 as 2068)"));
  // Before the start: a two-digit year read in the last century.
  write_file(dir_ / "pipeline.csv",
             "id,owner,region,segment,stage,amount,currency,expected_close\n"
             "D1,r1,NA,SMB,Commit,12000,USD,1969-05\n");
  write_file(dir_ / "contracts.csv", kContractsCsv);
  EXPECT_THAT(load_scenario(path()).warnings.at(0),
              HasSubstr("10 years before the horizon start 2027-04: check the dates (a two-digit "
                        "year, %y, reads 69 as 1969)"));
  // The twin: dates within ten years say nothing.
  write_file(dir_ / "contracts.csv", kContractsCsv);
  write_file(dir_ / "pipeline.csv", kPipelineCsv);
  EXPECT_TRUE(load_scenario(path()).warnings.empty());
}

//! A roster of `reps` reps (rep-0 ...) and pipeline deals owned by "rep-gone", who left.
class UnknownOwner : public ScenarioFixture {
 protected:
  void write_with_departed_owner(int reps, const char* policy) {
    std::string roster = "id,region,segment,start\n";
    for (int i = 0; i < reps; ++i) roster += fmt::format("rep-{},NA,SMB,2026-01\n", i);
    write_file(std::filesystem::path(csv_path("roster.csv")), roster);
    write_file(std::filesystem::path(csv_path("pipeline.csv")),
               "id,owner,region,segment,stage,amount,expected_close\n"
               "D1,rep-1,NA,SMB,Commit,100,2027-05\n"
               "D2,rep-gone,NA,SMB,Commit,200,2027-05\n"
               "D3,rep-gone,NA,SMB,Commit,300,2027-06\n");
    write([policy](nlohmann::json& d) {
      d["roster"] = {{"csv", "roster.csv"}};
      if (policy) d["pipeline"]["unknown_owner"] = policy;
    });
  }
};

TEST_F(UnknownOwner, IsAnErrorByDefaultListingOnlyTheClosestIds) {
  write_with_departed_owner(300, nullptr);
  const std::string message = error_of_load();
  EXPECT_THAT(message, AllOf(HasSubstr("pipeline.csv lines 3, 4 (2 rows): column 'owner': unknown "
                                       "rep \"rep-gone\""),
                             HasSubstr("closest of 303 known: ")));
  EXPECT_LT(message.size(), 400u) << message;  // not all 300 ids
  write_with_departed_owner(300, "error");
  EXPECT_THAT(error_of_load(), HasSubstr("unknown rep \"rep-gone\""));
}

TEST_F(UnknownOwner, UnownedPolicyKeepsTheDealsWithoutOwnerAndCountsThem) {
  write_with_departed_owner(3, "unowned");
  const Scenario s = load_scenario(path());
  ASSERT_EQ(s.pipeline.deals.size(), 3u);
  EXPECT_EQ(s.pipeline.deals[0].owner, 1);
  EXPECT_EQ(s.pipeline.deals[1].owner, -1);
  EXPECT_EQ(s.pipeline.deals[2].owner, -1);
  ASSERT_EQ(s.notes.size(), 2u);  // and the version-1 currency note of the base document
  EXPECT_THAT(s.notes[0], HasSubstr("pipeline: 2 deals of 1 owner not in the roster are unowned "
                                    "(unknown_owner: unowned): rep-gone"));
}

TEST_F(UnknownOwner, PolicyMustBeOneOfTheTwoWords) {
  write_with_departed_owner(3, "drop");
  EXPECT_THAT(error_of_load(),
              AllOf(HasSubstr("/pipeline/unknown_owner"),
                    HasSubstr("\"drop\" is not allowed (\"error\" or \"unowned\")")));
}

}  // namespace
}  // namespace opsim
