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
        die "$file is an input of $scenario; choose another path for the result"
    done
  done
}
