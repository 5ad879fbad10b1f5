#include "models/plan/quotas.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <numeric>

#include <tbb/parallel_for.h>

#include "models/radix_sort.hpp"
#include "sim/base/error.hpp"
#include "sim/base/grouped.hpp"

namespace opsim::plan {

namespace {

double quantile_of_sorted(const double* sorted, std::uint64_t n, double level) {
  if (n == 0) return 0.0;
  const double h = (static_cast<double>(n) - 1) * level;
  const auto lo = static_cast<std::uint64_t>(std::floor(h));
  const std::uint64_t hi = std::min(lo + 1, n - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

Distribution describe_sorted(const double* sorted, std::uint64_t n) {
  Distribution d;
  d.mean = n ? std::accumulate(sorted, sorted + n, 0.0) / static_cast<double>(n) : 0.0;
  d.p10 = quantile_of_sorted(sorted, n, 0.10);
  d.p50 = quantile_of_sorted(sorted, n, 0.50);
  d.p90 = quantile_of_sorted(sorted, n, 0.90);
  return d;
}

double share_at_least(const double* sorted, std::uint64_t n, double amount) {
  const double* first = std::lower_bound(sorted, sorted + n, amount);
  return n ? static_cast<double>(sorted + n - first) / static_cast<double>(n) : 0.0;
}

bool has_quota(double q) {
  return !std::isnan(q);
}

}  // namespace

SeatDistributions::SeatDistributions(std::span<const double> seat_values, std::size_t seats,
                                     int fiscal_years, int year_index, std::uint64_t trials)
    : seats_(seats), trials_(trials), sorted_(seats * trials), mean_(seats) {
  // Transpose in blocks of seats so that reads stay contiguous, then sum in trial order (the
  // mean does not depend on the thread count) and sort each seat's row (as std::sort would).
  constexpr std::size_t kBlock = 64;
  tbb::parallel_for(std::size_t{0}, (seats + kBlock - 1) / kBlock, [&](std::size_t b) {
    const std::size_t first = b * kBlock, last = std::min(seats, first + kBlock);
    std::vector<std::uint64_t> scratch;
    for (std::uint64_t t = 0; t < trials; ++t) {
      const double* in = &seat_values[(t * seats + first) * fiscal_years + year_index];
      for (std::size_t s = first; s < last; ++s, in += fiscal_years) sorted_[s * trials + t] = *in;
    }
    for (std::size_t s = first; s < last; ++s) {
      double* row = &sorted_[s * trials];
      double sum = 0;
      for (std::uint64_t t = 0; t < trials; ++t) sum += row[t];
      mean_[s] = trials ? sum / static_cast<double>(trials) : 0.0;
      sort_doubles(row, trials, scratch);
    }
  });
}

double SeatDistributions::quantile(std::size_t seat, double level) const {
  return quantile_of_sorted(&sorted_[seat * trials_], trials_, level);
}

double SeatDistributions::smallest_positive(std::size_t seat) const {
  const double* row = &sorted_[seat * trials_];
  const double* first = std::upper_bound(row, row + trials_, 0.0);
  return first == row + trials_ ? 0.0 : *first;
}

std::uint64_t SeatDistributions::count_at_least(std::size_t seat, double amount) const {
  const double* row = &sorted_[seat * trials_];
  return static_cast<std::uint64_t>(row + trials_ - std::lower_bound(row, row + trials_, amount));
}

double SeatDistributions::probability_at_least(std::size_t seat, double amount) const {
  return share_at_least(&sorted_[seat * trials_], trials_, amount);
}

QuotaMethod parse_quota_method(const std::string& text) {
  if (text == "top-down") return QuotaMethod::top_down;
  if (text == "capacity") return QuotaMethod::capacity;
  if (text == "equal-chance") return QuotaMethod::equal_chance;
  if (text == "import") return QuotaMethod::import;
  throw_input("--method: \"{}\" is not a quota method (top-down, capacity, equal-chance, import)",
              text);
}

std::string to_string(QuotaMethod method) {
  switch (method) {
    case QuotaMethod::top_down:
      return "top-down";
    case QuotaMethod::capacity:
      return "capacity";
    case QuotaMethod::equal_chance:
      return "equal-chance";
    case QuotaMethod::import:
      return "import";
  }
  return "?";
}

namespace {

//! Seats that share the target: positive expected bookings in the year, overlay seats aside
//! (their credit repeats the sellers' bookings; overlay_quotas sets theirs).
std::vector<std::size_t> quota_seats(const Scenario& scenario, const SeatDistributions& bookings) {
  std::vector<std::size_t> seats;
  for (std::size_t s = 0; s < bookings.seats(); ++s) {
    if (bookings.mean(s) > 0 && !scenario.seats[s].overlay) seats.push_back(s);
  }
  return seats;
}

//! An overlay seat's quota: its expected credit times its team's ratio of quota to expected
//! bookings (the team: the sellers of the overlay's covered segments in the seat's region), so
//! that it is as demanding as theirs and no part of the target is taken from them.
void overlay_quotas(const Scenario& scenario, const SeatDistributions& bookings,
                    std::vector<double>& quota) {
  for (const Overlay& overlay : scenario.overlays) {
    for (int seat : overlay.seats) {
      const std::size_t i = static_cast<std::size_t>(seat);
      double team_quota = 0, team_bookings = 0;
      for (std::size_t s = 0; s < scenario.seats.size(); ++s) {
        const Seat& other = scenario.seats[s];
        if (other.overlay || other.region != scenario.seats[i].region ||
            !overlay.segments[static_cast<std::size_t>(other.segment)] || !has_quota(quota[s]))
          continue;
        team_quota += quota[s];
        team_bookings += bookings.mean(s);
      }
      quota[i] = team_bookings > 0 && bookings.mean(i) > 0
                     ? bookings.mean(i) * team_quota / team_bookings
                     : kNoQuota;
    }
  }
}

std::vector<double> top_down(const Scenario& scenario, const SeatDistributions& bookings,
                             const QuotaRequest& request,
                             const std::vector<std::size_t>& eligible) {
  const std::size_t n = scenario.seats.size();
  std::vector<double> potential(n, 0.0), prior(n, 0.0), expected(n, 0.0);
  for (std::size_t s : eligible) {
    // Territory potential is recovered from the productivity factor only through its ratio, so
    // the key uses the factor itself (potential / mean, up to the power beta), times the share
    // of a full ramped year the seat is expected to work (its start month and ramp).
    potential[s] =
        scenario.seats[s].productivity * (request.in_year.empty() ? 1.0 : request.in_year[s]);
    prior[s] = request.prior.empty() || std::isnan(request.prior[s]) ? 0.0 : request.prior[s];
    expected[s] = bookings.mean(s);
  }
  auto normalise = [&](std::vector<double>& v, double weight, const char* what) {
    if (weight == 0) {
      std::fill(v.begin(), v.end(), 0.0);
      return;
    }
    const double sum = std::accumulate(v.begin(), v.end(), 0.0);
    if (!(sum > 0))
      throw_input("quota key {}: no seat has a positive value (give the data or change the blend)",
                  what);
    for (auto& x : v) x *= weight / sum;
  };
  normalise(potential, request.key.potential, "potential");
  normalise(prior, request.key.prior, "prior");
  normalise(expected, request.key.expected, "expected");
  std::vector<double> key(n, 0.0);
  std::vector<std::string> zero;  // every seat whose key is 0, named at once
  for (std::size_t s : eligible) {
    key[s] = potential[s] + prior[s] + expected[s];
    if (!(key[s] > 0)) zero.push_back(scenario.seats[s].id);
  }
  if (!zero.empty()) {
    constexpr std::size_t kNamed = 10;
    const std::size_t named = std::min(zero.size(), kNamed);
    throw_input(
        "{}: {} of {} seats have a top-down key of 0, so their quotas would be 0 (quotas must be "
        "> 0): {}{}; give them prior bookings or blend in the expected bookings ({})",
        scenario.source, zero.size(), eligible.size(),
        fmt::format("{}", fmt::join(zero.begin(), zero.begin() + static_cast<long>(named), ", ")),
        zero.size() > named ? fmt::format(" and {} more", zero.size() - named) : "",
        request.key_origin);
  }
  const int R = scenario.region_count();
  std::vector<double> region_key(R, 0.0);
  for (std::size_t s : eligible) region_key[scenario.seats[s].region] += key[s];
  // Region targets set the regions' shares of the company quota total when every region has
  // one, so the quotas always add up to `target` (the figure printed and written).
  double region_target_sum = 0;
  bool by_region_target = !request.region_targets.empty();
  for (double t : request.region_targets) {
    by_region_target &= t >= 0;
    region_target_sum += std::max(t, 0.0);
  }
  by_region_target &= region_target_sum > 0;
  // A region with a target but no seat to carry it would leave its share of the quota total
  // assigned to no one (review: 1,059,000 of 12,810,000 lost, blamed on rounding).
  for (int r = 0; r < R && by_region_target; ++r) {
    if (!(region_key[r] > 0) && request.region_targets[r] > 0) {
      throw_input(
          "{}: region {} has a new_bookings target of {} in /targets but no seat with a quota "
          "this fiscal year, so its share of the top-down total ({} of {}) would go to no one: "
          "give it seats (roster or hiring_plan), or leave its target out",
          scenario.source, scenario.regions[r].id, format_grouped(request.region_targets[r]),
          format_grouped(request.target * request.region_targets[r] / region_target_sum),
          format_grouped(request.target));
    }
  }
  // A region whose target is 0 would give its seats quotas of 0 (quotas must be > 0).
  for (int r = 0; r < R && by_region_target; ++r) {
    if (region_key[r] > 0 && request.region_targets[r] == 0) {
      throw_input(
          "{}: region {}'s new_bookings target in /targets is 0, so its seats' top-down quotas "
          "would be 0 (quotas must be > 0): give it a target > 0",
          scenario.source, scenario.regions[r].id);
    }
  }
  const double total_key = std::accumulate(region_key.begin(), region_key.end(), 0.0);
  std::vector<double> quota(n, kNoQuota);
  for (std::size_t s : eligible) {
    const int r = scenario.seats[s].region;
    const double region_share = by_region_target ? request.region_targets[r] / region_target_sum
                                                 : region_key[r] / total_key;
    if (!(region_key[r] > 0)) continue;
    quota[s] = request.target * region_share * key[s] / region_key[r];
  }
  return quota;
}

//! Equal chance: q_i(p) = F_i^-1(1 - p) for every seat, the common p found by bisection so that
//! the quotas total `target`. A seat that books nothing more often than 1 - p cannot reach a
//! positive quota with probability p; it is floored: its quota is its expected bookings (which
//! carry its ramp, start month, vacancies and attrition) and it leaves the bisection, which is
//! repeated on the other seats until no further seat is floored (the floored set only grows,
//! so at most one pass per seat; at the end every other seat has P(B_i > 0) >= p and a
//! positive quota).
QuotaSet equal_chance(const SeatDistributions& bookings, double target,
                      const std::vector<std::size_t>& eligible) {
  QuotaSet set;
  set.quota.assign(bookings.seats(), kNoQuota);
  set.floored.assign(bookings.seats(), 0);
  auto quota_at = [&](std::size_t s, double p) { return bookings.quantile(s, 1 - p); };
  auto sum_at = [&](double p, double floored_total) {
    double sum = floored_total;
    for (std::size_t s : eligible) {
      if (!set.floored[s]) sum += quota_at(s, p);
    }
    return sum;
  };
  if (target > sum_at(0.0, 0.0)) {
    throw_infeasible(
        "equal-chance: target x over-assignment {} exceeds the sum of every seat's largest "
        "simulated bookings ({}); no common probability reaches it (lower the target or "
        "over-assignment)",
        format_grouped(target), format_grouped(sum_at(0.0, 0.0)));
  }
  double floored_total = 0, p = 0;
  for (;;) {
    double lo = 0.0, hi = 1.0;
    const double certain = sum_at(1.0, floored_total);
    if (target < certain) {
      // Every seat reaches even its smallest simulated bookings with probability 1: quotas at
      // a common probability cannot total less than that sum.
      throw_infeasible(
          "equal-chance: target x over-assignment {} is below the sum of every seat's smallest "
          "simulated bookings{} ({}), which each seat reaches in every trial; no common "
          "probability gives quotas that total it (raise the target or over-assignment, or use the "
          "capacity or top-down method)",
          format_grouped(target),
          floored_total > 0 ? " (expected bookings for the seats that rarely book)" : "",
          format_grouped(certain));
    }
    if (target == certain) {
      lo = hi = 1.0;
    } else if (target > sum_at(0.0, floored_total)) {
      throw_infeasible(
          "equal-chance: with {} of quota on seats that rarely book (quota = expected "
          "bookings), target x over-assignment {} exceeds what the other seats' largest simulated "
          "bookings reach (lower the target or over-assignment)",
          format_grouped(floored_total), format_grouped(target));
    } else {
      for (int i = 0; i < 200 && hi - lo > 1e-13; ++i) {
        const double mid = 0.5 * (lo + hi);
        (sum_at(mid, floored_total) >= target ? lo : hi) = mid;
      }
    }
    p = lo;
    bool grew = false;
    for (std::size_t s : eligible) {
      const double reach = bookings.probability_at_least(s, bookings.smallest_positive(s));
      if (set.floored[s] || (reach >= p && quota_at(s, p) > 0)) continue;
      set.floored[s] = 1;
      floored_total += bookings.mean(s);
      grew = true;
    }
    if (!grew) break;
  }
  set.common_probability = p;
  for (std::size_t s : eligible) set.quota[s] = set.floored[s] ? bookings.mean(s) : quota_at(s, p);
  return set;
}

}  // namespace

QuotaSet set_quotas(const Scenario& scenario, const SeatDistributions& bookings,
                    const QuotaRequest& request) {
  QuotaSet set;
  const std::vector<std::size_t> eligible = quota_seats(scenario, bookings);
  set.quota.assign(scenario.seats.size(), kNoQuota);
  if (request.method == QuotaMethod::import) {
    for (std::size_t s = 0; s < scenario.seats.size(); ++s) set.quota[s] = request.imported[s];
    set.floored.assign(scenario.seats.size(), 0);
    return set;  // evaluated as given: an imported quota is not rounded
  }
  if (eligible.empty())
    throw_input("no seat has expected bookings in the fiscal year, so none can carry a quota");
  switch (request.method) {
    case QuotaMethod::top_down:
      set.quota = top_down(scenario, bookings, request, eligible);
      break;
    case QuotaMethod::capacity: {
      // The simulated mean already carries ramp (a seat filled in month 7 ramps from month 7),
      // vacancies and attrition; quotas are those means scaled to the target.
      double total = 0;
      for (std::size_t s : eligible) total += bookings.mean(s);
      for (std::size_t s : eligible) set.quota[s] = bookings.mean(s) * request.target / total;
      break;
    }
    case QuotaMethod::equal_chance:
      set = equal_chance(bookings, request.target, eligible);
      break;
    case QuotaMethod::import:
      break;
  }
  overlay_quotas(scenario, bookings, set.quota);
  set.floored.resize(scenario.seats.size(), 0);
  // Without a rounding unit, the quotas opsim sets are rounded to the cent the same way: a quota
  // is an amount of money, and every total written is then the sum of its seats' quotas as
  // written (review: regions.csv said 6,253,266.74 over seats that summed to 6,253,266.73).
  if (request.rounding > 0)
    round_quotas(scenario, set.quota, request.rounding);
  else if (request.method != QuotaMethod::import)
    round_quotas(scenario, set.quota, kMinQuotaRounding);  // a cent
  return set;
}

void round_quotas(const Scenario& scenario, std::vector<double>& quota, double unit) {
  for (std::size_t c = 0; c < kSeatClasses; ++c) {
    std::vector<std::size_t> members;
    for (std::size_t s = 0; s < quota.size(); ++s) {
      if (has_quota(quota[s]) && static_cast<std::size_t>(seat_class(scenario.seats[s])) == c)
        members.push_back(s);
    }
    double total = 0;
    for (std::size_t s : members) total += quota[s];
    // Units are counted in doubles (whole numbers, exact below 2^53; the loader's smallest unit
    // keeps them there), so no count is cast to an integer type it might not fit.
    double left = std::round(total / unit);
    std::vector<double> units(members.size());
    std::vector<double> remainder(members.size());
    for (std::size_t i = 0; i < members.size(); ++i) {
      const double exact = quota[members[i]] / unit;
      units[i] = std::floor(exact);
      // A quota below one unit is raised to one (a seat with a quota never carries 0), and
      // takes no unit from the remainders.
      remainder[i] = units[i] < 1 ? -1.0 : exact - units[i];
      units[i] = std::max(units[i], 1.0);
      left -= units[i];
    }
    std::vector<std::size_t> order(members.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return remainder[a] > remainder[b]; });
    for (std::size_t i = 0; i < order.size() && left > 0; ++i, left -= 1) units[order[i]] += 1;
    for (std::size_t i = 0; i < members.size(); ++i) quota[members[i]] = units[i] * unit;
  }
}

PeriodQuotas phase_quotas(const Scenario& scenario, const FiscalYear& fy,
                          const std::vector<double>& quota, const std::vector<double>& profiles,
                          Phasing phasing, double unit) {
  PeriodQuotas out;
  const int n = fy.months();
  const std::size_t seats = scenario.seats.size();
  out.first = fy.first;
  out.months = n;
  out.unit = unit;
  out.month.assign(seats * static_cast<std::size_t>(n), kNoQuota);
  out.quarter.assign(seats * 4, kNoQuota);
  std::vector<double> share(n), amount(n), remainder(n);
  std::vector<int> order(n);
  for (std::size_t s = 0; s < seats; ++s) {
    if (!has_quota(quota[s])) continue;
    const double* w = &profiles[s * n];
    const int first = std::clamp(scenario.seats[s].start - fy.first, 0, n);
    double total = 0;
    for (int k = 0; k < n; ++k) {
      share[k] = phasing == Phasing::flat ? (k >= first ? 1.0 : 0.0) : w[k];
      total += share[k];
    }
    if (!(total > 0)) {  // a seat starting after the year (an imported quota): all in month 1
      share.assign(n, 0.0);
      share[0] = total = 1.0;
    }
    for (int k = 0; k < n; ++k) amount[k] = quota[s] * share[k] / total;
    // Without a rounding unit the months are split to the cent, so that the months written
    // (to two decimals) add up to the annual quota (review: 12 x 8,333.33 = 99,999.96).
    const double split = unit > 0 ? unit : kMinQuotaRounding;
    // Largest remainders: floor every month to the unit, then give the units left (the rounded
    // annual quota less the floors) to the months with the largest remainders.
    double left = std::round(quota[s] / split);  // whole units, counted in a double
    for (int k = 0; k < n; ++k) {
      const double floor_units = std::floor(amount[k] / split);
      remainder[k] = amount[k] / split - floor_units;
      amount[k] = floor_units * split;
      left -= floor_units;
    }
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return remainder[a] > remainder[b]; });
    for (int i = 0; i < n && left > 0; ++i, left -= 1) amount[order[i]] += split;
    for (int k = 0; k < n; ++k) {
      if (share[k] > 0 && amount[k] == 0) {
        out.coarse.push_back(s);
        break;
      }
    }
    for (int q = 0; q < 4; ++q) out.quarter[s * 4 + q] = 0.0;
    for (int k = 0; k < n; ++k) {
      out.month[s * n + k] = amount[k];
      const int q = scenario.calendar.fiscal_quarter_of(scenario.calendar.absolute(fy.first + k));
      out.quarter[s * 4 + (q - 1)] += amount[k];
    }
  }
  return out;
}

