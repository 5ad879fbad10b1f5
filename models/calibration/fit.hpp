// Fitting scenario parameters from a sales history as of a cut-off day. Nothing dated after
// the cut-off is read: rows closed after it are open as of the cut-off (the snapshot rule:
// earliest open stage, amount from the list price, never the final value), rows created after
// it do not exist. Formulas: scenarios/calibration.md.
#pragma once

#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "models/calibration/history.hpp"

namespace opsim::calibration {

//! A fitted value with its standard error (NaN when none is defined).
struct Estimate {
  double value = 0.0;
  double se = std::numeric_limits<double>::quiet_NaN();
};

//! Deal-size model written to the scenario. automatic: lognormal unless the Kolmogorov-Smirnov
//! test rejects it (p < kDealSizeRejectP with at least min_cell deals), then empirical.
enum class DealSizeModel { automatic, lognormal, empirical };
inline constexpr double kDealSizeRejectP = 0.01;
//! An opportunity export's first months, which miss the deals created before its first created
//! month, are left out of the monthly count fits until at most this share of a month's
//! resolutions is missing under the fitted sales cycle (scenarios/calibration.md, cut-off).
inline constexpr double kMissingEarlierDealsShare = 0.01;

struct FitOptions {
  int as_of = 0;                     //!< cut-off day: everything after it is invisible
  std::optional<int> since;          //!< resolutions before this day are not used
  double win_prior_strength = -1.0;  //!< pseudo-closes of the shrinkage prior; < 0: empirical Bayes
  double seasonality_prior = -1.0;   //!< < 0: empirical Bayes between-region variance
  double share_prior_strength = 20.0;  //!< pseudo-resolutions pulling segment shares to the pool
  int min_cell = 30;                   //!< fewer observations make a cell thin (warned, pooled)
  DealSizeModel deal_size_model = DealSizeModel::automatic;
  int fiscal_year_start_month = 1;
  int max_cycle_months = 60;
  //! Prior sd of the annual log growth: the fitted trend is shrunk toward 0 by its uncertainty.
  double growth_prior_sd = 0.25;
};

inline constexpr double kOverdispersionP = 0.05;
//! The regions share one market-factor variance unless Cochran's Q test rejects that at this p.
inline constexpr double kMarketPoolingP = 0.05;
//! Fewer cells (segments, or regions within a segment) leave the between-cell variance of win
//! rates unestimable (Morris 1983 needs cells - 3 > 0): the weakest prior (2) is used then.
inline constexpr int kMinPoolingCells = 4;
//! The largest relative level error a scenario's market.level_uncertainty takes (the loader's
//! bound): a region whose SE(level)/level is larger is written with this and a warning.
inline constexpr double kMaxLevelUncertainty = 2.0;
//! Shorter histories keep seasonality flat; with at most as many months the growth is its prior.
inline constexpr int kMinSeasonalityMonths = 12;

struct WinRateCell {
  std::string region;  //!< empty = all regions
  std::string segment;
  int closes = 0;
  int other_closes = 0;  //!< closes outside fiscal-quarter-end months
  int wins = 0;
  double exposure = 0.0;  //!< closes weighted by the quarter-end multiplier
  double raw = 0.0;       //!< wins / exposure
  Estimate rate;          //!< shrunk toward the parent; outside quarter-end months
  double prior_strength = 0.0;
  bool thin = false;
};

struct DealSizeFit {
  std::string region;  //!< empty = all regions
  std::string segment;
  int deals = 0;
  Estimate mu, sigma;  //!< of log amount (maximum likelihood)
  //! Of the amount: the sample mean (SE s / sqrt(n)) and the sample cv, so that the fitted
  //! mean and variance reproduce the amounts' whatever their shape. The cv's SE is the delta
  //! sd of the sample cv under the model the scenario draws from: by a parametric bootstrap
  //! from the fitted lognormal, or by the delta method from the sample's own moments for an
  //! empirical list (`sample_cv_se`).
  Estimate mean, cv;
  double sample_cv_se = 0.0;    //!< NaN with fewer than 2 amounts
  double lognormal_mean = 0.0;  //!< exp(mu + sigma^2 / 2), for comparison
  double ks = 0.0;              //!< Kolmogorov-Smirnov distance to the fitted lognormal
  double ks_p = 1.0;            //!< asymptotic p-value (optimistic: parameters are estimated)
  double anderson_darling = 0.0;
  std::vector<double> sample;  //!< sorted amounts (kept for the empirical option)
  bool thin = false;
  bool empirical = false;  //!< the scenario draws from `sample` (chosen or rejected lognormal)
};

struct CycleFit {
  std::vector<double> pmf;  //!< P(cycle = k months | closes within the observed ages)
  int closed = 0;
  int censored = 0;           //!< open at the cut-off: Kaplan-Meier censored at their age
  double never_closes = 0.0;  //!< Kaplan-Meier mass left after the last observed age
  Estimate mean;
  int median = 0;
};

struct RegionFit {
  std::string id;
  std::vector<double> counts;            //!< resolutions (or bookings) per fit month
  Estimate level;                        //!< de-seasonalised per month, at the first forecast month
  std::array<double, 12> seasonality{};  //!< by calendar month, mean 1, shrunk to the pool
  std::array<double, 12> seasonality_se{};
  double dispersion = 0.0;   //!< sd of log market factor from count overdispersion
  double persistence = 0.0;  //!< AR(1) coefficient of the log market factor
  //! Variance of the fit window's total count beyond Poisson under the fitted market factor
  //! (the sandwich's market part summed over month pairs); rep-month rates' SEs rest on it.
  double market_count_variance = 0.0;
  //! Pearson chi-square test of Poisson counts (df = months - the region's parameters); the
  //! scenario's market factor for the region is on only when p < kOverdispersionP.
  double overdispersion_chi2 = 0.0;
  int overdispersion_df = 0;
  double overdispersion_p = 1.0;
  bool overdispersed() const;
  //! The region's own monthly log growth: maximum likelihood given the fitted seasonality
  //! (sandwich SE), and its posterior mean and sd under the hierarchical prior (a common growth
  //! shrunk toward 0 plus a region deviation of between-region sd estimated from the data).
  Estimate growth_ml, growth;
  std::vector<double> segment_share;  //!< per fitted segment, shrunk to the pooled shares
  //! Absolute month from which the region exists (its first resolution, booking or created
  //! opportunity, at the earliest the fit window's first month): its counts are fitted from
  //! there on; the months before it are not zeros.
  int first_month = 0;
};

struct RepRate {
  std::string region;   //!< empty = all regions
  std::string segment;  //!< empty = all segments
  int resolutions = 0;
  double rep_months = 0.0;
  Estimate rate;  //!< resolutions per active rep-month
};

//! A rep still active at the cut-off (activity within the last kSilentMonths fit months).
struct ActiveRep {
  std::string id;
  std::string region;
  int first_month = 0;  //!< absolute month of its first visible activity
};

//! A deal open as of the cut-off under the snapshot rule.
struct OpenDeal {
  std::string id;
  std::string owner;
  std::string region;
  std::string segment;
  int age_months = 0;            //!< months since creation at the cut-off
  double amount = 0.0;           //!< list price or fitted mean deal size, never the final value
  int expected_close = 0;        //!< absolute month: the first forecast month (timing in the slip)
  double win_probability = 0.0;  //!< segment win rate x P(closes | open at this age)
  bool amount_from_list_price = false;
};

struct Calibration {
  FitOptions options;
  bool opportunities = false;  //!< fitted from opportunities (else from bookings: wins only)
  int first_month = 0;         //!< absolute months of the fit window
  int last_month = 0;
  int forecast_start = 0;  //!< first month after the cut-off
  std::vector<std::string> regions;
  std::vector<std::string> segments;

