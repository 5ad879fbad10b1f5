// `opsim capacity` and `opsim quotas`: one test per bad-input class (exit 2, a message naming
// the place, the value and what is allowed) and runs that write their result files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <H5Cpp.h>

#include "sim/base/grouped.hpp"
#include "sim/io/number_format.hpp"
#include "sim/io/report_parts.hpp"
#include "tests/progress_lines.hpp"
#include "tests/scenario_builder.hpp"
#include "tests/test_support.hpp"

namespace opsim {
namespace {

using test::run_opsim;
using ::testing::HasSubstr;
using ::testing::Not;

nlohmann::json plan_document() {
  nlohmann::json doc = test::base_document(12);
  doc["segments"][0] = {{"id", "SMB"},      {"opportunity_rate", 3.0},
                        {"win_rate", 0.3},  {"deal_size", {{"mean", 1000.0}, {"cv", 0.4}}},
                        {"attrition", 0.2}, {"skill_cv", 0.2}};
  nlohmann::json reps = nlohmann::json::array();
  for (int i = 0; i < 6; ++i)
    reps.push_back({{"id", fmt::format("R{}", i)},
                    {"region", "NA"},
                    {"segment", "SMB"},
                    {"start", "2025-01"}});
  doc["roster"] = {{"reps", reps}};
  doc["targets"] = {{{"fiscal_year", 2027}, {"amount", 70000}}};
  doc["simulation"] = {{"trials", 400}, {"seed", 3}};
  doc["plan"] = {{"capacity",
                  {{"windows",
                    {{{"region", "NA"},
                      {"segment", "SMB"},
                      {"earliest", "2027-01"},
                      {"latest", "2027-04"},
                      {"max_hires", 6},
                      {"cost_per_hire", 1000}}}}}},
                 {"quotas", {{"over_assignment", 1.1}}},
                 {"compensation",
                  {{"budget", 500000},
                   {"plans",
                    {{{"id", "ae"},
                      {"ote", 60000},
                      {"variable_share", 0.5},
                      {"tiers", {{{"from", 0}, {"rate", 1}}, {{"from", 1}, {"rate", 2}}}},
                      {"cap", 3},
                      {"measurement", "quarterly"}}}}}}};
  return doc;
}

class PlanCli : public ::testing::Test {
 protected:
  std::string write(const nlohmann::json& doc, const std::string& name = "plan.json") {
    std::ofstream(dir_ / name) << doc.dump(1);
    return (dir_ / name).string();
  }
  std::string write_text(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  test::CommandResult import_quotas(const std::string& csv) {
    const auto scenario = write(plan_document());
    const auto quotas = write_text("quotas.csv", csv);
    return run_opsim(
        fmt::format("quotas {} --method import --import-csv {} --no-comp", scenario, quotas));
  }
  test::TempDir dir_;
};

TEST_F(PlanCli, QuotasWriteHdf5AndCsv) {
  const auto scenario = write(plan_document());
  for (const char* method : {"equal-chance", "capacity", "top-down"}) {
    const auto out = (dir_ / fmt::format("{}.h5", method)).string();
    const auto csv = (dir_ / fmt::format("{}_csv", method)).string();
    const auto r =
        run_opsim(fmt::format("quotas {} --method {} -o {} --csv {}", scenario, method, out, csv));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("compensation: variable pay"), std::string::npos) << r.output;
    // Amounts that stand alone say their currency (review: "variable pay mean 1,504,752").
    EXPECT_TRUE(std::regex_search(r.output, std::regex("variable pay mean [0-9,]+ USD \\(P10 ")))
        << r.output;
    EXPECT_TRUE(std::regex_search(r.output, std::regex("cost of sales incl. base [0-9,]+ USD;")))
        << r.output;
    EXPECT_TRUE(std::filesystem::exists(out));
    for (const char* file : {"seats.csv", "regions.csv", "organisation.csv",
                             "attainment_histogram.csv", "compensation.csv"}) {
      EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(csv) / file)) << file;
    }
  }
}

TEST_F(PlanCli, ImportEvaluatesGivenQuotas) {
  const auto r = import_quotas("seat,quota\nR0,10000\nR1,12000\n");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("for 2 selling seats"), std::string::npos) << r.output;
  // Review: quotas totalling below the target were evaluated without a word of it.
  EXPECT_NE(r.output.find("the imported quotas total 22,000, 55,000 (71.4%) below target x "
                          "over-assignment 1.1 = 77,000: the plan under-assigns the target"),
            std::string::npos)
      << r.output;
  const auto enough = import_quotas("seat,quota\nR0,45000\nR1,32000\n");  // the twin
  EXPECT_EQ(enough.exit_code, 0) << enough.output;
  EXPECT_EQ(enough.output.find("under-assigns"), std::string::npos) << enough.output;
  // An over-assignment would change only the header's figure: refused with import.
  const auto over = run_opsim(
      fmt::format("quotas {} --method import --import-csv {} --over-assignment 1.3 --no-comp",
                  write(plan_document()), (dir_ / "quotas.csv").string()));
  EXPECT_EQ(over.exit_code, 2) << over.output;
  EXPECT_NE(over.output.find("--over-assignment sets the total of the quotas opsim sets"),
            std::string::npos)
      << over.output;
}

// Review: a seat without a quota showed 0 expected leavers whatever its attrition. Six seats of
// one segment (attrition 0.2) share the same expected departures; R0 and R1 carry quotas, the
// others none, and each one's leavers estimate the same expectation (4 standard errors of the
// difference of two means). Its twin: seats with a quota, compared among themselves.
TEST_F(PlanCli, ASeatWithoutAQuotaHasItsLeaversCounted) {
  const auto scenario = write(plan_document());
  const auto quotas = write_text("quotas.csv", "seat,quota\nR0,45000\nR1,32000\n");
  const auto csv = dir_ / "leavers";
  const auto r =
      run_opsim(fmt::format("quotas {} --method import --import-csv {} --no-comp -q "
                            "--trials 4000 --csv {}",
                            scenario, quotas, csv.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::map<std::string, double> leavers;
  for (const auto& row : test::read_csv(csv / "seats.csv"))
    leavers[row.at("seat")] = std::stod(row.at("expected_leavers"));
  ASSERT_EQ(leavers.size(), 6u);
  // Departures a year are about 0.2 (at most a few a seat): a variance below 0.5 bounds the SE.
  const double se = std::sqrt(2 * 0.5 / 4000);
  ASSERT_GT(leavers.at("R0"), 0.1);
  for (const char* seat : {"R1", "R2", "R5"})
    EXPECT_NEAR(leavers.at(seat), leavers.at("R0"), 4 * se) << seat;
}

TEST_F(PlanCli, UnknownSeatInQuotaCsv) {
  const auto r = import_quotas("seat,quota\nR0,10000\nR9,12000\n");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("quotas.csv:3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("unknown seat \"R9\""), std::string::npos) << r.output;
}

TEST_F(PlanCli, NonPositiveQuota) {
  const auto r = import_quotas("seat,quota\nR0,0\n");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("quotas.csv:2: column 'quota': 0 is not allowed (must be > 0)"),
            std::string::npos)
      << r.output;
}

// Every bad row of an imported quota file is reported in one run (file and line each), up to
// kCsvErrorLimit listed and the rest counted; exit 2 and no result file.
// Review: imported quotas ran without a target for the year, the header printing "target x
// over-assignment 1 = 0 USD"; plan.md refuses a plan year without a target for every method.
TEST_F(PlanCli, ImportWithoutATargetForTheYearIsRefused) {
  nlohmann::json doc = plan_document();
  doc["targets"] = nlohmann::json::array();
  const auto scenario = write(doc, "untargeted.json");
  const auto quotas = write_text("q.csv", "seat,quota\nR0,10000\nR1,12000\n");
  const auto r = run_opsim(
      fmt::format("quotas {} --method import --import-csv {} --no-comp", scenario, quotas));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("no new_bookings target"), std::string::npos) << r.output;
}

// Review: with "phasing": "flat" the rep was given flat quarters (Q1 32,500 of 130,000) but paid
// against the seasonal profile's (Q1 40,000). One rep, one deal of 130,000 won in January, tiers
// 1x then 2x from 100%, quarterly: at Q1 the rep stands at 130,000 / 32,500 = 4x, earning
// 7 x (50,000 / 130,000) x 32,500 = 87,500; measured on the profile, 84,615.38.
TEST_F(PlanCli, PayIsMeasuredAgainstTheQuotaAsPhased) {
  const nlohmann::json doc = nlohmann::json::parse(R"({
    "schema_version": 1, "name": "ph",
    "horizon": {"start": "2027-01", "months": 12, "reporting_currency": "USD"},
    "regions": [{"id": "NA", "seasonality": [2,1,1,1,1,1,1,1,1,1,1,1]}],
    "segments": [{"id": "SMB", "opportunity_rate": 1e-06, "win_rate": 1.0,
                  "deal_size": {"mean": 1, "cv": 0}, "cycle_months": 0}],
    "roster": {"reps": [{"id": "R1", "region": "NA", "segment": "SMB", "start": "2025-01",
                         "role": "AE"}]},
    "pipeline": {"stages": [{"id": "won", "win_probability": 1.0}],
                 "deals": [{"id": "D1", "owner": "R1", "region": "NA", "segment": "SMB",
                            "stage": "won", "amount": 130000, "expected_close": "2027-01"}]},
    "targets": [{"fiscal_year": 2027, "amount": 130000}],
    "plan": {"fiscal_year": 2027, "quotas": {"phasing": "flat"},
             "compensation": {"plans": [{"id": "ae", "roles": ["AE"], "ote": 100000,
                                         "variable_share": 0.5,
                                         "tiers": [{"from": 0, "rate": 1}, {"from": 1, "rate": 2}],
                                         "cap": 5, "measurement": "quarterly"}]}},
    "simulation": {"trials": 50, "seed": 1}})");
  const auto quotas = write_text("ph.csv", "seat,quota\nR1,130000\n");
  // Review: pay was measured against the unrounded phasing, not the rounded months the rep is
  // given. Rounded to 2,000, the flat months are 12,000 (January to May) and 10,000: Q1 is
  // 36,000, 3.61x, earning (50,000 / 130,000) x (2 x 130,000 - 36,000) = 86,153.85.
  struct Case {
    std::string phasing;
    double rounding;
    std::string pay;
  };
  for (const Case& c : {Case{"flat", 0, "87500.00"}, Case{"profile", 0, "84615.38"},
                        Case{"flat", 2000, "86153.85"}}) {
    const std::string& phasing = c.phasing;
    const std::string& pay = c.pay;
    nlohmann::json variant = doc;
    variant["plan"]["quotas"]["phasing"] = phasing;
    variant["plan"]["quotas"]["rounding"] = c.rounding;
    const std::string name = fmt::format("{}_{}", phasing, c.rounding);
    const auto scenario = write(variant, name + ".json");
    const auto csv = (dir_ / (name + "_csv")).string();
    const auto r = run_opsim(fmt::format("quotas {} --method import --import-csv {} -q --csv {}",
                                         scenario, quotas, csv));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto rows = test::read_csv(std::filesystem::path(csv) / "compensation.csv");
    ASSERT_FALSE(rows.empty());
    EXPECT_EQ(rows[0].at("quantity"), "total_variable_pay");
    EXPECT_EQ(rows[0].at("mean"), pay) << phasing;
  }
}

