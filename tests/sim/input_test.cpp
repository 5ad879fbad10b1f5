// The input layer (sim/io/input.*): what is refused before reading, size limits, encodings,
// JSON with comments and precise errors, and the identity of a run's inputs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "sim/base/error.hpp"
#include "sim/io/input.hpp"
#include "tests/test_support.hpp"

namespace opsim {
namespace {

using ::testing::HasSubstr;

//! The message of the InputError `read` throws, or "" when it throws none.
template <class F>
std::string input_error(F read) {
  try {
    read();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(InputFile, FifoIsRefusedBeforeReading) {
  test::TempDir dir;
  const std::string fifo = (dir / "scenario.json").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // Opening a FIFO without a writer would block forever: the check happens before any open.
  const std::string message =
      input_error([&] { (void)read_input_file(fifo, InputKind::scenario_json); });
  EXPECT_THAT(message, HasSubstr(fifo));
  EXPECT_THAT(message, HasSubstr("FIFO"));
  EXPECT_THAT(message, HasSubstr("regular files"));
}

TEST(InputFile, DevZeroIsRefused) {
  const std::string message =
      input_error([] { (void)read_input_file("/dev/zero", InputKind::scenario_csv); });
  EXPECT_THAT(message, HasSubstr("/dev/zero: is a character device"));
}

TEST(InputFile, FolderIsRefused) {
  test::TempDir dir;
  EXPECT_THAT(input_error([&] { (void)read_input_file(dir.path(), InputKind::scenario_csv); }),
              HasSubstr("is a folder"));
}

TEST(InputFile, OverSizeInputIsRefused) {
  test::TempDir dir;
  const std::string path = (dir / "big.json").string();
  // A sparse file one byte over the limit: no disk is used, and nothing is read.
  const std::uint64_t limit = size_limit(InputKind::scenario_json);
  ASSERT_EQ(::truncate(dir.write("big.json", "").c_str(), static_cast<off_t>(limit + 1)), 0);
  const std::string message = input_error([&] { (void)read_json_file(path); });
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_THAT(message, HasSubstr("limit of 16.0 MiB"));
  // At the limit it is read (and fails as JSON, not for its size).
  ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(limit)), 0);
  EXPECT_THAT(input_error([&] { (void)read_json_file(path); }), HasSubstr("invalid JSON"));
}

TEST(InputFile, MissingFileIsNamed) {
  EXPECT_THAT(
      input_error([] { (void)read_input_file("/nonexistent/x.csv", InputKind::scenario_csv); }),
      HasSubstr("/nonexistent/x.csv: no such file"));
}

TEST(InputFile, ReadsTheBytesAsTheyAre) {
  test::TempDir dir;
  const std::string bytes("a\0b\r\n\xff", 6);
  EXPECT_EQ(read_input_file(dir.write("f.bin", bytes), InputKind::scenario_csv), bytes);
}

TEST(ParseJson, NumberOverflowNamesTheJsonPointer) {
  const std::string message =
      input_error([] { (void)parse_json(R"({"segments": [{"win_rate": 1e400}]})", "s.json"); });
  EXPECT_THAT(message, HasSubstr("s.json: /segments/0/win_rate: number out of range"));
  EXPECT_THAT(input_error([] { (void)parse_json(R"({"a": [1, 2, -1e999]})", "s.json"); }),
              HasSubstr("s.json: /a/2:"));
}

TEST(ParseJson, CommentsAreAccepted) {
  const auto document = parse_json(
      "// planning assumptions\n{\"win_rate\": 0.25, /* from FY26 */ \"trials\": 10 // note\n}",
      "s.json");
  EXPECT_EQ(document.at("win_rate").get<double>(), 0.25);
  EXPECT_EQ(document.at("trials").get<int>(), 10);
}

TEST(ParseJson, SyntaxErrorNamesLineAndColumn) {
  EXPECT_THAT(input_error([] { (void)parse_json("{\n  \"a\": 1,\n  \"b\": ]\n}", "s.json"); }),
              HasSubstr("s.json:3:8: invalid JSON"));
}

TEST(ParseJson, BadUtf8InAStringIsAnInputError) {
  EXPECT_THAT(input_error([] { (void)parse_json("{\"name\": \"Jos\xe9\"}", "s.json"); }),
              HasSubstr("s.json:1:"));
}

TEST(ParseJson, DuplicateKeyNamesTheObjectAndTheKey) {
  // nlohmann would keep the second "win_rate" silently.
  const std::string nested = input_error([] {
    (void)parse_json(
        R"({"segments": [{"id": "SMB"}, {"id": "MM", "win_rate": 0.2, "win_rate": 0.3}]})",
        "s.json");
  });
  EXPECT_THAT(nested, HasSubstr("s.json: /segments/1: duplicate key \"win_rate\""));
  EXPECT_THAT(input_error([] { (void)parse_json(R"({"name": "a", "name": "b"})", "s.json"); }),
              HasSubstr("s.json: /: duplicate key \"name\""));
  // The same key in sibling objects is not a duplicate.
  EXPECT_NO_THROW(
      (void)parse_json(R"({"a": {"x": 1}, "b": {"x": 2}, "c": [{"x": 1}, {"x": 2}]})", "s.json"));
}

TEST(ParseJson, DeepNestingIsRefused) {
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  EXPECT_THAT(input_error([&] { (void)parse_json(deep, "s.json"); }),
              HasSubstr("nesting deeper than 64 levels"));
  const std::string ok = std::string(60, '[') + std::string(60, ']');
  EXPECT_NO_THROW((void)parse_json(ok, "s.json"));
}

TEST(Encoding, BadUtf8NamesLineAndColumnAndSuggestsCp1252) {
  const std::string message =
      input_error([] { (void)to_utf8("id,name\nA1,Jos\xe9\n", Encoding::utf8, "reps.csv"); });
  EXPECT_THAT(message, HasSubstr("reps.csv:2:7: byte 0xE9 is not valid UTF-8"));
  EXPECT_THAT(message, HasSubstr("--encoding cp1252"));
  // Overlong forms and surrogates are not UTF-8 either.
  EXPECT_NE(input_error([] { (void)to_utf8("\xc0\xaf", Encoding::utf8, "f"); }), "");
  EXPECT_NE(input_error([] { (void)to_utf8("\xed\xa0\x80", Encoding::utf8, "f"); }), "");
  EXPECT_EQ(to_utf8("Jos\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", Encoding::utf8, "f"),
            "Jos\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

TEST(Encoding, Cp1252IsConvertedToUtf8) {
  // é, the euro sign and curly quotes as Excel saves them on Windows.
  EXPECT_EQ(to_utf8("Jos\xe9 \x80 \x93q\x94", Encoding::cp1252, "f"),
            "Jos\xc3\xa9 \xe2\x82\xac \xe2\x80\x9cq\xe2\x80\x9d");
  EXPECT_THAT(input_error([] { (void)to_utf8("a\x81", Encoding::cp1252, "f.csv"); }),
              HasSubstr("f.csv:1:2: byte 0x81 is not a character in Windows-1252"));
}

TEST(Encoding, Latin1IsConvertedToUtf8) {
  EXPECT_EQ(to_utf8("J\xf6rg \x80", Encoding::latin1, "f"), "J\xc3\xb6rg \xc2\x80");
}

TEST(Encoding, NamesAreParsed) {
  EXPECT_EQ(parse_encoding("UTF-8"), Encoding::utf8);
  EXPECT_EQ(parse_encoding("windows-1252"), Encoding::cp1252);
  EXPECT_EQ(parse_encoding("latin1"), Encoding::latin1);
  EXPECT_THAT(input_error([] { (void)parse_encoding("ebcdic"); }),
              HasSubstr("--encoding: \"ebcdic\" is not an encoding opsim reads (allowed: utf-8, "
                        "cp1252, latin1)"));
}

TEST(InputsIdentity, ChangedFileIsNamed) {
  const std::vector<InputDigest> a{{"s.json", "aaaa"}, {"data/pipeline.csv", "1111"}};
  std::vector<InputDigest> b = a;
  EXPECT_NO_THROW(require_same_inputs(a, "x.h5", b, "y.h5", "stop"));
  EXPECT_EQ(inputs_sha256(a), inputs_sha256(b));
  b[1].sha256 = "2222";
  EXPECT_NE(inputs_sha256(a), inputs_sha256(b));
  const std::string message =
      input_error([&] { require_same_inputs(a, "x.h5", b, "y.h5", "stop"); });
  EXPECT_THAT(message, HasSubstr("data/pipeline.csv: the file's content differs between x.h5"));
  EXPECT_THAT(message, HasSubstr("y.h5"));
  EXPECT_THAT(message, HasSubstr("; stop"));
  b.push_back({"extra.csv", "3333"});
  b[1].sha256 = "1111";
  EXPECT_THAT(input_error([&] { require_same_inputs(a, "x.h5", b, "y.h5", "stop"); }),
              HasSubstr("extra.csv: an input of y.h5 but not of x.h5"));
  // A file from a version that recorded no inputs is not compared here.
  EXPECT_NO_THROW(require_same_inputs({}, "old.h5", b, "y.h5", "stop"));
}

}  // namespace
}  // namespace opsim
