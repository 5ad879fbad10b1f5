#include "sim/io/csv.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <tuple>

#include <fmt/format.h>

#include "sim/base/control_character.hpp"
#include "sim/base/error.hpp"

namespace opsim {

namespace {
constexpr std::size_t kMaxCells = 32'000'000;
constexpr std::size_t kMaxColumns = 10'000;
}  // namespace

std::optional<double> parse_number(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  if (text.front() == '+') text.remove_prefix(1);
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

CsvTable CsvTable::read(const std::string& path, bool allow_ragged, Encoding encoding,
                        InputKind kind) {
  return parse(read_input_file(path, kind), path, allow_ragged, encoding);
}

char field_separator(std::string_view text) {
  // Separators outside quotes on the header line and on up to 20 lines after it.
  constexpr std::array<char, 3> kCandidates{',', ';', '\t'};
  constexpr std::size_t kLines = 21;
  // A line's separators that end it (an exporter's trailing empty fields) are not counted, as
  // the reader drops those fields.
  std::vector<std::array<std::size_t, 3>> counts(1, {0, 0, 0});
  std::array<std::size_t, 3> trailing{0, 0, 0};
  // The header's separators inside parentheses or brackets ("Amount (EUR, net)"), which break a
  // tie of the others (review: "Region;Amount (EUR, net)" with no rows was read as ',').
  std::array<std::size_t, 3> enclosed{0, 0, 0};
  int depth = 0;
  bool quoted = false;
  auto end_line = [&] {
    for (std::size_t k = 0; k < kCandidates.size(); ++k) counts.back()[k] -= trailing[k];
    trailing = {0, 0, 0};
  };
  for (std::size_t i = 0; i < text.size() && counts.size() <= kLines; ++i) {
    const char c = text[i];
    if (c == '"') quoted = !quoted;
    if (quoted) {
      trailing = {0, 0, 0};
      continue;
    }
    if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_line();
      counts.push_back({0, 0, 0});
      continue;
    }
    if (counts.size() == 1) depth += c == '(' || c == '[' ? 1 : c == ')' || c == ']' ? -1 : 0;
    bool separator = false;
    for (std::size_t k = 0; k < kCandidates.size(); ++k) {
      const bool is = c == kCandidates[k];
      counts.back()[k] += is;
      trailing[k] += is;
      if (counts.size() == 1 && depth > 0) enclosed[k] += is;
      separator = separator || is;
    }
    if (!separator) trailing = {0, 0, 0};
  }
  end_line();
  if (counts.size() > 1 && counts.back() == std::array<std::size_t, 3>{0, 0, 0}) counts.pop_back();
  // The separator whose data lines have as many fields as the header has (a review found a ';'
  // header with as many commas as semicolons read as comma-separated); then the most frequent in
  // the header (review: "Auftrag;Datum;...;Betrag (EUR, netto)" was read as two comma-separated
  // columns); then the most outside parentheses; ',' on a tie.
  std::size_t best = 0;
  auto score = [&](std::size_t k) {
    std::size_t agreeing = 0;
    for (std::size_t line = 1; line < counts.size(); ++line)
      agreeing += counts[line][k] == counts[0][k] ? 1 : 0;
    const std::size_t outside = counts[0][k] - std::min(counts[0][k], enclosed[k]);
    return std::tuple{counts[0][k] > 0 ? agreeing : 0, counts[0][k], outside};
  };
  for (std::size_t k = 1; k < kCandidates.size(); ++k) {
    if (score(k) > score(best)) best = k;
  }
  return kCandidates[best];
}

std::string field_count_mismatch(std::size_t fields, std::size_t header_fields) {
  return fmt::format("row has {} field{} but the header has {}", fields, fields == 1 ? "" : "s",
                     header_fields);
}

CsvTable CsvTable::parse(std::string_view bytes, const std::string& name, bool allow_ragged,
                         Encoding encoding) {
  CsvTable table;
  table.name_ = name;
  table.sha256_ = sha256_hex(bytes);
  // A byte-order mark says UTF-8 whatever --encoding says.
  const bool bom = bytes.substr(0, 3) == "\xEF\xBB\xBF";
  const std::string decoded =
      to_utf8(std::string(bytes.substr(bom ? 3 : 0)), bom ? Encoding::utf8 : encoding, name);
  if (decoded != bytes.substr(bom ? 3 : 0)) table.read_as_ = std::string(encoding_name(encoding));
  const std::string_view text = decoded;

  const char separator = field_separator(text);
  table.separator_ = separator;
  std::vector<CsvRow> records;
  CsvRow current;
  std::string field;
  std::size_t line = 1;
  current.line = 1;
  bool quoted = false;
  std::size_t quote_line = 1;  //!< where the open quoted field began
  bool field_started = false;
  std::size_t cells = 0;
  auto end_field = [&] {
    // Bounds the memory of a file of separators (each cell costs a std::string).
    if (++cells > kMaxCells)
      throw_input("{}:{}: more than {} cells; a CSV input holds at most that many", name,
                  current.line, kMaxCells);
    if (current.fields.size() >= kMaxColumns)
      throw_input("{}:{}: more than {} columns in a row", name, current.line, kMaxColumns);
    current.fields.push_back(std::move(field));
    field.clear();
    field_started = false;
  };
  auto end_record = [&] {
    end_field();
    const bool blank = current.fields.size() == 1 && current.fields[0].empty();
    if (!blank) records.push_back(std::move(current));
    current = CsvRow{};
    current.line = line;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
          // A closing quote ends its field: only a separator or the line's end may follow
          // (review: `"Acme, Inc,100` with the quote left open ran on to the next quote, three
          // lines down, and two rows vanished into one name with exit 0).
          const char next = i + 1 < text.size() ? text[i + 1] : '\n';
          if (next != separator && next != '\n' && next != '\r') {
            const auto byte = static_cast<unsigned char>(next);
            const std::string shown = byte >= 0x20 && byte < 0x7f
                                          ? fmt::format("'{}'", next)
                                          : fmt::format("byte 0x{:02X}", byte);
            throw_input(
                "{}:{}: the quoted field opened on line {} is closed on line {} and followed by "
                "{}: text after a closing quote (a quote inside a field is written twice, \"\", "
                "and a field with a separator is quoted whole)",
                name, quote_line, quote_line, line, shown);
          }
        }
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
    } else if (c == '"' && !field_started) {
      quoted = true;
      quote_line = line;
      field_started = true;
    } else if (c == separator) {
      end_field();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;
    } else if (c == '\n' || c == '\r') {
      ++line;
      end_record();
    } else {
      field.push_back(c);
      field_started = true;
    }
  }
  if (quoted) throw_input("{}:{}: a quoted field is not closed", name, quote_line);
  if (!field.empty() || !current.fields.empty()) end_record();

  if (records.empty()) throw_input("{}: the file is empty (a header row is required)", name);
  // Empty fields that end a line beyond the header's columns, and empty names that end the
  // header, are no columns: exporters and spreadsheets add them (a review found every row of
  // such a file rejected as ragged).
  auto drop_trailing_empty = [](std::vector<std::string>& fields, std::size_t keep) {
    while (fields.size() > keep && fields.back().empty()) fields.pop_back();
  };
  drop_trailing_empty(records.front().fields, 1);
  table.header_ = std::move(records.front().fields);
  for (auto& h : table.header_) {
    h.erase(h.begin(),
            std::find_if(h.begin(), h.end(), [](unsigned char ch) { return !std::isspace(ch); }));
    h.erase(std::find_if(h.rbegin(), h.rend(), [](unsigned char ch) { return !std::isspace(ch); })
                .base(),
            h.end());
  }
  // Every row of the wrong width at once (review: a file with three such rows was fixed one
  // run at a time).
  InputErrorCollector errors;
  for (std::size_t r = 1; r < records.size(); ++r) {
    drop_trailing_empty(records[r].fields, table.header_.size());
    // A ragged file (an export, where a writer may leave out the empty fields that end a row):
    // the fields a row lacks are empty.
    if (allow_ragged && records[r].fields.size() < table.header_.size())
      records[r].fields.resize(table.header_.size());
    if (!allow_ragged && records[r].fields.size() != table.header_.size()) {
      errors.add(fmt::format("{}:{}: {}", name, records[r].line,
                             field_count_mismatch(records[r].fields.size(), table.header_.size())));
    }
    table.rows_.push_back(std::move(records[r]));
  }
  errors.throw_if_any();
  return table;
}

