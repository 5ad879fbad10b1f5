#include "sim/cli/cli_support.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>

#include <fmt/format.h>

#include "sim/base/error.hpp"
#include "sim/base/grouped.hpp"
#include "sim/engine/results.hpp"
#include "sim/io/csv.hpp"
#include "sim/io/number_format.hpp"

namespace opsim::cli {

std::string recorded_path(const std::string& path) {
  std::error_code error;
  const std::filesystem::path absolute = std::filesystem::absolute(path, error);
  if (error) return path;
  const std::filesystem::path resolved = std::filesystem::weakly_canonical(absolute, error);
  return (error ? absolute.lexically_normal() : resolved).string();
}

namespace {
std::string g_command_line;
}

namespace {

//! Sizes from 1 byte to 1 PiB: more than any machine's memory, far from 2^64.
constexpr double kMostSizeBytes = 1024.0 * 1024 * 1024 * 1024 * 1024;

//! "4G" -> bytes; none when `text` is not a size from 1 byte to 1 PiB (review: "0.4" became 0
//! bytes and 2^64 a silent 8,388,608 TiB).
std::optional<std::uint64_t> size_in_bytes(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
    ++i;
  auto number = parse_number(text.substr(0, i));
  std::string unit = text.substr(i);
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  double scale = 0;
  if (unit.empty() || unit == "B")
    scale = 1;
  else if (unit == "K" || unit == "KB" || unit == "KIB")
    scale = 1024.0;
  else if (unit == "M" || unit == "MB" || unit == "MIB")
    scale = 1024.0 * 1024;
  else if (unit == "G" || unit == "GB" || unit == "GIB")
    scale = 1024.0 * 1024 * 1024;
  else if (unit == "T" || unit == "TB" || unit == "TIB")
    scale = 1024.0 * 1024 * 1024 * 1024;
  if (!number || scale == 0) return std::nullopt;
  const double bytes = std::round(*number * scale);
  if (!(bytes >= 1 && bytes <= kMostSizeBytes)) return std::nullopt;
  return static_cast<std::uint64_t>(bytes);
}

std::string not_a_size(const std::string& text) {
  return fmt::format("\"{}\" is not a size from 1 byte to 1 PiB (e.g. 512M, 4G, 1.5GiB)", text);
}

}  // namespace

std::uint64_t parse_size(const std::string& text, const std::string& option) {
  const auto bytes = size_in_bytes(text);
  if (!bytes) throw_input("{}: {}", option, not_a_size(text));
  return *bytes;
}

std::string format_size(std::uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int u = 0;
  while (value >= 1024 && u < 4) {
    value /= 1024;
    ++u;
  }
  return fmt::format("{:.1f} {}", value, units[u]);
}

std::optional<std::uint64_t> cgroup_memory_limit(const std::filesystem::path& proc_cgroup,
                                                 const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  std::optional<std::uint64_t> tightest;
  // The limit file `name` in `folder` and every folder above it up to `top`.
  auto walk = [&](fs::path folder, const fs::path& top, const char* name) {
    for (;;) {
      std::ifstream in(folder / name);
      std::string text;
      if (in >> text && !text.empty() && std::isdigit(static_cast<unsigned char>(text[0]))) {
        const std::uint64_t bytes = std::strtoull(text.c_str(), nullptr, 10);
        // v1 writes "no limit" as a page-rounded 2^63 - 1.
        if (bytes < (std::uint64_t{1} << 60)) tightest = std::min(tightest.value_or(bytes), bytes);
      }
      if (folder == top || !folder.has_relative_path() || folder.parent_path() == folder) return;
      folder = folder.parent_path();
    }
  };
  std::ifstream in(proc_cgroup);
  for (std::string line; std::getline(in, line);) {
    // "ID:CONTROLLERS:PATH": v2 is "0::PATH"; v1 lists its controllers.
    const std::size_t first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const fs::path path = fs::path(line.substr(second + 1)).relative_path();
    if (controllers.empty()) {
      for (const fs::path& base : {root, root / "unified"}) walk(base / path, base, "memory.max");
    } else if (("," + controllers + ",").find(",memory,") != std::string::npos) {
      walk(root / "memory" / path, root / "memory", "memory.limit_in_bytes");
    }
  }
  return tightest;
}

namespace {

//! The default limit and where it comes from, read once per process.
struct DefaultLimit {
  std::uint64_t bytes;
  std::string origin;
};

const DefaultLimit& default_limit() {
  static const DefaultLimit limit = [] {
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long page_size = sysconf(_SC_PAGE_SIZE);
    const std::uint64_t half =
        pages <= 0 || page_size <= 0
            ? std::uint64_t{4} << 30
            : static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size) / 2;
    const auto group = cgroup_memory_limit();
    if (group && *group / 10 * 9 < half) {
      return DefaultLimit{
          *group / 10 * 9,
          fmt::format("90% of this job's memory limit (cgroup) of {}", format_size(*group))};
    }
    return DefaultLimit{half, "half this machine's memory"};
  }();
  return limit;
}

}  // namespace

