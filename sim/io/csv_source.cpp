#include "sim/io/csv_source.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

#include <fmt/format.h>

#include "models/calibration/history.hpp"
#include "sim/base/control_character.hpp"
#include "sim/base/error.hpp"
#include "sim/base/grouped.hpp"
#include "sim/io/history_reader.hpp"
#include "sim/io/number_format.hpp"

namespace opsim {

bool is_currency_code(std::string_view code) {
  // The codes of ISO 4217's list of current currencies and funds (2024), HRK (replaced in 2023)
  // kept for older exports; three capitals that name no currency ("XYZ") are refused (review).
  static constexpr std::array<std::string_view, 183> kCodes{
      "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
      "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD",
      "CAD", "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUC", "CUP",
      "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP",
      "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HRK", "HTG", "HUF", "IDR",
      "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW",
      "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA",
      "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD",
      "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG",
      "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE",
      "SLL", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP",
      "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED",
      "VES", "VND", "VUV", "WST", "XAF", "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XCD", "XCG",
      "XDR", "XOF", "XPD", "XPF", "XPT", "XSU", "XTS", "XUA", "XXX", "YER", "ZAR", "ZMW", "ZWG",
      "ZWL"};
  return std::binary_search(kCodes.begin(), kCodes.end(), code);
}

std::string currency_code_hint(std::string_view code) {
  std::string upper(code);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper != code && is_currency_code(upper)) return fmt::format("(write {})", upper);
  return "(a code of ISO 4217's list, e.g. USD, EUR, JPY)";
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

//! A currency's name written beside an amount: an ISO 4217 code (three capitals), or a common
//! word or abbreviation. Scale words (k, M, Mio, million) and units are not: an amount carrying
//! one is not read (review: "1,5 Mio €" and "$1.5M" were read as 1.5).
bool is_currency_word(std::string_view word) {
  if (is_currency_code(word)) return true;
  static constexpr std::array<std::string_view, 24> kWords{
      "US",        "C",    "CA",    "A",    "AU",    "NZ",   "HK",      "S",
      "R",         "kr",   "Kr",    "Rs",   "Fr",    "Ft",   "lei",     "z\xC5\x82",
      "K\xC4\x8D", "euro", "euros", "Euro", "Euros", "EURO", "dollars", "Dollars"};
  return std::find(kWords.begin(), kWords.end(), word) != kWords.end();
}

bool is_word_byte(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80 ||
         c == '.';
}

//! `text` without the currency marks at its ends: blanks, "$", symbols (non-ASCII: €, £, ¥) and
//! currency words (is_currency_word; "Rs." and "Fr." with their dot). Nothing when a word at
//! an end is not a currency's.
std::optional<std::string_view> strip_currency(std::string_view text) {
  for (const bool front : {true, false}) {
    while (!text.empty()) {
      const char c = front ? text.front() : text.back();
      if (c == ' ' || c == '$') {
        front ? text.remove_prefix(1) : text.remove_suffix(1);
        continue;
      }
      // A "." ends a word at the back only after a letter ("Fr."): "12." is a number. At the
      // front it starts no word: ".5" is a number (review: read as 5, "$.5" too).
      if (!is_word_byte(c) || (c == '.' && front) ||
          (c == '.' && !front &&
           (text.size() < 2 || !std::isalpha(static_cast<unsigned char>(text[text.size() - 2])))))
        break;
      std::size_t n = 0;
      while (n < text.size() && is_word_byte(front ? text[n] : text[text.size() - 1 - n])) ++n;
      std::string_view word = front ? text.substr(0, n) : text.substr(text.size() - n);
      front ? text.remove_prefix(n) : text.remove_suffix(n);
      while (!word.empty() && word.back() == '.') word.remove_suffix(1);
      while (!word.empty() && word.front() == '.') word.remove_prefix(1);
      const bool symbol = std::none_of(word.begin(), word.end(), [](char ch) {
        return std::isalpha(static_cast<unsigned char>(ch)) != 0;
      });
      if (!symbol && !is_currency_word(word)) return std::nullopt;
    }
  }
  return text;
}

//! Why `format` cannot give a month ("" when it can): strptime's fields are %Y %y (year), %m %b
//! %B %h (month), %D %F (both), %d %e %j %a %A %H %I %M %S %T %p (read, unused), %n %t (blanks)
//! and %%. Review: "%Q" failed every row, one error per row, instead of once where it is set.
std::string date_format_problem(std::string_view format) {
  bool year = false, month = false;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') continue;
    if (++i == format.size()) return "it ends in a lone %";
    const char field = format[i];
    if (std::string_view("YyDF").find(field) != std::string_view::npos) year = true;
    if (std::string_view("mbBhDF").find(field) != std::string_view::npos) month = true;
    if (std::string_view("YymbBhDFdejaAHIMSTpnt%").find(field) == std::string_view::npos)
      return fmt::format("%{} is not a field it knows", field);
  }
  if (!year || !month) return "it needs a year (%Y, %y) and a month (%m, %b, %B)";
  return "";
}

