// The report's sections on `opsim compare` and `opsim sweep` files.
#include <algorithm>
#include <cmath>
#include <functional>

#include <fmt/format.h>

#include "sim/base/error.hpp"
#include "sim/io/number_format.hpp"
#include "sim/io/report_parts.hpp"
#include "sim/io/svg_chart.hpp"

namespace opsim::report {

namespace {

//! The trials each scenario of a comparison ran (root attribute "trials"): the count a share of
//! none or all of them is bounded by (format_trials_probability).
std::uint64_t compared_trials(const H5Reader& f) {
  return std::strtoull(f.attribute("trials").c_str(), nullptr, 10);
}

//! Costs and return (when some scenario has costs): per alternative, every fiscal period of the
//! company total (the economics arrays' last region), as the terminal's cost block and
//! economics.csv give them. A ratio that is not defined is a word, as on the terminal.
std::string costs_section(H5Reader& f, const std::vector<std::string>& names,
                          const std::vector<std::string>& periods,
                          const std::function<std::string(std::size_t)>& label) {
  std::string html;
  const std::uint64_t trials = compared_trials(f);
  for (std::size_t a = 1; a < names.size(); ++a) {
    const std::string group = fmt::format("/alternative_{}/economics/", a);
    if (!f.has(group + "cost_base")) continue;
    std::vector<hsize_t> dims;
    const auto cost_base = f.doubles(group + "cost_base", &dims);
    const auto cost_alt = f.doubles(group + "cost_alternative");
    auto zero = [](const std::vector<double>& v) {
      return std::all_of(v.begin(), v.end(), [](double x) { return x == 0; });
    };
    if (dims.size() != 2 || dims[0] != periods.size() || (zero(cost_base) && zero(cost_alt)))
      continue;
    const std::size_t R = dims[1];
    const std::string currency = f.attribute("currency", group);
    html += fmt::format(
        "<h2>Costs and return in {}: {} − {}, company total</h2>\n<div class=\"wide\"><table "
        "class=\"costs\">\n"
        "<tr><th>period</th><th>cost {}</th><th>cost {}</th><th>extra cost</th><th>± SE</th>"
        "<th>extra bookings</th><th>± SE</th><th>extra contribution</th><th>± SE</th>"
        "<th>P(better)</th><th>return on cost</th><th>± SE</th><th>P(return &gt; {})</th>"
        "</tr>\n",
        html_escape(currency), html_escape(names[a]), html_escape(names[0]), html_escape(names[0]),
        html_escape(names[a]), html_escape(f.attribute("return_threshold", group)));
    // One scenario without costs, counted as costing 0, said above its figures (review).
    if (const std::string note = f.attribute("note", group); !note.empty())
      html.insert(
          html.rfind("<div class=\"wide\">"),
          fmt::format("<p class=\"note\"><strong>Warning:</strong> {}.</p>\n", html_escape(note)));
    const char* columns[] = {
        "cost_base",           "cost_alternative", "cost_difference",         "cost_se",
        "bookings_difference", "bookings_se",      "contribution_difference", "contribution_se"};
    std::vector<std::vector<double>> values;
    for (const char* c : columns) values.push_back(f.doubles(group + c));
    const auto better = f.doubles(group + "p_alternative_better");
    const auto ratio = f.doubles(group + "return_on_cost");
    const auto ratio_se = f.doubles(group + "return_se");
    const auto above = f.doubles(group + "p_return_above_threshold");
    // Why a cell has no return, as the terminal and economics.csv say it (older files: from the
    // figures).
    const auto status = f.has(group + "return_status") ? f.strings(group + "return_status")
                                                       : std::vector<std::string>();
    // The months the costs cover (sim/engine/economics.hpp, kCostCoverage); older files: the
    // metric's.
    const auto cost_coverage = f.has(group + "period_coverage")
                                   ? f.strings(group + "period_coverage")
                                   : std::vector<std::string>();
    for (std::size_t p = 0; p < periods.size(); ++p) {
      const std::size_t i = p * R + R - 1;
      const std::string period_label =
          p < cost_coverage.size()
              ? (cost_coverage[p].empty() ? periods[p] : periods[p] + " " + cost_coverage[p])
              : label(p);
      const bool partial = period_label != periods[p];
      html += fmt::format("<tr{}><td>{}</td>", partial ? " class=\"partial\"" : "",
                          html_escape(period_label));
      for (std::size_t c = 0; c < values.size(); ++c)
        html += cell(format_grouped(values[c][i]), group + columns[c], i, values[c][i]);
      html += std::isnan(better[i]) ? std::string("<td class=\"num\">–</td>")
                                    : cell(format_trials_probability(better[i], trials),
                                           group + "p_alternative_better", i, better[i]);
      const double extra = values[2][i];
      if (!std::isnan(ratio[i])) {
        html += cell(format_grouped(ratio[i], 2), group + "return_on_cost", i, ratio[i]);
        html += cell(format_se_grouped(ratio_se[i]), group + "return_se", i, ratio_se[i]);
        html += cell(format_trials_probability(above[i], trials),
                     group + "p_return_above_threshold", i, above[i]);
      } else {
        const std::string why = i < status.size()       ? status[i]
                                : partial && extra != 0 ? "partial period"
                                : extra < 0             ? "saves cost"
                                                        : "no extra cost";
        html += fmt::format("<td colspan=\"3\">{}</td>", html_escape(why));
      }
      html += "</tr>\n";
    }
    html +=
        "</table></div>\n<p class=\"note\">Costs as <code>opsim compare</code> prices them "
        "(programme, hire and compensation costs); a quarter holds the pay placed in it by the "
        "plans' payout timing, so judge returns by fiscal year. Every figure, per region too, is "
        "in economics.csv that <code>opsim compare --csv DIR</code> writes.</p>\n";
  }
  return html;
}

}  // namespace

std::string compare_section(H5Reader& f) {
  const std::uint64_t trials = compared_trials(f);
  if (!f.has("/labels/periods") || !f.has("/scenarios/names")) {
    throw_input(
        "{}: a comparison written before opsim kept /labels and /scenarios; run "
        "`opsim compare` again",
        f.path());
  }
  const auto periods = f.strings("/labels/periods");
  const auto coverage = f.strings("/labels/period_coverage");
  const auto regions = f.strings("/labels/regions");
  const auto segments = f.strings("/labels/segments");
  const auto names = f.strings("/scenarios/names");
  const auto means = f.doubles("/scenarios/period_mean");
  // The metric in words for people ("new bookings"; the files keep "new_bookings").
  const std::string metric = metric_words(f.attribute("metric"));
  const std::size_t P = periods.size(), R = regions.size(), S = segments.size(), n = names.size();
  auto label = [&](std::size_t p) {
    return coverage[p].empty() ? periods[p] : periods[p] + " " + coverage[p];
  };
  std::string html = fmt::format("<h1>Comparison: {}</h1>\n",
                                 html_escape(fmt::format("{}", fmt::join(names, " vs "))));
  html += fmt::format(
      "<p class=\"note\">{} trials per scenario, seed {}, paired with common random numbers: "
      "each difference is taken trial by trial.</p>\n",
      html_escape(f.count_attribute("trials")), html_escape(f.attribute("seed")));
  // Which scenarios draw assumptions per trial, and which (review: the terminal said so, the
  // report of the same comparison did not).
  if (f.has("/scenarios/uncertain_parameters")) {
    const auto parameters = f.strings("/scenarios/uncertain_parameters");
    const auto of = f.strings("/scenarios/uncertain_parameters_scenario");
    for (const std::string& name : names) {
      std::string items;
      for (std::size_t i = 0; i < parameters.size() && i < of.size(); ++i)
        if (of[i] == name) items += "<li>" + html_escape(parameters[i]) + "</li>";
      if (items.empty()) continue;
      html += fmt::format(
          "<p class=\"note\">{} is a forecast with assumption uncertainty; drawn once per "
          "trial:</p>\n<ul class=\"assumptions\">{}</ul>\n",
          html_escape(name), items);
    }
  }

  // Scenarios side by side, then each alternative's difference.
  // The metric's unit (the reporting currency for amounts); absent in older files.
  const std::string unit = f.attribute("unit");
  html += fmt::format(
      "<h2>{}{}: mean per fiscal year and region</h2>\n<table class=\"side\">\n"
      "<tr><th>period</th><th>region</th>",
      html_escape(metric), unit.empty() ? "" : " in " + html_escape(unit));
  for (const auto& name : names) html += fmt::format("<th>{}</th>", html_escape(name));
  for (std::size_t a = 1; a < n; ++a)
    html += fmt::format("<th>{} − {}</th><th>± SE</th><th>P(higher)</th>", html_escape(names[a]),
                        html_escape(names[0]));
  html += "</tr>\n";
  std::vector<std::vector<double>> diff(n), se(n), p5(n), p95(n), better(n);
  for (std::size_t a = 1; a < n; ++a) {
    const std::string group = fmt::format("/alternative_{}/", a);
    diff[a] = f.doubles(group + "mean_difference");
    se[a] = f.doubles(group + "se");
    p5[a] = f.doubles(group + "p5");
    p95[a] = f.doubles(group + "p95");
    better[a] = f.doubles(group + "p_alternative_better");
  }
  for (std::size_t p = 0; p < P; ++p) {
    if (periods[p].find("-Q") != std::string::npos) continue;
    for (std::size_t r = 0; r < R; ++r) {
      html += fmt::format("<tr{}><td>{}</td><td>{}</td>",
                          coverage[p].empty() ? "" : " class=\"partial\"", html_escape(label(p)),
                          html_escape(regions[r]));
      for (std::size_t s = 0; s < n; ++s) {
        const std::size_t i = (s * P + p) * R + r;
        html += cell(format_grouped(means[i]), "/scenarios/period_mean", i, means[i]);
      }
      for (std::size_t a = 1; a < n; ++a) {
        const std::size_t i = (p * R + r) * S + S - 1;
        const std::string group = fmt::format("/alternative_{}/", a);
        if (diff[a][i] == 0 && se[a][i] == 0 && p5[a][i] == 0 && p95[a][i] == 0) {
          html += "<td colspan=\"3\">identical</td>";
          continue;
        }
        html += cell(format_grouped(diff[a][i]), group + "mean_difference", i, diff[a][i]) +
                cell(format_se_grouped(se[a][i]), group + "se", i, se[a][i]) +
                cell(format_trials_probability(better[a][i], trials),
                     group + "p_alternative_better", i, better[a][i]);
      }
      html += "</tr>\n";
    }
  }
  html += "</table>\n";

  // The distribution of each difference: P5 / P50 / P95 per region, for each whole year.
  html +=
      "<h2>Distribution of the differences across trials</h2>\n"
      "<div class=\"charts\">\n";
  for (std::size_t a = 1; a < n; ++a) {
    const std::string group = fmt::format("/alternative_{}/", a);
    const auto p50 = f.doubles(group + "p50");
    for (std::size_t p = 0; p < P; ++p) {
      if (periods[p].find("-Q") != std::string::npos || !coverage[p].empty()) continue;
      SvgChart chart(fmt::format("{} − {}, {} {}", names[a], names[0], metric, periods[p]),
                     "region",
                     unit.empty() ? fmt::format("difference in {}", metric)
                                  : fmt::format("difference in {} ({})", metric, unit));
      chart.y_format([](double v) { return format_amount(v); });
      chart.x_categories(regions);
      std::vector<double> x, lo, hi, mid, mean;
      bool all_identical = true;
      for (std::size_t r = 0; r < R; ++r) {
        const std::size_t i = (p * R + r) * S + S - 1;
        x.push_back(static_cast<double>(r));
        lo.push_back(p5[a][i]);
        hi.push_back(p95[a][i]);
        mid.push_back(p50[i]);
        mean.push_back(diff[a][i]);
        all_identical = all_identical && diff[a][i] == 0 && p5[a][i] == 0 && p95[a][i] == 0;
      }
      if (all_identical) {
        html += fmt::format("<p>{} and {} are identical in {} {}: no differences to draw.</p>\n",
                            html_escape(names[a]), html_escape(names[0]), html_escape(metric),
                            html_escape(periods[p]));
        continue;
      }
      chart.ranges(x, lo, hi, 0.5, "#6baed6", "P5–P95");
      chart.dots(x, mid, "#08519c", "median");
      chart.dots(x, mean, "#d62728", "mean");
      chart.horizontal_marker(0.0, "#555555", "no change");
      html += chart.render(540, 280);
    }
  }
  html += "</div>\n";

  html += costs_section(f, names, periods, label);

  // Targets: P(reach) per scenario.
  if (f.has("/scenarios/target_probability")) {
    const auto targets = f.strings("/labels/targets");
    // A target of a partial period says so (by its metric; absent in older files).
    const auto target_coverage = f.has("/labels/target_coverage")
                                     ? f.strings("/labels/target_coverage")
                                     : std::vector<std::string>{};
    const auto probability = f.doubles("/scenarios/target_probability");
    const auto amount = f.doubles("/scenarios/target_amount");
    // Targets are amounts in the reporting currency (absent in older files).
    const std::string currency = f.attribute("currency");
    html += fmt::format(
        "<h2>Probability of reaching each target</h2>\n<table class=\"targets\">\n"
        "<tr><th>target</th><th>amount{}</th>",
        currency.empty() ? "" : " (" + html_escape(currency) + ")");
    for (const auto& name : names) html += fmt::format("<th>{}</th>", html_escape(name));
    // Each alternative's paired change: the targets its economics group lists are these, in
    // this order (sim/cli/compare_cli.cpp, compared_targets()).
    std::vector<std::vector<double>> change(n), change_se(n);
    for (std::size_t a = 1; a < n; ++a) {
      const std::string se =
          fmt::format("/alternative_{}/economics/target_probability_change_se", a);
      if (f.has(se)) change_se[a] = f.doubles(se);
      // The paired change as stored, which the terminal and the workbook round (review: the
      // difference of the rounded-apart probabilities differed by 0.1 pt in 18 of 78 cells).
      const std::string mean =
          fmt::format("/alternative_{}/economics/target_probability_change", a);
      if (f.has(mean)) change[a] = f.doubles(mean);
      html += fmt::format("<th>{} − {}{}</th>", html_escape(names[a]), html_escape(names[0]),
                          change_se[a].empty() ? "" : " ± SE (paired)");
    }
    html += "</tr>\n";
    const std::size_t T = targets.size();
    for (std::size_t t = 0; t < T; ++t) {
      html +=
          fmt::format("<tr><td>{}</td>{}",
                      html_escape(target_words(targets[t]) +
                                  (t < target_coverage.size() && !target_coverage[t].empty()
                                       ? " " + target_coverage[t]
                                       : "")),
                      cell(format_grouped(amount[t]), "/scenarios/target_amount", t, amount[t]));
      for (std::size_t s = 0; s < n; ++s) {
        const std::size_t i = s * T + t;
        html += cell(format_trials_probability(probability[i], trials),
                     "/scenarios/target_probability", i, probability[i]);
      }
      for (std::size_t a = 1; a < n; ++a) {
        const double d =
            t < change[a].size() ? change[a][t] : probability[a * T + t] - probability[t];
        // With its paired standard error where the file has it (older files: the difference).
        const double se = a < change_se.size() && t < change_se[a].size()
                              ? change_se[a][t]
                              : std::numeric_limits<double>::quiet_NaN();
        // As the terminal says it (review: "+0.0 ±0.0 pts" there, "same" here).
        html += fmt::format("<td class=\"num\">{}</td>", format_probability_change(d, se));
      }
      html += "</tr>\n";
    }
    html += "</table>\n";
  }
  return html;
}

namespace {

//! A sweep table cell as the workbook formats its column's kind (cell_kind_name()); "value": a
//! grid value as written, thousands separated.
std::string sweep_cell_text(const std::string& kind, double v, std::uint64_t trials) {
  if (kind == "value") return format_user_value_grouped(v);
  if (kind == "percent") return format_trials_probability(v, trials);  // shares of trials
  if (kind == "number") return format_grouped(v, 2);
  if (kind == "ratio") return format_grouped(v, 3);
  return format_grouped(v);
}

bool ends_with(const std::string& s, std::string_view end) {
  return s.size() >= end.size() && s.compare(s.size() - end.size(), end.size(), end) == 0;
}

//! Kinds for a sweep file written before /kinds: by the column's name.
std::vector<std::string> sweep_kinds_by_name(const std::vector<std::string>& columns,
                                             std::size_t axes) {
  std::vector<std::string> kinds;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    const std::string& name = columns[c];
    kinds.push_back(c < axes ? "value"
                    : name.rfind("p_target_", 0) == 0 ||
                            ends_with(name, "_p_return_above_threshold")
                        ? "percent"
                    : ends_with(name, "_return_on_cost") ? "number"
                                                         : "amount");
  }
  return kinds;
}

//! An axis's heading for a legend: its words, or in files before them its pointer as words,
//! "/segments[id=MidMarket]/win_rate" -> "MidMarket win_rate".
std::string axis_words(const std::string& pointer) {
  // Files since headings for people carry the axis's words already ("Win rate (segment SMB)").
  if (pointer.empty() || pointer.front() != '/') return pointer;
  std::string words;
  std::size_t at = 0;
  while (at < pointer.size()) {
    if (pointer[at] == '/') {
      ++at;
      continue;
    }
    std::size_t end = pointer.find('/', at);
    if (end == std::string::npos) end = pointer.size();
    std::string part = pointer.substr(at, end - at);
    // A selector names the element: its value is the word.
    if (const auto open = part.find('['); open != std::string::npos) {
      const auto equals = part.find('=', open), close = part.rfind(']');
      if (equals != std::string::npos && close != std::string::npos && close > equals)
        part = part.substr(equals + 1, close - equals - 1);
    }
    words += (words.empty() ? "" : " ") + part;
    at = end;
  }
  return words.empty() ? pointer : words;
}

}  // namespace

