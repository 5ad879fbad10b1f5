// Report charts: labels of vertical markers stay readable when the markers are close.
#include "sim/io/svg_chart.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

namespace opsim {
namespace {

struct Label {
  double x, y;
  std::string anchor, text;
};

std::vector<Label> marker_labels(const std::string& svg) {
  static const std::regex re(
      "<text x=\"([0-9.]+)\" y=\"([0-9.]+)\" class=\"tick mlabel\" fill=\"[^\"]*\" "
      "text-anchor=\"(start|end)\">([^<]*)</text>");
  std::vector<Label> out;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), re); it != std::sregex_iterator();
       ++it)
    out.push_back({std::stod((*it)[1]), std::stod((*it)[2]), (*it)[3], (*it)[4]});
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

}  // namespace
}  // namespace opsim
