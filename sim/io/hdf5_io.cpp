// HDF5 layout: see results/README.md.
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>

#include <H5Cpp.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <zlib.h>

#include <fmt/format.h>

#include "models/input_summary.hpp"
#include "opsim_version.hpp"
#include "sim/base/error.hpp"
#include "sim/base/random.hpp"
#include "sim/io/assumptions.hpp"
#include "sim/io/hdf5_util.hpp"
#include "sim/io/input.hpp"
#include "sim/io/input_summary_output.hpp"
#include "sim/io/output.hpp"
#include "sim/io/output_files.hpp"
#include "sim/io/result_integrity.hpp"
#include "sim/io/summary_text.hpp"

namespace opsim {

void string_attribute(H5::H5Object& object, const std::string& name, const std::string& value) {
  H5::StrType type(H5::PredType::C_S1, value.empty() ? 1 : value.size());
  H5::Attribute attribute = object.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
  attribute.write(type, value.empty() ? std::string(1, '\0') : value);
}

void uint_attribute(H5::H5Object& object, const std::string& name, std::uint64_t value) {
  H5::Attribute attribute =
      object.createAttribute(name, H5::PredType::NATIVE_UINT64, H5::DataSpace(H5S_SCALAR));
  attribute.write(H5::PredType::NATIVE_UINT64, &value);
}

void int_attribute(H5::H5Object& object, const std::string& name, std::int64_t value) {
  H5::Attribute attribute =
      object.createAttribute(name, H5::PredType::NATIVE_INT64, H5::DataSpace(H5S_SCALAR));
  attribute.write(H5::PredType::NATIVE_INT64, &value);
}

void write_strings(H5::Group& group, const std::string& name,
                   const std::vector<std::string>& values) {
  H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
  const hsize_t n = values.size();
  H5::DataSet ds = group.createDataSet(name, type, H5::DataSpace(1, &n));
  std::vector<const char*> pointers;
  for (const auto& v : values) pointers.push_back(v.c_str());
  if (n) ds.write(pointers.data(), type);
}

namespace {

constexpr std::size_t kChunkBytes = std::size_t{1} << 20;  // fits HDF5's default chunk cache
constexpr unsigned kDeflateFilterIndex = 1;                // after shuffle in the pipeline

//! One chunk as the filter pipeline stores it: shuffled (byte j of element i to j x n + i),
//! then deflated unless that would not shrink it (the optional filter is then marked skipped).
struct FilteredChunk {
  std::vector<unsigned char> bytes;
  std::uint32_t filter_mask = 0;
};

FilteredChunk filter_chunk(const double* values, std::size_t available, std::size_t chunk_values) {
  const std::size_t n = chunk_values, raw_bytes = n * sizeof(double);
  std::vector<unsigned char> shuffled(raw_bytes, 0);  // the edge chunk is padded with zeros
  const auto* in = reinterpret_cast<const unsigned char*>(values);
  for (std::size_t i = 0; i < available; ++i) {
    for (std::size_t j = 0; j < sizeof(double); ++j)
      shuffled[j * n + i] = in[i * sizeof(double) + j];
  }
  FilteredChunk chunk;
  uLongf packed = compressBound(static_cast<uLong>(raw_bytes));
  chunk.bytes.resize(packed);
  const int status =
      compress2(chunk.bytes.data(), &packed, shuffled.data(), static_cast<uLong>(raw_bytes), 1);
  if (status != Z_OK || packed >= raw_bytes) {
    chunk.bytes = std::move(shuffled);
    chunk.filter_mask = 1u << kDeflateFilterIndex;
  } else {
    chunk.bytes.resize(packed);
    chunk.bytes.shrink_to_fit();  // a batch holds compressed sizes, not compressBound's
  }
  return chunk;
}

//! Chunks of whole rows (first dimension), filtered in parallel in the calling task arena and
//! handed to HDF5 ready-made, in order, a batch at a time to bound the extra memory.
void write_filtered_chunks(H5::DataSet& ds, const std::vector<hsize_t>& dims, hsize_t chunk_rows,
                           const double* data) {
  hsize_t row_values = 1;
  for (std::size_t d = 1; d < dims.size(); ++d) row_values *= dims[d];
  const hsize_t chunks = (dims[0] + chunk_rows - 1) / chunk_rows;
  const hsize_t batch =
      4 * static_cast<hsize_t>(std::max(1, tbb::this_task_arena::max_concurrency()));
  std::vector<FilteredChunk> filtered;
  for (hsize_t first = 0; first < chunks; first += batch) {
    const hsize_t last = std::min(chunks, first + batch);
    filtered.assign(last - first, FilteredChunk{});
    tbb::parallel_for(first, last, [&](hsize_t c) {
      const hsize_t rows = std::min(chunk_rows, dims[0] - c * chunk_rows);
      filtered[c - first] = filter_chunk(data + c * chunk_rows * row_values, rows * row_values,
                                         chunk_rows * row_values);
    });
    for (hsize_t c = first; c < last; ++c) {
      std::vector<hsize_t> offset(dims.size(), 0);
      offset[0] = c * chunk_rows;
      const FilteredChunk& chunk = filtered[c - first];
      if (H5Dwrite_chunk(ds.getId(), H5P_DEFAULT, chunk.filter_mask, offset.data(),
                         chunk.bytes.size(), chunk.bytes.data()) < 0) {
        throw H5::DataSetIException("H5Dwrite_chunk", "cannot write a chunk of " + ds.getObjName());
      }
    }
  }
}

}  // namespace

void write_doubles(H5::Group& group, const std::string& name, const std::vector<hsize_t>& dims,
                   const double* data, const std::string& dimension_names, Storage storage) {
  H5::DataSpace space(static_cast<int>(dims.size()), dims.data());
  H5::DSetCreatPropList properties;
  hsize_t total = 1;
  for (auto d : dims) total *= d;
  const bool chunked = storage == Storage::compressed && total > 0;
  hsize_t chunk_rows = 0;
  if (chunked) {
    const hsize_t row_bytes = total / dims[0] * sizeof(double);
    chunk_rows = std::clamp<hsize_t>(kChunkBytes / row_bytes, 1, dims[0]);
    std::vector<hsize_t> chunk = dims;
    chunk[0] = chunk_rows;
    properties.setChunk(static_cast<int>(chunk.size()), chunk.data());
    properties.setShuffle();
    properties.setDeflate(1);
  }
  H5::DataSet ds = group.createDataSet(name, H5::PredType::NATIVE_DOUBLE, space, properties);
  if (chunked) {
    write_filtered_chunks(ds, dims, chunk_rows, data);
  } else if (total > 0) {
    ds.write(data, H5::PredType::NATIVE_DOUBLE);
  }
  string_attribute(ds, "dimensions", dimension_names);
}

void write_provenance(H5::H5File& file, const Scenario& scenario, const Provenance& provenance,
                      std::uint64_t trials) {
  H5::Group root = file.openGroup("/");
  string_attribute(root, "opsim_version", OPSIM_VERSION);
  string_attribute(root, "git_revision", OPSIM_GIT_REVISION);
  string_attribute(root, "scenario_sha256", provenance.scenario_sha256);
  string_attribute(root, "scenario_name", scenario.name);
  string_attribute(root, "random_stream_scheme", std::string(kTrialStreamScheme));
  uint_attribute(root, "random_stream_version", kTrialStreamVersion);
  string_attribute(root, "command_line", provenance.command_line);
  string_attribute(root, "reporting_currency", scenario.fx.currencies[scenario.fx.reporting].code);
  uint_attribute(root, "seed", provenance.seed);
  if (provenance.checkpoint) {
    uint_attribute(root, "checkpoint", 1);
    uint_attribute(root, "checkpoint_run_first", provenance.run_first_trial);
    uint_attribute(root, "checkpoint_run_end", provenance.run_end_trial);
  }
  if (provenance.checkpoint_ranks > 0)
    uint_attribute(root, "checkpoint_ranks",
                   static_cast<std::uint64_t>(provenance.checkpoint_ranks));
  string_attribute(root, "scenario_path", provenance.scenario_path);
  uint_attribute(root, "trials", trials);
  string_attribute(root, "inputs_sha256", inputs_sha256(scenario.inputs));
  string_attribute(
      root, "forecast",
      scenario.uncertain.empty() ? "forecast" : "forecast with assumption uncertainty");
  {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char created[32];
    std::strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    string_attribute(root, "created_utc", created);
  }
  H5::Group scenario_group = file.createGroup("/scenario");
  write_strings(scenario_group, "document", {provenance.scenario_document});
  // The input sanity page of `opsim report` needs the CSV inputs, which the run may outlive.
  write_strings(scenario_group, "input_summary",
                {input_summary_json(summarise_inputs(scenario)).dump()});
  write_strings(scenario_group, "uncertain_parameters", describe_assumptions(scenario));
  std::vector<std::string> pointers;
  for (const UncertainParameter& p : scenario.uncertain) pointers.push_back(p.pointer);
  write_strings(scenario_group, "uncertain_parameter_pointers", pointers);
  H5::Group inputs = scenario_group.createGroup("inputs");
  std::vector<std::string> paths, digests, read_as;
  for (const InputDigest& input : scenario.inputs) {
    paths.push_back(input.path);
    digests.push_back(input.sha256);
    read_as.push_back(input.read_as);
  }
  write_strings(inputs, "path", paths);
  write_strings(inputs, "sha256", digests);
  write_strings(inputs, "read_as", read_as);
}

namespace {

constexpr std::uint64_t kMaxResultTrials = 100'000'000;  // the trials limit of a run

std::string read_string_attribute(const H5::H5Object& object, const std::string& name) {
  H5::Attribute attribute = object.openAttribute(name);
  std::string value;
  attribute.read(attribute.getStrType(), value);
  return value.c_str();  // drop the padding NUL of empty strings
}

std::uint64_t read_uint_attribute(const H5::H5Object& object, const std::string& name) {
  std::uint64_t value = 0;
  object.openAttribute(name).read(H5::PredType::NATIVE_UINT64, &value);
  return value;
}

std::vector<std::string> read_strings(const H5::H5File& file, const std::string& name) {
  H5::DataSet ds = file.openDataSet(name);
  H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
  if (ds.getDataType().getClass() != H5T_STRING || !ds.getStrType().isVariableStr())
    throw H5::DataSetIException("read_strings", name + " is not a list of strings");
  const auto n = static_cast<std::size_t>(ds.getSpace().getSimpleExtentNpoints());
  if (n > 100'000) throw H5::DataSetIException("read_strings", name + " is too long");
  std::vector<char*> pointers(n, nullptr);
  if (n) ds.read(pointers.data(), type);
  std::vector<std::string> values;
  for (char* p : pointers) values.emplace_back(p ? p : "");
  if (n) {
    H5::DataSpace space = ds.getSpace();
    H5::DataSet::vlenReclaim(pointers.data(), type, space);
  }
  return values;
}

//! Dataset `name`, which must hold `expected` values, into any vector type (RunResult's unfilled
//! ones as well).
template <class Vector = std::vector<double>>
Vector read_doubles(const H5::H5File& file, const std::string& name, std::size_t expected,
                    const std::string& path) {
  H5::DataSet ds = file.openDataSet(name);
  const auto points = static_cast<std::size_t>(ds.getSpace().getSimpleExtentNpoints());
  if (points != expected) {
    throw_input("{}: {} has {} values, expected {} (written by a different scenario or version?)",
                path, name, points, expected);
  }
  Vector values(points);
  if (points) ds.read(values.data(), H5::PredType::NATIVE_DOUBLE);
  return values;
}

}  // namespace

ResultFileInfo read_result_info(const std::string& path) {
  H5::Exception::dontPrint();
  ResultFileInfo info;
  info.path = path;
  require_regular_file(path, InputKind::result_file);
  // Before libhdf5 sees the bytes: it can crash on a damaged file.
  verify_result_file(path);
  try {
    H5::H5File file(path, H5F_ACC_RDONLY);
    H5::Group root = file.openGroup("/");
    info.opsim_version = read_string_attribute(root, "opsim_version") + " (" +
                         read_string_attribute(root, "git_revision") + ")";
    info.scenario_sha256 = read_string_attribute(root, "scenario_sha256");
    info.scenario_path = read_string_attribute(root, "scenario_path");
    info.seed = read_uint_attribute(root, "seed");
    // Files from before the attribute existed used scheme 1 (Philox4x64-10).
    info.stream_version = root.attrExists("random_stream_version")
                              ? read_uint_attribute(root, "random_stream_version")
                              : 1;
    info.first_trial = read_uint_attribute(root, "first_trial");
    info.end_trial = read_uint_attribute(root, "end_trial");
    info.total_trials = read_uint_attribute(root, "total_trials");
    info.keep_trials = read_uint_attribute(root, "keep_trials") != 0;
    info.checkpoint = root.attrExists("checkpoint") && read_uint_attribute(root, "checkpoint") != 0;
    if (root.attrExists("checkpoint_run_first") && root.attrExists("checkpoint_run_end")) {
      info.checkpoint_run = std::pair{read_uint_attribute(root, "checkpoint_run_first"),
                                      read_uint_attribute(root, "checkpoint_run_end")};
    }
    if (root.attrExists("checkpoint_ranks"))
      info.checkpoint_ranks = static_cast<int>(
          std::min<std::uint64_t>(read_uint_attribute(root, "checkpoint_ranks"), 1U << 30));
    if (info.first_trial > info.end_trial || info.end_trial > info.total_trials ||
        info.total_trials > kMaxResultTrials)
      throw_input("{}: trials [{}, {}) of {} is not a valid range (at most {} trials)", path,
                  info.first_trial, info.end_trial, info.total_trials, kMaxResultTrials);
    // Written since opsim records its inputs (H5Lexists needs each level to exist).
    if (file.nameExists("/scenario") && file.nameExists("/scenario/inputs") &&
        file.nameExists("/scenario/inputs/path")) {
      const auto paths = read_strings(file, "/scenario/inputs/path");
      const auto digests = read_strings(file, "/scenario/inputs/sha256");
      // Written since inputs record their encoding; before, every input reads as "".
      const auto read_as = file.nameExists("/scenario/inputs/read_as")
                               ? read_strings(file, "/scenario/inputs/read_as")
                               : std::vector<std::string>(paths.size());
      if (paths.size() != digests.size())
        throw H5::GroupIException("read_result_info", "/scenario/inputs: lengths differ");
      if (read_as.size() != paths.size())
        throw H5::GroupIException("read_result_info", "/scenario/inputs: lengths differ");
      for (std::size_t i = 0; i < paths.size(); ++i)
        info.inputs.push_back({paths[i], digests[i], read_as[i]});
    }
  } catch (const H5::Exception& e) {
    throw_input("{}: not an opsim result file ({})", path, e.getDetailMsg());
  }
  return info;
}

RunResult read_result(const std::string& path, const ResultLayout& layout) {
  const ResultFileInfo info = read_result_info(path);
  RunResult result;
  result.layout = layout;
  result.first_trial = info.first_trial;
  result.end_trial = info.end_trial;
  result.keep_monthly = info.keep_trials;
  const std::size_t n = info.end_trial - info.first_trial;
  try {
    H5::H5File file(path, H5F_ACC_RDONLY);
    result.period_values = read_doubles<UnfilledVector<double>>(file, "/trials/periods",
                                                                n * layout.period_cells(), path);
    result.seat_values = read_doubles<UnfilledVector<double>>(file, "/trials/seat_bookings",
                                                              n * layout.seat_cells(), path);
    result.headline_values = read_doubles<UnfilledVector<double>>(
        file, "/trials/monthly_new_bookings", n * layout.headline_cells(), path);
    if (layout.products > 0) {
      result.product_values = read_doubles<UnfilledVector<double>>(
          file, "/trials/products", n * layout.product_period_cells(), path);
    }
    if (info.keep_trials) {
      result.monthly_values = read_doubles<UnfilledVector<double>>(
          file, "/trials/monthly", n * layout.monthly_cells(), path);
    }
    const std::size_t cells = layout.monthly_cells();
    const auto nodes = static_cast<std::size_t>(
        file.openDataSet("/state/node_start").getSpace().getSimpleExtentNpoints());
    // A moment tree holds about one node per set bit of the trial count.
    if (nodes > 128) throw_input("{}: /state holds {} moment nodes (at most 128)", path, nodes);
    const auto starts = read_doubles(file, "/state/node_start", nodes, path);
    const auto levels = read_doubles(file, "/state/node_level", nodes, path);
    const auto counts = read_doubles(file, "/state/node_count", nodes, path);
    const auto ends = read_doubles(file, "/state/node_end", nodes, path);
    const auto means = read_doubles(file, "/state/node_mean", nodes * cells, path);
    const auto m2s = read_doubles(file, "/state/node_m2", nodes * cells, path);
    result.monthly_moments = MomentTree(cells);
    // Node fields are whole numbers within the file's trial range; anything else is a damaged
    // or foreign file (and would be undefined behaviour to convert).
    auto whole = [&](double value, std::uint64_t hi, const char* what) {
      if (!(value >= 0 && value <= static_cast<double>(hi) && std::floor(value) == value))
        throw_input("{}: /state/{} holds {}, not a whole number in 0..{}", path, what, value, hi);
      return static_cast<std::uint64_t>(value);
    };
    std::uint64_t next = info.first_trial;
    for (std::size_t i = 0; i < nodes; ++i) {
      MomentTree::StoredNode node;
      node.start = whole(starts[i], info.end_trial, "node_start");
      node.level = static_cast<int>(whole(levels[i], 63, "node_level"));
      node.count = whole(counts[i], info.end_trial, "node_count");
      node.end_covered = whole(ends[i], info.end_trial, "node_end");
      if (node.start != next || node.end_covered < node.start ||
          node.count != node.end_covered - node.start)
        throw_input("{}: /state: moment node {} covers [{}, {}) with {} trials after trial {}",
                    path, i, node.start, node.end_covered, node.count, next);
      next = node.end_covered;
      node.mean.assign(means.begin() + static_cast<std::ptrdiff_t>(i * cells),
                       means.begin() + static_cast<std::ptrdiff_t>((i + 1) * cells));
      node.m2.assign(m2s.begin() + static_cast<std::ptrdiff_t>(i * cells),
                     m2s.begin() + static_cast<std::ptrdiff_t>((i + 1) * cells));
      result.monthly_moments.push(std::move(node));
    }
    if (next != info.end_trial)
      throw_input("{}: /state: the moment nodes end at trial {}, the file at {}", path, next,
                  info.end_trial);
  } catch (const H5::Exception& e) {
    throw_input("{}: cannot read result datasets ({})", path, e.getDetailMsg());
  }
  return result;
}

namespace {

//! Free space below which an HDF5 file is not started (its header alone takes a few KiB).
constexpr std::uint64_t kHdf5HeadroomBytes = 64 * 1024;

//! What went wrong while writing one HDF5 file.
struct Hdf5Failure {
  std::string reason;       //!< the operating system's message, else HDF5's innermost one
  bool os_failure = false;  //!< the file driver's write, truncate or close failed
  int fd = -1;              //!< the file driver's descriptor, once the file is created
};

herr_t collect_reason(unsigned, const H5E_error2_t* entry, void* data) {
  auto& failure = *static_cast<Hdf5Failure*>(data);
  const std::string desc = entry->desc != nullptr ? entry->desc : "";
  // The sec2 driver's entry carries errno's text: "..., error message = 'No space left on
  // device', ...".
  const auto start = desc.find("error message = '");
  if (start != std::string::npos) {
    const auto from = start + 17;
    failure.reason = desc.substr(from, desc.find('\'', from) - from);
    failure.os_failure = true;
    return 1;
  }
  if (!desc.empty()) failure.reason = desc;
  return 0;
}

//! Called by HDF5 when an API call fails, while its error stack is intact. After the first
//! failed write the file's descriptor is pointed at an anonymous memory file, so that the
//! remaining flushes succeed and the file closes cleanly: HDF5 1.10 crashes at exit when a
//! file's close has failed. The temporary file is removed afterwards either way.
herr_t record_failure(hid_t stack, void* data) {
  auto& failure = *static_cast<Hdf5Failure*>(data);
  if (failure.os_failure) return 0;
  H5Ewalk2(stack, H5E_WALK_DOWNWARD, collect_reason, &failure);
  if (failure.os_failure && failure.fd >= 0) {
    const int sink = ::memfd_create("opsim-discarded-hdf5", MFD_CLOEXEC);
    if (sink >= 0) {
      ::dup2(sink, failure.fd);
      ::close(sink);
    }
  }
  return 0;
}

//! Routes HDF5's error reports to `failure` (printing nothing) for the object's lifetime.
class Hdf5FailureRecorder {
 public:
  explicit Hdf5FailureRecorder(Hdf5Failure& failure) {
    H5Eget_auto2(H5E_DEFAULT, &previous_, &previous_data_);
    H5Eset_auto2(H5E_DEFAULT, record_failure, &failure);
  }
  ~Hdf5FailureRecorder() { H5Eset_auto2(H5E_DEFAULT, previous_, previous_data_); }
  Hdf5FailureRecorder(const Hdf5FailureRecorder&) = delete;
  Hdf5FailureRecorder& operator=(const Hdf5FailureRecorder&) = delete;

