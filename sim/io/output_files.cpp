#include "sim/io/output_files.hpp"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "sim/base/error.hpp"
#include "sim/engine/mpi_support.hpp"
#include "sim/io/input.hpp"

namespace opsim {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void throw_os(const std::string& path, const char* action, int error) {
  throw OutputError(fmt::format("{}: {}: {}", path, action, std::strerror(error)));
}

//! The path with symlinks and `..` resolved as far as it exists. A symbolic link is followed
//! even when what it names does not exist yet, so that the file it names is written and the link
//! stays (a review found a dangling link replaced by a regular file); a loop, of the path itself
//! or of a folder on it, is refused naming the option (`role`) that gave the path.
fs::path resolved(const std::string& path, const std::string& role = {}) {
  const auto loops = [&] {
    throw_input("{}{}{}: a symbolic link on this path loops (or a chain of over 40 links)", role,
                role.empty() ? "" : " ", path);
  };
  fs::path p = fs::absolute(path);
  for (int hops = 0;; ++hops) {
    std::error_code error;
    const fs::file_status link = fs::symlink_status(p, error);
    if (error == std::errc::too_many_symbolic_link_levels) loops();
    if (error || !fs::is_symlink(link)) break;
    if (hops == 40) loops();
    const fs::path target = fs::read_symlink(p, error);
    if (error) break;
    p = target.is_absolute() ? target : p.parent_path() / target;
  }
  std::error_code error;
  const fs::path canonical = fs::weakly_canonical(p, error);
  if (error == std::errc::too_many_symbolic_link_levels) loops();
  return error ? p.lexically_normal() : canonical;
}

//! File names and paths the file system takes (NAME_MAX and PATH_MAX of Linux), checked before
//! any work (a review found an internal error, and a name refused only after the run).
void check_path_length(const std::string& path, const std::string& role, bool folder) {
  constexpr std::size_t kMostNameBytes = 255;
  // PATH_MAX less what opsim adds: the temporary ".NAME.opsim-XXXXXX" beside a file (14 bytes),
  // and in a folder "/" with the longest name it writes there and its temporary (review: a path
  // of 4,082 bytes passed the check and failed after the run).
  const std::size_t most = folder ? 4095 - 14 - 64 : 4095 - 14;
  const fs::path absolute = fs::absolute(path);
  if (absolute.native().size() > most) {
    throw_input("{} {}...: the path is {} bytes long; opsim writes paths of at most {} bytes here",
                role, path.substr(0, 60), absolute.native().size(), most);
  }
  for (const fs::path& part : absolute) {
    if (part.native().size() > kMostNameBytes) {
      throw_input("{} {}: the name {}... is {} bytes long; this file system takes at most {}", role,
                  path, part.native().substr(0, 40), part.native().size(), kMostNameBytes);
    }
  }
}

std::optional<struct stat> stat_of(const fs::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;
  return info;
}

//! The same file: one resolved path, or one device and inode (hard links).
bool same_file(const fs::path& a, const fs::path& b) {
  if (a == b) return true;
  const auto sa = stat_of(a), sb = stat_of(b);
  return sa && sb && sa->st_dev == sb->st_dev && sa->st_ino == sb->st_ino;
}

//! Streams (character devices, FIFOs) take text written straight into them.
bool is_stream(mode_t mode) {
  return S_ISCHR(mode) || S_ISFIFO(mode);
}

//! InputError unless opsim may create files in `folder` (a read-only file system or a folder
//! without write permission): before any work, not after it.
void check_folder_writable(const fs::path& folder, const std::string& role,
                           const std::string& path) {
  if (::access(folder.c_str(), W_OK | X_OK) != 0) {
    throw_input("{} {}: the folder {} cannot be written ({})", role, path, folder.string(),
                std::strerror(errno));
  }
}

//! The mode of what `path` names, every link followed by the kernel, when that is a character
//! device or FIFO: /dev/stdout on a pipe is /proc/self/fd/1, a link to "pipe:[N]", which no
//! path resolution reaches (review: `--summary-json /dev/stdout | cat` failed after the run).
std::optional<mode_t> stream_at(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0 && is_stream(info.st_mode)) return info.st_mode;
  return std::nullopt;
}

