#include "tests/test_support.hpp"

#include "models/plan/compensation.hpp"
#include "sim/engine/runner.hpp"
#include "sim/io/hdf5_util.hpp"
#include "sim/io/result_integrity.hpp"
#include "tests/progress_lines.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <H5Cpp.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

namespace opsim::test {

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

std::filesystem::path source_dir() {
  return OPSIM_SOURCE_DIR;
}

std::filesystem::path shared_data_dir() {
  auto dir = source_dir().parent_path() / "shared" / "data";
  return std::filesystem::is_directory(dir) ? dir : std::filesystem::path{};
}

bool python_has_plotting() {
  return run_shell("/usr/bin/python3 -c 'import h5py, matplotlib, numpy'").exit_code == 0;
}

std::size_t progress_lines(const std::string& output, const std::string& unit) {
  std::size_t count = 0;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    unsigned long long done = 0, total = 0;
    char name[32] = {};
    int end = 0;
    if (std::sscanf(line.c_str(), "opsim: %llu/%llu %31s (%*[^)]), %n", &done, &total, name,
                    &end) != 3 ||
        end == 0)
      continue;
    if (name != unit || done == 0 || done >= total) continue;
    if (line.find(" " + unit + "/s, ETA ", static_cast<std::size_t>(end)) == std::string::npos)
      continue;
    ++count;
  }
  return count;
}

CommandResult run_opsim(const std::string& args) {
  return run_shell(std::string(OPSIM_EXE) + " " + args);
}

std::uint64_t quota_run_bytes(const std::string& command) {
  const auto r = run_opsim(command + " --max-memory 1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  const auto end = r.output.find(" bytes) besides the stored seat-months");
  const auto begin = r.output.rfind('(', end);
  if (end == std::string::npos || begin == std::string::npos) {
    ADD_FAILURE() << r.output;
    return 0;
  }
  std::string digits;
  for (char c : r.output.substr(begin + 1, end - begin - 1))
    if (c != ',') digits += c;
  return std::stoull(digits);
}

CommandResult run_shell(const std::string& shell_command) {
  std::string command = shell_command + " 2>&1";
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.output.append(buffer.data(), n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = std::filesystem::temp_directory_path() /
          ("opsim_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

std::string TempDir::write(const std::string& name, const std::string& text) const {
  const auto path = (path_ / name).string();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::vector<std::map<std::string, std::string>> read_csv(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> rows;
  auto split = [](const std::string& text) {
    std::vector<std::string> fields;
    std::stringstream stream(text);
    std::string field;
    while (std::getline(stream, field, ',')) fields.push_back(field);
    if (!text.empty() && text.back() == ',') fields.emplace_back();
    return fields;
  };
  if (std::getline(in, line)) header = split(line);
  while (std::getline(in, line)) {
    const auto fields = split(line);
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < header.size() && i < fields.size(); ++i) row[header[i]] = fields[i];
    rows.push_back(row);
  }
  return rows;
}

void price_year_over_run(const Scenario& scenario, plan::CompEvaluator& evaluator,
                         std::uint64_t trials, std::uint64_t seed) {
  const SeatMonthRecording recording = evaluator.recording();
  RunOptions options;
  options.end_trial = trials;
  options.seed = seed;
  options.threads = 2;
  options.seat_months = &recording;
  options.observe_trial = [&](std::uint64_t t, const TrialOutcome& o) { evaluator.observe(t, o); };
  (void)run_trials(scenario, options);
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

std::string small_scenario() {
  return (source_dir() / "tests/fixtures/small_scenario.json").string();
}

std::filesystem::path copy_global_saas(const std::filesystem::path& dir) {
  std::filesystem::copy(source_dir() / "scenarios/global_saas.json", dir / "global_saas.json");
  std::filesystem::copy(source_dir() / "scenarios/global_saas", dir / "global_saas",
                        std::filesystem::copy_options::recursive);
  return dir / "global_saas.json";
}

void mark_as_checkpoint(const std::filesystem::path& path) {
  {
    H5::H5File file(path.string(), H5F_ACC_RDWR);
    H5::Group root = file.openGroup("/");
    uint_attribute(root, "checkpoint", 1);
  }
  seal_result_file(path.string(), path.string());
}

}  // namespace opsim::test
