// Three kinds of failure: the user's input (exit 2), a problem with no solution (exit 3) and
// opsim's own fault (exit 1).
#pragma once

#include <algorithm>
#include <cstddef>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace opsim {

//! `text` with its control characters but line breaks and tabs written as JSON writes them
//! ("\u0000", "\u001b": four digits, so a digit after one is not read as part of it): a value
//! quoted in a message is shown whole, and a NUL byte from a file no longer ends the message where
//! it stands (what() is a C string).
inline std::string printable(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\n' && c != '\t') || byte == 0x7f) {
      out += fmt::format("\\u{:04x}", byte);
    } else {
      out += c;
    }
  }
  return out;
}

//! Bad usage or bad input: names the place (file, JSON pointer, CSV line), the value and
//! what is allowed. Maps to exit code 2. The message is made printable (printable()).
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(printable(message)) {}
  explicit InputError(const char* message) : InputError(std::string(message)) {}
};

//! The input is well formed but admits no solution (e.g. no alignment meets the hard
//! constraints): says what cannot be met and by how much. Maps to exit code 3.
class InfeasibleError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

//! A broken invariant inside opsim. Maps to exit code 1.
class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

//! The operating system refused a write (disk full, quota, I/O error): names the path and the
//! OS message. Maps to exit code 1.
class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

//! Several input errors found in one pass (validation goes on after the first). Each message
//! names its place ("FILE: ..." or "FILE:LINE: ..."); what() lists them grouped by file with
//! counts. Maps to exit code 2, as an InputError.
class InputErrors : public InputError {
 public:
  //! `omitted`: further errors found and counted but not listed ("... and N more").
  InputErrors(std::vector<std::string> errors, bool truncated, std::size_t omitted = 0)
      : InputError(grouped(errors, truncated, omitted)), errors_(std::move(errors)) {}
  const std::vector<std::string>& errors() const { return errors_; }

  //! "N errors in M files:", then per place (in order of first appearance) its count and
  //! messages. A place is a file, or a file with a qualifier, "s.json (variant 2)": the file is
  //! counted once however many of its variants have errors.
  static std::string grouped(const std::vector<std::string>& errors, bool truncated,
                             std::size_t omitted = 0) {
    std::vector<std::string> files;
    std::map<std::string, std::vector<const std::string*>> by_file;
    std::set<std::string> named;
    for (const std::string& e : errors) {
      const std::string file = e.substr(0, e.find(':'));
      if (!by_file.contains(file)) files.push_back(file);
      by_file[file].push_back(&e);
      const std::size_t qualifier = file.rfind(" (");
      named.insert(file.ends_with(')') && qualifier != std::string::npos ? file.substr(0, qualifier)
                                                                         : file);
    }
    std::string text =
        fmt::format("{} errors in {} file{}{}:", errors.size() + omitted, named.size(),
                    named.size() == 1 ? "" : "s", truncated ? " (validation stopped there)" : "");
    for (const std::string& file : files) {
      const auto& list = by_file[file];
      // One file: the errors not listed are its own, counted with it (review: "37 errors in 1
      // file:", then "badlat.csv: 20 errors").
      if (omitted > 0 && files.size() == 1) {
        text += fmt::format("\n{}: {} errors, the first {} listed", file, list.size() + omitted,
                            list.size());
      } else {
        text += fmt::format("\n{}: {} error{}", file, list.size(), list.size() == 1 ? "" : "s");
      }
      for (const std::string& line : merged_by_line(file, list)) text += "\n  " + line;
    }
    if (omitted > 0) text += fmt::format("\n  ... and {} more", omitted);
    return text;
  }

