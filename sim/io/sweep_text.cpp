#include "sim/io/sweep_text.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "sim/io/number_format.hpp"

namespace opsim {

namespace {

constexpr std::size_t kYearStats = 6;  // mean, P10, P50, P90, difference, SE
constexpr std::size_t kColumns = 100;  // the terminal width aimed at

//! The axes' values of a variant in columns `width` wide.
std::string axis_cells(const std::vector<double>& values, const std::vector<std::size_t>& width) {
  std::string text;
  for (std::size_t a = 0; a < values.size(); ++a)
    text += fmt::format(" {:>{}}", format_user_value_grouped(values[a]), width[a]);
  return text;
}

}  // namespace

std::string format_sweep_table(const SweepText& sweep) {
  const std::size_t variants = sweep.outputs.size();
  std::string text;
  for (std::size_t a = 0; a < sweep.axes.size(); ++a)
    text += fmt::format("  x{} = {}\n", a + 1, sweep.axes[a]);
  for (std::size_t t = 0; t < sweep.targets.size(); ++t)
    text += fmt::format("  T{} = P(reach) of {}\n", t + 1, sweep.targets[t]);

  // Each axis column as wide as its key and its widest value.
  std::vector<std::size_t> width(sweep.axes.size());
  for (std::size_t a = 0; a < sweep.axes.size(); ++a) {
    width[a] = fmt::format("x{}", a + 1).size();
    for (const auto& values : sweep.values)
      width[a] = std::max(width[a], format_user_value_grouped(values[a]).size());
  }
  std::size_t year_width = 4;
  for (const auto& year : sweep.years) year_width = std::max(year_width, year.size());
  std::string axes_header;
  for (std::size_t a = 0; a < sweep.axes.size(); ++a)
    axes_header += fmt::format(" {:>{}}", fmt::format("x{}", a + 1), width[a]);

  text += fmt::format("\n{}, company total per fiscal year ({}; difference: paired, vs the base)\n",
                      sweep.metric, sweep.currency);
  text += fmt::format("{:>7}{} {:<{}} {:>8} {:>8} {:>8} {:>8} {:>19}\n", "variant", axes_header,
                      "year", year_width, "mean", "P10", "P50", "P90", "difference ± SE");
  for (std::size_t v = 0; v < variants; ++v) {
    const auto& out = sweep.outputs[v];
    for (std::size_t y = 0; y < sweep.years.size(); ++y) {
      const double* s = out.data() + y * kYearStats;
      const std::string difference =
          // A change with its sign, as compare prints one (review: "3.59M" beside "-3.60M").
          s[4] == 0 && s[5] == 0 ? std::string("identical")
                                 : format_amount_with_se(s[4], s[5], true);
      text += fmt::format("{:>7}{} {:<{}} {:>8} {:>8} {:>8} {:>8} {:>19}\n", v + 1,
                          axis_cells(sweep.values[v], width), sweep.years[y], year_width,
                          format_amount(s[0]), format_amount(s[1]), format_amount(s[2]),
                          format_amount(s[3]), difference);
    }
  }

  const std::size_t first_target = sweep.years.size() * kYearStats;
  // A P(reach) of none or every trial: its rule-of-three bound, "<1.5%" or ">98.5%" (review:
  // "0.0%" and "100.0%"), said once under the tables.
  bool bounded = false;
  auto reach = [&](double p) { return format_trials_probability_short(p, sweep.trials, bounded); };
  // As many P(reach) columns (8 characters each) per table as fit in kColumns.
  const std::size_t prefix = 7 + axes_header.size();
  const std::size_t per_table =
      std::max<std::size_t>(1, (kColumns - std::min(prefix, kColumns)) / 8);
  for (std::size_t from = 0; from < sweep.targets.size(); from += per_table) {
    const std::size_t to = std::min(sweep.targets.size(), from + per_table);
    text += fmt::format("\nP(reach) of each target\n{:>7}{}", "variant", axes_header);
    for (std::size_t t = from; t < to; ++t)
      text += fmt::format(" {:>7}", fmt::format("T{}", t + 1));
    text += "\n";
    for (std::size_t v = 0; v < variants; ++v) {
      text += fmt::format("{:>7}{}", v + 1, axis_cells(sweep.values[v], width));
      for (std::size_t t = from; t < to; ++t)
        text += fmt::format(" {:>7}", reach(sweep.outputs[v][first_target + t]));
      text += "\n";
    }
  }
  if (bounded)
    text +=
        fmt::format("<{} or >{}: none or every one of the {} trials reaches it (rule of three)\n",
                    rule_of_three_percent(sweep.trials), rule_of_three_percent(sweep.trials, true),
                    format_grouped(static_cast<double>(sweep.trials)));
  return text;
}

}  // namespace opsim
