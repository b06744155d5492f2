// The world's backend crash end to end (action::BackendCrash, crash_rate),
// against what cets_discovery does: get_nodes runs in a process the
// discovery server spawn_links (handle_check), the server does not trap
// exits, so the raise kills it; gen_server:call callers waiting on it exit;
// its supervisor starts a new one, whose init/1 sends itself check (a
// get_nodes call at once) and runs handle_nodeup for every node in nodes()
// (start_time sent, a nodeup warning); a peer that gets a start time other
// than the one it stored logs no node_reconnects. Tables and connections stay.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "sim/world/world.h"
#include "sim/world/world_test_util.h"

namespace discosim::world {
namespace {

using test_util::Build;
using test_util::MakeNode;
using test_util::RunTo;
using test_util::Schedule;

const CallOutcome& OutcomeOf(const World& world, const std::string& id) {
  const CallOutcome* out = world.Outcome(id);
  EXPECT_NE(out, nullptr) << id;
  static const CallOutcome kNone;
  return out != nullptr ? *out : kNone;
}

size_t CountLogs(const World& world, const std::string& node, const std::string& what,
                 TimeMs from_ms) {
  size_t count = 0;
  for (const LogEntry& entry : world.Logs(node)) {
    count += entry.at_ms >= from_ms && entry.record.what == what ? 1 : 0;
  }
  return count;
}

WorldConfig TwoNodes() {
  WorldConfig config;
  config.nodes = {MakeNode("a@h1"), MakeNode("b@h2")};
  for (NodeConfig& node : config.nodes) {
    node.tables = {"t"};
    node.backend.latency = LatencyRange{100, 100};
  }
  return config;
}

TEST(BackendCrashTest, TheDiscoveryProcessRestartsWithTheNodesConnectedAndCallersExit) {
  auto world = Build(TwoNodes());
  RunTo(*world, 30'000);
  ASSERT_TRUE(world->CountsUp("a@h1", "b@h2"));
  const TimeMs first_start_ms = world->DiscoveryState("a@h1")->start_time;
  Schedule(*world, 30'000, action::BackendCrash{"a@h1"});
  Schedule(*world, 30'000, action::Send{"a@h1", engine::Check{}});  // get_nodes now
  Schedule(*world, 30'050,
           action::Call{"a@h1", action::Request::kWaitForGetNodes, 5'000, "waiting"});
  RunTo(*world, 30'099);
  EXPECT_EQ(world->DiscoveryState("a@h1")->start_time, first_start_ms);
  RunTo(*world, 31'000);
  // The call raised after its 100 ms: the caller waiting on the process exits.
  EXPECT_EQ(OutcomeOf(*world, "waiting").kind, CallOutcome::Kind::kExit);
  EXPECT_EQ(OutcomeOf(*world, "waiting").replied_at_ms, 30'100);
  EXPECT_EQ(CountLogs(*world, "a@h1", "task_failed", 30'000), 1u);
  // A fresh process: a new start time, get_nodes at once (init's check).
  const engine::State* fresh = world->DiscoveryState("a@h1");
  EXPECT_EQ(fresh->start_time, 30'100);
  EXPECT_EQ(fresh->phase, engine::Phase::kInitial);
  EXPECT_EQ(world->GetNodesCalls("a@h1").back(), 30'100);
  // init/1 ran handle_nodeup for b, already connected: a nodeup, b's new start time.
  EXPECT_EQ(CountLogs(*world, "a@h1", "nodeup", 30'100), 1u);
  EXPECT_EQ(fresh->nodeup_timestamps.at("b@h2"), 30'100);
  EXPECT_EQ(world->DiscoveryState("b@h2")->node_start_timestamps.at("a@h1"), 30'100);
  EXPECT_EQ(CountLogs(*world, "b@h2", "node_reconnects", 0), 0u);
  // Connections and tables stay.
  EXPECT_TRUE(world->CountsUp("a@h1", "b@h2"));
  EXPECT_TRUE(world->CountsUp("b@h2", "a@h1"));
  EXPECT_EQ(world->TableCluster("a@h1", "t"), (engine::NodeSet{"a@h1", "b@h2"}));
  EXPECT_EQ(world->TableCluster("b@h2", "t"), (engine::NodeSet{"a@h1", "b@h2"}));
  EXPECT_EQ(world->VisibleConnected("a@h1"), (engine::NodeSet{"b@h2"}));
  EXPECT_EQ(world->LastFaultRemovalMs(), 30'000);  // the crash is used up by its call
}

TEST(BackendCrashTest, AWaitForReadyPendingAtTheCrashExitsAndTheNextProcessGetsReady) {
  WorldConfig config;
  config.nodes = {MakeNode("a@h1")};
  config.nodes[0].backend.latency = LatencyRange{100, 100};
  auto world = Build(config);
  Schedule(*world, 0, action::BackendCrash{"a@h1"});  // before the first call
  Schedule(*world, 0, action::Call{"a@h1", action::Request::kWaitForReady, 5'000, "before"});
  Schedule(*world, 150, action::Call{"a@h1", action::Request::kWaitForReady, 5'000, "after"});
  RunTo(*world, 1'000);
  EXPECT_EQ(OutcomeOf(*world, "before").kind, CallOutcome::Kind::kExit);
  EXPECT_EQ(OutcomeOf(*world, "before").replied_at_ms, 100);
  EXPECT_EQ(OutcomeOf(*world, "after").kind, CallOutcome::Kind::kOk);
  EXPECT_EQ(OutcomeOf(*world, "after").replied_at_ms, 200);
  EXPECT_EQ(world->GetNodesCalls("a@h1"), (std::vector<TimeMs>{0, 100}));
}

TEST(BackendCrashTest, ACrashRateOfOneRestartsTheProcessOnEveryCall) {
  WorldConfig config;
  config.nodes = {MakeNode("a@h1")};
  config.nodes[0].backend.latency = LatencyRange{100, 100};
  config.nodes[0].backend.crash_rate = 1.0;
  auto world = Build(config);
  RunTo(*world, 450);
  // Each process calls get_nodes at its start; each call raises 100 ms later.
  EXPECT_EQ(world->GetNodesCalls("a@h1"), (std::vector<TimeMs>{0, 100, 200, 300, 400}));
  EXPECT_EQ(world->DiscoveryState("a@h1")->start_time, 400);
  EXPECT_EQ(CountLogs(*world, "a@h1", "task_failed", 0), 4u);
  // A crash uses up no scripted failure and draws no error.
  config.nodes[0].backend.crash_rate = 0.0;
  auto plain = Build(config);
  RunTo(*plain, 450);
  EXPECT_EQ(plain->GetNodesCalls("a@h1"), (std::vector<TimeMs>{0}));
}

TEST(BackendCrashTest, AJoinTaskOfTheDeadProcessFinishesForNoOne) {
  WorldConfig config = TwoNodes();
  config.nodes[0].backend.latency = LatencyRange{0, 0};
  auto world = Build(config);
  RunTo(*world, 30'000);
  // A nodeup makes a's discovery start a join task (b is connected) and
  // check; the check's get_nodes raises at once, while the join still runs.
  Schedule(*world, 30'001, action::BackendCrash{"a@h1"});
  Schedule(*world, 30'001, action::Send{"a@h1", engine::Nodeup{"b@h2"}});
  RunTo(*world, 31'000);
  std::vector<TimeMs> joins_from_a;
  for (const JoinRecord& join : world->Joins()) {
    if (join.node == "a@h1" && join.started_at_ms > 30'000) joins_from_a.push_back(join.started_at_ms);
  }
  // The dead process's join and the new process's own, both to their end.
  ASSERT_EQ(joins_from_a.size(), 2u);
  EXPECT_EQ(joins_from_a[0], 30'001);
  const engine::State* fresh = world->DiscoveryState("a@h1");
  EXPECT_EQ(fresh->start_time, 30'001);
  EXPECT_EQ(fresh->join_status, engine::TaskStatus::kNotRunning);
  ASSERT_EQ(fresh->results.size(), 1u);  // its own join's result only
  EXPECT_EQ(world->VerifyReady("a@h1")->size(), 0u);
}

}  // namespace
}  // namespace discosim::world
