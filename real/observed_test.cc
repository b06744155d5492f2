// A poll answer read into a NodeView, and the Observable judging reads.
#include "real/observed.h"

#include <gtest/gtest.h>

#include "sim/scenario/conditions.h"
#include "sim/scenario/parse.h"

namespace discosim::real {
namespace {

using nlohmann::json;

constexpr int64_t kT0 = 1'000'000;

scenario::Scenario ThreeNodes() {
  absl::StatusOr<scenario::Scenario> s = scenario::ParseScenario(
      "name: t\nduration: 1m\ntables: [sessions]\nnodes:\n  - name: a@h1\n  - name: b@h2\n"
      "  - name: c@h3\n    hidden: true\n",
      "t.yaml", {});
  EXPECT_TRUE(s.ok()) << s.status();
  return *s;
}

json Poll() {
  return json::parse(R"({
    "now": 1005000, "visible": ["b@h2"], "connected": ["b@h2", "c@h3"],
    "tables": {"sessions": ["a@h1", "b@h2"], "busy_one": "busy"},
    "info": {"phase": "regular", "retry_type": "after_nodedown", "last_get_nodes_retry_type": "initial",
             "get_nodes_status": "running", "join_status": "not_running",
             "should_retry_get_nodes": true, "should_retry_join": false,
             "nodes": ["a@h1", "b@h2"], "unavailable_nodes": ["c@h3"], "tables": ["sessions"],
             "start_time": 1000010,
             "verify_ready": [{"kind": "still_waiting_for_pangs", "nodes": ["c@h3"]},
                              {"kind": "waiting_for_join_result", "pairs": [["b@h2", "sessions"]]}],
             "last_get_nodes_result": {"kind": "error", "reason": "simulated"}},
    "logs": [{"at": 1000200, "level": "warning", "what": "nodeup",
              "fields": {"remote_node": "b@h2", "connected_nodes": 2}}],
    "calls": [1000010, 1001012], "faults_over": [1001012], "outcomes": []})");
}

TEST(Observed, APollBecomesTheNodesView) {
  NodeView view;
  view.incarnation = 1;
  ASSERT_TRUE(ApplyPoll(Poll(), kT0, view).ok());
  EXPECT_EQ(view.visible, (engine::NodeSet{"b@h2"}));
  EXPECT_EQ(view.connected, (engine::NodeSet{"b@h2", "c@h3"}));
  EXPECT_EQ(view.clusters.at("sessions"), (engine::NodeSet{"a@h1", "b@h2"}));
  EXPECT_FALSE(view.clusters.contains("busy_one"));
  ASSERT_TRUE(view.info.has_value());
  const engine::State& s = view.info->state;
  EXPECT_EQ(s.phase, engine::Phase::kRegular);
  EXPECT_EQ(view.info->retry_type, engine::RetryType::kAfterNodedown);
  EXPECT_EQ(s.get_nodes_status, engine::TaskStatus::kRunning);
  EXPECT_TRUE(s.should_retry_get_nodes);
  EXPECT_EQ(s.unavailable_nodes, (engine::NodeSet{"c@h3"}));
  EXPECT_EQ(s.last_get_nodes_result.kind, engine::GetNodesResult::Kind::kError);
  EXPECT_EQ(s.start_time, 10);
  ASSERT_EQ(view.info->verify_ready.size(), 2u);
  EXPECT_EQ(view.info->verify_ready[1].index(), 2u);
  EXPECT_EQ(view.get_nodes_calls, (std::vector<engine::TimeMs>{10, 1'012}));
  EXPECT_EQ(view.faults_over, (std::vector<engine::TimeMs>{1'012}));
  ASSERT_EQ(view.logs.size(), 1u);
  EXPECT_EQ(view.logs[0].at_ms, 200);
  EXPECT_EQ(view.logs[0].record.what, "nodeup");
  EXPECT_EQ(view.logs[0].record.level, engine::LogLevel::kWarning);
  const engine::LogValue* n = view.logs[0].record.Find("connected_nodes");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(std::get<int64_t>(*n), 2);
}

TEST(Observed, ABusyAnswerKeepsWhatWasSeenAndNullMeansGone) {
  NodeView view;
  ASSERT_TRUE(ApplyPoll(Poll(), kT0, view).ok());
  json again = Poll();
  again["tables"]["sessions"] = "busy";
  again["info"] = "busy";
  ASSERT_TRUE(ApplyPoll(again, kT0, view).ok());
  EXPECT_TRUE(view.clusters.contains("sessions"));
  EXPECT_TRUE(view.info.has_value());
  again["tables"]["sessions"] = nullptr;
  again["info"] = nullptr;
  ASSERT_TRUE(ApplyPoll(again, kT0, view).ok());
  EXPECT_FALSE(view.clusters.contains("sessions"));
  EXPECT_FALSE(view.info.has_value());
  EXPECT_FALSE(ApplyPoll(json::object(), kT0, view).ok());
}

TEST(Observed, ConnectionsAndOverlapAreReadFromEachEnd) {
  scenario::Scenario s = ThreeNodes();
  RealObservable seen(s);
  for (const char* n : {"a@h1", "b@h2"}) seen.View(n).running = true;
  seen.View("a@h1").connected = {"b@h2"};
  EXPECT_TRUE(seen.CountsUp("a@h1", "b@h2"));
  EXPECT_FALSE(seen.CountsUp("b@h2", "a@h1"));
  EXPECT_TRUE(seen.NoOverlappingPartitions());
  // a-b and b-c up, a-c down: not transitive. The hidden c does not count.
  seen.View("c@h3").running = true;
  seen.View("b@h2").connected = {"a@h1", "c@h3"};
  seen.View("c@h3").connected = {"b@h2"};
  EXPECT_TRUE(seen.NoOverlappingPartitions());
  seen.View("b@h2").running = false;
  EXPECT_FALSE(seen.CountsUp("b@h2", "a@h1"));
  EXPECT_FALSE(seen.TableCluster("b@h2", "sessions").has_value());
}

TEST(Observed, OverlapAmongVisibleNodes) {
  absl::StatusOr<scenario::Scenario> s = scenario::ParseScenario(
      "name: t\nduration: 1m\nnodes:\n  - name: a@h1\n  - name: b@h2\n  - name: c@h3\n", "t.yaml", {});
  ASSERT_TRUE(s.ok());
  RealObservable seen(*s);
  for (const char* n : {"a@h1", "b@h2", "c@h3"}) seen.View(n).running = true;
  seen.View("a@h1").connected = {"b@h2"};
  seen.View("b@h2").connected = {"a@h1", "c@h3"};
  seen.View("c@h3").connected = {"b@h2"};
  EXPECT_FALSE(seen.NoOverlappingPartitions());
}

TEST(Observed, FaultRemovalsCountOnlyOnceTheirTimeHasCome) {
  scenario::Scenario s = ThreeNodes();
  RealObservable seen(s);
  seen.MarkFaultRemoved(5'000);
  seen.SetNow(4'000);
  EXPECT_FALSE(seen.LastFaultRemovalMs().has_value());
  seen.SetNow(6'000);
  EXPECT_EQ(seen.LastFaultRemovalMs(), 5'000);
  seen.View("a@h1").faults_over.push_back(5'500);
  EXPECT_EQ(seen.LastFaultRemovalMs(), 5'500);
}

TEST(Observed, TheSimulatorsConditionsJudgeRealViews) {
  scenario::Scenario s = ThreeNodes();
  RealObservable seen(s);
  NodeView& a = seen.View("a@h1");
  a.running = true;
  a.incarnation = 1;
  ASSERT_TRUE(ApplyPoll(Poll(), kT0, a).ok());
  NodeView& b = seen.View("b@h2");
  b.running = true;
  b.clusters["sessions"] = {"b@h2"};
  scenario::JoinedCondition joined{"sessions", scenario::ClusterMatch::kIncludes,
                                   {scenario::NodeSelection::Kind::kListed, {"a@h1", "b@h2"}}};
  EXPECT_FALSE(scenario::Evaluate(joined, seen).holds);  // b's cluster lacks a
  b.clusters["sessions"] = {"a@h1", "b@h2"};
  EXPECT_TRUE(scenario::Evaluate(joined, seen).holds);
  scenario::GetNodesCallsCondition calls;
  calls.node = "a@h1";
  calls.kind = scenario::GetNodesCallsCondition::Kind::kTimes;
  calls.times_ms = {0, 1'000};
  EXPECT_FALSE(scenario::Evaluate(calls, seen).holds);
  EXPECT_TRUE(scenario::Evaluate(calls, seen, {.times_tolerance_ms = 20}).holds);
  scenario::ReadyCondition ready{{scenario::NodeSelection::Kind::kListed, {"a@h1"}}};
  EXPECT_FALSE(scenario::Evaluate(ready, seen).holds);
}

}  // namespace
}  // namespace discosim::real