//! The runs of ASCII letters in `text`, in order.
std::vector<std::string_view> words_of(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!std::isalpha(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    std::size_t n = 0;
    while (i + n < text.size() && std::isalpha(static_cast<unsigned char>(text[i + n]))) ++n;
    words.push_back(text.substr(i, n));
    i += n;
  }
  return words;
}

//! The scale word of `text` ("1.5M", "2 Mio", "300k", "1,5 Mio \u20ac"), or "": opsim reads
//! amounts in full only.
std::string scale_word(std::string_view text) {
  static constexpr std::array<std::string_view, 16> kScales{
      "k",   "K",  "M",  "MM", "Mn",       "mn",      "Mio",      "Mrd",
      "Tsd", "bn", "Bn", "B",  "thousand", "million", "millions", "billion"};
  if (text.find_first_of("0123456789") == std::string_view::npos) return "";
  // Any word of the text (review: "1,5 Mio \u20ac", the scale before a currency sign, was missed).
  for (const std::string_view word : words_of(text)) {
    if (std::find(kScales.begin(), kScales.end(), word) != kScales.end()) return std::string(word);
  }
  return "";
}

//! A word of `text` that is neither a currency's (is_currency_word) nor a scale, nor an
//! exponent's "e" ("" when none): "months" in "24 months", "XYZ" in "100 XYZ".
std::string stray_word(std::string_view text) {
  for (const std::string_view word : words_of(text)) {
    if (!is_currency_word(word) && word != "e" && word != "E" &&
        scale_word("1 " + std::string(word)).empty())
      return std::string(word);
  }
  return "";
}

//! True for digits grouped the Indian way, "12,34,567" or "1,00,00,000.50": a last group of
//! three before any decimals, groups of two before it (the first of one or two).
bool lakh_grouped(std::string_view text) {
  if (const auto dot = text.find('.'); dot != std::string_view::npos) text = text.substr(0, dot);
  if (text.starts_with('-')) text.remove_prefix(1);
  std::vector<std::size_t> groups;
  std::size_t size = 0;
  for (const char c : text) {
    if (c == ',') {
      groups.push_back(size);
      size = 0;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      ++size;
    } else {
      return false;
    }
  }
  groups.push_back(size);
  if (groups.size() < 3 || groups.back() != 3 || groups.front() < 1 || groups.front() > 2)
    return false;
  return std::all_of(groups.begin() + 1, groups.end() - 1, [](std::size_t g) { return g == 2; });
}

//! `text` without its grouping commas ("12,34,567.50" gives "1234567.50").
std::string digits_of(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c != ',') out += c;
  }
  return out;
}

//! True when the digits of `text` are grouped in threes by spaces, no-break spaces (U+00A0) or
//! narrow no-break spaces (U+202F), as French and Nordic exports write "12 000".
bool space_grouped(std::string_view text) {
  const std::string plain = plain_spaces(text);
  const std::string_view t = trim(plain);
  std::size_t i = t.starts_with('-') || t.starts_with('+') ? 1 : 0;
  std::vector<std::size_t> groups{0};
  for (; i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) || t[i] == ' '); ++i) {
    if (t[i] == ' ') {
      if (groups.back() == 0) break;
      groups.push_back(0);
    } else {
      ++groups.back();
    }
  }
  if (groups.back() == 0) groups.pop_back();  // a space before a currency: not a group
  return groups.size() >= 2 && groups.front() >= 1 && groups.front() <= 3 &&
         std::all_of(groups.begin() + 1, groups.end(), [](std::size_t g) { return g == 3; });
}

}  // namespace

