// A CSV input as the user's export writes it: which column holds each of opsim's fields and how
// its dates and numbers are written. One implementation for the scenario's CSV inputs
// ("csv": {"path": ..., "columns": {...}, ...}) and `opsim calibrate`'s mapping (--map, mapping
// file).
#pragma once

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/io/csv.hpp"
#include "sim/io/json_reader.hpp"

namespace opsim {

struct CsvSource {
  CsvSource() = default;
  CsvSource(std::string file, std::map<std::string, std::string> mapping)
      : path(std::move(file)), columns(std::move(mapping)) {}

  std::string path;
  std::map<std::string, std::string> columns;  //!< field -> column header; absent = field name
  //! strptime format of dates (e.g. "%d/%m/%Y"); empty = YYYY-MM or a common full date.
  std::string date_format;
  char decimal = '.';     //!< decimal mark of numbers
  std::string thousands;  //!< thousands separator; empty = none allowed
  //! Whether "decimal" / "thousands" were given: a ';'-separated file without them reads ','
  //! as the decimal mark and '.' between thousands (CsvSource::for_table).
  bool decimal_given = false, thousands_given = false;
  bool currency_symbols = false;         //!< "$45000", "45,000 EUR" read as amounts
  std::vector<std::string> skip_stages;  //!< rows whose stage is one of these are left out

  //! This source as it reads `table`: where neither mark was given and the file separates its
  //! fields by ';' (as spreadsheets save CSV where ',' is the decimal mark), decimal ',' and
  //! thousands '.'.
  CsvSource for_table(const CsvTable& table) const;
};

//! Reads "columns", "date_format", "decimal", "thousands", "currency_symbols" and
//! "skip_stages" when present in `node` into `source` (not the path; the caller checks which
//! keys `node` may have). Mapped fields must be among `fields` (when not empty).
void read_csv_format(const JsonNode& node, CsvSource& source,
                     const std::vector<std::string>& fields = {});

//! The CSV file `node` names: a path, or an object {"path", "columns", "date_format", "decimal",
//! "thousands", "currency_symbols", "skip_stages"} whose mapped fields are among `fields` (any
//! when empty). The path as written (relative to the naming file's folder); "" is refused.
CsvSource read_csv_source(const JsonNode& node, const std::vector<std::string>& fields = {});

//! Column of `field`: the mapped column when mapped (InputError naming the file when the header
//! lacks it), else the field's own name, else the first alias present; nothing otherwise.
std::optional<std::size_t> mapped_column(const CsvTable& table, const CsvSource& source,
                                         std::string_view field,
                                         std::initializer_list<std::string_view> aliases = {});

//! A number as `source` says numbers are written: the decimal mark, thousands separators in
//! groups of three ("45,000.00" with thousands ","), currency symbols or codes around it when
//! currency_symbols ("$45000", "45000 EUR"). Nothing when it is not such a number.
std::optional<double> parse_source_number(std::string_view text, const CsvSource& source);

//! The decimal mark an amount shows by its form, or 0 when its form allows either: ',' for
//! "1.234,50", "12,5", "1.234.567"; '.' for "1,234.50", "12.5", "1,234,567"; 0 for "475.000",
//! "1,234", "4700".
char decimal_mark_shown(std::string_view text);

//! Whether `code` is an ISO 4217 currency code ("USD"; "usd" and "XYZ" are not).
bool is_currency_code(std::string_view code);
//! What a refusal of `code` as a currency code adds: "(write EUR)" for "eur", else examples.
std::string currency_code_hint(std::string_view code);

//! Whether a date field holds a whole number such as 44566: a spreadsheet's serial day number,
//! which is not read as a date (messages name it).
bool looks_like_serial_day(std::string_view text);

//! A month (absolute, year * 12 + month - 1): "YYYY-MM", or a full date (in date_format when
//! given, else a common export format) truncated to its month.
//! `day_first`: a numeric date with the year last whose order its values do not show (3/4/2027)
//! puts the day first; MappedCsv decides it once per column.
std::optional<int> parse_source_month(std::string_view text, const CsvSource& source,
                                      bool day_first = false);

//! A scenario CSV read through its source: fields by mapped name, numbers and months in the
//! source's formats, rows with a skipped stage left out (and counted).
class MappedCsv {
 public:
  MappedCsv(const CsvTable& table, CsvSource source);

  const std::string& name() const { return table_->name(); }
  const std::vector<std::string>& header() const { return table_->header(); }
  //! The rows kept (every row but those with a stage in skip_stages).
  const std::vector<std::reference_wrapper<const CsvRow>>& rows() const { return rows_; }
  //! Rows left out, by stage as written.
  const std::map<std::string, std::size_t>& skipped() const { return skipped_; }
  std::size_t skipped_count() const;

  std::optional<std::size_t> column(std::string_view field) const;
  //! InputError naming the file, the field (and its mapping) and the header when absent.
  std::size_t require_column(std::string_view field) const;

  std::string where(const CsvRow& row) const { return table_->where(row); }
  const std::string& text(const CsvRow& row, std::size_t column) const {
    return table_->text(row, column);
  }
  const std::string& required_text(const CsvRow& row, std::size_t column) const {
    return table_->required_text(row, column);
  }
  //! The source as this table is read (CsvSource::for_table).
  const CsvSource& source() const { return source_; }
  //! A finite number in the source's format; InputError with file, line, column and value.
  double number(const CsvRow& row, std::size_t column) const { return read(row, column, true); }
  double non_negative(const CsvRow& row, std::size_t column) const;
  //! With currency_symbols: InputError when the amount in `column` carries a currency (an ISO
  //! code, a symbol such as € or ¥, or "$") that is not `currency`, the row's (review: "12,000
  //! JPY" in a USD row was read as 12,000 USD). "$" is any dollar or peso's; words such as "kr"
  //! are not checked.
  void check_currency(const CsvRow& row, std::size_t column, const std::string& currency) const;
  //! An absolute month (see parse_source_month); InputError with file, line, column and value.
  //! Without a date_format, numeric dates with the year last are read in the one order the
  //! column's values show (15/02/2027: day first); a column showing both orders, or neither
  //! (every day 12 or less), is refused asking for a date_format (review: each date was read
  //! as it showed, so 03/06/2027 beside 15/02/2027 became March).
  int month(const CsvRow& row, std::size_t column) const;
  //! A note when the amounts of `column` may have been misread: the file gives no "decimal", it
  //! is read with '.' as the decimal mark, and every value with a '.' has exactly three digits
  //! after it ("12.000" read as 12, where the export may separate thousands with '.'); nothing
  //! otherwise (review: read silently).
  std::optional<std::string> decimal_doubt(std::size_t column) const;

 private:
  //! number(); `negative`: the column takes negative numbers (the hints say so when not).
  double read(const CsvRow& row, std::size_t column, bool negative) const;
  const CsvTable* table_;
  CsvSource source_;
  std::vector<std::reference_wrapper<const CsvRow>> rows_;
  std::map<std::string, std::size_t> skipped_;
  mutable std::map<std::size_t, bool> day_first_;  //!< per date column, once decided

  bool day_first(std::size_t column) const;
};

}  // namespace opsim
