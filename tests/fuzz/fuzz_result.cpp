// The result-file reader that `opsim merge` and checkpoint resume use, on arbitrary bytes
// written as an HDF5 file (the layout is tests/fixtures/small_scenario.json's).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sim/base/error.hpp"
#include "sim/engine/results.hpp"
#include "sim/io/output.hpp"
#include "sim/io/scenario_loader.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const opsim::ResultLayout layout(
      opsim::load_scenario(OPSIM_SOURCE_DIR "/tests/fixtures/small_scenario.json"));
  const std::string path = opsim::fuzz::scratch_file(
      "shard.h5", std::string_view(reinterpret_cast<const char*>(data), size));
  try {
    (void)opsim::read_result_info(path);
    (void)opsim::read_result(path, layout);
  } catch (const opsim::InputError&) {
  }
  return 0;
}