std::string sweep_section(H5Reader& f) {
  const std::uint64_t trials = compared_trials(f);
  std::vector<hsize_t> dims;
  const auto table = f.doubles("/sweep", &dims);
  const auto columns = f.strings("/columns");
  if (dims.size() != 2 || dims[1] != columns.size())
    throw_input("{}: /sweep and /columns disagree", f.path());
  const std::size_t rows = dims[0], C = dims[1];
  std::size_t axes = 0;
  while (axes < C && columns[axes].front() == '/') ++axes;
  // The workbook's headings and kinds when the file has them (files before them: by name).
  const std::vector<std::string> headings = f.has("/headings") ? f.strings("/headings") : columns;
  const std::vector<std::string> kinds =
      f.has("/kinds") ? f.strings("/kinds") : sweep_kinds_by_name(columns, axes);
  if (headings.size() != C || kinds.size() != C)
    throw_input("{}: /headings or /kinds disagree with /columns", f.path());
  std::string html = fmt::format("<h1>Sweep of {}: {} variants</h1>\n",
                                 html_escape(f.attribute("scenario_name")), rows);
  // The workbook's note (files before it: how the variants ran).
  html += fmt::format("<p class=\"note\">{}</p>\n",
                      f.has("/note") ? html_escape(f.strings("/note").front())
                                     : fmt::format("{} trials per variant, seed {}, paired with "
                                                   "the base scenario.",
                                                   html_escape(f.count_attribute("trials")),
                                                   html_escape(f.attribute("seed"))));
  // Response curves: mean against the first axis, one line per value of the other axes (a
  // review found a two-axis sweep drawn as one zigzag line); with one axis, the P10–P90 band.
  std::vector<std::vector<std::size_t>> series;  // row indices of each line, in row order
  std::vector<std::string> series_names;
  for (std::size_t r = 0; r < rows; ++r) {
    std::string key;
    for (std::size_t a = 1; a < axes; ++a) {
      key += fmt::format("{}{} = {}", key.empty() ? "" : ", ", axis_words(headings[a]),
                         format_user_value_grouped(table[r * C + a]));
    }
    auto at = std::find(series_names.begin(), series_names.end(), key);
    if (at == series_names.end()) {
      series_names.push_back(key);
      series.emplace_back();
      at = series_names.end() - 1;
    }
    series[static_cast<std::size_t>(at - series_names.begin())].push_back(r);
  }
  static const char* const kColours[] = {"#08519c", "#d62728", "#2ca02c", "#ff7f0e",
                                         "#9467bd", "#8c564b", "#e377c2", "#17becf"};
  html += "<h2>Response</h2>\n<div class=\"charts\">\n";
  for (std::size_t c = axes; c + 3 < C; ++c) {
    const std::string& name = columns[c];
    if (name.size() < 5 || name.substr(name.size() - 5) != "_mean") continue;
    const std::string stem = name.substr(0, name.size() - 5);
    if (columns[c + 1] != stem + "_p10" || columns[c + 3] != stem + "_p90") continue;
    // The heading without its statistic: "new bookings FY2028 mean (USD)" -> "... FY2028 (USD)".
    std::string title = headings[c];
    if (const auto word = title.rfind(" mean"); word != std::string::npos) title.erase(word, 5);
    SvgChart chart(title, headings[0], f.attribute("reporting_currency"));
    chart.y_format([](double v) { return format_amount(v); });
    chart.x_format([](double v) { return format_user_value_grouped(v); });
    for (std::size_t k = 0; k < series.size(); ++k) {
      std::vector<double> x, mean, lo, hi;
      for (std::size_t r : series[k]) {
        x.push_back(table[r * C]);
        mean.push_back(table[r * C + c]);
        lo.push_back(table[r * C + c + 1]);
        hi.push_back(table[r * C + c + 3]);
      }
      if (series.size() == 1) {
        chart.band(x, lo, hi, "#6baed6", 0.35, "P10–P90");
        chart.line(x, mean, kColours[0], "mean");
      } else {
        chart.line(x, mean, kColours[k % std::size(kColours)], series_names[k]);
      }
    }
    html += chart.render(540, 280);
  }
  html += "</div>\n<h2>Every variant</h2>\n<div class=\"wide\"><table class=\"sweep\">\n";
  html += "<tr><th>variant</th>";
  for (const auto& heading : headings) html += fmt::format("<th>{}</th>", html_escape(heading));
  html += "</tr>\n";
  // A difference column and its SE: a variant whose paired difference is exactly 0 with SE 0
  // (the base's own values, or a change the metric does not read) reads "identical", as on the
  // terminal (review: "0" and "0" here, "identical" there).
  std::vector<bool> difference(C, false);
  for (std::size_t c = 0; c + 1 < C; ++c)
    difference[c] =
        ends_with(columns[c], "_difference_vs_base") && ends_with(columns[c + 1], "_difference_se");
  for (std::size_t r = 0; r < rows; ++r) {
    html += fmt::format("<tr><td class=\"num\">{}</td>", r + 1);
    for (std::size_t c = 0; c < C; ++c) {
      const double v = table[r * C + c];
      const bool identical = difference[c] && v == 0 && table[r * C + c + 1] == 0;
      html += cell(identical ? "identical" : sweep_cell_text(kinds[c], v, trials), "/sweep",
                   r * C + c, v);
    }
    html += "</tr>\n";
  }
  html += "</table></div>\n";
  return html;
}

}  // namespace opsim::report
