# Sourced by scripts/setup and scripts/fuzz: how build/asan is configured. One clang++-14 build
# under AddressSanitizer + UndefinedBehaviorSanitizer holds the unit and CLI tests and the
# libFuzzer harnesses (the libraries carry the fuzzer's coverage instrumentation), in unity
# batches (CMAKE_UNITY_BUILD: each batch parses and instantiates the libraries' headers once).
# -O1 -g1: the sanitizers need frame pointers and line numbers, not full optimisation or full
# debug information. The Release build stays one object per source and g++, so that every source
# is still checked to include what it uses and to compile with both compilers.
sanitizer_dir=build/asan
sanitizer_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG"
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DOPSIM_SANITIZE=address
  -DOPSIM_FUZZ=ON -DOPSIM_LONG_TESTS=OFF -DCMAKE_UNITY_BUILD=ON)
# A build/asan configured with another compiler (before this layout): its cache goes, the
# objects are rebuilt.
if [[ -f $sanitizer_dir/CMakeCache.txt ]] &&
  ! grep -q '^CMAKE_CXX_COMPILER:[A-Z]*=.*clang++-14$' "$sanitizer_dir/CMakeCache.txt"; then
  rm -rf "$sanitizer_dir/CMakeCache.txt" "$sanitizer_dir/CMakeFiles"
fi
