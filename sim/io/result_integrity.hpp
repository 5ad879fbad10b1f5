// Result files check themselves before libhdf5 reads them. libhdf5 1.10 can read freed memory
// or overrun a buffer while parsing a damaged file (tests/fuzz/known_crashes/README.md), so a
// damaged result file must be refused by opsim's own plain reads first.
//
// Every HDF5 file opsim writes starts with a 512-byte user block (which HDF5 skips; h5py and
// h5dump read the file as usual) holding the SHA-256 of everything after it, and uses the 1.10
// file format (superblock version 3, object headers and chunk indexes with Jenkins lookup3
// checksums that libhdf5 verifies on read). verify_result_file checks, without libhdf5: the
// user block, the SHA-256 of the rest of the file, the superblock's signature, version,
// checksum and end-of-file address. Layout: results/README.md, "How result files protect
// themselves".
#pragma once

#include <H5Ppublic.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace opsim {

//! Bytes before the HDF5 superblock (HDF5 allows 512, 1024, 2048, ...).
constexpr std::size_t kResultUserBlockBytes = 512;

//! File-creation properties of a result file: the user block. Caller closes.
hid_t result_file_creation_properties();
//! File-access properties of a result file: the 1.10 format (checksummed metadata). Caller
//! closes.
hid_t result_file_access_properties();

//! Writes the user block of the closed HDF5 file `path` (created with the properties above):
//! the SHA-256 of its bytes after the user block. OutputError naming `name` on a failed read or
//! write.
void seal_result_file(const std::string& path, const std::string& name);

//! InputError (exit 2) naming `path` unless it is a result file opsim sealed and nothing in it
//! changed since: a file of an older opsim (no user block), another HDF5 file, a damaged or
//! truncated file are refused before libhdf5 opens them.
void verify_result_file(const std::string& path);

//! What a file starting with `head` (its first bytes) is when it is a result file or another HDF5
//! file: "an opsim result file (HDF5)" or "an HDF5 file"; empty otherwise.
std::string_view result_file_kind(std::string_view head);
//! Bytes result_file_kind() needs of a file's start.
constexpr std::size_t kResultFileHeadBytes = 18;

//! Bob Jenkins' lookup3 `hashlittle`, the checksum of HDF5's metadata (initial value 0).
std::uint32_t lookup3_checksum(const void* data, std::size_t length);

}  // namespace opsim
