// The run summary printed on the terminal: one screen by default, every table with --detail.
#pragma once

#include <string>
#include <vector>

#include "models/scenario.hpp"
#include "sim/engine/summary.hpp"

namespace opsim {

//! One screen: per fiscal year inside the horizon in full, new bookings per region (P10, P50,
//! P90) with each target's P(reach) ± SE, quarterly targets, year-end ARR and headcount; partial
//! periods are named and left out.
std::string format_summary_table(const Scenario& scenario, const Summary& summary);
//! "" when every month's pipeline created is complete; else that the horizon's last months lack
//! the opportunities that close after the horizon (Summary::pipeline_short_months).
std::string pipeline_created_note(const Scenario& scenario, const Summary& summary);
//! For each fiscal year that starts before the horizon without actuals for its earlier months:
//! "note: FY2027 counts no actuals for 2027-01..2027-06 (none given): its values are the
//! horizon's months only". Empty when there is none (compare and sweep print it; the run's
//! tables say it in their year headings).
std::string missing_actuals_notes(const Scenario& scenario, const ResultLayout& layout);
//! Those notes' sentences, without "note: ".
std::vector<std::string> missing_actuals(const Scenario& scenario, const ResultLayout& layout);
//! A workbook sheet's `note` followed by those sentences, so that the workbook says what the
//! terminal says (a review found the sweep workbook silent on a year without actuals).
std::string with_missing_actuals(std::string note, const Scenario& scenario,
                                 const ResultLayout& layout);

//! Every fiscal year (a partial one names the months it covers once), seven metrics per region,
//! the product mix per year when the scenario has products, KPIs and all targets.
std::string format_detail_table(const Scenario& scenario, const Summary& summary);

}  // namespace opsim
