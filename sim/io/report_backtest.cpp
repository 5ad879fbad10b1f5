// The report's section on an `opsim backtest` file (results/backtest.md): the forecast against
// what happened over time, the PIT histogram, and coverage and CRPS against the baselines.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "sim/io/number_format.hpp"
#include "sim/io/report_parts.hpp"
#include "sim/io/svg_chart.hpp"

namespace opsim::report {

namespace {

constexpr std::size_t kLevels = 7;  // 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95
constexpr std::size_t kMethods = 3;
constexpr std::size_t kRegionCharts = 6;  //!< regions drawn; the table lists every row
constexpr std::size_t kTableRows = 400;
const char* kMethodColour[kMethods] = {"#1f77b4", "#ff7f0e", "#2ca02c"};

}  // namespace

std::string backtest_section(H5Reader& f) {
  const auto origin = f.strings("/rows/origin");
  const auto region = f.strings("/rows/region");
  const auto kind = f.strings("/rows/kind");
  const auto period = f.strings("/rows/period");
  const auto first_offset = f.doubles("/rows/first_offset");
  const auto actual = f.doubles("/rows/actual");
  const auto quantiles = f.doubles("/rows/model_quantiles");
  const auto pit = f.doubles("/rows/model/pit");
  // For people: "seasonal naive", not the dataset's "seasonal_naive" (review).
  auto methods = f.strings("/pooled/method");
  for (std::string& m : methods) m = words_of_name(m);
  const std::size_t N = origin.size();

  std::vector<std::string> origins = origin, regions = region;
  std::sort(origins.begin(), origins.end());
  origins.erase(std::unique(origins.begin(), origins.end()), origins.end());
  std::sort(regions.begin(), regions.end());
  regions.erase(std::unique(regions.begin(), regions.end()), regions.end());
  std::string html = fmt::format(
      "<h1>Backtest</h1>\n<p class=\"note\">{} cut-offs ({} .. {}), {} regions, {} scored rows. "
      "Each cut-off: fit on the history up to it, forecast the months after it, score against "
      "what happened (scenarios/calibration.md).</p>\n",
      origins.size(), origins.empty() ? "-" : origins.front(),
      origins.empty() ? "-" : origins.back(), regions.size(), format_grouped(double(N)));

  // Forecast against actuals: with several cut-offs the one-month-ahead forecast of each, else
  // every month of the single cut-off's horizon.
  const bool one_ahead = origins.size() > 1;
  std::map<std::string, std::vector<std::size_t>> shown;  // region -> rows, by period
  for (std::size_t i = 0; i < N; ++i) {
    if (kind[i] != "month" || (one_ahead && first_offset[i] != 1)) continue;
    shown[region[i]].push_back(i);
  }
  for (auto& [name, rows] : shown) {
    std::stable_sort(rows.begin(), rows.end(),
                     [&](std::size_t a, std::size_t b) { return period[a] < period[b]; });
  }
  html += fmt::format(
      "<h2>Forecast against actuals</h2>\n<p class=\"note\">{}: the model's "
      "5–95% and 25–75% bands, its median, and what happened.</p>\n"
      "<div class=\"charts\">",
      one_ahead ? "The forecast made one month ahead at each cut-off"
                : "Every month forecast at the cut-off");
  std::size_t drawn = 0;
  for (const auto& [name, rows] : shown) {
    if (drawn++ == kRegionCharts) break;
    std::vector<double> x, p5, p25, p50, p75, p95, truth;
    std::vector<std::string> labels;
    for (std::size_t k = 0; k < rows.size(); ++k) {
      const std::size_t i = rows[k];
      x.push_back(static_cast<double>(k));
      labels.push_back(period[i]);
      p5.push_back(quantiles[i * kLevels + 0]);
      p25.push_back(quantiles[i * kLevels + 2]);
      p50.push_back(quantiles[i * kLevels + 3]);
      p75.push_back(quantiles[i * kLevels + 4]);
      p95.push_back(quantiles[i * kLevels + 6]);
      truth.push_back(actual[i]);
    }
    SvgChart chart(fmt::format("{}: bookings per month", name), "month", "bookings");
    chart.y_format([](double v) { return format_amount(v); });
    chart.x_categories(labels, std::max<int>(1, static_cast<int>(labels.size() / 8)));
    chart.y_from_zero(true);
    chart.band(x, p5, p95, "#9ecae1", 0.5, "5–95%");
    chart.band(x, p25, p75, "#4292c6", 0.5, "25–75%");
    chart.line(x, p50, "#08519c", "median");
    chart.dots(x, truth, "#d62728", "actual");
    html += chart.render(540, 300);
  }
  html += "</div>\n";
  if (shown.size() > kRegionCharts) {
    html += fmt::format(
        "<p class=\"note\">Charts for the first {} of {} regions; the table "
        "below lists every row.</p>\n",
        kRegionCharts, shown.size());
  }

  // PIT histograms of the monthly forecasts: flat when the forecast is calibrated.
  const auto histogram = f.doubles("/pooled/pit_histogram");  // [kind][method][10]
  const auto count = f.doubles("/pooled/count");              // [kind][method]
  SvgChart pit_chart("PIT of the monthly forecasts (flat = calibrated)",
                     "PIT decile (1: the actual in the forecast's lowest tenth)", "share of rows");
  pit_chart.y_format([](double v) { return format_percent(v, 0); });
  std::vector<std::string> deciles;
  for (int b = 1; b <= 10; ++b) deciles.push_back(std::to_string(b));
  pit_chart.x_categories(deciles);
  pit_chart.y_from_zero(true);
  for (std::size_t m = 0; m < kMethods && m < methods.size(); ++m) {
    if (!(count[m] > 0)) continue;
    std::vector<double> x, share;
    for (std::size_t b = 0; b < 10; ++b) {
      x.push_back(static_cast<double>(b) + (static_cast<double>(m) - 1) * 0.28);
      share.push_back(histogram[m * 10 + b] / count[m]);
    }
    pit_chart.bars(x, share, 0.26, kMethodColour[m], methods[m]);
  }
  pit_chart.horizontal_marker(0.1, "#5a6572", "uniform");
  html += "<h2>Calibration</h2>\n<div class=\"charts\">" + pit_chart.render(640, 300);

  // CRPS of each method against the model's over the same rows (lower is better).
  const auto crps = f.doubles("/pooled/crps");
  const auto model_crps = f.doubles("/pooled/model_on_same_rows/crps");
  SvgChart crps_chart("Mean monthly CRPS: each baseline vs the model on its rows", "method",
                      "CRPS (lower is better)");
  crps_chart.y_format([](double v) { return format_amount(v); });
  crps_chart.x_categories(methods);
  crps_chart.y_from_zero(true);
  std::vector<double> x_model, x_method, y_model, y_method;
  for (std::size_t m = 0; m < kMethods && m < methods.size(); ++m) {
    if (std::isnan(crps[m])) continue;
    x_model.push_back(static_cast<double>(m) - 0.18);
    y_model.push_back(model_crps[m]);
    if (m == 0) continue;  // the model against itself
    x_method.push_back(static_cast<double>(m) + 0.18);
    y_method.push_back(crps[m]);
  }
  crps_chart.bars(x_model, y_model, 0.34, kMethodColour[0], "model on the same rows");
  crps_chart.bars(x_method, y_method, 0.34, "#bdbdbd", "baseline");
  html += crps_chart.render(560, 300) + "</div>\n";

  // Pooled scores, as in the summary.
  const auto kinds = f.strings("/pooled/kind");
  const std::pair<const char*, const char*> columns[] = {{"count", "rows"},
                                                         {"crps", "CRPS"},
                                                         {"coverage50", "in 50%"},
                                                         {"coverage80", "in 80%"},
                                                         {"mean_pit", "mean PIT"},
                                                         {"abs_median_error", "|actual − median|"},
                                                         {"median_bias", "bias (actual − median)"},
                                                         {"pit_uniformity_p", "PIT p"}};
  std::vector<std::vector<double>> values;
  for (const auto& [name, title] : columns)
    values.push_back(f.doubles(std::string("/pooled/") + name));
  html +=
      "<h3>Scores (coverage: 50% and 80% intervals should hold 50% and 80% of the actuals)"
      "</h3>\n<p class=\"note\">Bias is the mean of actual − median: above 0, the median "
      "forecast was too low; below 0, too high. A mean PIT above 0.5 says the "
      "same.</p>\n<table>\n<tr><th>period</th><th>method</th>";
  for (const auto& [name, title] : columns) html += fmt::format("<th>{}</th>", title);
  html += "<th>model CRPS, same rows</th></tr>\n";
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    for (std::size_t m = 0; m < methods.size(); ++m) {
      const std::size_t i = k * methods.size() + m;
      html +=
          fmt::format("<tr><td>{}</td><td>{}</td>", html_escape(kinds[k]), html_escape(methods[m]));
      for (std::size_t c = 0; c < std::size(columns); ++c) {
        const std::string name = columns[c].first;
        const double v = values[c][i];
        std::string text = format_grouped(v, 3);
        if (name == "count" || name == "crps" || name.find("median") != std::string::npos)
          text = format_grouped(v);
        if (name.rfind("coverage", 0) == 0) text = format_percent(v, 1);
        if (name == "pit_uniformity_p") text = format_p_value(v);
        html += cell(text, "/pooled/" + name, i, v);
      }
      html +=
          cell(format_grouped(model_crps[i]), "/pooled/model_on_same_rows/crps", i, model_crps[i]) +
          "</tr>\n";
    }
  }
  html +=
      "</table>\n<h3>PIT histogram (rows per decile)</h3>\n<table>\n<tr><th>period</th>"
      "<th>method</th>";
  for (int b = 0; b < 10; ++b)
    html += fmt::format("<th>{:.1f}–{:.1f}</th>", b / 10.0, (b + 1) / 10.0);
  html += "</tr>\n";
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    for (std::size_t m = 0; m < methods.size(); ++m) {
      html +=
          fmt::format("<tr><td>{}</td><td>{}</td>", html_escape(kinds[k]), html_escape(methods[m]));
      for (std::size_t b = 0; b < 10; ++b) {
        const std::size_t i = (k * methods.size() + m) * 10 + b;
        html += cell(format_grouped(histogram[i]), "/pooled/pit_histogram", i, histogram[i]);
      }
      html += "</tr>\n";
    }
  }
  html += "</table>\n";

  // The charted rows, to paste into a spreadsheet.
  std::vector<std::size_t> listed;
  for (const auto& [name, rows] : shown) listed.insert(listed.end(), rows.begin(), rows.end());
  html += fmt::format(
      "<h3>Forecasts charted ({}{})</h3>\n<div class=\"wide\"><table>\n"
      "<tr><th>region</th><th>cut-off</th><th>month</th><th>actual</th>"
      "<th>P10</th><th>P50</th><th>P90</th><th>PIT</th></tr>\n",
      format_grouped(double(std::min(listed.size(), kTableRows))),
      listed.size() > kTableRows ? fmt::format(" of {} rows", format_grouped(double(listed.size())))
                                 : " rows");
  for (std::size_t k = 0; k < listed.size() && k < kTableRows; ++k) {
    const std::size_t i = listed[k];
    html += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td>", html_escape(region[i]),
                        html_escape(origin[i]), html_escape(period[i]));
    html += cell(format_grouped(actual[i]), "/rows/actual", i, actual[i]);
    for (std::size_t level : {1, 3, 5}) {
      const std::size_t q = i * kLevels + level;
      html += cell(format_grouped(quantiles[q]), "/rows/model_quantiles", q, quantiles[q]);
    }
    html += cell(format_grouped(pit[i], 3), "/rows/model/pit", i, pit[i]) + "</tr>\n";
  }
  return html + "</table></div>\n";
}

}  // namespace opsim::report
