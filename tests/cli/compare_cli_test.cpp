#include <gtest/gtest.h>

#include <H5Cpp.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/io/report_parts.hpp"
#include "sim/io/scenario_loader.hpp"
#include "tests/progress_lines.hpp"
#include "tests/test_support.hpp"

namespace opsim {
namespace {

//! tests/fixtures/small_scenario.json with its company target out of reach in every trial.
nlohmann::json unreachable_target_fixture() {
  nlohmann::json doc = nlohmann::json::parse(std::ifstream(test::small_scenario()));
  doc["targets"][1]["amount"] = 1e12;
  return doc;
}

TEST(CompareCli, CompareWritesDifferencesAndTargetProbabilities) {
  test::TempDir dir;
  const auto base = test::source_dir() / "scenarios/didactic.json";
  auto r = test::run_opsim(fmt::format("compare {} {} --trials 200 --csv {} -o {}", base.string(),
                                       base.string(), (dir / "csv").string(),
                                       (dir / "cmp.h5").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir / "csv/differences.csv"));
  EXPECT_TRUE(std::filesystem::exists(dir / "cmp.h5"));
  // A scenario compared with itself: every difference is identically zero.
  EXPECT_NE(r.output.find("identical"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("inf"), std::string::npos) << r.output;
  // The difference table's probability is of a higher value of the metric ("P(better)" is the
  // cost block's, of a higher contribution): never a 0.0% for an identical cell.
  EXPECT_NE(r.output.find("P(higher)"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("0.0% P(higher)"), std::string::npos) << r.output;
  H5::H5File file((dir / "cmp.h5").string(), H5F_ACC_RDONLY);
  EXPECT_TRUE(file.nameExists("/labels/periods"));
  EXPECT_TRUE(file.nameExists("/labels/regions"));
  EXPECT_TRUE(file.nameExists("/scenarios/target_probability"));
}

// Review: an identical row of a partial period lost its coverage note in differences.csv.
TEST(CompareCli, AnIdenticalRowOfAPartialPeriodKeepsItsCoverage) {
  test::TempDir dir;
  const auto base = test::source_dir() / "tests/fixtures/small_scenario.json";
  auto r = test::run_opsim(fmt::format("compare {} {} --trials 20 --csv {}", base.string(),
                                       base.string(), (dir / "csv").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::size_t partial = 0, whole = 0;
  for (auto& row : test::read_csv(dir / "csv/differences.csv")) {
    if (row["period"] == "FY2029") {
      ++partial;
      EXPECT_EQ(row["note"], "identical; partial: 2 of 12 months (2028-02..2028-03)")
          << row["note"];
    } else if (row["period"] == "FY2028") {
      ++whole;
      EXPECT_EQ(row["note"], "identical");
    }
    // P(higher) is undefined there, not "0.0000" (review: read as never higher).
    EXPECT_EQ(row["p_alternative_better"], "");
  }
  EXPECT_GT(partial, 0u);
  EXPECT_GT(whole, 0u);
}

// Review: a fiscal year that starts before the horizon, without actuals, was compared as a whole
// year (its return and P(reach) over the horizon's months only) with no word; `run` says so in
// its year heading. compare and sweep now print the same fact; with actuals, nothing.
// Review: validate called a scenario valid whose costs compare then refused (a one-off outside
// the horizon, a negative monthly cost); and --return-threshold took nan, inf and -3.
TEST(CompareCli, ValidateRefusesTheCostsCompareRefusesAndTheThresholdIsChecked) {
  test::TempDir dir;
  const auto base = test::source_dir() / "scenarios/didactic.json";
  nlohmann::json doc = nlohmann::json::parse(std::ifstream(base.string()));
  doc["costs"] = {{{"id", "x"}, {"one_off", 1000}, {"month", "2029-01"}},
                  {{"id", "y"}, {"monthly", -5}}};
  const std::string path = (dir / "costs.json").string();
  std::ofstream(path) << doc.dump(1);
  auto r = test::run_opsim(fmt::format("validate {}", path));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("/costs/0/month: 2029-01 is outside the horizon"), std::string::npos)
      << r.output;
  doc["costs"] = {{{"id", "x"}, {"one_off", 1000}, {"month", "2027-05"}}};  // the twin
  std::ofstream(path) << doc.dump(1);
  r = test::run_opsim(fmt::format("validate {}", path));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* threshold : {"nan", "inf", "-3"}) {
    const std::string out = (dir / "never.h5").string();
    r = test::run_opsim(fmt::format("compare {} {} --trials 20 --return-threshold {} -o {}",
                                    base.string(), path, threshold, out));
    EXPECT_EQ(r.exit_code, 2) << threshold << r.output;
    EXPECT_NE(r.output.find("--return-threshold"), std::string::npos) << r.output;
    EXPECT_FALSE(std::filesystem::exists(out));
  }
}

TEST(CompareCli, AYearStartingBeforeTheHorizonWithoutActualsIsNamed) {
  test::TempDir dir;
  nlohmann::json doc = nlohmann::json::parse(
      std::ifstream((test::source_dir() / "scenarios/didactic.json").string()));
  doc.erase("actuals");
  doc["horizon"]["start"] = "2027-04";
  doc["horizon"]["fiscal_year_start_month"] = 1;
  doc["targets"] = nlohmann::json::array();
  const std::string path = (dir / "april.json").string();
  std::ofstream(path) << doc.dump(1);
  const std::string note =
      "note: FY2027 counts no actuals for 2027-01..2027-03 (none given): its values are the "
      "horizon's\n  months only";  // wrapped at 100 columns
  auto r = test::run_opsim(fmt::format("compare {} {} --trials 20", path, path));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(note), std::string::npos) << r.output;
  r = test::run_opsim(fmt::format("sweep {} --set /segments/0/win_rate=0.2,0.3 --trials 20", path));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(note), std::string::npos) << r.output;
  // Twin: with an actual in those months there is nothing to say.
  doc["actuals"] = {
      {"bookings", {{{"region", doc["regions"][0]["id"]}, {"month", "2027-02"}, {"amount", 10}}}}};
  std::ofstream(path) << doc.dump(1);
  r = test::run_opsim(fmt::format("compare {} {} --trials 20", path, path));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("counts no actuals"), std::string::npos) << r.output;
}

// Review: two scenarios sharing a name gave the workbook two columns both headed by it. Each
// output now names them apart: by file when the files differ, by position when they do not.
TEST(CompareCli, ScenariosSharingANameAreToldApartInEveryOutput) {
  test::TempDir dir;
  const auto base = test::source_dir() / "scenarios/didactic.json";
  nlohmann::json doc = nlohmann::json::parse(std::ifstream(base.string()));
  const std::string name = doc["name"].get<std::string>();
  doc["segments"][0]["win_rate"] = doc["segments"][0]["win_rate"].get<double>() + 0.05;
  const std::string alt = dir.write("more_wins.json", doc.dump(1));
  auto r = test::run_opsim(fmt::format("compare {} {} --trials 20 --csv {}", base.string(), alt,
                                       (dir / "csv").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(fmt::format("base  = {} (didactic.json)", name)), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(fmt::format("alt1  = {} (more_wins.json)", name)), std::string::npos)
      << r.output;
  std::ifstream csv((dir / "csv/differences.csv").string());
  std::string header, row;
  std::getline(csv, header);
  std::getline(csv, row);
  EXPECT_EQ(row.rfind(fmt::format("{} (more_wins.json),", name), 0), 0U) << row;
  // The same file twice: by position.
  r = test::run_opsim(fmt::format("compare {} {} --trials 20", base.string(), base.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(fmt::format("alt1  = {} (didactic.json) #2", name)), std::string::npos)
      << r.output;
  // Files of one name in different folders: their paths as given.
  std::filesystem::create_directories(dir / "sub");
  const std::string copy = (dir / "sub/didactic.json").string();
  std::filesystem::copy_file(base, copy);
  r = test::run_opsim(fmt::format("compare {} {} --trials 20", base.string(), copy));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(fmt::format("alt1  = {} ({})", name, copy)), std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find(" #2"), std::string::npos) << r.output;
  // Twin: distinct names are kept as they are.
  doc["name"] = "more wins";
  const std::string named = dir.write("named.json", doc.dump(1));
  r = test::run_opsim(fmt::format("compare {} {} --trials 20", base.string(), named));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(fmt::format("base  = {}\n", name)), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("alt1  = more wins\n"), std::string::npos) << r.output;
}

// Regression: a compensation plan with components was priced in comparisons on new bookings
// alone, with a warning naming what was left out. Comparisons now price every plan as `opsim
// quotas` does (tests/sim/comp_pricing_test.cpp), so compare and sweep warn about none.
TEST(CompareCli, ComparisonsPriceAPlanWithComponentsFullyWithoutAWarning) {
  const auto plan = test::source_dir() / "scenarios/plan_example.json";
  for (const std::string& command :
       {fmt::format("compare {} {} -q --trials 30", plan.string(), plan.string()),
        fmt::format("sweep {} -q --trials 30 --set /simulation/seed=1,2", plan.string())}) {
    const auto r = test::run_opsim(command);
    ASSERT_EQ(r.exit_code, 0) << command << "\n" << r.output;
    EXPECT_EQ(r.output.find("warning: compensation plan"), std::string::npos) << command << "\n"
                                                                              << r.output;
    EXPECT_EQ(r.output.find("prices its variable pay"), std::string::npos) << r.output;
  }
}

std::vector<double> read_doubles(const H5::H5File& file, const std::string& name) {
  H5::DataSet ds = file.openDataSet(name);
  std::vector<double> values(static_cast<std::size_t>(ds.getSpace().getSimpleExtentNpoints()));
  ds.read(values.data(), H5::PredType::NATIVE_DOUBLE);
  return values;
}

// Identical scenarios: the paired difference has no variance, so the variance reduction is
// undefined (NaN in HDF5, not inf); a real alternative still gets a finite ratio above 1.
TEST(CompareCli, VarianceReductionOfIdenticalScenariosIsUndefined) {
  test::TempDir dir;
  const auto base = test::source_dir() / "tests/fixtures/small_scenario.json";
  nlohmann::json alt = nlohmann::json::parse(std::ifstream(base));
  alt["name"] = "more_wins";
  alt["segments"][0]["win_rate"] = alt["segments"][0]["win_rate"].get<double>() + 0.05;
  const std::string alt_path = dir.write("alt.json", alt.dump());
  auto r = test::run_opsim(fmt::format("compare {} {} {} --trials 300 -q -o {}", base.string(),
                                       base.string(), alt_path, (dir / "cmp.h5").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  H5::H5File file((dir / "cmp.h5").string(), H5F_ACC_RDONLY);
  const auto same = read_doubles(file, "/alternative_1/variance_reduction");
  ASSERT_FALSE(same.empty());
  for (double v : same) EXPECT_TRUE(std::isnan(v)) << v;
  const auto other = read_doubles(file, "/alternative_2/variance_reduction");
  double largest = 0;
  for (double v : other) {
    EXPECT_FALSE(std::isinf(v)) << v;
    if (std::isfinite(v)) largest = std::max(largest, v);
  }
  EXPECT_GT(largest, 1.0);
}

// from:to:step grids read as the user wrote them (0.3, not 0.30000000000000004), and the sweep
// file carries provenance.
TEST(CompareCli, SweepGridValuesAsWrittenAndProvenance) {
  test::TempDir dir;
  const auto base = test::source_dir() / "tests/fixtures/small_scenario.json";
  auto r = test::run_opsim(
      fmt::format("sweep {} --set /segments/0/win_rate=0.1:0.3:0.1 --trials 20 --csv {} -o {}",
                  base.string(), (dir / "sweep").string(), (dir / "sweep.h5").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(dir / "sweep/sweep.csv");
  const std::string csv((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(csv.find("\n3,0.3,"), std::string::npos) << csv;
  EXPECT_EQ(csv.find("0000000"), std::string::npos) << csv;
  EXPECT_NE(csv.find("FY2029_partial_2_of_12_mean"), std::string::npos) << csv;
  H5::H5File file((dir / "sweep.h5").string(), H5F_ACC_RDONLY);
  EXPECT_TRUE(file.openGroup("/").attrExists("scenario_sha256"));
  EXPECT_TRUE(file.openGroup("/").attrExists("seed"));
}

// Review: an axis of amounts read "160000" on the terminal and in the report, "160,000" in the
// workbook. Every place for people separates thousands; the CSV keeps the value as written.
TEST(CompareCli, SweepAxisValuesAreGroupedForPeople) {
  test::TempDir dir;
  const auto base = test::source_dir() / "tests/fixtures/small_scenario.json";
  auto r = test::run_opsim(fmt::format(
      "sweep {} --set /segments/0/deal_size/mean=20000,160000 --trials 20 --csv {} -o {}",
      base.string(), (dir / "sweep").string(), (dir / "sweep.h5").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(" 160,000 "), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("160000"), std::string::npos) << r.output;
  // A rise carries its sign, as compare prints it (review: "3.59M" beside "-3.60M").
  EXPECT_NE(r.output.find("        +5."), std::string::npos) << r.output;
  std::ifstream in(dir / "sweep/sweep.csv");
  const std::string csv((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(csv.find("\n2,160000,"), std::string::npos) << csv;
  const auto report = test::run_opsim(
      fmt::format("report {} -o {}", (dir / "sweep.h5").string(), (dir / "sweep.html").string()));
  ASSERT_EQ(report.exit_code, 0) << report.output;
  std::ifstream page_in(dir / "sweep.html");
  const std::string page((std::istreambuf_iterator<char>(page_in)), {});
  EXPECT_NE(page.find("data-v=\"160000\">160,000<"), std::string::npos);
}

// Review: the variance reduction of a paired difference read "4794.0x", without the thousands
// separator every other figure has.
TEST(CompareCli, VarianceReductionIsGroupedForPeople) {
  test::TempDir dir;
  const auto scenarios = test::source_dir() / "scenarios";
  const auto r = test::run_opsim(fmt::format(
      "compare {} {} --trials 100 --threads 1 -o {}", (scenarios / "global_saas.json").string(),
      (scenarios / "global_saas_emea_h2.json").string(), (dir / "c.h5").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"( [0-9]{1,3},[0-9]{3}\.[0-9]x)")))
      << r.output;
  EXPECT_FALSE(std::regex_search(r.output, std::regex(R"( [0-9]{4,}\.[0-9]x)"))) << r.output;
}

// Review: a variant with the base's own value read "identical" on the terminal but "0" and "0"
// in the report's difference and SE columns.
TEST(CompareCli, SweepReportSaysIdenticalAsTheTerminalDoes) {
  test::TempDir dir;
  const auto base = test::source_dir() / "tests/fixtures/small_scenario.json";
  auto r =
      test::run_opsim(fmt::format("sweep {} --set /segments/0/win_rate=0.25,0.3 --trials 20 -o {}",
                                  base.string(), (dir / "sweep.h5").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("identical"), std::string::npos) << r.output;
  const auto report = test::run_opsim(
      fmt::format("report {} -o {}", (dir / "sweep.h5").string(), (dir / "sweep.html").string()));
  ASSERT_EQ(report.exit_code, 0) << report.output;
  std::ifstream page_in(dir / "sweep.html");
  const std::string page((std::istreambuf_iterator<char>(page_in)), {});
  const std::size_t table = page.find("<table class=\"sweep\">");
  ASSERT_NE(table, std::string::npos);
  const std::string rows = page.substr(table);
  // Variant 1 (the base's value) is identical in every year; variant 2 is not.
  const std::size_t second = rows.find("<tr><td class=\"num\">2</td>");
  ASSERT_NE(second, std::string::npos);
  EXPECT_NE(rows.substr(0, second).find(">identical<"), std::string::npos) << rows;
  EXPECT_EQ(rows.substr(second).find(">identical<"), std::string::npos) << rows;
}

// Review: the sweep marked a partial year in its years' rows and columns but not a target of
// that year: T3 read "new_bookings FY2029 total" for 2 of its 12 months.
TEST(CompareCli, SweepMarksATargetOfAPartialYear) {
  test::TempDir dir;
  const auto base = test::source_dir() / "tests/fixtures/small_scenario.json";
  nlohmann::json doc = nlohmann::json::parse(std::ifstream(base.string()));
  doc["targets"].push_back({{"fiscal_year", 2029}, {"amount", 100000}});
  std::ofstream(dir / "s.json") << doc.dump();
  auto r = test::run_opsim(
      fmt::format("sweep {} --set /segments/0/win_rate=0.1,0.2 --trials 20 --csv {}",
                  (dir / "s.json").string(), (dir / "sweep").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("T3 = P(reach) of new bookings FY2029 partial: 2 of 12 months"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("T2 = P(reach) of new bookings FY2028 total\n"), std::string::npos)
      << r.output;  // a whole year is not marked
  std::ifstream in(dir / "sweep/sweep.csv");
  const std::string csv((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(csv.find("p_target_new_bookings_FY2029_partial_2_of_12_total"), std::string::npos);
  EXPECT_NE(csv.find("p_target_new_bookings_FY2028_total"), std::string::npos);
}

// Review: the segment was left out of target labels (three EMEA targets, three columns of one
// name), and targets only an alternative sets were lost from everything but targets.csv.
TEST(CompareCli, TargetsAreNamedWithTheirSegmentAndAnAlternativesOwnAreCompared) {
  test::TempDir dir;
  const auto base = test::source_dir() / "tests/fixtures/small_scenario.json";
  nlohmann::json doc = nlohmann::json::parse(std::ifstream(base.string()));
  doc["targets"].push_back(
      {{"region", "NA"}, {"segment", "SMB"}, {"fiscal_year", 2028}, {"amount", 300000}});
  std::ofstream(dir / "s.json") << doc.dump();
  auto r = test::run_opsim(
      fmt::format("sweep {} --set /segments/0/win_rate=0.1,0.2 --trials 20 -q --csv {}",
                  (dir / "s.json").string(), (dir / "sweep").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(dir / "sweep/sweep.csv");
  std::string header;
  std::getline(in, header);
  EXPECT_NE(header.find("p_target_new_bookings_FY2028_NA_SMB"), std::string::npos) << header;
  EXPECT_NE(header.find("p_target_new_bookings_FY2028_NA,"), std::string::npos) << header;
  r = test::run_opsim(fmt::format("compare {} {} --trials 20 -q -o {}", base.string(),
                                  (dir / "s.json").string(), (dir / "c.h5").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  H5::H5File file((dir / "c.h5").string(), H5F_ACC_RDONLY);
  H5::DataSet names = file.openDataSet("/labels/targets");
  std::vector<char*> text(static_cast<std::size_t>(names.getSpace().getSimpleExtentNpoints()));
  names.read(text.data(), names.getStrType());
  const std::vector<std::string> labels(text.begin(), text.end());
  // The base's two targets, then the alternative's own: each once, the segment named.
  EXPECT_EQ(labels, (std::vector<std::string>{"new_bookings FY2028 NA", "new_bookings FY2028 total",
                                              "new_bookings FY2028 NA SMB"}));
  std::vector<double> p(2 * labels.size());
  file.openDataSet("/scenarios/target_probability").read(p.data(), H5::PredType::NATIVE_DOUBLE);
  EXPECT_TRUE(std::isnan(p[2])) << "the base sets no NA SMB target";
  EXPECT_FALSE(std::isnan(p[labels.size() + 2])) << "the alternative does";
}

// A scenario that extends another is identified by its resolved document: the sweep file records
// that hash, not the hash of the alternative's few lines.
TEST(CompareCli, SweepOfAnExtendingScenarioRecordsTheResolvedHash) {
  test::TempDir dir;
  const auto alt = test::source_dir() / "scenarios/global_saas_emea_h1.json";
  auto r = test::run_opsim(fmt::format("sweep {} --set /simulation/seed=1,2 --trials 4 -o {} -q",
                                       alt.string(), (dir / "sweep.h5").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  H5::H5File file((dir / "sweep.h5").string(), H5F_ACC_RDONLY);
  const H5::Attribute attribute = file.openGroup("/").openAttribute("scenario_sha256");
  std::string recorded;
  attribute.read(attribute.getStrType(), recorded);
  EXPECT_EQ(recorded, load_scenario(alt.string()).sha256);
  EXPECT_NE(recorded, sha256_of_file(alt.string()));
}

TEST(CompareCli, SweepReadsEachCsvFileOnce) {
  test::TempDir dir;
  const auto base = test::source_dir() / "scenarios/global_saas.json";
  auto r = test::run_opsim(fmt::format(
      "sweep {} --set /segments/0/win_rate=0.2,0.3 --set /segments/1/win_rate=0.25:0.35:0.1 "
      "--trials 20 --threads 2 --csv {}",
      base.string(), (dir / "sweep").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("sweep of 4 variants"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("4 CSV files read once"), std::string::npos) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir / "sweep/sweep.csv"));
}

// The terminal table fits about 100 columns however many years and targets: keyed columns
// with a legend (it was one line of every year's six statistics and every target).
TEST(CompareCli, SweepTableFitsAHundredColumns) {
  const auto base = test::source_dir() / "scenarios/global_saas.json";
  auto r = test::run_opsim(fmt::format(
      "sweep {} --set /segments/0/win_rate=0.2,0.3 --set /segments/1/win_rate=0.25:0.35:0.1 "
      "--trials 20 --threads 2",
      base.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // The axis by what it names, with its pointer (review: the pointer alone).
  EXPECT_NE(r.output.find("x1 = Win rate (segment SMB): /segments/0/win_rate"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("T1 = P(reach) of "), std::string::npos) << r.output;
  std::istringstream lines(r.output);
  std::string line;
  std::size_t widest = 0, count = 0;
  while (std::getline(lines, line)) {
    // Characters, not bytes: ± is two bytes in UTF-8.
    const auto width = static_cast<std::size_t>(std::count_if(line.begin(), line.end(), [](char c) {
      return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
    widest = std::max(widest, width);
    ++count;
  }
  EXPECT_GT(count, 8u) << r.output;
  EXPECT_LE(widest, 100u) << r.output;
}

// Review: /simulation/seed=1,2 gave two identical variants without a word; every variant runs
// with the base's seed and trials, and sweep says so.
TEST(CompareCli, SweepSaysASimulationAxisChangesNothing) {
  const auto base = test::source_dir() / "scenarios/didactic.json";
  auto r = test::run_opsim(
      fmt::format("sweep {} -q --trials 20 --seed 5 --set /simulation/seed=1,2", base.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("warning: --set /simulation/seed: every variant runs with the base's "
                          "seed (5) and trials (20), paired with it, so this axis changes nothing"),
            std::string::npos)
      << r.output;
  // Twin: a model parameter is swept without the warning.
  r = test::run_opsim(
      fmt::format("sweep {} -q --trials 20 --set /segments/0/win_rate=0.2,0.3", base.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("changes nothing"), std::string::npos) << r.output;
}

TEST(CompareCli, SweepRejectsAPointerThatIsNotANumber) {
  const auto base = test::source_dir() / "scenarios/didactic.json";
  auto r = test::run_opsim(fmt::format("sweep {} --set /segments/0/nonexistent=1", base.string()));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("/segments/0/nonexistent"), std::string::npos) << r.output;
}

// Review (bad input): each of these ended in an internal error (exit 1) or ran on: an index of 20
// digits ("stoull"), a swept horizon ("cost comparison: runs differ in trials"), an impossible
// --range ("not run" row of zeros, exit 0), trials past the memory (bad_alloc) and an infinite
// budget. Each is bad input: exit 2, named, before any work, nothing written.
TEST(CompareCli, BadPointersRangesAndSizesAreRefusedBeforeAnyWork) {
  test::TempDir dir;
  const std::string base = (test::source_dir() / "scenarios/didactic.json").string();
  const std::string plan = (test::source_dir() / "scenarios/plan_example.json").string();
  const std::string out = (dir / "out.h5").string();
  const std::vector<std::pair<std::string, std::string>> cases{
      {"sweep " + base + " --set /segments/99999999999999999999/win_rate=0.2,0.3 --trials 20",
       "/segments/99999999999999999999/win_rate does not point at a number"},
      {"drivers " + base + " --range /segments/99999999999999999999/win_rate=0.2:0.3 --trials 20",
       "/segments/99999999999999999999/win_rate does not point at a number"},
      {"sweep " + base + " --set /horizon/months=10 --trials 20", "horizons differ"},
      {"drivers " + base + " --no-sources --range /segments/0/win_rate=-1:5 --trials 20",
       "(--range /segments/0/win_rate at 5): /segments/0/win_rate: 5.0 is not a probability"},
      {"compare " + base + " " + base + " --trials 100000000", "give fewer --trials"},
      {"sweep " + base + " --set /segments/0/win_rate=0.2 --trials 100000000",
       "give fewer --trials"},
      {"drivers " + base + " --trials 100000000", "give fewer --trials"},
      {"capacity " + plan + " --trials 100000000", "give fewer --trials"},
      // The limit is the machine's or the one given (review: no way to set it).
      {"compare " + base + " " + base + " --trials 2000 --max-memory 1K",
       "but --max-memory allows 1.0 KiB: give fewer --trials or raise --max-memory"},
      {"sweep " + base + " --set /segments/0/win_rate=0.2 --trials 2000 --max-memory 1K",
       "but --max-memory allows 1.0 KiB"},
      {"drivers " + base + " --trials 2000 --max-memory 1K", "but --max-memory allows 1.0 KiB"},
      {"capacity " + plan + " --trials 2000 --max-memory 1K", "but --max-memory allows 1.0 KiB"},
      {"compare " + base + " " + base + " --max-memory 4X",
       "--max-memory: \"4X\" is not a size from 1 byte to 1 PiB (e.g. 512M, 4G, 1.5GiB)"},
      // Review: 0.4 was 0 bytes and 2^64 a silent 8,388,608 TiB.
      {"compare " + base + " " + base + " --max-memory 0.4", "\"0.4\" is not a size from 1 byte"},
      {"drivers " + base + " --max-memory 18446744073709551616", "is not a size from 1 byte"},
      {"quotas " + plan + " --over-assignment 1e308",
       "--over-assignment: 1e+308 is not allowed (allowed: > 0 and at most 10)"},
      {"capacity " + plan + " --budget inf", "--budget"},
      {"quotas " + plan + " --over-assignment inf", "--over-assignment"},
  };
  for (const auto& [command, message] : cases) {
    const auto r = test::run_opsim(command + " --progress-every 0 -o " + out);
    EXPECT_EQ(r.exit_code, 2) << command << "\n" << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << command << "\n" << r.output;
    EXPECT_EQ(r.output.find("internal error"), std::string::npos) << r.output;
    EXPECT_EQ(test::progress_lines(r.output, "trials"), 0u) << command << "\n" << r.output;
    EXPECT_FALSE(std::filesystem::exists(out)) << command;
  }
}

// Review: sweep checked each variant when its turn came, after the base and every earlier
// variant had been simulated (and under mpirun ended in MPI_Abort). Every variant is checked
// first, their errors reported together, with no progress and no output.
TEST(CompareCli, SweepRefusesEveryBadVariantBeforeRunningAny) {
  test::TempDir dir;
  const auto base = test::source_dir() / "scenarios/didactic.json";
  const std::string out = (dir / "sweep.h5").string();
  auto r =
      test::run_opsim(fmt::format("sweep {} --set /segments/0/win_rate=0.2,1.5,0.3,-1 --trials 50 "
                                  "--progress-every 0 -o {}",
                                  base.string(), out));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("(variant 2): /segments/0/win_rate: 1.5 is not a probability"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("(variant 4): /segments/0/win_rate"), std::string::npos) << r.output;
  EXPECT_EQ(test::progress_lines(r.output, "trials"), 0u) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(CompareCli, SweepSelectsArrayMembersById) {
  test::TempDir dir;
  const auto base = test::source_dir() / "scenarios/didactic.json";
  const nlohmann::json doc = nlohmann::json::parse(std::ifstream(base));
  const std::string id = doc["segments"][0]["id"];
  auto r =
      test::run_opsim(fmt::format("sweep {} --set '/segments[id={}]/win_rate=0.2,0.3' "
                                  "--trials 20 --threads 2 --csv {}",
                                  base.string(), id, (dir / "sweep").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("sweep of 2 variants"), std::string::npos) << r.output;
  auto bad = test::run_opsim(
      fmt::format("sweep {} --set '/segments[id={}x]/win_rate=0.2'", base.string(), id));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("did you mean \"" + id + "\""), std::string::npos) << bad.output;
  // Review: the same field by id and by position was swept once, with both values reported.
  auto twice = test::run_opsim(
      fmt::format("sweep {} --set '/segments[id={}]/win_rate=0.2' --set /segments/0/win_rate=0.3 "
                  "--trials 20 --csv {}",
                  base.string(), id, (dir / "twice").string()));
  EXPECT_EQ(twice.exit_code, 2) << twice.output;
  EXPECT_NE(twice.output.find("name the same field (/segments/0/win_rate)"), std::string::npos)
      << twice.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "twice"));
}

// Review: `compare --metric revenue` labelled FY2028 whole in /labels/period_coverage (new
// bookings' coverage, with their actuals), so the report showed 10 months of revenue as a full
// year; the file's coverage is the compared metric's.
TEST(CompareCli, PeriodCoverageIsTheComparedMetrics) {
  test::TempDir dir;
  const auto scenarios = test::source_dir() / "scenarios";
  auto coverage_of_fy2028 = [&](const std::string& metric) {
    const auto out = dir / (metric + ".h5");
    const auto r = test::run_opsim(
        fmt::format("compare {} {} --metric {} --trials 20 --threads 1 -q -o {}",
                    (scenarios / "global_saas.json").string(),
                    (scenarios / "global_saas_emea_h2.json").string(), metric, out.string()));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    report::H5Reader file(out.string());
    const auto periods = file.strings("/labels/periods");
    const auto coverage = file.strings("/labels/period_coverage");
    const auto at = std::find(periods.begin(), periods.end(), "FY2028");
    EXPECT_NE(at, periods.end());
    return at == periods.end() ? std::string("?") : coverage.at(at - periods.begin());
  };
  EXPECT_EQ(coverage_of_fy2028("new_bookings"), "");
  EXPECT_NE(coverage_of_fy2028("revenue").find("partial: 10 of 12 months"), std::string::npos);
}

// Review: a target no trial reaches read "0.0% ±0.0" in compare's terminal, report and workbook
// (run's terminal already gave the rule-of-three bound), and P(better) of an alternative better
// in every trial "100.0%": each now gives the bound, as `run` does.
TEST(CompareCli, AShareOfNoneOrEveryTrialGivesItsBoundEverywhere) {
  test::TempDir dir;
  nlohmann::json doc = unreachable_target_fixture();
  const std::string base = dir.write("base.json", doc.dump());
  doc["name"] = "more hires";
  doc["hiring_plan"][0]["count"] = doc["hiring_plan"][0]["count"].get<int>() + 4;
  const std::string alt = dir.write("alt.json", doc.dump());
  const auto out = dir / "c.h5", page = dir / "c.html", book = dir / "c.xlsx";
  const auto r =
      test::run_opsim(fmt::format("compare {} {} --trials 200 --threads 1 -o {} --xlsx {}", base,
                                  alt, out.string(), book.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("<1.5% (none)"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("0.0% ±0.0"), std::string::npos) << r.output;
  // The difference table's P(higher) too, its bound explained under the table.
  EXPECT_EQ(r.output.find(" 100.0% "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("P(higher) <1.5% or >98.5%: higher in none or every one of the 200 "
                          "trials"),
            std::string::npos)
      << r.output;
  const auto shown = test::run_opsim(fmt::format("report {} -o {}", out.string(), page.string()));
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  const std::string html = test::read_text(page);
  EXPECT_NE(html.find("&lt;1.5% (none)"), std::string::npos);
  EXPECT_EQ(html.find(">0.0%<"), std::string::npos);
}

// Review: an alternative with a stretch target (the base's target cell, another amount) gave two
// rows both named "new bookings FY2028 total"; each is named with its amount.
TEST(CompareCli, TargetsSharingACellAreNamedWithTheirAmounts) {
  test::TempDir dir;
  nlohmann::json doc = nlohmann::json::parse(
      std::ifstream(test::source_dir() / "tests/fixtures/small_scenario.json"));
  const std::string base = dir.write("base.json", doc.dump());
  doc["name"] = "stretch";
  doc["targets"][1]["amount"] = 900000;
  const std::string alt = dir.write("alt.json", doc.dump());
  const auto r = test::run_opsim(fmt::format("compare {} {} --trials 50 --threads 1 --csv {}", base,
                                             alt, (dir / "csv").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("new bookings FY2028 total (800K)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("new bookings FY2028 total (900K)"), std::string::npos) << r.output;
  // A target no other shares keeps its plain name.
  EXPECT_NE(r.output.find("new bookings FY2028 NA "), std::string::npos) << r.output;
}

// Review: an alternative without the base's cost model was compared at cost 0 in silence ("saves
// cost", P(better) 100%); a warning names it before the work. Two priced scenarios: none.
TEST(CompareCli, AScenarioWithoutCostsBesideOneWithCostsIsNamed) {
  const auto scenarios = test::source_dir() / "scenarios";
  test::TempDir dir;
  const auto unpriced = test::run_opsim(fmt::format(
      "compare {} {} --trials 20 --threads 1 -q -o {}", (scenarios / "decision_base.json").string(),
      (scenarios / "global_saas_emea_h1.json").string(), (dir / "c.h5").string()));
  ASSERT_EQ(unpriced.exit_code, 0) << unpriced.output;
  EXPECT_NE(unpriced.output.find("prices no costs"), std::string::npos) << unpriced.output;
  // And with the costs in the file and the report (review: terminal only).
  EXPECT_NE(report::H5Reader((dir / "c.h5").string())
                .attribute("note", "/alternative_1/economics")
                .find("prices no costs"),
            std::string::npos);
  const auto page = test::run_opsim(
      fmt::format("report {} -o {}", (dir / "c.h5").string(), (dir / "c.html").string()));
  ASSERT_EQ(page.exit_code, 0) << page.output;
  EXPECT_NE(test::read_text(dir / "c.html").find("<strong>Warning:</strong>"), std::string::npos);
  const auto priced = test::run_opsim(fmt::format(
      "compare {} {} --trials 20 --threads 1 -q", (scenarios / "decision_base.json").string(),
      (scenarios / "decision_emea_hires.json").string()));
  ASSERT_EQ(priced.exit_code, 0) << priced.output;
  EXPECT_EQ(priced.output.find("prices no costs"), std::string::npos) << priced.output;
}

// Review: sweep's terminal and report showed a P(reach) of none or every trial as "0.0%" and
// "100.0%"; they give its rule-of-three bound, as run and compare do.
TEST(CompareCli, SweepGivesTheBoundOfACertainPReach) {
  test::TempDir dir;
  nlohmann::json doc = unreachable_target_fixture();
  const std::string base = dir.write("base.json", doc.dump());
  const auto r = test::run_opsim(
      fmt::format("sweep {} --set /segments/0/win_rate=0.25,0.3 --trials 200 --threads 1 -o {}",
                  base, (dir / "s.h5").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("  <1.5%"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("none or every one of the 200 trials reaches it"), std::string::npos)
      << r.output;
  const auto shown = test::run_opsim(
      fmt::format("report {} -o {}", (dir / "s.h5").string(), (dir / "s.html").string()));
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_NE(test::read_text(dir / "s.html").find("&lt;1.5% (none)"), std::string::npos);
}

}  // namespace
}  // namespace opsim
