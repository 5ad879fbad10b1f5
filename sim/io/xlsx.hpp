// Excel workbooks (libxlsxwriter): a Summary sheet formatted for people, then one sheet per
// table; numbers are stored as numbers (formatted, never as text), undefined values as blanks.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "models/scenario.hpp"
#include "sim/engine/summary.hpp"

namespace opsim {

enum class CellKind {
  text,
  amount,   //!< reporting currency: #,##0
  percent,  //!< a probability or share shown as 0.0%
  number,   //!< #,##0.00
  integer   //!< #,##0
};

using XlsxValue = std::variant<std::string, double>;

struct XlsxColumn {
  std::string header;
  CellKind kind = CellKind::text;
  double width = 14;
};

struct XlsxTable {
  std::string sheet;  //!< at most 31 characters
  std::vector<XlsxColumn> columns;
  std::vector<std::vector<XlsxValue>> rows;
  std::string note;  //!< written under the table when not empty
};

//! Writes the tables as sheets, in order, to `path` (atomically).
void write_workbook(const std::string& path, const std::vector<XlsxTable>& tables);

//! A run's workbook: Summary (per whole fiscal year and region: new bookings P10/P50/P90, the
//! target and P(reach), year-end ARR and headcount), Targets, Periods, Products (only with
//! products: the product mix per period, region and product), Monthly, KPIs, Productivity.
std::vector<XlsxTable> run_workbook(const Scenario& scenario, const Summary& summary);

}  // namespace opsim
