// InputErrorCollector (sim/base/error.hpp): validation that reports every error at once.
#include <gtest/gtest.h>

#include <string>

#include <fmt/format.h>

#include "sim/base/error.hpp"

namespace opsim {
namespace {

std::string message_of(const InputErrorCollector& errors) {
  try {
    errors.throw_if_any();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// A CSV's rows are independent: past the limit the collector goes on and counts the rest
// ("... and N more") instead of stopping (--import-csv, review finding).
TEST(InputErrorCollector, CountsErrorsPastTheLimitWhenAskedTo) {
  InputErrorCollector errors(3, AtErrorLimit::count);
  for (int line = 2; line < 9; ++line)
    errors.collect([&] { throw_input("q.csv:{}: bad {}", line, line); });
  EXPECT_EQ(errors.size(), 7u);
  const std::string text = message_of(errors);
  EXPECT_NE(text.find("7 errors in 1 file"), std::string::npos) << text;
  EXPECT_NE(text.find("q.csv:4: bad 4"), std::string::npos) << text;
  EXPECT_EQ(text.find("q.csv:5: bad 5"), std::string::npos) << text;
  EXPECT_NE(text.find("... and 4 more"), std::string::npos) << text;
  // The file's own count includes them (review: "37 errors in 1 file", then "20 errors").
  EXPECT_NE(text.find("q.csv: 7 errors, the first 3 listed"), std::string::npos) << text;
}

TEST(InputErrorCollector, StopsAtTheLimitByDefault) {
  InputErrorCollector errors(3);
  errors.collect([] { throw_input("a.json: one"); });
  errors.collect([] { throw_input("a.json: two"); });
  EXPECT_THROW(errors.collect([] { throw_input("a.json: three"); }), InputErrors);
}

TEST(InputErrorCollector, OneErrorIsThePlainMessage) {
  InputErrorCollector errors(3, AtErrorLimit::count);
  errors.collect([] { throw_input("q.csv:2: bad"); });
  EXPECT_EQ(message_of(errors), "q.csv:2: bad");
}

// Review: a scenario without "horizon" was told twice that it was missing (the calendar and the
// reporting currency each read it). One cause is one error.
TEST(InputErrorCollector, TheSameMessageTwiceIsOneError) {
  InputErrorCollector errors;
  errors.collect([] { throw_input("s.json: /: required member \"horizon\" is missing"); });
  errors.collect([] { throw_input("s.json: /: required member \"horizon\" is missing"); });
  EXPECT_EQ(errors.size(), 1u);
  EXPECT_EQ(message_of(errors), "s.json: /: required member \"horizon\" is missing");
  errors.collect([] { throw_input("s.json: /: required member \"segments\" is missing"); });
  EXPECT_EQ(errors.size(), 2u);
}

// Review: a sweep with two bad variants of one scenario said "2 errors in 2 files".
TEST(InputErrorCollector, CountsAFileOnceWhateverItsVariants) {
  InputErrorCollector errors;
  errors.collect([] { throw_input("s.json (variant 2): /a: bad"); });
  errors.collect([] { throw_input("s.json (variant 3): /a: bad"); });
  const std::string text = message_of(errors);
  EXPECT_EQ(text.rfind("2 errors in 1 file:", 0), 0u) << text;
  EXPECT_NE(text.find("\ns.json (variant 2): 1 error\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\ns.json (variant 3): 1 error\n"), std::string::npos) << text;
  errors.collect([] { throw_input("t.csv:4: bad"); });
  EXPECT_EQ(message_of(errors).rfind("3 errors in 2 files:", 0), 0u) << message_of(errors);
}

// Review: a misspelt skip_stages entry gave one "unknown stage" error per closed row. Messages
// of a file that differ only in their line are one entry naming the lines (the count stays the
// number of errors); a message of its own, or without a line, is as it was.
TEST(InputErrorCollector, MessagesThatDifferOnlyInTheirLineAreGivenOnce) {
  InputErrorCollector errors(100, AtErrorLimit::count);
  for (int line = 2; line < 14; ++line)
    errors.collect([&] { throw_input("d.csv:{}: unknown stage \"Won\"", line); });
  errors.collect([] { throw_input("d.csv:7: amount -1 is negative"); });
  errors.collect([] { throw_input("d.csv: column 'x' is missing"); });
  const std::string text = message_of(errors);
  EXPECT_EQ(text.rfind("14 errors in 1 file:", 0), 0u) << text;
  EXPECT_NE(text.find("\n  d.csv lines 2, 3, 4, 5, 6, 7, 8, 9 and 4 more (12 rows): unknown stage "
                      "\"Won\"\n  d.csv:7: amount -1 is negative\n  d.csv: column 'x' is missing"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("d.csv:2: unknown"), std::string::npos) << text;
}

}  // namespace
// Review: a NUL byte in a CSV value ended the message where it stood (what() is a C string):
// "column 'start': \"2027" and nothing after it. Control characters are shown as escapes.
TEST(InputError, AMessageIsShownWholeWithItsControlCharactersEscaped) {
  const std::string value(
      "2027\0"
      "01\x1b",
      8);  // a NUL before digits
  try {
    throw_input("roster.csv:2: column 'start': \"{}\" is not a month\nsecond line\tend", value);
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(),
                 "roster.csv:2: column 'start': \"2027\\u000001\\u001b\" is not a month\nsecond "
                 "line\tend");
  }
  // Collected and grouped messages keep the escapes (and are not escaped twice).
  InputErrorCollector errors;
  errors.collect([&] { throw_input("a.csv:3: \"{}\" is bad", value); });
  errors.collect([&] { throw_input("a.csv:4: \"{}\" is bad", value); });
  errors.collect([&] { throw_input("a.csv:5: \"{}\" is worse", value); });
  try {
    errors.throw_if_any();
    FAIL() << "no error thrown";
  } catch (const InputError& e) {
    const std::string text = e.what();
    EXPECT_NE(text.find("a.csv lines 3, 4 (2 rows): \"2027\\u000001\\u001b\" is bad"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("a.csv:5: \"2027\\u000001\\u001b\" is worse"), std::string::npos) << text;
    EXPECT_EQ(text.find("\\\\u"), std::string::npos) << text;
  }
}

}  // namespace opsim
