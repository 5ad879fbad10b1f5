#include "sim/io/input.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <set>
#include <vector>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "sim/base/error.hpp"
#include "sim/io/result_integrity.hpp"

namespace opsim {

namespace {

constexpr std::uint64_t kMiB = 1024ULL * 1024ULL;
constexpr int kMaxJsonDepth = 64;

std::string format_bytes(std::uint64_t bytes) {
  if (bytes >= 1024 * kMiB)
    return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / 1073741824.0);
  if (bytes >= kMiB) return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / kMiB);
  return fmt::format("{} bytes", bytes);
}

//! Code points of Windows-1252 bytes 0x80..0x9F; 0 marks the five undefined bytes.
constexpr std::array<char32_t, 32> kCp1252High{
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

//! Length of the valid UTF-8 sequence at `i`, or 0 (overlong forms, surrogates and code
//! points above U+10FFFF are invalid, as in RFC 3629).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) return 1;
  std::size_t length = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + length > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < length; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return length;
}

//! 1-based line and column (in bytes) of offset `at`.
std::pair<std::size_t, std::size_t> line_column(std::string_view text, std::size_t at) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < at && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

//! Follows the parser's events to know the JSON pointer of the value being read.
class PointerTracker {
 public:
  struct Frame {
    bool array = false;
    std::size_t index = 0;
    std::string key;
    std::set<std::string> keys;  //!< of an object, so far
  };

  void open(bool array, const std::string& name) {
    frames_.push_back({array, 0, {}, {}});
    if (static_cast<int>(frames_.size()) > kMaxJsonDepth)
      throw_input("{}: {}: nesting deeper than {} levels", name, pointer(), kMaxJsonDepth);
  }
  void close() {
    if (!frames_.empty()) frames_.pop_back();
    element_done();
  }
  //! nlohmann keeps the last of two equal keys silently: a duplicate is an error naming the
  //! object's pointer.
  void key(std::string key, const std::string& name, std::vector<std::string>* duplicates) {
    if (frames_.empty()) return;
    if (!frames_.back().keys.insert(key).second) {
      const Frame object = std::move(frames_.back());
      frames_.pop_back();
      const std::string where = pointer();  // of the object holding the key
      frames_.push_back(object);
      std::string message = fmt::format(
          "{}: {}: duplicate key \"{}\" (JSON keeps only one of them; remove or rename the other)",
          name, where, key);
      if (!duplicates) throw InputError(std::move(message));
      duplicates->push_back(std::move(message));
    }
    frames_.back().key = std::move(key);
  }
  void element_done() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
  }
  std::string pointer() const {
    std::string out;
    for (const Frame& f : frames_) {
      out.push_back('/');
      out.append(f.array ? std::to_string(f.index) : json_pointer_token(f.key));
    }
    return out.empty() ? "/" : out;
  }

 private:
  std::vector<Frame> frames_;
};

}  // namespace

std::string_view file_type(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::uint64_t size_limit(InputKind kind) {
  switch (kind) {
    case InputKind::scenario_json:
      return 16 * kMiB;
    case InputKind::scenario_csv:
    case InputKind::territory_data:
      return 256 * kMiB;
    case InputKind::history_csv:
      return 1024 * kMiB;
    case InputKind::result_file:
      return 1024 * 1024 * kMiB;
  }
  return 0;
}

std::string_view kind_name(InputKind kind) {
  switch (kind) {
    case InputKind::scenario_json:
      return "JSON input";
    case InputKind::scenario_csv:
      return "scenario CSV";
    case InputKind::history_csv:
      return "history CSV";
    case InputKind::territory_data:
      return "territory input";
    case InputKind::result_file:
      return "result file";
  }
  return "input";
}

Encoding parse_encoding(std::string_view text, std::string_view option) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "utf-8" || lower == "utf8") return Encoding::utf8;
  if (lower == "cp1252" || lower == "windows-1252") return Encoding::cp1252;
  if (lower == "latin1" || lower == "latin-1" || lower == "iso-8859-1") return Encoding::latin1;
  throw_input("{}: \"{}\" is not an encoding opsim reads (allowed: utf-8, cp1252, latin1)", option,
              text);
}

