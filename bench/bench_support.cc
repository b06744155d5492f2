// The floor, peak memory, cold-start worlds and the convergence watcher.
#include "bench/bench_support.h"

#include <malloc.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <utility>

#include "engine/types.h"

namespace discosim::bench {
namespace {

// Heap order: the top is the earliest time, then the lowest sequence. A
// function object, not a function: std::push_heap then inlines it (through
// a function pointer GCC 12 calls it, at about a third of the floor's cost).
struct Later {
  bool operator()(const FloorEvent& a, const FloorEvent& b) const {
    return a.at_ms != b.at_ms ? a.at_ms > b.at_ms : a.seq > b.seq;
  }
};

// A field of /proc/self/status in kB ("VmRSS", "VmHWM"), or -1.
int64_t StatusKb(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.compare(0, field.size(), field) == 0 && line.size() > field.size() &&
        line[field.size()] == ':') {
      return std::strtoll(line.c_str() + field.size() + 1, nullptr, 10);
    }
  }
  return -1;
}

}  // namespace

// ---------------------------------------------------------------------------
// The floor.

FloorQueue::FloorQueue(size_t pending) {
  heap_.reserve(pending + 1);
  for (size_t i = 0; i < pending; ++i) {
    heap_.push_back(FloorEvent{static_cast<int64_t>(i / 8), seq_++, {}});
  }
  std::make_heap(heap_.begin(), heap_.end(), Later());
}

int64_t FloorQueue::Step() {
  std::pop_heap(heap_.begin(), heap_.end(), Later());
  FloorEvent event = heap_.back();
  heap_.pop_back();
  rng_ ^= rng_ << 13;  // xorshift64: a delay without <random>
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  heap_.push_back(FloorEvent{event.at_ms + static_cast<int64_t>(rng_ & 3), seq_++, {}});
  std::push_heap(heap_.begin(), heap_.end(), Later());
  return event.at_ms;
}

CalendarFloorQueue::CalendarFloorQueue(size_t pending, int64_t spread)
    : queue_(pending + 1), mask_(static_cast<uint64_t>(spread) - 1) {
  for (size_t i = 0; i < pending; ++i) queue_.Push(static_cast<int64_t>(i / 8), Payload{});
}

int64_t CalendarFloorQueue::Step() {
  const auto event = queue_.Pop();
  rng_ ^= rng_ << 13;  // the heap floor's xorshift64
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  queue_.Push(event.at + static_cast<int64_t>(rng_ & mask_), event.payload);
  return event.at;
}

FloorRate MeasureFloor(uint64_t events) {
  events = std::clamp<uint64_t>(events, 1'000'000, 20'000'000);
  FloorQueue queue(kFloorPending);
  int64_t sink = 0;
  const Stopwatch watch;
  for (uint64_t i = 0; i < events; ++i) sink += queue.Step();
  const double wall_s = watch.wall_s(), cpu_s = watch.cpu_s();
  if (sink == -1) std::puts("");  // keeps the loop from being optimised away
  return FloorRate{static_cast<double>(events) / wall_s, static_cast<double>(events) / cpu_s};
}

// ---------------------------------------------------------------------------
// Peak memory.

PeakMemory::PeakMemory() {
  malloc_trim(0);
  std::ofstream("/proc/self/clear_refs") << "5";  // resets VmHWM to VmRSS
  start_kb_ = StatusKb("VmRSS");
}

double PeakMemory::PeakBytes() const {
  return static_cast<double>(std::max<int64_t>(0, StatusKb("VmHWM") - start_kb_)) * 1024.0;
}

// ---------------------------------------------------------------------------
// Worlds.

std::string NodeNameOf(int index) {
  char name[32];
  std::snprintf(name, sizeof(name), "n%04d@h%04d", index, index);
  return name;
}

std::string TableNameOf(int index) {
  char name[16];
  std::snprintf(name, sizeof(name), "t%02d", index);
  return name;
}

world::WorldConfig ColdStartConfig(const ColdStartSpec& spec) {
  world::WorldConfig config;
  config.seed = spec.seed;
  std::vector<std::string> tables;
  for (int t = 0; t < spec.tables; ++t) tables.push_back(TableNameOf(t));
  for (int i = 0; i < spec.nodes; ++i) {
    world::NodeConfig node;
    node.name = NodeNameOf(i);
    node.tables = tables;
    config.nodes.push_back(std::move(node));
  }
  config.lock.retry_delay_ms_min = 1;
  config.lock.retry_delay_ms_max = std::max<int64_t>(10, 10 * static_cast<int64_t>(spec.nodes));
  // The bounds are for runaway runs; a 300-node cold start queues tens of
  // millions of events at its peak.
  config.limits.max_events = 4'000'000'000ull;
  config.limits.max_queued_events = 200'000'000;
  return config;
}