// Review: per unit cost the search bought four hires (February, May, May, August) for 72,000
// where three in February cost 63,000 and reach a higher probability. One rep closing one deal
// of 100,000 a month; a target of 4,000,000 needs about 40 deals. The plan kept is the cheaper.
TEST_F(PlanCli, CapacityKeepsTheCheaperOfItsPlans) {
  const nlohmann::json doc = nlohmann::json::parse(R"({
    "schema_version": 1, "name": "k",
    "horizon": {"start": "2027-01", "months": 12, "reporting_currency": "USD"},
    "regions": [{"id": "NA"}],
    "segments": [{"id": "SMB", "opportunity_rate": 1, "win_rate": 1.0,
                  "deal_size": {"mean": 100000, "cv": 0}, "cycle_months": 0}],
    "roster": {"reps": [{"id": "R1", "region": "NA", "segment": "SMB", "start": "2025-01",
                         "role": "AE"}]},
    "targets": [{"fiscal_year": 2027, "amount": 4000000}],
    "plan": {"fiscal_year": 2027, "capacity": {"start_step_months": 3, "windows": [
      {"region": "NA", "segment": "SMB", "role": "AE", "earliest": "2027-01", "latest": "2027-07",
       "max_hires": 10, "time_to_fill_months": 1, "cost_per_hire": 10000,
       "monthly_cost": 1000}]}},
    "simulation": {"trials": 2000, "seed": 1}})");
  const auto scenario = write(doc, "k.json");
  const auto r = run_opsim(fmt::format("capacity {} --confidence 0.7", scenario));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("3 hires, cost to FY2027 end 63,000 USD"), std::string::npos) << r.output;
  // One hire is a hire (review: "1 hires" on the terminal and in the workbook).
  const auto one = run_opsim(fmt::format("capacity {} --budget 25000", scenario));
  ASSERT_EQ(one.exit_code, 0) << one.output;
  EXPECT_NE(one.output.find("1 hire, cost to FY2027 end"), std::string::npos) << one.output;
}

// Review: capacity reported the first plan error only and ran past the quota and compensation
// sections' errors that validate refuses. It checks every plan section first, as quotas does.
TEST_F(PlanCli, CapacityAndQuotasRefuseEveryPlanSectionsErrorsAtOnce) {
  nlohmann::json doc = plan_document();
  doc["plan"]["quotas"]["over_asignment"] = 1.1;
  doc["plan"]["compensation"]["plans"][0]["clawback_month"] = 3;
  const auto scenario = write(doc, "bad_plan.json");
  for (const char* command : {"capacity", "quotas"}) {
    const auto r = run_opsim(fmt::format("{} {} --trials 50 -q", command, scenario));
    EXPECT_EQ(r.exit_code, 2) << command << "\n" << r.output;
    EXPECT_NE(r.output.find("\"over_asignment\""), std::string::npos) << command << r.output;
    EXPECT_NE(r.output.find("\"clawback_month\""), std::string::npos) << command << r.output;
  }
}

// Review: an error in /plan/overlays (read with the scenario) hid every other plan section's
// errors. They are reported together; the twin, a scenario failing elsewhere too, still reports
// that failure.
TEST_F(PlanCli, AnOverlayErrorIsReportedWithThePlanSectionsErrors) {
  const std::filesystem::path scenarios = test::source_dir() / "scenarios";
  nlohmann::json doc = nlohmann::json::parse(std::ifstream(scenarios / "plan_example.json"));
  for (const char* csv : {"plan_example_territories.csv", "plan_example_prior.csv"})
    std::filesystem::copy_file(scenarios / csv, dir_ / csv);
  doc["plan"]["overlays"][0]["share"] = -1;
  doc["plan"]["compensation"]["plans"][0]["ote"] = -5;
  doc["plan"]["quotas"]["phasing"] = "weekly";
  const auto scenario = write(doc, "overlay.json");
  for (const char* command : {"validate", "capacity --trials 50 -q", "quotas --trials 50 -q"}) {
    const auto r = run_opsim(fmt::format("{} {}", command, scenario));
    EXPECT_EQ(r.exit_code, 2) << command << "\n" << r.output;
    EXPECT_NE(r.output.find("/plan/overlays/0/share: -1"), std::string::npos)
        << command << r.output;
    EXPECT_NE(r.output.find("/plan/compensation/plans/0/ote"), std::string::npos)
        << command << r.output;
    EXPECT_NE(r.output.find("/plan/quotas/phasing: \"weekly\""), std::string::npos)
        << command << r.output;
  }
  doc["regions"][0]["id"] = 7;  // the scenario fails elsewhere too: that is what is reported
  const auto r = run_opsim(fmt::format("validate {}", write(doc, "broken.json")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("/regions/0/id"), std::string::npos) << r.output;
}

// Review: the default method, equal-chance, ignored the scenario's top-down key and prior-bookings
// file without a word, and the scenario could not choose its method. /plan/quotas/method does;
// --method overrides it; under the default method the unused settings are warned of.
TEST_F(PlanCli, TheScenarioChoosesItsQuotaMethodAndUnusedTopDownSettingsAreSaid) {
  const std::filesystem::path scenarios = test::source_dir() / "scenarios";
  nlohmann::json doc = nlohmann::json::parse(std::ifstream(scenarios / "plan_example.json"));
  for (const char* csv : {"plan_example_territories.csv", "plan_example_prior.csv"})
    std::filesystem::copy_file(scenarios / csv, dir_ / csv);
  doc["plan"]["quotas"].erase("method");
  const auto implicit = write(doc, "implicit.json");
  auto r = run_opsim(fmt::format("quotas {} --trials 100 --no-comp", implicit));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("quotas FY2027 by equal-chance"));
  EXPECT_THAT(r.output,
              HasSubstr("/plan/quotas/key and /plan/quotas/prior_bookings_csv weigh the top-down "
                        "split only; these quotas are set by equal-chance (the default method"));
  doc["plan"]["quotas"]["method"] = "top-down";
  const auto stated = write(doc, "stated.json");
  r = run_opsim(fmt::format("quotas {} --trials 100 --no-comp", stated));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("quotas FY2027 by top-down"));
  EXPECT_THAT(r.output, Not(HasSubstr("top-down split only")));
  r = run_opsim(fmt::format("quotas {} --trials 100 --no-comp --method capacity", stated));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("quotas FY2027 by capacity"));
  EXPECT_THAT(r.output, Not(HasSubstr("top-down split only")));
  doc["plan"]["quotas"]["method"] = "top-dwn";
  r = run_opsim(fmt::format("validate {}", write(doc, "typo.json")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("/plan/quotas/method: \"top-dwn\""));
}