std::vector<double> published_profiles(const PeriodQuotas& periods, std::vector<double> profiles) {
  const auto n = static_cast<std::size_t>(periods.months);
  if (n == 0 || profiles.size() != periods.month.size())
    throw_internal("published_profiles: {} profile cells for {} phased months", profiles.size(),
                   periods.month.size());
  if (!(periods.unit > 0)) return profiles;
  for (std::size_t s = 0; s * n < periods.month.size(); ++s) {
    const double* month = &periods.month[s * n];
    double total = 0;
    for (std::size_t k = 0; k < n; ++k) total += month[k];
    if (!(total > 0)) continue;  // no quota (NaN months) or nothing phased
    for (std::size_t k = 0; k < n; ++k) profiles[s * n + k] = month[k] / total;
  }
  return profiles;
}

void OccupancyCounts::resize(std::size_t seat_count, int month_count) {
  seats = seat_count;
  months = month_count;
  const std::size_t n = seat_count * static_cast<std::size_t>(month_count);
  leaver.assign(n, 0);
  backfill.assign(n, 0);
  vacant.assign(n, 0);
  departures.assign(seat_count, 0);
  trials = 0;
}

void OccupancyCounts::add(const OccupancyCounts& other) {
  if (other.seats == 0) return;
  if (seats == 0) resize(other.seats, other.months);
  for (std::size_t i = 0; i < leaver.size(); ++i) {
    leaver[i] += other.leaver[i];
    backfill[i] += other.backfill[i];
    vacant[i] += other.vacant[i];
  }
  for (std::size_t s = 0; s < seats; ++s) departures[s] += other.departures[s];
  trials += other.trials;
}

