#include "sim/io/history_reader.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <string_view>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "models/calendar.hpp"
#include "sim/base/control_character.hpp"
#include "sim/base/error.hpp"
#include "sim/io/csv.hpp"
#include "sim/io/json_reader.hpp"
#include "sim/io/number_format.hpp"
#include "sim/io/scenario_loader.hpp"

namespace opsim {

using calibration::Booking;
using calibration::History;
using calibration::Opportunity;
using calibration::Outcome;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<int> to_int(std::string_view s) {
  int value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return value;
}

int month_from_name(std::string_view s) {
  static constexpr std::array<std::string_view, 12> names{"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
  if (s.size() < 3) return 0;
  std::string lower;
  for (char c : s.substr(0, 3))
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (int i = 0; i < 12; ++i) {
    if (names[i] == lower) return i + 1;
  }
  return 0;
}

std::optional<int> civil(int year, int month, int day) {
  if (year < 1900 || year > 2999 || month < 1 || month > 12 || day < 1) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return std::nullopt;
  return calibration::day_number(year, month, day);
}

std::vector<std::string_view> split_any(std::string_view s, std::string_view separators) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || separators.find(s[i]) != std::string_view::npos) {
      if (i > start) parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

std::size_t required_column(const CsvTable& table, const TableSource& source,
                            const std::string& field,
                            std::initializer_list<std::string_view> aliases = {}) {
  if (auto c = mapped_column(table, source, field, aliases)) return *c;
  throw_input("{}:1: no column for '{}' (map one with --map {}=COLUMN; header: {})", table.name(),
              field, field, fmt::join(table.header(), ","));
}

//! InputError when two fields read the same column (review: --map region=amount fitted ~200
//! "regions" named after amounts).
void refuse_shared_columns(
    const CsvTable& table,
    std::initializer_list<std::pair<const char*, std::optional<std::size_t>>> fields) {
  for (auto a = fields.begin(); a != fields.end(); ++a) {
    for (auto b = std::next(a); b != fields.end(); ++b) {
      if (!a->second || a->second != b->second) continue;
      throw_input(
          "{}:1: fields '{}' and '{}' both read column '{}' (each field needs its own "
          "column: check --map)",
          table.name(), a->first, b->first, table.header()[*a->second]);
    }
  }
}

//! Canonical spellings by name key: a reference list when given, else the most frequent one.
class Spellings {
 public:
  void add_reference(const std::string& name) { reference_[name_key(name)] = name; }
  void count(const std::string& name) { ++seen_[name_key(name)][name]; }
  //! The canonical name, or empty when a reference list exists and lacks it.
  std::string canonical(const std::string& name) const {
    const std::string key = name_key(name);
    if (!reference_.empty()) {
      auto it = reference_.find(key);
      return it == reference_.end() ? std::string() : it->second;
    }
    auto it = seen_.find(key);
    if (it == seen_.end()) return name;
    std::string best;
    int most = -1;
    for (const auto& [spelling, n] : it->second) {
      if (n > most) best = spelling, most = n;
    }
    return best;
  }
  bool has_reference() const { return !reference_.empty(); }

 private:
  std::map<std::string, std::string> reference_;
  std::map<std::string, std::map<std::string, int>> seen_;
};

//! Spellings of segment and region names over every row, so the most frequent one wins.
void count_spellings(const CsvTable& table, std::optional<std::size_t> segment,
                     std::optional<std::size_t> region, Spellings& segments, Spellings& regions) {
  for (const auto& row : table.rows()) {
    if (segment && *segment < row.fields.size()) {
      segments.count(std::string(trim(row.fields[*segment])));
    }
    if (region && *region < row.fields.size())
      regions.count(std::string(trim(row.fields[*region])));
  }
}

//! A row's trimmed field by optional column (empty when the column is absent).
struct Fields {
  const CsvRow& row;
  std::string operator()(std::optional<std::size_t> column) const {
    return column ? std::string(trim(row.fields[*column])) : std::string();
  }
};

//! Why `text` in a date column was not read: the formats that are, and for a whole number such as
//! 44566, that it looks like a spreadsheet's serial day number, which is not read as a date.
std::string not_a_date(std::string_view what, std::string_view text) {
  const bool serial = looks_like_serial_day(text);
  return fmt::format(
      "{} '{}' is not a date{} (read: 2017-03-04, 2017/03/04, 3/4/2017, 4.3.2017, 4-Mar-2017, "
      "4 March 2017, Mar 4, 2017, with an optional time)",
      what, shown_value(text),
      serial ? ", it looks like a spreadsheet's serial day number: export the column formatted as "
               "dates"
             : "");
}

class Issues {
 public:
  Issues(ReadReport& report, const CsvTable& table) : report_(report), table_(table) {}
  //! False, with the row rejected, when it does not have one field per header column.
  bool complete(const CsvRow& row) {
    if (row.fields.size() == table_.header().size()) return true;
    reject(row, field_count_mismatch(row.fields.size(), table_.header().size()));
    return false;
  }
  void reject(const CsvRow& row, std::string reason) {
    report_.issues.push_back({table_.name(), row.line, true, std::move(reason)});
  }
  void repair(const CsvRow& row, std::string reason) {
    report_.issues.push_back({table_.name(), row.line, false, std::move(reason)});
  }

 private:
  ReadReport& report_;
  const CsvTable& table_;
};

//! The fields a table of each kind can map; "product" is another name for "segment".
const std::vector<std::string>& mappable_fields(const std::string& kind) {
  static const std::map<std::string, std::vector<std::string>> fields{
      {"opportunities",
       {"id", "owner", "region", "segment", "stage", "created", "closed", "amount"}},
      {"bookings", {"date", "region", "owner", "segment", "amount", "id", "stage"}},
      {"reps", {"owner", "region"}},
      {"products", {"segment", "list_price"}}};
  return fields.at(kind);
}

//! A copy of `source` with "product" read as "segment"; InputError on a field `kind` lacks.
TableSource checked_mapping(const TableSource& source, const std::string& kind) {
  TableSource checked = source;
  if (auto it = checked.columns.find("product");
      it != checked.columns.end() && kind != "reps" && !checked.columns.count("segment")) {
    checked.columns["segment"] = it->second;
    checked.columns.erase(it);
  }
  const auto& valid = mappable_fields(kind);
  for (const auto& [field, column] : checked.columns) {
    if (std::find(valid.begin(), valid.end(), field) == valid.end()) {
      throw_input(
          "{}: mapped field '{}' (to column '{}') is not a field of the {} table; its "
          "fields are: {}",
          source.path, field, column, kind, fmt::join(valid, ", "));
    }
  }
  return checked;
}

TableSource table_source(const JsonNode& node, const std::string& base_dir) {
  node.allow_only({"file", "columns"});
  TableSource source;
  std::filesystem::path p(node.at("file").string());
  source.path = p.is_absolute() ? p.string()
                                : (std::filesystem::path(base_dir) / p).lexically_normal().string();
  read_csv_format(node, source);
  return source;
}

std::vector<std::string> string_list(const JsonNode& node) {
  std::vector<std::string> out;
  for (const auto& item : node.items()) out.push_back(item.string());
  return out;
}

struct RepTable {
  std::map<std::string, std::string> region_by_key;  //!< name_key(owner) -> region
  std::map<std::string, std::string> name_by_key;
};

RepTable read_reps(const TableSource& mapped, Encoding encoding) {
  const TableSource source = checked_mapping(mapped, "reps");
  const CsvTable table = CsvTable::read(source.path, true, encoding, InputKind::history_csv);
  const auto owner = required_column(table, source, "owner", {"sales_agent", "rep"});
  const auto region = required_column(table, source, "region", {"regional_office"});
  RepTable reps;
  for (const auto& row : table.rows()) {
    if (owner >= row.fields.size() || region >= row.fields.size()) continue;
    const std::string name(trim(row.fields[owner])), r(trim(row.fields[region]));
    if (name.empty() || r.empty()) {
      throw_input("{}: a rep row needs both an owner and a region", table.where(row));
    }
    reps.region_by_key[name_key(name)] = r;
    reps.name_by_key[name_key(name)] = name;
  }
  return reps;
}

//! More empty months than this between two dated rows split the history: the smaller side's
//! rows are isolated dates (a placeholder 1900-01-01, a typo 2099), not history.
constexpr int kIsolatedGapMonths = 12;

//! Leaves out the rows with a date isolated from the bulk of the history by more than
//! kIsolatedGapMonths empty months, each listed as rejected (review: one 2099-01-01 row made an
//! --as-of past the data fit its empty months as zero bookings; one 1900-01-01 row stretched the
//! fit window over 118 years). The bulk is the run of months holding the most dated rows.
void leave_out_isolated_dates(calibration::History& history, ReadReport& report,
                              const std::string& opportunity_file,
                              const std::string& booking_file) {
  using calibration::month_of_day;
  std::map<int, std::size_t> rows_by_month;
  for (const auto& o : history.opportunities) {
    if (o.created) ++rows_by_month[month_of_day(*o.created)];
    if (o.closed) ++rows_by_month[month_of_day(*o.closed)];
  }
  for (const auto& b : history.bookings) ++rows_by_month[month_of_day(b.day)];
  if (rows_by_month.size() < 2) return;
  // Runs of months without a gap longer than kIsolatedGapMonths; keep the fullest.
  int best_first = 0, best_last = 0, first = rows_by_month.begin()->first, previous = first;
  std::size_t best_rows = 0, rows = 0;
  auto close_run = [&] {
    if (rows > best_rows) best_rows = rows, best_first = first, best_last = previous;
  };
  for (const auto& [month, n] : rows_by_month) {
    if (month - previous > kIsolatedGapMonths + 1) {
      close_run();
      first = month, rows = 0;
    }
    rows += n;
    previous = month;
  }
  close_run();
  if (best_first == rows_by_month.begin()->first && best_last == rows_by_month.rbegin()->first)
    return;
  auto outside = [&](std::optional<int> day) {
    return day && (month_of_day(*day) < best_first || month_of_day(*day) > best_last);
  };
  auto reject = [&](const std::string& file, std::size_t line, int day) {
    report.issues.push_back(
        {file, line, true,
         fmt::format("date '{}' is isolated from the rest of the history ({} .. {}) by more than "
                     "{} months without a row: left out (a placeholder or a typo?)",
                     calibration::format_date(day), format_year_month(best_first),
                     format_year_month(best_last), kIsolatedGapMonths)});
  };
  std::erase_if(history.opportunities, [&](const calibration::Opportunity& o) {
    if (!outside(o.created) && !outside(o.closed)) return false;
    reject(opportunity_file, o.line, outside(o.created) ? *o.created : *o.closed);
    return true;
  });
  std::erase_if(history.bookings, [&](const calibration::Booking& b) {
    if (!outside(b.day)) return false;
    reject(booking_file, b.line, b.day);
    return true;
  });
  report.opportunities_kept = history.opportunities.size();
  report.bookings_kept = history.bookings.size();
  // The export's own date is its last remaining row's, not an isolated one's.
  history.snapshot_day = 0;
  history.snapshot_day = std::max(history.last_dated_day(), 0);
}

//! The stage (or status) values a history's rows carry, for checking the stages a user names.
class StageTally {
 public:
  void add(const std::string& text, const std::string& file) {
    auto [it, inserted] = seen_.try_emplace(name_key(text), Seen{text, 0});
    ++it->second.rows;
    if (std::find(files_.begin(), files_.end(), file) == files_.end()) files_.push_back(file);
  }
  //! InputError when no row carries `stage`, listing the values present.
  void require(const std::string& stage, const char* option) const {
    if (seen_.count(name_key(stage))) return;
    if (seen_.empty()) {
      throw_input(
          "{} '{}': the history has no stage or status column to match it against (map "
          "one with --map stage=COLUMN)",
          option, stage);
    }
    std::string values;
    std::size_t listed = 0;
    for (const auto& [key, seen] : seen_) {
      if (++listed > 12) {
        values += fmt::format(", and {} more", seen_.size() - 12);
        break;
      }
      values +=
          fmt::format("{}'{}' ({} row{})", listed > 1 ? ", " : "", seen.text,
                      format_grouped(static_cast<double>(seen.rows)), seen.rows == 1 ? "" : "s");
    }
    throw_input("{} '{}' matches no stage or status in {} (values present: {})", option, stage,
                fmt::format("{}", fmt::join(files_, ", ")), values);
  }

 private:
  struct Seen {
    std::string text;  //!< the first spelling seen
    std::size_t rows = 0;
  };
  std::map<std::string, Seen> seen_;
  std::vector<std::string> files_;
};

}  // namespace

std::size_t ReadReport::rejected() const {
  return static_cast<std::size_t>(
      std::count_if(issues.begin(), issues.end(), [](const RowIssue& i) { return i.rejected; }));
}
std::size_t ReadReport::repaired() const {
  return issues.size() - rejected();
}

std::string name_key(std::string_view name) {
  std::string key;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)))
      key.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return key;
}

