// The network room's reachability map, through its own API, against a tiny
// model that keeps two flags per pair instead of groups and bridges: a
// partition sets "parted" on every pair across its groups (and clears it
// within them), a cut sets "cut", heal of links clears both on the link,
// heal of all clears everything; a pair reaches when neither is set.
//
// Then the connections, driving the Network alone on a bare kernel with a
// fake net_kernel: FIFO per pair under jitter, held messages on a blocked
// link, tick timeouts, resets after a one-sided loss, sends that wait for a
// connect, the listeners' order and visibility, and a stop's closes.
#include "sim/world/reachability.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "sim/world/cpu.h"
#include "sim/world/kernel.h"
#include "sim/world/network.h"
#include "sim/world/random.h"

namespace discosim::world {
namespace {

struct PairModel {
  std::map<std::pair<NodeId, NodeId>, std::pair<bool, bool>> flags;  // parted, cut
  bool Reachable(NodeId x, NodeId y) const {
    if (x == y) return true;
    auto it = flags.find(Reachability::Normalized(x, y));
    return it == flags.end() || (!it->second.first && !it->second.second);
  }
};

TEST(NetworkTest, ReachabilityFollowsThePairModelOverRandomActions) {
  constexpr uint32_t kNodes = 5;
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    Rng rng = Rng::ForStream(seed, Subsystem::kNetworkJitter, 0);
    Reachability reach;
    reach.Build(kNodes);
    PairModel model;
    for (int step = 0; step < 40; ++step) {
      const int64_t what = rng.Range(0, 3);
      std::vector<Reachability::Link> links;
      for (int i = 0; i < 2; ++i) {
        const NodeId x = static_cast<NodeId>(rng.Range(0, kNodes - 1));
        const NodeId y = static_cast<NodeId>(rng.Range(0, kNodes - 1));
        if (x != y) links.push_back(Reachability::Normalized(x, y));
      }
      if (what == 0) {
        std::vector<uint32_t> groups(kNodes);
        for (uint32_t& g : groups) g = static_cast<uint32_t>(rng.Range(0, 2));
        reach.Partition(groups);
        for (NodeId x = 0; x < kNodes; ++x) {
          for (NodeId y = x + 1; y < kNodes; ++y) model.flags[{x, y}].first = groups[x] != groups[y];
        }
      } else if (what == 1) {
        reach.Cut(links);
        for (const auto& link : links) model.flags[link].second = true;
      } else if (what == 2) {
        reach.HealLinks(links);
        for (const auto& link : links) model.flags[link] = {false, false};
      } else {
        reach.HealAll();
        model.flags.clear();
      }
      for (NodeId x = 0; x < kNodes; ++x) {
        for (NodeId y = 0; y < kNodes; ++y) {
          ASSERT_EQ(reach.Reachable(x, y), model.Reachable(x, y))
              << "seed " << seed << " step " << step << " pair " << x << "," << y;
        }
      }
    }
  }
}

TEST(NetworkTest, EachChangeHandsBackTheMatrixAsItWas) {
  Reachability reach;
  reach.Build(3);
  const std::vector<uint8_t> before = reach.Partition({1, 1, 2});
  EXPECT_TRUE(Reachability::Was(before, 3, 0, 2));
  const std::vector<uint8_t> parted = reach.HealAll();
  EXPECT_FALSE(Reachability::Was(parted, 3, 0, 2));
  EXPECT_TRUE(Reachability::Was(parted, 3, 0, 1));
}

TEST(NetworkTest, APartitionKeepsCutsAndDropsBridges) {
  Reachability reach;
  reach.Build(3);
  reach.Cut({{0, 1}});
  reach.Partition({1, 2, 2});
  reach.HealLinks({{0, 2}});  // bridges the groups for (0, 2)
  EXPECT_TRUE(reach.Reachable(0, 2));
  EXPECT_FALSE(reach.Reachable(0, 1));  // the cut stays
  reach.Partition({1, 2, 2});           // a new partition: no bridge any more
  EXPECT_FALSE(reach.Reachable(0, 2));
  EXPECT_TRUE(reach.Partitioned(0, 2));
  EXPECT_TRUE(reach.IsCut(1, 0));
}

// ---------------------------------------------------------------------------
// Connections.

// net_kernel as the network sees it: counts the connects asked for and
// answers none by itself.
struct FakeNetKernel : Network::Connector {
  bool AutoConnectBarred(NodeId, NodeId target) const override { return target == barred; }
  void RequestConnect(NodeId n, NodeId target, Cont waiter) override {
    requests.push_back({n, target});
    waiters.push_back(waiter);
  }
  void EndCameUp(NodeId, NodeId) override { ++came_up; }
  void EndWentDown(NodeId, NodeId) override { ++went_down; }
  NodeId barred = kNoNode;
  std::vector<std::pair<NodeId, NodeId>> requests;
  std::vector<Cont> waiters;
  int came_up = 0, went_down = 0;
};

// Three running nodes (a, b, c; 10 ms latency), the CPU and network rooms,
// and a loop that hands the network its own events.
struct NetBench {
  explicit NetBench(WorldConfig config = {}) : kernel(std::move(config)), cpu(kernel), net(kernel, cpu) {
    std::vector<NodeName> names;
    for (const char* name : {"a@h1", "b@h2", "c@h3"}) {
      kernel.nodes.emplace_back();
      NodeRt& node = kernel.nodes.back();
      node.name = name;
      node.settings.latency_ms = 10;
      node.running = true;
      node.incarnation = 1;
      names.push_back(name);
    }
    kernel.n_nodes = 3;
    kernel.observations.Build(names);
    cpu.Build({"", "", ""});
    net.Build();
    net.SetConnector(&nk);
    net.receive = [this](const NetMsg& m) { received.push_back(Received{m.from, m.to, Stamp(m), kernel.now()}); };
    net.undeliverable = [this](const NetMsg& m) { undeliverable.push_back(Stamp(m)); };
    net.AddListener(EndListener{"log", false,
                                [this](NodeId x, NodeId y, uint64_t) { told.push_back(Told(x, y, "up")); },
                                [this](NodeId x, NodeId y, uint64_t, DownCause cause) {
                                  told.push_back(Told(x, y, ToString(cause)));
                                }});
  }
  static TimeMs Stamp(const NetMsg& m) {
    const auto* start = std::get_if<msg::StartTime>(&m.payload);
    return start != nullptr ? start->start_time : -1;
  }
  std::string Told(NodeId x, NodeId y, const std::string& what) const {
    return kernel.Name(x) + " " + what + " " + kernel.Name(y);
  }
  void Connect(NodeId x, NodeId y, uint64_t conn_id) {
    net.EndUp(x, y, conn_id);
    net.EndUp(y, x, conn_id);
  }
  void RunUntil(TimeMs until_ms) {
    while (!kernel.queue.empty() && kernel.queue.next() <= until_ms * Kernel::kUsPerMs) {
      const Event event = kernel.queue.Pop().payload;
      switch (event.kind) {
        case EventKind::kNetDeliver: net.OnDeliver(static_cast<uint32_t>(event.a)); break;
        case EventKind::kTickTimeout: net.OnTickTimeout(event); break;
        case EventKind::kResume:
          ASSERT_EQ(static_cast<ContKind>(event.sub), ContKind::kPendingSends);
          net.OnConnectForSends(event);
          break;
        default: FAIL() << "an event of another room: " << ToString(event.kind);
      }
    }
    kernel.queue.AdvanceTo(std::max(kernel.now_us(), until_ms * Kernel::kUsPerMs));
  }
  struct Received {
    NodeId from, to;
    TimeMs stamp, at_ms;
  };
  Kernel kernel;
  Cpu cpu;
  Network net;
  FakeNetKernel nk;
  std::vector<Received> received;
  std::vector<TimeMs> undeliverable;
  std::vector<std::string> told;
};

TEST(NetworkTest, MessagesOfOnePairArriveInSendOrderUnderJitter) {
  WorldConfig config;
  config.network.jitter_ms_max = 50;  // far above the 1 ms between sends
  NetBench bench(config);
  bench.Connect(0, 1, 7);
  for (TimeMs i = 0; i < 40; ++i) {
    bench.net.Send(0, 1, msg::StartTime{i}, SendMode::kExistingOnly);
    bench.RunUntil(i + 1);
  }
  bench.RunUntil(1'000);
  ASSERT_EQ(bench.received.size(), 40u);
  bool jittered = false;
  for (size_t i = 0; i < bench.received.size(); ++i) {
    EXPECT_EQ(bench.received[i].stamp, static_cast<TimeMs>(i));
    EXPECT_GE(bench.received[i].at_ms, static_cast<TimeMs>(i) + 10);  // never before the latency
    jittered = jittered || bench.received[i].at_ms > static_cast<TimeMs>(i) + 10;
  }
  EXPECT_TRUE(jittered);
}

TEST(NetworkTest, ABlockedLinkHoldsMessagesUntilHealAndTheyDieWithTheConnection) {
  NetBench bench;
  bench.Connect(0, 1, 7);
  bench.Connect(0, 2, 8);
  bench.net.Cut({{0, 1}, {0, 2}}, -1);
  bench.net.Send(0, 1, msg::StartTime{1}, SendMode::kExistingOnly);
  bench.net.Send(0, 1, msg::StartTime{2}, SendMode::kExistingOnly);
  bench.net.Send(0, 2, msg::StartTime{3}, SendMode::kExistingOnly);
  bench.RunUntil(100);
  EXPECT_TRUE(bench.received.empty());
  bench.net.Disconnect(0, 2, DownCause::kDisconnect);  // its held message dies with it
  bench.net.HealLinks({{0, 1}, {0, 2}}, -1);
  bench.RunUntil(200);
  ASSERT_EQ(bench.received.size(), 2u);
  EXPECT_EQ(bench.received[0].stamp, 1);
  EXPECT_EQ(bench.received[1].stamp, 2);
  EXPECT_EQ(bench.received[0].at_ms, 110);  // sent again on heal, one latency later
}

TEST(NetworkTest, ASilentLinkTimesOutWithinAQuarterOfTheTicktimeUnlessHealed) {
  NetBench bench;
  bench.Connect(0, 1, 7);
  bench.Connect(0, 2, 8);
  bench.net.Cut({{0, 1}}, -1);
  bench.RunUntil(44'999);  // 0.75 x 60 s
  EXPECT_EQ(bench.net.ConnId(0, 1), 7u);
  bench.RunUntil(75'000);  // 1.25 x 60 s
  EXPECT_EQ(bench.net.ConnId(0, 1), 0u);
  EXPECT_EQ(bench.net.ConnId(1, 0), 0u);
  // A heal before the timeout cancels it.
  bench.net.Cut({{0, 2}}, -1);
  bench.RunUntil(80'000);
  bench.net.HealLinks({{0, 2}}, -1);
  bench.RunUntil(300'000);
  EXPECT_EQ(bench.net.ConnId(0, 2), 8u);
  EXPECT_EQ(bench.nk.went_down, 2);
}

TEST(NetworkTest, OnHealAnEndWhosePeerLostTheConnectionIsResetOneLatencyLater) {
  NetBench bench;
  bench.Connect(0, 1, 7);
  bench.net.Cut({{0, 1}}, -1);
  bench.net.EndDown(1, 0, DownCause::kTickTimeout);  // b gave up first; a still counts it
  bench.RunUntil(1'000);
  bench.told.clear();
  bench.net.HealLinks({{0, 1}}, -1);
  bench.RunUntil(1'009);
  EXPECT_EQ(bench.net.ConnId(0, 1), 7u);
  bench.RunUntil(1'010);
  EXPECT_EQ(bench.net.ConnId(0, 1), 0u);
  EXPECT_EQ(bench.told, (std::vector<std::string>{"a@h1 closed b@h2"}));
}

TEST(NetworkTest, SendsWithoutAConnectionWaitForOneConnectOrAreUndeliverable) {
  NetBench bench;
  bench.net.Send(0, 1, msg::StartTime{1}, SendMode::kExistingOnly);
  EXPECT_EQ(bench.undeliverable, (std::vector<TimeMs>{1}));
  EXPECT_TRUE(bench.nk.requests.empty());
  bench.nk.barred = 2;
  bench.net.Send(0, 2, msg::StartTime{2}, SendMode::kAutoConnect);  // dist_auto_connect says no
  EXPECT_EQ(bench.undeliverable, (std::vector<TimeMs>{1, 2}));
  // Two sends, one connect; they flow when it comes up.
  bench.net.Send(0, 1, msg::StartTime{3}, SendMode::kAutoConnect);
  bench.net.Send(0, 1, msg::StartTime{4}, SendMode::kAutoConnect);
  ASSERT_EQ(bench.nk.requests.size(), 1u);
  EXPECT_EQ(bench.nk.requests[0], (std::pair<NodeId, NodeId>{0, 1}));
  bench.Connect(0, 1, 9);
  bench.kernel.Resume(bench.nk.waiters[0], 1);
  bench.RunUntil(100);
  ASSERT_EQ(bench.received.size(), 2u);
  EXPECT_EQ(bench.received[0].stamp, 3);
  EXPECT_EQ(bench.received[1].stamp, 4);
  // A failed connect makes each waiting send undeliverable.
  bench.nk.barred = kNoNode;
  bench.net.Send(1, 2, msg::StartTime{5}, SendMode::kAutoConnect);
  bench.net.Send(1, 2, msg::StartTime{6}, SendMode::kAutoConnect);
  bench.kernel.Resume(bench.nk.waiters.back(), 0);
  bench.RunUntil(200);
  EXPECT_EQ(bench.undeliverable, (std::vector<TimeMs>{1, 2, 5, 6}));
}

TEST(NetworkTest, ListenersAreToldInTheirOrderAndVisibleOnlyOnesNotOfHiddenConnections) {
  NetBench bench;
  bench.kernel.nodes[2].settings.visibility = Visibility::kHidden;
  bench.net.AddListener(EndListener{"visible", true,
                                    [&](NodeId x, NodeId y, uint64_t) {
                                      bench.told.push_back(bench.Told(x, y, "visible up"));
                                    },
                                    nullptr});
  bench.net.EndUp(0, 1, 7);
  bench.net.EndUp(0, 2, 8);
  bench.net.EndDown(0, 1, DownCause::kDisconnect);
  EXPECT_EQ(bench.told, (std::vector<std::string>{"a@h1 up b@h2", "a@h1 visible up b@h2",
                                                  "a@h1 up c@h3", "a@h1 disconnect b@h2"}));
  EXPECT_EQ(bench.nk.came_up, 2);
  EXPECT_EQ(bench.nk.went_down, 1);
}

TEST(NetworkTest, AStopClosesTheSocketsOfPeersThatCanReachIt) {
  NetBench bench;
  bench.Connect(0, 1, 7);
  bench.Connect(0, 2, 8);
  bench.net.Cut({{0, 2}}, -1);
  bench.kernel.nodes[0].running = false;
  bench.net.NodeStopped(0);
  EXPECT_EQ(bench.net.ConnId(0, 1), 0u);
  bench.RunUntil(10);
  EXPECT_EQ(bench.net.ConnId(1, 0), 0u);  // closed after one latency
  EXPECT_EQ(bench.net.ConnId(2, 0), 8u);  // c finds out by tick timeout
}

}  // namespace
}  // namespace discosim::world
