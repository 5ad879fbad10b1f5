// The report's section on a run (opsim run / merge): headline targets, exceedance curves,
// fiscal-period quantiles, the product mix, the monthly fan chart, ARR and headcount, KPIs,
// provenance.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "sim/base/error.hpp"
#include "sim/engine/results.hpp"
#include "sim/io/number_format.hpp"
#include "sim/io/report_parts.hpp"
#include "sim/io/svg_chart.hpp"

namespace opsim::report {

namespace {

const char* kRegionColours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                "#9467bd", "#8c564b", "#e377c2", "#17becf"};

struct RunFile {
  std::vector<std::string> periods, regions, segments, metrics, months;
  //! Per period, Period::coverage() and Period::coverage(Coverage::simulated).
  std::vector<std::string> coverage, coverage_simulated;
  std::vector<double> levels;
  std::string currency;
  std::size_t R = 0, S = 0, K = 0, Q = 0;

  explicit RunFile(H5Reader& f)
      : periods(f.strings("/labels/periods")),
        regions(f.strings("/labels/regions")),
        segments(f.strings("/labels/segments")),
        metrics(f.strings("/labels/metrics")),
        months(f.strings("/labels/months")),
        levels(f.doubles("/labels/quantile_levels")),
        currency(f.attribute("reporting_currency")) {
    coverage = f.has("/labels/period_coverage") ? f.strings("/labels/period_coverage")
                                                : std::vector<std::string>(periods.size());
    coverage_simulated = f.has("/labels/period_coverage_simulated")
                             ? f.strings("/labels/period_coverage_simulated")
                             : coverage;
    R = regions.size();
    S = segments.size();
    K = metrics.size();
    Q = levels.size();
  }
  int metric(const std::string& name) const {
    auto it = std::find(metrics.begin(), metrics.end(), name);
    return it == metrics.end() ? -1 : static_cast<int>(it - metrics.begin());
  }
  int index(const std::vector<std::string>& axis, const std::string& label) const {
    auto it = std::find(axis.begin(), axis.end(), label);
    return it == axis.end() ? -1 : static_cast<int>(it - axis.begin());
  }
  int quantile(double level) const {
    for (std::size_t q = 0; q < Q; ++q)
      if (std::fabs(levels[q] - level) < 1e-9) return static_cast<int>(q);
    return -1;
  }
  std::size_t period_cell(std::size_t p, std::size_t r, std::size_t s, std::size_t k) const {
    return ((p * R + r) * S + s) * K + k;
  }
  const std::string& coverage_of(std::size_t p, Coverage c = Coverage::to_horizon_end) const {
    return c == Coverage::simulated ? coverage_simulated[p] : coverage[p];
  }
  std::string period_label(std::size_t p, Coverage c = Coverage::to_horizon_end) const {
    const std::string& text = coverage_of(p, c);
    return text.empty() ? periods[p] : periods[p] + " " + text;
  }
  //! The row's class: shaded when the period is partial for the value shown.
  std::string row_class(std::size_t p, Coverage c = Coverage::to_horizon_end) const {
    return coverage_of(p, c).empty() ? "" : " class=\"partial\"";
  }
  std::string amount(double v) const { return format_amount(v, currency); }
};

struct Target {
  std::string metric, period, region, segment;
  std::string words;                             //!< the metric for people (metric_words)
  Coverage coverage = Coverage::to_horizon_end;  //!< the metric's (coverage_of)
  double amount = 0, mean = 0, probability = 0, se = 0;
  std::size_t cell = 0;  // into one trial's period cells
  int period_index = -1;
  std::vector<double> trials;  // sorted per-trial values of the cell
};

double share_at_least(const std::vector<double>& sorted, double x) {
  const auto it = std::lower_bound(sorted.begin(), sorted.end(), x);
  return static_cast<double>(sorted.end() - it) / static_cast<double>(sorted.size());
}

std::string exceedance_chart(const RunFile& run, const Target& t) {
  SvgChart chart(
      fmt::format("{} {} {}: P(at least x)", t.words,
                  run.period_label(static_cast<std::size_t>(t.period_index), t.coverage), t.region),
      fmt::format("{} ({})", t.words, run.currency), "probability");
  chart.x_format([](double v) { return format_amount(v); });
  chart.y_format([](double v) { return format_percent(v, 0); });
  std::vector<double> x, y;
  const std::size_t n = t.trials.size();
  const std::size_t points = std::min<std::size_t>(n, 240);
  for (std::size_t i = 0; i < points; ++i) {
    const std::size_t j = points == 1 ? 0 : i * (n - 1) / (points - 1);
    x.push_back(t.trials[j]);
    y.push_back(1.0 - static_cast<double>(j) / static_cast<double>(n));
  }
  chart.line(x, y, "#1f77b4", "P(value ≥ x)");
  chart.vertical_marker(t.amount, "#d62728", "target " + format_amount(t.amount));
  chart.vertical_marker(t.trials[n / 2], "#2ca02c", "P50");
  return chart.render(520, 280);
}

std::string histogram_chart(const RunFile& run, const Target& t) {
  SvgChart chart(
      fmt::format("{} {} {}: distribution across trials", t.words,
                  run.period_label(static_cast<std::size_t>(t.period_index), t.coverage), t.region),
      fmt::format("{} ({})", t.words, run.currency), "share of trials");
  chart.x_format([](double v) { return format_amount(v); });
  chart.y_format([](double v) { return format_percent(v, 1); });
  const double low = t.trials.front(), high = t.trials.back();
  const int bins = 40;
  const double width = high > low ? (high - low) / bins : 1.0;
  std::vector<double> centres(bins), shares(bins, 0.0);
  for (int b = 0; b < bins; ++b) centres[b] = low + (b + 0.5) * width;
  for (double v : t.trials) {
    const int b = std::clamp(static_cast<int>((v - low) / width), 0, bins - 1);
    shares[b] += 1.0 / static_cast<double>(t.trials.size());
  }
  chart.bars(centres, shares, width, "#9ecae1", "trials");
  chart.vertical_marker(t.amount, "#d62728", "target");
  chart.vertical_marker(t.trials[t.trials.size() / 2], "#2ca02c", "P50");
  chart.y_from_zero(true);
  return chart.render(520, 280);
}

//! The product mix per fiscal year and region (only when the file has products): new bookings
//! mean and P10 / P50 / P90, the share of the period's mean new bookings (all segments), mean wins
//! and mean pipeline created. `period_mean`: /summary/periods/mean.
std::string product_mix_table(H5Reader& f, const RunFile& run,
                              const std::vector<double>& period_mean, int q10, int q50, int q90) {
  if (!f.has("/summary/products/mean")) return "";
  const auto products = f.strings("/labels/products");
  const auto names = f.strings("/labels/product_metrics");
  const auto mean = f.doubles("/summary/products/mean");
  const auto quantiles = f.doubles("/summary/products/quantiles");
  const std::size_t J = products.size(), PK = names.size();
  const auto metric = [&](const std::string& name) {
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) throw_input("{}: /labels/product_metrics lacks {}", f.path(), name);
    return static_cast<std::size_t>(it - names.begin());
  };
  const std::size_t bookings = metric("new_bookings"), wins = metric("wins"),
                    created = metric("pipeline_created");
  const int new_bookings = run.metric("new_bookings");
  std::string html = fmt::format(
      "<h2>Product mix by fiscal year ({})</h2>\n<table class=\"products\">\n<tr><th>period</th>"
      "<th>region</th><th>product</th><th>mean</th><th>P10</th><th>P50</th><th>P90</th>"
      "<th>share of new bookings</th><th>wins (mean)</th><th>pipeline created (mean)</th></tr>\n",
      html_escape(run.currency));
  for (std::size_t p = 0; p < run.periods.size(); ++p) {
    if (run.periods[p].find("-Q") != std::string::npos) continue;
    for (std::size_t r = 0; r < run.R; ++r) {
      const double all = period_mean[run.period_cell(p, r, run.S - 1, new_bookings)];
      for (std::size_t j = 0; j < J; ++j) {
        const auto at = [&](std::size_t k) { return ((p * run.R + r) * J + j) * PK + k; };
        const std::size_t c = at(bookings);
        const auto q = [&](int level) {
          const std::size_t i = c * run.Q + level;
          return cell(format_grouped(quantiles[i]), "/summary/products/quantiles", i, quantiles[i]);
        };
        const double share = all > 0 ? mean[c] / all : std::nan("");
        html += fmt::format("<tr{}><td>{}</td><td>{}</td><td>{}</td>{}{}{}{}{}{}{}</tr>\n",
                            run.row_class(p, Coverage::simulated),
                            html_escape(run.period_label(p, Coverage::simulated)),
                            html_escape(run.regions[r]), html_escape(products[j]),
                            cell(format_grouped(mean[c]), "/summary/products/mean", c, mean[c]),
                            q(q10), q(q50), q(q90),
                            derived_cell(all > 0 ? format_percent(share) : "n/a",
                                         fmt::format("product_share:{}", c), share),
                            cell(format_grouped(mean[at(wins)], 1), "/summary/products/mean",
                                 at(wins), mean[at(wins)]),
                            cell(format_grouped(mean[at(created)]), "/summary/products/mean",
                                 at(created), mean[at(created)]));
      }
    }
  }
  html +=
      "</table>\n<p class=\"note\">New bookings, wins and pipeline created of each product "
      "(rep-generated opportunities and the open-pipeline deals that name it); share: the "
      "product's mean new bookings over the period's mean new bookings of all segments. Actuals "
      "to date carry no product.</p>\n";
  return html;
}

}  // namespace

