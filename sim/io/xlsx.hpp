// Excel workbooks (libxlsxwriter): a Summary sheet formatted for people, then one sheet per
// table; numbers are stored as numbers (formatted, never as text), undefined values as blanks.
#pragma once

#include <string>
#include <utility>
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
  integer,  //!< #,##0
  year,     //!< 0: a calendar or fiscal year, no thousands separator
  ratio,    //!< 0.000: an index between 0 and 1 that is not a share (a Gini coefficient)
  //! A change, spread or standard error of probabilities, in percentage points: the workbook
  //! shows 0.144 as "14.4 pts", as the terminal does (a review read "+14.4%" as a relative
  //! change); files keep the fraction.
  points,
  //! General: a small standard error with the digits it has (0.0044), which a fixed format
  //! would round to 0 (review: the SE of a return on cost read 0.00).
  significant
};

//! The kind's name as a result file stores it beside a table ("amount", "percent", ...), so that
//! the report formats each column as the workbook does.
std::string cell_kind_name(CellKind kind);

using XlsxValue = std::variant<std::string, double>;

//! A share of `trials` trials as a cell: the number, or when none or every one of them counts the
//! words of format_certain_probability ("<1.5% (none)"), not a certain-looking 0.0% (review).
XlsxValue trials_probability(double p, std::uint64_t trials);
//! The standard error of such a share: blank (NaN) where trials_probability gives words.
double trials_probability_se(double p, double se, std::uint64_t trials);

struct XlsxColumn {
  std::string header;
  CellKind kind = CellKind::text;
  double width = 14;
  //! Whether a row's kind (XlsxTable::row_kinds) overrides this column's: false for a column
  //! whose unit is the same on every row (a payout) next to one whose unit is the row's (a
  //! component's quota: an amount, a count of deals or a rate).
  bool follows_row_kind = true;
  //! A change, shown with its sign ("+14.4 pts", as the terminal and the report show it).
  bool signed_change = false;
};

struct XlsxTable {
  XlsxTable(std::string sheet_name, std::vector<XlsxColumn> table_columns,
            std::vector<std::vector<XlsxValue>> table_rows, std::string table_note = "",
            std::vector<CellKind> kinds_of_rows = {})
      : sheet(std::move(sheet_name)),
        columns(std::move(table_columns)),
        rows(std::move(table_rows)),
        note(std::move(table_note)),
        row_kinds(std::move(kinds_of_rows)) {}

  std::string sheet;  //!< at most 31 characters
  std::vector<XlsxColumn> columns;
  std::vector<std::vector<XlsxValue>> rows;
  std::string note;  //!< written under the table when not empty
  //! Written under the note, one row each, prefixed "Warning: " (what the terminal warned of).
  std::vector<std::string> warnings;
  //! Per row, a kind that overrides the numeric columns' (tables of named quantities, where a
  //! row holds a share under amount columns), those that follow_row_kind; empty, or text for a
  //! row, = the columns' kinds.
  std::vector<CellKind> row_kinds;
};

//! `text` as a workbook cell can hold it: the noncharacters U+FFFE and U+FFFF, which XML does
//! not allow and libxlsxwriter passes through (a damaged workbook), become U+FFFD, and a literal
//! "_xHHHH_" keeps its text (its underscore escaped as "_x005F_").
std::string xlsx_text(std::string text);

//! Writes the tables as sheets, in order, to `path` (atomically).
void write_workbook(const std::string& path, const std::vector<XlsxTable>& tables);

//! A run's workbook: Summary (per whole fiscal year and region: new bookings P10/P50/P90, the
//! target and P(reach), year-end ARR and headcount), Targets, Periods, Products (only with
//! products: the product mix per period, region and product), Monthly, KPIs, Productivity.
std::vector<XlsxTable> run_workbook(const Scenario& scenario, const Summary& summary);

}  // namespace opsim
