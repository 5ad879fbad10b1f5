// Open pipeline options: the opt-in quarter-end effect scales win probabilities only in
// fiscal-quarter-end close months, and leaves every draw of a scenario without it unchanged.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "tests/scenario_builder.hpp"

namespace opsim {
namespace {

constexpr int kDeals = 400;
constexpr std::uint64_t kTrials = 2000;

nlohmann::json pipeline_document(bool quarter_end_effect) {
  nlohmann::json doc = test::base_document(12);
  doc["segments"][0]["quarter_end_win_multiplier"] = 1.6;
  nlohmann::json deals = nlohmann::json::array();
  for (int i = 0; i < kDeals; ++i) {
    // Half close in March (a quarter end), half in April.
    deals.push_back({{"id", fmt::format("D{}", i)},
                     {"region", "NA"},
                     {"segment", "SMB"},
                     {"stage", "open"},
                     {"amount", 1.0},
                     {"expected_close", i % 2 ? "2027-03" : "2027-04"}});
  }
  doc["pipeline"] = {{"stages", {{{"id", "open"}, {"win_probability", 0.5}}}}, {"deals", deals}};
  if (quarter_end_effect) doc["pipeline"]["quarter_end_effect"] = true;
  return doc;
}

//! Mean pipeline wins per trial in month m (0-based) and its standard error.
std::pair<double, double> mean_wins(const RunResult& result, int m) {
  const auto& layout = result.layout;
  const std::size_t cell = layout.cell(0, 0, static_cast<int>(Metric::pipeline_wins));
  std::vector<double> wins;
  for (std::uint64_t t = 0; t < result.trials(); ++t) {
    wins.push_back(result.monthly_values[t * layout.monthly_cells() + m * layout.cells() + cell]);
  }
  const auto moments = test::sample_moments(wins);
  return {moments.mean, std::sqrt(moments.variance / static_cast<double>(wins.size()))};
}

RunResult run(bool quarter_end_effect) {
  RunOptions options;
  options.end_trial = kTrials;
  options.seed = 5;
  options.threads = 2;
  options.keep_monthly = true;
  return run_trials(test::scenario_from_json(pipeline_document(quarter_end_effect)), options);
}

TEST(PipelineQuarterEnd, MultiplierAppliesInQuarterEndMonthsOnly) {
  const RunResult with = run(true);
  const auto [march, march_se] = mean_wins(with, 2);
  const auto [april, april_se] = mean_wins(with, 3);
  EXPECT_TRUE(test::within_4_se(march, kDeals / 2 * 0.8, march_se)) << march;
  EXPECT_FALSE(test::within_4_se(march, kDeals / 2 * 0.8 * 1.1, march_se));
  EXPECT_TRUE(test::within_4_se(april, kDeals / 2 * 0.5, april_se)) << april;
  // Off by default: March wins at the stage probability, with the same draws as before.
  const RunResult without = run(false);
  const auto [plain_march, plain_se] = mean_wins(without, 2);
  EXPECT_TRUE(test::within_4_se(plain_march, kDeals / 2 * 0.5, plain_se)) << plain_march;
  EXPECT_EQ(mean_wins(without, 3).first, april);
}

}  // namespace
}  // namespace opsim
