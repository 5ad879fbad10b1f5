// Control characters in text a user gave as an id or a name.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace opsim {

//! The position of the first control character of `text` (U+0000..U+001F or U+007F, tab and
//! line breaks included), if any: ids and names are printable text.
inline std::optional<std::size_t> control_character(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte == 0x7f) return i;
  }
  return std::nullopt;
}

//! `text` as a message quotes it: a line break, tab or other control character inside a value
//! written as an escape ("10\\n000"), so that the message stays on its lines (a review found a
//! quoted CSV value's line break printed raw, splitting the message).
inline std::string shown_value(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace opsim
