// The input layer: every file opsim reads comes through here. A path that is not a regular file
// (FIFO, device, socket, folder) is refused before it is opened, each kind of input has a size
// limit, text is converted to UTF-8 from the declared encoding, and the bytes read are the bytes
// hashed for provenance (no second read that could see a different file).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/scenario.hpp"

namespace opsim {

//! What a file is, for its size limit and the wording of messages.
enum class InputKind {
  scenario_json,   //!< scenario, plan, history source and territory JSON: 16 MiB
  scenario_csv,    //!< CSV files a scenario references (roster, pipeline, ...): 256 MiB
  history_csv,     //!< CRM history exports read by calibrate/backtest: 1 GiB
  territory_data,  //!< territory accounts CSV and benchmark files: 256 MiB
  result_file,     //!< HDF5 shards and checkpoints read by merge/resume: 1 TiB
};

//! The largest file of `kind` opsim reads, in bytes.
std::uint64_t size_limit(InputKind kind);
std::string_view kind_name(InputKind kind);

//! The text encoding of CSV inputs (`--encoding`); JSON is always UTF-8.
enum class Encoding { utf8, cp1252, latin1 };

//! "utf-8" | "cp1252" | "latin1" (and common spellings); InputError naming `option` otherwise.
Encoding parse_encoding(std::string_view text, std::string_view option = "--encoding");
std::string_view encoding_name(Encoding encoding);

//! Settings that every reader of user files takes.
struct InputOptions {
  Encoding encoding = Encoding::utf8;  //!< of CSV inputs
};

//! Throws InputError (exit 2) naming `path` unless it is an existing regular file of at most
//! size_limit(kind) bytes. Does not open the file (a FIFO would block).
void require_regular_file(const std::string& path, InputKind kind);

//! The whole file, after require_regular_file; the read stops at the limit, so a file that
//! grows while it is read cannot exhaust memory.
std::string read_input_file(const std::string& path, InputKind kind);

//! What a path of this mode is, for a message: "a folder", "a FIFO (named pipe)", "a character
//! device", ... ("not a regular file" for the rest).
std::string_view file_type(mode_t mode);

//! `bytes` as UTF-8: checked when `encoding` is utf-8 (the error names file:line:column and
//! suggests --encoding cp1252), converted otherwise.
std::string to_utf8(std::string bytes, Encoding encoding, std::string_view name);

//! Lower-case hex SHA-256.
std::string sha256_hex(std::string_view bytes);

//! SHA-256 over `inputs` listed as `sha256sum` prints them ("<sha256>  <path>" lines): the
//! identity of a run, which changes when the scenario or any file it references changes.
std::string inputs_sha256(const std::vector<InputDigest>& inputs);

//! The first input file whose content (or encoding) differs between two runs, as a message
//! naming it and both runs; none when they agree. Lists recorded by versions that did not record
//! inputs (empty) are not compared.
std::optional<std::string> inputs_difference(const std::vector<InputDigest>& recorded,
                                             const std::string& recorded_in,
                                             const std::vector<InputDigest>& current,
                                             const std::string& current_in);

//! Throws InputError naming the first input file whose content differs between two runs (the
//! inputs recorded in `recorded_in` and those of `current_in`); `consequence` ends the message.
//! Lists recorded by versions that did not record inputs (empty) are not compared.
void require_same_inputs(const std::vector<InputDigest>& recorded, const std::string& recorded_in,
                         const std::vector<InputDigest>& current, const std::string& current_in,
                         std::string_view consequence);

//! `key` as one token of a JSON pointer (RFC 6901: `~` -> `~0`, `/` -> `~1`).
std::string json_pointer_token(std::string_view key);

//! Parses JSON text (UTF-8; `//` and `/* */` comments allowed). Syntax errors name
//! `name:line:column`; numbers that overflow a double and nesting deeper than 64 levels name
//! the JSON pointer. A key repeated in one object is an input error naming the object's pointer
//! and the key; with `duplicate_keys` given, each is appended there instead (the parse goes on,
//! keeping the last value) so that a loader can report them with its own errors at once.
nlohmann::json parse_json(std::string_view text, const std::string& name,
                          std::vector<std::string>* duplicate_keys = nullptr);

//! read_input_file + parse_json.
nlohmann::json read_json_file(const std::string& path, InputKind kind = InputKind::scenario_json);

}  // namespace opsim