void read_csv_format(const JsonNode& node, CsvSource& source,
                     const std::vector<std::string>& fields) {
  if (auto columns = node.get("columns")) {
    columns->expect_object();
    for (const auto& field : columns->keys()) {
      if (!fields.empty() && std::find(fields.begin(), fields.end(), field) == fields.end()) {
        const std::string suggestion = did_you_mean(field, fields);
        columns->at(field).fail(
            "\"{}\" is not a field of this file{}; its fields are: {}", field,
            suggestion.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", suggestion),
            fmt::join(fields, ", "));
      }
      // null: the field is not read from this file, even where a column bears its name (an
      // export's own "Product" column beside a scenario without products; review).
      const JsonNode column = columns->at(field);
      if (column.json().is_null()) {
        source.columns[field].clear();
        continue;
      }
      source.columns[field] = column.string();
      if (source.columns[field].empty())
        column.fail("\"\" is not a column (null leaves the field unread)");
    }
  }
  if (auto format = node.get("date_format")) {
    source.date_format = format->string();
    if (const std::string problem = date_format_problem(source.date_format); !problem.empty())
      format->fail("\"{}\" is not a date format: {} (strptime fields such as %Y-%m-%d, %d/%m/%Y)",
                   source.date_format, problem);
  }
  if (auto decimal = node.get("decimal")) {
    const std::string mark = decimal->string();
    if (mark != "." && mark != ",") decimal->fail("\"{}\" is not allowed (\".\" or \",\")", mark);
    source.decimal = mark[0];
    source.decimal_given = true;
  }
  if (auto thousands = node.get("thousands")) {
    source.thousands = thousands->string();
    source.thousands_given = true;
    if (source.thousands != "," && source.thousands != "." && source.thousands != " " &&
        source.thousands != "'" && !source.thousands.empty())
      thousands->fail("\"{}\" is not allowed (\",\", \".\", \" \", \"'\" or \"\")",
                      source.thousands);
    if (source.thousands.size() == 1 && source.thousands[0] == source.decimal)
      thousands->fail("\"{}\" is also the decimal mark{}", source.thousands,
                      source.decimal == '.' ? " (for 1.234,50 add \"decimal\": \",\")" : "");
  }
  if (auto symbols = node.get("currency_symbols")) source.currency_symbols = symbols->boolean();
  if (auto stages = node.get("skip_stages")) {
    for (const auto& stage : stages->items()) {
      // Stages match ignoring case and punctuation: an entry of punctuation alone would match
      // the rows with no stage, which must be reported (review: "-" skipped them in silence).
      if (name_key(stage.string()).empty())
        stage.fail(
            "\"{}\" names no stage (skip_stages match by letters and digits, ignoring "
            "case and punctuation)",
            shown_value(stage.string()));
      source.skip_stages.push_back(stage.string());
    }
  }
}

CsvSource read_csv_source(const JsonNode& node, const std::vector<std::string>& fields) {
  CsvSource source;
  const JsonNode path_node = node.is_object() ? node.at("path") : node;
  if (node.is_object()) {
    node.allow_only({"path", "columns", "date_format", "decimal", "thousands", "currency_symbols",
                     "skip_stages"});
    read_csv_format(node, source, fields);
  }
  source.path = path_node.string();
  if (source.path.empty()) path_node.fail("\"\" is not a file name");
  return source;
}

std::optional<std::size_t> mapped_column(const CsvTable& table, const CsvSource& source,
                                         std::string_view field,
                                         std::initializer_list<std::string_view> aliases) {
  if (auto it = source.columns.find(std::string(field)); it != source.columns.end()) {
    if (it->second.empty()) return std::nullopt;  // mapped to null: not read
    if (auto c = table.column(it->second)) return c;
    throw_input("{}:1: column '{}' (mapped to {}) is missing (header: {})", table.name(),
                it->second, field, fmt::join(table.header(), ","));
  }
  if (auto c = table.column(field)) return c;
  for (auto alias : aliases) {
    if (auto c = table.column(alias)) return c;
  }
  return std::nullopt;
}

