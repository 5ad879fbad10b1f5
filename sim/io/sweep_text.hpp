// The sweep for people at a terminal: keyed columns with a legend, within about 100 columns
// however many axes, fiscal years and targets the sweep has.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace opsim {

struct SweepText {
  std::vector<std::string> axes;     //!< the --set pointers, in order
  std::string metric;                //!< the compared metric, e.g. new_bookings
  std::string currency;              //!< unit of the compared metric (the currency of amounts)
  std::vector<std::string> years;    //!< per fiscal year: "FY2029" or "FY2029 partial 2/12"
  std::vector<std::string> targets;  //!< per target: what it is, e.g. "new_bookings FY2028 total"
  std::vector<std::vector<double>> values;  //!< [variant][axis], as the user wrote them
  //! [variant]: per year mean, P10, P50, P90, difference vs the base and its SE (company
  //! total); then per target P(reach).
  std::vector<std::vector<double>> outputs;
  std::uint64_t trials = 0;  //!< per variant: a P(reach) of none or all of them gives its bound
};

//! A legend naming the keys (x1 = the first --set pointer, T1 = the first target), one line per
//! variant and fiscal year (the axes' values, the year, mean, P10, P50, P90, difference vs the
//! base ± SE or "identical"), then P(reach) of the targets in tables as wide as fit in 100
//! columns.
std::string format_sweep_table(const SweepText& sweep);

}  // namespace opsim
