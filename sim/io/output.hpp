// Writing a run's results: HDF5 (the complete record), summary JSON, CSV for spreadsheets and
// a readable table, all through the output layer (sim/io/output_files.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "models/scenario.hpp"
#include "sim/engine/results.hpp"
#include "sim/engine/summary.hpp"

namespace opsim {

struct Provenance {
  std::string command_line;
  std::uint64_t seed = 0;
  std::string scenario_sha256;
  std::string scenario_name;
  std::string scenario_path;       //!< absolute, so that `opsim merge` can reload it
  std::uint64_t total_trials = 0;  //!< trials of the whole run this file is part of
  //! The resolved scenario document as JSON text, stored as /scenario/document (empty: none).
  std::string scenario_document;
  //! A checkpoint opsim writes and removes itself (root attribute `checkpoint` = 1): only such a
  //! file is resumed from and removed, never a user's result of the same run.
  bool checkpoint = false;
  //! A checkpoint file's MPI rank count (root attribute `checkpoint_ranks`; 0 = not recorded):
  //! the rank files of one run are resumed by as many ranks.
  int checkpoint_ranks = 0;
  //! A checkpoint's run: the trials [first, end) every rank of it covers, its --trial-range
  //! (root attributes `checkpoint_run_first`, `checkpoint_run_end`, written with `checkpoint`):
  //! a run of another range neither resumes from its shards nor removes them.
  std::uint64_t run_first_trial = 0, run_end_trial = 0;
};

//! What a result file says about itself (root attributes).
struct ResultFileInfo {
  std::string path;
  std::string opsim_version;
  std::string scenario_sha256;
  std::string scenario_path;
  std::uint64_t seed = 0;
  std::uint64_t stream_version = 0;  //!< random_stream_version (kTrialStreamVersion when written)
  std::uint64_t first_trial = 0;
  std::uint64_t end_trial = 0;
  std::uint64_t total_trials = 0;
  bool keep_trials = false;
  bool checkpoint = false;   //!< written as a checkpoint (Provenance::checkpoint)
  int checkpoint_ranks = 0;  //!< Provenance::checkpoint_ranks (0: not recorded)
  //! Provenance::run_first_trial and run_end_trial; absent in older checkpoints.
  std::optional<std::pair<std::uint64_t, std::uint64_t>> checkpoint_run;
  std::vector<InputDigest> inputs;  //!< /scenario/inputs (empty in files of older versions)
};

ResultFileInfo read_result_info(const std::string& path);
//! Reads the per-trial datasets and moment-tree nodes back; `layout` must match the file.
RunResult read_result(const std::string& path, const ResultLayout& layout);

void write_hdf5(const std::string& path, const Scenario& scenario, const RunResult& result,
                const Summary* summary, const Provenance& provenance);

void write_summary_json(const std::string& path, const Scenario& scenario, const Summary& summary,
                        const Provenance& provenance);

//! Writes run_csv_names() into `directory` (created when missing); other files there are kept.
void write_csv(const std::string& directory, const Scenario& scenario, const Summary& summary);

//! The files write_csv writes.
const std::vector<std::string>& run_csv_names();

//! Labels of the result axes ("total" last for regions and segments).
std::vector<std::string> region_labels(const Scenario& scenario);
std::vector<std::string> segment_labels(const Scenario& scenario);
std::vector<std::string> month_labels(const Scenario& scenario);
//! Where a target applies, as every label names it: the region ("EMEA", "total"), then its
//! segment when it has one ("EMEA SMB"), so that two targets of one region never share a label.
std::string target_place(const Scenario& scenario, const Target& target);
//! The code of the currency every amount is reported in ("USD").
const std::string& reporting_currency(const Scenario& scenario);

}  // namespace opsim
