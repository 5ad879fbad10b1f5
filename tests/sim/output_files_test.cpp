// The output layer (sim/io/output_files): path checks, atomic replacement, streams written in
// place, folder outputs that keep foreign files, and every failure leaving nothing behind.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <H5Cpp.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <sstream>
#include <string>

#include "sim/base/error.hpp"
#include "sim/io/hdf5_util.hpp"
#include "sim/io/output_files.hpp"
#include "tests/test_support.hpp"

namespace opsim {
namespace {

namespace fs = std::filesystem;
using test::TempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::set<std::string> listing(const fs::path& folder) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder))
    names.insert(entry.path().filename().string());
  return names;
}

std::string input_error(const OutputPlan& plan) {
  try {
    plan.check();
  } catch (const InputError& e) {
    return e.what();
  }
  return {};
}

TEST(OutputFiles, TextFileReplacesTheTargetAndLeavesNoTemporary) {
  TempDir dir;
  const std::string target = dir.write("summary.json", "old");
  ::chmod(target.c_str(), 0640);
  write_text_file(target, [](std::ostream& out) { out << "new"; });
  EXPECT_EQ(read_file(target), "new");
  EXPECT_EQ(listing(dir.path()), std::set<std::string>{"summary.json"});
  struct stat info {};
  ASSERT_EQ(::stat(target.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0640u) << "the previous file's permissions are kept";
}

// Review: the temporary of a run killed while writing (SIGKILL) was neither removed nor
// reported; the next run writing the same output names it, and leaves it.
TEST(OutputFiles, ATemporaryAKilledRunLeftIsNamedAndKept) {
  TempDir dir;
  const std::string target = (dir / "summary.json").string();
  const std::string left = dir.write(".summary.json.opsim-Ab3xYz", "half");
  // Twins: another file's temporary, a name of another length, a folder of that name.
  dir.write(".other.json.opsim-Ab3xYz", "other");
  dir.write(".summary.json.opsim-Ab3xYz7", "seven letters");
  std::filesystem::create_directory(dir / ".summary.json.opsim-folder");
  OutputPlan plan(false);
  plan.add_output(target, "--summary-json");
  const std::vector<std::string> notes = plan.leftovers();
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_THAT(notes[0], AllOf(HasSubstr(left), HasSubstr("left behind"),
                              HasSubstr("opsim does not remove it")));
  ::testing::internal::CaptureStderr();
  plan.check();
  EXPECT_THAT(::testing::internal::GetCapturedStderr(), HasSubstr("opsim: note: " + left));
  write_text_file(target, [](std::ostream& out) { out << "new"; });
  EXPECT_EQ(read_file(left), "half");
}

// Review: two runs writing one output, the second started after the first had checked it: the
// first replaced the second's file at the end, without --force, exit 0. A new output is put in
// place only while its name is free; the file that appeared stays. Its twins: a name still free
// is written, and with --force the file that appeared is replaced.
TEST(OutputFiles, ANewOutputDoesNotReplaceAFileThatAppearedMeanwhile) {
  TempDir dir;
  const std::string target = (dir / "result.json").string();
  const std::string free = (dir / "free.json").string();
  OutputPlan plan(false);
  plan.add_output(target, "-o");
  plan.add_output(free, "--summary-json");
  plan.check();
  dir.write("result.json", "another run's");
  EXPECT_THROW(write_text_file(target, [](std::ostream& out) { out << "this run's"; }),
               OutputError);
  EXPECT_EQ(read_file(target), "another run's");
  EXPECT_EQ(listing(dir.path()), std::set<std::string>{"result.json"});  // no temporary left
  write_text_file(free, [](std::ostream& out) { out << "written"; });
  EXPECT_EQ(read_file(free), "written");
  const std::string forced = (dir / "forced.json").string();
  OutputPlan with_force(true);
  with_force.add_output(forced, "-o");
  with_force.check();
  dir.write("forced.json", "another run's");
  write_text_file(forced, [](std::ostream& out) { out << "this run's"; });
  EXPECT_EQ(read_file(forced), "this run's");
}

// Review: under mpirun a refused checkpoint's error came with "stopped by SIGTERM; run the same
// command again to resume from its checkpoint" (mpirun ending the ranks after the error). Once
// a command has said why it ended, a signal says nothing; its twin, a signal while it works,
// says what stopped it and how to resume.
TEST(OutputFiles, ASignalAfterTheCommandSaidWhyItEndedSaysNothing) {
  for (const bool ended : {false, true}) {
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::dup2(pipe_fds[1], STDERR_FILENO);
      install_stop_handler(true);
      note_checkpoint_in_use();
      if (ended) silence_stop_message();
      ::raise(SIGTERM);
      ::_exit(0);
    }
    ::close(pipe_fds[1]);
    std::string text;
    char buffer[256];
    for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) text.append(buffer, n);
    ::close(pipe_fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << status;
    EXPECT_EQ(text.find("stopped by SIGTERM; run the same command again") != std::string::npos,
              !ended)
        << text;
    // Into a pipe (a batch log) the message is its own line, with no empty one before it.
    if (!ended) {
      EXPECT_EQ(text.rfind("opsim: stopped by", 0), 0u) << text;
    }
  }
}