char decimal_mark_shown(std::string_view text) {
  std::size_t dots = 0, commas = 0, last_dot = 0, last_comma = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '.') {
      ++dots;
      last_dot = i;
    } else if (text[i] == ',') {
      ++commas;
      last_comma = i;
    }
  }
  auto digits_after = [&](std::size_t at) {
    std::size_t n = 0;
    while (at + 1 + n < text.size() && std::isdigit(static_cast<unsigned char>(text[at + 1 + n])))
      ++n;
    return n;
  };
  if (dots > 0 && commas > 0) return last_dot > last_comma ? '.' : ',';  // 1,234.5 / 1.234,5
  if (dots > 1) return ',';    // 1.234.567: dots separate thousands
  if (commas > 1) return '.';  // 1,234,567
  if (dots == 1) return digits_after(last_dot) == 3 ? 0 : '.';
  if (commas == 1) return digits_after(last_comma) == 3 ? 0 : ',';
  return 0;
}

bool looks_like_serial_day(std::string_view text) {
  const auto number = parse_number(text);
  return number && *number == std::floor(*number) && *number >= 1 && *number < 1e6;
}

std::optional<double> parse_source_number(std::string_view text, const CsvSource& source) {
  // With "thousands": " ", a no-break space is one too (review: "12\u00a0000" was refused).
  std::string spaced;
  if (source.thousands == " " && text.find_first_of("\xC2\xE2") != std::string_view::npos) {
    spaced = plain_spaces(text);
    text = spaced;
  }
  text = trim(text);
  if (source.currency_symbols) {
    const auto stripped = strip_currency(text);
    if (!stripped) return std::nullopt;
    text = *stripped;
    if (!text.empty() && text.front() == '-') {
      // "-$45" is -45: the sign may precede the symbol.
      CsvSource plain = source;
      plain.currency_symbols = false;
      std::string_view rest = text.substr(1);
      const auto bare = strip_currency(rest);
      if (!bare) return std::nullopt;
      rest = *bare;
      auto v = parse_source_number(rest, plain);
      return v ? std::optional<double>(-*v) : std::nullopt;
    }
  }
  if (text.empty()) return std::nullopt;
  const std::size_t decimal_at = text.find(source.decimal);
  const std::string_view integer = text.substr(0, decimal_at);
  std::string cleaned;
  if (!source.thousands.empty()) {
    // Separators only between groups of three digits: "1,5" is not a thousands group.
    std::size_t group = 0;
    bool separated = false;
    for (std::size_t i = integer.size(); i-- > 0;) {
      if (integer[i] == source.thousands[0]) {
        if (group != 3) return std::nullopt;
        group = 0;
        separated = true;
      } else {
        ++group;
      }
    }
    if (separated && (group == 0 || group > 3)) return std::nullopt;
    // "0.500" is not 500: a number's leading group is not 0 (review).
    const std::size_t lead = integer.find_first_of("0123456789");
    if (separated && lead != std::string_view::npos && integer[lead] == '0') return std::nullopt;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i < integer.size() && !source.thousands.empty() && c == source.thousands[0]) continue;
    if (c == source.decimal) {
      cleaned.push_back('.');
    } else if (c == '.') {
      return std::nullopt;  // neither the decimal mark nor a thousands separator here
    } else {
      cleaned.push_back(c);
    }
  }
  return parse_number(cleaned);
}

