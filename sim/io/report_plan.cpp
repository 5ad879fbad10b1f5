// The report's sections on `opsim quotas` and `opsim capacity` files (results/plan.md): their
// tables as written, the attainment distribution, and each region's chance of its target.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "sim/io/number_format.hpp"
#include "sim/io/plan_columns.hpp"
#include "sim/io/plan_output.hpp"
#include "sim/io/report_parts.hpp"
#include "sim/io/svg_chart.hpp"

namespace opsim::report {

namespace {

//! A plan table as written (sim/io/plan_output.cpp): its columns in the order of the group's
//! "columns" attribute (by name in files written before it), headed for people with units,
//! each number formatted as its unit (plan_columns.hpp) and tagged with its dataset.
std::string group_table(H5Reader& f, const std::string& group, const std::string& title,
                        bool of_bookings = false, const std::string& empty = "") {
  if (!f.has(group)) return "";
  H5::Group g = f.file().openGroup(group);
  std::vector<std::string> names;
  const std::string order = f.attribute("columns", group);
  for (std::size_t start = 0; !order.empty() && start <= order.size();) {
    const std::size_t end = std::min(order.find(',', start), order.size());
    names.push_back(order.substr(start, end - start));
    start = end + 1;
  }
  if (names.empty()) {
    for (hsize_t i = 0; i < g.getNumObjs(); ++i) {
      const std::string name = g.getObjnameByIdx(i);
      if (g.getObjTypeByIdx(i) == H5G_DATASET && name.rfind("trial_", 0) != 0)
        names.push_back(name);
    }
  }
  struct Column {
    std::string name;
    bool text = false;
    std::vector<std::string> texts;
    std::vector<double> numbers;
  };
  std::vector<Column> columns;
  std::size_t rows = 0;
  for (const auto& name : names) {
    if (!g.nameExists(name) || g.childObjType(name) != H5O_TYPE_DATASET) continue;
    H5::DataSet ds = g.openDataSet(name);
    if (ds.getSpace().getSimpleExtentNdims() != 1) continue;
    Column c{name, ds.getTypeClass() == H5T_STRING, {}, {}};
    if (c.text)
      c.texts = f.strings(group + "/" + name);
    else
      c.numbers = f.doubles(group + "/" + name);
    rows = std::max(rows, c.text ? c.texts.size() : c.numbers.size());
    columns.push_back(std::move(c));
  }
  const std::string currency = f.attribute("reporting_currency");
  // A table of named quantities (/compensation): each row is headed for people with its unit, and
  // a share or probability row is a percentage under the columns (as the CSV and workbook), so
  // the columns carry no currency.
  const Column* quantity = nullptr;
  for (const auto& c : columns)
    if (c.text && c.name == "quantity") quantity = &c;
  std::string html = fmt::format("<h3>{}</h3>\n<div class=\"wide\"><table>\n<tr>", title);
  for (const auto& c : columns) {
    const std::string heading = plan_column_heading(
        c.name, c.text || quantity != nullptr ? "" : currency, of_bookings && !c.text);
    html += fmt::format("<th>{}</th>", html_escape(heading));
  }
  html += "</tr>\n";
  for (std::size_t r = 0; r < rows; ++r) {
    html += "<tr>";
    // A quantity's row kind (a probability or its spread) wins over its columns'.
    const CellKind row_kind = quantity != nullptr && r < quantity->texts.size()
                                  ? plan_column_kind(quantity->texts[r])
                                  : CellKind::text;
    const bool percent_row = row_kind == CellKind::percent || row_kind == CellKind::points;
    for (const auto& c : columns) {
      if (c.text) {
        const std::string text = r >= c.texts.size() ? ""
                                 : &c == quantity    ? plan_column_heading(c.texts[r], currency)
                                                     : plan_label_text(c.name, c.texts[r]);
        html += fmt::format("<td>{}</td>", html_escape(text));
        continue;
      }
      if (r >= c.numbers.size()) {
        html += "<td></td>";
        continue;
      }
      const double v = c.numbers[r];
      std::string shown;
      switch (percent_row ? row_kind : plan_column_kind(c.name)) {
        case CellKind::percent:
          shown = format_percent(v);
          break;
        case CellKind::year:
          shown = std::isnan(v) ? "n/a" : fmt::format("FY{:.0f}", v);  // as everywhere else
          break;
        case CellKind::amount:
        case CellKind::integer:
          shown = format_grouped(v);
          break;
        case CellKind::ratio:
          shown = std::isnan(v) ? "n/a" : fmt::format("{:.3f}", v);
          break;
        case CellKind::points:
          shown = format_points(v, !percent_row && plan_column_signed(c.name));
          break;
        default:
          shown = format_grouped(v, 2);
      }
      html += cell(shown, group + "/" + c.name, r, v);
    }
    html += "</tr>\n";
  }
  html += "</table></div>\n";
  if (rows == 0 && !empty.empty()) html += fmt::format("<p class=\"note\">{}</p>\n", empty);
  return html;
}

}  // namespace

std::string quotas_section(H5Reader& f) {
  std::string html = fmt::format(
      "<h1>Quotas: {}</h1>\n<p class=\"note\">{} trials, method {}, "
      "amounts in {}.</p>\n",
      html_escape(f.attribute("scenario_name")), html_escape(f.count_attribute("trials")),
      html_escape(f.attribute("method", "/quotas")),
      html_escape(f.attribute("reporting_currency")));
  // What the terminal warned of (coverage or share at quota outside the healthy bands, seats
  // without a quota, components that cannot pay), first: the page is what finance is sent.
  if (f.has("/quotas/warnings")) {
    html += "<div class=\"warnings\"><h2>Warnings</h2>\n<ul>\n";
    for (const std::string& w : f.strings("/quotas/warnings"))
      html += fmt::format("<li>{}</li>\n", html_escape(w));
    html += "</ul></div>\n";
  }
  if (f.has("/quotas/attainment_histogram/share")) {
    const auto from = f.doubles("/quotas/attainment_histogram/attainment_from");
    const auto share = f.doubles("/quotas/attainment_histogram/share");
    SvgChart chart("Attainment of quota across seats and trials", "attainment (bookings / quota)",
                   "share of seat-trials");
    chart.y_format([](double v) { return format_percent(v, 1); });
    chart.x_format([](double v) { return format_percent(v, 0); });
    std::vector<double> centres;
    const double width = from.size() > 1 ? from[1] - from[0] : 0.1;
    for (double x : from) centres.push_back(x + width / 2);
    chart.bars(centres, share, width, "#6baed6", "seat-trials");
    chart.vertical_marker(1.0, "#d62728", "quota");
    chart.y_from_zero(true);
    html += "<h2>Attainment and fairness</h2>\n<div class=\"charts\">" + chart.render(640, 300) +
            "</div>\n";
  }
  html += group_table(f, "/quotas/organisation",
                      "Organisation (sellers; overlay seats on their own row)");
  html += group_table(f, "/quotas/regions", "Regions (sellers)", true);
  html += group_table(f, "/quotas/territories", "Territories", true);
  html += group_table(f, "/compensation", "Compensation cost (against budget)");
  html += group_table(f, "/compensation/groups", "Compensation per role &times; region");
  html += group_table(f, "/compensation/components", "Compensation components per plan");
  html += group_table(f, "/quotas/seats", "Seats", true);
  return html;
}

std::string capacity_section(H5Reader& f) {
  std::string html = fmt::format(
      "<h1>Capacity plan: {}</h1>\n<p class=\"note\">{} trials, "
      "amounts in {}.</p>\n",
      html_escape(f.attribute("scenario_name")), html_escape(f.count_attribute("trials")),
      html_escape(f.attribute("reporting_currency")));
  // The status and the confidence the plan is held to, as the terminal and workbook say them.
  const std::string status = f.attribute("status", "/capacity");
  const bool with_status = !status.empty();
  const double confidence = f.number_attribute("/capacity", "confidence");
  if (with_status) {
    html += fmt::format("<p class=\"status\">{}</p>\n",
                        html_escape(capacity_status_sentence(
                            status == "feasible", confidence,
                            f.number_attribute("/capacity", "budget"),  // NaN: no budget
                            f.attribute("reporting_currency"))));
  }
  // The plan's headline, as the terminal and the workbook give it (review: the page never said
  // how many hires or what they cost, in budget mode not what was spent of the budget).
  const double cost = f.number_attribute("/capacity", "cost");
  if (!std::isnan(cost)) {
    const std::size_t hires =
        f.has("/capacity/plan/hire") ? f.strings("/capacity/plan/hire").size() : 0;
    html += fmt::format("<p class=\"status\">{}, cost to the fiscal-year end {} {}.</p>\n",
                        format_count(static_cast<long long>(hires), "recommended hire"),
                        format_grouped(cost), html_escape(f.attribute("reporting_currency")));
  }
  if (f.has("/capacity/attainment/p_target")) {
    const auto p = f.doubles("/capacity/attainment/p_target");
    const auto regions = f.strings("/capacity/attainment/region");
    SvgChart chart("Probability of reaching each region's target with the plan", "region",
                   "P(target)");
    chart.y_format([](double v) { return format_percent(v, 0); });
    chart.x_categories(regions);
    std::vector<double> x;
    for (std::size_t i = 0; i < p.size(); ++i) x.push_back(static_cast<double>(i));
    chart.bars(x, p, 0.6, "#74c476", "P(target)");
    if (!std::isnan(confidence))
      chart.horizontal_marker(confidence, "#d62728", "required " + format_percent(confidence));
    chart.y_from_zero(true);
    html += "<div class=\"charts\">" + chart.render(560, 280) + "</div>\n";
  }
  html += group_table(f, "/capacity/attainment", "Attainment per region", true);
  html += group_table(f, "/capacity/plan", "Hiring plan: recommended hires", false,
                      "No hire recommended (the attainment per region above says how the planned "
                      "organisation fares).");
  html += group_table(f, "/capacity/headcount", "Headcount by month (planned and recommended)");
  return html;
}

}  // namespace opsim::report