TEST(OutputFiles, FailureWhileProducingLeavesThePreviousFile) {
  TempDir dir;
  const std::string target = dir.write("out.csv", "previous");
  EXPECT_THROW(write_text_file(target,
                               [](std::ostream& out) {
                                 out << "half";
                                 throw std::runtime_error("stop");
                               }),
               std::runtime_error);
  EXPECT_EQ(read_file(target), "previous");
  EXPECT_THROW(write_file_by_name(target,
                                  [](const std::string& temporary) {
                                    std::ofstream(temporary) << "half";
                                    throw std::runtime_error("stop");
                                  }),
               std::runtime_error);
  EXPECT_EQ(read_file(target), "previous");
  EXPECT_EQ(listing(dir.path()), std::set<std::string>{"out.csv"});
}

TEST(OutputFiles, SymlinkedTargetIsWrittenThroughNotReplaced) {
  TempDir dir;
  const std::string real = dir.write("real.json", "old");
  fs::create_symlink(real, dir / "link.json");
  write_text_file((dir / "link.json").string(), [](std::ostream& out) { out << "new"; });
  EXPECT_TRUE(fs::is_symlink(dir / "link.json"));
  EXPECT_EQ(read_file(real), "new");
}

TEST(OutputFiles, FifoTargetIsWrittenIntoNotReplaced) {
  TempDir dir;
  const fs::path fifo = dir / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto reader = std::async(std::launch::async, [&] { return read_file(fifo); });
  write_text_file(fifo.string(), [](std::ostream& out) { out << "streamed"; });
  EXPECT_EQ(reader.get(), "streamed");
  struct stat info {};
  ASSERT_EQ(::stat(fifo.c_str(), &info), 0);
  EXPECT_TRUE(S_ISFIFO(info.st_mode));
  EXPECT_THROW(write_file_by_name(fifo.string(), [](const std::string&) {}), InputError);
}

TEST(OutputFiles, SocketTargetIsRefusedAndKept) {
  TempDir dir;
  const fs::path socket_path = dir / "sock";
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", socket_path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  OutputPlan plan(false);
  plan.add_output(socket_path.string(), "--summary-json");
  EXPECT_THAT(input_error(plan), HasSubstr("a socket"));
  EXPECT_THROW(write_text_file(socket_path.string(), [](std::ostream& out) { out << "x"; }),
               InputError);
  struct stat info {};
  ASSERT_EQ(::stat(socket_path.c_str(), &info), 0);
  EXPECT_TRUE(S_ISSOCK(info.st_mode));
  ::close(fd);
}

TEST(OutputFiles, PlanRefusesAnOutputThatIsAnInput) {
  TempDir dir;
  const std::string scenario = dir.write("s.json", "{}");
  fs::create_directory(dir / "sub");
  fs::create_symlink(scenario, dir / "link.json");
  fs::create_hard_link(scenario, dir / "hard.json");
  for (const fs::path& alias :
       {fs::path(scenario), dir / "sub/../s.json", dir / "link.json", dir / "hard.json"}) {
    OutputPlan plan(false);
    plan.add_input(scenario, "scenario");
    plan.add_output(alias.string(), "-o");
    const std::string message = input_error(plan);
    EXPECT_THAT(message, HasSubstr("-o " + alias.string())) << alias;
    EXPECT_THAT(message, HasSubstr(" is " + scenario +
                                   " (scenario): opsim would overwrite its "
                                   "own input"))
        << alias;
  }
  OutputPlan fine(false);
  fine.add_input(scenario, "scenario");
  fine.add_output((dir / "out.h5").string(), "-o");
  EXPECT_EQ(input_error(fine), "");
}

