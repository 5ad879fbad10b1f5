// The scenario CSV readers (roster, pipeline, installed base, actuals, territory potential) on
// arbitrary bytes. Byte 0 chooses the table, byte 1 the encoding; the rest is the CSV, served
// from memory as the file that tests/fixtures/small_scenario.json's section references.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sim/base/error.hpp"
#include "sim/io/input.hpp"
#include "sim/io/scenario_loader.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

const nlohmann::json& fixture() {
  static const nlohmann::json document =
      opsim::read_json_file(OPSIM_SOURCE_DIR "/tests/fixtures/small_scenario.json");
  return document;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using opsim::fuzz::take_choice;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::size_t table = take_choice(bytes, 5);
  const auto encoding = static_cast<opsim::Encoding>(take_choice(bytes, 3));
  nlohmann::json document = fixture();
  const nlohmann::json csv = {{"csv", "fuzz.csv"}};
  switch (table) {
    case 0:
      document["roster"] = csv;
      break;
    case 1:
      document["pipeline"].erase("deals");
      document["pipeline"]["csv"] = "fuzz.csv";
      break;
    case 2:
      document["installed_base"] = csv;
      break;
    case 3:
      document["actuals"] = csv;
      break;
    default:
      document["territory_potential"] = {{"beta", 0.5}, {"csv", "fuzz.csv"}};
      break;
  }
  try {
    opsim::CsvCache cache(opsim::InputOptions{encoding});
    cache.put("fuzz.csv", opsim::CsvTable::parse(bytes, "fuzz.csv", false, encoding));
    (void)opsim::build_scenario(document, "fuzz.json", ".", &cache);
  } catch (const opsim::InputError&) {
  }
  return 0;
}
