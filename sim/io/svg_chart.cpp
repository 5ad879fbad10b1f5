#include "sim/io/svg_chart.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "sim/base/grouped.hpp"

namespace opsim {

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

//! About `count` round tick values within [low, high] or, with `cover`, from the round value at
//! or below `low` to the one at or above `high`, so that an axis widened to them has a labelled
//! gridline above its largest value (review: the y axis stopped at the data's maximum, its top
//! label below the highest point).
//! A range of one value (a result that never varies) widened by 10% of it either side (by 1 at
//! 0): widened by 1, 555,000 gave five ticks that all read "555K" (review).
void widen_single_value(double& low, double& high) {
  if (high > low) return;
  const double pad = std::isfinite(low) && low != 0 ? 0.1 * std::fabs(low) : 1.0;
  low -= pad;
  high = low + 2 * pad;
}

std::vector<double> nice_ticks(double low, double high, int count, bool cover = false) {
  widen_single_value(low, high);
  const double raw = (high - low) / count;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    step = m * magnitude;
    if (step >= raw) break;
  }
  std::vector<double> ticks;
  // Whole multiples of the step (k x step, not a running sum) and a tolerance of 1e-9 steps,
  // so that a value already round is its own tick.
  const double first = cover ? std::floor(low / step + 1e-9) : std::ceil(low / step - 1e-9);
  const double last = cover ? std::ceil(high / step - 1e-9) : std::floor(high / step + 1e-9);
  for (double k = first; k <= last; ++k) {
    const double t = k * step;
    ticks.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);
  }
  return ticks;
}

//! A tick label without an exponent: "2.5M", "750K", "1,500", "0.25" (review: "1.9e+06").
std::string plain(double v) {
  const double a = std::fabs(v);
  if (a >= 1e12) return format_grouped_trimmed(v / 1e12, 2) + "T";
  if (a >= 1e9) return format_grouped_trimmed(v / 1e9, 2) + "B";
  if (a >= 1e6) return format_grouped_trimmed(v / 1e6, 2) + "M";
  if (a >= 1e4) return format_grouped_trimmed(v / 1e3, 2) + "K";
  if (a >= 1e3) return format_grouped_trimmed(v, 2);
  return fmt::format("{:g}", v);
}

}  // namespace

SvgChart::SvgChart(std::string title, std::string x_label, std::string y_label)
    : title_(std::move(title)),
      x_label_(std::move(x_label)),
      y_label_(std::move(y_label)),
      x_format_(plain),
      y_format_(plain) {}

void SvgChart::x_categories(std::vector<std::string> labels, int step) {
  categories_ = std::move(labels);
  category_step_ = std::max(1, step);
}

void SvgChart::band(const std::vector<double>& x, const std::vector<double>& low,
                    const std::vector<double>& high, const std::string& colour, double opacity,
                    const std::string& legend) {
  marks_.push_back({Mark::band, x, low, high, colour, legend, opacity, 0.0, false});
}

void SvgChart::line(const std::vector<double>& x, const std::vector<double>& y,
                    const std::string& colour, const std::string& legend, bool dashed) {
  marks_.push_back({Mark::line, x, y, {}, colour, legend, 1.0, 0.0, dashed});
}

void SvgChart::bars(const std::vector<double>& x, const std::vector<double>& height, double width,
                    const std::string& colour, const std::string& legend) {
  marks_.push_back({Mark::bars, x, height, {}, colour, legend, 1.0, width, false});
}

void SvgChart::ranges(const std::vector<double>& x, const std::vector<double>& low,
                      const std::vector<double>& high, double width, const std::string& colour,
                      const std::string& legend) {
  marks_.push_back({Mark::ranges, x, low, high, colour, legend, 0.6, width, false});
}

void SvgChart::dots(const std::vector<double>& x, const std::vector<double>& y,
                    const std::string& colour, const std::string& legend, double radius) {
  marks_.push_back({Mark::dots, x, y, {}, colour, legend, 1.0, radius, false});
}

