#!/bin/bash
# Submits an opsim run as a Slurm job array (one shard per task) plus a dependent merge job.
#   scripts/slurm/submit_array.sh SCENARIO TRIALS SHARDS OUT_DIR RESULT [extra sbatch options]
# Prints the merge job's id. OPSIM defaults to build/release/opsim of this checkout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[[ $# -ge 5 ]] || { echo "usage: $0 SCENARIO TRIALS SHARDS OUT_DIR RESULT [sbatch options]" >&2; exit 2; }
scenario=$(realpath "$1"); trials=$2; shards=$3; out_dir=$(realpath -m "$4"); result=$(realpath -m "$5"); shift 5
export OPSIM=${OPSIM:-$(realpath "$here/../../build/release/opsim")}
export SCENARIO=$scenario TRIALS=$trials SHARDS=$shards OUT_DIR=$out_dir RESULT=$result
mkdir -p "$out_dir"
array=$(sbatch --parsable --chdir="$out_dir" --array=0-$((shards - 1)) --export=ALL "$@" "$here/opsim_array.sbatch")
array=${array%%;*}
sbatch --parsable --chdir="$out_dir" --dependency=afterok:"$array" --kill-on-invalid-dep=yes --export=ALL "$@" \
  "$here/opsim_merge.sbatch"
