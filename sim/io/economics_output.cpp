#include "sim/io/economics_output.hpp"

#include <cmath>

#include <fmt/format.h>

#include "sim/io/hdf5_util.hpp"
#include "sim/io/number_format.hpp"
#include "sim/io/output.hpp"

namespace opsim {

std::vector<FolderFile> economics_csv_files(const Scenario& base, const ResultLayout& layout,
                                            const std::vector<Economics>& economics,
                                            double return_threshold) {
  const auto regions = region_labels(base);
  const std::string currency = reporting_currency(base);
  std::vector<FolderFile> files;
  files.push_back(
      {"economics.csv", [&, regions, currency, return_threshold](std::ostream& out) {
         out << "alternative,period,region,currency,bookings_base,bookings_alternative,cost_base,"
                "cost_"
                "alternative,bookings_difference,bookings_se,cost_difference,cost_se,"
                "contribution_difference,contribution_se,p_alternative_better,return_on_cost,"
                "return_se,return_threshold,p_return_above_threshold,note\n";
         for (const Economics& e : economics) {
           for (std::size_t p = 0; p < layout.periods.size(); ++p) {
             for (int r = 0; r < layout.regions; ++r) {
               const EconomicsCell& c = e.cells[p * static_cast<std::size_t>(layout.regions) +
                                                static_cast<std::size_t>(r)];
               const Period& period = layout.periods[p];
               // Why there is no return on cost, where it is not obvious
               // (sim/engine/economics.hpp).
               std::string note = cost_coverage(period);
               const char* why = c.status == ReturnStatus::partial_period
                                     ? "no return on cost for a partial period"
                                 : c.status == ReturnStatus::saves_cost
                                     ? "no return on cost: the alternative saves cost"
                                     : nullptr;
               if (why != nullptr) note += note.empty() ? why : fmt::format("; {}", why);
               out << fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                                  csv_text(e.name), period.label, regions[r], currency,
                                  csv_number(c.bookings_base, 2), csv_number(c.bookings_alt, 2),
                                  csv_number(c.cost_base, 2), csv_number(c.cost_alt, 2),
                                  csv_number(c.bookings.mean, 2), csv_number(c.bookings.se, 2),
                                  csv_number(c.cost.mean, 2), csv_number(c.cost.se, 2),
                                  csv_number(c.contribution.mean, 2),
                                  csv_number(c.contribution.se, 2), csv_number(c.p_better, 4),
                                  csv_number(c.return_on_cost, 4), csv_number(c.return_se, 4),
                                  format_user_value(return_threshold),
                                  csv_number(c.p_return_above, 4), note);
             }
           }
         }
       }});
  files.push_back({"target_changes.csv", [&](std::ostream& out) {
                     out << "alternative,target,p_reach_base,p_reach_alternative,change,se\n";
                     for (const Economics& e : economics) {
                       for (const TargetChange& t : e.targets) {
                         out << fmt::format("{},{},{},{},{},{}\n", csv_text(e.name),
                                            csv_text(t.name), csv_number(t.base, 4),
                                            csv_number(t.alt, 4), csv_number(t.change.mean, 4),
                                            csv_number(t.change.se, 4));
                       }
                     }
                   }});
  return files;
}

