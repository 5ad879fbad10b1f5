#!/bin/sh
# The layers include only downwards: base <- models <- engine <- io <- workflows <- cli.
# (The CMake targets link the same way; this catches a header-only include across the line.)
root="$1"
cd "$root" || exit 1
status=0
check() {  # check DIR ALLOWED-REGEX
  bad=$(grep -rnE '#include "(sim/[a-z]+|models)/' "$1" | grep -vE "#include \"($2)/")
  if [ -n "$bad" ]; then
    echo "$1 may include only $2:"
    echo "$bad"
    status=1
  fi
}
check sim/base 'sim/base'
check models 'models|sim/base'
check sim/engine 'models|sim/base|sim/engine'
check sim/io 'models|sim/base|sim/engine|sim/io'
check sim/workflows 'models|sim/base|sim/engine|sim/io|sim/workflows'
[ $status -eq 0 ] && echo "layers: every include points down"
exit $status
