#include "sim/workflows/backtest.hpp"

#include <H5Cpp.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <numeric>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <boost/math/distributions/chi_squared.hpp>

#include "models/calendar.hpp"
#include "opsim_version.hpp"
#include "sim/base/error.hpp"
#include "sim/base/grouped.hpp"
#include "sim/engine/runner.hpp"
#include "sim/io/hdf5_util.hpp"
#include "sim/io/json_text.hpp"
#include "sim/io/number_format.hpp"
#include "sim/io/output.hpp"
#include "sim/io/output_files.hpp"
#include "sim/io/scenario_loader.hpp"

namespace opsim {

using namespace calibration;

const char* method_name(Method method) {
  switch (method) {
    case Method::model:
      return "model";
    case Method::seasonal_naive:
      return "seasonal_naive";
    case Method::trailing_average:
      return "trailing_average";
  }
  return "?";
}

//! A method's name for people: "seasonal naive", not "seasonal_naive" (review).
std::string method_words(Method method) {
  return words_of_name(method_name(method));
}

double MonthlyActuals::at(const std::string& region, int month) const {
  auto r = by_region.find(region);
  if (r == by_region.end()) return 0.0;
  auto m = r->second.find(month);
  return m == r->second.end() ? 0.0 : m->second;
}

MonthlyActuals collect_actuals(const History& history) {
  MonthlyActuals a;
  a.first_month = std::numeric_limits<int>::max();
  auto add = [&](const std::string& region, int day, double amount) {
    const int month = month_of_day(day);
    a.by_region[region][month] += amount;
    a.first_month = std::min(a.first_month, month);
    a.last_month = std::max(a.last_month, month);
  };
  for (const Opportunity& o : history.opportunities) {
    if (!o.closed) continue;
    add(o.region, *o.closed, o.outcome == Outcome::won && o.amount ? *o.amount : 0.0);
  }
  for (const Booking& b : history.bookings) add(b.region, b.day, b.amount);
  // The last month counts only when the data reach its last days (an export taken on the
  // last working day of a month still covers it).
  if (a.last_month >= 0 && history.snapshot_day < last_day_of_month(a.last_month) - 3)
    --a.last_month;
  return a;
}

std::optional<double> baseline_point(Method method, const MonthlyActuals& actuals,
                                     const std::vector<std::string>& regions,
                                     const std::string& region, int o, int first, int last,
                                     int trailing) {
  if (method == Method::trailing_average) {
    if (o - trailing + 1 < actuals.first_month) return std::nullopt;
    double sum = 0;
    for (int m = o - trailing + 1; m <= o; ++m) sum += actuals.at(region, m);
    return sum / trailing * (last - first + 1);
  }
  if (method != Method::seasonal_naive || o + first - 12 < actuals.first_month || last > 12)
    return std::nullopt;
  double growth = 1.0;
  if (o - 23 >= actuals.first_month) {
    double recent = 0, before = 0;
    for (const auto& r : regions) {
      for (int m = o - 11; m <= o; ++m) recent += actuals.at(r, m);
      for (int m = o - 23; m <= o - 12; ++m) before += actuals.at(r, m);
    }
    if (before > 0) growth = recent / before;
  }
  double sum = 0;
  for (int k = first; k <= last; ++k) sum += actuals.at(region, o + k - 12);
  return sum * growth;
}

namespace {

//! The baseline's predictive sample: its point forecast times the ratios actual / forecast
//! that the same rule achieved at earlier origins for the same offsets (all regions), using
//! only months up to the origin.
std::vector<double> baseline_sample(Method method, const MonthlyActuals& actuals,
                                    const std::vector<std::string>& regions,
                                    const std::string& region, int o, int first, int last,
                                    int trailing, double point) {
  std::vector<double> ratios;
  for (int past = actuals.first_month; past + last <= o; ++past) {
    for (const auto& r : regions) {
      auto p = baseline_point(method, actuals, regions, r, past, first, last, trailing);
      if (!p || *p <= 0) continue;
      double actual = 0;
      for (int k = first; k <= last; ++k) actual += actuals.at(r, past + k);
      ratios.push_back(actual / *p);
    }
  }
  (void)region;
  if (ratios.size() < 5) return {point};
  std::vector<double> sample;
  for (double ratio : ratios) sample.push_back(point * ratio);
  return sample;
}

void pool(PooledScore& p, const ForecastScore& s) {
  ++p.count;
  p.crps += s.crps;
  p.coverage50 += s.in50;
  p.coverage80 += s.in80;
  p.interval_coverage50 += s.interval50;
  p.interval_coverage80 += s.interval80;
  p.mean_pit += s.pit;
  p.abs_median_error += std::abs(s.actual - s.median);
  p.median_bias += s.actual - s.median;
  if (s.pit_range.high > s.pit_range.low) {
    for (int bin = 0; bin < 10; ++bin)
      p.pit_histogram[bin] += calibration::pit_mass_in(s.pit_range, bin / 10.0, (bin + 1) / 10.0);
  } else {
    p.pit_histogram[std::min<std::size_t>(9, static_cast<std::size_t>(s.pit * 10))] += 1;
  }
}

void finish(PooledScore& p) {
  if (p.count == 0) return;
  const double n = static_cast<double>(p.count);
  p.crps /= n;
  p.coverage50 /= n;
  p.coverage80 /= n;
  p.interval_coverage50 /= n;
  p.interval_coverage80 /= n;
  p.mean_pit /= n;
  p.abs_median_error /= n;
  p.median_bias /= n;
  p.pit_chi2 = 0;
  for (double count : p.pit_histogram) p.pit_chi2 += (count - n / 10) * (count - n / 10) / (n / 10);
  p.pit_uniform_p = boost::math::cdf(
      boost::math::complement(boost::math::chi_squared_distribution<double>(9), p.pit_chi2));
}

std::string period_label(const Calendar& calendar, int first_month, bool quarter) {
  if (!quarter) return format_year_month(first_month);
  return fmt::format("FY{}-Q{}", calendar.fiscal_year_of(first_month),
                     calendar.fiscal_quarter_of(first_month));
}

}  // namespace

BacktestResult run_backtest(const History& history, const BacktestOptions& options) {
  if (options.horizon < 1 || options.horizon > 36)
    throw_input("--horizon: {} is not in 1..36 months", options.horizon);
  if (options.last_origin < options.first_origin)
    throw_input("--last-origin {} is before --as-of {} (the first cut-off)",
                format_year_month(options.last_origin), format_year_month(options.first_origin));
  const MonthlyActuals actuals = collect_actuals(history);
  BacktestResult result;
  std::set<std::string> seen_regions;
  const Calendar fiscal(0, 1, options.fit.fiscal_year_start_month);
  int cut_short = 0, scored_origins = 0;  // origins whose horizon runs past the actuals
  for (int o = options.first_origin; o <= options.last_origin; o += std::max(1, options.step)) {
    if (!actuals.covers(o + 1)) {
      result.notes.push_back(
          fmt::format("origin {}: no actuals after it; skipped", format_year_month(o)));
      continue;
    }
    ++scored_origins;
    if (!actuals.covers(o + options.horizon)) ++cut_short;
    FitOptions fit_options = options.fit;
    fit_options.as_of = last_day_of_month(o);
    const Calibration fit = fit_history(history, fit_options);
    ScenarioRequest request = options.scenario;
    request.months = options.horizon;
    request.trials = options.trials;
    request.seed = options.seed;
    const nlohmann::json document = calibrated_scenario(fit, request);
    const Scenario scenario =
        build_scenario(document, fmt::format("backtest-{}", format_year_month(o)), ".");
    RunOptions run;
    run.end_trial = options.trials;
    run.seed = options.seed;
    run.threads = options.threads;
    run.keep_monthly = true;
    if (options.progress) {
      const std::uint64_t offset =
          static_cast<std::uint64_t>((o - options.first_origin) / std::max(1, options.step)) *
          options.trials;
      run.progress = [&options, offset](std::uint64_t n) { options.progress(offset + n); };
    }
    const RunResult forecast = run_trials(scenario, run);
    const ResultLayout& layout = forecast.layout;
    result.origins.push_back(format_year_month(o));

    // Periods: each month, and each fiscal quarter wholly inside the horizon.
    struct Span {
      int first, last;
      bool quarter;
    };
    std::vector<Span> spans;
    for (int k = 1; k <= options.horizon; ++k) spans.push_back({k, k, false});
    for (int k = 1; k + 2 <= options.horizon; ++k) {
      if (fiscal.fiscal_quarter_of(o + k) != fiscal.fiscal_quarter_of(o + k - 1) &&
          fiscal.fiscal_quarter_of(o + k + 2) == fiscal.fiscal_quarter_of(o + k)) {
        spans.push_back({k, k + 2, true});
      }
    }
    for (int r = 0; r < scenario.region_count(); ++r) {
      const std::string& region = scenario.regions[r].id;
      seen_regions.insert(region);
      for (const Span& span : spans) {
        if (!actuals.covers(o + span.last)) continue;
        BacktestRow row;
        row.origin = o;
        row.region = region;
        row.quarter = span.quarter;
        row.first_offset = span.first;
        row.last_offset = span.last;
        row.period = period_label(fiscal, o + span.first, span.quarter);
        for (int k = span.first; k <= span.last; ++k) row.actual += actuals.at(region, o + k);
        std::vector<double> sample(forecast.trials(), 0.0);
        const int total_segment = layout.segments - 1;
        for (std::uint64_t t = 0; t < forecast.trials(); ++t) {
          for (int k = span.first; k <= span.last; ++k) {
            sample[t] +=
                forecast.monthly_values[t * layout.monthly_cells() + (k - 1) * layout.cells() +
                                        layout.cell(r, total_segment,
                                                    static_cast<int>(Metric::new_bookings))];
          }
        }
        std::sort(sample.begin(), sample.end());
        for (double level : kFanLevels) row.quantiles.push_back(sample_quantile(sample, level));
        row.score[0] = score_sample(sample, row.actual);
        for (Method method : {Method::seasonal_naive, Method::trailing_average}) {
          const int i = static_cast<int>(method);
          auto point = baseline_point(method, actuals, fit.regions, region, o, span.first,
                                      span.last, options.trailing_months);
          if (!point) continue;
          row.available[i] = true;
          row.score[i] =
              score_sample(baseline_sample(method, actuals, fit.regions, region, o, span.first,
                                           span.last, options.trailing_months, *point),
                           row.actual);
        }
        result.rows.push_back(std::move(row));
      }
    }
  }
  if (cut_short > 0) {
    // Edge-case review: --horizon 36 over six months of data scored what exists without a word.
    result.notes.push_back(fmt::format(
        "{} of {} scored origins reach past the history's last whole month {} within the {}-month "
        "horizon: only their months up to it are scored (origins up to {} are scored over the "
        "whole horizon)",
        cut_short, scored_origins, format_year_month(actuals.last_month), options.horizon,
        format_year_month(actuals.last_month - options.horizon)));
  }
  result.regions.assign(seen_regions.begin(), seen_regions.end());
  for (const BacktestRow& row : result.rows) {
    const int kind = row.quarter ? 1 : 0;
    for (int m = 0; m < kMethods; ++m) {
      if (!row.available[m]) continue;
      pool(result.pooled[kind][m], row.score[m]);
      pool(result.model_on[kind][m], row.score[0]);
    }
  }
  for (auto& kind : result.pooled)
    for (auto& p : kind) finish(p);
  for (auto& kind : result.model_on)
    for (auto& p : kind) finish(p);
  return result;
}

namespace {

//! One value per scored row.
void write_column(H5::Group& group, const std::string& name, const std::vector<double>& values) {
  write_doubles(group, name, {values.size()}, values.data(), "row");
}

const char* kind_name(int kind) {
  return kind == 0 ? "month" : "quarter";
}

}  // namespace

//! /pooled: the summary's scores as [kind][method] arrays (NaN where a method scored no row),
//! so that the report and plain h5py read them without parsing the JSON attribute.
void write_pooled(H5::H5File& file, const BacktestResult& result) {
  H5::Group pooled = file.createGroup("/pooled");
  write_strings(pooled, "kind", {kind_name(0), kind_name(1)});
  std::vector<std::string> methods;
  for (int m = 0; m < kMethods; ++m) methods.push_back(method_name(static_cast<Method>(m)));
  write_strings(pooled, "method", methods);
  using Field = double (*)(const PooledScore&);
  const std::pair<const char*, Field> fields[] = {
      {"count", [](const PooledScore& p) { return double(p.count); }},
      {"crps", [](const PooledScore& p) { return p.crps; }},
      {"coverage50", [](const PooledScore& p) { return p.coverage50; }},
      {"coverage80", [](const PooledScore& p) { return p.coverage80; }},
      {"interval_coverage50", [](const PooledScore& p) { return p.interval_coverage50; }},
      {"interval_coverage80", [](const PooledScore& p) { return p.interval_coverage80; }},
      {"mean_pit", [](const PooledScore& p) { return p.mean_pit; }},
      {"abs_median_error", [](const PooledScore& p) { return p.abs_median_error; }},
      {"median_bias", [](const PooledScore& p) { return p.median_bias; }},
      {"pit_uniformity_p", [](const PooledScore& p) { return p.pit_uniform_p; }}};
  const std::vector<hsize_t> dims{2, static_cast<hsize_t>(kMethods)};
  for (int set = 0; set < 2; ++set) {
    H5::Group g = set == 0 ? pooled : pooled.createGroup("model_on_same_rows");
    for (const auto& [name, get] : fields) {
      std::vector<double> values;
      for (int kind = 0; kind < 2; ++kind) {
        for (int m = 0; m < kMethods; ++m) {
          const PooledScore& p = set == 0 ? result.pooled[kind][m] : result.model_on[kind][m];
          const bool scored = p.count > 0 || std::string(name) == "count";
          values.push_back(scored ? get(p) : std::numeric_limits<double>::quiet_NaN());
        }
      }
      write_doubles(g, name, dims, values.data(), "kind,method");
    }
    std::vector<double> histogram;
    for (int kind = 0; kind < 2; ++kind) {
      for (int m = 0; m < kMethods; ++m) {
        const PooledScore& p = set == 0 ? result.pooled[kind][m] : result.model_on[kind][m];
        for (double count : p.pit_histogram) histogram.push_back(double(count));
      }
    }
    write_doubles(g, "pit_histogram", {2, static_cast<hsize_t>(kMethods), 10}, histogram.data(),
                  "kind,method,pit_bin");
  }
}

void write_backtest_hdf5(const std::string& path, const BacktestResult& result,
                         const std::string& command_line) {
  write_hdf5_document(path, [&](H5::H5File& file) {
    H5::Group root = file.openGroup("/");
    string_attribute(root, "opsim_version", OPSIM_VERSION);
    string_attribute(root, "git_revision", OPSIM_GIT_REVISION);
    string_attribute(root, "command_line", command_line);
    string_attribute(root, "summary_json",
                     round_numbers(backtest_summary_json(result), kEstimateDigits).dump());
    H5::Group rows = file.createGroup("/rows");
    std::vector<std::string> origin, region, kind, period;
    std::vector<double> first, last, actual, quantiles;
    for (const BacktestRow& row : result.rows) {
      origin.push_back(format_year_month(row.origin));
      region.push_back(row.region);
      kind.push_back(kind_name(row.quarter ? 1 : 0));
      period.push_back(row.period);
      first.push_back(row.first_offset);
      last.push_back(row.last_offset);
      actual.push_back(row.actual);
      quantiles.insert(quantiles.end(), row.quantiles.begin(), row.quantiles.end());
    }
    write_strings(rows, "origin", origin);
    write_strings(rows, "region", region);
    write_strings(rows, "kind", kind);
    write_strings(rows, "period", period);
    write_column(rows, "first_offset", first);
    write_column(rows, "last_offset", last);
    write_column(rows, "actual", actual);
    write_doubles(rows, "model_quantiles", {result.rows.size(), std::size(kFanLevels)},
                  quantiles.data(), "row,quantile_level");
    write_doubles(rows, "quantile_levels", {std::size(kFanLevels)}, kFanLevels, "quantile_level");
    using Field = double (*)(const ForecastScore&);
    const std::pair<const char*, Field> fields[] = {
        {"pit", [](const ForecastScore& s) { return s.pit; }},
        {"crps", [](const ForecastScore& s) { return s.crps; }},
        {"median", [](const ForecastScore& s) { return s.median; }},
        {"in50", [](const ForecastScore& s) { return s.in50; }},
        {"in80", [](const ForecastScore& s) { return s.in80; }},
        {"interval50", [](const ForecastScore& s) { return double(s.interval50); }},
        {"interval80", [](const ForecastScore& s) { return double(s.interval80); }}};
    for (int m = 0; m < kMethods; ++m) {
      H5::Group g = rows.createGroup(method_name(static_cast<Method>(m)));
      std::vector<double> available;
      for (const BacktestRow& row : result.rows) available.push_back(row.available[m]);
      write_column(g, "available", available);
      for (const auto& [name, get] : fields) {
        std::vector<double> values;
        for (const BacktestRow& row : result.rows) {
          values.push_back(row.available[m] ? get(row.score[m])
                                            : std::numeric_limits<double>::quiet_NaN());
        }
        write_column(g, name, values);
      }
    }
    write_pooled(file, result);
  });
}

void write_backtest_csv(const std::string& path, const BacktestResult& result) {
  write_text_file(path, [&](std::ostream& out) {
    out << "origin,region,kind,period,first_offset,last_offset,actual";
    for (double level : kFanLevels)
      out << fmt::format(",model_p{}", static_cast<int>(std::lround(level * 100)));
    for (int m = 0; m < kMethods; ++m) {
      const char* name = method_name(static_cast<Method>(m));
      out << fmt::format(",{0}_pit,{0}_crps,{0}_median,{0}_in50,{0}_in80", name);
    }
    out << "\n";
    for (const BacktestRow& row : result.rows) {
      out << fmt::format("{},{},{},{},{},{},{:.6g}", format_year_month(row.origin), row.region,
                         kind_name(row.quarter ? 1 : 0), row.period, row.first_offset,
                         row.last_offset, row.actual);
      for (double q : row.quantiles) out << fmt::format(",{:.6g}", q);
      for (int m = 0; m < kMethods; ++m) {
        if (!row.available[m]) {
          out << ",,,,,";
          continue;
        }
        const ForecastScore& s = row.score[m];
        out << fmt::format(",{:.4f},{:.6g},{:.6g},{:.4g},{:.4g}", s.pit, s.crps, s.median, s.in50,
                           s.in80);
      }
      out << "\n";
    }
  });
}

nlohmann::json backtest_summary_json(const BacktestResult& result) {
  nlohmann::json j;
  j["origins"] = result.origins;
  j["regions"] = result.regions;
  j["notes"] = result.notes;
  for (int kind = 0; kind < 2; ++kind) {
    for (int m = 0; m < kMethods; ++m) {
      for (int set = 0; set < 2; ++set) {
        const PooledScore& p = set == 0 ? result.pooled[kind][m] : result.model_on[kind][m];
        // A method that scored no row has no scores: null, as the HDF5 file's NaN.
        auto score = [&p](double value) {
          return p.count > 0 ? nlohmann::json(value) : nlohmann::json(nullptr);
        };
        j[set == 0 ? "pooled" : "model_on_same_rows"][kind_name(kind)][method_name(
            static_cast<Method>(m))] = {{"count", p.count},
                                        {"crps", score(p.crps)},
                                        {"coverage50", score(p.coverage50)},
                                        {"coverage80", score(p.coverage80)},
                                        {"interval_coverage50", score(p.interval_coverage50)},
                                        {"interval_coverage80", score(p.interval_coverage80)},
                                        {"mean_pit", score(p.mean_pit)},
                                        {"abs_median_error", score(p.abs_median_error)},
                                        {"median_bias", score(p.median_bias)},
                                        {"pit_histogram", p.pit_histogram},
                                        {"pit_uniformity_chi2", score(p.pit_chi2)},
                                        {"pit_uniformity_p", score(p.pit_uniform_p)}};
      }
    }
  }
  return j;
}

std::string format_backtest_table(const BacktestResult& result) {
  std::string out =
      fmt::format("backtest: {} ({} .. {}), {}, {} scored rows\n",
                  format_count(static_cast<long long>(result.origins.size()), "origin"),
                  result.origins.empty() ? "-" : result.origins.front(),
                  result.origins.empty() ? "-" : result.origins.back(),
                  format_count(static_cast<long long>(result.regions.size()), "region"),
                  format_grouped(static_cast<double>(result.rows.size())));
  auto format_row = [](const std::string& name, const PooledScore& p) {
    // Coverage in percent, as the report shows it (review: "0.550" here, "55.0%" there).
    return fmt::format("  {:<30} {:>6} {:>14} {:>8} {:>8} {:>8.3f} {:>14} {:>7}  {:.0f}\n", name,
                       format_grouped(static_cast<double>(p.count)), format_grouped(p.crps),
                       format_percent(p.coverage50, 1), format_percent(p.coverage80, 1), p.mean_pit,
                       format_grouped(p.abs_median_error), format_p_value(p.pit_uniform_p),
                       fmt::join(p.pit_histogram, " "));
  };
  auto differs = [](const PooledScore& p) {
    return std::abs(p.interval_coverage50 - p.coverage50) > 5e-4 ||
           std::abs(p.interval_coverage80 - p.coverage80) > 5e-4;
  };
  for (int kind = 0; kind < 2; ++kind) {
    if (result.pooled[kind][0].count == 0) continue;
    out += fmt::format("\nregion x {}:\n", kind_name(kind));
    out += fmt::format("  {:<30} {:>6} {:>14} {:>8} {:>8} {:>8} {:>14} {:>7}  PIT deciles\n",
                       "method", "n", "CRPS", "cov50", "cov80", "meanPIT", "|med err|", "PIT p");
    out += format_row("model", result.pooled[kind][0]);
    for (int m = 1; m < kMethods; ++m) {
      const PooledScore& p = result.pooled[kind][m];
      if (p.count == 0) {
        out += fmt::format("  {:<30} no rows (not enough history)\n",
                           method_words(static_cast<Method>(m)));
        continue;
      }
      out += format_row(method_words(static_cast<Method>(m)), p);
      if (p.count != result.pooled[kind][0].count) {
        out += format_row(fmt::format("  model on the same rows"), result.model_on[kind][m]);
      }
      out += fmt::format("  {:<30} CRPS skill vs {}: {:.3f}\n", "",
                         method_words(static_cast<Method>(m)),
                         1.0 - result.model_on[kind][m].crps / p.crps);
    }
    const PooledScore& model = result.pooled[kind][0];
    if (differs(model)) {
      out += fmt::format(
          "  cov50/cov80 share an atom's rows by the randomised PIT; counting every actual on\n"
          "  the interval's ends as covered gives {} / {} for the model\n",
          format_percent(model.interval_coverage50, 1),
          format_percent(model.interval_coverage80, 1));
    }
  }
  for (const auto& note : result.notes) out += fmt::format("note: {}\n", note);
  return out;
}

}  // namespace opsim
