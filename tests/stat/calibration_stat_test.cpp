// Simulation-based calibration of `opsim calibrate`'s estimates: histories generated with known
// parameters (a growing, seasonal business with two segments and reps, an AR(1) lognormal market
// factor per region, so counts are overdispersed and serially correlated, and a sparse region)
// are fitted, and the z-scores (estimate - truth) / reported SE of every parameter the fit
// reports with an SE must have mean 0 and SD 1 within 4 standard errors. Negative twin: the same
// check with the SEs scaled by 0.8 fails. scenarios/calibration.md lists what is asserted.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <boost/random/mersenne_twister.hpp>
#include <boost/random/normal_distribution.hpp>
#include <boost/random/poisson_distribution.hpp>
#include <boost/random/uniform_01.hpp>
#include <boost/random/uniform_int_distribution.hpp>

#include "models/calendar.hpp"
#include "models/calibration/fit.hpp"
#include "tests/scenario_builder.hpp"

namespace opsim::calibration {
namespace {

//! The truth of one synthetic business. Months are absolute; rates at the last fit month.
struct Truth {
  std::vector<double> resolutions_per_month{30.0, 8.0, 2.5};  //!< per region, at the cut-off
  std::vector<int> reps{10, 4, 2};                            //!< per region, active throughout
  std::vector<double> segment_share{0.6, 0.4};                //!< P(a deal's segment)
  std::vector<double> win_rate{0.30, 0.42};                   //!< per segment
  //! Per region and calendar month, each region's mean 1.
  std::vector<std::array<double, 12>> seasonality{3, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}};
  double monthly_log_growth = std::log(1.25) / 12;
  //! Each region's deviation from it (monthly log growth of region r: the sum).
  std::vector<double> region_log_growth{0.0, 0.0, 0.0};
  double market_sigma = 0.25;  //!< sd of the log market factor
  double market_rho = 0.5;     //!< its AR(1) coefficient, month to month
  double log_amount_mu = 8.0, log_amount_sigma = 0.8;
  double cycle_q = 0.6;  //!< geometric cycle P(k) = (1 - q) q^k, months from creation
  int fit_months = 36;
  int burn_in = 24;  //!< months generated before --since (deals created there straddle it)
  int cutoff_month = 2020 * 12 + 11;

