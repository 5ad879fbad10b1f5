// Scenario files (JSON, schema_version 1 or 2, documented in scenarios/README.md) to a validated
// Scenario. Everything is checked before any simulation: errors are InputError naming the
// file, JSON pointer or CSV line, the value and what is allowed.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "models/scenario.hpp"
#include "sim/io/csv.hpp"
#include "sim/io/input.hpp"
#include "sim/io/scenario_document.hpp"

namespace opsim {

//! CSV tables already read, by resolved path, so that sweeps build many variants of one
//! scenario without re-reading its CSV files.
class CsvCache {
 public:
  explicit CsvCache(InputOptions options = {}) : options_(options) {}
  const CsvTable& get(const std::string& path);
  //! Serves `table` (read elsewhere, e.g. from memory) as the file `path`.
  void put(const std::string& path, CsvTable table) {
    tables_.insert_or_assign(path, std::move(table));
  }
  std::size_t files_read() const { return files_read_; }

 private:
  std::map<std::string, CsvTable> tables_;
  std::size_t files_read_ = 0;
  InputOptions options_;
};

//! Reads and validates a scenario file, resolving `extends`; CSV paths inside are relative to its
//! folder and read with `options.encoding`. `inputs` lists the file (and the files it extends)
//! and every CSV it references with SHA-256.
Scenario load_scenario(const std::string& path, const InputOptions& options = {});

//! A scenario and the resolved document it was built from. The document is what the plan
//! loader (plan_loader.hpp) reads the "plan" section from and what results store as provenance
//! (/scenario/document); the Scenario itself does not carry it.
struct LoadedScenario {
  Scenario scenario;
  ScenarioDocument document;
};
LoadedScenario load_scenario_and_document(const std::string& path,
                                          const InputOptions& options = {});

//! Validates an already parsed document (e.g. a sweep variant). `file` names it in messages;
//! `base_dir` resolves CSV paths; the cache (if any) carries the CSV encoding.
Scenario build_scenario(const nlohmann::json& document, const std::string& file,
                        const std::string& base_dir, CsvCache* cache = nullptr);

//! The members a scenario's root object may have.
const std::vector<std::string_view>& scenario_keys();

//! Lower-case hex SHA-256 of a scenario file's bytes.
std::string sha256_of_file(const std::string& path);

//! The scenario's identity: the file's SHA-256, or for a scenario that extends another, the
//! SHA-256 of the resolved document.
std::string scenario_sha256(const ScenarioDocument& resolved);

}  // namespace opsim
