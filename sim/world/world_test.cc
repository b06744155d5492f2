// The world reproduces the rules of its model (sim/world/README.md). Each test
// states the fact it proves, and each sets up a contrast (the same world
// without the fault or flag) wherever that fact could hold by accident.
#include "sim/world/world.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "sim/world/world_test_util.h"

namespace discosim::world {
namespace {

using test_util::Build;
using test_util::MakeNode;
using test_util::RunTo;
using test_util::Schedule;

// A node whose discovery never looks for anyone (its backend lists nobody).
NodeConfig QuietNode(const std::string& name) {
  NodeConfig node = MakeNode(name);
  node.backend.nodes = std::vector<NodeName>{};
  node.settings.connect_all = false;
  return node;
}

const CallOutcome& OutcomeOf(const World& world, const std::string& id) {
  const CallOutcome* out = world.Outcome(id);
  static const CallOutcome kMissing;
  EXPECT_NE(out, nullptr) << "no outcome " << id;
  return out != nullptr ? *out : kMissing;
}

int CountLogs(const World& world, const std::string& node, const std::string& what,
              const std::string& remote = "") {
  int count = 0;
  for (const LogEntry& entry : world.Logs(node)) {
    if (entry.record.what != what) continue;
    if (!remote.empty()) {
      const engine::LogValue* value = entry.record.Find("remote_node");
      if (value == nullptr || *value != engine::LogValue(remote)) continue;
    }
    ++count;
  }
  return count;
}

// Records when each end of a pair stops counting the other as up.
struct DownWatcher {
  std::map<std::pair<std::string, std::string>, TimeMs> down_at_ms;
  std::map<std::pair<std::string, std::string>, bool> was_up;
  void Watch(World& world, std::vector<std::pair<std::string, std::string>> ends) {
    world.SetObserver([this, ends](const World& w) {
      for (const auto& end : ends) {
        const bool up = w.CountsUp(end.first, end.second);
        if (was_up[end] && !up && !down_at_ms.contains(end)) down_at_ms[end] = w.now_ms();
        was_up[end] = up;
      }
    });
  }
};

// ---------------------------------------------------------------------------
// 1. net_kernel resolves names itself: a slow DNS answer for one name blocks
// every other setup of that node, outgoing and incoming.

struct SlowDnsTimes {
  TimeMs slow_ms, other_ms, incoming_ms;
};

SlowDnsTimes RunSlowDns(TimeMs dns_delay_ms) {
  WorldConfig config;
  config.nodes = {QuietNode("a@h1"), QuietNode("b@h2"), QuietNode("c@h3"), QuietNode("d@h4")};
  config.nodes[1].settings.dns_delay_ms = dns_delay_ms;
  auto world = Build(config);
  Schedule(*world, 0, action::ConnectNode{"a@h1", "b@h2", "slow"});
  Schedule(*world, 500, action::ConnectNode{"a@h1", "c@h3", "other"});
  Schedule(*world, 500, action::ConnectNode{"d@h4", "a@h1", "incoming"});
  RunTo(*world, 30'000);
  const CallOutcome& slow = OutcomeOf(*world, "slow");
  const CallOutcome& other = OutcomeOf(*world, "other");
  const CallOutcome& incoming = OutcomeOf(*world, "incoming");
  EXPECT_EQ(slow.kind, CallOutcome::Kind::kTrue);
  EXPECT_EQ(other.kind, CallOutcome::Kind::kTrue);
  EXPECT_EQ(incoming.kind, CallOutcome::Kind::kTrue);
  EXPECT_TRUE(world->CountsUp("a@h1", "d@h4"));
  return {slow.replied_at_ms, other.replied_at_ms, incoming.replied_at_ms};
}

TEST(WorldTest, SlowDnsDelaysOtherConnectsAndIncomingHandshakesOfTheNode) {
  const SlowDnsTimes fast = RunSlowDns(0);
  EXPECT_LT(fast.other_ms, 600);
  EXPECT_LT(fast.incoming_ms, 600);
  const SlowDnsTimes slow = RunSlowDns(5'000);
  // Both wait until net_kernel has its answer at 5 s.
  EXPECT_GE(slow.other_ms, 5'000);
  EXPECT_LT(slow.other_ms, 5'100);
  EXPECT_GE(slow.incoming_ms, 5'000);
  EXPECT_LT(slow.incoming_ms, 5'100);
  // The slow name itself is looked up twice (no cache): about 10 s.
  EXPECT_GE(slow.slow_ms, 10'000);
  EXPECT_LT(slow.slow_ms, 10'100);
}

TEST(WorldTest, AHandshakeWaitingLongerThanTheCallersSetupTimeFails) {
  WorldConfig config;
  config.nodes = {QuietNode("a@h1"), QuietNode("b@h2"), QuietNode("d@h4")};
  config.nodes[1].settings.dns_delay_ms = 10'000;
  auto world = Build(config);
  Schedule(*world, 0, action::ConnectNode{"a@h1", "b@h2", "slow"});
  Schedule(*world, 500, action::ConnectNode{"d@h4", "a@h1", "incoming"});
  RunTo(*world, 30'000);
  const CallOutcome& incoming = OutcomeOf(*world, "incoming");
  EXPECT_EQ(incoming.kind, CallOutcome::Kind::kFalse);
  EXPECT_EQ(incoming.replied_at_ms, 7'500);
  EXPECT_FALSE(world->CountsUp("a@h1", "d@h4"));
}

TEST(WorldTest, ADnsCacheMakesTheSecondLookupInstant) {
  WorldConfig config;
  config.nodes = {QuietNode("a@h1"), QuietNode("b@h2")};
  config.nodes[0].settings.dns_cache_ttl_ms = 60'000;
  config.nodes[1].settings.dns_delay_ms = 5'000;
  auto world = Build(config);
  Schedule(*world, 0, action::ConnectNode{"a@h1", "b@h2", "cached"});
  RunTo(*world, 30'000);
  const CallOutcome& out = OutcomeOf(*world, "cached");
  EXPECT_EQ(out.kind, CallOutcome::Kind::kTrue);
  EXPECT_GE(out.replied_at_ms, 5'000);
  EXPECT_LT(out.replied_at_ms, 5'100);
}

// ---------------------------------------------------------------------------
// 2. A partition closes nothing: each end detects the silence alone, in
// [0.75, 1.25] x net_ticktime. A stop closes the sockets: seen at once.

TEST(WorldTest, PartitionIsDetectedByEachEndSeparatelyWithinTickWindow) {
  for (uint64_t seed : {1, 2, 3, 4, 5}) {
    WorldConfig config;
    config.seed = seed;
    config.nodes = {MakeNode("a@h1"), MakeNode("b@h2")};
    auto world = Build(config);
    RunTo(*world, 10'000);
    ASSERT_TRUE(world->CountsUp("a@h1", "b@h2"));
    ASSERT_TRUE(world->CountsUp("b@h2", "a@h1"));
    Schedule(*world, 10'000, action::Partition{{{"a@h1"}, {"b@h2"}}});
    DownWatcher watcher;
    watcher.Watch(*world, {{"a@h1", "b@h2"}, {"b@h2", "a@h1"}});
    RunTo(*world, 44'000 + 10'000);
    EXPECT_TRUE(world->CountsUp("a@h1", "b@h2")) << "still counted up before 45 s";
    EXPECT_TRUE(world->CountsUp("b@h2", "a@h1"));
    RunTo(*world, 100'000);
    ASSERT_EQ(watcher.down_at_ms.size(), 2u);
    const TimeMs a_ms = watcher.down_at_ms[{"a@h1", "b@h2"}] - 10'000;
    const TimeMs b_ms = watcher.down_at_ms[{"b@h2", "a@h1"}] - 10'000;
    EXPECT_GE(a_ms, 45'000);
    EXPECT_LE(a_ms, 75'000);
    EXPECT_GE(b_ms, 45'000);
    EXPECT_LE(b_ms, 75'000);
    EXPECT_NE(a_ms, b_ms) << "each end draws its own detection time";
  }
}

TEST(WorldTest, AStopIsSeenAtOnceByPeersThatCanReachIt) {
  WorldConfig config;
  config.nodes = {MakeNode("a@h1"), MakeNode("b@h2")};
  auto world = Build(config);
  RunTo(*world, 10'000);
  ASSERT_TRUE(world->CountsUp("a@h1", "b@h2"));
  DownWatcher watcher;
  watcher.Watch(*world, {{"a@h1", "b@h2"}});
  Schedule(*world, 10'000, action::Stop{{"b@h2"}});
  RunTo(*world, 20'000);
  ASSERT_EQ(watcher.down_at_ms.size(), 1u);
  EXPECT_EQ(watcher.down_at_ms.begin()->second, 10'001);  // one latency
  EXPECT_EQ(CountLogs(*world, "a@h1", "nodedown", "b@h2"), 1);
}

TEST(WorldTest, AStopBehindAPartitionIsFoundByTickTimeout) {
  WorldConfig config;
  config.nodes = {MakeNode("a@h1"), MakeNode("b@h2")};
  auto world = Build(config);
  RunTo(*world, 10'000);
  Schedule(*world, 10'000, action::Partition{{{"a@h1"}, {"b@h2"}}});
  Schedule(*world, 10'000, action::Stop{{"b@h2"}});
  RunTo(*world, 54'000);
  EXPECT_TRUE(world->CountsUp("a@h1", "b@h2"));
  RunTo(*world, 86'000);
  EXPECT_FALSE(world->CountsUp("a@h1", "b@h2"));
}

// ---------------------------------------------------------------------------
// 3. dist_auto_connect: never fails implicit connects at once; once bars a
// node after an up connection to it is lost, until an explicit connect.

TEST(WorldTest, AutoConnectNeverFailsRpcAtOnceButExplicitConnectWorks) {
  WorldConfig config;
  config.nodes = {QuietNode("a@h1"), QuietNode("b@h2")};
  config.nodes[0].settings.dist_auto_connect = AutoConnect::kNever;
  auto world = Build(config);
  Schedule(*world, 1'000, action::Rpc{"a@h1", "b@h2", "rpc"});
  Schedule(*world, 2'000, action::ConnectNode{"a@h1", "b@h2", "connect"});
  Schedule(*world, 3'000, action::Rpc{"a@h1", "b@h2", "rpc_connected"});
  RunTo(*world, 10'000);
  EXPECT_EQ(OutcomeOf(*world, "rpc").kind, CallOutcome::Kind::kBadRpc);
  EXPECT_EQ(OutcomeOf(*world, "rpc").replied_at_ms, 1'000);
  EXPECT_EQ(OutcomeOf(*world, "connect").kind, CallOutcome::Kind::kTrue);
  EXPECT_EQ(OutcomeOf(*world, "rpc_connected").kind, CallOutcome::Kind::kOk);
}

TEST(WorldTest, AutoConnectAlwaysRpcConnects) {
  WorldConfig config;
  config.nodes = {QuietNode("a@h1"), QuietNode("b@h2")};
  auto world = Build(config);
  Schedule(*world, 1'000, action::Rpc{"a@h1", "b@h2", "rpc"});
  RunTo(*world, 10'000);
  EXPECT_EQ(OutcomeOf(*world, "rpc").kind, CallOutcome::Kind::kOk);
  EXPECT_TRUE(world->CountsUp("a@h1", "b@h2"));
}

void RunOnce(AutoConnect mode, CallOutcome::Kind expected_after_loss) {
  WorldConfig config;
  config.nodes = {QuietNode("a@h1"), QuietNode("b@h2")};
  config.nodes[0].settings.dist_auto_connect = mode;
  auto world = Build(config);
  Schedule(*world, 1'000, action::ConnectNode{"a@h1", "b@h2", "first"});
  Schedule(*world, 2'000, action::Disconnect{{{"b@h2", "a@h1"}}});
  Schedule(*world, 3'000, action::Rpc{"a@h1", "b@h2", "after_loss"});
  Schedule(*world, 4'000, action::ConnectNode{"a@h1", "b@h2", "explicit"});
  Schedule(*world, 5'000, action::Disconnect{{{"a@h1", "b@h2"}}});
  Schedule(*world, 6'000, action::ConnectNode{"b@h2", "a@h1", "incoming"});
  Schedule(*world, 7'000, action::Rpc{"a@h1", "b@h2", "after_reconnect"});
  RunTo(*world, 20'000);
  EXPECT_EQ(OutcomeOf(*world, "first").kind, CallOutcome::Kind::kTrue);
  EXPECT_EQ(OutcomeOf(*world, "after_loss").kind, expected_after_loss);
  EXPECT_EQ(OutcomeOf(*world, "explicit").kind, CallOutcome::Kind::kTrue);
  EXPECT_EQ(OutcomeOf(*world, "incoming").kind, CallOutcome::Kind::kTrue);
  EXPECT_EQ(OutcomeOf(*world, "after_reconnect").kind, CallOutcome::Kind::kOk);
}

TEST(WorldTest, AutoConnectOnceBarsAfterLossUntilExplicitConnect) {
  RunOnce(AutoConnect::kOnce, CallOutcome::Kind::kBadRpc);
  RunOnce(AutoConnect::kAlways, CallOutcome::Kind::kOk);
}

// ---------------------------------------------------------------------------
// 4. connect_all: global's sync makes a node that joins one member connect
// to the others.

bool JoinsTheOthers(bool connect_all) {
  WorldConfig config;
  for (const char* name : {"a@h1", "b@h2", "c@h3"}) {
    NodeConfig node = MakeNode(name);
    node.settings.connect_all = connect_all;
    node.backend.nodes = std::vector<NodeName>{"a@h1", "b@h2"};
    config.nodes.push_back(node);
  }
  config.nodes[2].backend.nodes = std::vector<NodeName>{"a@h1", "c@h3"};
  config.nodes[2].start_at_ms = 10'000;
  auto world = Build(config);
  RunTo(*world, 60'000);
  EXPECT_TRUE(world->CountsUp("c@h3", "a@h1"));
  EXPECT_TRUE(world->CountsUp("a@h1", "b@h2"));
  return world->CountsUp("c@h3", "b@h2") && world->CountsUp("b@h2", "c@h3");
}

TEST(WorldTest, ConnectAllConnectsANewNodeToEveryMember) {
  EXPECT_TRUE(JoinsTheOthers(true));
  EXPECT_FALSE(JoinsTheOthers(false));
}

// Three nodes start at the same instant and c knows only a. a's syncs with b
// and c run concurrently (both after 200 ms), so neither carries the other
// node. The mesh still closes because a, when a sync ends, tells the nodes
// it already knew about the newly synced one (new_nodes), and they connect.
TEST(WorldTest, ConcurrentSyncsCloseTheMeshThroughNewNodes) {
  for (TimeMs latency_ms : {1, 5}) {
    WorldConfig config;
    for (const char* name : {"a@h1", "b@h2", "c@h3"}) {
      NodeConfig node = MakeNode(name);
      node.settings.latency_ms = latency_ms;
      node.backend.nodes = std::vector<NodeName>{"a@h1", "b@h2"};
      config.nodes.push_back(node);
    }
    config.nodes[2].backend.nodes = std::vector<NodeName>{"a@h1", "c@h3"};
    auto world = Build(config);
    TimeMs bc_up_ms = -1;
    world->SetObserver([&](const World& w) {
      if (bc_up_ms < 0 && w.CountsUp("b@h2", "c@h3") && w.CountsUp("c@h3", "b@h2")) {
        bc_up_ms = w.now_ms();
      }
    });
    RunTo(*world, 60'000);
    EXPECT_TRUE(world->CountsUp("a@h1", "b@h2"));
    EXPECT_TRUE(world->CountsUp("a@h1", "c@h3"));
    EXPECT_TRUE(world->CountsUp("b@h2", "c@h3")) << "latency " << latency_ms;
    EXPECT_TRUE(world->CountsUp("c@h3", "b@h2")) << "latency " << latency_ms;
    // After the 200 ms syncs, one message (new_nodes) and one connection
    // setup later; never sooner, since nothing else names b to c.
    EXPECT_GE(bc_up_ms, 200 + 3 * latency_ms) << "latency " << latency_ms;
    EXPECT_LT(bc_up_ms, 300 + 10 * latency_ms) << "latency " << latency_ms;
  }
}

// ---------------------------------------------------------------------------
// 5. prevent_overlapping_partitions: a cut link in a full mesh ends with
// transitive connectivity; without the flag the overlap stays.

std::unique_ptr<World> FullMeshCut(bool prevent, uint64_t seed) {
  WorldConfig config;
  config.seed = seed;
  for (const char* name : {"a@h1", "b@h2", "c@h3", "d@h4"}) {
    NodeConfig node = MakeNode(name);
    node.settings.prevent_overlapping_partitions = prevent;
    config.nodes.push_back(node);
  }
  auto world = Build(config);
  RunTo(*world, 30'000);
  for (const char* x : {"a@h1", "b@h2", "c@h3", "d@h4"}) {
    EXPECT_EQ(world->VisibleConnected(x).size(), 3u) << x;
  }
  Schedule(*world, 30'000, action::Cut{{{"a@h1", "b@h2"}}});
  RunTo(*world, 120'000);
  return world;
}

TEST(WorldTest, PreventOverlappingPartitionsMakesConnectivityTransitiveAgain) {
  for (uint64_t seed : {1, 2, 3}) {
    auto on = FullMeshCut(true, seed);
    EXPECT_TRUE(on->NoOverlappingPartitions());
    // The end that timed out first keeps c and d; the other ends alone.
    const bool a_kept = on->VisibleConnected("a@h1").size() == 2;
    const std::string alone = a_kept ? "b@h2" : "a@h1";
    EXPECT_TRUE(on->VisibleConnected(alone).empty()) << alone;
    EXPECT_TRUE(on->CountsUp("c@h3", "d@h4"));
    auto off = FullMeshCut(false, seed);
    EXPECT_FALSE(off->NoOverlappingPartitions());
    EXPECT_TRUE(off->CountsUp("a@h1", "c@h3"));
    EXPECT_TRUE(off->CountsUp("b@h2", "c@h3"));
    EXPECT_FALSE(off->CountsUp("a@h1", "b@h2"));
  }
}

TEST(WorldTest, CleanDisconnectWithPreventOverlappingDropsBothEnds) {
  WorldConfig config;
  for (const char* name : {"a@h1", "b@h2", "c@h3", "d@h4"}) config.nodes.push_back(MakeNode(name));
  auto world = Build(config);
  RunTo(*world, 30'000);
  Schedule(*world, 30'000, action::Disconnect{{{"a@h1", "b@h2"}}});
  RunTo(*world, 30'100);
  EXPECT_TRUE(world->VisibleConnected("a@h1").empty());
  EXPECT_TRUE(world->VisibleConnected("b@h2").empty());
  EXPECT_EQ(world->VisibleConnected("c@h3"), (engine::NodeSet{"d@h4"}));
  EXPECT_TRUE(world->NoOverlappingPartitions());
}

// ---------------------------------------------------------------------------
// 6. Hidden nodes never show in a view or a table cluster.

TEST(WorldTest, HiddenNodeIsNeverInAnyViewOrTableCluster) {
  WorldConfig config;
  for (const char* name : {"a@h1", "b@h2", "h@h9"}) {
    NodeConfig node = MakeNode(name);
    node.tables = {"t"};
    config.nodes.push_back(node);
  }
  config.nodes[2].settings.visibility = Visibility::kHidden;
  auto world = Build(config);
  bool hidden_seen = false, hidden_connected = false;
  world->SetObserver([&](const World& w) {
    for (const char* x : {"a@h1", "b@h2", "h@h9"}) {
      if (w.VisibleConnected(x).contains("h@h9")) hidden_seen = true;
      const auto cluster = w.TableCluster(x, "t");
      if (cluster.has_value() && cluster->contains("h@h9") && std::string(x) != "h@h9") {
        hidden_seen = true;
      }
    }
    if (!w.VisibleConnected("h@h9").empty()) hidden_seen = true;
    hidden_connected |= w.CountsUp("a@h1", "h@h9");
  });
  RunTo(*world, 120'000);
  EXPECT_FALSE(hidden_seen);
  EXPECT_TRUE(hidden_connected) << "the hidden connection itself exists";
  EXPECT_EQ(world->TableCluster("a@h1", "t"), (engine::NodeSet{"a@h1", "b@h2"}));
  EXPECT_EQ(world->TableCluster("h@h9", "t"), (engine::NodeSet{"h@h9"}));
}

// ---------------------------------------------------------------------------
// 7. Joins take the global lock, and their errors show up as results.

TEST(WorldTest, TwoClustersJoiningAtOnceNeverCopyConcurrently) {
  for (uint64_t seed : {1, 2, 3}) {
    WorldConfig config;
    config.seed = seed;
    for (const char* name : {"a@h1", "b@h2", "c@h3", "d@h4"}) {
      NodeConfig node = MakeNode(name);
      node.tables = {"t1", "t2"};
      config.nodes.push_back(node);
    }
    auto world = Build(config);
    Schedule(*world, 0, action::Partition{{{"a@h1", "b@h2"}, {"c@h3", "d@h4"}}});
    RunTo(*world, 20'000);
    ASSERT_EQ(world->TableCluster("a@h1", "t1"), (engine::NodeSet{"a@h1", "b@h2"}));
    ASSERT_EQ(world->TableCluster("c@h3", "t1"), (engine::NodeSet{"c@h3", "d@h4"}));
    Schedule(*world, 20'000, action::HealAll{});
    // The nodes reconnect when discovery next pings (a manual check here).
    for (const char* x : {"a@h1", "b@h2", "c@h3", "d@h4"}) {
      Schedule(*world, 20'000, action::Send{x, engine::Check{}});
    }
    RunTo(*world, 200'000);
    for (const char* x : {"a@h1", "b@h2", "c@h3", "d@h4"}) {
      EXPECT_EQ(world->TableCluster(x, "t1"),
                (engine::NodeSet{"a@h1", "b@h2", "c@h3", "d@h4"}))
          << x;
      EXPECT_EQ(world->TableCluster(x, "t2"),
                (engine::NodeSet{"a@h1", "b@h2", "c@h3", "d@h4"}))
          << x;
    }
    // After the heal, lock holds (which contain step 7) never overlap in
    // time. (Before it, the two sides locked disjoint node sets.)
    std::vector<std::pair<TimeMs, TimeMs>> holds;
    for (const JoinRecord& r : world->Joins()) {
      if (r.started_at_ms >= 20'000 && r.lock_granted_at_ms.has_value() &&
          r.finished_at_ms.has_value()) {
        holds.emplace_back(*r.lock_granted_at_ms, *r.finished_at_ms);
      }
    }
    std::sort(holds.begin(), holds.end());
    ASSERT_GE(holds.size(), 4u);
    for (size_t i = 1; i < holds.size(); ++i) {
      EXPECT_LE(holds[i - 1].second, holds[i].first) << "seed " << seed;
    }
    EXPECT_GT(world->counters().lock_attempts, 0u);
  }
}

TEST(WorldTest, JoinErrorsShowUpAsResults) {
  // pid_not_found: b runs no server of t.
  {
    WorldConfig config;
    config.nodes = {MakeNode("a@h1"), MakeNode("b@h2")};
    config.nodes[0].tables = {"t"};
    auto world = Build(config);
    RunTo(*world, 10'000);
    const engine::State* a = world->DiscoveryState("a@h1");
    ASSERT_NE(a, nullptr);
    ASSERT_EQ(a->results.size(), 1u);
    EXPECT_EQ(a->results[0].what, engine::JoinResult::What::kPidNotFound);
    EXPECT_EQ(a->results[0].reason, "undefined");
  }
  // already_joined: a second join of the same pair, checked before locking.
  {
    WorldConfig config;
    config.nodes = {MakeNode("a@h1"), MakeNode("b@h2")};
    for (NodeConfig& node : config.nodes) node.tables = {"t"};
    auto world = Build(config);
    RunTo(*world, 10'000);
    const uint64_t attempts = world->counters().lock_attempts;
    Schedule(*world, 10'000, action::Send{"a@h1", engine::Check{}});
    RunTo(*world, 11'000);
    const engine::State* a = world->DiscoveryState("a@h1");
    ASSERT_EQ(a->results.size(), 1u);
    EXPECT_FALSE(a->results[0].ok);
    EXPECT_EQ(a->results[0].reason, "already_joined");
    EXPECT_EQ(world->counters().lock_attempts, attempts) << "no lock taken";
  }
  // An unreachable pair: a and c are one cluster, b cannot reach c.
  {
    WorldConfig config;
    for (const char* name : {"a@h1", "b@h2", "c@h3"}) {
      NodeConfig node = MakeNode(name);
      node.tables = {"t"};
      node.settings.connect_all = false;
      config.nodes.push_back(node);
    }
    auto world = Build(config);
    Schedule(*world, 0, action::Partition{{{"a@h1", "c@h3"}, {"b@h2"}}});
    RunTo(*world, 20'000);
    ASSERT_EQ(world->TableCluster("a@h1", "t"), (engine::NodeSet{"a@h1", "c@h3"}));
    Schedule(*world, 20'000, action::HealLinks{{{"a@h1", "b@h2"}}});
    Schedule(*world, 20'000, action::Send{"a@h1", engine::Check{}});
    RunTo(*world, 60'000);
    bool unreachable = false;
    for (const JoinRecord& r : world->Joins()) {
      unreachable |= r.result.starts_with("{task_failed,check_could_reach_each_other_failed,");
    }
    EXPECT_TRUE(unreachable);
    EXPECT_EQ(world->TableCluster("b@h2", "t"), (engine::NodeSet{"b@h2"}));
  }
}

// ---------------------------------------------------------------------------
// 8. A restart is a new incarnation (no node_reconnects); the same
// incarnation coming back after a healed netsplit is a reconnect.

TEST(WorldTest, RestartIsANewIncarnationAndNotAReconnect) {
  WorldConfig config;
  config.nodes = {MakeNode("a@h1"), MakeNode("b@h2")};
  auto world = Build(config);
  RunTo(*world, 10'000);
  ASSERT_TRUE(world->CountsUp("a@h1", "b@h2"));
  Schedule(*world, 10'000, action::Restart{{"b@h2"}});
  RunTo(*world, 20'000);
  EXPECT_EQ(world->Node("b@h2")->incarnation, 2u);
  EXPECT_EQ(world->Node("b@h2")->start_time_ms, 10'000);
  EXPECT_TRUE(world->CountsUp("a@h1", "b@h2"));
  EXPECT_EQ(CountLogs(*world, "a@h1", "nodeup", "b@h2"), 2);
  EXPECT_EQ(CountLogs(*world, "a@h1", "node_reconnects"), 0);
  EXPECT_EQ(world->LastFaultRemovalMs(), 10'000);
}

TEST(WorldTest, HealedNetsplitIsLoggedAsAReconnect) {
  WorldConfig config;
  config.nodes = {MakeNode("a@h1"), MakeNode("b@h2")};
  auto world = Build(config);
  RunTo(*world, 10'000);
  Schedule(*world, 10'000, action::Partition{{{"a@h1"}, {"b@h2"}}});
  Schedule(*world, 100'000, action::HealAll{});
  RunTo(*world, 100'000);
  ASSERT_FALSE(world->CountsUp("a@h1", "b@h2"));
  RunTo(*world, 700'000);
  EXPECT_TRUE(world->CountsUp("a@h1", "b@h2"));
  EXPECT_EQ(CountLogs(*world, "a@h1", "node_reconnects", "b@h2"), 1);
  EXPECT_EQ(world->Node("b@h2")->incarnation, 1u);
}

// ---------------------------------------------------------------------------
// 9. Same seed, same trace; another seed, other jitter.

struct JitterRun {
  uint64_t hash;
  std::vector<TimeMs> up_times;
};

JitterRun RunJittery(uint64_t seed) {
  WorldConfig config;
  config.seed = seed;
  config.network.jitter_ms_max = 20;
  for (const char* name : {"a@h1", "b@h2", "c@h3"}) {
    NodeConfig node = MakeNode(name);
    node.tables = {"t"};
    node.backend.latency = LatencyRange{10, 200};
    config.nodes.push_back(node);
  }
  auto world = Build(config);
  Schedule(*world, 60'000, action::Partition{{{"a@h1"}, {"b@h2", "c@h3"}}});
  Schedule(*world, 200'000, action::HealAll{});
  RunTo(*world, 900'000);
  JitterRun out{world->TraceHash(), {}};
  for (const LogEntry& e : world->Logs("a@h1")) {
    if (e.record.what == "nodeup") out.up_times.push_back(e.at_ms);
  }
  return out;
}

TEST(WorldTest, SameSeedGivesIdenticalTraceAndAnotherSeedOtherJitter) {
  const JitterRun first = RunJittery(11);
  const JitterRun second = RunJittery(11);
  EXPECT_EQ(first.hash, second.hash);
  EXPECT_EQ(first.up_times, second.up_times);
  const JitterRun other = RunJittery(12);
  EXPECT_NE(first.hash, other.hash);
  EXPECT_NE(first.up_times, other.up_times);
}

TEST(WorldTest, TraceLinesDoNotChangeTheHash) {
  WorldConfig config;
  config.nodes = {MakeNode("a@h1"), MakeNode("b@h2")};
  auto hashed = Build(config);
  config.trace = TraceMode::kKeepLines;
  auto lined = Build(config);
  RunTo(*hashed, 30'000);
  RunTo(*lined, 30'000);
  EXPECT_EQ(hashed->TraceHash(), lined->TraceHash());
  EXPECT_TRUE(hashed->TraceLines().empty());
  EXPECT_FALSE(lined->TraceLines().empty());
}

// ---------------------------------------------------------------------------
// 10. Backends: errors at start are retried every second; a slow backend
// keeps wait_for_get_nodes callers waiting, and for the retry when one is due.

TEST(WorldTest, BackendErrorsAtStartAreRetriedEverySecond) {
  WorldConfig config;
  config.nodes = {MakeNode("a@h1")};
  auto world = Build(config);
  Schedule(*world, 0, action::BackendFail{"a@h1", 3, std::nullopt});
  RunTo(*world, 20'000);
  const std::vector<TimeMs> expected = {0, 1'000, 2'000, 3'000, 8'000, 13'000, 18'000};
  EXPECT_EQ(world->GetNodesCalls("a@h1"), expected);
  EXPECT_EQ(world->LastFaultRemovalMs(), 2'000);
}

TEST(WorldTest, BackendErrorWindowAndRate) {
  WorldConfig config;
  config.nodes = {MakeNode("a@h1")};
  auto world = Build(config);
  Schedule(*world, 0, action::BackendFail{"a@h1", std::nullopt, 2'500});
  RunTo(*world, 10'000);
  const std::vector<TimeMs> expected = {0, 1'000, 2'000, 3'000, 8'000};
  EXPECT_EQ(world->GetNodesCalls("a@h1"), expected);
  EXPECT_EQ(world->LastFaultRemovalMs(), 2'500);
  // error_rate 1: every call fails, every second.
  config.nodes[0].backend.error_rate = 1.0;
  auto failing = Build(config);
  RunTo(*failing, 5'500);
  EXPECT_EQ(failing->GetNodesCalls("a@h1").size(), 6u);
  EXPECT_EQ(failing->SystemInfo("a@h1")->retry_type, engine::RetryType::kAfterError);
}

TimeMs WaitForGetNodesReplyMs(bool check_while_running) {
  WorldConfig config;
  config.nodes = {MakeNode("a@h1")};
  config.nodes[0].backend.latency = LatencyRange{2'000, 2'000};
  auto world = Build(config);
  Schedule(*world, 500, action::Call{"a@h1", action::Request::kWaitForGetNodes, 10'000, "w"});
  if (check_while_running) Schedule(*world, 1'000, action::Send{"a@h1", engine::Check{}});
  RunTo(*world, 9'000);
  const CallOutcome& out = OutcomeOf(*world, "w");
  EXPECT_EQ(out.kind, CallOutcome::Kind::kOk);
  return out.replied_at_ms;
}

TEST(WorldTest, SlowBackendKeepsWaitForGetNodesCallersWaiting) {
  EXPECT_EQ(WaitForGetNodesReplyMs(false), 2'000);
  // A check during the call sets should_retry: callers wait for the retry.
  EXPECT_EQ(WaitForGetNodesReplyMs(true), 4'000);
}

TEST(WorldTest, CallsTimeOutAndAnswerAtOnceWhenIdle) {
  WorldConfig config;
  config.nodes = {MakeNode("a@h1"), MakeNode("ghost@nohost")};
  config.nodes[1].start_at_ms = std::nullopt;
  config.nodes[0].backend.latency = LatencyRange{100, 100};
  auto world = Build(config);
  Schedule(*world, 1'000, action::Call{"a@h1", action::Request::kWaitForGetNodes, 5'000, "idle"});
  Schedule(*world, 1'000, action::Call{"a@h1", action::Request::kGetTables, 5'000, "tables"});
  Schedule(*world, 1'000, action::Call{"ghost@nohost", action::Request::kSystemInfo, 5'000, "dead"});
  Schedule(*world, 1'000, action::Call{"a@h1", action::Request::kWaitForReady, 5'000, "ready"});
  RunTo(*world, 10'000);
  EXPECT_EQ(OutcomeOf(*world, "idle").kind, CallOutcome::Kind::kOk);
  EXPECT_EQ(OutcomeOf(*world, "idle").replied_at_ms, 1'000);
  EXPECT_EQ(OutcomeOf(*world, "tables").kind, CallOutcome::Kind::kTables);
  EXPECT_EQ(OutcomeOf(*world, "dead").kind, CallOutcome::Kind::kNoProc);
  // The unresolvable ghost answers pang quickly: ready.
  EXPECT_EQ(OutcomeOf(*world, "ready").kind, CallOutcome::Kind::kOk);
  EXPECT_EQ(world->DiscoveryState("a@h1")->unavailable_nodes,
            (engine::NodeSet{"ghost@nohost"}));
}

// ---------------------------------------------------------------------------
// More rules of the page.

TEST(WorldTest, HostThatNeverAnswersMakesWaitForReadyTakeTheSetupTime) {
  WorldConfig config;
  config.nodes = {MakeNode("a@h1"), MakeNode("vm@h2")};
  config.nodes[1].start_at_ms = std::nullopt;
  config.nodes[1].resolvable = true;
  config.nodes[1].settings.connect_delay_ms = 1'000'000;
  auto world = Build(config);
  Schedule(*world, 0, action::Call{"a@h1", action::Request::kWaitForReady, 20'000, "ready"});
  RunTo(*world, 30'000);
  const CallOutcome& out = OutcomeOf(*world, "ready");
  EXPECT_EQ(out.kind, CallOutcome::Kind::kOk);
  EXPECT_GE(out.replied_at_ms, 7'000);
  EXPECT_LT(out.replied_at_ms, 7'100);
}

TEST(WorldTest, SimultaneousConnectsMakeOneConnection) {
  WorldConfig config;
  config.nodes = {QuietNode("a@h1"), QuietNode("b@h2")};
  config.trace = TraceMode::kKeepLines;
  auto world = Build(config);
  Schedule(*world, 1'000, action::ConnectNode{"a@h1", "b@h2", "ab"});
  Schedule(*world, 1'000, action::ConnectNode{"b@h2", "a@h1", "ba"});
  RunTo(*world, 5'000);
  EXPECT_EQ(OutcomeOf(*world, "ab").kind, CallOutcome::Kind::kTrue);
  EXPECT_EQ(OutcomeOf(*world, "ba").kind, CallOutcome::Kind::kTrue);
  EXPECT_EQ(CountLogs(*world, "a@h1", "nodeup"), 1);
  EXPECT_EQ(CountLogs(*world, "b@h2", "nodeup"), 1);
}

// The accepting end counts the connection as up before the caller does. What
// it sends at once (here an rpc queued behind its own slow setup to the
// caller) must reach the caller after the handshake answer, or the caller
// drops it as traffic of an unknown connection and the rpc never returns.
TEST(WorldTest, WhatTheAcceptingEndSendsAtOnceFollowsTheHandshakeAnswer) {
  WorldConfig config;
  config.nodes = {QuietNode("a@h1"), QuietNode("b@h2")};
  config.nodes[0].settings.dns_delay_ms = 2'000;  // resolving a@h1 is slow
  auto world = Build(config);
  // b's net_kernel resolves a@h1 for 2 s; a's handshake queues behind it.
  Schedule(*world, 1'000, action::Rpc{"b@h2", "a@h1", "rpc"});
  Schedule(*world, 1'100, action::ConnectNode{"a@h1", "b@h2", "connect"});
  RunTo(*world, 10'000);
  EXPECT_EQ(OutcomeOf(*world, "connect").kind, CallOutcome::Kind::kTrue);
  const CallOutcome& rpc = OutcomeOf(*world, "rpc");
  EXPECT_EQ(rpc.kind, CallOutcome::Kind::kOk);
  // Sent when b accepted a's handshake at 3 s, answered one round trip later.
  EXPECT_GE(rpc.replied_at_ms, 3'000);
  EXPECT_LT(rpc.replied_at_ms, 3'100);
}

// Step 7 adds the other side's servers to each member's cluster. The joiner
// checks only its own connections: a member whose own end to a new peer is
// already down drops that peer at once (its monitor fires noconnection), and
// keeps the rest.
// a and b share table t; c gets it at 10 s, and its join with {a, b} then
// spends 5 s in step 7. No global side effects of a lost connection.
std::unique_ptr<World> SlowMergeWorld() {
  WorldConfig config;
  for (const char* name : {"a@h1", "b@h2", "c@h3"}) {
    NodeConfig node = MakeNode(name);
    node.settings.connect_all = false;
    node.settings.prevent_overlapping_partitions = false;
    node.tables = {"t"};
    config.nodes.push_back(node);
  }
  config.nodes[2].tables = {};
  config.join.join_base_ms = 5'000;
  return Build(config);
}

// Each result of the node's joins; of {task_failed, Reason, Info} the Reason.
std::vector<std::string> JoinResults(const World& world, const std::string& node) {
  std::vector<std::string> results;
  const std::string prefix = "{task_failed,";
  for (const JoinRecord& r : world.Joins()) {
    if (r.node != node || r.result.empty()) continue;
    if (r.result.starts_with(prefix)) {
      const size_t end = r.result.find(",#{", prefix.size());
      results.push_back(r.result.substr(prefix.size(), end - prefix.size()));
    } else {
      results.push_back(r.result);
    }
  }
  return results;
}

TEST(WorldTest, AMergedMemberDropsANewPeerItHasNoConnectionTo) {
  auto world = SlowMergeWorld();
  RunTo(*world, 10'000);
  ASSERT_EQ(world->TableCluster("b@h2", "t"), (engine::NodeSet{"a@h1", "b@h2"}));
  ASSERT_TRUE(world->CountsUp("b@h2", "c@h3"));
  Schedule(*world, 10'000, action::AddTable{"c@h3", "t"});
  // While c's join with {a, b} copies, b's end to c goes down and c's stays
  // up (the close cannot reach c; its tick timeout is 45 s or more away).
  Schedule(*world, 12'000, action::Cut{{{"b@h2", "c@h3"}}});
  Schedule(*world, 12'000, action::Disconnect{{{"b@h2", "c@h3"}}});
  RunTo(*world, 14'000);
  ASSERT_EQ(world->TableCluster("c@h3", "t"), (engine::NodeSet{"c@h3"})) << "merged too early";
  ASSERT_FALSE(world->CountsUp("b@h2", "c@h3"));
  ASSERT_TRUE(world->CountsUp("c@h3", "b@h2"));
  // cets_join checks both sides again after the dumps: c's call to b goes
  // over c's end, which the cut holds (gen_server:call waits with an
  // infinite timeout), so nothing is merged until c's end times out.
  RunTo(*world, 20'000);
  EXPECT_EQ(world->TableCluster("c@h3", "t"), (engine::NodeSet{"c@h3"}));
  EXPECT_EQ(world->TableCluster("a@h1", "t"), (engine::NodeSet{"a@h1", "b@h2"}));
  EXPECT_EQ(world->TableCluster("b@h2", "t"), (engine::NodeSet{"a@h1", "b@h2"}));
}

// Step 7: a member going down while the data is exchanged fails the pair
// (a call to it fails with nodedown), and nothing is merged.
TEST(WorldTest, AMemberGoingDownDuringStepSevenFailsThePair) {
  auto world = SlowMergeWorld();
  RunTo(*world, 10'000);
  ASSERT_EQ(world->TableCluster("a@h1", "t"), (engine::NodeSet{"a@h1", "b@h2"}));
  Schedule(*world, 10'000, action::AddTable{"c@h3", "t"});
  Schedule(*world, 12'000, action::Stop{{"b@h2"}});  // c sees it at once
  RunTo(*world, 16'000);
  const std::vector<std::string> results = JoinResults(*world, "c@h3");
  EXPECT_NE(std::find(results.begin(), results.end(), "nodedown"), results.end());
  EXPECT_EQ(world->TableCluster("c@h3", "t"), (engine::NodeSet{"c@h3"}));
  EXPECT_EQ(world->TableCluster("a@h1", "t"), (engine::NodeSet{"a@h1"}));
}

// Two joins whose locks cover disjoint nodes (each joiner locks itself and
// the nodes it is connected to) merge into the same cluster at once. Each
// member adds the other side's servers to the cluster it has now (cets
// add_servers), so nobody is lost; but each joiner only learns the servers
// of its snapshot, and the two newcomers never learn of each other: the
// finding scenarios/finding-concurrent-merges-split-clusters.yaml.
// Four nodes with table t on a and b; c and d each know one of them.
WorldConfig ConcurrentMergesWorld() {
  WorldConfig config;
  const std::vector<NodeName> names = {"a@h1", "b@h2", "c@h3", "d@h4"};
  for (const NodeName& name : names) {
    NodeConfig node = MakeNode(name);
    node.settings.connect_all = false;  // c and d stay apart from the rest
    node.settings.prevent_overlapping_partitions = false;
    config.nodes.push_back(node);
  }
  config.nodes[0].backend.nodes = std::vector<NodeName>{"a@h1", "b@h2"};
  config.nodes[1].backend.nodes = std::vector<NodeName>{"a@h1", "b@h2"};
  config.nodes[2].backend.nodes = std::vector<NodeName>{"a@h1", "c@h3"};  // c knows a
  config.nodes[3].backend.nodes = std::vector<NodeName>{"b@h2", "d@h4"};  // d knows b
  config.nodes[0].tables = config.nodes[1].tables = {"t"};
  config.join.join_base_ms = 5'000;  // both copies overlap
  return config;
}

TEST(WorldTest, ConcurrentMergesIntoOneClusterAddAndNeverOverwrite) {
  auto world = Build(ConcurrentMergesWorld());
  RunTo(*world, 10'000);
  ASSERT_EQ(world->TableCluster("a@h1", "t"), (engine::NodeSet{"a@h1", "b@h2"}));
  ASSERT_FALSE(world->CountsUp("c@h3", "b@h2"));
  ASSERT_FALSE(world->CountsUp("d@h4", "a@h1"));
  Schedule(*world, 10'000, action::AddTable{"c@h3", "t"});  // locks {c, a}
  Schedule(*world, 10'000, action::AddTable{"d@h4", "t"});  // locks {d, b}
  RunTo(*world, 30'000);
  EXPECT_EQ(world->counters().stale_merges, 1u);
  for (const char* member : {"a@h1", "b@h2"}) {
    EXPECT_EQ(world->TableCluster(member, "t"),
              (engine::NodeSet{"a@h1", "b@h2", "c@h3", "d@h4"}))
        << member;
  }
  EXPECT_EQ(world->TableCluster("c@h3", "t"), (engine::NodeSet{"a@h1", "b@h2", "c@h3"}));
  EXPECT_EQ(world->TableCluster("d@h4", "t"), (engine::NodeSet{"a@h1", "b@h2", "d@h4"}));
}

// The what-if fix: a merge whose members changed since step 6 fails with
// cluster_changed instead, and discovery's retry merges the whole table.
TEST(WorldTest, CheckMergeFailsAStaleMergeAndTheRetryJoinsEveryone) {
  WorldConfig config = ConcurrentMergesWorld();
  config.cets.check_merge = true;
  auto world = Build(config);
  Schedule(*world, 10'000, action::AddTable{"c@h3", "t"});
  Schedule(*world, 10'000, action::AddTable{"d@h4", "t"});
  RunTo(*world, 30'000);
  EXPECT_EQ(world->counters().stale_merges, 0u);
  std::vector<std::string> results = JoinResults(*world, "c@h3");
  for (const std::string& r : JoinResults(*world, "d@h4")) results.push_back(r);
  EXPECT_EQ(std::count(results.begin(), results.end(), "cluster_changed"), 1);
  RunTo(*world, 20 * 60'000);
  for (const char* node : {"a@h1", "b@h2", "c@h3", "d@h4"}) {
    EXPECT_EQ(world->TableCluster(node, "t"), (engine::NodeSet{"a@h1", "b@h2", "c@h3", "d@h4"}))
        << node;
  }
}

TEST(WorldTest, ColdStartOfFiveNodesJoinsEverything) {
  WorldConfig config;
  std::vector<std::string> names = {"n1@h1", "n2@h2", "n3@h3", "n4@h4", "n5@h5"};
  for (const std::string& name : names) {
    NodeConfig node = MakeNode(name);
    node.tables = {"t1", "t2", "t3", "t4"};
    config.nodes.push_back(node);
  }
  auto world = Build(config);
  for (const std::string& name : names) {
    Schedule(*world, 0, action::Call{name, action::Request::kWaitForReady, 60'000, "r" + name});
  }
  RunTo(*world, 60'000);
  const engine::NodeSet all(names.begin(), names.end());
  for (const std::string& name : names) {
    EXPECT_EQ(OutcomeOf(*world, "r" + name).kind, CallOutcome::Kind::kOk) << name;
    for (const char* table : {"t1", "t2", "t3", "t4"}) {
      EXPECT_EQ(world->TableCluster(name, table), all) << name << " " << table;
    }
  }
  const Counters counters = world->counters();
  EXPECT_GE(counters.lock_grants, 4u * 4u);
  EXPECT_GE(counters.lock_attempts, counters.lock_grants + counters.lock_aborts);
}

TEST(WorldTest, BadInputIsAStatusNamingTheActionAndTime) {
  WorldConfig config;
  config.nodes = {MakeNode("a@h1")};
  auto world = Build(config);
  absl::Status status = world->Schedule(5'000, action::Stop{{"d@h4"}});
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("t=5000ms stop"), std::string::npos) << status;
  EXPECT_NE(status.message().find("d@h4"), std::string::npos) << status;
  EXPECT_FALSE(world->Schedule(1, action::Send{"a@h1", engine::GetNodesDone{}}).ok());
  EXPECT_FALSE(World::Create(WorldConfig{}).ok());
  WorldConfig bad_backend;
  bad_backend.nodes = {MakeNode("a@h1")};
  bad_backend.nodes[0].backend.nodes = std::vector<NodeName>{"zz@h9"};
  EXPECT_FALSE(World::Create(bad_backend).ok());
}

TEST(WorldTest, LimitsEndTheRunWithAClearStatus) {
  WorldConfig config;
  config.nodes = {MakeNode("a@h1"), MakeNode("b@h2")};
  config.limits.max_events = 50;
  auto world = Build(config);
  RunResult run = world->RunUntil(1'000'000);
  EXPECT_EQ(run.status, RunStatus::kEventLimit);
  EXPECT_EQ(run.events, 50u);
  config.limits.max_events = 100'000'000;
  config.limits.max_time_ms = 10'000;
  auto capped = Build(config);
  run = capped->RunUntil(1'000'000);
  EXPECT_EQ(run.status, RunStatus::kTimeLimit);
  EXPECT_EQ(run.now_ms, 10'000);
}

TEST(WorldTest, StepOneEventAdvancesOneEventAtATime) {
  WorldConfig config;
  config.nodes = {MakeNode("a@h1"), MakeNode("b@h2")};
  auto world = Build(config);
  int observed = 0;
  world->SetObserver([&](const World&) { ++observed; });
  ASSERT_EQ(world->NextEventTime(), 0);
  for (int i = 0; i < 10; ++i) {
    RunResult run = world->StepOneEvent();
    ASSERT_EQ(run.status, RunStatus::kReachedTime);
    EXPECT_EQ(run.events, static_cast<uint64_t>(i + 1));
  }
  EXPECT_EQ(observed, 10);
}

}  // namespace
}  // namespace discosim::world

namespace discosim::world {
namespace {

TEST(WorldTest, AnEffectTheWorldCannotCarryOutIsAnErrorNotACrash) {
  WorldConfig config;
  config.nodes = {MakeNode("a@h1")};
  auto world = Build(config);
  // A raw nodeup naming the node itself makes its engine send itself its
  // start time over the network: the world cannot do that.
  Schedule(*world, 1'000, action::Send{"a@h1", engine::Nodeup{"a@h1"}});
  RunResult run = world->RunUntil(5'000);
  EXPECT_EQ(run.status, RunStatus::kError);
  EXPECT_NE(run.error.message().find("t=1000ms"), std::string::npos) << run.error;
  EXPECT_NE(run.error.message().find("itself"), std::string::npos) << run.error;
  EXPECT_EQ(world->RunUntil(6'000).status, RunStatus::kError) << "stays stopped";
}

TEST(WorldTest, TraceEntriesNameNodesAndKinds) {
  WorldConfig config;
  config.nodes = {MakeNode("a@h1"), MakeNode("b@h2")};
  config.trace = TraceMode::kKeepLines;
  auto world = Build(config);
  RunTo(*world, 1'000);
  const std::vector<TraceEntry> entries = world->TraceEntries();
  ASSERT_EQ(entries.size(), world->TraceLines().size());
  bool up = false, step = false;
  for (const TraceEntry& e : entries) {
    up |= e.kind == "conn_up" && e.node == "a@h1" && e.peer == "b@h2";
    step |= e.kind == "discovery_step" && e.node == "b@h2";
  }
  EXPECT_TRUE(up);
  EXPECT_TRUE(step);
}

TEST(WorldTest, UnresolvableNameFailsTheSetupAfterTheDnsTime) {
  WorldConfig config;
  config.nodes = {QuietNode("a@h1"), QuietNode("b@h2")};
  auto world = Build(config);
  Schedule(*world, 1'000, action::Dns{"b@h2", 3'000, action::DnsAnswer::kFails});
  Schedule(*world, 2'000, action::ConnectNode{"a@h1", "b@h2", "c"});
  Schedule(*world, 10'000, action::Dns{"b@h2", 0, action::DnsAnswer::kResolves});
  Schedule(*world, 11'000, action::ConnectNode{"a@h1", "b@h2", "again"});
  RunTo(*world, 20'000);
  EXPECT_EQ(OutcomeOf(*world, "c").kind, CallOutcome::Kind::kFalse);
  EXPECT_EQ(OutcomeOf(*world, "c").replied_at_ms, 5'000);
  EXPECT_EQ(OutcomeOf(*world, "again").kind, CallOutcome::Kind::kTrue);
  EXPECT_EQ(world->LastFaultRemovalMs(), 10'000);
}

TEST(WorldTest, SlowConnectPastTheSetupTimeFails) {
  WorldConfig config;
  config.nodes = {QuietNode("a@h1"), QuietNode("b@h2"), QuietNode("c@h3")};
  auto world = Build(config);
  Schedule(*world, 0, action::SlowConnect{"b@h2", 3'000});
  Schedule(*world, 0, action::SlowConnect{"c@h3", 8'000});
  Schedule(*world, 1'000, action::ConnectNode{"a@h1", "b@h2", "slow"});
  Schedule(*world, 1'000, action::ConnectNode{"a@h1", "c@h3", "too_slow"});
  RunTo(*world, 20'000);
  EXPECT_EQ(OutcomeOf(*world, "slow").kind, CallOutcome::Kind::kTrue);
  EXPECT_EQ(OutcomeOf(*world, "slow").replied_at_ms, 4'002);
  EXPECT_EQ(OutcomeOf(*world, "too_slow").kind, CallOutcome::Kind::kFalse);
  EXPECT_EQ(OutcomeOf(*world, "too_slow").replied_at_ms, 8'000);
}

TEST(WorldTest, AddTableStartsTheServerAndDiscoveryJoinsIt) {
  WorldConfig config;
  config.nodes = {MakeNode("a@h1"), MakeNode("b@h2")};
  auto world = Build(config);
  RunTo(*world, 5'000);
  EXPECT_FALSE(world->TableCluster("a@h1", "t").has_value());
  Schedule(*world, 5'000, action::AddTable{"a@h1", "t"});
  Schedule(*world, 5'000, action::AddTable{"b@h2", "t"});
  Schedule(*world, 6'000, action::Call{"a@h1", action::Request::kGetTables, 1'000, "tables"});
  RunTo(*world, 10'000);
  EXPECT_EQ(world->TableCluster("a@h1", "t"), (engine::NodeSet{"a@h1", "b@h2"}));
  EXPECT_EQ(OutcomeOf(*world, "tables").tables, (std::vector<TableName>{"t"}));
  Schedule(*world, 10'000, action::DeleteTable{"a@h1", "t"});
  RunTo(*world, 11'000);
  EXPECT_TRUE(world->DiscoveryState("a@h1")->tables.empty());
  EXPECT_TRUE(world->TableCluster("a@h1", "t").has_value()) << "the server keeps running";
}

TEST(WorldTest, TableServersDropAPeerWhenTheirNodeSeesItsNodedown) {
  WorldConfig config;
  config.nodes = {MakeNode("a@h1"), MakeNode("b@h2"), MakeNode("c@h3")};
  for (NodeConfig& node : config.nodes) node.tables = {"t"};
  auto world = Build(config);
  RunTo(*world, 5'000);
  ASSERT_EQ(world->TableCluster("a@h1", "t"), (engine::NodeSet{"a@h1", "b@h2", "c@h3"}));
  Schedule(*world, 5'000, action::Stop{{"c@h3"}});
  RunTo(*world, 5'100);
  EXPECT_EQ(world->TableCluster("a@h1", "t"), (engine::NodeSet{"a@h1", "b@h2"}));
  EXPECT_EQ(world->TableCluster("b@h2", "t"), (engine::NodeSet{"a@h1", "b@h2"}));
  // A restarted node's servers start alone, then discovery joins them again.
  Schedule(*world, 6'000, action::Start{{"c@h3"}});
  RunTo(*world, 6'000);
  EXPECT_EQ(world->TableCluster("c@h3", "t"), (engine::NodeSet{"c@h3"}));
  RunTo(*world, 10'000);
  EXPECT_EQ(world->TableCluster("c@h3", "t"), (engine::NodeSet{"a@h1", "b@h2", "c@h3"}));
}

// ObservableVersion's contract: while it stays the same, nothing the
// read-back shows changes. Checked event by event on a contended cold start
// (6 nodes, 2 tables: the lock spins), over every node's engine state,
// verify_ready, table clusters, connections, logs and get_nodes calls.
std::string Snapshot(const World& world) {
  std::string out;
  for (const NodeStatus& n : world.Nodes()) {
    absl::StrAppend(&out, n.name, n.running, n.incarnation, ";");
    if (const engine::State* s = world.DiscoveryState(n.name)) {
      absl::StrAppend(&out, s->results.size(), ToString(s->join_status),
                      ToString(s->get_nodes_status), s->unavailable_nodes.size(), ";");
    }
    if (auto missing = world.VerifyReady(n.name)) absl::StrAppend(&out, missing->size(), ";");
    for (const char* t : {"t1", "t2"}) {
      if (auto cluster = world.TableCluster(n.name, t)) {
        absl::StrAppend(&out, absl::StrJoin(*cluster, ","), ";");
      }
    }
    for (const NodeStatus& p : world.Nodes()) absl::StrAppend(&out, world.CountsUp(n.name, p.name));
    absl::StrAppend(&out, world.Logs(n.name).size(), "/", world.GetNodesCalls(n.name).size(), "|");
  }
  return out;
}

void CheckObservableVersion(WorldConfig config) {
  auto world = Build(config);
  uint64_t version = world->ObservableVersion();
  std::string seen = Snapshot(*world);
  uint64_t quiet_events = 0;
  while (world->NextEventTime().has_value() && *world->NextEventTime() < 20'000) {
    ASSERT_TRUE(world->StepOneEvent().ok());
    const std::string now = Snapshot(*world);
    if (world->ObservableVersion() == version) {
      ASSERT_EQ(now, seen) << "changed at t=" << world->now_ms() << " without a version move";
      ++quiet_events;
    }
    version = world->ObservableVersion();
    seen = now;
  }
  EXPECT_GT(quiet_events, 0u) << "no lock traffic: the test no longer exercises the skip";
  EXPECT_GT(world->counters().lock_aborts, 0u);
}

TEST(WorldTest, ObservableVersionStaysOnlyWhileNothingObservableChanges) {
  WorldConfig config;
  for (int i = 1; i <= 6; ++i) {
    NodeConfig node = MakeNode(absl::StrCat("n", i, "@h", i));
    node.tables = {"t1", "t2"};
    config.nodes.push_back(node);
  }
  CheckObservableVersion(config);
  // The calibrated model's own lock events (a global server serving a
  // request, a local answer, a join's rpcs under the lock) are lock traffic
  // too: six nodes on one host, spinning.
  config.join_model = JoinModel::kCalibrated;
  config.hosts = {HostConfig{"vm", 2}};
  for (NodeConfig& node : config.nodes) node.host = "vm";
  CheckObservableVersion(config);
}

// ---------------------------------------------------------------------------
// The calibrated join model (docs/join-model.md).

WorldConfig ColdStart(int nodes, int tables, bool packed) {
  WorldConfig config;
  config.join_model = JoinModel::kCalibrated;
  if (packed) config.hosts = {HostConfig{"vm", 2}};
  for (int i = 1; i <= nodes; ++i) {
    NodeConfig node = MakeNode(absl::StrCat("n", i, "@h", i));
    for (int t = 1; t <= tables; ++t) node.tables.push_back(absl::StrCat("t", t));
    if (packed) node.host = "vm";
    config.nodes.push_back(node);
  }
  return config;
}

// The time the last merge happened (every table one cluster of all nodes),
// or -1 if not within `until_ms`.
TimeMs JoinedAt(World& world, int nodes, int tables, TimeMs until_ms) {
  TimeMs joined_ms = -1;
  const uint64_t needed = static_cast<uint64_t>(nodes - 1) * static_cast<uint64_t>(tables);
  world.SetObserver([&](const World& w) {
    if (joined_ms < 0 && w.counters().merges >= needed) joined_ms = w.now_ms();
  });
  for (TimeMs t = 100; t <= until_ms && joined_ms < 0; t += 100) RunTo(world, t);
  world.SetObserver(nullptr);
  return joined_ms;
}

// A merge holds the lock for 20 + 7 (S - 2) + (|L| |R| - 1) sequential rpcs
// as measured, a skip for 4; each rpc a round trip plus a hop at each end.
// With 1 ms between two hosts a 1+1 merge makes 20 rpcs, about half of them
// to the other host (2 ms each), the rest local; a skip asks the other side
// 4 times. The simple model took ~6 ms for a merge.
TEST(WorldTest, CalibratedMergesCostTheMeasuredRpcs) {
  auto locked_ms = [](JoinModel model) {
    WorldConfig config = ColdStart(2, 1, /*packed=*/false);
    config.join_model = model;
    auto world = Build(config);
    RunTo(*world, 10'000);
    TimeMs merge_ms = -1, skip_ms = -1;
    for (const JoinRecord& r : world->Joins()) {
      if (!r.lock_granted_at_ms || !r.finished_at_ms) continue;
      (r.merged ? merge_ms : skip_ms) = *r.finished_at_ms - *r.lock_granted_at_ms;
    }
    EXPECT_EQ(world->TableCluster("n1@h1", "t1"), (engine::NodeSet{"n1@h1", "n2@h2"}));
    return std::pair{merge_ms, skip_ms};
  };
  const auto [merge_ms, skip_ms] = locked_ms(JoinModel::kCalibrated);
  EXPECT_GE(merge_ms, 10 * 2);
  EXPECT_LE(merge_ms, 20 * 2);
  EXPECT_GE(skip_ms, 4 * 2);
  EXPECT_LE(skip_ms, 4 * 3);
  const auto [simple_merge_ms, simple_skip_ms] = locked_ms(JoinModel::kSimple);
  // Simple model, 1 ms latency: get_pids(R), one ping rpc, the check's call
  // to the remote member twice (2 ms each) and join_base_ms (2 ms).
  EXPECT_LE(simple_merge_ms, 10);
  EXPECT_LT(simple_skip_ms, 4);
}

// Spinning waiters keep cores busy: on a packed 2-core host the lock
// holder's rpcs slow down many times over while others spin, and not when
// they sleep (the what-if). The locked time per merge shows it.
TEST(WorldTest, SpinningWaitersStarveTheHostsCpu) {
  auto held_per_merge_ms = [](LockWait wait) {
    WorldConfig config = ColdStart(6, 1, /*packed=*/true);
    config.lock.wait = wait;
    auto world = Build(config);
    EXPECT_GT(JoinedAt(*world, 6, 1, 60'000), 0);
    const Counters c = world->counters();
    return static_cast<double>(c.lock_held_us) / 1000.0 / static_cast<double>(c.lock_grants);
  };
  const double spin_ms = held_per_merge_ms(LockWait::kSpin);
  const double sleep_ms = held_per_merge_ms(LockWait::kSleep);
  EXPECT_GT(spin_ms, 5 * sleep_ms) << spin_ms << " vs " << sleep_ms;
}

// The lock as released collides: a requester always gets its own node
// first, so contenders refuse each other over and over (failed attempts
// outnumber grants), and a waiter whose own node is held by another waits
// there without sending. Every attempt ends granted or aborted.
TEST(WorldTest, ContendersCollideAndTheCountersAddUp) {
  auto world = Build(ColdStart(5, 2, /*packed=*/true));
  ASSERT_GT(JoinedAt(*world, 5, 2, 120'000), 0);
  RunTo(*world, world->now_ms() + 20'000);  // the last waiters find their pairs merged
  const Counters c = world->counters();
  EXPECT_EQ(c.lock_attempts, c.lock_grants + c.lock_aborts);
  EXPECT_GT(c.lock_aborts, 3 * c.lock_grants);
  EXPECT_GT(c.lock_local_waits, 0u);
  EXPECT_EQ(c.merges, 4u * 2u);
  EXPECT_GT(c.lock_skips, 0u);  // requesters that found the two sides merged after waiting
  EXPECT_EQ(c.lock_grants, c.merges + c.lock_skips);
  EXPECT_GT(c.lock_free_contended_us, 0);
  EXPECT_GT(c.lock_held_us, 0);
}

// The what-if options change only the loop: a back-off after a failed
// attempt and a sleep instead of the spin each make the packed cold start
// faster than as released; checking already-joined after acquiring turns
// the 4-rpc skips into a local check.
TEST(WorldTest, WhatIfOptionsShortenThePackedColdStart) {
  auto joined_at = [](auto change) {
    std::vector<TimeMs> times;
    for (uint64_t seed : {1, 2, 3}) {
      WorldConfig config = ColdStart(6, 2, /*packed=*/true);
      config.seed = seed;
      change(config.lock);
      auto world = Build(config);
      times.push_back(JoinedAt(*world, 6, 2, 300'000));
      EXPECT_GT(times.back(), 0);
    }
    std::sort(times.begin(), times.end());
    return times[1];
  };
  const TimeMs spin_ms = joined_at([](LockConfig&) {});
  const TimeMs sleep_ms = joined_at([](LockConfig& l) { l.wait = LockWait::kSleep; });
  const TimeMs backoff_ms = joined_at([](LockConfig& l) {
    l.backoff_ms_min = 1;
    l.backoff_ms_max = 20;
  });
  EXPECT_LT(2 * sleep_ms, spin_ms);
  EXPECT_LT(2 * backoff_ms, spin_ms);

  auto skip_ms = [](bool recheck) {
    WorldConfig config = ColdStart(2, 1, /*packed=*/false);
    config.lock.recheck_joined = recheck;
    auto world = Build(config);
    RunTo(*world, 10'000);
    for (const JoinRecord& r : world->Joins()) {
      if (r.skipped) return *r.finished_at_ms - *r.lock_granted_at_ms;
    }
    ADD_FAILURE() << "no skip";
    return TimeMs{-1};
  };
  EXPECT_GE(skip_ms(false), 8);
  EXPECT_LE(skip_ms(true), 1);
}

// The hand-off probe (action::LockLoop): contenders that take the lock and
// give it back at once get it less often the more of them there are, as
// measured (109 grants/s with 3 contenders, 0.88 with 8).
TEST(WorldTest, MoreContendersHandTheLockOnMoreSlowly) {
  auto grants_per_s = [](int contenders) {
    WorldConfig config = ColdStart(contenders, 0, /*packed=*/true);
    auto world = Build(config);
    for (int i = 1; i <= contenders; ++i) {
      Schedule(*world, 1'000, action::LockLoop{absl::StrCat("n", i, "@h", i)});
    }
    RunTo(*world, 1'000);
    const uint64_t before = world->counters().lock_grants;
    RunTo(*world, 11'000);
    return static_cast<double>(world->counters().lock_grants - before) / 10.0;
  };
  const double three = grants_per_s(3), five = grants_per_s(5), seven = grants_per_s(7);
  EXPECT_GT(three, 2 * five);
  EXPECT_GT(five, 2 * seven);
  EXPECT_GT(seven, 0);
}

// The clock counts microseconds inside; the API reads whole milliseconds:
// RunUntil(t) runs every event of millisecond t, and time never goes back.
TEST(WorldTest, SubMillisecondEventsKeepTheMillisecondApi) {
  auto world = Build(ColdStart(4, 1, /*packed=*/true));
  TimeMs last_ms = 0;
  bool backwards = false;
  world->SetObserver([&](const World& w) {
    backwards |= w.now_ms() < last_ms;
    last_ms = w.now_ms();
  });
  for (TimeMs t = 1; t <= 3'000; t += 7) {
    RunTo(*world, t);
    EXPECT_EQ(world->now_ms(), t);
    const std::optional<TimeMs> next = world->NextEventTime();
    if (next.has_value()) {
      EXPECT_GT(*next, t);
    }
  }
  EXPECT_FALSE(backwards);
}

// Hosts belong to the calibrated model, and a node names a declared one.
TEST(WorldTest, HostsAreCheckedAtBuild) {
  WorldConfig config = ColdStart(2, 1, /*packed=*/true);
  config.nodes[1].host = "elsewhere";
  EXPECT_FALSE(World::Create(config).ok());
  config = ColdStart(2, 1, /*packed=*/true);
  config.join_model = JoinModel::kSimple;
  EXPECT_FALSE(World::Create(config).ok());
  config = ColdStart(2, 1, /*packed=*/true);
  config.hosts[0].cores = 0;
  EXPECT_FALSE(World::Create(config).ok());
  EXPECT_TRUE(World::Create(ColdStart(2, 1, /*packed=*/true)).ok());
}

}  // namespace
}  // namespace discosim::world