std::optional<int> parse_date(std::string_view text, bool day_first) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  // Drop a time of day: "2017-03-01T10:00:00", "2017-03-01 10:00", "3/1/2017 10:00 AM".
  if (auto t = text.find('T'); t == 10 && text.size() > 10) text = text.substr(0, 10);
  if (auto colon = text.find(':'); colon != std::string_view::npos) {
    auto space = text.rfind(' ', colon);
    if (space == std::string_view::npos) return std::nullopt;
    text = trim(text.substr(0, space));
  }
  const auto parts = split_any(text, "-/. ,");
  if (parts.size() != 3) return std::nullopt;
  const auto a = to_int(parts[0]), b = to_int(parts[1]), c = to_int(parts[2]);
  if (a && b && c) {
    if (parts[0].size() == 4) return civil(*a, *b, *c);  // year first
    if (parts[2].size() != 4) return std::nullopt;
    const bool dots = text.find('.') != std::string_view::npos;
    bool day_month = day_first || dots;
    if (*a > 12 && *b <= 12) day_month = true;
    if (*b > 12 && *a <= 12) day_month = false;
    return day_month ? civil(*c, *b, *a) : civil(*c, *a, *b);
  }
  // A month name: 1-Mar-2017, 1 Mar 2017, Mar 1 2017, 2017-Mar-01.
  if (a && !b && c) {
    const int month = month_from_name(parts[1]);
    if (!month) return std::nullopt;
    return parts[0].size() == 4 ? civil(*a, month, *c) : civil(*c, month, *a);
  }
  if (!a && b && c) {
    const int month = month_from_name(parts[0]);
    if (!month) return std::nullopt;
    return civil(*c, month, *b);
  }
  return std::nullopt;
}

