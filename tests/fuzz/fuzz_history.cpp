// The CRM history reader (calibrate, backtest) on arbitrary bytes. Byte 0 chooses which export
// the bytes are (opportunities, bookings, reps or products beside a fixed opportunity export),
// byte 1 the encoding and byte 2 the date order.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sim/base/error.hpp"
#include "sim/io/history_reader.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

constexpr std::string_view kOpportunities =
    "id,owner,segment,stage,created,closed,amount\n"
    "A1,Anna,GTX Pro,Won,2017-01-05,2017-03-01,4800\n"
    "A2,Bo,GTX Pro,Lost,2017-01-06,2017-03-02,10\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using opsim::fuzz::scratch_file;
  using opsim::fuzz::take_choice;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::size_t role = take_choice(bytes, 4);
  opsim::HistorySource source;
  source.encoding = static_cast<opsim::Encoding>(take_choice(bytes, 3));
  source.day_first = take_choice(bytes, 2) == 1;
  const std::string path = scratch_file("history.csv", bytes);
  const opsim::TableSource table{path, {}};
  if (role == 1) {
    source.bookings = table;
  } else {
    if (role == 0) {
      source.opportunities = table;
    } else {
      source.opportunities = opsim::TableSource{scratch_file("base.csv", kOpportunities), {}};
      (role == 2 ? source.reps : source.products) = table;
    }
  }
  try {
    opsim::ReadReport report;
    (void)opsim::read_history(source, report);
  } catch (const opsim::InputError&) {
  }
  return 0;
}
