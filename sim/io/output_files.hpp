// The output layer: every file opsim writes goes through here (results/README.md, "How files
// are written").
//
// - Before any work a command lists its inputs and outputs in an OutputPlan; check() resolves
//   each path (symlinks, `..`, hard links by device and inode) and refuses an output that is an
//   input or another output, whose folder is missing, or that cannot be written (exit 2).
//   An output that already exists as a regular file (a named output, or a same-named file in a
//   --csv folder) is refused unless the command was given --force: a user's file is replaced
//   only when asked. Files opsim itself wrote for this run (checkpoint shards) stay replaceable.
// - A regular file is written to a temporary file beside it (every write checked, fsync'd),
//   then renamed over the target and the folder fsync'd. Nothing is written at the final name
//   until the content is complete; on failure the temporary file is removed and a previous
//   file at that name is untouched.
// - A target that exists and is a character device or FIFO (/dev/null, /dev/stdout, a pipe) is
//   never replaced: text outputs are written straight into it; HDF5, which needs a seekable
//   file, refuses it. Sockets, block devices and folders are refused.
// - A folder output (--csv DIR) receives only opsim's own named files; other files in it are
//   never removed or replaced. Its files are all written as temporaries first, then renamed.
// - Disk full, quota or I/O errors throw OutputError (exit 1) naming the path and the OS message.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace opsim {

//! How an output file is produced, which decides what may stand at its path.
enum class OutputKind {
  text,     //!< written in order: may go straight into a character device or FIFO
  seekable  //!< HDF5: needs a regular file
};

//! The files a command reads and writes; check() before any work.
class OutputPlan {
 public:
  //! `force`: the command's --force was given, so existing regular files may be replaced (no
  //! default: every command that writes files takes --force; a review found two that told the
  //! user to pass it and did not accept it).
  explicit OutputPlan(bool force) : force_(force) {}

  //! `role` names the path in messages: "scenario", "-o", "--summary-json", ...
  void add_input(const std::string& path, const std::string& role);
  void add_inputs(const std::vector<std::string>& paths, const std::string& role);
  //! An empty path (option not given) is ignored.
  void add_output(const std::string& path, const std::string& role,
                  OutputKind kind = OutputKind::text);
  //! A file opsim itself wrote for this run (a checkpoint), replaced without --force; the caller
  //! makes sure an existing one is opsim's own before replacing it.
  void add_own_output(const std::string& path, const std::string& role,
                      OutputKind kind = OutputKind::text);
  //! A folder receiving the files `names` (created when missing; its parent must exist).
  //! `claims` (optional) tells the file names the command creates and removes there as it runs
  //! (a checkpoint's shards): another output of that name in the folder is refused.
  void add_output_folder(const std::string& directory, const std::string& role,
                         const std::vector<std::string>& names,
                         std::function<bool(const std::string&)> claims = {});
  //! Exit 2 (InputError) naming both paths when an output is an input or another output, and
  //! naming the path when its folder is missing, it exists as something opsim cannot write, or
  //! it exists as a regular file and --force was not given.
  void check() const;
  //! Temporaries beside the outputs that an earlier run left (killed while writing: SIGKILL, a
  //! power cut), one note each; check() prints them to standard error (rank 0). opsim leaves
  //! them: it cannot tell one of a run still writing.
  std::vector<std::string> leftovers() const;

 private:
  struct Entry {
    std::string path;
    std::string role;
    OutputKind kind = OutputKind::text;
    bool folder_file = false;  //!< one of a folder output's named files
    bool own = false;          //!< opsim's own file of this run: replaceable without --force
    std::function<bool(const std::string&)> claims = {};  //!< a folder's: names it creates, removes
  };
  bool force_ = false;
  std::vector<Entry> inputs_;
  std::vector<Entry> outputs_;
  std::vector<Entry> folders_;
};

//! Writes `path` with the text `fill` produces (see the file comment for how).
void write_text_file(const std::string& path, const std::function<void(std::ostream&)>& fill);

//! For writers that open the file themselves (HDF5): `fill` creates, writes and closes the
//! temporary file it is given; the layer fsyncs and renames it. Refuses a non-regular target.
void write_file_by_name(const std::string& path,
                        const std::function<void(const std::string& temporary)>& fill);

//! One file of a folder output.
struct FolderFile {
  std::string name;
  std::function<void(std::ostream&)> fill;
};

//! Writes `files` into `directory` (created when missing): every file is written to a
//! temporary first; only when all are complete are they renamed into place. Other files in the
//! folder are left alone.
void write_folder_files(const std::string& directory, const std::vector<FolderFile>& files);

//! Installs, once, the handler that ends the process on SIGINT, SIGTERM, SIGHUP or SIGPIPE as
//! without it (exit status 128 + signal), after removing the temporaries being written and,
//! when `speak`, saying on stderr what stopped it. A signal the process ignores stays ignored.
void install_stop_handler(bool speak);
//! The stop message then says how to resume: a checkpoint is being written.
void note_checkpoint_in_use();
//! No stop message from now on: the command has ended and said why.
void silence_stop_message();

//! Removes a file opsim wrote (a checkpoint shard); a missing file is not an error.
void remove_written_file(const std::string& path);

//! A command's outputs as one (review: an error after the HDF5 file was written left it, without
//! the workbook or CSV files the command was asked for). While a batch is open, every file the
//! functions above write stays a finished temporary beside its target until commit() renames
//! them all into place; a batch ended without commit (an error) removes them, and the folders
//! made for them. One batch at a time; the command line opens one around each command.
class OutputBatch {
 public:
  OutputBatch();
  ~OutputBatch();
  OutputBatch(const OutputBatch&) = delete;
  OutputBatch& operator=(const OutputBatch&) = delete;
  //! Renames every held file into place, then runs the after_commit actions in order.
  void commit();

  //! Writes in its scope land at once, batch or not: checkpoints, which a rerun after a kill
  //! must find.
  class Immediate {
   public:
    Immediate();
    ~Immediate();
    Immediate(const Immediate&) = delete;
    Immediate& operator=(const Immediate&) = delete;
  };
};

//! Runs `action` once the open batch's files are in place (at once when none is open): what must
//! not happen unless the outputs exist, such as removing the checkpoint they replace.
void after_outputs_committed(std::function<void()> action);

}  // namespace opsim