TEST_F(PlanCli, ImportCsvReportsEveryBadRow) {
  // Line 7 has a field too many: it is reported with the others, not alone. Line 8 is empty.
  std::string csv = "seat,quota\nR0,10000\nR9,12000\nR1,0\nR2,abc\nR0,5000\nR3,1,2\nR4,\n";
  for (int i = 0; i < 30; ++i) csv += fmt::format("X{},1000\n", i);  // 30 unknown seats
  const auto scenario = write(plan_document());
  const auto quotas = write_text("quotas.csv", csv);
  const auto out = (dir_ / "out.h5").string();
  const auto folder = (dir_ / "out_csv").string();
  const auto r =
      run_opsim(fmt::format("quotas {} --method import --import-csv {} --no-comp -o {} "
                            "--csv {}",
                            scenario, quotas, out, folder));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("36 errors in 1 file"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("quotas.csv:3: column 'seat': unknown seat \"R9\""), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("quotas.csv:4: column 'quota': 0 is not allowed (must be > 0)"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("quotas.csv:5:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("abc"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("quotas.csv:6: seat \"R0\" appears twice"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("quotas.csv:7: row has 3 fields but the header has 2"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("quotas.csv:8: column 'quota': the value is empty"), std::string::npos)
      << r.output;
  // 'abc' is not a formatted number: no hint about thousands separators.
  EXPECT_EQ(r.output.find("currency_symbols"), std::string::npos) << r.output;
  // 20 listed (lines 3..22), 16 counted.
  EXPECT_NE(r.output.find("quotas.csv:22:"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("quotas.csv:23:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("... and 16 more"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_FALSE(std::filesystem::exists(folder));
}

TEST_F(PlanCli, OverlappingTiers) {
  auto doc = plan_document();
  doc["plan"]["compensation"]["plans"][0]["tiers"] = {
      {{"from", 0}, {"rate", 1}}, {{"from", 1}, {"rate", 2}}, {{"from", 1}, {"rate", 3}}};
  const auto r = run_opsim(fmt::format("quotas {}", write(doc)));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("/plan/compensation/plans/0/tiers/2/from: 1 does not increase"),
            std::string::npos)
      << r.output;
}

TEST_F(PlanCli, CapBelowOnTargetPay) {
  auto doc = plan_document();
  doc["plan"]["compensation"]["plans"][0]["cap"] = 0.8;
  const auto r = run_opsim(fmt::format("quotas {}", write(doc)));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(
      r.output.find("/plan/compensation/plans/0/cap: 0.8 caps variable pay below on-target pay"),
      std::string::npos)
      << r.output;
}

TEST_F(PlanCli, UnderAssignmentNeedsTheFlag) {
  const auto scenario = write(plan_document());
  auto r = run_opsim(fmt::format("quotas {} --over-assignment 0.9 --no-comp", scenario));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("over-assignment 0.9 is below 1"), std::string::npos) << r.output;
  r = run_opsim(
      fmt::format("quotas {} --over-assignment 0.9 --allow-under-assignment --no-comp", scenario));
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

// Review: a region with a target but no seat (APAC added to the example) lost its share of the
// top-down total (11,751,000 of 12,810,000 assigned) under a warning that blamed rounding. It is
// refused, naming the region and the share.
TEST_F(PlanCli, TopDownRefusesARegionWithATargetButNoSeat) {
  nlohmann::json doc =
      nlohmann::json::parse(std::ifstream(test::source_dir() / "scenarios/plan_example.json"));
  doc["regions"].push_back({{"id", "APAC"}});
  doc["targets"].push_back({{"region", "APAC"}, {"fiscal_year", 2027}, {"amount", 1000000}});
  for (const char* csv : {"plan_example_prior.csv", "plan_example_territories.csv"})
    std::filesystem::copy_file(test::source_dir() / "scenarios" / csv, dir_ / csv);
  const std::string scenario = write(doc, "apac.json");
  const auto r = run_opsim(
      fmt::format("quotas {} --method top-down --no-comp --trials 200 --threads 1", scenario));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("region APAC has a new_bookings target of 1,000,000 in /targets but "
                          "no seat with a quota"),
            std::string::npos)
      << r.output;
}

// Review: imported quotas for three sellers only left the overlay class without a quota seat, and
// it read "0.0%" at quota, "min 0.0%, max 0.0%" and 0.0000 in organisation.csv, as if no seat
// could reach quota. A class or group without a quota seat has no probability.
TEST_F(PlanCli, AClassWithoutQuotaSeatsHasNoProbability) {
  const auto scenario = (test::source_dir() / "scenarios/plan_example.json").string();
  const std::string quotas = write_text("imp.csv", "seat,quota\nR0,600000\nR1,500000\nR2,400000\n");
  const auto r =
      run_opsim(fmt::format("quotas {} --method import --import-csv {} --trials 200 "
                            "--threads 1 --no-comp --csv {}",
                            scenario, quotas, (dir_ / "imp").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("overlays: no seat with a quota"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("overlays: expected share"), std::string::npos) << r.output;
  int overlays = 0;
  for (auto& row : test::read_csv(dir_ / "imp/organisation.csv")) {
    if (row["seat_class"] != "overlays") continue;
    ++overlays;
    EXPECT_EQ(row["expected_share_at_quota"], "");
    EXPECT_EQ(row["quota_seats"], "0");
  }
  EXPECT_EQ(overlays, 1);
}

// Review: a key of 0 for the plan's March hires, caused by --key prior, was sent to the scenario's
// /plan/quotas/key, which already blended in the expected bookings; the advice names --key.
TEST_F(PlanCli, AZeroTopDownKeyFromTheCommandNamesTheOption) {
  const auto scenario = (test::source_dir() / "scenarios/plan_example.json").string();
  auto r = run_opsim(fmt::format(
      "quotas {} --method top-down --key prior --trials 200 --threads 1 --no-comp", scenario));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("have a top-down key of 0"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("blend in the expected bookings (--key prior, e.g. --key "
                          "prior=0.5,expected=0.5)"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("(/plan/quotas/key)"), std::string::npos) << r.output;
}

// Review: the plan's own over-assignment of 11 passed validate, and its errors named no file; a
// target of 0 gave every seat a quota of 0 with exit 0; --key was silently ignored under
// equal-chance; a prior-bookings key of the file was blamed on --key; seats no plan covers were
// left out of the cost without a word.
TEST_F(PlanCli, PlanQuotaSettingsAreCheckedWithTheirFileAndPointer) {
  nlohmann::json doc = plan_document();
  doc["plan"]["quotas"]["over_assignment"] = 11;
  const auto over = write(doc, "over.json");
  auto r = run_opsim(fmt::format("validate {}", over));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("over.json: /plan/quotas/over_assignment: 11 is not allowed"),
            std::string::npos)
      << r.output;
  doc["plan"]["quotas"]["over_assignment"] = 0.5;
  r = run_opsim(fmt::format("quotas {} --no-comp", write(doc, "under.json")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("under.json: /plan/quotas/over_assignment: over-assignment 0.5 is below"),
            std::string::npos)
      << r.output;
  doc["plan"]["quotas"]["over_assignment"] = 1.1;
  doc["plan"]["quotas"]["key"] = {{"prior", 1}};
  r = run_opsim(fmt::format("quotas {} --method top-down --no-comp", write(doc, "key.json")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("key.json: /plan/quotas/key: the prior-bookings key needs"),
            std::string::npos)
      << r.output;
  const auto scenario = write(plan_document());
  r = run_opsim(fmt::format("quotas {} --key expected=1 --trials 100 --no-comp", scenario));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--key is only used with --method top-down (given --method "
                          "equal-chance)"),
            std::string::npos)
      << r.output;
  // Review: --prior-csv was accepted under methods that never read it; refused as --key is.
  auto with_prior = [&](const std::string& method) {
    return run_opsim(fmt::format("quotas {} {} --prior-csv nowhere.csv --trials 100 --no-comp",
                                 scenario, method));
  };
  r = with_prior("");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--prior-csv is only used by the top-down key's prior share (--method "
                          "top-down with --key prior or a blend with prior=..; given --method "
                          "equal-chance)"),
            std::string::npos)
      << r.output;
  r = with_prior("--method top-down --key expected");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("whose key gives prior no weight"), std::string::npos) << r.output;
  // The twin: with the prior share it is read (and here, missing, said so).
  r = with_prior("--method top-down --key prior");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("nowhere.csv"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("is only used by"), std::string::npos) << r.output;
  doc = plan_document();
  doc["targets"][0]["amount"] = 0;
  r = run_opsim(fmt::format("quotas {} --method capacity --trials 100", write(doc, "zero.json")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("zero.json: the new_bookings target for FY2027 in /targets is 0"),
            std::string::npos)
      << r.output;
  // A plan for some roles only: the other seats are named as uncovered.
  doc = plan_document();
  doc["roster"]["reps"][0]["role"] = "AE";
  doc["plan"]["compensation"]["plans"][0]["roles"] = {"AE"};
  r = run_opsim(fmt::format("validate {}", write(doc, "roles.json")));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("5 of 6 seats have no compensation plan"), std::string::npos) << r.output;
  // Its twin, every seat covered, says nothing of it.
  r = run_opsim(fmt::format("validate {}", scenario));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("have no compensation plan"), std::string::npos) << r.output;
}

TEST_F(PlanCli, UnknownQuotaMethod) {
  const auto r = run_opsim(fmt::format("quotas {} --method even", write(plan_document())));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(
      r.output.find("\"even\" is not a quota method (top-down, capacity, equal-chance, import)"),
      std::string::npos);
}

TEST_F(PlanCli, ConfidenceOutsideTheOpenInterval) {
  const auto scenario = write(plan_document());
  for (const char* value : {"0", "1", "-0.2", "100"}) {
    const auto r = run_opsim(fmt::format("capacity {} --confidence {}", scenario, value));
    EXPECT_EQ(r.exit_code, 2) << value << r.output;
    EXPECT_NE(r.output.find("is not a probability strictly between 0 and 1"), std::string::npos)
        << r.output;
    // Only a value above 1 (read as a percent) gets the percent spelling.
    EXPECT_EQ(r.output.find("% write "), std::string::npos) << r.output;
  }
  // A percent typed without its sign is told the two spellings that work.
  const auto r = run_opsim(fmt::format("capacity {} --confidence 70", scenario));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("for 70% write 70% or 0.7"), std::string::npos) << r.output;
}

TEST_F(PlanCli, CapacityAndQuotasPrintProgressLinesToANonTerminalStderr) {
  const auto scenario = write(plan_document());
  // 400 trials: capacity simulates twice (base plan, candidate hires), quotas twice (forecast,
  // compensation pass), so both count to 800.
  auto r = run_opsim(fmt::format("capacity {} --confidence 0.6 --progress-every 0", scenario));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_GE(test::progress_lines(r.output, "trials"), 1u) << r.output;
  // The confidence and each region's P(target) in percent, a hire's effect in points.
  EXPECT_NE(r.output.find(", required confidence 60.0%, "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("     target USD       mean USD"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find(", confidence 0."), std::string::npos) << r.output;
  // The confidence may be given as the terminal prints it (review: "70%" could not convert).
  const auto percent =
      run_opsim(fmt::format("capacity {} --confidence 60% --progress-every 0", scenario));
  EXPECT_EQ(percent.exit_code, 0) << percent.output;
  EXPECT_NE(percent.output.find(", required confidence 60.0%, "), std::string::npos)
      << percent.output;
  EXPECT_NE(r.output.find("/800 trials ("), std::string::npos) << r.output;
  r = run_opsim(fmt::format("quotas {} --progress-every 0", scenario));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_GE(test::progress_lines(r.output, "trials"), 1u) << r.output;
  EXPECT_NE(r.output.find("/800 trials ("), std::string::npos) << r.output;
  // Without the compensation pass, one pass counts (1,200 trials: lines at 512 and 1,024).
  r = run_opsim(fmt::format("quotas {} --progress-every 0 --no-comp --trials 1200", scenario));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("/1200 trials ("), std::string::npos) << r.output;
  r = run_opsim(fmt::format("quotas {} --progress-every 0 -q", scenario));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(test::progress_lines(r.output, "trials"), 0u) << r.output;
}

TEST_F(PlanCli, CapacityFindsAPlanAndWritesIt) {
  const auto scenario = write(plan_document());
  const auto out = (dir_ / "capacity.h5").string();
  const auto csv = (dir_ / "capacity_csv").string();
  const auto r =
      run_opsim(fmt::format("capacity {} --confidence 0.6 -o {} --csv {}", scenario, out, csv));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("capacity plan (feasible)"), std::string::npos) << r.output;
  EXPECT_TRUE(std::filesystem::exists(out));
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(csv) / "plan.csv"));
}

