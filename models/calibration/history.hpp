// Sales history as calibration sees it: opportunities (one per row of a CRM export) and
// bookings (one per won deal or order), already cleaned and resolved to names. Dates are days
// since 1970-01-01; months are absolute (year * 12 + month - 1) as in models/calendar.hpp.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace opsim::calibration {

enum class Outcome { won, lost, open };

struct Opportunity {
  std::string id;
  std::string owner;                //!< rep; empty when the export has none
  std::string region;               //!< never empty
  std::string segment;              //!< segment or product, spelling normalised
  Outcome outcome = Outcome::open;  //!< as of the export's end
  std::optional<int> created;       //!< day the opportunity was created/engaged
  std::optional<int> closed;        //!< day it was won or lost; none while open
  std::optional<double> amount;     //!< final value as exported; none when empty
  std::size_t line = 0;             //!< CSV line, for messages
};

struct Booking {
  int day = 0;
  std::string region;
  std::string segment;
  double amount = 0.0;
  std::size_t line = 0;
};

struct History {
  std::vector<Opportunity> opportunities;
  std::vector<Booking> bookings;
  //! List price per segment/product: the amount assumed for a deal still open at the cut-off.
  std::map<std::string, double> list_price;
  //! Day the export was taken (its last date); undated open rows exist only as of this day.
  int snapshot_day = 0;

  bool has_opportunities() const { return !opportunities.empty(); }
  //! Last day carrying any date (created, closed, booked, the snapshot), whatever the cut-off;
  //! the smallest int when there is none.
  int last_dated_day() const;
};

//! Days since 1970-01-01 of a civil date (proleptic Gregorian).
int day_number(int year, int month, int day);
//! Absolute month (year * 12 + month - 1) of a day number.
int month_of_day(int day);
//! Last day of an absolute month.
int last_day_of_month(int absolute_month);
//! "2017-03-01" for a day number.
std::string format_date(int day);

}  // namespace opsim::calibration