  int closes = 0, wins = 0;
  double won_amount = 0.0;  //!< won (or booked) amounts visible as of the cut-off
  std::vector<WinRateCell> segment_win_rates;  //!< per segment, shrunk to the overall rate
  std::vector<WinRateCell> cell_win_rates;     //!< region x segment, shrunk to the segment
  Estimate overall_win_rate;
  Estimate quarter_end_multiplier;
  int quarter_end_closes = 0, other_closes = 0;
  double quarter_end_win_rate = 0.0, other_win_rate = 0.0;

  std::vector<DealSizeFit> segment_deal_sizes;  //!< per segment, all regions
  std::vector<DealSizeFit> cell_deal_sizes;     //!< region x segment (thin: segment's used)
  CycleFit cycle;
  std::vector<RegionFit> region_fits;
  std::vector<double> pooled_seasonality;   //!< 12 values, mean 1
  double seasonality_prior_variance = 0.0;  //!< between-region variance used for shrinkage
  double overdispersion = 1.0;              //!< Pearson chi-square / degrees of freedom
  //! Cochran's Q test that the regions' market-factor variances are one (pooled when p >=
  //! kMarketPoolingP, else each region its own).
  double market_homogeneity_p = 1.0;
  double market_pooled_variance = 0.0;  //!< the one sigma^2's posterior mean (pooled or not)
  double market_cochran_q = 0.0;        //!< Cochran's Q of the regions' own sigma^2 estimates
  int market_cochran_df = 0;            //!< its degrees of freedom (informative regions - 1)
  bool market_pooled() const { return market_homogeneity_p >= kMarketPoolingP; }
  bool seasonality_fitted = false, trend_fitted = false;
  Estimate raw_monthly_log_trend;  //!< maximum likelihood, sandwich SE
  Estimate monthly_log_trend;      //!< posterior under N(0, (growth_prior_sd / 12)^2)
  Estimate annual_growth;          //!< e^{12 beta} - 1 of the posterior
  //! Expected squared errors of the regions' posterior mean monthly log growths given the
  //! likeliest between-region sd (row-major R x R; what the forecast draws; zeros when the trend
  //! is not fitted), and the posterior mean of their between-region sd.
  std::vector<double> region_growth_covariance;
  double growth_between_sd = 0.0;
  //! The between-region sd of largest marginal likelihood; the levels rest on the region
  //! growths given it.
  double growth_likeliest_between_sd = 0.0;
  std::vector<RepRate> rep_rates;
  std::vector<ActiveRep> active_reps;
  std::vector<OpenDeal> open_pipeline;
  //! P(close = first forecast month + k | closes), mixed over the open deals' residual cycles.
  std::vector<double> pipeline_slip_pmf{1.0};
  int undated_open_excluded = 0;  //!< open rows without a created date, cut-off before the snapshot
  //! Won amounts of the fiscal year to date: its months before forecast_start, summed per
  //! region, segment and month (region-major, then segment, then month); the scenario's
  //! actuals, so that the year's results add what is already booked.
  struct WonToDate {
    int region = 0, segment = 0, month = 0;
    double amount = 0.0;
  };
  std::vector<WonToDate> year_to_date;
  std::vector<std::string> warnings;

