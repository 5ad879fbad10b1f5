// Territory potential scales a seat's opportunity intensity by (potential / mean potential)^beta:
// with fully ramped seats, Poisson counts and a fixed deal size each seat's yearly bookings are
// compound Poisson with that factor in the mean.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/scenario_builder.hpp"

namespace opsim {
namespace {

TEST(TerritoryPotentialExact, SeatMeansScaleWithPotentialToTheBeta) {
  nlohmann::json doc = test::base_document(12);
  doc["segments"][0] = test::fixed_deal_segment(3.0, 0.25, 2000.0);
  doc["roster"] = {{"reps",
                    {{{"id", "A"}, {"region", "NA"}, {"segment", "SMB"}, {"start", "2025-01"}},
                     {{"id", "B"}, {"region", "NA"}, {"segment", "SMB"}, {"start", "2025-01"}}}}};
  const double beta = 0.7;
  doc["territory_potential"] = {{"beta", beta},
                                {"territories",
                                 {{{"id", "small"}, {"seat", "A"}, {"potential", 1.0}},
                                  {{"id", "large"}, {"seat", "B"}, {"potential", 3.0}}}}};
  const Scenario scenario = test::scenario_from_json(doc);
  constexpr std::uint64_t kTrials = 20000;
  const RunResult result = test::run(scenario, kTrials, 31);
  const double potential[] = {1.0, 3.0};
  for (int s = 0; s < 2; ++s) {
    std::vector<double> values;
    for (std::uint64_t t = 0; t < kTrials; ++t) values.push_back(result.seat_values[t * 2 + s]);
    const auto m = test::sample_moments(values);
    const double wins = 12 * 3.0 * 0.25 * std::pow(potential[s] / 2.0, beta);
    const double mean = wins * 2000.0, se = std::sqrt(wins * 2000.0 * 2000.0 / kTrials);
    EXPECT_TRUE(test::within_4_se(m.mean, mean, se)) << s << ": " << m.mean << " vs " << mean;
    EXPECT_FALSE(test::within_4_se(m.mean, 1.05 * mean, se));
  }
}

}  // namespace
}  // namespace opsim
