// Shared pieces of the benchmark suite: the event-queue floor, peak memory,
// the cold-start world, and a convergence watcher.
//
// The floor is what a discrete-event simulator costs with no work at all:
// events pushed into and popped from a binary heap ordered by (time,
// sequence). Every simulator benchmark divides its events per second by the
// floor's, measured in the same process, so a run on any machine reports how
// close the world comes to it.
//
//   ColdStartSpec spec{.nodes = 30, .tables = 10};
//   auto world = BuildWorld(ColdStartConfig(spec));
//   ConvergenceWatch watch(*world, spec);          // installs an observer
//   world->RunUntil(kColdStartLimitMs);
//   if (watch.converged()) ... watch.converged_at_ms() ...
#ifndef DISCOSIM_BENCH_BENCH_SUPPORT_H_
#define DISCOSIM_BENCH_BENCH_SUPPORT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/world/event_queue.h"
#include "sim/world/world.h"

namespace discosim::bench {

// ---------------------------------------------------------------------------
// The floor.

// What one event costs in the world's queue: time, sequence, and the
// world's 32-byte event record.
struct FloorEvent {
  int64_t at_ms = 0;
  uint64_t seq = 0;
  uint64_t payload[4] = {};
};

// A bare binary min-heap of FloorEvents holding `pending` events; each step
// pops the earliest and pushes one at a seeded delay of 0-3 ms after it (the
// world's delays are mostly 0-2 ms). No work per event.
class FloorQueue {
 public:
  explicit FloorQueue(size_t pending);
  // One pop and one push. Returns the popped event's time.
  int64_t Step();

 private:
  std::vector<FloorEvent> heap_;
  uint64_t seq_ = 0;
  uint64_t rng_ = 0x9E3779B97F4A7C15ull;
};

// The same loop through the simulator's own queue (sim/world/event_queue.h,
// a calendar queue with the heap's order), with delays drawn in
// [0, spread) units: spread 4 is the heap floor's stream; 4 096 is 0-4 ms on
// the world's microsecond clock, every delay a distinct time.
class CalendarFloorQueue {
 public:
  // REQUIRES: spread is a power of two.
  CalendarFloorQueue(size_t pending, int64_t spread);
  int64_t Step();

 private:
  struct Payload {
    uint64_t words[4];  // the world's 32-byte event record
  };
  world::EventQueue<Payload> queue_;
  uint64_t mask_;
  uint64_t rng_ = 0x9E3779B97F4A7C15ull;
};

// The floor's pending events for in-workload comparisons.
inline constexpr size_t kFloorPending = 1'024;

struct FloorRate {
  double events_per_s = 0;      // per wall second
  double events_per_cpu_s = 0;  // per second of this thread's CPU time
};
// The floor's rate over `events` steps (at least 1 million, at most 20
// million: the rate has settled long before). Runs the loop now.
FloorRate MeasureFloor(uint64_t events);

// ---------------------------------------------------------------------------
// Peak memory: the process's peak resident set, reset per measurement
// through /proc/self/clear_refs, so no allocator hook slows the world.

class PeakMemory {
 public:
  // Returns free heap pages to the system and resets the peak.
  PeakMemory();
  // Peak resident bytes above the starting point.
  double PeakBytes() const;

 private:
  int64_t start_kb_ = 0;
};

// ---------------------------------------------------------------------------
// Worlds.

struct ColdStartSpec {
  int nodes = 3;
  int tables = 1;
  uint64_t seed = 1;
};

// "n0042@h0042" style names, so name order is index order.
std::string NodeNameOf(int index);
std::string TableNameOf(int index);

// N nodes started together at t=0, each with T tables and a backend listing
// every node, OTP and CETS defaults, except global's lock re-ask pause:
// drawn in [1, 10 * N] ms instead of [1, 10] ms. With the faithful pause the
// join lock livelocks from about 12 contenders, as real CETS does (see
// docs/perf/README-performance.md); a pause that grows with the contenders
// is the back-off CETS would need.
world::WorldConfig ColdStartConfig(const ColdStartSpec& spec);

// World::Create, aborting with the status on failure (bench input is fixed).
std::unique_ptr<world::World> BuildWorld(world::WorldConfig config);

// Schedules an action, aborting with the status on failure.
void ScheduleOrDie(world::World& world, int64_t at_ms, world::Action action);

// Every running node of `spec` ready (verify_ready empty) and every table's
// cluster holding all N nodes, checked in full now.
bool FullyConverged(const world::World& world, const ColdStartSpec& spec);

// Watches a world for the first instant at which FullyConverged holds.
//
// It checks at the end of each instant (after the instant's last event),
// node by node from a cursor that stays on the first node not done: a cheap
// necessary test (connected to all, get_nodes ok, a result per pair), then
// the full one (verify_ready empty, every table's cluster complete). It
// reports convergence when every node passes within one instant. The wall
// time spent checking is measured so benchmarks can leave it out.
class ConvergenceWatch {
 public:
  // Installs itself as the world's observer; `from_ms`: ignore earlier instants.
  ConvergenceWatch(world::World& world, const ColdStartSpec& spec, int64_t from_ms = 0);
  // The observer holds `this`: the watch stays where it was built.
  ConvergenceWatch(const ConvergenceWatch&) = delete;
  ConvergenceWatch& operator=(const ConvergenceWatch&) = delete;

  bool converged() const { return converged_at_ms_.has_value(); }
  int64_t converged_at_ms() const { return *converged_at_ms_; }
  uint64_t converged_at_events() const { return converged_at_events_; }
  // Wall and CPU seconds spent inside the checks since construction or Rearm.
  double check_seconds() const { return check_wall_s_; }
  double check_cpu_seconds() const { return check_cpu_s_; }
  // Forget a convergence (and the check times) and watch again from
  // `from_ms`, e.g. after a fault.
  void Rearm(int64_t from_ms);

 private:
  void OnEvent(const world::World& world);
  // A necessary test in O(1): connected to all, every result in.
  bool NodeLooksDone(const world::World& world, int node) const;
  // The full test for one node: ready, and every table's cluster complete.
  bool NodeDone(const world::World& world, int node) const;

  ColdStartSpec spec_;
  std::vector<std::string> names_;
  int64_t from_ms_ = 0;
  int cursor_ = 0;
  std::optional<int64_t> converged_at_ms_;
  uint64_t converged_at_events_ = 0;
  double check_wall_s_ = 0;
  double check_cpu_s_ = 0;
};

// Virtual time limit of a cold start: past it the benchmark reports a failure.
inline constexpr int64_t kColdStartLimitMs = 3'600'000;

// Wall clock in seconds (steady).
double WallSeconds();
// This thread's CPU time in seconds. With the wall time it shows how much
// of a core a run got: the machine is shared.
double ThreadCpuSeconds();

// Wall and CPU seconds since construction (or Restart).
class Stopwatch {
 public:
  Stopwatch() { Restart(); }
  void Restart() {
    wall_ = WallSeconds();
    cpu_ = ThreadCpuSeconds();
  }
  double wall_s() const { return WallSeconds() - wall_; }
  double cpu_s() const { return ThreadCpuSeconds() - cpu_; }

 private:
  double wall_ = 0;
  double cpu_ = 0;
};

// Registers the fuzz-throughput benchmarks (fuzz_bench.cc): `cases` seeded
// cases on one thread, and the same cases spread over every core.
void RegisterFuzzBenchmarks(int cases);

}  // namespace discosim::bench

#endif  // DISCOSIM_BENCH_BENCH_SUPPORT_H_
