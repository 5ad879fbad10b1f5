#include "sim/io/input_summary_output.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "sim/io/number_format.hpp"

namespace opsim {

namespace {

using Kind = SummaryColumn::Kind;

//! NaN as null: JSON has no NaN.
nlohmann::json number_or_null(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

double value_of(const nlohmann::json& field) {
  return field.is_number() ? field.get<double>() : std::numeric_limits<double>::quiet_NaN();
}

std::string shown(const nlohmann::json& field, Kind kind) {
  if (kind == Kind::text) {
    const std::string text = field.get<std::string>();
    return text.empty() ? "-" : text;
  }
  return format_grouped(value_of(field));
}

std::string csv_field(const nlohmann::json& field, Kind kind) {
  if (kind == Kind::text) {
    std::string text = field.get<std::string>();
    if (text.find_first_of(",\"\n") == std::string::npos) return text;
    std::string quoted = "\"";
    for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
  }
  return csv_number(value_of(field), kind == Kind::count ? 0 : 2);
}

//! Rows of cells, each column padded to its widest cell (text left, numbers right).
std::string aligned(const std::vector<std::vector<std::string>>& rows,
                    const std::vector<bool>& right) {
  std::vector<std::size_t> width(right.size(), 0);
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += right[c] ? fmt::format("  {:>{}}", row[c], width[c])
                       : fmt::format("  {:<{}}", row[c], width[c]);
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + "\n";
  }
  return out;
}

std::string month_range(const InputSummary& s) {
  if (s.coverage.empty()) return "";
  return s.coverage.size() == 1 ? s.coverage.front().month
                                : s.coverage.front().month + ".." + s.coverage.back().month;
}

}  // namespace

const std::vector<SummaryTable>& input_summary_tables() {
  static const std::vector<SummaryTable> tables{
      {"seats",
       "Seats by region, segment and role",
       {{"region", "region", Kind::text},
        {"segment", "segment", Kind::text},
        {"role", "role", Kind::text},
        {"seats", "seats", Kind::count},
        {"planned_hires", "of which planned hires", Kind::count}},
       true},
      {"pipeline",
       "Open pipeline by stage, region and close quarter",
       {{"stage", "stage", Kind::text},
        {"region", "region", Kind::text},
        {"quarter", "close quarter", Kind::text},
        {"deals", "deals", Kind::count},
        {"amount", "amount", Kind::amount},
        {"weighted", "weighted by stage", Kind::amount}},
       true},
      {"arr",
       "ARR in force at the start by region",
       {{"region", "region", Kind::text},
        {"contracts", "contracts", Kind::count},
        {"arr", "ARR", Kind::amount}},
       true},
      {"renewals",
       "Renewals by region and month (ARR up for renewal)",
       {{"region", "region", Kind::text},
        {"month", "month", Kind::text},
        {"contracts", "contracts", Kind::count},
        {"arr", "ARR", Kind::amount}},
       true},
      {"hires",
       "Starts by month",
       {{"month", "month", Kind::text},
        {"starts", "starts", Kind::count},
        {"planned_hires", "of which planned hires", Kind::count}},
       true},
      {"deal_sizes",
       "Mean deal size by region at plan rates",
       {{"region", "region", Kind::text},
        {"mean_deal", "flow model", Kind::amount},
        {"open_deals", "open deals", Kind::count},
        {"mean_open_deal", "open pipeline", Kind::amount}},
       false},
      {"coverage",
       "Pipeline coverage of the first months",
       {{"month", "month", Kind::text},
        {"expected", "model expects", Kind::amount},
        {"from_before_start", "opened before start", Kind::amount},
        {"pipeline", "open pipeline", Kind::amount},
        {"pipeline_weighted", "stage-weighted", Kind::amount}},
       true},
  };
  return tables;
}

nlohmann::json input_summary_json(const InputSummary& s) {
  nlohmann::json j;
  j["currency"] = s.currency;
  j["coverage_months"] = s.coverage_months;
  j["expected_total"] = s.expected_total();
  j["pipeline_coverage"] = number_or_null(s.pipeline_coverage());
  j["coverage_sentence"] = coverage_sentence(s);
  auto& seats = j["seats"] = nlohmann::json::array();
  for (const auto& r : s.seats) {
    seats.push_back({{"region", r.region},
                     {"segment", r.segment},
                     {"role", r.role},
                     {"seats", r.seats},
                     {"planned_hires", r.planned_hires}});
  }
  auto& pipeline = j["pipeline"] = nlohmann::json::array();
  for (const auto& r : s.pipeline) {
    pipeline.push_back({{"stage", r.stage},
                        {"region", r.region},
                        {"quarter", r.quarter},
                        {"deals", r.deals},
                        {"amount", r.amount},
                        {"weighted", r.weighted}});
  }
  auto& arr = j["arr"] = nlohmann::json::array();
  for (const auto& r : s.arr)
    arr.push_back({{"region", r.region}, {"contracts", r.contracts}, {"arr", r.arr}});
  auto& renewals = j["renewals"] = nlohmann::json::array();
  for (const auto& r : s.renewals) {
    renewals.push_back(
        {{"region", r.region}, {"month", r.month}, {"contracts", r.contracts}, {"arr", r.arr}});
  }
  auto& hires = j["hires"] = nlohmann::json::array();
  for (const auto& r : s.hires) {
    hires.push_back({{"month", r.month}, {"starts", r.starts}, {"planned_hires", r.planned_hires}});
  }
  auto& deals = j["deal_sizes"] = nlohmann::json::array();
  for (const auto& r : s.deal_sizes) {
    deals.push_back({{"region", r.region},
                     {"mean_deal", number_or_null(r.mean_deal)},
                     {"open_deals", r.open_deals},
                     {"mean_open_deal", number_or_null(r.mean_open_deal)}});
  }
  auto& coverage = j["coverage"] = nlohmann::json::array();
  for (const auto& r : s.coverage) {
    coverage.push_back({{"month", r.month},
                        {"expected", r.expected},
                        {"from_before_start", r.from_before_start},
                        {"pipeline", r.pipeline},
                        {"pipeline_weighted", r.pipeline_weighted}});
  }
  j["warnings"] = s.warnings;
  return j;
}

std::string coverage_sentence(const InputSummary& s) {
  if (s.coverage.empty()) return "the horizon has no months to cover";
  double held = 0, needed = 0;
  for (const auto& c : s.coverage) {
    held += c.pipeline_weighted;
    needed += c.from_before_start;
  }
  const std::string months = month_range(s);
  if (!(needed > 0)) {
    return fmt::format(
        "the flow model expects {} for {}, none of it from opportunities opened before the "
        "start; the open pipeline adds {} (weighted by stage)",
        format_amount(s.expected_total(), s.currency), months, format_amount(held, s.currency));
  }
  return fmt::format(
      "the open pipeline covers {} of what the model expects for {} from opportunities opened "
      "before the start ({} weighted by stage against {}; the model expects {} in all for those "
      "months)",
      format_percent(held / needed, 1), months, format_amount(held, s.currency),
      format_amount(needed, s.currency), format_amount(s.expected_total(), s.currency));
}

std::string format_input_summary(const InputSummary& s, const std::string& title) {
  const nlohmann::json j = input_summary_json(s);
  std::string out = fmt::format("{} — inputs, amounts in {} at plan rates\n", title, s.currency);
  for (const SummaryTable& table : input_summary_tables()) {
    const auto& rows = j.at(table.key);
    out += fmt::format("\n{}\n", table.title);
    if (rows.empty()) {
      out += "  (none)\n";
      continue;
    }
    std::vector<std::vector<std::string>> cells;
    std::vector<bool> right;
    std::vector<std::string> header;
    for (const auto& c : table.columns) {
      header.push_back(c.kind == Kind::amount ? fmt::format("{} ({})", c.title, s.currency)
                                              : c.title);
      right.push_back(c.kind != Kind::text);
    }
    cells.push_back(header);
    std::vector<double> totals(table.columns.size(), 0.0);
    for (const auto& row : rows) {
      std::vector<std::string> line;
      for (std::size_t c = 0; c < table.columns.size(); ++c) {
        const auto& column = table.columns[c];
        line.push_back(shown(row.at(column.key), column.kind));
        if (column.kind != Kind::text) totals[c] += value_of(row.at(column.key));
      }
      cells.push_back(std::move(line));
    }
    if (table.total && rows.size() > 1) {
      std::vector<std::string> line;
      for (std::size_t c = 0; c < table.columns.size(); ++c) {
        line.push_back(table.columns[c].kind == Kind::text ? (c == 0 ? "total" : "")
                                                           : format_grouped(totals[c]));
      }
      cells.push_back(std::move(line));
    }
    out += aligned(cells, right);
  }
  out += fmt::format("\n{}\n", wrap_words(fmt::format("Coverage: {}.", coverage_sentence(s))));
  for (const auto& w : s.warnings) out += fmt::format("{}\n", wrap_words("warning: " + w));
  return out;
}

const std::vector<std::string>& input_summary_csv_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& t : input_summary_tables()) out.push_back("input_" + t.key + ".csv");
    return out;
  }();
  return names;
}

std::vector<FolderFile> input_summary_csv_files(const InputSummary& s) {
  const nlohmann::json j = input_summary_json(s);
  std::vector<FolderFile> files;
  for (const SummaryTable& table : input_summary_tables()) {
    files.push_back({"input_" + table.key + ".csv",
                     [rows = j.at(table.key), table, currency = s.currency](std::ostream& out) {
                       std::string line;
                       for (const auto& c : table.columns) {
                         if (!line.empty()) line += ',';
                         line += c.kind == Kind::amount ? c.key + "_" + currency : c.key;
                       }
                       out << line << '\n';
                       for (const auto& row : rows) {
                         line.clear();
                         for (const auto& c : table.columns) {
                           if (&c != &table.columns.front()) line += ',';
                           line += csv_field(row.at(c.key), c.kind);
                         }
                         out << line << '\n';
                       }
                     }});
  }
  return files;
}

}  // namespace opsim
