// The run-wide lookup tables of models/trial.* must give exactly what the model equations give.
#include "models/trial.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>

#include "models/pipeline.hpp"
#include "models/sampling.hpp"
#include "tests/scenario_builder.hpp"

namespace opsim {
namespace {

//! The definition: smallest k with u <= cdf[k], else the last index.
int first_at_or_above(const std::vector<double>& cdf, double u) {
  for (std::size_t k = 0; k + 1 < cdf.size(); ++k) {
    if (u <= cdf[k]) return static_cast<int>(k);
  }
  return static_cast<int>(cdf.size()) - 1;
}

TEST(Sampling, StandardNormalIsBoostsZigguratBitForBit) {
  // The inlined first step and the replay into Boost's loop (tail and wedge draws, about 1%)
  // give Boost's numbers, and consume the same words: the streams stay in step.
  boost::random::normal_distribution<double> normal(0.0, 1.0);
  int beyond_first_layer = 0;
  for (std::uint64_t entity = 0; entity < 2000; ++entity) {
    TrialRng ours(5, StreamId::market, 1, entity, 0), boosts(5, StreamId::market, 1, entity, 0);
    for (int i = 0; i < 100; ++i) {
      const double a = standard_normal(ours), b = normal(boosts);
      ASSERT_EQ(std::bit_cast<std::uint64_t>(a), std::bit_cast<std::uint64_t>(b)) << entity;
      beyond_first_layer += std::abs(a) > 3.4426198558966523 ? 1 : 0;  // drawn from the tail
    }
    ASSERT_EQ(ours(), boosts()) << entity;
  }
  EXPECT_GT(beyond_first_layer, 0);
}

TEST(TrialTables, CdfSearchMatchesItsDefinition) {
  // Lengths 1 to 10: CdfSearch pads all but the last entry to a multiple of four.
  const std::vector<std::vector<double>> pmfs{{1.0},
                                              {0.0, 0.0, 0.2, 0.35, 0.3, 0.15},
                                              {0.5, 0.0, 0.0, 0.5},
                                              {0.1, 0.2, 0.3, 0.4},
                                              {0.3, 0.7},
                                              {0.2, 0.2, 0.2, 0.2, 0.2},
                                              {0.0, 0.0, 0.0, 0.0, 0.1, 0.15, 0.2, 0.2, 0.2, 0.15}};
  Rng rng(3, StreamId::pipeline, 0, 0, 0);
  for (const auto& pmf : pmfs) {
    const auto cdf = cumulative(pmf);
    const CdfSearch search(cdf);
    for (double u : {1e-300, 0.1, 0.2, 0.5, 0.55, 0.999999, 1.0}) {
      EXPECT_EQ(sample_from_cdf(cdf, u), first_at_or_above(cdf, u)) << u;
      EXPECT_EQ(search.sample(u), first_at_or_above(cdf, u)) << u;
    }
    for (int i = 0; i < 10000; ++i) {
      const double u = rng.uniform();
      ASSERT_EQ(sample_from_cdf(cdf, u), first_at_or_above(cdf, u)) << u;
      ASSERT_EQ(search.sample(u), first_at_or_above(cdf, u)) << u;
    }
  }
}

TEST(TrialTables, AttritionHazardTableEqualsTheEquation) {
  auto doc = test::base_document();
  doc["segments"][0]["attrition"] = {{{"max_tenure_months", 11}, {"annual", 0.35}},
                                     {{"max_tenure_months", 23}, {"annual", 0.25}},
                                     {{"annual", 0.18}}};
  const Scenario scenario = test::scenario_from_json(doc);
  const TrialTables tables(scenario);
  for (int m = 0; m < scenario.months(); ++m) {
    const CellRates& cell = tables.cell(0, 0, m);
    ASSERT_GE(cell.hazards, 0);
    for (int tenure = 0; tenure < 400; ++tenure) {
      ASSERT_EQ(tables.attrition_hazard(cell, tenure),
                scenario.params_at(0, 0, m).monthly_attrition_hazard(tenure))
          << tenure;
    }
  }
}

TEST(TrialTables, DecayFactorsEqualThePowers) {
  auto doc = test::base_document();
  doc["pipeline"] = {
      {"stages", {{{"id", "Proposal"}, {"win_probability", 0.4}}}},
      {"deals",
       {{{"id", "D1"},
         {"region", "NA"},
         {"segment", "SMB"},
         {"stage", "Proposal"},
         {"amount", 1000},
         {"expected_close", "2026-03"}}}},
      {"slip",
       {{"pmf", {0.5, 0.3, 0.2}}, {"decay_per_month", 0.85}, {"overdue_decay_per_month", 0.8}}}};
  const Scenario scenario = test::scenario_from_json(doc);
  const TrialTables tables(scenario);
  ASSERT_EQ(tables.slip_decay_factors.size(), 3u);
  ASSERT_EQ(tables.overdue_decay_factors.size(), 11u);  // 2026-03 is 10 months before 2027-01
  const PipelineSpec& pipeline = scenario.pipeline;
  for (int slipped = 0; slipped < 3; ++slipped) {
    for (int overdue = 0; overdue <= 10; ++overdue) {
      ASSERT_EQ(pipeline_win_probability(0.4, tables.slip_decay_factors[slipped],
                                         tables.overdue_decay_factors[overdue]),
                pipeline_win_probability(pipeline, 0.4, slipped, overdue));
    }
  }
}

}  // namespace
}  // namespace opsim
