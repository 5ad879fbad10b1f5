#include "sim/io/plan_output.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "sim/base/error.hpp"
#include "sim/io/hdf5_util.hpp"
#include "sim/io/json_text.hpp"
#include "sim/io/number_format.hpp"
#include "sim/io/output_files.hpp"
#include "sim/io/plan_columns.hpp"
#include "sim/io/scenario_document.hpp"
#include "sim/io/scenario_loader.hpp"

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

//! CSV decimals as the run CSVs write them (number_format): amounts to cents, probabilities
//! and ratios to 4 decimals, counts whole; a Gini coefficient to 3, as everywhere else.
int csv_decimals(CellKind kind) {
  switch (kind) {
    case CellKind::amount:
      return 2;
    case CellKind::integer:
    case CellKind::year:
      return 0;
    case CellKind::ratio:
      return 3;
    default:
      return 4;
  }
}

void write_table_csv(std::ostream& out, const Table& table) {
  std::vector<std::string> header = table.label_names;
  header.insert(header.end(), table.names.begin(), table.names.end());
  out << fmt::format("{}\n", fmt::join(header, ","));
  // Tables of named quantities (the compensation summary): a probability or share row keeps
  // its 4 decimals under the amount columns.
  const bool quantity_rows = table.label_names == std::vector<std::string>{"quantity"};
  std::vector<int> decimals;
  for (const auto& name : table.names) decimals.push_back(csv_decimals(plan_column_kind(name)));
  for (std::size_t r = 0; r < table.rows(); ++r) {
    std::vector<std::string> cells;
    for (const auto& l : table.labels) cells.push_back(csv_cell(l[r]));
    const CellKind row_kind = quantity_rows ? plan_column_kind(table.labels[0][r]) : CellKind::text;
    const bool ratio_row = row_kind == CellKind::percent || row_kind == CellKind::points;
    for (std::size_t c = 0; c < table.columns.size(); ++c)
      cells.push_back(csv_number(table.columns[c][r], ratio_row ? 4 : decimals[c]));
    out << fmt::format("{}\n", fmt::join(cells, ","));
  }
}

void write_table_hdf5(H5::H5File& file, const std::string& group_name, const Table& table) {
  H5::Group group = file.createGroup(group_name);
  // HDF5 lists a group's datasets by name: the table's order (labels, then numbers) is kept in
  // an attribute, for readers that show the table as written (opsim report).
  std::vector<std::string> order = table.label_names;
  order.insert(order.end(), table.names.begin(), table.names.end());
  string_attribute(group, "columns", fmt::format("{}", fmt::join(order, ",")));
  for (std::size_t k = 0; k < table.labels.size(); ++k)
    write_strings(group, table.label_names[k], table.labels[k]);
  for (std::size_t k = 0; k < table.columns.size(); ++k) {
    const hsize_t n = table.columns[k].size();
    write_doubles(group, table.names[k], {n}, table.columns[k].data(), "row");
  }
}

//! "sellers" or "overlays": which company figures a seat counts in (plan::SeatClass).
std::string class_name(plan::SeatClass c) {
  return c == plan::SeatClass::seller ? "sellers" : "overlays";
}

Table seat_table(const Scenario& scenario, const plan::QuotaReport& report,
                 const plan::CompResult* comp) {
  Table t;
  t.label_names = {"seat", "region", "segment", "role", "seat_class", "territory"};
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
             "vacant_quota",
             "equal_chance_floor",
             "attainment_p10",
             "attainment_p50",
             "attainment_p90"};
  if (comp) {
    t.names.insert(t.names.end(),
                   {"expected_variable_pay", "expected_cost", "ote", "variable_pay_p10",
                    "variable_pay_p50", "variable_pay_p90", "cost_p90"});
  }
  const plan::PeriodQuotas& periods = report.periods;
  if (periods.months > 0) {
    for (int q = 1; q <= 4; ++q) t.names.push_back(fmt::format("quota_q{}", q));
    for (int k = 0; k < periods.months; ++k) {
      t.names.push_back("quota_" +
                        format_year_month(scenario.calendar.absolute(periods.first + k)));
    }
  }
  t.columns.resize(t.names.size());
  for (std::size_t s = 0; s < scenario.seats.size(); ++s) {
    const Seat& seat = scenario.seats[s];
    const plan::SeatQuota& q = report.seats[s];
    t.labels[0].push_back(seat.id);
    t.labels[1].push_back(scenario.regions[seat.region].id);
    t.labels[2].push_back(scenario.segments[seat.segment].id);
    t.labels[3].push_back(seat.role);
    t.labels[4].push_back(class_name(plan::seat_class(seat)));
    t.labels[5].push_back(seat.territory);
    if (comp) t.labels[6].push_back(comp->seat_plan[s]);
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
                            q.vacant_quota,
                            q.floored ? 1.0 : 0.0,
                            has ? q.bookings.p10 / q.quota : nan,
                            has ? q.bookings.p50 / q.quota : nan,
                            has ? q.bookings.p90 / q.quota : nan};
    if (comp) {
      // A covered seat without a quota is paid its base pay alone: its spreads are those of 0
      // variable pay and of its base.
      const bool paid = !comp->seat_plan[s].empty();
      row.insert(row.end(), {comp->seat_variable[s], comp->seat_cost[s], comp->seat_ote[s],
                             paid ? comp->seat_variable_spread[s].p10 : nan,
                             paid ? comp->seat_variable_spread[s].p50 : nan,
                             paid ? comp->seat_variable_spread[s].p90 : nan,
                             paid ? comp->seat_cost_p90[s] : nan});
    }
    if (periods.months > 0) {
      for (int q = 0; q < 4; ++q) row.push_back(periods.quarter[s * 4 + q]);
      for (int k = 0; k < periods.months; ++k) row.push_back(periods.month[s * periods.months + k]);
    }
    for (std::size_t k = 0; k < row.size(); ++k) t.columns[k].push_back(row[k]);
  }
  return t;
}

