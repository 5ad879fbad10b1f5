// Quota methods on a small simulated organisation: equal-chance gives every seat the same
// probability and sums to the target; capacity-based quotas are proportional to the simulated
// means; top-down follows region targets and the key; import evaluates what it is given.
#include "models/plan/quotas.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "sim/base/error.hpp"
#include "tests/scenario_builder.hpp"

namespace opsim::plan {
namespace {

class Quotas : public ::testing::Test {
 protected:
  static constexpr std::uint64_t kTrials = 4000;
  void SetUp() override {
    nlohmann::json doc = test::base_document(12);
    doc["regions"] = {{{"id", "NA"}}, {{"id", "EMEA"}}};
    doc["ramp_curves"] = {{{"id", "r"}, {"fraction", {0.2, 0.5, 0.8}}}};
    doc["segments"][0] = {{"id", "SMB"},
                          {"opportunity_rate", 4.0},
                          {"win_rate", 0.3},
                          {"deal_size", {{"mean", 1000.0}, {"cv", 0.5}}},
                          {"ramp_curve", "r"},
                          {"attrition", 0.3},
                          {"backfill_lag_months", 1},
                          {"skill_cv", 0.4}};
    nlohmann::json reps = nlohmann::json::array();
    for (int i = 0; i < 8; ++i) {
      reps.push_back({{"id", fmt::format("R{}", i)},
                      {"region", i % 2 ? "EMEA" : "NA"},
                      {"segment", "SMB"},
                      {"start", i == 7 ? "2027-07" : "2025-01"}});
    }
    doc["roster"] = {{"reps", reps}};
    scenario_ = std::make_unique<Scenario>(test::scenario_from_json(doc));
    fy_ = fiscal_year_of(*scenario_, 2027, "test");
    result_ = std::make_unique<RunResult>(test::run(*scenario_, kTrials, 9));
    bookings_ =
        std::make_unique<SeatDistributions>(result_->seat_values, scenario_->seats.size(),
                                            result_->layout.fiscal_years, fy_.index, kTrials);
    for (std::size_t s = 0; s < scenario_->seats.size(); ++s) total_mean_ += bookings_->mean(s);
  }
  double sum(const std::vector<double>& q) const {
    return std::accumulate(q.begin(), q.end(), 0.0);
  }
  std::unique_ptr<Scenario> scenario_;
  FiscalYear fy_;
  std::unique_ptr<RunResult> result_;
  std::unique_ptr<SeatDistributions> bookings_;
  double total_mean_ = 0;
};

TEST_F(Quotas, EqualChanceGivesEverySeatTheSameProbability) {
  QuotaRequest request;
  request.method = QuotaMethod::equal_chance;
  request.target = 1.1 * total_mean_;
  const QuotaSet set = set_quotas(*scenario_, *bookings_, request);
  EXPECT_NEAR(sum(set.quota), request.target, 1e-6 * request.target);
  ASSERT_GT(set.common_probability, 0.0);
  EXPECT_LT(set.common_probability, 0.5);  // over-assigned: every seat below an even chance
  for (std::size_t s = 0; s < scenario_->seats.size(); ++s) {
    // Quantiles interpolate between order statistics: within a few trials of the common p.
    EXPECT_NEAR(bookings_->probability_at_least(s, set.quota[s]), set.common_probability,
                3.0 / kTrials)
        << scenario_->seats[s].id;
  }
  // The late starter gets a smaller quota (its distribution carries its ramp), not a flat cut.
  EXPECT_LT(set.quota[7], 0.5 * set.quota[0]);
}

TEST_F(Quotas, CapacityQuotasAreProportionalToTheSimulatedMeans) {
  QuotaRequest request;
  request.method = QuotaMethod::capacity;
  request.target = 2 * total_mean_;
  const QuotaSet set = set_quotas(*scenario_, *bookings_, request);
  for (std::size_t s = 0; s < scenario_->seats.size(); ++s)
    EXPECT_NEAR(set.quota[s], 2 * bookings_->mean(s), 1e-6 * set.quota[s]);
}

TEST_F(Quotas, TopDownFollowsRegionTargetsAndTheKey) {
  QuotaRequest request;
  request.method = QuotaMethod::top_down;
  request.target = 300000;
  request.region_targets = {100000, 200000};
  request.key = {0, 1, 0};  // prior bookings only
  request.prior = {1, 1, 1, 1, 3, 1, 1, 1};
  const QuotaSet set = set_quotas(*scenario_, *bookings_, request);
  // NA seats 0, 2, 4, 6 with priors 1, 1, 3, 1 share 100000, each to the cent.
  EXPECT_NEAR(set.quota[4], 100000 * 3.0 / 6.0, kMinQuotaRounding);
  EXPECT_NEAR(set.quota[0], 100000 * 1.0 / 6.0, kMinQuotaRounding);
  EXPECT_NEAR(set.quota[0] + set.quota[2] + set.quota[4] + set.quota[6], 100000, 1e-6);
  EXPECT_NEAR(set.quota[1] + set.quota[3] + set.quota[5] + set.quota[7], 200000, 1e-6);
}

// Review: without `rounding` the quotas were kept as solved (16,666.666...), so the seats as
// written (to the cent) did not add up to the region and organisation totals written. They are
// whole cents, by largest remainders, and the total is kept.
TEST_F(Quotas, WithoutRoundingQuotasAreWholeCentsThatKeepTheirTotal) {
  auto whole_cents = [](double q) { return std::abs(q * 100 - std::round(q * 100)) < 1e-6; };
  for (const QuotaMethod method :
       {QuotaMethod::top_down, QuotaMethod::capacity, QuotaMethod::equal_chance}) {
    QuotaRequest request;
    request.method = method;
    request.target = 100000;
    const QuotaSet set = set_quotas(*scenario_, *bookings_, request);
    double total = 0;
    for (std::size_t s = 0; s < scenario_->seats.size(); ++s) {
      EXPECT_TRUE(whole_cents(set.quota[s])) << s << ": " << set.quota[s];
      total += set.quota[s];
    }
    if (method != QuotaMethod::equal_chance) {
      EXPECT_NEAR(total, 100000, 1e-6);
    }
  }
  // The twin: the solved share itself is no whole number of cents.
  EXPECT_FALSE(whole_cents(100000 / 6.0));
}

// Review: a prior-only key with priors for one seat named only the first seat with a key of 0;
// a planner fixing the file needs every one.
TEST_F(Quotas, TopDownNamesEverySeatWithAZeroKey) {
  QuotaRequest request;
  request.method = QuotaMethod::top_down;
  request.target = 300000;
  request.key = {0, 1, 0};
  request.prior = {1, 0, 0, 1, 1, 1, 0, 1};
  try {
    (void)set_quotas(*scenario_, *bookings_, request);
    ADD_FAILURE() << "zero keys were accepted";
  } catch (const InputError& e) {
    EXPECT_THAT(std::string(e.what()),
                ::testing::HasSubstr("3 of 8 seats have a top-down key of 0, so their quotas "
                                     "would be 0 (quotas must be > 0): R1, R2, R6;"));
    EXPECT_THAT(std::string(e.what()), ::testing::EndsWith("(/plan/quotas/key)"));
  }
}

TEST_F(Quotas, EvaluationReportsSeatsGroupsAndFairness) {
  QuotaRequest request;
  request.method = QuotaMethod::equal_chance;
  request.target = total_mean_;
  const QuotaSet set = set_quotas(*scenario_, *bookings_, request);
  const auto profiles = quota_profiles(*scenario_, fy_);
  const QuotaReport report = evaluate_quotas(*scenario_, fy_, result_->seat_values, kTrials,
                                             *bookings_, set.quota, profiles, nullptr);
  const ClassQuota& sellers = report.sellers();
  EXPECT_EQ(sellers.quota_seats(), 8);
  EXPECT_EQ(report.overlays().quota_seats(), 0);
  EXPECT_NEAR(sellers.expected_share_at_quota, set.common_probability, 3.0 / kTrials);
  EXPECT_LT(sellers.probability_sd, 3.0 / kTrials);
  ASSERT_EQ(report.regions.size(), 3u);
  EXPECT_NEAR(report.regions[2].quota, request.target, 1e-6 * request.target);
  EXPECT_NEAR(report.regions[2].bookings.mean, total_mean_, 1e-6 * total_mean_);
  EXPECT_EQ(sellers.total.quota, report.regions[2].quota);
  EXPECT_NEAR(std::accumulate(sellers.histogram.begin(), sellers.histogram.end(), 0.0), 1.0, 1e-12);
  EXPECT_GE(sellers.gini_expected_attainment, 0.0);
  EXPECT_LT(sellers.gini_expected_attainment, 0.05);  // equal chance: attainments are close
}

// A valid request that no common probability answers: infeasible (exit 3), not bad input.
TEST_F(Quotas, EqualChanceBeyondEveryMaximumIsInfeasible) {
  QuotaRequest request;
  request.method = QuotaMethod::equal_chance;
  request.target = 1e12;
  EXPECT_THROW(set_quotas(*scenario_, *bookings_, request), InfeasibleError);
}

// Defect (review): a target below what every seat books in every trial gave quotas at p = 1
// that totalled more than the printed target ("= 1,000,000; quotas total 1,390,000"). No common
// probability answers it: infeasible, as a target above every maximum.
TEST_F(Quotas, EqualChanceBelowEveryMinimumIsInfeasible) {
  // Seat s books 1,000 (s + 1) + 10 t in trial t: every seat's smallest bookings sum to 36,000.
  constexpr std::uint64_t trials = 4;
  const std::size_t seats = scenario_->seats.size();
  std::vector<double> values(trials * seats);
  for (std::uint64_t t = 0; t < trials; ++t) {
    for (std::size_t s = 0; s < seats; ++s)
      values[t * seats + s] = 1000.0 * static_cast<double>(s + 1) + 10.0 * static_cast<double>(t);
  }
  const SeatDistributions fixed(values, seats, 1, 0, trials);
  QuotaRequest request;
  request.method = QuotaMethod::equal_chance;
  request.target = 35000;
  EXPECT_THROW(set_quotas(*scenario_, fixed, request), InfeasibleError);
  for (const double target : {36000.0, 36100.0}) {
    request.target = target;
    const QuotaSet set = set_quotas(*scenario_, fixed, request);
    EXPECT_NEAR(sum(set.quota), target, 1e-9 * target);
  }
}

// Defect: with a company target above the sum of the region targets, quotas totalled
// over-assignment x the region sum while the header printed over-assignment x the company
// target. Region targets now set the regions' shares of the printed total.
TEST_F(Quotas, TopDownQuotasAddUpToTheCompanyTargetTimesOverAssignment) {
  QuotaRequest request;
  request.method = QuotaMethod::top_down;
  request.target = 1.1 * 330000;              // the company target x over-assignment
  request.region_targets = {100000, 200000};  // sum 300000, not 330000
  const QuotaSet set = set_quotas(*scenario_, *bookings_, request);
  EXPECT_NEAR(sum(set.quota), request.target, 1e-9 * request.target);
  EXPECT_GT(std::abs(1.05 * sum(set.quota) - request.target), 1e-9 * request.target);
  const double na = set.quota[0] + set.quota[2] + set.quota[4] + set.quota[6];
  EXPECT_NEAR(na, request.target / 3, 1e-9 * request.target);
}

// Defect: the potential key counted a seat starting in July as a full year. It now scales with
// the in-year factor: ramp 0.2, 0.5, 0.8 then 1 from July gives 4.5 of 12 ramped months.
TEST_F(Quotas, TopDownPotentialKeyFollowsTheSeatsStartMonth) {
  const std::vector<double> in_year = in_year_factors(*scenario_, fy_);
  EXPECT_NEAR(in_year[0], 1.0, 1e-12);
  EXPECT_NEAR(in_year[7], 4.5 / 12, 1e-12);
  QuotaRequest request;
  request.method = QuotaMethod::top_down;
  request.target = 330000;
  request.key = {1, 0, 0};  // potential only (no territories: productivity 1)
  request.in_year = in_year;
  const QuotaSet set = set_quotas(*scenario_, *bookings_, request);
  // EMEA seats 1, 3, 5 (full year) and 7 share EMEA's part in proportion 1 : 1 : 1 : 0.375.
  const double ratio = set.quota[7] / set.quota[1];
  EXPECT_NEAR(ratio, 4.5 / 12, 1e-12);
  EXPECT_GT(std::abs(1.05 * ratio - 4.5 / 12), 1e-12);
  EXPECT_NEAR(sum(set.quota), request.target, 1e-9 * request.target);
}

// Defect: equal-chance gave a seat that books nothing more often than 1 - p its smallest
// simulated bookings as quota (seed noise). Such a seat now gets its expected bookings and is
// flagged. Seat 0 books 1, 2, ..., 1000 (one value per trial); seat 1 books 5000 in 10% of the
// trials. With a target of 800 the common p would be about 0.2 > P(B_1 > 0): seat 1 is floored
// at its mean 500 and seat 0 gets the rest, 300 = its order statistic 300, the type-7 quantile
// at 1 - p = 299 / 999.
TEST(EqualChance, SeatThatRarelyBooksGetsItsExpectedBookingsAndIsFlagged) {
  nlohmann::json doc = test::base_document(12);
  doc["segments"][0] = test::fixed_deal_segment(1.0, 0.5, 1000.0);
  doc["roster"] = {{"reps",
                    {{{"id", "R0"}, {"region", "NA"}, {"segment", "SMB"}, {"start", "2025-01"}},
                     {{"id", "R1"}, {"region", "NA"}, {"segment", "SMB"}, {"start", "2025-01"}}}}};
  const Scenario scenario = test::scenario_from_json(doc);
  constexpr std::uint64_t kTrials = 1000;
  std::vector<double> values(2 * kTrials);
  for (std::uint64_t t = 0; t < kTrials; ++t) {
    values[2 * t] = static_cast<double>(t + 1);
    values[2 * t + 1] = t % 10 == 3 ? 5000.0 : 0.0;
  }
  const SeatDistributions bookings(values, 2, 1, 0, kTrials);
  QuotaRequest request;
  request.method = QuotaMethod::equal_chance;
  request.target = 800;
  const QuotaSet set = set_quotas(scenario, bookings, request);
  EXPECT_EQ(set.floored, (std::vector<char>{0, 1}));
  EXPECT_NEAR(set.quota[1], 500.0, 1e-9);
  EXPECT_GT(std::abs(1.05 * set.quota[1] - 500.0), 1e-9);
  EXPECT_NEAR(set.quota[0], 300.0, 1e-6);
  EXPECT_NEAR(set.common_probability, 1 - 299.0 / 999, 1e-9);
}

// Flat phasing of 100,000 over 12 months rounded to 1,000: 8,333.33 a month floors to 8,000
// (96,000); the 4 units left go to the largest remainders (all equal: the first months).
TEST_F(Quotas, FlatPhasingRoundsByLargestRemainders) {
  std::vector<double> quota(scenario_->seats.size(), kNoQuota);
  quota[0] = 100000;
  const auto profiles = quota_profiles(*scenario_, fy_);
  const PeriodQuotas p = phase_quotas(*scenario_, fy_, quota, profiles, Phasing::flat, 1000);
  const std::vector<double> q1{p.quarter[0], p.quarter[1], p.quarter[2], p.quarter[3]};
  EXPECT_EQ(q1, (std::vector<double>{27000, 25000, 24000, 24000}));
  EXPECT_NE(q1[0], 1.05 * 27000);
  EXPECT_TRUE(std::isnan(p.month[12]));  // seat 1 carries no quota
  // By profile: the late starter (July) has nothing before its start.
  quota[7] = 50000;
  const PeriodQuotas by_profile =
      phase_quotas(*scenario_, fy_, quota, profiles, Phasing::profile, 0);
  EXPECT_EQ(by_profile.quarter[7 * 4 + 0] + by_profile.quarter[7 * 4 + 1], 0.0);
  EXPECT_NEAR(by_profile.quarter[7 * 4 + 2] + by_profile.quarter[7 * 4 + 3], 50000, 1e-9);
  // Without a rounding unit the months are split to the cent: as written (two decimals) they
  // add up to the annual quota (review: twelve months of 8,333.33 wrote 99,999.96).
  const PeriodQuotas cents = phase_quotas(*scenario_, fy_, quota, profiles, Phasing::flat, 0);
  long long written = 0;
  for (int k = 0; k < 12; ++k) written += std::llround(100 * cents.month[k]);
  EXPECT_EQ(written, 10000000);  // 100,000.00 in cents
  EXPECT_EQ(std::llround(100 * cents.month[0]), 833334);
  EXPECT_EQ(std::llround(100 * cents.month[11]), 833333);
}

// Review: pay was measured against the unrounded phasing (250,000 by Q1) while the rep was
// given a Q1 quota of 300,000. The profile pay reads is the published months' shares: at each
// quarter end the year-to-date share times the annual quota is the quarters published; a seat
// without a quota keeps its profile. A unit coarser than the months is flagged.
TEST_F(Quotas, PayIsMeasuredAgainstThePublishedMonths) {
  std::vector<double> quota(scenario_->seats.size(), kNoQuota);
  quota[0] = 1000000;
  const auto profiles = quota_profiles(*scenario_, fy_);
  const PeriodQuotas coarse = phase_quotas(*scenario_, fy_, quota, profiles, Phasing::flat, 100000);
  EXPECT_EQ(coarse.quarter[0], 300000.0);  // ten months of 100,000, two of 0
  const std::vector<double> paid = published_profiles(coarse, profiles);
  double share = 0;
  for (int k = 0; k < 3; ++k) share += paid[static_cast<std::size_t>(k)];
  EXPECT_NEAR(quota[0] * share, 300000.0, 1e-6);
  EXPECT_GT(std::abs(quota[0] * share - 250000.0), 1000.0);  // not the unrounded 3 / 12
  double year = 0;
  for (int k = 0; k < 12; ++k) year += paid[static_cast<std::size_t>(k)];
  EXPECT_NEAR(year, 1.0, 1e-12);
  for (std::size_t k = 12; k < paid.size(); ++k) EXPECT_EQ(paid[k], profiles[k]) << k;
  EXPECT_EQ(coarse.coarse, (std::vector<std::size_t>{0}));
  // The twin: a unit finer than the months leaves none at 0.
  EXPECT_TRUE(phase_quotas(*scenario_, fy_, quota, profiles, Phasing::flat, 1000).coarse.empty());
}

// Defect: the annual quota was not rounded while its months and quarters were, so with
// `rounding` the seat's months summed to round(q / u) x u, not to the quota written beside them.
// Hand-worked: 1,400 + 1,400 + 1,200 = 4,000 rounds to 4 units; floors give 3, the unit left
// goes to the largest remainder (0.4, a tie: the earlier seat); 300 is raised to one unit.
TEST_F(Quotas, RoundedAnnualQuotasKeepTheTotalAndEqualTheirMonths) {
  std::vector<double> quota(scenario_->seats.size(), kNoQuota);
  quota[0] = 1400, quota[1] = 1400, quota[2] = 1200;
  round_quotas(*scenario_, quota, 1000);
  EXPECT_EQ(quota[0], 2000.0);
  EXPECT_EQ(quota[1], 1000.0);
  EXPECT_EQ(quota[2], 1000.0);
  EXPECT_TRUE(std::isnan(quota[3]));
  EXPECT_NE(quota[0], 1.05 * 2000.0);
  quota.assign(scenario_->seats.size(), kNoQuota);
  quota[0] = 300, quota[1] = 2600;
  round_quotas(*scenario_, quota, 1000);
  EXPECT_EQ(quota[0], 1000.0);
  EXPECT_EQ(quota[1], 2000.0);
  // An imported quota is evaluated as given, not rounded (rounding it would give 12,000).
  QuotaRequest given;
  given.method = QuotaMethod::import;
  given.imported.assign(scenario_->seats.size(), 12345.0);
  given.rounding = 1000;
  EXPECT_EQ(set_quotas(*scenario_, *bookings_, given).quota[0], 12345.0);
  std::vector<double> rounded = given.imported;
  round_quotas(*scenario_, rounded, 1000);
  EXPECT_NE(rounded[0], 12345.0);

  // Every method's quotas: whole units, the total moved by at most half a unit, every seat by
  // less than one, and the phased months (profile) summing to the annual quota exactly.
  const auto profiles = quota_profiles(*scenario_, fy_);
  for (const QuotaMethod method : {QuotaMethod::equal_chance, QuotaMethod::capacity}) {
    QuotaRequest request;
    request.method = method;
    request.target = 1.1 * total_mean_;
    const QuotaSet exact = set_quotas(*scenario_, *bookings_, request);
    request.rounding = 1000;
    const QuotaSet rounded = set_quotas(*scenario_, *bookings_, request);
    EXPECT_LE(std::abs(sum(rounded.quota) - sum(exact.quota)), 500.0) << to_string(method);
    EXPECT_GT(std::abs(sum(rounded.quota) - 1.05 * sum(exact.quota)), 500.0);
    const PeriodQuotas p =
        phase_quotas(*scenario_, fy_, rounded.quota, profiles, Phasing::profile, 1000);
    const PeriodQuotas unrounded =
        phase_quotas(*scenario_, fy_, exact.quota, profiles, Phasing::profile, 1000);
    const int n = fy_.months();
    int differs = 0;
    for (std::size_t s = 0; s < scenario_->seats.size(); ++s) {
      const double q = rounded.quota[s];
      EXPECT_EQ(std::fmod(q, 1000.0), 0.0) << s;
      EXPECT_GT(q, 0.0) << s;
      EXPECT_LT(std::abs(q - exact.quota[s]), 1000.0) << s;
      double months = 0, quarters = 0, before = 0;
      for (int k = 0; k < n; ++k) months += p.month[s * n + k];
      for (int k = 0; k < n; ++k) before += unrounded.month[s * n + k];
      for (int k = 0; k < 4; ++k) quarters += p.quarter[s * 4 + k];
      EXPECT_EQ(months, q) << s;
      EXPECT_EQ(quarters, q) << s;
      EXPECT_NE(months, 1.05 * q) << s;
      differs += before != exact.quota[s];  // the defect: unrounded quotas miss their months
    }
    EXPECT_GT(differs, 0);
  }
}

TEST(Gini, KnownValues) {
  EXPECT_DOUBLE_EQ(gini({1, 1, 1, 1}), 0.0);
  EXPECT_NEAR(gini({0, 0, 0, 1}), 0.75, 1e-12);  // (n - 1) / n for one holder of everything
  // Equal values that do not add up exactly (0.1 x 7) are about 0, never below ("-0.000").
  for (double v : {0.1, 1.0 / 3.0, 0.7, 1.1}) {
    const double g = gini(std::vector<double>(7, v));
    EXPECT_NEAR(g, 0.0, 1e-12) << v;
    EXPECT_FALSE(std::signbit(g)) << v;
  }
}

}  // namespace
}  // namespace opsim::plan
