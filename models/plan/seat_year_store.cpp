#include "models/plan/seat_year_store.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "sim/base/error.hpp"

namespace opsim::plan {

namespace {

constexpr std::uint16_t kWholeBytes = 0x8000;  //!< mask bit 15: values stored as one byte each
//! Mask bit 14, for at most 14 values (bit 14 is no value's then): values stored as 4-byte floats,
//! each a float exactly (the double comes back bit for bit).
constexpr std::uint16_t kFloatBytes = 0x4000;
constexpr std::size_t kMostFloatValues = 14;

template <class T>
void put(std::uint8_t*& at, T value) {
  std::memcpy(at, &value, sizeof(T));
  at += sizeof(T);
}

template <class T>
T take(const std::uint8_t*& at) {
  T value;
  std::memcpy(&value, at, sizeof(T));
  at += sizeof(T);
  return value;
}

//! Bytes encode_values() writes at most for `count` values.
std::size_t max_values_bytes(std::size_t count) {
  return 2 + 8 * count;
}

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

//! Whether `v` is a float exactly (bit for bit once widened back; NaN is kept as a double).
bool exact_float(double v) {
  return std::fabs(v) <= std::numeric_limits<float>::max() &&
         same_bits(static_cast<double>(static_cast<float>(v)), v);
}

//! values[i * stride] for i < count (at most 15): a mask of the values that differ (bit for bit)
//! from their predecessor, +0 for the first and for those where `restart` is set (a running
//! total's first point in its span), and those values: one byte each when all are whole numbers
//! 1..255, else four when all are floats exactly and count <= 14, else eight.
void encode_values(const double* values, std::size_t stride, std::size_t count,
                   const std::uint16_t restart, std::uint8_t*& out) {
  std::uint16_t mask = 0;
  bool whole = true, single = count <= kMostFloatValues;
  double previous = 0.0;
  for (std::size_t i = 0; i < count; ++i) {
    const double v = values[i * stride];
    if (((restart >> i) & 1U) != 0) previous = 0.0;
    if (same_bits(v, previous)) continue;
    previous = v;
    mask |= static_cast<std::uint16_t>(1U << i);
    whole &= v >= 1 && v <= 255 && v == static_cast<double>(static_cast<int>(v));
    single &= exact_float(v);
  }
  if (mask != 0 && whole)
    mask |= kWholeBytes;
  else if (mask != 0 && single)
    mask |= kFloatBytes;
  put(out, mask);
  for (std::size_t i = 0; i < count; ++i) {
    if (((mask >> i) & 1U) == 0) continue;
    const double v = values[i * stride];
    if (whole)
      put(out, static_cast<std::uint8_t>(v));
    else if (single)
      put(out, static_cast<float>(v));
    else
      put(out, v);
  }
}

void decode_values(const std::uint8_t*& at, double* values, std::size_t stride, std::size_t count,
                   const std::uint16_t restart) {
  const auto mask = take<std::uint16_t>(at);
  const bool whole = (mask & kWholeBytes) != 0;
  const bool single = count <= kMostFloatValues && (mask & kFloatBytes) != 0;
  double previous = 0.0;
  for (std::size_t i = 0; i < count; ++i) {
    if (((restart >> i) & 1U) != 0) previous = 0.0;
    if (((mask >> i) & 1U) != 0) {
      if (whole)
        previous = take<std::uint8_t>(at);
      else if (single)
        previous = take<float>(at);
      else
        previous = take<double>(at);
    }
    values[i * stride] = previous;
  }
}

//! Bit p set: point p of `year` is the first of its occupant's span (its running totals restart).
std::uint16_t span_starts(const SeatYearTotals& year) {
  std::uint16_t starts = 0;
  for (std::size_t p = 0; p < year.points.size(); ++p) {
    const int t = year.points[p];
    const bool first = p == 0 || year.occupant[year.points[p - 1]] != year.occupant[t] ||
                       year.occupant[year.points[p - 1] + 1] != year.occupant[t];
    if (first) starts |= static_cast<std::uint16_t>(1U << p);
  }
  return starts;
}

}  // namespace

SeatYearStore::SeatYearStore(const Scenario& scenario, const CompSpec& spec, const FiscalYear& fy,
                             std::uint64_t first_trial, std::uint64_t trials, std::uint64_t budget)
    : spec_(spec),
      calendar_(scenario.calendar),
      fy_(fy),
      months_(scenario.months()),
      sets_(spec.product_sets().size()),
      first_trial_(first_trial),
      budget_(budget),
      fields_(scenario.seats.size(), -1),
      trials_(trials, nullptr),
      kept_(trials, 0) {
  const auto fy_months = static_cast<std::size_t>(fy.months());
  if (fy_months > 15) throw_internal("SeatYearStore: a fiscal year of over 15 months");
  const std::vector<int> held(static_cast<std::size_t>(fy.last + 1), 0);
  measure_points(held.data(), fy, calendar_, full_year_points_);
  const std::size_t streams = SeatYearTotals::kFirstProductSet + sets_;
  max_seat_bytes_ = 3 + 6 * static_cast<std::size_t>(fy.last + 1) +
                    streams * max_values_bytes(fy_months) + 8 + max_values_bytes(fy_months);
  for (std::size_t s = 0; s < scenario.seats.size(); ++s) {
    const int p = spec.seat_plan[s];
    if (p < 0) continue;
    const CompPlan& plan = spec.plans[static_cast<std::size_t>(p)];
    std::int16_t f = 0;
    if (std::find(plan.spif_segments.begin(), plan.spif_segments.end(),
                  scenario.seats[s].segment) != plan.spif_segments.end())
      f |= kSpif | kSpifSegment;
    if (!plan.spif_products.empty()) f |= kSpif;
    if (plan.clawback_months >= 0) f |= kClawback;
    if (!plan.components.empty() && sets_ > 0) f |= kProducts;
    for (const Component& c : plan.components)
      if (c.measure == Measure::retention) f |= kRenewals;
    fields_[s] = f;
  }
}

void SeatYearStore::encode_seat(std::size_t s, const TrialOutcome& outcome, SeatYearTotals& y,
                                std::uint8_t*& out) const {
  const auto f = fields_[s];
  // The seat-month rows of a seat a few ahead, fetched while this one is encoded: written early
  // in the trial, they are rarely still in cache.
  constexpr std::size_t kAhead = 4;
  if (s + kAhead < fields_.size()) {
    const SeatMonths& d = outcome.seat_months;
    const std::size_t row = (s + kAhead) * static_cast<std::size_t>(months_);
    const std::size_t last = row + static_cast<std::size_t>(months_) - 1;
    for (const std::vector<double>* v :
         {&d.bookings, &d.deals, &d.renewal_due, &d.renewal_renewed}) {
      if (v->empty()) continue;
      __builtin_prefetch(v->data() + row);
      __builtin_prefetch(v->data() + last);
    }
    __builtin_prefetch(d.occupant.data() + row);
    __builtin_prefetch(d.occupant.data() + last);
  }
  // The month-by-month view CompEvaluator::observe() prices, summed into the seat's totals; the
  // streams the plan does not read are not kept.
  const std::size_t sets = (f & kProducts) != 0 ? sets_ : 0;
  SeatYearView view = seat_months_view(outcome.seat_months, s, months_, sets);
  view.spif = (f & kSpifSegment) != 0;
  if ((f & kRenewals) == 0) view.renewal_due = view.renewal_renewed = nullptr;
  const CompPlan& plan = spec_.plans[static_cast<std::size_t>(spec_.seat_plan[s])];
  seat_year_totals(plan, fy_, calendar_, view, sets, y);
  // Occupant runs over months 0..fy.last (a payout looks back to the occupant's first month):
  // a byte 0 when the seat's first occupant holds all of them (most seat-years), else a byte 1,
  // the number of runs and the runs.
  const int* occupant = view.occupant;
  std::uint8_t* count_at = out;
  put<std::uint8_t>(out, 1);
  put<std::uint16_t>(out, 0);
  std::uint16_t runs = 0;
  for (int m = 0; m <= fy_.last;) {
    int end = m + 1;
    while (end <= fy_.last && occupant[end] == occupant[m]) ++end;
    put<std::int32_t>(out, occupant[m]);
    put<std::uint16_t>(out, static_cast<std::uint16_t>(end - m));
    ++runs;
    m = end;
  }
  if (runs == 1 && occupant[0] == 0) {
    out = count_at;
    put<std::uint8_t>(out, 0);
  } else {
    std::memcpy(count_at + 1, &runs, sizeof runs);
  }
  const std::size_t points = y.points.size();
  // One occupant through fy.last: only the first point starts a span (Cursor::next reads so).
  const std::uint16_t starts = runs == 1 && occupant[0] >= 0 ? 1 : span_starts(y);
  auto stream = [&](std::size_t k) { encode_values(&y.totals[k], y.streams, points, starts, out); };
  stream(SeatYearTotals::kBookings);
  stream(SeatYearTotals::kDeals);
  if ((f & kProducts) != 0) {
    for (std::size_t k = 0; k < sets_; ++k) stream(SeatYearTotals::kFirstProductSet + k);
  }
  if ((f & kRenewals) != 0) {
    stream(SeatYearTotals::kRenewalDue);
    stream(SeatYearTotals::kRenewalRenewed);
  }
  if ((f & kSpif) != 0) put(out, y.spif);
  if ((f & kClawback) != 0) encode_values(y.clawback.data(), 1, y.clawback.size(), 0x7fff, out);
}

SeatYearStore::Encoder SeatYearStore::begin(const TrialOutcome& outcome) const {
  thread_local std::vector<std::uint8_t> scratch;
  thread_local SeatYearTotals year;
  if (outcome.seat_months.bookings.empty())
    throw_internal("SeatYearStore::record: the run did not record seat-month detail");
  std::size_t bound = 0;
  for (const auto f : fields_) bound += f >= 0 ? max_seat_bytes_ : 0;
  if (scratch.size() < bound) scratch.resize(bound);
  return Encoder{&scratch, &year, scratch.data()};
}

bool SeatYearStore::commit(std::uint64_t trial, const Encoder& encoder) {
  const std::uint8_t* start = encoder.buffer->data();
  const std::uint8_t* end = encoder.out;
  const std::uint64_t size = static_cast<std::uint64_t>(end - start);
  if (used_.fetch_add(size) + size > budget_) {
    used_.fetch_sub(size);
    return false;
  }
  const std::uint64_t i = trial - first_trial_;
  std::uint8_t* at = reserve(size);
  std::copy(start, end, at);
  trials_[i] = at;
  kept_[i] = 1;
  return true;
}

std::uint8_t* SeatYearStore::reserve(std::size_t size) {
  const std::lock_guard<std::mutex> lock(slab_mutex_);
  if (size > slab_left_) {
    const std::size_t bytes = std::max(kSlabBytes, size);
    slabs_.push_back(std::make_unique_for_overwrite<std::uint8_t[]>(bytes));
    slab_at_ = slabs_.back().get();
    slab_left_ = bytes;
  }
  std::uint8_t* at = slab_at_;
  slab_at_ += size;
  slab_left_ -= size;
  return at;
}

std::uint64_t SeatYearStore::recorded() const {
  return static_cast<std::uint64_t>(std::count(kept_.begin(), kept_.end(), 1));
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> SeatYearStore::missing() const {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  for (std::uint64_t i = 0; i < kept_.size(); ++i) {
    if (kept_[i] != 0) continue;
    if (!ranges.empty() && ranges.back().second == first_trial_ + i)
      ++ranges.back().second;
    else
      ranges.emplace_back(first_trial_ + i, first_trial_ + i + 1);
  }
  return ranges;
}

SeatYearStore::Cursor SeatYearStore::cursor(std::uint64_t trial) const {
  const std::uint64_t i = trial - first_trial_;
  if (i >= kept_.size() || kept_[i] == 0)
    throw_internal("SeatYearStore: trial {} was not recorded", trial);
  return Cursor(*this, trials_[i]);
}

void SeatYearStore::Cursor::next(std::size_t seat, SeatYearTotals& y) {
  const SeatYearStore& st = store_;
  const auto f = st.fields_[seat];
  if (f < 0) throw_internal("SeatYearStore: seat {} has no plan and was not recorded", seat);
  y.occupant.resize(static_cast<std::size_t>(st.fy_.last + 1));
  std::uint16_t runs = 1;
  if (take<std::uint8_t>(at_) == 0) {  // the first occupant in every month
    std::fill(y.occupant.begin(), y.occupant.end(), 0);
  } else {
    runs = take<std::uint16_t>(at_);
    int m = 0;
    for (std::uint16_t r = 0; r < runs; ++r) {
      const auto occupant = take<std::int32_t>(at_);
      const auto length = take<std::uint16_t>(at_);
      std::fill_n(y.occupant.begin() + m, length, occupant);
      m += length;
    }
  }
  // One occupant through month fy.last (most seat-years): the points and span starts of a seat
  // held all year, the same in every trial.
  std::uint16_t starts = 1;
  if (runs == 1 && y.occupant[0] >= 0) {
    y.points = st.full_year_points_;
  } else {
    measure_points(y.occupant.data(), st.fy_, st.calendar_, y.points);
    starts = span_starts(y);
  }
  const std::size_t points = y.points.size();
  y.streams = SeatYearTotals::kFirstProductSet + st.sets_;
  y.totals.resize(points * y.streams);
  // A stream the seat's plan does not read was never recorded for it: +0.
  auto stream = [&](bool present, std::size_t k) {
    if (present) {
      decode_values(at_, &y.totals[k], y.streams, points, starts);
      return;
    }
    for (std::size_t p = 0; p < points; ++p) y.totals[p * y.streams + k] = 0.0;
  };
  stream(true, SeatYearTotals::kBookings);
  stream(true, SeatYearTotals::kDeals);
  for (std::size_t k = 0; k < st.sets_; ++k)
    stream((f & kProducts) != 0, SeatYearTotals::kFirstProductSet + k);
  stream((f & kRenewals) != 0, SeatYearTotals::kRenewalDue);
  stream((f & kRenewals) != 0, SeatYearTotals::kRenewalRenewed);
  y.spif = (f & kSpif) != 0 ? take<double>(at_) : 0.0;
  // Read only by plans that claw back, as seat_year_totals() leaves it.
  if ((f & kClawback) != 0) {
    y.clawback.resize(static_cast<std::size_t>(st.fy_.months()));
    decode_values(at_, y.clawback.data(), 1, y.clawback.size(), 0x7fff);
  } else {
    y.clawback.clear();
  }
}

}  // namespace opsim::plan
