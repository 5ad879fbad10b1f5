#include "sim/io/output.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/base/error.hpp"
#include "sim/io/json_text.hpp"
#include "sim/io/number_format.hpp"
#include "sim/io/output_files.hpp"

namespace opsim {

const std::vector<std::string>& run_csv_names() {
  static const std::vector<std::string> names{"monthly.csv", "periods.csv",      "targets.csv",
                                              "kpis.csv",    "productivity.csv", "products.csv"};
  return names;
}

std::vector<std::string> region_labels(const Scenario& scenario) {
  std::vector<std::string> out;
  for (const auto& r : scenario.regions) out.push_back(r.id);
  out.push_back("total");
  return out;
}

std::string target_place(const Scenario& scenario, const Target& target) {
  std::string place = target.region < 0 ? "total" : scenario.regions[target.region].id;
  if (target.segment >= 0) place += " " + scenario.segments[target.segment].id;
  return place;
}

const std::string& reporting_currency(const Scenario& scenario) {
  return scenario.fx.currencies[static_cast<std::size_t>(scenario.fx.reporting)].code;
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

//! Mean, SD, SE and quantiles of one cell of a summary's moments (period or product cells).
nlohmann::json stats_json(const std::vector<double>& mean, const std::vector<double>& sd,
                          const std::vector<double>& se, const std::vector<double>& quantiles,
                          std::size_t cell) {
  nlohmann::json j;
  j["mean"] = mean[cell];
  j["sd"] = sd[cell];
  j["se"] = se[cell];
  for (int q = 0; q < kQuantiles; ++q) {
    j[fmt::format("p{}", static_cast<int>(kQuantileLevels[q] * 100 + 0.5))] =
        quantiles[cell * kQuantiles + q];
  }
  return j;
}

nlohmann::json stats_json(const Summary& s, std::size_t cell) {
  return stats_json(s.period_mean, s.period_sd, s.period_se, s.period_quantiles, cell);
}

//! One row per fiscal period, region and product: its segment, each product metric's
//! statistics and its share of the period's mean new bookings (all segments; null when 0).
nlohmann::json products_json(const Scenario& scenario, const Summary& summary) {
  const ResultLayout& layout = summary.layout;
  const auto regions = region_labels(scenario);
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t p = 0; p < layout.periods.size(); ++p) {
    for (int r = 0; r < layout.regions; ++r) {
      const double all = summary.period_mean[p * layout.cells() +
                                             layout.cell(r, layout.segments - 1,
                                                         static_cast<int>(Metric::new_bookings))];
      for (int j = 0; j < layout.products; ++j) {
        const Product& product = scenario.products[static_cast<std::size_t>(j)];
        nlohmann::json row = {{"period", layout.periods[p].label},
                              {"period_partial", layout.periods[p].partial(Coverage::simulated)},
                              {"region", regions[r]},
                              {"product", product.id},
                              {"segment", scenario.segments[product.segment].id}};
        for (int k = 0; k < kProductMetricCount; ++k) {
          row[std::string(product_metric_name(k))] = stats_json(
              summary.product_mean, summary.product_sd, summary.product_se,
              summary.product_quantiles, p * layout.product_cells() + layout.product_cell(r, j, k));
        }
        const double mean =
            summary.product_mean[p * layout.product_cells() + layout.product_cell(r, j, 0)];
        row["share_of_new_bookings"] = all > 0 ? nlohmann::json(mean / all) : nlohmann::json();
        rows.push_back(std::move(row));
      }
    }
  }
  return rows;
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
  nlohmann::json& coverage = doc["period_coverage"];
  for (const Period& p : layout.periods) {
    coverage[p.label] = {
        {"months", p.months()},
        {"months_covered", p.months_covered},
        {"partial", p.partial()},
        {"first_month", format_year_month(p.first_month)},
        {"last_month_covered", format_year_month(p.first_month + p.months_covered - 1)},
        {"label", p.display_label()},
        // Metrics without actuals (revenue, renewals, wins, the KPIs...): the horizon's months.
        {"months_simulated", p.months_simulated},
        {"partial_simulated", p.partial(Coverage::simulated)},
        {"label_simulated", p.display_label(Coverage::simulated)}};
  }
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
                       {"period_partial", layout.periods[t.period].partial(
                                              coverage_of(metric_index(t.target.metric)))},
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
                    {"period_partial", layout.periods[k.period].partial(Coverage::simulated)},
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
                            {"p90", p.quantiles[5]},
                            {"coverage", p.coverage}});
  }
  if (layout.products > 0) doc["products"] = products_json(scenario, summary);
  write_text_file(path, [&](std::ostream& out) { out << json_text(doc, kResultDigits); });
}