void check_writable_target(const std::string& path, const std::string& role, OutputKind kind) {
  check_path_length(path, role, false);
  if (const auto stream = stream_at(path)) {
    if (kind == OutputKind::text) return;
    throw_input("{} {}: is {}; this output (HDF5 or a workbook) needs a regular file", role, path,
                file_type(*stream));
  }
  const fs::path target = resolved(path);
  if (target.has_parent_path() && !fs::is_directory(target.parent_path())) {
    std::error_code error;
    if (fs::is_symlink(fs::symlink_status(path, error))) {
      throw_input("{} {}: is a symbolic link to {}, whose folder does not exist", role, path,
                  target.string());
    }
    throw_input("{} {}: the folder {} does not exist", role, path,
                fs::path(path).parent_path().string());
  }
  const auto info = stat_of(target);
  if (!info || S_ISREG(info->st_mode)) {
    // The file is written next to its target and renamed: its folder must take new files (review:
    // a read-only folder was found only after the whole run).
    check_folder_writable(target.has_parent_path() ? target.parent_path() : fs::path("."), role,
                          path);
    return;
  }
  if (is_stream(info->st_mode) && kind == OutputKind::text) return;
  if (is_stream(info->st_mode)) {
    throw_input("{} {}: is {}; this output (HDF5 or a workbook) needs a regular file", role, path,
                file_type(info->st_mode));
  }
  throw_input(
      "{} {}: is {}; opsim writes a regular file here (text outputs also into a character "
      "device or FIFO)",
      role, path, file_type(info->st_mode));
}

void check_folder(const std::string& directory, const std::string& role) {
  check_path_length(directory, role, true);
  const fs::path folder = resolved(directory);
  if (const auto info = stat_of(folder)) {
    if (!S_ISDIR(info->st_mode)) throw_input("{} {}: exists and is not a folder", role, directory);
    check_folder_writable(folder, role, directory);
    return;
  }
  if (folder.has_parent_path() && !fs::is_directory(folder.parent_path())) {
    throw_input("{} {}: the folder {} does not exist", role, directory,
                fs::path(directory).parent_path().string());
  }
  check_folder_writable(folder.has_parent_path() ? folder.parent_path() : fs::path("."), role,
                        directory);
}

void fsync_folder(const fs::path& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) throw_os(folder.string(), "cannot open the folder", errno);
  const int result = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  // Some file systems cannot fsync a folder (EINVAL); the rename is then as durable as they get.
  if (result != 0 && error != EINVAL)
    throw_os(folder.string(), "fsync of the folder failed", error);
}

void write_all(int fd, const std::string& bytes, const std::string& path) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_os(path, "write failed", errno);
    done += static_cast<std::size_t>(n);
  }
}

//! The permissions a new file gets: the previous file's, or 0666 less the umask.
mode_t mode_for(const fs::path& target) {
  if (const auto info = stat_of(target)) return info->st_mode & 07777;
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666 & ~mask;
}

//! The temporaries being written, removed when SIGINT, SIGTERM or SIGHUP ends the process (a
//! review found a run stopped by Ctrl-C or a cluster's time limit leaving `.out.h5.opsim-XXXXXX`
//! at full size). Fixed slots, so that the handler only reads memory and calls unlink().
class LiveTemporaries {
 public:
  //! Records `path` (a folder opsim made: `folder`, removed when empty); the slot to
  //! release(), or -1 when every slot is taken (then not removed).
  static int add(const std::string& path, bool folder = false) {
    install();
    if (path.size() >= PATH_MAX) return -1;
    for (std::size_t i = 0; i < kSlots; ++i) {
      bool free = false;
      if (!claimed_[i].compare_exchange_strong(free, true)) continue;
      std::memcpy(paths_[i].data(), path.c_str(), path.size() + 1);
      folder_[i].store(folder);
      live_[i].store(true);
      return static_cast<int>(i);
    }
    return -1;
  }
  //! Around the creation of a temporary file (Temporary): a signal that ends the process waits
  //! (briefly) for a creation under way, and a creation that sees the process ending removes
  //! its file itself, so that no temporary is created after the handler removed the others
  //! (review: a SIGTERM under AddressSanitizer left a checkpoint's temporary).
  static void begin_create() {
    creating_.fetch_add(1);
    if (stopping_.load()) {
      // The handler is ending the process: create nothing, wait for the end.
      creating_.fetch_sub(1);
      for (;;) ::pause();
    }
  }
  static void end_create(const char* path) {
    if (stopping_.load() && path != nullptr) {
      // The handler is ending the process: remove this file and wait for the end, so that
      // nothing else of the output is done (reopened by name, renamed into place).
      ::unlink(path);
      creating_.fetch_sub(1);
      for (;;) ::pause();
    }
    creating_.fetch_sub(1);
  }
  static void release(int slot) {
    if (slot < 0) return;
    live_[static_cast<std::size_t>(slot)].store(false);
    claimed_[static_cast<std::size_t>(slot)].store(false);
  }

