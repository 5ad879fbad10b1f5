#include "sim/io/scenario_document.hpp"

#include <filesystem>

#include "sim/base/error.hpp"
#include "sim/io/input.hpp"
#include "sim/io/json_pointer.hpp"

namespace opsim {

namespace fs = std::filesystem;

bool is_file_key(const std::string& key) {
  return key == "csv" || (key.size() > 4 && key.ends_with("_csv"));
}

namespace {

constexpr int kMaxDepth = 16;

fs::path folder_of(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

//! A relative path written in a file of folder `from`, as seen from folder `to`.
std::string rebase(const std::string& path, const fs::path& from, const fs::path& to) {
  const fs::path p(path);
  if (p.is_absolute()) return path;
  const fs::path target = fs::weakly_canonical(fs::absolute(from / p));
  const fs::path relative = target.lexically_relative(fs::weakly_canonical(fs::absolute(to)));
  return relative.empty() ? target.string() : relative.string();
}

//! Calls `visit` on every string of `node` that names a file: the value of a file key (or its
//! "path"), anywhere. `Json` is nlohmann::json or const nlohmann::json.
template <class Json, class Visit>
void visit_file_keys(Json& node, const Visit& visit) {
  if (node.is_array()) {
    for (auto& item : node) visit_file_keys(item, visit);
    return;
  }
  if (!node.is_object()) return;
  for (auto it = node.begin(); it != node.end(); ++it) {
    auto& value = it.value();
    if (is_file_key(it.key()) && value.is_string()) {
      visit(value);
    } else if (is_file_key(it.key()) && value.is_object() && value.contains("path") &&
               value["path"].is_string()) {
      visit(value["path"]);
    } else {
      visit_file_keys(value, visit);
    }
  }
}

//! Every file path of a scenario document: the file keys, and the territories section's
//! "accounts" when it names an accounts CSV (a path, or an object with "path") rather than a list.
template <class Json, class Visit>
void visit_file_paths(Json& document, const Visit& visit) {
  visit_file_keys(document, visit);
  if (document.is_object() && document.contains("territories")) {
    auto& section = document["territories"];
    if (!section.is_object() || !section.contains("accounts")) return;
    auto& accounts = section["accounts"];
    if (accounts.is_string()) {
      visit(accounts);
    } else if (accounts.is_object() && accounts.contains("path") && accounts["path"].is_string()) {
      visit(accounts["path"]);
    }
  }
}

}  // namespace

void rebase_files(nlohmann::json& node, const fs::path& from, const fs::path& to) {
  visit_file_paths(node,
                   [&](nlohmann::json& path) { path = rebase(path.get<std::string>(), from, to); });
}

std::vector<std::string> referenced_files(const nlohmann::json& document, const fs::path& folder) {
  std::vector<std::string> files;
  visit_file_paths(document, [&](const nlohmann::json& value) {
    const std::string path = value.get<std::string>();
    if (path.empty()) return;  // the loaders refuse it, naming the pointer
    const fs::path p(path);
    files.push_back(p.is_absolute() ? path : (folder / p).lexically_normal().string());
  });
  return files;
}

std::vector<std::string> scenario_files(const ScenarioDocument& resolved) {
  std::vector<std::string> files = resolved.files;
  const std::vector<std::string> referenced =
      referenced_files(resolved.document, folder_of(resolved.files.front()));
  files.insert(files.end(), referenced.begin(), referenced.end());
  return files;
}

namespace {

//! Applies the pointer operations of `patches` (at `file`: /patches) to `document`.
void apply_patches(nlohmann::json& document, const nlohmann::json& patches,
                   const std::string& file) {
  if (!patches.is_array()) {
    throw_input(
        "{}: /patches: expected a list of operations such as "
        "{{\"op\": \"replace\", \"path\": \"/segments[id=SMB]/win_rate\", \"value\": 0.25}}",
        file);
  }
  for (std::size_t i = 0; i < patches.size(); ++i) {
    const std::string where = fmt::format("{}: /patches/{}", file, i);
    nlohmann::json op = patches[i];
    if (!op.is_object() || !op.contains("op") || !op["op"].is_string() || !op.contains("path") ||
        !op["path"].is_string()) {
      throw_input(
          "{}: an operation needs \"op\" (add, remove, replace, move, copy or test) and "
          "\"path\"",
          where);
    }
    for (const char* key : {"path", "from"}) {
      if (!op.contains(key)) continue;
      if (!op[key].is_string()) throw_input("{}/{}: expected a JSON pointer", where, key);
      op[key] =
          resolve_pointer(document, op[key].get<std::string>(), where + "/" + key).to_string();
    }
    try {
      document = document.patch(nlohmann::json::array({op}));
    } catch (const nlohmann::json::exception& e) {
      throw_input("{}: the operation does not apply to the base scenario: {}", where, e.what());
    }
  }
}

ScenarioDocument resolve(const std::string& path, std::vector<fs::path>& chain) {
  ScenarioDocument out;
  const std::string bytes = read_input_file(path, InputKind::scenario_json);
  nlohmann::json document = parse_json(bytes, path, &out.duplicate_keys);
  out.files.push_back(path);
  out.sha256s.push_back(sha256_hex(bytes));
  if (!document.is_object() || !document.contains("extends")) {
    out.document = std::move(document);
    return out;
  }
  const nlohmann::json& extends = document["extends"];
  if (!extends.is_string() || extends.get<std::string>().empty()) {
    throw_input("{}: /extends: expected the path of the base scenario, relative to this file",
                path);
  }
  const fs::path base = folder_of(path) / extends.get<std::string>();
  std::error_code error;
  const fs::path identity = fs::weakly_canonical(fs::absolute(base), error);
  for (const fs::path& seen : chain) {
    if (seen == identity) {
      throw_input(
          "{}: /extends: \"{}\" leads back to {} (scenarios may not extend each other in "
          "a cycle)",
          path, extends.get<std::string>(), seen.string());
    }
  }
  if (chain.size() >= kMaxDepth) {
    throw_input("{}: /extends: more than {} scenarios deep", path, kMaxDepth);
  }
  if (!fs::exists(base)) {
    throw_input(
        "{}: /extends: the base scenario {} does not exist (paths are relative to this "
        "file's folder)",
        path, base.string());
  }
  chain.push_back(identity);
  ScenarioDocument parent = resolve(base.string(), chain);
  chain.pop_back();

  nlohmann::json resolved = std::move(parent.document);
  rebase_files(resolved, folder_of(base.string()), folder_of(path));
  nlohmann::json merge = document;
  merge.erase("extends");
  nlohmann::json patches;
  if (merge.contains("patches")) {
    patches = merge["patches"];
    merge.erase("patches");
  }
  resolved.merge_patch(merge);
  if (!patches.is_null()) apply_patches(resolved, patches, path);
  out.document = std::move(resolved);
  out.files.insert(out.files.end(), parent.files.begin(), parent.files.end());
  out.sha256s.insert(out.sha256s.end(), parent.sha256s.begin(), parent.sha256s.end());
  out.duplicate_keys.insert(out.duplicate_keys.end(), parent.duplicate_keys.begin(),
                            parent.duplicate_keys.end());
  return out;
}

}  // namespace

ScenarioDocument read_scenario_document(const std::string& path, bool collect_duplicate_keys) {
  std::vector<fs::path> chain;
  std::error_code error;
  chain.push_back(fs::weakly_canonical(fs::absolute(path), error));
  ScenarioDocument out = resolve(path, chain);
  if (!collect_duplicate_keys && !out.duplicate_keys.empty()) {
    InputErrorCollector errors;
    for (const std::string& message : out.duplicate_keys) errors.add(message);
    errors.throw_if_any();
  }
  return out;
}

}  // namespace opsim
