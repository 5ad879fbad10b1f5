#include "sim/io/drivers_output.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "sim/io/hdf5_util.hpp"
#include "sim/io/number_format.hpp"

namespace opsim {

namespace {

//! Total Var(Y) share not explained by any single source (interaction, and error); NaN when the
//! outcome does not vary (review: 0/0 read "100.0%").
double interaction(const DriversResult& r) {
  if (!(r.sd > 0)) return std::nan("");
  double sum = 0.0;
  for (const SourceShare& s : r.sources)
    sum += std::isfinite(s.estimate.share) ? s.estimate.share : 0;
  return 1.0 - sum;
}

bool with_target(const DriversResult& r) {
  return r.target.has_value();
}

}  // namespace

double sd_if_fixed(double sd, double share) {
  if (!std::isfinite(share)) return std::nan("");
  return sd * std::sqrt(1.0 - std::clamp(share, 0.0, 1.0));
}

std::string tornado_value(const std::string& change, double value) {
  if (change == "factor") return fmt::format("x{}", format_user_value(value));
  if (change == "months") return fmt::format("{:+g} mo", value);
  return format_user_value_grouped(value);  // "12,000", as the sweep's axis values
}

std::vector<std::string> drivers_csv_names(bool sources, bool tornado, bool solve) {
  std::vector<std::string> names;
  if (sources) names.push_back("sources.csv");
  if (tornado) names.push_back("tornado.csv");
  if (solve) names.push_back("solve.csv");
  return names;
}

std::vector<FolderFile> drivers_csv_files(const DriversResult& result) {
  // A part the run skipped (--no-sources, --no-tornado) writes no file, not a header alone
  // (review: an empty sources.csv read as "no source matters").
  auto sources = [&](std::ostream& out) {
    // The sd that would remain, as the terminal and the report give it (review: a variance in
    // currency squared, pooled over both runs and unclamped, disagreed with the screen).
    out << fmt::format(
        "source,share_of_variance,se,sd_if_fixed_{},total_effect,total_effect_se,effect\n",
        result.currency);
    for (const SourceShare& s : result.sources) {
      out << fmt::format("{},{},{},{},{},{},{}\n", csv_text(s.source),
                         csv_number(s.estimate.share, 5), csv_number(s.estimate.se, 5),
                         csv_number(sd_if_fixed(result.sd, s.estimate.share), 0),
                         csv_number(s.estimate.total, 5), csv_number(s.estimate.total_se, 5),
                         s.estimate.no_effect ? "none" : "");
    }
    out << fmt::format("interaction,{},,,,,\n", csv_number(interaction(result), 5));
  };
  auto tornado = [&](std::ostream& out) {
    out << "parameter,low_value,high_value,mean_low,mean_high,p_reach_low,p_reach_high,swing,se,"
           "change,note\n";
    const int d = with_target(result) ? 4 : 2;
    for (const TornadoRow& row : result.tornado) {
      out << fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", csv_text(row.parameter),
                         format_user_value(row.low_value), format_user_value(row.high_value),
                         csv_number(row.swing.mean_low, 2), csv_number(row.swing.mean_high, 2),
                         csv_number(row.swing.p_low, 4), csv_number(row.swing.p_high, 4),
                         csv_number(row.swing.swing, d), csv_number(row.swing.se, d), row.change,
                         csv_text(row.note));
    }
  };
  std::vector<FolderFile> files;
  if (!result.sources.empty()) files.push_back({"sources.csv", sources});
  if (!result.tornado.empty()) files.push_back({"tornado.csv", tornado});
  if (result.solve) {
    files.push_back({"solve.csv", [&](std::ostream& out) {
                       const SolveResult& s = *result.solve;
                       out << "parameter,for_probability,value,se,probability_at_value,slope,"
                              "search_low,search_high,runs,out_of_reach\n";
                       // Out of reach: the solution's fields empty, and why.
                       auto figure = [](const char* format, double v) {
                         return std::isnan(v) ? std::string()
                                              : fmt::format(fmt::runtime(format), v);
                       };
                       out << fmt::format(
                           "{},{},{},{},{},{},{},{},{},{}\n", csv_text(s.parameter),
                           // The value to its SE's precision, not 12 digits of Monte
                           // Carlo noise (review: se 0.00441941738242).
                           format_user_value(s.probability), figure("{:.6g}", s.solution.value),
                           figure("{:.3g}", s.solution.se), csv_number(s.solution.probability, 4),
                           figure("{:.4g}", s.solution.slope), format_user_value(s.low),
                           format_user_value(s.high), s.solution.runs, csv_text(s.out_of_reach));
                     }});
  }
  return files;
}

