// Hand-worked payouts: tiers (marginal and retroactive), quarterly true-up against annual
// measurement, draws (recoverable and not), clawback, a backfill's inherited quota and the cap.
#include "models/plan/compensation.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstring>
#include <utility>

#include "models/calendar.hpp"

namespace opsim::plan {
namespace {

//! One seat over a 12-month fiscal year (January start); quota 120, flat profile, so the base
//! commission rate is variable / 120 = 0.1 with OTE 24 and a 50% mix.
class SeatYear : public ::testing::Test {
 protected:
  SeatYear() : calendar_(*parse_year_month("2027-01"), 12, 1) {
    fy_.year = 2027;
    fy_.first = 0;
    fy_.last = 11;
    plan_.ote = 24;
    plan_.variable_share = 0.5;
    plan_.tiers = {{0.0, 1.0}, {1.0, 2.0}};
    bookings_.assign(12, 0.0);
    deals_.assign(12, 0.0);
    spif_deals_.assign(12, 0.0);
    clawback_.assign(12, 0.0);
    occupant_.assign(12, 0);
    profile_.assign(12, 1.0 / 12);
  }
  SeatYearView view() {
    return {bookings_.data(), deals_.data(),   spif_deals_.data(), clawback_.data(),
            occupant_.data(), profile_.data(), seat_start_,        spif_};
  }
  Payout pay() { return seat_payout(plan_, 120.0, fy_, calendar_, view()); }
  //! Quarterly, a draw of 5 a month for the first 3 months, 120 booked in month 3 (Q2).
  Payout draw_case(DrawKind kind) {
    plan_.measurement = Measurement::quarterly;
    plan_.draw = kind;
    plan_.draw_per_month = 5;
    plan_.draw_months = 3;
    bookings_[3] = 120;
    return pay();
  }
  //! `measurement`, a draw of 5 a month for the first 3 months, a clawback window and a SPIF of
  //! 2 a deal in a SPIF segment; 60 booked in months 0, 4 and 10, deals in 4 (1) and 10 (2), the
  //! deal of month 4 churned (40 booked: 0.1 x 40 = 4 clawed back). `paid`: by month.
  Payout timing_case(Measurement measurement, MonthlyPay& paid) {
    plan_.measurement = measurement;
    plan_.draw = DrawKind::recoverable;
    plan_.draw_per_month = 5;
    plan_.draw_months = 3;
    plan_.clawback_months = 6;
    plan_.spif_per_deal = 2;
    spif_ = true;
    for (int m : {0, 4, 10}) bookings_[m] = 60;
    deals_[4] = 1;
    deals_[10] = 2;
    clawback_[4] = 40;
    paid.fill(0.0);
    SeatYearView by_month = view();
    by_month.paid = &paid;
    return seat_payout(plan_, 120.0, fy_, calendar_, by_month);
  }
  Calendar calendar_;
  FiscalYear fy_;
  CompPlan plan_;
  std::vector<double> bookings_, deals_, spif_deals_, clawback_, profile_;
  std::vector<int> occupant_;
  bool spif_ = false;
  int seat_start_ = 0;  //!< the seat's first month (a hire's start)
};

TEST_F(SeatYear, MarginalAndRetroactiveTiers) {
  EXPECT_DOUBLE_EQ(plan_.earnings_factor(0.5), 0.5);
  EXPECT_DOUBLE_EQ(plan_.earnings_factor(1.5), 1.0 + 0.5 * 2);
  plan_.mode = TierMode::retroactive;
  EXPECT_DOUBLE_EQ(plan_.earnings_factor(1.5), 1.5 * 2);
  EXPECT_DOUBLE_EQ(plan_.earnings_factor(0.5), 0.5);
}

TEST_F(SeatYear, QuarterlyTrueUpKeepsAnEarlyOverpayment) {
  bookings_[0] = 60;  // a strong first quarter, nothing after
  plan_.measurement = Measurement::annual;
  // Year end: attainment 0.5, 0.1 x 120 x 0.5 = 6.
  EXPECT_DOUBLE_EQ(pay().commission, 6.0);
  plan_.measurement = Measurement::quarterly;
  // Q1: YTD quota 30, attainment 2: 0.1 x 30 x (1 + 2) = 9, paid; later quarters earn less
  // year to date (6), and a true-up never takes money back.
  EXPECT_DOUBLE_EQ(pay().commission, 9.0);
  // Bookings late in the year: each quarter pays the increase.
  bookings_[0] = 0;
  bookings_[11] = 180;  // Q4: attainment 1.5 -> 0.1 x 120 x 2 = 24
  EXPECT_DOUBLE_EQ(pay().commission, 24.0);
}

TEST_F(SeatYear, NonRecoverableDrawIsAFloor) {
  // Q1: no commission, draw 15 paid. Q2: YTD quota 60, attainment 2: 0.1 x 60 x 3 = 18.
  const Payout p = draw_case(DrawKind::non_recoverable);
  EXPECT_DOUBLE_EQ(p.draw, 15.0);
  EXPECT_DOUBLE_EQ(p.commission, 18.0);
  EXPECT_DOUBLE_EQ(p.variable(), 33.0);
}

TEST_F(SeatYear, RecoverableDrawIsRecoveredFromLaterCommission) {
  // Q1: draw 15 advanced. Q2: commission 18, of which 15 recovers the advance: all 18 is
  // commission and nothing is paid beyond it (review: 15 was reported as draw beyond
  // commission and the commission as 3).
  const Payout p = draw_case(DrawKind::recoverable);
  EXPECT_DOUBLE_EQ(p.draw, 0.0);
  EXPECT_DOUBLE_EQ(p.commission, 18.0);
  EXPECT_NEAR(p.variable(), 18.0, 1e-12);
  // Recovered in part: commission 3 at Q2 (YTD quota 60, attainment 0.5: 0.1 x 60 x 0.5)
  // recovers 3 of the 15; later quarters earn nothing more, so 12 stays beyond commission.
  bookings_[3] = 30;
  const Payout partly = pay();
  EXPECT_NEAR(partly.commission, 3.0, 1e-12);
  EXPECT_NEAR(partly.draw, 12.0, 1e-12);
  EXPECT_NEAR(partly.variable(), 15.0, 1e-12);
}

TEST_F(SeatYear, ClawbackAtTheBaseRateAndSpifPerDeal) {
  plan_.clawback_months = 6;
  plan_.spif_per_deal = 2;
  spif_ = true;
  bookings_[0] = 120;
  deals_[0] = 3;
  clawback_[0] = 40;  // one deal of 40 churned within the window
  const Payout p = pay();
  EXPECT_DOUBLE_EQ(p.commission, 12.0);
  EXPECT_DOUBLE_EQ(p.clawback, 4.0);
  EXPECT_DOUBLE_EQ(p.spif, 6.0);
  EXPECT_DOUBLE_EQ(p.variable(), 14.0);
}

// Payout timing (plan.md): commission and draws are paid at the measurement point that settles
// them, a SPIF in the month of its deal, a clawback at the occupant's first settlement from the
// deal's booking month on. Hand-worked on a quarterly plan with a true-up, a recoverable draw, a
// clawback and a SPIF; the payout itself is the same with or without the months.
TEST_F(SeatYear, QuarterlyPayoutsArePlacedInTheMonthTheyArePaid) {
  MonthlyPay paid;
  const Payout p = timing_case(Measurement::quarterly, paid);
  // Q1: the draw advances 5 in months 0..2; at its end (month 2) YTD quota 30, attainment 2:
  // earned 0.1 x 30 x 3 = 9 < draw 15, so nothing more is paid and 6 is owed.
  // Q2 (month 5): earned 0.1 x 60 x 3 = 18, 9 more, of which 6 recover the draw: pays 3, less
  // the clawback of 4 on the month-4 deal. Q3 (month 8): YTD earned 0.1 x 90 x 5/3 = 15 < 18:
  // nothing. Q4 (month 11): attainment 1.5, earned 24: the true-up pays 6. SPIFs: 2 in month 4,
  // 4 in month 10.
  const MonthlyPay expected{5, 5, 5, 0, 2, 3 - 4, 0, 0, 0, 0, 4, 6};
  for (std::size_t k = 0; k < 12; ++k) EXPECT_NEAR(paid[k], expected[k], 1e-12) << "month " << k;
  EXPECT_NEAR(p.variable(), 26.0, 1e-12);
  const Payout without = pay();
  EXPECT_EQ(p.commission, without.commission);
  EXPECT_EQ(p.draw, without.draw);
  EXPECT_EQ(p.spif, without.spif);
  EXPECT_EQ(p.clawback, without.clawback);
  // Negative twin: the year's pay shared by the quarters' bookings (60, 60, 0, 60) puts 26/3 in
  // Q1, not the 15 paid there.
  EXPECT_GT(std::abs(26.0 * 60 / 180 - (paid[0] + paid[1] + paid[2])), 1.0);
}

// Annual measurement pays at the occupant's last month in the year: a leaver at departure (month
// 6), less the draw advanced in their first three months. A clawback on a deal booked while the
// seat was vacant is recovered at the year's end.
TEST_F(SeatYear, AnnualPayoutsArePaidAtDepartureOrYearEnd) {
  for (int m = 7; m < 12; ++m) occupant_[m] = -1;  // month 10's bookings earn no commission
  clawback_[8] = 10;                               // at the full-year rate 0.1: 1
  MonthlyPay paid;
  const Payout p = timing_case(Measurement::annual, paid);
  // The leaver: quota 70, on-target 7, rate 0.1; attainment 120 / 70: 0.1 x (70 + 2 x 50) = 17,
  // above the draw of 15 advanced in months 0..2: 17 - 15 paid in month 6, less the clawback of 4.
  const MonthlyPay expected{5, 5, 5, 0, 2, 0, 17 - 15 - 4, 0, 0, 0, 4, -1};
  for (std::size_t k = 0; k < 12; ++k) EXPECT_NEAR(paid[k], expected[k], 1e-12) << "month " << k;
  EXPECT_NEAR(p.variable(), 18.0, 1e-12);
  EXPECT_GT(std::abs(paid[11] - 17), 1.0);  // negative twin: not paid at the year's end
}

TEST_F(SeatYear, ProductSpifCountsOnlyThatProductsDeals) {
  plan_.spif_per_deal = 2;
  deals_[0] = 5;       // all won deals
  spif_deals_[0] = 2;  // of which deals of the SPIF product
  EXPECT_DOUBLE_EQ(pay().spif, 4.0);
  spif_ = true;  // a SPIF segment pays on every deal, product deals are not counted twice
  EXPECT_DOUBLE_EQ(pay().spif, 10.0);
}

TEST_F(SeatYear, BackfillInheritsTheRemainingProratedQuota) {
  for (int m = 6; m < 8; ++m) occupant_[m] = -1;
  for (int m = 8; m < 12; ++m) occupant_[m] = 1;
  bookings_[2] = 60;  // leaver: quota 60 for months 0..5, attainment 1 -> 6
  bookings_[9] = 20;  // backfill: quota 40 for months 8..11, attainment 0.5 -> 2
  plan_.measurement = Measurement::annual;
  const Payout p = pay();
  EXPECT_DOUBLE_EQ(p.commission, 8.0);
  EXPECT_DOUBLE_EQ(p.base, 12.0 / 12 * 10);  // base 12 a year, 10 months occupied
}

TEST_F(SeatYear, CapLimitsVariablePay) {
  plan_.cap = 1.5;
  bookings_[0] = 300;  // attainment 2.5: 0.1 x 120 x (1 + 1.5 x 2) = 48, capped at 1.5 x 12
  plan_.measurement = Measurement::annual;
  EXPECT_DOUBLE_EQ(pay().commission, 18.0);
}

// Defect: a seat filled in April was paid 9/12 of its base but its full annual target incentive
// at 100%; one rule now pro-rates both by months in seat.
TEST_F(SeatYear, PartYearHireEarnsTargetIncentiveProratedByMonthsInSeat) {
  for (int m = 0; m < 3; ++m) {
    occupant_[m] = -1;
    profile_[m] = 0;
  }
  for (int m = 3; m < 12; ++m) profile_[m] = 1.0 / 9;  // the hire's profile starts in April
  bookings_[5] = 60;
  bookings_[10] = 60;  // 100% of the quota of 120
  plan_.measurement = Measurement::annual;
  const Payout p = pay();
  const double expected = plan_.variable() * 9 / 12;  // 9, not the full 12
  EXPECT_NEAR(p.commission, expected, 1e-12);
  EXPECT_GT(std::abs(1.05 * p.commission - expected), 1e-12);  // negative twin
  EXPECT_NEAR(p.base, plan_.base() * 9 / 12, 1e-12);
  // Quarterly measurement trues up to the same on-target pay.
  plan_.measurement = Measurement::quarterly;
  EXPECT_NEAR(pay().commission, expected, 1e-12);
  // quota_share divides the seat's on-target pay among its occupants by quota share (here the
  // hire holds all of it); the seat's own is still pro-rated by its months in the year (review:
  // a hire starting in May was paid against the full V while its OTE said 8/12).
  seat_start_ = 3;
  plan_.proration = Proration::quota_share;
  EXPECT_NEAR(pay().commission, expected, 1e-12);
  EXPECT_GT(std::abs(pay().commission - plan_.variable()), 1.0);  // negative twin: not all of V
  // A backfill in a seat of the whole year carries its share of the seat's quota and V.
  seat_start_ = 0;
  for (int m = 0; m < 3; ++m) occupant_[m] = 0;
  for (int m = 3; m < 12; ++m) occupant_[m] = 1;
  for (int m = 0; m < 12; ++m) profile_[m] = 1.0 / 12;
  bookings_[5] = 90;
  bookings_[10] = 0;  // the backfill: 90 on its quota of 90 (9/12 of 120)
  plan_.measurement = Measurement::annual;
  EXPECT_NEAR(pay().commission, plan_.variable() * 9 / 12, 1e-12);
}

TEST_F(SeatYear, BackfillOnAFrontLoadedProfileEarnsByMonthsInSeat) {
  // A ramped profile puts 2/3 of the quota in the second half; each occupant's on-target pay
  // still follows their months (6 of 12), as base pay does.
  for (int m = 0; m < 6; ++m) profile_[m] = 1.0 / 18;
  for (int m = 6; m < 12; ++m) profile_[m] = 2.0 / 18;
  for (int m = 6; m < 12; ++m) occupant_[m] = 1;
  bookings_[2] = 40;  // leaver: quota 40, attainment 1
  bookings_[9] = 80;  // backfill: quota 80, attainment 1
  plan_.measurement = Measurement::annual;
  const Payout p = pay();
  EXPECT_NEAR(p.commission, 6.0 + 6.0, 1e-12);
  EXPECT_GT(std::abs(1.05 * p.commission - 12.0), 1e-12);
  EXPECT_NEAR(p.base, plan_.base(), 1e-12);
  plan_.cap = 1.0;  // the cap is a multiple of each occupant's own on-target pay
  bookings_[9] = 160;
  EXPECT_NEAR(pay().commission, 12.0, 1e-12);
}

// Payouts are priced from each occupant's running totals at the measure points; they equal the
// month-by-month reading only if every total is the sum of the months from the occupant's first
// month, added in month order.
TEST_F(SeatYear, RunningTotalsAreTheMonthByMonthSumsAtTheMeasurePoints) {
  occupant_[5] = -1;  // occupant 0 in months 0..4, vacant in 5, the backfill in 6..11
  for (int m = 6; m < 12; ++m) occupant_[m] = 1;
  for (int k = 0; k < 12; ++k) bookings_[k] = 1.2345678 * (k + 1) * 3 / 7.0;
  deals_[1] = 2;
  deals_[7] = 1;
  SeatYearTotals year;
  seat_year_totals(plan_, fy_, calendar_, view(), 0, year);
  // Quarter ends 2, 8 and 11 and the leaver's last month 4 (month 5, a quarter end, is vacant).
  EXPECT_EQ(year.points, (std::vector<int>{2, 4, 8, 11}));
  ASSERT_EQ(year.streams, SeatYearTotals::kFirstProductSet);
  auto same_bits = [](double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; };
  for (std::size_t p = 0; p < year.points.size(); ++p) {
    const int t = year.points[p];
    double bookings = 0, deals = 0;
    for (int m = t <= 4 ? 0 : 6; m <= t; ++m) {
      bookings += bookings_[m];
      deals += deals_[m];
    }
    EXPECT_TRUE(same_bits(year.totals[p * year.streams + SeatYearTotals::kBookings], bookings))
        << "point " << t;
    EXPECT_EQ(year.totals[p * year.streams + SeatYearTotals::kDeals], deals);
  }
  // Negative twin: the total at month 4 as the quarter's total plus the following months' sum
  // (an order a per-period reading might use) differs in the last bit.
  const double quarter = bookings_[0] + bookings_[1] + bookings_[2];
  EXPECT_FALSE(same_bits(quarter + (bookings_[3] + bookings_[4]), year.totals[1 * year.streams]));
  // Pricing from these totals is what seat_payout() of the months does, bit for bit.
  plan_.measurement = Measurement::quarterly;
  plan_.draw = DrawKind::recoverable;
  plan_.draw_per_month = 5;
  plan_.draw_months = 4;
  plan_.cap = 2;
  const Payout months = pay();
  seat_year_totals(plan_, fy_, calendar_, view(), 0, year);
  const Payout totals = seat_payout(plan_, 120.0, fy_, view(), year);
  EXPECT_EQ(months.commission, totals.commission);
  EXPECT_EQ(months.draw, totals.draw);
  EXPECT_GT(months.commission, 0);
  year.totals[1 * year.streams] *= 1.05;  // negative twin: the leaver's total 5% higher
  EXPECT_NE(seat_payout(plan_, 120.0, fy_, view(), year).commission, totals.commission);
}

//! A plan with components on the same seat year: product bookings, renewals and component
//! quotas per component.
class ComponentYear : public SeatYear {
 protected:
  ComponentYear() {
    product_.assign(12, 0.0);
    due_.assign(12, 0.0);
    renewed_.assign(12, 0.0);
    plan_.tiers = {{0.0, 1.0}};
  }
  Payout pay_components(const std::vector<double>& quotas) {
    SeatYearView view = this->view();
    view.component_quota = quotas.data();
    view.component_set = sets_.data();
    view.product_bookings = product_.data();
    view.product_sets = 1;
    view.renewal_due = due_.data();
    view.renewal_renewed = renewed_.data();
    return seat_payout(plan_, 120.0, fy_, calendar_, view);
  }
  static Component part(const std::string& id, Measure measure, double weight) {
    Component c;
    c.id = id;
    c.measure = measure;
    c.weight = weight;
    return c;
  }
  std::vector<double> product_, due_, renewed_;
  std::array<int, kMaxComponents> sets_{-1, 0, -1, -1, -1, -1, -1, -1};
};

// A plan without components is one new-bookings component of weight 1: the same payout bit for
// bit, tiers, quarterly true-up, draw and clawback included.
TEST_F(ComponentYear, OneBookingsComponentOfWeightOneIsThePlanWithoutComponents) {
  plan_.tiers = {{0.0, 0.5}, {0.7, 1.0}, {1.0, 2.0}};
  plan_.cap = 2.5;
  plan_.measurement = Measurement::quarterly;
  plan_.draw = DrawKind::recoverable;
  plan_.draw_per_month = 1.3;
  plan_.draw_months = 4;
  plan_.clawback_months = 6;
  bookings_ = {7, 0, 31, 12.5, 0, 44, 3, 0, 19, 27, 0, 61};
  clawback_[2] = 10;
  for (int k = 6; k < 12; ++k) occupant_[k] = 1;  // a backfill from July after a vacant June
  occupant_[5] = -1;
  const Payout before = pay();
  Component all = part("all", Measure::new_bookings, 1.0);
  all.tiers = plan_.tiers;
  all.cap = plan_.cap;
  all.measurement = plan_.measurement;
  plan_.components = {all};
  sets_[0] = -1;
  const Payout after = pay_components({120.0});
  EXPECT_EQ(after.commission, before.commission);
  EXPECT_EQ(after.draw, before.draw);
  EXPECT_EQ(after.clawback, before.clawback);
  EXPECT_EQ(after.base, before.base);
  EXPECT_GT(before.commission, 0);
  EXPECT_GT(before.clawback, 0);
}

// Bookings 0.5 on 120 of all products, products 0.3 on a quota of 30, retention 0.2 at target
// 0.8: with 120 booked, 15 of the product and 80 of 100 renewed, the attainments are 1, 0.5
// and 1, so the payouts are 0.5 V, 0.3 V x 0.5 and 0.2 V (V = 12).
TEST_F(ComponentYear, EachComponentPaysItsWeightOnItsOwnAttainment) {
  plan_.components = {part("all", Measure::new_bookings, 0.5),
                      part("strategic", Measure::new_bookings, 0.3),
                      part("keep", Measure::retention, 0.2)};
  bookings_[4] = 120;
  product_[4] = 15;
  due_[5] = 100;
  renewed_[5] = 80;
  const Payout p = pay_components({120.0, 30.0, 0.8});
  EXPECT_DOUBLE_EQ(p.component[0], 0.5 * 12);
  EXPECT_DOUBLE_EQ(p.component[1], 0.3 * 12 * 0.5);
  EXPECT_DOUBLE_EQ(p.component[2], 0.2 * 12);
  EXPECT_DOUBLE_EQ(p.commission, 0.5 * 12 + 0.3 * 12 * 0.5 + 0.2 * 12);
}

// New logos against a count quota; a gate on bookings at 0.8: 90 booked of 120 (0.75) keeps the
// logos component at 0, 100 booked (0.83) pays it; quarterly, retention pays on the ARR due to
// date and a seat with nothing due earns nothing on it.
TEST_F(ComponentYear, GateLogosAndRetentionTiming) {
  Component logos = part("logos", Measure::new_logos, 0.4);
  logos.gate = 0;
  logos.gate_attainment = 0.8;
  plan_.components = {part("all", Measure::new_bookings, 0.6), logos};
  sets_[1] = -1;
  bookings_[2] = 90;
  deals_[2] = 6;  // logos quota 6: attainment 1
  EXPECT_DOUBLE_EQ(pay_components({120.0, 6.0}).component[1], 0.0);
  bookings_[2] = 100;
  EXPECT_DOUBLE_EQ(pay_components({120.0, 6.0}).component[1], 0.4 * 12);

  Component keep = part("keep", Measure::retention, 1.0);
  keep.measurement = Measurement::quarterly;
  keep.tiers = {{0.0, 1.0}, {1.0, 2.0}};
  plan_.components = {keep};
  due_[1] = 50;  // Q1: renewed 50 of 50 due: attainment 1 / 0.5 = 2 on half the year's ARR
  renewed_[1] = 50;
  due_[7] = 50;  // Q3: nothing of 50 renewed: YTD 50 of 100, attainment 1, earned V
  const Payout p = pay_components({0.5});
  // Q1 earned V x 50/100 x G(2) = 6 x 3 = 18 > V, kept (a true-up never takes money back).
  EXPECT_DOUBLE_EQ(p.component[0], 12 * 0.5 * 3);
  due_.assign(12, 0.0);
  renewed_.assign(12, 0.0);
  EXPECT_DOUBLE_EQ(pay_components({0.5}).component[0], 0.0);
}

// A seat's terms computed once (SeatTerms, as CompEvaluator does per seat) price every seat-year
// as computing them per payout does, bit for bit: an occupant holding the whole year (the terms
// apply) and a leaver and a backfill (they do not), with tiers, a cap, a recoverable draw, a
// clawback, a gate and retention due in steps.
TEST_F(ComponentYear, TermsComputedOncePerSeatPriceAsPerSeatTrial) {
  Component bookings = part("all", Measure::new_bookings, 0.5);
  bookings.measurement = Measurement::quarterly;
  bookings.tiers = {{0.0, 1.0}, {1.0, 2.0}};
  bookings.cap = 2.5;
  Component logos = part("logos", Measure::new_logos, 0.3);
  logos.measurement = Measurement::quarterly;
  logos.gate = 0;
  logos.gate_attainment = 1.3;  // bookings attain 1.27, 1.58, 1.298 and 1.71 by quarter
  Component keep = part("keep", Measure::retention, 0.2);
  keep.measurement = Measurement::quarterly;
  plan_.components = {bookings, logos, keep};
  plan_.draw = DrawKind::recoverable;
  plan_.draw_per_month = 1.3;
  plan_.draw_months = 4;
  plan_.clawback_months = 6;
  sets_[1] = -1;
  bookings_ = {7, 0, 31, 12.5, 0, 44, 3, 0, 19.3, 27, 0, 61.7};
  deals_ = {1, 0, 2, 1, 0, 3, 1, 0, 1, 2, 0, 4};
  clawback_[2] = 10;
  due_[1] = 50;
  renewed_[1] = 45;
  due_[7] = 30;
  renewed_[7] = 29;
  const std::vector<double> quotas{120.0, 9.0, 0.9};
  auto price = [&](const SeatTerms* terms) {
    SeatYearView view = this->view();
    view.component_quota = quotas.data();
    view.component_set = sets_.data();
    view.renewal_due = due_.data();
    view.renewal_renewed = renewed_.data();
    const SeatTerms once = seat_terms(plan_, 120.0, fy_, view);
    view.terms = terms == nullptr ? &once : terms;
    const Payout with = seat_payout(plan_, 120.0, fy_, calendar_, view);
    view.terms = nullptr;
    const Payout without = seat_payout(plan_, 120.0, fy_, calendar_, view);
    return std::make_pair(with, without);
  };
  auto same_bits = [](double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; };
  for (const bool turnover : {false, true}) {
    if (turnover) {  // a leaver in months 0..4, vacant in 5, the backfill in 6..11
      occupant_[5] = -1;
      for (int k = 6; k < 12; ++k) occupant_[k] = 1;
    }
    const auto [with, without] = price(nullptr);
    EXPECT_TRUE(same_bits(with.commission, without.commission)) << turnover;
    EXPECT_TRUE(same_bits(with.draw, without.draw)) << turnover;
    EXPECT_TRUE(same_bits(with.clawback, without.clawback)) << turnover;
    EXPECT_TRUE(same_bits(with.base, without.base)) << turnover;
    for (std::size_t c = 0; c < 3; ++c)
      EXPECT_TRUE(same_bits(with.component[c], without.component[c])) << turnover << c;
    EXPECT_GT(without.component[0], 0) << turnover;
    EXPECT_GT(without.component[1], 0) << turnover;
    EXPECT_GT(without.component[2], 0) << turnover;
    EXPECT_GT(without.clawback, 0) << turnover;
  }
  // Negative twin: the full-year seat's terms are read: those of a quota 5% higher pay less.
  occupant_.assign(12, 0);
  SeatYearView other = view();
  const std::vector<double> higher{126.0, 9.0, 0.9};
  other.component_quota = higher.data();
  other.component_set = sets_.data();
  const SeatTerms wrong = seat_terms(plan_, 126.0, fy_, other);
  const auto [with, without] = price(&wrong);
  EXPECT_LT(with.component[0], without.component[0]);
}

}  // namespace
}  // namespace opsim::plan