std::optional<int> parse_source_month(std::string_view text, const CsvSource& source,
                                      bool day_first) {
  text = trim(text);
  if (auto month = parse_year_month(text)) return month;
  if (!source.date_format.empty()) {
    std::tm tm{};
    const std::string copy(text);
    const char* end = strptime(copy.c_str(), source.date_format.c_str(), &tm);
    if (!end || *end != '\0') return std::nullopt;
    const int year = tm.tm_year + 1900;
    if (year < 1900 || year > 2999) return std::nullopt;
    // strptime takes any day 1..31 in any month (review: 2027-02-30 was read as February): a
    // format with a day must give a day of that month.
    if (tm.tm_mday != 0 &&
        !std::chrono::year_month_day{std::chrono::year{year},
                                     std::chrono::month{static_cast<unsigned>(tm.tm_mon + 1)},
                                     std::chrono::day{static_cast<unsigned>(tm.tm_mday)}}
             .ok())
      return std::nullopt;
    return year * 12 + tm.tm_mon;
  }
  const auto day = parse_date(text, day_first);
  if (!day) return std::nullopt;
  return calibration::month_of_day(*day);
}

CsvSource CsvSource::for_table(const CsvTable& table) const {
  CsvSource read = *this;
  if (table.separator() == ';' && !decimal_given && !thousands_given) {
    read.decimal = ',';
    read.thousands.assign(1, '.');
  }
  return read;
}

MappedCsv::MappedCsv(const CsvTable& table, CsvSource source)
    : table_(&table), source_(source.for_table(table)) {
  std::optional<std::size_t> stage;
  if (!source_.skip_stages.empty()) {
    stage = mapped_column(table, source_, "stage");
    if (!stage) {
      throw_input(
          "{}:1: skip_stages needs a stage column (map one with \"columns\": {{\"stage\": "
          "COLUMN}}; header: {})",
          table.name(), fmt::join(table.header(), ","));
    }
  }
  std::vector<std::string> skip_keys;
  for (const auto& s : source_.skip_stages) skip_keys.push_back(name_key(s));
  for (const CsvRow& row : table.rows()) {
    if (stage) {
      const std::string& value = table.text(row, *stage);
      if (std::find(skip_keys.begin(), skip_keys.end(), name_key(value)) != skip_keys.end()) {
        ++skipped_[value];
        continue;
      }
    }
    rows_.push_back(std::cref(row));
  }
}

std::size_t MappedCsv::skipped_count() const {
  std::size_t n = 0;
  for (const auto& [stage, count] : skipped_) n += count;
  return n;
}

std::optional<std::size_t> MappedCsv::column(std::string_view field) const {
  const auto c = mapped_column(*table_, source_, field);
  if (!c) return c;
  // A column serves one field (review: with "segment": "Product", product read the segments
  // too, giving baffling row errors). calibrate checks its --map the same way, in its words.
  const auto mapped = source_.columns.find(std::string(field));
  for (const auto& [other, mapped_to] : source_.columns) {
    if (other == field || table_->column(mapped_to) != c) continue;
    if (mapped != source_.columns.end()) {
      throw_input("{}:1: column '{}' is mapped to both {} and {}; give each its own column", name(),
                  header()[*c], std::min<std::string_view>(other, field),
                  std::max<std::string_view>(other, field));
    }
    throw_input(
        "{}:1: column '{}' is mapped to {}, and {} would read it too (by its name); map {} to "
        "its own column (\"columns\": {{\"{}\": COLUMN}})",
        name(), header()[*c], other, field, field, field);
  }
  return c;
}

std::size_t MappedCsv::require_column(std::string_view field) const {
  if (auto c = column(field)) return *c;
  throw_input(
      "{}:1: required column '{}' is missing (map one with \"columns\": {{\"{}\": COLUMN}}; "
      "header: {})",
      name(), field, field, fmt::join(header(), ","));
}

