// Numbers for people (sim/io/number_format.*).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "sim/io/number_format.hpp"
#include "sim/io/xlsx.hpp"

namespace opsim {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(NumberFormat, GroupsThousands) {
  EXPECT_EQ(format_grouped(71634120.4), "71,634,120");
  EXPECT_EQ(format_grouped(-1234567.891, 2), "-1,234,567.89");
  EXPECT_EQ(format_grouped(999.6), "1,000");
  EXPECT_EQ(format_grouped(12), "12");
  EXPECT_EQ(format_grouped(-7.3e-12), "0");
  EXPECT_EQ(format_grouped(kNaN), "n/a");
}

// Quantities in messages from the models (sim/base/grouped.hpp): grouped, trailing zeros dropped.
TEST(NumberFormat, GroupsQuantitiesWithoutTrailingZeros) {
  EXPECT_EQ(format_grouped_trimmed(19810), "19,810");
  EXPECT_EQ(format_grouped_trimmed(10000.25), "10,000.25");
  EXPECT_EQ(format_grouped_trimmed(0.5), "0.5");
  EXPECT_EQ(format_grouped_trimmed(1234.56789), "1,234.5679");
  EXPECT_EQ(format_grouped_trimmed(1234.56789, 2), "1,234.57");
  EXPECT_EQ(format_grouped_trimmed(-3e-9), "0");
  EXPECT_EQ(format_grouped_trimmed(kNaN), "n/a");
}

TEST(NumberFormat, CountsAgreeWithTheirNouns) {
  EXPECT_EQ(format_count(1, "month"), "1 month");
  EXPECT_EQ(format_count(12, "month"), "12 months");
  EXPECT_EQ(format_count(1480, "close"), "1,480 closes");
  EXPECT_EQ(format_count(0, "deal"), "0 deals");
  EXPECT_EQ(format_count(1, "won deal has", "won deals have"), "1 won deal has");
  EXPECT_EQ(format_count(2, "won deal has", "won deals have"), "2 won deals have");
}

TEST(NumberFormat, ScalesAmounts) {
  EXPECT_EQ(format_amount(71.6e6, "USD"), "71.6M USD");
  EXPECT_EQ(format_amount(158428268), "158M");
  EXPECT_EQ(format_amount(1.25e9, "EUR"), "1.25B EUR");
  EXPECT_EQ(format_amount(999e9), "999B");
  EXPECT_EQ(format_amount(1e12, "USD"), "1.00T USD");  // review: "1,000B"
  EXPECT_EQ(format_amount(2.5e15), "2,500T");
  EXPECT_EQ(format_amount(845000), "845K");
  EXPECT_EQ(format_amount(912, "USD"), "912 USD");
  EXPECT_EQ(format_amount(-4.2e6), "-4.20M");
  EXPECT_EQ(format_amount(kNaN, "USD"), "n/a");
}

// A count's paired difference has an SE below one deal: "105 ±0.41", not "105 ±0" (review).
TEST(NumberFormat, AStandardErrorBelowTenKeepsTwoSignificantDigits) {
  EXPECT_EQ(format_amount_with_se(105, 0.4121), "105 ±0.41");
  EXPECT_EQ(format_amount_with_se(4.05e6, 17012, true), "+4.05M ±17.0K");
  EXPECT_EQ(format_amount_with_se(-3, 2.5), "-3 ±2.5");
  EXPECT_EQ(format_amount_with_se(7, 12.4), "7 ±12");
  EXPECT_EQ(format_amount_with_se(7, kNaN), "7 ±n/a");
  EXPECT_EQ(format_se_grouped(0.4121), "0.41");
  EXPECT_EQ(format_se_grouped(17012.4), "17,012");
}

TEST(NumberFormat, CsvFieldsRoundAndLeaveUndefinedEmpty) {
  EXPECT_EQ(csv_number(1234.5678, 2), "1234.57");
  EXPECT_EQ(csv_number(0.527123, 4), "0.5271");
  EXPECT_EQ(csv_number(-7.3e-12, 2), "0.00");  // a zero ARR, not -7.3e-12 or -0.00
  // Text fields: quoted only when a comma, quote or line break would split or end them.
  EXPECT_EQ(csv_text("20 more EMEA reps"), "20 more EMEA reps");
  EXPECT_EQ(csv_text("+2 points, uncertain"), "\"+2 points, uncertain\"");
  EXPECT_EQ(csv_text("the \"H1\" plan"), "\"the \"\"H1\"\" plan\"");
  EXPECT_EQ(csv_text("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_number(kNaN, 2), "");
  EXPECT_EQ(csv_number(std::numeric_limits<double>::infinity(), 2), "");
}

TEST(NumberFormat, UserValuesReadAsWritten) {
  EXPECT_EQ(format_user_value(0.1 * 3), "0.3");
  EXPECT_EQ(format_user_value(0.1 + 0.2), "0.3");
  EXPECT_EQ(format_user_value(20270401), "20270401");
  EXPECT_EQ(format_user_value(1e-7), "1e-07");
  // For people (review: a sweep's axis of 160000 on the terminal and in the report).
  EXPECT_EQ(format_user_value_grouped(160000), "160,000");
  EXPECT_EQ(format_user_value_grouped(-1234567.25), "-1,234,567.25");
  EXPECT_EQ(format_user_value_grouped(999), "999");
  EXPECT_EQ(format_user_value_grouped(0.1 * 3), "0.3");
  EXPECT_EQ(format_user_value_grouped(1e-7), "1e-07");
  EXPECT_EQ(format_percent(0.5271), "52.7%");
  EXPECT_EQ(format_percent(kNaN), "n/a");
}

// Review: a scenario named "a\uffffb" gave a workbook Excel calls damaged (U+FFFF is not allowed
// in XML; libxlsxwriter escapes control characters only).
TEST(XlsxText, NoncharactersBecomeTheReplacementCharacter) {
  EXPECT_EQ(xlsx_text("a\xEF\xBF\xBF"
                      "b\xEF\xBF\xBE"
                      "c"),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD"
            "c");
  EXPECT_EQ(xlsx_text("plain \xE2\x80\x94 text \xEF\xBF\xBD"),
            "plain \xE2\x80\x94 text \xEF\xBF\xBD");
  EXPECT_EQ(xlsx_text("\xEF\xBF"), "\xEF\xBF");  // a cut sequence is left as it is
  // Excel reads "_x0041_" as "A": a literal one is escaped (review: "a_x0041_b" showed "aAb").
  EXPECT_EQ(xlsx_text("a_x0041_b"), "a_x005F_x0041_b");
  EXPECT_EQ(xlsx_text("_x12_ and _xZZZZ_"), "_x12_ and _xZZZZ_");
}

}  // namespace
}  // namespace opsim

namespace opsim {
namespace {

TEST(NumberFormat, SignificantDigitsInFixedNotationWithSeparators) {
  EXPECT_EQ(format_significant(0.183349609375), "0.1833");
  EXPECT_EQ(format_significant(12345.6), "12,346");
  EXPECT_EQ(format_significant(-0.000123456, 2), "-0.00012");
  EXPECT_EQ(format_significant(0.0), "0");
  // Rounding up to the next power of ten keeps the digits asked for (it gave "1.0000").
  EXPECT_EQ(format_significant(0.99999), "1.000");
  EXPECT_EQ(format_significant(-9.99999, 3), "-10.0");
  EXPECT_EQ(format_significant(0.99994), "0.9999");
  EXPECT_EQ(format_significant_range(0.99999, 1.00001), "1.000");
  EXPECT_EQ(format_significant_range(0.9, 1.1), "0.9000 to 1.100");
  // p-values: "<0.001" where three decimals would print 0.000 (review: "PIT p 0.000").
  EXPECT_EQ(format_p_value(0.00037), "<0.001");
  EXPECT_EQ(format_p_value(0.0005), "0.001");
  EXPECT_EQ(format_p_value(0.339), "0.339");
  EXPECT_EQ(format_p_value(std::nan("")), "n/a");
  EXPECT_EQ(format_significant(std::nan("")), "n/a");
}

}  // namespace
TEST(NumberFormat, WrappedWordsFitTheWidthAndKeepEveryWord) {
  const std::string text =
      "the open pipeline covers 158% of what the model expects for "
      "2027-04..2027-06 from opportunities opened before the start";
  const std::string wrapped = wrap_words(text, 40, 2);
  std::size_t lines = 0, start = 0;
  while (start <= wrapped.size()) {
    std::size_t end = wrapped.find('\n', start);
    if (end == std::string::npos) end = wrapped.size();
    EXPECT_LE(end - start, 40u) << wrapped;
    if (lines > 0) {
      EXPECT_EQ(wrapped.substr(start, 2), "  ");
    }
    ++lines;
    start = end + 1;
  }
  EXPECT_GE(lines, 3u);
  EXPECT_EQ(wrap_words(text, 1000), text);  // short enough: unchanged
  EXPECT_EQ(wrap_words("averyveryverylongword x", 5, 0), "averyveryverylongword\nx");
}

// Review: an unchanged target's paired change read "+0.0 ±0.0 pts" on the terminal and "same" in
// the report; both say it with one function.
TEST(NumberFormat, ProbabilityChanges) {
  EXPECT_EQ(format_probability_change(0.0, 0.0), "same");
  EXPECT_EQ(format_probability_change(0.0, std::nan("")), "same");
  EXPECT_EQ(format_probability_change(0.0, 0.001), "+0.0 ±0.1 pts");  // cancelling changes
  EXPECT_EQ(format_probability_change(0.032, 0.004), "+3.2 ±0.4 pts");
  EXPECT_EQ(format_probability_change(-0.01, std::nan("")), "-1.0 pts");
  EXPECT_EQ(format_probability_change(std::nan(""), 0.0), "n/a");
}

// Review: 0 of 1,000 trials read "0.0% ±0.0", as if certain. None or every trial: the 95% bound
// of the rule of three; any other estimate is left to the usual ±SE.
TEST(NumberFormat, ProbabilitiesOfNoneOrEveryTrialGiveTheirBound) {
  EXPECT_EQ(format_certain_probability(0.0, 0.0, 200), "<1.5% (none)");
  EXPECT_EQ(format_certain_probability(1.0, 0.0, 200), ">98.5% (all)");
  EXPECT_EQ(format_certain_probability(0.0, 0.0, 10000), "<0.03% (none)");
  EXPECT_EQ(format_certain_probability(1.0, 0.0, 10000), ">99.97% (all)");
  EXPECT_EQ(format_certain_probability(0.005, 0.005, 200), "");
  EXPECT_EQ(rule_of_three_percent(2), "100%");  // at most 1, never "1e+02%"
  EXPECT_EQ(rule_of_three_percent(10), "30%");
  EXPECT_EQ(rule_of_three_percent(100000000), "0.000003%");
}

}  // namespace opsim
