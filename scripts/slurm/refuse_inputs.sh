# Sourced by the submit scripts. refuse_inputs OPSIM SCENARIO PATH...: exits 2 (through `die`)
# when a PATH is the scenario, a scenario it extends or one of the CSV files it reads, whatever
# FORCE says: a job would only fail on it at the end (opsim refuses to overwrite its inputs), and
# "remove it, or set FORCE=1" is no advice for a user's own input.
refuse_inputs() {
  local opsim=$1 scenario=$2 folder file input
  shift 2
  folder=$(dirname "$scenario")
  local inputs=("$scenario") base=$scenario hops=0
  while IFS= read -r file; do
    [[ $file == /* ]] || file=$folder/$file
    inputs+=("$(realpath -m "$file")")
  done < <("$opsim" validate --resolved "$scenario" | grep -o '"[^"]*\.csv"' | tr -d '"')
  # The scenarios it extends, each relative to the file that names it.
  while (( hops++ < 32 )); do
    file=$(grep -o '"extends"[[:space:]]*:[[:space:]]*"[^"]*"' "$base" | head -1 |
      sed 's/.*:[[:space:]]*"//; s/"$//') || true
    [[ -n $file ]] || break
    [[ $file == /* ]] || file=$(dirname "$base")/$file
    base=$(realpath -m "$file")
    inputs+=("$base")
    [[ -f $base ]] || break
  done
  for file in "$@"; do
    for input in "${inputs[@]}"; do
      [[ $file != "$input" ]] ||
        die "$file is an input of $scenario; choose another path for the result"
    done
  done
}