std::uint64_t default_memory_limit() {
  return default_limit().bytes;
}

std::string default_memory_limit_origin() {
  return default_limit().origin;
}

std::uint64_t memory_limit(const std::string& max_memory) {
  return max_memory.empty() ? default_memory_limit() : parse_size(max_memory, "--max-memory");
}

void require_memory_for(const Scenario& scenario, std::uint64_t trials, std::uint64_t runs,
                        int threads, const std::string& command, const std::string& max_memory) {
  const std::uint64_t limit = memory_limit(max_memory);
  const std::uint64_t one = estimate_memory(ResultLayout(scenario), trials, false, threads);
  if (static_cast<double>(one) * static_cast<double>(runs) > static_cast<double>(limit)) {
    throw_input(
        "{}: {} trials need about {} a run and {} runs are held at once, but {}: give fewer "
        "--trials or raise --max-memory",
        command, format_grouped(static_cast<double>(trials)), format_size(one), runs,
        max_memory.empty() ? fmt::format("the default allows {} ({})", format_size(limit),
                                         default_memory_limit_origin())
                           : fmt::format("--max-memory allows {}", format_size(limit)));
  }
}

const CLI::Validator& seed_range() {
  static const CLI::Validator validator(
      [](std::string& text) -> std::string {
        constexpr std::uint64_t most = (std::uint64_t{1} << 63) - 1;
        const bool digits =
            !text.empty() && text.size() <= 19 &&
            std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (digits && std::stoull(text) <= most) return {};
        return fmt::format("{} is not a valid seed (an integer 0..{})", text, most);
      },
      "0..2^63-1");
  return validator;
}

namespace {

//! A finite number above (or, `zero` allowed, at least) 0; the message says what is allowed, not
//! a range up to the largest double (CLI's own checks printed its 309 digits).
CLI::Validator number_from_zero(bool zero) {
  return CLI::Validator(
      [zero](std::string& text) -> std::string {
        const auto value = parse_number(text);
        if (value && std::isfinite(*value) && (*value > 0 || (zero && *value == 0))) return {};
        // "finite": inf and 1e400 are refused too (review: "inf is not a non-negative number").
        return fmt::format("{} is not a finite number {}", text, zero ? ">= 0" : "> 0");
      },
      zero ? "NON-NEGATIVE" : "POSITIVE");
}

}  // namespace

const CLI::Validator& positive_number() {
  static const CLI::Validator validator = number_from_zero(false);
  return validator;
}

const CLI::Validator& positive_amount() {
  static const CLI::Validator validator(
      [](std::string& text) -> std::string {
        // As planners write amounts (review: "600,000" and "600k" were "not a finite number").
        std::string plain;
        for (const char c : text)
          if (c != ',' && c != '_') plain += c;
        double scale = 1;
        if (!plain.empty()) {
          const char last = plain.back();
          if (last == 'k' || last == 'K') scale = 1e3;
          if (last == 'm' || last == 'M') scale = 1e6;
          if (last == 'b' || last == 'B') scale = 1e9;
          if (scale != 1) plain.pop_back();
        }
        const auto value = parse_number(plain);
        if (value && std::isfinite(*value * scale) && *value > 0) {
          text = fmt::format("{}", *value * scale);
          return {};
        }
        return fmt::format("{} is not an amount > 0 (e.g. 600000, 600,000 or 600k)", text);
      },
      "AMOUNT");
  return validator;
}

const CLI::Validator& non_negative_number() {
  static const CLI::Validator validator = number_from_zero(true);
  return validator;
}