// An infeasible plan is not bad input: exit 3 (as `opsim territories` for no feasible
// alignment), with the shortfall per region; the best plan found is written, marked infeasible.
TEST_F(PlanCli, InfeasibleCapacityPlanExitsThreeWithTheShortfall) {
  auto doc = plan_document();
  doc["targets"][0]["amount"] = 1e9;
  doc["targets"].push_back({{"fiscal_year", 2027}, {"region", "NA"}, {"amount", 1e9}});
  const auto out = (dir_ / "none.h5").string();
  const auto emitted = (dir_ / "none.json").string();
  const auto csv = dir_ / "none_csv";
  const auto r =
      run_opsim(fmt::format("capacity {} --confidence 0.7 -o {} --emit-scenario {} --csv {}",
                            write(doc), out, emitted, csv.string()));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("no feasible hiring plan"), std::string::npos) << r.output;
  const std::string prefix = "total: P 0.0%, short by ";
  const std::size_t shortfall = r.output.find(prefix + "9");
  ASSERT_NE(shortfall, std::string::npos) << r.output;
  EXPECT_NE(r.output.find("at 70.0% confidence"), std::string::npos) << r.output;
  // For people: thousands separators (it read "short by 914754237").
  const std::size_t at = shortfall + prefix.size();
  const std::string amount = r.output.substr(at, r.output.find(' ', at) - at);
  EXPECT_EQ(amount.size(), 11u) << amount;  // 9xx,xxx,xxx
  EXPECT_EQ(amount[3], ',') << amount;
  EXPECT_EQ(amount[7], ',') << amount;
  EXPECT_TRUE(std::filesystem::exists(out));
  EXPECT_FALSE(std::filesystem::exists(emitted));  // no scenario for a plan that fails
  // Every allowed hire is in the plan: no "+1 hire" effect to show (review: it read 0.0000 and
  // a cost of 0, as if one more hire were free and useless).
  const auto rows = test::read_csv(csv / "attainment.csv");
  ASSERT_EQ(rows.size(), 2u);  // NA, total
  for (const auto& row : rows) {
    EXPECT_EQ(row.at("marginal_p_region"), "") << row.at("region");
    EXPECT_EQ(row.at("marginal_hire_cost"), "") << row.at("region");
  }
  const std::size_t na = r.output.find("\nNA ");
  ASSERT_NE(na, std::string::npos) << r.output;
  const std::string line = r.output.substr(na + 1, r.output.find('\n', na + 1) - na - 1);
  // Only the SE of P(target) is in points: no "+1 hire" effect.
  EXPECT_EQ(line.find("pts"), line.rfind("pts")) << line;
  EXPECT_EQ(line.find(" +"), std::string::npos) << line;
}

// Review: quotas for a fiscal year that runs past the horizon set the full-year target against
// half a year of bookings and pay, with quarters beyond the horizon written as 0. Refused (exit
// 2) by quotas and capacity, named in a warning by validate, with the months simulated.
TEST_F(PlanCli, APlanWorksOnAYearTheHorizonCoversWhole) {
  auto doc = plan_document();
  doc["horizon"]["start"] = "2026-07";
  doc["horizon"]["months"] = 24;  // FY2026 and FY2028 in part, FY2027 whole
  const auto scenario = write(doc);
  // Without /plan/fiscal_year the plan works on the first whole year (it was the horizon's
  // first, FY2026, which the whole-year rule then refused).
  const auto planned = run_opsim(fmt::format("quotas {} --trials 50 --no-comp", scenario));
  EXPECT_EQ(planned.exit_code, 0) << planned.output;
  EXPECT_NE(planned.output.find("FY2027"), std::string::npos) << planned.output;
  // A year outside the horizon names the years a plan may work on, not every year it touches
  // (a review found "allowed 2026..2028" printed before FY2028 was refused as partial).
  auto stated = doc;
  stated["plan"]["fiscal_year"] = 2035;
  const std::string stated_scenario = write(stated, "stated.json");
  for (const auto& [options, where] :
       {std::pair<std::string, std::string>{scenario + " --fiscal-year 2035", "--fiscal-year"},
        {stated_scenario, "/plan/fiscal_year"}}) {
    const auto outside = run_opsim(fmt::format("quotas {} --trials 50 --no-comp", options));
    EXPECT_EQ(outside.exit_code, 2) << outside.output;
    EXPECT_NE(outside.output.find(where + ": fiscal year 2035 is outside the horizon "
                                          "(2026-07..2028-06); plan FY2027, which it covers whole"),
              std::string::npos)
        << outside.output;
  }
  doc["plan"]["fiscal_year"] = 2035;
  // A horizon covering no year whole says so.
  doc["horizon"]["months"] = 12;
  const auto none =
      run_opsim(fmt::format("capacity {} --trials 50 --confidence 0.6", write(doc, "short.json")));
  EXPECT_EQ(none.exit_code, 2) << none.output;
  EXPECT_NE(none.output.find("it covers no fiscal year whole"), std::string::npos) << none.output;
  // ... and offers no other year to plan (review: "or plan a later year" where none fits).
  doc["plan"].erase("fiscal_year");
  const auto partial =
      run_opsim(fmt::format("quotas {} --trials 50 --no-comp", write(doc, "short.json")));
  EXPECT_EQ(partial.exit_code, 2) << partial.output;
  EXPECT_NE(partial.output.find("(start the horizon in 2026-01)"), std::string::npos)
      << partial.output;
  EXPECT_EQ(partial.output.find("or plan"), std::string::npos) << partial.output;
  // The default year without a target: validate warns, and quotas and capacity say where the
  // year comes from (review: "no new_bookings target for FY2028" beside the user's FY2027
  // target, with validate silent).
  auto later = plan_document();  // targets FY2027
  later["horizon"]["start"] = "2027-03";
  later["horizon"]["months"] = 24;  // FY2027 in part, FY2028 whole
  later["plan"]["capacity"]["windows"][0]["earliest"] = "2028-01";
  later["plan"]["capacity"]["windows"][0]["latest"] = "2028-04";
  const auto untargeted = write(later, "later.json");
  const std::string origin =
      "FY2028 is the plan's fiscal year (the first the horizon covers whole: /plan/fiscal_year is "
      "not given)";
  const auto checked = run_opsim(fmt::format("validate {}", untargeted));
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_NE(checked.output.find("warning: opsim quotas and opsim capacity will refuse this plan: " +
                                untargeted + ": no new_bookings target for FY2028 in /targets"),
            std::string::npos)
      << checked.output;
  EXPECT_NE(checked.output.find(origin), std::string::npos) << checked.output;
  for (const char* command : {"quotas", "capacity --confidence 0.6"}) {
    const auto r = run_opsim(fmt::format("{} {} --trials 50", command, untargeted));
    EXPECT_EQ(r.exit_code, 2) << command << r.output;
    EXPECT_NE(r.output.find("no new_bookings target for FY2028 in /targets"), std::string::npos)
        << command << r.output;
    EXPECT_NE(r.output.find(origin), std::string::npos) << command << r.output;
  }
  // Twin: with an FY2028 target, validate has nothing to say about it.
  later["targets"].push_back({{"fiscal_year", 2028}, {"amount", 70000}});
  const auto targeted = run_opsim(fmt::format("validate {}", write(later, "later.json")));
  EXPECT_EQ(targeted.exit_code, 0) << targeted.output;
  EXPECT_EQ(targeted.output.find("will refuse"), std::string::npos) << targeted.output;
}

TEST_F(PlanCli, AFiscalYearPastTheHorizonIsRefused) {
  auto doc = plan_document();
  doc["horizon"]["months"] = 18;  // 2027-01..2028-06: FY2028 is half simulated
  doc["targets"].push_back({{"fiscal_year", 2028}, {"amount", 70000}});
  doc["plan"]["fiscal_year"] = 2028;
  const auto scenario = write(doc);
  for (const char* command : {"quotas", "capacity --confidence 0.6", "validate"}) {
    const auto out = dir_ / "late.h5";
    const bool validate = std::string(command) == "validate";
    const auto r =
        run_opsim(fmt::format("{} {}{}", command, scenario,
                              validate ? std::string() : " --trials 50 -o " + out.string()));
    // validate warns (the plan's costs also price `compare`, over any year); the planning
    // commands refuse.
    EXPECT_EQ(r.exit_code, validate ? 0 : 2) << command << r.output;
    if (validate) {
      EXPECT_NE(r.output.find("warning: opsim quotas and opsim capacity will refuse this plan"),
                std::string::npos)
          << r.output;
    }
    EXPECT_NE(r.output.find("/plan/fiscal_year: fiscal year 2028 runs past the horizon, which "
                            "ends in 2028-06: only 6 of its 12 months (2028-01..2028-06)"),
              std::string::npos)
        << command << r.output;
    EXPECT_FALSE(std::filesystem::exists(out)) << command;
  }
  // --fiscal-year overrides the plan's year: FY2027, wholly inside, is planned (a re-check found
  // the plan's FY2028 refused first).
  const auto overridden =
      run_opsim(fmt::format("quotas {} --trials 50 --no-comp --fiscal-year 2027", scenario));
  EXPECT_EQ(overridden.exit_code, 0) << overridden.output;
  // Its twin: FY2027 as the plan's year is planned.
  doc["plan"]["fiscal_year"] = 2027;
  EXPECT_EQ(run_opsim(fmt::format("quotas {} --trials 50 --no-comp", write(doc))).exit_code, 0);
  // Without /plan/fiscal_year the plan's year is the horizon's first: a 6-month horizon covers
  // FY2027 in part, and validate says so as quotas does, naming where the year comes from.
  doc["plan"].erase("fiscal_year");
  doc["horizon"]["months"] = 6;
  doc["targets"] = {{{"fiscal_year", 2027}, {"amount", 70000}}};
  const auto short_plan = write(doc, "short.json");
  for (const char* command : {"validate", "quotas"}) {
    const auto r = run_opsim(fmt::format("{} {}", command, short_plan));
    EXPECT_EQ(r.exit_code, std::string(command) == "validate" ? 0 : 2) << command << r.output;
    EXPECT_NE(r.output.find("the plan's fiscal year (the horizon's first, as it simulates none "
                            "whole seat by seat: /plan/fiscal_year is not given): fiscal year "
                            "2027 runs past the horizon"),
              std::string::npos)
        << command << r.output;
  }
  // A year that starts before the horizon is not simulated seat by seat in its first months
  // (review: a whole-year quota over the rest of the year, P(quota) 5%): refused too.
  doc["horizon"]["start"] = "2027-07";
  doc["horizon"]["months"] = 12;
  doc["plan"]["capacity"]["windows"][0]["earliest"] = "2027-07";
  doc["plan"]["capacity"]["windows"][0]["latest"] = "2027-10";
  doc["plan"]["fiscal_year"] = 2027;
  const auto late_start = run_opsim(fmt::format("quotas {} --no-comp", write(doc, "mid.json")));
  EXPECT_EQ(late_start.exit_code, 2) << late_start.output;
  EXPECT_NE(late_start.output.find("fiscal year 2027 starts before the horizon, which starts in "
                                   "2027-07: its months 2027-01..2027-06 are not simulated"),
            std::string::npos)
      << late_start.output;
}

