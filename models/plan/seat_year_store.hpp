// The seat-month detail that the compensation plans read, kept per trial in a lossless compact
// form during the forecast, so that payouts are priced once the quotas are set without
// simulating the trials a second time (scenarios/plan.md, "Pricing the payouts").
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "models/outcome.hpp"
#include "models/plan/compensation.hpp"
#include "models/plan/fiscal_year.hpp"
#include "models/scenario.hpp"

namespace opsim::plan {

//! Per trial, the fiscal year of every seat with a compensation plan as its payout reads it
//! (SeatYearTotals): exactly the totals seat_year_totals() gives for the trial's SeatMonths (bit
//! for bit) in the streams its plan reads, so that payouts priced from the store equal payouts
//! priced from a re-simulated trial. Encoding per seat: the occupant over months 0..fy.last (the
//! measure points follow from it), a byte 0 when the seat's first occupant holds every one of
//! them, else a byte 1 and the runs (occupant, months); each stream read as a 16-bit mask of the
//! points whose total differs from the previous point's (from +0 at a span's first point; bit 15:
//! the totals kept are whole numbers 1..255, one byte each; else bit 14, when the stream has at
//! most 14 points: they are floats exactly, four bytes each; else 8-byte doubles), then those
//! totals; the SPIF earned as a double when the seat earns one; the clawback per fiscal-year month
//! as a mask of the months other than +0 and their values (the same way), when the plan claws
//! back.
class SeatYearStore {
 public:
  //! For trials [first_trial, first_trial + trials) of runs recorded with
  //! comp_recording(scenario, spec); at most `budget` bytes of encoded detail are kept.
  SeatYearStore(const Scenario& scenario, const CompSpec& spec, const FiscalYear& fy,
                std::uint64_t first_trial, std::uint64_t trials, std::uint64_t budget);

  //! Encodes the trial's detail; false (nothing kept) once the budget would be exceeded. Calls
  //! for different trials may run concurrently.
  bool record(std::uint64_t trial, const TrialOutcome& outcome) {
    return record(trial, outcome, [](std::size_t) {});
  }
  //! As record(), calling `each_seat(s)` for every seat s of the scenario, in seat order, right
  //! after encoding it (while its seat-month rows are in cache): one pass over the trial's
  //! detail for everything a quota run counts per seat.
  template <class EachSeat>
  bool record(std::uint64_t trial, const TrialOutcome& outcome, EachSeat&& each_seat) {
    Encoder encoder = begin(outcome);
    for (std::size_t s = 0; s < fields_.size(); ++s) {
      if (fields_[s] >= 0) encode_seat(s, outcome, *encoder.year, encoder.out);
      each_seat(s);
    }
    return commit(trial, encoder);
  }
  //! Whether `trial` was recorded.
  bool has(std::uint64_t trial) const { return kept_[trial - first_trial_] != 0; }
  //! Trials recorded.
  std::uint64_t recorded() const;
  //! The trials not recorded (past the budget), as ranges [first, end) in trial order: they
  //! must be priced from a re-simulation.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> missing() const;
  //! Encoded bytes held (the trials' encodings; their handles are in fixed_bytes()).
  std::uint64_t bytes() const { return used_.load(); }
  //! Bytes the store takes whatever it records: a pointer and a flag per trial.
  static std::uint64_t fixed_bytes(std::uint64_t trials) { return 9 * trials; }

  //! Reads one recorded trial's seats in seat order.
  class Cursor {
   public:
    //! Decodes the next seat with a plan, which must be `seat` (seats in increasing order);
    //! streams its plan does not read are +0, and the clawback is empty when the plan does not
    //! claw back (as seat_year_totals() gives them).
    void next(std::size_t seat, SeatYearTotals& year);

   private:
    friend class SeatYearStore;
    Cursor(const SeatYearStore& store, const std::uint8_t* at) : store_(store), at_(at) {}
    const SeatYearStore& store_;
    const std::uint8_t* at_;
  };
  //! `trial` must have been recorded and kept.
  Cursor cursor(std::uint64_t trial) const;

 private:
  //! Which arrays one seat's plan reads.
  //! kSpif: the seat earns a SPIF; kSpifSegment: on every deal (its segment earns the SPIF).
  enum Field : std::uint8_t {
    kSpif = 1,
    kClawback = 2,
    kProducts = 4,
    kRenewals = 8,
    kSpifSegment = 16
  };
  //! The calling thread's buffers for one trial's encoding: `out` advances from `start`.
  struct Encoder {
    std::vector<std::uint8_t>* buffer;
    SeatYearTotals* year;
    std::uint8_t* out;
  };
  Encoder begin(const TrialOutcome& outcome) const;
  //! Keeps the encoded trial unless the budget would be exceeded.
  bool commit(std::uint64_t trial, const Encoder& encoder);
  //! Writes the seat's encoding at `out` (room for max_seat_bytes_) and advances it.
  void encode_seat(std::size_t seat, const TrialOutcome& outcome, SeatYearTotals& year,
                   std::uint8_t*& out) const;

  CompSpec spec_;
  Calendar calendar_;
  FiscalYear fy_;
  int months_;
  std::size_t max_seat_bytes_;  //!< bound on one seat's encoding
  std::size_t sets_;
  std::uint64_t first_trial_;
  std::uint64_t budget_;
  std::vector<int> full_year_points_;  //!< measure_points() of one occupant through fy.last
  std::vector<std::int16_t> fields_;   //!< per seat: Field bits; -1 = no plan (not stored)
  //! Room for `size` bytes of one trial's encoding, taken from the current slab.
  std::uint8_t* reserve(std::size_t size);

  //! The encodings, packed trial after trial into slabs of kSlabBytes (a trial that does not fit
  //! a slab's rest starts the next one): a few large blocks, each on huge pages where the kernel
  //! allows (sim/base/huge_pages.cpp), instead of a block per trial, each first touched a
  //! 4 KiB page at a time.
  static constexpr std::size_t kSlabBytes = std::size_t{32} << 20;
  std::mutex slab_mutex_;
  std::vector<std::unique_ptr<std::uint8_t[]>> slabs_;
  std::uint8_t* slab_at_ = nullptr;
  std::size_t slab_left_ = 0;
  std::vector<const std::uint8_t*> trials_;  //!< per trial: its encoding
  std::vector<std::uint8_t> kept_;           //!< per trial: recorded
  std::atomic<std::uint64_t> used_{0};
};

}  // namespace opsim::plan