  //! The handler for the stopping signals, installed once (by add() or install_stop_handler()).
  static void install() {
    static std::once_flag installed;
    std::call_once(installed, [] {
      struct sigaction action {};
      action.sa_handler = &LiveTemporaries::on_signal;
      sigemptyset(&action.sa_mask);
      // SIGPIPE: a FIFO's reader went away; SIGXFSZ: past the file-size limit (ulimit -f).
      for (const int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGXFSZ}) {
        // A signal the process was told to ignore (nohup) stays ignored.
        struct sigaction before {};
        if (::sigaction(sig, nullptr, &before) == 0 && before.sa_handler == SIG_IGN) continue;
        ::sigaction(sig, &action, nullptr);
      }
    });
  }
  static inline std::atomic<bool> speak_{false};  //!< say what stopped the process
  //! stderr is a terminal: the message first ends a progress bar's line (a log has none open).
  static inline std::atomic<bool> terminal_{false};
  static inline std::atomic<bool> checkpoint_{false};  //!< a checkpoint is being written

  //! While outputs are renamed into place a signal waits for the last rename (a review found a
  //! SIGTERM between two renames leaving half of a command's outputs); end_commit() then ends
  //! the process by it.
  static void begin_commit() { committing_.store(true); }
  static void end_commit() {
    committing_.store(false);
    if (const int sig = pending_.exchange(0)) on_signal(sig);
  }

 private:
  static void on_signal(int sig) {
    if (committing_.load()) {
      pending_.store(sig);
      return;
    }
    stopping_.store(true);
    // A creation under way in another thread finishes first (at most 200 ms: the handler may run
    // in the creating thread itself).
    for (int wait = 0; wait < 200 && creating_.load() > 0; ++wait) {
      const timespec millisecond{0, 1'000'000};
      ::nanosleep(&millisecond, nullptr);
    }
    for (std::size_t i = 0; i < kSlots; ++i)
      if (live_[i].load() && !folder_[i].load()) ::unlink(paths_[i].data());
    for (std::size_t i = 0; i < kSlots; ++i)
      if (live_[i].load() && folder_[i].load()) ::rmdir(paths_[i].data());  // when empty
    // One line for the batch log (review: a SIGTERM ended a run after its progress line, unsaid);
    // write() only, as a handler may.
    if (speak_.load()) {
      const char* name = sig == SIGINT    ? "SIGINT"
                         : sig == SIGTERM ? "SIGTERM"
                         : sig == SIGHUP  ? "SIGHUP"
                         : sig == SIGPIPE ? "SIGPIPE (its output's reader went away)"
                                          : "a signal";
      auto say = [](const char* text) {
        if (::write(STDERR_FILENO, text, std::strlen(text)) < 0) return;
      };
      // A log's lines are whole already (review: an empty line before the message).
      say(terminal_.load() ? "\nopsim: stopped by " : "opsim: stopped by ");
      say(name);
      say(checkpoint_.load() ? "; run the same command again to resume from its checkpoint\n"
                             : "\n");
    }
    // Ended by the signal as without the handler (exit status 128 + sig).
    ::signal(sig, SIG_DFL);
    ::raise(sig);
  }

  static constexpr std::size_t kSlots = 64;
  static inline std::array<std::atomic<bool>, kSlots> claimed_{};
  static inline std::array<std::atomic<bool>, kSlots> live_{};
  static inline std::array<std::atomic<bool>, kSlots> folder_{};
  static inline std::array<std::array<char, PATH_MAX>, kSlots> paths_{};
  static inline std::atomic<bool> committing_{false};
  static inline std::atomic<int> pending_{0};
  static inline std::atomic<bool> stopping_{false};  //!< the handler is ending the process
  static inline std::atomic<int> creating_{0};       //!< temporaries being created
};

//! A folder opsim created for its outputs, removed (when empty) unless kept: on an error, and
//! by the signal handler.
class CreatedFolder {
 public:
  explicit CreatedFolder(fs::path folder)
      : folder_(std::move(folder)),
        slot_(LiveTemporaries::add(fs::absolute(folder_).string(), true)) {}
  CreatedFolder(const CreatedFolder&) = delete;
  CreatedFolder& operator=(const CreatedFolder&) = delete;
  ~CreatedFolder() {
    if (!kept_) ::rmdir(folder_.c_str());  // only when empty
    LiveTemporaries::release(slot_);
  }
  void keep() {
    kept_ = true;
    LiveTemporaries::release(slot_);
    slot_ = -1;
  }

