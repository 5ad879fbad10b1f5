// Counter-based random streams: every number is a pure function of
// (seed, named stream, trial, entity, slot, position), never of thread, rank or draw order
// elsewhere. Keying a counter-based generator costs nothing (the key and counter are set, no
// state is warmed up), so per-entity keying is free. The forecast engine uses ARS-7 (TrialRng,
// AES rounds, Random123); the territory search keeps Philox4x64-10 (Rng).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>
#include <utility>

#include <Random123/philox.h>

namespace opsim {

//! The splitmix64 finaliser: a bijective mix of 64 bits.
constexpr std::uint64_t mix64(std::uint64_t h) {
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

//! Stable 64-bit hash of a name (FNV-1a then the splitmix64 finaliser). Independent of
//! platform and standard library, so entity keys mean the same everywhere.
constexpr std::uint64_t stable_hash(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return mix64(h);
}

//! Combines two keys into one (e.g. a deal's key from its seat, month and index).
constexpr std::uint64_t stable_hash_combine(std::uint64_t a, std::uint64_t b) {
  return mix64(a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2)));
}

//! The named streams; each model draws from its own so that a change in one model's
//! consumption never shifts another's numbers.
enum class StreamId : std::uint64_t {
  attrition = stable_hash("workforce.attrition"),
  skill = stable_hash("workforce.skill"),
  opportunities = stable_hash("new_business.opportunities"),
  pipeline = stable_hash("pipeline"),
  renewals = stable_hash("renewals"),
  fx = stable_hash("fx"),
  market = stable_hash("market"),
  parameters = stable_hash("market.parameters"),
  assumptions = stable_hash("assumptions"),  //!< uncertain scenario parameters, per pointer
  territories = stable_hash("territories"),
  territory_instances = stable_hash("territories.instances"),
};

//! Slot within an entity: the month (relative to the horizon start, may be negative) and a
//! sub-index, e.g. the opportunity number within that month. The low 16 bits are left free for
//! TrialRng's block counter. \pre |month| < 2^19, sub < 2^28 (distinct slots stay distinct)
constexpr std::uint64_t slot(std::int64_t month, std::uint64_t sub = 0) {
  return (static_cast<std::uint64_t>(month) << 44) ^ (sub << 16);
}

//! A uniform random bit generator over one (seed, stream, trial, entity, slot) key, for the
//! territory search (Philox4x64-10; its results are pinned to this generator).
class Rng {
 public:
  using result_type = std::uint64_t;
  using Philox = r123::Philox4x64;

  Rng(std::uint64_t seed, StreamId stream, std::uint64_t trial, std::uint64_t entity,
      std::uint64_t slot_value)
      : key_{{seed, static_cast<std::uint64_t>(stream)}},
        counter_{{trial, entity, slot_value, 0}} {}

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

  result_type operator()() {
    if (position_ == 4) {
      block_ = Philox()(counter_, key_);
      ++counter_.v[3];
      position_ = 0;
    }
    return block_.v[position_++];
  }

  //! Uniform on (0, 1): 53 random bits, never exactly 0 or 1.
  double uniform() { return (static_cast<double>((*this)() >> 11) + 0.5) * 0x1.0p-53; }

 private:
  Philox::key_type key_;
  Philox::ctr_type counter_;
  Philox::ctr_type block_{};
  int position_ = 4;
};

//! One 128-bit ARS block as two 64-bit words (word 0 = the AES state's low 8 bytes).
struct ArsBlock {
  std::uint64_t lo, hi;
};

//! ARS-7 (Random123's ars1xm128i with 7 rounds) of `counter` under `key`: AES-NI when the CPU
//! has it, otherwise a bit-identical portable implementation (ars7_portable).
ArsBlock ars7(ArsBlock counter, ArsBlock key);
//! The portable ARS-7, for CPUs without AES-NI and for testing the two against each other.
ArsBlock ars7_portable(ArsBlock counter, ArsBlock key);
//! True when ars7 uses the AES-NI instructions.
bool ars7_uses_aes_ni();

//! A uniform random bit generator over one (seed, stream, trial, entity, slot) key, for the
//! forecast engine. ARS-7 with key (seed, trial) and counter (hash(stream, entity), slot + b):
//! words 2b and 2b + 1 are block b's low and high halves. A refill enciphers one block, so a
//! stream that needs two words (most of the engine's) costs one AES block.
class TrialRng {
 public:
  using result_type = std::uint64_t;

  //! \pre slot_value comes from slot() (its low 16 bits are zero).
  TrialRng(std::uint64_t seed, StreamId stream, std::uint64_t trial, std::uint64_t entity,
           std::uint64_t slot_value)
      : key_{seed, trial},
        counter_{stable_hash_combine(static_cast<std::uint64_t>(stream), entity), slot_value} {}

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

  result_type operator()() {
    if (position_ == 2) refill();
    return words_[position_++];
  }