TEST(OutputFiles, PlanRefusesAnExistingFileUnlessForced) {
  TempDir dir;
  const std::string taken = dir.write("out.h5", "the user's file");
  fs::create_directory(dir / "csv");
  std::ofstream(dir / "csv/monthly.csv") << "the user's CSV";
  OutputPlan plan(false);
  plan.add_output(taken, "-o", OutputKind::seekable);
  EXPECT_THAT(input_error(plan), HasSubstr("-o " + taken + ": the file exists; pass --force"));
  OutputPlan folder(false);
  folder.add_output_folder((dir / "csv").string(), "--csv", {"periods.csv", "monthly.csv"});
  EXPECT_THAT(input_error(folder), HasSubstr((dir / "csv/monthly.csv").string()));
  OutputPlan forced(true);
  forced.add_output(taken, "-o", OutputKind::seekable);
  forced.add_output_folder((dir / "csv").string(), "--csv", {"periods.csv", "monthly.csv"});
  EXPECT_EQ(input_error(forced), "");
  // opsim's own file of this run (a checkpoint) stays replaceable; a missing file is fine.
  OutputPlan own(false);
  own.add_own_output(taken, "--checkpoint", OutputKind::seekable);
  own.add_output((dir / "new.json").string(), "--summary-json");
  EXPECT_EQ(input_error(own), "");
  EXPECT_EQ(read_file(taken), "the user's file");
}

TEST(OutputFiles, PlanRefusesTwoOutputsOnOneFile) {
  TempDir dir;
  OutputPlan plan(false);
  plan.add_output((dir / "x").string(), "-o", OutputKind::seekable);
  plan.add_output((dir / "x").string(), "--summary-json");
  EXPECT_THAT(input_error(plan), HasSubstr("same file"));
  OutputPlan folder(false);
  folder.add_output_folder((dir / "csv").string(), "--csv", {"monthly.csv"});
  folder.add_output((dir / "csv/monthly.csv").string(), "--summary-json");
  EXPECT_THAT(input_error(folder), HasSubstr("same file"));
  // A folder output at a file output's path, neither existing yet (review: found only after the
  // run, as a failed rename), in either order.
  for (const bool folder_first : {true, false}) {
    OutputPlan both(false);
    if (folder_first) both.add_output_folder((dir / "x.json").string(), "--csv", {"a.csv"});
    both.add_output((dir / "x.json").string(), "--summary-json");
    if (!folder_first) both.add_output_folder((dir / "x.json").string(), "--csv", {"a.csv"});
    EXPECT_THAT(input_error(both),
                AllOf(HasSubstr("--summary-json"), HasSubstr("--csv"), HasSubstr("same path")));
  }
  // Its own files beside another output are fine.
  OutputPlan beside(false);
  beside.add_output_folder((dir / "csv").string(), "--csv", {"a.csv"});
  beside.add_output((dir / "csv.json").string(), "--summary-json");
  EXPECT_EQ(input_error(beside), "");
}

TEST(OutputFiles, PlanRefusesMissingFoldersAndWrongKinds) {
  TempDir dir;
  OutputPlan missing(false);
  missing.add_output((dir / "nowhere/out.h5").string(), "-o");
  EXPECT_THAT(input_error(missing), HasSubstr("does not exist"));
  OutputPlan folder_as_file(false);
  folder_as_file.add_output(dir.path().string(), "-o");
  EXPECT_THAT(input_error(folder_as_file), HasSubstr("a folder"));
  OutputPlan file_as_folder(false);
  file_as_folder.add_output_folder(dir.write("plain", "x"), "--csv", {"a.csv"});
  EXPECT_THAT(input_error(file_as_folder), HasSubstr("not a folder"));
  OutputPlan hdf5_to_device(false);
  hdf5_to_device.add_output("/dev/null", "-o", OutputKind::seekable);
  EXPECT_THAT(input_error(hdf5_to_device), HasSubstr("character device"));
  OutputPlan text_to_device(false);
  text_to_device.add_output("/dev/null", "--summary-json");
  EXPECT_EQ(input_error(text_to_device), "");
}

