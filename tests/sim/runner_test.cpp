#include "sim/engine/runner.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <vector>

#include "sim/base/error.hpp"
#include "sim/engine/summary.hpp"
#include "sim/io/scenario_loader.hpp"
#include "tests/scenario_builder.hpp"
#include "tests/test_support.hpp"

namespace opsim {
namespace {

using test::expect_identical;
using test::mixed_document;
using test::run;
using test::scenario_from_json;

TEST(Runner, ThreadCountAndBlockSizeDoNotChangeResults) {
  const Scenario scenario = scenario_from_json(mixed_document());
  const RunResult one = run(scenario, 300, 11, 1, 0, 64);
  const RunResult four = run(scenario, 300, 11, 4, 0, 3);
  expect_identical(one, four);
  EXPECT_GT(one.period_values.size(), 0u);
}

TEST(Runner, UnalignedTrialSplitMergesIntoTheSingleRun) {
  const Scenario scenario = scenario_from_json(mixed_document());
  const RunResult whole = run(scenario, 300, 5, 2);
  std::vector<RunResult> parts;
  parts.push_back(run(scenario, 300 - 137, 5, 1, 137, 7));  // given out of order
  parts.push_back(run(scenario, 37, 5, 2, 0, 5));
  parts.push_back(run(scenario, 100, 5, 3, 37, 64));
  const RunResult merged = merge_results(std::move(parts));
  expect_identical(whole, merged);
  const Summary a = summarise(scenario, whole);
  const Summary b = summarise(scenario, merged);
  EXPECT_EQ(a.period_quantiles, b.period_quantiles);
  EXPECT_EQ(a.monthly_sd, b.monthly_sd);
}

// More MPI ranks than trials leave some ranks an empty range [x, x); with many parts the sort
// must still put it before the range that starts at x.
TEST(Runner, EmptyRangesOfManyRanksMerge) {
  const Scenario scenario = scenario_from_json(mixed_document());
  const RunResult whole = run(scenario, 3, 5, 1);
  std::vector<RunResult> parts;
  for (int rank = 0; rank < 24; ++rank) {
    const std::uint64_t first = 3 * static_cast<std::uint64_t>(rank) / 24,
                        end = 3 * static_cast<std::uint64_t>(rank + 1) / 24;
    parts.push_back(run(scenario, end - first, 5, 1, first));
  }
  std::reverse(parts.begin(), parts.end());
  expect_identical(whole, merge_results(std::move(parts)));
}

TEST(Runner, MergeRefusesGapsAndOverlaps) {
  const Scenario scenario = scenario_from_json(mixed_document());
  std::vector<RunResult> gap;
  gap.push_back(run(scenario, 10, 5, 1, 0));
  gap.push_back(run(scenario, 10, 5, 1, 11));
  EXPECT_THROW(merge_results(std::move(gap)), InputError);
  std::vector<RunResult> overlap;
  overlap.push_back(run(scenario, 10, 5, 1, 0));
  overlap.push_back(run(scenario, 10, 5, 1, 9));
  EXPECT_THROW(merge_results(std::move(overlap)), InputError);
}

// run_trials leaves its per-trial arrays unwritten when it sizes them and each trial writes its
// rows whole. Memory freed full of NaN just before is what the next run's arrays are likely to
// be given: a cell a trial did not write would keep a NaN and differ from the first run.
TEST(Runner, EveryTrialWritesItsRowsWhole) {
  const Scenario scenario =
      load_scenario((test::source_dir() / "scenarios/plan_example.json").string());
  RunOptions options;
  options.end_trial = 24;
  options.seed = 3;
  options.threads = 1;
  options.keep_monthly = true;
  const RunResult first = run_trials(scenario, options);
  ASSERT_GT(first.product_values.size(), 0u);
  for (int round = 0; round < 3; ++round) {
    {
      std::vector<std::vector<double>> poison;
      for (const auto* values : {&first.period_values, &first.seat_values, &first.monthly_values,
                                 &first.headline_values, &first.product_values})
        poison.emplace_back(values->size(), std::numeric_limits<double>::quiet_NaN());
    }
    const RunResult again = run_trials(scenario, options);
    expect_identical(first, again);
  }
}

TEST(Runner, DifferentSeedsGiveDifferentResults) {
  const Scenario scenario = scenario_from_json(mixed_document());
  EXPECT_NE(run(scenario, 50, 1).period_values, run(scenario, 50, 2).period_values);
}

TEST(Runner, AddingARepLeavesEveryOtherRepsBookingsUnchanged) {
  auto doc = mixed_document();
  const Scenario before = scenario_from_json(doc);
  doc["roster"]["reps"].insert(
      doc["roster"]["reps"].begin() + 3,
      nlohmann::json::object(
          {{"id", "NEW"}, {"region", "NA"}, {"segment", "SMB"}, {"start", "2026-06"}}));
  const Scenario after = scenario_from_json(doc);
  const RunResult a = run(before, 200, 3);
  const RunResult b = run(after, 200, 3);
  const auto years = static_cast<std::size_t>(a.layout.fiscal_years);
  std::size_t compared = 0;
  bool new_rep_booked = false;
  for (std::size_t s = 0; s < before.seats.size(); ++s) {
    std::size_t t_index = 0;
    while (after.seats[t_index].id != before.seats[s].id) ++t_index;
    for (std::uint64_t trial = 0; trial < 200; ++trial) {
      for (std::size_t y = 0; y < years; ++y) {
        ASSERT_EQ(a.seat_values[(trial * before.seats.size() + s) * years + y],
                  b.seat_values[(trial * after.seats.size() + t_index) * years + y])
            << before.seats[s].id << " trial " << trial;
        ++compared;
      }
    }
  }
  for (std::uint64_t trial = 0; trial < 200; ++trial) {
    new_rep_booked |= b.seat_values[(trial * after.seats.size() + 3) * years] > 0;
  }
  EXPECT_GT(compared, 0u);
  EXPECT_TRUE(new_rep_booked);
  // The organisation's total does change: the new rep sells.
  EXPECT_NE(a.period_values, b.period_values);
}

}  // namespace
}  // namespace opsim

