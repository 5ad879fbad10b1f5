#!/bin/bash
# Submits one opsim run over MPI ranks (opsim_mpi.sbatch).
#   scripts/slurm/submit_mpi.sh SCENARIO RESULT [extra sbatch options]
# Resources from variables, with defaults: NODES (1), TASKS_PER_NODE (1, one rank per task),
# CPUS_PER_TASK (1; each rank runs that many oneTBB threads), TIME_LIMIT and PARTITION (the
# partition's defaults). TRIALS and SEED override the scenario's. CHECKPOINT (a folder, or NAME.h5,
# in an existing folder) and CHECKPOINT_EVERY (trials per chunk, default opsim's 1,000) checkpoint
# the run, so that a job stopped at its time limit resumes when submitted again. OPSIM defaults to
# build/release/opsim of this checkout. Inputs are checked before submitting (exit 2 on failure);
# an existing RESULT is refused unless FORCE=1 (the job then runs with --force, so that a requeued
# job rewrites its own result).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
die() { echo "submit_mpi.sh: $*" >&2; exit 2; }
[[ $# -ge 2 ]] || die "usage: $0 SCENARIO RESULT [sbatch options]"
[[ -f $1 && -r $1 ]] || die "SCENARIO: $1 is not a readable file"
scenario=$(realpath "$1"); result=$(realpath -m "$2"); shift 2
opsim=${OPSIM:-$here/../../build/release/opsim}
[[ -f $opsim && -x $opsim ]] ||
  die "OPSIM: $opsim is not an executable file (build opsim, or set OPSIM to the opsim binary)"
opsim=$(realpath "$opsim")
"$opsim" validate "$scenario" >/dev/null || die "SCENARIO: $scenario does not validate (see above)"
[[ -d $(dirname "$result") ]] || die "RESULT: the folder $(dirname "$result") does not exist"
source "$here/refuse_inputs.sh"
refuse_inputs "$opsim" "$scenario" "$result"
check_run_variables
for name in NODES TASKS_PER_NODE CPUS_PER_TASK; do
  value=${!name:-1}
  [[ $value =~ ^[1-9][0-9]*$ ]] || die "$name: '$value' is not a positive whole number"
done
if [[ -n ${TRIALS:-} ]]; then
  [[ $TRIALS =~ ^[1-9][0-9]*$ ]] || die "TRIALS: '$TRIALS' is not a positive whole number"
  (( ${#TRIALS} <= 9 && TRIALS <= 100000000 )) ||
    die "TRIALS: $TRIALS is more than opsim's limit of 100000000 trials"
fi
if [[ -n ${CHECKPOINT:-} ]]; then
  checkpoint=$(realpath -m "$CHECKPOINT")
  [[ -d $(dirname "$checkpoint") ]] ||
    die "CHECKPOINT: the folder $(dirname "$checkpoint") does not exist"
  [[ $checkpoint != "$result" ]] || die "CHECKPOINT: $checkpoint is RESULT too; give it another path"
  # What opsim refuses at start, refused before the queue wait (review: an input or a file that is
  # neither a folder nor NAME.h5 was submitted, and the job failed on it).
  refuse_inputs "$opsim" "$scenario" "$checkpoint"
  [[ ! -e $checkpoint || -d $checkpoint || $checkpoint == *.h5 ]] ||
    die "CHECKPOINT: $checkpoint exists and is not a folder (a checkpoint file's name ends in .h5)"
  [[ ! -d $checkpoint || $checkpoint != *.h5 ]] ||
    die "CHECKPOINT: $checkpoint is a folder (a path ending in .h5 names a checkpoint file)"
  export CHECKPOINT=$checkpoint
fi
if [[ -n ${CHECKPOINT_EVERY:-} ]]; then
  [[ -n ${CHECKPOINT:-} ]] || die "CHECKPOINT_EVERY: set CHECKPOINT too (the folder or NAME.h5 to keep)"
  [[ $CHECKPOINT_EVERY =~ ^[1-9][0-9]*$ ]] && (( ${#CHECKPOINT_EVERY} <= 9 && CHECKPOINT_EVERY <= 100000000 )) ||
    die "CHECKPOINT_EVERY: '$CHECKPOINT_EVERY' is not a whole number of trials 1..100000000"
fi
[[ ${FORCE:-} == 1 || ! -e $result ]] || die "$result exists; remove it, or set FORCE=1 to replace it"
command -v sbatch >/dev/null || die "sbatch is not on PATH (Slurm client)"
resources=(--nodes="${NODES:-1}" --ntasks-per-node="${TASKS_PER_NODE:-1}" --cpus-per-task="${CPUS_PER_TASK:-1}")
[[ -n ${TIME_LIMIT:-} ]] && resources+=(--time="$TIME_LIMIT")
[[ -n ${PARTITION:-} ]] && resources+=(--partition="$PARTITION")
export OPSIM=$opsim SCENARIO=$scenario RESULT=$result FORCE=1
sbatch --parsable "${resources[@]}" --export=ALL "$@" "$here/opsim_mpi.sbatch"