const CLI::Validator& fraction() {
  static const CLI::Validator validator(
      [](std::string& text) -> std::string {
        const auto value = parse_number(text);
        if (value && *value >= 0 && *value <= 1) return {};
        return fmt::format("{} is not a fraction (a number from 0 to 1)", text);
      },
      "0..1");
  return validator;
}

std::optional<std::uint64_t> whole_in_digits(std::string_view text) {
  if (text.empty() || text.size() > 19 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::stoull(std::string(text));
}

CLI::Validator count_between(std::uint64_t least, std::uint64_t most, const std::string& what) {
  return CLI::Validator(
      [least, most, what](std::string& text) -> std::string {
        const auto count = whole_in_digits(text);
        if (count && *count >= least && *count <= most) return {};
        return fmt::format("{} is not a number of {} from {} to {} (whole, in digits)", text, what,
                           format_grouped(static_cast<double>(least)),
                           format_grouped(static_cast<double>(most)));
      },
      "COUNT");
}

CLI::Validator seconds_between(double low, double high) {
  return CLI::Validator(
      [low, high](std::string& text) -> std::string {
        const auto value = parse_number(text);
        if (value && *value >= low && *value <= high) return {};
        return fmt::format("{} is not a number of seconds from {} to {}", text,
                           format_user_value(low), format_grouped_trimmed(high));
      },
      "SECONDS");
}

CLI::Validator within(double low, double high) {
  return CLI::Validator(
      [low, high](std::string& text) -> std::string {
        const auto value = parse_number(text);
        if (value && *value >= low && *value <= high) return {};
        return fmt::format("{} is not allowed; allowed: {} to {}", text, format_user_value(low),
                           format_grouped_trimmed(high));
      },
      fmt::format("{}..{}", format_user_value(low), format_grouped_trimmed(high)));
}

namespace {

//! An output path's check; `empty`: what an empty path is told.
CLI::Validator output_path_validator(const char* empty) {
  return CLI::Validator(
      [empty](std::string& text) -> std::string {
        if (text.find_first_not_of(" \t") == std::string::npos) return empty;
        // "--output= -q" gives "-q" as the path: an option taken for a file name.
        if (text.front() == '-')
          return fmt::format(
              "'{}' looks like an option, not a file (write ./{} for a file of "
              "that name)",
              text, text);
        // "-o=-x" gives "=-x": a short option does not take '=' before its value.
        if (text.front() == '=')
          return fmt::format(
              "'{}' starts with '=' (write -o FILE or --output=FILE; ./{} for a file of that "
              "name)",
              text, text);
        return {};
      },
      "PATH");
}

//! A required output's check (review: an empty -o of merge was told to leave the option out).
const CLI::Validator& required_output_path() {
  static const CLI::Validator validator =
      output_path_validator("an empty path names no file (give the file to write)");
  return validator;
}

}  // namespace

const CLI::Validator& output_path() {
  static const CLI::Validator validator =
      output_path_validator("an empty path names no file (leave the option out to write none)");
  return validator;
}

CLI::Option* add_max_memory_option(CLI::App* command, std::string& size, const std::string& help) {
  return command->add_option("--max-memory", size, help)
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            return size_in_bytes(text) ? std::string() : not_a_size(text);
          },
          "SIZE"));
}

CLI::Option* add_output_option(CLI::App* command, std::string& path, const std::string& help) {
  return command->add_option("-o,--output", path, help)->check(output_path());
}

CLI::Option* add_required_output_option(CLI::App* command, std::string& path,
                                        const std::string& help) {
  return command->add_option("-o,--output", path, help)->check(required_output_path())->required();
}

CLI::Option* add_csv_option(CLI::App* command, std::string& folder, const std::string& help) {
  return command->add_option("--csv", folder, help)->check(output_path());
}

CLI::Option* add_summary_json_option(CLI::App* command, std::string& path,
                                     const std::string& help) {
  return command->add_option("--summary-json", path, help)->check(output_path());
}

CLI::Option* add_xlsx_option(CLI::App* command, std::string& path) {
  return command
      ->add_option("--xlsx", path,
                   "Write an Excel workbook of the results (its sheets: results/README.md)")
      ->check(output_path());
}