 private:
  fs::path folder_;
  int slot_ = -1;
  bool kept_ = false;
};

//! The name of a temporary beside `target` up to its six random letters: ".NAME.opsim-", NAME
//! cut so that the temporary's name fits where the target's does (a name of 242 to 255 bytes
//! could not be written).
std::string temporary_prefix(const fs::path& target) {
  std::string name = target.filename().string();
  if (name.size() > 200) name.resize(200);
  return fmt::format(".{}.opsim-", name);
}

//! A temporary file beside its target, removed unless committed.
//! The outputs that did not exist when their command checked them, without --force: each is
//! renamed into place only if it still does not exist (review: a second run writing the same
//! output, started after the first had checked it, was silently replaced by the first, exit 0).
class NewTargets {
 public:
  static void expect(const fs::path& target) {
    const std::lock_guard lock(mutex());
    targets().insert(target.string());
  }
  static bool expected(const fs::path& target) {
    const std::lock_guard lock(mutex());
    return targets().count(target.string()) > 0;
  }

 private:
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  static std::set<std::string>& targets() {
    static std::set<std::string> t;
    return t;
  }
};

//! Renames `from` to `to` unless `to` exists (then OutputError naming `path`): renameat2's
//! RENAME_NOREPLACE, or on a file system without it a hard link, which fails on an existing
//! name too.
void rename_if_new(const std::string& from, const fs::path& to, const std::string& path) {
  const auto taken = [&] {
    throw OutputError(fmt::format(
        "{}: the file appeared while opsim worked (another run writing the same output?): it is "
        "left as it is and this run's output is not written; pass --force to replace it",
        path));
  };
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return;
  const int error = errno;
  if (error == EEXIST) taken();
  if (error != EINVAL && error != ENOSYS && error != ENOTSUP)
    throw_os(path, "rename failed", error);
  if (::link(from.c_str(), to.c_str()) == 0) {
    ::unlink(from.c_str());
    return;
  }
  if (errno == EEXIST) taken();
  // Neither (no hard links either): as close as the file system allows.
  if (stat_of(to)) taken();
  if (::rename(from.c_str(), to.c_str()) != 0) throw_os(path, "rename failed", errno);
}

class Temporary {
 public:
  explicit Temporary(const std::string& path) : path_(path), target_(resolved(path)) {
    // The name is chosen and recorded for the signal handler before the file is created
    // (O_EXCL, as mkstemp), so that no moment has the file without the handler knowing it.
    const std::string prefix = (target_.parent_path() / temporary_prefix(target_)).string();
    static std::atomic<std::uint64_t> counter{0};
    const std::string absolute_prefix = fs::absolute(prefix).string();
    LiveTemporaries::begin_create();
    for (int attempt = 0; fd_ < 0; ++attempt) {
      const std::uint64_t bits = (static_cast<std::uint64_t>(::getpid()) << 32) ^
                                 (counter.fetch_add(1) * 0x9E3779B97F4A7C15ULL) ^
                                 static_cast<std::uint64_t>(::time(nullptr));
      std::string suffix;
      static constexpr char kLetters[] =
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
      for (int i = 0; i < 6; ++i) suffix += kLetters[(bits >> (6 * i + attempt % 7)) % 62];
      name_ = prefix + suffix;
      slot_ = LiveTemporaries::add(absolute_prefix + suffix);
      fd_ = ::open(name_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd_ >= 0) break;
      const int error = errno;
      LiveTemporaries::release(slot_);
      slot_ = -1;
      if (error != EEXIST || attempt == 100) {
        LiveTemporaries::end_create(nullptr);
        throw_os(path_, "cannot create a temporary file beside it", error);
      }
    }
    LiveTemporaries::end_create(name_.c_str());
  }
  Temporary(const Temporary&) = delete;
  Temporary& operator=(const Temporary&) = delete;
  ~Temporary() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(name_.c_str());
    LiveTemporaries::release(slot_);
  }

  const std::string& name() const { return name_; }
  int fd() const { return fd_; }

  //! Closes the descriptor so that another writer (HDF5) can open the file by name.
  void release() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  //! fsyncs the content and sets the permissions; the file is complete after this.
  void finish() {
    if (fd_ < 0) {
      fd_ = ::open(name_.c_str(), O_RDWR);
      if (fd_ < 0) throw_os(path_, "cannot reopen the temporary file", errno);
    }
    // A replaced file (--force) keeps its owner where the process may give it (root; review: a
    // user's mode-600 file replaced by root's was no longer theirs to read), and its mode.
    if (const auto info = stat_of(target_);
        info && (info->st_uid != ::geteuid() || info->st_gid != ::getegid())) {
      if (::fchown(fd_, info->st_uid, info->st_gid) != 0) {
        // Not permitted (not root): the file is the writer's, as any new file is.
      }
    }
    if (::fchmod(fd_, mode_for(target_)) != 0) throw_os(path_, "cannot set permissions", errno);
    if (::fsync(fd_) != 0) throw_os(path_, "fsync failed", errno);
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw_os(path_, "close failed", errno);
  }

  //! Renames the finished file over the target (only into a free name where the target was new
  //! when the command checked it: NewTargets).
  void commit() {
    if (NewTargets::expected(target_))
      rename_if_new(name_, target_, path_);
    else if (::rename(name_.c_str(), target_.c_str()) != 0)
      throw_os(path_, "rename failed", errno);
    committed_ = true;
    // Out of the signal handler's list once renamed (its name is then no file).
    LiveTemporaries::release(slot_);
    slot_ = -1;
  }

  const fs::path& target() const { return target_; }

 private:
  std::string path_;
  fs::path target_;
  std::string name_;
  int fd_ = -1;
  int slot_ = -1;  //!< in LiveTemporaries while written
  bool committed_ = false;
};

