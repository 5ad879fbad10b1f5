// Fitting rules: shrinkage, lognormal MLE, Kaplan-Meier cycles, the snapshot rule on a
// hand-made export, and no look-ahead (rows after the cut-off can change freely).
#include <gtest/gtest.h>

#include <fstream>

#include <fmt/format.h>

#include "models/calibration/fit.hpp"
#include "sim/engine/runner.hpp"
#include "sim/io/calibration_output.hpp"
#include "sim/io/deal_export.hpp"
#include "sim/io/history_reader.hpp"
#include "sim/io/scenario_loader.hpp"
#include "tests/scenario_builder.hpp"
#include "tests/shared_data.hpp"

namespace opsim::calibration {
namespace {

TEST(Shrinkage, PosteriorMeanMovesThinCellsToTheParent) {
  // (wins + k p) / (n + k): 0 of 2 with k = 20 around 0.4 gives 8 / 22.
  const Estimate thin = shrink_rate(0, 2, 0.4, 20);
  EXPECT_DOUBLE_EQ(thin.value, 8.0 / 22.0);
  EXPECT_NEAR(thin.se, std::sqrt(thin.value * (1 - thin.value) / 23), 1e-15);
  // A large cell keeps its own rate.
  EXPECT_NEAR(shrink_rate(900, 1000, 0.4, 20).value, (900 + 8) / 1020.0, 1e-15);
  // Cells that differ only by binomial noise pool completely; real differences do not.
  EXPECT_EQ(empirical_prior_strength({50, 50}, {100, 100}, 0.5), 1e4);
  EXPECT_LT(empirical_prior_strength({20, 80}, {100, 100}, 0.5), 10);
}

TEST(DealSize, LognormalMaximumLikelihoodByHand) {
  const std::vector<double> amounts{std::exp(1.0), std::exp(2.0), std::exp(3.0)};
  const DealSizeFit fit = fit_lognormal(amounts);
  const double sigma = std::sqrt(2.0 / 3.0);  // MLE: divide by n
  EXPECT_NEAR(fit.mu.value, 2.0, 1e-12);
  EXPECT_NEAR(fit.sigma.value, sigma, 1e-12);
  EXPECT_NEAR(fit.mu.se, sigma / std::sqrt(3.0), 1e-12);
  EXPECT_NEAR(fit.mean.value, std::exp(2.0 + sigma * sigma / 2), 1e-9);
  EXPECT_NEAR(fit.cv.value, std::sqrt(std::expm1(sigma * sigma)), 1e-12);
  EXPECT_GT(fit.ks, 0.0);
  EXPECT_LE(fit.ks, 1.0);
}

TEST(Cycle, KaplanMeierByHand) {
  // At risk 5 at k=0 (1 closes), 4 at k=1 (2 close, 1 censored), 1 at k=2 (1 closes).
  const CycleFit fit = kaplan_meier_cycle({0, 1, 1, 2}, {1}, 60);
  ASSERT_EQ(fit.pmf.size(), 3u);
  EXPECT_NEAR(fit.pmf[0], 0.2, 1e-15);
  EXPECT_NEAR(fit.pmf[1], 0.4, 1e-15);
  EXPECT_NEAR(fit.pmf[2], 0.4, 1e-15);
  EXPECT_NEAR(fit.never_closes, 0.0, 1e-15);
  EXPECT_EQ(fit.median, 1);
  // Ignoring the censored deal would give 1/4, 2/4, 1/4.
}

History read(const std::string& opportunities, const std::string& products = "") {
  HistorySource source;
  source.opportunities = TableSource{opportunities, {}};
  if (!products.empty()) source.products = TableSource{products, {}};
  ReadReport report;
  return read_history(source, report);
}

TEST(SnapshotRule, StraddlingDealsAreOpenAtListPrice) {
  test::TempDir dir;
  const std::string products =
      dir.write("products.csv", "product,list_price\nPro,1000\nBasic,100\n");
  // Cut-off 2017-06-30. W1/L1 resolved before it; S1 straddles (won later for 99999);
  // S2 straddles and is still open; N1 is created after the cut-off; U1 is open and undated.
  const std::string export_csv = dir.write("pipeline.csv",
                                           "id,region,product,stage,created,closed,amount\n"
                                           "W1,East,Pro,Won,2017-01-10,2017-03-05,1200\n"
                                           "W2,East,Pro,Won,2017-02-10,2017-04-05,800\n"
                                           "L1,East,Basic,Lost,2017-02-01,2017-05-20,0\n"
                                           "S1,East,Pro,Won,2017-05-01,2017-08-15,99999\n"
                                           "S2,East,Basic,Engaging,2017-06-01,,\n"
                                           "N1,East,Pro,Won,2017-07-02,2017-07-30,5000\n"
                                           "U1,East,Pro,Prospecting,,,\n");
  const History history = read(export_csv, products);
  FitOptions options;
  options.as_of = day_number(2017, 6, 30);
  const Calibration fit = fit_history(history, options);
  EXPECT_EQ(fit.closes, 3);
  EXPECT_EQ(fit.wins, 2);
  ASSERT_EQ(fit.open_pipeline.size(), 2u);
  EXPECT_EQ(fit.open_pipeline[0].id, "S1");
  EXPECT_DOUBLE_EQ(fit.open_pipeline[0].amount, 1000.0);  // list price, not 99999
  EXPECT_TRUE(fit.open_pipeline[0].amount_from_list_price);
  EXPECT_EQ(fit.open_pipeline[0].age_months, 1);
  EXPECT_EQ(fit.open_pipeline[1].id, "S2");
  EXPECT_DOUBLE_EQ(fit.open_pipeline[1].amount, 100.0);
  EXPECT_EQ(fit.undated_open_excluded, 1);  // U1: its creation is unknown before the export date
  EXPECT_EQ(fit.cycle.censored, 2);
  EXPECT_EQ(fit.forecast_start, 2017 * 12 + 6);
  // As of the export's own date the undated row is open too.
  options.as_of = day_number(2017, 12, 31);
  EXPECT_EQ(fit_history(history, options).open_pipeline.size(), 2u);  // S2 and U1
}

//! The scenario written from a fit: equal documents mean equal forecasts.
nlohmann::json fitted_document(const History& history, int as_of) {
  FitOptions options;
  options.as_of = as_of;
  ScenarioRequest request;
  request.months = 6;
  return calibrated_scenario(fit_history(history, options), request);
}

TEST(NoLookAhead, RowsAfterTheCutoffDoNotChangeTheFitOrTheForecast) {
  // Data from the engine: 24 months of a small rep team.
  nlohmann::json doc = test::base_document(24);
  doc["regions"] = {{{"id", "NA"}}, {{"id", "EMEA"}}};
  doc["segments"][0] = {{"id", "SMB"},
                        {"opportunity_rate", 2.0},
                        {"win_rate", 0.3},
                        {"deal_size", {{"mean", 3000.0}, {"cv", 0.5}}},
                        {"cycle_months", {0.3, 0.4, 0.3}}};
  nlohmann::json reps = nlohmann::json::array();
  for (int i = 0; i < 12; ++i) {
    reps.push_back({{"id", fmt::format("R{}", i)},
                    {"region", i % 2 ? "NA" : "EMEA"},
                    {"segment", "SMB"},
                    {"start", "2025-01"}});
  }
  doc["roster"] = {{"reps", reps}};
  const Scenario scenario = test::scenario_from_json(doc);
  test::TempDir dir;
  const std::string path = (dir / "deals.csv").string();
  export_deals(path, scenario, 11, 0);
  const History history = read(path);
  const int as_of = day_number(2028, 3, 31);
  const nlohmann::json reference = fitted_document(history, as_of);

  History perturbed = history;
  int changed = 0;
  for (Opportunity& o : perturbed.opportunities) {
    const bool closed_after = o.closed && *o.closed > as_of;
    if (!closed_after) continue;
    ++changed;
    o.outcome = o.outcome == Outcome::won ? Outcome::lost : Outcome::won;
    o.amount = o.amount.value_or(0.0) * 7 + 1;
    *o.closed += 40;
    if (o.created && *o.created > as_of) *o.created += 3;  // created after: invisible altogether
  }
  ASSERT_GT(changed, 50);
  const nlohmann::json after = fitted_document(perturbed, as_of);
  EXPECT_EQ(reference, after);
  const auto forecast = [](const nlohmann::json& d) {
    return test::run(build_scenario(d, "fitted.json", "."), 200, 3).period_values;
  };
  EXPECT_EQ(forecast(reference), forecast(after));

  // The negative twin: a change on or before the cut-off is seen.
  History earlier = history;
  for (Opportunity& o : earlier.opportunities) {
    if (o.closed && *o.closed <= as_of && o.outcome == Outcome::lost) {
      o.outcome = Outcome::won;
      break;
    }
  }
  EXPECT_NE(reference, fitted_document(earlier, as_of));
}

TEST(NoLookAhead, MavenFitAndForecastIgnoreEverythingAfterTheCutoff) {
  OPSIM_REQUIRE_DATA_OR_SKIP(!test::shared_data_dir().empty(), "../shared/data is absent");
  ReadReport report;
  const History history = read_history(test::maven_source(), report);
  const int as_of = day_number(2017, 7, 31);
  const nlohmann::json reference = fitted_document(history, as_of);
  History perturbed = history;
  int straddling = 0;
  for (Opportunity& o : perturbed.opportunities) {
    const bool after = o.closed ? *o.closed > as_of : o.outcome == Outcome::open;
    if (!after) continue;
    straddling += o.created && *o.created <= as_of;
    o.outcome = o.outcome == Outcome::won ? Outcome::lost : Outcome::won;
    o.amount = 1e6;
    o.closed = as_of + 30;
  }
  ASSERT_GT(straddling, 500);
  EXPECT_EQ(reference, fitted_document(perturbed, as_of));
  EXPECT_EQ(reference["pipeline"]["deals"].size(), static_cast<std::size_t>(straddling));
}

}  // namespace
}  // namespace opsim::calibration
