// The territory readers on arbitrary bytes: byte 0 chooses the format (accounts CSV, scenario
// JSON, OR-Library pmedcap, Lorena & Senne SJC, DTDP graphml), byte 1 the CSV encoding; the
// rest is the file. The problem is also validated, as `opsim territories` does before solving.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sim/base/error.hpp"
#include "sim/io/territory_io.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using opsim::fuzz::scratch_file;
  using opsim::fuzz::take_choice;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  static const char* const kFormats[] = {"csv", "scenario", "pmedcap", "sjc", "graphml"};
  static const char* const kNames[] = {"accounts.csv", "territories.json", "pmed.txt", "sjc.txt",
                                       "graph.graphml"};
  const std::size_t format = take_choice(bytes, 5);
  opsim::territory_io::Overrides overrides;
  overrides.format = kFormats[format];
  overrides.encoding = static_cast<opsim::Encoding>(take_choice(bytes, 3));
  const std::string path = scratch_file(kNames[format], bytes);
  try {
    (void)opsim::territory_io::load_instance(path, overrides);
  } catch (const opsim::InputError&) {
  }
  return 0;
}
