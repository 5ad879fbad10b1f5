#include "models/workforce.hpp"

#include <cmath>

#include "sim/base/stable_exp.hpp"

namespace opsim {

double sample_skill(const TrialState& state, const Seat& seat, int occupant, double skill_cv) {
  if (skill_cv <= 0) return 1.0;
  TrialRng rng =
      state.rng(StreamId::skill, seat.key, slot(0, static_cast<std::uint64_t>(occupant)));
  const double sigma = std::sqrt(std::log1p(skill_cv * skill_cv));
  state.work.variates.normals += 1;
  return stable_exp(sigma * standard_normal(rng) - 0.5 * sigma * sigma);
}

void simulate_workforce(TrialState& state) {
  const auto& scenario = state.scenario;
  const int months = state.months();
  auto& capacity = state.work.capacity;
  capacity.assign(scenario.seats.size() * static_cast<std::size_t>(months), 0.0);
  // Occupancy is kept only for overlay credit (models/trial.cpp).
  auto& occupied = state.work.occupied;
  occupied.assign(scenario.overlays.empty() ? 0 : capacity.size(), 0);
  constexpr int kNoStart = 1 << 30;

  for (std::size_t i = 0; i < scenario.seats.size(); ++i) {
    const Seat& seat = scenario.seats[i];
    int next_start = seat.start;  // start month of the next occupant
    int occupant = -1;
    int occupant_start = 0;
    bool active = false;
    double skill = 1.0;
    for (int m = 0; m < months; ++m) {
      const SegmentParams& p = scenario.params_at(seat.region, seat.segment, m);
      auto start_if_due = [&] {
        if (active || next_start > m) return;
        active = true;
        ++occupant;
        occupant_start = next_start;
        next_start = kNoStart;
        skill = sample_skill(state, seat, occupant, p.skill_cv);
        if (occupant_start >= 0) state.out.at(m, seat.region, seat.segment, Metric::hires) += 1;
      };
      start_if_due();
      // A rep who started before this month may leave at its start (not active in m).
      if (active && occupant_start < m && !p.attrition.empty()) {
        const double hazard = state.tables.attrition_hazard(
            state.tables.cell(seat.region, seat.segment, m), m - occupant_start);
        TrialRng rng = state.rng(StreamId::attrition, seat.key, slot(m));
        state.work.variates.uniforms += 1;
        if (rng.uniform() < hazard) {
          active = false;
          state.out.at(m, seat.region, seat.segment, Metric::departures) += 1;
          if (p.backfill_lag_months >= 0) next_start = m + p.backfill_lag_months;
          start_if_due();
        }
      }
      if (!active) continue;
      if (state.recording != nullptr) state.out.seat_months.occupant[i * months + m] = occupant;
      if (!occupied.empty()) occupied[i * months + m] = 1;
      const double ramp =
          p.ramp_curve < 0 ? 1.0 : scenario.ramp_curves[p.ramp_curve].at(m - occupant_start);
      state.out.at(m, seat.region, seat.segment, Metric::headcount) += 1;
      state.out.at(m, seat.region, seat.segment, Metric::ramped_fte) += ramp;
      capacity[i * months + m] = ramp * skill;
    }
  }
}

}  // namespace opsim
