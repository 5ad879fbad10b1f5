// Writing a cost-aware comparison (sim/engine/economics.hpp): economics.csv and
// target_changes.csv, the /alternative_k/economics group of the compare HDF5 file, and the
// terminal table that shows base and alternatives side by side. Layout: results/README.md.
#pragma once

#include <string>
#include <vector>

#include <H5Cpp.h>

#include "models/scenario.hpp"
#include "sim/engine/economics.hpp"
#include "sim/io/output_files.hpp"

namespace opsim {

//! The two CSV files, for write_folder_files.
std::vector<FolderFile> economics_csv_files(const Scenario& base, const ResultLayout& layout,
                                            const std::vector<Economics>& economics,
                                            double return_threshold);

//! /alternative_{k}/economics (datasets [period][region]) and /alternative_{k}/target_changes.
void write_economics_hdf5(H5::H5File& file, const Scenario& base, const ResultLayout& layout,
                          const std::vector<Economics>& economics, double return_threshold);

//! Per fiscal year, company total, scenarios side by side (base, then per alternative its value
//! and paired difference ±SE): rows bookings, cost, contribution, return on cost, P(better) and
//! P(return > x), at most two alternatives per block so that lines fit 100 columns (per-region
//! detail is in economics.csv); then each target's paired change in P(reach) ±SE. Without
//! costs only the target changes. Amounts in the reporting currency, named in the heading.
std::string economics_table(const Scenario& base, const ResultLayout& layout,
                            const std::vector<Economics>& economics, double return_threshold,
                            bool with_costs);

}  // namespace opsim
