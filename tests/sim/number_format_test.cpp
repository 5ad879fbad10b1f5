// Numbers for people (sim/io/number_format.*).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "sim/io/number_format.hpp"

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

TEST(NumberFormat, ScalesAmounts) {
  EXPECT_EQ(format_amount(71.6e6, "USD"), "71.6M USD");
  EXPECT_EQ(format_amount(158428268), "158M");
  EXPECT_EQ(format_amount(1.25e9, "EUR"), "1.25B EUR");
  EXPECT_EQ(format_amount(845000), "845K");
  EXPECT_EQ(format_amount(912, "USD"), "912 USD");
  EXPECT_EQ(format_amount(-4.2e6), "-4.20M");
  EXPECT_EQ(format_amount(kNaN, "USD"), "n/a");
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
  EXPECT_EQ(format_percent(0.5271), "52.7%");
  EXPECT_EQ(format_percent(kNaN), "n/a");
}

}  // namespace
}  // namespace opsim