std::optional<std::pair<int, int>> day_month_parts(std::string_view text) {
  text = trim(text);
  if (text.find('.') != std::string_view::npos) return std::nullopt;  // 4.3.2017: day first
  if (auto space = text.find(' '); space != std::string_view::npos) text = text.substr(0, space);
  const auto parts = split_any(text, "-/");
  if (parts.size() != 3 || parts[2].size() != 4) return std::nullopt;
  const auto a = to_int(parts[0]), b = to_int(parts[1]);
  if (!a || !b) return std::nullopt;
  return std::pair{*a, *b};
}

namespace {

//! A mark as written beside an amount, as currency_of() names it ("" for none).
std::string normalised_mark(std::string_view written) {
  std::string mark(written);
  std::erase_if(mark, [](char c) { return c == '-' || c == '+' || c == ' '; });
  // Spreadsheets in French or German put a no-break space (U+00A0) or a narrow one (U+202F)
  // before the symbol: "1 054 €" is in €, not in " €" (review).
  for (const std::string_view space : {"\xC2\xA0", "\xE2\x80\xAF"}) {
    for (auto at = mark.find(space); at != std::string::npos; at = mark.find(space))
      mark.erase(at, space.size());
  }
  // "Fr." and "Rs." are written with their dot.
  if (mark.size() > 1 && mark.back() == '.') mark.pop_back();
  // Review: "R$", "A$", "C$", "kr" or "dollars" were not checked against the row's currency.
  static const std::map<std::string, std::string, std::less<>> kSymbols{
      {"\xE2\x82\xAC", "EUR"},
      {"\xC2\xA3", "GBP"},
      {"\xE2\x82\xB9", "INR"},
      {"US$", "USD"},
      {"C$", "CAD"},
      {"CA$", "CAD"},
      {"A$", "AUD"},
      {"AU$", "AUD"},
      {"NZ$", "NZD"},
      {"HK$", "HKD"},
      {"S$", "SGD"},
      {"R$", "BRL"},
      {"R", "ZAR"},
      {"Fr", "CHF"},
      {"Ft", "HUF"},
      {"lei", "RON"},
      {"z\xC5\x82", "PLN"},
      {"K\xC4\x8D", "CZK"},
      {"euro", "EUR"},
      {"euros", "EUR"},
      {"Euro", "EUR"},
      {"Euros", "EUR"},
      {"EURO", "EUR"},
      {"dollars", "$"},
      {"Dollars", "$"},
      {"Kr", "kr"},
      {"\xEF\xBF\xA5", "\xC2\xA5"}};  // the fullwidth yen sign
  if (auto it = kSymbols.find(mark); it != kSymbols.end()) return it->second;
  return mark;
}

}  // namespace

std::pair<std::string, std::string> currency_marks(std::string_view text) {
  text = trim(text);
  const std::size_t first = text.find_first_of("0123456789");
  if (first == std::string_view::npos) return {};
  const std::size_t last = text.find_last_of("0123456789");
  return {normalised_mark(trim(text.substr(0, first))),
          normalised_mark(trim(text.substr(last + 1)))};
}

std::string currency_of(std::string_view text) {
  const auto [front, back] = currency_marks(text);
  if (front.empty() || back.empty() || front == back) return front.empty() ? back : front;
  // "$5000 USD": the code the other mark may stand for.
  if (mark_may_be(front, back)) return back;
  if (mark_may_be(back, front)) return front;
  return front + " " + back;  // two currencies: a mark opsim does not know
}

std::vector<std::string_view> currencies_of_mark(std::string_view mark) {
  if (mark == "$")
    return {"USD", "CAD", "AUD", "NZD", "HKD", "SGD", "MXN", "ARS", "CLP", "COP", "TWD"};
  if (mark == "kr") return {"SEK", "NOK", "DKK", "ISK"};
  if (mark == "Rs") return {"INR", "PKR", "LKR", "NPR"};
  if (mark == "\xC2\xA5") return {"JPY", "CNY"};
  if (is_currency_code(mark)) return {mark};
  return {};
}

bool mark_may_be(std::string_view mark, std::string_view code) {
  const std::vector<std::string_view> can = currencies_of_mark(mark);
  return std::find(can.begin(), can.end(), code) != can.end();
}

std::string mark_name(std::string_view mark) {
  if (mark == "$") return "dollars";
  const std::vector<std::string_view> can = currencies_of_mark(mark);
  if (can.size() < 2) return std::string(mark);
  std::vector<std::string_view> head(can.begin(), can.end() - 1);
  return fmt::format("{} ({} or {})", mark, fmt::join(head, ", "), can.back());
}

namespace {

//! Whether the numeric dates of a table's `columns` put the day first: --day-first, else what
//! its unambiguous values show (25/3/2017: the day; 3/25/2017: the month), the majority when
//! both occur, with a warning; the month when none does. Each value that shows its order is
//! read so (parse_date); this decides the others (review: a day-first export's dates with a day
//! up to 12 were read month first, in silence).
bool dates_day_first(const CsvTable& table,
                     std::initializer_list<std::optional<std::size_t>> columns, bool given,
                     ReadReport& report) {
  std::array<std::size_t, 2> shown{0, 0};  // day first, month first
  std::array<const CsvRow*, 2> first{nullptr, nullptr};
  std::array<std::size_t, 2> first_column{0, 0};
  for (const CsvRow& row : table.rows()) {
    for (const auto& column : columns) {
      if (!column || *column >= row.fields.size()) continue;
      const auto parts = day_month_parts(row.fields[*column]);
      if (!parts) continue;
      const auto [a, b] = *parts;
      const int k = a > 12 && b <= 12 ? 0 : b > 12 && a <= 12 ? 1 : -1;
      if (k < 0) continue;
      ++shown[static_cast<std::size_t>(k)];
      if (first[static_cast<std::size_t>(k)] == nullptr) {
        first[static_cast<std::size_t>(k)] = &row;
        first_column[static_cast<std::size_t>(k)] = *column;
      }
    }
  }
  // --day-first decides the dates that show neither order; values that show the month first
  // contradict it, and are named (review: a month-first export read with --day-first had 5,952
  // dates read month first and 4,042 day first, in silence).
  if (given) {
    if (shown[1] > 0) {
      report.warnings.push_back(fmt::format(
          "{}: --day-first is given but {} dates put the month first ('{}' on line {}): each is "
          "read as it shows, and the dates that show neither (day 12 or less) day first; check "
          "the export's date format (without --day-first the file's own dates decide)",
          table.name(), format_grouped(static_cast<double>(shown[1])),
          table.text(*first[1], first_column[1]), first[1]->line));
    }
    return true;
  }
  const bool day_first = shown[0] > shown[1];
  if (shown[0] > 0 && shown[1] > 0) {
    report.warnings.push_back(fmt::format(
        "{}: {} dates put the day first ('{}' on line {}) and {} the month ('{}' on line {}): "
        "each is read as it shows, and the dates that show neither (day 12 or less) with the {} "
        "first, as most do; check the export's date format (--day-first)",
        table.name(), format_grouped(static_cast<double>(shown[0])),
        table.text(*first[0], first_column[0]), first[0]->line,
        format_grouped(static_cast<double>(shown[1])), table.text(*first[1], first_column[1]),
        first[1]->line, day_first ? "day" : "month"));
  }
  return day_first;
}

}  // namespace