Table group_table(const std::vector<plan::GroupQuota>& groups, const std::string& label) {
  Table t;
  t.label_names = {label};
  t.labels.resize(1);
  t.names = {"seats",         "quota", "mean",          "p10",
             "p50",           "p90",   "p_reach_quota", "p_reach_quota_se",
             "quota_coverage"};
  t.columns.resize(t.names.size());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const auto& g : groups) {
    t.labels[0].push_back(g.id);
    // No seat with a quota: no probability (empty, not a 0 read as "no chance": review).
    const bool seats = g.seats > 0;
    const std::vector<double> row{double(g.seats),
                                  g.quota,
                                  g.bookings.mean,
                                  g.bookings.p10,
                                  g.bookings.p50,
                                  g.bookings.p90,
                                  seats ? g.probability : nan,
                                  seats ? g.probability_se : nan,
                                  g.coverage};
    for (std::size_t k = 0; k < row.size(); ++k) t.columns[k].push_back(row[k]);
  }
  return t;
}

bool has_overlay_seats(const Scenario& scenario) {
  return std::any_of(scenario.seats.begin(), scenario.seats.end(),
                     [](const Seat& seat) { return seat.overlay; });
}

//! The seat classes a plan's company figures are given for: sellers, and overlay seats when the
//! scenario has some.
std::vector<plan::SeatClass> reported_classes(const Scenario& scenario) {
  if (has_overlay_seats(scenario)) return {plan::SeatClass::seller, plan::SeatClass::overlay};
  return {plan::SeatClass::seller};
}

//! The company's figures, one row per seat class (plan::ClassQuota): sellers, then overlays. The
//! target and its split (over-assignment, common probability, floored seats) are the sellers'.
Table organisation_table(const Scenario& scenario, const QuotaRunInfo& info,
                         const plan::QuotaReport& r) {
  Table t;
  t.label_names = {"seat_class"};
  t.labels.resize(1);
  t.names = {"fiscal_year",
             "company_target",
             "over_assignment",
             "over_assigned_target",
             "common_probability",
             "quota_seats",
             "expected_share_at_quota",
             "share_at_quota_p10",
             "share_at_quota_p50",
             "share_at_quota_p90",
             "probability_sd",
             "probability_min",
             "probability_max",
             "gini_expected_attainment",
             "total_quota",
             "p_total_reach_quota",
             "quota_coverage",
             "expected_leavers",
             "leaver_quota",
             "backfill_quota",
             "vacant_quota",
             "equal_chance_floored_seats"};
  t.columns.resize(t.names.size());
  int floored = 0;
  for (const auto& s : r.seats) floored += s.floored;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const plan::SeatClass c : reported_classes(scenario)) {
    const plan::ClassQuota& k = r.of(c);
    const bool sellers = c == plan::SeatClass::seller;
    // No seat with a quota: its shares and spread of probabilities are undefined (review: 0).
    const auto share = [&](double v) { return k.quota_seats() > 0 ? v : nan; };
    t.labels[0].push_back(class_name(c));
    // The target before and after over-assignment in columns named for each (review: the
    // workbook's "Target" was the over-assigned figure, 10% above the plan's target).
    const std::vector<double> row{double(info.fiscal_year),
                                  sellers ? info.target / info.over_assignment : nan,
                                  sellers ? info.over_assignment : nan,
                                  sellers ? info.target : nan,
                                  sellers ? info.common_probability : nan,
                                  double(k.quota_seats()),
                                  share(k.expected_share_at_quota),
                                  share(k.share_at_quota.p10),
                                  share(k.share_at_quota.p50),
                                  share(k.share_at_quota.p90),
                                  share(k.probability_sd),
                                  share(k.probability_min),
                                  share(k.probability_max),
                                  share(k.gini_expected_attainment),
                                  k.total.quota,
                                  share(k.total.probability),
                                  k.total.coverage,
                                  k.leavers,
                                  k.leaver_quota,
                                  k.backfill_quota,
                                  k.vacant_quota,
                                  sellers ? double(floored) : 0.0};
    for (std::size_t i = 0; i < row.size(); ++i) t.columns[i].push_back(row[i]);
  }
  return t;
}