void write_drivers_hdf5(H5::H5File& file, const DriversResult& result) {
  H5::Group group = file.createGroup("/drivers");
  string_attribute(group, "metric", result.metric);
  string_attribute(group, "period", result.period);
  string_attribute(group, "period_words", result.period_words);
  string_attribute(group, "region", result.region);
  string_attribute(group, "segment", result.segment);
  string_attribute(group, "currency", result.currency);
  const double none = std::nan("");
  const std::vector<double> outcome{result.mean, result.sd, result.target.value_or(none),
                                    result.p_reach};
  write_doubles(group, "outcome", {4}, outcome.data(), "mean,sd,target,p_reach");
  if (!result.sources.empty()) {
    H5::Group sources = file.createGroup("/drivers/sources");
    std::vector<std::string> names;
    std::vector<double> values;
    std::vector<std::string> effects;
    for (const SourceShare& s : result.sources) {
      names.push_back(s.source);
      effects.push_back(s.estimate.no_effect ? "none" : "");
      values.insert(values.end(),
                    {s.estimate.share, s.estimate.se, sd_if_fixed(result.sd, s.estimate.share),
                     s.estimate.total, s.estimate.total_se});
    }
    names.push_back("interaction");
    effects.push_back("");
    values.insert(values.end(), {interaction(result), none, none, none, none});
    write_strings(sources, "names", names);
    write_strings(sources, "effect", effects);
    write_doubles(sources, "values", {names.size(), 5}, values.data(),
                  "source,(share_of_variance,se,sd_if_fixed,total_effect,total_effect_se)");
  }
  if (!result.tornado.empty()) {
    H5::Group tornado = file.createGroup("/drivers/tornado");
    std::vector<std::string> names, notes, changes;
    std::vector<double> values;
    for (const TornadoRow& row : result.tornado) {
      names.push_back(row.words());
      notes.push_back(row.note);
      changes.push_back(row.change);
      values.insert(values.end(),
                    {row.low_value, row.high_value, row.swing.mean_low, row.swing.mean_high,
                     row.swing.p_low, row.swing.p_high, row.swing.swing, row.swing.se});
    }
    write_strings(tornado, "names", names);
    write_strings(tornado, "notes", notes);
    write_strings(tornado, "changes", changes);
    write_doubles(tornado, "values", {names.size(), 8}, values.data(),
                  "parameter,(low_value,high_value,mean_low,mean_high,p_reach_low,p_reach_high,"
                  "swing,se)");
  }
  if (result.solve) {
    const SolveResult& s = *result.solve;
    H5::Group solve = file.createGroup("/drivers/solve");
    string_attribute(solve, "parameter", s.parameter);
    string_attribute(solve, "parameter_words", s.label);
    string_attribute(solve, "out_of_reach", s.out_of_reach);
    const std::vector<double> v{s.probability,
                                s.solution.value,
                                s.solution.se,
                                s.solution.probability,
                                s.solution.slope,
                                s.low,
                                s.high};
    write_doubles(solve, "values", {v.size()}, v.data(),
                  "for_probability,value,se,probability_at_value,slope,search_low,search_high");
  }
}

