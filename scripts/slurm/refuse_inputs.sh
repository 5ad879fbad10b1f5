# Sourced by the submit scripts. refuse_inputs OPSIM SCENARIO PATH...: exits 2 (through `die`)
# when a PATH is one of the files the scenario reads (`opsim validate --inputs`: the scenario,
# each scenario it extends and every data file it names, whatever its extension), whatever FORCE
# says: a job would only fail on it at the end (opsim refuses to overwrite its inputs), and
# "remove it, or set FORCE=1" is no advice for a user's own input.
refuse_inputs() {
  local opsim=$1 scenario=$2 folder file input listed
  shift 2
  folder=$(dirname "$scenario")
  local inputs=("$scenario")
  listed=$("$opsim" validate --inputs "$scenario") || die "SCENARIO: $scenario does not validate"
  while IFS= read -r file; do
    [[ -n $file ]] || continue
    [[ $file == /* ]] || file=$folder/$file
    inputs+=("$(realpath -m "$file")")
  done <<<"$listed"
  for file in "$@"; do
    for input in "${inputs[@]}"; do
      [[ $file != "$input" ]] ||
        die "$file is an input of $scenario; choose another path"
    done
  done
}

# check_run_variables: exits 2 (through `die`) when SEED or THREADS, if set, is not what opsim
# takes (--seed: a whole number 0..2^63-1; --threads: 0..1024), so that no job is submitted whose
# every task would refuse it (review: SEED=-1 and THREADS=abc were submitted).
check_run_variables() {
  if [[ -n ${SEED:-} ]]; then
    [[ $SEED =~ ^[0-9]+$ ]] || die "SEED: '$SEED' is not a whole number 0..9223372036854775807"
    (( ${#SEED} < 19 )) || [[ ${#SEED} -eq 19 && $SEED < 9223372036854775808 ]] ||
      die "SEED: $SEED is more than opsim's largest seed 9223372036854775807"
  fi
  if [[ -n ${THREADS:-} ]]; then
    [[ $THREADS =~ ^[0-9]+$ ]] && (( ${#THREADS} <= 4 && THREADS <= 1024 )) ||
      die "THREADS: '$THREADS' is not a whole number 0..1024 (0: the task's CPUs)"
  fi
}
