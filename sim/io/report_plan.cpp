// The report's sections on `opsim quotas` and `opsim capacity` files (results/plan.md): their
// tables as written, the attainment distribution, and each region's chance of its target.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "sim/io/number_format.hpp"
#include "sim/io/report_parts.hpp"
#include "sim/io/svg_chart.hpp"

namespace opsim::report {

namespace {

//! A group of one-row-per-entry datasets: string columns first (labels), then numbers.
std::string group_table(H5Reader& f, const std::string& group, const std::string& title) {
  if (!f.has(group)) return "";
  H5::Group g = f.file().openGroup(group);
  std::vector<std::string> text_names, number_names;
  for (hsize_t i = 0; i < g.getNumObjs(); ++i) {
    const std::string name = g.getObjnameByIdx(i);
    if (g.getObjTypeByIdx(i) != H5G_DATASET) continue;
    H5::DataSet ds = g.openDataSet(name);
    if (ds.getSpace().getSimpleExtentNdims() != 1) continue;  // per-trial arrays are 1-D too
    if (ds.getTypeClass() == H5T_STRING)
      text_names.push_back(name);
    else if (name.rfind("trial_", 0) != 0)
      number_names.push_back(name);
  }
  std::vector<std::vector<std::string>> texts;
  std::vector<std::vector<double>> numbers;
  std::size_t rows = 0;
  for (const auto& n : text_names) {
    texts.push_back(f.strings(group + "/" + n));
    rows = std::max(rows, texts.back().size());
  }
  for (const auto& n : number_names) {
    numbers.push_back(f.doubles(group + "/" + n));
    rows = std::max(rows, numbers.back().size());
  }
  std::string html = fmt::format("<h3>{}</h3>\n<div class=\"wide\"><table>\n<tr>", title);
  for (const auto& n : text_names) html += fmt::format("<th>{}</th>", html_escape(n));
  for (const auto& n : number_names) html += fmt::format("<th>{}</th>", html_escape(n));
  html += "</tr>\n";
  for (std::size_t r = 0; r < rows; ++r) {
    html += "<tr>";
    for (const auto& column : texts)
      html += fmt::format("<td>{}</td>", r < column.size() ? html_escape(column[r]) : "");
    for (std::size_t c = 0; c < numbers.size(); ++c) {
      if (r >= numbers[c].size()) {
        html += "<td></td>";
        continue;
      }
      const double v = numbers[c][r];
      const std::string& name = number_names[c];
      const bool share = name.rfind("p_", 0) == 0 || name.find("share") != std::string::npos ||
                         name.find("probability") != std::string::npos;
      const bool year = name.find("year") != std::string::npos;
      std::string shown =
          std::fabs(v) >= 100 || v == std::floor(v) ? format_grouped(v) : format_grouped(v, 3);
      if (share) shown = format_percent(v);
      if (year) shown = fmt::format("{:.0f}", v);
      html += cell(shown, group + "/" + name, r, v);
    }
    html += "</tr>\n";
  }
  return html + "</table></div>\n";
}

}  // namespace

std::string quotas_section(H5Reader& f) {
  std::string html = fmt::format(
      "<h1>Quotas: {}</h1>\n<p class=\"note\">{} trials, method {}, "
      "amounts in {}.</p>\n",
      html_escape(f.attribute("scenario_name")), html_escape(f.attribute("trials")),
      html_escape(f.attribute("method", "/quotas")),
      html_escape(f.attribute("reporting_currency")));
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
  html += group_table(f, "/quotas/organisation", "Organisation");
  html += group_table(f, "/quotas/regions", "Regions");
  html += group_table(f, "/quotas/territories", "Territories");
  html += group_table(f, "/compensation", "Compensation cost (against budget)");
  html += group_table(f, "/quotas/seats", "Seats");
  return html;
}

std::string capacity_section(H5Reader& f) {
  std::string html = fmt::format(
      "<h1>Capacity plan: {}</h1>\n<p class=\"note\">{} trials, "
      "amounts in {}.</p>\n",
      html_escape(f.attribute("scenario_name")), html_escape(f.attribute("trials")),
      html_escape(f.attribute("reporting_currency")));
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
    chart.y_from_zero(true);
    html += "<div class=\"charts\">" + chart.render(560, 280) + "</div>\n";
  }
  html += group_table(f, "/capacity/attainment", "Attainment per region");
  html += group_table(f, "/capacity/plan", "Hiring plan");
  return html;
}

}  // namespace opsim::report
