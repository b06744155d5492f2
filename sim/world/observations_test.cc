// The observation stream (observations.h) records what the world did, where
// it did it: each test drives a small world and checks the records, with a
// contrast where a record could be right by accident.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "sim/world/world_test_util.h"
#include "sim/world/world.h"  // (observations.h needs config.h's names first)

namespace discosim::world {
namespace {

using test_util::Build;
using test_util::MakeNode;
using test_util::RunTo;
using test_util::Schedule;

using Apart = Observations::Apart;
using Fault = Observations::Fault;

WorldConfig TwoNodes() {
  WorldConfig config;
  config.nodes = {MakeNode("a@h1"), MakeNode("b@h2")};
  return config;
}

TEST(ObservationsTest, NodeNamesAreInIndexOrder) {
  WorldConfig config;
  config.nodes = {MakeNode("c@h3"), MakeNode("a@h1")};
  auto world = Build(config);
  EXPECT_EQ(world->Observed().node_names, (std::vector<NodeName>{"a@h1", "c@h3"}));
}

// A node declared unresolvable has a failing name from t=0; a node whose
// name merely waits for its first start (resolvable unset) has no fault.
TEST(ObservationsTest, ANodeDeclaredUnresolvableHasAFailingDnsFaultFromTheStart) {
  WorldConfig config = TwoNodes();
  config.nodes[1].resolvable = false;
  auto world = Build(config);
  RunTo(*world, 1'000);
  const Observations& seen = world->Observed();
  ASSERT_EQ(seen.faults.size(), 1u);
  EXPECT_EQ(seen.faults[0].node, 1u);
  EXPECT_EQ(seen.faults[0].kind, Fault::Kind::kDns);
  EXPECT_TRUE(seen.faults[0].fails);
  EXPECT_EQ(seen.faults[0].from_ms, 0);
  EXPECT_EQ(seen.faults[0].action, -1);
}

TEST(ObservationsTest, APartitionHealedLaterIsOneApartSpellWithItsScheduleCall) {
  auto world = Build(TwoNodes());
  Schedule(*world, 5'000, action::Call{"a@h1", action::Request::kGetTables, 100, "probe"});
  Schedule(*world, 10'000, action::Partition{{{"a@h1"}, {"b@h2"}}});
  Schedule(*world, 20'000, action::HealAll{});
  RunTo(*world, 30'000);
  const Observations& seen = world->Observed();
  ASSERT_EQ(seen.apart.size(), 1u);
  const Apart& spell = seen.apart[0];
  EXPECT_EQ(spell.a, 0u);
  EXPECT_EQ(spell.b, 1u);
  EXPECT_EQ(spell.why, Apart::Why::kPartition);
  EXPECT_EQ(spell.from_ms, 10'000);
  EXPECT_EQ(spell.to_ms, 20'000);
  EXPECT_EQ(spell.action, 1);  // the second Schedule call
  ASSERT_EQ(seen.partitions.size(), 1u);
  EXPECT_EQ(seen.partitions[0].groups, (std::vector<std::vector<NodeIndex>>{{0}, {1}}));
  EXPECT_EQ(seen.partitions[0].from_ms, 10'000);
  EXPECT_EQ(seen.partitions[0].to_ms, 20'000);
  EXPECT_EQ(seen.partitions[0].action, 1);
}

TEST(ObservationsTest, ACutStaysOpenAndAPartitionListsTheUnlistedNodesLast) {
  WorldConfig config = TwoNodes();
  config.nodes.push_back(MakeNode("c@h3"));
  auto world = Build(config);
  Schedule(*world, 1'000, action::Cut{{{"b@h2", "a@h1"}}});
  Schedule(*world, 2'000, action::Partition{{{"c@h3"}}});
  Schedule(*world, 3'000, action::Partition{{{"a@h1"}}});
  RunTo(*world, 4'000);
  const Observations& seen = world->Observed();
  // The cut (a, b) from 1 s, open; (a, c) and (b, c) apart from 2 s; the
  // second partition keeps (a, c) apart, ends (b, c) and parts (a, b).
  ASSERT_EQ(seen.apart.size(), 4u);
  EXPECT_EQ(seen.apart[0].why, Apart::Why::kCut);
  EXPECT_EQ(seen.apart[0].from_ms, 1'000);
  EXPECT_FALSE(seen.apart[0].to_ms.has_value());
  EXPECT_EQ(seen.apart[0].action, 0);
  EXPECT_EQ(seen.apart[1].b, 2u);  // (a, c)
  EXPECT_FALSE(seen.apart[1].to_ms.has_value());
  EXPECT_EQ(seen.apart[2].a, 1u);  // (b, c)
  EXPECT_EQ(seen.apart[2].to_ms, 3'000);
  EXPECT_EQ(seen.apart[3].why, Apart::Why::kPartition);
  EXPECT_EQ(seen.apart[3].from_ms, 3'000);
  ASSERT_EQ(seen.partitions.size(), 2u);
  EXPECT_EQ(seen.partitions[0].groups, (std::vector<std::vector<NodeIndex>>{{2}, {0, 1}}));
  EXPECT_EQ(seen.partitions[0].to_ms, 3'000);
  EXPECT_FALSE(seen.partitions[1].to_ms.has_value());
}

TEST(ObservationsTest, AStoppedNodesGetNodesCallIsNeverAnswered) {
  WorldConfig config = TwoNodes();
  config.nodes[0].backend.latency = LatencyRange{5'000, 5'000};
  auto world = Build(config);
  Schedule(*world, 1'000, action::Stop{{"a@h1"}});
  RunTo(*world, 10'000);
  const Observations& seen = world->Observed();
  std::vector<const Observations::GetNodesCall*> of_a, of_b;
  for (const auto& call : seen.get_nodes) (call.node == 0 ? of_a : of_b).push_back(&call);
  ASSERT_EQ(of_a.size(), 1u);
  EXPECT_EQ(of_a[0]->started_ms, 0);
  EXPECT_FALSE(of_a[0]->answered_ms.has_value());
  // b's backend answers at once: its calls reach discovery.
  ASSERT_FALSE(of_b.empty());
  EXPECT_EQ(of_b[0]->answered_ms, 0);
  // a's run ends at its stop, b's is still open.
  ASSERT_EQ(seen.runs.size(), 2u);
  EXPECT_EQ(seen.runs[0].node, 0u);
  EXPECT_EQ(seen.runs[0].stopped_ms, 1'000);
  EXPECT_FALSE(seen.runs[1].stopped_ms.has_value());
}

TEST(ObservationsTest, ABackendFailCountWindowEndsWithTheAnswerOfItsLastFailedCall) {
  WorldConfig config;
  config.nodes = {MakeNode("a@h1")};
  config.nodes[0].backend.latency = LatencyRange{300, 300};
  auto world = Build(config);
  Schedule(*world, 0, action::BackendFail{"a@h1", 2, std::nullopt});
  RunTo(*world, 10'000);
  const Observations& seen = world->Observed();
  std::vector<TimeMs> failed_answers;
  for (const auto& call : seen.get_nodes) {
    if (call.error && call.answered_ms.has_value()) failed_answers.push_back(*call.answered_ms);
  }
  ASSERT_EQ(failed_answers.size(), 2u);
  ASSERT_EQ(seen.faults.size(), 1u);
  const Fault& fault = seen.faults[0];
  EXPECT_EQ(fault.kind, Fault::Kind::kBackendFail);
  EXPECT_EQ(fault.count, 2);
  EXPECT_EQ(fault.from_ms, 0);
  EXPECT_EQ(fault.to_ms, failed_answers[1]);
  EXPECT_EQ(fault.action, 0);
}

TEST(ObservationsTest, FaultsFromSettingsAndActions) {
  WorldConfig config = TwoNodes();
  config.nodes[1].settings.dns_delay_ms = 2'000;
  config.nodes[0].backend.error_rate = 0.5;
  auto world = Build(config);
  Schedule(*world, 1'000, action::Dns{"b@h2", 0, action::DnsAnswer::kResolves});
  Schedule(*world, 2'000, action::SlowConnect{"a@h1", 400});
  Schedule(*world, 3'000, action::BackendFail{"b@h2", std::nullopt, 5'000});
  Schedule(*world, 4'000, action::Backend{std::nullopt, std::nullopt, std::nullopt, 0.0, std::nullopt});
  RunTo(*world, 6'000);
  const Observations& seen = world->Observed();
  ASSERT_EQ(seen.faults.size(), 4u);
  // Declared: a's error rate, b's slow name (in node order at build).
  EXPECT_EQ(seen.faults[0].kind, Fault::Kind::kBackendErrors);
  EXPECT_EQ(seen.faults[0].node, 0u);
  EXPECT_EQ(seen.faults[0].error_rate, 0.5);
  EXPECT_EQ(seen.faults[0].to_ms, 4'000);  // the backend action set it to 0
  EXPECT_EQ(seen.faults[0].action, -1);
  EXPECT_EQ(seen.faults[1].kind, Fault::Kind::kDns);
  EXPECT_EQ(seen.faults[1].delay_ms, 2'000);
  EXPECT_EQ(seen.faults[1].to_ms, 1'000);
  EXPECT_EQ(seen.faults[2].kind, Fault::Kind::kSlowConnect);
  EXPECT_EQ(seen.faults[2].delay_ms, 400);
  EXPECT_FALSE(seen.faults[2].to_ms.has_value());
  EXPECT_EQ(seen.faults[2].action, 1);
  EXPECT_EQ(seen.faults[3].kind, Fault::Kind::kBackendFail);
  EXPECT_EQ(seen.faults[3].from_ms, 3'000);
  EXPECT_EQ(seen.faults[3].to_ms, 5'000);
  EXPECT_EQ(seen.faults[3].count, 0);
}

TEST(ObservationsTest, ConnectionEndsGoDownWithTheirCause) {
  auto world = Build(TwoNodes());
  Schedule(*world, 5'000, action::Stop{{"b@h2"}});
  RunTo(*world, 6'000);
  const Observations& seen = world->Observed();
  ASSERT_EQ(seen.connections.size(), 2u);
  for (const auto& end : seen.connections) {
    ASSERT_TRUE(end.down_ms.has_value());
    // b's own end goes down with its node; a's when the close arrives.
    if (end.node == 1) {
      EXPECT_EQ(end.cause, DownCause::kStopped);
      EXPECT_EQ(end.down_ms, 5'000);
    } else {
      EXPECT_EQ(end.cause, DownCause::kClosed);
      EXPECT_EQ(end.down_ms, 5'001);  // one latency later
    }
    EXPECT_LT(end.up_ms, 5'000);
  }
}

TEST(ObservationsTest, DiscoveryPingsOfAnUnresolvableNodeEndInPang) {
  WorldConfig config = TwoNodes();
  config.nodes[1].start_at_ms = std::nullopt;  // never started: its name never resolves
  auto world = Build(config);
  RunTo(*world, 3'000);
  const Observations& seen = world->Observed();
  ASSERT_FALSE(seen.pings.empty());
  const Observations::Ping& ping = seen.pings[0];
  EXPECT_EQ(ping.node, 0u);
  EXPECT_EQ(ping.peer, 1u);
  EXPECT_EQ(ping.purpose, Observations::Ping::For::kDiscovery);
  EXPECT_TRUE(ping.ended_ms.has_value());
  EXPECT_FALSE(ping.pong);
  EXPECT_TRUE(seen.connections.empty());
}

TEST(ObservationsTest, JoinReachChecksAreRecordedAsJoinCheckPings) {
  WorldConfig config;
  config.nodes = {MakeNode("a@h1"), MakeNode("b@h2"), MakeNode("c@h3")};
  for (NodeConfig& node : config.nodes) node.tables = {"t"};
  auto world = Build(config);
  RunTo(*world, 10'000);
  int checks = 0;
  for (const auto& ping : world->Observed().pings) {
    if (ping.purpose != Observations::Ping::For::kJoinCheck) continue;
    ++checks;
    EXPECT_TRUE(ping.pong);
  }
  EXPECT_GT(checks, 0);
}

TEST(ObservationsTest, StatusChangesAreTheNodesEntriesOfTheStream) {
  WorldConfig config = TwoNodes();
  config.trace = TraceMode::kKeepLines;
  auto world = Build(config);
  Schedule(*world, 2'000, action::Restart{{"b@h2"}});
  RunTo(*world, 5'000);
  const Observations& seen = world->Observed();
  for (NodeIndex node : {0u, 1u}) {
    std::vector<TimeMs> from_stream, from_api;
    for (const auto& s : seen.status) {
      if (s.node == node) from_stream.push_back(s.at_ms);
    }
    for (const auto& s : world->StatusChanges(seen.node_names[node])) from_api.push_back(s.at_ms);
    EXPECT_EQ(from_stream, from_api);
    EXPECT_FALSE(from_stream.empty());
  }
  // Without kept lines nothing is recorded (it costs a verify_ready per instant).
  auto quiet = Build(TwoNodes());
  RunTo(*quiet, 5'000);
  EXPECT_TRUE(quiet->Observed().status.empty());
}

}  // namespace
}  // namespace discosim::world
