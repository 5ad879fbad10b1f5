#include "sim/base/stable_exp.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace opsim {
namespace {

//! |a - b| in units of the last place of b (the subnormal spacing below the normal range).
double ulp_error(double a, long double b) {
  if (static_cast<long double>(a) == b) return 0.0;
  int exponent = 0;
  std::frexp(static_cast<double>(b), &exponent);
  const long double ulp = std::ldexp(1.0L, std::max(exponent - 53, -1074));
  return static_cast<double>(std::fabs(static_cast<long double>(a) - b) / ulp);
}

//! Largest error of f against std::exp (and against the 64-bit-mantissa expl) over x spread
//! uniformly on [-745, 709.78] and densely on [-5, 5] (where deal amounts' exponents lie).
template <class F>
std::pair<double, double> max_errors(F f) {
  std::mt19937_64 engine(20261129);
  std::uniform_real_distribution<double> wide(-745.0, 709.78), narrow(-5.0, 5.0);
  double versus_std = 0.0, versus_exact = 0.0;
  for (int i = 0; i < 400000; ++i) {
    const double x = i % 2 == 0 ? wide(engine) : narrow(engine);
    const double y = f(x);
    versus_std = std::max(versus_std, ulp_error(y, std::exp(x)));
    if (std::isnormal(std::exp(x)))
      versus_exact = std::max(versus_exact, ulp_error(y, std::exp(static_cast<long double>(x))));
  }
  return {versus_std, versus_exact};
}

TEST(StableExp, WithinOneUlpOfStdExpAndHalfAnUlpOfTheExactValue) {
  const auto [versus_std, versus_exact] = max_errors([](double x) { return stable_exp(x); });
  EXPECT_LE(versus_std, 1.0);
  EXPECT_LT(versus_exact, 0.52);  // the method's bound without FMA is 0.511 ulp
}

TEST(StableExp, TheErrorMeasureDetectsATwoUlpError) {  // the negative twin of the test above
  const auto [versus_std, versus_exact] =
      max_errors([](double x) { return stable_exp(x) * (1.0 + 0x1p-51); });
  EXPECT_GT(versus_std, 1.0);
  EXPECT_GT(versus_exact, 0.52);
}

TEST(StableExp, CorrectlyRoundedAtSimplePoints) {
  EXPECT_EQ(stable_exp(0.0), 1.0);
  EXPECT_EQ(stable_exp(-0.0), 1.0);
  EXPECT_EQ(stable_exp(1.0), 0x1.5bf0a8b145769p+1);  // e
  EXPECT_EQ(stable_exp(std::log(2.0)), 2.0);
  EXPECT_EQ(stable_exp(1e-300), 1.0);
}

TEST(StableExp, OverflowUnderflowAndNonFiniteInputs) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(std::isfinite(stable_exp(709.78)));
  EXPECT_EQ(stable_exp(709.79), inf);
  EXPECT_EQ(stable_exp(1e10), inf);
  EXPECT_EQ(stable_exp(inf), inf);
  EXPECT_EQ(stable_exp(-inf), 0.0);
  EXPECT_EQ(stable_exp(-746.0), 0.0);
  EXPECT_EQ(stable_exp(-1e10), 0.0);
  EXPECT_TRUE(std::isnan(stable_exp(std::numeric_limits<double>::quiet_NaN())));
  // Subnormal results: the two-step scaling rounds once.
  for (double x : {-708.5, -720.0, -740.0, -745.0})
    EXPECT_LE(ulp_error(stable_exp(x), std::exp(x)), 1.0) << x;
  EXPECT_GT(stable_exp(-745.0), 0.0);
}

}  // namespace
}  // namespace opsim