std::string_view encoding_name(Encoding encoding) {
  switch (encoding) {
    case Encoding::utf8:
      return "utf-8";
    case Encoding::cp1252:
      return "cp1252";
    case Encoding::latin1:
      return "latin1";
  }
  return "?";
}

void require_regular_file(const std::string& path, InputKind kind) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) throw_input("{}: no such file", path);
    throw_input("{}: cannot read: {}", path, std::strerror(errno));
  }
  if (!S_ISREG(info.st_mode))
    throw_input("{}: is {}; opsim reads {}s only from regular files", path, file_type(info.st_mode),
                kind_name(kind));
  const auto bytes = static_cast<std::uint64_t>(info.st_size);
  // A result file given where a text input belongs (review: "16.1 MiB is larger than the JSON
  // input limit", or "invalid JSON ... last read: 'o'", for a run's .h5 passed as the scenario).
  if (kind != InputKind::result_file) {
    char head[kResultFileHeadBytes] = {};
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    const ssize_t got = fd >= 0 ? ::read(fd, head, sizeof head) : -1;
    if (fd >= 0) ::close(fd);
    const std::string_view what =
        result_file_kind(std::string_view(head, got > 0 ? static_cast<std::size_t>(got) : 0));
    if (!what.empty()) throw_input("{}: is {}, not a {}", path, what, kind_name(kind));
  }
  if (bytes > size_limit(kind))
    throw_input("{}: {} is larger than the {} limit of {} for a {}", path, format_bytes(bytes),
                kind_name(kind), format_bytes(size_limit(kind)), kind_name(kind));
}

std::string read_input_file(const std::string& path, InputKind kind) {
  require_regular_file(path, kind);
  // O_NONBLOCK: should the path have become a FIFO since the check, open does not wait.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw_input("{}: cannot open: {}", path, std::strerror(errno));
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    throw_input("{}: is not a regular file", path);
  }
  const std::uint64_t limit = size_limit(kind);
  std::string bytes;
  bytes.resize(static_cast<std::size_t>(std::min<std::uint64_t>(info.st_size, limit)) + 1);
  std::size_t used = 0;
  for (;;) {
    if (used == bytes.size()) {
      if (used > limit) break;
      bytes.resize(std::min<std::uint64_t>(limit + 1, 2 * used + 4096));
    }
    const ssize_t n = ::read(fd, bytes.data() + used, bytes.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      throw_input("{}: read failed: {}", path, std::strerror(error));
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (used > limit)
    throw_input("{}: larger than the {} limit of {}", path, kind_name(kind), format_bytes(limit));
  bytes.resize(used);
  return bytes;
}

std::string to_utf8(std::string bytes, Encoding encoding, std::string_view name) {
  if (encoding == Encoding::utf8) {
    for (std::size_t i = 0; i < bytes.size();) {
      const std::size_t length = utf8_sequence(bytes, i);
      if (length == 0) {
        const auto [line, column] = line_column(bytes, i);
        throw_input(
            "{}:{}:{}: byte 0x{:02X} is not valid UTF-8 (a spreadsheet or CRM export is often "
            "Windows-1252: try --encoding cp1252, or latin1)",
            name, line, column, static_cast<unsigned char>(bytes[i]));
      }
      i += length;
    }
    return bytes;
  }
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    char32_t c = b;
    if (encoding == Encoding::cp1252 && b >= 0x80 && b <= 0x9F) {
      c = kCp1252High[b - 0x80];
      if (c == 0) {
        const auto [line, column] = line_column(bytes, i);
        throw_input(
            "{}:{}:{}: byte 0x{:02X} is not a character in Windows-1252 (try --encoding "
            "latin1 or utf-8)",
            name, line, column, b);
      }
    }
    append_utf8(out, c);
  }
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1)
    throw_internal("SHA-256 failed");
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::string json_pointer_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::string inputs_sha256(const std::vector<InputDigest>& inputs) {
  std::string listing;
  for (const InputDigest& input : inputs) {
    listing += input.sha256 + "  " + input.path;
    if (!input.read_as.empty()) listing += "  read as " + input.read_as;
    listing += "\n";
  }
  return sha256_hex(listing);
}

