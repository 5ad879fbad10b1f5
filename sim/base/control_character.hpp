// Control characters in text a user gave as an id or a name.
#pragma once

#include <cstddef>
#include <optional>
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

}  // namespace opsim