double gini(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const double n = static_cast<double>(values.size());
  double weighted = 0, total = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    weighted += static_cast<double>(i + 1) * values[i];
    total += values[i];
  }
  if (!(total > 0)) return 0.0;
  // >= 0 in exact arithmetic; equal values round to about -1e-17, printed "-0.000".
  return std::max(0.0, 2 * weighted / (n * total) - (n + 1) / n);
}

QuotaReport evaluate_quotas(const Scenario& scenario, const FiscalYear& fy,
                            std::span<const double> seat_values, std::uint64_t trials,
                            const SeatDistributions& bookings, const std::vector<double>& quota,
                            const std::vector<double>& profiles, const OccupancyCounts* occupancy) {
  QuotaReport report;
  const std::size_t n = scenario.seats.size();
  const int years = static_cast<int>(seat_values.size() / std::max<std::uint64_t>(1, trials * n));
  const double dt = static_cast<double>(trials);
  report.seats.resize(n);
  tbb::parallel_for(std::size_t{0}, n, [&](std::size_t s) {
    SeatQuota& sq = report.seats[s];
    sq.quota = quota[s];
    sq.bookings = {bookings.mean(s), bookings.quantile(s, 0.1), bookings.quantile(s, 0.5),
                   bookings.quantile(s, 0.9)};
    // A seat's leavers whether or not it carries a quota (review: a covered seat without a
    // quota showed 0 expected leavers, whatever its attrition).
    const bool occupied = occupancy != nullptr && occupancy->trials > 0;
    if (occupied) {
      sq.leavers =
          static_cast<double>(occupancy->departures[s]) / static_cast<double>(occupancy->trials);
    }
    if (!has_quota(sq.quota)) return;
    sq.probability = bookings.probability_at_least(s, sq.quota);
    sq.probability_se = std::sqrt(sq.probability * (1 - sq.probability) / dt);
    sq.expected_attainment = sq.bookings.mean / sq.quota;
    if (occupied) {
      const double ot = static_cast<double>(occupancy->trials);
      for (int k = 0; k < fy.months(); ++k) {
        const std::size_t i = s * fy.months() + k;
        const double q = sq.quota * profiles[i] / ot;
        sq.leaver_quota += q * static_cast<double>(occupancy->leaver[i]);
        sq.backfill_quota += q * static_cast<double>(occupancy->backfill[i]);
        sq.vacant_quota += q * static_cast<double>(occupancy->vacant[i]);
      }
    }
  });
  // Every company-level figure is taken per seat class over the class's quota seats, here and
  // nowhere else (SeatClass).
  std::vector<int> seat_class_of(n);
  for (std::size_t s = 0; s < n; ++s)
    seat_class_of[s] = static_cast<int>(seat_class(scenario.seats[s]));
  for (std::size_t c = 0; c < kSeatClasses; ++c) {
    ClassQuota& figures = report.classes[c];
    std::vector<double> probabilities, attainments;
    for (std::size_t s = 0; s < n; ++s) {
      if (!has_quota(quota[s]) || seat_class_of[s] != static_cast<int>(c)) continue;
      const SeatQuota& sq = report.seats[s];
      probabilities.push_back(sq.probability);
      attainments.push_back(sq.expected_attainment);
      figures.leavers += sq.leavers;
      figures.leaver_quota += sq.leaver_quota;
      figures.backfill_quota += sq.backfill_quota;
      figures.vacant_quota += sq.vacant_quota;
    }
    if (probabilities.empty()) continue;
    const double k = static_cast<double>(probabilities.size());
    const double mean = std::accumulate(probabilities.begin(), probabilities.end(), 0.0) / k;
    figures.expected_share_at_quota = mean;
    double ss = 0;
    for (double p : probabilities) ss += (p - mean) * (p - mean);
    figures.probability_sd = k > 1 ? std::sqrt(ss / (k - 1)) : 0.0;
    figures.probability_min = *std::min_element(probabilities.begin(), probabilities.end());
    figures.probability_max = *std::max_element(probabilities.begin(), probabilities.end());
    figures.gini_expected_attainment = gini(attainments);
  }

  // Groups: territories (in order of first appearance), regions, the sellers' total and the
  // overlays' total; one pass over the per-trial values gives each group's per-trial bookings.
  std::map<std::string, int> territory_index;
  std::vector<int> seat_territory(n, -1);
  for (std::size_t s = 0; s < n; ++s) {
    const std::string& t = scenario.seats[s].territory;
    if (t.empty()) continue;
    auto [it, inserted] = territory_index.emplace(t, static_cast<int>(report.territories.size()));
    if (inserted) {
      GroupQuota group;
      group.id = t;
      report.territories.push_back(group);
    }
    seat_territory[s] = it->second;
  }
  const int T = static_cast<int>(report.territories.size());
  const int R = scenario.region_count();
  report.regions.resize(R + 1);
  for (int r = 0; r < R; ++r) report.regions[r].id = scenario.regions[r].id;
  report.regions[R].id = "total";
  report.classes[static_cast<std::size_t>(SeatClass::overlay)].total.id = "overlays";
  const int overlay_group = T + R + 1;
  const int groups = T + R + 2;
  std::vector<std::vector<int>> seat_groups(n);
  for (std::size_t s = 0; s < n; ++s) {
    if (!has_quota(quota[s])) continue;
    if (seat_class_of[s] == static_cast<int>(SeatClass::overlay)) {
      seat_groups[s].push_back(overlay_group);
      continue;
    }
    if (seat_territory[s] >= 0) seat_groups[s].push_back(seat_territory[s]);
    seat_groups[s].push_back(T + scenario.seats[s].region);
    seat_groups[s].push_back(T + R);
  }
  auto group = [&](int g) -> GroupQuota& {
    if (g == overlay_group)
      return report.classes[static_cast<std::size_t>(SeatClass::overlay)].total;
    return g < T ? report.territories[g] : report.regions[g - T];
  };
  for (std::size_t s = 0; s < n; ++s) {
    for (int g : seat_groups[s]) {
      group(g).seats += 1;
      group(g).quota += quota[s];
    }
  }
  std::vector<double> sums(static_cast<std::size_t>(groups) * trials, 0.0);
  // Per class and trial: the share of the class's quota seats at or above quota.
  std::vector<double> share(kSeatClasses * trials, 0.0);
  const std::vector<double> edges = [] {
    std::vector<double> e;
    for (int i = 0; i <= 30; ++i) e.push_back(0.1 * i);
    return e;
  }();
  report.histogram_edges = edges;
  std::array<int, kSeatClasses> class_seats{};
  for (std::size_t s = 0; s < n; ++s) class_seats[seat_class_of[s]] += has_quota(quota[s]);
  tbb::parallel_for(std::uint64_t{0}, trials, [&](std::uint64_t t) {
    std::array<int, kSeatClasses> at_quota{};
    for (std::size_t s = 0; s < n; ++s) {
      if (!has_quota(quota[s])) continue;
      const double b = seat_values[(t * n + s) * years + fy.index];
      for (int g : seat_groups[s]) sums[static_cast<std::size_t>(g) * trials + t] += b;
      at_quota[seat_class_of[s]] += b >= quota[s];
    }
    for (std::size_t c = 0; c < kSeatClasses; ++c)
      share[c * trials + t] =
          class_seats[c] ? static_cast<double>(at_quota[c]) / class_seats[c] : 0.0;
  });
  // Bin k holds attainment in [0.1 k, 0.1 (k + 1)), the last bin is open: counted on each
  // seat's sorted bookings.
  std::vector<std::uint64_t> counts(kSeatClasses * edges.size(), 0);
  for (std::size_t s = 0; s < n; ++s) {
    if (!has_quota(quota[s])) continue;
    std::uint64_t* row = &counts[static_cast<std::size_t>(seat_class_of[s]) * edges.size()];
    std::uint64_t above = trials;  // trials with attainment >= the current edge
    for (std::size_t k = 0; k < edges.size(); ++k) {
      const std::uint64_t next =
          k + 1 < edges.size() ? bookings.count_at_least(s, edges[k + 1] * quota[s]) : 0;
      row[k] += above - next;
      above = next;
    }
  }
  for (std::size_t c = 0; c < kSeatClasses; ++c) {
    const double seat_trials = std::max(1.0, static_cast<double>(class_seats[c]) * dt);
    for (std::size_t k = 0; k < edges.size(); ++k)
      report.classes[c].histogram.push_back(static_cast<double>(counts[c * edges.size() + k]) /
                                            seat_trials);
    double* row = &share[c * trials];
    std::sort(row, row + trials);
    report.classes[c].share_at_quota = describe_sorted(row, trials);
  }
  tbb::parallel_for(0, groups, [&](int g) {
    double* row = &sums[static_cast<std::size_t>(g) * trials];
    std::sort(row, row + trials);
    GroupQuota& gq = group(g);
    gq.bookings = describe_sorted(row, trials);
    if (gq.seats > 0) {
      gq.probability = share_at_least(row, trials, gq.quota);
      gq.probability_se = std::sqrt(gq.probability * (1 - gq.probability) / dt);
      if (gq.bookings.p50 > 0) gq.coverage = gq.quota / gq.bookings.p50;
    }
  });
  report.classes[static_cast<std::size_t>(SeatClass::seller)].total = report.regions[R];
  return report;
}

}  // namespace opsim::plan