std::string plain_spaces(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.substr(i, 2) == "\xC2\xA0") {
      out.push_back(' ');
      i += 1;
    } else if (text.substr(i, 3) == "\xE2\x80\xAF") {
      out.push_back(' ');
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::optional<double> parse_amount(std::string_view text, bool& repaired, char decimal) {
  repaired = false;
  text = trim(text);
  if (text.empty()) return std::nullopt;
  if (decimal == '.') {
    if (auto v = parse_number(text)) return v;
  }
  // The scenario's mapped-number rules, with currency marks and any thousands separator allowed.
  const std::string spaced = plain_spaces(text);
  CsvSource format;
  format.currency_symbols = true;
  format.decimal = decimal;
  for (const char separator : {decimal == '.' ? ',' : '.', ' ', '\''}) {
    format.thousands = std::string(1, separator);
    if (auto v = parse_source_number(spaced, format)) {
      repaired = text.find_first_not_of("0123456789+-") != std::string_view::npos;
      return v;
    }
  }
  return std::nullopt;
}

namespace {

//! The decimal mark of one amount column, decided once from all of its values: the one given
//! (--decimal, mapping-file key "decimal"), else the one most of its values show by their form
//! (decimal_mark_shown: "1.234,50" and "12,5" show ',', "1,234.50" and "12.5" show '.'), else '.'.
//! A value showing the other mark is rejected rather than read two ways in one column; a column
//! whose only dotted values have three digits after the dot ("475.000 €") is read with '.' and
//! a warning says so.
class AmountColumn {
 public:
  //! With `outliers`, amounts far above the column's median are named in a warning.
  AmountColumn(const CsvTable& table, std::optional<std::size_t> column, char given,
               ReadReport& report, bool outliers = false) {
    if (!column) return;
    const std::string& header = table.header()[*column];
    std::array<std::size_t, 2> shown{0, 0};  // values showing '.', ','
    std::array<const CsvRow*, 2> first{nullptr, nullptr};
    // Values with three digits after their only '.' (or ','): a mark would read them as three
    // decimals, which in exports are far more often thousands ("8.231 €").
    std::array<std::size_t, 2> three{0, 0};
    std::array<const CsvRow*, 2> first_three{nullptr, nullptr};
    bool separated = false;  // a value whose reading depends on the mark
    // A ';'-separated file is a spreadsheet's where ',' is the decimal mark: its default.
    const char fallback = table.separator() == ';' ? ',' : '.';
    for (const CsvRow& row : table.rows()) {
      if (*column >= row.fields.size()) continue;
      const std::string& text = row.fields[*column];
      bool repaired = false;
      const char mark = decimal_mark_shown(text);
      if (mark != 0 && parse_amount(text, repaired, mark)) {
        const std::size_t k = mark == ',' ? 1 : 0;
        ++shown[k];
        if (first[k] == nullptr) first[k] = &row;
      } else if (mark == 0 && text.find_first_of(".,") != std::string::npos &&
                 parse_amount(text, repaired, '.') && parse_amount(text, repaired, ',')) {
        // Read either way ("0.125" is not: 0 does not lead a thousands group).
        const std::size_t k = text.find(',') != std::string::npos ? 1 : 0;
        ++three[k];
        if (first_three[k] == nullptr) first_three[k] = &row;
      }
      if (mark == 0 && text.find_first_of(".,") != std::string::npos) separated = true;
    }
    decimal_ = given != 0            ? given
               : shown[1] > shown[0] ? ','
               : shown[0] > shown[1] ? '.'
                                     : fallback;
    const std::size_t mine = decimal_ == ',' ? 1 : 0;
    const char other = decimal_ == ',' ? '.' : ',';
    if (first[mine] != nullptr)
      example_ =
          fmt::format("'{}' on line {}", table.text(*first[mine], *column), first[mine]->line);
    if (outliers) survey_amounts(table, *column, report);
    if (given != 0) return;
    // More values read as three decimals than values showing the mark (review: one '12.50 €'
    // decided that 432 amounts such as '8.231 €' were 8.231), or as many and a hundred times
    // smaller in the median (216 '82.310' beside 216 '8231.07'): refused, not guessed.
    // Superstore: 3,966 such values beside 5,900, medians 48.8 and 58.5.
    auto median_of = [&](bool three_decimals) {
      std::vector<double> values;
      for (const CsvRow& row : table.rows()) {
        if (*column >= row.fields.size()) continue;
        const std::string& text = row.fields[*column];
        const char mark = decimal_mark_shown(text);
        bool repaired = false;
        const bool wanted = three_decimals ? mark == 0 && text.find(decimal_) != std::string::npos
                                           : mark == decimal_;
        if (!wanted) continue;
        if (auto v = parse_amount(text, repaired, decimal_)) values.push_back(*v);
      }
      if (values.empty()) return 0.0;
      const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
      std::nth_element(values.begin(), middle, values.end());
      return *middle;
    };
    if (three[mine] > shown[mine] ||
        (three[mine] > 0 && 100 * median_of(true) < median_of(false))) {
      const std::string& text = table.text(*first_three[mine], *column);
      bool repaired = false;
      throw_input(
          "{}: column '{}': {} {} three digits after a '{}' (e.g. '{}' on line {}: {} with '{}' as "
          "the decimal mark, {} with '{}'), and {} {} the mark{}: give --decimal . or --decimal "
          ", (mapping file: \"decimal\")",
          table.name(), header, format_grouped(static_cast<double>(three[mine])),
          three[mine] == 1 ? "amount has" : "amounts have", decimal_, text, first_three[mine]->line,
          format_grouped_trimmed(*parse_amount(text, repaired, decimal_)), decimal_,
          format_grouped_trimmed(parse_amount(text, repaired, other).value_or(0)), other,
          shown[mine] == 0 ? std::string("none") : format_grouped(static_cast<double>(shown[mine])),
          shown[mine] == 1 ? "shows" : "show",
          example_.empty() ? "" : fmt::format(" ({})", example_));
    }
    // A ';' file of whole numbers reads the same either way: nothing to say.
    if (decimal_ == '.' || (shown[1] == 0 && !separated)) return;
    report.warnings.push_back(fmt::format(
        "{}: column '{}': amounts read with ',' as the decimal mark and '.' or ' ' between "
        "thousands, as {}; give --decimal . if that is wrong",
        table.name(), header,
        shown[1] > 0 ? fmt::format("{} of its values show (e.g. {})",
                                   format_grouped(static_cast<double>(shown[1])), example_)
                     : std::string("the file separates its fields by ';' (spreadsheets do so "
                                   "where ',' is the decimal mark)")));
  }

  //! One pass over the amounts as read: the currencies they carry are counted
  //! (ReadReport::currencies), and amounts over kOutlierFactor times the column's median (a
  //! typo, a missing decimal mark, another currency: a 1e15 among hundreds was fitted silently)
  //! are kept and named, largest first, in a warning.
  void survey_amounts(const CsvTable& table, std::size_t column, ReadReport& report) const {
    constexpr double kOutlierFactor = 10'000;
    constexpr std::size_t kLeast = 10, kNamed = 3;        // amounts for a median; outliers named
    std::vector<std::pair<double, std::size_t>> amounts;  // (amount, line)
    for (const CsvRow& row : table.rows()) {
      if (column >= row.fields.size()) continue;
      bool repaired = false;
      std::string reason;
      const auto v = read(row.fields[column], repaired, reason);
      if (!v) continue;  // currencies of the amounts read only
      if (std::string mark = currency_of(row.fields[column]); !mark.empty())
        ++report.currencies[mark];
      if (*v > 0) amounts.emplace_back(*v, row.line);
    }
    if (amounts.size() < kLeast) return;
    std::vector<double> values;
    for (const auto& a : amounts) values.push_back(a.first);
    const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
    std::nth_element(values.begin(), middle, values.end());
    const double median = *middle;
    std::vector<std::pair<double, std::size_t>> far;
    for (const auto& a : amounts)
      if (a.first > kOutlierFactor * median) far.push_back(a);
    if (far.empty()) return;
    std::stable_sort(far.begin(), far.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<std::string> named;
    for (std::size_t i = 0; i < far.size() && i < kNamed; ++i)
      named.push_back(
          fmt::format("{} on line {}", format_grouped_trimmed(far[i].first, 2), far[i].second));
    report.warnings.push_back(fmt::format(
        "{}: column '{}': {} over {} times the column's median {} ({}{}): kept, but a typo, a "
        "missing decimal mark or another currency would distort the deal sizes",
        table.name(), table.header()[column],
        format_count(static_cast<long long>(far.size()), "amount"), format_grouped(kOutlierFactor),
        format_grouped_trimmed(median, 2), fmt::join(named, ", "),
        far.size() > kNamed ? fmt::format(", and {} more", far.size() - kNamed) : ""));
  }

  //! The amount in `text`, or nothing with `reason` saying why.
  std::optional<double> read(std::string_view text, bool& repaired, std::string& reason) const {
    const char mark = decimal_mark_shown(text);
    if (mark != 0 && mark != decimal_) {
      reason = fmt::format(
          "mixed decimal marks: amount '{}' is written with '{}' as its decimal mark, the column "
          "with "
          "'{}'{}",
          text, mark, decimal_, example_.empty() ? "" : fmt::format(" (e.g. {})", example_));
      return std::nullopt;
    }
    auto value = parse_amount(text, repaired, decimal_);
    if (!value || *value < 0) {
      // What is read, and why a unit or scale word is not (review: "$1.5M" was only "not a
      // non-negative number", where calibration.md promises the reason).
      std::string word;
      for (const char c : text)
        if (std::isalpha(static_cast<unsigned char>(c)) != 0) word += c;
      reason = !word.empty()
                   ? fmt::format(
                         "amount '{}' carries a word or unit that is not a currency ('{}'): "
                         "a scale word or unit is not read, and the amount is not guessed "
                         "(write it in full, e.g. 1500000)",
                         shown_value(text), word)
                   : fmt::format(
                         "amount '{}' is not a non-negative number (read: 12500, 12,500.00, "
                         "1.234,50 €, $1,234, 1 054 EUR)",
                         shown_value(text));
    }
    return value;
  }

 private:
  char decimal_ = '.';
  std::string example_;  //!< a value showing the column's mark, and where
};

}  // namespace

HistorySource read_history_source(const std::string& path) {
  const nlohmann::json document = read_json_file(path, InputKind::scenario_json);
  const JsonNode root(document, path);
  root.allow_only({"opportunities", "bookings", "reps", "products", "won_stages", "lost_stages",
                   "open_stages", "exclude_stages", "day_first", "decimal"});
  std::string base = std::filesystem::path(path).parent_path().string();
  if (base.empty()) base = ".";
  HistorySource source;
  if (auto n = root.get("opportunities")) source.opportunities = table_source(*n, base);
  if (auto n = root.get("bookings")) source.bookings = table_source(*n, base);
  if (auto n = root.get("reps")) source.reps = table_source(*n, base);
  if (auto n = root.get("products")) source.products = table_source(*n, base);
  if (auto n = root.get("won_stages")) source.won_stages = string_list(*n);
  if (auto n = root.get("lost_stages")) source.lost_stages = string_list(*n);
  if (auto n = root.get("open_stages")) source.open_stages = string_list(*n);
  if (auto n = root.get("exclude_stages")) source.excluded_stages = string_list(*n);
  if (auto n = root.get("day_first")) source.day_first = n->boolean();
  if (auto n = root.get("decimal")) {
    const std::string mark = n->string();
    if (mark != "." && mark != ",") n->fail("\"{}\" is not allowed (\".\" or \",\")", mark);
    source.decimal = mark[0];
  }
  if (!source.opportunities && !source.bookings)
    root.fail("needs \"opportunities\" or \"bookings\"");
  return source;
}

//! Amounts that carry another currency than the scenario's (review: an export with "€" on every
//! amount was written as a USD scenario without a word).
void warn_of_foreign_currencies(ReadReport& read, const std::string& currency) {
  // "$" is the scenario's own when it is a dollar (or peso) currency.
  std::size_t carried = 0;
  std::vector<std::pair<std::size_t, std::string>> foreign;  // (count, currency)
  for (const auto& [mark, n] : read.currencies) {
    carried += n;
    if (mark == currency || mark_may_be(mark, currency)) continue;
    foreign.emplace_back(n, mark);
  }
  if (foreign.empty()) return;
  std::sort(foreign.rbegin(), foreign.rend());
  std::vector<std::string> named;
  for (const auto& [n, mark] : foreign)
    named.push_back(fmt::format("{} in {}", format_grouped(static_cast<double>(n)),
                                mark == "EUR" ? std::string("EUR (or \u20ac)") : mark));
  const bool one = foreign.size() == 1 && foreign.front().first == carried;
  const std::string& code = foreign.front().second;
  const bool iso = code.size() == 3 && std::all_of(code.begin(), code.end(),
                                                   [](char c) { return c >= 'A' && c <= 'Z'; });
  read.warnings.push_back(fmt::format(
      "of the {} amounts that carry a currency, {} {} not the scenario's {}: they are added as "
      "{}{}",
      format_grouped(static_cast<double>(carried)), fmt::join(named, ", "),
      foreign.size() == 1 && foreign.front().first == 1 ? "is" : "are", currency, currency,
      one && iso ? fmt::format(" (give --currency {})", code)
                 : std::string(" (convert them to one currency before calibrating)")));
}

History read_history(const HistorySource& source, ReadReport& report) {
  History history;
  std::optional<RepTable> reps;
  if (source.reps) reps = read_reps(*source.reps, source.encoding);
  Spellings segments, regions;
  if (source.products) {
    const TableSource products = checked_mapping(*source.products, "products");
    const CsvTable table =
        CsvTable::read(products.path, true, source.encoding, InputKind::history_csv);
    const auto name = required_column(table, products, "segment", {"product"});
    const auto price = mapped_column(table, products, "list_price", {"sales_price", "price"});
    const AmountColumn prices(table, price, source.decimal, report);
    for (const auto& row : table.rows()) {
      if (name >= row.fields.size()) continue;
      const std::string product(trim(row.fields[name]));
      if (product.empty()) continue;
      segments.add_reference(product);
      if (price && *price < row.fields.size()) {
        bool repaired = false;
        std::string reason;
        auto value = prices.read(row.fields[*price], repaired, reason);
        if (!value || *value < 0) {
          throw_input("{}: column '{}': '{}' is not a price ({})", table.where(row),
                      table.header()[*price], row.fields[*price], reason);
        }
        history.list_price[product] = *value;
      }
    }
  }
  std::set<std::string> won, lost, open, excluded;
  for (const auto& s : source.excluded_stages) excluded.insert(name_key(s));
  for (const auto& s : source.won_stages) won.insert(name_key(s));
  for (const auto& s : source.lost_stages) lost.insert(name_key(s));
  for (const auto& s : source.open_stages) open.insert(name_key(s));
  // A stage means one thing (review: --won-stage Won --lost-stage Won was read as won).
  // A lost stage may also be left out (a bookings log leaves out its lost lines anyway); a won
  // or open one may not (review: --won-stage Won --exclude-stage Won fitted a 0% win rate).
  const std::pair<const char*, const std::vector<std::string>*> meanings[] = {
      {"won", &source.won_stages},
      {"lost", &source.lost_stages},
      {"open", &source.open_stages},
      {"exclude", &source.excluded_stages}};
  for (std::size_t a = 0; a < std::size(meanings); ++a) {
    for (std::size_t b = a + 1; b < std::size(meanings); ++b) {
      if (meanings[a].second == &source.lost_stages &&
          meanings[b].second == &source.excluded_stages)
        continue;
      for (const std::string& stage : *meanings[a].second) {
        for (const std::string& other : *meanings[b].second) {
          if (name_key(stage) != name_key(other)) continue;
          throw_input(
              "--{0}-stage and --{1}-stage (or {0}_stages and {1}_stages) both name '{2}': a "
              "stage is won, lost or open, not two of them, and a won or open stage is not left "
              "out",
              meanings[a].first, meanings[b].first,
              stage == other ? stage : fmt::format("{}' and '{}", stage, other));
        }
      }
    }
  }
  if (!source.open_stages.empty()) report.earliest_open_stage = source.open_stages.front();
  int last_day = 0;
  StageTally stages_seen;
  std::string opportunity_file, booking_file;  // for rows left out after reading

  if (source.opportunities) {
    const TableSource map = checked_mapping(*source.opportunities, "opportunities");
    const CsvTable table = CsvTable::read(map.path, true, source.encoding, InputKind::history_csv);
    Issues issues(report, table);
    opportunity_file = table.name();
    const auto id = mapped_column(table, map, "id", {"opportunity_id"});
    const auto owner = mapped_column(table, map, "owner", {"sales_agent"});
    const auto region = mapped_column(table, map, "region");
    const auto segment = mapped_column(table, map, "segment", {"product"});
    const auto stage = required_column(table, map, "stage", {"deal_stage"});
    const auto created = mapped_column(table, map, "created", {"engage_date", "created_date"});
    const auto closed = required_column(table, map, "closed", {"close_date"});
    const auto amount = mapped_column(table, map, "amount", {"close_value"});
    refuse_shared_columns(table, {{"id", id},
                                  {"owner", owner},
                                  {"region", region},
                                  {"segment", segment},
                                  {"stage", stage},
                                  {"created", created},
                                  {"closed", closed},
                                  {"amount", amount}});
    const AmountColumn amounts(table, amount, source.decimal, report, true);
    const bool day_first = dates_day_first(table, {created, closed}, source.day_first, report);
    if (!region && !(owner && reps)) {
      throw_input(
          "{}:1: no region column and no rep table to find regions from owners (map region=COLUMN "
          "or give --reps)",
          table.name());
    }
    count_spellings(table, segment, region, segments, regions);
    std::set<std::string> ids;
    std::map<std::string, std::size_t> open_by_default;  // stage -> rows read as open by default
    for (const auto& row : table.rows()) {
      ++report.opportunity_rows;
      if (!issues.complete(row)) continue;
      const Fields field{row};
      Opportunity o;
      o.line = row.line;
      o.id = id ? field(id) : fmt::format("line{}", row.line);
      if (o.id.empty()) {
        issues.reject(row, "empty opportunity id");
        continue;
      }
      if (!ids.insert(o.id).second) {
        issues.reject(row,
                      fmt::format("duplicate opportunity id '{}' (the first row is kept)", o.id));
        continue;
      }
      o.owner = field(owner);
      if (region) {
        const std::string raw = field(region);
        o.region = regions.canonical(raw);
        if (!raw.empty() && o.region != raw)
          issues.repair(row, fmt::format("region '{}' read as '{}'", raw, o.region));
      }
      if (o.region.empty() && reps && !o.owner.empty()) {
        auto it = reps->region_by_key.find(name_key(o.owner));
        if (it == reps->region_by_key.end()) {
          issues.reject(row, fmt::format("owner '{}' is not in the rep table {}", o.owner,
                                         source.reps->path));
          continue;
        }
        if (reps->name_by_key[name_key(o.owner)] != o.owner) {
          issues.repair(row, fmt::format("owner '{}' read as '{}'", o.owner,
                                         reps->name_by_key[name_key(o.owner)]));
          o.owner = reps->name_by_key[name_key(o.owner)];
        }
        o.region = it->second;
      }
      if (o.region.empty()) {
        issues.reject(row, "no region (empty region and no owner in the rep table)");
        continue;
      }
      const std::string raw_segment = segment ? field(segment) : std::string("all");
      o.segment = raw_segment.empty() ? std::string() : segments.canonical(raw_segment);
      if (o.segment.empty()) {
        issues.reject(row,
                      raw_segment.empty()
                          ? std::string("empty segment/product")
                          : fmt::format("product '{}' is not in the product table", raw_segment));
        continue;
      }
      if (o.segment != raw_segment) {
        issues.repair(row, fmt::format("product '{}' read as '{}' (spelling normalised)",
                                       raw_segment, o.segment));
      }
      const std::string stage_text = field(stage);
      const std::string stage_key = name_key(stage_text);
      stages_seen.add(stage_text, table.name());
      if (excluded.count(stage_key)) {
        issues.reject(row, fmt::format("stage '{}' is excluded (--exclude-stage)", stage_text));
        continue;
      }
      if (won.count(stage_key)) {
        o.outcome = Outcome::won;
      } else if (lost.count(stage_key)) {
        o.outcome = Outcome::lost;
      } else if (open.empty() || open.count(stage_key)) {
        o.outcome = Outcome::open;
        if (open.empty()) ++open_by_default[stage_text];
      } else {
        issues.reject(row,
                      fmt::format("stage '{}' is not a known won, lost or open stage", stage_text));
        continue;
      }
      if (created && !field(created).empty()) {
        o.created = parse_date(field(created), day_first);
        if (!o.created) {
          issues.reject(row, not_a_date("created date", field(created)));
          continue;
        }
        last_day = std::max(last_day, *o.created);
      }
      const std::string closed_text = field(closed);
      if (o.outcome != Outcome::open) {
        o.closed = parse_date(closed_text, day_first);
        if (!o.closed) {
          issues.reject(row, closed_text.empty()
                                 ? fmt::format("stage '{}' but no close date", stage_text)
                                 : not_a_date("close date", closed_text));
          continue;
        }
        if (o.created && *o.closed < *o.created) {
          issues.reject(
              row, fmt::format("closed {} before it was created {}", closed_text, field(created)));
          continue;
        }
        last_day = std::max(last_day, *o.closed);
      }
      const std::string amount_text = field(amount);
      if (!amount_text.empty()) {
        bool repaired = false;
        std::string reason;
        o.amount = amounts.read(amount_text, repaired, reason);
        if (!o.amount || *o.amount < 0) {
          issues.reject(row, reason);
          continue;
        }
        if (repaired)
          issues.repair(row, fmt::format("amount '{}' read as {}", amount_text, *o.amount));
      } else if (o.outcome == Outcome::won) {
        issues.repair(
            row,
            "won with an empty amount: kept for win rate and cycle, left out of the deal-size fit");
      }
      history.opportunities.push_back(std::move(o));
    }
    report.opportunities_kept = history.opportunities.size();
    // A stage neither won nor lost is read as open when no open stages are named: one whose name
    // says it is closed ("Lost - No Budget", "Closed - Won") is named with its rows, and so is a
    // history without a single won or lost close (a review found 1,552 lost deals read as open
    // pipeline and a win rate of 100% without a word).
    std::vector<std::string> closed_looking;
    for (const auto& [stage_text, rows] : open_by_default) {
      const std::string key = name_key(stage_text);
      // Words of the closed stages CRMs name ("Disqualified", "Dead", "Cancelled", "Rejected").
      static const std::array<std::string_view, 10> kClosedWords{
          "lost", "won",    "closed", "win",     "disqualif",
          "dead", "cancel", "reject", "abandon", "unqualif"};
      if (std::any_of(kClosedWords.begin(), kClosedWords.end(),
                      [&](std::string_view word) { return key.find(word) != std::string::npos; }))
        closed_looking.push_back(
            fmt::format("'{}' ({} rows)", stage_text, format_grouped(static_cast<double>(rows))));
    }
    if (!closed_looking.empty()) {
      report.warnings.push_back(fmt::format(
          "{}: stage{} {} read as open pipeline (neither a won nor a lost stage); if {} closed "
          "deals, name {} with --won-stage or --lost-stage (or won_stages/lost_stages), or the "
          "open stages with --open-stage",
          table.name(), closed_looking.size() == 1 ? "" : "s", fmt::join(closed_looking, ", "),
          closed_looking.size() == 1 ? "it holds" : "they hold",
          closed_looking.size() == 1 ? "it" : "them"));
    }
    std::size_t closes[2] = {0, 0};  // won, lost
    for (const Opportunity& o : history.opportunities) {
      closes[0] += o.outcome == Outcome::won ? 1 : 0;
      closes[1] += o.outcome == Outcome::lost ? 1 : 0;
    }
    if (closes[0] + closes[1] > 0 && (closes[0] == 0 || closes[1] == 0)) {
      report.warnings.push_back(fmt::format(
          "{}: every close is {} ({} of them): the fitted win rate is {}; an export of {} deals "
          "alone cannot tell how often deals are won (export the {} ones too, or name their "
          "stage with {})",
          table.name(), closes[0] == 0 ? "lost" : "won",
          format_grouped(static_cast<double>(closes[0] + closes[1])),
          closes[0] == 0 ? "0%" : "100%", closes[0] == 0 ? "lost" : "won",
          closes[0] == 0 ? "won" : "lost", closes[0] == 0 ? "--won-stage" : "--lost-stage"));
    }
    // Won deals at 0 count as wins but are left out of the deal sizes (amounts > 0): each
    // forecast win draws a positive amount, so many of them would overstate the bookings.
    std::size_t won = 0, won_at_zero = 0;
    for (const Opportunity& o : history.opportunities) {
      if (o.outcome != Outcome::won || !o.amount) continue;
      ++won;
      won_at_zero += *o.amount == 0 ? 1 : 0;
    }
    if (won_at_zero * 20 > won) {
      report.warnings.push_back(fmt::format(
          "{}: {} of {} won deals with an amount have amount 0 ({:.0f}%): they count as wins but "
          "not in the deal sizes, so the forecast, which draws every win's amount from the "
          "others, overstates new bookings by about that share; leave such rows out (a stage "
          "in --exclude-stage) if they were not sales",
          table.name(), format_grouped(static_cast<double>(won_at_zero)),
          format_grouped(static_cast<double>(won)),
          100.0 * static_cast<double>(won_at_zero) / static_cast<double>(won)));
    }
  }

  if (source.bookings) {
    const TableSource map = checked_mapping(*source.bookings, "bookings");
    const CsvTable table = CsvTable::read(map.path, true, source.encoding, InputKind::history_csv);
    Issues issues(report, table);
    booking_file = table.name();
    const auto date = required_column(table, map, "date", {"order date", "close_date"});
    const auto region = mapped_column(table, map, "region");
    const auto owner = mapped_column(table, map, "owner");
    const auto segment = mapped_column(table, map, "segment");
    const auto amount = required_column(table, map, "amount", {"sales"});
    const auto order = mapped_column(table, map, "id");
    const auto status = mapped_column(table, map, "stage", {"status"});
    refuse_shared_columns(table, {{"date", date},
                                  {"region", region},
                                  {"owner", owner},
                                  {"segment", segment},
                                  {"amount", amount},
                                  {"id", order},
                                  {"stage", status}});
    const AmountColumn amounts(table, amount, source.decimal, report, true);
    const bool day_first = dates_day_first(table, {date}, source.day_first, report);
    if (!region && !(owner && reps))
      throw_input("{}:1: no region column (map region=COLUMN)", table.name());
    count_spellings(table, segment, region, segments, regions);
    std::map<std::string, std::size_t> order_index;
    // Orders with a line rejected for what it holds (not a cancelled line): their total is not
    // known, so the whole order is left out (review: an order of two lines, one unreadable, was
    // fitted at half its amount). Order id -> the first such line.
    std::map<std::string, std::size_t> broken;
    // Per booking, the lines merged into it: an order left out is listed line by line (review:
    // lines 9 to 11 and 13 of a rejected order appeared nowhere and were counted as merged).
    std::vector<std::vector<std::size_t>> merged_lines;
    for (const auto& row : table.rows()) {
      ++report.booking_rows;
      if (!issues.complete(row)) {
        // A ragged line of an order leaves the order's total unknown as well (review: the order
        // was kept with a partial total).
        if (order && *order < row.fields.size() && !row.fields[*order].empty())
          broken.emplace(row.fields[*order], row.line);
        continue;
      }
      const Fields field{row};
      if (status) stages_seen.add(field(status), table.name());
      // A cancelled (lost) or excluded line was never a booking.
      if (const std::string stage_text = field(status);
          lost.count(name_key(stage_text)) || excluded.count(name_key(stage_text))) {
        issues.reject(row, fmt::format("status '{}' is {} (--{}-stage): not a booking", stage_text,
                                       lost.count(name_key(stage_text)) ? "lost" : "excluded",
                                       lost.count(name_key(stage_text)) ? "lost" : "exclude"));
        continue;
      }
      const std::string order_id = field(order);
      auto reject = [&](std::string reason) {
        issues.reject(row, std::move(reason));
        if (!order_id.empty()) broken.emplace(order_id, row.line);
      };
      Booking b;
      b.line = row.line;
      const auto day = parse_date(field(date), day_first);
      if (!day) {
        reject(not_a_date("date", field(date)));
        continue;
      }
      b.day = *day;
      const std::string raw_region = field(region);
      b.region = regions.canonical(raw_region);
      if (b.region.empty() && reps) {
        auto it = reps->region_by_key.find(name_key(field(owner)));
        if (it != reps->region_by_key.end()) b.region = it->second;
      }
      if (b.region.empty()) {
        reject("no region");
        continue;
      }
      if (b.region != raw_region && !raw_region.empty()) {
        issues.repair(row, fmt::format("region '{}' read as '{}'", raw_region, b.region));
      }
      const std::string raw_segment = segment ? field(segment) : std::string("all");
      b.segment = raw_segment.empty() ? std::string() : segments.canonical(raw_segment);
      if (b.segment.empty()) {
        reject(raw_segment.empty()
                   ? std::string("empty segment")
                   : fmt::format("segment '{}' is not in the product table", raw_segment));
        continue;
      }
      if (b.segment != raw_segment)
        issues.repair(row, fmt::format("segment '{}' read as '{}' (spelling normalised)",
                                       raw_segment, b.segment));
      bool repaired = false;
      std::string reason;
      const auto value = amounts.read(field(amount), repaired, reason);
      if (!value || *value < 0) {
        reject(field(amount).empty() ? std::string("empty amount (a booking needs one)") : reason);
        continue;
      }
      if (repaired)
        issues.repair(row, fmt::format("amount '{}' read as {}", field(amount), *value));
      b.amount = *value;
      last_day = std::max(last_day, b.day);
      if (!order_id.empty()) {
        auto [it, inserted] = order_index.emplace(order_id, history.bookings.size());
        if (!inserted) {
          Booking& first = history.bookings[it->second];
          if (first.region != b.region || first.day != b.day) {
            reject(fmt::format("order '{}' appears with another region or date than on line {}",
                               order_id, first.line));
            continue;
          }
          first.amount += b.amount;  // one order, one deal: its lines are summed
          ++report.merged_order_lines;
          merged_lines[it->second].push_back(row.line);
          continue;
        }
      }
      history.bookings.push_back(std::move(b));
      merged_lines.emplace_back();
    }
    // Left out after reading: orders with a rejected line, and bookings of nothing. A zero
    // total is not a deal: counted, it would raise the fitted rate while the deal sizes (of
    // amounts > 0) leave it out (review: two thirds of a log at 0,00 EUR gave a forecast 3x
    // the history).
    std::vector<bool> drop(history.bookings.size(), false);
    std::set<std::size_t> dropped_lines;
    // Booking i is left out with every line merged into it, each listed with the reason.
    auto leave_out = [&](std::size_t i, const std::string& reason) {
      drop[i] = true;
      report.issues.push_back({table.name(), history.bookings[i].line, true, reason});
      dropped_lines.insert(history.bookings[i].line);
      for (const std::size_t merged : merged_lines[i]) {
        report.issues.push_back({table.name(), merged, true, reason});
        dropped_lines.insert(merged);
        --report.merged_order_lines;
      }
    };
    for (const auto& [id, line] : broken) {
      const auto it = order_index.find(id);
      if (it == order_index.end()) continue;
      leave_out(it->second,
                fmt::format("order '{}' left out: its line {} was rejected, so its total is not "
                            "known",
                            id, line));
    }
    for (std::size_t i = 0; i < history.bookings.size(); ++i) {
      if (drop[i] || history.bookings[i].amount != 0) continue;
      leave_out(i,
                "amount 0: a booking of nothing is not a deal (left out of the counts as it is of "
                "the deal sizes)");
    }
    // A row left out is rejected, not also repaired (review: "288 rejected, 432 repaired").
    std::erase_if(report.issues, [&](const RowIssue& issue) {
      return !issue.rejected && issue.file == table.name() && dropped_lines.count(issue.line) > 0;
    });
    std::size_t kept = 0;
    for (std::size_t i = 0; i < history.bookings.size(); ++i) {
      if (drop[i]) continue;
      if (kept != i) history.bookings[kept] = std::move(history.bookings[i]);
      ++kept;
    }
    history.bookings.resize(kept);
    report.bookings_kept = history.bookings.size();
  }
  // A table none of whose rows could be read leaves nothing to fit: say why here, with the
  // first rows' reasons, rather than "nothing is visible as of the cut-off" later.
  // A table with a header and no rows is an export of nothing (review: blamed on a stage column
  // that the header has).
  auto no_rows = [](const std::string& file, std::size_t rows) {
    if (!file.empty() && rows == 0)
      throw_input("{}: the file has a header but no rows (an export of nothing?)", file);
  };
  no_rows(opportunity_file, report.opportunity_rows);
  no_rows(booking_file, report.booking_rows);
  // The rows rejected: their count and the first few, each with its file, line and reason.
  auto rejected_rows = [&report] {
    std::pair<std::size_t, std::string> first{0, ""};
    for (const RowIssue& issue : report.issues) {
      if (!issue.rejected) continue;
      if (++first.first <= 3)
        first.second += fmt::format("\n  {}:{}: {}", issue.file, issue.line, issue.reason);
    }
    return first;
  };
  auto none_usable = [&](std::size_t rows, std::size_t kept, const char* table) {
    if (rows == 0 || kept > 0) return;
    const auto [rejected, reasons] = rejected_rows();
    if (rejected == 0) return;
    throw_input("none of the {} rows of the {} table could be read ({} rejected); the first:{}",
                format_grouped(static_cast<double>(rows)), table,
                format_grouped(static_cast<double>(rejected)), reasons);
  };
  none_usable(report.opportunity_rows, report.opportunities_kept, "opportunities");
  none_usable(report.booking_rows, report.bookings_kept, "bookings");
  // Open deals read but every closed one rejected: nothing to fit rates on, and the fit would
  // only say "nothing is visible as of the cut-off" (review: every close date written 20170301).
  const bool any_closed =
      !history.bookings.empty() ||
      std::any_of(history.opportunities.begin(), history.opportunities.end(),
                  [](const Opportunity& o) { return o.outcome != Outcome::open; });
  if (!any_closed) {
    const auto [rejected, reasons] = rejected_rows();
    if (rejected > 0) {
      throw_input(
          "no closed deal or booking could be read: {} rows were rejected, and the {} read are "
          "all open; the first rejected:{}",
          format_grouped(static_cast<double>(rejected)),
          format_grouped(static_cast<double>(history.opportunities.size())), reasons);
    }
  }
  // Many rows rejected: the rates are fitted on the rest and would read low (review: 198 of 432
  // bookings rejected for mixed decimal marks fitted a level 40% too low without a warning).
  auto many_rejected = [&report](const std::string& file, std::size_t rows) {
    if (file.empty() || rows == 0) return;
    const auto rejected = static_cast<std::size_t>(
        std::count_if(report.issues.begin(), report.issues.end(),
                      [&](const RowIssue& i) { return i.rejected && i.file == file; }));
    if (rejected * 20 <= rows) return;  // at most 5%
    report.warnings.push_back(fmt::format(
        "{}: {} of {} rows rejected ({:.1f}%): rates and deal sizes are fitted on the rows kept "
        "only, and read low where the rejected rows were real deals (the reasons are listed "
        "under rows)",
        file, format_grouped(static_cast<double>(rejected)),
        format_grouped(static_cast<double>(rows)),
        100.0 * static_cast<double>(rejected) / static_cast<double>(rows)));
  };
  many_rejected(opportunity_file, report.opportunity_rows);
  many_rejected(booking_file, report.booking_rows);
  // A stage the user named that no row carries (a misspelling, a status column not read) would
  // silently change nothing: refuse it, listing the values present.
  const HistorySource defaults;
  for (const auto& [given, default_list, option] :
       {std::tuple{&source.won_stages, &defaults.won_stages, "--won-stage (or won_stages)"},
        std::tuple{&source.lost_stages, &defaults.lost_stages, "--lost-stage (or lost_stages)"},
        std::tuple{&source.open_stages, &defaults.open_stages, "--open-stage (or open_stages)"},
        std::tuple{&source.excluded_stages, &defaults.excluded_stages,
                   "--exclude-stage (or exclude_stages)"}}) {
    if (*given == *default_list) continue;
    for (const std::string& stage : *given) stages_seen.require(stage, option);
  }
  history.snapshot_day = last_day;
  leave_out_isolated_dates(history, report, opportunity_file, booking_file);
  return history;
}

}  // namespace opsim
