#include "sim/io/plan_output.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

#include <fmt/format.h>

#include "sim/base/error.hpp"
#include "sim/io/hdf5_util.hpp"
#include "sim/io/number_format.hpp"

namespace opsim {

namespace {

//! Column-oriented table: names and equal-length double columns, plus string label columns.
struct Table {
  std::vector<std::string> label_names;
  std::vector<std::vector<std::string>> labels;
  std::vector<std::string> names;
  std::vector<std::vector<double>> columns;
  std::size_t rows() const {
    return labels.empty() ? (columns.empty() ? 0 : columns[0].size()) : labels[0].size();
  }
};

std::string csv_cell(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string csv_number(double v) {
  return std::isnan(v) ? std::string() : fmt::format("{}", v);
}

void write_table_csv(const std::filesystem::path& file, const Table& table) {
  std::ofstream out(file);
  if (!out) throw_input("{}: cannot write", file.string());
  std::vector<std::string> header = table.label_names;
  header.insert(header.end(), table.names.begin(), table.names.end());
  out << fmt::format("{}\n", fmt::join(header, ","));
  for (std::size_t r = 0; r < table.rows(); ++r) {
    std::vector<std::string> cells;
    for (const auto& l : table.labels) cells.push_back(csv_cell(l[r]));
    for (const auto& c : table.columns) cells.push_back(csv_number(c[r]));
    out << fmt::format("{}\n", fmt::join(cells, ","));
  }
}

void write_table_hdf5(H5::H5File& file, const std::string& group_name, const Table& table) {
  H5::Group group = file.createGroup(group_name);
  for (std::size_t k = 0; k < table.labels.size(); ++k)
    write_strings(group, table.label_names[k], table.labels[k]);
  for (std::size_t k = 0; k < table.columns.size(); ++k) {
    const hsize_t n = table.columns[k].size();
    write_doubles(group, table.names[k], {n}, table.columns[k].data(), "row");
  }
}

Table seat_table(const Scenario& scenario, const plan::QuotaReport& report,
                 const plan::CompResult* comp) {
  Table t;
  t.label_names = {"seat", "region", "segment", "role", "territory"};
  if (comp) t.label_names.push_back("comp_plan");
  t.labels.resize(t.label_names.size());
  t.names = {"quota",
             "mean",
             "p10",
             "p50",
             "p90",
             "p_reach_quota",
             "p_reach_quota_se",
             "expected_attainment",
             "expected_leavers",
             "leaver_quota",
             "backfill_quota",
             "vacant_quota"};
  if (comp) t.names.insert(t.names.end(), {"expected_variable_pay", "expected_cost"});
  t.columns.resize(t.names.size());
  for (std::size_t s = 0; s < scenario.seats.size(); ++s) {
    const Seat& seat = scenario.seats[s];
    const plan::SeatQuota& q = report.seats[s];
    t.labels[0].push_back(seat.id);
    t.labels[1].push_back(scenario.regions[seat.region].id);
    t.labels[2].push_back(scenario.segments[seat.segment].id);
    t.labels[3].push_back(seat.role);
    t.labels[4].push_back(seat.territory);
    if (comp) t.labels[5].push_back(comp->seat_plan[s]);
    const bool has = !std::isnan(q.quota);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::vector<double> row{q.quota,
                            q.bookings.mean,
                            q.bookings.p10,
                            q.bookings.p50,
                            q.bookings.p90,
                            has ? q.probability : nan,
                            has ? q.probability_se : nan,
                            has ? q.expected_attainment : nan,
                            q.leavers,
                            q.leaver_quota,
                            q.backfill_quota,
                            q.vacant_quota};
    if (comp) {
      row.push_back(comp->seat_variable[s]);
      row.push_back(comp->seat_cost[s]);
    }
    for (std::size_t k = 0; k < row.size(); ++k) t.columns[k].push_back(row[k]);
  }
  return t;
}

Table group_table(const std::vector<plan::GroupQuota>& groups, const std::string& label) {
  Table t;
  t.label_names = {label};
  t.labels.resize(1);
  t.names = {"seats", "quota", "mean", "p10", "p50", "p90", "p_reach_quota", "p_reach_quota_se"};
  t.columns.resize(t.names.size());
  for (const auto& g : groups) {
    t.labels[0].push_back(g.id);
    const std::vector<double> row{double(g.seats), g.quota,         g.bookings.mean,
                                  g.bookings.p10,  g.bookings.p50,  g.bookings.p90,
                                  g.probability,   g.probability_se};
    for (std::size_t k = 0; k < row.size(); ++k) t.columns[k].push_back(row[k]);
  }
  return t;
}

Table organisation_table(const QuotaRunInfo& info, const plan::QuotaReport& r) {
  Table t;
  t.names = {"fiscal_year",
             "over_assignment",
             "target",
             "common_probability",
             "quota_seats",
             "expected_share_at_quota",
             "share_at_quota_p10",
             "share_at_quota_p50",
             "share_at_quota_p90",
             "probability_sd",
             "probability_min",
             "probability_max",
             "gini_expected_attainment"};
  const std::vector<double> row{
      double(info.fiscal_year),  info.over_assignment,  info.target,
      info.common_probability,   double(r.quota_seats), r.expected_share_at_quota,
      r.share_at_quota.p10,      r.share_at_quota.p50,  r.share_at_quota.p90,
      r.probability_sd,          r.probability_min,     r.probability_max,
      r.gini_expected_attainment};
  for (double v : row) t.columns.push_back({v});
  return t;
}

Table histogram_table(const plan::QuotaReport& r) {
  Table t;
  t.names = {"attainment_from", "share"};
  t.columns = {r.histogram_edges, r.histogram};
  return t;
}

double quantile_of(std::vector<double> v, double level) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  const double h = (static_cast<double>(v.size()) - 1) * level;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

Table comp_table(const plan::CompResult& c) {
  Table t;
  t.label_names = {"quantity"};
  t.labels.resize(1);
  t.names = {"mean", "p10", "p50", "p90"};
  t.columns.resize(4);
  auto add = [&](const std::string& name, const std::vector<double>& v) {
    t.labels[0].push_back(name);
    const std::vector<double> row{mean_of(v), quantile_of(v, 0.1), quantile_of(v, 0.5),
                                  quantile_of(v, 0.9)};
    for (std::size_t k = 0; k < 4; ++k) t.columns[k].push_back(row[k]);
  };
  add("total_variable_pay", c.total_variable);
  add("total_cost_of_sales", c.total_cost);
  add("cost_share_of_bookings", c.cost_share);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto scalar = [&](const std::string& name, double v) {
    t.labels[0].push_back(name);
    t.columns[0].push_back(v);
    for (std::size_t k = 1; k < 4; ++k) t.columns[k].push_back(nan);
  };
  scalar("commission", c.commission);
  scalar("draw_beyond_commission", c.draw);
  scalar("spif", c.spif);
  scalar("clawback", c.clawback);
  scalar("base_pay", c.base);
  scalar("budget", c.budget);
  scalar("p_cost_over_budget", std::isnan(c.budget) ? nan : c.probability_over_budget);
  scalar("p_cost_over_budget_se", std::isnan(c.budget) ? nan : c.probability_over_budget_se);
  return t;
}

Table capacity_plan_table(const Scenario& scenario, const plan::CapacityResult& result) {
  Table t;
  t.label_names = {"hire", "requisition_month"};
  t.labels.resize(2);
  t.names = {"window", "cost"};
  t.columns.resize(2);
  for (const auto& h : result.hires) {
    t.labels[0].push_back(h.id);
    t.labels[1].push_back(format_year_month(scenario.calendar.absolute(h.requisition)));
    t.columns[0].push_back(h.window);
    t.columns[1].push_back(h.cost);
  }
  return t;
}

Table capacity_attainment_table(const plan::CapacityResult& result) {
  Table t;
  t.label_names = {"region"};
  t.labels.resize(1);
  t.names = {"target",
             "mean",
             "p_target",
             "p_target_se",
             "marginal_p_region",
             "marginal_p_region_se",
             "marginal_p_company",
             "marginal_hire_cost"};
  t.columns.resize(t.names.size());
  for (const auto& a : result.regions) {
    t.labels[0].push_back(a.id);
    const std::vector<double> row{a.target,
                                  a.mean,
                                  a.probability,
                                  a.probability_se,
                                  a.marginal_probability,
                                  a.marginal_se,
                                  a.marginal_company,
                                  a.marginal_cost};
    for (std::size_t k = 0; k < row.size(); ++k) t.columns[k].push_back(row[k]);
  }
  return t;
}

void write_hdf5_file(const std::string& path, const Scenario& scenario,
                     const Provenance& provenance, std::uint64_t trials,
                     const std::function<void(H5::H5File&)>& body) {
  write_atomically(path, [&](const std::string& tmp) {
    H5::Exception::dontPrint();
    try {
      H5::H5File file(tmp, H5F_ACC_TRUNC);
      write_provenance(file, scenario, provenance, trials);
      body(file);
    } catch (const H5::Exception& e) {
      throw_input("{}: cannot write HDF5: {}", path, e.getDetailMsg());
    }
  });
}

//! A plan table as a workbook sheet: labels as text, then the numeric columns, formatted by
//! what their name says (probabilities and shares as percentages, money as amounts).
XlsxTable xlsx_table(const std::string& sheet, const Table& table) {
  XlsxTable out{sheet, {}, {}, ""};
  for (const auto& name : table.label_names) out.columns.push_back({name, CellKind::text, 14});
  for (const auto& name : table.names) {
    auto has = [&](const char* word) { return name.find(word) != std::string::npos; };
    CellKind kind = CellKind::number;
    if (name.rfind("p_", 0) == 0 || has("probability") || has("share") || has("gini"))
      kind = CellKind::percent;
    else if (has("quota") || has("cost") || has("target") || has("pay") || name == "mean" ||
             name == "p10" || name == "p50" || name == "p90")
      kind = CellKind::amount;
    else if (name == "seats" || name == "fiscal_year" || name == "window")
      kind = CellKind::integer;
    out.columns.push_back({name, kind, std::max<double>(12, 0.9 * name.size())});
  }
  for (std::size_t r = 0; r < table.rows(); ++r) {
    std::vector<XlsxValue> row;
    for (const auto& labels : table.labels) row.emplace_back(labels[r]);
    for (const auto& column : table.columns) row.emplace_back(column[r]);
    out.rows.push_back(std::move(row));
  }
  return out;
}

void write_csv_folder(const std::string& directory,
                      const std::vector<std::pair<std::string, Table>>& tables) {
  std::error_code ignored;
  std::filesystem::remove_all(directory, ignored);
  write_atomically(directory, [&](const std::string& tmp) {
    std::filesystem::create_directories(tmp);
    for (const auto& [name, table] : tables)
      write_table_csv(std::filesystem::path(tmp) / name, table);
  });
}

}  // namespace

void write_quota_hdf5(const std::string& path, const Scenario& scenario, const QuotaRunInfo& info,
                      const plan::QuotaReport& report, const plan::CompResult* comp,
                      const Provenance& provenance) {
  write_hdf5_file(path, scenario, provenance, info.trials, [&](H5::H5File& file) {
    H5::Group group = file.createGroup("/quotas");
    string_attribute(group, "method", info.method);
    write_table_hdf5(file, "/quotas/seats", seat_table(scenario, report, comp));
    write_table_hdf5(file, "/quotas/territories", group_table(report.territories, "territory"));
    write_table_hdf5(file, "/quotas/regions", group_table(report.regions, "region"));
    write_table_hdf5(file, "/quotas/organisation", organisation_table(info, report));
    write_table_hdf5(file, "/quotas/attainment_histogram", histogram_table(report));
    if (comp) {
      write_table_hdf5(file, "/compensation", comp_table(*comp));
      H5::Group group = file.openGroup("/compensation");
      const hsize_t n = comp->total_cost.size();
      write_doubles(group, "trial_total_variable", {n}, comp->total_variable.data(), "trial",
                    Storage::compressed);
      write_doubles(group, "trial_total_cost", {n}, comp->total_cost.data(), "trial",
                    Storage::compressed);
      write_doubles(group, "trial_cost_share", {n}, comp->cost_share.data(), "trial",
                    Storage::compressed);
    }
  });
}

void write_quota_csv(const std::string& directory, const Scenario& scenario,
                     const QuotaRunInfo& info, const plan::QuotaReport& report,
                     const plan::CompResult* comp) {
  std::vector<std::pair<std::string, Table>> tables{
      {"seats.csv", seat_table(scenario, report, comp)},
      {"territories.csv", group_table(report.territories, "territory")},
      {"regions.csv", group_table(report.regions, "region")},
      {"organisation.csv", organisation_table(info, report)},
      {"attainment_histogram.csv", histogram_table(report)}};
  if (comp) tables.emplace_back("compensation.csv", comp_table(*comp));
  write_csv_folder(directory, tables);
}

std::string format_quota_table(const Scenario& scenario, const QuotaRunInfo& info,
                               const plan::QuotaReport& report, const plan::CompResult* comp) {
  std::string out =
      fmt::format("quotas FY{} by {} for {} seats: target x over-assignment {:.4g} = {:.0f} {}\n",
                  info.fiscal_year, info.method, report.quota_seats, info.over_assignment,
                  info.target, scenario.fx.currencies[scenario.fx.reporting].code);
  if (!std::isnan(info.common_probability))
    out += fmt::format("common probability of reaching quota: {:.4f}\n", info.common_probability);
  out += fmt::format("{:<12} {:>6} {:>14} {:>14} {:>14} {:>14} {:>9}\n", "region", "seats", "quota",
                     "mean", "p10", "p90", "P(quota)");
  for (const auto& g : report.regions) {
    out += fmt::format("{:<12} {:>6} {:>14.0f} {:>14.0f} {:>14.0f} {:>14.0f} {:>9.3f}\n", g.id,
                       g.seats, g.quota, g.bookings.mean, g.bookings.p10, g.bookings.p90,
                       g.probability);
  }
  out += fmt::format(
      "expected share of seats at or above quota {:.3f} (per trial P10 {:.3f}, P90 {:.3f})\n",
      report.expected_share_at_quota, report.share_at_quota.p10, report.share_at_quota.p90);
  out += fmt::format(
      "fairness: P(quota) per seat sd {:.3f}, min {:.3f}, max {:.3f}; Gini of expected attainment "
      "{:.3f}\n",
      report.probability_sd, report.probability_min, report.probability_max,
      report.gini_expected_attainment);
  double leavers = 0, leaver_quota = 0, backfill_quota = 0;
  for (const auto& s : report.seats) {
    leavers += s.leavers;
    leaver_quota += std::isnan(s.quota) ? 0 : s.leaver_quota;
    backfill_quota += std::isnan(s.quota) ? 0 : s.backfill_quota;
  }
  out +=
      fmt::format("leavers: {:.1f} expected, carrying {:.0f} of quota; backfills inherit {:.0f}\n",
                  leavers, leaver_quota, backfill_quota);
  if (comp) {
    out += fmt::format(
        "compensation: variable pay mean {:.0f} (P10 {:.0f}, P90 {:.0f}); cost of sales incl. base "
        "{:.0f}; "
        "cost / bookings {:.4f}\n",
        mean_of(comp->total_variable), quantile_of(comp->total_variable, 0.1),
        quantile_of(comp->total_variable, 0.9), mean_of(comp->total_cost),
        mean_of(comp->cost_share));
    if (!std::isnan(comp->budget)) {
      out += fmt::format("P(cost > budget {:.0f}) = {:.4f} (se {:.4f})\n", comp->budget,
                         comp->probability_over_budget, comp->probability_over_budget_se);
    }
  }
  return out;
}

void write_capacity_hdf5(const std::string& path, const Scenario& scenario,
                         const plan::CapacityResult& result, const Provenance& provenance) {
  write_hdf5_file(path, scenario, provenance, result.trials, [&](H5::H5File& file) {
    H5::Group group = file.createGroup("/capacity");
    string_attribute(group, "status", result.feasible ? "feasible" : "infeasible");
    H5::Attribute conf =
        group.createAttribute("confidence", H5::PredType::NATIVE_DOUBLE, H5::DataSpace(H5S_SCALAR));
    conf.write(H5::PredType::NATIVE_DOUBLE, &result.confidence);
    H5::Attribute cost =
        group.createAttribute("cost", H5::PredType::NATIVE_DOUBLE, H5::DataSpace(H5S_SCALAR));
    cost.write(H5::PredType::NATIVE_DOUBLE, &result.cost);
    write_table_hdf5(file, "/capacity/plan", capacity_plan_table(scenario, result));
    write_table_hdf5(file, "/capacity/attainment", capacity_attainment_table(result));
  });
}

void write_capacity_csv(const std::string& directory, const Scenario& scenario,
                        const plan::CapacityResult& result) {
  write_csv_folder(directory, {{"plan.csv", capacity_plan_table(scenario, result)},
                               {"attainment.csv", capacity_attainment_table(result)}});
}

std::string format_capacity_table(const Scenario& scenario, const plan::CapacityResult& result) {
  std::string out =
      fmt::format("capacity plan ({}): {} hires, cost {}, confidence {:.3f}, {} trials\n",
                  result.feasible ? "feasible" : "INFEASIBLE within the allowed hires",
                  result.hires.size(), format_grouped(result.cost), result.confidence,
                  format_grouped(static_cast<double>(result.trials)));
  std::map<std::string, int> counts;
  for (const auto& h : result.hires) {
    const auto cut = h.id.rfind('/');
    ++counts[fmt::format("{} from {}", h.id.substr(0, cut),
                         format_year_month(scenario.calendar.absolute(h.requisition)))];
  }
  for (const auto& [cell, n] : counts) out += fmt::format("  {:>4} x {}\n", n, cell);
  out += fmt::format("{:<10} {:>14} {:>14} {:>9} {:>7} {:>12} {:>12}\n", "region", "target", "mean",
                     "P(target)", "se", "+1 hire dP", "dP company");
  // A quantity that does not apply to a row (the company row's marginal hire) reads "n/a".
  auto probability = [](double p) { return std::isfinite(p) ? fmt::format("{:.4f}", p) : "n/a"; };
  for (const auto& a : result.regions) {
    out += fmt::format("{:<10} {:>14} {:>14} {:>9} {:>7} {:>12} {:>12}\n", a.id,
                       format_grouped(a.target), format_grouped(a.mean), probability(a.probability),
                       probability(a.probability_se), probability(a.marginal_probability),
                       probability(a.marginal_company));
  }
  return out;
}

std::vector<XlsxTable> quota_workbook(const Scenario& scenario, const QuotaRunInfo& info,
                                      const plan::QuotaReport& report,
                                      const plan::CompResult* comp) {
  std::vector<XlsxTable> tables{
      xlsx_table("Summary", organisation_table(info, report)),
      xlsx_table("Regions", group_table(report.regions, "region")),
      xlsx_table("Territories", group_table(report.territories, "territory")),
      xlsx_table("Seats", seat_table(scenario, report, comp)),
      xlsx_table("Attainment", histogram_table(report))};
  tables.front().note =
      fmt::format("Quotas by {} for FY{}, {} trials; amounts in {}.", info.method, info.fiscal_year,
                  info.trials, scenario.fx.currencies[scenario.fx.reporting].code);
  if (comp) tables.push_back(xlsx_table("Compensation", comp_table(*comp)));
  return tables;
}

std::vector<XlsxTable> capacity_workbook(const Scenario& scenario,
                                         const plan::CapacityResult& result) {
  std::vector<XlsxTable> tables{xlsx_table("Summary", capacity_attainment_table(result)),
                                xlsx_table("Hiring plan", capacity_plan_table(scenario, result))};
  tables.front().note = fmt::format("{} hires, cost {}, {} trials; amounts in {}.",
                                    result.hires.size(), format_grouped(result.cost), result.trials,
                                    scenario.fx.currencies[scenario.fx.reporting].code);
  return tables;
}

}  // namespace opsim