// Defect: equal-chance quotas that no common probability reaches (target times over-assignment
// above every seat's largest simulated bookings) exited 2, the code for bad input found before
// any work; it is a valid request with no feasible answer: exit 3, nothing written. Its twin at
// the default over-assignment reaches the target.
TEST_F(PlanCli, UnreachableEqualChanceTargetExitsThree) {
  const auto scenario = (test::source_dir() / "scenarios/plan_example.json").string();
  const auto out = (dir_ / "unreachable.h5").string();
  auto r = run_opsim(fmt::format(
      "quotas {} --method equal-chance --over-assignment 3 --trials 300 -q -o {}", scenario, out));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  // 3 x the company target 11,200,000, named for what it is (review: "the target 33,600,000").
  EXPECT_NE(r.output.find("target x over-assignment 33,600,000 exceeds the sum of every seat's "
                          "largest "
                          "simulated bookings ("),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));
  r = run_opsim(
      fmt::format("quotas {} --method equal-chance --trials 300 -q -o {}", scenario, out));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(out));
}

// -q silences standard output, not warnings: the coverage warnings go to standard error with the
// plan's (they were part of the terminal table, so -q dropped them and kept the plan's: review
// finding). Its twin at the default over-assignment has coverage inside the band: no warning.
TEST_F(PlanCli, QuietQuotasKeepEveryWarning) {
  const auto scenario = (test::source_dir() / "scenarios/plan_example.json").string();
  auto r = run_opsim(
      fmt::format("quotas {} --method top-down --over-assignment 1.5 --trials 300 -q", scenario));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("warning: plan ae component retention"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("warning: total quota coverage 1."), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("region "), std::string::npos) << r.output;  // no table with -q
  r = run_opsim(fmt::format("quotas {} --method top-down --trials 300 -q", scenario));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("warning: plan ae component retention"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("quota coverage"), std::string::npos) << r.output;
}

//! Decimals of a CSV number ("12.50" -> 2, "7" -> 0); -1 when `text` is not a plain decimal.
int decimals_of(const std::string& text) {
  const std::size_t digits = text.find_first_not_of("-0123456789.");
  if (text.empty() || digits != std::string::npos) return -1;
  const std::size_t dot = text.find('.');
  return dot == std::string::npos ? 0 : static_cast<int>(text.size() - dot - 1);
}

