// The report's section on `opsim drivers` files: sources of uncertainty, the tornado and the
// solved value, each number tagged with the dataset it comes from.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "sim/io/drivers_output.hpp"
#include "sim/io/number_format.hpp"
#include "sim/io/report_parts.hpp"
#include "sim/io/svg_chart.hpp"

namespace opsim::report {

namespace {

//! Attribute `words` of `object`, the wording for people; a file written before it: `name`.
std::string words_attribute(H5Reader& f, const char* words, const char* name, const char* object) {
  std::string text = f.attribute(words, object);
  return text.empty() ? f.attribute(name, object) : text;
}

std::string sources_part(H5Reader& f) {
  const auto names = f.strings("/drivers/sources/names");
  std::vector<hsize_t> dims;
  // [source][share, se, if fixed, total, total se] (files before the total effect: 3 columns).
  const auto values = f.doubles("/drivers/sources/values", &dims);
  const std::size_t width = dims.size() == 2 ? dims[1] : 3;
  const std::vector<std::string> effects = f.has("/drivers/sources/effect")
                                               ? f.strings("/drivers/sources/effect")
                                               : std::vector<std::string>(names.size());
  const double sd = f.doubles("/drivers/outcome")[1];
  std::string html =
      "<h2>Sources of uncertainty</h2>\n<p class=\"note\">Share of the outcome's variance each "
      "source explains alone, Var(E[Y | source]) / Var(Y), and with its interactions (total), by "
      "pick-freeze with common random numbers; interaction is the remainder. SEs in percentage "
      "points. No effect: redrawing the source alone leaves the outcome unchanged in every "
      "trial.</p>\n<table><tr><th>source</th><th>share</th><th>± SE</th><th>total</th>"
      "<th>± SE</th><th>sd if it were fixed</th><th>note</th></tr>\n";
  std::vector<double> x, shares;
  const std::string dataset = "/drivers/sources/values";
  for (std::size_t i = 0; i < names.size(); ++i) {
    const double* v = &values[i * width];
    auto at = [&](std::size_t k, const std::string& text) {
      return k < width && !std::isnan(v[k]) ? cell(text, dataset, i * width + k, v[k])
                                            : std::string("<td></td>");
    };
    if (effects[i] == "none") {
      html += fmt::format("<tr><td>{}</td><td colspan=\"6\">no effect</td></tr>\n",
                          html_escape(names[i]));
    } else {
      const double share = v[0];
      const double fixed = sd_if_fixed(sd, share);
      // What the terminal flags, said here too (review: a negative interaction and shares that
      // cannot be told from 0 stood bare): the interaction has no SE of its own.
      std::string note;
      if (std::isnan(v[1]) && share < 0)
        note = "below 0 by the shares' estimation error (their SEs)";
      else if (!std::isnan(v[1]) && std::abs(share) < 2 * v[1])
        note = "within 2 SE of zero: these trials cannot tell it from no effect";
      html += fmt::format(
          "<tr><td>{}</td>{}{}{}{}<td class=\"num\">{}</td><td>{}</td></tr>\n",
          html_escape(names[i]), at(0, format_percent(share)), at(1, format_points(v[1])),
          at(3, width > 3 ? format_percent(v[3]) : ""), at(4, width > 4 ? format_points(v[4]) : ""),
          std::isnan(v[1]) ? std::string() : html_escape(format_amount(fixed)), html_escape(note));
    }
    x.push_back(static_cast<double>(i));
    shares.push_back(100 * v[0]);
  }
  html += "</table>\n";
  SvgChart chart("Share of the variance", "source", "%");
  chart.x_categories(names);
  chart.y_from_zero(true);
  chart.bars(x, shares, 0.6, "#3b6ea8", "share");
  return html + "<div class=\"charts\">" + chart.render(760, 300) + "</div>\n";
}

std::string tornado_part(H5Reader& f, bool with_target) {
  const auto parameters = f.strings("/drivers/tornado/names");
  const auto notes = f.strings("/drivers/tornado/notes");
  const auto rows = f.doubles("/drivers/tornado/values");  // 8 per row
  // How each row moves its parameter (files before it: numbers as stored).
  const std::vector<std::string> changes = f.has("/drivers/tornado/changes")
                                               ? f.strings("/drivers/tornado/changes")
                                               : std::vector<std::string>(parameters.size());
  std::string html = fmt::format(
      "<h2>Tornado</h2>\n<p class=\"note\">Each group moved down and up (factors, month shifts, "
      "or the --range values), paired with the base; sorted by the swing of {}.</p>\n"
      "<table><tr><th>parameter</th><th>low</th><th>high</th><th>mean low</th>"
      "<th>mean high</th>{}<th>swing</th><th>± SE</th><th>note</th></tr>\n",
      with_target ? "P(reach)" : "the mean",
      with_target ? "<th>P(reach) low</th><th>P(reach) high</th>" : "");
  std::vector<double> x, low, high;
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    const double* v = &rows[i * 8];
    const std::string dataset = "/drivers/tornado/values";
    auto amount = [&](int k) { return cell(format_grouped(v[k]), dataset, i * 8 + k, v[k]); };
    auto percent = [&](int k) { return cell(format_percent(v[k]), dataset, i * 8 + k, v[k]); };
    // The ends as the terminal writes them: "x0.9", "-1 mo", or the --range value.
    auto plain = [&](int k) {
      return cell(changes[i].empty() ? format_significant(v[k]) : tornado_value(changes[i], v[k]),
                  dataset, i * 8 + k, v[k]);
    };
    // The swing of P(reach) and its SE are percentage points, as the terminal prints them.
    auto points = [&](int k) { return cell(format_points(v[k]), dataset, i * 8 + k, v[k]); };
    html += fmt::format("<tr><td>{}</td>{}{}{}{}{}{}{}<td>{}</td></tr>\n",
                        html_escape(parameters[i]), plain(0), plain(1), amount(2), amount(3),
                        with_target ? percent(4) + percent(5) : std::string(),
                        with_target ? points(6) : amount(6), with_target ? points(7) : amount(7),
                        html_escape(notes[i]));
    x.push_back(static_cast<double>(i));
    low.push_back(with_target ? 100 * v[4] : v[2]);
    high.push_back(with_target ? 100 * v[5] : v[3]);
  }
  html += "</table>\n";
  SvgChart chart("Low to high", "parameter", with_target ? "P(reach) %" : "mean");
  chart.x_categories(parameters);
  chart.ranges(x, low, high, 0.6, "#c0504d", "low to high");
  return html + "<div class=\"charts\">" + chart.render(760, 300) + "</div>\n";
}

}  // namespace

