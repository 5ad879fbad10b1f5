// `opsim run --export-deals`: one trial's opportunities as a CRM-style CSV that `opsim
// calibrate` reads without a mapping (columns id, owner, region, segment, product, stage,
// created, closed, amount, currency; `--map segment=product` fits per product), so fits can be
// checked against the parameters that made the data.
#pragma once

#include <cstdint>
#include <string>

#include "models/scenario.hpp"

namespace opsim {

//! Simulates trial `trial` with seed `seed` again (identical to that trial of a run) and writes
//! its opportunities. Dates are the 15th of their month; pipeline deals have no created date
//! and those still open at the horizon's end have stage "Open" and no close date.
void export_deals(const std::string& path, const Scenario& scenario, std::uint64_t seed,
                  std::uint64_t trial);

}  // namespace opsim
