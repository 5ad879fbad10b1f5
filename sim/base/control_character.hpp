// Control characters in text a user gave as an id or a name.
#pragma once

#include <cstddef>
#include <iterator>
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

namespace detail {
inline constexpr std::string_view kInvisible[] = {"\xC2\xA0",       // U+00A0 no-break space
                                                  "\xC2\xAD",       // U+00AD soft hyphen
                                                  "\xE2\x80\x87",   // U+2007 figure space
                                                  "\xE2\x80\x89",   // U+2009 thin space
                                                  "\xE2\x80\x8B",   // U+200B zero-width space
                                                  "\xE2\x80\x8C",   // U+200C zero-width non-joiner
                                                  "\xE2\x80\x8D",   // U+200D zero-width joiner
                                                  "\xE2\x80\xAF",   // U+202F narrow no-break space
                                                  "\xE2\x81\xA0",   // U+2060 word joiner
                                                  "\xEF\xBB\xBF"};  // U+FEFF byte-order mark
inline constexpr std::string_view kCodes[] = {"\\u00a0", "\\u00ad", "\\u2007", "\\u2009",
                                              "\\u200b", "\\u200c", "\\u200d", "\\u202f",
                                              "\\u2060", "\\ufeff"};
}  // namespace detail

//! The first character of `text` that a terminal shows as a plain space or not at all
//! (no-break, narrow, thin and figure spaces, zero-width ones, a byte-order mark, a soft
//! hyphen), as its code point ("\\u200b"); "" when there is none.
inline std::string_view invisible_character(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (static_cast<unsigned char>(text[i]) < 0xC2) continue;
    for (std::size_t k = 0; k < std::size(detail::kInvisible); ++k) {
      if (text.substr(i, detail::kInvisible[k].size()) == detail::kInvisible[k])
        return detail::kCodes[k];
    }
  }
  return {};
}

//! `text` as a message quotes it: a line break, tab or other control character inside a value
//! written as an escape ("10\\n000"), so that the message stays on its lines (a review found a
//! quoted CSV value's line break printed raw, splitting the message); so are the spaces and marks
//! a terminal shows as a plain space or not at all (no-break, narrow, thin and figure spaces,
//! zero-width ones, a byte-order mark, a soft hyphen: review, '12000 ' printed with an invisible
//! U+00A0 at its end), so that the user sees what is in the cell.
inline std::string shown_value(std::string_view text) {
  using detail::kCodes;
  using detail::kInvisible;
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0xC2) {
      std::size_t k = 0;
      while (k < std::size(kInvisible) && text.substr(i, kInvisible[k].size()) != kInvisible[k])
        ++k;
      if (k < std::size(kInvisible)) {
        out += kCodes[k];
        i += kInvisible[k].size() - 1;
        continue;
      }
    }
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
