// The backends room alone on a bare kernel: answers after their latency
// with the list and the next backend state, scripted failures by count and
// by window, the error rate drawn per node, answers dropped by a stop.
#include "sim/world/backend.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "sim/world/kernel.h"

namespace discosim::world {
namespace {

struct BackendBench {
  explicit BackendBench(std::vector<BackendConfig> configs) : kernel(WorldConfig{}), backend(kernel) {
    std::vector<NodeName> names;
    for (size_t i = 0; i < configs.size(); ++i) {
      kernel.nodes.emplace_back();
      kernel.nodes.back().name = std::string(1, static_cast<char>('a' + i)) + "@h";
      kernel.nodes.back().running = true;
      kernel.nodes.back().incarnation = 1;
      names.push_back(kernel.nodes.back().name);
    }
    kernel.n_nodes = static_cast<uint32_t>(configs.size());
    kernel.observations.Build(names);
    backend.Build(configs, names);
    backend.answered = [this](NodeId n, engine::GetNodesDone done) {
      answers.push_back(Answer{n, kernel.now(), done.result.ok(), done.result.nodes, done.backend_state});
    };
    backend.fault_removed = [this] { removals.push_back(kernel.now()); };
  }
  void RunUntil(TimeMs until_ms) {
    while (!kernel.queue.empty() && kernel.queue.next() <= until_ms * Kernel::kUsPerMs) {
      const Event event = kernel.queue.Pop().payload;
      ASSERT_EQ(event.kind, EventKind::kBackendDone);
      backend.OnDone(event);
    }
    kernel.queue.AdvanceTo(std::max(kernel.now_us(), until_ms * Kernel::kUsPerMs));
  }
  // One call from node n at `at_ms` (a backend without latency), answered.
  bool CallOk(NodeId n, TimeMs at_ms) {
    RunUntil(at_ms);
    const size_t before = answers.size();
    backend.Call(n, 0);
    RunUntil(at_ms);
    EXPECT_EQ(answers.size(), before + 1);
    return answers.back().ok;
  }
  struct Answer {
    NodeId node;
    TimeMs at_ms;
    bool ok;
    std::vector<NodeName> nodes;
    engine::BackendState state;
  };
  Kernel kernel;
  Backend backend;
  std::vector<Answer> answers;
  std::vector<TimeMs> removals;
};

TEST(BackendTest, ACallAnswersAfterItsLatencyWithTheListAndTheNextState) {
  BackendConfig fixed;
  fixed.latency = {300, 300};
  BackendConfig listed;
  listed.nodes = std::vector<NodeName>{"b@h"};
  listed.latency = {10, 200};
  BackendBench bench({fixed, listed});
  bench.backend.Call(0, 41);
  bench.backend.Call(1, 0);
  bench.RunUntil(1'000);
  ASSERT_EQ(bench.answers.size(), 2u);
  const auto& second = bench.answers[0].node == 1 ? bench.answers[0] : bench.answers[1];
  const auto& first = bench.answers[0].node == 0 ? bench.answers[0] : bench.answers[1];
  EXPECT_EQ(first.at_ms, 300);
  EXPECT_EQ(first.nodes, (std::vector<NodeName>{"a@h", "b@h"}));  // every declared node
  EXPECT_EQ(first.state, 42u);  // the backend counts its calls
  EXPECT_GE(second.at_ms, 10);
  EXPECT_LE(second.at_ms, 200);
  EXPECT_EQ(second.nodes, (std::vector<NodeName>{"b@h"}));
}

TEST(BackendTest, ACountOfFailuresIsUsedUpByTheNextCallsAndThenRemoved) {
  BackendBench bench({BackendConfig{}});
  action::BackendFail fail;
  fail.count = 2;
  bench.backend.Fail(0, fail);
  EXPECT_FALSE(bench.CallOk(0, 0));
  EXPECT_TRUE(bench.removals.empty());
  EXPECT_FALSE(bench.CallOk(0, 100));
  EXPECT_EQ(bench.removals, (std::vector<TimeMs>{100}));  // at the last failed call
  EXPECT_TRUE(bench.CallOk(0, 200));
  EXPECT_EQ(bench.removals.size(), 1u);
}

TEST(BackendTest, AWindowOfFailuresEndsAtItsTime) {
  BackendBench bench({BackendConfig{}});
  action::BackendFail fail;
  fail.until_ms = 5'000;
  bench.backend.Fail(0, fail);
  EXPECT_FALSE(bench.CallOk(0, 0));
  EXPECT_FALSE(bench.CallOk(0, 4'999));
  EXPECT_TRUE(bench.CallOk(0, 5'000));
}

TEST(BackendTest, TheErrorRateIsDrawnFromEachNodesOwnStream) {
  BackendConfig half;
  half.error_rate = 0.5;
  auto outcomes = [](std::vector<BackendConfig> configs, NodeId n) {
    BackendBench bench(std::move(configs));
    std::string seen;
    for (TimeMs t = 0; t < 200; ++t) {
      // Another node's calls in between do not move n's draws.
      if (bench.kernel.n_nodes > 1) bench.backend.Call(n == 0 ? 1 : 0, 0);
      seen += bench.CallOk(n, t) ? 'o' : 'x';
    }
    return seen;
  };
  const std::string alone = outcomes({half}, 0);
  EXPECT_EQ(alone, outcomes({half, half}, 0));
  const auto failures = std::count(alone.begin(), alone.end(), 'x');
  EXPECT_GT(failures, 60);
  EXPECT_LT(failures, 140);
  BackendConfig never, always;
  always.error_rate = 1.0;
  EXPECT_EQ(outcomes({never}, 0), std::string(200, 'o'));
  EXPECT_EQ(outcomes({always}, 0), std::string(200, 'x'));
}

TEST(BackendTest, AStopDropsTheAnswerOnItsWay) {
  BackendConfig slow;
  slow.latency = {1'000, 1'000};
  BackendBench bench({slow});
  bench.backend.Call(0, 0);
  bench.RunUntil(500);
  bench.kernel.nodes[0].running = false;
  bench.backend.Clear(0);
  bench.RunUntil(600);
  bench.kernel.nodes[0].running = true;
  bench.kernel.nodes[0].incarnation = 2;
  bench.RunUntil(5'000);
  EXPECT_TRUE(bench.answers.empty());
}

}  // namespace
}  // namespace discosim::world
