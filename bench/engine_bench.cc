// 1. Engine step cost per message kind, on a settled state of N nodes and T
// tables (16/4 and 256/16). 2. The floor: a bare binary-heap event queue.
//
// The fixture is node n0000 of a settled cluster: its backend lists all N
// nodes (sorted, as the world's backends return them), it is connected to
// the other N-1, and every (peer, table) pair has joined. Each benchmark
// resets the few fields its message changes, so every iteration handles the
// same message against the same state; the resets are part of the time.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/bench_support.h"
#include "engine/engine.h"

namespace discosim::bench {
namespace {

using namespace discosim::engine;

struct Fixture {
  NodeName self = NodeNameOf(0);
  NodeName peer = NodeNameOf(1);  // the node that goes down / comes up
  NodeSet connected;              // every other node
  NodeSet connected_but_peer;     // every other node but `peer`
  std::vector<NodeName> all_nodes;
  State state;
  Effects effects;

  Fixture(int nodes, int tables) {
    for (int i = 0; i < nodes; ++i) {
      all_nodes.push_back(NodeNameOf(i));
      if (i > 0) connected.insert(all_nodes.back());
      if (i > 1) connected_but_peer.insert(all_nodes.back());
    }
    Options options;
    for (int t = 0; t < tables; ++t) options.tables.push_back(TableNameOf(t));
    Init(state, options, 0, View{self, connected}, effects);
    Run(Check{}, connected);
    Run(GetNodesDone{GetNodesResult::Ok(all_nodes), 0}, connected);
    std::vector<JoinResult> results;
    for (const NodeName& node : connected) {
      for (const TableName& table : state.tables) {
        results.push_back({node, table, JoinResult::What::kJoinResult, true, ""});
      }
    }
    Run(JoiningFinished{results}, connected);
  }