std::string run_section(H5Reader& f) {
  const RunFile run(f);
  const std::size_t P = run.periods.size(), M = run.months.size();
  const int q10 = run.quantile(0.10), q25 = run.quantile(0.25), q50 = run.quantile(0.50),
            q75 = run.quantile(0.75), q90 = run.quantile(0.90);
  if (q10 < 0 || q25 < 0 || q50 < 0 || q75 < 0 || q90 < 0)
    throw_input("{}: /labels/quantile_levels lacks 0.10, 0.25, 0.50, 0.75 or 0.90", f.path());
  const std::size_t total_segment = run.S - 1;
  const int new_bookings = run.metric("new_bookings");
  std::string html;
  const std::string name = f.attribute("scenario_name");
  html += fmt::format("<h1>Forecast: {}</h1>\n", html_escape(name));
  html += fmt::format(
      "<p class=\"note\">{} trials, amounts in {} at plan rates. A period marked "
      "<em>partial</em> covers only the months named: it runs past the horizon, or starts before "
      "it for values without actuals (only new bookings have them).</p>\n",
      html_escape(f.count_attribute("trials")), html_escape(run.currency));
  // What the terminal says first (review: someone handed only the report could not tell that the
  // spread includes the assumptions' uncertainty), in one sentence: the list of what is drawn
  // follows the targets (review: a long list pushed the targets below the first screen).
  std::vector<std::string> drawn;
  if (f.has("/scenario/uncertain_parameters")) drawn = f.strings("/scenario/uncertain_parameters");
  if (!drawn.empty()) {
    html += fmt::format(
        "<p class=\"note\">Forecast with assumption uncertainty: {} scenario parameter{} drawn "
        "once per trial (<a href=\"#uncertain-parameters\">listed after the targets</a>).</p>\n",
        drawn.size(), drawn.size() == 1 ? "" : "s");
  }
  auto uncertain_parameters = [&] {
    if (drawn.empty()) return;
    html +=
        "<h2 id=\"uncertain-parameters\">Assumption uncertainty</h2>\n<p class=\"note\">Drawn "
        "once per trial, so that the distributions include them:</p>\n<ul>";
    for (const std::string& line : drawn) html += "<li>" + html_escape(line) + "</li>";
    html += "</ul>\n";
  };

  // Targets with their per-trial values (one pass over /trials/periods).
  std::vector<Target> targets;
  if (f.has("/summary/targets/amount")) {
    const auto metric = f.strings("/summary/targets/metric");
    const auto period = f.strings("/summary/targets/period");
    const auto region = f.strings("/summary/targets/region");
    const auto segment = f.strings("/summary/targets/segment");
    const auto amount = f.doubles("/summary/targets/amount");
    const auto mean = f.doubles("/summary/targets/mean");
    const auto probability = f.doubles("/summary/targets/probability");
    const auto se = f.doubles("/summary/targets/standard_error");
    for (std::size_t i = 0; i < amount.size(); ++i) {
      Target t;
      t.metric = metric[i];
      t.words = metric_words(t.metric);
      t.coverage = coverage_of(metric_index(t.metric));
      t.period = period[i];
      t.region = region[i];
      t.segment = segment[i];
      t.amount = amount[i];
      t.mean = mean[i];
      t.probability = probability[i];
      t.se = se[i];
      t.period_index = run.index(run.periods, t.period);
      const int r = run.index(run.regions, t.region), s = run.index(run.segments, t.segment),
                k = run.metric(t.metric);
      if (t.period_index < 0 || r < 0 || s < 0 || k < 0)
        throw_input("{}: target {} names a cell the file's labels do not have", f.path(), i);
      t.cell = run.period_cell(static_cast<std::size_t>(t.period_index), r, s, k);
      targets.push_back(std::move(t));
    }
  }
  if (!targets.empty()) {
    f.row_blocks("/trials/periods", 512, [&](hsize_t, hsize_t rows, const std::vector<double>& v) {
      const std::size_t row = v.size() / rows;
      for (hsize_t i = 0; i < rows; ++i)
        for (Target& t : targets) t.trials.push_back(v[i * row + t.cell]);
    });
    for (Target& t : targets) std::sort(t.trials.begin(), t.trials.end());
  }

  // Headline: whole-period targets as cards, then every target in a table. Without targets, a
  // sentence in place of an empty table and an empty heading (review).
  if (targets.empty()) {
    html +=
        "<h2>Targets</h2>\n<p class=\"note\">The scenario sets no targets: there is no "
        "P(reach) to show. Add <code>targets</code> to the scenario (scenarios/README.md) to see "
        "how likely each is.</p>\n";
    uncertain_parameters();
  } else {
    html += "<h2>Targets</h2>\n<div class=\"headline\">\n";
    for (std::size_t i = 0; i < targets.size(); ++i) {
      const Target& t = targets[i];
      if (run.periods[t.period_index].find("-Q") != std::string::npos) continue;
      // The period as the target's metric covers it, marked when partial, and the segment of a
      // segment's target (review: a renewals card of 10 months read as a whole year's, and two
      // EMEA cards as one target).
      std::string place = t.region;
      if (t.segment != "total") place.append(" ").append(t.segment);
      html += fmt::format(
          "<div class=\"card{}\"><div>{} {} {}</div><div class=\"big\">{}</div>"
          "<div>P(reach the target of {})</div></div>\n",
          run.coverage_of(t.period_index, t.coverage).empty() ? "" : " partial",
          html_escape(t.words), html_escape(run.period_label(t.period_index, t.coverage)),
          html_escape(place),
          cell(format_trials_probability(t.probability, t.trials.size()),
               "/summary/targets/probability", i, t.probability, "span"),
          html_escape(run.amount(t.amount)));
    }
    // Every target metric is an amount in the reporting currency (scenarios/README.md).
    html += fmt::format(
        "</div>\n<table class=\"targets\">\n<tr><th>metric</th><th>period</th><th>region</th>"
        "<th>segment</th><th>target ({0})</th><th>mean ({0})</th><th>P(reach)</th>"
        "<th>95% interval</th><th>P(≥ 90% of target)</th><th>P(≥ 95% of target)</th></tr>\n",
        html_escape(run.currency));
    for (std::size_t i = 0; i < targets.size(); ++i) {
      const Target& t = targets[i];
      const double low = std::max(0.0, t.probability - 1.96 * t.se);
      const double high = std::min(1.0, t.probability + 1.96 * t.se);
      const double p90 = share_at_least(t.trials, 0.9 * t.amount);
      const double p95 = share_at_least(t.trials, 0.95 * t.amount);
      // None or every trial reaching it: the rule-of-three bound, not "0.0% – 0.0%" (review).
      std::string low_text = format_percent(low), high_text = format_percent(high);
      if (t.se == 0 && t.probability == 0) high_text = rule_of_three_percent(t.trials.size());
      if (t.se == 0 && t.probability == 1) low_text = rule_of_three_percent(t.trials.size(), true);
      html += fmt::format(
          "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td>{}{}{}<td class=\"num\">{} – "
          "{}</td>{}{}</tr>\n",
          run.row_class(t.period_index, t.coverage), html_escape(t.words),
          html_escape(run.period_label(t.period_index, t.coverage)), html_escape(t.region),
          html_escape(t.segment),
          cell(format_grouped(t.amount), "/summary/targets/amount", i, t.amount),
          cell(format_grouped(t.mean), "/summary/targets/mean", i, t.mean),
          cell(format_trials_probability(t.probability, t.trials.size()),
               "/summary/targets/probability", i, t.probability),
          low_text, high_text,
          derived_cell(format_trials_probability(p90, t.trials.size()),
                       fmt::format("reach90:{}", i), p90),
          derived_cell(format_trials_probability(p95, t.trials.size()),
                       fmt::format("reach95:{}", i), p95));
    }
    html +=
        "</table>\n<p class=\"note\">P(reach): share of trials whose period value (actuals to "
        "date included) is at least the target; the interval is P ± 1.96 standard errors, and "
        "for a P of 0 or 100% (none or every trial) the 95% bound of the rule of three (3 / "
        "trials).</p>\n";
    uncertain_parameters();

    // Exceedance curves and distributions of the whole-year targets.
    html += "<h2>How likely each yearly target is</h2>\n<div class=\"charts\">\n";
    for (const Target& t : targets) {
      if (run.periods[t.period_index].find("-Q") != std::string::npos) continue;
      html += exceedance_chart(run, t) + histogram_chart(run, t);
    }
    html += "</div>\n";
  }

  // Quarterly and yearly P10 / P50 / P90 of new bookings per region.
  std::vector<hsize_t> dims;
  const auto pq = f.doubles("/summary/periods/quantiles", &dims);
  const auto pmean = f.doubles("/summary/periods/mean");
  html += fmt::format(
      "<h2>New bookings by fiscal period ({})</h2>\n<table class=\"periods\">\n<tr><th>period</th>"
      "<th>region</th><th>mean</th><th>P10</th><th>P50</th><th>P90</th></tr>\n",
      html_escape(run.currency));
  for (std::size_t p = 0; p < P; ++p) {
    for (std::size_t r = 0; r < run.R; ++r) {
      const std::size_t c = run.period_cell(p, r, total_segment, new_bookings);
      auto q = [&](int level) {
        const std::size_t i = c * run.Q + level;
        return cell(format_grouped(pq[i]), "/summary/periods/quantiles", i, pq[i]);
      };
      html += fmt::format("<tr{}><td>{}</td><td>{}</td>{}{}{}{}</tr>\n", run.row_class(p),
                          html_escape(run.period_label(p)), html_escape(run.regions[r]),
                          cell(format_grouped(pmean[c]), "/summary/periods/mean", c, pmean[c]),
                          q(q10), q(q50), q(q90));
    }
  }
  html += "</table>\n";
  html += product_mix_table(f, run, pmean, q10, q50, q90);

  // Monthly fan chart per region: true monthly quantiles.
  html += "<h2>Monthly new bookings by region</h2>\n";
  const bool headline = f.has("/summary/monthly/new_bookings_quantiles");
  std::vector<double> mq;
  if (headline) {
    mq = f.doubles("/summary/monthly/new_bookings_quantiles");
    html +=
        "<p class=\"note\">Bands: P10–P90 and P25–P75 of each month across trials; line: "
        "median. Actuals to date, where the file holds them, in black.</p>\n";
  } else {
    html += "<p class=\"note\">This file predates the kept monthly quantiles: no fan chart.</p>\n";
  }
  std::vector<double> actual_months, actuals;
  std::vector<std::string> actual_labels;
  if (f.has("/actuals/new_bookings")) {
    actuals = f.doubles("/actuals/new_bookings");
    actual_labels = f.strings("/labels/actual_months");
  }
  html += "<div class=\"charts\">\n";
  for (std::size_t r = 0; headline && r < run.R; ++r) {
    SvgChart chart(fmt::format("{}: new bookings per month", run.regions[r]), "month",
                   fmt::format("new bookings ({})", run.currency));
    chart.y_format([](double v) { return format_amount(v); });
    const std::size_t A = actual_labels.size();
    std::vector<std::string> labels = actual_labels;
    labels.insert(labels.end(), run.months.begin(), run.months.end());
    chart.x_categories(labels, std::max<int>(1, static_cast<int>(labels.size()) / 6));
    std::vector<double> x, lo, hi, lo2, hi2, mid;
    for (std::size_t m = 0; m < M; ++m) {
      const double* q = &mq[(m * run.R + r) * run.Q];
      x.push_back(static_cast<double>(A + m));
      lo.push_back(q[q10]);
      hi.push_back(q[q90]);
      lo2.push_back(q[q25]);
      hi2.push_back(q[q75]);
      mid.push_back(q[q50]);
    }
    chart.band(x, lo, hi, kRegionColours[r % 8], 0.18, "P10–P90");
    chart.band(x, lo2, hi2, kRegionColours[r % 8], 0.35, "P25–P75");
    chart.line(x, mid, kRegionColours[r % 8], "median");
    if (A > 0) {
      std::vector<double> ax, ay;
      for (std::size_t a = 0; a < A; ++a) {
        ax.push_back(static_cast<double>(a));
        ay.push_back(actuals[a * run.R + r]);
      }
      chart.line(ax, ay, "#111111", "actuals");
    }
    chart.y_from_zero(true);
    html += chart.render(540, 280);
  }
  html += "</div>\n";

  // ARR and headcount over time (monthly means).
  const auto mmean = f.doubles("/summary/monthly/mean");
  // A metric that is 0 in every month and region (headcount of a scenario without reps) gets a
  // line, not an empty chart (review).
  auto monthly_zero = [&](const char* metric) {
    const int k = run.metric(metric);
    for (std::size_t m = 0; m < M; ++m)
      for (std::size_t r = 0; r < run.R; ++r)
        if (mmean[((m * run.R + r) * run.S + total_segment) * run.K + k] != 0) return false;
    return true;
  };
  std::vector<const char*> charted;
  for (const char* metric : {"arr", "headcount"})
    if (!monthly_zero(metric)) charted.push_back(metric);
  html += fmt::format(
      "<h2>{} over time</h2>\n",
      charted.size() == 1 && std::string(charted[0]) == "arr" ? "ARR" : "ARR and headcount");
  for (const char* metric : {"arr", "headcount"}) {
    if (std::find(charted.begin(), charted.end(), metric) != charted.end()) continue;
    html += std::string(metric) == "arr"
                ? "<p class=\"note\">No ARR in any month: the scenario has no installed base and "
                  "wins no contracts.</p>\n"
                : "<p class=\"note\">No reps in any month: the scenario's new business comes "
                  "from its intensities (no roster or hiring plan).</p>\n";
  }
  html += "<div class=\"charts\">\n";
  for (const char* metric : charted) {
    const int k = run.metric(metric);
    SvgChart chart(fmt::format("{} at month end (mean across trials)", metric_words(metric)),
                   "month",
                   std::string(metric) == "arr" ? fmt::format("ARR ({})", run.currency) : "reps");
    if (std::string(metric) == "arr") chart.y_format([](double v) { return format_amount(v); });
    chart.x_categories(run.months, std::max<int>(1, static_cast<int>(M) / 6));
    for (std::size_t r = 0; r < run.R; ++r) {
      std::vector<double> x, y;
      for (std::size_t m = 0; m < M; ++m) {
        x.push_back(static_cast<double>(m));
        y.push_back(mmean[((m * run.R + r) * run.S + total_segment) * run.K + k]);
      }
      chart.line(x, y, kRegionColours[r % 8], run.regions[r], r + 1 == run.R);
    }
    chart.y_from_zero(true);
    html += chart.render(540, 300);
  }
  html += "</div>\n";

  // KPIs per fiscal year and region.
  if (f.has("/summary/kpis/win_rate")) {
    const auto win = f.doubles("/summary/kpis/win_rate");
    const auto deal = f.doubles("/summary/kpis/average_deal_size");
    const auto cycle = f.doubles("/summary/kpis/cycle_months");
    const auto created = f.doubles("/summary/kpis/pipeline_created");
    html += fmt::format(
        "<h2>KPIs (new-business opportunities of reps and intensities, all segments)</h2>\n<table "
        "class=\"kpis\">\n"
        "<tr><th>period</th><th>region</th><th>win rate</th><th>average deal size ({0})</th>"
        "<th>cycle (months)</th><th>pipeline created ({0})</th></tr>\n",
        html_escape(run.currency));
    for (std::size_t p = 0; p < P; ++p) {
      if (run.periods[p].find("-Q") != std::string::npos) continue;
      for (std::size_t r = 0; r < run.R; ++r) {
        const std::size_t i = (p * run.R + r) * run.S + total_segment;
        html += fmt::format(
            "<tr{}><td>{}</td><td>{}</td>{}{}{}{}</tr>\n", run.row_class(p, Coverage::simulated),
            html_escape(run.period_label(p, Coverage::simulated)), html_escape(run.regions[r]),
            cell(format_percent(win[i]), "/summary/kpis/win_rate", i, win[i]),
            cell(format_grouped(deal[i]), "/summary/kpis/average_deal_size", i, deal[i]),
            cell(format_grouped(cycle[i], 1), "/summary/kpis/cycle_months", i, cycle[i]),
            cell(format_grouped(created[i]), "/summary/kpis/pipeline_created", i, created[i]));
      }
    }
    html += fmt::format(
        "</table>\n<p class=\"note\">n/a: undefined (no opportunities or no wins). {}</p>\n",
        html_escape(f.attribute("pipeline_created_note", "/summary/kpis")));
  }

  html += "<h2>Provenance</h2>\n<table class=\"provenance\">\n";
  // Headings in words, the root attribute each reads in its title (review: "scenario_name",
  // "created_utc", "trials 1000").
  constexpr std::pair<const char*, const char*> kProvenance[] = {
      {"scenario_name", "scenario"},
      {"scenario_sha256", "scenario SHA-256"},
      {"seed", "seed"},
      {"trials", "trials"},
      {"opsim_version", "opsim version"},
      {"git_revision", "git revision"},
      {"created_utc", "written (UTC)"},
      {"command_line", "command line"},
      {"random_stream_scheme", "random stream scheme"},
      {"forecast", "kind of result"}};
  for (const auto& [key, heading] : kProvenance) {
    const std::string value =
        std::string_view(key) == "trials" ? f.count_attribute(key) : f.attribute(key);
    html += fmt::format("<tr><th title=\"root attribute {}\">{}</th><td>{}</td></tr>\n", key,
                        heading, html_escape(value));
  }
  html += "</table>\n";
  return html;
}

}  // namespace opsim::report
