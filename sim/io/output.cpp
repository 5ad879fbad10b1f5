#include "sim/io/output.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/base/error.hpp"
#include "sim/io/output_files.hpp"

namespace opsim {

const std::vector<std::string>& run_csv_names() {
  static const std::vector<std::string> names{"monthly.csv", "periods.csv", "targets.csv",
                                              "kpis.csv", "productivity.csv"};
  return names;
}

std::vector<std::string> region_labels(const Scenario& scenario) {
  std::vector<std::string> out;
  for (const auto& r : scenario.regions) out.push_back(r.id);
  out.push_back("total");
  return out;
}

std::vector<std::string> segment_labels(const Scenario& scenario) {
  std::vector<std::string> out;
  for (const auto& s : scenario.segments) out.push_back(s.id);
  out.push_back("total");
  return out;
}

std::vector<std::string> month_labels(const Scenario& scenario) {
  std::vector<std::string> out;
  for (int m = 0; m < scenario.months(); ++m)
    out.push_back(format_year_month(scenario.calendar.absolute(m)));
  return out;
}

namespace {

std::string period_target_label(const Summary& summary, const TargetResult& t,
                                const Scenario& scenario) {
  const auto regions = region_labels(scenario);
  const auto segments = segment_labels(scenario);
  const int region = t.target.region < 0 ? summary.layout.regions - 1 : t.target.region;
  const int segment = t.target.segment < 0 ? summary.layout.segments - 1 : t.target.segment;
  return fmt::format("{} {} {} {}", t.target.metric, summary.layout.periods[t.period].label,
                     regions[region], segments[segment]);
}

nlohmann::json stats_json(const Summary& s, std::size_t cell) {
  nlohmann::json j;
  j["mean"] = s.period_mean[cell];
  j["sd"] = s.period_sd[cell];
  j["se"] = s.period_se[cell];
  for (int q = 0; q < kQuantiles; ++q) {
    j[fmt::format("p{}", static_cast<int>(kQuantileLevels[q] * 100 + 0.5))] =
        s.period_quantiles[cell * kQuantiles + q];
  }
  return j;
}

}  // namespace

void write_summary_json(const std::string& path, const Scenario& scenario, const Summary& summary,
                        const Provenance& provenance) {
  const ResultLayout& layout = summary.layout;
  const auto regions = region_labels(scenario);
  const auto segments = segment_labels(scenario);
  nlohmann::json doc;
  doc["scenario"] = scenario.name;
  doc["scenario_sha256"] = provenance.scenario_sha256;
  doc["seed"] = provenance.seed;
  doc["trials"] = summary.trials;
  doc["reporting_currency"] = scenario.fx.currencies[scenario.fx.reporting].code;
  nlohmann::json& periods = doc["periods"];
  for (std::size_t p = 0; p < layout.periods.size(); ++p) {
    nlohmann::json& period = periods[layout.periods[p].label];
    for (int r = 0; r < layout.regions; ++r) {
      for (int s = 0; s < layout.segments; ++s) {
        for (int k = 0; k < kMetricCount; ++k) {
          period[regions[r]][segments[s]][std::string(metric_info(k).name)] =
              stats_json(summary, p * layout.cells() + layout.cell(r, s, k));
        }
      }
    }
  }
  nlohmann::json& targets = doc["targets"];
  targets = nlohmann::json::array();
  for (const auto& t : summary.targets) {
    targets.push_back({{"metric", t.target.metric},
                       {"period", layout.periods[t.period].label},
                       {"region", t.target.region < 0 ? "total" : regions[t.target.region]},
                       {"segment", t.target.segment < 0 ? "total" : segments[t.target.segment]},
                       {"amount", t.target.amount},
                       {"mean", t.mean},
                       {"probability", t.probability},
                       {"standard_error", t.standard_error}});
  }
  nlohmann::json& kpis = doc["kpis"];
  kpis = nlohmann::json::array();
  for (const auto& k : summary.kpis) {
    kpis.push_back({{"period", layout.periods[k.period].label},
                    {"region", regions[k.region]},
                    {"segment", segments[k.segment]},
                    {"win_rate", k.win_rate},
                    {"average_deal_size", k.average_deal_size},
                    {"cycle_months", k.cycle_months},
                    {"pipeline_created", k.pipeline_created}});
  }
  nlohmann::json& productivity = doc["productivity"];
  productivity = nlohmann::json::array();
  for (const auto& p : summary.productivity) {
    productivity.push_back({{"fiscal_year", p.fiscal_year},
                            {"threshold", p.threshold},
                            {"seats", p.seats},
                            {"mean_share", p.mean_share},
                            {"p10", p.quantiles[1]},
                            {"p50", p.quantiles[3]},
                            {"p90", p.quantiles[5]}});
  }
  write_text_file(path, [&](std::ostream& out) { out << doc.dump(2) << "\n"; });
}

void write_csv(const std::string& directory, const Scenario& scenario, const Summary& summary) {
  const ResultLayout& layout = summary.layout;
  const auto regions = region_labels(scenario);
  const auto segments = segment_labels(scenario);
  const auto months = month_labels(scenario);
  std::string quantile_header;
  for (double q : kQuantileLevels)
    quantile_header += fmt::format(",p{}", static_cast<int>(q * 100 + 0.5));
  std::vector<FolderFile> files;
  files.push_back(
      {"monthly.csv", [&](std::ostream& out) {
         out << "month,region,segment,metric,mean,sd,se"
             << (summary.monthly_quantiles.empty() ? "" : quantile_header) << "\n";
         for (int m = 0; m < layout.months; ++m) {
           for (int r = 0; r < layout.regions; ++r) {
             for (int s = 0; s < layout.segments; ++s) {
               for (int k = 0; k < kMetricCount; ++k) {
                 const std::size_t c = m * layout.cells() + layout.cell(r, s, k);
                 out << fmt::format("{},{},{},{},{},{},{}", months[m], regions[r], segments[s],
                                    metric_info(k).name, summary.monthly_mean[c],
                                    summary.monthly_sd[c], summary.monthly_se[c]);
                 if (!summary.monthly_quantiles.empty()) {
                   for (int q = 0; q < kQuantiles; ++q)
                     out << fmt::format(",{}", summary.monthly_quantiles[c * kQuantiles + q]);
                 }
                 out << "\n";
               }
             }
           }
         }
       }});
  files.push_back(
      {"periods.csv", [&](std::ostream& out) {
         out << "period,region,segment,metric,mean,sd,se" << quantile_header << "\n";
         for (std::size_t p = 0; p < layout.periods.size(); ++p) {
           for (int r = 0; r < layout.regions; ++r) {
             for (int s = 0; s < layout.segments; ++s) {
               for (int k = 0; k < kMetricCount; ++k) {
                 const std::size_t c = p * layout.cells() + layout.cell(r, s, k);
                 out << fmt::format("{},{},{},{},{},{},{}", layout.periods[p].label, regions[r],
                                    segments[s], metric_info(k).name, summary.period_mean[c],
                                    summary.period_sd[c], summary.period_se[c]);
                 for (int q = 0; q < kQuantiles; ++q)
                   out << fmt::format(",{}", summary.period_quantiles[c * kQuantiles + q]);
                 out << "\n";
               }
             }
           }
         }
       }});
  files.push_back({"targets.csv", [&](std::ostream& out) {
                     out << "metric,period,region,segment,target,mean,probability,standard_error\n";
                     for (const auto& t : summary.targets) {
                       out << fmt::format(
                           "{},{},{},{},{},{},{},{}\n", t.target.metric,
                           layout.periods[t.period].label,
                           t.target.region < 0 ? "total" : regions[t.target.region],
                           t.target.segment < 0 ? "total" : segments[t.target.segment],
                           t.target.amount, t.mean, t.probability, t.standard_error);
                     }
                   }});
  files.push_back(
      {"kpis.csv", [&](std::ostream& out) {
         out << "period,region,segment,win_rate,average_deal_size,cycle_months,pipeline_created\n";
         for (const auto& k : summary.kpis) {
           out << fmt::format("{},{},{},{},{},{},{}\n", layout.periods[k.period].label,
                              regions[k.region], segments[k.segment], k.win_rate,
                              k.average_deal_size, k.cycle_months, k.pipeline_created);
         }
       }});
  files.push_back({"productivity.csv", [&](std::ostream& out) {
                     out << "fiscal_year,threshold,seats,mean_share" << quantile_header << "\n";
                     for (const auto& p : summary.productivity) {
                       out << fmt::format("{},{},{},{}", p.fiscal_year, p.threshold, p.seats,
                                          p.mean_share);
                       for (double q : p.quantiles) out << fmt::format(",{}", q);
                       out << "\n";
                     }
                   }});
  write_folder_files(directory, files);
}

std::string format_summary_table(const Scenario& scenario, const Summary& summary) {
  const ResultLayout& layout = summary.layout;
  const auto regions = region_labels(scenario);
  const int total_segment = layout.segments - 1;
  const std::string currency = scenario.fx.currencies[scenario.fx.reporting].code;
  std::string text = fmt::format(
      "{} — {} trials, amounts in {} at plan rates (P10 / P50 / P90 across trials)\n",
      scenario.name.empty() ? scenario.source : scenario.name, summary.trials, currency);
  auto row = [&](std::size_t p, int r, Metric metric) {
    const std::size_t c =
        p * layout.cells() + layout.cell(r, total_segment, static_cast<int>(metric));
    const double* q = &summary.period_quantiles[c * kQuantiles];
    return fmt::format("{:>16.0f} {:>14.0f} {:>14.0f} {:>14.0f}", summary.period_mean[c], q[1],
                       q[3], q[5]);
  };
  for (std::size_t p = 0; p < layout.periods.size(); ++p) {
    if (layout.periods[p].quarter != 0) continue;
    text += fmt::format("\n{} ({}..{})\n", layout.periods[p].label,
                        format_year_month(layout.periods[p].first_month),
                        format_year_month(layout.periods[p].last_month));
    text += fmt::format("{:<22} {:<8} {:>16} {:>14} {:>14} {:>14}\n", "metric", "region", "mean",
                        "P10", "P50", "P90");
    for (Metric metric :
         {Metric::new_bookings, Metric::renewal_bookings, Metric::expansion_bookings,
          Metric::churned_arr, Metric::revenue, Metric::arr, Metric::headcount}) {
      for (int r = 0; r < layout.regions; ++r) {
        text += fmt::format("{:<22} {:<8} {}\n", metric_info(metric).name, regions[r],
                            row(p, r, metric));
      }
    }
  }
  text += fmt::format("\n{:<10} {:<8} {:>9} {:>16} {:>12} {:>18}\n", "KPIs", "region", "win rate",
                      "avg deal size", "cycle (mo)", "pipeline created");
  for (const auto& k : summary.kpis) {
    if (layout.periods[k.period].quarter != 0 || k.segment != total_segment) continue;
    text += fmt::format("{:<10} {:<8} {:>8.1f}% {:>16.0f} {:>12.1f} {:>18.0f}\n",
                        layout.periods[k.period].label, regions[k.region], 100 * k.win_rate,
                        k.average_deal_size, k.cycle_months, k.pipeline_created);
  }
  if (!summary.targets.empty()) {
    text += fmt::format("\n{:<44} {:>16} {:>16} {:>12}\n", "target", "amount", "mean", "P(reach)");
    for (const auto& t : summary.targets) {
      text += fmt::format("{:<44} {:>16.0f} {:>16.0f} {:>7.1f}% ±{:.1f}\n",
                          period_target_label(summary, t, scenario), t.target.amount, t.mean,
                          100 * t.probability, 100 * t.standard_error);
    }
  }
  return text;
}

}  // namespace opsim
