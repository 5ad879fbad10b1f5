#include "sim/io/deal_export.hpp"

#include <fstream>
#include <optional>

#include <fmt/format.h>

#include "models/trial.hpp"
#include "sim/base/error.hpp"
#include "sim/io/output.hpp"
#include "sim/io/output_files.hpp"

namespace opsim {

namespace {

//! Quotes a field when CSV needs it.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

}  // namespace

void export_deals(const std::string& path, const Scenario& scenario, std::uint64_t seed,
                  std::uint64_t trial) {
  const auto drawn = scenario_for_trial(scenario, StreamFactory(seed), trial);
  // A drawn trial's open deals are relative to the stated scenario's deal sizes.
  std::optional<TrialTables> stated;
  if (drawn) stated.emplace(scenario);
  const TrialSimulator simulator(drawn ? *drawn : scenario, nullptr, stated ? &*stated : nullptr);
  TrialWorkspace work;
  TrialOutcome outcome;
  std::vector<DealRecord> deals;
  simulator.simulate(trial, StreamFactory(seed), work, outcome, &deals);
  const Calendar& calendar = scenario.calendar;
  auto date = [&](int month) { return format_year_month(calendar.absolute(month)) + "-15"; };
  write_text_file(path, [&](std::ostream& out) {
    out << "id,owner,region,segment,product,stage,created,closed,amount,currency\n";
    for (const DealRecord& d : deals) {
      const std::string owner = d.seat >= 0 ? scenario.seats[d.seat].id : std::string();
      const bool pipeline = d.source == DealRecord::Source::pipeline;
      const bool open = pipeline && d.closed >= scenario.months();
      std::string id;
      if (pipeline) {
        id = scenario.pipeline.deals[d.deal].id;
      } else {
        const std::string entity = owner.empty()
                                       ? fmt::format("{}/{}", scenario.regions[d.region].id,
                                                     scenario.segments[d.segment].id)
                                       : owner;
        id = fmt::format("{}/{}/{}", entity, format_year_month(calendar.absolute(d.closed)),
                         d.index + 1);
      }
      const int currency =
          pipeline ? scenario.pipeline.deals[d.deal].currency : scenario.regions[d.region].currency;
      out << fmt::format(
          "{},{},{},{},{},{},{},{},{:.2f},{}\n", csv_field(id), csv_field(owner),
          csv_field(scenario.regions[d.region].id), csv_field(scenario.segments[d.segment].id),
          csv_field(d.product >= 0 ? scenario.products[d.product].id : std::string()),
          open ? "Open" : (d.won ? "Won" : "Lost"), pipeline ? "" : date(d.created),
          open ? "" : date(d.closed), d.amount, scenario.fx.currencies[currency].code);
    }
  });
}

}  // namespace opsim
