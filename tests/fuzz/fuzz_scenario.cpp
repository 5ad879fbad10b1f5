// The scenario loader on arbitrary JSON text: every input is a valid scenario or an InputError
// (exit 2); any other exception, crash, leak or undefined behaviour is a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sim/base/error.hpp"
#include "sim/io/input.hpp"
#include "sim/io/scenario_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const nlohmann::json document = opsim::parse_json(text, "fuzz.json");
    // CSV paths resolve against the bundled scenarios, so seeds that reference them load.
    (void)opsim::build_scenario(document, "fuzz.json", OPSIM_SOURCE_DIR "/scenarios");
  } catch (const opsim::InputError&) {
  }
  return 0;
}