namespace opsim {
namespace {

TEST(Runner, SeatMonthRecordingChangesNoResultAndAddsUpToSeatValues) {
  const Scenario scenario = scenario_from_json(mixed_document());
  const RunResult plain = run(scenario, 120, 4, 2);
  SeatMonthRecording recording;
  recording.clawback_months.assign(scenario.seats.size(), 12);
  const std::size_t seats = scenario.seats.size();
  const int months = scenario.months();
  const int years = plain.layout.fiscal_years;
  std::vector<double> monthly_sum(120 * seats * years, 0.0);  // [trial][seat][fiscal year]
  RunOptions options;
  options.end_trial = 120;
  options.seed = 4;
  options.threads = 2;
  options.seat_months = &recording;
  std::vector<int> fiscal_year(months);
  for (int m = 0; m < months; ++m) {
    fiscal_year[m] = scenario.calendar.fiscal_year_of(scenario.calendar.absolute(m)) -
                     scenario.calendar.fiscal_year_of(scenario.calendar.start());
  }
  options.observe_trial = [&](std::uint64_t t, const TrialOutcome& o) {
    ASSERT_EQ(o.seat_months.bookings.size(), seats * months);
    for (std::size_t s = 0; s < seats; ++s) {
      for (int m = 0; m < months; ++m)
        monthly_sum[(t * seats + s) * years + fiscal_year[m]] +=
            o.seat_months.bookings[s * months + m];
    }
  };
  const RunResult recorded = run_trials(scenario, options);
  expect_identical(plain, recorded);
  for (std::size_t i = 0; i < monthly_sum.size(); ++i)
    EXPECT_NEAR(monthly_sum[i], plain.seat_values[i], 1e-6);
}

TEST(Runner, TerritoryPotentialScalesOnlyTheMappedSeats) {
  auto doc = mixed_document();
  const Scenario before = scenario_from_json(doc);
  doc["territory_potential"] = {{"beta", 0.0},
                                {"territories",
                                 {{{"id", "T1"}, {"seat", "R1"}, {"potential", 5.0}},
                                  {{"id", "T2"}, {"seat", "R2"}, {"potential", 1.0}}}}};
  // beta = 0: potential does not matter, results are bit-identical.
  expect_identical(run(before, 100, 8), run(scenario_from_json(doc), 100, 8));
  doc["territory_potential"]["beta"] = 1.0;
  const Scenario after = scenario_from_json(doc);
  EXPECT_DOUBLE_EQ(after.seats[1].productivity, 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(after.seats[2].productivity, 1.0 / 3.0);
  EXPECT_EQ(after.seats[1].territory, "T1");
  EXPECT_DOUBLE_EQ(after.seats[0].productivity, 1.0);
}

}  // namespace
}  // namespace opsim
