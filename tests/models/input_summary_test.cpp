// The input summary against values computed by hand on tests/fixtures/input_summary_scenario.json:
// 2 regions (NA in USD, EMEA in EUR at plan rate 1.1), one segment with 2 opportunities per
// rep-month, win rate 0.25, deal size 10,000, sales cycle 0/1/2 months with 0.5/0/0.5.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "models/input_summary.hpp"
#include "sim/io/input_summary_output.hpp"
#include "tests/scenario_builder.hpp"
#include "tests/test_support.hpp"

namespace opsim {
namespace {

nlohmann::json fixture() {
  std::ifstream in(test::source_dir() / "tests/fixtures/input_summary_scenario.json");
  return nlohmann::json::parse(in);
}

InputSummary summary_of(const nlohmann::json& document) {
  return summarise_inputs(test::scenario_from_json(document));
}

TEST(InputSummary, SeatsByRegionSegmentAndRole) {
  const InputSummary s = summary_of(fixture());
  ASSERT_EQ(s.seats.size(), 3u);  // NA/SMB/"" (two hires), NA/SMB/AE, EMEA/SMB/AE
  int na = 0, emea = 0, hires = 0;
  for (const auto& row : s.seats) {
    (row.region == "NA" ? na : emea) += row.seats;
    hires += row.planned_hires;
  }
  EXPECT_EQ(na, 3);
  EXPECT_EQ(emea, 1);
  EXPECT_EQ(hires, 2);
  // Starts: R2 in 2027-02, the two hires in 2027-03 (requisition 2027-02 + 1 month).
  ASSERT_EQ(s.hires.size(), 2u);
  EXPECT_EQ(s.hires[0].month, "2027-02");
  EXPECT_EQ(s.hires[0].starts, 1);
  EXPECT_EQ(s.hires[0].planned_hires, 0);
  EXPECT_EQ(s.hires[1].month, "2027-03");
  EXPECT_EQ(s.hires[1].planned_hires, 2);
}

TEST(InputSummary, PipelineByStageRegionAndQuarterAtPlanRates) {
  const InputSummary s = summary_of(fixture());
  ASSERT_EQ(s.pipeline.size(), 2u);
  // NA: D1 (10,000, 2027-01) and the overdue D3 (4,000, closes from 2027-01) in FY2027 Q1.
  EXPECT_EQ(s.pipeline[0].region, "NA");
  EXPECT_EQ(s.pipeline[0].quarter, "FY2027 Q1");
  EXPECT_EQ(s.pipeline[0].deals, 2);
  EXPECT_DOUBLE_EQ(s.pipeline[0].amount, 14000);
  EXPECT_DOUBLE_EQ(s.pipeline[0].weighted, 7000);
  // EMEA: D2, 20,000 EUR x 1.1 in 2027-05.
  EXPECT_EQ(s.pipeline[1].region, "EMEA");
  EXPECT_EQ(s.pipeline[1].quarter, "FY2027 Q2");
  EXPECT_DOUBLE_EQ(s.pipeline[1].amount, 22000);
  EXPECT_DOUBLE_EQ(s.pipeline[1].weighted, 11000);
}

TEST(InputSummary, ArrAndRenewalsByRegionAndMonth) {
  const InputSummary s = summary_of(fixture());
  ASSERT_EQ(s.arr.size(), 2u);
  EXPECT_DOUBLE_EQ(s.arr[0].arr, 12000);
  EXPECT_DOUBLE_EQ(s.arr[1].arr, 1100);
  // C1 renews in 2027-03; C2 (3-month term) in 2027-02 and 2027-05.
  ASSERT_EQ(s.renewals.size(), 3u);
  EXPECT_EQ(s.renewals[0].region, "NA");
  EXPECT_EQ(s.renewals[0].month, "2027-03");
  EXPECT_DOUBLE_EQ(s.renewals[0].arr, 12000);
  EXPECT_EQ(s.renewals[1].month, "2027-02");
  EXPECT_EQ(s.renewals[2].month, "2027-05");
  EXPECT_DOUBLE_EQ(s.renewals[2].arr, 1100);
}

TEST(InputSummary, FlowExpectationAndPipelineCoverageOfTheFirstMonths) {
  const InputSummary s = summary_of(fixture());
  ASSERT_EQ(s.coverage.size(), 3u);
  // A rep-month expects 2 x 0.25 x 10,000 = 5,000 (EMEA: 5,500 at plan rate 1.1).
  // 2027-01: R1 only; half of its wins were opened before the start (cycle >= 1).
  EXPECT_DOUBLE_EQ(s.coverage[0].expected, 5000);
  EXPECT_DOUBLE_EQ(s.coverage[0].from_before_start, 2500);
  // 2027-02: R1 and R2; P(cycle >= 2) = 0.5.
  EXPECT_DOUBLE_EQ(s.coverage[1].expected, 10500);
  EXPECT_DOUBLE_EQ(s.coverage[1].from_before_start, 5250);
  // 2027-03: plus the two hires; no cycle is longer than 2 months.
  EXPECT_DOUBLE_EQ(s.coverage[2].expected, 20500);
  EXPECT_DOUBLE_EQ(s.coverage[2].from_before_start, 0);
  EXPECT_DOUBLE_EQ(s.expected_total(), 36000);
  // Open pipeline closing in the first months: D1 and the overdue D3, weighted 7,000.
  EXPECT_DOUBLE_EQ(s.coverage[0].pipeline, 14000);
  EXPECT_DOUBLE_EQ(s.coverage[0].pipeline_weighted, 7000);
  EXPECT_DOUBLE_EQ(s.coverage[1].pipeline, 0);
  EXPECT_NEAR(s.pipeline_coverage(), 7000.0 / 7750.0, 1e-12);
  EXPECT_NE(coverage_sentence(s).find("covers 90.3% of what the model expects for "
                                      "2027-01..2027-03"),
            std::string::npos)
      << coverage_sentence(s);
}

TEST(InputSummary, RampAndAttritionScaleTheExpectation) {
  auto doc = fixture();
  doc["ramp_curves"] = {{{"id", "half"}, {"fraction", {0.5}}}};
  doc["segments"][0]["ramp_curve"] = "half";
  doc["segments"][0]["attrition"] = {{{"annual", 0.5}}};
  const InputSummary s = summary_of(doc);
  // 2027-01: R1 is fully ramped (tenure 12) and survives month 0 with 1 - h, h = 1 - 0.5^(1/12).
  const double survive = std::pow(0.5, 1.0 / 12.0);
  EXPECT_NEAR(s.coverage[0].expected, 5000 * survive, 1e-9);
  // 2027-02: R2 starts at tenure 0 (ramp 0.5, no attrition in its first month).
  EXPECT_NEAR(s.coverage[1].expected, 5000 * survive * survive + 5500 * 0.5, 1e-9);
}

TEST(InputSummary, MeanDealSizeAtPlanRatesAndTheTenfoldWarning) {
  const InputSummary s = summary_of(fixture());
  ASSERT_EQ(s.deal_sizes.size(), 2u);
  EXPECT_DOUBLE_EQ(s.deal_sizes[0].mean_deal, 10000);
  EXPECT_DOUBLE_EQ(s.deal_sizes[1].mean_deal, 11000);
  EXPECT_DOUBLE_EQ(s.deal_sizes[0].mean_open_deal, 7000);
  EXPECT_DOUBLE_EQ(s.deal_sizes[1].mean_open_deal, 22000);
  EXPECT_TRUE(s.warnings.empty());

  // The currency trap: 10,000 read as yen is 68 USD, 147x less than NA's deals.
  auto doc = fixture();
  doc["fx"]["currencies"] = {{{"code", "JPY"}, {"plan_rate", 0.0068}}};
  doc["regions"][1]["currency"] = "JPY";
  const InputSummary trap = summary_of(doc);
  EXPECT_DOUBLE_EQ(trap.deal_sizes[1].mean_deal, 68);
  ASSERT_EQ(trap.warnings.size(), 1u);
  EXPECT_NE(trap.warnings[0].find("147x"), std::string::npos) << trap.warnings[0];

  // 9x apart is within the plausible range: no warning.
  doc["fx"]["currencies"] = {{{"code", "JPY"}, {"plan_rate", 0.9 / 8.1}}};
  EXPECT_TRUE(summary_of(doc).warnings.empty());
}

TEST(InputSummary, TextIsAlignedWithSeparatorsAndCurrency) {
  const InputSummary s = summary_of(fixture());
  const std::string text = format_input_summary(s, "input_summary");
  EXPECT_NE(text.find("amount (USD)"), std::string::npos) << text;
  EXPECT_NE(text.find("14,000"), std::string::npos) << text;
  EXPECT_NE(text.find("20,500"), std::string::npos) << text;
  EXPECT_EQ(text.find("14000"), std::string::npos) << text;
}

}  // namespace
}  // namespace opsim