std::optional<std::size_t> CsvTable::column(std::string_view name) const {
  auto lower = [](std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    return out;
  };
  // The exact name, else the name in any case; a name two columns answer to is refused, naming
  // both (a review found a second 'close_value' column ignored in silence).
  for (const bool exact : {true, false}) {
    std::optional<std::size_t> found;
    for (std::size_t i = 0; i < header_.size(); ++i) {
      if (exact ? header_[i] != name : lower(header_[i]) != lower(name)) continue;
      if (found) {
        throw_input(
            "{}:1: columns {} and {} are both named '{}': which one is meant is not known "
            "(rename one)",
            name_, *found + 1, i + 1, header_[i]);
      }
      found = i;
    }
    if (found) return found;
  }
  return std::nullopt;
}

std::size_t CsvTable::require_column(std::string_view name) const {
  if (auto index = column(name)) return *index;
  throw_input("{}:1: required column '{}' is missing (header: {})", name_, name,
              fmt::join(header_, ","));
}

std::string CsvTable::where(const CsvRow& row) const {
  return fmt::format("{}:{}", name_, row.line);
}

const std::string& CsvTable::text(const CsvRow& row, std::size_t column) const {
  if (column >= row.fields.size()) {
    throw_input("{}: column '{}' is missing in this row", where(row), header_.at(column));
  }
  return row.fields[column];
}

double CsvTable::number(const CsvRow& row, std::size_t column) const {
  const std::string& field = text(row, column);
  if (auto value = parse_number(field)) return *value;
  throw_input("{}: column '{}': '{}' is not a finite number", where(row), header_[column],
              shown_value(field));
}

}  // namespace opsim

namespace opsim {

const std::string& CsvTable::required_text(const CsvRow& row, std::size_t column) const {
  const std::string& field = text(row, column);
  if (field.empty()) throw_input("{}: column '{}' is empty", where(row), header_[column]);
  // An id or a name another row refers to by: a control character (a NUL byte read from a
  // damaged export) would make two ids that print alike (a review found one accepted).
  if (const auto at = control_character(field)) {
    throw_input(
        "{}: column '{}': \"{}\" holds the control character U+{:04X} (ids and names "
        "are printable text)",
        where(row), header_[column], shown_value(field), static_cast<unsigned>(field[*at]));
  }
  return field;
}

double CsvTable::non_negative(const CsvRow& row, std::size_t column) const {
  const double value = number(row, column);
  if (value < 0)
    throw_input("{}: column '{}': {} is negative (must be >= 0)", where(row), header_[column],
                value);
  return value;
}

}  // namespace opsim
