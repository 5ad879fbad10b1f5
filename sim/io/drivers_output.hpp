// Writing `opsim drivers` results: sources.csv, tornado.csv and solve.csv, the /drivers group of
// the HDF5 file, and the terminal tables sorted by size. Layout: results/README.md "drivers".
#pragma once

#include <string>
#include <vector>

#include <H5Cpp.h>

#include "sim/engine/drivers.hpp"
#include "sim/io/output_files.hpp"

namespace opsim {

//! The CSV files a run of the parts asked for may write, for the output clash check (review: a
//! run with --no-sources refused an existing sources.csv it would not write).
std::vector<std::string> drivers_csv_names(bool sources, bool tornado, bool solve);
std::vector<FolderFile> drivers_csv_files(const DriversResult& result);

//! /drivers: attributes for the outcome and its target, /drivers/sources, /drivers/tornado and
//! /drivers/solve (datasets with a names list each).
void write_drivers_hdf5(H5::H5File& file, const DriversResult& result);

//! The outcome's sd were a source fixed, read against the printed sd: sd sqrt(1 - share), the
//! share taken in [0, 1] (an estimate below 0 is noise around "explains nothing", so the figure
//! never exceeds the sd; a review found 8.48M against an sd of 8.21M); NaN without a share.
double sd_if_fixed(double sd, double share);

//! One end of a tornado row as people read it, by its `change`: a factor "x0.9", a month shift
//! "-1 mo", or a value as written (the terminal and the report alike).
std::string tornado_value(const std::string& change, double value);

//! The terminal view: the outcome, the sources of uncertainty, the tornado and the solve.
std::string drivers_text(const DriversResult& result);

}  // namespace opsim
