// Scenario files that extend another: `"extends": "base.json"` plus a JSON Merge Patch (every
// other top-level key) and pointer operations (`"patches"`, RFC 6902 with id selectors such as
// /hiring_plan[id=emea-h1]/count). Documented in scenarios/README.md ("Scenarios that extend
// each other").
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace opsim {

struct ScenarioDocument {
  //! The full scenario; file paths in it are relative to the folder of the file named first
  //! in `files` (a base's own relative paths are rewritten accordingly).
  nlohmann::json document;
  //! The scenario files read: the one asked for, then its base, the base's base, ...
  std::vector<std::string> files;
  std::vector<std::string> sha256s;  //!< of each file's bytes as read, in the order of `files`
  //! Keys repeated in one object of any of the files (messages naming file, pointer and key):
  //! the loader reports them together with its own errors.
  std::vector<std::string> duplicate_keys;
  bool extends() const { return files.size() > 1; }
};

//! Reads `path` and resolves its `extends` chain (at most 16 deep, no cycles). InputError names
//! the file and pointer of anything wrong (missing base, cycle, a patch that does not apply).
//! A key repeated in one object is an input error too, unless `collect_duplicate_keys`: then
//! they are left in `duplicate_keys` for the loader to report with its own errors.
ScenarioDocument read_scenario_document(const std::string& path,
                                        bool collect_duplicate_keys = false);

//! Keys of a scenario document that name files, whose relative paths follow the document's
//! folder: "csv" (a path, or an object with "path") and "*_csv" (e.g. "prior_bookings_csv").
bool is_file_key(const std::string& key);

//! Rewrites every relative file path in `node` (see is_file_key; and /territories/accounts when
//! it names a CSV) so that, read from folder `to`, it names the file it named from folder `from`.
void rebase_files(nlohmann::json& node, const std::filesystem::path& from,
                  const std::filesystem::path& to);

//! Every file a scenario document names (the values of its file keys, see is_file_key, and
//! /territories/accounts when it names a CSV), resolved against `folder`; whether or not the
//! command at hand reads it (a plan's prior_bookings_csv, the territories' accounts CSV).
std::vector<std::string> referenced_files(const nlohmann::json& document,
                                          const std::filesystem::path& folder);

//! The one list of a scenario's files, which no output may overwrite: each scenario file read
//! (the one asked for, then the files it extends), then referenced_files of the resolved
//! document (its paths are relative to the first file's folder).
std::vector<std::string> scenario_files(const ScenarioDocument& resolved);

}  // namespace opsim
