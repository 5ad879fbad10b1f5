// The scenario written from a fit: region-level intensity or a roster of the active reps give
// the same expected resolutions in the first forecast month; the fitted parameters' estimation
// error is written as distributions with the fit's estimates and standard errors.
#include "sim/io/calibration_output.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include <fmt/format.h>

#include "sim/engine/runner.hpp"
#include "sim/io/assumptions.hpp"
#include "sim/io/deal_export.hpp"
#include "sim/io/scenario_loader.hpp"
#include "tests/scenario_builder.hpp"
#include "tests/shared_data.hpp"

namespace opsim {
namespace {

using calibration::Calibration;
using calibration::Estimate;

TEST(CalibratedScenario, RepRosterMatchesRegionIntensity) {
  OPSIM_REQUIRE_DATA_OR_SKIP(!test::shared_data_dir().empty(), "../shared/data is absent");
  ReadReport report;
  const calibration::History history = read_history(test::maven_source(), report);
  calibration::FitOptions options;
  options.as_of = calibration::day_number(2017, 9, 30);
  const calibration::Calibration fit = calibration::fit_history(history, options);
  ScenarioRequest request;
  const Scenario regional = build_scenario(calibrated_scenario(fit, request), "region.json", ".");
  request.rep_roster = true;
  const Scenario roster = build_scenario(calibrated_scenario(fit, request), "reps.json", ".");
  EXPECT_TRUE(roster.intensities.empty());
  EXPECT_EQ(roster.seats.size(), fit.active_reps.size() * fit.segments.size());
  EXPECT_GE(fit.active_reps.size(), 20u);
  std::vector<double> by_region(regional.region_count(), 0.0),
      by_seats(regional.region_count(), 0.0);
  for (const IntensitySpec& spec : regional.intensities)
    by_region[spec.region] += spec.opportunities[0];
  // Month 0: growth 1; the fields hold the distributions' means (seasonality is flat with 7
  // months of history).
  const double season_growth = 1.0;
  for (const Seat& seat : roster.seats) {
    by_seats[seat.region] +=
        roster.params_at(seat.region, seat.segment, 0).opportunity_rate * season_growth;
  }
  for (int r = 0; r < regional.region_count(); ++r)
    EXPECT_NEAR(by_seats[r], by_region[r], 1e-9 * by_region[r]);
}

//! The distribution's mean and sd equal the estimate and its standard error (relative 1e-9).
bool carries(const Distribution& d, const Estimate& e) {
  return std::abs(d.mean() - e.value) <= 1e-9 * e.value &&
         std::abs(std::sqrt(d.variance()) - e.se) <= 1e-9 * e.se;
}

//! Expects the uncertain parameter at `pointer` to carry `e`, and not `e` with its SE x 1.05.
void expect_carries(const std::map<std::string, Distribution>& drawn, const std::string& pointer,
                    const Estimate& e) {
  SCOPED_TRACE(pointer);
  const auto it = drawn.find(pointer);
  ASSERT_NE(it, drawn.end()) << "not drawn";
  EXPECT_TRUE(carries(it->second, e))
      << describe_distribution(it->second) << " vs " << e.value << " ± " << e.se;
  EXPECT_FALSE(carries(it->second, {e.value, 1.05 * e.se}));  // negative twin
}

//! Deals exported by the engine: 30 months of a seasonal, growing business in two regions.
calibration::History engine_history(const test::TempDir& dir) {
  nlohmann::json doc = test::base_document(30);
  doc["regions"] = {{{"id", "NA"}, {"seasonality", {1.3, 0.8, 1, 1, 1, 1.2, 0.7, 1, 1, 1, 1, 1}}},
                    {{"id", "EMEA"}}};
  doc["segments"] = {{{"id", "SMB"},
                      {"win_rate", 0.3},
                      {"deal_size", {{"mean", 3000.0}, {"cv", 0.5}}},
                      {"cycle_months", {0.3, 0.4, 0.3}},
                      {"productivity_growth", 0.2}},
                     {{"id", "ENT"},
                      {"win_rate", 0.2},
                      {"deal_size", {{"mean", 20000.0}, {"cv", 0.8}}},
                      {"cycle_months", {0.1, 0.4, 0.5}}}};
  doc["overrides"] = {{{"region", "EMEA"}, {"segment", "SMB"}, {"set", {{"win_rate", 0.4}}}}};
  doc["new_business_intensity"] = {
      {{"region", "NA"}, {"segment", "SMB"}, {"opportunities_per_month", 60}},
      {{"region", "NA"}, {"segment", "ENT"}, {"opportunities_per_month", 15}},
      {{"region", "EMEA"}, {"segment", "SMB"}, {"opportunities_per_month", 40}},
      {{"region", "EMEA"}, {"segment", "ENT"}, {"opportunities_per_month", 10}}};
  const std::string path = (dir / "deals.csv").string();
  export_deals(path, test::scenario_from_json(doc), 3, 0);
  HistorySource source;
  source.opportunities = TableSource{path, {}};
  ReadReport report;
  return read_history(source, report);
}

//! The engine's history fitted as of 2029-03 (cells of 10 closes or more).
Calibration engine_fit() {
  test::TempDir dir;
  calibration::FitOptions options;
  options.as_of = calibration::day_number(2029, 3, 31);
  options.min_cell = 10;
  return calibration::fit_history(engine_history(dir), options);
}

TEST(CalibratedScenario, DrawnParametersCarryTheFitsEstimatesAndStandardErrors) {
  test::TempDir dir;
  calibration::FitOptions options;
  options.as_of = calibration::day_number(2029, 3, 31);
  options.min_cell = 10;
  const Calibration fit = calibration::fit_history(engine_history(dir), options);
  ASSERT_TRUE(fit.seasonality_fitted);
  ScenarioRequest request;
  const nlohmann::json doc = calibrated_scenario(fit, request);
  const Scenario scenario = build_scenario(doc, "fitted.json", ".");
  std::map<std::string, Distribution> drawn;
  for (const UncertainParameter& p : scenario.uncertain) drawn[p.pointer] = p.distribution;

  for (std::size_t s = 0; s < fit.segments.size(); ++s) {
    expect_carries(drawn, fmt::format("/segments/{}/win_rate", s), fit.segment_win_rates[s].rate);
    EXPECT_EQ(drawn.at(fmt::format("/segments/{}/win_rate", s)).family, Distribution::Family::beta);
    const auto& size = fit.segment_deal_sizes[s];
    ASSERT_FALSE(size.empirical);
    expect_carries(drawn, fmt::format("/segments/{}/deal_size/mean", s), size.mean);
  }
  int cells = 0;
  for (std::size_t i = 0; i < doc["overrides"].size(); ++i) {
    const nlohmann::json& set = doc["overrides"][i]["set"];
    const int r = fit.region_index(doc["overrides"][i]["region"]);
    const int s = fit.segment_index(doc["overrides"][i]["segment"]);
    if (set.contains("win_rate")) {
      ++cells;
      expect_carries(drawn, fmt::format("/overrides/{}/set/win_rate", i), fit.win_rate(r, s).rate);
    }
    if (set.contains("deal_size"))
      expect_carries(drawn, fmt::format("/overrides/{}/set/deal_size/mean", i),
                     fit.deal_size(r, s).mean);
  }
  EXPECT_GE(cells, 1);
  int indices = 0;
  for (std::size_t r = 0; r < fit.region_fits.size(); ++r) {
    for (int c = 0; c < 12; ++c) {
      const Estimate index{fit.region_fits[r].seasonality[c], fit.region_fits[r].seasonality_se[c]};
      if (!(index.se > 0)) continue;
      ++indices;
      expect_carries(drawn, fmt::format("/regions/{}/seasonality/{}", r, c), index);
    }
  }
  EXPECT_EQ(indices, 24);

  // --no-parameter-uncertainty: plain numbers, nothing drawn but the fitted market factor.
  request.parameter_uncertainty = false;
  const nlohmann::json fixed = calibrated_scenario(fit, request);
  EXPECT_FALSE(has_distributions(fixed));
  EXPECT_FALSE(fixed.contains("market") && fixed["market"].contains("level_uncertainty"));
}

// Growth by region: every region grows at its posterior growth e^{12 beta_r} - 1 (segments
// keep the pooled one, overrides set the region's), and the growth error drawn per trial, a
// shared part plus the region's own, has the fit's error variance C*_rr of the region's growth
// exactly (region_growth_covariance; twin: 1.05 C*_rr is not matched).
TEST(CalibratedScenario, RegionGrowthsAndTheirPosteriorVariances) {
  test::TempDir dir;
  calibration::FitOptions options;
  options.as_of = calibration::day_number(2029, 3, 31);
  options.min_cell = 10;
  const Calibration fit = calibration::fit_history(engine_history(dir), options);
  ASSERT_TRUE(fit.trend_fitted);
  const int R = static_cast<int>(fit.regions.size());
  ASSERT_EQ(fit.region_growth_covariance.size(), static_cast<std::size_t>(R * R));
  const Scenario scenario = build_scenario(calibrated_scenario(fit, {}), "fitted.json", ".");
  const MarketSpec& market = scenario.market;
  ASSERT_EQ(market.region_growth_uncertainty.size(), static_cast<std::size_t>(R));
  for (int r = 0; r < R; ++r) {
    SCOPED_TRACE(fit.regions[r]);
    const int region = r;  // written in the fit's order
    ASSERT_EQ(scenario.regions[region].id, fit.regions[r]);
    const double variance = market.growth_uncertainty * market.growth_uncertainty +
                            std::pow(market.region_growth_uncertainty[region], 2);
    const double posterior = fit.region_growth_covariance[r * R + r];
    EXPECT_GT(posterior, 0);
    EXPECT_NEAR(variance, posterior, 1e-9 * posterior);
    EXPECT_GT(std::abs(variance - 1.05 * posterior), 1e-9 * posterior);  // twin
    for (int s = 0; s < static_cast<int>(fit.segments.size()); ++s) {
      EXPECT_NEAR(scenario.params_at(region, s, 0).productivity_growth,
                  std::expm1(12 * fit.region_fits[r].growth.value), 1e-12);
    }
  }
}

TEST(CalibrationReport, BetweenRegionGrowthSdIsPerYearInTheJsonAsInTheText) {
  // The JSON report gave the between-region sd of the growth per month where the text report
  // prints it per year (review): both now give the sd of the annual log growth, 12 tau.
  const Calibration fit = engine_fit();
  ASSERT_TRUE(fit.trend_fitted);
  ASSERT_GT(fit.growth_between_sd, 0.0);
  const nlohmann::json trend = fit_report_json(fit, ReadReport{})["trend"];
  EXPECT_FALSE(trend.contains("between_region_sd")) << trend;
  const double per_year = trend["between_region_sd_per_year"].get<double>();
  EXPECT_DOUBLE_EQ(per_year, 12 * fit.growth_between_sd);
  EXPECT_DOUBLE_EQ(trend["likeliest_between_region_sd_per_year"].get<double>(),
                   12 * fit.growth_likeliest_between_sd);
  const std::string text = fit_report_text(fit, ReadReport{});
  auto printed = [&](double sd) {
    return text.find(fmt::format("between-region sd {:.4f} per year", sd)) != std::string::npos;
  };
  EXPECT_TRUE(printed(per_year)) << text;
  EXPECT_FALSE(printed(1.05 * per_year));  // twin
  EXPECT_FALSE(printed(per_year / 12));    // the former JSON unit
}

TEST(CalibratedScenario, EmpiricalDealSizesCarryTheMeansErrorAsAScale) {
  // Two clusters of order values: the lognormal is rejected and the amounts are written.
  calibration::History history;
  for (int i = 0; i < 600; ++i) {
    history.bookings.push_back({calibration::day_number(2018, 1, 1) + i * 730 / 600, "East", "SMB",
                                i % 2 ? 100.0 + i % 7 : 10000.0 + i % 11,
                                static_cast<std::size_t>(i + 2)});
  }
  calibration::FitOptions options;
  options.as_of = calibration::day_number(2019, 12, 31);
  const Calibration fit = calibration::fit_history(history, options);
  const calibration::DealSizeFit& size = fit.segment_deal_sizes.at(0);
  ASSERT_TRUE(size.empirical);
  const Scenario scenario = build_scenario(calibrated_scenario(fit, {}), "fitted.json", ".");
  std::map<std::string, Distribution> drawn;
  for (const UncertainParameter& p : scenario.uncertain) drawn[p.pointer] = p.distribution;
  expect_carries(drawn, "/segments/0/deal_size/scale", {1.0, size.mean.se / size.mean.value});
  // At the scale's mean the amounts are the sample's: the mean deal size is the sample mean.
  EXPECT_NEAR(scenario.params_at(0, 0, 0).deal_size.mean, size.mean.value, 1e-9 * size.mean.value);
  // A bookings log has win rate 1: nothing to draw.
  EXPECT_EQ(drawn.count("/segments/0/win_rate"), 0u);
}

//! One region and segment set by hand: 400 resolutions a month (level SE 20%), win rate
//! 0.3 ± 0.05, deals of exactly 1,000 ± 150 (cv 0), flat seasonality, no growth, no market
//! factor and no open pipeline.
Calibration hand_fit() {
  Calibration fit;
  fit.options.as_of = calibration::day_number(2026, 12, 31);
  fit.opportunities = true;
  fit.first_month = 2025 * 12;
  fit.last_month = 2026 * 12 + 11;
  fit.forecast_start = 2027 * 12;
  fit.regions = {"NA"};
  fit.segments = {"SMB"};
  calibration::RegionFit region;
  region.id = "NA";
  region.level = {400.0, 80.0};
  region.seasonality.fill(1.0);
  region.segment_share = {1.0};
  fit.region_fits = {region};
  calibration::WinRateCell rate;
  rate.segment = "SMB";
  rate.rate = {0.3, 0.05};
  fit.segment_win_rates = {rate};
  rate.region = "NA";
  fit.cell_win_rates = {rate};
  calibration::DealSizeFit size;
  size.segment = "SMB";
  size.deals = 500;
  size.mean = {1000.0, 150.0};
  size.cv = {0.0, 0.0};
  fit.segment_deal_sizes = {size};
  size.region = "NA";
  size.thin = true;
  fit.cell_deal_sizes = {size};
  fit.quarter_end_multiplier = {1.0, 0.0};
  fit.cycle.pmf = {1.0};
  return fit;
}

TEST(CalibratedScenario, ParameterUncertaintyAddsTheExpectedForecastVariance) {
  // Bookings in the first forecast month: B = M W with W | L, p ~ Poisson(400 L p), L the
  // mean-1 lognormal level factor (sd of log 0.2), p ~ beta, M the drawn deal size. Then
  // E[W^2] = 400 p + 400^2 e^{0.04} (p^2 + se_p^2), E[M^2] = m^2 + se_m^2 and
  // Var B = E[M^2] E[W^2] - (m 400 p)^2; without the uncertainty Var B = m^2 400 p.
  ScenarioRequest request;
  request.months = 1;
  request.open_pipeline = false;
  auto variance = [](double se_scale) {
    const double lambda = 400, p = 0.3, se_p = 0.05 * se_scale, m = 1000, se_m = 150 * se_scale;
    const double l = 0.2 * se_scale;
    const double w2 = lambda * p + lambda * lambda * std::exp(l * l) * (p * p + se_p * se_p);
    return (m * m + se_m * se_m) * w2 - std::pow(m * lambda * p, 2);
  };
  // The Poisson-only variance needs 80,000 trials for its twin: a sample variance's relative SE
  // is about sqrt(2 / n), 1% at 20,000 trials, where a 5% bias is only 1 SE past the 4-SE band.
  const std::uint64_t n_on = 20'000, n_off = 80'000;
  auto bookings = [&](bool uncertain, std::uint64_t n) {
    request.parameter_uncertainty = uncertain;
    const Scenario scenario =
        build_scenario(calibrated_scenario(hand_fit(), request), "h.json", ".");
    const RunResult result = test::run(scenario, n, 17);
    return test::sample_moments(test::period_column(
        result, test::period_index(result.layout, "FY2027"), Metric::new_bookings));
  };
  const test::SampleMoments on = bookings(true, n_on), off = bookings(false, n_off);
  auto variance_se = [](const test::SampleMoments& m, std::uint64_t n) {
    return std::sqrt((m.m4 - m.variance * m.variance) / static_cast<double>(n));
  };
  EXPECT_TRUE(test::within_4_se(on.mean, 1000 * 400 * 0.3,
                                std::sqrt(on.variance / static_cast<double>(n_on))));
  EXPECT_TRUE(test::within_4_se(on.variance, variance(1.0), variance_se(on, n_on))) << on.variance;
  EXPECT_FALSE(test::within_4_se(on.variance, variance(1.05), variance_se(on, n_on)));  // twin
  const double poisson = 1000.0 * 1000.0 * 400 * 0.3;
  EXPECT_TRUE(test::within_4_se(off.variance, poisson, variance_se(off, n_off))) << off.variance;
  EXPECT_FALSE(test::within_4_se(off.variance, 1.05 * poisson, variance_se(off, n_off)));
}

TEST(CalibratedScenario, OpenPipelineWonAmountsVaryAsTheFittedDealSizes) {
  // An open deal's amount is the fitted mean m (the snapshot rule never reads its final value);
  // won, it books as the cell's won deals do: m R, R lognormal with mean 1 and the fitted cv c.
  // 200 deals closing in the first month, each won with p: Var = 200 m^2 (p (1 + c^2) - p^2).
  // (The fixed amount gave 200 m^2 p (1 - p), half of it: one-month intervals too narrow.)
  Calibration fit = hand_fit();
  fit.region_fits[0].level = {1.0, 0.2};  // new business aside
  fit.segment_deal_sizes[0].cv = {0.8, 0.02};
  fit.cell_deal_sizes[0].cv = {0.8, 0.02};
  for (int i = 0; i < 200; ++i) {
    calibration::OpenDeal deal;
    deal.id = fmt::format("D{}", i);
    deal.region = "NA";
    deal.segment = "SMB";
    deal.amount = 1000.0;
    deal.expected_close = fit.forecast_start;
    deal.win_probability = 0.3;
    fit.open_pipeline.push_back(deal);
  }
  ScenarioRequest request;
  request.months = 1;
  request.parameter_uncertainty = false;
  const Scenario scenario = build_scenario(calibrated_scenario(fit, request), "p.json", ".");
  constexpr std::uint64_t n = 40'000;
  const RunResult result = test::run(scenario, n, 23);
  const test::SampleMoments won = test::sample_moments(test::period_column(
      result, test::period_index(result.layout, "FY2027"), Metric::pipeline_bookings));
  const double expected = 200 * 1000.0 * 1000.0 * (0.3 * (1 + 0.8 * 0.8) - 0.3 * 0.3);
  const double se = std::sqrt((won.m4 - won.variance * won.variance) / static_cast<double>(n));
  EXPECT_TRUE(test::within_4_se(won.mean, 200 * 1000.0 * 0.3, std::sqrt(won.variance / n)));
  EXPECT_TRUE(test::within_4_se(won.variance, expected, se)) << won.variance << " vs " << expected;
  EXPECT_FALSE(test::within_4_se(won.variance, 1.05 * expected, se));  // negative twin
}

}  // namespace
}  // namespace opsim
