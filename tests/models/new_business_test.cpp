// New business with an empirical deal-size list: amounts are drawn uniformly from it.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/scenario_builder.hpp"

namespace opsim {
namespace {

TEST(EmpiricalDealSize, AmountsAreDrawnFromTheList) {
  nlohmann::json doc = test::base_document(12);
  doc["segments"][0] = {
      {"id", "SMB"}, {"win_rate", 1.0}, {"deal_size", {{"empirical", {300.0, 100.0}}}}};
  doc["new_business_intensity"] = {
      {{"region", "NA"}, {"segment", "SMB"}, {"opportunities_per_month", 50}}};
  const Scenario scenario = test::scenario_from_json(doc);
  EXPECT_EQ(scenario.params_at(0, 0, 0).deal_size_sample, (std::vector<double>{100.0, 300.0}));
  EXPECT_DOUBLE_EQ(scenario.params_at(0, 0, 0).deal_size.mean, 200.0);
  const RunResult result = test::run(scenario, 500, 9);
  const auto wins = test::period_column(result, 0, Metric::wins);
  const auto amount = test::period_column(result, 0, Metric::won_amount);
  double won = 0, booked = 0;
  for (std::size_t t = 0; t < wins.size(); ++t) won += wins[t], booked += amount[t];
  // Every amount is 100 or 300, so (booked - 100 wins) / 200 counts the 300s: about half.
  const double high = (booked - 100 * won) / 200;
  EXPECT_DOUBLE_EQ(high, std::round(high));
  EXPECT_TRUE(test::within_4_se(high / won, 0.5, std::sqrt(0.25 / won)));
  EXPECT_FALSE(test::within_4_se(high / won, 0.55, std::sqrt(0.25 / won)));
}

}  // namespace
}  // namespace opsim