double MappedCsv::read(const CsvRow& row, std::size_t column, bool negative) const {
  const std::string& text = table_->text(row, column);
  if (auto v = parse_source_number(text, source_)) return *v;
  if (text.find_first_not_of(" \t") == std::string::npos)
    throw_input("{}: column '{}': the value is empty (a number is required)", where(row),
                header()[column]);
  // The hint only where the text is a number written with separators or a currency symbol.
  // (Not one holding a line break or another control character: no format reads that.)
  const bool formatted = text.find_first_of("0123456789") != std::string::npos &&
                         text.find_first_not_of("0123456789.-+eE") != std::string::npos &&
                         !control_character(text);
  std::string hint;
  // A currency mark first: "43.500,00 €" needs currency_symbols, whatever its marks (review).
  const bool marked = text.find_first_not_of("0123456789.,' +-eE") != std::string::npos;
  const std::string scale = scale_word(text);
  const std::string_view trimmed = trim(text);
  const std::string word = stray_word(text);
  // A negative number written another way: how to write it, or that the column takes none
  // (review: the advice led to a minus sign the column then refused).
  auto negative_hint = [&](const char* way, std::string_view magnitude) {
    return negative ? fmt::format(" ({}: export it with a minus sign first, -{})", way, magnitude)
                    : fmt::format(" ({}, which this column does not take: it must be >= 0)", way);
  };
  if (formatted && trimmed.starts_with('(') && trimmed.ends_with(')'))
    // Review: "(12,000.00)" was sent to currency_symbols.
    hint = negative_hint("parentheses are accounting notation for a negative number",
                         trimmed.substr(1, trimmed.size() - 2));
  else if (trimmed.size() > 1 && trimmed.back() == '-' &&
           parse_source_number(trimmed.substr(0, trimmed.size() - 1), source_))
    // Review: SAP's trailing minus ("1234-") was "not a finite number".
    hint = negative_hint("a trailing minus, as SAP writes a negative number",
                         trimmed.substr(0, trimmed.size() - 1));
  else if (formatted && lakh_grouped(trimmed))
    // Review: Indian grouping ("12,34,567") was sent to "thousands".
    hint = fmt::format(
        " (digits grouped in lakhs and crores, as in India: export the amount without "
        "separators, {})",
        digits_of(trimmed));
  else if (formatted && !scale.empty())
    // Review: "1.5M" with currency_symbols was "not a finite number".
    hint = fmt::format(
        " (a scale such as '{}' is not read: export the amount in full, e.g. 1500000)", scale);
  else if (formatted && !word.empty())
    // Review: "24 months" was sent to currency_symbols.
    hint = fmt::format(" ('{}' is not read: the column holds a number{} alone)", word,
                       source_.currency_symbols ? " and a currency's symbol or code" : "");
  else if (formatted && space_grouped(text) && source_.thousands != " ")
    // Review: "12 000" (a no-break space between thousands) was sent to currency_symbols.
    hint = " (digits grouped by spaces: set \"thousands\": \" \", which takes no-break spaces too)";
  else if (formatted && !invisible_character(text).empty())
    // Review: "12000" with a zero-width space after it was told to set currency_symbols.
    hint = fmt::format(" (it holds an invisible character, {}, that the export left in: remove it)",
                       invisible_character(text));
  else if (formatted && marked && !source_.currency_symbols)
    hint =
        " (for amounts with a currency, such as $45000 or 45.000 \u20ac, set "
        "\"currency_symbols\": true)";
  else if (table_->separator() == ';' && !source_.decimal_given && !source_.thousands_given &&
           decimal_mark_shown(text) != ',')
    hint =
        " (this ';'-separated file is read with ',' as the decimal mark and '.' between "
        "thousands; for 1234.50 set \"decimal\": \".\")";
  else if (formatted && decimal_mark_shown(text) == ',' && source_.decimal != ',')
    hint = " (for 1.234,50 set \"decimal\": \",\" and \"thousands\": \".\")";
  else if (formatted && source_.thousands.empty() && !source_.currency_symbols)
    hint = " (for 45,000.00 or $45000 set \"thousands\" or \"currency_symbols\")";
  else if (formatted && source_.thousands.empty() && decimal_mark_shown(text) != ',')
    // Review: with currency_symbols on, "5,000" had no hint at all.
    hint = " (for 45,000.00 set \"thousands\": \",\")";
  // With a hint the text is a number written another way: "not read as a number" (review: "is not
  // a finite number" for '7,700').
  throw_input("{}: column '{}': '{}' is {}{}", where(row), header()[column], shown_value(text),
              hint.empty() ? "not a finite number" : "not read as a number as this file is read",
              hint);
}