//! The open OutputBatch's state: finished temporaries waiting for the commit, the folders made
//! for them, and what runs after.
struct HeldOutputs {
  std::mutex mutex;
  // Destroyed last to first: the files go before the folders made for them.
  std::vector<std::unique_ptr<CreatedFolder>> created_folders;
  std::vector<std::unique_ptr<Temporary>> files;
  std::vector<std::function<void()>> after_commit;
};
std::atomic<HeldOutputs*> open_batch{nullptr};
std::atomic<int> immediate_depth{0};

//! The batch that holds new files now, or null (none open, or an Immediate scope).
HeldOutputs* holding_batch() {
  return immediate_depth.load() > 0 ? nullptr : open_batch.load();
}

//! Renames finished temporaries over their targets as one: should one rename fail, those before
//! it are undone (a target that was there is put back from a hard link made beforehand; a new
//! one is removed) and the error is thrown. A signal waits until the renames are done.
void commit_together(std::vector<std::unique_ptr<Temporary>>& temporaries) {
  struct Done {
    fs::path target;
    std::string backup;  //!< hard link to the file it replaced; empty: none was there
  };
  std::vector<Done> done;
  LiveTemporaries::begin_commit();
  for (auto& temporary : temporaries) {
    Done d{temporary->target(), {}};
    if (stat_of(d.target)) {
      d.backup = temporary->name() + ".replaced";
      // Without hard links (some network file systems) the old file cannot be put back.
      if (::link(d.target.c_str(), d.backup.c_str()) != 0) d.backup.clear();
    }
    try {
      temporary->commit();
    } catch (...) {
      if (!d.backup.empty()) ::unlink(d.backup.c_str());
      for (auto undo = done.rbegin(); undo != done.rend(); ++undo) {
        if (undo->backup.empty())
          ::unlink(undo->target.c_str());
        else
          ::rename(undo->backup.c_str(), undo->target.c_str());
      }
      LiveTemporaries::end_commit();
      throw;
    }
    done.push_back(std::move(d));
  }
  std::vector<fs::path> folders;
  for (const Done& d : done) {
    if (!d.backup.empty()) ::unlink(d.backup.c_str());
    if (std::find(folders.begin(), folders.end(), d.target.parent_path()) == folders.end())
      folders.push_back(d.target.parent_path());
  }
  LiveTemporaries::end_commit();  // a signal that waited ends the process here
  for (const fs::path& folder : folders) fsync_folder(folder);
}

//! Puts the finished `temporaries` into place (and keeps the folder `made` for them), or hands
//! them to the open batch.
void place(std::vector<std::unique_ptr<Temporary>> temporaries,
           std::unique_ptr<CreatedFolder> made = nullptr) {
  if (HeldOutputs* batch = holding_batch()) {
    const std::lock_guard lock(batch->mutex);
    for (auto& temporary : temporaries) batch->files.push_back(std::move(temporary));
    if (made) batch->created_folders.push_back(std::move(made));
    return;
  }
  commit_together(temporaries);
  if (made) made->keep();
}