// The plan CSVs round as the run CSVs do (number_format): amounts to cents, probabilities and
// ratios to 4 decimals, counts whole, undefined empty; they wrote 17-digit floats.
TEST_F(PlanCli, PlanCsvNumbersAreRoundedForPeople) {
  const auto scenario = write(plan_document());
  const auto csv = dir_ / "quota_csv";
  auto r = run_opsim(fmt::format("quotas {} -q --csv {}", scenario, csv.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto seats = test::read_csv(csv / "seats.csv");
  ASSERT_FALSE(seats.empty());
  for (const auto& row : seats) {
    for (const char* amount : {"quota", "mean", "p90", "expected_cost", "quota_2027-01"})
      EXPECT_EQ(decimals_of(row.at(amount)), 2) << amount << " " << row.at(amount);
    for (const char* ratio : {"p_reach_quota", "p_reach_quota_se", "expected_attainment"}) {
      if (!row.at(ratio).empty()) {
        EXPECT_EQ(decimals_of(row.at(ratio)), 4) << ratio;
      }
    }
    EXPECT_EQ(decimals_of(row.at("equal_chance_floor")), 0) << row.at("equal_chance_floor");
  }
  for (const char* file :
       {"seats.csv", "regions.csv", "organisation.csv", "attainment_histogram.csv",
        "compensation.csv", "compensation_groups.csv"}) {
    for (const auto& row : test::read_csv(csv / file)) {
      for (const auto& [column, text] : row) {
        const int d = decimals_of(text);
        if (d >= 0) {
          EXPECT_LE(d, 4) << file << " " << column << " " << text;
        }
      }
    }
  }
  const auto organisation = test::read_csv(csv / "organisation.csv");
  EXPECT_EQ(decimals_of(organisation.at(0).at("fiscal_year")), 0);
  EXPECT_EQ(decimals_of(organisation.at(0).at("common_probability").empty()
                            ? "0.0000"
                            : organisation.at(0).at("common_probability")),
            4);
  // The compensation summary: the share of bookings row keeps 4 decimals under amount columns.
  for (const auto& row : test::read_csv(csv / "compensation.csv")) {
    const int expected = row.at("quantity") == "cost_share_of_bookings" ? 4
                         : row.at("quantity") == "total_cost_of_sales"  ? 2
                                                                        : -2;
    if (expected != -2) {
      EXPECT_EQ(decimals_of(row.at("mean")), expected) << row.at("quantity");
    }
  }
}

TEST_F(PlanCli, CapacityPlanListsHiresHeadcountAndEmitsTheScenario) {
  auto doc = plan_document();
  doc["plan"]["capacity"]["windows"][0]["role"] = "AE";
  doc["plan"]["capacity"]["windows"][0]["time_to_fill_months"] = 2;
  doc["plan"]["capacity"]["windows"][0]["monthly_cost"] = 100;
  doc["targets"][0]["amount"] = 90000;
  const auto csv = dir_ / "capacity_csv";
  const auto emitted = (dir_ / "with_hires.json").string();
  const auto r = run_opsim(fmt::format("capacity {} --confidence 0.6 --csv {} --emit-scenario {}",
                                       write(doc), csv.string(), emitted));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto hires = test::read_csv(csv / "plan.csv");
  ASSERT_FALSE(hires.empty()) << r.output;
  for (const auto& h : hires) {
    EXPECT_EQ(h.at("region"), "NA");
    EXPECT_EQ(h.at("role"), "AE");
    // Start = requisition + 2 months; cost to the FY2027 end: 1000 + 100 x months from start.
    const int requisition = std::stoi(h.at("requisition_month").substr(5));
    EXPECT_EQ(std::stoi(h.at("start_month").substr(5)), requisition + 2);
    EXPECT_DOUBLE_EQ(std::stod(h.at("cost_to_fiscal_year_end")),
                     1000 + 100 * (12 - (requisition + 2) + 1));
  }
  const auto headcount = test::read_csv(csv / "headcount.csv");
  ASSERT_EQ(headcount.size(), 12u);
  EXPECT_EQ(headcount.back().at("planned"), "6");
  EXPECT_EQ(std::stoul(headcount.back().at("recommended")), hires.size());
  // The emitted scenario has one hiring-plan entry per hire and runs as it is.
  std::ifstream in(emitted);
  const auto written = nlohmann::json::parse(in);
  ASSERT_EQ(written.at("hiring_plan").size(), hires.size());
  EXPECT_EQ(written["hiring_plan"][0].at("role"), "AE");
  const auto quotas_csv = dir_ / "quotas_csv";
  const auto quotas =
      run_opsim(fmt::format("quotas {} --no-comp -q --csv {}", emitted, quotas_csv.string()));
  EXPECT_EQ(quotas.exit_code, 0) << quotas.output;
  // Each hire's `seat` is the id the quota outputs give it (review: plan.csv's
  // "capacity/NA/SMB/1" matched no seat; the emitted scenario's seat is "capacity/NA/SMB/1/1").
  std::set<std::string> seats;
  for (const auto& row : test::read_csv(quotas_csv / "seats.csv")) seats.insert(row.at("seat"));
  for (const auto& h : hires) {
    EXPECT_EQ(h.at("seat"), h.at("hire") + "/1");
    EXPECT_TRUE(seats.contains(h.at("seat"))) << h.at("seat");
  }
  // Planned again, the emitted scenario keeps its hires and the new ones are numbered after them
  // (review: "duplicate rep id capacity/NA/SMB/1/1" in the second emitted scenario).
  auto again = written;
  again["targets"][0]["amount"] = 1.2 * 90000;
  again["plan"]["capacity"]["windows"][0]["max_hires"] = 20;
  const auto again_path = write(again, "again.json");
  const auto twice = (dir_ / "twice.json").string();
  const auto second =
      run_opsim(fmt::format("capacity {} --confidence 0.6 --csv {} --emit-scenario {}", again_path,
                            (dir_ / "again_csv").string(), twice));
  ASSERT_EQ(second.exit_code, 0) << second.output;
  const auto more = test::read_csv(dir_ / "again_csv" / "plan.csv");
  ASSERT_FALSE(more.empty()) << second.output;
  for (const auto& h : more) EXPECT_FALSE(seats.contains(h.at("seat"))) << h.at("seat");
  const auto valid = run_opsim(fmt::format("validate {}", twice));
  EXPECT_EQ(valid.exit_code, 0) << valid.output;
}

// Defect: top-down quotas totalled 1.1 x the region targets' sum while the header and
// organisation.csv printed 1.05 x the company target (the example's company target, 11.2M, is
// above the sum of its region targets, 11.1M).
TEST_F(PlanCli, TopDownQuotasAddUpToThePrintedTarget) {
  const auto csv = dir_ / "td";
  const auto r = run_opsim(
      fmt::format("quotas {} --method top-down --no-comp --trials 200 --csv {}",
                  (test::source_dir() / "scenarios/plan_example.json").string(), csv.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("= 11,760,000 USD; quotas total 11,760,000"), std::string::npos)
      << r.output;
  const auto organisation = test::read_csv(csv / "organisation.csv");
  const double target = std::stod(organisation.at(0).at("over_assigned_target"));
  const double total = std::stod(organisation.at(0).at("total_quota"));
  // The target before over-assignment has a column of its own (review: the workbook's "Target"
  // was the over-assigned figure).
  const double company_target = std::stod(organisation.at(0).at("company_target"));
  EXPECT_NEAR(1.05 * company_target, target, 1e-6 * target);
  EXPECT_GT(std::abs(company_target - target), 1e-6 * target);
  EXPECT_NEAR(total, target, 1e-6 * target);
  EXPECT_GT(std::abs(1.05 * total - target), 1e-6 * target);
  double seats = 0;  // the selling seats': the SE overlay seats' quotas are outside the split
  for (const auto& row : test::read_csv(csv / "seats.csv")) {
    if (row.at("role") != "SE") seats += row.at("quota").empty() ? 0.0 : std::stod(row.at("quota"));
  }
  EXPECT_NEAR(seats, target, 1e-6 * target);
}

// Monthly and quarterly quotas: rounded to the unit, summing to the (rounded) annual quota.
TEST_F(PlanCli, QuotasByQuarterAndMonthAreWrittenNextToTheAnnualQuota) {
  auto doc = plan_document();
  doc["plan"]["quotas"]["rounding"] = 500;
  doc["plan"]["quotas"]["phasing"] = "flat";
  const auto csv = dir_ / "periods";
  const auto r = run_opsim(fmt::format("quotas {} --no-comp --csv {}", write(doc), csv.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const auto& row : test::read_csv(csv / "seats.csv")) {
    const double quota = std::stod(row.at("quota"));
    double months = 0, quarters = 0;
    for (int m = 1; m <= 12; ++m) {
      const double v = std::stod(row.at(fmt::format("quota_2027-{:02d}", m)));
      EXPECT_DOUBLE_EQ(std::fmod(v, 500), 0.0);
      months += v;
    }
    for (int q = 1; q <= 4; ++q) quarters += std::stod(row.at(fmt::format("quota_q{}", q)));
    EXPECT_EQ(months, quarters);
    EXPECT_EQ(months, quota);  // the annual quota is rounded to the same unit
  }
}

// Defect: with `rounding` the months and quarters were rounded but the annual quota written
// beside them was not, so they did not add up to it. The annual quota is rounded too: it equals
// the sum of its months and of its quarters, and the organisation's quota total (printed and in
// organisation.csv) equals the sum of the seats', for both methods that solve for a total.
TEST_F(PlanCli, RoundedAnnualQuotaEqualsItsMonthsAndTheTotalItsSeats) {
  for (const std::string method : {"top-down", "equal-chance"}) {
    const auto csv = dir_ / ("rounded-" + method);
    const auto r = run_opsim(fmt::format(
        "quotas {} --method {} --no-comp --trials 200 --csv {}",
        (test::source_dir() / "scenarios/plan_example.json").string(), method, csv.string()));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    double sellers = 0, overlays = 0;
    int quota_seats = 0;
    for (const auto& row : test::read_csv(csv / "seats.csv")) {
      if (row.at("quota").empty()) continue;
      ++quota_seats;
      const double quota = std::stod(row.at("quota"));
      EXPECT_EQ(std::fmod(quota, 1000), 0.0) << row.at("seat");
      (row.at("role") == "SE" ? overlays : sellers) += quota;
      double months = 0, quarters = 0;
      for (int m = 1; m <= 12; ++m)
        months += std::stod(row.at(fmt::format("quota_2027-{:02d}", m)));
      for (int q = 1; q <= 4; ++q) quarters += std::stod(row.at(fmt::format("quota_q{}", q)));
      EXPECT_EQ(months, quota) << method << " " << row.at("seat");
      EXPECT_EQ(quarters, quota) << method << " " << row.at("seat");
      EXPECT_NE(months, 1.05 * quota) << row.at("seat");
    }
    ASSERT_GT(quota_seats, 0);
    const auto organisation = test::read_csv(csv / "organisation.csv");
    ASSERT_EQ(organisation.size(), 2u);  // sellers, overlays
    EXPECT_EQ(std::stod(organisation.at(0).at("total_quota")), sellers) << method;
    EXPECT_EQ(std::stod(organisation.at(1).at("total_quota")), overlays) << method;
    EXPECT_NE(std::stod(organisation.at(0).at("total_quota")), 1.05 * sellers);
    EXPECT_NE(r.output.find(fmt::format("quotas total {} USD\n", format_grouped(sellers))),
              std::string::npos)
        << r.output;
  }
}

TEST_F(PlanCli, UnknownProrationPhasingAndNegativeRounding) {
  auto doc = plan_document();
  doc["plan"]["compensation"]["plans"][0]["proration"] = "weeks";
  auto r = run_opsim(fmt::format("quotas {} -q", write(doc)));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("/plan/compensation/plans/0/proration: \"weeks\" is not a proration "
                          "(months, quota_share)"),
            std::string::npos)
      << r.output;
  doc = plan_document();
  doc["plan"]["quotas"]["phasing"] = "even";
  r = run_opsim(fmt::format("quotas {} -q", write(doc)));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("/plan/quotas/phasing: \"even\" is not a phasing (profile, flat)"),
            std::string::npos)
      << r.output;
  doc = plan_document();
  doc["plan"]["quotas"]["rounding"] = -5;
  r = run_opsim(fmt::format("quotas {} -q", write(doc)));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("/plan/quotas/rounding: -5 is negative (must be >= 0)"),
            std::string::npos)
      << r.output;
}

// Review: with --budget the terminal said "within budget 100,000: targets missed" while the
// report and the workbook said "INFEASIBLE: within the allowed hires", never naming the budget.
TEST_F(PlanCli, ABudgetPlanSaysTheBudgetInEveryOutput) {
  const std::string out = (dir_ / "capb.h5").string(), book = (dir_ / "capb.xlsx").string();
  const auto r = run_opsim(fmt::format("capacity {} --budget 1000 --trials 200 -q -o {} --xlsx {}",
                                       write(plan_document()), out, book));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string page = (dir_ / "capb.html").string();
  const auto report = run_opsim(fmt::format("report {} -o {}", out, page));
  ASSERT_EQ(report.exit_code, 0) << report.output;
  std::ifstream in(page);
  const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(html.find("Within the budget of 1,000 "), std::string::npos);
  EXPECT_EQ(html.find("INFEASIBLE"), std::string::npos);
  // The headline, hires and their cost, as the terminal gives it (review: never on the page).
  H5::H5File file(out, H5F_ACC_RDONLY);
  double cost = 0;
  file.openGroup("/capacity").openAttribute("cost").read(H5::PredType::NATIVE_DOUBLE, &cost);
  const auto hires = file.openDataSet("/capacity/plan/hire").getSpace().getSimpleExtentNpoints();
  EXPECT_NE(html.find(fmt::format("{}, cost to the fiscal-year end {} ",
                                  format_count(hires, "recommended hire"), format_grouped(cost))),
            std::string::npos)
      << html.substr(0, 2000);
}

// Review: the warnings of a plan (coverage outside its healthy band) were printed on the
// terminal only; the report sent to finance said nothing of them.
TEST_F(PlanCli, TheReportShowsTheQuotaWarnings) {
  auto page_of = [&](const std::string& extra, const std::string& name) {
    const std::string out = (dir_ / (name + ".h5")).string(),
                      page = (dir_ / (name + ".html")).string();
    const auto r =
        run_opsim(fmt::format("quotas {} --method capacity --trials 200 --no-comp -q {} -o {}",
                              write(plan_document()), extra, out));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(run_opsim(fmt::format("report {} -o {}", out, page)).exit_code, 0);
    std::ifstream in(page);
    return std::pair{r.output, std::string((std::istreambuf_iterator<char>(in)),
                                           std::istreambuf_iterator<char>())};
  };
  const auto [printed, html] = page_of("--over-assignment 3", "over");
  EXPECT_NE(printed.find("is outside the healthy band"), std::string::npos) << printed;
  EXPECT_NE(html.find("<div class=\"warnings\"><h2>Warnings</h2>"), std::string::npos);
  EXPECT_NE(html.find("total quota coverage"), std::string::npos);
  // The twin: another plan's page has the box exactly when its run printed a warning.
  const auto [quiet, plain] = page_of("--over-assignment 1", "plain");
  EXPECT_EQ(plain.find("class=\"warnings\"") == std::string::npos,
            quiet.find("warning:") == std::string::npos)
      << quiet;
}

// Review: in budget mode the CSV and the report listed hires by number (hire 1 requisitioned in
// June before hire 2 in January) while the terminal listed them by month.
TEST_F(PlanCli, HiresAreListedByWindowThenRequisitionMonth) {
  const std::string folder = (dir_ / "cb").string();
  const auto r = run_opsim(fmt::format(
      "capacity {}/scenarios/plan_example.json --budget 600000 --trials 1000 -q --csv {}",
      OPSIM_SOURCE_DIR, folder));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto rows = test::read_csv(std::filesystem::path(folder) / "plan.csv");
  ASSERT_GE(rows.size(), 2u);
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& a = rows[i - 1];
    const auto& b = rows[i];
    const bool same_window = a.at("region") == b.at("region") && a.at("segment") == b.at("segment");
    if (same_window) {
      EXPECT_LE(a.at("requisition_month"), b.at("requisition_month")) << i;
    }
  }
}

TEST_F(PlanCli, NonPositiveBudget) {
  const std::string scenario = write(plan_document());
  const auto r = run_opsim(fmt::format("capacity {} --budget 0 -q", scenario));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--budget: 0 is not an amount > 0 (e.g. 600000, 600,000 or 600k)"),
            std::string::npos)
      << r.output;
  // As planners write amounts (review: "600,000" and "600k" were refused): the same plan.
  double plans[3] = {0, 0, 0};
  int i = 0;
  for (const char* budget : {"600000", "600,000", "600k"}) {
    const auto out = dir_ / fmt::format("b{}.h5", i);
    const auto b = run_opsim(fmt::format("capacity {} --budget {} --trials 100 -q -o {}", scenario,
                                         budget, out.string()));
    EXPECT_EQ(b.exit_code, 0) << budget << ": " << b.output;
    plans[i++] = report::H5Reader(out.string()).number_attribute("/capacity", "budget");
  }
  EXPECT_EQ(plans[0], 600000.0);
  EXPECT_EQ(plans[1], 600000.0);
  EXPECT_EQ(plans[2], 600000.0);
}

