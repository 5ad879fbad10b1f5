#include "sim/io/plan_columns.hpp"

#include <cctype>
#include <map>

#include <fmt/format.h>

namespace opsim {

CellKind plan_column_kind(const std::string& name) {
  auto has = [&](const char* word) { return name.find(word) != std::string::npos; };
  if (has("gini")) return CellKind::ratio;  // 0.007 everywhere, as the terminal prints it
  const bool probability = name.rfind("p_", 0) == 0 || has("_p_") || has("probability");
  auto ends = [&](std::string_view end) {
    return name.size() > end.size() && name.compare(name.size() - end.size(), end.size(), end) == 0;
  };
  // A change of a probability (+1 hire), its SE or its spread: percentage points.
  if (probability && (name.rfind("marginal_", 0) == 0 || ends("_se") || ends("_sd")))
    return CellKind::points;
  if (name.rfind("p_", 0) == 0 || has("_p_") || has("probability") || has("share"))
    return CellKind::percent;
  if (name == "weight") return CellKind::percent;  // a component's share of variable pay
  // Attainment is bookings over quota: a percent, as P(reach quota) beside it (review: "0.99").
  if (has("attainment")) return CellKind::percent;
  if (name == "fiscal_year") return CellKind::year;
  if (name == "seats" || name == "quota_seats" || name == "planned" || name == "recommended" ||
      name == "total" || name == "equal_chance_floor" || name == "equal_chance_floored_seats")
    return CellKind::integer;
  if ((has("quota") && !has("coverage")) || has("cost") || has("target") || has("pay") ||
      has("bookings") || has("budget") || has("shortfall") || has("commission") ||
      has("clawback") || name == "spif" || name == "ote" || name == "mean" || name == "p10" ||
      name == "p50" || name == "p90")
    return CellKind::amount;
  return CellKind::number;
}

bool plan_column_signed(const std::string& name) {
  return name.rfind("marginal_", 0) == 0 &&
         (name.size() < 3 || name.substr(name.size() - 3) != "_se");
}

std::string plan_column_heading(const std::string& name, const std::string& currency,
                                bool of_bookings) {
  static const std::map<std::string, std::string> bookings{{"mean", "Expected bookings"},
                                                           {"p10", "Bookings P10"},
                                                           {"p50", "Bookings P50"},
                                                           {"p90", "Bookings P90"}};
  static const std::map<std::string, std::string> headings{
      {"seat_class", "Seat class"},
      {"over_assignment", "Over-assignment"},
      {"comp_plan", "Comp plan"},
      {"p10", "P10"},
      {"p50", "P50"},
      {"p90", "P90"},
      {"p_reach_quota", "P(reach quota)"},
      {"p_reach_quota_se", "P(reach quota) SE"},
      {"quota_coverage", "Quota coverage (quota / P50)"},
      {"p_total_reach_quota", "P(total reaches quota)"},
      {"expected_attainment", "Expected attainment"},
      {"expected_leavers", "Expected leavers"},
      {"equal_chance_floor", "Floored (equal chance)"},
      {"equal_chance_floored_seats", "Floored seats (equal chance)"},
      {"attainment_p10", "Attainment P10"},
      {"attainment_p50", "Attainment P50"},
      {"attainment_p90", "Attainment P90"},
      {"expected_variable_pay", "Expected variable pay"},
      {"variable_pay_p10", "Variable pay P10"},
      {"variable_pay_p50", "Variable pay P50"},
      {"variable_pay_p90", "Variable pay P90"},
      {"cost_p90", "Cost P90"},
      {"ote", "OTE"},
      {"target", "Target"},
      {"company_target", "Company target"},
      {"over_assigned_target", "Target x over-assignment"},
      {"common_probability", "Common P(reach quota)"},
      {"quota_seats", "Quota seats"},
      {"expected_share_at_quota", "Expected share at quota"},
      {"share_at_quota_p10", "Share at quota P10"},
      {"share_at_quota_p50", "Share at quota P50"},
      {"share_at_quota_p90", "Share at quota P90"},
      {"probability_sd", "P(reach quota) SD"},
      {"probability_min", "P(reach quota) min"},
      {"probability_max", "P(reach quota) max"},
      {"gini_expected_attainment", "Gini of expected attainment"},
      {"attainment_from", "Attainment from"},
      {"share", "Share of seat-trials"},
      {"overlay_share", "Share of overlay seat-trials"},
      {"cost_of_sales_share", "Cost / bookings"},
      {"on_target_pay", "On-target pay"},
      {"p_paid", "P(paid)"},
      {"spif", "SPIF"},
      {"p_cost_over_budget", "P(cost > budget)"},
      {"p_cost_over_budget_se", "P(cost > budget) SE"},
      {"cost_share_of_bookings", "Cost / bookings"},
      {"component_quota", "Component quota"},
      {"cost_to_fiscal_year_end", "Cost to fiscal-year end"},
      {"requisition_month", "Requisition"},
      {"window", "Requisition window"},
      {"start_month", "Start"},
      {"p_target", "P(target)"},
      {"p_target_se", "P(target) SE"},
      {"marginal_p_region", "+1 hire: dP(region)"},
      {"marginal_p_region_se", "+1 hire: dP(region) SE"},
      {"marginal_p_company", "+1 hire: dP(company)"},
      {"marginal_hire_cost", "+1 hire: cost"},
  };
  std::string heading;
  if (const auto it = bookings.find(name); of_bookings && it != bookings.end()) {
    heading = it->second;
  } else if (const auto it = headings.find(name); it != headings.end()) {
    heading = it->second;
  } else if (name.rfind("quota_q", 0) == 0 || name.rfind("quota_", 0) == 0) {
    // Period quotas: quota_q1..quota_q4, quota_YYYY-MM.
    std::string period = name.substr(6);
    if (period[0] == 'q') period[0] = 'Q';
    heading = "Quota " + period;
  } else {
    // Words of the name; quantiles, standard errors and OTE in capitals ("payout_p10" ->
    // "Payout P10").
    for (std::size_t start = 0; start <= name.size();) {
      const std::size_t end = std::min(name.find('_', start), name.size());
      std::string word = name.substr(start, end - start);
      const bool quantile = word.size() == 3 && word[0] == 'p' && std::isdigit(word[1]);
      if (quantile || word == "se" || word == "sd" || word == "ote")
        for (char& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      heading += (heading.empty() ? "" : " ") + word;
      start = end + 1;
    }
    heading[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(heading[0])));
  }
  if (!currency.empty() && plan_column_kind(name) == CellKind::amount)
    heading += fmt::format(" ({})", currency);
  return heading;
}

std::string plan_label_text(const std::string& column, const std::string& value) {
  if (column != "measure" && column != "seat_class") return value;
  std::string text = value;
  for (char& c : text)
    if (c == '_') c = ' ';
  if (!text.empty()) text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  return text;
}

}  // namespace opsim
