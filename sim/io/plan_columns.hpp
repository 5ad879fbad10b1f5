// What the columns of the plan commands' tables hold (quotas, compensation, capacity): their
// unit, by name, and a heading for people. One dictionary for the CSV decimals, the workbook
// formats and the HTML report (results/plan.md lists the columns).
#pragma once

#include <string>

#include "sim/io/xlsx.hpp"

namespace opsim {

//! The unit of a plan column, by its name: probabilities and shares, money, counts, years, or
//! other numbers (ratios such as attainment or coverage).
CellKind plan_column_kind(const std::string& name);
//! Whether a points column (CellKind::points) is a change, shown with its sign ("+14.4 pts"):
//! the +1 hire columns other than their SE.
bool plan_column_signed(const std::string& name);

//! A heading for people: "p_reach_quota" -> "P(reach quota)", "quota_2027-03" -> "Quota
//! 2027-03"; amounts end with the currency ("Quota (USD)") when `currency` is given.
//! `of_bookings`: the table's mean and quantiles are of bookings (seats, territories, regions):
//! "Expected bookings", "Bookings P10".
std::string plan_column_heading(const std::string& name, const std::string& currency = "",
                                bool of_bookings = false);

//! A label value for people, by its column: measures ("new_bookings" -> "New bookings") and seat
//! classes ("sellers" -> "Sellers"); other labels (seats, regions, plans) as written. The CSV and
//! HDF5 keep the identifiers.
std::string plan_label_text(const std::string& column, const std::string& value);

}  // namespace opsim
