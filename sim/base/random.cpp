#include "sim/base/random.hpp"

#include <cstring>

#if defined(__AES__)
#include <Random123/ars.h>
#endif

#include "sim/base/error.hpp"

namespace opsim {

namespace {

constexpr std::uint64_t kWeylLo = 0x9E3779B97F4A7C15ULL;  // golden ratio (Random123's ARS)
constexpr std::uint64_t kWeylHi = 0xBB67AE8584CAA73BULL;  // sqrt(3) - 1
constexpr int kArsRounds = 7;

constexpr std::uint8_t xtime(std::uint8_t x) {
  return static_cast<std::uint8_t>((x << 1) ^ ((x >> 7) * 0x1b));
}

constexpr std::uint8_t gf_multiply(std::uint8_t a, std::uint8_t b) {
  std::uint8_t product = 0;
  for (int i = 0; i < 8; ++i) {
    if (b & 1) product ^= a;
    a = xtime(a);
    b = static_cast<std::uint8_t>(b >> 1);
  }
  return product;
}

constexpr std::uint8_t rotl8(std::uint8_t x, int n) {
  return static_cast<std::uint8_t>((x << n) | (x >> (8 - n)));
}

//! The AES S-box, derived (multiplicative inverse in GF(2^8), then the affine map) rather than
//! typed in; the test checks known entries.
constexpr std::array<std::uint8_t, 256> make_sbox() {
  std::array<std::uint8_t, 256> box{};
  for (int x = 0; x < 256; ++x) {
    std::uint8_t inverse = 0;  // x^254 = x^-1, and 0 maps to 0
    if (x != 0) {
      std::uint8_t power = static_cast<std::uint8_t>(x);
      inverse = 1;
      for (int e = 254; e > 0; e >>= 1) {
        if (e & 1) inverse = gf_multiply(inverse, power);
        power = gf_multiply(power, power);
      }
    }
    box[static_cast<std::size_t>(x)] =
        static_cast<std::uint8_t>(inverse ^ rotl8(inverse, 1) ^ rotl8(inverse, 2) ^
                                  rotl8(inverse, 3) ^ rotl8(inverse, 4) ^ 0x63);
  }
  return box;
}

constexpr std::array<std::uint8_t, 256> kSbox = make_sbox();
static_assert(kSbox[0x00] == 0x63 && kSbox[0x01] == 0x7c && kSbox[0x53] == 0xed);

using State = std::array<std::uint8_t, 16>;  // column-major AES state: byte 4c + r

State to_state(ArsBlock block) {
  State s{};
  for (int i = 0; i < 8; ++i) {
    s[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(block.lo >> (8 * i));
    s[static_cast<std::size_t>(i + 8)] = static_cast<std::uint8_t>(block.hi >> (8 * i));
  }
  return s;
}

ArsBlock to_block(const State& s) {
  ArsBlock block{0, 0};
  for (int i = 0; i < 8; ++i) {
    block.lo |= static_cast<std::uint64_t>(s[static_cast<std::size_t>(i)]) << (8 * i);
    block.hi |= static_cast<std::uint64_t>(s[static_cast<std::size_t>(i + 8)]) << (8 * i);
  }
  return block;
}

//! The AESENC instruction (last = AESENCLAST): ShiftRows, SubBytes, MixColumns unless last,
//! then XOR with the round key.
ArsBlock aes_round(ArsBlock value, ArsBlock round_key, bool last) {
  const State in = to_state(value);
  State s{};
  for (std::size_t c = 0; c < 4; ++c) {
    for (std::size_t r = 0; r < 4; ++r) s[4 * c + r] = kSbox[in[4 * ((c + r) % 4) + r]];
  }
  if (!last) {
    for (std::size_t c = 0; c < 4; ++c) {
      const std::uint8_t a0 = s[4 * c], a1 = s[4 * c + 1], a2 = s[4 * c + 2], a3 = s[4 * c + 3];
      s[4 * c] = static_cast<std::uint8_t>(xtime(a0) ^ xtime(a1) ^ a1 ^ a2 ^ a3);
      s[4 * c + 1] = static_cast<std::uint8_t>(a0 ^ xtime(a1) ^ xtime(a2) ^ a2 ^ a3);
      s[4 * c + 2] = static_cast<std::uint8_t>(a0 ^ a1 ^ xtime(a2) ^ xtime(a3) ^ a3);
      s[4 * c + 3] = static_cast<std::uint8_t>(xtime(a0) ^ a0 ^ a1 ^ a2 ^ xtime(a3));
    }
  }
  ArsBlock out = to_block(s);
  out.lo ^= round_key.lo;
  out.hi ^= round_key.hi;
  return out;
}

#if defined(__AES__)
using Ars = r123::ARS1xm128i_R<kArsRounds>;

//! Moves the two words into an XMM register directly: building it through memory from two
//! 8-byte stores would stall on store forwarding (measured: ~40% of a refill).
Ars::ctr_type to_m128(std::uint64_t lo, std::uint64_t hi) {
  Ars::ctr_type c;
  c.v[0].m = _mm_unpacklo_epi64(_mm_cvtsi64_si128(static_cast<long long>(lo)),
                                _mm_cvtsi64_si128(static_cast<long long>(hi)));
  return c;
}

ArsBlock ars7_aes_ni(ArsBlock counter, ArsBlock key) {
  const auto out = Ars()(to_m128(counter.lo, counter.hi), to_m128(key.lo, key.hi));
  ArsBlock block;
  _mm_storeu_si128(reinterpret_cast<__m128i*>(&block), out.v[0].m);
  return block;
}

//! Block (lo, hi) into words[0..1], in registers throughout (a round trip through ArsBlock
//! would stall on store forwarding).
void ars7_words_aes_ni(std::uint64_t lo, std::uint64_t hi, std::uint64_t key_lo,
                       std::uint64_t key_hi, std::uint64_t* words) {
  const auto block = Ars()(to_m128(lo, hi), to_m128(key_lo, key_hi));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(words), block.v[0].m);
}

//! ARS-7's eight round keys under one key: the same blocks as Ars()(counter, key), whose key
//! schedule (a Weyl sequence) is otherwise recomputed for every block.
class ArsRoundKeys {
 public:
  ArsRoundKeys() = default;
  ArsRoundKeys(std::uint64_t key_lo, std::uint64_t key_hi) {
    const __m128i weyl =
        _mm_set_epi64x(static_cast<long long>(kWeylHi), static_cast<long long>(kWeylLo));
    keys_[0] = to_m128(key_lo, key_hi).v[0].m;
    for (int r = 1; r <= kArsRounds; ++r) keys_[r] = _mm_add_epi64(keys_[r - 1], weyl);
  }
  //! Block (lo, hi) into words[0..1].
  void encipher(std::uint64_t lo, std::uint64_t hi, std::uint64_t* words) const {
    __m128i v = _mm_xor_si128(to_m128(lo, hi).v[0].m, keys_[0]);
    for (int r = 1; r < kArsRounds; ++r) v = _mm_aesenc_si128(v, keys_[r]);
    v = _mm_aesenclast_si128(v, keys_[kArsRounds]);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(words), v);
  }

