// Scenario files that extend another: `"extends": "base.json"` plus a JSON Merge Patch (every
// other top-level key) and pointer operations (`"patches"`, RFC 6902 with id selectors such as
// /hiring_plan[id=emea-h1]/count). Documented in scenarios/README.md ("Scenarios that extend
// each other").
#pragma once

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
  bool extends() const { return files.size() > 1; }
};

//! Reads `path` and resolves its `extends` chain (at most 16 deep, no cycles). InputError names
//! the file and pointer of anything wrong (missing base, cycle, a patch that does not apply).
ScenarioDocument read_scenario_document(const std::string& path);

//! Keys of a scenario document that name files, whose relative paths follow the document's
//! folder: "csv" (a path, or an object with "path") and "prior_bookings_csv".
bool is_file_key(const std::string& key);

}  // namespace opsim