CLI::Option* add_force_flag(CLI::App* command, bool& force) {
  return command->add_flag("--force", force,
                           "Replace output files that already exist (default: refuse them)");
}

CLI::Option* add_quiet_flag(CLI::App* command, bool& quiet) {
  return command->add_flag("-q,--quiet", quiet,
                           "Print nothing on standard output and no progress (errors still go to "
                           "standard error)");
}

void add_scenario_inputs(OutputPlan& plan, const Scenario& scenario) {
  for (std::size_t i = 0; i < scenario.input_files.size(); ++i) {
    plan.add_input(scenario.input_files[i],
                   i == 0 ? std::string("scenario") : "input of " + scenario.input_files[0]);
  }
}

std::string command_line_of(const CLI::App*) {
  return g_command_line;
}

void set_command_line(int argc, char** argv) {
  g_command_line.clear();
  for (int i = 0; i < argc; ++i) {
    if (i) g_command_line += ' ';
    g_command_line += argv[i];
  }
}

namespace {
InputOptions g_input_options;
}  // namespace

void add_input_options(CLI::App& app) {
  // The commands that read CSV files: through a scenario, a history export or accounts.
  static const std::vector<std::string> kReadsCsv{
      "run",       "merge",    "validate",    "compare", "sweep",   "quotas", "capacity",
      "calibrate", "backtest", "territories", "upgrade", "drivers", "report"};
  for (const std::string& name : kReadsCsv) {
    app.get_subcommand(name)->add_option_function<std::string>(
        "--encoding",
        [](const std::string& text) { g_input_options.encoding = parse_encoding(text); },
        "Text encoding of the CSV inputs: utf-8 (default), cp1252 (Windows), latin1");
  }
}

const InputOptions& input_options() {
  return g_input_options;
}

ProgressBar::ProgressBar(std::uint64_t total, bool enabled, std::string unit)
    : total_(total),
      enabled_(enabled),
      terminal_(isatty(STDERR_FILENO) != 0),
      unit_(std::move(unit)),
      start_(std::chrono::steady_clock::now()) {}

double& ProgressBar::interval() {
  static double seconds = 60.0;
  return seconds;
}

std::string format_duration(double seconds) {
  const auto s = static_cast<long long>(std::llround(std::max(0.0, seconds)));
  if (s >= 3600) return fmt::format("{}h {:02d}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m {:02d}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

std::function<void(std::uint64_t)> ProgressBar::step(std::uint64_t units) {
  const std::uint64_t offset = steps_;
  steps_ += units;
  return [this, offset](std::uint64_t done) { update(offset + done); };
}

void ProgressBar::update(std::uint64_t done) {
  if (!enabled_ || total_ == 0) return;
  const std::lock_guard<std::mutex> lock(mutex_);
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double fraction = static_cast<double>(done) / static_cast<double>(total_);
  const double eta = std::max(
      0.0, std::min(fraction > 0 ? elapsed * (1 - fraction) / fraction : 0, time_limit_ - elapsed));
  if (!terminal_) {
    if (elapsed - last_line_ < interval() || done >= total_) return;
    last_line_ = elapsed;
    const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
    fmt::print(stderr, "opsim: {}/{} {} ({:.1f}%), {:.1f} {}/s, ETA {}\n", done, total_, unit_,
               100 * fraction, rate, unit_, format_duration(eta));
    std::fflush(stderr);
    return;
  }
  if (elapsed < 1.0 && !shown_) return;
  shown_ = true;
  const int width = 30;
  const int filled = static_cast<int>(fraction * width);
  fmt::print(stderr, "\r[{}{}] {:5.1f}%  {}/{} {}  ETA {} ", std::string(filled, '#'),
             std::string(width - filled, '.'), 100 * fraction, done, total_, unit_,
             format_duration(eta));
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (shown_) fmt::print(stderr, "\n");
}

void print_warnings(const std::vector<std::string>& warnings) {
  constexpr std::size_t kShown = 20;
  for (std::size_t i = 0; i < warnings.size() && i < kShown; ++i)
    fmt::print(stderr, "warning: {}\n", warnings[i]);
  if (warnings.size() > kShown)
    fmt::print(stderr, "warning: and {} more like these\n", warnings.size() - kShown);
}

}  // namespace opsim::cli
