// How uncertain assumptions are shown to people: the grouped terminal list, and the note on a
// validation error about a distribution.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "sim/base/error.hpp"
#include "sim/io/assumptions.hpp"
#include "tests/scenario_builder.hpp"

namespace opsim {
namespace {

//! One region with twelve uncertain seasonality factors (means alternating 0.9 and 1.1) and
//! `win_rates` uncertain win rates (one segment each).
nlohmann::json seasonal_document(int win_rates) {
  nlohmann::json doc = test::base_document(12);
  nlohmann::json factors = nlohmann::json::array();
  for (int m = 0; m < 12; ++m)
    factors.push_back({{"dist", "lognormal"}, {"mean", m % 2 ? 1.1 : 0.9}, {"cv", 0.1}});
  doc["regions"][0]["seasonality"] = factors;
  doc["segments"] = nlohmann::json::array();
  for (int s = 0; s < win_rates; ++s) {
    doc["segments"].push_back({{"id", fmt::format("S{}", s)},
                               {"win_rate", {{"dist", "uniform"}, {"min", 0.2}, {"max", 0.4}}}});
  }
  return doc;
}

TEST(SummariseAssumptions, ALongListIsGroupedByPointerWithTheRangeOfMeans) {
  const Scenario scenario = test::scenario_from_json(seasonal_document(2));
  ASSERT_EQ(scenario.uncertain.size(), 14u);
  const std::vector<std::string> lines = summarise_assumptions(scenario);
  ASSERT_EQ(lines.size(), 3u) << fmt::format("{}", fmt::join(lines, "\n"));
  EXPECT_EQ(lines[0], "/regions/*/seasonality/*: 12 lognormal, means 0.9000 to 1.100");
  EXPECT_EQ(lines[1],
            "/segments/*/win_rate: 2 uniform, means 0.3000");  // one number, not "0.3000 to 0.3000"
  EXPECT_NE(lines[2].find("14 uncertain parameters"), std::string::npos) << lines[2];
  // A group of one is shown in full.
  const std::vector<std::string> one =
      summarise_assumptions(test::scenario_from_json(seasonal_document(1)));
  ASSERT_EQ(one.size(), 3u);
  EXPECT_EQ(one[1], "Win rate (segment S0): uniform(min 0.2, max 0.4)");
  // A list that fits is shown in full, one line per parameter.
  const Scenario few = test::scenario_from_json([] {
    nlohmann::json doc = seasonal_document(1);
    doc["regions"][0].erase("seasonality");
    return doc;
  }());
  EXPECT_EQ(summarise_assumptions(few), describe_assumptions(few));
  EXPECT_EQ(describe_assumptions(few).size(), 1u);
}

// A calibrated scenario's level and growth errors are drawn per trial too: the list says so
// (review: 63 parameters were listed and these left out). Without them, no such line.
TEST(SummariseAssumptions, TheMarketsEstimationErrorsAreListed) {
  nlohmann::json doc = seasonal_document(1);
  doc["regions"][0].erase("seasonality");
  const Scenario plain = test::scenario_from_json(doc);
  EXPECT_EQ(summarise_assumptions(plain).size(), 1u);
  doc["regions"].push_back({{"id", "EU"}});
  doc["market"] = {{"level_uncertainty", {{"NA", 0.042}, {"EU", 0.049}}},
                   {"growth_uncertainty", 0.0044}};
  const std::vector<std::string> lines = summarise_assumptions(test::scenario_from_json(doc));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1],
            "/market: estimation errors of the log level of each region (sd 0.0420 to 0.0490) and "
            "the monthly log growth (sd 0.00440 shared)");
}

std::string load_error(const nlohmann::json& doc) {
  try {
    test::scenario_from_json(doc);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(SummariseAssumptions, TheMeansNoteOnlyFollowsAnErrorAboutADistribution) {
  // A plain number out of range beside a distribution: the note would mislead.
  nlohmann::json plain = seasonal_document(1);
  plain["horizon"]["months"] = -3;
  const std::string plain_error = load_error(plain);
  ASSERT_FALSE(plain_error.empty());
  EXPECT_EQ(plain_error.find("at their means"), std::string::npos) << plain_error;
  // The same kind of error caused by a distribution's mean keeps it.
  nlohmann::json drawn = seasonal_document(1);
  drawn["new_business_intensity"] = {
      {{"region", "NA"},
       {"segment", "S0"},
       {"opportunities_per_month", {{"dist", "uniform"}, {"min", -30}, {"max", -10}}}}};
  const std::string drawn_error = load_error(drawn);
  ASSERT_FALSE(drawn_error.empty());
  EXPECT_NE(drawn_error.find("at their means"), std::string::npos) << drawn_error;
}

}  // namespace
}  // namespace opsim
