// `opsim calibrate`, `opsim backtest` and `opsim run --export-deals` from the command line:
// exit codes and messages for each bad-input class, and the files a good run writes.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <regex>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/io/scenario_loader.hpp"
#include "tests/progress_lines.hpp"
#include "tests/test_support.hpp"

namespace opsim {
namespace {

const char* kExport =
    "id,region,segment,stage,created,closed,amount\n"
    "1,East,SMB,Won,2017-01-05,2017-02-01,100\n"
    "2,East,SMB,Lost,2017-01-05,2017-02-11,0\n"
    "3,West,SMB,Won,2017-02-05,2017-03-01,300\n"
    "4,West,SMB,Lost,2017-03-05,2017-04-20,0\n"
    "5,West,SMB,Won,2017-03-05,2017-05-20,250\n"
    "6,East,SMB,Open,2017-04-05,,\n";

//! `opsim calibrate` of the export `text` as of 2017-04 into dir/fitted.json and the report
//! dir/fit.{txt,json}.
test::CommandResult calibrate_export(const test::TempDir& dir, const std::string& text) {
  return test::run_opsim(fmt::format(
      "calibrate --opportunities {} --as-of 2017-04 -o {} --report {} --min-cell 2",
      dir.write("export.csv", text), (dir / "fitted.json").string(), (dir / "fit").string()));
}

TEST(CalibrateCli, WritesALoadableScenarioAndTheReport) {
  test::TempDir dir;
  const auto scenario = dir / "fitted.json";
  const auto report = dir / "fit";
  const auto r = calibrate_export(dir, kExport);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("win rate: 4 closes"), std::string::npos)
      << r.output;  // row 5 closes after
  EXPECT_TRUE(std::filesystem::exists(report.string() + ".json"));
  EXPECT_TRUE(std::filesystem::exists(report.string() + ".txt"));
  const Scenario s = load_scenario(scenario.string());
  EXPECT_EQ(s.region_count(), 2);
  EXPECT_EQ(s.pipeline.deals.size(), 2u);  // rows 5 (straddling) and 6 (open)
  EXPECT_EQ(format_year_month(s.calendar.start()), "2017-05");
  // The fiscal year's wins before the forecast are its actuals (review: FY2017 read "no actuals
  // given, counted as 0" and its P50 was the half year's): East 100 in 2017-02, West 300 in
  // 2017-03; row 5 closes after the cut-off.
  ASSERT_EQ(s.actuals.size(), 2u);
  double actual = 0;
  for (const auto& a : s.actuals) actual += a.amount;
  EXPECT_EQ(actual, 400.0);
  EXPECT_EQ(format_year_month(s.actuals[0].month), "2017-02");
  // Estimates are written with six significant digits, never 17.
  for (const std::string& path : {scenario.string(), report.string() + ".json"}) {
    std::ifstream in(path);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::size_t longest = 0;
    for (std::size_t i = 0; i < text.size();) {
      std::size_t digits = 0;
      const bool number_start =
          std::isdigit(static_cast<unsigned char>(text[i])) &&
          (i == 0 || std::string(" [:-").find(text[i - 1]) != std::string::npos);
      if (!number_start) {
        ++i;
        continue;
      }
      bool leading = true;  // zeros before the first non-zero digit are not significant
      for (;
           i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.');
           ++i) {
        if (text[i] == '.') continue;
        if (leading && text[i] == '0') continue;
        leading = false;
        ++digits;
      }
      if (i < text.size() && (text[i] == 'e' || text[i] == 'E'))
        digits = std::min<std::size_t>(digits, 6);
      longest = std::max(longest, digits);
    }
    EXPECT_LE(longest, 6u) << path;
    EXPECT_GE(longest, 4u) << path;  // the check sees numbers at all
  }
}

// Review: stage probabilities rounded to 0.001 wrote a pipeline expecting 1,592,834 won where the
// fit printed 1,593,182 (and deals of p = 0.0004 at 0): six significant digits, as every estimate.
TEST(CalibrateCli, TheWrittenPipelineExpectsTheFitsWonAmount) {
  test::TempDir dir;
  std::string text = "id,region,segment,stage,created,closed,amount\n";
  // East wins 3 of 7 closes (3/7 = 0.428571...), West 2 of 3; two deals open in each region.
  const char* east[] = {"Won", "Lost", "Won", "Lost", "Lost", "Won", "Lost"};
  for (int i = 0; i < 7; ++i)
    text += fmt::format("E{},East,SMB,{},2017-0{}-05,2017-0{}-20,{}\n", i, east[i], 1 + i % 3,
                        2 + i % 3, 100 + 10 * i);
  for (int i = 0; i < 3; ++i)
    text += fmt::format("W{},West,SMB,{},2017-01-0{},2017-03-1{},{}\n", i, i < 2 ? "Won" : "Lost",
                        i + 1, i, 200 + 10 * i);
  text += "OE1,East,SMB,Open,2017-03-05,,\nOE2,East,SMB,Open,2017-04-02,,\n";
  text += "OW1,West,SMB,Open,2017-02-05,,\nOW2,West,SMB,Open,2017-04-03,,\n";
  const auto scenario = dir / "fitted.json";
  const auto report = dir / "fit";
  const auto r = calibrate_export(dir, text);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const Scenario s = load_scenario(scenario.string());
  ASSERT_GE(s.pipeline.deals.size(), 4u);
  double written = 0;
  for (const PipelineDeal& deal : s.pipeline.deals)
    written +=
        deal.amount * s.pipeline.stages[static_cast<std::size_t>(deal.stage)].win_probability;
  std::ifstream in(report.string() + ".json");
  const auto fit = nlohmann::json::parse(in);
  const double expected = fit["open_pipeline"]["expected_won_amount"].get<double>();
  ASSERT_GT(expected, 0);
  EXPECT_NEAR(written, expected, 5e-6 * expected);
}

TEST(CalibrateCli, NoParameterUncertaintyWritesThePlainFittedValues) {
  test::TempDir dir;
  const std::string csv = dir.write("export.csv", kExport);
  const std::string base =
      fmt::format("calibrate --opportunities {} --as-of 2017-04 --min-cell 2 --quiet", csv);
  auto uncertain = [&](const std::string& extra) {
    const auto path = dir / "fitted.json";
    const auto r = test::run_opsim(fmt::format("{} -o {} --force{}", base, path.string(), extra));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return load_scenario(path.string()).uncertain.size();
  };
  EXPECT_GT(uncertain(""), 0u);  // win rates (beta) at least
  EXPECT_EQ(uncertain(" --no-parameter-uncertainty"), 0u);
}

TEST(CalibrateCli, BadInputExitsTwoNamingThePlace) {
  test::TempDir dir;
  const std::string csv = dir.write("export.csv", kExport);
  const struct {
    std::string args, message;
  } cases[] = {
      {fmt::format("calibrate --opportunities {}", csv), "--as-of is required"},
      {fmt::format("calibrate --opportunities {} --as-of 2017-13-01", csv),
       "--as-of: '2017-13-01' is not a date"},
      {"calibrate --opportunities /no/such/file.csv --as-of 2017-04",
       "/no/such/file.csv: no such file"},
      {"calibrate --as-of 2017-04", "no history given"},
      {fmt::format("calibrate --opportunities {} --as-of 2017-04 --map closed", csv),
       "--map: 'closed' is not FIELD=COLUMN"},
      {fmt::format("calibrate --opportunities {} --as-of 2017-04 --map closed=shut", csv),
       "column 'shut' (mapped to closed) is missing"},
      {fmt::format("calibrate --opportunities {} --as-of 2016-12", csv),
       "nothing is visible as of the cut-off 2016-12-31: no deal closed or booked on or before it "
       "(the first close or booking is on 2017-02-01)"},
      {fmt::format("backtest --opportunities {} --as-of 2017-03 --last-origin 2017-02", csv),
       "--last-origin 2017-02 is before --as-of 2017-03 (the first cut-off)"},
      // A day inside a month was moved to the month end in silence (review).
      {fmt::format("backtest --opportunities {} --as-of 2017-03-15", csv),
       "--as-of 2017-03-15: backtest cut-offs are month ends (each origin is fitted as of its "
       "month's last day); give 2017-03 (the data to 2017-03-31) or 2017-02"},
      // Every row's date unreadable (the review mapped a text column): say so, with the rows'
      // reasons, not "nothing is visible".
      {fmt::format("calibrate --bookings {} --as-of 2017-04 --map date=note",
                   dir.write("notes.csv", "note,region,amount\nfirst,East,1\nsecond,West,2\n")),
       "none of the 2 rows of the bookings table could be read (2 rejected); the first:"},
      {fmt::format("calibrate --opportunities {} --as-of 2017-04 -o /no/dir/x.json", csv),
       "/no/dir"},
      // The currency is an ISO 4217 code (review: "US Dollars" and "eur" were accepted).
      {fmt::format("calibrate --opportunities {} --as-of 2017-04 --currency 'US Dollars'", csv),
       "--currency: 'US Dollars' is not an ISO 4217 code (a code of ISO 4217's list, e.g. USD, "
       "EUR, JPY)"},
      {fmt::format("calibrate --opportunities {} --as-of 2017-04 --currency XYZ", csv),
       "--currency: 'XYZ' is not an ISO 4217 code (a code of ISO 4217's list"},
      {fmt::format("calibrate --opportunities {} --as-of 2017-04 --currency eur", csv),
       "--currency: 'eur' is not an ISO 4217 code (write EUR)"},
      // What is allowed, not a range up to the largest double's 309 digits (review).
      {fmt::format("calibrate --opportunities {} --as-of 2017-04 --prior-strength -1", csv),
       "-1 is not a finite number >= 0"},
      {fmt::format("calibrate --opportunities {} --as-of 2017-04 --prior-strength inf", csv),
       "inf is not a finite number >= 0"},
      {fmt::format("calibrate --source {} --as-of 2017-04",
                   dir.write("map.json", "{\"opportunity\": {}}")),
       "unknown key"},
      {fmt::format("backtest --opportunities {} --as-of 2017-03 --horizon 0", csv), "--horizon"},
      {fmt::format("calibrate --opportunities {} --as-of 2017-04 --map stat=Status", csv),
       "mapped field 'stat' (to column 'Status') is not a field of the opportunities table; its "
       "fields are: id, owner, region, segment, stage, created, closed, amount"},
      // One column for two fields, or one field twice (review: accepted silently).
      {fmt::format("calibrate --opportunities {} --as-of 2017-04 --map region=amount", csv),
       csv + ":1: fields 'region' and 'amount' both read column 'amount'"},
      {fmt::format("calibrate --opportunities {} --as-of 2017-04 --map region=region --map "
                   "region=segment",
                   csv),
       "--map region=segment: 'region' is already mapped to column 'region' by an earlier --map"},
      {fmt::format("calibrate --opportunities {} --as-of 2017-09", csv),
       "--as-of 2017-09: the history ends in 2017-05 (last dated row 2017-05-20)"},
      // A stage no row carries (review: --exclude-status Canceled on "Cancelled" data kept all
      // 485 cancelled lines, silently); a default stage list is not checked.
      {fmt::format("calibrate --opportunities {} --as-of 2017-04 --lost-stage Lsot", csv),
       "--lost-stage (or lost_stages) 'Lsot' matches no stage or status in " + csv +
           " (values present: 'Lost' (2 rows), 'Open' (1 row), 'Won' (3 rows))"},
      {fmt::format("calibrate --bookings {} --as-of 2017-04 --exclude-stage "
                   "Cancelled",
                   dir.write("bookings.csv", "date,region,amount\n2017-01-05,East,10\n")),
       "--exclude-stage (or exclude_stages) 'Cancelled': the history has no stage or status "
       "column"},
      // A report prefix that is a folder (review: wrote the hidden files sub/.json and .txt).
      {fmt::format("calibrate --opportunities {} --as-of 2017-04 -o {} --report {}/", csv,
                   (dir / "f.json").string(), dir.path().string()),
       "/: is a folder; give a file name prefix, e.g. "},
      // A stage with two meanings (review: the won list won silently).
      {fmt::format("calibrate --opportunities {} --as-of 2017-04 --won-stage Won --lost-stage won",
                   csv),
       "--won-stage and --lost-stage (or won_stages and lost_stages) both name 'Won' and 'won': a "
       "stage is won, lost or open, not two of them"},
      {fmt::format("calibrate --opportunities {} --as-of 2017-04 --exclude-stage Won", csv),
       "--won-stage and --exclude-stage (or won_stages and exclude_stages) both name 'won' and "
       "'Won'"},
  };
  for (const auto& c : cases) {
    const auto r = test::run_opsim(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.args << "\n" << r.output;
  }
}

// --since YYYY-MM is the month's first day, a start (review: it was read as the last day, as a
// cut-off is, so the month itself was left out of the fit and its closes lost: the cycle mean
// came out biased again). The last day of the month is the twin: that month is left out.
TEST(CalibrateCli, SinceAMonthStartsAtItsFirstDay) {
  test::TempDir dir;
  const std::string csv = dir.write("export.csv", kExport);
  auto report = [&](const std::string& since) {
    const auto r = test::run_opsim(fmt::format(
        "calibrate --opportunities {} --as-of 2017-05 --min-cell 1 --since {}", csv, since));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.output;
  };
  const std::string month = report("2017-03");
  EXPECT_EQ(month, report("2017-03-01"));
  EXPECT_NE(month, report("2017-03-31"));
  EXPECT_NE(month.find("2017-03 .. 2017-05"), std::string::npos) << month;
}

// Twelve months of history leave the overdispersion and pooling tests no degrees of freedom:
// they print n/a, not p = 1 (review). Eighteen months are the twin: p-values again.
TEST(CalibrateCli, TestsWithoutDegreesOfFreedomSayNotApplicable) {
  test::TempDir dir;
  std::string csv = "date,region,amount\n";
  for (int m = 1; m <= 18; ++m)
    for (int k = 0; k < 3 + m % 4; ++k)
      for (const char* region : {"East", "West"})
        csv += fmt::format("{}-{:02}-{:02},{},{}\n", m > 12 ? 2019 : 2018, (m - 1) % 12 + 1, k + 1,
                           region, 100 + 10 * k);
  const std::string path = dir.write("orders.csv", csv);
  auto report = [&](const char* as_of) {
    const auto r = test::run_opsim(
        fmt::format("calibrate --bookings {} --as-of {} --min-cell 1", path, as_of));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.output;
  };
  const std::string twelve = report("2018-12");
  EXPECT_NE(twelve.find("Cochran's Q test of one variance: n/a"), std::string::npos) << twelve;
  EXPECT_NE(twelve.find("  n/a off"), std::string::npos) << twelve;
  const std::string longer = report("2019-06");
  EXPECT_EQ(longer.find("n/a"), std::string::npos) << longer;
}

// A date isolated from the rest of the history by more than a year without rows (a 1900-01-01
// placeholder, a 2099 typo) is left out and listed (review: a 2099 row let an --as-of past the
// data fit 18 empty months as zero bookings, growth -47%/yr; a 1900 row stretched the fit
// window over 118 years). Twin: a row five months after the rest is history, and kept.
TEST(CalibrateCli, IsolatedDatesAreLeftOutOfTheHistory) {
  test::TempDir dir;
  std::string base = "date,region,amount\n";
  for (int m = 0; m < 24; ++m)
    for (int k = 1; k <= 4; ++k)
      for (const char* region : {"East", "West"})
        base += fmt::format("{}-{:02}-{:02},{},{}\n", 2016 + m / 12, m % 12 + 1, 2 * k, region,
                            100 + 10 * k);
  auto calibrate = [&](const std::string& extra_row, const char* as_of) {
    const std::string path = dir.write("orders.csv", base + extra_row);
    return test::run_opsim(
        fmt::format("calibrate --bookings {} --as-of {} --min-cell 1", path, as_of));
  };
  auto r = calibrate("2099-01-01,East,500\n", "2019-06");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--as-of 2019-06: the history ends in 2017-12"), std::string::npos)
      << r.output;
  r = calibrate("1900-01-01,East,500\n", "2017-12");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("months 2016-01 .. 2017-12"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("date '1900-01-01' is isolated from the rest of the history (2016-01 "
                          ".. 2017-12)"),
            std::string::npos)
      << r.output;
  r = calibrate("2018-06-15,East,500\n", "2018-06");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("months 2016-01 .. 2018-06"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("isolated"), std::string::npos) << r.output;
}

TEST(CalibrateCli, CutoffInTheLastMonthWithDataIsAccepted) {
  // The refusal of a cut-off after the data must not refuse the data's own last month.
  test::TempDir dir;
  const std::string csv = dir.write("export.csv", kExport);
  const auto r = test::run_opsim(
      fmt::format("calibrate --opportunities {} --as-of 2017-05 --min-cell 2", csv));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("the history ends on 2017-05-20: 2017-05 is only partly covered"),
            std::string::npos)
      << r.output;
}

// Review: a control character in a rejected value reached the terminal and the text report raw
// (the JSON report escaped it); they now show it as the JSON report does.
TEST(CalibrateCli, TheReadReportShowsControlCharactersAsEscapes) {
  test::TempDir dir;
  const std::string csv = dir.write("orders.csv", std::string("Date,Region,Sales\n"
                                                              "2018-01-08,South,100\n"
                                                              "2018-02\0-10,South,20\n"
                                                              "2018-03-30,South,30\n",
                                                              80));
  const auto r = test::run_opsim(fmt::format(
      "calibrate --bookings {} --map date=Date --map amount=Sales --as-of 2018-03 --min-cell 1 "
      "--report {}",
      csv, (dir / "fit").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("2018-02\\u0000-10"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find('\0'), std::string::npos) << r.output;
  std::ifstream text((dir / "fit.txt").string());
  const std::string report((std::istreambuf_iterator<char>(text)), {});
  EXPECT_NE(report.find("2018-02\\u0000-10"), std::string::npos) << report;
}

TEST(CalibrateCli, BookingStatusMapAndLostStageLeaveCancelledLinesOut) {
  test::TempDir dir;
  const std::string csv = dir.write("orders.csv",
                                    "Date,Region,Sales,STATUS\n"
                                    "2018-01-08,South,100,Shipped\n"
                                    "2018-01-09,South,5000,Cancelled\n"
                                    "2018-02-10,South,20,Shipped\n"
                                    "2018-03-30,South,30,Disputed\n"
                                    "2018-03-31,South,40,Shipped\n"
                                    "2018-03-31,South,50,Won't ship\n");
  const std::string base = fmt::format(
      "calibrate --bookings {} --map date=Date --map amount=Sales --as-of 2018-03 --min-cell 1",
      csv);
  auto r = test::run_opsim(base);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("6 booking rows (6 kept"), std::string::npos) << r.output;
  r = test::run_opsim(base +
                      " --map stage=STATUS --lost-stage Cancelled --exclude-status Disputed "
                      "--exclude-status \"Won't ship\"");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("6 booking rows (3 kept"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("status 'Cancelled' is lost"), std::string::npos) << r.output;
  // Each status left out is counted on its own (review: one line "status  (lines ..."), a
  // status with an apostrophe whole (review: 'Won' of 'Won't ship').
  EXPECT_NE(r.output.find("3 rows rejected " + csv + ": status (lines 3, 5, 7)"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("by value: 'Cancelled' 1, 'Disputed' 1, 'Won't ship' 1"),
            std::string::npos)
      << r.output;
  // A bookings log has no sales cycle to print.
  EXPECT_NE(r.output.find("sales cycle: none"), std::string::npos) << r.output;
  // Three months of history: the warning counts them in words that agree, and the growth
  // line does not print a maximum-likelihood estimate that was never made (review).
  EXPECT_NE(r.output.find("only 3 months of history"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("(not fitted: the N(0, 0.25) prior"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("maximum likelihood 0.0000"), std::string::npos) << r.output;
}

TEST(CalibrateCli, RejectedRowsAreReportedWithTheirLines) {
  test::TempDir dir;
  const std::string csv =
      dir.write("export.csv", std::string(kExport) + "7,East,SMB,Won,2017-02-30,2017-03-01,5\n");
  const auto r = test::run_opsim(
      fmt::format("calibrate --opportunities {} --as-of 2017-04 --min-cell 2", csv));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("1 rejected"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("(line 8)"), std::string::npos) << r.output;
}

// Review: lost deals under a stage of their own ("Lost - No Budget") were read as open pipeline
// and the win rate fitted at 100% without a word. Both are warned about; the twin, the usual
// stages, says neither.
TEST(CalibrateCli, ClosedLookingStagesReadAsOpenAndAOneSidedHistoryAreWarnedAbout) {
  test::TempDir dir;
  std::string text = kExport;
  for (std::size_t at = text.find(",Lost,"); at != std::string::npos; at = text.find(",Lost,"))
    text.replace(at, 6, ",Lost - No Budget,");
  const std::string csv = dir.write("export.csv", text);
  const std::string args =
      fmt::format("calibrate --opportunities {} --as-of 2017-04 --min-cell 2", csv);
  auto r = test::run_opsim(args);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("stage 'Lost - No Budget' (2 rows) read as open pipeline"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("every close is won"), std::string::npos) << r.output;
  // Review: a stage named "Disqualified" (a CRM's closed stage) was read as open in silence.
  text = kExport;
  for (std::size_t at = text.find(",Lost,"); at != std::string::npos; at = text.find(",Lost,"))
    text.replace(at, 6, ",Disqualified,");
  r = test::run_opsim(fmt::format("calibrate --opportunities {} --as-of 2017-04 --min-cell 2",
                                  dir.write("disqualified.csv", text)));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("stage 'Disqualified' (2 rows) read as open pipeline"), std::string::npos)
      << r.output;
  // -q silences the report, not its warnings (review: in the report file only).
  r = test::run_opsim(args + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("read as open pipeline"), std::string::npos) << r.output;
  const std::string usual = dir.write("usual.csv", kExport);
  r = test::run_opsim(
      fmt::format("calibrate --opportunities {} --as-of 2017-04 --min-cell 2", usual));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("read as open pipeline"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("every close is"), std::string::npos) << r.output;
}

TEST(CalibrateCli, PrintsProgressLinesToANonTerminalStderr) {
  test::TempDir dir;
  const std::string csv = dir.write("export.csv", kExport);
  const std::string args =
      fmt::format("calibrate --opportunities {} --as-of 2017-04 --min-cell 2", csv);
  auto r = test::run_opsim(args + " --progress-every 0");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Read and fit done, of read, fit and write.
  EXPECT_EQ(test::progress_lines(r.output, "steps"), 2u) << r.output;
  r = test::run_opsim(args + " --progress-every 0 --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(test::progress_lines(r.output, "steps"), 0u) << r.output;
}

TEST(CalibrateCli, BacktestWithNothingToScoreIsRefusedAndWritesNothing) {
  // The export ends on 2017-05-20, a partial month: a cut-off in 2017-04 or later leaves no
  // month to score. It exited 0 and wrote
  // a results file of empty scores (review).
  test::TempDir dir;
  const std::string csv = dir.write("export.csv", kExport);
  const auto h5 = dir / "bt.h5";
  const auto json = dir / "bt.json";
  const auto command = [&](const char* as_of) {
    return fmt::format(
        "backtest --opportunities {} --as-of {} --horizon 1 --trials 100 --min-cell 2 -o {} "
        "--summary-json {} --progress-every 0",
        csv, as_of, h5.string(), json.string());
  };
  // The data end on 2017-05-20, so 2017-05 is partial and 2017-04 the last whole month: a
  // cut-off in it has nothing to score. It was fitted first and then refused as "nothing to
  // score ... the history's last month, 2017-05"; every message now names the last whole month
  // (review: "the history ends in 2023-12" beside "no actuals after 2023-11").
  for (const char* as_of : {"2017-04", "2017-05"}) {
    auto r = test::run_opsim(command(as_of));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find(fmt::format(
                  "--as-of {}: the history's last whole month is 2017-04 (its last dated row is "
                  "2017-05-20, so 2017-05 is partial); a backtest scores the months after each "
                  "cut-off, so the first cut-off must be 2017-03 or earlier",
                  as_of)),
              std::string::npos)
        << r.output;
    EXPECT_FALSE(std::filesystem::exists(h5));
    EXPECT_FALSE(std::filesystem::exists(json));
  }
  // Cut-offs past the data end one month before its last, and the user is told (review).
  auto r = test::run_opsim(fmt::format(
      "backtest --opportunities {} --as-of 2017-02 --last-origin 2017-09 --horizon 1 --trials 100 "
      "--min-cell 2",
      csv));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("--last-origin 2017-09: the history's last whole month is 2017-04 "
                          "(its last dated row is 2017-05-20, so 2017-05 is partial), so the last "
                          "cut-off is 2017-03"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("no actuals after"), std::string::npos) << r.output;
  // Twin: a cut-off in 2017-03 scores 2017-04 (2017-05 is partial). No quarter lies wholly inside a
  // one-month horizon, so the quarter scores are null (the HDF5 file's NaN), not 0.
  r = test::run_opsim(command("2017-03"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(json);
  const nlohmann::json summary = nlohmann::json::parse(in);
  const nlohmann::json& month = summary["pooled"]["month"]["model"];
  EXPECT_GT(month["count"].get<int>(), 0);
  EXPECT_TRUE(month["crps"].is_number()) << month;
  const nlohmann::json& quarter = summary["pooled"]["quarter"]["model"];
  EXPECT_EQ(quarter["count"].get<int>(), 0);
  for (const char* field : {"crps", "coverage50", "coverage80", "mean_pit", "pit_uniformity_p"})
    EXPECT_TRUE(quarter[field].is_null()) << field << " " << quarter;
}

// Amounts that carry another currency than the scenario's are named (review: an export with EUR
// on every amount was written as a USD scenario without a word); --currency EUR silences it.
TEST(CalibrateCli, AmountsInAnotherCurrencyThanTheScenariosAreNamed) {
  test::TempDir dir;
  auto file = [&](const std::vector<std::string>& amounts) {
    std::string text = "date;region;segment;amount\n";
    for (std::size_t i = 0; i < amounts.size(); ++i)
      text += fmt::format("2022-{:02d}-05;EU;A;{}\n", 1 + i % 12, amounts[i]);
    return dir.write("amounts.csv", text);
  };
  const std::string euro = "\xE2\x82\xAC", pound = "\xC2\xA3";
  const std::vector<std::string> eur(12, "1.234,50 " + euro);
  auto r = test::run_opsim(fmt::format("calibrate --bookings {} --as-of 2022-12", file(eur)));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("of the 12 amounts that carry a currency, 12 in EUR (or " + euro +
                          ") are not the scenario's USD: they are added as USD (give --currency "
                          "EUR)"),
            std::string::npos)
      << r.output;
  r = test::run_opsim(
      fmt::format("calibrate --bookings {} --as-of 2022-12 --currency EUR", file(eur)));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("not the scenario's"), std::string::npos) << r.output;
  // Several currencies in one column: each foreign one is named (review: a third each of GBP,
  // USD and EUR gave no warning), and "$" is foreign to a EUR scenario.
  std::vector<std::string> mixed;
  for (int i = 0; i < 4; ++i)
    for (const std::string& a :
         std::vector<std::string>{pound + "1.234,50", "$1.234,50", "1.234,50 " + euro})
      mixed.push_back(a);
  r = test::run_opsim(
      fmt::format("calibrate --bookings {} --as-of 2022-12 --currency EUR", file(mixed)));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("of the 12 amounts that carry a currency, 4 in GBP, 4 in $ are not the "
                          "scenario's EUR"),
            std::string::npos)
      << r.output;
}

TEST(CalibrateCli, ExportDealsFeedsCalibrateAndBacktest) {
  test::TempDir dir;
  const std::string scenario = dir.write("s.json", R"({
    "schema_version": 1,
    "horizon": {"start": "2027-01", "months": 24, "reporting_currency": "USD"},
    "regions": [{"id": "NA"}],
    "segments": [{"id": "SMB", "opportunity_rate": 2, "win_rate": 0.4, "deal_size": {"mean": 1000, "cv": 0.3}}],
    "new_business_intensity": [{"region": "NA", "segment": "SMB", "opportunities_per_month": 40}]
  })");
  const auto deals = dir / "deals.csv";
  auto r = test::run_opsim(fmt::format(
      "run {} --trials 4 --quiet --export-deals {} --export-trial 3", scenario, deals.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = test::run_opsim(fmt::format("run {} --trials 4 --quiet --export-deals {} --export-trial 4",
                                  scenario, deals.string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--export-trial: 4 is not a trial"), std::string::npos) << r.output;
  r = test::run_opsim(fmt::format("calibrate --opportunities {} --as-of 2028-06 --quiet -o {}",
                                  deals.string(), (dir / "fitted.json").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto h5 = dir / "bt.h5";
  const auto csv = dir / "bt.csv";
  r = test::run_opsim(
      fmt::format("backtest --opportunities {} --as-of 2027-12 --last-origin 2028-08 --horizon 3 "
                  "--trials 200 -o {} --csv {} --progress-every 0",
                  deals.string(), h5.string(), csv.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Progress off a terminal counts the trials of all 9 cut-offs.
  EXPECT_GE(test::progress_lines(r.output, "trials"), 1u) << r.output;
  EXPECT_NE(r.output.find("/1800 trials ("), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("region x quarter"), std::string::npos) << r.output;
  // For people (review): method names in words, coverage in percent as the report shows it.
  EXPECT_NE(r.output.find("  trailing average "), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("trailing_average"), std::string::npos) << r.output;
  EXPECT_TRUE(
      std::regex_search(r.output, std::regex(R"(  model +[0-9,]+ +[0-9,.]+ +[0-9.]+% +[0-9.]+% )")))
      << r.output;
  EXPECT_EQ(r.output.find("reach past the history's last whole month"), std::string::npos)
      << r.output;
  EXPECT_TRUE(std::filesystem::exists(h5));
  EXPECT_TRUE(std::filesystem::exists(csv));
  // A horizon that runs past the data for some cut-offs scores what exists and says so
  // (edge-case review: it said nothing).
  r = test::run_opsim(
      fmt::format("backtest --opportunities {} --as-of 2027-12 --last-origin 2028-08 --horizon 6 "
                  "--trials 100",
                  deals.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("note: 3 of 9 scored origins reach past the history's last whole month "
                          "2028-11 within the 6-month horizon"),
            std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace opsim