//! Share of seat-trials per attainment bin: sellers', and overlay seats' in their own column.
Table histogram_table(const Scenario& scenario, const plan::QuotaReport& r) {
  Table t;
  t.names = {"attainment_from", "share"};
  t.columns = {r.histogram_edges, r.sellers().histogram};
  if (has_overlay_seats(scenario)) {
    t.names.push_back("overlay_share");
    t.columns.push_back(r.overlays().histogram);
  }
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
  // Its mean column is E[cost] / E[bookings], as the role x region rows' (review: the company
  // figure, a mean of per-trial ratios, did not reconcile with the rows).
  t.columns[0].back() = c.cost_of_sales_share();
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

//! The cost table a compensation committee reviews, per role x region.
Table comp_group_table(const Scenario& scenario, const plan::CompResult& c) {
  Table t;
  t.label_names = {"role", "region"};
  t.labels.resize(2);
  t.names = {"seats",
             "ote",
             "expected_variable_pay",
             "variable_pay_p10",
             "variable_pay_p50",
             "variable_pay_p90",
             "expected_cost",
             "cost_p90",
             "expected_bookings",
             "cost_of_sales_share"};
  t.columns.resize(t.names.size());
  for (const auto& g : c.groups) {
    t.labels[0].push_back(g.role);
    t.labels[1].push_back(scenario.regions[g.region].id);
    const double share = g.expected_bookings > 0 ? g.expected_cost / g.expected_bookings
                                                 : std::numeric_limits<double>::quiet_NaN();
    const std::vector<double> row{
        double(g.seats), g.ote,           g.expected_variable, g.variable.p10,      g.variable.p50,
        g.variable.p90,  g.expected_cost, g.cost_p90,          g.expected_bookings, share};
    for (std::size_t k = 0; k < row.size(); ++k) t.columns[k].push_back(row[k]);
  }
  return t;
}

std::string measure_name(plan::Measure measure) {
  switch (measure) {
    case plan::Measure::new_bookings:
      return "new_bookings";
    case plan::Measure::new_logos:
      return "new_logos";
    case plan::Measure::retention:
      return "retention";
  }
  return "?";
}

//! The unit of a component's quota: an amount of bookings, a count of won deals (fractional, a
//! seat's share of a year), or a retention rate.
CellKind quota_kind(plan::Measure measure) {
  switch (measure) {
    case plan::Measure::new_bookings:
      return CellKind::amount;
    case plan::Measure::new_logos:
      return CellKind::number;
    case plan::Measure::retention:
      return CellKind::percent;
  }
  return CellKind::number;
}

//! Per plan x component: its payout summed over the seats it pays.
Table comp_component_table(const plan::CompResult& c) {
  Table t;
  t.label_names = {"plan", "component", "measure"};
  t.labels.resize(3);
  t.names = {"weight",     "seats",      "on_target_pay", "expected_payout",
             "payout_p10", "payout_p50", "payout_p90",    "p_paid"};
  t.columns.resize(t.names.size());
  for (const auto& k : c.components) {
    t.labels[0].push_back(k.plan);
    t.labels[1].push_back(k.component);
    t.labels[2].push_back(measure_name(k.measure));
    const std::vector<double> row{k.weight,    double(k.seats), k.on_target, k.expected,
                                  k.total.p10, k.total.p50,     k.total.p90, k.probability_paid};
    for (std::size_t i = 0; i < row.size(); ++i) t.columns[i].push_back(row[i]);
  }
  return t;
}

//! Per seat x component: the component's quota (amount, won deals or retention rate) and the
//! distribution of its payout.
Table seat_component_table(const Scenario& scenario, const plan::CompResult& c) {
  Table t;
  t.label_names = {"seat", "plan", "component", "measure"};
  t.labels.resize(4);
  t.names = {"component_quota", "expected_payout", "payout_p10", "payout_p50", "payout_p90"};
  t.columns.resize(t.names.size());
  for (const auto& k : c.seat_components) {
    const plan::ComponentResult& row = c.components[static_cast<std::size_t>(k.component)];
    t.labels[0].push_back(scenario.seats[static_cast<std::size_t>(k.seat)].id);
    t.labels[1].push_back(row.plan);
    t.labels[2].push_back(row.component);
    t.labels[3].push_back(measure_name(row.measure));
    const std::vector<double> values{k.quota, k.expected, k.payout.p10, k.payout.p50, k.payout.p90};
    for (std::size_t i = 0; i < values.size(); ++i) t.columns[i].push_back(values[i]);
  }
  return t;
}

Table capacity_plan_table(const Scenario& scenario, const plan::CapacitySpec& spec,
                          const plan::CapacityResult& result) {
  Table t;
  // `seat`: the seat's id in the scenario --emit-scenario writes (one hiring-plan entry per
  // hire, entry id = the hire's), by which the quota outputs name it (review: the hire ids did
  // not join them).
  t.label_names = {"hire",       "seat", "region", "segment", "role", "window", "requisition_month",
                   "start_month"};
  t.labels.resize(t.label_names.size());
  t.names = {"cost_to_fiscal_year_end"};
  t.columns.resize(1);
  for (const auto& h : result.hires) {
    const plan::HiringWindow& w = spec.windows[h.window];
    t.labels[0].push_back(h.id);
    t.labels[1].push_back(planned_seat_id(h.id, 1));
    t.labels[2].push_back(scenario.regions[w.region].id);
    t.labels[3].push_back(scenario.segments[w.segment].id);
    t.labels[4].push_back(w.role);
    // The window as the scenario states it: its requisition months.
    t.labels[5].push_back(fmt::format("{} to {}",
                                      format_year_month(scenario.calendar.absolute(w.earliest)),
                                      format_year_month(scenario.calendar.absolute(w.latest))));
    t.labels[6].push_back(format_year_month(scenario.calendar.absolute(h.requisition)));
    t.labels[7].push_back(format_year_month(scenario.calendar.absolute(h.start)));
    t.columns[0].push_back(h.cost);
  }
  return t;
}

Table headcount_table(const Scenario& scenario, const plan::CapacitySpec& spec,
                      const plan::CapacityResult& result) {
  Table t;
  t.label_names = {"month", "region", "segment"};
  t.labels.resize(3);
  t.names = {"planned", "recommended", "total"};
  t.columns.resize(3);
  for (const auto& row : plan::headcount_by_month(scenario, spec, result)) {
    t.labels[0].push_back(format_year_month(scenario.calendar.absolute(row.month)));
    t.labels[1].push_back(scenario.regions[row.region].id);
    t.labels[2].push_back(scenario.segments[row.segment].id);
    t.columns[0].push_back(row.planned);
    t.columns[1].push_back(row.recommended);
    t.columns[2].push_back(row.planned + row.recommended);
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
             "marginal_hire_cost",
             "shortfall"};
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
                                  a.marginal_cost,
                                  a.shortfall};
    for (std::size_t k = 0; k < row.size(); ++k) t.columns[k].push_back(row[k]);
  }
  return t;
}

