// 5. Fuzz throughput: seeded random 5-node, 1-hour cases per wall second, on
// one thread and on every core, two ways:
//
//   BM_Fuzz_5Node1h          the world alone: a stand-in case built through
//                            the world API (5 nodes with 1-3 tables, random
//                            backend latency and errors, 1-4 faults: a
//                            partition healed later, a restart, a burst of
//                            backend errors) run for exactly an hour. Written
//                            before `discosim fuzz` existed; it measures the
//                            simulator without the scenario layer.
//   BM_FuzzCampaign_5Node1h  what `discosim fuzz` runs per case: sim/fuzz's
//                            GenerateCase (up to 5 nodes, horizons up to an
//                            hour, swarm fault kinds) and CheckCase with the
//                            world properties judged, with its default event
//                            cap.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdint>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bench/bench_support.h"
#include "sim/fuzz/build.h"
#include "sim/fuzz/check.h"
#include "sim/fuzz/fuzz_case.h"
#include "sim/world/random.h"
#include "sim/world/world.h"

namespace discosim::bench {
namespace {

using benchmark::Counter;

constexpr int kFuzzNodes = 5;
constexpr int64_t kFuzzHourMs = 3'600'000;

struct FuzzCase {
  world::WorldConfig config;
  std::vector<std::pair<int64_t, world::Action>> actions;
};

std::string FuzzNode(int i) {
  char name[16];
  std::snprintf(name, sizeof(name), "f%d@h%d", i, i);
  return name;
}

// The case of `seed`; every draw comes from the seed's fault-schedule stream.
FuzzCase MakeCase(uint64_t seed) {
  world::Rng rng = world::Rng::ForStream(seed, world::Subsystem::kFaultSchedule, 0);
  FuzzCase c;
  c.config.seed = seed;
  std::vector<std::string> tables;
  for (int64_t t = rng.Range(1, 3); t > 0; --t) tables.push_back(TableNameOf(static_cast<int>(t)));
  for (int i = 0; i < kFuzzNodes; ++i) {
    world::NodeConfig node;
    node.name = FuzzNode(i);
    node.tables = tables;
    const int64_t latency_max_ms = rng.Range(0, 50);
    node.backend.latency = {rng.Range(0, latency_max_ms), latency_max_ms};
    node.backend.error_rate = rng.Chance(1, 4) ? 0.1 : 0.0;
    c.config.nodes.push_back(std::move(node));
  }
  for (int64_t faults = rng.Range(1, 4); faults > 0; --faults) {
    const int64_t at_ms = rng.Range(0, kFuzzHourMs - 600'000);
    switch (rng.UniformBelow(3)) {
      case 0: {  // a split into two non-empty groups, healed 10 s - 5 min later
        const uint64_t mask = 1 + rng.UniformBelow((1u << kFuzzNodes) - 2);
        std::vector<std::string> in, out;
        for (int i = 0; i < kFuzzNodes; ++i) ((mask >> i) & 1 ? in : out).push_back(FuzzNode(i));
        c.actions.emplace_back(at_ms, world::action::Partition{{in, out}});
        c.actions.emplace_back(at_ms + rng.Range(10'000, 300'000), world::action::HealAll{});
        break;
      }
      case 1:
        c.actions.emplace_back(
            at_ms, world::action::Restart{{FuzzNode(static_cast<int>(rng.UniformBelow(kFuzzNodes)))}});
        break;
      default: {
        world::action::BackendFail fail;
        fail.node = FuzzNode(static_cast<int>(rng.UniformBelow(kFuzzNodes)));
        fail.count = rng.Range(1, 5);
        c.actions.emplace_back(at_ms, std::move(fail));
        break;
      }
    }
  }
  return c;
}

// A fuzz run is bounded: a case past this many events stops there and
// counts as a finding (a stuck join lock, say). About 200x the median case.
constexpr uint64_t kFuzzMaxEvents = 1'000'000;

struct CaseOutcome {
  uint64_t events = 0;
  bool hit_limit = false;
  bool failed = false;  // a world error
};

// Builds and runs one case to the end of its hour.
CaseOutcome RunCase(uint64_t seed) {
  FuzzCase c = MakeCase(seed);
  c.config.limits.max_events = kFuzzMaxEvents;
  std::unique_ptr<world::World> world = BuildWorld(std::move(c.config));
  for (auto& [at_ms, action] : c.actions) ScheduleOrDie(*world, at_ms, std::move(action));
  const world::RunResult run = world->RunUntil(kFuzzHourMs);
  return CaseOutcome{run.events, run.status == world::RunStatus::kEventLimit,
                     run.status == world::RunStatus::kError};
}

// Seeds 1, 2, 3, ... handed out to every thread of a run in turn, so one
// thread and all cores run the same cases.
std::atomic<uint64_t> next_seed{1};

// Items are cases; with real time, items_per_second is the cases per wall
// second of all threads together.
// The counters both fuzz benchmarks report: cases per second (per core, per
// CPU second), events per case, and cases that hit the event limit or failed.
void SetCaseCounters(benchmark::State& bs, const Stopwatch& cpu, uint64_t events,
                     uint64_t at_limit, uint64_t failed) {
  bs.SetItemsProcessed(bs.iterations());
  bs.counters["threads"] = Counter(1, Counter::kDefaults);  // summed over threads
  bs.counters["cases"] = static_cast<double>(bs.iterations());
  bs.counters["cases_per_s"] = Counter(static_cast<double>(bs.iterations()), Counter::kIsRate);
  bs.counters["cases_per_s_per_core"] =
      Counter(static_cast<double>(bs.iterations()), Counter::kIsRate | Counter::kAvgThreads);
  bs.counters["cases_per_cpu_s"] =
      Counter(static_cast<double>(bs.iterations()) / cpu.cpu_s(), Counter::kAvgThreads);
  bs.counters["events_per_case"] = Counter(static_cast<double>(events), Counter::kAvgIterations);
  bs.counters["events_per_s"] = Counter(static_cast<double>(events), Counter::kIsRate);
  bs.counters["cases_at_event_limit"] = static_cast<double>(at_limit);
  bs.counters["failed_cases"] = static_cast<double>(failed);
}

void BM_Fuzz_5Node1h(benchmark::State& bs) {
  uint64_t events = 0, hit_limit = 0, failed = 0;
  const Stopwatch cpu;
  for (auto _ : bs) {
    const CaseOutcome outcome = RunCase(next_seed.fetch_add(1));
    events += outcome.events;
    hit_limit += outcome.hit_limit ? 1 : 0;
    failed += outcome.failed ? 1 : 0;
  }
  SetCaseCounters(bs, cpu, events, hit_limit, failed);
}

// The campaign's cases: seed 1's cases 0, 1, 2, ... handed out in turn.
std::atomic<uint64_t> next_case{0};

void BM_FuzzCampaign_5Node1h(benchmark::State& bs) {
  fuzz::GenOptions options;
  options.max_nodes = kFuzzNodes;
  options.max_horizon_ms = kFuzzHourMs;
  const std::vector<fuzz::Property> properties = fuzz::WorldProperties();
  uint64_t events = 0, too_many = 0, failed = 0, errors = 0;
  const Stopwatch cpu;
  for (auto _ : bs) {
    const fuzz::FuzzCase c = fuzz::GenerateCase(fuzz::CaseSeed(1, next_case.fetch_add(1)), options);
    const fuzz::CaseResult result = fuzz::CheckCase(c, properties, fuzz::CheckOptions{});
    events += result.events;
    too_many += result.kind == fuzz::CaseResult::Kind::kTooManyEvents ? 1 : 0;
    failed += result.kind == fuzz::CaseResult::Kind::kFailed ? 1 : 0;
    errors += result.kind == fuzz::CaseResult::Kind::kError ? 1 : 0;
  }
  SetCaseCounters(bs, cpu, events, too_many, failed + errors);
}

}  // namespace

void RegisterFuzzBenchmarks(int cases) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int threads : {1, cores}) {
    benchmark::RegisterBenchmark("BM_Fuzz_5Node1h", BM_Fuzz_5Node1h)
        ->Setup([](const benchmark::State&) { next_seed = 1; })
        ->Threads(threads)
        ->Iterations(std::max(1, cases / threads))
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_FuzzCampaign_5Node1h", BM_FuzzCampaign_5Node1h)
        ->Setup([](const benchmark::State&) { next_case = 0; })
        ->Threads(threads)
        ->Iterations(std::max(1, cases / threads))
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    if (cores == 1) break;
  }
}

}  // namespace discosim::bench