double MappedCsv::non_negative(const CsvRow& row, std::size_t column) const {
  const double v = read(row, column, false);
  if (v < 0)
    throw_input("{}: column '{}': {} is negative (must be >= 0)", where(row), header()[column],
                text(row, column));
  return v;
}

bool MappedCsv::day_first(std::size_t column) const {
  if (const auto it = day_first_.find(column); it != day_first_.end()) return it->second;
  // Lines of the first date showing each order (day first, month first) and of the first that
  // shows neither.
  std::array<const CsvRow*, 3> first{nullptr, nullptr, nullptr};
  for (const CsvRow& row : rows_) {
    const auto parts = day_month_parts(table_->text(row, column));
    if (!parts) continue;
    const auto [a, b] = *parts;
    const std::size_t k = a > 12 && b <= 12 ? 0 : b > 12 && a <= 12 ? 1 : 2;
    if (first[k] == nullptr) first[k] = &row;
  }
  auto shown = [&](std::size_t k) {
    return fmt::format("'{}' on line {}", shown_value(table_->text(*first[k], column)),
                       first[k]->line);
  };
  const std::string where = fmt::format("{}: column '{}'", name(), header()[column]);
  if (first[0] != nullptr && first[1] != nullptr) {
    throw_input(
        "{}: some dates put the day first ({}), others the month ({}); set \"date_format\" "
        "(e.g. \"%d/%m/%Y\") to say how the export writes them",
        where, shown(0), shown(1));
  }
  if (first[0] == nullptr && first[1] == nullptr && first[2] != nullptr) {
    throw_input(
        "{}: no date shows whether the day or the month comes first ({}: every day is 12 or "
        "less); set \"date_format\" (\"%d/%m/%Y\" or \"%m/%d/%Y\")",
        where, shown(2));
  }
  return day_first_[column] = first[0] != nullptr;
}

void MappedCsv::check_currency(const CsvRow& row, std::size_t column,
                               const std::string& currency) const {
  if (!source_.currency_symbols) return;
  const std::string& text = table_->text(row, column);
  // Each mark on its own (review: "R$ 5000 EUR" in a USD row was taken as one unknown mark); a
  // mark opsim does not know is not checked.
  const auto [front, back] = currency_marks(text);
  auto contradicts = [&](const std::string& m) {
    return !m.empty() && !currencies_of_mark(m).empty() && !mark_may_be(m, currency);
  };
  if (!contradicts(front) && !contradicts(back)) return;
  const std::string& mark = contradicts(front) ? front : back;
  throw_input(
      "{}: column '{}': '{}' is in {}, but the row's currency is {} (its currency column, or "
      "its region's); convert the amount, or give the row its currency",
      where(row), header()[column], shown_value(text), mark_name(mark), currency);
}

