// The project's own seeded randomness: splitmix64 to derive seeds and
// xoshiro256** to draw, with integer-only range and chance functions.
//
// Standard-library distributions and absl::BitGen give different numbers on
// different vendors or versions; a simulation run must replay bit for bit
// from its seed, so nothing here uses them.
//
// One root seed per run is split per subsystem (and per stream inside a
// subsystem, e.g. per node), so a new draw in one place never reshuffles the
// numbers another place sees:
//
//   Rng tick = Rng::ForStream(root_seed, Subsystem::kTick, node_index);
//   TimeMs detect_ms = tick.Range(45'000, 75'000);
#ifndef DISCOSIM_SIM_WORLD_RANDOM_H_
#define DISCOSIM_SIM_WORLD_RANDOM_H_

#include <cstdint>

namespace discosim::world {

// The subsystems that draw numbers. Values are part of the seed derivation:
// never renumber them (that would change every recorded run).
enum class Subsystem : uint64_t {
  kNetworkJitter = 1,
  kTick = 2,
  kBackendLatency = 3,
  kBackendErrors = 4,
  kLockBackoff = 5,
  kFaultSchedule = 6,  // reserved for fuzzing's fault schedules
  kCpu = 7,            // per host: hop times, scheduling waits
  kBackendCrashes = 8,  // per node: get_nodes calls that raise (crash_rate)
};

// One splitmix64 step: advances `state` and returns the next output.
uint64_t SplitMix64(uint64_t& state);

class Rng {
 public:
  // Seeds the four xoshiro words from `seed` through splitmix64.
  explicit Rng(uint64_t seed);

  // The generator of stream `stream` of `subsystem` under `root_seed`.
  static Rng ForStream(uint64_t root_seed, Subsystem subsystem, uint64_t stream);

  // The next 64 raw bits (xoshiro256**).
  uint64_t Next();

  // Uniform in [0, bound). REQUIRES: bound > 0. Unbiased (rejection).
  uint64_t UniformBelow(uint64_t bound);

  // Uniform in [min, max], both included. REQUIRES: min <= max.
  int64_t Range(int64_t min, int64_t max);

  // True with probability numerator / denominator.
  // REQUIRES: denominator > 0, numerator <= denominator.
  bool Chance(uint64_t numerator, uint64_t denominator);

 private:
  uint64_t s_[4];
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_RANDOM_H_
