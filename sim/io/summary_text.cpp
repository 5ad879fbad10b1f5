#include "sim/io/summary_text.hpp"

#include <algorithm>

#include <map>

#include <fmt/format.h>

#include "sim/io/assumptions.hpp"
#include "sim/io/number_format.hpp"
#include "sim/io/output.hpp"

namespace opsim {

namespace {

//! Whether any actual falls in [first, start): the months before the horizon hold only these.
bool actuals_before(const Scenario& scenario, int first, int start) {
  return std::any_of(scenario.actuals.begin(), scenario.actuals.end(),
                     [&](const Actual& a) { return a.month >= first && a.month < start; });
}

struct SummaryContext {
  const Scenario& scenario;
  const Summary& summary;
  const ResultLayout& layout;
  std::vector<std::string> regions;
  std::vector<std::string> segments;
  std::string currency;

  SummaryContext(const Scenario& s, const Summary& sum)
      : scenario(s),
        summary(sum),
        layout(sum.layout),
        regions(region_labels(s)),
        segments(segment_labels(s)),
        currency(s.fx.currencies[s.fx.reporting].code) {}

  std::size_t cell(std::size_t period, int region, Metric metric, int segment = -1) const {
    const int s = segment < 0 ? layout.segments - 1 : segment;
    return period * layout.cells() + layout.cell(region, s, static_cast<int>(metric));
  }
  double quantile(std::size_t c, int level_index) const {
    return summary.period_quantiles[c * kQuantiles + level_index];
  }
  std::string header() const {
    std::string text = fmt::format("{} — {} trials, amounts in {} at plan rates\n",
                                   scenario.name.empty() ? scenario.source : scenario.name,
                                   format_grouped(static_cast<double>(summary.trials)), currency);
    const std::vector<std::string> drawn = summarise_assumptions(scenario);
    if (drawn.empty()) return text;
    text += "forecast with assumption uncertainty; drawn once per trial:\n";
    for (const std::string& line : drawn) text += "  " + line + "\n";
    return text;
  }
  //! "renewal bookings FY2028 partial: 10 of 12 months (...) total": the period as the
  //! target's metric covers it (a renewals target of a year that starts before the horizon is
  //! judged on its simulated months; the actuals are new bookings). `footnotes`: the period is
  //! marked "*" and its coverage added there instead (the one-screen summary).
  std::string target_label(const TargetResult& t,
                           std::vector<std::string>* footnotes = nullptr) const {
    const int region = t.target.region < 0 ? layout.regions - 1 : t.target.region;
    const int segment = t.target.segment < 0 ? layout.segments - 1 : t.target.segment;
    const Period& period = layout.periods[t.period];
    const Coverage coverage = coverage_of(metric_index(t.target.metric));
    std::string shown = period.display_label(coverage);
    if (footnotes != nullptr && period.partial(coverage)) {
      // Short of the whole period because it starts before the horizon (not only because it
      // runs past it): say why.
      const bool before = period.covered(coverage) < period.months_covered;
      const std::string note =
          fmt::format("{}{}", period.display_label(coverage),
                      before ? ": before the horizon only new bookings have actuals" : "");
      // One marker per distinct note, "*", "**", ... (review: two coverages of FY2027 were both
      // marked "*" above two "* FY2027 partial" notes).
      std::size_t k = 0;
      while (k < footnotes->size() && (*footnotes)[k].substr((*footnotes)[k].find(' ') + 1) != note)
        ++k;
      const std::string marker(k + 1, '*');
      if (k == footnotes->size()) footnotes->push_back(marker + " " + note);
      shown = period.label + marker;
    }
    std::string label =
        fmt::format("{} {} {}", metric_words(t.target.metric), shown, regions[region]);
    if (segment != layout.segments - 1) label += " " + segments[segment];
    return label;
  }
};

constexpr int kP10 = 1, kP50 = 3, kP90 = 5;

//! P(reach) ±SE in percentage points; none or every one of `trials` reaching it, its
//! rule-of-three bound instead of a certain-looking "0.0% ±0.0".
std::string reach(const TargetResult& t, std::uint64_t trials) {
  if (const std::string bound = format_certain_probability(t.probability, t.standard_error, trials);
      !bound.empty())
    return bound;
  return fmt::format("{:>6} ±{:.1f}", format_percent(t.probability), 100 * t.standard_error);
}

//! A fiscal year's heading with its months and how much of it is actuals: "FY2027
//! (2027-02..2028-01, actuals to date for 2027-02..2027-03)"; a partial year names the months it
//! covers once, as every output labels it: "FY2029 partial: 2 of 12 months (2028-02..2028-03)".
std::string year_heading(const Scenario& scenario, const Period& p) {
  std::string actuals;
  const int start = scenario.calendar.start();
  if (p.first_month < start) {
    // Months before the horizon hold only the actuals given: say so when there are none.
    const bool any = actuals_before(scenario, p.first_month, start);
    actuals =
        fmt::format("{} for {}..{}", any ? "actuals to date" : "no actuals given, counted as 0",
                    format_year_month(p.first_month), format_year_month(start - 1));
  }
  if (p.partial())
    return p.display_label() + (actuals.empty() ? "" : fmt::format(" ({})", actuals));
  return fmt::format("{} ({}..{}{}{})", p.label, format_year_month(p.first_month),
                     format_year_month(p.last_month), actuals.empty() ? "" : ", ", actuals);
}

//! The product mix of one fiscal period (all regions): one row per product; empty without
//! products. Share = the product's mean new bookings over all new bookings of the period.
std::string product_mix(const SummaryContext& c, std::size_t p) {
  const ResultLayout& layout = c.layout;
  if (layout.products == 0) return "";
  const int total = layout.regions - 1;
  const double all = c.summary.period_mean[c.cell(p, total, Metric::new_bookings)];
  std::string text =
      fmt::format("\n{:<16} {:<10} {:>8} {:>8} {:>8} {:>6} {:>9} {:>9}\n", "product mix", "segment",
                  "P10", "P50", "P90", "share", "wins mean", "pipe mean");
  for (int j = 0; j < layout.products; ++j) {
    auto at = [&](ProductMetric k) {
      return p * layout.product_cells() + layout.product_cell(total, j, static_cast<int>(k));
    };
    const std::size_t nb = at(ProductMetric::new_bookings);
    auto q = [&](int level) { return c.summary.product_quantiles[nb * kQuantiles + level]; };
    const Product& product = c.scenario.products[static_cast<std::size_t>(j)];
    text += fmt::format("{:<16} {:<10} {:>8} {:>8} {:>8} {:>6} {:>9} {:>9}\n",
                        product.id.substr(0, 16), c.segments[product.segment].substr(0, 10),
                        format_amount(q(1)), format_amount(q(3)), format_amount(q(5)),
                        all > 0 ? format_percent(c.summary.product_mean[nb] / all) : "-",
                        format_grouped(c.summary.product_mean[at(ProductMetric::wins)], 1),
                        format_amount(c.summary.product_mean[at(ProductMetric::pipeline_created)]));
  }
  return text;
}

}  // namespace

std::string pipeline_created_note(const Scenario& scenario, const Summary& summary) {
  const int k = summary.pipeline_short_months;
  if (k <= 0) return "";
  const int first = scenario.calendar.start() + scenario.months() - k;
  return fmt::format(
      "Pipeline created counts only the opportunities that close by the horizon's end ({}): in "
      "its last {} (from {}) it is short of those that close later (sales cycles of up to {}).",
      format_year_month(scenario.calendar.start() + scenario.months() - 1),
      format_count(k, "month"), format_year_month(first), format_count(k, "month"));
}

std::string format_summary_table(const Scenario& scenario, const Summary& summary) {
  const SummaryContext c(scenario, summary);
  const ResultLayout& layout = c.layout;
  const int total_segment = layout.segments - 1;
  std::string text = c.header();
  std::vector<const TargetResult*> shown;
  for (std::size_t p = 0; p < layout.periods.size(); ++p) {
    const Period& year = layout.periods[p];
    if (year.quarter != 0 || year.partial()) continue;
    text += fmt::format("\n{}\n", year_heading(scenario, year));
    text += fmt::format("{:<8} {:>8} {:>8} {:>8}  {:>8} {:>13}  {:>9} {:>9}\n", "region", "P10",
                        "P50", "P90", "target", "P(reach) ±SE", "ARR P50", "heads P50");
    text += fmt::format("{:<8} {:^26}  {:>8} {:>13}  {:>9} {:>9}\n", "", "-- new bookings --", "",
                        "", "year end", "year end");
    for (int r = 0; r < layout.regions; ++r) {
      const std::size_t nb = c.cell(p, r, Metric::new_bookings);
      const TargetResult* target = nullptr;
      for (const auto& t : summary.targets) {
        if (static_cast<std::size_t>(t.period) == p && t.cell == nb) target = &t;
      }
      if (target) shown.push_back(target);
      text += fmt::format(
          "{:<8} {:>8} {:>8} {:>8}  {:>8} {:>13}  {:>9} {:>9}\n", c.regions[r],
          format_amount(c.quantile(nb, kP10)), format_amount(c.quantile(nb, kP50)),
          format_amount(c.quantile(nb, kP90)), target ? format_amount(target->target.amount) : "",
          target ? reach(*target, summary.trials) : "",
          format_amount(c.quantile(c.cell(p, r, Metric::arr), kP50)),
          // A scenario without seats (intensity by region, as calibrate writes) has no heads.
          scenario.seats.empty()
              ? std::string("-")
              : format_grouped(c.quantile(c.cell(p, r, Metric::headcount), kP50)));
    }
    // Quarterly new-bookings targets of this year: one row per region, P(reach) per quarter.
    std::map<int, std::map<int, const TargetResult*>> quarterly;  // region -> quarter -> target
    for (const auto& t : summary.targets) {
      const Period& q = layout.periods[t.period];
      if (q.fiscal_year != year.fiscal_year || q.quarter == 0 || q.partial() ||
          t.target.metric != "new_bookings" || t.target.segment >= 0)
        continue;
      quarterly[t.target.region < 0 ? layout.regions - 1 : t.target.region][q.quarter] = &t;
      shown.push_back(&t);
    }
    if (!quarterly.empty()) {
      text += fmt::format("{:<8}", "P(reach)");
      for (int q = 1; q <= 4; ++q) text += fmt::format(" {:>13}", fmt::format("Q{} target", q));
      text += "\n";
      for (const auto& [region, quarters] : quarterly) {
        text += fmt::format("{:<8}", c.regions[region]);
        for (int q = 1; q <= 4; ++q) {
          auto it = quarters.find(q);
          text += fmt::format(" {:>13}",
                              it == quarters.end() ? "" : reach(*it->second, summary.trials));
        }
        text += "\n";
      }
    }
    text += product_mix(c, p);
  }
  std::vector<std::string> other, footnotes;
  std::size_t hidden = 0;  // targets of periods that run past the horizon, shown with --detail
  for (const auto& t : summary.targets) {
    bool listed = false;
    for (const TargetResult* s : shown) listed = listed || s == &t;
    if (listed) continue;
    if (layout.periods[t.period].partial()) {
      ++hidden;
      continue;
    }
    other.push_back(fmt::format("{:<40} {:>8}  mean {:>8}  P(reach) {}\n",
                                c.target_label(t, &footnotes), format_amount(t.target.amount),
                                format_amount(t.mean), reach(t, summary.trials)));
  }
  if (!other.empty()) {
    text += "\nOther targets\n";
    for (const auto& line : other) text += line;
    for (const auto& note : footnotes) text += wrap_words(note, 100, 2) + "\n";
  }
  (void)total_segment;
  for (const auto& p : layout.periods) {
    if (p.quarter == 0 && p.partial()) {
      text += fmt::format("\n{}: left out, not a whole year (--detail)\n", p.display_label());
    }
  }
  // Said, not dropped silently (review: a short horizon's quarter targets vanished).
  if (hidden > 0) {
    text += fmt::format("\n{} target{} of partial periods left out (--detail)\n", hidden,
                        hidden == 1 ? "" : "s");
  }
  // What "±" means beside a probability (review: "±2.2" without a unit).
  if (!summary.targets.empty())
    text += "\nP(reach) ±SE: the standard error in percentage points.\n";
  // ARR without an installed base is the ARR of the horizon's wins alone (review: read as the
  // company's ARR).
  if (scenario.contracts.empty()) {
    text +=
        "ARR P50: of the deals won in the horizon only; the scenario has no installed_base, so "
        "the ARR in force at the start is not in it.\n";
  }
  return text;
}

std::string format_detail_table(const Scenario& scenario, const Summary& summary) {
  const SummaryContext c(scenario, summary);
  const ResultLayout& layout = c.layout;
  const int total_segment = layout.segments - 1;
  std::string text = c.header() + "(P10 / P50 / P90 across trials)\n";
  for (std::size_t p = 0; p < layout.periods.size(); ++p) {
    const Period& year = layout.periods[p];
    if (year.quarter != 0) continue;
    text += fmt::format("\n{}\n", year_heading(scenario, year));
    text += fmt::format("{:<20} {:<8} {:>16} {:>16} {:>16} {:>16}\n", "metric", "region", "mean",
                        "P10", "P50", "P90");
    // A metric without actuals covers only the year's simulated months: marked "*" when that
    // leaves it short of the year's heading (review: a year's revenue of 10 months read as 12).
    bool short_of_heading = false;
    for (Metric metric :
         {Metric::new_bookings, Metric::renewal_bookings, Metric::expansion_bookings,
          Metric::churned_arr, Metric::revenue, Metric::arr, Metric::headcount}) {
      const Coverage coverage = coverage_of(static_cast<int>(metric));
      const bool marked = year.covered(coverage) < year.months_covered;
      short_of_heading = short_of_heading || marked;
      const std::string name =
          metric_words(std::string(metric_info(metric).name)) + (marked ? "*" : "");
      for (int r = 0; r < layout.regions; ++r) {
        const std::size_t x = c.cell(p, r, metric);
        text +=
            fmt::format("{:<20} {:<8} {:>16} {:>16} {:>16} {:>16}\n", name, c.regions[r],
                        format_grouped(summary.period_mean[x]), format_grouped(c.quantile(x, kP10)),
                        format_grouped(c.quantile(x, kP50)), format_grouped(c.quantile(x, kP90)));
      }
    }
    if (short_of_heading)
      text += fmt::format("* {}: before the horizon only new bookings have actuals\n",
                          year.coverage(Coverage::simulated));
    text += product_mix(c, p);
  }
  text += fmt::format("\n{:<10} {:<8} {:>9} {:>16} {:>12} {:>18}\n", "KPIs", "region", "win rate",
                      "avg deal size", "cycle (mo)", "pipeline created");
  for (const auto& k : summary.kpis) {
    const Period& period = layout.periods[k.period];
    if (period.quarter != 0 || k.segment != total_segment) continue;
    text += fmt::format("{:<10} {:<8} {:>9} {:>16} {:>12} {:>18}{}\n", period.label,
                        c.regions[k.region], format_percent(k.win_rate),
                        format_grouped(k.average_deal_size), format_grouped(k.cycle_months, 1),
                        format_grouped(k.pipeline_created),
                        period.partial(Coverage::simulated) ? "  (partial)" : "");
  }
  if (const std::string note = pipeline_created_note(scenario, summary); !note.empty())
    text += wrap_words(note, 100, 0) + "\n";
  if (!summary.targets.empty()) {
    text +=
        fmt::format("\n{:<44} {:>16} {:>16} {:>14}\n", "target", "amount", "mean", "P(reach) ±SE");
    // A partial period is marked "*" and its coverage follows the table (review: the long
    // label pushed the columns out of line).
    std::vector<std::string> footnotes;
    for (const auto& t : summary.targets) {
      text += fmt::format("{:<44} {:>16} {:>16} {:>14}\n", c.target_label(t, &footnotes),
                          format_grouped(t.target.amount), format_grouped(t.mean),
                          reach(t, summary.trials));
    }
    for (const auto& note : footnotes) text += wrap_words(note, 100, 2) + "\n";
  }
  return text;
}

std::vector<std::string> missing_actuals(const Scenario& scenario, const ResultLayout& layout) {
  std::vector<std::string> sentences;
  const int start = scenario.calendar.start();
  for (const Period& p : layout.periods) {
    if (p.quarter != 0 || p.first_month >= start || actuals_before(scenario, p.first_month, start))
      continue;
    sentences.push_back(fmt::format(
        "{} counts no actuals for {}..{} (none given): its values are the horizon's months only",
        p.label, format_year_month(p.first_month), format_year_month(start - 1)));
  }
  return sentences;
}

std::string missing_actuals_notes(const Scenario& scenario, const ResultLayout& layout) {
  std::string notes;
  for (const std::string& sentence : missing_actuals(scenario, layout))
    notes += wrap_words(fmt::format("note: {}", sentence), 100, 2) + "\n";  // 100 columns
  return notes;
}

std::string with_missing_actuals(std::string note, const Scenario& scenario,
                                 const ResultLayout& layout) {
  for (const std::string& sentence : missing_actuals(scenario, layout))
    note += fmt::format("{}{}.", note.empty() ? "" : " ", sentence);
  return note;
}

}  // namespace opsim
