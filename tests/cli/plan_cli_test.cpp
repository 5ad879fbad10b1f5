// `opsim capacity` and `opsim quotas`: one test per bad-input class (exit 2, a message naming
// the place, the value and what is allowed) and runs that write their result files.
#include <gtest/gtest.h>

#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tests/scenario_builder.hpp"
#include "tests/test_support.hpp"

namespace opsim {
namespace {

using test::run_opsim;

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
  EXPECT_NE(r.output.find("for 2 seats"), std::string::npos) << r.output;
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

TEST_F(PlanCli, UnknownQuotaMethod) {
  const auto r = run_opsim(fmt::format("quotas {} --method even", write(plan_document())));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(
      r.output.find("\"even\" is not a quota method (top-down, capacity, equal-chance, import)"),
      std::string::npos);
}

TEST_F(PlanCli, ConfidenceOutsideTheOpenInterval) {
  const auto scenario = write(plan_document());
  for (const char* value : {"0", "1", "1.5", "-0.2"}) {
    const auto r = run_opsim(fmt::format("capacity {} --confidence {}", scenario, value));
    EXPECT_EQ(r.exit_code, 2) << value << r.output;
    EXPECT_NE(r.output.find("is not a probability strictly between 0 and 1"), std::string::npos)
        << r.output;
  }
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

TEST_F(PlanCli, InfeasibleCapacitySearch) {
  auto doc = plan_document();
  doc["targets"][0]["amount"] = 1e9;
  const auto out = (dir_ / "none.h5").string();
  const auto r = run_opsim(fmt::format("capacity {} --confidence 0.7 -o {}", write(doc), out));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("no feasible hiring plan"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));
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

}  // namespace
}  // namespace opsim