  int first_fit_month() const { return cutoff_month - fit_months + 1; }
  //! Expected resolutions of region r in a month (the market factor has mean 1).
  double expected(int r, int month) const {
    return resolutions_per_month[r] * std::exp(growth_of(r) * (month - cutoff_month)) *
           seasonality[r][Calendar::calendar_month_of(month) - 1];
  }
  double growth() const { return std::exp(12 * monthly_log_growth) - 1; }
  double growth_of(int r) const { return monthly_log_growth + region_log_growth[r]; }
  //! Expected de-seasonalised resolutions in the first forecast month.
  double level(int r) const { return resolutions_per_month[r] * std::exp(growth_of(r)); }
  double overall_win_rate() const {
    return std::inner_product(segment_share.begin(), segment_share.end(), win_rate.begin(), 0.0);
  }
  double mean_amount() const {
    return std::exp(log_amount_mu + 0.5 * log_amount_sigma * log_amount_sigma);
  }
  double amount_cv() const { return std::sqrt(std::expm1(log_amount_sigma * log_amount_sigma)); }
  //! Deals resolve in month t at a rate growing like e^{beta t}: a cohort created in month c
  //! has cycles tilted to P(k) e^{beta k}, again geometric with q' = q e^beta.
  double cycle_mean() const {
    const double q = cycle_q * std::exp(monthly_log_growth);
    return q / (1 - q);
  }
  //! Expected resolutions per rep-month over the fit window: region r (-1: all), share of a
  //! segment (1: all).
  double rep_rate(int r, double share) const {
    double resolutions = 0;
    int reps_total = 0;
    for (int q = 0; q < static_cast<int>(reps.size()); ++q) {
      if (r >= 0 && q != r) continue;
      reps_total += reps[q];
      for (int m = first_fit_month(); m <= cutoff_month; ++m) resolutions += expected(q, m);
    }
    return share * resolutions / (static_cast<double>(fit_months) * reps_total);
  }
};

//! One export: resolutions generated month by month (won/lost up to the cut-off, open after
//! it when created on or before it), every deal dated by its creation and owned by one of its
//! region's reps.
History generate(const Truth& truth, std::uint32_t seed) {
  boost::random::mt19937 rng(seed);
  boost::random::normal_distribution<double> normal;
  boost::random::uniform_01<double> uniform;
  History history;
  const int first = truth.first_fit_month() - truth.burn_in;
  const int last = truth.cutoff_month + 60;
  const int R = static_cast<int>(truth.resolutions_per_month.size());
  const double s = truth.market_sigma, rho = truth.market_rho;
  std::vector<double> log_factor(R);
  for (int r = 0; r < R; ++r) log_factor[r] = s * normal(rng);
  int id = 0;
  for (int month = first; month <= last; ++month) {
    const int first_day = last_day_of_month(month - 1) + 1, last_day = last_day_of_month(month);
    for (int r = 0; r < R; ++r) {
      if (month > first)
        log_factor[r] = rho * log_factor[r] + s * std::sqrt(1 - rho * rho) * normal(rng);
      const double mean = truth.expected(r, month) * std::exp(log_factor[r] - 0.5 * s * s);
      const int n = boost::random::poisson_distribution<int, double>(mean)(rng);
      for (int i = 0; i < n; ++i) {
        const int closed = boost::random::uniform_int_distribution<int>(first_day, last_day)(rng);
        int k = 0;
        while (uniform(rng) < truth.cycle_q) ++k;
        const int rep = boost::random::uniform_int_distribution<int>(0, truth.reps[r] - 1)(rng);
        const double u = uniform(rng);
        int segment = 0;
        for (double acc = truth.segment_share[0];
             u >= acc && segment + 1 < static_cast<int>(truth.segment_share.size());)
          acc += truth.segment_share[++segment];
        const int created_month = month - k;
        if (created_month > truth.cutoff_month) continue;  // does not exist at the cut-off
        const int created_first = last_day_of_month(created_month - 1) + 1;
        const int created_last = k == 0 ? closed : last_day_of_month(created_month);
        Opportunity o;
        o.id = fmt::format("D{}", ++id);
        o.owner = fmt::format("R{}-rep{}", r, rep);
        o.region = fmt::format("R{}", r);
        o.segment = fmt::format("S{}", segment);
        o.created = boost::random::uniform_int_distribution<int>(created_first, created_last)(rng);
        if (month <= truth.cutoff_month) {
          o.closed = closed;
          const bool won = uniform(rng) < truth.win_rate[segment];
          o.outcome = won ? Outcome::won : Outcome::lost;
          if (won) o.amount = std::exp(truth.log_amount_mu + truth.log_amount_sigma * normal(rng));
        }
        history.opportunities.push_back(std::move(o));
      }
    }
  }
  history.snapshot_day = last_day_of_month(truth.cutoff_month);
  return history;
}

FitOptions options_for(const Truth& truth) {
  FitOptions options;
  options.as_of = last_day_of_month(truth.cutoff_month);
  options.since = last_day_of_month(truth.first_fit_month() - 1) + 1;
  return options;
}

//! z-scores of one parameter over the replications.
struct ZScores {
  std::string name;
  std::vector<double> z;
  bool asserted = true;     //!< false: reported only (see check_sbc)
  int per_replication = 1;  //!< z-scores added per history (pooled calendar months: 12)
  double mean() const { return std::accumulate(z.begin(), z.end(), 0.0) / z.size(); }
  double sd() const {
    const double m = mean();
    double ss = 0;
    for (double v : z) ss += (v - m) * (v - m);
    return std::sqrt(ss / (z.size() - 1));
  }
  //! Mean 0 and SD 1 within 4 standard errors when the SEs are multiplied by `se_scale`.
  bool calibrated(double se_scale) const {
    // The z-scores of one history are correlated: count histories, not z-scores.
    const double n = static_cast<double>(z.size() / per_replication);
    const double m = mean() / se_scale, d = sd() / se_scale;
    return test::within_4_se(m, 0.0, d / std::sqrt(n)) &&
           test::within_4_se(d, 1.0, 1.0 / std::sqrt(2 * (n - 1)));
  }
};

//! The z-scores of every parameter, in the order first seen.
class ZTable {
 public:
  void add(const std::string& name, const Estimate& e, double truth, bool asserted = true,
           int per_replication = 1) {
    // A reported-only cell may hold too few deals for an SE in some histories (18 months).
    if (!asserted && !(std::isfinite(e.se) && e.se > 0)) return;
    ASSERT_TRUE(std::isfinite(e.se) && e.se > 0) << name << ": SE " << e.se;
    auto [it, inserted] = index_.try_emplace(name, scores_.size());
    if (inserted) scores_.push_back({name, {}, asserted, per_replication});
    scores_[it->second].z.push_back((e.value - truth) / e.se);
  }
  const std::vector<ZScores>& scores() const { return scores_; }