  int region_index(const std::string& id) const;
  int segment_index(const std::string& id) const;
  //! The deal-size fit used for a cell: its own, or the segment's when thin.
  const DealSizeFit& deal_size(int region, int segment) const;
  //! The regions in which `segment` has won deals with an amount, by the model the scenario
  //! draws their amounts from (deal_size(r, segment)): the amounts themselves, or a lognormal.
  struct DrawnDealSizes {
    std::vector<int> empirical, lognormal;
  };
  DrawnDealSizes drawn_deal_sizes(int segment) const;
  const WinRateCell& win_rate(int region, int segment) const;
};

//! Fits everything visible as of options.as_of. Throws InputError when nothing is visible.
Calibration fit_history(const History& history, const FitOptions& options);

//! Posterior of region growths beta_r = beta + delta_r from their estimates b ~ N(beta_r, V)
//! under beta ~ N(0, s0^2) and delta_r ~ N(0, tau^2), tau half-Cauchy with scale s0, averaged
//! over tau by its marginal likelihood (scenarios/calibration.md, Growth by region).
struct RegionGrowthPosterior {
  std::vector<double> mean;
  std::vector<double> covariance;  //!< row-major R x R
  double between_sd = 0.0;         //!< posterior mean of tau
  //! The tau of largest marginal likelihood (0 or a grid point) and the posterior given it
  //! (empty when no tau is admissible).
  double likeliest_between_sd = 0.0;
  std::vector<double> mean_given_likeliest, covariance_given_likeliest;
};
RegionGrowthPosterior region_growth_posterior(const std::vector<double>& estimates,
                                              const std::vector<double>& covariance,
                                              double prior_sd);

//! Lognormal maximum-likelihood fit with Kolmogorov-Smirnov and Anderson-Darling statistics.
DealSizeFit fit_lognormal(std::vector<double> amounts);

//! Posterior-mean shrinkage of successes/exposure toward `parent` with `strength` pseudo-trials;
//! the standard error adds the parent's own uncertainty in proportion to its weight.
//! `extra_variance`: of the cell's own rate from elsewhere (the fitted quarter-end multiplier).
Estimate shrink_rate(double successes, double exposure, double parent, double strength,
                     double parent_se = 0.0, double extra_variance = 0.0);

//! Empirical-Bayes prior strength for rates of several cells around `parent` (method of
//! moments on the between-cell variance), clamped to [2, 1e4].
double empirical_prior_strength(const std::vector<double>& successes,
                                const std::vector<double>& exposures, double parent);

//! Discrete Kaplan-Meier on months: `closed` holds cycle lengths, `censored` the ages of deals
//! still open. Returns the hazard-based mass for k = 0..max_months-1 and the mass left after.
//! Entries (left truncation, same order; empty = all 0): the age from which each deal was
//! observable; it is in the risk set at ages entry..exit only. The mean's SE is the sd over a
//! bootstrap of the deals (fixed seed), so it carries the censoring and the delayed entry.
CycleFit kaplan_meier_cycle(const std::vector<int>& closed, const std::vector<int>& censored,
                            int max_months, const std::vector<int>& closed_entry = {},
                            const std::vector<int>& censored_entry = {});

//! The sales cycle as a scenario's `cycle_months` means it. Kaplan-Meier follows deals from
//! their creation (the cohort view); the engine draws the cycle of each deal that resolves in a
//! month (the resolution view). When the flow grows by e^beta a month, a cohort meets more
//! resolving deals at older ages, P_cohort(k) ∝ P_resolution(k) e^{beta k}, so the scenario's
//! pmf is the fitted one times e^{-beta k}, normalised (beta: the fitted monthly log trend).
std::vector<double> resolution_cycle_pmf(const Calibration& fit);

}  // namespace opsim::calibration