#include "models/outcome.hpp"

namespace opsim::plan {

void count_seat_occupancy(const TrialOutcome& outcome, const FiscalYear& fy, int horizon_months,
                          std::size_t s, OccupancyCounts& counts) {
  const int* row =
      outcome.seat_months.occupant.data() + s * static_cast<std::size_t>(horizon_months);
  const int n = fy.months();
  // A pass over the seats counts them in order, and the few whose occupant changes in the year
  // update counts rarely in cache: those of the seat a few ahead are fetched now (occupant 0 in
  // the year's first and last months holds it all year and counts nothing).
  constexpr std::size_t kAhead = 8;
  if (s + kAhead < counts.seats) {
    const int* ahead = row + kAhead * static_cast<std::size_t>(horizon_months);
    if (ahead[fy.first] != 0 || ahead[fy.last] != 0) {
      const std::size_t at = (s + kAhead) * static_cast<std::size_t>(n);
      for (const std::vector<std::uint64_t>* v :
           {&counts.vacant, &counts.leaver, &counts.backfill}) {
        __builtin_prefetch(v->data() + at, 1);
        __builtin_prefetch(v->data() + at + static_cast<std::size_t>(n) - 1, 1);
      }
    }
  }
  int m = fy.first;
  while (m <= fy.last) {
    const int o = row[m];
    int b = m;
    while (b + 1 <= fy.last && row[b + 1] == o) ++b;
    std::uint64_t* target = nullptr;
    if (o < 0) {
      target = counts.vacant.data();
    } else if (b < fy.last) {
      target = counts.leaver.data();
      ++counts.departures[s];
    } else if (o > 0 && (m > fy.first || (m > 0 && row[m - 1] != o))) {
      target = counts.backfill.data();
    }
    if (target != nullptr) {
      for (int k = m; k <= b; ++k) ++target[s * n + (k - fy.first)];
    }
    m = b + 1;
  }
}

void count_occupancy(const TrialOutcome& outcome, const FiscalYear& fy, int horizon_months,
                     OccupancyCounts& counts) {
  for (std::size_t s = 0; s < counts.seats; ++s)
    count_seat_occupancy(outcome, fy, horizon_months, s, counts);
  ++counts.trials;
}

}  // namespace opsim::plan