TEST_F(PlanCli, UnknownRegionInHiringWindow) {
  auto doc = plan_document();
  doc["plan"]["capacity"]["windows"][0]["region"] = "NAA";
  const auto r = run_opsim(fmt::format("capacity {}", write(doc)));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(
                "/plan/capacity/windows/0/region: unknown region \"NAA\" (did you mean \"NA\"?)"),
            std::string::npos)
      << r.output;
}

TEST_F(PlanCli, UnknownSeatInTerritoryTable) {
  auto doc = plan_document();
  const auto table = write_text("territories.csv", "territory,seat,potential\nT1,R0,2\nT2,R7,1\n");
  doc["territory_potential"] = {{"beta", 1.0}, {"csv", table}};
  const auto r = run_opsim(fmt::format("quotas {}", write(doc)));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("territories.csv:3: column 'seat': unknown rep \"R7\""),
            std::string::npos)
      << r.output;
}

TEST_F(PlanCli, TerritoriesOutputWithOwnerColumnIsAccepted) {
  auto doc = plan_document();
  const auto table = write_text(
      "alignment_territories.csv",
      "territory,owner,accounts,centre,compactness,diameter,potential,potential_deviation\n"
      "T1,R0,10,a,1,1,200,0.1\nT2,,10,b,1,1,100,-0.1\nT3,R1,10,c,1,1,100,0\n");
  doc["territory_potential"] = {{"beta", 1.0}, {"csv", table}};
  const auto out = (dir_ / "q.h5").string();
  const auto r = run_opsim(
      fmt::format("quotas {} --method top-down --key potential --no-comp -o {}", write(doc), out));
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

// Bad component input: exit 2 naming the JSON pointer, the value and what is allowed, and no
// output file left behind.
TEST_F(PlanCli, ComponentWeightsNotSummingToOne) {
  auto doc = plan_document();
  doc["plan"]["compensation"]["plans"][0]["components"] = {
      {{"id", "bookings"}, {"measure", "new_bookings"}, {"weight", 0.7}},
      {{"id", "logos"}, {"measure", "new_logos"}, {"weight", 0.2}}};
  const auto out = dir_ / "bad.h5";
  const auto r = run_opsim(fmt::format("quotas {} -o {}", write(doc), out.string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("/plan/compensation/plans/0/components: weights sum to 0.9 (the "
                          "weights of a plan's components must sum to 1)"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));
}

// `opsim quotas` reports every error of the plan sections together, each with the file, the
// JSON pointer, the value and what is allowed, and exits 2 writing nothing (regression: it
// reported the first one only, so a user fixed one typo per run).
TEST_F(PlanCli, QuotasReportsEveryPlanErrorTogether) {
  auto doc = plan_document();
  doc["plan"]["quotas"]["phasing"] = "weekly";
  doc["plan"]["quotas"]["over_assignment"] = 0;
  doc["plan"]["compensation"]["plans"][0]["variable_share"] = 1.5;
  doc["plan"]["compensation"]["plans"][0]["measurement"] = "monthly";
  const auto out = dir_ / "several.h5";
  const auto r = run_opsim(fmt::format("quotas {} -o {}", write(doc), out.string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  for (const std::string& expected :
       {std::string("4 errors in 1 file"),
        std::string("/plan/quotas/phasing: \"weekly\" is not a phasing (profile, flat)"),
        std::string("/plan/quotas/over_assignment: 0"),
        std::string("/plan/compensation/plans/0/variable_share: 1.5"),
        std::string("/plan/compensation/plans/0/measurement: \"monthly\" is not a measurement "
                    "(quarterly, annual)")}) {
    EXPECT_NE(r.output.find(expected), std::string::npos) << expected << "\n" << r.output;
  }
  EXPECT_NE(r.output.find("plan.json"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));
  // validate reads the same sections and says the same.
  const auto v = run_opsim(fmt::format("validate {}", write(doc)));
  EXPECT_EQ(v.exit_code, 2) << v.output;
  EXPECT_NE(v.output.find("4 errors in 1 file"), std::string::npos) << v.output;
}

// `opsim validate` reads the plan sections as `quotas` does (review finding: it printed "valid"
// for a compensation plan that `quotas` refused), and still passes the bundled example.
TEST_F(PlanCli, ValidateRefusesWhatQuotasRefuses) {
  auto doc = plan_document();
  doc["plan"]["compensation"]["plans"][0]["components"] = {
      {{"id", "bookings"}, {"measure", "new_bookings"}, {"weight", 0.7}},
      {{"id", "logos"}, {"measure", "new_logos"}, {"weight", 0.2}}};
  const auto r = run_opsim(fmt::format("validate {}", write(doc)));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("/plan/compensation/plans/0/components: weights sum to 0.9"),
            std::string::npos)
      << r.output;
  const auto example = run_opsim(
      fmt::format("validate {}", (test::source_dir() / "scenarios/plan_example.json").string()));
  EXPECT_EQ(example.exit_code, 0) << example.output;
}

// The quotas terminal output fits 100 columns (review finding: the header, the compensation
// line and the role x region table were 112, 132 and 115 wide), counted in characters.
TEST_F(PlanCli, QuotasTerminalOutputFitsOneHundredColumns) {
  const auto csv = dir_ / "widths";
  const auto r = run_opsim(
      fmt::format("quotas {} --trials 300 --threads 1 --csv {}",
                  (test::source_dir() / "scenarios/plan_example.json").string(), csv.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_NE(r.output.find("cost of sales incl. base"), std::string::npos) << r.output;
  // A count of seats is written whole (it was 0.0000).
  std::ifstream organisation(csv / "organisation.csv");
  std::string header, values;
  std::getline(organisation, header);
  std::getline(organisation, values);
  ASSERT_TRUE(header.size() > 27 &&
              header.substr(header.size() - 27) == ",equal_chance_floored_seats")
      << header;
  const std::string floored = values.substr(values.rfind(',') + 1);
  EXPECT_EQ(floored.find('.'), std::string::npos) << values;
  // A component some seats can never earn is said (review finding: it paid them 0 silently).
  EXPECT_NE(r.output.find("component retention: 2 of its 20 seats can never earn it (they own "
                          "no installed-base contract)"),
            std::string::npos)
      << r.output;
  // The example's economics are a sales organisation's: cost of sales (pay incl. base) within
  // 10..30% of bookings (it was 137%), and no undefined figure on the terminal.
  for (const auto& row : test::read_csv(csv / "compensation.csv")) {
    if (row.at("quantity") != "cost_share_of_bookings") continue;
    EXPECT_GT(std::stod(row.at("mean")), 0.10);
    EXPECT_LT(std::stod(row.at("mean")), 0.30);
  }
  EXPECT_EQ(r.output.find("nan"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("inf"), std::string::npos) << r.output;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("warning: ", 0) == 0) continue;  // a message, not a table line
    const auto characters = std::count_if(line.begin(), line.end(), [](char c) {
      return (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // not a UTF-8 continuation byte
    });
    EXPECT_LE(characters, 100) << line;
  }
}

// Overlay seats (the example's solution engineers) take no part of target x over-assignment
// (review finding: they took 310,490 of 3,630,000), and get their team's ratio of quota to
// expected bookings on their own expected credit. The quotas unrounded (`rounding` 0): the
// rounded ones move by less than a unit (RoundedAnnualQuotaEqualsItsMonthsAndTheTotalItsSeats).
TEST_F(PlanCli, OverlaySeatsTakeNoPartOfTheTarget) {
  nlohmann::json doc;
  std::ifstream(test::source_dir() / "scenarios/plan_example.json") >> doc;
  doc["plan"]["quotas"]["rounding"] = 0;
  // The example's CSV files, found from the copy's folder.
  const auto scenarios = test::source_dir() / "scenarios";
  for (nlohmann::json* path :
       {&doc["territory_potential"]["csv"], &doc["plan"]["quotas"]["prior_bookings_csv"]})
    *path = (scenarios / path->get<std::string>()).string();
  const std::string scenario = write(doc, "plan_example_unrounded.json");
  for (const char* method : {"equal-chance", "capacity", "top-down"}) {
    const auto csv = dir_ / method;
    const auto r =
        run_opsim(fmt::format("quotas {} --method {} --no-comp --trials 400 --threads 1 --csv {}",
                              scenario, method, csv.string()));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto organisation = test::read_csv(csv / "organisation.csv");
    ASSERT_EQ(organisation.size(), 2u);  // sellers, then overlays
    const double target = std::stod(organisation[0].at("over_assigned_target"));
    EXPECT_NEAR(std::stod(organisation[0].at("total_quota")), target, 1e-6 * target) << method;
    double sellers = 0, team_quota = 0, team_mean = 0, overlay_quota = 0, overlay_mean = 0;
    for (const auto& seat : test::read_csv(csv / "seats.csv")) {
      if (seat.at("quota").empty()) continue;
      const double quota = std::stod(seat.at("quota")), mean = std::stod(seat.at("mean"));
      if (seat.at("role") == "SE") {
        if (seat.at("region") == "NA") overlay_quota = quota, overlay_mean = mean;
        continue;
      }
      sellers += quota;
      if (seat.at("region") == "NA") team_quota += quota, team_mean += mean;
    }
    EXPECT_NEAR(sellers, target, 1e-6 * target) << method;
    // The overlay covers every segment of NA: the NA sellers are its team.
    ASSERT_GT(overlay_mean, 0) << method;
    EXPECT_NEAR(overlay_quota, overlay_mean * team_quota / team_mean, 1e-6 * overlay_quota + 0.5)
        << method;
    EXPECT_NE(r.output.find("overlay seats: 2 with quotas totalling"), std::string::npos)
        << r.output;
    // The header counts them apart from the selling seats (it said "for 22 seats").
    EXPECT_NE(r.output.find(" for 22 selling seats and 2 overlay seats\n"), std::string::npos)
        << r.output;
    // The overlays' P(total reaches quota) was on the terminal only (review finding): the
    // organisation row of each class has it, and it is the terminal's overlays row's P(quota).
    const double p = std::stod(organisation[1].at("p_total_reach_quota"));
    const std::size_t row = r.output.find("\noverlays ");
    ASSERT_NE(row, std::string::npos) << r.output;
    const std::string line = r.output.substr(row + 1, r.output.find('\n', row + 1) - row - 1);
    // Probabilities on the terminal are percents (they were fractions such as 0.445).
    EXPECT_NE(line.find(fmt::format(" {:.1f}% ", 100 * p)), std::string::npos) << line << " " << p;
    // The Gini is an index shown as 0.007 everywhere (it was 0.0070 here and 0.7% in the report).
    EXPECT_EQ(decimals_of(organisation[0].at("gini_expected_attainment")), 3);
  }
}

// Review finding: overlay seats' quotas were counted in the leaver line, the fairness spread
// and the share of seats at quota while the region and total rows counted sellers only. Every
// company figure now counts sellers; overlay seats have the same figures on their own row.
TEST_F(PlanCli, OverlaySeatsLeaveTheSellersFiguresUnchanged) {
  const auto source = test::source_dir() / "scenarios";
  std::ifstream in(source / "plan_example.json");
  nlohmann::json doc = nlohmann::json::parse(in);
  doc["territory_potential"]["csv"] = (source / "plan_example_territories.csv").string();
  doc["plan"]["quotas"]["prior_bookings_csv"] = (source / "plan_example_prior.csv").string();
  const auto with = write(doc, "with.json");
  auto& reps = doc["roster"]["reps"];
  reps.erase(std::remove_if(reps.begin(), reps.end(),
                            [](const nlohmann::json& r) { return r.value("role", "") == "SE"; }),
             reps.end());
  doc["plan"].erase("overlays");
  const auto without = write(doc, "without.json");
  std::map<std::string, test::CommandResult> runs;
  for (const auto& [name, scenario] : {std::pair{"with", with}, std::pair{"without", without}}) {
    runs[name] = run_opsim(
        fmt::format("quotas {} --method capacity --no-comp --trials 300 --threads 1 --csv {}",
                    scenario, (dir_ / name).string()));
    ASSERT_EQ(runs[name].exit_code, 0) << runs[name].output;
  }
  const auto organisation = test::read_csv(dir_ / "with" / "organisation.csv");
  const auto plain = test::read_csv(dir_ / "without" / "organisation.csv");
  ASSERT_EQ(organisation.size(), 2u);
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(organisation[0], plain[0]);  // sellers: every column the same
  EXPECT_EQ(organisation[0].at("seat_class"), "sellers");
  EXPECT_EQ(test::read_csv(dir_ / "with" / "regions.csv"),
            test::read_csv(dir_ / "without" / "regions.csv"));
  const auto histogram = test::read_csv(dir_ / "with" / "attainment_histogram.csv");
  const auto plain_histogram = test::read_csv(dir_ / "without" / "attainment_histogram.csv");
  ASSERT_EQ(histogram.size(), plain_histogram.size());
  for (std::size_t k = 0; k < histogram.size(); ++k)
    EXPECT_EQ(histogram[k].at("share"), plain_histogram[k].at("share")) << k;
  // The overlays' row: their two seats and the sum of their quotas.
  const auto& overlays = organisation[1];
  EXPECT_EQ(overlays.at("seat_class"), "overlays");
  EXPECT_EQ(overlays.at("quota_seats"), "2");
  double overlay_quota = 0;
  for (const auto& seat : test::read_csv(dir_ / "with" / "seats.csv"))
    if (seat.at("role") == "SE") overlay_quota += std::stod(seat.at("quota"));
  EXPECT_NEAR(std::stod(overlays.at("total_quota")), overlay_quota, 0.01 * 2);
  EXPECT_TRUE(overlays.at("over_assigned_target").empty());
  EXPECT_TRUE(overlays.at("company_target").empty());
  // The terminal: the sellers' lines are the same, the overlays' follow on their own.
  auto line_of = [](const std::string& output, const std::string& start) {
    const auto at = output.find("\n" + start);
    return at == std::string::npos ? std::string("missing " + start)
                                   : output.substr(at + 1, output.find('\n', at + 1) - at - 1);
  };
  for (const char* start :
       {"target x", "total ", "sellers: expected share", "sellers fairness", "sellers: leavers"}) {
    EXPECT_EQ(line_of(runs["with"].output, start), line_of(runs["without"].output, start));
  }
  // The header counts the same selling seats, and the overlay seats apart.
  EXPECT_EQ(line_of(runs["with"].output, "quotas FY"),
            line_of(runs["without"].output, "quotas FY") + " and 2 overlay seats");
  for (const char* start :
       {"overlays ", "overlays: expected share", "overlays fairness", "overlays: leavers"}) {
    EXPECT_EQ(line_of(runs["with"].output, start).rfind(start, 0), 0u) << runs["with"].output;
    EXPECT_EQ(runs["without"].output.find(start), std::string::npos) << runs["without"].output;
  }
}

// The bundled example's AE plan has four components: their rows are printed and written, per
// component and per seat, and a plan's components add up to its commission without draws.
TEST_F(PlanCli, ComponentPayoutsAreWrittenPerComponentAndSeat) {
  const auto csv = dir_ / "components";
  const auto r = run_opsim(
      fmt::format("quotas {} --method capacity --trials 200 --csv {}",
                  (test::source_dir() / "scenarios/plan_example.json").string(), csv.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("ae         retention    Retention       20%"), std::string::npos)
      << r.output;
  // Shares for people: cost over bookings in percent, no fraction with four decimals.
  EXPECT_NE(r.output.find("cost / bookings "), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("cost / bookings 0."), std::string::npos) << r.output;
  // The company's cost / bookings is E[cost] / E[bookings], as the role x region rows' (review:
  // a mean of per-trial ratios did not reconcile with them): the rows' cost over the selling
  // rows' bookings (the SE overlays are credited bookings the sellers book).
  {
    double cost = 0, bookings = 0;
    for (const auto& row : test::read_csv(csv / "compensation_groups.csv")) {
      cost += std::stod(row.at("expected_cost"));
      if (row.at("role") != "SE") bookings += std::stod(row.at("expected_bookings"));
    }
    const auto company = test::read_csv(csv / "compensation.csv");
    std::map<std::string, std::map<std::string, std::string>> by_quantity;
    for (const auto& row : company) by_quantity[row.at("quantity")] = row;
    const double share = std::stod(by_quantity.at("cost_share_of_bookings").at("mean"));
    EXPECT_NEAR(share, cost / bookings, 1e-4) << share;
    EXPECT_NE(r.output.find(fmt::format("cost / bookings {:.1f}%", 100 * cost / bookings)),
              std::string::npos)
        << r.output;
  }
  const auto rows = test::read_csv(csv / "compensation_components.csv");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1].at("measure"), "new_bookings");
  EXPECT_EQ(rows[2].at("measure"), "new_logos");
  double expected = 0;
  for (const auto& row : rows) expected += std::stod(row.at("expected_payout"));
  EXPECT_GT(expected, 0);
  const auto seats = test::read_csv(csv / "compensation_seat_components.csv");
  double per_seat = 0;
  for (const auto& row : seats) per_seat += std::stod(row.at("expected_payout"));
  EXPECT_NEAR(per_seat, expected, 0.01 * seats.size());
  for (const auto& row : seats) {
    if (row.at("measure") == "retention") {
      EXPECT_EQ(row.at("component_quota"), "0.90");
    }
  }
}

std::string file_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int compare_hdf5(const std::filesystem::path& a, const std::filesystem::path& b) {
  return std::system(fmt::format("/usr/bin/python3 {}/scripts/compare_results.py {} {} >/dev/null",
                                 test::source_dir().string(), a.string(), b.string())
                         .c_str());
}

// Payouts are priced from the forecast's stored seat-months; when --max-memory leaves no room
// for them every trial is simulated again, and with room for a few the rest are. All three give
// the same results bit for bit (every HDF5 dataset, every CSV byte), at 1 and 2 threads. The
// example's AE plan has three components, SPIF products and a clawback window.
TEST_F(PlanCli, StoredSeatMonthsPriceThePayoutsAsASecondPassDoes) {
  const std::string scenario = (test::source_dir() / "scenarios/plan_example.json").string();
  const auto reference = dir_ / "reference";
  for (int threads : {1, 2}) {
    const std::string command =
        fmt::format("quotas {} --method capacity --trials 240 --threads {}", scenario, threads);
    const std::uint64_t bytes = test::quota_run_bytes(command);
    ASSERT_GT(bytes, 0u);
    const std::vector<std::pair<std::string, std::string>> paths{
        {"", "payouts priced from the stored seat-months of 240 trials"},
        {fmt::format(" --max-memory {}", bytes), "payouts priced by re-simulating 240 trials"},
        {fmt::format(" --max-memory {}", bytes + 40000), "and by re-simulating"}};
    for (std::size_t k = 0; k < paths.size(); ++k) {
      const auto out = dir_ / fmt::format("t{}-{}", threads, k);
      const auto r = run_opsim(fmt::format("{}{} --csv {} -o {}.h5", command, paths[k].first,
                                           out.string(), out.string()));
      ASSERT_EQ(r.exit_code, 0) << r.output;
      std::string text = r.output;  // the timing line may wrap
      for (auto at = text.find("\n "); at != std::string::npos; at = text.find("\n ", at))
        text.erase(at, 1);
      EXPECT_NE(text.find(paths[k].second), std::string::npos) << r.output;
      if (threads == 1 && k == 0) {
        std::filesystem::rename(out, reference);
        std::filesystem::rename(out.string() + ".h5", reference.string() + ".h5");
        continue;
      }
      EXPECT_EQ(compare_hdf5(reference.string() + ".h5", out.string() + ".h5"), 0) << out;
      std::size_t files = 0;
      for (const auto& entry : std::filesystem::directory_iterator(reference)) {
        ++files;
        EXPECT_EQ(file_text(entry.path()), file_text(out / entry.path().filename()))
            << out / entry.path().filename();
      }
      EXPECT_GE(files, 5u);
    }
  }
}

}  // namespace
}  // namespace opsim