std::string drivers_section(H5Reader& f) {
  const std::string metric = f.attribute("metric", "/drivers");
  // Marked when partial.
  const std::string period = words_attribute(f, "period_words", "period", "/drivers");
  const std::string region = f.attribute("region", "/drivers");
  const std::string segment = f.attribute("segment", "/drivers");
  const std::string currency = f.attribute("currency", "/drivers");
  const auto outcome = f.doubles("/drivers/outcome");  // mean, sd, target, p_reach
  const bool with_target = !std::isnan(outcome[2]);
  // "new bookings, FY2027, all regions, all segments" (review: "new_bookings FY2027 total total").
  std::string html = fmt::format(
      "<h1>Drivers: {}, {}, {}, {}</h1>\n", html_escape(metric_words(metric)), html_escape(period),
      html_escape(region == "total" ? std::string("all regions") : "region " + region),
      html_escape(segment == "total" ? std::string("all segments") : "segment " + segment));
  html += fmt::format(
      "<p class=\"note\">{} trials per run, seed {}; every run shares the seed (common random "
      "numbers). Amounts in {}.</p>\n<table><tr><th>mean</th><th>standard "
      "deviation</th>{}</tr><tr>{}{}{}</tr>"
      "</table>\n",
      html_escape(f.count_attribute("trials")), html_escape(f.attribute("seed")),
      html_escape(currency), with_target ? "<th>target</th><th>P(reach)</th>" : "",
      cell(format_grouped(outcome[0]), "/drivers/outcome", 0, outcome[0]),
      cell(format_grouped(outcome[1]), "/drivers/outcome", 1, outcome[1]),
      with_target ? cell(format_grouped(outcome[2]), "/drivers/outcome", 2, outcome[2]) +
                        cell(format_percent(outcome[3]), "/drivers/outcome", 3, outcome[3])
                  : std::string());
  if (f.has("/drivers/sources/values")) html += sources_part(f);
  if (f.has("/drivers/tornado/values")) html += tornado_part(f, with_target);
  const std::string out_of_reach =
      f.has("/drivers/solve/values") ? f.attribute("out_of_reach", "/drivers/solve") : "";
  if (!out_of_reach.empty()) {
    html += fmt::format(
        "<h2>What it would take</h2>\n<p>{} cannot: {}</p>\n",
        html_escape(words_attribute(f, "parameter_words", "parameter", "/drivers/solve")),
        html_escape(out_of_reach));
  } else if (f.has("/drivers/solve/values")) {
    const auto v = f.doubles("/drivers/solve/values");
    html += fmt::format(
        "<h2>What it would take</h2>\n<table><tr><th>parameter</th><th>for P(reach)</th>"
        "<th>value</th><th>± SE</th><th>P(reach) at the value</th></tr>\n<tr><td>{}</td>{}{}{}{}"
        "</tr></table>\n",
        html_escape(words_attribute(f, "parameter_words", "parameter", "/drivers/solve")),
        cell(format_percent(v[0]), "/drivers/solve/values", 0, v[0]),
        cell(format_significant(v[1]), "/drivers/solve/values", 1, v[1]),
        cell(format_significant(v[2], 2), "/drivers/solve/values", 2, v[2]),
        cell(format_percent(v[3]), "/drivers/solve/values", 3, v[3]));
  }
  return html;
}

}  // namespace opsim::report
