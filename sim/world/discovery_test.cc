// The discovery room with the rooms below it (network, backends) on a bare
// kernel, pings and joins faked: a start asks the backend at once, calls are
// answered as cets_discovery answers them (wait_for_ready once get_nodes is
// ok and every listed node not connected has answered pang), a caller's
// timeout wins over a later reply, a stop ends open calls and a restarted
// process never gets the timers of the one before, the mailbox is bounded,
// the engine observer hears of every Init and Step before its effects.
#include "sim/world/discovery.h"

#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "sim/world/backend.h"
#include "sim/world/cpu.h"
#include "sim/world/kernel.h"
#include "sim/world/network.h"

namespace discosim::world {
namespace {

// No connections ever come up: net_kernel says no to everything.
struct NoNetKernel : Network::Connector {
  bool AutoConnectBarred(NodeId, NodeId) const override { return true; }
  void RequestConnect(NodeId, NodeId, Cont) override {}
  void EndCameUp(NodeId, NodeId) override {}
  void EndWentDown(NodeId, NodeId) override {}
};

// Nodes a and b, a's backend lists both and answers after 100 ms.
struct DiscoveryBench {
  explicit DiscoveryBench(WorldConfig config = {})
      : kernel(std::move(config)), cpu(kernel), net(kernel, cpu), backend(kernel),
        discovery(kernel, net, backend) {
    std::vector<NodeName> names = {"a@h1", "b@h2"};
    for (const NodeName& name : names) {
      kernel.by_name.emplace(name, static_cast<NodeId>(kernel.nodes.size()));
      kernel.nodes.emplace_back();
      kernel.nodes.back().name = name;
    }
    kernel.n_nodes = 2;
    kernel.observations.Build(names);
    cpu.Build({"", ""});
    net.Build();
    net.SetConnector(&nk);
    BackendConfig listing;
    listing.latency = {100, 100};
    backend.Build({listing, listing}, names);
    backend.answered = [this](NodeId n, engine::GetNodesDone done) {
      discovery.Deliver(n, std::move(done));
    };
    discovery.Build();
    discovery.start_ping = [this](NodeId n, NodeId target, Cont owner) {
      pings.push_back({n, target});
      ping_owners.push_back(owner);
    };
    discovery.start_join = [this](NodeId, std::vector<engine::JoinPair>) { ++joins; };
  }
  void Start(NodeId n) {
    kernel.nodes[n].running = true;
    ++kernel.nodes[n].incarnation;
    backend.Clear(n);
    discovery.Start(n);
  }
  void Stop(NodeId n) {
    discovery.Stop(n);
    backend.Clear(n);
    kernel.nodes[n].running = false;
  }
  size_t Call(NodeId n, const std::string& id, action::Request request, TimeMs timeout_ms) {
    const size_t index = discovery.NewOutcome(id, kernel.Name(n));
    discovery.Call(n, index, request, timeout_ms);
    return index;
  }
  void RunUntil(TimeMs until_ms) {
    ASSERT_FALSE(kernel.failed()) << kernel.error;
    while (!kernel.failed() && !kernel.queue.empty() &&
           kernel.queue.next() <= until_ms * Kernel::kUsPerMs) {
      const Event event = kernel.queue.Pop().payload;
      switch (event.kind) {
        case EventKind::kDiscoveryRun: discovery.OnRun(event); break;
        case EventKind::kTimerFire: discovery.OnTimerFire(event); break;
        case EventKind::kBackendDone: backend.OnDone(event); break;
        case EventKind::kCallTimeout: discovery.OnCallTimeout(event); break;
        case EventKind::kResume: discovery.OnPingResult(event); break;
        default: FAIL() << "an event of another room: " << ToString(event.kind);
      }
    }
    kernel.queue.AdvanceTo(std::max(kernel.now_us(), until_ms * Kernel::kUsPerMs));
  }
  const CallOutcome& Out(size_t index) const { return discovery.outcomes()[index]; }

