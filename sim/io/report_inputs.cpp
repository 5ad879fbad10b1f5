// The report's input sanity page (the first page of a run's report, or alone for a scenario
// file): the tables of `opsim validate --summary`, a chart of the open pipeline by region and
// one of the first months' coverage. Every number carries the JSON pointer of the summary value
// it shows (data-json), so that a test can check the page against the summary.
#include <algorithm>
#include <cctype>
#include <limits>

#include <fmt/format.h>

#include "sim/io/input_summary_output.hpp"
#include "sim/io/number_format.hpp"
#include "sim/io/report_parts.hpp"
#include "sim/io/svg_chart.hpp"

namespace opsim::report {

namespace {

std::string json_cell(const std::string& text, const std::string& pointer, double value,
                      const std::string& tag = "td") {
  return fmt::format("<{0} class=\"num\" data-json=\"{1}\" data-v=\"{2}\">{3}</{0}>", tag,
                     html_escape(pointer), exact(value), html_escape(text));
}

double number_at(const nlohmann::json& field) {
  return field.is_number() ? field.get<double>() : std::numeric_limits<double>::quiet_NaN();
}

std::string table_html(const nlohmann::json& summary, const SummaryTable& table,
                       const std::string& currency) {
  const auto& rows = summary.at(table.key);
  std::string html = fmt::format("<h3>{}</h3>\n", html_escape(table.title));
  if (rows.empty()) return html + "<p class=\"note\">None.</p>\n";
  html += "<div class=\"wide\"><table>\n<tr>";
  for (const auto& c : table.columns) {
    html += fmt::format("<th>{}</th>", html_escape(c.kind == SummaryColumn::amount
                                                       ? fmt::format("{} ({})", c.title, currency)
                                                       : c.title));
  }
  html += "</tr>\n";
  std::vector<double> totals(table.columns.size(), 0.0);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    html += "<tr>";
    for (std::size_t k = 0; k < table.columns.size(); ++k) {
      const SummaryColumn& c = table.columns[k];
      const auto& field = rows[r].at(c.key);
      if (c.kind == SummaryColumn::text) {
        const std::string text = field.get<std::string>();
        html += fmt::format("<td>{}</td>", html_escape(text.empty() ? "-" : text));
      } else {
        const double v = number_at(field);
        totals[k] += v;
        html += json_cell(format_grouped(v), fmt::format("/{}/{}/{}", table.key, r, c.key), v);
      }
    }
    html += "</tr>\n";
  }
  // The total row the terminal's table has (review: the report's had none).
  if (table.total && rows.size() > 1) {
    html += "<tr class=\"total\">";
    for (std::size_t k = 0; k < table.columns.size(); ++k) {
      html += table.columns[k].kind == SummaryColumn::text
                  ? fmt::format("<td>{}</td>", k == 0 ? "total" : "")
                  : fmt::format("<td class=\"num\">{}</td>", format_grouped(totals[k]));
    }
    html += "</tr>\n";
  }
  return html + "</table></div>\n";
}

//! Two series side by side per category, amounts in `currency` from zero.
struct PairedBars {
  std::vector<std::string> categories;
  std::vector<double> first, second;
};

SvgChart paired_chart(const std::string& title, const std::string& x_label, const PairedBars& data,
                      const std::string& currency, const std::string& first_legend,
                      const std::string& second_legend) {
  std::vector<double> left, right;
  for (std::size_t i = 0; i < data.categories.size(); ++i) {
    left.push_back(static_cast<double>(i) - 0.18);
    right.push_back(static_cast<double>(i) + 0.18);
  }
  SvgChart chart(title, x_label, currency);
  chart.x_categories(data.categories);
  chart.y_from_zero(true);
  chart.y_format([currency](double v) { return format_amount(v, currency); });
  chart.bars(left, data.first, 0.34, "#fdae6b", first_legend);
  chart.bars(right, data.second, 0.34, "#3182bd", second_legend);
  return chart;
}

//! Open pipeline by region: amount and stage-weighted amount.
std::string pipeline_chart(const nlohmann::json& summary, const std::string& currency) {
  PairedBars data;
  for (const auto& row : summary.at("pipeline")) {
    const std::string region = row.at("region").get<std::string>();
    auto at = std::find(data.categories.begin(), data.categories.end(), region);
    if (at == data.categories.end()) {
      data.categories.push_back(region);
      data.first.push_back(0);
      data.second.push_back(0);
      at = data.categories.end() - 1;
    }
    const auto i = static_cast<std::size_t>(at - data.categories.begin());
    data.first[i] += row.at("amount").get<double>();
    data.second[i] += row.at("weighted").get<double>();
  }
  if (data.categories.empty()) return "";
  return paired_chart("Open pipeline by region", "region", data, currency, "open amount",
                      "weighted by stage")
      .render(520, 280);
}

//! The first months: what the model leaves to the open pipeline against what it holds.
std::string coverage_chart(const nlohmann::json& summary, const std::string& currency) {
  const auto& rows = summary.at("coverage");
  if (rows.empty()) return "";
  PairedBars data;
  std::vector<double> x, expected;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    data.categories.push_back(rows[i].at("month").get<std::string>());
    data.first.push_back(rows[i].at("from_before_start").get<double>());
    data.second.push_back(rows[i].at("pipeline_weighted").get<double>());
    x.push_back(static_cast<double>(i));
    expected.push_back(rows[i].at("expected").get<double>());
  }
  SvgChart chart = paired_chart("Pipeline coverage of the first months", "month", data, currency,
                                "model: opened before the start", "open pipeline, weighted");
  chart.dots(x, expected, "#1d2430", "model expects in all");
  return chart.render(520, 280);
}

}  // namespace

std::string inputs_section(const nlohmann::json& summary, const std::string& title,
                           const std::string& note) {
  const std::string currency = summary.at("currency").get<std::string>();
  std::string html = fmt::format(
      "<h1>Inputs: {}</h1>\n<p class=\"note\">{} Amounts in {} at "
      "plan rates.</p>\n",
      html_escape(title), html_escape(note), html_escape(currency));
  const double coverage = number_at(summary.at("pipeline_coverage"));
  html +=
      "<div class=\"headline\"><div class=\"card\">Open pipeline coverage of the first "
      "months" +
      json_cell(format_percent(coverage, 1), "/pipeline_coverage", coverage, "div") +
      "</div></div>\n";
  std::string sentence = summary.at("coverage_sentence").get<std::string>();
  if (!sentence.empty()) sentence[0] = static_cast<char>(std::toupper(sentence[0]));
  html += fmt::format("<p>{}.</p>\n", html_escape(sentence));
  for (const auto& w : summary.at("warnings")) {
    html += fmt::format("<p class=\"warning\"><strong>Warning:</strong> {}</p>\n",
                        html_escape(w.get<std::string>()));
  }
  html += "<div class=\"charts\">" + pipeline_chart(summary, currency) +
          coverage_chart(summary, currency) + "</div>\n";
  for (const SummaryTable& table : input_summary_tables())
    html += table_html(summary, table, currency);
  return html;
}

}  // namespace opsim::report
