// splitmix64 and xoshiro256** (Blackman and Vigna, public domain reference
// algorithms), with rejection sampling for unbiased ranges.
#include "sim/world/random.h"

#include "sim/world/check.h"

namespace discosim::world {
namespace {

uint64_t RotateLeft(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

uint64_t SplitMix64(uint64_t& state) {
  state += 0x9e3779b97f4a7c15ULL;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Rng::Rng(uint64_t seed) {
  uint64_t state = seed;
  for (uint64_t& word : s_) word = SplitMix64(state);
  // xoshiro must not start from all zeros; splitmix64 never yields four.
  WORLD_CHECK((s_[0] | s_[1] | s_[2] | s_[3]) != 0, "xoshiro state is all zeros");
}

Rng Rng::ForStream(uint64_t root_seed, Subsystem subsystem, uint64_t stream) {
  uint64_t state = root_seed;
  const uint64_t root_mixed = SplitMix64(state);
  state = static_cast<uint64_t>(subsystem) * 0x100000001b3ULL ^ (stream + 1) * 0xd6e8feb86659fd93ULL;
  const uint64_t stream_mixed = SplitMix64(state);
  return Rng(root_mixed ^ stream_mixed);
}

uint64_t Rng::Next() {
  const uint64_t result = RotateLeft(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = RotateLeft(s_[3], 45);
  return result;
}

uint64_t Rng::UniformBelow(uint64_t bound) {
  WORLD_CHECK(bound > 0, "UniformBelow needs a positive bound");
  // Reject the low values that would make some residues more likely.
  const uint64_t threshold = (0 - bound) % bound;
  for (int attempt = 0; attempt < 1'000; ++attempt) {
    const uint64_t x = Next();
    if (x >= threshold) return x % bound;
  }
  // Each attempt is rejected with probability below 1/2: unreachable.
  WORLD_CHECK(false, "UniformBelow rejected 1000 draws in a row");
  return 0;
}

int64_t Rng::Range(int64_t min, int64_t max) {
  WORLD_CHECK(min <= max, "Range needs min <= max");
  const uint64_t span = static_cast<uint64_t>(max) - static_cast<uint64_t>(min);
  if (span == UINT64_MAX) return static_cast<int64_t>(Next());
  return static_cast<int64_t>(static_cast<uint64_t>(min) + UniformBelow(span + 1));
}

bool Rng::Chance(uint64_t numerator, uint64_t denominator) {
  WORLD_CHECK(denominator > 0 && numerator <= denominator, "Chance needs 0 <= n <= d, d > 0");
  if (numerator == 0) return false;
  if (numerator == denominator) return true;
  return UniformBelow(denominator) < numerator;
}

}  // namespace discosim::world