void SvgChart::rings(const std::vector<double>& x, const std::vector<double>& y,
                     const std::string& colour, const std::string& legend, double radius) {
  marks_.push_back({Mark::rings, x, y, {}, colour, legend, 1.0, radius, false});
}

void SvgChart::vertical_marker(double x, const std::string& colour, const std::string& label) {
  marks_.push_back({Mark::vmark, {x}, {}, {}, colour, label, 1.0, 0.0, true});
}

void SvgChart::horizontal_marker(double y, const std::string& colour, const std::string& label) {
  marks_.push_back({Mark::hmark, {}, {y}, {}, colour, label, 1.0, 0.0, true});
}

std::string SvgChart::render(int width, int plot_height) const {
  // A title too long for one line is wrapped at spaces onto up to three lines, which the chart
  // grows by (a review found long titles compressed into unreadable glyphs); 13 px bold text is
  // about 7.6 px a character.
  constexpr double kTitleCharWidth = 7.6, kTitleLine = 16.0;
  const auto per_line = static_cast<std::size_t>(std::max(20.0, (width - 16) / kTitleCharWidth));
  std::vector<std::string> title_lines;
  {
    std::string line;
    std::size_t at = 0;
    while (at < title_.size()) {
      std::size_t end = title_.find(' ', at);
      if (end == std::string::npos) end = title_.size();
      const std::string word = title_.substr(at, end - at);
      if (!line.empty() && line.size() + 1 + word.size() > per_line && title_lines.size() < 2) {
        title_lines.push_back(line);
        line.clear();
      }
      line += (line.empty() ? "" : " ") + word;
      at = end + 1;
    }
    title_lines.push_back(line);
  }
  const double title_extra = kTitleLine * static_cast<double>(title_lines.size() - 1);
  const double left = 78, right = 16, top = 34 + title_extra, bottom = 62;
  const double plot_w = width - left - right, plot_h = plot_height - 34 - bottom;
  double x_min = std::numeric_limits<double>::infinity(), x_max = -x_min;
  double y_min = x_min, y_max = -x_min;
  auto grow_x = [&](double v) {
    if (std::isfinite(v)) x_min = std::min(x_min, v), x_max = std::max(x_max, v);
  };
  auto grow_y = [&](double v) {
    if (std::isfinite(v)) y_min = std::min(y_min, v), y_max = std::max(y_max, v);
  };
  for (const Mark& m : marks_) {
    const bool wide = m.kind == Mark::bars || m.kind == Mark::ranges;
    for (double v : m.x) grow_x(wide ? v - m.width / 2 : v);
    if (wide)
      for (double v : m.x) grow_x(v + m.width / 2);
    for (double v : m.a) grow_y(v);
    for (double v : m.b) grow_y(v);
    if (m.kind == Mark::bars) grow_y(0.0);
  }
  if (!std::isfinite(x_min)) x_min = 0, x_max = 1;
  if (!std::isfinite(y_min)) y_min = 0, y_max = 1;
  if (y_from_zero_) y_min = std::min(y_min, 0.0);
  widen_single_value(x_min, x_max);
  widen_single_value(y_min, y_max);
  // Half a category either side, so that the first and last labels and marks stay inside.
  if (!categories_.empty()) {
    x_min = std::min(x_min, -0.5);
    x_max = std::max(x_max, static_cast<double>(categories_.size()) - 0.5);
  }
  if (equal_scales_) {
    const double margin = 0.03;
    const double unit =
        std::max((x_max - x_min) / plot_w, (y_max - y_min) / plot_h) * (1 + 2 * margin);
    const double x_mid = (x_min + x_max) / 2, y_mid = (y_min + y_max) / 2;
    x_min = x_mid - unit * plot_w / 2, x_max = x_mid + unit * plot_w / 2;
    y_min = y_mid - unit * plot_h / 2, y_max = y_mid + unit * plot_h / 2;
  }
  auto y_ticks = nice_ticks(y_min, y_max, 5, !equal_scales_);
  if (equal_scales_) {
    // The scales stay equal: ticks outside the range are dropped instead of widening it.
    std::erase_if(y_ticks, [&](double t) { return t < y_min || t > y_max; });
  } else {
    y_min = std::min(y_min, y_ticks.front());
    y_max = std::max(y_max, y_ticks.back());
  }
  auto px = [&](double x) { return left + (x - x_min) / (x_max - x_min) * plot_w; };
  auto py = [&](double y) { return top + plot_h - (y - y_min) / (y_max - y_min) * plot_h; };

  // Named categories wider than their slot are written at a slant, and the chart grows by what
  // they need below the plot; legend entries that do not fit on one row wrap onto the next (a
  // review found category names written over each other and a legend cut at the edge). 11 px
  // text is about 6.5 px a character.
  constexpr double kCharWidth = 6.5, kSlant = 0.5;  // sin 30 degrees
  std::size_t widest = 0;
  for (const std::string& label : categories_) widest = std::max(widest, label.size());
  const bool slanted = !categories_.empty() && category_step_ <= 1 &&
                       kCharWidth * static_cast<double>(widest) + 8 > px(1.0) - px(0.0);
  const double below = slanted ? kSlant * kCharWidth * static_cast<double>(widest) : 0.0;
  std::vector<double> legend_rows;  // each legend entry's row
  {
    double x = left;
    int row = 0;
    for (const Mark& m : marks_) {
      if (m.legend.empty() || m.kind == Mark::vmark || m.kind == Mark::hmark) continue;
      const double w = 28 + kCharWidth * static_cast<double>(m.legend.size());
      if (x > left && x + w > width) x = left, ++row;
      legend_rows.push_back(row);
      x += w;
    }
  }
  const int legend_extra = legend_rows.empty() ? 0 : static_cast<int>(legend_rows.back()) * 14;
  const int height = plot_height + static_cast<int>(std::ceil(below + title_extra)) + legend_extra;

  std::string svg = fmt::format(
      "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\">\n",
      width, height, width, height, html_escape(title_));
  // A title line too long for the width right of the axis starts at the chart's edge, and one
  // still too long for the whole width (a long word) is compressed to fit (a review found titles
  // cut, hiding the year).
  std::size_t longest = 0;
  for (const std::string& line : title_lines) longest = std::max(longest, line.size());
  const double title_x =
      kTitleCharWidth * static_cast<double>(longest) > width - left - 8 ? 8 : left;
  for (std::size_t i = 0; i < title_lines.size(); ++i) {
    const double line_width = kTitleCharWidth * static_cast<double>(title_lines[i].size());
    svg += fmt::format(
        "<text x=\"{}\" y=\"{}\" class=\"title\"{}>{}</text>\n", title_x,
        18 + kTitleLine * static_cast<double>(i),
        line_width > width - 16
            ? fmt::format(" textLength=\"{}\" lengthAdjust=\"spacingAndGlyphs\"", width - 16)
            : std::string(),
        html_escape(title_lines[i]));
  }
  for (double t : y_ticks) {
    svg += fmt::format(
        "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" class=\"grid\"/>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"tick\" text-anchor=\"end\">{}</text>\n",
        left, left + plot_w, py(t), py(t), left - 6, py(t) + 4, html_escape(y_format_(t)));
  }
  if (!categories_.empty()) {
    // A thinned axis (months) is thinned enough that its labels never touch: 11 px digits are
    // about 6.5 px wide, plus a gap of 8 px.
    std::size_t step = static_cast<std::size_t>(category_step_);
    if (step > 1) {
      std::size_t widest = 0;
      for (const std::string& label : categories_) widest = std::max(widest, label.size());
      const double slot = px(1.0) - px(0.0);
      const double needed = 6.5 * static_cast<double>(widest) + 8.0;
      if (slot > 0) step = std::max(step, static_cast<std::size_t>(std::ceil(needed / slot)));
    }
    for (std::size_t i = 0; i < categories_.size(); i += step) {
      if (slanted) {
        svg += fmt::format(
            "<text transform=\"translate({:.1f} {:.1f}) rotate(-30)\" class=\"tick\" "
            "text-anchor=\"end\">{}</text>\n",
            px(static_cast<double>(i)) + 4, top + plot_h + 14, html_escape(categories_[i]));
        continue;
      }
      svg += fmt::format(
          "<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"tick\" "
          "text-anchor=\"middle\">{}</text>\n",
          px(static_cast<double>(i)), top + plot_h + 16, html_escape(categories_[i]));
    }
  } else {
    for (double t : nice_ticks(x_min, x_max, 6)) {
      svg += fmt::format(
          "<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"tick\" "
          "text-anchor=\"middle\">{}</text>\n",
          px(t), top + plot_h + 16, html_escape(x_format_(t)));
    }
  }
  svg += fmt::format(
      "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" class=\"frame\"/>\n"
      "<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"axis\" text-anchor=\"middle\">{}</text>\n"
      "<text transform=\"translate(14 {:.1f}) rotate(-90)\" class=\"axis\" "
      "text-anchor=\"middle\">{}</text>\n",
      left, top, plot_w, plot_h, left + plot_w / 2, top + plot_h + 34 + below,
      html_escape(x_label_), top + plot_h / 2, html_escape(y_label_));

  // Labels of vertical markers: right of the line (left of it near the right edge), each on the
  // first row where it overlaps no label placed before it (a target and the P50 close together).
  struct MarkerLabel {
    double x;
    int row;
    const char* anchor;
  };
  std::vector<std::array<double, 3>> placed;  // x0, x1, row
  auto place_marker_label = [&](double line_x, const std::string& text, double right_edge) {
    const double w = 6.5 * static_cast<double>(text.size());
    const bool before = line_x + 4 + w > right_edge;
    const double x0 = before ? line_x - 4 - w : line_x + 4;
    int row = 0;
    while (std::any_of(placed.begin(), placed.end(), [&](const auto& p) {
      return p[2] == row && x0 < p[1] + 3 && p[0] < x0 + w + 3;
    }))
      ++row;
    placed.push_back({x0, x0 + w, static_cast<double>(row)});
    return MarkerLabel{before ? line_x - 4 : line_x + 4, row, before ? "end" : "start"};
  };

  double legend_x = left;
  std::size_t entry = 0;
  auto legend = [&](const Mark& m) {
    if (m.legend.empty() || m.kind == Mark::vmark || m.kind == Mark::hmark) return;
    const double row = legend_rows[entry];
    if (entry > 0 && row != legend_rows[entry - 1]) legend_x = left;
    ++entry;
    const double y = plot_height + below + title_extra + 14 * row;
    svg += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"12\" height=\"10\" fill=\"{}\" "
        "opacity=\"{}\"/><text x=\"{:.1f}\" y=\"{:.1f}\" class=\"tick\">{}</text>\n",
        legend_x, y - 14, m.colour, m.opacity, legend_x + 16, y - 5, html_escape(m.legend));
    legend_x += 28 + kCharWidth * static_cast<double>(m.legend.size());
  };
  for (const Mark& m : marks_) {
    switch (m.kind) {
      case Mark::band: {
        std::string points;
        for (std::size_t i = 0; i < m.x.size(); ++i)
          points += fmt::format("{:.1f},{:.1f} ", px(m.x[i]), py(m.b[i]));
        for (std::size_t i = m.x.size(); i-- > 0;)
          points += fmt::format("{:.1f},{:.1f} ", px(m.x[i]), py(m.a[i]));
        svg += fmt::format("<polygon class=\"data\" points=\"{}\" fill=\"{}\" opacity=\"{}\"/>\n",
                           points, m.colour, m.opacity);
        break;
      }
      case Mark::line: {
        std::string points;
        for (std::size_t i = 0; i < m.x.size(); ++i) {
          if (std::isfinite(m.a[i]))
            points += fmt::format("{:.1f},{:.1f} ", px(m.x[i]), py(m.a[i]));
        }
        svg += fmt::format(
            "<polyline class=\"data\" points=\"{}\" fill=\"none\" stroke=\"{}\" "
            "stroke-width=\"2\"{}/>\n",
            points, m.colour, m.dashed ? " stroke-dasharray=\"5 3\"" : "");
        break;
      }
      case Mark::bars:
        for (std::size_t i = 0; i < m.x.size(); ++i) {
          const double x0 = px(m.x[i] - m.width / 2), x1 = px(m.x[i] + m.width / 2);
          const double y0 = py(std::max(0.0, m.a[i])), y1 = py(std::min(0.0, m.a[i]));
          svg += fmt::format(
              "<rect class=\"data\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
              "fill=\"{}\"/>\n",
              x0, y0, std::max(0.5, x1 - x0 - 0.5), y1 - y0, m.colour);
        }
        break;
      case Mark::ranges:
        for (std::size_t i = 0; i < m.x.size(); ++i) {
          const double x0 = px(m.x[i] - m.width / 2), x1 = px(m.x[i] + m.width / 2);
          const double y0 = py(std::max(m.a[i], m.b[i])), y1 = py(std::min(m.a[i], m.b[i]));
          svg += fmt::format(
              "<rect class=\"data\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
              "fill=\"{}\" opacity=\"{}\"/>\n",
              x0, y0, x1 - x0, std::max(1.0, y1 - y0), m.colour, m.opacity);
        }
        break;
      case Mark::dots:
        for (std::size_t i = 0; i < m.x.size(); ++i) {
          svg += fmt::format(
              "<circle class=\"data\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{:g}\" fill=\"{}\"/>\n",
              px(m.x[i]), py(m.a[i]), m.width, m.colour);
        }
        break;
      case Mark::rings:
        for (std::size_t i = 0; i < m.x.size(); ++i) {
          svg += fmt::format(
              "<circle class=\"data\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{:g}\" fill=\"none\" "
              "stroke=\"{}\" stroke-width=\"2\"/>\n",
              px(m.x[i]), py(m.a[i]), m.width, m.colour);
        }
        break;
      case Mark::vmark: {
        const MarkerLabel label = place_marker_label(px(m.x[0]), m.legend, left + plot_w);
        svg += fmt::format(
            "<line class=\"marker\" x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1}\" y2=\"{2}\" "
            "stroke=\"{3}\" stroke-width=\"2\" stroke-dasharray=\"6 3\"/>"
            "<text x=\"{4:.1f}\" y=\"{5}\" class=\"tick mlabel\" fill=\"{3}\" "
            "text-anchor=\"{6}\">{7}</text>\n",
            px(m.x[0]), top, top + plot_h, m.colour, label.x, top + 12 + 13 * label.row,
            label.anchor, html_escape(m.legend));
        break;
      }
      case Mark::hmark:
        svg += fmt::format(
            "<line class=\"marker\" x1=\"{0}\" x2=\"{1}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" "
            "stroke=\"{3}\" stroke-width=\"1.5\" stroke-dasharray=\"6 3\"/>"
            "<text x=\"{4}\" y=\"{5:.1f}\" class=\"tick\" fill=\"{3}\">{6}</text>\n",
            left, left + plot_w, py(m.a[0]), m.colour, left + 4, py(m.a[0]) - 4,
            html_escape(m.legend));
        break;
    }
    legend(m);
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace opsim
