# Sourced by the submit scripts. refuse_inputs OPSIM SCENARIO PATH...: exits 2 (through `die`)
# when a PATH is the scenario or one of the CSV files it reads, whatever FORCE says: a job would
# only fail on it at the end (opsim refuses to overwrite its inputs), and "remove it, or set
# FORCE=1" is no advice for a user's own input.
refuse_inputs() {
  local opsim=$1 scenario=$2 folder file input
  shift 2
  folder=$(dirname "$scenario")
  local inputs=("$scenario")
  while IFS= read -r file; do
    [[ $file == /* ]] || file=$folder/$file
    inputs+=("$(realpath -m "$file")")
  done < <("$opsim" validate --resolved "$scenario" | grep -o '"[^"]*\.csv"' | tr -d '"')
  for file in "$@"; do
    for input in "${inputs[@]}"; do
      [[ $file != "$input" ]] ||
        die "$file is an input of $scenario; choose another path for the result"
    done
  done
}