  //! Uniform on (0, 1): 53 random bits, never exactly 0 or 1.
  double uniform() { return (static_cast<double>((*this)() >> 11) + 0.5) * 0x1.0p-53; }

  //! Two uniforms on (0, 1) from one word (its low, then its high 32 bits), never 0 or 1: for
  //! draws where a resolution of 2^-32 is ample (a win against a probability, a row of a table).
  std::pair<double, double> uniforms32() {
    const std::uint64_t word = (*this)();
    return {(static_cast<double>(word & 0xFFFFFFFFU) + 0.5) * 0x1.0p-32,
            (static_cast<double>(word >> 32) + 0.5) * 0x1.0p-32};
  }

  //! The stream of the same (seed, stream, trial, entity) at another slot, fresh (nothing drawn),
  //! whatever this one has drawn: keys an entity's sibling streams without rehashing the entity.
  //! \pre slot_value comes from slot()
  TrialRng sibling(std::uint64_t slot_value) const {
    TrialRng rng = *this;
    rng.counter_.hi = slot_value;
    rng.position_ = 2;
    return rng;
  }

  //! The first block of each of this stream's fresh siblings at slots[0, count): words[2i] and
  //! words[2i + 1] are sibling(slots[i])'s first two words. Enciphered in one pass, as start_all
  //! does, but held in 16 bytes a stream instead of a whole TrialRng until started_sibling
  //! resumes it. \pre every slot comes from slot()
  void sibling_first_blocks(const std::uint64_t* slots, std::size_t count,
                            std::uint64_t* words) const;

  //! sibling(slot_value) with its first block already enciphered into words[0, 2) (by
  //! sibling_first_blocks): the same stream as sibling(slot_value) after start_all.
  TrialRng started_sibling(std::uint64_t slot_value, const std::uint64_t* words) const {
    TrialRng rng = *this;
    rng.counter_.hi = slot_value + 1;
    rng.words_ = {words[0], words[1]};
    rng.position_ = 0;
    return rng;
  }

  //! Enciphers the first two words of every stream in [first, first + count) (fresh, nothing
  //! drawn yet) in one pass. The numbers are the same as refilling each on its first draw, but
  //! the AES chains of independent streams overlap instead of each stalling on its own latency.
  static void start_all(TrialRng* first, std::size_t count);

 private:
  void refill();

  ArsBlock key_;
  ArsBlock counter_;
  std::array<std::uint64_t, 2> words_{};
  int position_ = 2;
};

//! Maps the trial index a stream is keyed by to another, per stream and entity: the pick-freeze
//! estimator of `opsim drivers` keeps one source's streams at trial t and moves every other
//! stream to an independent trial. Ordinary runs have none.
class TrialRemap {
 public:
  virtual ~TrialRemap() = default;
  //! The trial whose numbers (stream, entity) draws in place of `trial`. Thread-safe.
  virtual std::uint64_t trial(StreamId stream, std::uint64_t trial, std::uint64_t entity) const = 0;
};

//! Builds the forecast engine's streams for one run; cheap to copy into every task.
class StreamFactory {
 public:
  //! `remap` (may be null) must outlive the factory and its copies.
  explicit StreamFactory(std::uint64_t seed, const TrialRemap* remap = nullptr)
      : seed_(seed), remap_(remap) {}
  TrialRng operator()(StreamId stream, std::uint64_t trial, std::uint64_t entity,
                      std::uint64_t slot_value = 0) const {
    if (remap_ != nullptr) trial = remap_->trial(stream, trial, entity);
    return TrialRng(seed_, stream, trial, entity, slot_value);
  }
  std::uint64_t seed() const { return seed_; }

 private:
  std::uint64_t seed_;
  const TrialRemap* remap_;
};

//! Name of the territory search's scheme (Rng), recorded with territory results.
inline constexpr std::string_view kStreamScheme =
    "Philox4x64-10; key=(seed, stream); counter=(trial, entity hash, month<<44^sub<<16, block)";

//! The forecast engine's scheme (TrialRng), recorded with every forecast result; results of
//! different versions are never merged or resumed together. Version 1 was Philox4x64-10 with
//! key (seed, stream) and counter (trial, entity hash, month<<32^sub, block); version 2 ARS-7 as
//! below with glibc's exp and 53-bit uniforms throughout; version 3 evaluated every sampled exp
//! with stable_exp; version 4 also draws an opportunity's win and cycle uniforms, and a pipeline
//! deal's slip and win uniforms, as the two 32-bit halves of one word (uniforms32).
inline constexpr std::uint64_t kTrialStreamVersion = 4;
inline constexpr std::string_view kTrialStreamScheme =
    "v4 ARS-7; key=(seed, trial); counter=(hash(stream, entity hash), month<<44^sub<<16 + "
    "block); exp=stable_exp; win/cycle and slip/win uniforms32";

}  // namespace opsim
