// CSV as CRM exports write it: optional UTF-8 byte-order mark, CRLF or LF line ends, fields
// separated by commas (or by semicolons or tabs when the header has more of them:
// field_separator),
// quoted fields with separators, doubled quotes and line breaks. Rows keep their 1-based line
// number so that every error can name it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/io/input.hpp"

namespace opsim {

struct CsvRow {
  std::size_t line = 0;  //!< line where the row starts (the header is line 1)
  std::vector<std::string> fields;
};

//! The field separator of a CSV text: the most frequent of ',', ';' (as spreadsheets write CSV
//! where ',' is the decimal mark) and tab in its header line outside quotes; ',' on a tie.
char field_separator(std::string_view text);

//! "row has 3 fields but the header has 2", for a row whose field count is not the header's.
std::string field_count_mismatch(std::size_t fields, std::size_t header_fields);

class CsvTable {
 public:
  //! Reads a file with a header row through the input layer (regular files only, at most
  //! size_limit(kind) bytes, converted from `encoding`); throws InputError naming the file when
  //! it is missing, empty, not valid text or has a ragged row (unless `allow_ragged`).
  static CsvTable read(const std::string& path, bool allow_ragged = false,
                       Encoding encoding = Encoding::utf8,
                       InputKind kind = InputKind::scenario_csv);
  //! `bytes` as read from a file named `name`.
  static CsvTable parse(std::string_view bytes, const std::string& name, bool allow_ragged = false,
                        Encoding encoding = Encoding::utf8);

  const std::string& name() const { return name_; }
  //! SHA-256 of the file's bytes as read (before conversion), for provenance.
  const std::string& sha256() const { return sha256_; }
  //! The encoding the text was converted from when the conversion changed it, else "" (UTF-8, a
  //! byte-order mark, or only ASCII bytes: every encoding reads those the same).
  const std::string& read_as() const { return read_as_; }
  const std::vector<std::string>& header() const { return header_; }
  //! The field separator read (field_separator): ',', ';' or a tab.
  char separator() const { return separator_; }
  const std::vector<CsvRow>& rows() const { return rows_; }
  //! Column index by name (exact, then case-insensitive), or nothing.
  std::optional<std::size_t> column(std::string_view name) const;
  //! Column index; throws InputError listing the header when absent.
  std::size_t require_column(std::string_view name) const;

  //! "file:line: " prefix for messages about a row.
  std::string where(const CsvRow& row) const;
  //! The field parsed as a finite number; throws InputError with file, line, column and value.
  double number(const CsvRow& row, std::size_t column) const;
  const std::string& text(const CsvRow& row, std::size_t column) const;
  //! The field, which must not be empty.
  const std::string& required_text(const CsvRow& row, std::size_t column) const;
  //! A finite number >= 0.
  double non_negative(const CsvRow& row, std::size_t column) const;

 private:
  std::string name_;
  std::string sha256_;
  std::string read_as_;
  char separator_ = ',';
  std::vector<std::string> header_;
  std::vector<CsvRow> rows_;
};

//! Parses a finite double with nothing left over (surrounding blanks allowed).
std::optional<double> parse_number(std::string_view text);

}  // namespace opsim
