#include "sim/io/report.hpp"

#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "models/input_summary.hpp"
#include "opsim_version.hpp"
#include "sim/base/error.hpp"
#include "sim/io/input.hpp"
#include "sim/io/input_summary_output.hpp"
#include "sim/io/json_text.hpp"
#include "sim/io/number_format.hpp"
#include "sim/io/output.hpp"
#include "sim/io/output_files.hpp"
#include "sim/io/report_parts.hpp"
#include "sim/io/result_integrity.hpp"
#include "sim/io/scenario_loader.hpp"
#include "sim/io/svg_chart.hpp"

namespace opsim {

namespace report {

H5Reader::H5Reader(const std::string& path) : path_(path) {
  H5::Exception::dontPrint();
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) throw_input("{}: no such result file", path);
  // Say what it is (review: a FIFO, a folder or /dev/null was "no such result file").
  if (!S_ISREG(info.st_mode)) {
    throw_input("{}: is {}, not a result file (an HDF5 file opsim wrote)", path,
                file_type(info.st_mode));
  }
  verify_result_file(path);  // before libhdf5, which can crash on a damaged file
  try {
    file_ = H5::H5File(path, H5F_ACC_RDONLY);
  } catch (const H5::Exception& e) {
    throw_input("{}: not an HDF5 file ({})", path, e.getDetailMsg());
  }
}

bool H5Reader::has(const std::string& name) const {
  // Every prefix must exist for H5Lexists to answer without an error.
  std::size_t at = 0;
  while ((at = name.find('/', at + 1)) != std::string::npos) {
    if (H5Lexists(file_.getId(), name.substr(0, at).c_str(), H5P_DEFAULT) <= 0) return false;
  }
  return H5Lexists(file_.getId(), name.c_str(), H5P_DEFAULT) > 0;
}

bool H5Reader::has_attribute(const std::string& name) const {
  return file_.openGroup("/").attrExists(name);
}

std::string H5Reader::attribute(const std::string& name, const std::string& object) const {
  if (!has(object) && object != "/") return "";
  if (!file_.openGroup(object).attrExists(name)) return "";
  try {
    H5::Attribute a = file_.openGroup(object).openAttribute(name);
    if (a.getTypeClass() == H5T_STRING) {
      std::string value;
      a.read(a.getStrType(), value);
      return value.c_str();
    }
    std::uint64_t value = 0;
    a.read(H5::PredType::NATIVE_UINT64, &value);
    return std::to_string(value);
  } catch (const H5::Exception& e) {
    throw_input("{}: cannot read attribute {} ({})", path_, name, e.getDetailMsg());
  }
}

std::string H5Reader::count_attribute(const std::string& name, const std::string& object) const {
  const std::string text = attribute(name, object);
  const auto value = parse_number(text);
  return value ? format_grouped(*value) : text;
}

double H5Reader::number_attribute(const std::string& object, const std::string& name) const {
  if (object != "/" && !has(object)) return std::nan("");
  try {
    H5::Group group = file_.openGroup(object);
    if (!group.attrExists(name)) return std::nan("");
    double value = 0;
    group.openAttribute(name).read(H5::PredType::NATIVE_DOUBLE, &value);
    return value;
  } catch (const H5::Exception& e) {
    throw_input("{}: cannot read attribute {} of {} ({})", path_, name, object, e.getDetailMsg());
  }
}

std::vector<double> H5Reader::doubles(const std::string& name, std::vector<hsize_t>* dims) const {
  try {
    H5::DataSet ds = file_.openDataSet(name);
    H5::DataSpace space = ds.getSpace();
    std::vector<hsize_t> shape(static_cast<std::size_t>(space.getSimpleExtentNdims()));
    space.getSimpleExtentDims(shape.data());
    std::vector<double> values(static_cast<std::size_t>(space.getSimpleExtentNpoints()));
    if (!values.empty()) ds.read(values.data(), H5::PredType::NATIVE_DOUBLE);
    if (dims) *dims = shape;
    return values;
  } catch (const H5::Exception& e) {
    throw_input("{}: cannot read {} ({})", path_, name, e.getDetailMsg());
  }
}

std::vector<std::string> H5Reader::strings(const std::string& name) const {
  try {
    H5::DataSet ds = file_.openDataSet(name);
    const auto n = static_cast<std::size_t>(ds.getSpace().getSimpleExtentNpoints());
    std::vector<std::string> out;
    H5::StrType type = ds.getStrType();
    if (type.isVariableStr()) {
      std::vector<char*> pointers(n, nullptr);
      if (n) ds.read(pointers.data(), type);
      for (char* p : pointers) out.emplace_back(p ? p : "");
      // An empty dataset (no actuals to date: /labels/actual_months) has nothing to reclaim, and
      // HDF5 refuses the empty buffer.
      if (n) H5::DataSet::vlenReclaim(pointers.data(), type, ds.getSpace());
    } else {
      const std::size_t size = type.getSize();
      std::vector<char> buffer(n * size);
      if (n) ds.read(buffer.data(), type);
      for (std::size_t i = 0; i < n; ++i) out.emplace_back(buffer.data() + i * size, size);
      for (auto& s : out) s = s.c_str();
    }
    return out;
  } catch (const H5::Exception& e) {
    throw_input("{}: cannot read {} ({})", path_, name, e.getDetailMsg());
  }
}

void H5Reader::row_blocks(
    const std::string& name, hsize_t block_rows,
    const std::function<void(hsize_t, hsize_t, const std::vector<double>&)>& visit) const {
  try {
    H5::DataSet ds = file_.openDataSet(name);
    H5::DataSpace space = ds.getSpace();
    std::vector<hsize_t> shape(static_cast<std::size_t>(space.getSimpleExtentNdims()));
    space.getSimpleExtentDims(shape.data());
    hsize_t row = 1;
    for (std::size_t d = 1; d < shape.size(); ++d) row *= shape[d];
    std::vector<double> values;
    for (hsize_t first = 0; first < shape[0]; first += block_rows) {
      const hsize_t rows = std::min(block_rows, shape[0] - first);
      std::vector<hsize_t> offset(shape.size(), 0), count = shape;
      offset[0] = first;
      count[0] = rows;
      space.selectHyperslab(H5S_SELECT_SET, count.data(), offset.data());
      H5::DataSpace memory(static_cast<int>(count.size()), count.data());
      values.resize(rows * row);
      ds.read(values.data(), H5::PredType::NATIVE_DOUBLE, memory, space);
      visit(first, rows, values);
    }
  } catch (const H5::Exception& e) {
    throw_input("{}: cannot read {} ({})", path_, name, e.getDetailMsg());
  }
}

std::string exact(double value) {
  if (std::isnan(value)) return "nan";
  return fmt::format("{}", value);
}

std::string cell(const std::string& text, const std::string& dataset, std::size_t index,
                 double value, const std::string& tag) {
  return fmt::format("<{0} class=\"num\" data-h5=\"{1}\" data-i=\"{2}\" data-v=\"{3}\">{4}</{0}>",
                     tag, dataset, index, exact(value), html_escape(text));
}

std::string derived_cell(const std::string& text, const std::string& derived, double value,
                         const std::string& tag) {
  return fmt::format("<{0} class=\"num\" data-derived=\"{1}\" data-v=\"{2}\">{3}</{0}>", tag,
                     derived, exact(value), html_escape(text));
}

}  // namespace report

