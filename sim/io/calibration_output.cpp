#include "sim/io/calibration_output.hpp"
#include "sim/io/json_text.hpp"
#include "sim/io/number_format.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "models/calendar.hpp"
#include "sim/base/error.hpp"

namespace opsim {

using namespace calibration;

namespace {

nlohmann::json estimate_json(const Estimate& e) {
  nlohmann::json j;
  j["value"] = e.value;
  j["se"] = std::isfinite(e.se) ? nlohmann::json(e.se) : nlohmann::json(nullptr);
  return j;
}

//! `x` in `format`, without the sign of a value that rounds to zero ("-0.0000" reads as a
//! decline).
std::string unsigned_zero(const char* format, double x) {
  std::string text = fmt::format(fmt::runtime(format), x);
  if (!text.empty() && text.front() == '-' && text.find_first_of("123456789") == std::string::npos)
    text.erase(0, 1);
  return text;
}

std::string with_se(const Estimate& e, const char* format = "{:.4g}") {
  const std::string value = unsigned_zero(format, e.value);
  if (!std::isfinite(e.se)) return value;
  return value + " ± " + fmt::format(fmt::runtime(format), e.se);
}

//! An amount and its SE with thousands separators: "26,436.2 ± 621.3".
std::string amount_with_se(const Estimate& e) {
  const std::string value = format_grouped(e.value, 1);
  if (!std::isfinite(e.se)) return value;
  return value + " ± " + format_grouped(e.se, 1);
}

nlohmann::json deal_size_json(const DealSizeFit& d) {
  return {{"region", d.region.empty() ? nlohmann::json("all") : nlohmann::json(d.region)},
          {"segment", d.segment},
          {"deals", d.deals},
          {"mu", estimate_json(d.mu)},
          {"sigma", estimate_json(d.sigma)},
          {"mean", estimate_json(d.mean)},
          {"lognormal_mean", d.lognormal_mean},
          {"model", d.empirical ? "empirical" : "lognormal"},
          {"cv", estimate_json(d.cv)},
          {"ks_distance", d.ks},
          {"ks_p_value", d.ks_p},
          {"anderson_darling", d.anderson_darling},
          {"thin", d.thin}};
}

nlohmann::json win_rate_json(const WinRateCell& c) {
  return {{"region", c.region.empty() ? nlohmann::json("all") : nlohmann::json(c.region)},
          {"segment", c.segment},
          {"closes", c.closes},
          {"wins", c.wins},
          {"raw", c.raw},
          {"shrunk", estimate_json(c.rate)},
          {"prior_strength", c.prior_strength},
          {"thin", c.thin}};
}

}  // namespace

nlohmann::json uncertain_probability(const Estimate& e) {
  const double p = e.value, se = e.se;
  if (!(p > 0 && p < 1) || !std::isfinite(se) || !(se > 0)) return p;
  // Beta by moments: mean p, variance p (1 - p) / (alpha + beta + 1) = se^2.
  const double strength = p * (1 - p) / (se * se) - 1;
  if (!(strength > 0)) return p;
  return {{"dist", "beta"}, {"alpha", p * strength}, {"beta", (1 - p) * strength}};
}

nlohmann::json uncertain_positive(const Estimate& e) {
  if (!(e.value > 0) || !std::isfinite(e.se) || !(e.se > 0)) return e.value;
  return {{"dist", "lognormal"}, {"mean", e.value}, {"cv", std::min(e.se / e.value, 20.0)}};
}

namespace {

//! The sample itself, or a lognormal with the sample's mean and cv. With `uncertain`, the mean
//! carries its estimation error: the lognormal's mean, or the empirical list's scale (mean 1).
nlohmann::json scenario_deal_size(const DealSizeFit& d, bool uncertain) {
  const Estimate mean{std::max(d.mean.value, 1e-9), d.mean.se};
  if (d.empirical) {
    nlohmann::json size = {{"empirical", d.sample}};
    if (uncertain) {
      const nlohmann::json scale = uncertain_positive({1.0, mean.se / mean.value});
      if (scale.is_object()) size["scale"] = scale;
    }
    return size;
  }
  return {{"mean", uncertain ? uncertain_positive(mean) : nlohmann::json(mean.value)},
          {"cv", std::min(d.cv.value, 20.0)}};
}

template <class... Args>
void append_line(std::string& out, fmt::format_string<Args...> format, Args&&... args) {
  out += fmt::format(format, std::forward<Args>(args)...);
  out += '\n';
}

}  // namespace

namespace {

//! "2017-06-30" as a day number, or "2017-06" as its first or last day.
int parse_day(const std::string& text, const std::string& option, bool month_start) {
  if (auto month = parse_year_month(text))
    return month_start ? last_day_of_month(*month - 1) + 1 : last_day_of_month(*month);
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    try {
      const int y = std::stoi(text.substr(0, 4)), m = std::stoi(text.substr(5, 2)),
                d = std::stoi(text.substr(8, 2));
      const std::chrono::year_month_day date{std::chrono::year{y},
                                             std::chrono::month{static_cast<unsigned>(m)},
                                             std::chrono::day{static_cast<unsigned>(d)}};
      if (date.ok()) return day_number(y, m, d);
    } catch (const std::exception&) {
    }
  }
  throw_input("{}: '{}' is not a date (expected YYYY-MM-DD, or YYYY-MM for the month's {} day)",
              option, text, month_start ? "first" : "last");
}

}  // namespace

