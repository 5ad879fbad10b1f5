// Paired comparison against an exact difference: two more fully ramped reps with Poisson deal
// counts and a fixed deal size add exactly 2 x 12 x rate x win x deal in expectation.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "sim/base/error.hpp"
#include "sim/engine/compare.hpp"
#include "tests/scenario_builder.hpp"

namespace opsim {
namespace {

// Review: compare recorded an independent seed above 2^63 - 1, which no --seed takes.
TEST(IndependentSeed, IsASeedOpsimTakes) {
  for (const std::uint64_t seed : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{20270401},
                                   std::uint64_t{0x7fffffffffffffff}}) {
    EXPECT_LE(independent_seed(seed), std::uint64_t{0x7fffffffffffffff}) << seed;
    EXPECT_NE(independent_seed(seed), seed);
  }
}

nlohmann::json team(int reps) {
  nlohmann::json doc = test::base_document(12);
  doc["segments"][0] = {{"id", "SMB"},
                        {"opportunity_rate", 3.0},
                        {"win_rate", 0.25},
                        {"deal_size", {{"mean", 2000.0}}}};
  nlohmann::json list = nlohmann::json::array();
  for (int i = 0; i < reps; ++i) {
    list.push_back({{"id", fmt::format("R{}", i)},
                    {"region", "NA"},
                    {"segment", "SMB"},
                    {"start", "2025-01"}});
  }
  doc["roster"] = {{"reps", list}};
  return doc;
}

TEST(PairedComparison, TwoMoreRepsAddTheExactExpectedBookingsWithASmallerError) {
  const std::uint64_t trials = 5000;
  const Scenario base = test::scenario_from_json(team(20));
  const Scenario alt = test::scenario_from_json(team(22));
  require_comparable(base, alt);
  const RunResult base_run = test::run(base, trials, 41);
  const RunResult paired = test::run(alt, trials, 41);
  const RunResult independent = test::run(alt, trials, independent_seed(41));
  const ScenarioComparison c = compare_paired("plus2", base_run, paired, independent,
                                              static_cast<int>(Metric::new_bookings));
  const auto& layout = base_run.layout;
  const std::size_t fy = test::period_index(layout, "FY2027");
  const PairedCell& total =
      c.cells[(fy * layout.regions + layout.regions - 1) * layout.segments + layout.segments - 1];
  const double expected = 2 * 12 * 3.0 * 0.25 * 2000.0;
  EXPECT_TRUE(test::within_4_se(total.mean, expected, total.se))
      << total.mean << " vs " << expected;
  EXPECT_FALSE(test::within_4_se(total.mean, 1.05 * expected, total.se));
  // Paired: only the two new reps vary (var 2000^2 x 18); independent: var of both totals
  // (2000^2 x (180 + 198)), so the standard error shrinks by about sqrt(21).
  EXPECT_GT(total.se_independent / total.se, 3.0);
  EXPECT_TRUE(test::within_4_se(total.se, 2000.0 * std::sqrt(18.0 / trials),
                                total.se / std::sqrt(2.0 * trials) * 4));
  EXPECT_GT(total.variance_reduction, 9.0);
  EXPECT_GT(total.p_better, 0.99);
}

TEST(PairedComparison, ScenariosWithDifferentRegionsCannotBeCompared) {
  auto other = team(2);
  other["regions"][0]["id"] = "EMEA";
  other["roster"]["reps"][0]["region"] = "EMEA";
  other["roster"]["reps"][1]["region"] = "EMEA";
  EXPECT_THROW(
      require_comparable(test::scenario_from_json(team(2)), test::scenario_from_json(other)),
      InputError);
}

}  // namespace
}  // namespace opsim
