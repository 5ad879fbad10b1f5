#!/bin/bash
# The Slurm submission scripts check their inputs before submitting: a missing opsim binary, a
# scenario that does not exist or does not validate, or bad counts exit non-zero with a message
# and submit nothing; good inputs submit with the resources taken from the variables.
# A stand-in `sbatch` on PATH records what would have been submitted.
# Usage: slurm_scripts_test.sh SOURCE_DIR OPSIM_BINARY
set -uo pipefail
src=$1
opsim=$2
work=$(mktemp -d /tmp/opsim_slurm_scripts.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

mkdir -p "$work/bin"
cat > "$work/bin/sbatch" <<'FAKE'
#!/bin/bash
echo "$*" >> "$SBATCH_LOG"
echo 4242
FAKE
chmod +x "$work/bin/sbatch"
export PATH="$work/bin:$PATH" SBATCH_LOG="$work/sbatch.log"
scenario=$src/tests/fixtures/small_scenario.json
array=$src/scripts/slurm/submit_array.sh
mpi=$src/scripts/slurm/submit_mpi.sh

# expect_refusal NAME MESSAGE_PART COMMAND...: non-zero exit, the message, nothing submitted.
expect_refusal() {
  local name=$1 part=$2; shift 2
  rm -f "$SBATCH_LOG"
  local output
  output=$("$@" 2>&1) && fail "$name: exit 0 (output: $output)"
  [[ $output == *"$part"* ]] || fail "$name: the message does not name '$part': $output"
  [[ ! -e $SBATCH_LOG ]] || fail "$name: submitted although the check failed: $(cat "$SBATCH_LOG")"
  echo "ok: $name"
}

expect_refusal "missing opsim binary" "$work/no-such-opsim" \
  env OPSIM="$work/no-such-opsim" "$array" "$scenario" 100 4 "$work/out" "$work/merged.h5"
expect_refusal "missing scenario" "$work/missing.json" \
  env OPSIM="$opsim" "$array" "$work/missing.json" 100 4 "$work/out" "$work/merged.h5"
echo '{"schema_version": 1}' > "$work/invalid.json"
expect_refusal "scenario that does not validate" "does not validate" \
  env OPSIM="$opsim" "$array" "$work/invalid.json" 100 4 "$work/out" "$work/merged.h5"
expect_refusal "more shards than trials" "SHARDS" \
  env OPSIM="$opsim" "$array" "$scenario" 3 4 "$work/out" "$work/merged.h5"
# Review: more trials than opsim takes were submitted, and every task then failed.
expect_refusal "array: more trials than opsim's limit" "100000000" \
  env OPSIM="$opsim" "$array" "$scenario" 100000001 4 "$work/out" "$work/merged.h5"
expect_refusal "mpi: more trials than opsim's limit" "100000000" \
  env OPSIM="$opsim" TRIALS=99999999999999999999 "$mpi" "$scenario" "$work/merged.h5"
expect_refusal "mpi: TRIALS not a whole number" "TRIALS" \
  env OPSIM="$opsim" TRIALS=1e6 "$mpi" "$scenario" "$work/merged.h5"
# Review: SEED=-1, SEED=xyz and THREADS=abc were submitted, and every task refused them.
expect_refusal "array: SEED not a seed" "SEED" \
  env OPSIM="$opsim" SEED=-1 "$array" "$scenario" 100 4 "$work/out" "$work/merged.h5"
expect_refusal "array: SEED beyond 2^63-1" "SEED" \
  env OPSIM="$opsim" SEED=9223372036854775808 "$array" "$scenario" 100 4 "$work/out" "$work/merged.h5"
expect_refusal "array: THREADS not a count" "THREADS" \
  env OPSIM="$opsim" THREADS=abc "$array" "$scenario" 100 4 "$work/out" "$work/merged.h5"
expect_refusal "mpi: SEED not a seed" "SEED" \
  env OPSIM="$opsim" SEED=xyz "$mpi" "$scenario" "$work/merged.h5"
expect_refusal "array: SHARDS that overflows" "SHARDS" \
  env OPSIM="$opsim" "$array" "$scenario" 100 18446744073709551615 "$work/out" "$work/merged.h5"
mkdir -p "$work/out"
expect_refusal "array: RESULT is one of the run's shard files" "the run's own files" \
  env OPSIM="$opsim" "$array" "$scenario" 100 2 "$work/out" "$work/out/shard_1.h5"
expect_refusal "result folder missing" "$work/nowhere" \
  env OPSIM="$opsim" "$array" "$scenario" 100 4 "$work/out" "$work/nowhere/merged.h5"
echo "the user's result" > "$work/existing.h5"
expect_refusal "array: existing result is not replaced unasked" "FORCE=1" \
  env OPSIM="$opsim" "$array" "$scenario" 100 4 "$work/out" "$work/existing.h5"
mkdir -p "$work/used" && echo "a shard" > "$work/used/shard_0.h5"
expect_refusal "array: existing shard in OUT_DIR" "$work/used/shard_0.h5" \
  env OPSIM="$opsim" "$array" "$scenario" 100 4 "$work/used" "$work/merged.h5"
# Review: an earlier submission's checkpoint folder passed the checks, and every task then
# failed on it; it is resumed only when asked (RESUME=1), which the twin below shows.
mkdir -p "$work/resumable/checkpoint_0"
expect_refusal "array: an earlier submission's checkpoint" "RESUME=1" \
  env OPSIM="$opsim" "$array" "$scenario" 100 4 "$work/resumable" "$work/merged.h5"
rm -f "$SBATCH_LOG"
RESUME=1 OPSIM=$opsim "$array" "$scenario" 100 4 "$work/resumable" "$work/merged.h5" >/dev/null ||
  fail "RESUME=1 was refused"
[[ -e $SBATCH_LOG ]] || fail "RESUME=1 submitted nothing"
echo "ok: array: RESUME=1 resumes an earlier submission's checkpoints"
# Review: resuming a timed-out array was refused on the shards that had finished (or, with
# FORCE=1, recomputed them). With RESUME=1 they are kept and their tasks end at once.
echo "a finished shard" > "$work/resumable/shard_1.h5"
expect_refusal "array: a finished shard without RESUME=1" "shard_1.h5 exists" \
  env OPSIM="$opsim" "$array" "$scenario" 100 4 "$work/resumable" "$work/merged.h5"
rm -f "$SBATCH_LOG"
RESUME=1 OPSIM=$opsim "$array" "$scenario" 100 4 "$work/resumable" "$work/merged.h5" >/dev/null ||
  fail "RESUME=1 was refused on a finished shard"
kept=$(OPSIM=$opsim SCENARIO=$scenario TRIALS=100 SHARDS=4 OUT_DIR=$work/resumable FORCE=1 \
  KEEP_FINISHED=1 SLURM_ARRAY_TASK_ID=1 bash "$src/scripts/slurm/opsim_array.sbatch") ||
  fail "the task of a finished shard failed"
[[ $kept == *kept* && $(cat "$work/resumable/shard_1.h5") == "a finished shard" ]] ||
  fail "the finished shard was not kept: $kept"
echo "ok: array: RESUME=1 keeps the shards an earlier submission finished"
expect_refusal "mpi: existing result is not replaced unasked" "FORCE=1" \
  env OPSIM="$opsim" "$mpi" "$scenario" "$work/existing.h5"
[[ $(cat "$work/existing.h5") == "the user's result" ]] || fail "the existing result changed"
# Review: with FORCE=1 a RESULT that is the scenario or one of its CSV files was submitted (and
# without it the advice was to remove the user's scenario).
mkdir -p "$work/own" && cp "$src/scenarios/global_saas.json" "$work/own/" &&
  cp -r "$src/scenarios/global_saas" "$work/own/"
cp "$src/scenarios/global_saas_emea_h1.json" "$work/own/"
for target in "$work/own/global_saas.json" "$work/own/global_saas/roster.csv"; do
  # Also the base of a scenario that extends it.
  expect_refusal "array: RESULT is the base of an extending scenario ($(basename "$target"))" \
    "is an input of" env FORCE=1 OPSIM="$opsim" "$array" "$work/own/global_saas_emea_h1.json" 100 4 \
    "$work/out" "$target"
  expect_refusal "array: RESULT is an input ($(basename "$target"))" "is an input of" \
    env FORCE=1 OPSIM="$opsim" "$array" "$work/own/global_saas.json" 100 4 "$work/out" "$target"
  expect_refusal "mpi: RESULT is an input ($(basename "$target"))" "is an input of" \
    env FORCE=1 OPSIM="$opsim" "$mpi" "$work/own/global_saas.json" "$target"
done
# Review: only inputs named *.csv were seen; a roster exported as .txt was not.
mkdir -p "$work/txt/global_saas" && cp "$src"/scenarios/global_saas/*.csv "$work/txt/global_saas/"
mv "$work/txt/global_saas/roster.csv" "$work/txt/global_saas/roster.txt"
sed 's|global_saas/roster.csv|global_saas/roster.txt|' "$src/scenarios/global_saas.json" \
  > "$work/txt/global_saas.json"
expect_refusal "array: RESULT is an input whatever its extension" "is an input of" \
  env FORCE=1 OPSIM="$opsim" "$array" "$work/txt/global_saas.json" 100 4 "$work/out" \
  "$work/txt/global_saas/roster.txt"
expect_refusal "mpi: RESULT is an input whatever its extension" "is an input of" \
  env FORCE=1 OPSIM="$opsim" "$mpi" "$work/txt/global_saas.json" "$work/txt/global_saas/roster.txt"
expect_refusal "mpi: missing opsim binary" "$work/no-such-opsim" \
  env OPSIM="$work/no-such-opsim" "$mpi" "$scenario" "$work/merged.h5"
expect_refusal "mpi: bad NODES" "NODES" \
  env OPSIM="$opsim" NODES=0 "$mpi" "$scenario" "$work/merged.h5"

rm -f "$SBATCH_LOG"
OPSIM=$opsim CPUS_PER_TASK=3 "$array" "$scenario" 100 4 "$work/out" "$work/merged.h5" >/dev/null ||
  fail "good inputs were refused"
grep -q -- "--array=0-3 --cpus-per-task=3" "$SBATCH_LOG" || fail "array resources: $(cat "$SBATCH_LOG")"
grep -q -- "--dependency=afterok:4242" "$SBATCH_LOG" || fail "no dependent merge: $(cat "$SBATCH_LOG")"
grep -q -- "--export=ALL" "$SBATCH_LOG" || fail "no exported variables: $(cat "$SBATCH_LOG")"
echo "ok: array submission with CPUS_PER_TASK"
# Review: the merge job went to the default partition with the default time limit.
rm -f "$SBATCH_LOG"
OPSIM=$opsim PARTITION=long TIME_LIMIT=02:00:00 "$array" "$scenario" 100 4 "$work/out" \
  "$work/merged.h5" >/dev/null || fail "PARTITION and TIME_LIMIT were refused"
merge_line=$(grep -- "--dependency" "$SBATCH_LOG")
[[ $merge_line == *--time=02:00:00* && $merge_line == *--partition=long* ]] ||
  fail "the merge job lacks the partition or time limit: $merge_line"
echo "ok: array: the merge job runs in the array's partition with its time limit"

rm -f "$SBATCH_LOG"
FORCE=1 OPSIM=$opsim "$array" "$scenario" 100 4 "$work/out" "$work/existing.h5" >/dev/null ||
  fail "FORCE=1 did not allow replacing the result"
echo "ok: FORCE=1 submits over an existing result"

# Review: FORCE=1 into an OUT_DIR of an earlier submission with more shards merged its leftover
# shard files too. The merge job reads exactly this run's SHARDS files, and the submission
# says which files it leaves alone.
mkdir -p "$work/again"
for task in 0 1 2 3 01; do echo "shard $task" > "$work/again/shard_$task.h5"; done
rm -f "$SBATCH_LOG"
notes=$(FORCE=1 OPSIM=$opsim "$array" "$scenario" 100 2 "$work/again" "$work/merged.h5" 2>&1 >/dev/null) ||
  fail "FORCE=1 with fewer shards was refused: $notes"
[[ $notes == *"shard_2.h5 is not one of this run's 2 shards"* && $notes == *shard_3.h5* &&
   $notes == *shard_01.h5* && $notes != *shard_1.h5* ]] ||
  fail "no note on the earlier submission's shards: $notes"
cat > "$work/bin/fake-opsim" <<'FAKE'
#!/bin/bash
echo "$*"
FAKE
chmod +x "$work/bin/fake-opsim"
merged=$(OPSIM=$work/bin/fake-opsim OUT_DIR=$work/again SHARDS=2 RESULT=$work/merged.h5 \
  bash "$src/scripts/slurm/opsim_merge.sbatch")
[[ $merged == "merge $work/again/shard_0.h5 $work/again/shard_1.h5 -o "* ]] ||
  fail "the merge job does not read exactly the run's shards: $merged"
[[ $(cat "$work/again/shard_3.h5") == "shard 3" ]] || fail "an earlier submission's shard changed"
bad=$(OPSIM=$work/bin/fake-opsim OUT_DIR=$work/again SHARDS=abc RESULT=$work/merged.h5 \
  bash "$src/scripts/slurm/opsim_merge.sbatch" 2>&1) && fail "SHARDS=abc was merged: $bad"
[[ $bad == *"SHARDS=abc is not a positive whole number"* ]] || fail "SHARDS=abc: $bad"
echo "ok: FORCE=1 with fewer shards merges this run's shards only"

rm -f "$SBATCH_LOG"
OPSIM=$opsim "$mpi" "$scenario" "$work/merged.h5" >/dev/null || fail "mpi: good inputs were refused"
grep -q -- "--nodes=1 --ntasks-per-node=1 --cpus-per-task=1" "$SBATCH_LOG" ||
  fail "mpi default resources: $(cat "$SBATCH_LOG")"
rm -f "$SBATCH_LOG"
OPSIM=$opsim NODES=2 CPUS_PER_TASK=16 "$mpi" "$scenario" "$work/merged.h5" >/dev/null ||
  fail "mpi: good inputs were refused"
grep -q -- "--nodes=2 --ntasks-per-node=1 --cpus-per-task=16" "$SBATCH_LOG" ||
  fail "mpi resources from variables: $(cat "$SBATCH_LOG")"
if grep -qE "^#SBATCH --(nodes|ntasks|cpus-per-task)" "$src/scripts/slurm/opsim_mpi.sbatch"; then
  fail "opsim_mpi.sbatch hard-codes resources"
fi
echo "ok: mpi submission resources from variables"

# Review: the MPI template could not checkpoint, so a job stopped at its time limit started over.
expect_refusal "mpi: CHECKPOINT_EVERY without CHECKPOINT" "set CHECKPOINT too" \
  env OPSIM="$opsim" CHECKPOINT_EVERY=500 "$mpi" "$scenario" "$work/merged.h5"
expect_refusal "mpi: CHECKPOINT_EVERY not a count" "CHECKPOINT_EVERY" \
  env OPSIM="$opsim" CHECKPOINT="$work/ck" CHECKPOINT_EVERY=0 "$mpi" "$scenario" "$work/merged.h5"
expect_refusal "mpi: CHECKPOINT is RESULT" "is RESULT too" \
  env OPSIM="$opsim" CHECKPOINT="$work/merged.h5" "$mpi" "$scenario" "$work/merged.h5"
expect_refusal "mpi: CHECKPOINT in a missing folder" "$work/nowhere" \
  env OPSIM="$opsim" CHECKPOINT="$work/nowhere/ck" "$mpi" "$scenario" "$work/merged.h5"
# Review: an input, or a file that is neither a folder nor NAME.h5, was submitted; the job then
# failed on it after the queue wait.
expect_refusal "mpi: CHECKPOINT is an input" "is an input of" \
  env OPSIM="$opsim" CHECKPOINT="$work/own/global_saas/roster.csv" "$mpi" \
  "$work/own/global_saas.json" "$work/merged.h5"
echo "notes" > "$work/notes.txt"
expect_refusal "mpi: CHECKPOINT is a file not named .h5" "exists and is not a folder" \
  env OPSIM="$opsim" CHECKPOINT="$work/notes.txt" "$mpi" "$scenario" "$work/merged.h5"
rm -f "$SBATCH_LOG"
OPSIM=$opsim CHECKPOINT=$work/ck CHECKPOINT_EVERY=500 "$mpi" "$scenario" "$work/merged.h5" \
  >/dev/null || fail "mpi: a checkpointed submission was refused"
cat > "$work/bin/srun" <<'FAKE'
#!/bin/bash
echo "$*"
FAKE
chmod +x "$work/bin/srun"
line=$(OPSIM=$opsim SCENARIO=$scenario RESULT=$work/merged.h5 CHECKPOINT=$work/ck \
  CHECKPOINT_EVERY=500 bash "$src/scripts/slurm/opsim_mpi.sbatch")
[[ $line == *"--checkpoint $work/ck --checkpoint-every 500 -o $work/merged.h5" ]] ||
  fail "the MPI job does not pass the checkpoint: $line"
line=$(OPSIM=$opsim SCENARIO=$scenario RESULT=$work/merged.h5 \
  bash "$src/scripts/slurm/opsim_mpi.sbatch")
[[ $line != *--checkpoint* ]] || fail "the MPI job checkpoints unasked: $line"
echo "ok: mpi job with a checkpoint"
echo "PASS"