int parse_cutoff(const std::string& text, const std::string& option) {
  return parse_day(text, option, false);
}

int parse_since(const std::string& text, const std::string& option) {
  return parse_day(text, option, true);
}

nlohmann::json calibrated_scenario(const Calibration& fit, const ScenarioRequest& request) {
  const int R = static_cast<int>(fit.regions.size()), S = static_cast<int>(fit.segments.size());
  nlohmann::json doc;
  doc["schema_version"] = 1;
  doc["name"] = request.name;
  doc["description"] =
      fmt::format("Fitted by opsim calibrate as of {} from {} to {}",
                  format_year_month(month_of_day(fit.options.as_of)),
                  format_year_month(fit.first_month), format_year_month(fit.last_month));
  doc["horizon"] = {{"start", format_year_month(fit.forecast_start)},
                    {"months", request.months},
                    {"fiscal_year_start_month", fit.options.fiscal_year_start_month},
                    {"reporting_currency", request.currency}};
  if (!fit.year_to_date.empty()) {
    // What the fiscal year has booked before the forecast starts, so that its results (and
    // P(target)) count the whole year.
    nlohmann::json bookings = nlohmann::json::array();
    for (const auto& won : fit.year_to_date) {
      bookings.push_back({{"region", fit.regions[static_cast<std::size_t>(won.region)]},
                          {"segment", fit.segments[static_cast<std::size_t>(won.segment)]},
                          {"month", format_year_month(won.month)},
                          {"amount", won.amount}});
    }
    doc["actuals"] = {{"bookings", bookings}};
  }
  const bool uncertain = request.parameter_uncertainty;
  for (const RegionFit& region : fit.region_fits) {
    nlohmann::json season = nlohmann::json::array();
    for (int c = 0; c < 12; ++c) {
      const Estimate index{std::max(region.seasonality[c], 1e-3), region.seasonality_se[c]};
      season.push_back(uncertain ? uncertain_positive(index) : nlohmann::json(index.value));
    }
    doc["regions"].push_back({{"id", region.id}, {"seasonality", season}});
  }
  // An annual growth as written: within the engine's bounds, and no growth of -3e-16
  // (exp(12 b) - 1 of a slope that is zero up to rounding).
  auto written_growth = [](double annual) {
    return std::abs(annual) < 1e-9 ? 0.0 : std::clamp(annual, -0.9, 10.0);
  };
  const double growth = written_growth(fit.annual_growth.value);
  for (int s = 0; s < S; ++s) {
    const DealSizeFit& size = fit.segment_deal_sizes[s];
    nlohmann::json segment = {
        {"id", fit.segments[s]},
        {"win_rate", uncertain ? uncertain_probability(fit.segment_win_rates[s].rate)
                               : nlohmann::json(fit.segment_win_rates[s].rate.value)},
        {"quarter_end_win_multiplier", std::clamp(fit.quarter_end_multiplier.value, 0.0, 10.0)},
        {"cycle_months", rounded_probabilities(resolution_cycle_pmf(fit), kEstimateDigits)},
        {"productivity_growth", growth}};
    if (size.deals > 0) {
      segment["deal_size"] = scenario_deal_size(size, uncertain);
    } else {
      segment["deal_size"] = {{"mean", 1.0}};
    }
    doc["segments"].push_back(segment);
  }
  doc["overrides"] = nlohmann::json::array();
  // Region growths were fitted (a hand-made fit may leave them out: the pooled growth then).
  const bool region_growths =
      fit.trend_fitted && fit.region_growth_covariance.size() == static_cast<std::size_t>(R) * R;
  for (int r = 0; r < R; ++r) {
    for (int s = 0; s < S; ++s) {
      nlohmann::json set;
      const WinRateCell& rate = fit.win_rate(r, s);
      if (rate.rate.value != fit.segment_win_rates[s].rate.value) {
        set["win_rate"] =
            uncertain ? uncertain_probability(rate.rate) : nlohmann::json(rate.rate.value);
      }
      // The region's own growth (hierarchical posterior), where it differs from the pooled one.
      const double region_growth = written_growth(std::expm1(12 * fit.region_fits[r].growth.value));
      if (region_growths && std::abs(region_growth - growth) >= 1e-9)
        set["productivity_growth"] = region_growth;
      const DealSizeFit& cell = fit.deal_size(r, s);
      if (&cell != &fit.segment_deal_sizes[s] && cell.deals > 0)
        set["deal_size"] = scenario_deal_size(cell, uncertain);
      if (!set.empty())
        doc["overrides"].push_back(
            {{"region", fit.regions[r]}, {"segment", fit.segments[s]}, {"set", set}});
    }
  }
  std::vector<int> reps_in_region(R, 0);
  for (const ActiveRep& rep : fit.active_reps) ++reps_in_region[fit.region_index(rep.region)];
  if (request.rep_roster && fit.active_reps.empty()) {
    throw_input("--new-business reps: the history names no owner active at the cut-off");
  }
  for (int r = 0; r < R; ++r) {
    const RegionFit& region = fit.region_fits[r];
    for (int s = 0; s < S; ++s) {
      const double per_month = region.level.value * region.segment_share[s];
      if (!request.rep_roster) {
        doc["new_business_intensity"].push_back({{"region", fit.regions[r]},
                                                 {"segment", fit.segments[s]},
                                                 {"opportunities_per_month", per_month}});
      } else if (reps_in_region[r] > 0) {
        // The region's de-seasonalised resolutions at the first forecast month, shared by its reps.
        doc["overrides"].push_back(
            {{"region", fit.regions[r]},
             {"segment", fit.segments[s]},
             {"set", {{"opportunity_rate", per_month / reps_in_region[r]}}}});
      }
    }
  }
  if (request.rep_roster) {
    for (const ActiveRep& rep : fit.active_reps) {
      for (const std::string& segment : fit.segments) {
        doc["roster"]["reps"].push_back({{"id", fmt::format("{} / {}", rep.id, segment)},
                                         {"region", rep.region},
                                         {"segment", segment},
                                         {"start", format_year_month(rep.first_month)}});
      }
    }
  }
  if (request.open_pipeline && !fit.open_pipeline.empty()) {
    nlohmann::json pipeline;
    std::map<std::string, double> stages;  // id -> win probability
    // One stage per segment and probability, written with six significant digits as every
    // estimate is: the earliest open stage, whose odds depend on the region, the product and how
    // long the deal has been open (a few hundred stages at most). Rounded to 0.001 they made the
    // written pipeline differ from the printed fit (review: 1,592,834 expected won against
    // 1,593,182, deals of p = 0.0004 written as 0).
    auto stage_of = [&](const OpenDeal& deal) {
      const double p = round_significant(deal.win_probability, kEstimateDigits);
      return std::pair{fmt::format("{} ({}, p={})", request.earliest_open_stage, deal.segment, p),
                       p};
    };
    for (const OpenDeal& deal : fit.open_pipeline) stages.insert(stage_of(deal));
    for (const auto& [id, p] : stages)
      pipeline["stages"].push_back({{"id", id}, {"win_probability", p}});
    for (const OpenDeal& deal : fit.open_pipeline) {
      pipeline["deals"].push_back({{"id", deal.id},
                                   {"region", deal.region},
                                   {"segment", deal.segment},
                                   {"stage", stage_of(deal).first},
                                   {"amount", deal.amount},
                                   {"expected_close", format_year_month(deal.expected_close)}});
    }
    std::vector<double> slip(
        fit.pipeline_slip_pmf.begin(),
        fit.pipeline_slip_pmf.begin() + std::min<std::size_t>(fit.pipeline_slip_pmf.size(), 120));
    pipeline["slip"] = {{"pmf", rounded_probabilities(slip, kEstimateDigits)}};
    // An open deal's amount is an estimate (list price or fitted mean), not its won amount: a
    // won deal varies as the cell's won deals do (without it one-month intervals were narrow).
    pipeline["amount_spread"] = "deal_size";
    // The stage probabilities are base (non-quarter-end) win rates, as the segments' are.
    pipeline["quarter_end_effect"] = fit.quarter_end_multiplier.value != 1.0;
    doc["pipeline"] = pipeline;
  }
  nlohmann::json level_uncertainty, region_growth_uncertainty;
  double growth_uncertainty = 0;
  if (request.parameter_uncertainty) {
    for (const RegionFit& region : fit.region_fits) {
      const double sd =
          region.level.value > 0 && std::isfinite(region.level.se)
              ? std::min(region.level.se / region.level.value, calibration::kMaxLevelUncertainty)
              : 0.0;
      level_uncertainty[region.id] = sd;
    }
    // The regions' growth errors (posterior covariance C): a part shared by all regions, of
    // variance the mean covariance between regions (at most the smallest variance), and each
    // region's own, independent, with the rest of its variance: every region's variance is
    // exact, the covariances are replaced by their mean.
    const auto& c = fit.region_growth_covariance;
    if (!region_growths && std::isfinite(fit.monthly_log_trend.se))
      growth_uncertainty = std::min(fit.monthly_log_trend.se, 0.5);
    double shared = 0, smallest = std::numeric_limits<double>::infinity();
    int pairs = 0;
    for (int r = 0; r < R && region_growths; ++r) {
      smallest = std::min(smallest, c[r * R + r]);
      for (int q = 0; q < R; ++q) {
        if (q == r) continue;
        shared += c[r * R + q];
        ++pairs;
      }
    }
    shared = std::clamp(pairs > 0 ? shared / pairs : smallest, 0.0, std::max(0.0, smallest));
    if (region_growths && std::isfinite(shared)) {
      growth_uncertainty = std::min(std::sqrt(shared), 0.5);
      for (int r = 0; r < R; ++r) {
        region_growth_uncertainty[fit.regions[r]] =
            std::min(std::sqrt(std::max(0.0, c[r * R + r] - shared)), 0.5);
      }
    }
  }
  if (request.market || request.parameter_uncertainty) {
    nlohmann::json dispersion, persistence;
    bool any = request.parameter_uncertainty;
    for (const RegionFit& region : fit.region_fits) {
      // Poisson counts unless the region's overdispersion test rejects them.
      const double sigma =
          request.market && region.overdispersed() ? std::min(region.dispersion, 2.0) : 0.0;
      dispersion[region.id] = sigma;
      persistence[region.id] = std::min(region.persistence, 0.95);
      any = any || sigma > 0;
    }
    if (any) {
      doc["market"] = {{"dispersion", dispersion},
                       {"persistence", persistence},
                       {"elasticity", {{"intensity", 1.0}, {"win_rate", 0.0}, {"churn", 0.0}}}};
      if (request.parameter_uncertainty) {
        doc["market"]["level_uncertainty"] = level_uncertainty;
        doc["market"]["growth_uncertainty"] = growth_uncertainty;
        if (!region_growth_uncertainty.is_null())
          doc["market"]["region_growth_uncertainty"] = region_growth_uncertainty;
      }
    }
  }
  doc["simulation"] = {{"trials", request.trials}, {"seed", request.seed}};
  return doc;
}

