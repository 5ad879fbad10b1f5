#include "sim/cli/cli.hpp"

int main(int argc, char** argv) {
  return opsim::cli::main(argc, argv);
}