 private:
  __m128i keys_[kArsRounds + 1]{};
};

// __builtin_cpu_init first: this initialiser may run before libgcc's own constructor.
const bool kHaveAesNi = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("aes") != 0;
}();
#else
const bool kHaveAesNi = false;
#endif

}  // namespace

ArsBlock ars7_portable(ArsBlock counter, ArsBlock key) {
  ArsBlock round_key = key;
  ArsBlock value{counter.lo ^ key.lo, counter.hi ^ key.hi};
  for (int round = 1; round <= kArsRounds; ++round) {
    round_key.lo += kWeylLo;
    round_key.hi += kWeylHi;
    value = aes_round(value, round_key, round == kArsRounds);
  }
  return value;
}

ArsBlock ars7(ArsBlock counter, ArsBlock key) {
#if defined(__AES__)
  if (kHaveAesNi) return ars7_aes_ni(counter, key);
#endif
  return ars7_portable(counter, key);
}

bool ars7_uses_aes_ni() {
  return kHaveAesNi;
}

void TrialRng::start_all(TrialRng* first, std::size_t count) {
#if defined(__AES__)
  if (count == 0) return;
  if (kHaveAesNi) {
    // The streams of one trial share their key (seed, trial): its round keys are derived once
    // per run of equal keys instead of once per block.
    ArsRoundKeys round_keys;
    ArsBlock key{~first->key_.lo, first->key_.hi};  // differs from the first stream's key
    for (TrialRng* rng = first; rng != first + count; ++rng) {
      if (rng->position_ != 2 || (rng->counter_.hi & 0xFFFF) != 0)
        throw_internal("TrialRng::start_all needs fresh streams");
      if (rng->key_.lo != key.lo || rng->key_.hi != key.hi) {
        key = rng->key_;
        round_keys = ArsRoundKeys(key.lo, key.hi);
      }
      round_keys.encipher(rng->counter_.lo, rng->counter_.hi, rng->words_.data());
      rng->counter_.hi += 1;
      rng->position_ = 0;
    }
    return;
  }
#endif
  for (TrialRng* rng = first; rng != first + count; ++rng) rng->refill();
}

void TrialRng::sibling_first_blocks(const std::uint64_t* slots, std::size_t count,
                                    std::uint64_t* words) const {
#if defined(__AES__)
  if (kHaveAesNi) {
    if (count == 0) return;
    const ArsRoundKeys round_keys(key_.lo, key_.hi);
    for (std::size_t i = 0; i < count; ++i)
      round_keys.encipher(counter_.lo, slots[i], words + 2 * i);
    return;
  }
#endif
  for (std::size_t i = 0; i < count; ++i) {
    const ArsBlock block = ars7_portable({counter_.lo, slots[i]}, key_);
    words[2 * i] = block.lo;
    words[2 * i + 1] = block.hi;
  }
}

void TrialRng::refill() {
  // 2^16 block numbers per slot (slot() leaves the low 16 bits free): 131,070 words per stream.
  if ((counter_.hi & 0xFFFF) == 0xFFFF)
    throw_internal("a random stream ran past its 131,070 words (a sampler looped?)");
#if defined(__AES__)
  if (kHaveAesNi) {
    ars7_words_aes_ni(counter_.lo, counter_.hi, key_.lo, key_.hi, words_.data());
  } else
#endif
  {
    const ArsBlock block = ars7_portable(counter_, key_);
    words_ = {block.lo, block.hi};
  }
  counter_.hi += 1;
  position_ = 0;
}

}  // namespace opsim