 private:
  H5E_auto2_t previous_ = nullptr;
  void* previous_data_ = nullptr;
};

[[noreturn]] void throw_hdf5_failure(const std::string& path, const std::string& action,
                                     const Hdf5Failure& failure) {
  throw OutputError(fmt::format("{}: {} failed: {}", path, action,
                                failure.reason.empty() ? "HDF5 gave no reason" : failure.reason));
}

}  // namespace

namespace {
//! A write failed with libhdf5's file still open inside it: its exit handler (H5close) then
//! crashes (Debian's 1.10: a segmentation fault in H5F__close_cb) or loops.
std::atomic<bool> hdf5_failed_open{false};
}  // namespace

bool hdf5_unsafe_to_close_at_exit() {
  return hdf5_failed_open.load();
}

void write_hdf5_document(const std::string& path, const std::function<void(H5::H5File&)>& body) {
  write_file_by_name(path, [&](const std::string& temporary) {
    // HDF5 1.10 cannot recover from a failed create (it loops at exit): a folder that cannot
    // hold even the file's header is refused before HDF5 is asked.
    struct statvfs space {};
    const std::string folder = std::filesystem::path(temporary).parent_path().string();
    if (::statvfs(folder.c_str(), &space) == 0 &&
        static_cast<std::uint64_t>(space.f_bavail) * space.f_frsize < kHdf5HeadroomBytes) {
      throw OutputError(fmt::format("{}: creating the HDF5 file failed: {} (less than {} KiB free)",
                                    path, std::strerror(ENOSPC), kHdf5HeadroomBytes / 1024));
    }
    Hdf5Failure failure;
    const Hdf5FailureRecorder recorder(failure);
    // A user block for opsim's checksum and the 1.10 format (result_integrity.hpp).
    const hid_t creation = result_file_creation_properties();
    const hid_t access = result_file_access_properties();
    const hid_t id = H5Fcreate(temporary.c_str(), H5F_ACC_TRUNC, creation, access);
    H5Pclose(creation);
    H5Pclose(access);
    if (id < 0) {
      hdf5_failed_open.store(true);
      throw_hdf5_failure(path, "creating the HDF5 file", failure);
    }
    void* handle = nullptr;
    if (H5Fget_vfd_handle(id, H5P_DEFAULT, &handle) >= 0 && handle != nullptr)
      failure.fd = *static_cast<int*>(handle);
    // The C++ wrappers print to std::cerr when a destructor cannot close its object (a full
    // disk: "DataSet::~DataSet - H5Dclose failed" above opsim's message); the failure is
    // reported once, in opsim's words. Nothing else of opsim's writes to std::cerr.
    struct CerrMuted {
      std::streambuf* saved = std::cerr.rdbuf(nullptr);
      ~CerrMuted() { std::cerr.rdbuf(saved); }
    } muted;
    std::string action;
    try {
      // The wrapper takes its own reference to `id`; every object is closed when body returns.
      H5::H5File file(id);
      body(file);
    } catch (const H5::Exception& e) {
      action = fmt::format("writing HDF5 ({})", e.getDetailMsg());
    }
    // Closing flushes, so a full disk can fail here too.
    const bool closed = H5Fclose(id) >= 0;
    if (!action.empty() || failure.os_failure || !closed) hdf5_failed_open.store(true);
    if (!action.empty()) throw_hdf5_failure(path, action, failure);
    if (failure.os_failure) throw_hdf5_failure(path, "writing HDF5", failure);
    if (!closed) throw_hdf5_failure(path, "closing the HDF5 file", failure);
    seal_result_file(temporary, path);
  });
}

void write_hdf5(const std::string& path, const Scenario& scenario, const RunResult& result,
                const Summary* summary, const Provenance& provenance) {
  const ResultLayout& layout = result.layout;
  const hsize_t R = static_cast<hsize_t>(layout.regions), S = static_cast<hsize_t>(layout.segments),
                K = static_cast<hsize_t>(kMetricCount), M = static_cast<hsize_t>(layout.months),
                P = static_cast<hsize_t>(layout.periods.size()), N = result.trials(),
                Q = static_cast<hsize_t>(kQuantiles), J = static_cast<hsize_t>(layout.products),
                PK = static_cast<hsize_t>(kProductMetricCount);
  write_hdf5_document(path, [&](H5::H5File& file) {
    H5::Group root = file.openGroup("/");
    write_provenance(file, scenario, provenance, N);
    uint_attribute(root, "total_trials", provenance.total_trials);
    uint_attribute(root, "keep_trials", result.keep_monthly ? 1 : 0);
    uint_attribute(root, "first_trial", result.first_trial);
    uint_attribute(root, "end_trial", result.end_trial);

    H5::Group labels = file.createGroup("/labels");
    write_strings(labels, "months", month_labels(scenario));
    write_strings(labels, "regions", region_labels(scenario));
    write_strings(labels, "segments", segment_labels(scenario));
    std::vector<std::string> metrics, periods, seats, years;
    for (int k = 0; k < kMetricCount; ++k) metrics.emplace_back(metric_info(k).name);
    for (const auto& p : layout.periods) periods.push_back(p.label);
    for (const auto& s : scenario.seats) seats.push_back(s.id);
    for (int y = 0; y < layout.fiscal_years; ++y)
      years.push_back(fmt::format("FY{}", layout.first_fiscal_year + y));
    write_strings(labels, "metrics", metrics);
    write_strings(labels, "periods", periods);
    if (layout.products > 0) {
      std::vector<std::string> products, product_metrics;
      for (const auto& product : scenario.products) products.push_back(product.id);
      for (int k = 0; k < kProductMetricCount; ++k)
        product_metrics.emplace_back(product_metric_name(k));
      write_strings(labels, "products", products);
      write_strings(labels, "product_metrics", product_metrics);
    }
    // Per period: the coverage of the metrics the actuals fill and of the stock metrics, then of
    // the values simulated only (the other metrics, the KPIs, products and seats).
    std::vector<std::string> coverage, coverage_simulated;
    std::vector<double> months_covered, months_simulated;
    for (const auto& p : layout.periods) {
      coverage.push_back(p.coverage());
      months_covered.push_back(p.months_covered);
      coverage_simulated.push_back(p.coverage(Coverage::simulated));
      months_simulated.push_back(p.months_simulated);
    }
    write_strings(labels, "period_coverage", coverage);
    write_doubles(labels, "period_months_covered", {P}, months_covered.data(), "period");
    write_strings(labels, "period_coverage_simulated", coverage_simulated);
    write_doubles(labels, "period_months_simulated", {P}, months_simulated.data(), "period");
    write_strings(labels, "seats", seats);
    write_strings(labels, "fiscal_years", years);
    {
      // Actuals to date of new bookings per month before the horizon and region (+ total).
      int first = scenario.calendar.start();
      for (const Actual& a : scenario.actuals) first = std::min(first, a.month);
      const int count = scenario.calendar.start() - first;
      std::vector<std::string> actual_months;
      std::vector<double> actual_values(static_cast<std::size_t>(count) * R, 0.0);
      for (int m = 0; m < count; ++m) actual_months.push_back(format_year_month(first + m));
      for (const Actual& a : scenario.actuals) {
        if (a.month >= scenario.calendar.start()) continue;
        const std::size_t row = static_cast<std::size_t>(a.month - first) * R;
        actual_values[row + a.region] += a.amount;
        actual_values[row + R - 1] += a.amount;
      }
      write_strings(labels, "actual_months", actual_months);
      H5::Group actuals = file.createGroup("/actuals");
      write_doubles(actuals, "new_bookings", {static_cast<hsize_t>(count), R}, actual_values.data(),
                    "actual_month,region");
    }
    const hsize_t nq = Q;
    write_doubles(labels, "quantile_levels", {nq}, kQuantileLevels.data(), "quantile");

    if (summary != nullptr) {
      H5::Group group = file.createGroup("/summary");
      H5::Group monthly = file.createGroup("/summary/monthly");
      write_doubles(monthly, "mean", {M, R, S, K}, summary->monthly_mean.data(),
                    "month,region,segment,metric");
      write_doubles(monthly, "sd", {M, R, S, K}, summary->monthly_sd.data(),
                    "month,region,segment,metric");
      write_doubles(monthly, "se", {M, R, S, K}, summary->monthly_se.data(),
                    "month,region,segment,metric");
      if (!summary->monthly_quantiles.empty()) {
        write_doubles(monthly, "quantiles", {M, R, S, K, Q}, summary->monthly_quantiles.data(),
                      "month,region,segment,metric,quantile");
      }
      write_doubles(monthly, "new_bookings_quantiles", {M, R, Q},
                    summary->headline_quantiles.data(), "month,region,quantile");
      // mean, sd, se and quantiles of one kind of period value, over the same axes.
      auto write_moments = [&](const char* path, std::vector<hsize_t> dims, const std::string& axes,
                               const std::vector<double>& mean, const std::vector<double>& sd,
                               const std::vector<double>& se,
                               const std::vector<double>& quantiles) {
        H5::Group group = file.createGroup(path);
        write_doubles(group, "mean", dims, mean.data(), axes);
        write_doubles(group, "sd", dims, sd.data(), axes);
        write_doubles(group, "se", dims, se.data(), axes);
        dims.push_back(Q);
        write_doubles(group, "quantiles", dims, quantiles.data(), axes + ",quantile");
      };
      write_moments("/summary/periods", {P, R, S, K}, "period,region,segment,metric",
                    summary->period_mean, summary->period_sd, summary->period_se,
                    summary->period_quantiles);
      if (layout.products > 0) {
        write_moments("/summary/products", {P, R, J, PK}, "period,region,product,product_metric",
                      summary->product_mean, summary->product_sd, summary->product_se,
                      summary->product_quantiles);
      }

      H5::Group targets = file.createGroup("/summary/targets");
      std::vector<std::string> t_metric, t_period, t_region, t_segment;
      std::vector<double> amount, mean, probability, se;
      const auto regions = region_labels(scenario);
      const auto segments = segment_labels(scenario);
      for (const auto& t : summary->targets) {
        t_metric.push_back(t.target.metric);
        t_period.push_back(layout.periods[t.period].label);
        t_region.push_back(t.target.region < 0 ? "total" : regions[t.target.region]);
        t_segment.push_back(t.target.segment < 0 ? "total" : segments[t.target.segment]);
        amount.push_back(t.target.amount);
        mean.push_back(t.mean);
        probability.push_back(t.probability);
        se.push_back(t.standard_error);
      }
      const hsize_t nt = summary->targets.size();
      write_strings(targets, "metric", t_metric);
      write_strings(targets, "period", t_period);
      write_strings(targets, "region", t_region);
      write_strings(targets, "segment", t_segment);
      write_doubles(targets, "amount", {nt}, amount.data(), "target");
      write_doubles(targets, "mean", {nt}, mean.data(), "target");
      write_doubles(targets, "probability", {nt}, probability.data(), "target");
      write_doubles(targets, "standard_error", {nt}, se.data(), "target");

      H5::Group kpis = file.createGroup("/summary/kpis");
      // Read by the HTML report's KPI table: the months whose pipeline created is short.
      if (const std::string note = pipeline_created_note(scenario, *summary); !note.empty())
        string_attribute(kpis, "pipeline_created_note", note);
      std::vector<double> win_rate, deal_size, cycle, created;
      for (const auto& k : summary->kpis) {
        win_rate.push_back(k.win_rate);
        deal_size.push_back(k.average_deal_size);
        cycle.push_back(k.cycle_months);
        created.push_back(k.pipeline_created);
      }
      write_doubles(kpis, "win_rate", {P, R, S}, win_rate.data(), "period,region,segment");
      write_doubles(kpis, "average_deal_size", {P, R, S}, deal_size.data(),
                    "period,region,segment");
      write_doubles(kpis, "cycle_months", {P, R, S}, cycle.data(), "period,region,segment");
      write_doubles(kpis, "pipeline_created", {P, R, S}, created.data(), "period,region,segment");

      H5::Group productivity = file.createGroup("/summary/productivity");
      std::vector<double> year, threshold, share, quantiles, covered;
      for (const auto& p : summary->productivity) {
        year.push_back(p.fiscal_year);
        covered.push_back(p.months_covered);
        threshold.push_back(p.threshold);
        share.push_back(p.mean_share);
        quantiles.insert(quantiles.end(), p.quantiles.begin(), p.quantiles.end());
      }
      const hsize_t np = summary->productivity.size();
      write_doubles(productivity, "fiscal_year", {np}, year.data(), "row");
      write_doubles(productivity, "threshold", {np}, threshold.data(), "row");
      write_doubles(productivity, "mean_share", {np}, share.data(), "row");
      write_doubles(productivity, "quantiles", {np, Q}, quantiles.data(), "row,quantile");
      // Months of each fiscal year in the horizon (a seat's bookings have no actuals): fewer than
      // 12 compare a part year's bookings with the annual threshold.
      write_doubles(productivity, "months_covered", {np}, covered.data(), "row");
    }

    H5::Group trials = file.createGroup("/trials");
    write_doubles(trials, "periods", {N, P, R, S, K}, result.period_values.data(),
                  "trial,period,region,segment,metric", Storage::compressed);
    write_doubles(
        trials, "seat_bookings",
        {N, static_cast<hsize_t>(layout.seats), static_cast<hsize_t>(layout.fiscal_years)},
        result.seat_values.data(), "trial,seat,fiscal_year", Storage::compressed);
    write_doubles(trials, "monthly_new_bookings", {N, M, R}, result.headline_values.data(),
                  "trial,month,region", Storage::compressed);
    if (layout.products > 0) {
      write_doubles(trials, "products", {N, P, R, J, PK}, result.product_values.data(),
                    "trial,period,region,product,product_metric", Storage::compressed);
    }
    if (result.keep_monthly) {
      write_doubles(trials, "monthly", {N, M, R, S, K}, result.monthly_values.data(),
                    "trial,month,region,segment,metric", Storage::compressed);
    }

    // The monthly moment tree's nodes, so that shards merge into exactly the single-run result.
    H5::Group state = file.createGroup("/state");
    const auto& nodes = result.monthly_moments.nodes();
    const hsize_t nn = nodes.size(), cells = layout.monthly_cells();
    std::vector<double> starts, levels, counts, ends, means, m2s;
    for (const auto& node : nodes) {
      starts.push_back(static_cast<double>(node.start));
      levels.push_back(node.level);
      counts.push_back(static_cast<double>(node.count));
      ends.push_back(static_cast<double>(node.end_covered));
      means.insert(means.end(), node.mean.begin(), node.mean.end());
      m2s.insert(m2s.end(), node.m2.begin(), node.m2.end());
    }
    write_doubles(state, "node_start", {nn}, starts.data(), "node");
    write_doubles(state, "node_level", {nn}, levels.data(), "node");
    write_doubles(state, "node_count", {nn}, counts.data(), "node");
    write_doubles(state, "node_end", {nn}, ends.data(), "node");
    write_doubles(state, "node_mean", {nn, cells}, means.data(), "node,cell");
    write_doubles(state, "node_m2", {nn, cells}, m2s.data(), "node,cell");
  });
}

}  // namespace opsim
