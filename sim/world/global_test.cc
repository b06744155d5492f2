// global, driven alone over a fake network: connect_all's sync (the
// locker's delays, the known lists, new_nodes, sync_others' auto-connects)
// and prevent_overlapping_partitions (lost_connection reports, forwarded
// once, remove_connection obeyed, no report for a connection it forgot).
#include "sim/world/global.h"

#include <set>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "sim/world/join_test_util.h"

namespace discosim::world {
namespace {

using test_util::FakeNet;

struct Harness {
  explicit Harness(uint32_t n, bool prevent = true) : k(Config(n, prevent)), net(n), global(k) {
    test_util::AddRunningNodes(k);
    Global::Ports ports;
    ports.conn_id = [this](NodeId x, NodeId y) { return net.ConnId(x, y); };
    ports.hidden = [](NodeId, NodeId) { return false; };
    ports.send = [this](NodeId from, NodeId to, Payload p) { net.Send(from, to, std::move(p)); };
    ports.auto_connect = [this](NodeId n, NodeId target, Cont) {
      auto_connects.emplace_back(n, target);
    };
    ports.barred_once = [this](NodeId x, NodeId y) { return barred.contains({x, y}); };
    ports.disconnect = [this](NodeId x, NodeId y, DownCause cause) {
      disconnects.push_back({x, y, cause});
      const uint64_t conn = net.ConnId(x, y);
      net.Down(x, y);
      global.OnNodedown(x, y, conn, cause);
    };
    global.Build(n, std::move(ports));
  }
  static WorldConfig Config(uint32_t n, bool prevent) {
    WorldConfig config = test_util::KernelConfig(n);
    for (NodeConfig& node : config.nodes) {
      node.settings.connect_all = true;
      node.settings.prevent_overlapping_partitions = prevent;
    }
    return config;
  }
  // Both ends come up.
  void Up(NodeId x, NodeId y) {
    net.Connect(x, y);
    global.OnNodeup(x, y);
    global.OnNodeup(y, x);
  }
  // Both ends go down (a cut both sides see).
  void Down(NodeId x, NodeId y) {
    const uint64_t conn = net.ConnId(x, y);
    net.Down(x, y);
    global.OnNodedown(x, y, conn, DownCause::kTickTimeout);
    global.OnNodedown(y, x, conn, DownCause::kTickTimeout);
  }
  // Runs the sync timers and delivers every message, in order.
  void Settle() {
    for (int i = 0; i < 1000 && (!k.queue.empty() || !net.Idle()); ++i) {
      if (!net.Idle()) {
        const NetMsg m = net.Take(0);
        if (net.ConnId(m.to, m.from) != m.conn_id) continue;  // its connection died
        if (const auto* p = std::get_if<msg::GlobalSync>(&m.payload)) global.OnSync(m, *p);
        if (const auto* p = std::get_if<msg::GlobalNewNodes>(&m.payload)) global.OnNewNodes(m, *p);
        if (const auto* p = std::get_if<msg::LostConnection>(&m.payload)) {
          global.OnLostConnection(m, *p);
        }
        if (std::holds_alternative<msg::RemoveConnection>(m.payload)) global.OnRemoveConnection(m);
        continue;
      }
      const Event e = test_util::PopEvent(k);
      if (e.kind == EventKind::kResume &&
          e.sub == static_cast<uint8_t>(ContKind::kGlobalPassiveConnect)) {
        passive_ends.push_back({k.now_us(), e.node, e.peer});
        if (connect_in_while_waiting) net.Connect(e.node, e.peer);
        global.OnPassiveConnectEnd(e.node, e.peer, e.a);
        continue;
      }
      ASSERT_EQ(e.kind, EventKind::kGlobalSync);
      global.OnSyncTimer(e);
    }
  }
  template <class P>
  std::vector<NetMsg> Sent() const {
    std::vector<NetMsg> out;
    for (const NetMsg& m : net.sent) {
      if (std::holds_alternative<P>(m.payload)) out.push_back(m);
    }
    return out;
  }
  Kernel k;
  FakeNet net;
  Global global;
  std::vector<std::pair<NodeId, NodeId>> auto_connects;
  std::set<std::pair<NodeId, NodeId>> barred;  // pairs dist_auto_connect=once has barred
  struct PassiveEnd {
    int64_t at_us;
    NodeId node, peer;
  };
  std::vector<PassiveEnd> passive_ends;
  bool connect_in_while_waiting = false;  // the peer connects in just before a wait ends
  struct Disconnected {
    NodeId x, y;
    DownCause cause;
  };
  std::vector<Disconnected> disconnects;
};

TEST(GlobalTest, TheLockerWaits200MsWithNoKnownNodeNoneRightAfterASyncElse1000Plus100PerKnown) {
  Harness h(5);
  h.Up(0, 1);
  // Neither knows anyone: the sync goes 200 ms after the nodeup.
  ASSERT_FALSE(h.k.queue.empty());
  EXPECT_EQ(h.k.queue.next(), 200 * Kernel::kUsPerMs);
  h.Settle();
  EXPECT_TRUE(h.global.Known(0, 1));
  EXPECT_TRUE(h.global.Known(1, 0));
  // A sync has just ended on 0 (just_synced): its next nodeup waits 0, once.
  h.Up(0, 2);
  EXPECT_EQ(h.k.queue.next(), h.k.now_us());
  h.Settle();  // 0 knows 1 and 2, and has just synced again
  h.net.Connect(0, 3);
  h.global.OnNodeup(0, 3);
  EXPECT_EQ(h.k.queue.next(), h.k.now_us());
  h.net.Connect(0, 4);
  h.global.OnNodeup(0, 4);  // just_synced used up; knows 2 nodes: 1000 + 2 * 100 ms
  const Event first = test_util::PopEvent(h.k);
  EXPECT_EQ(first.peer, 3u);
  EXPECT_EQ(h.k.queue.next() - h.k.now_us(), 1'200 * Kernel::kUsPerMs);
}

TEST(GlobalTest, ASyncConnectsTheReceiverToTheNodesTheSenderKnows) {
  Harness h(3);
  h.Up(0, 2);
  h.Settle();  // 0 and 2 know each other
  h.Up(0, 1);
  h.Settle();
  // 1 got 0's sync listing 2: it auto-connects to 2 (sync_others); 0 told 2,
  // which it knew before, about 1 (new_nodes): 2 connects to 1 too.
  const auto news = h.Sent<msg::GlobalNewNodes>();
  ASSERT_EQ(news.size(), 1u);
  EXPECT_EQ(news[0].from, 0u);
  EXPECT_EQ(news[0].to, 2u);
  ASSERT_EQ(h.auto_connects.size(), 2u);
  EXPECT_EQ(h.auto_connects[0], std::make_pair(NodeId{1}, NodeId{2}));
  EXPECT_EQ(h.auto_connects[1], std::make_pair(NodeId{2}, NodeId{1}));
}

// global:sync_other/2 monitors a node it learnt of with allow_passive_connect:
// a peer dist_auto_connect=once has barred is not dialled, net_kernel's
// passive_cnct waits connecttime() (net_setuptime) for it to connect in, and
// only a wait that ends without it counts as losing the peer.
TEST(GlobalTest, ATransitiveConnectToABarredPeerWaitsNetSetuptimeBeforeItCountsAsALoss) {
  Harness h(3);
  h.barred = {{1, 2}, {2, 1}};
  h.Up(0, 2);
  h.Settle();
  const int64_t before_us = h.k.now_us();
  h.Up(0, 1);
  h.Settle();
  // 1 learnt of 2 from 0's sync, 2 of 1 from 0's new_nodes: neither dials.
  EXPECT_TRUE(h.auto_connects.empty());
  ASSERT_EQ(h.passive_ends.size(), 2u);
  const int64_t setuptime_us = h.k.nodes[1].settings.net_setuptime_ms * Kernel::kUsPerMs;
  for (const auto& end : h.passive_ends) {
    EXPECT_GE(end.at_us - before_us, setuptime_us);
    EXPECT_LT(end.at_us - before_us, setuptime_us + 2'000 * Kernel::kUsPerMs);
  }
  // Both waits ended without a connection: each counts the other as lost.
  std::set<std::pair<NodeId, NodeId>> reports;
  for (const NetMsg& m : h.Sent<msg::LostConnection>()) {
    const auto& r = std::get<msg::LostConnection>(m.payload);
    reports.insert({r.reporter, r.lost});
  }
  EXPECT_TRUE(reports.contains({1, 2}) || reports.contains({2, 1}));
}

TEST(GlobalTest, ABarredPeerThatConnectsInDuringTheWaitIsNotALoss) {
  Harness h(3);
  h.barred = {{1, 2}, {2, 1}};
  h.Up(0, 2);
  h.Settle();
  h.connect_in_while_waiting = true;  // say an explicit connect
  h.Up(0, 1);
  h.Settle();
  EXPECT_EQ(h.passive_ends.size(), 2u);
  EXPECT_TRUE(h.Sent<msg::LostConnection>().empty());
}

TEST(GlobalTest, ATransitiveConnectToAPeerNotBarredIsDialledAtOnce) {
  Harness h(3);
  h.Up(0, 2);
  h.Settle();
  h.Up(0, 1);
  h.Settle();
  EXPECT_TRUE(h.passive_ends.empty());
  EXPECT_EQ(h.auto_connects.size(), 2u);
}

TEST(GlobalTest, ALostConnectionIsReportedForwardedOnceAndTheLostNodeCutOff) {
  Harness h(4);
  for (NodeId x = 0; x < 4; ++x) {
    for (NodeId y = x + 1; y < 4; ++y) h.Up(x, y);
  }
  h.Settle();
  // 0 loses 1 (only 0's end: 1 has not noticed yet).
  const uint64_t conn = h.net.ConnId(0, 1);
  h.net.conn[0 * 4 + 1] = 0;
  h.global.OnNodedown(0, 1, conn, DownCause::kTickTimeout);
  h.Settle();
  // 0 reports to its connected nodes but 1; each node forwards it once, to
  // its connected nodes but the reporter and the one it came from.
  std::set<std::pair<NodeId, NodeId>> reports;
  for (const NetMsg& m : h.Sent<msg::LostConnection>()) {
    EXPECT_TRUE(reports.insert({m.from, m.to}).second)
        << m.from << " sent the report to " << m.to << " twice";
    EXPECT_NE(m.to, 0u) << "forwarded back to the reporter";
  }
  EXPECT_TRUE(reports.contains({0, 2}) && reports.contains({0, 3}));
  EXPECT_FALSE(reports.contains({0, 1}));
  // Every receiver cuts the lost node off; the lost node cuts off the reporter.
  std::set<std::pair<NodeId, NodeId>> removes;
  for (const NetMsg& m : h.Sent<msg::RemoveConnection>()) removes.insert({m.from, m.to});
  EXPECT_EQ(removes, (std::set<std::pair<NodeId, NodeId>>{{1, 0}, {2, 1}, {3, 1}}));
  // 1 obeyed 2 and 3; 0's end was already down, so 1's request died.
  ASSERT_EQ(h.disconnects.size(), 2u);
  EXPECT_EQ(h.disconnects[0].cause, DownCause::kObeyedRemove);
  EXPECT_EQ(h.net.ConnId(1, 2), 0u);
  EXPECT_EQ(h.net.ConnId(1, 3), 0u);
  EXPECT_NE(h.net.ConnId(2, 3), 0u);
}

TEST(GlobalTest, AConnectionItForgotIsNotReportedWhenItGoesDown) {
  Harness h(3);
  h.Up(0, 1);
  h.Up(0, 2);
  h.Up(1, 2);
  h.Settle();
  // A report "0 lost 1" reaches 2: 2 asks 1 to remove it, forgetting 1 as it asks.
  h.global.OnLostConnection(NetMsg{0, 2, h.net.ConnId(0, 2), {}}, msg::LostConnection{0, 1, 999});
  h.global.OnNodedown(2, 1, h.net.ConnId(2, 1), DownCause::kClosed);
  // A connection 2 did not forget is reported when it goes down.
  h.global.OnNodedown(2, 0, h.net.ConnId(2, 0), DownCause::kClosed);
  std::set<NodeId> reported_by_2;
  for (const NetMsg& m : h.Sent<msg::LostConnection>()) {
    const auto& r = std::get<msg::LostConnection>(m.payload);
    if (r.reporter == 2) reported_by_2.insert(r.lost);
  }
  EXPECT_EQ(reported_by_2, std::set<NodeId>{0});
}

TEST(GlobalTest, WithoutPreventOverlappingPartitionsNothingIsReported) {
  Harness h(3, /*prevent=*/false);
  h.Up(0, 1);
  h.Up(0, 2);
  h.Settle();
  h.Down(0, 1);
  h.Settle();
  EXPECT_TRUE(h.Sent<msg::LostConnection>().empty());
  EXPECT_TRUE(h.Sent<msg::RemoveConnection>().empty());
}

}  // namespace
}  // namespace discosim::world