ResultKind detect_result_kind(const std::string& path) {
  return detect_result_kind(report::H5Reader(path));
}

ResultKind detect_result_kind(const report::H5Reader& file) {
  if (file.has("/summary/periods/quantiles") && file.has("/trials/periods")) return ResultKind::run;
  if (file.has("/sweep") && file.has("/columns")) return ResultKind::sweep;
  if (file.has("/alternative_1") && file.has_attribute("metric")) return ResultKind::compare;
  if (file.has("/quotas/seats")) return ResultKind::quotas;
  if (file.has("/capacity/plan")) return ResultKind::capacity;
  if (file.has("/accounts/territory") && file.has("/territories/centre"))
    return ResultKind::territories;
  if (file.has("/rows/model_quantiles") && file.has("/pooled/crps")) return ResultKind::backtest;
  if (file.has("/drivers/outcome")) return ResultKind::drivers;
  return ResultKind::unknown;
}

namespace {

constexpr const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:24px auto;
max-width:1100px;color:#1d2430;line-height:1.4;padding:0 16px}
h1{font-size:1.6em;margin-bottom:4px}h2{border-bottom:2px solid #dde3ea;padding-bottom:4px;margin-top:36px}
h3{margin-top:24px}.note{color:#5a6572;font-size:.92em}
.warnings{background:#fffbea;border:1px solid #e6c200;border-radius:4px;padding:0 16px 4px;margin:12px 0}
.warnings h2{border:none;margin-top:12px;font-size:1.1em;color:#8a6d00}
table{border-collapse:collapse;margin:8px 0 16px;font-size:.92em}
th,td{border:1px solid #dde3ea;padding:3px 8px}th{background:#f3f6f9;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.wide{overflow-x:auto;max-width:100%}
tr.partial td{color:#8a6d00;background:#fffbea}
tr.total td{font-weight:600;border-top:2px solid #c5ced8}
.charts{display:flex;flex-wrap:wrap;gap:12px}
svg.chart{background:#fff;border:1px solid #e6eaef}
svg .title{font-weight:600;font-size:13px}svg .tick{font-size:11px;fill:#4a5563}
svg .axis{font-size:12px;fill:#1d2430}svg .mlabel{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
svg .grid{stroke:#eef1f4}svg .frame{fill:none;stroke:#c8d0d9}
.headline{display:flex;flex-wrap:wrap;gap:12px}
.card{border:1px solid #dde3ea;border-radius:6px;padding:10px 14px;min-width:190px}
.card .big{font-size:1.7em;font-weight:600}.card.partial{background:#fffbea;border-color:#e6c200}
@media print{.charts{display:block}}
)";

// Runs in the browser: records script errors and checks that every chart holds drawn data;
// the results go into #report-checks for the browser test (tests/report/).
constexpr const char* kScript = R"(
(function(){
var errors=[];
window.addEventListener('error',function(e){errors.push(String(e.message));write();});
function write(){
 var charts=document.querySelectorAll('svg.chart');var empty=0;
 charts.forEach(function(svg){
  var drawn=0;svg.querySelectorAll('.data').forEach(function(el){
   var b=el.getBBox();if(b.width>0||b.height>0)drawn++;});
  svg.setAttribute('data-drawn',drawn);if(drawn===0)empty++;});
 var out=document.getElementById('report-checks');
 out.setAttribute('data-charts',charts.length);out.setAttribute('data-empty-charts',empty);
 out.setAttribute('data-numbers',document.querySelectorAll('[data-v]').length);
 out.setAttribute('data-errors',errors.join(' | '));out.setAttribute('data-done','1');
}
document.addEventListener('DOMContentLoaded',function(){try{write();}catch(e){errors.push(String(e));
 document.getElementById('report-checks').setAttribute('data-errors',errors.join(' | '));}});
})();
)";

std::string now_utc() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M UTC", &tm);
  return buffer;
}

}  // namespace

bool is_scenario_path(const std::string& path) {
  return std::filesystem::path(path).extension() == ".json";
}

std::vector<ReportInput> open_report_inputs(const std::vector<std::string>& paths) {
  std::vector<ReportInput> inputs;
  for (const std::string& path : paths) {
    ReportInput input{path, nullptr};
    std::error_code error;
    // A FIFO would block here; a file that cannot be read is named by write_report.
    if (!is_scenario_path(path) && std::filesystem::is_regular_file(path, error)) {
      try {
        input.result = std::make_shared<report::H5Reader>(path);
      } catch (const std::exception&) {
      }
    }
    inputs.push_back(std::move(input));
  }
  return inputs;
}

std::vector<std::string> recorded_inputs(const report::H5Reader& file) {
  std::vector<std::string> files;
  const std::string scenario = file.attribute("scenario_path");
  if (scenario.empty()) return files;
  files.push_back(scenario);
  if (file.has("/scenario/inputs/path")) {
    const std::filesystem::path folder = std::filesystem::path(scenario).parent_path();
    const auto recorded = file.strings("/scenario/inputs/path");
    for (std::size_t i = 1; i < recorded.size(); ++i)
      files.push_back((folder / recorded[i]).string());
  }
  return files;
}

void write_report(const std::vector<std::string>& inputs, const std::string& output,
                  const InputOptions& options) {
  write_report(open_report_inputs(inputs), output, options);
}

void write_report(const std::vector<ReportInput>& inputs, const std::string& output,
                  const InputOptions& options) {
  if (inputs.empty()) throw_input("opsim report: name at least one result file");
  std::string body;
  std::string title;
  for (const ReportInput& input : inputs) {
    const std::string& path = input.path;
    const std::string name = std::filesystem::path(path).filename().string();
    if (is_scenario_path(path)) {
      // A scenario file: its input sanity page alone.
      const Scenario scenario = load_scenario(path, options);
      // As `validate --summary-json` writes it (kResultDigits), so that both show one number.
      const std::string section = report::inputs_section(
          round_numbers(input_summary_json(summarise_inputs(scenario)), kResultDigits),
          scenario.name.empty() ? name : scenario.name,
          fmt::format("Scenario {} (SHA-256 {}), before any simulation.", path, scenario.sha256));
      if (title.empty()) title = name;
      body += fmt::format("<section class=\"input\" data-file=\"{}\">\n{}</section>\n",
                          html_escape(name), section);
      continue;
    }
    // Opened again when open_report_inputs could not: the constructor names the problem.
    const std::shared_ptr<report::H5Reader> opened =
        input.result ? input.result : std::make_shared<report::H5Reader>(path);
    report::H5Reader& file = *opened;
    const ResultKind kind = detect_result_kind(file);
    std::string section;
    switch (kind) {
      case ResultKind::run:
        if (file.has("/scenario/input_summary")) {
          section = report::inputs_section(
              nlohmann::json::parse(file.strings("/scenario/input_summary").at(0)),
              file.attribute("scenario_name"),
              fmt::format("The scenario's inputs as the run read them (SHA-256 {}).",
                          file.attribute("scenario_sha256")));
        }
        section += report::run_section(file);
        break;
      case ResultKind::compare:
        section = report::compare_section(file);
        break;
      case ResultKind::sweep:
        section = report::sweep_section(file);
        break;
      case ResultKind::quotas:
        section = report::quotas_section(file);
        break;
      case ResultKind::capacity:
        section = report::capacity_section(file);
        break;
      case ResultKind::territories:
        section = report::territories_section(file);
        break;
      case ResultKind::backtest:
        section = report::backtest_section(file);
        break;
      case ResultKind::drivers:
        section = report::drivers_section(file);
        break;
      case ResultKind::unknown:
        throw_input(
            "{}: not a result opsim report can describe (it reads the HDF5 files of run, merge, "
            "compare, sweep, quotas, capacity, territories, backtest and drivers, and scenario "
            "files "
            "*.json; a backtest file needs /pooled, written since this version)",
            path);
    }
    if (title.empty()) title = name;
    body += fmt::format("<section class=\"input\" data-file=\"{}\">\n{}</section>\n",
                        html_escape(name), section);
  }
  const std::string page = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>opsim report: {}</title>\n<style>{}</style>\n<script>{}</script>\n</head>\n<body>\n"
      "{}<p class=\"note\">Written by opsim {} ({}) on {}. Every table can be selected and pasted "
      "into a spreadsheet.</p>\n<div id=\"report-checks\" hidden></div>\n</body></html>\n",
      html_escape(title), kStyle, kScript, body, OPSIM_VERSION, OPSIM_GIT_REVISION, now_utc());
  write_text_file(output, [&](std::ostream& out) { out << page; });
}

}  // namespace opsim
