#include "sim/io/territory_io.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>

#include <H5Cpp.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/base/error.hpp"
#include "tests/test_support.hpp"

namespace opsim::territory_io {
namespace {

using ::testing::HasSubstr;

void write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

std::string load_error(const std::filesystem::path& path, Overrides overrides = {}) {
  try {
    load_instance(path, overrides);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(TerritoryIo, ReadsAnAccountsCsvWithOwnersLocksAndQuotes) {
  test::TempDir dir;
  write(dir / "accounts.csv",
        "\xEF\xBB\xBFid,lat,lon,potential,workload,owner,lock,group\r\n"
        "\"Acme, Inc\",40.7,-74.0,100,5,Ann,,g1\r\n"
        "B,41.0,-73.9,50,3,Bob,Ann,\r\n"
        "C,42.0,-73.0,25,2,,,g1\r\n");
  Overrides overrides;
  overrides.territories = 3;
  overrides.balance = {{"potential", 0.1}};
  Instance instance = load_instance(dir / "accounts.csv", overrides);
  const auto& problem = instance.problem;
  ASSERT_EQ(problem.size(), 3u);
  EXPECT_EQ(problem.accounts[0].id, "Acme, Inc");
  EXPECT_EQ(problem.distance, DistanceKind::haversine);
  EXPECT_DOUBLE_EQ(problem.accounts[0].x, -74.0);
  EXPECT_EQ(problem.attribute_names, (std::vector<std::string>{"potential", "workload"}));
  ASSERT_EQ(problem.territory_count(), 3);
  EXPECT_EQ(problem.territories[0].id, "Ann");
  EXPECT_EQ(problem.territories[2].id, "T3");
  EXPECT_EQ(problem.accounts[1].owner, 1);
  EXPECT_EQ(problem.accounts[1].lock, 0);
  EXPECT_EQ(problem.accounts[0].group, problem.accounts[2].group);
}

TEST(TerritoryIo, ReadsAScenarioSection) {
  test::TempDir dir;
  write(dir / "scenario.json", R"({"territories": {
    "list": [{"id": "North", "owner": "Ann", "centre": "a"}, {"id": "South", "region": "S"}],
    "accounts": [
      {"id": "a", "x": 0, "y": 0, "attributes": {"potential": 10}, "owner": "North"},
      {"id": "b", "x": 0, "y": 1, "attributes": {"potential": 10}, "region": "S"},
      {"id": "c", "x": 5, "y": 5, "attributes": {"potential": 10}, "lock": "South"}],
    "balance": {"potential": 0.5},
    "capacity": {"potential": 100},
    "disruption": {"measure": "potential", "max_moved": 0.2, "weight": 1.5}}})");
  Instance instance = load_instance(dir / "scenario.json", {});
  const auto& problem = instance.problem;
  EXPECT_EQ(problem.territory_count(), 2);
  EXPECT_EQ(problem.territories[0].centre, 0);
  EXPECT_EQ(problem.territories[1].region, 0);
  EXPECT_EQ(problem.accounts[1].region, 0);
  EXPECT_EQ(problem.accounts[2].lock, 1);
  EXPECT_EQ(problem.disruption.measure_attribute, 0);
  EXPECT_DOUBLE_EQ(*problem.disruption.max_moved_fraction, 0.2);
  EXPECT_DOUBLE_EQ(*problem.territories[1].capacity[0], 100.0);
}

TEST(TerritoryIo, ErrorsNameTheLineOrPointerAndTheValue) {
  test::TempDir dir;
  write(dir / "dup.csv", "id,x,y,potential\nA,0,0,1\nB,1,1,2\nA,2,2,3\n");
  EXPECT_THAT(load_error(dir / "dup.csv"), HasSubstr("dup.csv:4: duplicate account id 'A'"));
  write(dir / "neg.csv", "id,x,y,potential\nA,0,0,1\nB,1,1,-2\n");
  EXPECT_THAT(load_error(dir / "neg.csv"), HasSubstr("neg.csv:3: potential = -2 is not allowed"));
  write(dir / "nan.csv", "id,x,y,potential\nA,0,nan,1\n");
  EXPECT_THAT(load_error(dir / "nan.csv"), HasSubstr("nan.csv:2: coordinates (0, nan)"));
  write(dir / "s.json", R"({"territories": {"count": 2, "accounts": [
      {"id": "a", "x": 0, "y": 0, "attributes": {"potential": -1}}]}})");
  EXPECT_THAT(load_error(dir / "s.json"),
              HasSubstr("/territories/accounts/0/attributes/potential"));
  Overrides balance;
  balance.balance = {{"revenue", 0.1}};
  EXPECT_THAT(load_error(dir / "dup.csv", balance), HasSubstr("duplicate"));
  write(dir / "ok.csv", "id,x,y,potential\nA,0,0,1\nB,1,1,2\n");
  EXPECT_THAT(load_error(dir / "ok.csv", balance), HasSubstr("'revenue' is not an attribute"));
}