void write_economics_hdf5(H5::H5File& file, const Scenario& base, const ResultLayout& layout,
                          const std::vector<Economics>& economics, double return_threshold) {
  const std::vector<hsize_t> dims{layout.periods.size(), static_cast<hsize_t>(layout.regions)};
  for (std::size_t a = 0; a < economics.size(); ++a) {
    H5::Group group = file.createGroup(fmt::format("/alternative_{}/economics", a + 1));
    string_attribute(group, "return_threshold", format_user_value(return_threshold));
    string_attribute(group, "currency", reporting_currency(base));
    string_attribute(group, "note", economics[a].note);
    // Per period, its coverage and the months its costs cover when partial (cost_coverage).
    std::vector<std::string> coverage;
    for (const Period& period : layout.periods) coverage.push_back(cost_coverage(period));
    write_strings(group, "period_coverage", coverage);
    const Economics& e = economics[a];
    auto field = [&](const char* name, auto value) {
      std::vector<double> values;
      for (const EconomicsCell& c : e.cells) values.push_back(value(c));
      write_doubles(group, name, dims, values.data(), "period,region");
    };
    field("bookings_base", [](const EconomicsCell& c) { return c.bookings_base; });
    field("bookings_alternative", [](const EconomicsCell& c) { return c.bookings_alt; });
    field("cost_base", [](const EconomicsCell& c) { return c.cost_base; });
    field("cost_alternative", [](const EconomicsCell& c) { return c.cost_alt; });
    field("bookings_difference", [](const EconomicsCell& c) { return c.bookings.mean; });
    field("bookings_se", [](const EconomicsCell& c) { return c.bookings.se; });
    field("cost_difference", [](const EconomicsCell& c) { return c.cost.mean; });
    field("cost_se", [](const EconomicsCell& c) { return c.cost.se; });
    field("contribution_difference", [](const EconomicsCell& c) { return c.contribution.mean; });
    field("contribution_se", [](const EconomicsCell& c) { return c.contribution.se; });
    field("p_alternative_better", [](const EconomicsCell& c) { return c.p_better; });
    field("return_on_cost", [](const EconomicsCell& c) { return c.return_on_cost; });
    field("return_se", [](const EconomicsCell& c) { return c.return_se; });
    field("p_return_above_threshold", [](const EconomicsCell& c) { return c.p_return_above; });
    // Why a cell has no return on cost ("" where it has one), for the report.
    std::vector<std::string> status;
    for (const EconomicsCell& c : e.cells) status.emplace_back(describe(c.status));
    write_strings(group, "return_status", status);
    std::vector<double> change, se;
    std::vector<std::string> names;
    for (const TargetChange& t : e.targets) {
      names.push_back(t.name);
      change.push_back(t.change.mean);
      se.push_back(t.change.se);
    }
    const hsize_t T = e.targets.size();
    write_strings(group, "targets", names);
    write_doubles(group, "target_probability_change", {T}, change.data(), "target");
    write_doubles(group, "target_probability_change_se", {T}, se.data(), "target");
  }
}

namespace {

//! "+4.05M ±17.0K": a paired difference with its standard error.
std::string signed_amount(const PairedMean& x) {
  return format_amount_with_se(x.mean, x.se, true);
}

//! Alternatives per block of the terminal table: base and two alternatives fit 100 columns.
constexpr std::size_t kAlternativesPerBlock = 2;

}  // namespace

