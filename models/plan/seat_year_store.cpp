#include "models/plan/seat_year_store.hpp"

#include <algorithm>
#include <cstring>

#include "sim/base/error.hpp"

namespace opsim::plan {

namespace {

constexpr std::uint16_t kWholeBytes = 0x8000;  //!< mask bit 15: values stored as one byte each

bool is_positive_zero(double v) {
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits == 0;
}

template <class T>
void put(std::vector<std::uint8_t>& out, T value) {
  const std::size_t at = out.size();
  out.resize(at + sizeof(T));
  std::memcpy(out.data() + at, &value, sizeof(T));
}

template <class T>
T take(const std::uint8_t*& at) {
  T value;
  std::memcpy(&value, at, sizeof(T));
  at += sizeof(T);
  return value;
}

//! Months first..last of `values` (element k of month m at values[m * stride + k]).
void encode_values(const double* values, std::size_t stride, const FiscalYear& fy,
                   std::vector<std::uint8_t>& out) {
  std::uint16_t mask = 0;
  bool whole = true;
  for (int m = fy.first; m <= fy.last; ++m) {
    const double v = values[static_cast<std::size_t>(m) * stride];
    if (is_positive_zero(v)) continue;
    mask |= static_cast<std::uint16_t>(1U << (m - fy.first));
    whole &= v >= 1 && v <= 255 && v == static_cast<double>(static_cast<int>(v));
  }
  if (mask != 0 && whole) mask |= kWholeBytes;
  put(out, mask);
  for (int m = fy.first; m <= fy.last; ++m) {
    if (((mask >> (m - fy.first)) & 1U) == 0) continue;
    const double v = values[static_cast<std::size_t>(m) * stride];
    if (whole)
      put(out, static_cast<std::uint8_t>(v));
    else
      put(out, v);
  }
}

void decode_values(const std::uint8_t*& at, double* values, std::size_t stride,
                   const FiscalYear& fy) {
  const auto mask = take<std::uint16_t>(at);
  for (int m = fy.first; m <= fy.last; ++m) {
    double& v = values[static_cast<std::size_t>(m) * stride];
    if (((mask >> (m - fy.first)) & 1U) == 0)
      v = 0.0;
    else if ((mask & kWholeBytes) != 0)
      v = take<std::uint8_t>(at);
    else
      v = take<double>(at);
  }
}

}  // namespace

SeatYearStore::SeatYearStore(const Scenario& scenario, const CompSpec& spec, const FiscalYear& fy,
                             std::uint64_t first_trial, std::uint64_t trials, std::uint64_t budget)
    : fy_(fy),
      months_(scenario.months()),
      sets_(spec.product_sets().size()),
      first_trial_(first_trial),
      budget_(budget),
      fields_(scenario.seats.size(), -1),
      trials_(trials),
      kept_(trials, 0) {
  if (fy.last - fy.first + 1 > 15) throw_internal("SeatYearStore: a fiscal year of over 15 months");
  for (std::size_t s = 0; s < scenario.seats.size(); ++s) {
    const int p = spec.seat_plan[s];
    if (p < 0) continue;
    const CompPlan& plan = spec.plans[static_cast<std::size_t>(p)];
    std::int16_t f = 0;
    if (!plan.spif_products.empty()) f |= kSpif;
    if (plan.clawback_months >= 0) f |= kClawback;
    if (!plan.components.empty() && sets_ > 0) f |= kProducts;
    for (const Component& c : plan.components)
      if (c.measure == Measure::retention) f |= kRenewals;
    fields_[s] = f;
  }
}

void SeatYearStore::encode_seat(std::size_t s, const SeatMonths& detail,
                                std::vector<std::uint8_t>& out) const {
  const std::size_t row = s * static_cast<std::size_t>(months_);
  const auto f = fields_[s];
  encode_values(&detail.bookings[row], 1, fy_, out);
  encode_values(&detail.deals[row], 1, fy_, out);
  if ((f & kSpif) != 0) encode_values(&detail.spif_deals[row], 1, fy_, out);
  if ((f & kClawback) != 0) encode_values(&detail.clawback[row], 1, fy_, out);
  if ((f & kProducts) != 0) {
    for (std::size_t k = 0; k < sets_; ++k)
      encode_values(&detail.product_bookings[row * sets_ + k], sets_, fy_, out);
  }
  if ((f & kRenewals) != 0) {
    encode_values(&detail.renewal_due[row], 1, fy_, out);
    encode_values(&detail.renewal_renewed[row], 1, fy_, out);
  }
  // Occupant runs over months 0..fy.last (a payout looks back to the occupant's first month).
  const int* occupant = &detail.occupant[row];
  const std::size_t count_at = out.size();
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
  std::memcpy(out.data() + count_at, &runs, sizeof runs);
}

bool SeatYearStore::record(std::uint64_t trial, const TrialOutcome& outcome) {
  thread_local std::vector<std::uint8_t> scratch;
  scratch.clear();
  const SeatMonths& detail = outcome.seat_months;
  if (detail.bookings.empty())
    throw_internal("SeatYearStore::record: the run did not record seat-month detail");
  for (std::size_t s = 0; s < fields_.size(); ++s) {
    if (fields_[s] >= 0) encode_seat(s, detail, scratch);
  }
  const std::uint64_t size = scratch.size();
  if (used_.fetch_add(size) + size > budget_) {
    used_.fetch_sub(size);
    return false;
  }
  const std::uint64_t i = trial - first_trial_;
  trials_[i].assign(scratch.begin(), scratch.end());
  kept_[i] = 1;
  return true;
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
  return Cursor(*this, trials_[i].data());
}

void SeatYearStore::Cursor::next(std::size_t seat, SeatYearDetail& d) {
  const SeatYearStore& st = store_;
  const auto f = st.fields_[seat];
  if (f < 0) throw_internal("SeatYearStore: seat {} has no plan and was not recorded", seat);
  const auto months = static_cast<std::size_t>(st.months_);
  for (auto* v :
       {&d.bookings, &d.deals, &d.spif_deals, &d.clawback, &d.renewal_due, &d.renewal_renewed}) {
    if (v->size() != months) v->assign(months, 0.0);
  }
  if (d.product_bookings.size() != months * st.sets_)
    d.product_bookings.assign(months * st.sets_, 0.0);
  if (d.occupant.size() != months) d.occupant.assign(months, -1);
  // An array the seat's plan does not read was never recorded for it: +0, as in SeatMonths.
  auto field = [&](bool present, double* values, std::size_t stride) {
    if (present) {
      decode_values(at_, values, stride, st.fy_);
      return;
    }
    for (int m = st.fy_.first; m <= st.fy_.last; ++m)
      values[static_cast<std::size_t>(m) * stride] = 0.0;
  };
  field(true, d.bookings.data(), 1);
  field(true, d.deals.data(), 1);
  field((f & kSpif) != 0, d.spif_deals.data(), 1);
  field((f & kClawback) != 0, d.clawback.data(), 1);
  for (std::size_t k = 0; k < st.sets_; ++k)
    field((f & kProducts) != 0, d.product_bookings.data() + k, st.sets_);
  field((f & kRenewals) != 0, d.renewal_due.data(), 1);
  field((f & kRenewals) != 0, d.renewal_renewed.data(), 1);
  const auto runs = take<std::uint16_t>(at_);
  int m = 0;
  for (std::uint16_t r = 0; r < runs; ++r) {
    const auto occupant = take<std::int32_t>(at_);
    const auto length = take<std::uint16_t>(at_);
    std::fill_n(d.occupant.begin() + m, length, occupant);
    m += length;
  }
}

}  // namespace opsim::plan
