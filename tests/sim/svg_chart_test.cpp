// Report charts: labels of vertical markers stay readable when the markers are close.
#include "sim/io/svg_chart.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace opsim {
namespace {

struct Label {
  double x, y;
  std::string anchor, text;
};

//! The value of attribute `name` in the tag text `tag`.
std::string attribute(const std::string& tag, const std::string& name) {
  const std::string key = " " + name + "=\"";
  const std::size_t at = tag.find(key);
  if (at == std::string::npos) return {};
  const std::size_t begin = at + key.size();
  return tag.substr(begin, tag.find('"', begin) - begin);
}

//! The labels of vertical markers (text elements of class "tick mlabel"), in order. (No
//! <regex>: g++ 12 warns inside it under the sanitizer build.)
std::vector<Label> marker_labels(const std::string& svg) {
  std::vector<Label> out;
  for (std::size_t at = svg.find("<text "); at != std::string::npos;
       at = svg.find("<text ", at + 1)) {
    const std::size_t close = svg.find('>', at);
    const std::string tag = svg.substr(at, close - at);
    if (attribute(tag, "class") != "tick mlabel") continue;
    out.push_back({std::stod(attribute(tag, "x")), std::stod(attribute(tag, "y")),
                   attribute(tag, "text-anchor"),
                   svg.substr(close + 1, svg.find("</text>", close) - close - 1)});
  }
  return out;
}

SvgChart chart_with_markers(double a, double b) {
  SvgChart chart("t", "x", "y");
  chart.line({0.0, 100.0}, {0.0, 1.0}, "#000", "line");
  chart.vertical_marker(a, "#d62728", "target 71.5M");
  chart.vertical_marker(b, "#2ca02c", "P50");
  return chart;
}

TEST(SvgChart, CloseMarkerLabelsAreStackedNotOverlapping) {
  const auto labels = marker_labels(chart_with_markers(50.0, 50.5).render());
  ASSERT_EQ(labels.size(), 2u);
  EXPECT_NE(labels[0].y, labels[1].y);
}

TEST(SvgChart, DistantMarkerLabelsShareTheTopRow) {  // the twin: stacking only when needed
  const auto labels = marker_labels(chart_with_markers(20.0, 70.0).render());
  ASSERT_EQ(labels.size(), 2u);
  EXPECT_EQ(labels[0].y, labels[1].y);
}

TEST(SvgChart, MarkerLabelNearTheRightEdgeIsDrawnLeftOfItsLine) {
  const auto labels = marker_labels(chart_with_markers(99.0, 10.0).render());
  ASSERT_EQ(labels.size(), 2u);
  EXPECT_EQ(labels[0].anchor, "end");
  EXPECT_EQ(labels[1].anchor, "start");
}

//! The x positions of the category labels (class "tick", centred).
std::vector<double> category_label_xs(const std::string& svg) {
  std::vector<double> out;
  for (std::size_t at = svg.find("<text "); at != std::string::npos;
       at = svg.find("<text ", at + 1)) {
    const std::string tag = svg.substr(at, svg.find('>', at) - at);
    if (attribute(tag, "class") == "tick" && attribute(tag, "text-anchor") == "middle")
      out.push_back(std::stod(attribute(tag, "x")));
  }
  return out;
}

SvgChart monthly_chart() {
  std::vector<std::string> months;
  std::vector<double> x, y;
  for (int m = 0; m < 22; ++m) {
    months.push_back(m < 12 ? "2018-" + std::string(m < 9 ? "0" : "") + std::to_string(m + 1)
                            : "2019-" + std::string(m < 21 ? "0" : "") + std::to_string(m - 11));
    x.push_back(m);
    y.push_back(m % 5);
  }
  SvgChart chart("t", "month", "bookings");
  chart.line(x, y, "#000", "median");
  chart.x_categories(months, 2);
  return chart;
}

// A thinned month axis on a narrow chart keeps its labels apart (review: "2018-01" labels
// touched in the backtest report's small multiples); on a wide chart the asked step stays.
TEST(SvgChart, ThinnedCategoryLabelsNeverTouch) {
  const std::vector<double> narrow = category_label_xs(monthly_chart().render(420, 240));
  ASSERT_GE(narrow.size(), 3u);
  for (std::size_t i = 1; i < narrow.size(); ++i)
    EXPECT_GE(narrow[i] - narrow[i - 1], 6.5 * 7 + 8) << i;
  EXPECT_EQ(category_label_xs(monthly_chart().render(2000, 240)).size(), 11u);  // every 2nd
}

//! The y axis's tick labels (class "tick", anchored at the end), top to bottom, with their y.
std::vector<Label> y_tick_labels(const std::string& svg) {
  std::vector<Label> out;
  for (std::size_t at = svg.find("<text "); at != std::string::npos;
       at = svg.find("<text ", at + 1)) {
    const std::size_t close = svg.find('>', at);
    const std::string tag = svg.substr(at, close - at);
    if (attribute(tag, "class") != "tick" || attribute(tag, "text-anchor") != "end") continue;
    out.push_back({std::stod(attribute(tag, "x")), std::stod(attribute(tag, "y")), "",
                   svg.substr(close + 1, svg.find("</text>", close) - close - 1)});
  }
  return out;
}

// Review: the y axis stopped at the data's maximum, so the highest point had no labelled
// gridline above it. The axis now runs to the round tick at or above the maximum (and from the
// one at or below the minimum); a maximum already round is its own top tick.
TEST(SvgChart, TheYAxisEndsOnARoundTickAtOrAboveTheLargestValue) {
  SvgChart chart("t", "x", "y");
  chart.line({0.0, 1.0, 2.0}, {1.3, 2.1, 9.3}, "#000", "line");
  const std::vector<Label> ticks = y_tick_labels(chart.render());
  ASSERT_GE(ticks.size(), 3u);
  std::vector<double> values;
  for (const Label& t : ticks) values.push_back(std::stod(t.text));
  EXPECT_GE(*std::max_element(values.begin(), values.end()), 9.3);
  EXPECT_LE(*std::min_element(values.begin(), values.end()), 1.3);
  // Its twin: a maximum on a tick ends the axis there, with no empty tick above it.
  SvgChart round("t", "x", "y");
  round.line({0.0, 1.0}, {0.0, 10.0}, "#000", "line");
  std::vector<double> round_values;
  for (const Label& t : y_tick_labels(round.render())) round_values.push_back(std::stod(t.text));
  ASSERT_FALSE(round_values.empty());
  EXPECT_EQ(*std::max_element(round_values.begin(), round_values.end()), 10.0);
  EXPECT_EQ(*std::min_element(round_values.begin(), round_values.end()), 0.0);
}

// Review: a result that never varies (every trial 555,000) drew five y ticks that all read
// "555K". Its axis is widened around the value, so the ticks differ.
TEST(SvgChart, AConstantSeriesGetsDistinctTicks) {
  SvgChart chart("t", "x", "y");
  chart.line({0.0, 1.0, 2.0}, {555000.0, 555000.0, 555000.0}, "#000", "line");
  const std::vector<Label> ticks = y_tick_labels(chart.render());
  ASSERT_GE(ticks.size(), 3u);
  std::vector<std::string> texts;
  for (const Label& t : ticks) texts.push_back(t.text);
  std::sort(texts.begin(), texts.end());
  EXPECT_EQ(std::adjacent_find(texts.begin(), texts.end()), texts.end());
}

}  // namespace
}  // namespace opsim