void write_hdf5_file(const std::string& path, const Scenario& scenario,
                     const Provenance& provenance, std::uint64_t trials,
                     const std::function<void(H5::H5File&)>& body) {
  write_hdf5_document(path, [&](H5::H5File& file) {
    write_provenance(file, scenario, provenance, trials);
    body(file);
  });
}

//! A plan table as a workbook sheet: labels as text, then the numeric columns, formatted by
//! what their name says (probabilities and shares as percentages, money as amounts).
//! Headings for people with the amounts' currency (plan_columns.hpp), in the table's order (the
//! HDF5 group's `columns` attribute names them by position).
XlsxTable xlsx_table(const std::string& sheet, const Table& table, const std::string& currency,
                     bool of_bookings = false) {
  XlsxTable out{sheet, {}, {}, "", {}};
  // Tables of named quantities carry each row's unit in its heading, not in the columns'.
  const bool quantities = table.label_names == std::vector<std::string>{"quantity"};
  for (const auto& name : table.label_names)
    out.columns.push_back({plan_column_heading(name), CellKind::text, quantities ? 32.0 : 14.0});
  for (const auto& name : table.names) {
    const std::string heading = plan_column_heading(name, quantities ? "" : currency, of_bookings);
    out.columns.push_back({heading, plan_column_kind(name),
                           std::clamp(0.8 * heading.size(), 12.0, 20.0), true,
                           plan_column_signed(name)});
  }
  // Tables of named quantities: a share or probability row is a percentage, a count whole, under
  // whatever its columns hold (as the CSV writes them).
  if (quantities)
    for (const auto& quantity : table.labels[0]) {
      const CellKind kind = plan_column_kind(quantity);
      out.row_kinds.push_back(kind == CellKind::percent || kind == CellKind::points ||
                                      kind == CellKind::integer
                                  ? kind
                                  : CellKind::text);
    }
  for (std::size_t r = 0; r < table.rows(); ++r) {
    std::vector<XlsxValue> row;
    for (std::size_t k = 0; k < table.labels.size(); ++k)
      row.emplace_back(quantities ? plan_column_heading(table.labels[k][r], currency)
                                  : plan_label_text(table.label_names[k], table.labels[k][r]));
    for (const auto& column : table.columns) row.emplace_back(column[r]);
    out.rows.push_back(std::move(row));
  }
  return out;
}

void write_csv_folder(const std::string& directory,
                      const std::vector<std::pair<std::string, Table>>& tables) {
  std::vector<FolderFile> files;
  for (const auto& [name, table] : tables)
    files.push_back({name, [&table = table](std::ostream& out) { write_table_csv(out, table); }});
  write_folder_files(directory, files);
}

}  // namespace

