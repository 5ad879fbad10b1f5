#include "sim/io/json_pointer.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

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
      } else if (node && node->is_array() && !token.empty() && token.size() <= 19 &&
                 token.find_first_not_of("0123456789") == std::string::npos &&
                 std::stoull(token) < node->size()) {  // 19 digits: below 2^64, no overflow
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
      // Without a close match, the known values (as scenarios/README.md promises).
      throw_input("{}: \"{}\": no member of {} has {} \"{}\"{}", where, text, plain, key, wanted,
                  ids.empty()     ? std::string(" (no member has that key)")
                  : close.empty() ? fmt::format(" (known: {})", fmt::join(ids, ", "))
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

nlohmann::json::json_pointer number_pointer(const nlohmann::json& document, const std::string& text,
                                            const std::string& where) {
  const auto pointer = resolve_pointer(document, text, where);
  bool number = false;
  try {
    number = document.contains(pointer) && document.at(pointer).is_number();
  } catch (const nlohmann::json::exception&) {  // an index of 20 digits: the library's stoull
  }
  if (!number) throw_input("{}: {} does not point at a number in the scenario", where, text);
  return pointer;
}

namespace {

//! An array member as a person names it: its id (a currency: its code); else the selectors it
//! applies to (an override: "APAC SMB from 2027-07"); else its position (1-based).
std::string member_name(const nlohmann::json& member, std::size_t index) {
  for (const char* key : {"id", "code"}) {
    const auto id = member.find(key);
    if (id != member.end() && id->is_string()) return id->get<std::string>();
  }
  std::vector<std::string> selectors;
  for (const char* key : {"region", "segment", "product", "from", "to"}) {
    const auto value = member.find(key);
    if (value == member.end() || !value->is_string()) continue;
    const std::string_view name = key;
    selectors.push_back(name == "from" || name == "to"
                            ? fmt::format("{} {}", name, value->get<std::string>())
                            : value->get<std::string>());
  }
  if (selectors.empty()) return std::to_string(index + 1);
  return fmt::format("{}", fmt::join(selectors, " "));
}

}  // namespace

std::string pointer_words(const nlohmann::json& document,
                          const nlohmann::json::json_pointer& pointer) {
  // The pointer's tokens, from the root.
  std::vector<std::string> tokens;
  for (auto p = pointer; !p.empty(); p = p.parent_pointer())
    tokens.insert(tokens.begin(), p.back());
  // "segments" -> "segment", "currencies" -> "currency".
  auto singular = [](std::string name) {
    std::replace(name.begin(), name.end(), '_', ' ');
    if (name.size() > 3 && name.ends_with("ies")) return name.substr(0, name.size() - 3) + "y";
    if (name.size() > 1 && name.back() == 's') name.pop_back();
    return name;
  };
  std::vector<std::string> members, words;
  const nlohmann::json* at = &document;
  std::string key;  // the token naming the array `at` is
  for (const std::string& token : tokens) {
    if (at != nullptr && at->is_array()) {
      std::size_t index = 0;
      const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), index);
      const nlohmann::json* member =
          error == std::errc() && end == token.data() + token.size() && index < at->size()
              ? &(*at)[index]
              : nullptr;
      if (member != nullptr && member->is_object()) {
        // A member with an id (a currency: its code) is named by it, one without by its
        // position.
        members.push_back(fmt::format("{} {}", singular(key), member_name(*member, index)));
        words.clear();
      } else {
        words.push_back(member != nullptr ? std::to_string(index + 1) : token);
      }
      at = member;
    } else if (token == "set" && !members.empty() && words.empty()) {
      // An override's "set" names no parameter: "Win rate (override APAC SMB)".
      at = at != nullptr && at->is_object() && at->contains(token) ? &(*at)[token] : nullptr;
    } else {
      // "ote" -> "OTE", "churned_arr" -> "churned ARR" (review: "Ote (plan smb-ae)").
      std::string word;
      for (std::size_t start = 0; start <= token.size();) {
        const std::size_t end = std::min(token.find('_', start), token.size());
        std::string piece = token.substr(start, end - start);
        start = end + 1;
        for (const char* acronym : {"ote", "arr", "fte", "fx", "spif", "id"}) {
          if (piece == acronym)
            std::transform(piece.begin(), piece.end(), piece.begin(),
                           [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        }
        word += (word.empty() ? "" : " ") + piece;
      }
      words.push_back(word);
      at = at != nullptr && at->is_object() && at->contains(token) ? &(*at)[token] : nullptr;
    }
    key = token;
  }
  std::string text = fmt::format("{}", fmt::join(words, " "));
  if (text.empty()) text = pointer.to_string();
  text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  if (!members.empty()) text += fmt::format(" ({})", fmt::join(members, ", "));
  return text;
}

}  // namespace opsim
