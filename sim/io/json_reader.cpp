#include "sim/io/json_reader.hpp"

#include <algorithm>
#include <cmath>

#include "models/calendar.hpp"
#include "sim/io/input.hpp"

namespace opsim {

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

thread_local NumberUseRecorder* active_recorder = nullptr;

void note_use(const std::string& pointer, double lo, double hi, bool integer = false) {
  if (active_recorder) active_recorder->note(pointer, lo, hi, integer);
}

std::string show(const nlohmann::json& value) {
  std::string text = value.dump();
  return text.size() > 60 ? text.substr(0, 57) + "..." : text;
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
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& candidate : candidates) {
    const std::size_t d = edit_distance(word, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
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
