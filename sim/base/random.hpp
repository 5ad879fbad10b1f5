// Counter-based random streams: every number is a pure function of
// (seed, named stream, trial, entity, slot, position), never of thread, rank or draw order
// elsewhere. Philox4x64-10 (Random123) is used because seeding an entity's stream costs nothing:
// the key and counter are set, no state is warmed up, so per-entity keying is free.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>

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
  territories = stable_hash("territories"),
  territory_instances = stable_hash("territories.instances"),
};

//! Slot within an entity: the month (relative to the horizon start, may be negative) and a
//! sub-index, e.g. the opportunity number within that month.
constexpr std::uint64_t slot(std::int64_t month, std::uint64_t sub = 0) {
  return (static_cast<std::uint64_t>(month) << 32) ^ sub;
}

//! A uniform random bit generator over one (seed, stream, trial, entity, slot) key.
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

//! Builds streams for one run; cheap to copy into every task.
class StreamFactory {
 public:
  explicit StreamFactory(std::uint64_t seed) : seed_(seed) {}
  Rng operator()(StreamId stream, std::uint64_t trial, std::uint64_t entity,
                 std::uint64_t slot_value = 0) const {
    return Rng(seed_, stream, trial, entity, slot_value);
  }
  std::uint64_t seed() const { return seed_; }

 private:
  std::uint64_t seed_;
};

//! Name of the scheme, recorded with every result.
inline constexpr std::string_view kStreamScheme =
    "Philox4x64-10; key=(seed, stream); counter=(trial, entity hash, month<<32^sub, block)";

}  // namespace opsim
