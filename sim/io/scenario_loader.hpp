// Scenario files (JSON, schema_version 1, documented in scenarios/README.md) to a validated
// Scenario. Everything is checked before any simulation: errors are InputError naming the
// file, JSON pointer or CSV line, the value and what is allowed.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "models/scenario.hpp"
#include "sim/io/csv.hpp"
#include "sim/io/scenario_document.hpp"

namespace opsim {

//! CSV tables already read, by resolved path, so that sweeps build many variants of one
//! scenario without re-reading its CSV files.
class CsvCache {
 public:
  const CsvTable& get(const std::string& path);
  std::size_t files_read() const { return files_read_; }

 private:
  std::map<std::string, CsvTable> tables_;
  std::size_t files_read_ = 0;
};

//! Reads and validates a scenario file (resolving `extends`); CSV paths inside are relative to
//! its folder.
Scenario load_scenario(const std::string& path);

//! Validates an already parsed document (e.g. a sweep variant). `file` names it in messages;
//! `base_dir` resolves CSV paths.
Scenario build_scenario(const nlohmann::json& document, const std::string& file,
                        const std::string& base_dir, CsvCache* cache = nullptr);

//! Reads a JSON file, reporting syntax errors with line and column.
nlohmann::json read_json_file(const std::string& path);

//! Lower-case hex SHA-256 of a file's bytes.
std::string sha256_of_file(const std::string& path);
std::string sha256_of_bytes(const std::string& bytes);

//! The scenario's identity: the file's SHA-256, or for a scenario that extends another, the
//! SHA-256 of the resolved document.
std::string scenario_sha256(const ScenarioDocument& resolved);

}  // namespace opsim