std::optional<std::string> inputs_difference(const std::vector<InputDigest>& recorded,
                                             const std::string& recorded_in,
                                             const std::vector<InputDigest>& current,
                                             const std::string& current_in) {
  if (recorded.empty() || current.empty()) return std::nullopt;
  auto find = [](const std::vector<InputDigest>& list, const std::string& path) {
    return std::find_if(list.begin(), list.end(),
                        [&](const InputDigest& d) { return d.path == path; });
  };
  for (const InputDigest& input : recorded) {
    auto other = find(current, input.path);
    if (other == current.end())
      return fmt::format("{}: an input of {} but not of {}", input.path, recorded_in, current_in);
    if (other->sha256 != input.sha256)
      return fmt::format("{}: the file's content differs between {} (SHA-256 {}...) and {} ({}...)",
                         input.path, recorded_in, input.sha256.substr(0, 12), current_in,
                         other->sha256.substr(0, 12));
    if (other->read_as != input.read_as) {
      auto as = [](const std::string& e) { return e.empty() ? std::string("utf-8") : e; };
      return fmt::format("{}: read as {} for {} but as {} for {} (--encoding)", input.path,
                         as(input.read_as), recorded_in, as(other->read_as), current_in);
    }
  }
  for (const InputDigest& input : current)
    if (find(recorded, input.path) == recorded.end())
      return fmt::format("{}: an input of {} but not of {}", input.path, current_in, recorded_in);
  return std::nullopt;
}

void require_same_inputs(const std::vector<InputDigest>& recorded, const std::string& recorded_in,
                         const std::vector<InputDigest>& current, const std::string& current_in,
                         std::string_view consequence) {
  if (const auto difference = inputs_difference(recorded, recorded_in, current, current_in))
    throw_input("{}; {}", *difference, consequence);
}

nlohmann::json parse_json(std::string_view text, const std::string& name,
                          std::vector<std::string>* duplicate_keys) {
  using nlohmann::json;
  PointerTracker tracker;
  const json::parser_callback_t follow = [&](int, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        tracker.open(false, name);
        break;
      case json::parse_event_t::array_start:
        tracker.open(true, name);
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        tracker.close();
        break;
      case json::parse_event_t::key:
        tracker.key(parsed.get<std::string>(), name, duplicate_keys);
        break;
      case json::parse_event_t::value:
        tracker.element_done();
        break;
    }
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), follow, true, true);
  } catch (const json::parse_error& e) {
    const auto [line, column] = line_column(text, e.byte > 0 ? e.byte - 1 : 0);
    std::string what = e.what();
    // nlohmann repeats the position it got wrong for comments; ours is computed from the byte.
    if (auto at = what.find(" - "); at != std::string::npos) what = what.substr(at + 3);
    throw_input("{}:{}:{}: invalid JSON: {}", name, line, column, what);
  } catch (const json::out_of_range&) {
    // 406: a number that does not fit a double (1e400).
    throw_input("{}: {}: number out of range (a finite number must be within +-1.8e308)", name,
                tracker.pointer());
  } catch (const json::exception& e) {
    throw_input("{}: {}: invalid JSON: {}", name, tracker.pointer(), e.what());
  }
}

nlohmann::json read_json_file(const std::string& path, InputKind kind) {
  return parse_json(read_input_file(path, kind), path);
}

}  // namespace opsim
