// Compensation cost in comparisons and sweeps is priced by the mechanism `opsim quotas` uses
// (plan::CompEvaluator): on the bundled plan example, whose plans have components, draws, SPIFs,
// clawbacks and quarterly true-ups, every trial's cost equals the evaluator's; the old
// bookings-only pricing would differ by more than 5%; any thread count or trial split gives the
// same numbers bit for bit.
#include "sim/engine/comp_pricing.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "models/plan/fiscal_year.hpp"
#include "models/plan/quotas.hpp"
#include "sim/engine/economics.hpp"
#include "sim/io/cost_loader.hpp"
#include "sim/io/scenario_loader.hpp"
#include "tests/scenario_builder.hpp"
#include "tests/test_support.hpp"

namespace opsim {
namespace {

constexpr std::uint64_t kPricingTrials = 120;
constexpr std::uint64_t kPricingSeed = 11;

struct PlanExample {
  Scenario scenario;
  CostModel costs;
  CompMeasures measures;
  RunResult result;
  CompQuotas quotas;
};

PlanExample load_plan_example(bool derived, const std::string& phasing = "") {
  PlanExample e;
  const std::filesystem::path path = test::source_dir() / "scenarios/plan_example.json";
  const LoadedScenario loaded = load_scenario_and_document(path.string());
  nlohmann::json doc = loaded.document.document;
  e.scenario = loaded.scenario;
  if (!phasing.empty()) doc["plan"]["quotas"]["phasing"] = phasing;
  if (derived) {
    // Component quotas derived from the forecast (won deals and product bookings per seat).
    for (auto& plan : doc["plan"]["compensation"]["plans"]) {
      for (auto& component : plan["components"])
        component.erase("quota"), component.erase("quota_share");
    }
    e.scenario = build_scenario(doc, path.string(), path.parent_path().string());
  }
  e.costs = load_costs(e.scenario, doc);
  RunOptions options;
  options.end_trial = kPricingTrials;
  options.seed = kPricingSeed;
  options.threads = 2;
  e.result = run_counting_measures(e.scenario, e.costs.comp, options, e.measures);
  e.quotas = comp_quotas(e.scenario, e.result);
  return e;
}

//! The bundled plan example as written (component quotas stated) or with them derived.
const PlanExample& plan_example(bool derived = false) {
  static const PlanExample stated = load_plan_example(false);
  static const PlanExample from_forecast = load_plan_example(true);
  return derived ? from_forecast : stated;
}

//! The bundled plan example with its quotas phased evenly over the months.
const PlanExample& flat_plan_example() {
  static const PlanExample flat = load_plan_example(false, "flat");
  return flat;
}

CompTrialPay price(const PlanExample& e, int threads, std::uint64_t first, std::uint64_t end) {
  RunOptions options;
  options.first_trial = first;
  options.end_trial = end;
  options.seed = kPricingSeed;
  options.threads = threads;
  return price_compensation(e.scenario, e.costs.comp, e.result, options, e.quotas, e.measures);
}

//! Per trial, the payouts `opsim quotas` computes for fiscal year `year` with the comparison's
//! quotas (the base's mean bookings per seat, its derived component quotas); with `by_month`,
//! also each seat's variable pay by the month it is paid in (one placement group per seat).
//! `phasing`: the quarters pay is measured against, the spec's (/plan/quotas/phasing) unless
//! given.
//! `without`: a seat left without a quota (none when out of range).
plan::TrialPayouts quotas_command_payouts(const PlanExample& e, int year, bool by_month = false,
                                          std::optional<plan::Phasing> phasing = std::nullopt,
                                          std::size_t without = SIZE_MAX) {
  const plan::CompSpec& spec = e.costs.comp;
  const plan::FiscalYear fy = plan::fiscal_year_of(e.scenario, year, "test");
  const std::size_t n = e.scenario.seats.size();
  std::vector<double> quota(n, std::nan("")), expected(n);
  for (std::size_t s = 0; s < n; ++s) {
    expected[s] = e.quotas.by_seat.at(e.scenario.seats[s].id)[static_cast<std::size_t>(fy.index)];
    if (expected[s] > 0 && s != without) quota[s] = expected[s];
  }
  // As the command measures pay: against the months it publishes, rounded to the plan's unit.
  const plan::Phasing phased_by = phasing.value_or(spec.phasing);
  const std::vector<double> phased = plan::phasing_profiles(e.scenario, fy, phased_by);
  const std::vector<double> profiles = plan::published_profiles(
      plan::phase_quotas(e.scenario, fy, quota, phased, phased_by, spec.rounding), phased);
  plan::CompEvaluator evaluator(
      e.scenario, spec, fy, quota, profiles, kPricingTrials, 0,
      plan::component_quotas(spec, quota, expected, plan::in_year_factors(e.scenario, fy),
                             static_cast<std::size_t>(fy.index) < e.measures.size()
                                 ? e.measures[static_cast<std::size_t>(fy.index)]
                                 : plan::MeasureTotals{}));
  if (by_month) {
    std::vector<int> group(n);
    for (std::size_t s = 0; s < n; ++s) group[s] = static_cast<int>(s);
    evaluator.place_payouts(group, n);
  }
  test::price_year_over_run(e.scenario, evaluator, kPricingTrials, kPricingSeed);
  return std::move(evaluator.payouts());
}

//! Per trial, what `opsim quotas` pays for fiscal year `year` (variable + base, all seats).
std::vector<double> quotas_command_cost(const PlanExample& e, int year,
                                        std::optional<plan::Phasing> phasing = std::nullopt) {
  const plan::TrialPayouts payouts = quotas_command_payouts(e, year, false, phasing);
  const std::size_t n = e.scenario.seats.size();
  std::vector<double> cost(kPricingTrials, 0.0);
  for (std::uint64_t t = 0; t < kPricingTrials; ++t) {
    for (std::size_t s = 0; s < n; ++s) cost[t] += payouts.seat_cost[t * n + s];
  }
  return cost;
}

//! Per trial, the comparison's compensation cost of the fiscal year (all regions).
std::vector<double> comparison_cost(const PlanExample& e, const CompTrialPay& pay, int year) {
  const ResultLayout& layout = e.result.layout;
  const std::size_t p = test::period_index(layout, "FY" + std::to_string(year));
  const std::size_t P = layout.periods.size(), R = pay.regions;
  std::vector<double> cost(kPricingTrials, 0.0);
  for (std::uint64_t t = 0; t < kPricingTrials; ++t) {
    for (std::size_t r = 0; r < R; ++r)
      cost[t] += pay.variable[(t * P + p) * R + r] + pay.base[(t * P + p) * R + r];
  }
  return cost;
}

//! Per trial, the comparison's cost of each fiscal year equals the quota command's.
void expect_comparison_equals_quota_command(const PlanExample& e) {
  const CompTrialPay pay = price(e, 2, 0, kPricingTrials);
  ASSERT_EQ(pay.trials, kPricingTrials);
  for (int year : {2027, 2028}) {
    const std::vector<double> expected = quotas_command_cost(e, year);
    const std::vector<double> got = comparison_cost(e, pay, year);
    double total = 0;
    for (std::uint64_t t = 0; t < kPricingTrials; ++t) {
      // Equal up to the order base pay is summed in.
      EXPECT_NEAR(got[t], expected[t], 1e-9 * std::abs(expected[t])) << "FY" << year << " " << t;
      total += expected[t];
    }
    EXPECT_GT(total, 0);
  }
  // The cost table sums base and variable pay into the year.
  const std::vector<double> cost = trial_costs(e.costs, e.scenario, e.result, kPricingSeed, pay);
  const ResultLayout& layout = e.result.layout;
  const std::size_t P = layout.periods.size(), R = static_cast<std::size_t>(layout.regions);
  const std::size_t fy = test::period_index(layout, "FY2027");
  const std::vector<double> comp = comparison_cost(e, pay, 2027);
  double hires = 0;  // the capacity windows' hire costs, also in the table
  for (std::uint64_t t = 0; t < kPricingTrials; ++t)
    hires += cost[(t * P + fy) * R + R - 1] - comp[t];
  CompTrialPay no_comp;
  CostModel without = e.costs;
  without.comp = {};
  const std::vector<double> other =
      trial_costs(without, e.scenario, e.result, kPricingSeed, no_comp);
  double other_total = 0;
  for (std::uint64_t t = 0; t < kPricingTrials; ++t) other_total += other[(t * P + fy) * R + R - 1];
  EXPECT_NEAR(hires, other_total, 1e-9 * std::max(1.0, other_total));
}

// Regression: compare and sweep priced a plan with components on new bookings alone, annually,
// without its draw, SPIF, clawback and quarterly true-up, so their comp cost differed from
// `opsim quotas` on the same scenario.
TEST(CompPricing, ComparisonCostOfAPlanWithComponentsEqualsTheQuotaCommandsPerTrial) {
  for (bool derived : {false, true}) {
    const PlanExample& e = plan_example(derived);
    ASSERT_EQ(e.costs.comp.needs_measure_totals(), derived);
    ASSERT_EQ(e.measures.size(), derived ? 2u : 0u);
    expect_comparison_equals_quota_command(e);
  }
}

// Review: compare priced compensation against the quota profile's quarters whatever
// /plan/quotas/phasing said, while `opsim quotas` measures pay against the quarters it publishes
// (flat ones with "phasing": "flat"). With flat phasing the comparison's cost equals the quota
// command's per trial; measured against the profile's quarters, as before, the quarterly
// true-ups differ and so does the cost of some trial.
TEST(CompPricing, ComparisonMeasuresPayAgainstTheQuotasAsPhased) {
  const PlanExample& e = flat_plan_example();
  ASSERT_EQ(e.costs.comp.phasing, plan::Phasing::flat);
  expect_comparison_equals_quota_command(e);
  // The negative twin: the quota command measuring against the profile's quarters.
  const CompTrialPay pay = price(e, 2, 0, kPricingTrials);
  const std::vector<double> profile = quotas_command_cost(e, 2027, plan::Phasing::profile);
  const std::vector<double> got = comparison_cost(e, pay, 2027);
  std::uint64_t differ = 0;
  for (std::uint64_t t = 0; t < kPricingTrials; ++t)
    differ += std::abs(got[t] - profile[t]) > 1e-6 * std::abs(profile[t]);
  EXPECT_GT(differ, kPricingTrials / 2);
}

// The negative twins: the bookings-only pricing the comparison used before (each seat's variable
// pay V x months / 12 x min(tiers(B / Q), cap) on its new bookings, base pay for every month the
// seat exists) fails the per-trial equality above, its mean is more than 4 standard errors of the
// paired difference away from the quota command's, and so is a cost biased by 5%.
TEST(CompPricing, BookingsOnlyPricingWouldBeDetected) {
  const PlanExample& e = plan_example();
  const plan::CompSpec& spec = e.costs.comp;
  const ResultLayout& layout = e.result.layout;
  const plan::FiscalYear fy = plan::fiscal_year_of(e.scenario, 2027, "test");
  const auto y = static_cast<std::size_t>(fy.index);
  const std::vector<double> full = quotas_command_cost(e, 2027);
  const std::size_t n = e.scenario.seats.size(), Y = static_cast<std::size_t>(layout.fiscal_years);
  std::vector<double> old(kPricingTrials, 0.0);
  std::uint64_t unequal = 0;
  for (std::uint64_t t = 0; t < kPricingTrials; ++t) {
    for (std::size_t s = 0; s < n; ++s) {
      if (spec.seat_plan[s] < 0) continue;
      const plan::CompPlan& plan = spec.plans[static_cast<std::size_t>(spec.seat_plan[s])];
      const Seat& seat = e.scenario.seats[s];
      const int months = std::max(0, fy.last + 1 - std::max(fy.first, seat.start));
      const double q = e.quotas.by_seat.at(seat.id)[y];
      old[t] += plan.base() * months / 12.0;
      if (q > 0) {
        const double b = e.result.seat_values[t * layout.seat_cells() + s * Y + y];
        old[t] += plan.variable() * months / 12.0 * std::min(plan.earnings_factor(b / q), plan.cap);
      }
    }
    unequal += std::abs(old[t] - full[t]) > 1e-9 * std::abs(full[t]) ? 1 : 0;
  }
  EXPECT_EQ(unequal, kPricingTrials);
  // Mean and standard error of the paired difference x - full.
  auto paired_z = [&](auto&& x) {
    double mean = 0, m2 = 0;
    for (std::uint64_t t = 0; t < kPricingTrials; ++t) {
      const double d = x(t) - full[t], step = d - mean;
      mean += step / static_cast<double>(t + 1);
      m2 += step * (d - mean);
    }
    const double se = std::sqrt(m2 / (kPricingTrials - 1) / kPricingTrials);
    return std::abs(mean) / std::max(se, 1e-300);
  };
  EXPECT_GT(paired_z([&](std::uint64_t t) { return old[t]; }), 4.0);
  EXPECT_GT(paired_z([&](std::uint64_t t) { return 1.05 * full[t]; }), 4.0);
}

// Review: `opsim quotas` left a seat its plans cover but which carries no quota (an imported
// quota file without it, a hire with no expected bookings in the year) out of its cost, while
// compare paid it its base pay. One rule now: such a seat earns no variable pay and its base pay
// for the months occupied, in every trial. Its base is read off the same seat priced with a
// quota (cost minus variable); the old cost of 0 would fail.
TEST(CompPricing, ACoveredSeatWithoutAQuotaIsPaidItsBase) {
  const PlanExample& e = plan_example();
  const plan::CompSpec& spec = e.costs.comp;
  const std::size_t n = e.scenario.seats.size();
  std::size_t seat = 0;
  while (seat < n && spec.seat_plan[seat] < 0) ++seat;
  ASSERT_LT(seat, n);
  const plan::TrialPayouts with = quotas_command_payouts(e, 2027);
  const plan::TrialPayouts without = quotas_command_payouts(e, 2027, false, std::nullopt, seat);
  double base_total = 0;
  for (std::uint64_t t = 0; t < kPricingTrials; ++t) {
    const std::size_t i = t * n + seat;
    const double base = with.seat_cost[i] - with.seat_variable[i];
    EXPECT_EQ(without.seat_variable[i], 0.0) << t;
    EXPECT_NEAR(without.seat_cost[i], base, 1e-9 * std::abs(base)) << t;
    base_total += base;
    // The other seats are priced as before.
    for (std::size_t s = 0; s < n; ++s) {
      if (s == seat) continue;
      EXPECT_EQ(without.seat_cost[t * n + s], with.seat_cost[t * n + s]);
    }
  }
  EXPECT_GT(base_total, 0);
}

// Any thread count and any split of the trials (as MPI ranks split them) price the same trials
// bit for bit.
TEST(CompPricing, ThreadCountAndTrialSplitGiveIdenticalPay) {
  for (bool derived : {false, true}) {
    const PlanExample& e = plan_example(derived);
    const CompTrialPay two = price(e, 2, 0, kPricingTrials), one = price(e, 1, 0, kPricingTrials);
    EXPECT_EQ(one.variable, two.variable);
    EXPECT_EQ(one.base, two.base);
    const CompTrialPay head = price(e, 2, 0, 37), tail = price(e, 1, 37, kPricingTrials);
    std::vector<double> variable = head.variable, base = head.base;
    variable.insert(variable.end(), tail.variable.begin(), tail.variable.end());
    base.insert(base.end(), tail.base.begin(), tail.base.end());
    EXPECT_EQ(variable, two.variable);
    EXPECT_EQ(base, two.base);
  }
}

// An alternative whose quotas are all the base's is priced during its forecast, in one pass:
// the same forecast and the same pay as the two passes, bit for bit. A plan deriving component
// quotas from the arm's own forecast needs the two passes.
TEST(CompPricing, OnePassPricingOfAnAlternativeEqualsTheTwoPasses) {
  const PlanExample& e = plan_example();
  RunOptions options;
  options.end_trial = kPricingTrials;
  options.seed = kPricingSeed;
  options.threads = 2;
  RunResult result;
  CompTrialPay pay;
  ASSERT_TRUE(run_priced_forecast(e.scenario, e.costs.comp, options, e.quotas, result, pay));
  EXPECT_EQ(result.period_values, e.result.period_values);
  EXPECT_EQ(result.seat_values, e.result.seat_values);
  const CompTrialPay two = price(e, 2, 0, kPricingTrials);
  EXPECT_EQ(pay.variable, two.variable);
  EXPECT_EQ(pay.base, two.base);
  const PlanExample& derived = plan_example(true);
  EXPECT_FALSE(run_priced_forecast(derived.scenario, derived.costs.comp, options, derived.quotas,
                                   result, pay));
  CompQuotas partial = e.quotas;
  partial.by_seat.erase(partial.by_seat.begin());  // a seat the base does not have
  EXPECT_FALSE(run_priced_forecast(e.scenario, e.costs.comp, options, partial, result, pay));
}

//! Per trial t, fiscal quarter p and region r ([t][p][r]; fiscal years 0): the variable pay the
//! seats `in` (null: all) of r are paid in the quarter's months, summed seat by seat from the
//! quota command's payouts by seat and month; `scale`: the sum of the amounts' magnitudes.
struct QuarterPay {
  std::vector<double> pay, scale;
};
QuarterPay quotas_command_quarters(const PlanExample& e, const std::vector<bool>* in = nullptr) {
  const ResultLayout& layout = e.result.layout;
  const std::size_t P = layout.periods.size(), R = static_cast<std::size_t>(layout.regions - 1),
                    n = e.scenario.seats.size();
  QuarterPay q{std::vector<double>(kPricingTrials * P * R, 0.0),
               std::vector<double>(kPricingTrials * P * R, 0.0)};
  for (int year : {2027, 2028}) {
    const plan::FiscalYear fy = plan::fiscal_year_of(e.scenario, year, "test");
    const auto months = static_cast<std::size_t>(fy.months());
    const plan::TrialPayouts paid = quotas_command_payouts(e, year, true);
    for (std::size_t p = 0; p < P; ++p) {
      const Period& period = layout.periods[p];
      if (period.fiscal_year != year || period.quarter == 0) continue;
      for (std::uint64_t t = 0; t < kPricingTrials; ++t) {
        for (std::size_t s = 0; s < n; ++s) {
          if (in != nullptr && !(*in)[s]) continue;
          const auto r = static_cast<std::size_t>(e.scenario.seats[s].region);
          for (int m = period.first_in_horizon; m <= period.last_in_horizon; ++m) {
            const double x =
                paid.placed[(t * n + s) * months + static_cast<std::size_t>(m - fy.first)];
            q.pay[(t * P + p) * R + r] += x;
            q.scale[(t * P + p) * R + r] += std::abs(x);
          }
        }
      }
    }
  }
  return q;
}

// Regression: compare and sweep counted a fiscal year's variable pay in the year and shared it
// among its quarters in proportion to the region's new bookings, whatever the payout timing.
// Each quarter now holds what the plans pay in it (quarterly payouts and true-ups at quarter
// ends, draws where they settle, annual components at the year's end, SPIFs in the deal's
// month, clawbacks with the payout they reduce), as the quota command's evaluator places them;
// the quarters add up to the year.
TEST(CompPricing, VariablePayOfAQuarterIsWhatThePlansPayInIt) {
  for (bool derived : {false, true}) {
    const PlanExample& e = plan_example(derived);
    const CompTrialPay pay = price(e, 2, 0, kPricingTrials);
    const ResultLayout& layout = e.result.layout;
    const std::size_t P = layout.periods.size(), R = pay.regions;
    ASSERT_EQ(pay.periods, P);
    const QuarterPay expected = quotas_command_quarters(e);
    std::size_t quarters = 0;
    for (std::size_t p = 0; p < P; ++p) {
      const Period& period = layout.periods[p];
      if (period.quarter == 0) continue;
      ++quarters;
      for (std::uint64_t t = 0; t < kPricingTrials; ++t) {
        for (std::size_t r = 0; r < R; ++r) {
          const std::size_t i = (t * P + p) * R + r;
          EXPECT_NEAR(pay.variable[i], expected.pay[i], 1e-9 * expected.scale[i])
              << period.label << " region " << r << " trial " << t;
        }
      }
    }
    EXPECT_EQ(quarters, 6u);  // FY2027-Q1..Q4, FY2028-Q1..Q2
    // The quarters of each fiscal year add up to it.
    for (std::size_t y = 0; y < P; ++y) {
      if (layout.periods[y].quarter != 0) continue;
      for (std::uint64_t t = 0; t < kPricingTrials; ++t) {
        for (std::size_t r = 0; r < R; ++r) {
          double sum = 0, scale = 0;
          for (std::size_t p = 0; p < P; ++p) {
            if (layout.periods[p].quarter == 0 ||
                layout.periods[p].fiscal_year != layout.periods[y].fiscal_year)
              continue;
            sum += pay.variable[(t * P + p) * R + r];
            scale += expected.scale[(t * P + p) * R + r];
          }
          EXPECT_NEAR(sum, pay.variable[(t * P + y) * R + r], 1e-9 * scale);
        }
      }
    }
    // The cost table puts it there too: a quarter's cost is its base and variable pay plus the
    // other costs.
    const std::vector<double> cost = trial_costs(e.costs, e.scenario, e.result, kPricingSeed, pay);
    CostModel without = e.costs;
    without.comp = {};
    const std::vector<double> other = trial_costs(without, e.scenario, e.result, kPricingSeed, {});
    const std::size_t q1 = test::period_index(layout, "FY2027-Q1"), cells = R + 1;
    for (std::uint64_t t = 0; t < kPricingTrials; ++t) {
      for (std::size_t r = 0; r < R; ++r) {
        const std::size_t i = (t * P + q1) * cells + r, k = (t * P + q1) * R + r;
        EXPECT_NEAR(cost[i] - other[i] - pay.base[k], pay.variable[k],
                    1e-9 * (std::abs(cost[i]) + 1));
      }
    }
  }
}

// One seat at a time: with the plans covering only one seat, its region's quarterly variable
// pay is that seat's pay in the quarter, bit for bit: a new AE on the quarterly plan with
// components (a recoverable draw in its first months, a clawback window, annual logo and
// retention components) and a Senior AE (quarterly, SPIF, clawback).
TEST(CompPricing, VariablePayOfAQuarterIsTheSeatsPayInIt) {
  const PlanExample& e = plan_example();
  const plan::CompSpec& spec = e.costs.comp;
  const std::size_t n = e.scenario.seats.size();
  const ResultLayout& layout = e.result.layout;
  const std::size_t P = layout.periods.size(), R = static_cast<std::size_t>(layout.regions - 1);
  std::vector<std::size_t> chosen;
  for (const char* id : {"ae", "senior-ae"}) {
    for (std::size_t s = 0; s < n; ++s) {
      const int plan = spec.seat_plan[s];
      // A seat starting in FY2027 (the draw pays in its first months).
      if (plan >= 0 && spec.plans[static_cast<std::size_t>(plan)].id == id &&
          (std::string(id) != "ae" || e.scenario.seats[s].start > 0)) {
        chosen.push_back(s);
        break;
      }
    }
  }
  ASSERT_EQ(chosen.size(), 2u);
  ASSERT_NE(spec.plans[static_cast<std::size_t>(spec.seat_plan[chosen[0]])].draw,
            plan::DrawKind::none);
  for (std::size_t seat : chosen) {
    PlanExample one = e;
    for (std::size_t s = 0; s < n; ++s) {
      if (s != seat) one.costs.comp.seat_plan[s] = -1;
    }
    std::vector<bool> in(n, false);
    in[seat] = true;
    const QuarterPay expected = quotas_command_quarters(one, &in);
    const CompTrialPay pay = price(one, 2, 0, kPricingTrials);
    const std::size_t r = static_cast<std::size_t>(e.scenario.seats[seat].region);
    double total = 0;
    for (std::size_t p = 0; p < P; ++p) {
      if (layout.periods[p].quarter == 0) continue;
      for (std::uint64_t t = 0; t < kPricingTrials; ++t) {
        EXPECT_EQ(pay.variable[(t * P + p) * R + r], expected.pay[(t * P + p) * R + r])
            << layout.periods[p].label << " seat " << e.scenario.seats[seat].id << " trial " << t;
        total += std::abs(expected.pay[(t * P + p) * R + r]);
      }
    }
    EXPECT_GT(total, 0);
    // What the case covers: [trial][commission, draw, spif, clawback, base] of the seat alone.
    const plan::TrialPayouts year = quotas_command_payouts(one, 2027);
    std::array<double, 5> parts{};
    for (std::uint64_t t = 0; t < kPricingTrials; ++t) {
      for (std::size_t k = 0; k < parts.size(); ++k) parts[k] += year.parts[t * 5 + k];
    }
    EXPECT_GT(parts[0], 0);
    EXPECT_GT(parts[3], 0) << "no clawback";
    EXPECT_TRUE(seat != chosen[0] || parts[1] > 0) << "no draw beyond commission";
    EXPECT_TRUE(seat != chosen[1] || parts[2] > 0) << "no SPIF";
  }
}

// The negative twin: the old split (the year's variable pay shared by the region's new bookings
// of each quarter) puts a different amount in the quarters: in most trials, and on average by
// more than 4 standard errors of the paired difference in the first quarter, when draws are paid
// and annual components are not.
TEST(CompPricing, BookingsShareOfTheYearWouldPutPayInTheWrongQuarter) {
  const PlanExample& e = plan_example();
  const CompTrialPay pay = price(e, 2, 0, kPricingTrials);
  const ResultLayout& layout = e.result.layout;
  const std::size_t P = layout.periods.size(), R = pay.regions;
  const std::size_t year = test::period_index(layout, "FY2027"),
                    q1 = test::period_index(layout, "FY2027-Q1");
  std::uint64_t unequal = 0;
  double mean = 0, m2 = 0;
  for (std::uint64_t t = 0; t < kPricingTrials; ++t) {
    double old_q1 = 0, new_q1 = 0;
    for (std::size_t r = 0; r < R; ++r) {
      auto booked = [&](std::size_t p) {
        return e.result.period_values[t * layout.period_cells() + p * layout.cells() +
                                      layout.cell(static_cast<int>(r), layout.segments - 1,
                                                  static_cast<int>(Metric::new_bookings))];
      };
      const double share = booked(year) > 0 ? booked(q1) / booked(year) : 0.25;
      old_q1 += pay.variable[(t * P + year) * R + r] * share;
      new_q1 += pay.variable[(t * P + q1) * R + r];
    }
    unequal += std::abs(old_q1 - new_q1) > 1e-9 * std::abs(new_q1) ? 1 : 0;
    const double d = old_q1 - new_q1, step = d - mean;
    mean += step / static_cast<double>(t + 1);
    m2 += step * (d - mean);
  }
  EXPECT_GT(unequal, kPricingTrials * 9 / 10);
  const double se = std::sqrt(m2 / (kPricingTrials - 1) / kPricingTrials);
  EXPECT_GT(std::abs(mean), 4 * se) << mean << " +- " << se;
}

}  // namespace
}  // namespace opsim
