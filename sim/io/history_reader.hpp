// Reading sales history from CRM exports: an opportunity CSV and/or a bookings log, with a
// column mapping, a rep -> region table and a product table (list prices). Every row that is
// rejected or repaired is recorded with its file and line; none is dropped silently.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/calibration/history.hpp"
#include "sim/io/csv_source.hpp"
#include "sim/io/input.hpp"

namespace opsim {

//! A CSV file and the mapping of opsim's field names to its columns (the scenario's CSV inputs
//! use the same type; history reading detects date and amount formats by itself).
using TableSource = CsvSource;

//! Where the history comes from. Opportunity fields: id, owner, region, segment (or product),
//! stage, created, closed, amount. Booking fields: date, region, owner, segment, amount, id (rows
//! sharing an id are one order), stage (a status: lost and excluded ones are left out). Rep
//! fields: owner, region. Product fields: segment, list_price. Any other mapped field is an error.
struct HistorySource {
  std::optional<TableSource> opportunities;
  std::optional<TableSource> bookings;
  std::optional<TableSource> reps;
  std::optional<TableSource> products;
  std::vector<std::string> won_stages{"won", "closed won"};
  std::vector<std::string> lost_stages{"lost", "closed lost"};
  std::vector<std::string> open_stages;  //!< in pipeline order; empty = any other stage is open
  //! Stages/statuses whose rows are left out entirely (cancelled, disputed, on hold, ...).
  std::vector<std::string> excluded_stages;
  bool day_first = false;  //!< 03/04/2017 is 3 April (else 4 March)
  //! The decimal mark of amounts, '.' or ','; 0: decided per column from its values
  //! (AmountFormat in history_reader.cpp, scenarios/calibration.md).
  char decimal = 0;
  Encoding encoding = Encoding::utf8;  //!< of the CSV files (`--encoding`)
};

//! Reads a mapping file: {"opportunities": {"file": ..., "columns": {...}}, "reps": ...,
//! "products": ..., "bookings": ..., "won_stages": [...], "lost_stages": [...],
//! "open_stages": [...], "exclude_stages": [...], "day_first": bool, "decimal": "." or ","}. Paths
//! are relative to the mapping file.
HistorySource read_history_source(const std::string& path);

struct RowIssue {
  std::string file;
  std::size_t line = 0;
  bool rejected = false;  //!< else repaired and kept
  std::string reason;     //!< what was wrong and what was done, with the value
};

struct ReadReport {
  std::size_t opportunity_rows = 0, booking_rows = 0;
  std::size_t opportunities_kept = 0, bookings_kept = 0;
  std::size_t merged_order_lines = 0;  //!< booking lines folded into an earlier line's order
  std::vector<RowIssue> issues;
  std::string earliest_open_stage = "open";
  //! About the files as a whole (an amount column whose decimal mark no value shows).
  std::vector<std::string> warnings;
  //! Amounts by the currency they carry: an ISO code ("EUR" for "€", "1.234,50 EUR") or the
  //! mark as written ("$"); amounts without one are not counted.
  std::map<std::string, std::size_t> currencies;
  std::size_t rejected() const;
  std::size_t repaired() const;
};

calibration::History read_history(const HistorySource& source, ReadReport& report);

//! Adds a warning to `read` naming each currency its amounts carry (ReadReport::currencies)
//! other than the scenario's `currency` ("$" is its own when that is a dollar or peso currency).
void warn_of_foreign_currencies(ReadReport& read, const std::string& currency);

//! A date in the common export formats as a day number: 2017-03-01 (optionally with a time),
//! 2017/03/01, 3/1/2017 (month first unless `day_first`; unambiguous values decide), 1.3.2017,
//! 1-Mar-2017, 1 Mar 2017, Mar 1, 2017.
std::optional<int> parse_date(std::string_view text, bool day_first);

//! `text` with its no-break spaces (U+00A0, U+202F: thousands separators in French, Nordic and
//! other locales' exports) as plain spaces.
std::string plain_spaces(std::string_view text);
//! The currency an amount carries: the ISO code of its symbol or word where it names one
//! currency ("€" and "euros" are EUR, "C$" CAD, "R$" BRL, "zł" PLN), a mark that several share
//! ("$" and "dollars": "$"; "kr", "Rs", "¥") or its code or word as written ("CHF"); empty
//! without one.
std::string currency_of(std::string_view text);
//! The marks before and after an amount's digits, each as currency_of() names it ("" for none):
//! "R$ 5000 EUR" gives BRL and EUR.
std::pair<std::string, std::string> currency_marks(std::string_view text);
//! The currencies a mark of currency_of() may stand for: its code; the dollar and peso
//! currencies for "$" (USD, CAD, AUD, MXN, ...); SEK, NOK, DKK and ISK for "kr"; ... Empty when
//! the mark is none opsim knows: it is not checked.
std::vector<std::string_view> currencies_of_mark(std::string_view mark);
//! Whether `mark` (currency_of) may stand for `code` (currencies_of_mark).
bool mark_may_be(std::string_view mark, std::string_view code);
//! A mark as a message names it: "dollars" for "$", "kr (SEK, NOK, DKK or ISK)", a code as is.
std::string mark_name(std::string_view mark);
//! The first two numbers of a numeric date with the year last and no dots ("25/3/2017" gives
//! 25 and 3): those whose order day/month the values must show; nothing for other texts.
std::optional<std::pair<int, int>> day_month_parts(std::string_view text);

//! An amount as exports write it, with `decimal` ('.' or ',') its decimal mark: "1234.5",
//! "1,234.50", "$1,234", "EUR 99", "4 700"; with ',': "1.234,50 €", "475.000 €", "4 700,5"
//! (thousands separators in groups of three only). `repaired` is set when anything but a plain
//! number had to be read past.
std::optional<double> parse_amount(std::string_view text, bool& repaired, char decimal = '.');

//! Spelling key of a name: lower-case letters and digits only ("GTX Pro" == "GTXPro").
std::string name_key(std::string_view name);

}  // namespace opsim
