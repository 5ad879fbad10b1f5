// Result files check themselves before libhdf5 reads them (sim/io/result_integrity.*): a
// sealed file verifies and libhdf5 reads it; any changed byte, a truncation, a file without the
// user block (older opsim, another program) and the libhdf5 crash input found by fuzz_result
// are refused with InputError before libhdf5 opens them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <H5Cpp.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "sim/base/error.hpp"
#include "sim/io/hdf5_util.hpp"
#include "sim/io/output.hpp"
#include "sim/io/result_integrity.hpp"
#include "tests/test_support.hpp"

namespace opsim {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string refusal(const fs::path& path) {
  try {
    verify_result_file(path.string());
  } catch (const InputError& e) {
    return e.what();
  }
  return {};
}

//! A small sealed result file, as every opsim writer makes it.
fs::path sealed_file(const test::TempDir& dir) {
  const fs::path path = dir / "result.h5";
  write_hdf5_document(path.string(), [](H5::H5File& file) {
    H5::Group root = file.openGroup("/");
    string_attribute(root, "opsim_version", "test");
    const double values[] = {1.5, 2.5, 3.5};
    write_doubles(root, "values", {3}, values, "value");
  });
  return path;
}

TEST(ResultIntegrity, Lookup3MatchesBobJenkinsReferenceValues) {
  // lookup3.c's self-test (driver5): hashlittle("", 0, 0) and the "Four score" sentence.
  EXPECT_EQ(lookup3_checksum("", 0), 0xdeadbeefU);
  const std::string sentence = "Four score and seven years ago";
  EXPECT_EQ(lookup3_checksum(sentence.data(), sentence.size()), 0x17770551U);
  // Negative twin: one character changed gives another checksum.
  const std::string other = "Four score and seven years agp";
  EXPECT_NE(lookup3_checksum(other.data(), other.size()), 0x17770551U);
}

TEST(ResultIntegrity, SealedFileVerifiesAndLibhdf5ReadsIt) {
  test::TempDir dir;
  const fs::path path = sealed_file(dir);
  EXPECT_EQ(refusal(path), "");
  const std::string bytes = read_bytes(path);
  EXPECT_EQ(bytes.substr(0, 18), "opsim result file\n");
  EXPECT_EQ(bytes.substr(kResultUserBlockBytes, 4), "\x89HDF");
  EXPECT_EQ(static_cast<int>(bytes[kResultUserBlockBytes + 8]), 3) << "superblock version";
  H5::H5File file(path.string(), H5F_ACC_RDONLY);
  double values[3] = {};
  file.openDataSet("values").read(values, H5::PredType::NATIVE_DOUBLE);
  EXPECT_EQ(values[2], 3.5);
}

TEST(ResultIntegrity, EveryChangedByteIsRefused) {
  test::TempDir dir;
  const fs::path path = sealed_file(dir);
  const std::string good = read_bytes(path);
  // Bytes of the user block's SHA-256, the superblock, object headers and data: each refused.
  for (std::size_t at = 30; at < good.size(); at += good.size() / 97 + 1) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x10);
    write_bytes(path, bad);
    EXPECT_THAT(refusal(path), HasSubstr("damaged")) << "byte " << at;
  }
  write_bytes(path, good.substr(0, good.size() - 100));
  EXPECT_THAT(refusal(path), HasSubstr("damaged")) << "truncated";
  write_bytes(path, good);
  EXPECT_EQ(refusal(path), "");
}

TEST(ResultIntegrity, FileWithoutOpsimsChecksumIsRefusedNamingOlderOpsim) {
  test::TempDir dir;
  const fs::path plain = dir / "plain.h5";
  H5::H5File(plain.string(), H5F_ACC_TRUNC).close();
  EXPECT_THAT(refusal(plain), HasSubstr("older opsim"));
  const std::string text = dir.write("notes.h5", "just some text, not a result");
  EXPECT_THAT(refusal(text), HasSubstr("not an opsim result file"));
}

TEST(ResultIntegrity, KnownLibhdf5CrashInputIsRefusedBeforeLibhdf5) {
  // fuzz_result's heap-use-after-free inside libhdf5 1.10.8 (tests/fuzz/known_crashes): the
  // reader must refuse it without opening it with libhdf5.
  const fs::path crash =
      test::source_dir() / "tests/fuzz/known_crashes/hdf5_attribute_use_after_free.h5";
  ASSERT_TRUE(fs::exists(crash));
  EXPECT_THAT(refusal(crash), HasSubstr("without opsim's checksum"));
  EXPECT_THROW((void)read_result_info(crash.string()), InputError);
}

}  // namespace
}  // namespace opsim