std::string render(const std::function<void(std::ostream&)>& fill) {
  std::ostringstream out;
  fill(out);
  return std::move(out).str();
}

//! Text straight into a character device or FIFO (never replaced).
void write_stream(const fs::path& target, const std::string& path, const std::string& bytes) {
  const int fd = ::open(target.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw_os(path, "cannot open", errno);
  try {
    write_all(fd, bytes, path);
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0) throw_os(path, "close failed", errno);
}

std::optional<mode_t> existing_mode(const fs::path& target) {
  const auto info = stat_of(target);
  if (!info) return std::nullopt;
  return info->st_mode;
}

}  // namespace

void OutputPlan::add_input(const std::string& path, const std::string& role) {
  if (!path.empty()) inputs_.push_back({.path = path, .role = role});
}

void OutputPlan::add_inputs(const std::vector<std::string>& paths, const std::string& role) {
  for (const auto& path : paths) add_input(path, role);
}

void OutputPlan::add_output(const std::string& path, const std::string& role, OutputKind kind) {
  if (!path.empty()) outputs_.push_back({.path = path, .role = role, .kind = kind});
}

void OutputPlan::add_own_output(const std::string& path, const std::string& role, OutputKind kind) {
  if (!path.empty()) outputs_.push_back({.path = path, .role = role, .kind = kind, .own = true});
}

void OutputPlan::add_output_folder(const std::string& directory, const std::string& role,
                                   const std::vector<std::string>& names,
                                   std::function<bool(const std::string&)> claims) {
  if (directory.empty()) return;
  folders_.push_back({.path = directory, .role = role, .claims = std::move(claims)});
  for (const auto& name : names)
    outputs_.push_back(
        {.path = (fs::path(directory) / name).string(), .role = role, .folder_file = true});
}