 private:
  std::vector<ZScores> scores_;
  std::map<std::string, std::size_t> index_;
};

constexpr int kReplications = 300;

//! Simulation-based calibration proper for the shrunk estimates: growth and seasonality are
//! drawn from the fit's own priors, so their posterior means and sds give N(0, 1) z-scores. The
//! win rates are fixed (two segments and three regions: too few cells to pool on). Every
//! estimate the fit reports with an SE is checked (asserted or reported: see the table).
//! `conservative`: parameters whose SEs are known to be somewhat too large at this history
//! length (z sd about 0.9): their z-scores are asserted, the 0.8-scaled twin is not (it passes).
void check_sbc(int fit_months, const std::set<std::string>& conservative = {}) {
  ZTable table;
  double dispersion = 0, persistence = 0, persistence_sq = 0;  // of region R0, for the log
  boost::random::mt19937 prior_rng(7);
  boost::random::normal_distribution<double> normal;
  const char* const kRegions[] = {"R0 (30/month)", "R1 (8/month)", "R2 (2.5/month, sparse)"};
  for (int i = 0; i < kReplications; ++i) {
    Truth truth;
    truth.fit_months = fit_months;
    const FitOptions options = options_for(truth);
    truth.monthly_log_growth = options.growth_prior_sd / 12 * normal(prior_rng);
    // Seasonality: a common pattern (log sd 0.15) and each region's deviation (log sd 0.1).
    std::array<double, 12> common;
    for (double& s : common) s = 0.15 * normal(prior_rng);
    for (auto& region : truth.seasonality) {
      double sum = 0;
      for (int c = 0; c < 12; ++c) sum += region[c] = std::exp(common[c] + 0.1 * normal(prior_rng));
      for (double& s : region) s *= 12 / sum;
    }
    const Calibration fit = fit_history(generate(truth, 1000 + i), options);
    ASSERT_TRUE(fit.trend_fitted && fit.seasonality_fitted);
    ASSERT_EQ(fit.first_month, truth.first_fit_month());
    ASSERT_EQ(fit.regions.size(), 3u);
    ASSERT_EQ(fit.segments.size(), 2u);
    dispersion += fit.region_fits[0].dispersion / kReplications;
    persistence += fit.region_fits[0].persistence / kReplications;
    persistence_sq += std::pow(fit.region_fits[0].persistence, 2) / kReplications;
    table.add("monthly log growth (ML)", fit.raw_monthly_log_trend, truth.monthly_log_growth);
    table.add("monthly log growth", fit.monthly_log_trend, truth.monthly_log_growth);
    table.add("annual growth", fit.annual_growth, truth.growth());
    // Levels rest on the region's own growth (its posterior) since session 11. With the pooled
    // market variance every level is asserted (the middle region's, and the sparse one's with
    // 18 months, without twin: see the tests below).
    for (int r = 0; r < 3; ++r)
      table.add(fmt::format("level {}", kRegions[r]), fit.region_fits[r].level, truth.level(r));
    // Region growths: the truth has no region deviation, which the hierarchical prior does not
    // draw, so the posterior (it carries the between-region sd's uncertainty) is conservative
    // here and only reported; RegionGrowthPosteriorIsCalibrated checks it. The maximum-
    // likelihood growths are asserted with three years (below, the smaller regions' z sd is
    // 0.68-0.80).
    for (int r = 0; r < 3; ++r) {
      table.add(fmt::format("region growth {} (ML)", kRegions[r]), fit.region_fits[r].growth_ml,
                truth.growth_of(r), fit_months >= 24);
      table.add(fmt::format("region growth {}", kRegions[r]), fit.region_fits[r].growth,
                truth.growth_of(r), false);
    }
    // Seasonality: asserted per region over its twelve calendar months (reported per month).
    for (int r = 0; r < 3; ++r) {
      for (int c = 0; c < 12; ++c) {
        const Estimate index{fit.region_fits[r].seasonality[c],
                             fit.region_fits[r].seasonality_se[c]};
        table.add(fmt::format("seasonality {}, 12 months", kRegions[r]), index,
                  truth.seasonality[r][c], true, 12);
        table.add(fmt::format("seasonality {} month {}", kRegions[r], c + 1), index,
                  truth.seasonality[r][c], false);
      }
    }
    table.add("overall win rate", fit.overall_win_rate, truth.overall_win_rate());
    table.add("quarter-end multiplier", fit.quarter_end_multiplier, 1.0);
    for (int s = 0; s < 2; ++s) {
      table.add(fmt::format("win rate S{}", s), fit.segment_win_rates[s].rate, truth.win_rate[s]);
      for (int r = 0; r < 3; ++r) {
        table.add(fmt::format("win rate S{} {}", s, kRegions[r]), fit.win_rate(r, s).rate,
                  truth.win_rate[s]);
      }
    }
    // Deal sizes: asserted where at least kMinDeals won deals are expected (the cv: 200);
    // smaller cells' z-scores are skewed (the sample mean's t-ratio of lognormal amounts; the
    // sample cv's small-sample bias) and only reported.
    constexpr double kMinDeals = 100, kMinDealsCv = 200;
    auto add_deal_size = [&](const std::string& cell, const DealSizeFit& d, double expected) {
      const bool asserted = expected >= kMinDeals;
      table.add("deal size mu " + cell, d.mu, truth.log_amount_mu, asserted);
      table.add("deal size sigma " + cell, d.sigma, truth.log_amount_sigma, asserted);
      table.add("deal size mean " + cell, d.mean, truth.mean_amount(), asserted);
      table.add("deal size cv " + cell, d.cv, truth.amount_cv(), expected >= kMinDealsCv);
    };
    for (int s = 0; s < 2; ++s) {
      const double wins = truth.segment_share[s] * truth.win_rate[s];
      // Expected won deals at the cut-off's rates: fixed by the design, not by the draws.
      const auto& rates = truth.resolutions_per_month;
      add_deal_size(fmt::format("S{}", s), fit.segment_deal_sizes[s],
                    wins * fit_months * std::accumulate(rates.begin(), rates.end(), 0.0));
      for (int r = 0; r < 3; ++r) {
        const DealSizeFit& d = fit.cell_deal_sizes[static_cast<std::size_t>(r) * 2 + s];
        add_deal_size(fmt::format("S{} {}", s, kRegions[r]), d, wins * fit_months * rates[r]);
      }
    }
    table.add("sales-cycle mean", fit.cycle.mean, truth.cycle_mean());
    for (const RepRate& rate : fit.rep_rates) {
      const int r = rate.region.empty() ? -1 : fit.region_index(rate.region);
      const double share =
          rate.segment.empty() ? 1.0 : truth.segment_share[fit.segment_index(rate.segment)];
      // A rate's SE is a window total's, whose market part rests on the market variance: with
      // 18 months it was a plug-in from R0's 5 residual degrees of freedom, 0 in 57 of the 300
      // histories (z sd 2.1 there), and R0's rates were reported only; now the posterior mean
      // of one pooled variance (scenarios/calibration.md).
      table.add(fmt::format("rep-month rate {} {}", rate.region.empty() ? "all" : kRegions[r],
                            rate.segment.empty() ? "all" : rate.segment),
                rate.rate, truth.rep_rate(r, share));
    }
  }
  std::printf(
      "%d months: region R0 market sd %.3f (truth %.3f), persistence %.3f sd %.3f (truth %.3f)\n",
      fit_months, dispersion, Truth{}.market_sigma, persistence,
      std::sqrt(persistence_sq - persistence * persistence), Truth{}.market_rho);
  std::printf("| parameter (%d months, %d histories) | z mean | z sd |\n| --- | --- | --- |\n",
              fit_months, kReplications);
  for (const ZScores& s : table.scores()) {
    std::printf("| %s | %+.2f | %.2f |%s\n", s.name.c_str(), s.mean(), s.sd(),
                !s.asserted ? " (reported only)" : (s.calibrated(1.0) ? "" : " FAIL"));
  }
  if (fit_months >= 36) {
    // The persistence itself is unbiased with 36 months (the former lag-ratio correction gave
    // 0.44 for 0.5). Twin: the truth 5% lower, the direction of that bias, is rejected. The
    // band is 3 SE: 5% of 0.5 is 4 SE (0.0063) of this mean, so a 4-SE band rejects the twin
    // only when an unbiased mean happens to fall above the truth (0.503 did, 0.499 does not).
    const double se = std::sqrt((persistence_sq - persistence * persistence) / kReplications);
    auto within_3_se = [&](double expected) { return std::abs(persistence - expected) < 3 * se; };
    EXPECT_TRUE(within_3_se(Truth{}.market_rho)) << persistence << " SE " << se;
    EXPECT_FALSE(within_3_se(0.95 * Truth{}.market_rho)) << persistence << " SE " << se;
  }
  for (const ZScores& s : table.scores()) {
    if (!s.asserted) continue;
    EXPECT_TRUE(s.calibrated(1.0))
        << fit_months << " months, " << s.name << ": z mean " << s.mean() << ", sd " << s.sd();
    // Negative twin: standard errors 20% too small are caught.
    if (conservative.count(s.name) > 0) continue;
    EXPECT_FALSE(s.calibrated(0.8))
        << fit_months << " months, " << s.name << ": z mean " << s.mean() << ", sd " << s.sd();
  }
}

TEST(CalibrationSbc, ThreeYearsZScoresHaveMeanZeroAndSdOne) {
  // Levels rest on the region growths given the likeliest between-region sd: every level is
  // asserted with its twin (with the posterior averaged over that sd the middle region's SE was
  // 11% too large, z sd 0.89: the truth has no region deviation).
  check_sbc(36);
}

// With 18 months every parameter is asserted, the large region's rep-month rates too (z sd
// 1.13-1.42 with a per-region plug-in market variance, 0 in a fifth of the histories; 1.01-1.09
// with the pooled posterior mean). Four SEs 8-16% too large (z sd 0.84-0.92) are asserted
// without their 0.8-scaled twin (scenarios/calibration.md, known shortfall): both growth SEs
// (the sandwich treats the pooled seasonality as 11 free effects, confounded with the trend
// below two years, while the fit shrinks it), the sparse region's seasonality (Morris's term)
// and the large region's S0 win rate. The persistence was estimated at 0.30 for 0.5 (level z sd
// 1.23) before the exact-projection estimator.
TEST(CalibrationSbc, EighteenMonthsZScoresHaveMeanZeroAndSdOne) {
  // Below two years growth and seasonality are partly confounded: the trend is still fitted
  // (it was fixed at 0 below 24 months) and its SE must say how little the data tell.
  // Growth by region: the levels rest on the region growths given the likeliest between-region
  // sd and keep their twins (z sd 0.85 and 0.87 for the two smaller regions with the posterior
  // averaged over that sd).
  check_sbc(18, {"monthly log growth (ML)", "monthly log growth",
                 "seasonality R2 (2.5/month, sparse), 12 months", "win rate S0 R0 (30/month)"});
}

// Regions growing at different known rates (annual log growth -0.10, +0.15 and +0.40, a common
// +0.15 and deviations of -0.25, 0 and +0.25): each region's maximum-likelihood growth recovers
// its truth: z-scores of mean 0 within 4 standard errors and sd not above 1 (the SEs are about
// 20% too large here, see below). Negative twin: the pooled growth taken for every region is
// rejected (outer regions).
TEST(CalibrationSbc, RegionGrowthsRecoverDifferentKnownRates) {
  constexpr int kHistories = 200;
  Truth truth;
  truth.resolutions_per_month = {40.0, 25.0, 15.0};
  truth.monthly_log_growth = 0.15 / 12;
  truth.region_log_growth = {-0.25 / 12, 0.0, 0.25 / 12};
  const FitOptions options = options_for(truth);
  std::vector<ZScores> ml(3), pooled(3);
  for (int i = 0; i < kHistories; ++i) {
    const Calibration fit = fit_history(generate(truth, 9000 + i), options);
    ASSERT_EQ(fit.regions.size(), 3u);
    for (int r = 0; r < 3; ++r) {
      const RegionFit& region = fit.region_fits[fit.region_index(fmt::format("R{}", r))];
      const double beta = truth.growth_of(r);
      ml[r].z.push_back((region.growth_ml.value - beta) / region.growth_ml.se);
      pooled[r].z.push_back((fit.monthly_log_trend.value - beta) / fit.monthly_log_trend.se);
    }
  }
  const double n = kHistories;
  for (int r = 0; r < 3; ++r) {
    std::printf("R%d: ML z mean %+.2f sd %.2f; pooled z mean %+.2f sd %.2f\n", r, ml[r].mean(),
                ml[r].sd(), pooled[r].mean(), pooled[r].sd());
    // Unbiased, and the SEs not too small. They are about 20% too large here (z sd 0.77-0.82):
    // the market factor's sigma is estimated from the residuals of the pooled trend, which the
    // regions' different growths inflate (scenarios/calibration.md, Growth by region).
    EXPECT_TRUE(test::within_4_se(ml[r].mean(), 0.0, ml[r].sd() / std::sqrt(n))) << ml[r].mean();
    EXPECT_LT(ml[r].sd(), 1.0 + 4.0 / std::sqrt(2 * (n - 1))) << r;
  }
  // The pooled growth misses the outer regions (the middle one grows at the common rate).
  EXPECT_FALSE(pooled[0].calibrated(1.0)) << pooled[0].mean();
  EXPECT_FALSE(pooled[2].calibrated(1.0)) << pooled[2].mean();
}

// Simulation-based calibration of the hierarchical posterior of the region growths: per history
// the common growth is drawn from its prior N(0, s0^2) and each region's deviation from
// N(0, s0^2) (s0 = growth_prior_sd / 12, the scale of the between-region sd's half-Cauchy
// prior), so the posterior means and sds give N(0, 1) z-scores. (At fixed truths a shrunk
// estimate is biased toward the common growth, as it should be, so only drawn truths test it.)
// Twin: SEs 20% too small are rejected (the three regions' z-scores together).
TEST(CalibrationSbc, RegionGrowthPosteriorIsCalibrated) {
  constexpr int kHistories = 200;
  boost::random::mt19937 prior_rng(11);
  boost::random::normal_distribution<double> normal;
  std::vector<ZScores> posterior(3), ml(3);
  for (int i = 0; i < kHistories; ++i) {
    Truth truth;
    truth.resolutions_per_month = {40.0, 25.0, 15.0};
    const FitOptions options = options_for(truth);
    const double s0 = options.growth_prior_sd / 12;
    truth.monthly_log_growth = s0 * normal(prior_rng);
    for (double& d : truth.region_log_growth) d = s0 * normal(prior_rng);
    const Calibration fit = fit_history(generate(truth, 11000 + i), options);
    ASSERT_EQ(fit.regions.size(), 3u);
    for (int r = 0; r < 3; ++r) {
      const RegionFit& region = fit.region_fits[fit.region_index(fmt::format("R{}", r))];
      posterior[r].z.push_back((region.growth.value - truth.growth_of(r)) / region.growth.se);
      ml[r].z.push_back((region.growth_ml.value - truth.growth_of(r)) / region.growth_ml.se);
    }
  }
  for (int r = 0; r < 3; ++r) {
    std::printf("R%d: posterior z mean %+.2f sd %.2f (ML %+.2f, %.2f)\n", r, posterior[r].mean(),
                posterior[r].sd(), ml[r].mean(), ml[r].sd());
    EXPECT_TRUE(posterior[r].calibrated(1.0))
        << r << ": " << posterior[r].mean() << " " << posterior[r].sd();
  }
  // Twin over the three regions' z-scores together (one region alone, z sd 0.94, is too close
  // to the band's edge for the 0.8-scaled SEs to leave it).
  ZScores all{"all regions", {}, true, 3};
  for (int i = 0; i < kHistories; ++i) {
    for (int r = 0; r < 3; ++r) all.z.push_back(posterior[r].z[i]);
  }
  EXPECT_TRUE(all.calibrated(1.0)) << all.mean() << " " << all.sd();
  EXPECT_FALSE(all.calibrated(0.8)) << all.mean() << " " << all.sd();
}

TEST(CalibrationSbc, SinceDoesNotBiasTheSalesCycle) {
  // Deals created before --since used to enter the Kaplan-Meier risk set at age 0 with their
  // full age, so only the long ones (still open at --since) were seen: the mean came out high.
  const Truth truth;
  ZScores fixed{"with delayed entry", {}}, naive{"without delayed entry", {}};
  for (int i = 0; i < 100; ++i) {
    const History history = generate(truth, 5000 + i);
    const FitOptions options = options_for(truth);
    const Calibration fit = fit_history(history, options);
    fixed.z.push_back((fit.cycle.mean.value - truth.cycle_mean()) / fit.cycle.mean.se);
    std::vector<int> closed, censored;
    for (const Opportunity& o : history.opportunities) {
      const int age = month_of_day(o.closed.value_or(options.as_of)) - month_of_day(*o.created);
      if (o.closed && *o.closed >= *options.since) closed.push_back(age);
      if (!o.closed) censored.push_back(age);
    }
    const CycleFit old = kaplan_meier_cycle(closed, censored, options.max_cycle_months);
    naive.z.push_back((old.mean.value - truth.cycle_mean()) / fit.cycle.mean.se);
  }
  EXPECT_TRUE(test::within_4_se(fixed.mean(), 0.0, fixed.sd() / 10)) << fixed.mean();
  EXPECT_FALSE(test::within_4_se(naive.mean(), 0.0, naive.sd() / 10)) << naive.mean();
}

// With a short --since window most deals enter the Kaplan-Meier late (delayed entry) and many
// are censored: the cycle mean's SE must carry that (review: the iid sd / sqrt(closes) was 20%
// too small with six months, z sd 1.24 over 100 synthetic exports). With cycles independent
// across deals (no market factor), the bootstrap SE gives z-scores of mean 0 and sd 1; twin:
// SEs 20% smaller are rejected. With this generator's market factor (closes of one month share
// it) the z sd is reported: the deals are then not independent (scenarios/calibration.md).
TEST(CalibrationSbc, SalesCycleSeWithAShortSinceWindow) {
  auto z_scores = [](double market_sigma) {
    Truth truth;
    truth.market_sigma = market_sigma;
    ZScores z{"sales-cycle mean, six-month --since window", {}};
    for (int i = 0; i < 200; ++i) {
      const History history = generate(truth, 7000 + i);
      FitOptions options = options_for(truth);
      options.since = last_day_of_month(truth.cutoff_month - 6) + 1;
      const Calibration fit = fit_history(history, options);
      z.z.push_back((fit.cycle.mean.value - truth.cycle_mean()) / fit.cycle.mean.se);
    }
    return z;
  };
  const ZScores iid = z_scores(0.0);
  const ZScores shocked = z_scores(Truth{}.market_sigma);
  std::printf(
      "sales-cycle mean, six-month window: z mean %+.2f sd %.2f (independent deals), "
      "%+.2f sd %.2f (market factor %.2f)\n",
      iid.mean(), iid.sd(), shocked.mean(), shocked.sd(), Truth{}.market_sigma);
  EXPECT_TRUE(iid.calibrated(1.0)) << iid.mean() << " " << iid.sd();
  EXPECT_FALSE(iid.calibrated(0.8)) << iid.mean() << " " << iid.sd();
}

}  // namespace
}  // namespace opsim::calibration