 private:
  //! A file's messages with those that differ only in their line ("FILE:LINE: TEXT") given once,
  //! at the first one's place, naming every line (review: a misspelt skip_stages entry left a
  //! CRM export's closed rows in, and the same "unknown stage" error came once per row).
  static std::vector<std::string> merged_by_line(const std::string& file,
                                                 const std::vector<const std::string*>& list) {
    struct Entry {
      std::string text;                // the message, or its text after "FILE:LINE: "
      std::vector<std::string> lines;  // empty: a message without a line, shown as is
    };
    std::vector<Entry> entries;
    std::map<std::string, std::size_t> index;  // text after the line -> its entry
    for (const std::string* e : list) {
      const std::size_t at = file.size() + 1;
      std::size_t end = at;
      while (end < e->size() && (*e)[end] >= '0' && (*e)[end] <= '9') ++end;
      if (end == at || e->compare(end, 2, ": ") != 0) {
        entries.push_back({*e, {}});
        continue;
      }
      const auto [it, fresh] = index.try_emplace(e->substr(end + 2), entries.size());
      if (fresh) entries.push_back({it->first, {}});
      entries[it->second].lines.push_back(e->substr(at, end - at));
    }
    constexpr std::size_t kShownLines = 8;
    std::vector<std::string> shown;
    for (const Entry& entry : entries) {
      if (entry.lines.empty()) {
        shown.push_back(entry.text);
      } else if (entry.lines.size() == 1) {
        shown.push_back(fmt::format("{}:{}: {}", file, entry.lines.front(), entry.text));
      } else {
        const std::size_t n = std::min(entry.lines.size(), kShownLines);
        std::string where;
        for (std::size_t i = 0; i < n; ++i) where += (i ? ", " : "") + entry.lines[i];
        if (entry.lines.size() > n) where += fmt::format(" and {} more", entry.lines.size() - n);
        shown.push_back(
            fmt::format("{} lines {} ({} rows): {}", file, where, entry.lines.size(), entry.text));
      }
    }
    return shown;
  }

  std::vector<std::string> errors_;
};

//! What a collector does at its limit: stop validating (a scenario's checks may depend on one
//! another), or go on and only count the further errors (independent rows of a CSV file).
enum class AtErrorLimit { stop, count };

//! Collects input errors so that validation reports them all at once, up to a limit.
class InputErrorCollector {
 public:
  explicit InputErrorCollector(std::size_t limit = 50, AtErrorLimit at_limit = AtErrorLimit::stop)
      : limit_(limit), at_limit_(at_limit) {}
  //! Runs `step`; an InputError it throws is recorded and validation goes on. At the limit,
  //! throws InputErrors with everything so far.
  template <class Step>
  void collect(Step&& step) {
    try {
      step();
    } catch (const InputErrors& e) {
      if (full_) throw;
      for (const std::string& message : e.errors()) add(message);
    } catch (const InputError& e) {
      if (full_) throw;
      add(e.what());
    }
  }
  void add(std::string message) {
    // One cause met by two readers (a missing "horizon" read for the calendar and for the
    // currency) is one error.
    if (std::find(errors_.begin(), errors_.end(), message) != errors_.end()) return;
    if (at_limit_ == AtErrorLimit::count && errors_.size() >= limit_) {
      ++omitted_;
      return;
    }
    errors_.push_back(std::move(message));
    if (at_limit_ == AtErrorLimit::stop && errors_.size() >= limit_) {
      full_ = true;
      throw InputErrors(errors_, true);
    }
  }
  bool empty() const { return errors_.empty(); }
  //! Errors found, those only counted past the limit included.
  std::size_t size() const { return errors_.size() + omitted_; }
  //! One error as the plain InputError it was; several as InputErrors.
  void throw_if_any() const {
    if (size() == 1) throw InputError(errors_.front());
    if (!errors_.empty()) throw InputErrors(errors_, false, omitted_);
  }

 private:
  std::vector<std::string> errors_;
  std::size_t limit_;
  AtErrorLimit at_limit_;
  std::size_t omitted_ = 0;
  bool full_ = false;
};

template <class... Args>
[[noreturn]] void throw_input(fmt::format_string<Args...> format, Args&&... args) {
  throw InputError(fmt::format(format, std::forward<Args>(args)...));
}

template <class... Args>
[[noreturn]] void throw_infeasible(fmt::format_string<Args...> format, Args&&... args) {
  throw InfeasibleError(fmt::format(format, std::forward<Args>(args)...));
}

template <class... Args>
[[noreturn]] void throw_internal(fmt::format_string<Args...> format, Args&&... args) {
  throw InternalError(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace opsim