namespace {

//! Why `text` is not a month in `source`'s format, where a likely reason shows: a day its month
//! lacks ("February 2027 has no day 30"), a year of two digits; "" otherwise.
std::string month_problem(std::string_view text, const CsvSource& source, bool day_first) {
  text = trim(text);
  const std::string copy(text);
  auto lacks_day = [](int year, int month, int day) -> std::string {
    if (day < 29 || day > 31 || month < 1 || month > 12) return "";
    const std::chrono::year_month_day date{std::chrono::year{year},
                                           std::chrono::month{static_cast<unsigned>(month)},
                                           std::chrono::day{static_cast<unsigned>(day)}};
    if (date.ok()) return "";
    static constexpr std::array<const char*, 12> kNames{
        "January", "February", "March",     "April",   "May",      "June",
        "July",    "August",   "September", "October", "November", "December"};
    return fmt::format("{} {} has no day {}", kNames[static_cast<std::size_t>(month - 1)], year,
                       day);
  };
  if (!source.date_format.empty()) {
    std::tm tm{};
    const char* end = strptime(copy.c_str(), source.date_format.c_str(), &tm);
    // (%Y takes "27" as the year 27, which parse_source_month refuses: a two-digit year.)
    if (end != nullptr && *end == '\0' && tm.tm_year + 1900 >= 1900)
      return tm.tm_mday != 0 ? lacks_day(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) : "";
    // Review: "15/02/27" against "%d/%m/%Y" said only "is not a month".
    if (const auto at = source.date_format.find("%Y"); at != std::string::npos) {
      std::string two_digit = source.date_format;
      two_digit[at + 1] = 'y';
      tm = {};
      end = strptime(copy.c_str(), two_digit.c_str(), &tm);
      if (end != nullptr && *end == '\0')
        return fmt::format(
            "its year has two digits: write \"date_format\": \"{}\" (%y reads 27 as 2027, 69 "
            "as 1969)",
            two_digit);
    }
    return "";
  }
  // Without a format: an ISO date whose day the month lacks ("2027-02-30"), or a numeric date
  // whose year has two digits ("15/02/27").
  int year = 0, month = 0, day = 0;
  char tail = 0;
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2d%c", &year, &month, &day, &tail) == 3)
    return lacks_day(year, month, day);
  int a = 0, b = 0, y = 0;
  char s1 = 0, s2 = 0;
  // A numeric date with the year last, in the order the column shows (review: "31/04/2027" in a
  // day-first column got no reason).
  if (day_month_parts(copy) &&
      std::sscanf(copy.c_str(), "%2d%c%2d%c%4d%c", &a, &s1, &b, &s2, &y, &tail) == 5)
    return day_first ? lacks_day(y, b, a) : lacks_day(y, a, b);
  if (std::sscanf(copy.c_str(), "%2d%c%2d%c%2d%c", &a, &s1, &b, &s2, &y, &tail) == 5 && s1 == s2 &&
      (s1 == '/' || s1 == '.' || s1 == '-') && copy.size() <= 8)
    return fmt::format(
        "its year has two digits: set \"date_format\", e.g. \"%d{}%m{}%y\" or \"%m{}%d{}%y\"", s1,
        s1, s1, s1);
  return "";
}

}  // namespace

int MappedCsv::month(const CsvRow& row, std::size_t column) const {
  const std::string& text = table_->text(row, column);
  const bool numeric_date = source_.date_format.empty() && day_month_parts(text).has_value();
  if (auto m = parse_source_month(text, source_, numeric_date && day_first(column))) return *m;
  // A whole number such as 45870 is a spreadsheet's serial day number (review: named in
  // calibrate's message, not here).
  const bool serial = looks_like_serial_day(text);
  const std::string problem = month_problem(text, source_, numeric_date && day_first(column));
  throw_input("{}: column '{}': \"{}\" is not a month (expected YYYY-MM or a date{}){}", where(row),
              header()[column], shown_value(text),
              source_.date_format.empty() ? std::string()
                                          : fmt::format(" in the format {}", source_.date_format),
              serial ? "; it looks like a spreadsheet's serial day number: export the column "
                       "formatted as dates"
              : !problem.empty() ? "; " + problem
                                 : "");
}

std::optional<std::string> MappedCsv::decimal_doubt(std::size_t column) const {
  if (source_.decimal != '.' || source_.decimal_given || source_.thousands == ".") return {};
  std::size_t three = 0;
  std::string example;
  double read_as = 0;
  for (const CsvRow& row : rows_) {
    const std::string_view text = trim(table_->text(row, column));
    const std::size_t dot = text.rfind('.');
    if (dot == std::string_view::npos) continue;
    std::size_t digits = 0;
    while (dot + 1 + digits < text.size() &&
           std::isdigit(static_cast<unsigned char>(text[dot + 1 + digits])))
      ++digits;
    if (digits != 3) return {};  // another count shows '.' is the decimal mark here
    const auto value = parse_source_number(text, source_);
    if (!value) continue;  // unreadable: its own error
    if (three++ == 0) {
      example = std::string(text);
      read_as = *value;
    }
  }
  if (three == 0) return {};
  return fmt::format(
      "{}: column '{}': every value with a '.' has three digits after it ({}, e.g. '{}', read as "
      "{}): if '.' separates thousands in this file, set \"decimal\": \",\" and \"thousands\": "
      "\".\"; \"decimal\": \".\" keeps this reading without this note",
      name(), header()[column], format_count(static_cast<long long>(three), "value"), example,
      format_user_value_grouped(read_as));
}

}  // namespace opsim