void write_csv(const std::string& directory, const Scenario& scenario, const Summary& summary) {
  const ResultLayout& layout = summary.layout;
  const auto regions = region_labels(scenario);
  const auto segments = segment_labels(scenario);
  const auto months = month_labels(scenario);
  std::vector<FolderFile> files;
  std::string quantile_header;
  for (double q : kQuantileLevels)
    quantile_header += fmt::format(",p{}", static_cast<int>(q * 100 + 0.5));
  // Amounts to cents, counts and months to 4 decimals; undefined values empty.
  auto value = [](int metric, double v) {
    return csv_number(v, metric_info(metric).unit == "currency" ? 2 : 4);
  };
  auto stats = [&](int metric, double mean, double sd, double se, const double* quantiles) {
    std::string row =
        fmt::format("{},{},{}", value(metric, mean), value(metric, sd), value(metric, se));
    if (quantiles) {
      for (int q = 0; q < kQuantiles; ++q) {
        row += ',';
        row += value(metric, quantiles[q]);
      }
    }
    return row;
  };
  files.push_back({"monthly.csv", [&](std::ostream& out) {
                     out << "month,region,segment,metric,mean,sd,se"
                         << (summary.monthly_quantiles.empty() ? "" : quantile_header) << "\n";
                     for (int m = 0; m < layout.months; ++m) {
                       for (int r = 0; r < layout.regions; ++r) {
                         for (int s = 0; s < layout.segments; ++s) {
                           for (int k = 0; k < kMetricCount; ++k) {
                             const std::size_t c = m * layout.cells() + layout.cell(r, s, k);
                             out << fmt::format("{},{},{},{},", months[m], regions[r], segments[s],
                                                metric_info(k).name)
                                 << stats(k, summary.monthly_mean[c], summary.monthly_sd[c],
                                          summary.monthly_se[c],
                                          summary.monthly_quantiles.empty()
                                              ? nullptr
                                              : &summary.monthly_quantiles[c * kQuantiles])
                                 << "\n";
                           }
                         }
                       }
                     }
                   }});
  files.push_back(
      {"periods.csv", [&](std::ostream& out) {
         out << "period,region,segment,metric,mean,sd,se" << quantile_header << ",coverage\n";
         for (std::size_t p = 0; p < layout.periods.size(); ++p) {
           for (int r = 0; r < layout.regions; ++r) {
             for (int s = 0; s < layout.segments; ++s) {
               for (int k = 0; k < kMetricCount; ++k) {
                 const std::size_t c = p * layout.cells() + layout.cell(r, s, k);
                 out << fmt::format("{},{},{},{},", layout.periods[p].label, regions[r],
                                    segments[s], metric_info(k).name)
                     << stats(k, summary.period_mean[c], summary.period_sd[c], summary.period_se[c],
                              &summary.period_quantiles[c * kQuantiles])
                     << "," << layout.periods[p].coverage(coverage_of(k)) << "\n";
               }
             }
           }
         }
       }});
  files.push_back(
      {"targets.csv", [&](std::ostream& out) {
         out << "metric,period,region,segment,target,mean,probability,standard_error,coverage\n";
         for (const auto& t : summary.targets) {
           out << fmt::format(
               "{},{},{},{},{},{},{},{},{}\n", t.target.metric, layout.periods[t.period].label,
               t.target.region < 0 ? "total" : regions[t.target.region],
               t.target.segment < 0 ? "total" : segments[t.target.segment],
               csv_number(t.target.amount, 2), csv_number(t.mean, 2), csv_number(t.probability, 4),
               csv_number(t.standard_error, 4),
               layout.periods[t.period].coverage(coverage_of(metric_index(t.target.metric))));
         }
       }});
  files.push_back(
      {"kpis.csv", [&](std::ostream& out) {
         out << "period,region,segment,win_rate,average_deal_size,cycle_months,pipeline_created,"
                "coverage\n";
         for (const auto& k : summary.kpis) {
           out << fmt::format("{},{},{},{},{},{},{},{}\n", layout.periods[k.period].label,
                              regions[k.region], segments[k.segment], csv_number(k.win_rate, 4),
                              csv_number(k.average_deal_size, 2), csv_number(k.cycle_months, 4),
                              csv_number(k.pipeline_created, 2),
                              layout.periods[k.period].coverage(Coverage::simulated));
         }
       }});
  files.push_back({"productivity.csv", [&](std::ostream& out) {
                     out << "fiscal_year,threshold,seats,mean_share" << quantile_header
                         << ",coverage\n";
                     for (const auto& p : summary.productivity) {
                       out << fmt::format("{},{},{},{}", p.fiscal_year, csv_number(p.threshold, 2),
                                          p.seats, csv_number(p.mean_share, 4));
                       for (double q : p.quantiles) out << "," << csv_number(q, 4);
                       out << "," << p.coverage << "\n";
                     }
                   }});
  files.push_back(
      {"products.csv", [&](std::ostream& out) {
         // Header only when the scenario has no products.
         out << "period,region,product,metric,mean,sd,se" << quantile_header << ",coverage\n";
         for (std::size_t p = 0; p < layout.periods.size() && layout.products > 0; ++p) {
           for (int r = 0; r < layout.regions; ++r) {
             for (int j = 0; j < layout.products; ++j) {
               for (int k = 0; k < kProductMetricCount; ++k) {
                 const std::size_t c = p * layout.product_cells() + layout.product_cell(r, j, k);
                 auto v = [&](double x) {
                   return csv_number(x, k == static_cast<int>(ProductMetric::wins) ? 4 : 2);
                 };
                 out << fmt::format("{},{},{},{},{},{},{}", layout.periods[p].label, regions[r],
                                    scenario.products[j].id, product_metric_name(k),
                                    v(summary.product_mean[c]), v(summary.product_sd[c]),
                                    v(summary.product_se[c]));
                 for (int q = 0; q < kQuantiles; ++q)
                   out << "," << v(summary.product_quantiles[c * kQuantiles + q]);
                 out << "," << layout.periods[p].coverage(Coverage::simulated) << "\n";
               }
             }
           }
         }
       }});
  write_folder_files(directory, files);
}

}  // namespace opsim