  Kernel kernel;
  Cpu cpu;
  Network net;
  NoNetKernel nk;
  Backend backend;
  Discovery discovery;
  std::vector<std::pair<NodeId, NodeId>> pings;
  std::vector<Cont> ping_owners;
  int joins = 0;
};

TEST(DiscoveryTest, AStartAsksTheBackendAtOnceAndPingsTheListedNodeNotConnected) {
  DiscoveryBench bench;
  bench.Start(0);
  bench.RunUntil(99);
  EXPECT_EQ(bench.discovery.get_nodes_calls(0), (std::vector<TimeMs>{0}));
  EXPECT_TRUE(bench.pings.empty());
  bench.RunUntil(100);
  EXPECT_EQ(bench.pings, (std::vector<std::pair<NodeId, NodeId>>{{0, 1}}));
  EXPECT_EQ(bench.joins, 1);  // try_joining spawns its task even with nothing to join
}

TEST(DiscoveryTest, WaitForReadyAnswersWhenGetNodesIsOkAndThePangsAreIn) {
  DiscoveryBench bench;
  bench.Start(0);
  const size_t call = bench.Call(0, "ready", action::Request::kWaitForReady, 10'000);
  bench.RunUntil(150);
  EXPECT_EQ(bench.Out(call).kind, CallOutcome::Kind::kPending);  // still waiting for b's pang
  ASSERT_EQ(bench.ping_owners.size(), 1u);
  bench.kernel.Resume(bench.ping_owners[0], 0);  // pang
  bench.RunUntil(200);
  EXPECT_EQ(bench.Out(call).kind, CallOutcome::Kind::kOk);
  EXPECT_EQ(bench.Out(call).replied_at_ms, 150);
}

TEST(DiscoveryTest, ACallersTimeoutWinsOverALaterReply) {
  DiscoveryBench bench;
  bench.Start(0);
  const size_t call = bench.Call(0, "ready", action::Request::kWaitForReady, 50);
  bench.RunUntil(100);
  bench.kernel.Resume(bench.ping_owners[0], 0);
  bench.RunUntil(200);
  EXPECT_EQ(bench.Out(call).kind, CallOutcome::Kind::kTimeout);
  EXPECT_EQ(bench.Out(call).replied_at_ms, 50);
}

TEST(DiscoveryTest, AStopEndsOpenCallsAndARestartedProcessGetsNoOldTimer) {
  DiscoveryBench bench;
  bench.Start(0);
  const size_t call = bench.Call(0, "ready", action::Request::kWaitForReady, 600'000);
  bench.RunUntil(60'000);
  bench.Stop(0);
  EXPECT_EQ(bench.Out(call).kind, CallOutcome::Kind::kNoProc);
  EXPECT_EQ(bench.Out(call).replied_at_ms, 60'000);
  bench.RunUntil(120'000);
  bench.Start(0);
  // The first process's enter_regular_phase timer was due at 5 min; the new
  // one's is due 5 min after its own start.
  bench.RunUntil(400'000);
  EXPECT_EQ(bench.discovery.state(0).phase, engine::Phase::kInitial);
  bench.RunUntil(420'000);
  EXPECT_EQ(bench.discovery.state(0).phase, engine::Phase::kRegular);
}

TEST(DiscoveryTest, APingResultForAnEarlierIncarnationIsDropped) {
  DiscoveryBench bench;
  bench.Start(0);
  bench.RunUntil(100);
  const Cont stale = bench.ping_owners[0];
  bench.Stop(0);
  bench.Start(0);
  const size_t call = bench.Call(0, "ready", action::Request::kWaitForReady, 10'000);
  bench.RunUntil(200);  // the new process pinged b again
  bench.kernel.Resume(stale, 0);
  bench.RunUntil(300);
  EXPECT_EQ(bench.Out(call).kind, CallOutcome::Kind::kPending);
  bench.kernel.Resume(bench.ping_owners.back(), 0);
  bench.RunUntil(400);
  EXPECT_EQ(bench.Out(call).kind, CallOutcome::Kind::kOk);
}

TEST(DiscoveryTest, AFullMailboxEndsTheRun) {
  WorldConfig config;
  config.limits.max_mailbox = 1;
  DiscoveryBench bench(config);
  bench.Start(0);  // the check to self fills it
  EXPECT_FALSE(bench.kernel.failed());
  bench.discovery.Deliver(0, engine::AddTable{"t"});
  ASSERT_TRUE(bench.kernel.failed());
  EXPECT_NE(bench.kernel.error.message().find("a@h1's discovery holds max_mailbox (1)"),
            std::string::npos);
}

TEST(DiscoveryTest, NodesIsWhatItsListenerWasTold) {
  DiscoveryBench bench;
  bench.Start(0);
  bench.Start(1);
  bench.discovery.NodeUp(0, 1);
  EXPECT_EQ(bench.discovery.visible(0), (engine::NodeSet{"b@h2"}));
  bench.discovery.NodeDown(0, 1);
  EXPECT_TRUE(bench.discovery.visible(0).empty());
}

// WorldConfig::engine_observer (oracle/ replays what it records): every
// Init and every Step, with the node, incarnation, time and view it ran
// with, handed over before the world carries out its effects.
TEST(DiscoveryTest, TheEngineObserverSeesEveryInitAndStepBeforeItsEffects) {
  struct Seen {
    bool init = false;
    uint32_t incarnation = 0;
    TimeMs now_ms = 0;
    size_t message_index = 0;
    engine::NodeSet visible;
    size_t effects = 0;
    size_t get_nodes_calls = 0;  // how many the room had made when it was told
  };
  std::vector<Seen> seen;
  const DiscoveryBench* self = nullptr;
  WorldConfig config;
  config.engine_observer = [&](const EngineCall& call) {
    if (call.node != "a@h1") return;  // b's process is observed too
    ASSERT_EQ(call.options != nullptr, call.message == nullptr);
    if (call.options != nullptr) {
      EXPECT_EQ(call.options->tables, self->kernel.nodes[0].tables);
    }
    seen.push_back(Seen{call.options != nullptr, call.incarnation, call.now_ms,
                        call.message != nullptr ? call.message->index() : 0, call.visible,
                        call.effects.size(), self->discovery.get_nodes_calls(0).size()});
  };
  DiscoveryBench bench(config);
  self = &bench;
  bench.kernel.nodes[0].tables = {"t"};
  bench.Start(0);
  // init/1: self ! check and the timer of the regular phase.
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0].init);
  EXPECT_EQ(seen[0].incarnation, 1u);
  EXPECT_EQ(seen[0].effects, 2u);
  bench.RunUntil(0);
  // The check starts get_nodes: the observer hears of it before the call.
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_FALSE(seen[1].init);
  EXPECT_EQ(seen[1].message_index, engine::Message(engine::Check{}).index());
  EXPECT_EQ(seen[1].get_nodes_calls, 0u);
  EXPECT_EQ(bench.discovery.get_nodes_calls(0).size(), 1u);
  bench.RunUntil(100);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[2].message_index,
            engine::Message(engine::GetNodesDone{}).index());
  EXPECT_EQ(seen[2].now_ms, 100);
  bench.Start(1);
  bench.discovery.NodeUp(0, 1);
  bench.RunUntil(100);
  // The nodeup's step (and whatever it sent itself), run with b in nodes().
  ASSERT_GE(seen.size(), 4u);
  EXPECT_EQ(seen[3].message_index, engine::Message(engine::Nodeup{"b@h2"}).index());
  EXPECT_EQ(seen[3].visible, (engine::NodeSet{"b@h2"}));
  // A crash: a second Init in the same incarnation, with the nodes connected.
  const size_t before_crash = seen.size();
  bench.discovery.Crash(0);
  ASSERT_EQ(seen.size(), before_crash + 1);
  EXPECT_TRUE(seen.back().init);
  EXPECT_EQ(seen.back().incarnation, 1u);
  EXPECT_EQ(seen.back().visible, (engine::NodeSet{"b@h2"}));
}

}  // namespace
}  // namespace discosim::world