nlohmann::json fit_report_json(const Calibration& fit, const ReadReport& read) {
  nlohmann::json j;
  j["as_of"] = fit.options.as_of;
  j["fit_window"] = {{"first_month", format_year_month(fit.first_month)},
                     {"last_month", format_year_month(fit.last_month)},
                     {"forecast_start", format_year_month(fit.forecast_start)}};
  j["source"] = fit.opportunities ? "opportunities" : "bookings";
  nlohmann::json rows = {{"opportunity_rows", read.opportunity_rows},
                         {"opportunities_kept", read.opportunities_kept},
                         {"booking_rows", read.booking_rows},
                         {"bookings_kept", read.bookings_kept},
                         {"merged_order_lines", read.merged_order_lines},
                         {"rejected", read.rejected()},
                         {"repaired", read.repaired()}};
  for (const RowIssue& issue : read.issues) {
    rows["issues"].push_back({{"file", issue.file},
                              {"line", issue.line},
                              {"action", issue.rejected ? "rejected" : "repaired"},
                              {"reason", issue.reason}});
  }
  j["rows"] = rows;
  j["regions"] = fit.regions;
  j["segments"] = fit.segments;
  j["won_amount"] = fit.won_amount;
  j["win_rate"] = {{"closes", fit.closes},
                   {"wins", fit.wins},
                   {"overall", estimate_json(fit.overall_win_rate)},
                   {"quarter_end_multiplier", estimate_json(fit.quarter_end_multiplier)},
                   {"quarter_end_closes", fit.quarter_end_closes},
                   {"quarter_end_win_rate", fit.quarter_end_win_rate},
                   {"other_closes", fit.other_closes},
                   {"other_win_rate", fit.other_win_rate}};
  for (const auto& c : fit.segment_win_rates) j["win_rate"]["segments"].push_back(win_rate_json(c));
  for (const auto& c : fit.cell_win_rates) j["win_rate"]["cells"].push_back(win_rate_json(c));
  for (const auto& d : fit.segment_deal_sizes)
    j["deal_size"]["segments"].push_back(deal_size_json(d));
  for (const auto& d : fit.cell_deal_sizes) j["deal_size"]["cells"].push_back(deal_size_json(d));
  j["cycle"] = {{"pmf", fit.cycle.pmf},
                {"closed", fit.cycle.closed},
                {"censored", fit.cycle.censored},
                {"never_closes", fit.cycle.never_closes},
                {"mean_months", estimate_json(fit.cycle.mean)},
                {"median_months", fit.cycle.median}};
  j["trend"] = {{"fitted", fit.trend_fitted},
                {"monthly_log_slope_ml", estimate_json(fit.raw_monthly_log_trend)},
                {"growth_prior_sd", fit.options.growth_prior_sd},
                {"monthly_log_slope", estimate_json(fit.monthly_log_trend)},
                {"annual_growth", estimate_json(fit.annual_growth)},
                // Per year (sd of the annual log growth), as the text report prints it.
                {"between_region_sd_per_year", 12 * fit.growth_between_sd},
                {"likeliest_between_region_sd_per_year", 12 * fit.growth_likeliest_between_sd}};
  j["seasonality"] = {{"fitted", fit.seasonality_fitted},
                      {"pooled", fit.pooled_seasonality},
                      {"between_region_variance", fit.seasonality_prior_variance},
                      {"overdispersion", fit.overdispersion}};
  // One market variance for all regions unless Cochran's Q test rejects it.
  j["market_variance"] = {{"pooled", fit.market_pooled()},
                          {"pooled_sigma2", fit.market_pooled_variance},
                          {"cochran_q", fit.market_cochran_q},
                          {"cochran_df", fit.market_cochran_df},
                          {"homogeneity_p_value", fit.market_homogeneity_p}};
  for (const RegionFit& r : fit.region_fits) {
    j["regions_fit"].push_back({{"region", r.id},
                                {"monthly_counts", r.counts},
                                {"level_per_month", estimate_json(r.level)},
                                {"monthly_log_slope_ml", estimate_json(r.growth_ml)},
                                {"monthly_log_slope", estimate_json(r.growth)},
                                {"seasonality", r.seasonality},
                                {"seasonality_se", r.seasonality_se},
                                {"segment_share", r.segment_share},
                                {"market_dispersion", r.dispersion},
                                {"overdispersion_test",
                                 {{"pearson_chi2", r.overdispersion_chi2},
                                  {"df", r.overdispersion_df},
                                  {"p_value", r.overdispersion_p},
                                  {"market_factor_on", r.overdispersed()}}},
                                {"market_persistence", r.persistence}});
  }
  for (const RepRate& rate : fit.rep_rates) {
    j["rep_month_rates"].push_back({{"region", rate.region.empty() ? "all" : rate.region},
                                    {"segment", rate.segment.empty() ? "all" : rate.segment},
                                    {"resolutions", rate.resolutions},
                                    {"rep_months", rate.rep_months},
                                    {"per_rep_month", estimate_json(rate.rate)}});
  }
  double pipeline_amount = 0, expected = 0;
  for (const OpenDeal& d : fit.open_pipeline)
    pipeline_amount += d.amount, expected += d.amount * d.win_probability;
  j["open_pipeline"] = {{"deals", fit.open_pipeline.size()},
                        {"amount", pipeline_amount},
                        {"expected_won_amount", expected},
                        {"undated_excluded", fit.undated_open_excluded},
                        {"slip_pmf", fit.pipeline_slip_pmf}};
  // The reader's warnings (about whole files) first, then the fit's.
  j["warnings"] = read.warnings;
  for (const auto& w : fit.warnings) j["warnings"].push_back(w);
  return j;
}

