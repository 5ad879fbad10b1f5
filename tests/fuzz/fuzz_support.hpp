// Shared pieces of the libFuzzer harnesses: a scratch file per process for readers that take a
// path, and the rule that only InputError (exit 2) is an acceptable failure.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace opsim::fuzz {

//! A folder of this process under the temporary folder, removed at exit.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    auto path =
        std::filesystem::temp_directory_path() / ("opsim_fuzz_" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(scratch_dir(), ignored);
    });
    return path;
  }();
  return dir;
}

//! Writes `bytes` to `name` in the scratch folder and returns its path.
inline std::string scratch_file(const std::string& name, std::string_view bytes) {
  const auto path = scratch_dir() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path.string();
}

//! The first byte of a fuzz input as a choice among `n`, and the rest.
inline std::size_t take_choice(std::string_view& bytes, std::size_t n) {
  if (bytes.empty()) return 0;
  const auto choice = static_cast<unsigned char>(bytes.front()) % n;
  bytes.remove_prefix(1);
  return choice;
}

}  // namespace opsim::fuzz