std::string drivers_text(const DriversResult& r) {
  // "company total", "region EMEA", "segment SMB" or "EMEA SMB": the outcome's scope in words.
  const bool all_regions = r.region == "total", all_segments = r.segment == "total";
  const std::string scope = all_regions && all_segments ? std::string("company total")
                            : all_segments              ? "region " + r.region
                            : all_regions               ? "segment " + r.segment
                                                        : r.region + " " + r.segment;
  std::string text =
      fmt::format("\n{} {}, {}\nmean {} (sd {})", metric_words(r.metric),
                  r.period_words.empty() ? r.period : r.period_words, scope,
                  format_amount(r.mean, r.currency), format_amount(r.sd, r.currency));
  if (r.target) {
    text += fmt::format(", P(reach {}) {}", format_amount(*r.target, r.currency),
                        format_percent(r.p_reach));
  }
  text +=
      fmt::format("; {} trials, seed {}\n", format_grouped(static_cast<double>(r.trials)), r.seed);
  if (!r.sources.empty()) {
    text +=
        "\nSources of uncertainty (share of the variance: alone, and total with its "
        "interactions; pick-freeze)\n";
    text += fmt::format("{:<34} {:>14}  {:>14} {:>20}\n", "source", "share ±SE", "total ±SE",
                        "sd if it were fixed");
    bool unclear = false, none = false;  // some share within 2 SE of zero; some without effect
    for (const SourceShare& s : r.sources) {
      const VarianceShare& e = s.estimate;
      if (e.no_effect) {
        none = true;
        text += fmt::format("{:<34} {:>14}\n", s.source, "no effect");
        continue;
      }
      const bool near_zero = std::abs(e.share) < 2 * e.se;
      unclear = unclear || near_zero;
      // The percent and its SE in columns of their own, so that the percents line up whatever
      // the SE's width (review: "±10.0" pushed its percent left).
      auto with_se = [](double share, double se) {
        return fmt::format("{:>6} ±{:<4}", format_percent(share), fmt::format("{:.1f}", 100 * se));
      };
      text += fmt::format("{:<34} {:>14}{} {:>14} {:>20}\n", s.source, with_se(e.share, e.se),
                          near_zero ? "~" : " ",
                          std::isnan(e.total) ? std::string("") : with_se(e.total, e.total_se),
                          format_amount(sd_if_fixed(r.sd, e.share), r.currency));
    }
    if (unclear)
      text +=
          "~ within 2 SE of zero: these trials cannot tell it from no effect (more trials "
          "narrow it)\n";
    if (none)
      text += "no effect: redrawing the source alone leaves the outcome unchanged in every trial\n";
    const double rest = interaction(r);
    // Its percent under the shares' (review: between two columns).
    text += fmt::format("{:<34} {:>8}{}\n", "interaction (remainder)", format_percent(rest),
                        rest < 0 ? "        (below 0 by the shares' estimation error: their SEs)"
                        : std::isnan(rest) ? "        (the outcome does not vary: no shares)"
                                           : "");
  }
  if (!r.tornado.empty()) {
    text += fmt::format("\nTornado: each group moved down and up, paired with the base; {}\n",
                        r.target ? "swing of P(reach)" : "swing of the mean");
    // "40,000 / 60,000" is 15 characters, "-1 mo / +1 mo" 13 (review: wider rows pushed their
    // columns right).
    text += fmt::format("{:<34} {:>17} {:>12} {:>12} {:>16}  {}\n", "parameter", "low / high",
                        "low", "high", "swing ±SE", "note");
    for (const TornadoRow& row : r.tornado) {
      const std::string range = fmt::format("{} / {}", tornado_value(row.change, row.low_value),
                                            tornado_value(row.change, row.high_value));
      const bool p = r.target.has_value();
      text += fmt::format(
          "{:<34} {:>17} {:>12} {:>12} {:>16}  {}\n", row.words(), range,
          p ? format_percent(row.swing.p_low) : format_amount(row.swing.mean_low),
          p ? format_percent(row.swing.p_high) : format_amount(row.swing.mean_high),
          p ? fmt::format("{:.1f} ±{:.1f} pts", 100 * row.swing.swing, 100 * row.swing.se)
            : format_amount_with_se(row.swing.swing, row.swing.se),
          row.note);
    }
  }
  if (r.solve && !r.solve->out_of_reach.empty()) {
    text += fmt::format("\nWhat it would take: {} cannot: {}\n", r.solve->words(),
                        r.solve->out_of_reach);
  } else if (r.solve) {
    const SolveResult& s = *r.solve;
    text += fmt::format(
        "\nWhat it would take: {} = {} ±{} gives P(reach) {} (asked {}; searched {}..{}, {} "
        "runs)\n",
        s.words(), format_significant(s.solution.value), format_significant(s.solution.se, 2),
        format_percent(s.solution.probability), format_percent(s.probability),
        format_user_value(s.low), format_user_value(s.high), s.solution.runs);
  }
  text += fmt::format("\n{} runs of {} trials in {:.1f} s\n", r.runs,
                      format_grouped(static_cast<double>(r.trials)), r.seconds);
  return text;
}

}  // namespace opsim