std::string economics_table(const Scenario& base, const ResultLayout& layout,
                            const std::vector<Economics>& economics, double return_threshold,
                            bool with_costs) {
  const auto regions = region_labels(base);
  auto key = [](std::size_t i) { return i == 0 ? std::string("base") : fmt::format("alt{}", i); };
  std::string text;
  struct Marked {
    std::string label, coverage;  //!< the period's and its cost_coverage
    bool no_return = false;       //!< it runs past the horizon
  };
  std::vector<Marked> partial;
  if (with_costs) {
    text += fmt::format(
        "\nCosts and return in {}, company total per fiscal year (per region: economics.csv)\n"
        "contribution = bookings - cost; return = extra bookings / extra cost; differences "
        "paired\n",
        reporting_currency(base));
  }
  for (std::size_t first = 0; with_costs && first < economics.size();
       first += kAlternativesPerBlock) {
    const std::size_t last = std::min(economics.size(), first + kAlternativesPerBlock);
    for (std::size_t p = 0; p < layout.periods.size(); ++p) {
      const Period& period = layout.periods[p];
      if (period.quarter != 0) continue;
      const std::string coverage = cost_coverage(period);
      if (first == 0 && !coverage.empty())
        partial.push_back({period.label, coverage, period.partial()});
      const std::size_t i = p * static_cast<std::size_t>(layout.regions) +
                            static_cast<std::size_t>(layout.regions - 1);
      text += fmt::format("\n{:<16} {:>9}", period.label + (coverage.empty() ? "" : "*"), "base");
      for (std::size_t a = first; a < last; ++a)
        text += fmt::format(" {:>9} {:>21}", key(a + 1), key(a + 1) + " - base ±SE");
      text += "\n";
      const EconomicsCell& front = economics.front().cells[i];
      auto row = [&](const std::string& label, const std::string& base_value, auto alt_value,
                     auto difference) {
        text += fmt::format("{:<16} {:>9}", label, base_value);
        for (std::size_t a = first; a < last; ++a) {
          const EconomicsCell& c = economics[a].cells[i];
          text += fmt::format(" {:>9} {:>21}", alt_value(c), difference(c, economics[a].trials));
        }
        text.erase(text.find_last_not_of(' ') + 1);
        text += "\n";
      };
      row(
          "  bookings", format_amount(front.bookings_base),
          [](const EconomicsCell& c) { return format_amount(c.bookings_alt); },
          [](const EconomicsCell& c, std::uint64_t) { return signed_amount(c.bookings); });
      row(
          "  cost", format_amount(front.cost_base),
          [](const EconomicsCell& c) { return format_amount(c.cost_alt); },
          [](const EconomicsCell& c, std::uint64_t) { return signed_amount(c.cost); });
      row(
          "  contribution", format_amount(front.bookings_base - front.cost_base),
          [](const EconomicsCell& c) { return format_amount(c.bookings_alt - c.cost_alt); },
          [](const EconomicsCell& c, std::uint64_t) { return signed_amount(c.contribution); });
      auto blank = [](const EconomicsCell&) { return std::string(); };
      row("  return on cost", std::string(), blank, [&](const EconomicsCell& c, std::uint64_t) {
        if (c.status == ReturnStatus::defined)
          return fmt::format("{:.2f} ±{:.2g}", c.return_on_cost, c.return_se);
        return std::string(describe(c.status));
      });
      // P(better) of contributions equal in every trial is undefined: a dash.
      // None or every trial: the rule-of-three bound, not a certain-looking "100.0%" (review).
      row("  P(better)", std::string(), blank, [](const EconomicsCell& c, std::uint64_t trials) {
        return std::isfinite(c.p_better) ? format_trials_probability(c.p_better, trials)
                                         : std::string("-");
      });
      row(fmt::format("  P(return > {})", format_user_value(return_threshold)), std::string(),
          blank, [](const EconomicsCell& c, std::uint64_t trials) {
            return std::isfinite(c.p_return_above)
                       ? format_trials_probability(c.p_return_above, trials)
                       : std::string("-");
          });
    }
  }
  // A period that runs past the horizon has no return; one that began before it has costs for
  // the horizon's months only, the months before being the same history in both scenarios.
  for (const Marked& m : partial) {
    // Within the 100 columns of the rest of the table.
    text += wrap_words(
                fmt::format("* {} {}: {}", m.label, m.coverage,
                            m.no_return ? "no return on cost for a partial year"
                                        : "the months before the horizon are history, the same "
                                          "in every scenario, so the differences are the year's"),
                100, 2) +
            "\n";
  }
  if (!economics.front().targets.empty()) {
    for (std::size_t first = 0; first < economics.size(); first += 3) {
      const std::size_t last = std::min(economics.size(), first + 3);
      text += fmt::format("\n{:<40}", "Paired change in P(reach) ±SE");
      for (std::size_t a = first; a < last; ++a)
        text += fmt::format(" {:>18}", key(a + 1) + " - base");
      text += "\n";
      for (std::size_t t = 0; t < economics.front().targets.size(); ++t) {
        const TargetChange& target = economics.front().targets[t];
        text += fmt::format("{:<40}", target_words(target.name) + (target.partial ? "*" : ""));
        for (std::size_t a = first; a < last; ++a) {
          const PairedMean& x = economics[a].targets[t].change;
          text += fmt::format(" {:>18}", format_probability_change(x.mean, x.se));
        }
        text += "\n";
      }
    }
  }
  return text;
}

}  // namespace opsim
