#include "sim/io/json_pointer.hpp"

#include <vector>

#include "sim/base/error.hpp"
#include "sim/io/json_reader.hpp"

namespace opsim {

namespace {

//! RFC 6901 escaping of one reference token.
std::string escape_token(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string unescape_token(const std::string& token) {
  std::string out;
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      out += token[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      out += token[i];
    }
  }
  return out;
}

std::string member_text(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace

nlohmann::json::json_pointer resolve_pointer(const nlohmann::json& document,
                                             const std::string& text, const std::string& where) {
  if (!text.empty() && text.front() != '/') {
    throw_input(
        "{}: \"{}\" is not a JSON pointer (it must start with '/', e.g. "
        "/segments[id=SMB]/win_rate)",
        where, text);
  }
  std::vector<std::string> tokens;
  for (std::size_t start = 1; start <= text.size() && !text.empty();) {
    const std::size_t end = text.find('/', start);
    tokens.push_back(
        text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  std::string plain;
  const nlohmann::json* node = &document;
  for (const std::string& raw : tokens) {
    const std::size_t open = raw.find('[');
    if (open == std::string::npos || raw.back() != ']') {
      plain.append("/").append(raw);
      const std::string token = unescape_token(raw);
      if (node && node->is_object() && node->contains(token)) {
        node = &(*node)[token];
      } else if (node && node->is_array() && !token.empty() &&
                 token.find_first_not_of("0123456789") == std::string::npos &&
                 std::stoull(token) < node->size()) {
        node = &(*node)[std::stoull(token)];
      } else {
        node = nullptr;
      }
      continue;
    }
    const std::string name = unescape_token(raw.substr(0, open));
    const std::string selector = raw.substr(open + 1, raw.size() - open - 2);
    const std::size_t equals = selector.find('=');
    if (equals == std::string::npos || equals == 0) {
      throw_input("{}: \"{}\": the selector [{}] must read [key=value], e.g. [id=SMB]", where, text,
                  selector);
    }
    const std::string key = selector.substr(0, equals);
    const std::string wanted = selector.substr(equals + 1);
    if (!name.empty()) {
      plain.append("/").append(escape_token(name));
      node = node && node->is_object() && node->contains(name) ? &(*node)[name] : nullptr;
    }
    if (!node || !node->is_array()) {
      throw_input("{}: \"{}\": {} is not an array in the scenario, so [{}] selects nothing", where,
                  text, plain.empty() ? "/" : plain, selector);
    }
    std::vector<std::string> ids;
    std::size_t found = node->size();
    for (std::size_t i = 0; i < node->size(); ++i) {
      const nlohmann::json& member = (*node)[i];
      if (!member.is_object() || !member.contains(key)) continue;
      const std::string id = member_text(member[key]);
      ids.push_back(id);
      if (id != wanted) continue;
      if (found != node->size()) {
        throw_input("{}: \"{}\": more than one member of {} has {} \"{}\"", where, text, plain, key,
                    wanted);
      }
      found = i;
    }
    if (found == node->size()) {
      const std::string close = did_you_mean(wanted, ids);
      throw_input("{}: \"{}\": no member of {} has {} \"{}\"{}", where, text, plain, key, wanted,
                  ids.empty()     ? std::string(" (no member has that key)")
                  : close.empty() ? std::string()
                                  : fmt::format(" (did you mean \"{}\"?)", close));
    }
    plain.append("/").append(std::to_string(found));
    node = &(*node)[found];
  }
  try {
    return nlohmann::json::json_pointer(plain);
  } catch (const nlohmann::json::exception&) {
    throw_input("{}: \"{}\" is not a JSON pointer", where, text);
  }
}

}  // namespace opsim
