// Builds scenarios from inline JSON for tests.
#pragma once

#include <nlohmann/json.hpp>

#include "models/scenario.hpp"
#include "sim/engine/runner.hpp"
#include "sim/io/scenario_loader.hpp"

namespace opsim::test {

inline Scenario scenario_from_json(const nlohmann::json& document) {
  return build_scenario(document, "test.json", ".");
}

//! A minimal document: one region (USD), one segment, `months` months from 2027-01, fiscal
//! year = calendar year; callers add sections.
inline nlohmann::json base_document(int months = 12) {
  return {{"schema_version", 1},
          {"horizon", {{"start", "2027-01"}, {"months", months}, {"reporting_currency", "USD"}}},
          {"regions", {{{"id", "NA"}}}},
          {"segments", {{{"id", "SMB"}}}}};
}

inline RunResult run(const Scenario& scenario, std::uint64_t trials, std::uint64_t seed = 1,
                     int threads = 2, std::uint64_t first = 0, std::uint64_t block = 64) {
  RunOptions options;
  options.first_trial = first;
  options.end_trial = first + trials;
  options.seed = seed;
  options.threads = threads;
  options.block_trials = block;
  return run_trials(scenario, options);
}

//! Per-trial values of one fiscal-period cell (period p, total region and segment).
//! Two runs' per-trial results (periods, seats, months and the monthly moments) agree bit for
//! bit.
inline void expect_identical(const RunResult& a, const RunResult& b) {
  ASSERT_EQ(a.trials(), b.trials());
  EXPECT_EQ(a.period_values, b.period_values);  // exact, bit for bit
  EXPECT_EQ(a.seat_values, b.seat_values);
  EXPECT_EQ(a.monthly_values, b.monthly_values);
  EXPECT_EQ(a.headline_values, b.headline_values);
  EXPECT_EQ(a.product_values, b.product_values);
  const Moments ma = a.monthly_moments.finish();
  const Moments mb = b.monthly_moments.finish();
  EXPECT_EQ(ma.mean, mb.mean);
  EXPECT_EQ(ma.variance, mb.variance);
}

inline std::vector<double> period_column(const RunResult& result, std::size_t period, Metric metric,
                                         int region = -1, int segment = -1) {
  const auto& layout = result.layout;
  const int r = region < 0 ? layout.regions - 1 : region;
  const int s = segment < 0 ? layout.segments - 1 : segment;
  std::vector<double> out;
  for (std::uint64_t t = 0; t < result.trials(); ++t) {
    out.push_back(result.period_values[t * layout.period_cells() + period * layout.cells() +
                                       layout.cell(r, s, static_cast<int>(metric))]);
  }
  return out;
}

struct SampleMoments {
  double mean = 0, variance = 0, m4 = 0;
  std::size_t n = 0;
};

inline SampleMoments sample_moments(const std::vector<double>& x) {
  SampleMoments m;
  m.n = x.size();
  for (double v : x) m.mean += v;
  m.mean /= static_cast<double>(m.n);
  for (double v : x) {
    const double d = v - m.mean;
    m.variance += d * d;
    m.m4 += d * d * d * d;
  }
  m.m4 /= static_cast<double>(m.n);
  m.variance /= static_cast<double>(m.n - 1);
  return m;
}

//! |estimate - expected| <= 4 standard errors.
inline bool within_4_se(double estimate, double expected, double standard_error) {
  return std::abs(estimate - expected) <= 4 * standard_error;
}

}  // namespace opsim::test

namespace opsim::test {

inline std::size_t period_index(const ResultLayout& layout, const std::string& label) {
  for (std::size_t p = 0; p < layout.periods.size(); ++p) {
    if (layout.periods[p].label == label) return p;
  }
  throw std::out_of_range("no period " + label);
}

//! A mixed scenario touching every model, for determinism tests.
inline nlohmann::json mixed_document() {
  nlohmann::json doc = base_document(18);
  doc["horizon"]["fiscal_year_start_month"] = 2;
  doc["fx"] = {{"currencies", {{{"code", "EUR"}, {"plan_rate", 1.1}, {"annual_volatility", 0.1}}}}};
  doc["regions"] = {{{"id", "NA"}}, {{"id", "EMEA"}, {"currency", "EUR"}}};
  doc["ramp_curves"] = {{{"id", "r"}, {"fraction", {0.2, 0.5, 0.8}}}};
  doc["segments"] = {{{"id", "SMB"},
                      {"opportunity_rate", 4},
                      {"win_rate", 0.3},
                      {"quarter_end_win_multiplier", 1.2},
                      {"deal_size", {{"mean", 1000}, {"cv", 0.5}}},
                      {"cycle_months", {0.3, 0.4, 0.3}},
                      {"ramp_curve", "r"},
                      {"attrition", 0.3},
                      {"backfill_lag_months", 1},
                      {"skill_cv", 0.3},
                      {"churn_probability", 0.2},
                      {"expansion", {{"mean", 0.05}, {"sd", 0.1}}}}};
  nlohmann::json reps = nlohmann::json::array();
  for (int i = 0; i < 12; ++i) {
    reps.push_back({{"id", "R" + std::to_string(i)},
                    {"region", i % 2 ? "EMEA" : "NA"},
                    {"segment", "SMB"},
                    {"start", i < 8 ? "2026-03" : "2027-02"}});
  }
  doc["roster"] = {{"reps", reps}};
  doc["hiring_plan"] = {{{"region", "NA"},
                         {"segment", "SMB"},
                         {"requisition_month", "2027-02"},
                         {"count", 2},
                         {"time_to_fill_months", 2}}};
  doc["pipeline"] = {
      {"stages", {{{"id", "A"}, {"win_probability", 0.4}}}},
      {"deals",
       {{{"id", "D1"},
         {"owner", "R1"},
         {"region", "EMEA"},
         {"segment", "SMB"},
         {"stage", "A"},
         {"amount", 5000},
         {"expected_close", "2026-12"}},
        {{"id", "D2"},
         {"region", "NA"},
         {"segment", "SMB"},
         {"stage", "A"},
         {"amount", 7000},
         {"expected_close", "2027-03"}}}},
      {"slip",
       {{"pmf", {0.5, 0.3, 0.2}}, {"decay_per_month", 0.8}, {"overdue_decay_per_month", 0.9}}},
      {"amount_factor", {{"mean", 0.9}, {"cv", 0.2}}}};
  doc["installed_base"] = {{"contracts",
                            {{{"id", "C1"},
                              {"region", "NA"},
                              {"segment", "SMB"},
                              {"arr", 20000},
                              {"renewal_month", "2027-05"}}}}};
  doc["market"] = {
      {"dispersion", 0.1}, {"persistence", 0.7}, {"correlation", {{1, 0.5}, {0.5, 1}}}};
  doc["actuals"] = {{"bookings", {{{"region", "NA"}, {"month", "2026-12"}, {"amount", 3000}}}}};
  doc["targets"] = {{{"fiscal_year", 2027}, {"amount", 100000}}};
  return doc;
}

}  // namespace opsim::test

namespace opsim::test {

//! Segment "SMB" with Poisson opportunities, a win rate and a fixed deal size (no ramp,
//! attrition or skill dispersion): the setting of the closed-form tests.
inline nlohmann::json fixed_deal_segment(double opportunity_rate, double win_rate,
                                         double deal_size) {
  return {{"id", "SMB"},
          {"opportunity_rate", opportunity_rate},
          {"win_rate", win_rate},
          {"deal_size", {{"mean", deal_size}}}};
}

}  // namespace opsim::test
