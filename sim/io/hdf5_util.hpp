// Small HDF5 writing helpers shared by the result writers (layouts in results/*.md).
#pragma once

#include <H5Cpp.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/scenario.hpp"
#include "sim/io/output.hpp"

namespace opsim {

//! Writes the HDF5 file `path` through the output layer: `body` fills the open file. HDF5
//! errors (disk full included) close the file cleanly and throw OutputError naming `path` and
//! the operating system's message; nothing is left at `path` or beside it.
void write_hdf5_document(const std::string& path, const std::function<void(H5::H5File&)>& body);
//! True after a write whose file libhdf5 could not close (a full disk, a file-size limit):
//! libhdf5's own exit handler would then crash, so the process ends without it.
bool hdf5_unsafe_to_close_at_exit();

//! Root attributes (tool version, git revision, scenario SHA-256 and name, stream scheme,
//! command line, reporting currency, seed, trials) and /scenario/document.
void write_provenance(H5::H5File& file, const Scenario& scenario, const Provenance& provenance,
                      std::uint64_t trials);

void string_attribute(H5::H5Object& object, const std::string& name, const std::string& value);
void uint_attribute(H5::H5Object& object, const std::string& name, std::uint64_t value);
void int_attribute(H5::H5Object& object, const std::string& name, std::int64_t value);
void write_strings(H5::Group& group, const std::string& name,
                   const std::vector<std::string>& values);
enum class Storage {
  contiguous,
  //! Chunks of whole rows (first dimension; about 1 MiB, or one row when a row is larger)
  //! through shuffle + deflate level 1, filtered in parallel in the calling task arena; readers
  //! see an ordinary filtered dataset.
  compressed
};

//! A double array with named dimensions.
void write_doubles(H5::Group& group, const std::string& name, const std::vector<hsize_t>& dims,
                   const double* data, const std::string& dimension_names,
                   Storage storage = Storage::contiguous);

}  // namespace opsim
