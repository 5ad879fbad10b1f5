// Checkpointed runs (sim/workflows/checkpoint): a resumed run equals an uninterrupted one bit for
// bit, a checkpoint of another run is refused, and cleaning up removes only opsim's shards.
#include "sim/workflows/checkpoint.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "sim/base/error.hpp"
#include "tests/scenario_builder.hpp"
#include "tests/test_support.hpp"

namespace opsim {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::set<std::string> listing(const fs::path& folder) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder))
    names.insert(entry.path().filename().string());
  return names;
}

struct CheckpointCase {
  Scenario scenario = test::scenario_from_json(test::mixed_document());
  Provenance provenance;
  RunOptions options;

  CheckpointCase() {
    scenario.sha256 = "fixture";
    provenance.seed = 9;
    provenance.scenario_sha256 = scenario.sha256;
    provenance.total_trials = 120;
    options.first_trial = 0;
    options.end_trial = 120;
    options.seed = 9;
    options.threads = 2;
  }
};

TEST(Checkpoint, ResumedFolderRunEqualsTheUninterruptedRunAndKeepsForeignFiles) {
  test::TempDir dir;
  const fs::path folder = dir / "ckpt";
  fs::create_directory(folder);
  std::ofstream(folder / "notes.txt") << "the user's";
  CheckpointCase c;
  const RunResult whole = run_trials(c.scenario, c.options);

  // A first run that stopped after 80 trials: its shards are what a rerun finds.
  const Checkpoint checkpoint(folder.string());
  RunOptions first_part = c.options;
  first_part.end_trial = 40;
  checkpoint.save(c.scenario, run_trials(c.scenario, first_part), c.provenance);
  first_part.first_trial = 40;
  first_part.end_trial = 80;
  checkpoint.save(c.scenario, run_trials(c.scenario, first_part), c.provenance);
  // What a kill in the middle of writing the next shard leaves.
  std::ofstream(folder / ".trials_000000000080_000000000120.h5.opsim-a1B2c3") << "partial";

  std::uint64_t resumed_at = 0;
  const RunResult resumed = run_checkpointed(c.scenario, c.provenance, c.options, &checkpoint, 40,
                                             [&](std::uint64_t next) { resumed_at = next; });
  EXPECT_EQ(resumed_at, 80u);
  EXPECT_EQ(resumed.period_values, whole.period_values);
  EXPECT_EQ(resumed.seat_values, whole.seat_values);
  EXPECT_EQ(resumed.monthly_moments.finish().variance, whole.monthly_moments.finish().variance);

  checkpoint.remove(0, 120);
  // The killed write's temporary is kept, as the output layer says when it names it (review: it
  // was removed, and a user's file of such a name with it).
  EXPECT_EQ(
      listing(folder),
      (std::set<std::string>{"notes.txt", ".trials_000000000080_000000000120.h5.opsim-a1B2c3"}));
}

TEST(Checkpoint, FolderOpsimCreatedIsRemovedWhenEmpty) {
  test::TempDir dir;
  const fs::path folder = dir / "own";
  CheckpointCase c;
  const Checkpoint checkpoint(folder.string());
  run_checkpointed(c.scenario, c.provenance, c.options, &checkpoint, 50, nullptr);
  EXPECT_TRUE(fs::exists(folder / ".opsim-checkpoint"));
  checkpoint.remove(0, 120);
  EXPECT_FALSE(fs::exists(folder));
}