namespace {

//! The temporaries ".NAME.opsim-XXXXXX" (class Temporary) beside `target` that no run removed:
//! a run killed while writing it (SIGKILL, a power cut) leaves its temporary behind.
std::vector<fs::path> leftover_temporaries(const fs::path& target) {
  const std::string prefix = temporary_prefix(target);
  std::vector<fs::path> found;
  std::error_code error;
  const fs::path folder = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    const std::string entry = it->path().filename().string();
    std::error_code type_error;
    if (entry.size() == prefix.size() + 6 && entry.starts_with(prefix) &&
        it->is_regular_file(type_error))
      found.push_back(it->path());
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace

std::vector<std::string> OutputPlan::leftovers() const {
  std::vector<std::string> notes;
  auto note = [&](const fs::path& file, const std::string& written) {
    notes.push_back(fmt::format(
        "{} is a temporary file that an opsim run writing {} left behind (it was stopped before "
        "it finished, or it is still running); opsim does not remove it: delete it once no run "
        "writes {}",
        file.string(), written, written));
  };
  for (const auto& out : outputs_) {
    for (const fs::path& file : leftover_temporaries(resolved(out.path))) note(file, out.path);
  }
  // In a folder that claims names (a checkpoint's), the temporaries of those names (review: a
  // killed checkpoint's shard temporary went unnamed).
  for (const auto& folder : folders_) {
    if (!folder.claims) continue;
    std::error_code error;
    for (fs::directory_iterator it(resolved(folder.path), error), end; !error && it != end;
         it.increment(error)) {
      const std::string entry = it->path().filename().string();
      const std::size_t suffix = entry.rfind(".opsim-");
      if (entry.size() < 2 || entry[0] != '.' || suffix == std::string::npos ||
          entry.size() != suffix + 7 + 6)
        continue;
      const std::string name = entry.substr(1, suffix - 1);
      if (folder.claims(name)) note(it->path(), (fs::path(folder.path) / name).string());
    }
  }
  return notes;
}

void OutputPlan::check() const {
  // Clashes first: they are the more specific message.
  std::vector<fs::path> output_paths, input_paths, folder_paths;
  // Folders first, so that a loop is reported for the folder given, not a file opsim names in it.
  for (const auto& folder : folders_) folder_paths.push_back(resolved(folder.path, folder.role));
  for (const auto& out : outputs_) output_paths.push_back(resolved(out.path, out.role));
  for (const auto& in : inputs_) input_paths.push_back(resolved(in.path, in.role));
  for (std::size_t o = 0; o < outputs_.size(); ++o) {
    for (std::size_t i = 0; i < inputs_.size(); ++i) {
      if (same_file(output_paths[o], input_paths[i])) {
        // The input by its path, then its role (review: "is the input of s.json roster.csv").
        throw_input("{} {} is {} ({}): opsim would overwrite its own input; choose another path",
                    outputs_[o].role, outputs_[o].path, inputs_[i].path, inputs_[i].role);
      }
    }
    for (std::size_t p = 0; p < o; ++p) {
      if (same_file(output_paths[o], output_paths[p])) {
        throw_input("{} {} and {} {} are the same file; give each output its own path",
                    outputs_[p].role, outputs_[p].path, outputs_[o].role, outputs_[o].path);
      }
    }
  }
  // A folder output at a file output's path (review: `--summary-json x.json --csv x.json` ran
  // to the end, then failed renaming the file onto the folder made for the CSV files).
  for (std::size_t f = 0; f < folders_.size(); ++f) {
    const auto& folder = folders_[f];
    for (std::size_t o = 0; o < outputs_.size(); ++o) {
      if (!outputs_[o].folder_file && same_file(folder_paths[f], output_paths[o])) {
        throw_input("{} {} and {} {} are the same path; give each output its own path",
                    outputs_[o].role, outputs_[o].path, folder.role, folder.path);
      }
    }
  }
  // An output under a name a folder claims (review: -o CKPT/trials_..._007.h5 beside the
  // checkpoint's shards was removed with them at the end, exit 0).
  for (std::size_t f = 0; f < folders_.size(); ++f) {
    if (!folders_[f].claims) continue;
    for (std::size_t o = 0; o < outputs_.size(); ++o) {
      if (outputs_[o].folder_file || !same_file(output_paths[o].parent_path(), folder_paths[f]) ||
          !folders_[f].claims(output_paths[o].filename().string()))
        continue;
      throw_input(
          "{} {} is in the {} folder {} under a name of the files it writes there and removes "
          "when the run completes; choose another name or folder",
          outputs_[o].role, outputs_[o].path, folders_[f].role, folders_[f].path);
    }
  }
  for (const auto& folder : folders_) check_folder(folder.path, folder.role);
  for (const auto& out : outputs_) {
    if (!out.folder_file) {
      check_writable_target(out.path, out.role, out.kind);
    } else if (const auto info = stat_of(resolved(out.path)); info && !S_ISREG(info->st_mode)) {
      throw_input("{} {}: is {}; opsim writes its files there only as regular files", out.role,
                  out.path, file_type(info->st_mode));
    } else if (std::error_code error; fs::is_symlink(fs::symlink_status(out.path, error)) &&
                                      !fs::is_directory(resolved(out.path).parent_path())) {
      // As for a named output (review: found only after the work, as "cannot create a
      // temporary file beside it").
      throw_input("{} {}: is a symbolic link to {}, whose folder does not exist", out.role,
                  out.path, resolved(out.path).string());
    }
  }
  // Review: a temporary left by a killed run was neither removed nor reported.
  if (mpi::rank() == 0) {
    for (const std::string& note : leftovers()) fmt::print(stderr, "opsim: note: {}\n", note);
  }
  if (force_) return;
  for (const auto& out : outputs_) {
    const auto info = stat_of(resolved(out.path));
    if (!out.own && info && S_ISREG(info->st_mode))
      throw_input("{} {}: the file exists; pass --force to replace it", out.role, out.path);
  }
  // New files stay new: none is renamed over a file another process made meanwhile.
  for (const auto& out : outputs_) {
    if (!out.own && !stat_of(resolved(out.path)) && !stream_at(out.path))
      NewTargets::expect(resolved(out.path));
  }
}

void write_text_file(const std::string& path, const std::function<void(std::ostream&)>& fill) {
  const std::string bytes = render(fill);
  if (stream_at(path)) {
    write_stream(path, path, bytes);
    return;
  }
  const fs::path target = resolved(path);
  if (const auto mode = existing_mode(target); mode && !S_ISREG(*mode)) {
    if (!is_stream(*mode))
      throw_input("{}: is {}; opsim writes only regular files, character devices and FIFOs", path,
                  file_type(*mode));
    write_stream(target, path, bytes);
    return;
  }
  auto temporary = std::make_unique<Temporary>(path);
  write_all(temporary->fd(), bytes, path);
  temporary->finish();
  std::vector<std::unique_ptr<Temporary>> done;
  done.push_back(std::move(temporary));
  place(std::move(done));
}

void write_file_by_name(const std::string& path,
                        const std::function<void(const std::string& temporary)>& fill) {
  const fs::path target = resolved(path);
  if (const auto mode = existing_mode(target); mode && !S_ISREG(*mode)) {
    throw_input("{}: is {}; this output needs a regular file", path, file_type(*mode));
  }
  auto temporary = std::make_unique<Temporary>(path);
  temporary->release();
  // The writer (HDF5, libxlsxwriter) opens the file by name, creating it when it is not there:
  // were the signal handler to unlink it just before, it would be made again and left behind
  // (review: a SIGTERM under AddressSanitizer left a checkpoint's temporary). Writing it counts
  // as creating it, which the handler waits for (briefly) before it removes the temporaries.
  LiveTemporaries::begin_create();
  try {
    fill(temporary->name());
  } catch (...) {
    LiveTemporaries::end_create(nullptr);
    throw;
  }
  LiveTemporaries::end_create(temporary->name().c_str());
  temporary->finish();
  std::vector<std::unique_ptr<Temporary>> done;
  done.push_back(std::move(temporary));
  place(std::move(done));
}

void write_folder_files(const std::string& directory, const std::vector<FolderFile>& files) {
  const fs::path folder = resolved(directory);
  // A folder opsim makes goes again unless its files are put in it (a review found an empty one
  // left after a full disk, and after a SIGTERM).
  std::unique_ptr<CreatedFolder> made;
  if (!fs::exists(folder)) {
    if (::mkdir(folder.c_str(), 0777) == 0)
      made = std::make_unique<CreatedFolder>(folder);
    else if (errno != EEXIST)
      throw_os(directory, "cannot create the folder", errno);
  } else if (!fs::is_directory(folder)) {
    throw_input("{}: exists and is not a folder", directory);
  }
  std::vector<std::unique_ptr<Temporary>> temporaries;
  for (const auto& file : files) {
    const std::string path = (fs::path(directory) / file.name).string();
    if (const auto mode = existing_mode(folder / file.name); mode && !S_ISREG(*mode))
      throw_input("{}: is {}; opsim writes its CSV files only as regular files", path,
                  file_type(*mode));
    temporaries.push_back(std::make_unique<Temporary>(path));
    write_all(temporaries.back()->fd(), render(file.fill), path);
    temporaries.back()->finish();
  }
  place(std::move(temporaries), std::move(made));
}

void install_stop_handler(bool speak) {
  LiveTemporaries::speak_.store(speak);
  LiveTemporaries::terminal_.store(::isatty(STDERR_FILENO) == 1);
  LiveTemporaries::install();
}

void note_checkpoint_in_use() {
  LiveTemporaries::checkpoint_.store(true);
}

void silence_stop_message() {
  LiveTemporaries::speak_.store(false);
}

OutputBatch::OutputBatch() {
  auto held = std::make_unique<HeldOutputs>();
  HeldOutputs* expected = nullptr;
  if (!open_batch.compare_exchange_strong(expected, held.get()))
    throw std::logic_error("OutputBatch: a batch is already open");
  (void)held.release();  // owned through open_batch until commit or destruction
}

OutputBatch::~OutputBatch() {
  // Not committed: each temporary removes itself, then each folder made for them (when empty).
  std::unique_ptr<HeldOutputs> held(open_batch.exchange(nullptr));
}

void OutputBatch::commit() {
  std::unique_ptr<HeldOutputs> held(open_batch.exchange(nullptr));
  if (!held) return;
  commit_together(held->files);
  for (auto& folder : held->created_folders) folder->keep();
  for (const auto& action : held->after_commit) action();
}

OutputBatch::Immediate::Immediate() {
  ++immediate_depth;
}
OutputBatch::Immediate::~Immediate() {
  --immediate_depth;
}

void after_outputs_committed(std::function<void()> action) {
  if (HeldOutputs* batch = open_batch.load()) {
    const std::lock_guard lock(batch->mutex);
    batch->after_commit.push_back(std::move(action));
    return;
  }
  action();
}

void remove_written_file(const std::string& path) {
  // A read-only file system says EROFS even for a file that is not there: nothing to remove.
  if (::unlink(path.c_str()) == 0) return;
  const int error = errno;
  if (error != ENOENT && stat_of(path).has_value()) throw_os(path, "cannot remove", error);
}

}  // namespace opsim