TEST(TerritoryIo, UnknownKeyInTheTerritoriesSectionIsRefused) {
  test::TempDir dir;
  write(dir / "s.json", R"({"territories": {"count": 1, "objectiv": "dispersion", "accounts": [
      {"id": "a", "x": 0, "y": 0}]}})");
  EXPECT_THAT(load_error(dir / "s.json"),
              HasSubstr("/territories/objectiv: unknown key \"objectiv\" (did you mean "
                        "\"objective\"?)"));
  write(dir / "t.json", R"({"territories": {"count": 1, "accounts": [
      {"id": "a", "x": 0, "y": 0, "atributes": {"potential": 1}}]}})");
  EXPECT_THAT(load_error(dir / "t.json"), HasSubstr("/territories/accounts/0/atributes"));
  write(dir / "u.json", R"({"territories": {"count": 1, "disruption": {"max_move": 0.1},
      "accounts": [{"id": "a", "x": 0, "y": 0}]}})");
  EXPECT_THAT(load_error(dir / "u.json"), HasSubstr("did you mean \"max_moved\""));
}

TEST(TerritoryIo, EmptyAccountIdIsRefused) {
  test::TempDir dir;
  write(dir / "s.json",
        R"({"territories": {"count": 1, "accounts": [{"id": "", "x": 0, "y": 0}]}})");
  EXPECT_THAT(load_error(dir / "s.json"),
              HasSubstr("/territories/accounts/0/id: \"\" is not an id"));
  write(dir / "a.csv", "id,x,y\nA,0,0\n,1,1\n");
  EXPECT_THAT(load_error(dir / "a.csv"), HasSubstr("a.csv:3: column 'id': empty id"));
}

TEST(TerritoryIo, TextColumnsOfTheAccountsCsvAreNotAttributes) {
  test::TempDir dir;
  write(dir / "a.csv", "id,name,x,y,potential\nA,Acme Inc,0,0,1\nB,Beta,1,1,2\nC,3M,2,2,3\n");
  Overrides two;
  two.territories = 2;
  Instance instance = load_instance(dir / "a.csv", two);
  EXPECT_EQ(instance.problem.attribute_names, std::vector<std::string>{"potential"});
  ASSERT_EQ(instance.problem.accounts.size(), 3u);
  EXPECT_EQ(instance.problem.accounts[2].attributes, std::vector<double>{3.0});
  // Naming the text column as a measure says why it is not one.
  Overrides balance = two;
  balance.balance = {{"name", 0.1}};
  EXPECT_THAT(load_error(dir / "a.csv", balance),
              HasSubstr("'name' is not an attribute: the column holds text ("));
  EXPECT_THAT(load_error(dir / "a.csv", balance), HasSubstr("a.csv:2: 'Acme Inc')"));
  // A numeric column with a stray non-number is an error naming the cell, not a text column.
  write(dir / "b.csv", "id,x,y,potential\nA,0,0,1\nB,1,1,n/a\nC,2,2,3\n");
  EXPECT_THAT(load_error(dir / "b.csv", two), HasSubstr("b.csv:3: potential = n/a is not allowed"));
}

