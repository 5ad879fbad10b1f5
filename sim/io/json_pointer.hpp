// JSON pointers that may select array members by id, for every place that takes a pointer
// (`--set`, scenario patches): "/segments[id=SMB]/win_rate", "/hiring_plan[id=emea-h1]/count".
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace opsim {

//! Turns `text` (RFC 6901 plus `name[key=value]` tokens) into a plain pointer into `document`:
//! a selector picks the one member of the array `name` whose `key` equals `value` (compared as
//! text). Plain tokens are kept as written, so a pointer may name a member still to be added.
//! InputError naming `where`, the selector and the closest ids when no member matches, or when
//! the text is not a pointer.
nlohmann::json::json_pointer resolve_pointer(const nlohmann::json& document,
                                             const std::string& text, const std::string& where);

//! resolve_pointer(), then InputError "WHERE: TEXT does not point at a number in the scenario"
//! unless it does (an index too large for any list included: `--set`, `--range`, `--solve`).
nlohmann::json::json_pointer number_pointer(const nlohmann::json& document, const std::string& text,
                                            const std::string& where);

//! What `pointer` (resolved: plain tokens) names in `document`, in words for a heading: the keys
//! after the last array member, their underscores as spaces, then the members it passes through
//! by their ids: "/segments/0/deal_size/mean" -> "Deal size mean (segment SMB)",
//! "/regions/1/seasonality/3" -> "Seasonality 4 (region EMEA)"; a member without an id by its
//! position ("target 2").
std::string pointer_words(const nlohmann::json& document,
                          const nlohmann::json::json_pointer& pointer);

}  // namespace opsim
