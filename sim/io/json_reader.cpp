#include "sim/io/json_reader.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "models/calendar.hpp"
#include "sim/base/control_character.hpp"
#include "sim/io/input.hpp"

namespace opsim {

namespace {

//! Optimal-string-alignment distance, ignoring case: "Emea" is 0 from "EMEA", a swap of two
//! neighbouring letters costs 1.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  auto lower = [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  const std::size_t n = b.size();
  std::vector<std::size_t> before(n + 1), previous(n + 1), row(n + 1);
  for (std::size_t j = 0; j <= n; ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    row[0] = i;
    for (std::size_t j = 1; j <= n; ++j) {
      const bool same = lower(a[i - 1]) == lower(b[j - 1]);
      row[j] = std::min({previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (same ? 0 : 1)});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1]))
        row[j] = std::min(row[j], before[j - 2] + 1);
    }
    before.swap(previous);
    previous.swap(row);
  }
  return previous[n];
}

//! Edits a suggestion may be away: 1 for words of up to 4 letters ("AMER" is 2 from "EMEA"),
//! 2 up to 8, 3 beyond.
std::size_t close_enough(std::string_view word) {
  return word.size() <= 4 ? 1 : word.size() <= 8 ? 2 : 3;
}

thread_local NumberUseRecorder* active_recorder = nullptr;

void note_use(const std::string& pointer, double lo, double hi, bool integer = false) {
  if (active_recorder) active_recorder->note(pointer, lo, hi, integer);
}

std::string show(const nlohmann::json& value) {
  std::string text = value.dump();
  if (text.size() > 60) {
    // Shortened in place: g++ 12 reports a false -Warray-bounds for substr(...) + "..." here
    // when the precompiled headers are on.
    text.resize(57);
    text += "...";
  }
  return text;
}

}  // namespace

NumberUseRecorder::NumberUseRecorder() : previous_(active_recorder) {
  active_recorder = this;
}

NumberUseRecorder::~NumberUseRecorder() {
  active_recorder = previous_;
}

