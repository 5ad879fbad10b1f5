#include "models/input_summary.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <tuple>

#include <fmt/format.h>

#include "models/pipeline.hpp"

namespace opsim {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
//! Regions whose mean deal sizes differ more than this (at plan rates) are warned about.
constexpr double kDealSizeSpread = 10.0;

std::string quarter_label(const Calendar& cal, int absolute_month) {
  return fmt::format("FY{} Q{}", cal.fiscal_year_of(absolute_month),
                     cal.fiscal_quarter_of(absolute_month));
}

//! Expected won amount per opportunity (region currency) and the share of those wins whose
//! opportunity was opened before the horizon start, for one cell in horizon month m.
struct CellExpectation {
  double wins_per_opportunity = 0;
  double won_per_opportunity = 0;
  double won_before_start = 0;
};

//! `rep`: rep-generated opportunities, to which the quarter-end multiplier applies.
CellExpectation cell_expectation(const Scenario& scenario, int region, int segment, int m,
                                 bool rep) {
  const SegmentParams& base = scenario.params_at(region, segment, m);
  const bool quarter_end = rep && scenario.calendar.is_fiscal_quarter_end(m);
  CellExpectation e;
  auto add = [&](double share, const SegmentParams& p) {
    const double win =
        std::min(1.0, p.win_rate * (quarter_end ? p.quarter_end_win_multiplier : 1.0));
    const double deal =
        p.deal_size_sample.empty()
            ? p.deal_size.mean
            : std::accumulate(p.deal_size_sample.begin(), p.deal_size_sample.end(), 0.0) /
                  static_cast<double>(p.deal_size_sample.size());
    // An opportunity resolving in m with a cycle longer than m was opened before the start.
    double within = 0;
    for (int k = 0; k <= m && k < static_cast<int>(p.cycle_pmf.size()); ++k) {
      within += p.cycle_pmf[static_cast<std::size_t>(k)];
    }
    const double won = share * win * deal;
    e.wins_per_opportunity += share * win;
    e.won_per_opportunity += won;
    e.won_before_start += won * std::max(0.0, 1.0 - within);
  };
  bool has_products = false;
  for (const Product& product : scenario.products) {
    if (product.segment != segment) continue;
    has_products = true;
    add(product.share, product.apply(base, region));
  }
  if (!has_products) add(1.0, base);
  return e;
}

//! Opportunities a rep-month at full capacity resolves in region x segment x month m.
double rep_intensity(const Scenario& scenario, int region, int segment, int m) {
  const SegmentParams& p = scenario.params_at(region, segment, m);
  const double season =
      scenario.regions[region].seasonality[scenario.calendar.calendar_month(m) - 1];
  return p.opportunity_rate * season * std::pow(1.0 + p.productivity_growth, m / 12.0);
}

//! Expected capacity (ramp x survival) of a seat's first occupant in horizon month m.
std::vector<double> expected_capacity(const Scenario& scenario, const Seat& seat, int months) {
  std::vector<double> capacity(static_cast<std::size_t>(months), 0.0);
  double survival = 1.0;
  for (int m = 0; m < months; ++m) {
    if (m < seat.start) continue;
    const SegmentParams& p = scenario.params_at(seat.region, seat.segment, m);
    if (seat.start < m) survival *= 1.0 - p.monthly_attrition_hazard(m - seat.start);
    const double ramp =
        p.ramp_curve < 0 ? 1.0 : scenario.ramp_curves[p.ramp_curve].at(m - seat.start);
    capacity[static_cast<std::size_t>(m)] = ramp * survival;
  }
  return capacity;
}

void summarise_seats(const Scenario& scenario, InputSummary& out) {
  std::map<std::tuple<int, int, std::string>, InputSummary::Seats> cells;
  std::map<int, InputSummary::Hires> hires;
  for (const Seat& seat : scenario.seats) {
    auto& row = cells[{seat.region, seat.segment, seat.role}];
    row.region = scenario.regions[seat.region].id;
    row.segment = scenario.segments[seat.segment].id;
    row.role = seat.role;
    row.seats += 1;
    row.planned_hires += seat.planned_hire ? 1 : 0;
    if (seat.start >= 0 && seat.start < scenario.months()) {
      auto& h = hires[seat.start];
      h.month = format_year_month(scenario.calendar.absolute(seat.start));
      h.starts += 1;
      h.planned_hires += seat.planned_hire ? 1 : 0;
    }
  }
  for (auto& [key, row] : cells) out.seats.push_back(row);
  for (auto& [month, row] : hires) out.hires.push_back(row);
}

void summarise_pipeline(const Scenario& scenario, InputSummary& out) {
  const PipelineSpec& pipeline = scenario.pipeline;
  const Calendar& cal = scenario.calendar;
  std::map<std::tuple<int, int, int>, InputSummary::PipelineCell> cells;
  for (const PipelineDeal& deal : pipeline.deals) {
    const int close = std::max(deal.expected_close, 0);  // overdue deals close from month 0
    const int close_month = cal.absolute(close);
    const double amount = deal.amount * scenario.fx.currencies[deal.currency].plan_rate;
    const double win =
        pipeline_win_probability(pipeline, pipeline.stages[deal.stage].win_probability, 0,
                                 std::max(-deal.expected_close, 0));
    // Cells sort by stage, region, then the fiscal quarter of the close.
    const int quarter_key =
        cal.fiscal_year_of(close_month) * 4 + cal.fiscal_quarter_of(close_month);
    auto& cell = cells[{deal.stage, deal.region, quarter_key}];
    cell.stage = pipeline.stages[deal.stage].id;
    cell.region = scenario.regions[deal.region].id;
    cell.quarter = quarter_label(cal, close_month);
    cell.deals += 1;
    cell.amount += amount;
    cell.weighted += amount * pipeline.amount_factor.mean * win;
    if (close < out.coverage_months) {
      auto& c = out.coverage[static_cast<std::size_t>(close)];
      c.pipeline += amount;
      c.pipeline_weighted += amount * pipeline.amount_factor.mean * win;
    }
  }
  for (auto& [key, cell] : cells) out.pipeline.push_back(cell);
}

void summarise_contracts(const Scenario& scenario, InputSummary& out) {
  const int regions = scenario.region_count();
  out.arr.resize(static_cast<std::size_t>(regions));
  for (int r = 0; r < regions; ++r)
    out.arr[static_cast<std::size_t>(r)].region = scenario.regions[r].id;
  std::map<std::pair<int, int>, InputSummary::Renewals> renewals;
  for (const Contract& c : scenario.contracts) {
    const double arr = c.arr * scenario.fx.currencies[c.currency].plan_rate;
    auto& row = out.arr[static_cast<std::size_t>(c.region)];
    row.contracts += 1;
    row.arr += arr;
    for (int m = c.renewal_month; m < scenario.months(); m += c.term_months) {
      auto& renewal = renewals[{c.region, m}];
      renewal.region = scenario.regions[c.region].id;
      renewal.month = format_year_month(scenario.calendar.absolute(m));
      renewal.contracts += 1;
      renewal.arr += arr;
    }
  }
  for (auto& [key, row] : renewals) out.renewals.push_back(row);
}

//! The flow model's expectation in the coverage months, and each region's mean deal size
//! weighted by its expected wins over the horizon.
void summarise_flow(const Scenario& scenario, InputSummary& out) {
  const int months = scenario.months();
  const int regions = scenario.region_count();
  std::vector<double> won(static_cast<std::size_t>(regions), 0.0);
  std::vector<double> wins(static_cast<std::size_t>(regions), 0.0);
  auto add = [&](int region, int segment, int m, double opportunities, bool rep) {
    if (!(opportunities > 0)) return;
    const CellExpectation e = cell_expectation(scenario, region, segment, m, rep);
    const double plan = scenario.plan_rate_of_region(region);
    won[static_cast<std::size_t>(region)] += opportunities * e.won_per_opportunity * plan;
    wins[static_cast<std::size_t>(region)] += opportunities * e.wins_per_opportunity;
    if (m < out.coverage_months) {
      auto& c = out.coverage[static_cast<std::size_t>(m)];
      c.expected += opportunities * e.won_per_opportunity * plan;
      c.from_before_start += opportunities * e.won_before_start * plan;
    }
  };
  for (const Seat& seat : scenario.seats) {
    const std::vector<double> capacity = expected_capacity(scenario, seat, months);
    for (int m = 0; m < months; ++m) {
      add(seat.region, seat.segment, m,
          capacity[static_cast<std::size_t>(m)] *
              rep_intensity(scenario, seat.region, seat.segment, m) * seat.productivity,
          true);
    }
  }
  for (const IntensitySpec& spec : scenario.intensities) {
    for (int m = 0; m < months; ++m) {
      add(spec.region, spec.segment, m, spec.opportunities[static_cast<std::size_t>(m)], false);
    }
  }
  std::vector<double> open_amount(static_cast<std::size_t>(regions), 0.0);
  std::vector<int> open_deals(static_cast<std::size_t>(regions), 0);
  for (const PipelineDeal& deal : scenario.pipeline.deals) {
    open_amount[static_cast<std::size_t>(deal.region)] +=
        deal.amount * scenario.fx.currencies[deal.currency].plan_rate;
    open_deals[static_cast<std::size_t>(deal.region)] += 1;
  }
  for (int r = 0; r < regions; ++r) {
    const auto i = static_cast<std::size_t>(r);
    InputSummary::DealSize d;
    d.region = scenario.regions[r].id;
    d.mean_deal = wins[i] > 0 ? won[i] / wins[i] : kNaN;
    d.open_deals = open_deals[i];
    d.mean_open_deal = open_deals[i] > 0 ? open_amount[i] / open_deals[i] : kNaN;
    out.deal_sizes.push_back(d);
  }
}

void add_deal_size_warning(InputSummary& out) {
  const InputSummary::DealSize* low = nullptr;
  const InputSummary::DealSize* high = nullptr;
  for (const auto& d : out.deal_sizes) {
    if (!(d.mean_deal > 0)) continue;
    if (!low || d.mean_deal < low->mean_deal) low = &d;
    if (!high || d.mean_deal > high->mean_deal) high = &d;
  }
  if (low && high && high->mean_deal > kDealSizeSpread * low->mean_deal) {
    out.warnings.push_back(fmt::format(
        "mean deal size differs {:.0f}x between regions at plan rates ({} {:.0f} {} vs {} {:.0f} "
        "{}): are money parameters in each region's own currency?",
        high->mean_deal / low->mean_deal, high->region, high->mean_deal, out.currency, low->region,
        low->mean_deal, out.currency));
  }
}

}  // namespace

double InputSummary::pipeline_coverage() const {
  double held = 0, needed = 0;
  for (const auto& c : coverage) {
    held += c.pipeline_weighted;
    needed += c.from_before_start;
  }
  return needed > 0 ? held / needed : kNaN;
}

double InputSummary::expected_total() const {
  double total = 0;
  for (const auto& c : coverage) total += c.expected;
  return total;
}

InputSummary summarise_inputs(const Scenario& scenario, int coverage_months) {
  InputSummary out;
  out.currency = scenario.fx.currencies[scenario.fx.reporting].code;
  out.warnings = scenario.warnings;
  out.coverage_months = std::clamp(coverage_months, 0, scenario.months());
  for (int m = 0; m < out.coverage_months; ++m) {
    InputSummary::Coverage c;
    c.month = format_year_month(scenario.calendar.absolute(m));
    out.coverage.push_back(c);
  }
  summarise_seats(scenario, out);
  summarise_pipeline(scenario, out);
  summarise_contracts(scenario, out);
  summarise_flow(scenario, out);
  add_deal_size_warning(out);
  return out;
}

}  // namespace opsim