TEST(OutputFiles, FolderKeepsForeignFilesAndWritesAllOrNothing) {
  TempDir dir;
  const fs::path folder = dir / "csv";
  fs::create_directory(folder);
  std::ofstream(folder / "budget.xlsx") << "mine";
  std::ofstream(folder / "a.csv") << "old a";
  write_folder_files(folder.string(), {{"a.csv", [](std::ostream& out) { out << "new a"; }},
                                       {"b.csv", [](std::ostream& out) { out << "new b"; }}});
  EXPECT_EQ(read_file(folder / "budget.xlsx"), "mine");
  EXPECT_EQ(read_file(folder / "a.csv"), "new a");
  EXPECT_EQ(read_file(folder / "b.csv"), "new b");
  // A failure in the second file leaves the first one as it was.
  EXPECT_THROW(
      write_folder_files(folder.string(),
                         {{"a.csv", [](std::ostream& out) { out << "newer a"; }},
                          {"b.csv", [](std::ostream&) { throw std::runtime_error("stop"); }}}),
      std::runtime_error);
  EXPECT_EQ(read_file(folder / "a.csv"), "new a");
  EXPECT_EQ(listing(folder), (std::set<std::string>{"a.csv", "b.csv", "budget.xlsx"}));
}

//! A 256 KiB tmpfs (root only) with all but its last 8 KiB taken by `filler`.
class FullDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    OPSIM_REQUIRE_OR_SKIP(::geteuid() == 0, "mounting a small tmpfs needs root");
    fs::create_directory(disk_);
    mounted_ = ::mount("tmpfs", disk_.c_str(), "tmpfs", 0, "size=256k") == 0;
    OPSIM_REQUIRE_OR_SKIP(mounted_, "cannot mount tmpfs here");
    std::ofstream(disk_ / "filler") << std::string(248 * 1024, 'x');
  }
  void TearDown() override {
    if (mounted_) ::umount(disk_.c_str());
  }
  TempDir dir_;
  fs::path disk_ = dir_ / "disk";
  bool mounted_ = false;
};

TEST_F(FullDisk, TextWriteIsOutputErrorAndKeepsThePreviousFile) {
  const fs::path target = disk_ / "summary.json";
  std::ofstream(target) << "previous";
  try {
    write_text_file(target.string(), [](std::ostream& out) { out << std::string(64 * 1024, 'y'); });
    FAIL() << "a write beyond the disk's size succeeded";
  } catch (const OutputError& e) {
    EXPECT_THAT(e.what(), HasSubstr(target.string()));
    EXPECT_THAT(e.what(), HasSubstr("No space left on device"));
  }
  EXPECT_EQ(read_file(target), "previous");
  EXPECT_EQ(listing(disk_), (std::set<std::string>{"filler", "summary.json"}));
}

TEST_F(FullDisk, Hdf5WriteIsOutputErrorClosedCleanly) {
  const fs::path target = disk_ / "out.h5";
  const std::vector<double> values(64 * 1024, 1.5);
  try {
    write_hdf5_document(target.string(), [&](H5::H5File& file) {
      H5::Group root = file.openGroup("/");
      write_doubles(root, "values", {values.size()}, values.data(), "row");
    });
    FAIL() << "a write beyond the disk's size succeeded";
  } catch (const OutputError& e) {
    EXPECT_THAT(e.what(), HasSubstr(target.string()));
    EXPECT_THAT(e.what(), HasSubstr("No space left on device"));
  }
  EXPECT_EQ(listing(disk_), std::set<std::string>{"filler"});
  // The library is still usable: the next file on a disk with room is written.
  write_hdf5_document((dir_ / "ok.h5").string(), [&](H5::H5File& file) {
    H5::Group root = file.openGroup("/");
    write_doubles(root, "values", {4}, values.data(), "row");
  });
  EXPECT_TRUE(fs::exists(dir_ / "ok.h5"));
}

TEST_F(FullDisk, FolderWriteLeavesNoPartialFiles) {
  const fs::path folder = disk_ / "csv";
  EXPECT_THROW(write_folder_files(
                   folder.string(),
                   {{"a.csv", [](std::ostream& out) { out << "small"; }},
                    {"b.csv", [](std::ostream& out) { out << std::string(64 * 1024, 'z'); }}}),
               OutputError);
  // The folder it made for them is gone too; a folder that was there is kept, empty of them.
  EXPECT_FALSE(fs::exists(folder));
  fs::create_directory(folder);
  EXPECT_THROW(write_folder_files(
                   folder.string(),
                   {{"a.csv", [](std::ostream& out) { out << "small"; }},
                    {"b.csv", [](std::ostream& out) { out << std::string(64 * 1024, 'z'); }}}),
               OutputError);
  EXPECT_TRUE(listing(folder).empty());
}

}  // namespace
}  // namespace opsim
