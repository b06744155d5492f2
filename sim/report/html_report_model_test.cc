// Proves that the HTML report's model reads what the world observed and
// derives nothing: from hand-built observations, a partition band and its
// spells apart give the shaded spans with the step that caused them; a
// get_nodes call or ping the node's stop cut short ends at that stop; each
// connection end keeps the cause the world gave; faults keep the span the
// world recorded (a backend_fail {count} ends where the world says); lanes
// follow the scenario's declared order while observations name nodes by
// their sorted index.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "sim/report/html_report.h"

namespace discosim::report {
namespace {

using world::Observations;

// Three nodes, declared as c, a, b; the world indexes them by name: a=0, b=1, c=2.
constexpr world::NodeIndex kA = 0, kB = 1, kC = 2;

struct Fixture {
  Observations seen;
  std::vector<world::JoinRecord> joins;
  std::vector<world::CallOutcome> calls;

  Fixture() {
    seen.node_names = {"a@h1", "b@h2", "c@h3"};
    for (world::NodeIndex node : {kA, kB, kC}) seen.runs.push_back({node, 1, 0, std::nullopt});
  }

  ModelInput Input() const {
    ModelInput in;
    in.end_ms = 300'000;
    in.lanes = {"c@h3", "a@h1", "b@h2"};
    in.observed = &seen;
    in.joins = joins;
    in.calls = calls;
    in.steps = {{60'000, "partition", "{at: 1m, partition: [[a@h1, b@h2], [c@h3]]}"},
                {90'000, "stop", "{at: 1m30s, stop: [b@h2]}"},
                {180'000, "heal", "{at: 3m, heal: all}"}};
    return in;
  }
};

const ReportModel::Lane& LaneNamed(const ReportModel& model, const std::string& name) {
  for (const ReportModel::Lane& lane : model.lanes) {
    if (lane.name == name) return lane;
  }
  ADD_FAILURE() << "no lane " << name;
  return model.lanes.front();
}

const ReportModel::Peer& PeerNamed(const ReportModel::Lane& lane, const std::string& name) {
  for (const ReportModel::Peer& peer : lane.peers) {
    if (peer.name == name) return peer;
  }
  ADD_FAILURE() << lane.name << " has no peer " << name;
  return lane.peers.front();
}

TEST(HtmlReportModelTest, LanesFollowTheDeclaredOrderAndPeersTheNameOrder) {
  const Fixture f;
  const ReportModel model = BuildReportModel(f.Input());
  ASSERT_EQ(model.lanes.size(), 3u);
  EXPECT_EQ(model.lanes[0].name, "c@h3");
  EXPECT_EQ(model.lanes[1].name, "a@h1");
  EXPECT_EQ(model.lanes[2].name, "b@h2");
  ASSERT_EQ(model.lanes[0].peers.size(), 2u);
  EXPECT_EQ(model.lanes[0].peers[0].name, "a@h1");
  EXPECT_EQ(model.lanes[0].peers[1].name, "b@h2");
  EXPECT_EQ(model.steps.size(), 3u);
}

TEST(HtmlReportModelTest, APartitionShadesItsBandAndOnlyThePairsItSeparates) {
  Fixture f;
  f.seen.partitions.push_back({{{kA, kB}, {kC}}, 60'000, 180'000, 0});
  f.seen.apart.push_back({kA, kC, Observations::Apart::Why::kPartition, 60'000, 180'000, 0});
  f.seen.apart.push_back({kB, kC, Observations::Apart::Why::kPartition, 60'000, 180'000, 0});
  const ReportModel model = BuildReportModel(f.Input());
  ASSERT_EQ(model.partitions.size(), 1u);
  EXPECT_EQ(model.partitions[0].label, "partition [a@h1 b@h2] | [c@h3]");
  EXPECT_EQ(model.partitions[0].span.from_ms, 60'000);
  EXPECT_EQ(model.partitions[0].span.to_ms, 180'000);
  EXPECT_EQ(model.partitions[0].cause, "{at: 1m, partition: [[a@h1, b@h2], [c@h3]]}");
  // Both ends of a-c are shaded, with the step as the cause; a-b is not.
  for (const auto& [node, peer] : {std::pair{"a@h1", "c@h3"}, std::pair{"c@h3", "a@h1"}}) {
    const ReportModel::Peer& p = PeerNamed(LaneNamed(model, node), peer);
    ASSERT_EQ(p.unreachable.size(), 1u) << node;
    EXPECT_EQ(p.unreachable[0].kind, "partition");
    EXPECT_EQ(p.unreachable[0].span.from_ms, 60'000);
    EXPECT_EQ(p.unreachable[0].span.to_ms, 180'000);
    EXPECT_EQ(p.unreachable[0].cause, model.partitions[0].cause);
  }
  EXPECT_TRUE(PeerNamed(LaneNamed(model, "a@h1"), "b@h2").unreachable.empty());
}

TEST(HtmlReportModelTest, ASpellStillOpenEndsAtTheRunsEnd) {
  Fixture f;
  f.seen.partitions.push_back({{{kA}, {kB, kC}}, 60'000, std::nullopt, 0});
  f.seen.apart.push_back({kA, kB, Observations::Apart::Why::kCut, 100'000, std::nullopt, 7});
  const ReportModel model = BuildReportModel(f.Input());
  ASSERT_EQ(model.partitions.size(), 1u);
  EXPECT_EQ(model.partitions[0].span.to_ms, 300'000);
  const ReportModel::Peer& p = PeerNamed(LaneNamed(model, "b@h2"), "a@h1");
  ASSERT_EQ(p.unreachable.size(), 1u);
  EXPECT_EQ(p.unreachable[0].kind, "cut");
  EXPECT_EQ(p.unreachable[0].span.to_ms, 300'000);
  EXPECT_EQ(p.unreachable[0].cause, "");  // action 7 is no step: no cause is made up
}

TEST(HtmlReportModelTest, AnUnansweredGetNodesCallEndsAtTheNodesStop) {
  Fixture f;
  f.seen.runs[kB].stopped_ms = 90'000;
  f.seen.runs.push_back({kB, 2, 120'000, std::nullopt});
  f.seen.get_nodes.push_back({kB, 1, 10'000, 10'020, false});
  f.seen.get_nodes.push_back({kB, 1, 89'990, std::nullopt, true});   // cut short by the stop
  f.seen.get_nodes.push_back({kB, 2, 299'000, std::nullopt, false}); // the run ended first
  const ReportModel model = BuildReportModel(f.Input());
  const ReportModel::Lane& b = LaneNamed(model, "b@h2");
  ASSERT_EQ(b.get_nodes.size(), 3u);
  EXPECT_TRUE(b.get_nodes[0].answered);
  EXPECT_EQ(b.get_nodes[0].span.to_ms, 10'020);
  EXPECT_FALSE(b.get_nodes[1].answered);
  EXPECT_TRUE(b.get_nodes[1].error);
  EXPECT_EQ(b.get_nodes[1].span.from_ms, 89'990);
  EXPECT_EQ(b.get_nodes[1].span.to_ms, 90'000);
  EXPECT_FALSE(b.get_nodes[2].answered);
  EXPECT_EQ(b.get_nodes[2].span.to_ms, 300'000);
  EXPECT_TRUE(LaneNamed(model, "a@h1").get_nodes.empty());
}

TEST(HtmlReportModelTest, APingCutShortEndsAtTheStopOfTheRunItStartedIn) {
  Fixture f;
  f.seen.runs[kB].stopped_ms = 90'000;
  f.seen.runs.push_back({kB, 2, 90'000, std::nullopt});  // restarted in the same instant
  using For = Observations::Ping::For;
  f.seen.pings.push_back({kB, kC, For::kDiscovery, 90'000, 95'000, false});
  f.seen.pings.push_back({kB, kA, For::kDiscovery, 80'000, std::nullopt, false});
  f.seen.pings.push_back({kB, kA, For::kJoinCheck, 20'000, 20'005, true});
  const ReportModel model = BuildReportModel(f.Input());
  const ReportModel::Lane& b = LaneNamed(model, "b@h2");
  ASSERT_EQ(b.pings.size(), 3u);  // in start order
  EXPECT_EQ(b.pings[0].span.from_ms, 20'000);
  EXPECT_TRUE(b.pings[0].finished && b.pings[0].pong);
  EXPECT_EQ(b.pings[1].peer, "a@h1");
  EXPECT_FALSE(b.pings[1].finished);
  EXPECT_EQ(b.pings[1].span.to_ms, 90'000);
  EXPECT_EQ(b.pings[2].peer, "c@h3");
  EXPECT_TRUE(b.pings[2].finished);
  EXPECT_FALSE(b.pings[2].pong);  // pang
  EXPECT_EQ(b.pings[2].span.to_ms, 95'000);
}

TEST(HtmlReportModelTest, EachConnectionEndKeepsTheWorldsCause) {
  Fixture f;
  f.seen.connections.push_back({kA, kC, 500, 75'000, world::DownCause::kTickTimeout});
  f.seen.connections.push_back({kC, kA, 500, 71'000, world::DownCause::kTickTimeout});
  f.seen.connections.push_back({kA, kC, 181'000, std::nullopt, world::DownCause::kClosed});
  f.seen.connections.push_back({kA, kB, 400, 90'000, world::DownCause::kStopped});
  const ReportModel model = BuildReportModel(f.Input());
  const ReportModel::Peer& a_c = PeerNamed(LaneNamed(model, "a@h1"), "c@h3");
  ASSERT_EQ(a_c.up.size(), 2u);
  EXPECT_EQ(a_c.up[0].from_ms, 500);
  EXPECT_EQ(a_c.up[0].to_ms, 75'000);
  EXPECT_EQ(a_c.down_cause[0], "tick_timeout");
  EXPECT_EQ(a_c.up[1].to_ms, 300'000);  // still up at the end
  EXPECT_EQ(a_c.down_cause[1], "");
  const ReportModel::Peer& c_a = PeerNamed(LaneNamed(model, "c@h3"), "a@h1");
  ASSERT_EQ(c_a.up.size(), 1u);
  EXPECT_EQ(c_a.up[0].to_ms, 71'000);
  EXPECT_EQ(PeerNamed(LaneNamed(model, "a@h1"), "b@h2").down_cause[0], "stopped");
  EXPECT_TRUE(PeerNamed(LaneNamed(model, "b@h2"), "a@h1").up.empty());
}

TEST(HtmlReportModelTest, FaultsKeepTheSpanTheWorldRecorded) {
  Fixture f;
  using Kind = Observations::Fault::Kind;
  Observations::Fault count{kA, Kind::kBackendFail, 30'000, 30'560, 0};
  count.count = 2;
  Observations::Fault dns{kC, Kind::kDns, 0, std::nullopt, -1};
  dns.delay_ms = 5'000;
  Observations::Fault until{kA, Kind::kBackendFail, 100'000, 150'000, 2};
  Observations::Fault errors{kA, Kind::kBackendErrors, 0, 20'000, -1};
  errors.error_rate = 0.25;
  f.seen.faults = {count, dns, until, errors};
  const ReportModel model = BuildReportModel(f.Input());
  const ReportModel::Lane& a = LaneNamed(model, "a@h1");
  ASSERT_EQ(a.faults.size(), 3u);  // in time order
  EXPECT_EQ(a.faults[0].label, "backend error_rate 0.25");
  EXPECT_EQ(a.faults[0].cause, "the node's backend");
  EXPECT_EQ(a.faults[1].kind, "backend_fail");
  EXPECT_EQ(a.faults[1].label, "backend fails 2 calls");
  EXPECT_EQ(a.faults[1].span.to_ms, 30'560);  // where the world ended it, not guessed
  EXPECT_EQ(a.faults[1].cause, "{at: 1m, partition: [[a@h1, b@h2], [c@h3]]}");
  EXPECT_EQ(a.faults[2].label, "backend fails until 2m30s");
  EXPECT_EQ(a.faults[2].cause, "{at: 3m, heal: all}");
  const ReportModel::Lane& c = LaneNamed(model, "c@h3");
  ASSERT_EQ(c.faults.size(), 1u);
  EXPECT_EQ(c.faults[0].kind, "dns");
  EXPECT_EQ(c.faults[0].label, "dns 5s");
  EXPECT_EQ(c.faults[0].cause, "the node's settings");
  EXPECT_EQ(c.faults[0].span.to_ms, 300'000);
}

TEST(HtmlReportModelTest, StatusGivesPhaseSpansAndRestarts) {
  Fixture f;
  using engine::Phase;
  f.seen.status.push_back({kB, 0, true, 1, Phase::kInitial, false});
  f.seen.status.push_back({kB, 2'000, true, 1, Phase::kRegular, true});
  f.seen.status.push_back({kB, 90'000, true, 2, Phase::kInitial, false});  // restart
  f.seen.status.push_back({kB, 200'000, false, 2, Phase::kInitial, false});
  const ReportModel model = BuildReportModel(f.Input());
  EXPECT_TRUE(model.has_status);
  const ReportModel::Lane& b = LaneNamed(model, "b@h2");
  ASSERT_EQ(b.status.size(), 3u);
  EXPECT_EQ(b.status[1].span.from_ms, 2'000);
  EXPECT_EQ(b.status[1].span.to_ms, 90'000);
  EXPECT_TRUE(b.status[1].ready);
  EXPECT_EQ(b.status[2].incarnation, 2u);
  EXPECT_EQ(b.status[2].span.to_ms, 200'000);  // stopped then
  EXPECT_EQ(b.restarts_ms, std::vector<int64_t>{90'000});
  EXPECT_TRUE(LaneNamed(model, "a@h1").status.empty());
  EXPECT_FALSE(BuildReportModel(Fixture().Input()).has_status);
}

TEST(HtmlReportModelTest, JoinsAndCallsAreTheWorldsRecords) {
  Fixture f;
  world::JoinRecord join;
  join.node = "a@h1";
  join.peer = "b@h2";
  join.table = "sessions";
  join.started_at_ms = 3'000;
  join.finished_at_ms = 3'050;
  join.result = "ok";
  f.joins.push_back(join);
  world::CallOutcome call;
  call.id = "w";
  call.node = "c@h3";
  call.called_at_ms = 250'000;
  call.kind = world::CallOutcome::Kind::kPending;
  f.calls.push_back(call);
  const ReportModel model = BuildReportModel(f.Input());
  ASSERT_EQ(LaneNamed(model, "a@h1").joins.size(), 1u);
  EXPECT_EQ(LaneNamed(model, "a@h1").joins[0].span.to_ms, 3'050);
  ASSERT_EQ(LaneNamed(model, "c@h3").calls.size(), 1u);
  EXPECT_EQ(LaneNamed(model, "c@h3").calls[0].span.to_ms, 300'000);  // pending at the end
  EXPECT_EQ(LaneNamed(model, "c@h3").calls[0].outcome, "pending");
}

}  // namespace
}  // namespace discosim::report