//! A scenario's accounts CSV takes the csv mapping of every scenario CSV: mapped columns (one
//! named like a field but not mapped is ignored), thousands separators, extra text columns left
//! aside, rows of a skipped stage left out; a misspelt mapped column names the header.
TEST(TerritoryIo, ScenarioAccountsCsvTakesAColumnMapAndNumberFormats) {
  test::TempDir dir;
  write(dir / "crm.csv",
        "Account ID,Account Name,id,Lon,Lat,Annual Revenue,Status\n"
        "A1,Frankfurt Customer 0,7,8.68,50.11,\"1,250,000\",Active\n"
        "A2,Paris Customer 1,8,2.35,48.86,\"90,000\",Active\n"
        "A3,Old Customer,9,2.35,48.86,5,Churned\n");
  write(dir / "s.json", R"({"territories": {"count": 1, "accounts": {
    "path": "crm.csv",
    "columns": {"id": "Account ID", "lon": "Lon", "lat": "Lat", "revenue": "Annual Revenue",
                "stage": "Status"},
    "thousands": ",", "skip_stages": ["Churned"]}}})");
  const Instance instance = load_instance(dir / "s.json", {});
  const Problem& problem = instance.problem;
  ASSERT_EQ(problem.accounts.size(), 2u);
  EXPECT_EQ(problem.accounts[0].id, "A1");
  EXPECT_DOUBLE_EQ(problem.accounts[0].x, 8.68);
  EXPECT_EQ(problem.attribute_names, std::vector<std::string>{"revenue"});
  EXPECT_EQ(problem.accounts[0].attributes, std::vector<double>{1250000.0});
  EXPECT_EQ(problem.accounts[1].attributes, std::vector<double>{90000.0});
  EXPECT_NE(std::find(instance.input_files.begin(), instance.input_files.end(),
                      (dir / "crm.csv").string()),
            instance.input_files.end());
  write(dir / "t.json", R"({"territories": {"count": 1, "accounts": {
    "path": "crm.csv", "columns": {"id": "Acount ID"}}}})");
  EXPECT_THAT(load_error(dir / "t.json"),
              HasSubstr("crm.csv:1: column 'Acount ID' (mapped to id) is missing (header: Account "
                        "ID,Account Name,id,Lon,Lat,Annual Revenue,Status)"));
}

TEST(TerritoryIo, Cp1252AccountsCsvIsConverted) {
  test::TempDir dir;
  write(dir / "a.csv", "id,x,y,owner\nA,0,0,J\xf6rg\nB,1,1,J\xf6rg\n");
  EXPECT_THAT(load_error(dir / "a.csv"), HasSubstr("--encoding cp1252"));
  Overrides cp1252;
  cp1252.encoding = Encoding::cp1252;
  Instance instance = load_instance(dir / "a.csv", cp1252);
  EXPECT_EQ(instance.problem.territories.at(0).id, "J\xc3\xb6rg");
}

TEST(TerritoryIo, BenchmarkHeaderCountsMustBeWholeNumbers) {
  test::TempDir dir;
  write(dir / "p.txt", " 1 713\n 1e300 2 120\n 1 2 62 3\n");
  EXPECT_THAT(load_error(dir / "p.txt"), HasSubstr("p.txt:2: point count 1e+300 is not allowed"));
  write(dir / "q.txt", " 1 713\n inf 2 120\n");
  EXPECT_THAT(load_error(dir / "q.txt"), HasSubstr("q.txt:2: 'inf' is not a finite number"));
}

TEST(TerritoryIo, FifoInputIsRefused) {
  test::TempDir dir;
  const std::string fifo = (dir / "accounts.csv").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_THAT(load_error(fifo), HasSubstr("is a FIFO"));
}

TEST(TerritoryIo, ReadsOrLibraryAndLorenaSenneFiles) {
  auto dir = test::shared_data_dir();
  OPSIM_REQUIRE_DATA_OR_SKIP(!dir.empty(), "shared data folder not found");
  Instance pmed = load_instance(dir / "territory" / "cpmp" / "pmedcap01.txt", {});
  EXPECT_EQ(pmed.format, "pmedcap");
  EXPECT_EQ(pmed.problem.size(), 50u);
  EXPECT_EQ(pmed.problem.territory_count(), 5);
  EXPECT_DOUBLE_EQ(*pmed.problem.territories[0].capacity[0], 120.0);
  EXPECT_DOUBLE_EQ(*pmed.reference, 713.0);
  Instance sjc = load_instance(dir / "territory" / "cpmp" / "SJC2.txt", {});
  EXPECT_EQ(sjc.format, "sjc");
  EXPECT_EQ(sjc.problem.size(), 200u);
  EXPECT_EQ(sjc.problem.territory_count(), 15);
  EXPECT_DOUBLE_EQ(*sjc.reference, 33270.94);
}

