// Numbers written for people: thousands separators, a currency or a scaled unit, no 17-digit
// floats, no -0, and a word (or an empty CSV field) where a value is undefined.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/base/grouped.hpp"  // format_grouped

namespace opsim {

//! `digits` significant digits in fixed notation with thousands separators: 0.18334 -> "0.1833",
//! 12345.6 -> "12,346"; NaN -> "n/a".
std::string format_significant(double value, int digits = 4);
//! A p-value with three decimals, "<0.001" below 0.0005 (not "0.000"), "n/a" when undefined.
std::string format_p_value(double p);
//! "0.9000 to 1.100", or one number when both ends read the same ("0.3000").
std::string format_significant_range(double low, double high, int digits = 4);
//! An amount in a scaled unit with three significant digits or more: "71.6M USD", "845K USD",
//! "1.25B USD", "912 USD"; without a currency "71.6M"; NaN -> "n/a".
std::string format_amount(double value, const std::string& currency = "");
//! An amount and its standard error as format_amount gives them ("4.05M ±17.0K"), an error
//! below 10 with two significant digits (a count's "105 ±0.35", not "105 ±0"); `sign`: "+4.05M".
std::string format_amount_with_se(double mean, double se, bool sign = false);
//! A standard error in full, thousands separated ("17,012"), below 10 with two significant digits
//! ("0.35", not "0").
std::string format_se_grouped(double se);
//! A probability in percent: 0.5271 -> "52.7%"; NaN -> "n/a".
std::string format_percent(double probability, int decimals = 1);
//! A change, spread or standard error of probabilities in percentage points: 0.144 -> "14.4 pts",
//! with `sign` "+14.4 pts"; NaN -> "n/a".
std::string format_points(double fraction, bool sign = false);
//! A CSV field: rounded to `decimals`, never "-0", empty when NaN or infinite.
std::string csv_number(double value, int decimals);
//! A CSV text field: as is, or quoted (quotes doubled) when it holds a comma, quote or line break.
std::string csv_text(const std::string& text);
//! A value as a user would have written it: the shortest text with at most 12 significant
//! digits, so 0.1 * 3 reads "0.3", not "0.30000000000000004".
std::string format_user_value(double value);
//! format_user_value for people, thousands separated: 160000 -> "160,000", 0.25 -> "0.25"
//! (a swept axis's values on the terminal and in the report, as the workbook shows them).
std::string format_user_value_grouped(double value);
//! A metric's id in words for people: "new_bookings" -> "new bookings", "arr" -> "ARR",
//! "bookings_spot" -> "bookings at spot rates"; other ids with spaces for underscores. Files keep
//! the ids.
std::string metric_words(const std::string& id);
//! A paired change of a probability in percentage points with its SE: "+3.2 ±0.4 pts"; "same"
//! when the change is exactly 0 with SE 0 (or no SE), "n/a" when undefined; `se` NaN: none.
std::string format_probability_change(double change, double se);
//! The 95% upper bound of a probability that none of `trials` trials showed (the rule of three,
//! 3 / trials, at most 1), as a percent with two significant digits: "1.5%", "0.03%".
std::string rule_of_three_percent(std::uint64_t trials, bool complement = false);
//! A probability estimated as exactly 0 or 1 with SE 0 (none or every one of `trials` trials),
//! with its rule-of-three bound: "<1.5% (none)", ">98.5% (all)"; "" for any other estimate
//! (review: "0.0% ±0.0" read as certainty).
std::string format_certain_probability(double p, double se, std::uint64_t trials);
//! A share of `trials` trials for people: format_percent(p), or the rule-of-three bound of
//! format_certain_probability when none or every one of them counts ("<1.5% (none)").
std::string format_trials_probability(double p, std::uint64_t trials);
//! format_trials_probability for a narrow table column: the bound alone ("<1.5%", ">98.5%"),
//! `bounded` set when it is one (the table then says what the bound means once).
std::string format_trials_probability_short(double p, std::uint64_t trials, bool& bounded);
//! A machine name for people, spaces for underscores: "seasonal_naive" -> "seasonal naive".
std::string words_of_name(std::string id);
//! A target's label ("new_bookings FY2028 NA") with its metric in words ("new bookings FY2028 NA").
std::string target_words(const std::string& label);
//! Text broken at spaces into lines of at most `width` columns (a longer word keeps its own
//! line), every line after the first indented by `indent` spaces; no trailing newline.
std::string wrap_words(const std::string& text, std::size_t width = 100, std::size_t indent = 2);

}  // namespace opsim
