// The stored seat-months that price payouts without a second pass: lossless (every value the
// plans read comes back bit for bit), and payouts from the store equal payouts from the trial.
#include "models/plan/seat_year_store.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "models/calendar.hpp"

namespace opsim::plan {
namespace {

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

//! A 24-month horizon, fiscal year 2028 = months 12..23; seat 0 on a plan with components (new
//! bookings of one product set, logos, retention), SPIF products and a clawback window; seat 1
//! on a plain plan; seat 2 without a plan; seat 3 on the plain plan, backfilled mid-year.
class SeatYearStoreTest : public ::testing::Test {
 protected:
  SeatYearStoreTest() {
    scenario_.calendar = Calendar(*parse_year_month("2027-01"), 24, 1);
    scenario_.seats.resize(4);
    fy_ = {2028, 1, 12, 23};
    CompPlan rich;
    rich.id = "rich";
    rich.ote = 100000;
    rich.tiers = {{0.0, 1.0}, {1.0, 2.0}};
    rich.measurement = Measurement::quarterly;
    rich.spif_per_deal = 500;
    rich.spif_products = {0};
    rich.clawback_months = 6;
    Component bookings;
    bookings.id = "bookings";
    bookings.weight = 0.5;
    bookings.products = 1;
    bookings.quota_share = 0.5;
    Component logos;
    logos.id = "logos";
    logos.measure = Measure::new_logos;
    logos.weight = 0.25;
    logos.quota = 20;
    Component retention;
    retention.id = "retention";
    retention.measure = Measure::retention;
    retention.weight = 0.25;
    retention.gate = 0;
    retention.gate_attainment = 0.5;
    rich.components = {bookings, logos, retention};
    CompPlan plain;
    plain.id = "plain";
    plain.ote = 80000;
    plain.draw = DrawKind::recoverable;
    plain.draw_per_month = 1000;
    plain.draw_months = 3;
    spec_.plans = {rich, plain};
    spec_.seat_plan = {0, 1, -1, 1};
    outcome_.layout.months = 24;
    outcome_.seat_months.reset(4, 24, true, 1, true);
    SeatMonths& d = outcome_.seat_months;
    // Amounts with all their bits, whole counts, fractional (split) and large counts, -0.
    for (std::size_t s = 0; s < 4; ++s) {
      for (int m = 0; m < 24; ++m) {
        const std::size_t i = s * 24 + static_cast<std::size_t>(m);
        d.occupant[i] = s == 3 && m >= 17 ? 1 : (s == 3 && m >= 15 ? -1 : 0);
        if (m % 3 == 1) continue;  // months without a value
        d.bookings[i] = 12345.678901234567 * (m + 1) / 7.0 + static_cast<double>(s);
        d.deals[i] = m == 13 ? 0.5 : (m == 14 ? 300.0 : static_cast<double>(m % 4 + 1));
        d.spif_deals[i] = m % 2 == 0 ? 1.0 : 0.0;
        d.clawback[i] = m == 20 ? 999.99 / 3 : 0.0;
        d.product_bookings[i] = d.bookings[i] / 3.0;
        d.renewal_due[i] = m == 18 ? 50000.0 / 3 : 0.0;
        d.renewal_renewed[i] = m == 18 ? 40000.0 / 3 : 0.0;
      }
    }
    d.bookings[0 * 24 + 16] = -0.0;
    quota_ = {600000, 500000, std::numeric_limits<double>::quiet_NaN(), 400000};
    profiles_.assign(4 * 12, 1.0 / 12);
    component_quota_.assign(4 * kMaxComponents, std::numeric_limits<double>::quiet_NaN());
    component_quota_[0] = 100000;
    component_quota_[1] = 20;
    component_quota_[2] = 0.9;
  }
  //! Decodes trial `trial` of `store` (recorded from outcome_) and expects every total, the SPIF
  //! and the clawback of seats 0, 1 and 3 as seat_year_totals() gives them, bit for bit; `d`
  //! holds seat 3's on return.
  void expect_lossless(const SeatYearStore& store, std::uint64_t trial, SeatYearTotals& d) {
    SeatYearTotals expected;
    auto cursor = store.cursor(trial);
    const SeatMonths& in = outcome_.seat_months;
    for (std::size_t s : {0, 1, 3}) {
      cursor.next(s, d);
      const bool rich = s == 0;
      // The totals of the trial's months as CompEvaluator::observe() reads them; a stream the
      // seat's plan does not read (products and renewals of the plain plan) is +0.
      const std::size_t row = s * 24;
      SeatYearView view = seat_months_view(in, s, 24, rich ? 1 : 0);
      if (!rich) view.renewal_due = view.renewal_renewed = nullptr;
      const CompPlan& plan = spec_.plans[static_cast<std::size_t>(spec_.seat_plan[s])];
      seat_year_totals(plan, fy_, scenario_.calendar, view, rich ? 1 : 0, expected);
      EXPECT_EQ(d.occupant, expected.occupant) << s;
      ASSERT_EQ(d.points, expected.points) << s;
      ASSERT_EQ(d.streams, SeatYearTotals::kFirstProductSet + 1);
      for (std::size_t p = 0; p < d.points.size(); ++p) {
        for (std::size_t k = 0; k < d.streams; ++k) {
          const double want =
              k < expected.streams ? expected.totals[p * expected.streams + k] : 0.0;
          EXPECT_TRUE(same_bits(d.totals[p * d.streams + k], want)) << s << " " << p << " " << k;
        }
      }
      EXPECT_TRUE(same_bits(d.spif, expected.spif)) << s;
      // Per fiscal-year month for a plan that claws back; none for one that does not (as
      // seat_year_totals() gives it).
      ASSERT_EQ(d.clawback.size(), expected.clawback.size()) << s;
      ASSERT_EQ(d.clawback.size(), rich ? static_cast<std::size_t>(fy_.months()) : 0U) << s;
      for (int m = fy_.first; m <= fy_.last && rich; ++m) {
        const double want = in.clawback[row + static_cast<std::size_t>(m)];
        EXPECT_TRUE(same_bits(d.clawback[static_cast<std::size_t>(m - fy_.first)], want));
      }
    }
  }
  std::uint64_t one_trial_bytes() {
    SeatYearStore probe(scenario_, spec_, fy_, 0, 1, std::numeric_limits<std::uint64_t>::max());
    EXPECT_TRUE(probe.record(0, outcome_));
    return probe.bytes();
  }
  Scenario scenario_;
  FiscalYear fy_;
  CompSpec spec_;
  TrialOutcome outcome_;
  std::vector<double> quota_, profiles_, component_quota_;
};

TEST_F(SeatYearStoreTest, EveryTotalThePayoutsReadComesBackBitForBit) {
  SeatYearStore store(scenario_, spec_, fy_, 7, 3, std::numeric_limits<std::uint64_t>::max());
  ASSERT_TRUE(store.record(8, outcome_));
  SeatYearTotals d;
  expect_lossless(store, 8, d);
  const SeatMonths& in = outcome_.seat_months;
  // The backfilled seat 3: the leaver's totals to month 14, the backfill's from month 17.
  EXPECT_EQ(d.points, (std::vector<int>{14, 17, 20, 23}));
  // Negative twin: a value that only rounds the same as a float is not lossless.
  EXPECT_FALSE(same_bits(static_cast<float>(in.bookings[12]), in.bookings[12]));
}

TEST_F(SeatYearStoreTest, PayoutsFromTheStoreEqualPayoutsFromTheTrial) {
  const std::uint64_t trials = 2;
  CompEvaluator simulated(scenario_, spec_, fy_, quota_, profiles_, trials, 0, component_quota_);
  CompEvaluator stored(scenario_, spec_, fy_, quota_, profiles_, trials, 0, component_quota_);
  SeatYearStore store(scenario_, spec_, fy_, 0, trials, std::numeric_limits<std::uint64_t>::max());
  SeatYearTotals scratch;
  for (std::uint64_t t = 0; t < trials; ++t) {
    if (t == 1) outcome_.seat_months.bookings[3 * 24 + 12] *= 3;  // the second trial differs
    simulated.observe(t, outcome_);
    ASSERT_TRUE(store.record(t, outcome_));
  }
  for (std::uint64_t t = 0; t < trials; ++t) stored.observe_stored(t, store, scratch);
  const TrialPayouts& a = simulated.payouts();
  const TrialPayouts& b = stored.payouts();
  EXPECT_EQ(a.seat_variable, b.seat_variable);
  EXPECT_EQ(a.seat_cost, b.seat_cost);
  EXPECT_EQ(a.parts, b.parts);
  EXPECT_EQ(a.component, b.component);
  EXPECT_GT(a.parts[0], 0);      // commission paid
  EXPECT_GT(a.component[2], 0);  // retention paid: the renewal detail was used
  EXPECT_NE(a.seat_variable[3], a.seat_variable[4 + 3]);
  // Negative twin: one value changed in the stored trial changes the payouts.
  SeatYearStore changed(scenario_, spec_, fy_, 0, 1, std::numeric_limits<std::uint64_t>::max());
  outcome_.seat_months.product_bookings[0 * 24 + 12] += 1e-3;
  ASSERT_TRUE(changed.record(0, outcome_));
  CompEvaluator other(scenario_, spec_, fy_, quota_, profiles_, 1, 0, component_quota_);
  other.observe_stored(0, changed, scratch);
  EXPECT_NE(other.payouts().seat_variable[0], b.seat_variable[0]);
}

// The compact encodings: a seat held by its first occupant all year takes one byte for its
// occupant; totals that are floats exactly are kept in four bytes (not whole counts 1..255, and
// not when a stream has 15 points, where mask bit 14 is a point's); all come back bit for bit.
TEST_F(SeatYearStoreTest, CompactEncodingsComeBackBitForBit) {
  SeatMonths& d = outcome_.seat_months;
  // Seat 1 vacant until month 13 (runs are kept); renewals and seat 1's bookings floats exactly,
  // the largest float among them; the clawback at month 23 a float exactly.
  for (int m = 0; m < 24; ++m) {
    const auto i = static_cast<std::size_t>(m);
    d.occupant[24 + i] = m < 13 ? -1 : 0;
    d.renewal_due[i] = m == 18 ? 50000.0 : 0.0;
    d.renewal_renewed[i] = m == 18 ? 40000.5 : 0.0;
    d.bookings[24 + i] =
        m == 20 ? static_cast<double>(std::numeric_limits<float>::max()) : 1024.25 * (m + 1);
  }
  d.clawback[23] = 0.75;
  SeatYearTotals scratch;
  SeatYearStore compact(scenario_, spec_, fy_, 0, 1, std::numeric_limits<std::uint64_t>::max());
  ASSERT_TRUE(compact.record(0, outcome_));
  expect_lossless(compact, 0, scratch);
  // Negative twin: the same values a little off a float take eight bytes each (and come back).
  d.renewal_due[18] = std::nextafter(d.renewal_due[18], 1e300);
  d.renewal_renewed[18] = std::nextafter(d.renewal_renewed[18], 1e300);
  d.bookings[24 + 14] += 0.1;
  SeatYearStore wide(scenario_, spec_, fy_, 0, 1, std::numeric_limits<std::uint64_t>::max());
  ASSERT_TRUE(wide.record(0, outcome_));
  expect_lossless(wide, 0, scratch);
  // Seat 1's bookings totals at months 14, 17 and 20 (23's is 20's, the largest float, not
  // kept again), seat 0's renewals due and renewed (one total each): 4 bytes more each.
  EXPECT_EQ(wide.bytes(), compact.bytes() + 5 * 4);
  // A 15-month year: the clawback's mask has 15 months, the last one's bit 14, so no bit is left
  // for floats (a decoder reading bit 14 as floats would misread month 23's double).
  fy_ = {2028, 1, 9, 23};
  d.clawback[20] = 0.5;
  d.clawback[23] = 0.1;
  SeatYearStore long_year(scenario_, spec_, fy_, 0, 1, std::numeric_limits<std::uint64_t>::max());
  ASSERT_TRUE(long_year.record(0, outcome_));
  expect_lossless(long_year, 0, scratch);
}

TEST_F(SeatYearStoreTest, TrialsPastTheBudgetAreLeftForARePass) {
  const std::uint64_t size = one_trial_bytes();
  ASSERT_GT(size, 0u);
  SeatYearStore store(scenario_, spec_, fy_, 10, 4, 2 * size);
  EXPECT_TRUE(store.record(10, outcome_));
  EXPECT_TRUE(store.record(12, outcome_));
  EXPECT_FALSE(store.record(11, outcome_));
  EXPECT_FALSE(store.record(13, outcome_));
  EXPECT_EQ(store.recorded(), 2u);
  EXPECT_EQ(store.bytes(), 2 * size);
  EXPECT_TRUE(store.has(12));
  EXPECT_FALSE(store.has(11));
  using Ranges = std::vector<std::pair<std::uint64_t, std::uint64_t>>;
  EXPECT_EQ(store.missing(), (Ranges{{11, 12}, {13, 14}}));
  SeatYearStore none(scenario_, spec_, fy_, 0, 3, size - 1);
  EXPECT_FALSE(none.record(1, outcome_));
  EXPECT_EQ(none.missing(), (Ranges{{0, 3}}));
}

// A quota run records SPIF deals and clawback only when some seat's plan reads them (a trial
// then need not zero those arrays), and the plans that do not read them pay the same bit for bit
// without them; the per-seat hook of record() sees every seat once, in order, and changes nothing
// that is stored.
TEST_F(SeatYearStoreTest, ArraysNoPlanReadsAreNotRecordedAndPayTheSame) {
  EXPECT_TRUE(comp_recording(scenario_, spec_).records_spif_deals());
  EXPECT_TRUE(comp_recording(scenario_, spec_).records_clawback());
  spec_.seat_plan = {1, 1, -1, 1};  // the plain plan only: no SPIF products, no clawback window
  const SeatMonthRecording plain = comp_recording(scenario_, spec_);
  EXPECT_FALSE(plain.records_spif_deals());
  EXPECT_FALSE(plain.records_clawback());
  quota_[0] = 450000;
  CompEvaluator with(scenario_, spec_, fy_, quota_, profiles_, 1, 0, component_quota_);
  with.observe(0, outcome_);
  SeatYearStore full(scenario_, spec_, fy_, 0, 1, std::numeric_limits<std::uint64_t>::max());
  ASSERT_TRUE(full.record(0, outcome_));
  TrialOutcome without = outcome_;
  without.seat_months.spif_deals.clear();
  without.seat_months.clawback.clear();
  CompEvaluator priced(scenario_, spec_, fy_, quota_, profiles_, 1, 0, component_quota_);
  priced.observe(0, without);
  EXPECT_EQ(with.payouts().seat_variable, priced.payouts().seat_variable);
  EXPECT_EQ(with.payouts().parts, priced.payouts().parts);
  EXPECT_GT(priced.payouts().parts[0], 0);
  std::vector<std::size_t> seen;
  SeatYearStore hooked(scenario_, spec_, fy_, 0, 1, std::numeric_limits<std::uint64_t>::max());
  ASSERT_TRUE(hooked.record(0, without, [&](std::size_t s) { seen.push_back(s); }));
  EXPECT_EQ(seen, (std::vector<std::size_t>{0, 1, 2, 3}));
  EXPECT_EQ(hooked.bytes(), full.bytes());
  SeatYearTotals a, b;
  auto from_full = full.cursor(0), from_hooked = hooked.cursor(0);
  for (std::size_t s : {0, 1, 3}) {
    from_full.next(s, a);
    from_hooked.next(s, b);
    EXPECT_EQ(a.totals, b.totals) << s;
  }
  // Negative twin: the rich plan reads the SPIF deals, so without them it pays less.
  spec_.seat_plan = {0, 1, -1, 1};
  CompEvaluator rich_with(scenario_, spec_, fy_, quota_, profiles_, 1, 0, component_quota_);
  rich_with.observe(0, outcome_);
  CompEvaluator rich_without(scenario_, spec_, fy_, quota_, profiles_, 1, 0, component_quota_);
  rich_without.observe(0, without);
  EXPECT_NE(rich_with.payouts().parts[2], rich_without.payouts().parts[2]);  // SPIF
}

}  // namespace
}  // namespace opsim::plan