  void Run(const Message& message, const NodeSet& view) {
    effects.clear();
    Step(state, message, 1000, View{self, view}, effects);
  }
};

void Sizes(benchmark::internal::Benchmark* b) {
  b->Args({16, 4})->Args({256, 16});
  b->ArgNames({"nodes", "tables"});
}

// The work measure for "no worse than linear in nodes x tables".
void SetSize(benchmark::State& bs) {
  bs.counters["nodes_x_tables"] = static_cast<double>(bs.range(0) * bs.range(1));
}

void BM_Step_Check(benchmark::State& bs) {
  Fixture f(bs.range(0), bs.range(1));
  const Message m = Check{};
  for (auto _ : bs) {
    f.Run(m, f.connected);
    f.state.get_nodes_status = TaskStatus::kNotRunning;
    benchmark::DoNotOptimize(f.effects.data());
  }
  SetSize(bs);
}
BENCHMARK(BM_Step_Check)->Apply(Sizes);

// The same list again: pings none, starts a join task of every pair,
// schedules the next check.
void BM_Step_GetNodesResult(benchmark::State& bs) {
  Fixture f(bs.range(0), bs.range(1));
  const Message m = GetNodesDone{GetNodesResult::Ok(f.all_nodes), 0};
  for (auto _ : bs) {
    f.state.get_nodes_status = TaskStatus::kRunning;
    f.Run(m, f.connected);
    f.state.join_status = TaskStatus::kNotRunning;
    benchmark::DoNotOptimize(f.effects.data());
  }
  SetSize(bs);
}
BENCHMARK(BM_Step_GetNodesResult)->Apply(Sizes);

// As above with the list in reverse order (a backend that does not sort).
void BM_Step_GetNodesResultUnsorted(benchmark::State& bs) {
  Fixture f(bs.range(0), bs.range(1));
  std::vector<NodeName> reversed(f.all_nodes.rbegin(), f.all_nodes.rend());
  const Message m = GetNodesDone{GetNodesResult::Ok(reversed), 0};
  for (auto _ : bs) {
    f.state.get_nodes_status = TaskStatus::kRunning;
    f.Run(m, f.connected);
    f.state.join_status = TaskStatus::kNotRunning;
    benchmark::DoNotOptimize(f.effects.data());
  }
  SetSize(bs);
}
BENCHMARK(BM_Step_GetNodesResultUnsorted)->Apply(Sizes);

// A peer comes (back) up: check to self, start time, log, a join task.
void BM_Step_Nodeup(benchmark::State& bs) {
  Fixture f(bs.range(0), bs.range(1));
  const Message m = Nodeup{f.peer};
  for (auto _ : bs) {
    f.Run(m, f.connected);
    f.state.join_status = TaskStatus::kNotRunning;
    benchmark::DoNotOptimize(f.effects.data());
  }
  SetSize(bs);
}
BENCHMARK(BM_Step_Nodeup)->Apply(Sizes);

// A peer goes down (already gone from the view), with a wait_for_ready
// caller: log, unavailable, and a full verify_ready that answers the caller.
void BM_Step_Nodedown(benchmark::State& bs) {
  Fixture f(bs.range(0), bs.range(1));
  const Message m = Nodedown{f.peer};
  for (auto _ : bs) {
    f.state.unavailable_nodes.erase(f.peer);
    f.state.nodeup_timestamps[f.peer] = 500;
    f.state.pending_wait_for_ready.push_back(1);
    f.Run(m, f.connected_but_peer);
    benchmark::DoNotOptimize(f.effects.data());
  }
  SetSize(bs);
}
BENCHMARK(BM_Step_Nodedown)->Apply(Sizes);

// A pang for a listed node that is not connected, with a wait_for_ready
// caller: unavailable, and a full verify_ready that answers the caller.
void BM_Step_PingPang(benchmark::State& bs) {
  Fixture f(bs.range(0), bs.range(1));
  const Message m = PingResult{f.peer, PingResult::Outcome::kPang};
  for (auto _ : bs) {
    f.state.unavailable_nodes.erase(f.peer);
    f.state.pending_wait_for_ready.push_back(1);
    f.Run(m, f.connected_but_peer);
    benchmark::DoNotOptimize(f.effects.data());
  }
  SetSize(bs);
}
BENCHMARK(BM_Step_PingPang)->Apply(Sizes);

// A repeated join task returns the same results: nothing new to log.
void BM_Step_JoiningFinished(benchmark::State& bs) {
  Fixture f(bs.range(0), bs.range(1));
  const Message m = JoiningFinished{f.state.results};
  for (auto _ : bs) {
    f.state.join_status = TaskStatus::kRunning;
    f.Run(m, f.connected);
    benchmark::DoNotOptimize(f.effects.data());
  }
  SetSize(bs);
}
BENCHMARK(BM_Step_JoiningFinished)->Apply(Sizes);

// The reply holds a copy of the whole state and its verify_ready.
void BM_Step_SystemInfo(benchmark::State& bs) {
  Fixture f(bs.range(0), bs.range(1));
  const Message m = SystemInfoCall{1};
  for (auto _ : bs) {
    f.Run(m, f.connected);
    benchmark::DoNotOptimize(f.effects.data());
  }
  SetSize(bs);
}
BENCHMARK(BM_Step_SystemInfo)->Apply(Sizes);

// 2. The floor: one pop and one push per event through a bare binary heap
// of `pending` events, no work. A simulator can never be faster.
void BM_Floor_EventQueue(benchmark::State& bs) {
  FloorQueue queue(static_cast<size_t>(bs.range(0)));
  for (auto _ : bs) benchmark::DoNotOptimize(queue.Step());
  bs.SetItemsProcessed(bs.iterations());
  bs.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(bs.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Floor_EventQueue)->Arg(64)->Arg(kFloorPending)->Arg(65'536)->ArgName("pending");

// The same loop through the simulator's calendar queue, with the heap's
// delays (spread 4) and with 0-4 ms on the world's microsecond clock.
void BM_Floor_CalendarQueue(benchmark::State& bs) {
  CalendarFloorQueue queue(static_cast<size_t>(bs.range(0)), bs.range(1));
  for (auto _ : bs) benchmark::DoNotOptimize(queue.Step());
  bs.SetItemsProcessed(bs.iterations());
  bs.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(bs.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Floor_CalendarQueue)
    ->ArgsProduct({{64, kFloorPending, 65'536}, {4, 4'096}})
    ->ArgNames({"pending", "spread"});

}  // namespace
}  // namespace discosim::bench