// Review: two shard runs started side by side with one checkpoint folder (each found it empty);
// the one that finished removed every shard file, the killed one's too. A run removes only the
// shards of its own trials.
TEST(Checkpoint, ARunRemovesOnlyItsOwnTrialsShards) {
  test::TempDir dir;
  const fs::path folder = dir / "shared";
  CheckpointCase c;
  const Checkpoint checkpoint(folder.string());
  auto save = [&](std::uint64_t run_first, std::uint64_t run_end, std::uint64_t first,
                  std::uint64_t end) {
    Provenance shard = c.provenance;
    shard.run_first_trial = run_first, shard.run_end_trial = run_end;
    RunOptions part = c.options;
    part.first_trial = first, part.end_trial = end;
    checkpoint.save(c.scenario, run_trials(c.scenario, part), shard);
  };
  save(60, 120, 60, 80);  // the run of trials 60..120, killed after 20 of them
  // A shard run started (or requeued) after the other has written: that run's shards, apart from
  // its trials, are left alone, not refused (review: it was told to remove them).
  Provenance mine = c.provenance;
  mine.run_first_trial = 0, mine.run_end_trial = 60;
  EXPECT_FALSE(checkpoint.load(c.scenario, ResultLayout(c.scenario), mine, 0, 60, false));
  save(0, 60, 0, 30);  // the run of trials 0..60, which finishes
  const auto resumed = checkpoint.load(c.scenario, ResultLayout(c.scenario), mine, 0, 60, false);
  ASSERT_TRUE(resumed);
  EXPECT_EQ(resumed->end_trial, 30u);
  save(0, 60, 30, 60);
  checkpoint.remove(0, 60);
  EXPECT_EQ(listing(folder),
            (std::set<std::string>{Checkpoint::shard_name(60, 80), ".opsim-checkpoint"}));
  // The other run, resumed and finished, removes its shards and the folder opsim created.
  save(60, 120, 80, 120);
  checkpoint.remove(60, 120);
  EXPECT_FALSE(fs::exists(folder));
}

TEST(Checkpoint, CheckpointOfAnotherRunIsRefused) {
  test::TempDir dir;
  const fs::path file = dir / "ckpt.h5";
  CheckpointCase c;
  const Checkpoint checkpoint(file.string());
  RunOptions part = c.options;
  part.end_trial = 60;
  checkpoint.save(c.scenario, run_trials(c.scenario, part), c.provenance);
  Provenance other = c.provenance;
  other.seed = 10;
  try {
    (void)checkpoint.load(c.scenario, ResultLayout(c.scenario), other, 0, 120, false);
    FAIL() << "a checkpoint with another seed was resumed";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("different run"));
  }
  EXPECT_TRUE(checkpoint.load(c.scenario, ResultLayout(c.scenario), c.provenance, 0, 120, false));
  checkpoint.remove(0, 120);
  EXPECT_FALSE(fs::exists(file));
}

// Review: a shard run (--trial-range 2000:4000) given the checkpoint folder of another shard
// (0:2000) used none of it and then deleted it all. Each shard records its run's range.
TEST(Checkpoint, ACheckpointOfAnotherTrialRangeIsRefusedAndKept) {
  test::TempDir dir;
  for (const std::string name : {"folder", "file.h5"}) {
    const fs::path path = dir / name;
    CheckpointCase c;
    const Checkpoint checkpoint(path.string());
    Provenance first_shard = c.provenance;
    first_shard.run_first_trial = 0, first_shard.run_end_trial = 60;
    RunOptions part = c.options;
    part.end_trial = 30;
    checkpoint.save(c.scenario, run_trials(c.scenario, part), first_shard);
    Provenance second_shard = c.provenance;
    second_shard.run_first_trial = 0, second_shard.run_end_trial = 120;  // the twin below: 0..60
    try {
      (void)checkpoint.load(c.scenario, ResultLayout(c.scenario), second_shard, 0, 120, false);
      ADD_FAILURE() << name << ": a checkpoint of trials 0..60 was taken by the run of 0..120";
    } catch (const InputError& e) {
      EXPECT_THAT(e.what(), HasSubstr("written by the run of trials 0..60, this run's 0..120"));
    }
    EXPECT_TRUE(fs::exists(path));
    const auto resumed =
        checkpoint.load(c.scenario, ResultLayout(c.scenario), first_shard, 0, 60, false);
    ASSERT_TRUE(resumed);
    EXPECT_EQ(resumed->end_trial, 30u);
  }
}

TEST(Checkpoint, WrongKindOfPathIsRefusedBeforeWork) {
  test::TempDir dir;
  OutputPlan plan(false);
  fs::create_directory(dir / "folder.h5");
  EXPECT_THROW(Checkpoint((dir / "folder.h5").string()).add_to(plan), InputError);
  const std::string file = dir.write("plain", "x");
  EXPECT_THROW(Checkpoint(file).add_to(plan), InputError);
}

}  // namespace
}  // namespace opsim
