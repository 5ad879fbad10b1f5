// The report's section on an `opsim territories` file (results/README.md, "Territory
// alignment"): a map of the accounts coloured by territory with the centres marked, and the
// balance table.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "models/territory/local_search.hpp"
#include "sim/io/number_format.hpp"
#include "sim/io/report_parts.hpp"
#include "sim/io/svg_chart.hpp"

namespace opsim::report {

namespace {

//! Territory colours (cycled beyond ten territories).
const char* territory_colour(std::size_t t) {
  static const char* palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return palette[t % std::size(palette)];
}

//! Most accounts drawn on the map; beyond it every k-th account is drawn (the page stays
//! under a few MB).
constexpr std::size_t kMapAccounts = 20'000;

//! A measure, as people read it: whole numbers grouped, small ones with 3 decimals.
std::string measure(double v) {
  if (!std::isfinite(v)) return "";  // a figure that does not apply (an empty territory's)
  return std::fabs(v) >= 100 || v == std::floor(v) ? format_grouped(v) : format_grouped(v, 3);
}

}  // namespace

std::string territories_section(H5Reader& f) {
  const auto x = f.doubles("/accounts/x");
  const auto y = f.doubles("/accounts/y");
  const auto owner_of = f.doubles("/accounts/territory");
  const auto ids = f.strings("/territories/id");
  const auto owners = f.strings("/territories/owner");
  const auto centre = f.doubles("/territories/centre");
  const auto accounts = f.doubles("/territories/accounts");
  const auto diameter = f.doubles("/territories/diameter");
  const auto compactness = f.doubles("/territories/compactness");
  const auto attributes = f.strings("/territories/attribute");
  const std::size_t n = x.size(), p = ids.size(), m = attributes.size();
  std::vector<double> totals, deviation;
  if (m > 0) {
    totals = f.doubles("/territories/totals");
    deviation = f.doubles("/territories/deviation");
  }
  const bool feasible = f.number_attribute("/report", "feasible") == 1.0;
  std::string html = fmt::format(
      "<h1>Territory alignment: {}</h1>\n<p class=\"note\">{} accounts in {} territories; {} "
      "({} objective, {} distance), objective {}, {}; {} moved accounts.</p>\n",
      html_escape(f.attribute("input")), format_grouped(static_cast<double>(n)), p,
      html_escape(f.attribute("method", "/report")),
      html_escape(f.attribute("objective_kind", "/report")),
      html_escape(words_of_name(f.attribute("distance", "/report"))),
      measure(f.number_attribute("/report", "objective")),
      feasible ? "feasible" : "<strong>infeasible</strong> (the closest alignment found)",
      format_grouped(f.number_attribute("/report", "moved_accounts")));
  // The search's time line, as the terminal prints it (an evaluated allocation has none).
  if (const auto reason = territory::parse_stop_reason(f.attribute("stop_reason", "/report"));
      reason && f.number_attribute("/report", "starts_run") > 0) {
    const double first_feasible = f.number_attribute("/report", "time_to_feasible");
    html += fmt::format(
        "<p class=\"note\">Search: {} s, {} (best after {} s{}); {} million evaluations.</p>\n",
        format_grouped(f.number_attribute("/report", "seconds"), 2), stop_phrase(*reason),
        format_grouped(f.number_attribute("/report", "time_to_best"), 2),
        std::isnan(first_feasible)
            ? std::string(", no feasible alignment")
            : fmt::format(", first feasible after {} s", format_grouped(first_feasible, 2)),
        format_grouped(f.number_attribute("/report", "work") / 1e6, 1));
    // As the terminal says it: an exact search that kept the heuristic's warm start.
    if (f.number_attribute("/report", "improved_warm_start") == 0.0) {
      const double bound = f.number_attribute("/report", "best_bound");
      html += fmt::format(
          "<p class=\"note\">Exact search: CBC found no better alignment than the heuristic's "
          "warm start{}.</p>\n",
          std::isnan(bound) ? std::string(" (and proved no bound)")
          : f.attribute("bound_method", "/report") == "cbc"
              ? fmt::format(" (its bound {})", format_grouped(bound, 6))
              : std::string());
    }
  }

  // The map: one mark per territory, the centres ringed; none for named accounts, which have no
  // position (review: all 300 drawn at (0, 0)).
  const bool positioned =
      std::any_of(x.begin(), x.end(), [](double v) { return std::isfinite(v); });
  if (positioned) {
    const std::size_t stride = n > kMapAccounts ? (n + kMapAccounts - 1) / kMapAccounts : 1;
    SvgChart map("Accounts by territory (centres ringed)", "x", "y");
    map.x_format([](double v) { return format_user_value(v); });
    map.y_format([](double v) { return format_user_value(v); });
    map.equal_scales(true);
    std::vector<std::vector<double>> tx(p), ty(p);
    for (std::size_t i = 0; i < n; i += stride) {
      const auto t = static_cast<std::size_t>(owner_of[i]);
      if (t >= p) continue;
      tx[t].push_back(x[i]);
      ty[t].push_back(y[i]);
    }
    const double radius = n <= 500 ? 4.0 : n <= 5000 ? 2.5 : 1.5;
    for (std::size_t t = 0; t < p; ++t)
      map.dots(tx[t], ty[t], territory_colour(t), p <= 12 ? ids[t] : "", radius);
    std::vector<double> cx, cy;
    for (std::size_t t = 0; t < p; ++t) {
      const auto c = static_cast<std::ptrdiff_t>(centre[t]);
      if (c < 0 || static_cast<std::size_t>(c) >= n) continue;
      cx.push_back(x[static_cast<std::size_t>(c)]);
      cy.push_back(y[static_cast<std::size_t>(c)]);
    }
    map.rings(cx, cy, "#1d2430", "centre", radius + 5);
    html += "<h2>Map</h2>\n<div class=\"charts\">" + map.render(760, 560) + "</div>\n";
    if (stride > 1) {
      html += fmt::format("<p class=\"note\">Every {}th account is drawn ({} of {}).</p>\n", stride,
                          format_grouped(static_cast<double>((n + stride - 1) / stride)),
                          format_grouped(static_cast<double>(n)));
    }
  }

  // The balance table: each territory's totals and their deviation from the mean.
  html +=
      "<h2>Balance</h2>\n<div class=\"wide\"><table>\n<tr><th></th><th>Territory</th>"
      "<th>Owner</th><th>Accounts</th>";
  for (const auto& a : attributes) html += fmt::format("<th>{}</th>", html_escape(a));
  for (const auto& a : attributes) html += fmt::format("<th>{} vs mean</th>", html_escape(a));
  html += "<th>Diameter</th><th>Compactness</th></tr>\n";
  for (std::size_t t = 0; t < p; ++t) {
    html += fmt::format(
        "<tr><td><svg width=\"12\" height=\"12\"><rect width=\"12\" height=\"12\" "
        "fill=\"{}\"/></svg></td><td>{}</td><td>{}</td>",
        territory_colour(t), html_escape(ids[t]), html_escape(owners[t]));
    html += cell(format_grouped(accounts[t]), "/territories/accounts", t, accounts[t]);
    for (std::size_t k = 0; k < m; ++k)
      html += cell(measure(totals[t * m + k]), "/territories/totals", t * m + k, totals[t * m + k]);
    for (std::size_t k = 0; k < m; ++k) {
      const double d = deviation[t * m + k];
      html += cell(format_percent(d, 2), "/territories/deviation", t * m + k, d);
    }
    html += cell(measure(diameter[t]), "/territories/diameter", t, diameter[t]);
    html +=
        cell(measure(compactness[t]), "/territories/compactness", t, compactness[t]) + "</tr>\n";
  }
  html += "</table></div>\n";

  if (f.has("/balance/attribute")) {
    const auto names = f.strings("/balance/attribute");
    const auto tolerance = f.doubles("/balance/tolerance");
    const auto tightest = f.doubles("/balance/tightest");
    if (!names.empty()) {
      html +=
          "<h3>Balance rules</h3>\n<table>\n<tr><th>Attribute</th><th>Allowed deviation</th>"
          "<th>Largest deviation</th></tr>\n";
      for (std::size_t r = 0; r < names.size(); ++r) {
        html += fmt::format("<tr><td>{}</td>", html_escape(names[r])) +
                cell(format_percent(tolerance[r], 2), "/balance/tolerance", r, tolerance[r]) +
                cell(format_percent(tightest[r], 2), "/balance/tightest", r, tightest[r]) +
                "</tr>\n";
      }
      html += "</table>\n";
    }
  }
  return html;
}

}  // namespace opsim::report
