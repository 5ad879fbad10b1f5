#!/bin/bash
# Submits an opsim run as a Slurm job array (one shard per task) plus a dependent merge job.
#   scripts/slurm/submit_array.sh SCENARIO TRIALS SHARDS OUT_DIR RESULT [extra sbatch options]
# Prints the merge job's id. OPSIM defaults to build/release/opsim of this checkout.
# Everything is checked before anything is submitted (the binary runs, the scenario validates,
# OUT_DIR can be created and written, RESULT's folder exists); a failed check prints why and
# exits 2, so that no array is submitted whose every task would fail.
# Files are never replaced unasked: RESULT, its _summary.json and shard files already in OUT_DIR
# are refused unless FORCE=1, and an earlier submission's checkpoint_N folders unless RESUME=1
# (the tasks then resume them; opsim refuses a checkpoint of another run). With RESUME=1 the
# shards an earlier submission finished (shard_N.h5, N < SHARDS) are kept: their tasks end at
# once, and the merge refuses a shard of another run. The jobs then run with --force (FORCE=1
# exported), so that a requeued task rewrites its own shard.
# Resources of the array tasks and of the merge job: CPUS_PER_TASK (default 1), TIME_LIMIT
# (sbatch --time; default: the partition's) and PARTITION (default: the cluster's default
# partition); further sbatch options may follow RESULT.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
die() { echo "submit_array.sh: $*" >&2; exit 2; }
[[ $# -ge 5 ]] || die "usage: $0 SCENARIO TRIALS SHARDS OUT_DIR RESULT [sbatch options]"
[[ $2 =~ ^[1-9][0-9]*$ ]] || die "TRIALS: '$2' is not a positive whole number"
[[ $3 =~ ^[1-9][0-9]*$ ]] || die "SHARDS: '$3' is not a positive whole number"
# opsim's own limit on --trials, checked here so that no array is submitted whose tasks all fail.
(( ${#2} <= 9 && $2 <= 100000000 )) || die "TRIALS: $2 is more than opsim's limit of 100000000 trials"
(( ${#3} <= 9 && $3 <= $2 )) || die "SHARDS ($3) must not exceed TRIALS ($2)"
[[ -f $1 && -r $1 ]] || die "SCENARIO: $1 is not a readable file"
scenario=$(realpath "$1"); trials=$2; shards=$3; out_dir=$(realpath -m "$4"); result=$(realpath -m "$5"); shift 5

opsim=${OPSIM:-$here/../../build/release/opsim}
[[ -f $opsim && -x $opsim ]] ||
  die "OPSIM: $opsim is not an executable file (build opsim, or set OPSIM to the opsim binary)"
opsim=$(realpath "$opsim")
"$opsim" validate "$scenario" >/dev/null || die "SCENARIO: $scenario does not validate (see above)"
[[ -d $(dirname "$result") ]] || die "RESULT: the folder $(dirname "$result") does not exist"
# The run's own files in OUT_DIR are not a place for the result either (review: the merge job
# would refuse it only after the whole array had run).
case ${result#"$out_dir"/} in
  shard_*.h5 | checkpoint_* | opsim-shard-*.log | opsim-merge-*.log)
    [[ $(dirname "$result") == "$out_dir" ]] &&
      die "RESULT: $result is one of the run's own files in OUT_DIR; choose another path" ;;
esac
source "$here/refuse_inputs.sh"
refuse_inputs "$opsim" "$scenario" "$result" "${result%.h5}_summary.json"
check_run_variables
mkdir -p "$out_dir" 2>/dev/null || die "OUT_DIR: cannot create $out_dir"
[[ -w $out_dir ]] || die "OUT_DIR: $out_dir is not writable"
# This run's shard_N.h5 (N < SHARDS): shard_7.h5 is task 7's; shard_07.h5 is no task's (review).
own_shard() {
  local name=${1##*/shard_}
  [[ ${name%.h5} =~ ^(0|[1-9][0-9]{0,8})$ ]] && (( ${name%.h5} < shards ))
}
if [[ ${FORCE:-} != 1 ]]; then
  for file in "$result" "${result%.h5}_summary.json" "$out_dir"/shard_*.h5; do
    # With RESUME=1 a shard an earlier submission finished is kept (review: resuming a timed-out
    # array recomputed every finished shard, or was refused).
    [[ ${RESUME:-} == 1 && $file == "$out_dir"/shard_*.h5 ]] && own_shard "$file" && continue
    [[ ! -e $file ]] || die "$file exists; remove it, or set FORCE=1 to replace it"
  done
else
  # Shard files of an earlier, larger submission are left alone (they are not this run's) and the
  # merge job reads shard_0.h5 .. shard_$((shards - 1)).h5 only: say so.
  for file in "$out_dir"/shard_*.h5; do
    own_shard "$file" && continue
    [[ -e $file ]] && echo "submit_array.sh: note: $file is not one of this run's $shards shards; it is left as it is and not merged" >&2
  done
fi
# An earlier submission's checkpoints are resumed by the tasks only when the run is the same;
# one of another run would fail every task after submission (review), so they are resumed only
# when asked.
if [[ ${RESUME:-} != 1 ]]; then
  for folder in "$out_dir"/checkpoint_*; do
    [[ ! -e $folder ]] || die "$folder holds an earlier submission's checkpoint; set RESUME=1 to resume it (same SCENARIO, TRIALS, SHARDS and SEED), or remove it"
  done
fi
command -v sbatch >/dev/null || die "sbatch is not on PATH (Slurm client)"

resources=(--cpus-per-task="${CPUS_PER_TASK:-1}")
[[ -n ${TIME_LIMIT:-} ]] && resources+=(--time="$TIME_LIMIT")
[[ -n ${PARTITION:-} ]] && resources+=(--partition="$PARTITION")
export OPSIM=$opsim SCENARIO=$scenario TRIALS=$trials SHARDS=$shards OUT_DIR=$out_dir RESULT=$result FORCE=1
export KEEP_FINISHED=${RESUME:-0}
array=$(sbatch --parsable --chdir="$out_dir" --array=0-$((shards - 1)) "${resources[@]}" --export=ALL "$@" \
  "$here/opsim_array.sbatch")
array=${array%%;*}
# The merge runs where the array ran, with its limits (review: it went to the default partition).
sbatch --parsable --chdir="$out_dir" --dependency=afterok:"$array" --kill-on-invalid-dep=yes \
  "${resources[@]}" --export=ALL "$@" "$here/opsim_merge.sbatch"