std::string fit_report_text(const Calibration& fit, const ReadReport& read) {
  std::string out;
  append_line(out, "opsim calibrate: fit as of {} ({} history, months {} .. {}; forecast from {})",
              format_year_month(month_of_day(fit.options.as_of)),
              fit.opportunities ? "opportunity" : "bookings", format_year_month(fit.first_month),
              format_year_month(fit.last_month), format_year_month(fit.forecast_start));
  auto count = [](std::size_t n) { return format_grouped(static_cast<double>(n)); };
  append_line(out,
              "rows: {} opportunity rows ({} kept), {} booking rows ({} kept, {} order lines "
              "merged); {} rejected, {} repaired (rows after the cut-off are kept and not fitted)",
              count(read.opportunity_rows), count(read.opportunities_kept),
              count(read.booking_rows), count(read.bookings_kept), count(read.merged_order_lines),
              count(read.rejected()), count(read.repaired()));
  // Group issues by reason pattern (text before the first quote) to keep the listing short,
  // with the count of each quoted value when there are few (the statuses left out).
  std::map<std::string, std::vector<const RowIssue*>> groups;
  for (const RowIssue& issue : read.issues) {
    const std::string key =
        fmt::format("{} {}: {}", issue.rejected ? "rejected" : "repaired", issue.file,
                    issue.reason.substr(0, issue.reason.find('\'')));
    groups[key].push_back(&issue);
  }
  for (const auto& [key, list] : groups) {
    // The first ten lines in file order (review: "lines 22, 8, 9, ...", an order's lines after
    // the rows rejected on reading).
    std::vector<std::size_t> lines;
    for (const RowIssue* issue : list) lines.push_back(issue->line);
    std::sort(lines.begin(), lines.end());
    if (lines.size() > 10) lines.resize(10);
    std::map<std::string, std::size_t> values;
    for (const RowIssue* issue : list) {
      const std::string& reason = issue->reason;
      // The value's closing quote is one that ends a word: a value may hold an apostrophe
      // ('Won't ship' was cut to 'Won').
      const std::size_t open = reason.find('\'');
      std::size_t close = open;
      while (close != std::string::npos) {
        close = reason.find('\'', close + 1);
        if (close == std::string::npos || close + 1 == reason.size() ||
            !std::isalnum(static_cast<unsigned char>(reason[close + 1])))
          break;
      }
      if (close != std::string::npos) ++values[reason.substr(open, close - open + 1)];
    }
    std::string by_value;
    if (values.size() > 1 && values.size() <= 6) {
      std::vector<std::string> parts;
      for (const auto& [value, n] : values)
        parts.push_back(fmt::format("{} {}", printable(value), count(n)));
      by_value = fmt::format("; by value: {}", fmt::join(parts, ", "));
    }
    std::string shown = key;  // the reason's text before its first quoted value
    while (!shown.empty() && (shown.back() == ' ' || shown.back() == ':')) shown.pop_back();
    // An example only where the reason says more than the heading (review: "closed ... before
    // it was created ... (line 6); e.g. closed ... before it was created ...").
    const std::string example = printable(list.front()->reason);
    append_line(out, "  {} {} (line{} {}{}){}{}",
                format_count(static_cast<long long>(list.size()), "row"), printable(shown),
                list.size() == 1 ? "" : "s", fmt::join(lines, ", "),
                list.size() > 10 ? ", ... all in the JSON report" : "",
                example == printable(shown) ? "" : "; e.g. " + example, by_value);
  }
  if (fit.opportunities) {
    append_line(out,
                "\nwin rate: {}, {} won ({:.2f}%, won amount {}); base rate {} (outside "
                "quarter-end months)",
                format_count(fit.closes, "close"), count(static_cast<std::size_t>(fit.wins)),
                fit.closes > 0 ? 100.0 * fit.wins / fit.closes : 0.0,
                format_grouped(fit.won_amount), with_se(fit.overall_win_rate, "{:.4f}"));
    append_line(out,
                "quarter-end effect: {:.1f}% of {} in quarter-end months vs {:.1f}% of {} "
                "in others; multiplier {}",
                100 * fit.quarter_end_win_rate, format_count(fit.quarter_end_closes, "close"),
                100 * fit.other_win_rate, count(static_cast<std::size_t>(fit.other_closes)),
                with_se(fit.quarter_end_multiplier, "{:.3f}"));
    append_line(out,
                "  (unshrunk: wins per close, closes in quarter-end months weighted by the "
                "multiplier; shrunk toward the parent by a prior of the stated strength)");
    append_line(out, "  {:<24} {:>7} {:>7} {:>8} {:>18} {:>8}", "segment", "closes", "wins",
                "unshrunk", "shrunk ± se", "prior");
    for (const auto& c : fit.segment_win_rates) {
      append_line(out, "  {:<24} {:>7} {:>7} {:>8.4f} {:>18} {:>8.1f}{}", c.segment,
                  count(static_cast<std::size_t>(c.closes)),
                  count(static_cast<std::size_t>(c.wins)), c.raw, with_se(c.rate, "{:.4f}"),
                  c.prior_strength, c.thin ? "  thin" : "");
    }
  }
  append_line(out,
              "\ndeal size (sample mean and cv; lognormal MLE mean, its KS distance and asymptotic "
              "p, Anderson-Darling pooled over regions; the model the scenario draws in its "
              "regions):");
  append_line(out, "  {:<24} {:>6} {:>22} {:>16} {:>12} {:>7} {:>7} {:>8}  {}", "segment", "deals",
              "mean ± se", "cv ± se", "lognormal", "KS", "p", "AD", "model");
  for (std::size_t s = 0; s < fit.segment_deal_sizes.size(); ++s) {
    const DealSizeFit& d = fit.segment_deal_sizes[s];
    // What the scenario draws: a region with enough deals has its own model (the warnings say
    // which); the others draw the segment's.
    const Calibration::DrawnDealSizes drawn = fit.drawn_deal_sizes(static_cast<int>(s));
    const std::size_t empirical = drawn.empirical.size(), lognormal = drawn.lognormal.size();
    const std::string model = empirical > 0 && lognormal > 0 ? "mixed (warnings)"
                              : empirical > 0 || (lognormal == 0 && d.empirical) ? "empirical"
                                                                                 : "lognormal";
    append_line(out, "  {:<24} {:>6} {:>22} {:>16} {:>12} {:>7.3f} {:>7} {:>8.2f}  {}{}", d.segment,
                count(static_cast<std::size_t>(d.deals)), amount_with_se(d.mean),
                with_se(d.cv, "{:.3f}"), format_significant(d.lognormal_mean, 5), d.ks,
                format_p_value(d.ks_p), d.anderson_darling, model, d.thin ? "  thin" : "");
  }
  if (fit.opportunities) {
    append_line(out,
                "\nsales cycle (Kaplan-Meier, {} closed, {} open censored): mean {} months, "
                "median {}; P(k) = {:.3f}",
                count(static_cast<std::size_t>(fit.cycle.closed)),
                count(static_cast<std::size_t>(fit.cycle.censored)),
                with_se(fit.cycle.mean, "{:.2f}"), fit.cycle.median, fmt::join(fit.cycle.pmf, " "));
  } else {
    append_line(out,
                "\nsales cycle: none (a bookings log has wins only, each booked in its month)");
  }
  append_line(out, "growth: {} per year ({}); overdispersion {:.2f}",
              with_se(fit.annual_growth, "{:.4f}"),
              fit.trend_fitted
                  ? fmt::format("maximum likelihood {} per year, shrunk toward 0 by a N(0, {:.2f}) "
                                "prior on the annual log growth",
                                format_grouped(std::expm1(12 * fit.raw_monthly_log_trend.value), 4),
                                fit.options.growth_prior_sd)
                  : fmt::format("not fitted: the N(0, {:.2f}) prior on the annual log growth",
                                fit.options.growth_prior_sd),
              fit.overdispersion);
  if (fit.trend_fitted) {
    append_line(
        out,
        "growth by region (the pooled growth plus a region deviation, between-region sd "
        "{:.4f} per year): {}",
        12 * fit.growth_between_sd, [&] {
          std::vector<std::string> parts;
          for (const RegionFit& r : fit.region_fits) {
            parts.push_back(fmt::format("{} {} ± {:.4f} (maximum likelihood {})", r.id,
                                        format_grouped(std::expm1(12 * r.growth.value), 4),
                                        12 * std::exp(12 * r.growth.value) * r.growth.se,
                                        format_grouped(std::expm1(12 * r.growth_ml.value), 4)));
          }
          return fmt::format("{}", fmt::join(parts, ", "));
        }());
  }
  append_line(out,
              "\n  {:<12} {:>16} {:>9} {:>9} {:>13}  seasonality Jan..Dec (market factor on when "
              "the Pearson test of Poisson counts has p < {}; off: '-', the forecast draws none)",
              "region", "level/month", "market sd", "persist", "overdisp. p", kOverdispersionP);
  for (const RegionFit& r : fit.region_fits) {
    // An off region's scenario has no market factor: its estimate is in the JSON report only.
    auto drawn = [&](double value) {
      return r.overdispersed() ? fmt::format("{:.3f}", value) : std::string("-");
    };
    // No degrees of freedom left (as many parameters as months): no test, so no p-value.
    const std::string p =
        r.overdispersion_df > 0 ? fmt::format("{:.3g}", r.overdispersion_p) : std::string("n/a");
    append_line(out, "  {:<12} {:>16} {:>9} {:>9} {:>9} {:>3}  {:.2f}", r.id,
                with_se(r.level, "{:.2f}"), drawn(r.dispersion), drawn(r.persistence), p,
                r.overdispersed() ? "on" : "off", fmt::join(r.seasonality, " "));
  }
  append_line(out, "  market sd: {} (pooled sigma^2 {:.4f}; {})",
              fit.market_pooled() ? "one for all regions" : "each region its own",
              fit.market_pooled_variance,
              fit.market_cochran_df > 0
                  ? fmt::format("Cochran's Q test of one variance: Q = {:.2f} on {} df, p = "
                                "{:.3g}, pooled when >= {}",
                                fit.market_cochran_q, fit.market_cochran_df,
                                fit.market_homogeneity_p, kMarketPoolingP)
                  : std::string("Cochran's Q test of one variance: n/a, fewer than two regions "
                                "with residual degrees of freedom"));
  if (!fit.rep_rates.empty()) {
    append_line(out, "\nresolutions per active rep-month:");
    for (const RepRate& rate : fit.rep_rates) {
      if (!rate.segment.empty() && !rate.region.empty()) continue;
      append_line(out, "  {:<12} {:<24} {:>6} in {:>7} rep-months: {}",
                  rate.region.empty() ? "all" : rate.region,
                  rate.segment.empty() ? "all" : rate.segment,
                  count(static_cast<std::size_t>(rate.resolutions)),
                  format_grouped(rate.rep_months), with_se(rate.rate, "{:.4f}"));
    }
  }
  if (fit.opportunities) {
    double amount = 0, expected = 0;
    for (const OpenDeal& d : fit.open_pipeline)
      amount += d.amount, expected += d.amount * d.win_probability;
    append_line(out,
                "\nopen pipeline as of the cut-off (snapshot rule): {}, amount {}, expected "
                "won {}",
                format_count(static_cast<long long>(fit.open_pipeline.size()), "deal"),
                format_grouped(amount), format_grouped(expected));
  }
  if (!read.warnings.empty() || !fit.warnings.empty()) {
    append_line(out, "\nwarnings:");
    for (const auto& w : read.warnings) append_line(out, "  - {}", w);
    for (const auto& w : fit.warnings) append_line(out, "  - {}", w);
  }
  return out;
}

}  // namespace opsim