//! Four accounts in `dir`/a.csv (by default on a line), two territories, and a result that
//! pairs them.
std::pair<Instance, territory::SearchResult> two_pairs(
    const test::TempDir& dir,
    const std::string& accounts = "id,x,y,potential\nA,0,0,1\nB,1,0,1\nC,5,0,1\nD,6,0,1\n") {
  write(dir / "a.csv", accounts);
  Overrides overrides;
  overrides.territories = 2;
  Instance instance = load_instance(dir / "a.csv", overrides);
  territory::Distances distances(instance.problem);
  territory::SearchResult result;
  result.method = "test";
  result.alignment = {{0, 0, 1, 1}, {0, 3}};
  result.evaluation = territory::evaluate(instance.problem, distances, result.alignment);
  return {std::move(instance), std::move(result)};
}

TEST(TerritoryIo, WritesHdf5AndCsvThroughATemporaryName) {
  test::TempDir dir;
  auto [instance, result] = two_pairs(dir);
  std::filesystem::create_directory(dir / "out");
  write_alignment(dir / "out" / "alignment.h5", instance.problem, result,
                  RunInfo{"a.csv", 3, 1, 1, 1.0, std::nullopt});
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "alignment.h5"));
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / "alignment.h5.tmp"));
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "alignment_assignment.csv"));
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "alignment_territories.csv"));
  H5::H5File file((dir / "out" / "alignment.h5").string(), H5F_ACC_RDONLY);
  std::vector<int> territory(4);
  file.openDataSet("/accounts/territory").read(territory.data(), H5::PredType::NATIVE_INT);
  EXPECT_EQ(territory, (std::vector<int>{0, 0, 1, 1}));
  double objective = 0;
  file.openGroup("/report")
      .openAttribute("objective")
      .read(H5::PredType::NATIVE_DOUBLE, &objective);
  EXPECT_DOUBLE_EQ(objective, 2.0);
}

// The territories CSV is for people: distances to two decimals, totals as the user wrote their
// values (0.1 + 0.2 reads 0.3), deviations to four decimals; it used to print 17-digit floats.
TEST(TerritoryIo, TerritoriesCsvHasNoFloatNoise) {
  test::TempDir dir;
  auto [instance, result] =
      two_pairs(dir, "id,x,y,potential\nA,0,0,0.1\nB,1,1,0.2\nC,5,0,1\nD,6,1,1\n");
  write_alignment(dir / "t.h5", instance.problem, result,
                  RunInfo{"a.csv", 3, 1, 1, 1.0, std::nullopt});
  std::ifstream in(dir / "t_territories.csv");
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  EXPECT_THAT(text, HasSubstr(",1.41,1.41,0.3,")) << text;
  std::size_t most = 0;  // the most digits after a decimal point
  for (std::size_t dot = text.find('.'); dot != std::string::npos; dot = text.find('.', dot + 1))
    most = std::max(most, text.find_first_not_of("0123456789", dot + 1) - dot - 1);
  EXPECT_LE(most, 4u) << text;
}

// The report and the file say what ended the search, in the same words as the docs.
TEST(TerritoryIo, RecordsWhatStoppedTheSearch) {
  test::TempDir dir;
  auto [instance, result] = two_pairs(dir);
  result.starts_run = 1;  // a search ran: the report has its time line
  const RunInfo info{"a.csv", 3, 2, 1, 60.0, std::nullopt, 0.5};
  const std::pair<territory::StopReason, std::string> cases[] = {
      {territory::StopReason::converged, "search converged"},
      {territory::StopReason::time_limit, "stopped by the time limit"},
      {territory::StopReason::work_limit, "stopped by the work limit"},
      {territory::StopReason::target, "stopped at the target"},
      {territory::StopReason::proven_optimal, "proven optimal"}};
  std::set<std::string> attributes;
  for (const auto& [reason, phrase] : cases) {
    result.stop_reason = reason;
    const std::string report = format_report(instance.problem, result, info);
    EXPECT_NE(report.find(phrase), std::string::npos) << report;
    const auto file = dir / fmt::format("r{}.h5", attributes.size());
    write_alignment(file, instance.problem, result, info);
    H5::Attribute attribute =
        H5::H5File(file.string(), H5F_ACC_RDONLY).openGroup("/report").openAttribute("stop_reason");
    std::string recorded;
    attribute.read(attribute.getStrType(), recorded);
    EXPECT_EQ(recorded, territory::describe(reason));
    attributes.insert(recorded);
  }
  EXPECT_EQ(attributes.size(), std::size(cases));
  result.stop_reason = territory::StopReason::converged;
  EXPECT_EQ(format_report(instance.problem, result, info).find("stopped by"), std::string::npos);
}

}  // namespace
}  // namespace opsim::territory_io
