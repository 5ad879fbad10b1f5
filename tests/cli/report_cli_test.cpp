// `opsim report` through the CLI: a run's report is one offline page; what is not a result is
// refused with exit 2, naming the file, and nothing is written. The browser checks live in
// tests/report/report_browser_test.py.
#include <H5Cpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "sim/io/result_integrity.hpp"
#include "tests/test_support.hpp"

namespace opsim {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

//! Runs `scenario` (relative to the source tree) for `trials` and returns its HTML report page.
std::string run_and_report(const test::TempDir& dir, const std::string& scenario, int trials) {
  const auto input = test::source_dir() / scenario;
  EXPECT_EQ(test::run_opsim(fmt::format("run {} --trials {} -q -o {}", input.string(), trials,
                                        (dir / "run.h5").string()))
                .exit_code,
            0);
  const auto r = test::run_opsim(
      fmt::format("report {} -o {}", (dir / "run.h5").string(), (dir / "run.html").string()));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(dir / "run.html");
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

TEST(ReportCli, RunReportIsOneOfflinePage) {
  test::TempDir dir;
  const std::string page = run_and_report(dir, "tests/fixtures/small_scenario.json", 200);
  ASSERT_FALSE(page.empty());
  EXPECT_LT(page.size(), 3u << 20);
  EXPECT_THAT(page, HasSubstr("<svg class=\"chart\""));
  EXPECT_THAT(page, HasSubstr("FY2029 partial: 2 of 12 months (2028-02..2028-03)"));
  EXPECT_THAT(page, HasSubstr("<table"));
  EXPECT_THAT(page, Not(HasSubstr("src=\"http")));
  EXPECT_THAT(page, Not(HasSubstr("href=\"http")));
  // Provenance in words, counts grouped (review: "scenario_name", "created_utc", "trials 1000").
  EXPECT_THAT(page, HasSubstr(">written (UTC)</th>"));
  EXPECT_THAT(page, Not(HasSubstr(">created_utc</th>")));
  // -q, as every command takes it, prints nothing; the twin without it says what it wrote.
  const auto quiet = test::run_opsim(fmt::format(
      "report {} -o {} -q --force", (dir / "run.h5").string(), (dir / "run.html").string()));
  EXPECT_EQ(quiet.exit_code, 0) << quiet.output;
  EXPECT_EQ(quiet.output, "");
  const auto said = test::run_opsim(fmt::format(
      "report {} -o {} --force", (dir / "run.h5").string(), (dir / "run.html").string()));
  EXPECT_THAT(said.output, HasSubstr("opsim: wrote the report"));
}

// Review: the headline card of a renewals target of 10 months read as a whole year's (only the
// table below marked it).
TEST(ReportCli, AHeadlineCardOfAPartialPeriodSaysSo) {
  test::TempDir dir;
  const std::string page = run_and_report(dir, "scenarios/global_saas.json", 100);
  EXPECT_THAT(page, HasSubstr("<div class=\"card partial\"><div>renewal bookings FY2028 partial: "
                              "10 of 12 months"));
  // The twin: a whole year's new-bookings card is not marked.
  EXPECT_THAT(page, HasSubstr("<div class=\"card\"><div>new bookings FY2028 total</div>"));
}

// Review: the run report's targets table headed its amounts "target" and "mean", and the compare
// report's "amount", without a unit.
TEST(ReportCli, TargetAmountsNameTheirCurrency) {
  test::TempDir dir;
  const std::string page = run_and_report(dir, "tests/fixtures/small_scenario.json", 100);
  EXPECT_THAT(page, HasSubstr("<th>target (USD)</th><th>mean (USD)</th>"));
  EXPECT_THAT(page, Not(HasSubstr("<th>target</th>")));
  const auto fixture = (test::source_dir() / "tests/fixtures/small_scenario.json").string();
  ASSERT_EQ(test::run_opsim(fmt::format("compare {} {} --trials 50 -q -o {}", fixture, fixture,
                                        (dir / "compare.h5").string()))
                .exit_code,
            0);
  const auto r = test::run_opsim(fmt::format("report {} -o {} -q", (dir / "compare.h5").string(),
                                             (dir / "compare.html").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(dir / "compare.html");
  const std::string compared((std::istreambuf_iterator<char>(in)), {});
  EXPECT_THAT(compared, HasSubstr("<tr><th>target</th><th>amount (USD)</th>"));
  // Each alternative's change in P(reach) is the paired one, with its SE (review).
  EXPECT_THAT(compared, HasSubstr(" ± SE (paired)</th></tr>"));
  EXPECT_THAT(compared, HasSubstr("<td class=\"num\">same</td>"));  // identical scenarios
  // ... as the file stores it, which the terminal and the workbook round (review: the difference
  // of the two probabilities, rounded apart, differed by 0.1 pt in 18 of 78 cells). A stored
  // change the probabilities do not give shows.
  {
    H5::H5File file((dir / "compare.h5").string(), H5F_ACC_RDWR);
    H5::DataSet change = file.openDataSet("/alternative_1/economics/target_probability_change");
    std::vector<double> values(static_cast<std::size_t>(change.getSpace().getSimpleExtentNpoints()),
                               0.1234);
    change.write(values.data(), H5::PredType::NATIVE_DOUBLE);
  }
  seal_result_file((dir / "compare.h5").string(), "compare.h5");  // as opsim would have
  ASSERT_EQ(test::run_opsim(fmt::format("report {} -o {} -q --force", (dir / "compare.h5").string(),
                                        (dir / "compare.html").string()))
                .exit_code,
            0);
  std::ifstream again(dir / "compare.html");
  const std::string stored((std::istreambuf_iterator<char>(again)), {});
  EXPECT_THAT(stored, HasSubstr("<td class=\"num\">+12.3 ±"));
}

// Review: a run without targets showed a targets table of headings only and an empty "How likely
// each yearly target is" section, and a scenario without reps an empty headcount chart. It says
// there are none instead; a run with targets and reps keeps both.
TEST(ReportCli, ARunWithoutTargetsSaysSoInsteadOfEmptySections) {
  test::TempDir dir;
  const std::string page = run_and_report(dir, "scenarios/synthetic_growing.json", 100);
  EXPECT_THAT(page, HasSubstr("The scenario sets no targets"));
  EXPECT_THAT(page, Not(HasSubstr("How likely each yearly target is")));
  EXPECT_THAT(page, Not(HasSubstr("<table class=\"targets\">")));
  EXPECT_THAT(page, HasSubstr("<h2>ARR over time</h2>"));
  EXPECT_THAT(page, HasSubstr("No reps in any month"));
  EXPECT_THAT(page, Not(HasSubstr("headcount at month end")));
  test::TempDir twin;
  const std::string with = run_and_report(twin, "tests/fixtures/small_scenario.json", 100);
  EXPECT_THAT(with, HasSubstr("How likely each yearly target is"));
  EXPECT_THAT(with, Not(HasSubstr("The scenario sets no targets")));
  EXPECT_THAT(with, HasSubstr("<h2>ARR and headcount over time</h2>"));
  EXPECT_THAT(with, HasSubstr("headcount at month end"));
  EXPECT_THAT(with, Not(HasSubstr("No reps in any month")));
}

// A run with products gets a product-mix table (regression: the product results were in the
// file but on no page), its numbers tagged with the datasets they come from and formatted with
// thousands separators; a run without products gets none. The example has no actuals to date:
// its empty /labels/actual_months is read (regression: "H5Dvlen_reclaim failed", exit 2).
TEST(ReportCli, RunWithProductsShowsTheProductMix) {
  test::TempDir dir;
  const std::string page = run_and_report(dir, "scenarios/plan_example.json", 100);
  ASSERT_FALSE(page.empty());
  const auto table = page.find("<h2>Product mix by fiscal year (USD)</h2>");
  ASSERT_NE(table, std::string::npos);
  const std::string rows = page.substr(table, page.find("</table>", table) - table);
  EXPECT_THAT(rows, HasSubstr("<td>FY2027</td><td>total</td><td>Analytics</td>"));
  EXPECT_THAT(rows, HasSubstr("FY2028 partial: 6 of 12 months (2028-01..2028-06)"));
  EXPECT_THAT(rows, HasSubstr("data-h5=\"/summary/products/quantiles\""));
  EXPECT_THAT(rows, HasSubstr("data-derived=\"product_share:"));
  EXPECT_THAT(rows, ::testing::ContainsRegex(">[0-9]{1,3},[0-9]{3},[0-9]{3}<"));
  EXPECT_THAT(rows, Not(HasSubstr("nan")));
  const auto fixture = test::source_dir() / "tests/fixtures/small_scenario.json";
  ASSERT_EQ(test::run_opsim(fmt::format("run {} --trials 50 -q --force -o {}", fixture.string(),
                                        (dir / "run.h5").string()))
                .exit_code,
            0);
  ASSERT_EQ(test::run_opsim(fmt::format("report {} --force -o {}", (dir / "run.h5").string(),
                                        (dir / "run.html").string()))
                .exit_code,
            0);
  std::ifstream again(dir / "run.html");
  EXPECT_THAT(std::string((std::istreambuf_iterator<char>(again)), {}),
              Not(HasSubstr("Product mix")));
}

TEST(ReportCli, RefusesWhatIsNotAResult) {
  test::TempDir dir;
  test::TempDir inputs;
  const std::string notes = inputs.write("notes.txt", "not a result\n");
  const auto out = (dir / "report.html").string();
  const auto not_hdf5 = test::run_opsim(fmt::format("report {} -o {}", notes, out));
  EXPECT_EQ(not_hdf5.exit_code, 2) << not_hdf5.output;
  EXPECT_THAT(not_hdf5.output, HasSubstr("notes.txt: not an opsim result file"));
  const auto missing =
      test::run_opsim(fmt::format("report {} -o {}", (dir / "absent.h5").string(), out));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.output, HasSubstr("absent.h5: no such result file"));
  // A FIFO or a folder is named for what it is (review: "no such result file"), never opened.
  const fs::path fifo = inputs / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto pipe = test::run_opsim(fmt::format("report {} -o {}", fifo.string(), out));
  EXPECT_EQ(pipe.exit_code, 2) << pipe.output;
  EXPECT_THAT(pipe.output, HasSubstr("fifo: is a FIFO (named pipe), not a result file"));
  const auto folder = test::run_opsim(fmt::format("report {} -o {}", inputs.path().string(), out));
  EXPECT_EQ(folder.exit_code, 2) << folder.output;
  EXPECT_THAT(folder.output, HasSubstr(": is a folder, not a result file"));
  EXPECT_FALSE(fs::exists(out));
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

// Review: `report r.h5 -o global_saas/roster.csv --force` replaced the roster the result was run
// on (merge refuses it): the scenario and the files a result records are its inputs.
TEST(ReportCli, RefusesToWriteOverTheFilesAResultWasRunOn) {
  test::TempDir dir;
  const fs::path scenario = dir / "s.json";
  fs::copy_file(test::source_dir() / "scenarios/global_saas.json", scenario);
  fs::copy(test::source_dir() / "scenarios/global_saas", dir / "global_saas",
           fs::copy_options::recursive);
  const fs::path result = dir / "r.h5";
  ASSERT_EQ(test::run_opsim(
                fmt::format("run {} --trials 20 -q -o {}", scenario.string(), result.string()))
                .exit_code,
            0);
  const fs::path roster = dir / "global_saas" / "roster.csv";
  auto read = [](const fs::path& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  const std::string before = read(roster);
  for (const fs::path& target : {roster, scenario}) {
    const auto r =
        test::run_opsim(fmt::format("report {} -o {} --force", result.string(), target.string()));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_THAT(r.output, HasSubstr("would overwrite its own input"));
  }
  EXPECT_EQ(read(roster), before);
}

TEST(ReportCli, ScenarioFileGivesTheInputSanityPageAlone) {
  test::TempDir dir;
  const auto scenario = test::source_dir() / "tests/fixtures/input_summary_scenario.json";
  const auto out = (dir / "page.html").string();
  const auto result = test::run_opsim(fmt::format("report {} -o {}", scenario.string(), out));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  std::ifstream in(out);
  const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(page, HasSubstr("<h1>Inputs: input_summary</h1>"));
  // The sentence rounds as the card does (review: the card said 90.3%, the sentence 90%).
  EXPECT_THAT(page, HasSubstr("covers 90.3% of what the model expects"));
  // The value as `validate --summary-json` writes it: 12 significant digits (28 / 31).
  EXPECT_THAT(page, HasSubstr("data-v=\"0.903225806452\">90.3%<"));
  EXPECT_THAT(page, HasSubstr("data-json=\"/pipeline/1/amount\" data-v=\"22000\">22,000<"));
  EXPECT_THAT(page, Not(HasSubstr("<h1>Forecast")));
}

}  // namespace
}  // namespace opsim