std::unique_ptr<world::World> BuildWorld(world::WorldConfig config) {
  absl::StatusOr<std::unique_ptr<world::World>> world = world::World::Create(std::move(config));
  if (!world.ok()) {
    std::fprintf(stderr, "bench: World::Create: %s\n", world.status().ToString().c_str());
    std::abort();
  }
  return std::move(*world);
}

void ScheduleOrDie(world::World& world, int64_t at_ms, world::Action action) {
  const absl::Status status = world.Schedule(at_ms, std::move(action));
  if (!status.ok()) {
    std::fprintf(stderr, "bench: Schedule: %s\n", status.ToString().c_str());
    std::abort();
  }
}

bool FullyConverged(const world::World& world, const ColdStartSpec& spec) {
  for (int i = 0; i < spec.nodes; ++i) {
    const std::string name = NodeNameOf(i);
    const auto missing = world.VerifyReady(name);
    if (!missing.has_value() || !missing->empty()) return false;
    for (int t = 0; t < spec.tables; ++t) {
      const auto cluster = world.TableCluster(name, TableNameOf(t));
      if (!cluster.has_value() || cluster->size() != static_cast<size_t>(spec.nodes)) return false;
    }
  }
  return true;
}

ConvergenceWatch::ConvergenceWatch(world::World& world, const ColdStartSpec& spec,
                                   int64_t from_ms)
    : spec_(spec), from_ms_(from_ms) {
  for (int i = 0; i < spec.nodes; ++i) names_.push_back(NodeNameOf(i));
  world.SetObserver([this](const world::World& w) { OnEvent(w); });
}

void ConvergenceWatch::Rearm(int64_t from_ms) {
  converged_at_ms_.reset();
  converged_at_events_ = 0;
  from_ms_ = from_ms;
  cursor_ = 0;
  check_wall_s_ = 0;
  check_cpu_s_ = 0;
}

bool ConvergenceWatch::NodeLooksDone(const world::World& world, int node) const {
  const std::string& name = names_[node];
  const engine::State* state = world.DiscoveryState(name);
  if (state == nullptr) return false;
  const size_t peers = static_cast<size_t>(spec_.nodes - 1);
  return world.VisibleConnected(name).size() == peers && state->last_get_nodes_result.ok() &&
         state->nodes.size() == static_cast<size_t>(spec_.nodes) &&
         state->unavailable_nodes.empty() &&
         state->results.size() >= peers * static_cast<size_t>(spec_.tables);
}

void ConvergenceWatch::OnEvent(const world::World& world) {
  if (converged_at_ms_.has_value() || world.now_ms() < from_ms_) return;
  // Judge the state at the end of an instant only.
  const std::optional<int64_t> next_ms = world.NextEventTime();
  if (next_ms.has_value() && *next_ms == world.now_ms()) return;
  const Stopwatch watch;
  // Every node must pass in this one instant. The cursor stays on the first
  // node that fails, so later instants start with it.
  bool done = true;
  for (int passed = 0; passed < spec_.nodes && done; ++passed) {
    done = NodeLooksDone(world, cursor_) && NodeDone(world, cursor_);
    if (done) cursor_ = (cursor_ + 1) % spec_.nodes;
  }
  if (done) {
    converged_at_ms_ = world.now_ms();
    converged_at_events_ = world.counters().events;
  }
  check_wall_s_ += watch.wall_s();
  check_cpu_s_ += watch.cpu_s();
}

bool ConvergenceWatch::NodeDone(const world::World& world, int node) const {
  const std::string& name = names_[node];
  const auto missing = world.VerifyReady(name);
  if (!missing.has_value() || !missing->empty()) return false;
  for (int t = 0; t < spec_.tables; ++t) {
    const auto cluster = world.TableCluster(name, TableNameOf(t));
    if (!cluster.has_value() || cluster->size() != static_cast<size_t>(spec_.nodes)) return false;
  }
  return true;
}

double ThreadCpuSeconds() {
  timespec now;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace discosim::bench
