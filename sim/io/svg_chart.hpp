// Charts for the HTML report, drawn by opsim as inline SVG (no scripts, no fonts to fetch).
// Every mark that carries data has class "data", so a test can check that a chart is drawn.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace opsim {

class SvgChart {
 public:
  using Formatter = std::function<std::string(double)>;

  SvgChart(std::string title, std::string x_label, std::string y_label);

  void x_format(Formatter f) { x_format_ = std::move(f); }
  void y_format(Formatter f) { y_format_ = std::move(f); }
  //! Category labels for x = 0, 1, ...; every `step`-th is printed.
  void x_categories(std::vector<std::string> labels, int step = 1);
  void y_from_zero(bool on) { y_from_zero_ = on; }
  //! A map: one unit is as long on both axes, with a margin so that no mark touches the frame.
  void equal_scales(bool on) { equal_scales_ = on; }

  void band(const std::vector<double>& x, const std::vector<double>& low,
            const std::vector<double>& high, const std::string& colour, double opacity,
            const std::string& legend);
  void line(const std::vector<double>& x, const std::vector<double>& y, const std::string& colour,
            const std::string& legend, bool dashed = false);
  //! Bars of equal width centred on x.
  void bars(const std::vector<double>& x, const std::vector<double>& height, double width,
            const std::string& colour, const std::string& legend);
  //! Vertical ranges [low, high] of equal width centred on x (an interval per category).
  void ranges(const std::vector<double>& x, const std::vector<double>& low,
              const std::vector<double>& high, double width, const std::string& colour,
              const std::string& legend);
  //! Unconnected points of `radius` pixels.
  void dots(const std::vector<double>& x, const std::vector<double>& y, const std::string& colour,
            const std::string& legend, double radius = 4.0);
  //! Unfilled circles of `radius` pixels around points (e.g. the centres of territories).
  void rings(const std::vector<double>& x, const std::vector<double>& y, const std::string& colour,
             const std::string& legend, double radius = 8.0);
  void vertical_marker(double x, const std::string& colour, const std::string& label);
  void horizontal_marker(double y, const std::string& colour, const std::string& label);

  //! `height` with the plot's axes and one legend row; slanted category names and further legend
  //! rows make the chart taller by what they need.
  std::string render(int width = 640, int height = 300) const;

 private:
  struct Mark {
    enum Kind { band, line, bars, ranges, dots, rings, vmark, hmark } kind;
    std::vector<double> x, a, b;  // line: a = y; band: a = low, b = high; bars: a = height
    std::string colour, legend;
    double opacity = 1.0, width = 0.0;  // bars, ranges: width in x units; dots, rings: radius
    bool dashed = false;
  };
  std::string title_, x_label_, y_label_;
  Formatter x_format_, y_format_;
  std::vector<std::string> categories_;
  int category_step_ = 1;
  bool y_from_zero_ = false;
  bool equal_scales_ = false;
  std::vector<Mark> marks_;
};

//! Escapes &, <, >, " for HTML text and attributes.
std::string html_escape(const std::string& text);

}  // namespace opsim