void NumberUseRecorder::note(const std::string& pointer, double lo, double hi, bool integer) {
  NumberUse& use = uses_[pointer];
  use.lo = std::max(use.lo, lo);
  use.hi = std::min(use.hi, hi);
  use.integer = use.integer || integer;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = close_enough(word) + 1;
  for (const auto& candidate : candidates) {
    const std::size_t d = edit_distance(word, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

std::vector<std::string> closest(std::string_view word, const std::vector<std::string>& candidates,
                                 std::size_t count) {
  std::vector<std::pair<std::size_t, std::size_t>> ranked;  // (distance, index)
  for (std::size_t i = 0; i < candidates.size(); ++i)
    ranked.emplace_back(edit_distance(word, candidates[i]), i);
  const std::size_t n = std::min(count, ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(n), ranked.end());
  std::vector<std::string> out;
  for (std::size_t k = 0; k < n; ++k) out.push_back(candidates[ranked[k].second]);
  return out;
}

void JsonNode::expect_object() const {
  if (!value_->is_object()) fail("{} is not an object", show(*value_));
}

bool JsonNode::has(std::string_view key) const {
  return value_->is_object() && value_->contains(key);
}

JsonNode JsonNode::at(std::string_view key) const {
  expect_object();
  auto it = value_->find(key);
  if (it == value_->end()) fail("required member \"{}\" is missing", key);
  return JsonNode(*it, file_, pointer_ + "/" + json_pointer_token(key));
}

std::optional<JsonNode> JsonNode::get(std::string_view key) const {
  expect_object();
  auto it = value_->find(key);
  if (it == value_->end() || it->is_null()) return std::nullopt;
  return JsonNode(*it, file_, pointer_ + "/" + json_pointer_token(key));
}

JsonNode JsonNode::at(std::size_t index) const {
  return JsonNode((*value_)[index], file_, pointer_ + "/" + std::to_string(index));
}

std::size_t JsonNode::size() const {
  if (!value_->is_array()) fail("{} is not an array", show(*value_));
  return value_->size();
}

std::vector<JsonNode> JsonNode::items() const {
  std::vector<JsonNode> out;
  for (std::size_t i = 0; i < size(); ++i) out.push_back(at(i));
  return out;
}

std::vector<std::string> JsonNode::keys() const {
  expect_object();
  std::vector<std::string> out;
  for (auto it = value_->begin(); it != value_->end(); ++it) out.push_back(it.key());
  return out;
}

void JsonNode::allow_only(const std::vector<std::string_view>& allowed) const {
  expect_object();
  std::vector<std::string> names(allowed.begin(), allowed.end());
  for (auto it = value_->begin(); it != value_->end(); ++it) {
    if (std::find(names.begin(), names.end(), it.key()) != names.end()) continue;
    const std::string suggestion = did_you_mean(it.key(), names);
    JsonNode member(*it, file_, pointer_ + "/" + json_pointer_token(it.key()));
    if (!suggestion.empty())
      member.fail("unknown key \"{}\" (did you mean \"{}\"?)", it.key(), suggestion);
    member.fail("unknown key \"{}\" (allowed: {})", it.key(), fmt::join(names, ", "));
  }
}

double JsonNode::number() const {
  if (!value_->is_number()) fail("{} is not a number", show(*value_));
  const double v = value_->get<double>();
  if (!std::isfinite(v)) fail("{} is not a finite number", show(*value_));
  note_use(pointer_, -std::numeric_limits<double>::infinity(),
           std::numeric_limits<double>::infinity());
  return v;
}

double JsonNode::number_in(double lo, double hi, std::string_view what) const {
  const double v = number();
  note_use(pointer_, lo, hi);
  if (v < lo || v > hi) fail("{} is not {} ({}..{})", show(*value_), what, lo, hi);
  return v;
}

double JsonNode::non_negative() const {
  const double v = number();
  note_use(pointer_, 0.0, std::numeric_limits<double>::infinity());
  if (v < 0) fail("{} is negative (must be >= 0)", show(*value_));
  return v;
}

double JsonNode::positive() const {
  const double v = number();
  note_use(pointer_, 0.0, std::numeric_limits<double>::infinity());
  if (v <= 0) fail("{} is not positive (must be > 0)", show(*value_));
  return v;
}

double JsonNode::probability() const {
  return number_in(0.0, 1.0, "a probability");
}

long long JsonNode::integer(long long lo, long long hi) const {
  if (!value_->is_number_integer() &&
      !(value_->is_number() && std::floor(number()) == number() && std::abs(number()) < 9e15)) {
    fail("{} is not an integer", show(*value_));
  }
  const double v = number();
  note_use(pointer_, static_cast<double>(lo), static_cast<double>(hi), true);
  if (v < static_cast<double>(lo) || v > static_cast<double>(hi)) {
    fail("{} is out of range (allowed {}..{})", show(*value_), lo, hi);
  }
  return value_->is_number_unsigned() ? static_cast<long long>(value_->get<unsigned long long>())
                                      : value_->get<long long>();
}

bool JsonNode::boolean() const {
  if (!value_->is_boolean()) fail("{} is not true or false", show(*value_));
  return value_->get<bool>();
}

std::string JsonNode::string() const {
  if (!value_->is_string()) fail("{} is not a string", show(*value_));
  return value_->get<std::string>();
}

std::string JsonNode::id() const {
  std::string text = string();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    fail("\"{}\" is not an id (an id must not be empty or blank)", text);
  if (const auto at = control_character(text)) {
    fail("\"{}\" holds the control character U+{:04X} (an id is printable text)", text,
         static_cast<unsigned>(text[*at]));
  }
  return text;
}

int JsonNode::year_month() const {
  const std::string text = string();
  auto month = parse_year_month(text);
  if (!month) fail("\"{}\" is not a month (expected YYYY-MM, e.g. 2027-04)", text);
  return *month;
}

std::vector<double> JsonNode::numbers() const {
  std::vector<double> out;
  for (const auto& item : items()) out.push_back(item.number());
  return out;
}

}  // namespace opsim