void write_quota_hdf5(const std::string& path, const Scenario& scenario, const QuotaRunInfo& info,
                      const plan::QuotaReport& report, const plan::CompResult* comp,
                      const Provenance& provenance) {
  write_hdf5_file(path, scenario, provenance, info.trials, [&](H5::H5File& file) {
    H5::Group group = file.createGroup("/quotas");
    string_attribute(group, "method", info.method);
    if (!info.warnings.empty()) write_strings(group, "warnings", info.warnings);
    write_table_hdf5(file, "/quotas/seats", seat_table(scenario, report, comp));
    write_table_hdf5(file, "/quotas/territories", group_table(report.territories, "territory"));
    write_table_hdf5(file, "/quotas/regions", group_table(report.regions, "region"));
    write_table_hdf5(file, "/quotas/organisation", organisation_table(scenario, info, report));
    write_table_hdf5(file, "/quotas/attainment_histogram", histogram_table(scenario, report));
    if (comp) {
      write_table_hdf5(file, "/compensation", comp_table(*comp));
      write_table_hdf5(file, "/compensation/groups", comp_group_table(scenario, *comp));
      if (!comp->components.empty()) {
        write_table_hdf5(file, "/compensation/components", comp_component_table(*comp));
        write_table_hdf5(file, "/compensation/seat_components",
                         seat_component_table(scenario, *comp));
      }
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

const std::vector<std::string>& quota_csv_names() {
  static const std::vector<std::string> names{"seats.csv",
                                              "territories.csv",
                                              "regions.csv",
                                              "organisation.csv",
                                              "attainment_histogram.csv",
                                              "compensation.csv",
                                              "compensation_groups.csv",
                                              "compensation_components.csv",
                                              "compensation_seat_components.csv"};
  return names;
}

const std::vector<std::string>& capacity_csv_names() {
  static const std::vector<std::string> names{"plan.csv", "headcount.csv", "attainment.csv"};
  return names;
}

void write_quota_csv(const std::string& directory, const Scenario& scenario,
                     const QuotaRunInfo& info, const plan::QuotaReport& report,
                     const plan::CompResult* comp) {
  std::vector<std::pair<std::string, Table>> tables{
      {"seats.csv", seat_table(scenario, report, comp)},
      {"territories.csv", group_table(report.territories, "territory")},
      {"regions.csv", group_table(report.regions, "region")},
      {"organisation.csv", organisation_table(scenario, info, report)},
      {"attainment_histogram.csv", histogram_table(scenario, report)}};
  if (comp) {
    tables.emplace_back("compensation.csv", comp_table(*comp));
    tables.emplace_back("compensation_groups.csv", comp_group_table(scenario, *comp));
    if (!comp->components.empty()) {
      tables.emplace_back("compensation_components.csv", comp_component_table(*comp));
      tables.emplace_back("compensation_seat_components.csv",
                          seat_component_table(scenario, *comp));
    }
  }
  write_csv_folder(directory, tables);
}

namespace {

//! A change of probability in percentage points ("+2.4 pts"); "-" when undefined.
std::string percent_points(double change) {
  if (std::isnan(change)) return "-";
  return format_points(change, true);
}

//! The company-level lines of one seat class (plan::ClassQuota): share at quota, fairness and
//! leavers, the same for sellers and overlay seats.
std::string format_class_lines(const plan::ClassQuota& k, const std::string& who) {
  // No seat with a quota: nothing to share or spread (review: "0.0%", "min 0.0%, max 0.0%").
  if (k.quota_seats() == 0) return fmt::format("{}: no seat with a quota\n", who);
  std::string out =
      fmt::format("{}: expected share of seats at or above quota {} (per trial P10 {}, P90 {})\n",
                  who, format_percent(k.expected_share_at_quota),
                  format_percent(k.share_at_quota.p10), format_percent(k.share_at_quota.p90));
  out += fmt::format(
      "{} fairness: P(quota) sd {:.1f} points, min {}, max {}; Gini of expected attainment "
      "{:.3f}\n",
      who, 100 * k.probability_sd, format_percent(k.probability_min),
      format_percent(k.probability_max), k.gini_expected_attainment);
  out +=
      fmt::format("{}: leavers: {:.1f} expected, carrying {} of quota; backfills inherit {}\n", who,
                  k.leavers, format_grouped(k.leaver_quota), format_grouped(k.backfill_quota));
  return out;
}

}  // namespace

namespace {

//! Whether `value` lies outside [low, high] by more than rounding: a quota equal to its median
//! bookings but for the last bits (coverage 0.999999999999999) is at the band's edge, inside
//! (review: it was reported as outside the band it printed as its edge).
bool outside_band(double value, double low, double high) {
  constexpr double kSlack = 1e-9;
  return value < low * (1 - kSlack) || value > high * (1 + kSlack);
}

}  // namespace

std::vector<std::string> quota_warnings(const QuotaRunInfo& info, const plan::QuotaReport& report,
                                        const Scenario* scenario, const plan::CompResult* comp) {
  const plan::ClassQuota& sellers = report.sellers();
  std::vector<std::string> warnings;
  // Coverage = quota / median bookings per region and the expected share of seats at quota,
  // each against its healthy band (sellers').
  for (const auto& g : report.regions) {
    if (g.seats == 0) continue;
    if (std::isnan(g.coverage)) {
      warnings.push_back(
          fmt::format("{} quota {} against median bookings of 0", g.id, format_grouped(g.quota)));
    } else if (outside_band(g.coverage, plan::kCoverageLow, plan::kCoverageHigh)) {
      // As many decimals as show the coverage beyond the band's edge (review: "1.30x is outside
      // the healthy band 1.00x..1.30x" for 1.3043).
      int decimals = 2;
      while (decimals < 6 && (fmt::format("{:.{}f}", g.coverage, decimals) ==
                                  fmt::format("{:.{}f}", plan::kCoverageLow, decimals) ||
                              fmt::format("{:.{}f}", g.coverage, decimals) ==
                                  fmt::format("{:.{}f}", plan::kCoverageHigh, decimals)))
        ++decimals;
      // Where the table's two decimals read as the band's edge, say which side (review: the
      // table's 1.00x beside a warning of 0.9998x).
      const std::string side =
          decimals == 2
              ? std::string()
              : fmt::format(", just {} it (the tables show {:.2f}x)",
                            g.coverage < plan::kCoverageLow ? "below" : "above", g.coverage);
      warnings.push_back(
          fmt::format("{} quota coverage {:.{}f}x (quota / median bookings) is outside the "
                      "healthy band {:.2f}x..{:.2f}x{}",
                      g.id, g.coverage, decimals, plan::kCoverageLow, plan::kCoverageHigh, side));
    }
  }
  if (sellers.quota_seats() > 0 && outside_band(sellers.expected_share_at_quota,
                                                plan::kShareAtQuotaLow, plan::kShareAtQuotaHigh)) {
    warnings.push_back(fmt::format(
        "expected share of seats at quota {} is outside the healthy band {}..{}",
        format_percent(sellers.expected_share_at_quota), format_percent(plan::kShareAtQuotaLow, 0),
        format_percent(plan::kShareAtQuotaHigh, 0)));
  }
  // Rounding moves the total by less than a unit, unless the unit exceeds some seats' quotas:
  // each is raised to one unit (review: a unit of 1,000,000 took quotas of 400,000 in all to
  // 3,000,000 with no word).
  const double unit = report.periods.unit;
  const double total = sellers.total.quota;
  if (unit > 0 && info.method != plan::to_string(plan::QuotaMethod::import) &&
      std::abs(total - info.target) >= unit) {
    warnings.push_back(
        fmt::format("rounding to units of {} moved the quotas' total to {}, {} from target x "
                    "over-assignment {}: seats whose quota is below one unit carry one (a smaller "
                    "/plan/quotas/rounding keeps the total)",
                    format_grouped(unit), format_grouped(total),
                    format_grouped(std::abs(total - info.target)), format_grouped(info.target)));
  }
  // A unit coarser than some seats' months: months they hold get no quota, and pay is measured
  // against the months as published (review: flat months of 83,333 published as ten of 100,000
  // and two of 0, without a word).
  if (scenario != nullptr && !report.periods.coarse.empty()) {
    std::vector<std::string> seats;
    for (std::size_t s : report.periods.coarse) seats.push_back(scenario->seats[s].id);
    warnings.push_back(fmt::format(
        "rounding to units of {} leaves {} a month of quota 0 within their phased months ({}): "
        "their quarterly and monthly quotas, which pay is measured against, follow the unit more "
        "than the phasing (a smaller /plan/quotas/rounding keeps the shape)",
        format_grouped(unit), format_count(static_cast<long long>(seats.size()), "seat"),
        list_some(seats, 8)));
  }
  // Imported quotas below the figure the others total (review: 9,408,000 imported against
  // 11,760,000 went without a word beyond the coverage band).
  if (info.method == plan::to_string(plan::QuotaMethod::import) && total < info.target - 0.005) {
    warnings.push_back(fmt::format(
        "the imported quotas total {}, {} ({}) below target x over-assignment {} = {}: the plan "
        "under-assigns the target",
        format_grouped(total), format_grouped(info.target - total),
        format_percent((info.target - total) / info.target),
        format_user_value(info.over_assignment), format_grouped(info.target)));
  }
  if (scenario != nullptr && comp != nullptr) {
    std::vector<std::string> unquoted;
    for (std::size_t s = 0; s < report.seats.size(); ++s) {
      if (std::isnan(report.seats[s].quota) && !comp->seat_plan[s].empty())
        unquoted.push_back(scenario->seats[s].id);
    }
    if (!unquoted.empty()) {
      warnings.push_back(fmt::format(
          "no quota in FY{} for {} a compensation plan covers ({}): {}; each is paid its base "
          "pay for the months occupied and no variable pay",
          info.fiscal_year, format_count(static_cast<long long>(unquoted.size()), "seat"),
          info.method == plan::to_string(plan::QuotaMethod::import)
              ? "absent from the imported quotas"
              : "no expected bookings in the year",
          list_some(unquoted, 8)));
    }
  }
  return warnings;
}

std::string format_quota_table(const Scenario& scenario, const QuotaRunInfo& info,
                               const plan::QuotaReport& report, const plan::CompResult* comp) {
  const plan::ClassQuota& sellers = report.sellers();
  // Overlay seats carry quotas too, outside the target's split: counted apart (review: "for 13
  // seats" beside 14 quotas).
  const int overlay_seats = report.overlays().quota_seats();
  // Amounts are in the reporting currency, said on the lines that stand alone (review: "quotas
  // total 11,760,000", "variable pay mean 1,504,752" without a unit).
  const std::string& currency = scenario.fx.currencies[scenario.fx.reporting].code;
  std::string out = fmt::format(
      "quotas FY{} by {} for {}{}\ntarget x over-assignment {:.4g} = {} {}; quotas total {} {}\n",
      info.fiscal_year, info.method, format_count(sellers.quota_seats(), "selling seat"),
      overlay_seats > 0 ? fmt::format(" and {}", format_count(overlay_seats, "overlay seat")) : "",
      info.over_assignment, format_grouped(info.target), currency,
      format_grouped(sellers.total.quota), currency);
  if (!std::isnan(info.common_probability))
    out += fmt::format("common probability of reaching quota: {}\n",
                       format_percent(info.common_probability));
  // Regions and the total count sellers; overlay seats (credited with their sellers' bookings)
  // have a row of their own.
  const bool overlays = has_overlay_seats(scenario);
  std::vector<plan::GroupQuota> rows = report.regions;
  if (overlays) rows.push_back(report.overlays().total);
  out += fmt::format("{:<12} {:>6} {:>14} {:>14} {:>14} {:>14} {:>9} {:>9}\n", "region", "seats",
                     "quota", "mean", "p10", "p90", "P(quota)", "coverage");
  for (const auto& g : rows) {
    out += fmt::format("{:<12} {:>6} {:>14} {:>14} {:>14} {:>14} {:>9} {:>9}\n", g.id, g.seats,
                       format_grouped(g.quota), format_grouped(g.bookings.mean),
                       format_grouped(g.bookings.p10), format_grouped(g.bookings.p90),
                       g.seats > 0 ? format_percent(g.probability) : std::string("-"),
                       std::isnan(g.coverage) ? "-" : fmt::format("{:.2f}x", g.coverage));
  }
  out += format_class_lines(sellers, "sellers");
  if (overlays) {
    out +=
        fmt::format("overlay seats: {} with quotas totalling {}, outside the target's split\n",
                    report.overlays().quota_seats(), format_grouped(report.overlays().total.quota));
    out += format_class_lines(report.overlays(), "overlays");
  }
  int floored = 0;
  for (const auto& s : report.seats) floored += s.floored;
  if (floored > 0) {
    out += fmt::format(
        "{} seat(s) book nothing more often than 1 - p: quota = expected bookings "
        "(equal_chance_floor in seats.csv)\n",
        floored);
  }
  if (comp) {
    out += fmt::format(
        "compensation: variable pay mean {} {} (P10 {}, P90 {})\n"
        "cost of sales incl. base {} {}; cost / bookings {}\n",
        format_grouped(mean_of(comp->total_variable)), currency,
        format_grouped(quantile_of(comp->total_variable, 0.1)),
        format_grouped(quantile_of(comp->total_variable, 0.9)),
        format_grouped(mean_of(comp->total_cost)), currency,
        format_percent(comp->cost_of_sales_share()));
    if (!std::isnan(comp->budget)) {
      out += fmt::format("P(cost > budget {} {}) = {} (se {})\n", format_grouped(comp->budget),
                         currency, format_percent(comp->probability_over_budget),
                         format_points(comp->probability_over_budget_se));
    }
    // 100 columns with amounts below 10^10.
    out += fmt::format("{:<11} {:<8} {:>5} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>7}\n",
                       "role", "region", "seats", "OTE", "E[var]", "P10 var", "P90 var", "E[cost]",
                       "P90 cost", "cost/bk");
    for (const auto& g : comp->groups) {
      out += fmt::format(
          "{:<11} {:<8} {:>5} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>7}\n",
          g.role.substr(0, 11), scenario.regions[g.region].id, g.seats, format_grouped(g.ote),
          format_grouped(g.expected_variable), format_grouped(g.variable.p10),
          format_grouped(g.variable.p90), format_grouped(g.expected_cost),
          format_grouped(g.cost_p90),
          g.expected_bookings > 0 ? format_percent(g.expected_cost / g.expected_bookings) : "-");
    }
    if (!comp->components.empty()) {
      // Plans with components: each component's payout over the seats it pays.
      out += fmt::format("{:<10} {:<12} {:<12} {:>6} {:>5} {:>11} {:>11} {:>11} {:>11}\n", "plan",
                         "component", "measure", "weight", "seats", "on-target", "E[payout]", "P10",
                         "P90");
      for (const auto& k : comp->components) {
        out += fmt::format(
            "{:<10} {:<12} {:<12} {:>6} {:>5} {:>11} {:>11} {:>11} {:>11}\n", k.plan.substr(0, 10),
            k.component.substr(0, 12), plan_label_text("measure", measure_name(k.measure)),
            format_percent(k.weight, 0), k.seats, format_grouped(k.on_target),
            format_grouped(k.expected), format_grouped(k.total.p10), format_grouped(k.total.p90));
      }
    }
  }
  return out;
}

std::string capacity_status_sentence(bool feasible, double confidence, double budget,
                                     const std::string& currency) {
  if (!std::isnan(budget)) {  // budget mode: the hires within the budget, however feasible
    return fmt::format(
        "Within the budget of {} {} (cost to the fiscal-year end): {}.", format_grouped(budget),
        currency,
        feasible ? fmt::format("every new-bookings target of the year is reached with the "
                               "required confidence of {} or more",
                               format_percent(confidence))
                 : fmt::format("some target stays below the required confidence of {} (P(target) "
                               "per region below); a larger budget may reach it",
                               format_percent(confidence)));
  }
  return feasible ? fmt::format(
                        "Feasible: every new-bookings target of the year (regions and company) "
                        "is reached with the required confidence of {} or more.",
                        format_percent(confidence))
                  : fmt::format(
                        "INFEASIBLE: within the allowed hires some target stays below the "
                        "required confidence of {} (P(target) per region below).",
                        format_percent(confidence));
}

void write_capacity_hdf5(const std::string& path, const Scenario& scenario,
                         const plan::CapacitySpec& spec, const plan::CapacityResult& result,
                         const Provenance& provenance) {
  write_hdf5_file(path, scenario, provenance, result.trials, [&](H5::H5File& file) {
    H5::Group group = file.createGroup("/capacity");
    string_attribute(group, "status", result.feasible ? "feasible" : "infeasible");
    H5::Attribute conf =
        group.createAttribute("confidence", H5::PredType::NATIVE_DOUBLE, H5::DataSpace(H5S_SCALAR));
    conf.write(H5::PredType::NATIVE_DOUBLE, &result.confidence);
    H5::Attribute cost =
        group.createAttribute("cost", H5::PredType::NATIVE_DOUBLE, H5::DataSpace(H5S_SCALAR));
    cost.write(H5::PredType::NATIVE_DOUBLE, &result.cost);
    // NaN without --budget: the report's status sentence names the budget when there is one.
    H5::Attribute budget =
        group.createAttribute("budget", H5::PredType::NATIVE_DOUBLE, H5::DataSpace(H5S_SCALAR));
    budget.write(H5::PredType::NATIVE_DOUBLE, &spec.budget);
    write_table_hdf5(file, "/capacity/plan", capacity_plan_table(scenario, spec, result));
    write_table_hdf5(file, "/capacity/headcount", headcount_table(scenario, spec, result));
    write_table_hdf5(file, "/capacity/attainment", capacity_attainment_table(result));
  });
}

void write_capacity_csv(const std::string& directory, const Scenario& scenario,
                        const plan::CapacitySpec& spec, const plan::CapacityResult& result) {
  write_csv_folder(directory, {{"plan.csv", capacity_plan_table(scenario, spec, result)},
                               {"headcount.csv", headcount_table(scenario, spec, result)},
                               {"attainment.csv", capacity_attainment_table(result)}});
}

void write_scenario_with_hires(const std::string& path, const Scenario& scenario,
                               const nlohmann::json& document, const plan::CapacitySpec& spec,
                               const plan::CapacityResult& result) {
  // The resolved scenario (an `extends` chain included), its file paths following `path`.
  nlohmann::json doc = document;
  const auto folder = [](const std::string& file) {
    return std::filesystem::absolute(std::filesystem::path(file)).parent_path();
  };
  rebase_files(doc, folder(scenario.source), folder(path));
  // One hiring-plan entry per hire, so that each keeps its stable id (seat "ID/1").
  nlohmann::json& hiring = doc["hiring_plan"];
  if (hiring.is_null()) hiring = nlohmann::json::array();
  for (const auto& h : result.hires) {
    const plan::HiringWindow& w = spec.windows[h.window];
    nlohmann::json entry = {
        {"id", h.id},
        {"region", scenario.regions[w.region].id},
        {"segment", scenario.segments[w.segment].id},
        {"requisition_month", format_year_month(scenario.calendar.absolute(h.requisition))},
        {"time_to_fill_months", w.time_to_fill},
        {"count", 1}};
    if (!w.role.empty()) entry["role"] = w.role;
    hiring.push_back(entry);
  }
  write_text_file(path, [&](std::ostream& out) { out << json_text(doc, kResultDigits); });
}

std::string format_capacity_table(const Scenario& scenario, const plan::CapacitySpec& spec,
                                  const plan::CapacityResult& result) {
  const std::string currency = scenario.fx.currencies[scenario.fx.reporting].code;
  // Two lines: the status (a budget's says whether every target is at the confidence), then the
  // plan's size and cost, so that the terminal fits 100 columns.
  std::string out = fmt::format(
      "capacity plan ({}):\n  {}, cost to FY{} end {} {}, required confidence {}, {} "
      "trials\n",
      !std::isnan(spec.budget)
          ? fmt::format("within budget {} {}: {}", format_grouped(spec.budget), currency,
                        result.feasible ? "every target at the confidence" : "targets missed")
      : result.feasible ? "feasible"
                        : "INFEASIBLE within the allowed hires",
      format_count(static_cast<long long>(result.hires.size()), "hire"), spec.fiscal_year,
      format_grouped(result.cost), currency, format_percent(result.confidence),
      format_grouped(static_cast<double>(result.trials)));
  // Hires of one window requisitioned in the same month are one line.
  std::map<std::tuple<int, int>, std::pair<int, double>> lines;
  for (const auto& h : result.hires) {
    auto& [n, cost] = lines[{h.window, h.requisition}];
    ++n;
    cost += h.cost;
  }
  if (!lines.empty()) {
    out += fmt::format("  {:>5}  {:<10} {:<10} {:<14} {:<11} {:<8} {:>14}\n", "hires", "region",
                       "segment", "role", "requisition", "start", "cost");
  }
  for (const auto& [key, value] : lines) {
    const plan::HiringWindow& w = spec.windows[std::get<0>(key)];
    const int requisition = std::get<1>(key);
    out += fmt::format("  {:>5}  {:<10} {:<10} {:<14} {:<11} {:<8} {:>14}\n", value.first,
                       scenario.regions[w.region].id, scenario.segments[w.segment].id,
                       w.role.empty() ? "-" : w.role,
                       format_year_month(scenario.calendar.absolute(requisition)),
                       format_year_month(scenario.calendar.absolute(requisition + w.time_to_fill)),
                       format_grouped(value.second));
  }
  // The amounts' unit in their headings (review: only the cost line named it).
  out +=
      fmt::format("{:<10} {:>14} {:>14} {:>9} {:>7} {:>12} {:>12} {:>14}\n", "region",
                  fmt::format("target {}", currency), fmt::format("mean {}", currency), "P(target)",
                  "se", "+1 hire dP", "dP company", fmt::format("shortfall {}", currency));
  for (const auto& a : result.regions) {
    out +=
        fmt::format("{:<10} {:>14} {:>14} {:>9} {:>7} {:>12} {:>12} {:>14}\n", a.id,
                    format_grouped(a.target), format_grouped(a.mean), format_percent(a.probability),
                    format_points(a.probability_se), percent_points(a.marginal_probability),
                    percent_points(a.marginal_company), format_grouped(a.shortfall));
  }
  return out;
}

std::vector<XlsxTable> quota_workbook(const Scenario& scenario, const QuotaRunInfo& info,
                                      const plan::QuotaReport& report,
                                      const plan::CompResult* comp) {
  const std::string currency = scenario.fx.currencies[scenario.fx.reporting].code;
  std::vector<XlsxTable> tables{
      xlsx_table("Summary", organisation_table(scenario, info, report), currency),
      xlsx_table("Regions", group_table(report.regions, "region"), currency, true),
      xlsx_table("Territories", group_table(report.territories, "territory"), currency, true),
      xlsx_table("Seats", seat_table(scenario, report, comp), currency, true),
      xlsx_table("Attainment", histogram_table(scenario, report), currency)};
  tables.front().note =
      fmt::format("Quotas by {} for FY{}, {} trials; amounts in {}.", info.method, info.fiscal_year,
                  format_grouped(static_cast<double>(info.trials)), currency);
  tables.front().warnings = info.warnings;
  if (comp) tables.push_back(xlsx_table("Compensation", comp_table(*comp), currency));
  if (comp)
    tables.push_back(xlsx_table("Role x region", comp_group_table(scenario, *comp), currency));
  if (comp && !comp->components.empty()) {
    tables.push_back(xlsx_table("Components", comp_component_table(*comp), currency));
    // A component's quota is in its measure's unit (an amount, won deals or a retention rate);
    // its payouts are amounts on every row.
    const Table table = seat_component_table(scenario, *comp);
    XlsxTable seats = xlsx_table("Seat components", table, currency);
    for (std::size_t c = 0; c < table.names.size(); ++c)
      seats.columns[table.label_names.size() + c].follows_row_kind =
          table.names[c] == "component_quota";
    seats.columns[table.label_names.size()].header = "Component quota (amount, deals or rate)";
    for (const auto& k : comp->seat_components)
      seats.row_kinds.push_back(
          quota_kind(comp->components[static_cast<std::size_t>(k.component)].measure));
    tables.push_back(std::move(seats));
  }
  return tables;
}

std::vector<XlsxTable> capacity_workbook(const Scenario& scenario, const plan::CapacitySpec& spec,
                                         const plan::CapacityResult& result) {
  const std::string currency = scenario.fx.currencies[scenario.fx.reporting].code;
  std::vector<XlsxTable> tables{
      xlsx_table("Summary", capacity_attainment_table(result), currency, true),
      xlsx_table("Hiring plan", capacity_plan_table(scenario, spec, result), currency),
      xlsx_table("Headcount", headcount_table(scenario, spec, result), currency)};
  tables.front().note =
      fmt::format("{} {}, cost {}, {} trials; amounts in {}.",
                  capacity_status_sentence(result.feasible, result.confidence, spec.budget,
                                           scenario.fx.currencies[scenario.fx.reporting].code),
                  format_count(static_cast<long long>(result.hires.size()), "hire"),
                  format_grouped(result.cost), format_grouped(static_cast<double>(result.trials)),
                  scenario.fx.currencies[scenario.fx.reporting].code);
  return tables;
}

}  // namespace opsim
