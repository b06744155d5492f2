// Simulator benchmarks on whole worlds: cold start of N nodes x T tables to
// full convergence, an hour of steady state, and a partition healed.
//
// Wall time is taken by hand (UseManualTime): it covers building the world
// and running it, not the convergence checks (reported apart as check_s) nor
// tearing the world down. Every run is deterministic, so each iteration
// processes the same events; the counters are per run.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bench/bench_support.h"
#include "sim/world/world.h"

namespace discosim::bench {
namespace {

using benchmark::Counter;

// Runs the world one instant at a time until the watch sees convergence or
// the clock passes limit_ms. Returns false on a world error or the limit.
bool RunToConvergence(world::World& world, const ConvergenceWatch& watch, int64_t limit_ms,
                      std::string& error) {
  while (!watch.converged()) {
    const std::optional<int64_t> next_ms = world.NextEventTime();
    if (!next_ms.has_value() || *next_ms > limit_ms) {
      error = "no convergence by t=" + std::to_string(limit_ms) + " ms";
      return false;
    }
    const world::RunResult run = world.RunUntil(*next_ms);
    if (!run.ok()) {
      error = std::string("run stopped: ") + world::ToString(run.status) + " " +
              run.error.ToString();
      return false;
    }
  }
  return true;
}

// Join pairs that finished "ok" by at_ms.
uint64_t JoinsOkBy(const world::World& world, int64_t at_ms) {
  uint64_t joins = 0;
  for (const world::JoinRecord& join : world.Joins()) {
    if (join.result == "ok" && join.finished_at_ms.has_value() && *join.finished_at_ms <= at_ms) {
      ++joins;
    }
  }
  return joins;
}

// Wall and CPU time summed over a benchmark's runs (every run of one world
// does the same work, so means are what to report).
struct Totals {
  int runs = 0;
  double wall_s = 0;
  double cpu_s = 0;
  void Add(double wall, double cpu) {
    ++runs;
    wall_s += wall;
    cpu_s += cpu;
  }
  double mean_wall_s() const { return wall_s / runs; }
  double mean_cpu_s() const { return cpu_s / runs; }
};

// events, events per wall and per CPU second of one run, and the same
// against the floor over as many events, measured now.
void SetSpeedCounters(benchmark::State& bs, uint64_t events, const Totals& totals) {
  const double per_wall_s = static_cast<double>(events) / totals.mean_wall_s();
  const double per_cpu_s = static_cast<double>(events) / totals.mean_cpu_s();
  const FloorRate floor = MeasureFloor(events);
  bs.counters["events"] = static_cast<double>(events);
  bs.counters["wall_s"] = totals.mean_wall_s();
  bs.counters["cpu_s"] = totals.mean_cpu_s();
  bs.counters["events_per_s"] = per_wall_s;
  bs.counters["events_per_cpu_s"] = per_cpu_s;
  bs.counters["floor_events_per_s"] = floor.events_per_s;
  bs.counters["floor_fraction"] = per_wall_s / floor.events_per_s;
  bs.counters["floor_fraction_cpu"] = per_cpu_s / floor.events_per_cpu_s;
}

// 3. Cold start: N nodes x T tables from t=0 until every node is ready and
// every table's cluster holds all N nodes.
void BM_ColdStart(benchmark::State& bs) {
  const ColdStartSpec spec{static_cast<int>(bs.range(0)), static_cast<int>(bs.range(1)), 1};
  uint64_t events = 0, joins_ok = 0, lock_attempts = 0, lock_grants = 0;
  int64_t converged_ms = 0;
  double check_s = 0, peak_bytes = 0;
  Totals totals;
  for (auto _ : bs) {
    PeakMemory memory;
    const Stopwatch run;
    std::unique_ptr<world::World> world = BuildWorld(ColdStartConfig(spec));
    ConvergenceWatch watch(*world, spec);
    std::string error;
    if (!RunToConvergence(*world, watch, kColdStartLimitMs, error)) {
      bs.SkipWithError(error.c_str());
      return;
    }
    const double wall_s = run.wall_s() - watch.check_seconds();
    totals.Add(wall_s, run.cpu_s() - watch.check_cpu_seconds());
    bs.SetIterationTime(wall_s);
    check_s = watch.check_seconds();
    peak_bytes = std::max(peak_bytes, memory.PeakBytes());
    events = watch.converged_at_events();
    converged_ms = watch.converged_at_ms();
    joins_ok = JoinsOkBy(*world, converged_ms);
    lock_attempts = world->counters().lock_attempts;
    lock_grants = world->counters().lock_grants;
  }
  const double virtual_s = static_cast<double>(converged_ms) / 1000.0;
  const int merges = spec.tables * (spec.nodes - 1);  // N-1 per table, from N lone servers
  bs.counters["nodes"] = spec.nodes;
  bs.counters["tables"] = spec.tables;
  bs.counters["virtual_s"] = virtual_s;
  bs.counters["virtual_to_wall"] = virtual_s / totals.mean_wall_s();
  bs.counters["merges"] = merges;
  bs.counters["merges_per_virtual_s"] = merges / virtual_s;
  bs.counters["joins_ok"] = static_cast<double>(joins_ok);
  bs.counters["joins_ok_per_virtual_s"] = static_cast<double>(joins_ok) / virtual_s;
  bs.counters["lock_attempts"] = static_cast<double>(lock_attempts);
  bs.counters["lock_grants"] = static_cast<double>(lock_grants);
  bs.counters["peak_mb"] = peak_bytes / 1e6;
  bs.counters["check_s"] = check_s;
  SetSpeedCounters(bs, events, totals);
}

void ColdStartArgs(benchmark::internal::Benchmark* b, const std::vector<int64_t>& nodes) {
  b->ArgNames({"nodes", "tables"})->UseManualTime()->Unit(benchmark::kMillisecond);
  for (int64_t tables : {1, 10}) {
    for (int64_t n : nodes) b->Args({n, tables});
  }
}
// Small worlds: Google Benchmark picks the iteration count.
BENCHMARK(BM_ColdStart)->Apply([](benchmark::internal::Benchmark* b) {
  ColdStartArgs(b, {3, 10, 30});
});
// Large worlds take seconds to minutes each: one run.
BENCHMARK(BM_ColdStart)
    ->Apply([](benchmark::internal::Benchmark* b) { ColdStartArgs(b, {100, 300}); })
    ->Iterations(1);

// 10 nodes x 10 tables: cold start and an hour of steady state after it.
void BM_SteadyState_1h(benchmark::State& bs) {
  const ColdStartSpec spec{static_cast<int>(bs.range(0)), static_cast<int>(bs.range(1)), 1};
  constexpr int64_t kHourMs = 3'600'000;
  uint64_t events = 0;
  Totals totals;
  for (auto _ : bs) {
    const Stopwatch run;
    std::unique_ptr<world::World> world = BuildWorld(ColdStartConfig(spec));
    const world::RunResult result = world->RunUntil(kHourMs);
    const double wall_s = run.wall_s();
    totals.Add(wall_s, run.cpu_s());
    if (!result.ok() || !FullyConverged(*world, spec)) {
      bs.SkipWithError("the hour did not end converged");
      return;
    }
    bs.SetIterationTime(wall_s);
    events = result.events;
  }
  bs.counters["nodes"] = spec.nodes;
  bs.counters["tables"] = spec.tables;
  bs.counters["virtual_s"] = kHourMs / 1000.0;
  bs.counters["virtual_to_wall"] = kHourMs / 1000.0 / totals.mean_wall_s();
  SetSpeedCounters(bs, events, totals);
}
BENCHMARK(BM_SteadyState_1h)
    ->Args({10, 10})
    ->ArgNames({"nodes", "tables"})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// 4. A converged 30 x 10 cluster split in two halves for two minutes (past
// the tick time, so both sides see nodedowns), then healed. Timed: from the
// partition until every node is ready and every table whole again.
void BM_PartitionHeal(benchmark::State& bs) {
  const ColdStartSpec spec{static_cast<int>(bs.range(0)), static_cast<int>(bs.range(1)), 1};
  constexpr int64_t kSplitMs = 120'000;
  uint64_t events_split = 0, events_heal = 0, lock_attempts = 0;
  int64_t reconverge_ms = 0;
  bool split = false;
  Totals totals;
  for (auto _ : bs) {
    std::unique_ptr<world::World> world = BuildWorld(ColdStartConfig(spec));
    ConvergenceWatch watch(*world, spec);
    std::string error;
    if (!RunToConvergence(*world, watch, kColdStartLimitMs, error)) {
      bs.SkipWithError(error.c_str());
      return;
    }
    const int64_t partition_ms = watch.converged_at_ms() + 1'000;
    const int64_t heal_ms = partition_ms + kSplitMs;
    std::vector<std::string> left, right;
    for (int i = 0; i < spec.nodes; ++i) {
      (i < spec.nodes / 2 ? left : right).push_back(NodeNameOf(i));
    }
    ScheduleOrDie(*world, partition_ms, world::action::Partition{{left, right}});
    ScheduleOrDie(*world, heal_ms, world::action::HealAll{});
    const uint64_t attempts_before = world->counters().lock_attempts;
    const Stopwatch run;
    world::RunResult result = world->RunUntil(partition_ms - 1);
    const uint64_t events_before = result.events;
    if (result.ok()) result = world->RunUntil(heal_ms - 1);
    split = world->VisibleConnected(left.front()).size() < static_cast<size_t>(spec.nodes - 1);
    const uint64_t events_at_heal = result.events;
    watch.Rearm(heal_ms);
    if (!result.ok() || !RunToConvergence(*world, watch, heal_ms + kColdStartLimitMs, error)) {
      bs.SkipWithError(error.empty() ? "run stopped during the partition" : error.c_str());
      return;
    }
    const double wall_s = run.wall_s() - watch.check_seconds();
    totals.Add(wall_s, run.cpu_s() - watch.check_cpu_seconds());
    bs.SetIterationTime(wall_s);
    events_split = events_at_heal - events_before;
    events_heal = watch.converged_at_events() - events_at_heal;
    reconverge_ms = watch.converged_at_ms() - heal_ms;
    lock_attempts = world->counters().lock_attempts - attempts_before;
  }
  bs.counters["nodes"] = spec.nodes;
  bs.counters["tables"] = spec.tables;
  bs.counters["split_seen"] = split ? 1 : 0;
  bs.counters["events_during_split"] = static_cast<double>(events_split);
  bs.counters["events_to_reconverge"] = static_cast<double>(events_heal);
  bs.counters["virtual_s_to_reconverge"] = static_cast<double>(reconverge_ms) / 1000.0;
  bs.counters["lock_attempts"] = static_cast<double>(lock_attempts);
  SetSpeedCounters(bs, events_split + events_heal, totals);
}
// Each run first converges the cluster (untimed, about as long as the timed
// part), so the run count is fixed rather than left to the minimum time.
BENCHMARK(BM_PartitionHeal)
    ->Args({30, 10})
    ->Iterations(3)
    ->ArgNames({"nodes", "tables"})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace discosim::bench
