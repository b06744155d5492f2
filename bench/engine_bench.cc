// Engine step cost per message kind, on a settled state of N nodes and T
// tables, and the floor: a bare binary-heap event queue doing no work.
//
// Each benchmark resets the one or two fields its message changes, so every
// iteration handles the same message against the same state; the resets are
// plain assignments and are part of the measured time.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <queue>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace {

using namespace discosim::engine;

struct Fixture {
  NodeName self = "n0@h0";
  NodeSet connected;
  std::vector<NodeName> all_nodes;
  State state;
  Effects effects;

  View view() const { return View{self, connected}; }

  // A node that has listed all N nodes, is connected to the others, and has
  // every (node, table) pair joined.
  Fixture(int nodes, int tables) {
    for (int i = 0; i < nodes; ++i) {
      all_nodes.push_back(std::string("n").append(std::to_string(i)).append("@h").append(std::to_string(i)));
      if (i > 0) connected.insert(all_nodes.back());
    }
    Options options;
    for (int t = 0; t < tables; ++t) options.tables.push_back(std::string("table").append(std::to_string(t)));
    Init(state, options, 0, view(), effects);
    Run(Check{});
    Run(GetNodesDone{GetNodesResult::Ok(all_nodes), 0});
    std::vector<JoinResult> results;
    for (const NodeName& node : connected) {
      for (const TableName& table : state.tables) {
        results.push_back({node, table, JoinResult::What::kJoinResult, true, ""});
      }
    }
    Run(JoiningFinished{results});
  }

  void Run(const Message& message) {
    effects.clear();
    Step(state, message, 1000, view(), effects);
  }
};

void Args(benchmark::internal::Benchmark* b) {
  b->Args({16, 4})->Args({256, 16});
  b->ArgNames({"nodes", "tables"});
}

void BM_Step_Check(benchmark::State& bs) {
  Fixture f(bs.range(0), bs.range(1));
  const Message m = Check{};
  for (auto _ : bs) {
    f.Run(m);
    f.state.get_nodes_status = TaskStatus::kNotRunning;
    benchmark::DoNotOptimize(f.effects.data());
  }
}
BENCHMARK(BM_Step_Check)->Apply(Args);

void BM_Step_GetNodesResult(benchmark::State& bs) {
  Fixture f(bs.range(0), bs.range(1));
  const Message m = GetNodesDone{GetNodesResult::Ok(f.all_nodes), 0};
  for (auto _ : bs) {
    f.state.get_nodes_status = TaskStatus::kRunning;
    f.Run(m);
    f.state.join_status = TaskStatus::kNotRunning;
    benchmark::DoNotOptimize(f.effects.data());
  }
}
BENCHMARK(BM_Step_GetNodesResult)->Apply(Args);

void BM_Step_Nodeup(benchmark::State& bs) {
  Fixture f(bs.range(0), bs.range(1));
  const Message m = Nodeup{f.all_nodes[1]};
  for (auto _ : bs) {
    f.Run(m);
    f.state.join_status = TaskStatus::kNotRunning;
    benchmark::DoNotOptimize(f.effects.data());
  }
}
BENCHMARK(BM_Step_Nodeup)->Apply(Args);

void BM_Step_Nodedown(benchmark::State& bs) {
  Fixture f(bs.range(0), bs.range(1));
  const Message m = Nodedown{f.all_nodes[1]};
  f.state.pending_wait_for_ready.push_back(1);  // so verify_ready really runs
  for (auto _ : bs) {
    f.Run(m);
    benchmark::DoNotOptimize(f.effects.data());
  }
}
BENCHMARK(BM_Step_Nodedown)->Apply(Args);

void BM_Step_PingPang(benchmark::State& bs) {
  Fixture f(bs.range(0), bs.range(1));
  const Message m = PingResult{"ghost@nohost", PingResult::Outcome::kPang};
  f.state.pending_wait_for_ready.push_back(1);
  for (auto _ : bs) {
    f.Run(m);
    benchmark::DoNotOptimize(f.effects.data());
  }
}
BENCHMARK(BM_Step_PingPang)->Apply(Args);

void BM_Step_JoiningFinished(benchmark::State& bs) {
  Fixture f(bs.range(0), bs.range(1));
  const Message m = JoiningFinished{f.state.results};
  for (auto _ : bs) {
    f.state.join_status = TaskStatus::kRunning;
    f.Run(m);
    benchmark::DoNotOptimize(f.effects.data());
  }
}
BENCHMARK(BM_Step_JoiningFinished)->Apply(Args);

void BM_Step_SystemInfo(benchmark::State& bs) {
  Fixture f(bs.range(0), bs.range(1));
  const Message m = SystemInfoCall{1};
  for (auto _ : bs) {
    f.Run(m);
    benchmark::DoNotOptimize(f.effects.data());
  }
}
BENCHMARK(BM_Step_SystemInfo)->Apply(Args);

// The floor: push and pop events through a bare binary heap ordered by
// (time, sequence), with no work per event. A simulator can never be faster.
struct FloorEvent {
  int64_t time_ms;
  uint64_t seq;
  bool operator>(const FloorEvent& o) const {
    return time_ms != o.time_ms ? time_ms > o.time_ms : seq > o.seq;
  }
};

void BM_Floor_EventQueue(benchmark::State& bs) {
  const int64_t pending = bs.range(0);
  std::priority_queue<FloorEvent, std::vector<FloorEvent>, std::greater<>> queue;
  uint64_t seq = 0;
  uint64_t x = 88172645463325252ull;  // xorshift: delays without <random>
  for (int64_t i = 0; i < pending; ++i) queue.push({static_cast<int64_t>(i), seq++});
  for (auto _ : bs) {
    FloorEvent e = queue.top();
    queue.pop();
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    queue.push({e.time_ms + static_cast<int64_t>(x % 1000), seq++});
  }
  bs.SetItemsProcessed(bs.iterations());
  bs.counters["events_per_second"] =
      benchmark::Counter(static_cast<double>(bs.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Floor_EventQueue)->Arg(64)->Arg(4096)->ArgName("pending");

}  // namespace

BENCHMARK_MAIN();
