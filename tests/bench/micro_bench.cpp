// Google Benchmark micro-benchmarks of the engine's building blocks (the whole engine is
// measured by `opsim bench`). Build: cmake --build build/release --target opsim_microbench
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "sim/base/random.hpp"
#include "sim/base/stable_exp.hpp"

namespace {

//! Exponents as the engine sees them: log deal amounts mu + sigma z (mu ~ 10, sigma ~ 0.8).
std::vector<double> exponents() {
  std::mt19937_64 engine(1);
  std::normal_distribution<double> normal(10.0, 0.8);
  std::vector<double> x(4096);
  for (double& v : x) v = normal(engine);
  return x;
}

double std_exp(double x) {
  return std::exp(x);
}

//! One exp per deal-amount exponent; Exp is inlined where it can be (stable_exp is).
template <double (*Exp)(double)>
void BM_Exp(benchmark::State& state) {
  const std::vector<double> x = exponents();
  for (auto _ : state) {
    for (double v : x) benchmark::DoNotOptimize(Exp(v));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(x.size()));
}
BENCHMARK(BM_Exp<opsim::stable_exp>)->Name("StableExp");
BENCHMARK(BM_Exp<std_exp>)->Name("StdExp");

//! A freshly keyed forecast stream and its first word: the cost of one keyed stream.
void BM_TrialRngKeyedWord(benchmark::State& state) {
  std::uint64_t entity = 0;
  for (auto _ : state) {
    opsim::TrialRng rng(7, opsim::StreamId::opportunities, 3, ++entity, opsim::slot(2, 1));
    benchmark::DoNotOptimize(rng());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TrialRngKeyedWord);

}  // namespace

BENCHMARK_MAIN();
