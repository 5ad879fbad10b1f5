// `opsim compare` with costs and `opsim run` with uncertain assumptions, end to end: outputs,
// the terminal table, and the bad-input messages (exit code 2, the pointer named).
#include <gtest/gtest.h>

#include <H5Cpp.h>

#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "sim/io/csv.hpp"
#include "sim/io/report_parts.hpp"
#include "tests/test_support.hpp"

namespace opsim {
namespace {

nlohmann::json two_regions() {
  return nlohmann::json::parse(R"({
    "schema_version": 1,
    "horizon": {"start": "2027-01", "months": 12, "reporting_currency": "USD"},
    "regions": [{"id": "NA"}, {"id": "EMEA"}],
    "segments": [{"id": "SMB", "win_rate": 0.3, "deal_size": {"mean": 1000}}],
    "new_business_intensity": [
      {"region": "NA", "segment": "SMB", "opportunities_per_month": 50},
      {"region": "EMEA", "segment": "SMB", "opportunities_per_month": 50}],
    "targets": [{"fiscal_year": 2027, "amount": 365000}]
  })");
}

TEST(EconomicsCli, CompareWithCostsWritesEconomicsAndShowsThemSideBySide) {
  test::TempDir dir;
  nlohmann::json alt = two_regions();
  alt["costs"] = {{{"id", "enablement"},
                   {"region", "EMEA"},
                   {"one_off", 1000},
                   {"month", "2027-03"},
                   {"monthly", 500},
                   {"from", "2027-07"}}};
  alt["overrides"] = {{{"region", "EMEA"}, {"set", {{"win_rate", 0.33}}}}};
  const std::string base_path = dir.write("base.json", two_regions().dump());
  const std::string alt_path = dir.write("alt.json", alt.dump());
  const auto r = test::run_opsim(
      fmt::format("compare {} {} --trials 400 --return-threshold 2 --csv {} -o {}", base_path,
                  alt_path, (dir / "csv").string(), (dir / "cmp.h5").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // The reporting currency is named wherever money is shown.
  EXPECT_NE(r.output.find("Costs and return in USD"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("new bookings in USD"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Paired change in P(reach)"), std::string::npos) << r.output;
  const std::string csv = test::read_text(dir / "csv/economics.csv");
  // EMEA FY2027: 1,000 once + 6 x 500 = 4,000 exactly, with no error.
  EXPECT_NE(csv.find(",FY2027,EMEA,USD,"), std::string::npos) << csv;
  EXPECT_EQ(csv.rfind("alternative,period,region,currency,bookings_base,", 0), 0u) << csv;
  EXPECT_NE(test::read_text(dir / "csv/differences.csv").find(",new_bookings,USD,"),
            std::string::npos);
  EXPECT_NE(test::read_text(dir / "csv/targets.csv").find(",365000.00,USD,"), std::string::npos);
  EXPECT_NE(csv.find(",0.00,4000.00,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",4000.00,0.00,"), std::string::npos) << csv;
  EXPECT_NE(test::read_text(dir / "csv/target_changes.csv").find("alternative,target,p_reach_base"),
            std::string::npos);
  H5::H5File file((dir / "cmp.h5").string(), H5F_ACC_RDONLY);
  EXPECT_TRUE(file.nameExists("/alternative_1/economics/cost_difference"));
  EXPECT_TRUE(file.nameExists("/alternative_1/economics/target_probability_change_se"));
  for (const H5::Group& group : {file.openGroup("/"), file.openGroup("/alternative_1/economics")}) {
    ASSERT_TRUE(group.attrExists("currency"));
    std::string currency;
    const H5::Attribute attribute = group.openAttribute("currency");
    attribute.read(attribute.getStrType(), currency);
    EXPECT_EQ(currency, "USD");
  }
  // The report of the comparison names it too.
  const auto report = test::run_opsim(
      fmt::format("report {} -o {}", (dir / "cmp.h5").string(), (dir / "report.html").string()));
  ASSERT_EQ(report.exit_code, 0) << report.output;
  const std::string page = test::read_text(dir / "report.html");
  EXPECT_NE(page.find("new bookings in USD: mean per fiscal year"), std::string::npos);
  // And its costs, as the terminal and economics.csv give them: the company's extra cost in
  // FY2027 is EMEA's 4,000 (the file's [period][region] cell, the total last).
  EXPECT_NE(page.find("Costs and return in USD"), std::string::npos);
  H5::DataSet extra = file.openDataSet("/alternative_1/economics/cost_difference");
  hsize_t dims[2];
  extra.getSpace().getSimpleExtentDims(dims);
  std::vector<double> values(dims[0] * dims[1]);
  extra.read(values.data(), H5::PredType::NATIVE_DOUBLE);
  std::size_t year = 0;
  while (year < dims[0] && values[year * dims[1] + dims[1] - 1] != 4000.0) ++year;
  ASSERT_LT(year, dims[0]) << "no period with the 4,000 of extra cost";
  const std::size_t i = year * dims[1] + dims[1] - 1;
  EXPECT_NE(
      page.find(fmt::format("data-h5=\"/alternative_1/economics/cost_difference\" data-i=\"{}\" "
                            "data-v=\"4000\">4,000<",
                            i)),
      std::string::npos)
      << i;
}

std::size_t widest_line(const std::string& text);

// Review: a fiscal year that began before the horizon had its cost of the horizon's months
// shown as a year's, unmarked. It is marked with the months costed; its differences and return
// stay the year's (the months before the horizon are history, the same in both scenarios).
TEST(EconomicsCli, AYearBegunBeforeTheHorizonHasItsCostedMonthsMarked) {
  for (const bool begun : {true, false}) {
    test::TempDir dir;
    nlohmann::json base = two_regions();
    if (begun) base["horizon"]["start"] = "2027-03", base["horizon"]["months"] = 10;
    nlohmann::json alt = base;
    alt["costs"] = {{{"id", "p"}, {"region", "EMEA"}, {"monthly", 500}}};
    alt["overrides"] = {{{"region", "EMEA"}, {"set", {{"win_rate", 0.33}}}}};
    const auto r = test::run_opsim(
        fmt::format("compare {} {} --trials 200 --csv {}", dir.write("base.json", base.dump()),
                    dir.write("alt.json", alt.dump()), (dir / "csv").string()));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string note = "costs for 10 of 12 months (2027-03..2027-12)";
    const std::string csv = test::read_text(dir / "csv/economics.csv");
    EXPECT_EQ(r.output.find("\nFY2027*") != std::string::npos, begun) << r.output;
    EXPECT_EQ(r.output.find("* FY2027 " + note + ": the months before the horizon are") !=
                  std::string::npos,
              begun)
        << r.output;
    EXPECT_LE(widest_line(r.output), 100u) << r.output;
    EXPECT_EQ(csv.find(note) != std::string::npos, begun) << csv;
    // The return on cost is the year's either way: 10 months x 500 of extra cost in EMEA.
    bool seen = false;
    for (auto& row : test::read_csv(dir / "csv/economics.csv")) {
      if (row["period"] != "FY2027" || row["region"] != "EMEA") continue;
      seen = true;
      EXPECT_EQ(row["cost_difference"], begun ? "5000.00" : "6000.00");
      EXPECT_FALSE(row["return_on_cost"].empty()) << csv;
    }
    EXPECT_TRUE(seen) << csv;
  }
}

//! Display columns of the widest line (UTF-8: a code point is one column).
std::size_t widest_line(const std::string& text) {
  std::size_t widest = 0, current = 0;
  for (unsigned char c : text) {
    if (c == '\n') {
      widest = std::max(widest, current);
      current = 0;
    } else if ((c & 0xC0) != 0x80) {
      ++current;
    }
  }
  return std::max(widest, current);
}

TEST(EconomicsCli, CompareTerminalOutputFitsOneHundredColumns) {
  // Three alternatives with costs, a partial year and long scenario names: every line of the
  // terminal output (means, differences, P(reach), costs, target changes) fits 100 columns.
  test::TempDir dir;
  nlohmann::json base = two_regions();
  base["horizon"]["months"] = 14;
  base["name"] = std::string(80, 'b');
  std::vector<std::string> paths{dir.write("base.json", base.dump())};
  for (int i = 1; i <= 3; ++i) {
    nlohmann::json alt = base;
    alt["name"] = std::string(80, 'a');
    alt["costs"] = {{{"id", "p"}, {"region", "EMEA"}, {"monthly", 1'234'567 * i}}};
    alt["overrides"] = {{{"region", "EMEA"}, {"set", {{"win_rate", 0.3 + 0.01 * i}}}}};
    paths.push_back(dir.write(fmt::format("alt{}.json", i), alt.dump()));
  }
  const auto r = test::run_opsim(fmt::format("compare {} --trials 100", fmt::join(paths, " ")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Costs and return in USD"), std::string::npos) << r.output;
  ASSERT_NE(r.output.find("\nnew bookings in USD"), std::string::npos) << r.output;
  const std::string table = r.output.substr(r.output.find("\nnew bookings in USD"));
  // The legend names scenarios in full (a name is as long as its author made it).
  std::string body;
  std::istringstream lines(table);
  for (std::string line; std::getline(lines, line);)
    if (line.find(" = ") == std::string::npos) body += line + "\n";
  EXPECT_LE(widest_line(body), 100u) << body;
  EXPECT_EQ(widest_line(std::string(101, 'x') + "\n"), 101u);  // the measure can fail
}

// Review: the P(reach) table marked a target of a partial year "*", the paired change in P(reach)
// under it did not.
TEST(EconomicsCli, PairedChangeInReachMarksTargetsOfPartialPeriods) {
  test::TempDir dir;
  nlohmann::json base = two_regions();
  base["horizon"]["months"] = 14;
  base["targets"].push_back({{"fiscal_year", 2028}, {"amount", 60000}});
  nlohmann::json alt = base;
  alt["overrides"] = {{{"region", "EMEA"}, {"set", {{"win_rate", 0.33}}}}};
  const auto r = test::run_opsim(fmt::format(
      "compare {} {} --trials 50 --csv {} -o {}", dir.write("base.json", base.dump()),
      dir.write("alt.json", alt.dump()), (dir / "csv").string(), (dir / "c.h5").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // The file and its report too.
  EXPECT_EQ(report::H5Reader((dir / "c.h5").string()).strings("/labels/target_coverage"),
            (std::vector<std::string>{"", "partial: 2 of 12 months (2028-01..2028-02)"}));
  const auto page = test::run_opsim(
      fmt::format("report {} -o {}", (dir / "c.h5").string(), (dir / "c.html").string()));
  ASSERT_EQ(page.exit_code, 0) << page.output;
  EXPECT_NE(test::read_text(dir / "c.html")
                .find("new bookings FY2028 total partial: 2 of 12 months (2028-01..2028-02)"),
            std::string::npos);
  // The "*" is explained (review: it was not), and targets.csv says so too.
  EXPECT_NE(r.output.find("* FY2028 partial: 2 of 12 months (2028-01..2028-02) (new bookings)"),
            std::string::npos)
      << r.output;
  const std::string csv = test::read_text(dir / "csv/targets.csv");
  EXPECT_NE(csv.find(",coverage\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",partial: 2 of 12 months (2028-01..2028-02)\n"), std::string::npos) << csv;
  const std::size_t paired = r.output.find("Paired change in P(reach)");
  ASSERT_NE(paired, std::string::npos) << r.output;
  const std::string table = r.output.substr(paired);
  EXPECT_NE(table.find("new bookings FY2028 total*"), std::string::npos) << table;
  EXPECT_NE(table.find("new bookings FY2027 total "), std::string::npos) << table;  // whole
}

// Review: `--metric wins` subtracted a cost in USD from a count of wins and labelled the wins
// USD. Costs are weighed against new bookings whenever the compared metric is not an amount, so
// the economics equal those of `--metric new_bookings` row for row.
TEST(EconomicsCli, CostsAreWeighedAgainstBookingsWhateverMetricIsCompared) {
  test::TempDir dir;
  const auto scenarios = test::source_dir() / "scenarios";
  auto economics = [&](const std::string& metric) {
    const auto csv = dir / metric;
    const auto r = test::run_opsim(fmt::format("compare {} {} --trials 30 --metric {} --csv {} -q",
                                               (scenarios / "decision_base.json").string(),
                                               (scenarios / "decision_emea_hires.json").string(),
                                               metric, csv.string()));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    std::ifstream in(csv / "economics.csv");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  const std::string bookings = economics("new_bookings");
  ASSERT_FALSE(bookings.empty());
  EXPECT_EQ(economics("wins"), bookings);
  EXPECT_EQ(economics("headcount"), bookings);
  // Twin: an amount metric of its own is weighed as itself.
  EXPECT_NE(economics("pipeline_bookings"), bookings);
}

TEST(EconomicsCli, BundledDecisionExampleRunsWithHireCompensationAndProgrammeCosts) {
  // scenarios/decision_*.json answer "20 more EMEA reps or an APAC enablement programme?" with
  // every kind of cost: NA has no hire window and no programme, so its cost is compensation.
  test::TempDir dir;
  const auto scenarios = test::source_dir() / "scenarios";
  const auto r = test::run_opsim(
      fmt::format("compare {} {} {} --trials 40 --return-threshold 3 --csv {}",
                  (scenarios / "decision_base.json").string(),
                  (scenarios / "decision_emea_hires.json").string(),
                  (scenarios / "decision_apac_enablement.json").string(), (dir / "csv").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Costs and return in USD"), std::string::npos) << r.output;
  EXPECT_NE(
      r.output.find("Monthly (cost apac-enablement): pert(min 40,000, mode 50,000, max 80,000)"),
      std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("FY2029*"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("partial year"), std::string::npos) << r.output;
  // Read back as CSV (a scenario name with a comma is quoted, not a ragged row).
  const CsvTable csv = CsvTable::read((dir / "csv/economics.csv").string());
  const std::size_t name = csv.require_column("alternative"), period = csv.require_column("period"),
                    region = csv.require_column("region"), cost = csv.require_column("cost_base");
  std::set<std::string> priced;
  for (const CsvRow& row : csv.rows()) {
    if (csv.text(row, period) != "FY2028" || csv.text(row, region) != "NA") continue;
    EXPECT_GT(csv.number(row, cost), 1e7) << csv.where(row);  // the NA reps' pay
    priced.insert(csv.text(row, name));
  }
  EXPECT_EQ(priced, (std::set<std::string>{"20 more EMEA Mid-Market reps in H1",
                                           "APAC enablement programme (+2 win-rate points, "
                                           "uncertain 0-4)"}));
  for (const char* file : {"differences.csv", "target_changes.csv", "targets.csv"})
    EXPECT_NO_THROW((void)CsvTable::read((dir / "csv" / file).string())) << file;
}

//! Column `column` of the row of `csv` whose column `key` is `value`.
double csv_value(const CsvTable& csv, const std::string& key, const std::string& value,
                 const std::string& column, const std::string& key2 = "",
                 const std::string& value2 = "") {
  const std::size_t k = csv.require_column(key), c = csv.require_column(column);
  for (const CsvRow& row : csv.rows()) {
    if (csv.text(row, k) == value &&
        (key2.empty() || csv.text(row, csv.require_column(key2)) == value2))
      return csv.number(row, c);
  }
  ADD_FAILURE() << "no row " << key << "=" << value;
  return 0;
}

// Regression: compare priced a plan with components on new bookings alone (annually, without
// draws, SPIFs, clawbacks or quarterly true-ups), so a finance user comparing scenarios got a
// comp cost that differed from `opsim quotas` on the same scenario. Now, on the bundled plan
// example (its hire costs set to 0, so the cost is compensation alone), compare's FY2027 cost of
// the base equals `opsim quotas`' expected cost with the same seed, trials and quotas (the base's
// expected bookings per seat, imported; written to the cent), and 5% more would not.
TEST(EconomicsCli, CompareCompensationCostEqualsTheQuotaCommands) {
  test::TempDir dir;
  const auto scenarios = test::source_dir() / "scenarios";
  nlohmann::json doc = nlohmann::json::parse(std::ifstream(scenarios / "plan_example.json"));
  nlohmann::json& territories = doc["territory_potential"]["csv"];
  territories = (scenarios / territories.get<std::string>()).string();
  nlohmann::json& prior = doc["plan"]["quotas"]["prior_bookings_csv"];
  prior = (scenarios / prior.get<std::string>()).string();
  for (auto& window : doc["plan"]["capacity"]["windows"])
    window["cost_per_hire"] = 0, window["monthly_cost"] = 0;
  const std::string plan = dir.write("plan.json", doc.dump());
  const std::string common = "--trials 150 --seed 5 --threads 2 -q";
  auto r = test::run_opsim(
      fmt::format("compare {} {} {} --csv {}", plan, plan, common, (dir / "cmp").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("warning: compensation plan"), std::string::npos) << r.output;
  r = test::run_opsim(fmt::format("quotas {} {} --csv {}", plan, common, (dir / "q0").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const CsvTable seats = CsvTable::read((dir / "q0/seats.csv").string());
  std::string quotas = "seat,quota\n";
  for (const CsvRow& row : seats.rows()) {
    quotas += fmt::format("{},{}\n", seats.text(row, seats.require_column("seat")),
                          seats.text(row, seats.require_column("mean")));
  }
  const std::string imported = dir.write("quotas.csv", quotas);
  r = test::run_opsim(fmt::format("quotas {} {} --method import --import-csv {} --csv {}", plan,
                                  common, imported, (dir / "q1").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const double expected = csv_value(CsvTable::read((dir / "q1/compensation.csv").string()),
                                    "quantity", "total_cost_of_sales", "mean");
  const double cost = csv_value(CsvTable::read((dir / "cmp/economics.csv").string()), "period",
                                "FY2027", "cost_base", "region", "total");
  ASSERT_GT(expected, 1e6);
  EXPECT_NEAR(cost, expected, 1e-6 * expected);
  EXPECT_GT(std::abs(1.05 * cost - expected), 1e-6 * expected);  // the negative twin
}

TEST(EconomicsCli, SweepOfACostPricesEachVariantPerRegion) {
  test::TempDir dir;
  nlohmann::json doc = two_regions();
  doc["costs"] = {
      {{"id", "enablement"}, {"region", "EMEA"}, {"monthly", 500}, {"from", "2027-07"}}};
  const std::string path = dir.write("s.json", doc.dump());
  const auto r = test::run_opsim(fmt::format(
      "sweep {} --set /costs[id=enablement]/monthly=500,1000 --trials 30 --csv {} --quiet", path,
      (dir / "sweep").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string csv = test::read_text(dir / "sweep/sweep.csv");
  EXPECT_NE(csv.find("FY2027_EMEA_contribution_difference"), std::string::npos) << csv;
  EXPECT_NE(csv.find("FY2027_NA_cost_difference"), std::string::npos) << csv;
  // 1,000 instead of 500 a month for six months: 3,000 more cost, the same bookings.
  EXPECT_NE(csv.find(",3000.00,-3000.00,"), std::string::npos) << csv;
}

TEST(EconomicsCli, BadCostIsAnInputErrorNamingThePointer) {
  test::TempDir dir;
  nlohmann::json alt = two_regions();
  alt["costs"] = {{{"id", "x"}, {"region", "EMAE"}, {"monthly", 10}}};
  const std::string base_path = dir.write("base.json", two_regions().dump());
  const std::string alt_path = dir.write("alt.json", alt.dump());
  const auto r = test::run_opsim(fmt::format("compare {} {} --trials 10 --csv {}", base_path,
                                             alt_path, (dir / "csv").string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("/costs/0/region"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("did you mean \"EMEA\""), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "csv/economics.csv"));
}

TEST(EconomicsCli, RunWithAnUncertainWinRateSaysSo) {
  test::TempDir dir;
  nlohmann::json doc = two_regions();
  doc["segments"][0]["win_rate"] = {{"dist", "pert"}, {"min", 0.2}, {"mode", 0.3}, {"max", 0.35}};
  const std::string path = dir.write("s.json", doc.dump());
  const auto r =
      test::run_opsim(fmt::format("run {} --trials 50 -o {}", path, (dir / "r.h5").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("forecast with assumption uncertainty"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Win rate (segment SMB): pert(min 0.2, mode 0.3, max 0.35)"),
            std::string::npos)
      << r.output;
  H5::H5File file((dir / "r.h5").string(), H5F_ACC_RDONLY);
  EXPECT_TRUE(file.openGroup("/").attrExists("forecast"));
  EXPECT_TRUE(file.nameExists("/scenario/uncertain_parameters"));
  // The plain pointers, for a program, beside the lines in words.
  const auto pointers =
      report::H5Reader((dir / "r.h5").string()).strings("/scenario/uncertain_parameter_pointers");
  EXPECT_EQ(pointers, std::vector<std::string>{"/segments/0/win_rate"});
}

// Review: compare said in the terminal which scenario draws its assumptions per trial; its file,
// report and workbook did not.
TEST(EconomicsCli, CompareRecordsEachScenariosUncertainParametersAndReportsThem) {
  test::TempDir dir;
  nlohmann::json alt = two_regions();
  alt["name"] = "uncertain";
  alt["segments"][0]["win_rate"] = {{"dist", "pert"}, {"min", 0.2}, {"mode", 0.3}, {"max", 0.35}};
  nlohmann::json base = two_regions();
  base["name"] = "certain";
  const auto out = dir / "c.h5", page = dir / "c.html";
  const auto r = test::run_opsim(fmt::format("compare {} {} --trials 30 -q -o {}",
                                             dir.write("base.json", base.dump()),
                                             dir.write("alt.json", alt.dump()), out.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  report::H5Reader file(out.string());
  const auto parameters = file.strings("/scenarios/uncertain_parameters");
  const auto of = file.strings("/scenarios/uncertain_parameters_scenario");
  ASSERT_EQ(parameters.size(), 1u);
  EXPECT_EQ(parameters[0], "Win rate (segment SMB): pert(min 0.2, mode 0.3, max 0.35)");
  EXPECT_EQ(of, std::vector<std::string>{"uncertain"});
  const auto shown = test::run_opsim(fmt::format("report {} -o {}", out.string(), page.string()));
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  const std::string html = test::read_text(page);
  EXPECT_NE(html.find("uncertain is a forecast with assumption uncertainty"), std::string::npos);
  EXPECT_NE(html.find("<li>Win rate (segment SMB): pert(min 0.2, mode 0.3, max 0.35)</li>"),
            std::string::npos);
  EXPECT_NE(html.find("\">uncertain is a forecast"), std::string::npos);
  EXPECT_EQ(html.find("\">certain is a forecast"), std::string::npos);  // the base draws nothing
}

TEST(EconomicsCli, UncertainWinRateAboveOneIsRefused) {
  test::TempDir dir;
  nlohmann::json doc = two_regions();
  doc["segments"][0]["win_rate"] = {{"dist", "uniform"}, {"min", 0.5}, {"max", 1.3}};
  const std::string path = dir.write("s.json", doc.dump());
  const auto r =
      test::run_opsim(fmt::format("run {} --trials 50 -o {}", path, (dir / "r.h5").string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("/segments/0/win_rate"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1.3"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "r.h5"));
}

TEST(EconomicsCli, SweepZipMovesParametersTogetherAndListsEveryRegion) {
  test::TempDir dir;
  nlohmann::json doc = two_regions();
  doc["overrides"] = {{{"region", "EMEA"}, {"set", {{"win_rate", 0.3}}}}};
  const std::string path = dir.write("s.json", doc.dump());
  const auto r = test::run_opsim(
      fmt::format("sweep {} --zip --set /segments/0/win_rate=0.2,0.25 "
                  "--set /overrides/0/set/win_rate=0.3,0.35 --trials 20 --csv {} --quiet",
                  path, (dir / "sweep").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string csv = test::read_text(dir / "sweep/sweep.csv");
  // Two variants (not a 2 x 2 grid), each pair moved together.
  EXPECT_NE(csv.find("\n1,0.2,0.3,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\n2,0.25,0.35,"), std::string::npos) << csv;
  EXPECT_EQ(csv.find("\n3,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("new_bookings_FY2027_EMEA_difference_vs_base"), std::string::npos) << csv;
  EXPECT_NE(csv.find("new_bookings_FY2027_NA_mean"), std::string::npos) << csv;
  const auto mismatch =
      test::run_opsim(fmt::format("sweep {} --zip --set /segments/0/win_rate=0.2,0.25 "
                                  "--set /overrides/0/set/win_rate=0.3 --trials 20 --quiet",
                                  path));
  EXPECT_EQ(mismatch.exit_code, 2) << mismatch.output;
  EXPECT_NE(mismatch.output.find("--zip"), std::string::npos) << mismatch.output;
}

}  // namespace
}  // namespace opsim
