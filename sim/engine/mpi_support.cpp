#include "sim/engine/mpi_support.hpp"

#include <algorithm>
#include <cstdlib>
#include <span>
#include <tuple>

#include "sim/base/error.hpp"

#ifdef OPSIM_HAVE_MPI
#include <mpi.h>
#include <sched.h>

#include <filesystem>
#include <string>
#endif

namespace opsim::mpi {

#ifdef OPSIM_HAVE_MPI
namespace {
bool g_initialised = false;
int g_rank = 0;
int g_size = 1;
int g_local_size = 1;
cpu_set_t g_node_cores;  // union of the CPU affinity masks of this node's ranks

constexpr int kTag = 7301;
constexpr std::size_t kMaxMessage = std::size_t{1} << 28;  // doubles per message

void send_doubles(std::span<const double> values) {
  const std::uint64_t n = values.size();
  MPI_Send(&n, 1, MPI_UINT64_T, 0, kTag, MPI_COMM_WORLD);
  for (std::size_t offset = 0; offset < values.size(); offset += kMaxMessage) {
    const auto count = static_cast<int>(std::min(kMaxMessage, values.size() - offset));
    MPI_Send(values.data() + offset, count, MPI_DOUBLE, 0, kTag, MPI_COMM_WORLD);
  }
}

//! A vector of doubles sent by send_doubles(), into any vector type (RunResult's unfilled ones).
template <class Vector = std::vector<double>>
Vector receive_doubles(int source) {
  std::uint64_t n = 0;
  MPI_Recv(&n, 1, MPI_UINT64_T, source, kTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  Vector values(n);
  for (std::size_t offset = 0; offset < values.size(); offset += kMaxMessage) {
    const auto count = static_cast<int>(std::min<std::size_t>(kMaxMessage, values.size() - offset));
    MPI_Recv(values.data() + offset, count, MPI_DOUBLE, source, kTag, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
  }
  return values;
}
}  // namespace

void initialise(int* argc, char*** argv) {
  if (std::getenv("OMPI_COMM_WORLD_SIZE") == nullptr && std::getenv("PMIX_RANK") == nullptr) return;
  MPI_Init(argc, argv);
  g_initialised = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, g_rank, MPI_INFO_NULL, &node);
  MPI_Comm_size(node, &g_local_size);
  // mpirun binds each rank to its own core(s) by default; remember the node's union so that
  // rank 0 can take over the cores of ranks that have finished.
  cpu_set_t mine;
  CPU_ZERO(&mine);
  if (sched_getaffinity(0, sizeof mine, &mine) != 0) CPU_ZERO(&mine);
  std::vector<cpu_set_t> masks(static_cast<std::size_t>(g_local_size));
  MPI_Allgather(&mine, sizeof mine, MPI_BYTE, masks.data(), sizeof mine, MPI_BYTE, node);
  CPU_ZERO(&g_node_cores);
  for (auto& mask : masks) CPU_OR(&g_node_cores, &g_node_cores, &mask);
  MPI_Comm_free(&node);
}

void use_node_cores() {
  if (!g_initialised || CPU_COUNT(&g_node_cores) == 0) return;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task", error)) {
    // Best effort: a thread that has exited, or a system without the call, keeps its mask.
    const auto tid = static_cast<pid_t>(std::stol(entry.path().filename().string()));
    sched_setaffinity(tid, sizeof g_node_cores, &g_node_cores);
  }
}

void finalise() {
  if (g_initialised) MPI_Finalize();
  g_initialised = false;
}

int rank() {
  return g_rank;
}
int size() {
  return g_size;
}
int local_size() {
  return g_local_size;
}
bool active() {
  return g_initialised && g_size > 1;
}

bool any_failed(bool failed, int* lowest_failing) {
  if (!active()) {
    *lowest_failing = failed ? 0 : -1;
    return failed;
  }
  int mine = failed ? g_rank : g_size;
  int lowest = g_size;
  MPI_Allreduce(&mine, &lowest, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  *lowest_failing = lowest < g_size ? lowest : -1;
  return lowest < g_size;
}

std::exception_ptr error_to_report(std::exception_ptr error, int lowest) {
  if (!active() || lowest == 0) return g_rank == lowest ? error : nullptr;
  // The lowest failing rank says whether its error is an input error, and if so its message.
  std::string message;
  int forwarded = 0;
  if (g_rank == lowest) {
    try {
      std::rethrow_exception(error);
    } catch (const InputError& e) {
      message = e.what();
      forwarded = 1;
    } catch (...) {
    }
    const int length = forwarded != 0 ? static_cast<int>(message.size()) : -1;
    MPI_Send(&length, 1, MPI_INT, 0, kTag, MPI_COMM_WORLD);
    if (forwarded != 0) MPI_Send(message.data(), length, MPI_CHAR, 0, kTag, MPI_COMM_WORLD);
    return forwarded != 0 ? nullptr : error;
  }
  if (g_rank != 0) return nullptr;
  int length = 0;
  MPI_Recv(&length, 1, MPI_INT, lowest, kTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  if (length < 0) return nullptr;
  message.resize(static_cast<std::size_t>(length));
  MPI_Recv(message.data(), length, MPI_CHAR, lowest, kTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return std::make_exception_ptr(InputError(message));
}

namespace {

void send_result(const RunResult& result) {
  std::vector<double> header{static_cast<double>(result.first_trial),
                             static_cast<double>(result.end_trial),
                             static_cast<double>(result.monthly_moments.nodes().size())};
  send_doubles(header);
  send_doubles(result.period_values);
  send_doubles(result.seat_values);
  send_doubles(result.monthly_values);
  send_doubles(result.headline_values);
  send_doubles(result.product_values);
  std::vector<double> nodes;
  for (const auto& node : result.monthly_moments.nodes()) {
    nodes.insert(nodes.end(),
                 {static_cast<double>(node.start), static_cast<double>(node.level),
                  static_cast<double>(node.count), static_cast<double>(node.end_covered)});
    nodes.insert(nodes.end(), node.mean.begin(), node.mean.end());
    nodes.insert(nodes.end(), node.m2.begin(), node.m2.end());
  }
  send_doubles(nodes);
}

RunResult receive_result(int source, const ResultLayout& layout) {
  RunResult result;
  result.layout = layout;
  const auto header = receive_doubles(source);
  result.first_trial = static_cast<std::uint64_t>(header.at(0));
  result.end_trial = static_cast<std::uint64_t>(header.at(1));
  const auto node_count = static_cast<std::size_t>(header.at(2));
  result.period_values = receive_doubles<UnfilledVector<double>>(source);
  result.seat_values = receive_doubles<UnfilledVector<double>>(source);
  result.monthly_values = receive_doubles<UnfilledVector<double>>(source);
  result.headline_values = receive_doubles<UnfilledVector<double>>(source);
  result.product_values = receive_doubles<UnfilledVector<double>>(source);
  const auto nodes = receive_doubles(source);
  const std::size_t cells = layout.monthly_cells();
  result.monthly_moments = MomentTree(cells);
  std::size_t at = 0;
  for (std::size_t i = 0; i < node_count; ++i) {
    MomentTree::StoredNode node;
    node.start = static_cast<std::uint64_t>(nodes[at]);
    node.level = static_cast<int>(nodes[at + 1]);
    node.count = static_cast<std::uint64_t>(nodes[at + 2]);
    node.end_covered = static_cast<std::uint64_t>(nodes[at + 3]);
    at += 4;
    node.mean.assign(nodes.begin() + static_cast<std::ptrdiff_t>(at),
                     nodes.begin() + static_cast<std::ptrdiff_t>(at + cells));
    at += cells;
    node.m2.assign(nodes.begin() + static_cast<std::ptrdiff_t>(at),
                   nodes.begin() + static_cast<std::ptrdiff_t>(at + cells));
    at += cells;
    result.monthly_moments.push(std::move(node));
  }
  return result;
}

}  // namespace

void abort(int code) {
  if (g_initialised) MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);
}

std::vector<double> concatenate_on_root(std::vector<double> mine) {
  if (!active()) return mine;
  if (rank() != 0) {
    send_doubles(mine);
    return {};
  }
  std::vector<double> all = std::move(mine);
  for (int r = 1; r < size(); ++r) {
    const std::vector<double> part = receive_doubles(r);
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

void sum_on_root(std::vector<std::uint64_t>& values) {
  if (!active() || values.empty()) return;
  for (std::size_t offset = 0; offset < values.size(); offset += kMaxMessage) {
    const auto count = static_cast<int>(std::min(kMaxMessage, values.size() - offset));
    if (rank() == 0) {
      MPI_Reduce(MPI_IN_PLACE, values.data() + offset, count, MPI_UINT64_T, MPI_SUM, 0,
                 MPI_COMM_WORLD);
    } else {
      MPI_Reduce(values.data() + offset, nullptr, count, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
    }
  }
}

void broadcast(std::vector<double>& values) {
  if (!active()) return;
  std::uint64_t n = values.size();
  MPI_Bcast(&n, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
  values.resize(n);
  for (std::size_t offset = 0; offset < values.size(); offset += kMaxMessage) {
    const auto count = static_cast<int>(std::min<std::size_t>(kMaxMessage, values.size() - offset));
    MPI_Bcast(values.data() + offset, count, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  }
}

RunResult gather_on_root(RunResult mine) {
  if (!active()) return mine;
  // Rank 0 sizes its arrays for every trial once, then appends each rank's part as it arrives and
  // frees it: it holds the whole result and one part, not every part and a growing copy (review:
  // rank 0 used 2.3 times the memory estimate with 3 ranks).
  std::uint64_t trials = mine.trials(), total = 0;
  MPI_Reduce(&trials, &total, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
  if (rank() != 0) {
    send_result(mine);
    return RunResult();
  }
  RunResult merged = std::move(mine);
  const ResultLayout& layout = merged.layout;
  merged.period_values.reserve(total * layout.period_cells());
  merged.seat_values.reserve(total * layout.seat_cells());
  merged.headline_values.reserve(total * layout.headline_cells());
  merged.product_values.reserve(total * layout.product_period_cells());
  if (merged.keep_monthly) merged.monthly_values.reserve(total * layout.monthly_cells());
  for (int r = 1; r < size(); ++r) {
    std::vector<RunResult> pair;
    pair.push_back(std::move(merged));
    pair.push_back(receive_result(r, pair.front().layout));
    pair.back().keep_monthly = pair.front().keep_monthly;
    merged = merge_results(std::move(pair));
  }
  return merged;
}

#else

void initialise(int*, char***) {}
void finalise() {}
std::vector<double> concatenate_on_root(const std::vector<double>& mine) {
  return mine;
}
void sum_on_root(std::vector<std::uint64_t>&) {}
void broadcast(std::vector<double>&) {}
RunResult gather_on_root(RunResult mine) {
  return mine;
}
void use_node_cores() {}
int rank() {
  return 0;
}
int size() {
  return 1;
}
int local_size() {
  return 1;
}
bool active() {
  return false;
}
bool any_failed(bool failed, int* lowest_failing) {
  *lowest_failing = failed ? 0 : -1;
  return failed;
}
std::exception_ptr error_to_report(std::exception_ptr error, int) {
  return error;
}
void abort(int code) {
  std::exit(code);
}

#endif

namespace {
bool g_collective_error = false;
}

bool error_is_collective() {
  return g_collective_error || !active();
}
void note_collective_error() {
  g_collective_error = true;
}

int threads_per_rank(int requested) {
  return requested > 0 ? requested : std::max(1, resolve_threads(0) / local_size());
}

std::pair<std::uint64_t, std::uint64_t> share_of(std::uint64_t first, std::uint64_t end) {
  const std::uint64_t span = end - first;
  const auto share = [&](int r) {
    return first + span * static_cast<std::uint64_t>(r) / static_cast<std::uint64_t>(size());
  };
  return {share(rank()), share(rank() + 1)};
}

RunResult run_distributed(const Scenario& scenario, RunOptions options) {
  options.threads = threads_per_rank(options.threads);
  std::tie(options.first_trial, options.end_trial) =
      share_of(options.first_trial, options.end_trial);
  RunResult mine;
  collectively([&] { mine = run_trials(scenario, options); });
  return gather_on_root(std::move(mine));
}

}  // namespace opsim::mpi
