// Proves that ParseScenario reads every key, action, qualifier and condition
// of docs/scenario-format.md into the expected structs, and that every class
// of bad input is refused with FILE:LINE:COL, the key path and a message a
// user can act on. Line and column numbers in these tests were counted by
// hand from the YAML text beside them.
#include "sim/scenario/parse.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/scenario/duration.h"

namespace discosim::scenario {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;

// The error lines of parsing `text` as "x.yaml" (empty when it parsed).
std::vector<std::string> Errors(std::string_view text, const ScenarioLimits& limits = {}) {
  absl::StatusOr<Scenario> result = ParseScenario(text, "x.yaml", limits);
  if (result.ok()) return {};
  std::vector<std::string> lines;
  std::string message(result.status().message());
  size_t start = 0;
  while (start <= message.size()) {
    size_t end = message.find('\n', start);
    if (end == std::string::npos) end = message.size();
    lines.push_back(message.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// One error line that starts with `prefix` ("x.yaml:L:C: path: ") and
// contains `message`.
auto HasError(const std::string& prefix, const std::string& message) {
  return Contains(AllOf(StartsWith(prefix), HasSubstr(message)));
}

Scenario ParseOk(std::string_view text) {
  absl::StatusOr<Scenario> result = ParseScenario(text, "x.yaml");
  EXPECT_TRUE(result.ok()) << result.status().message();
  return result.ok() ? *std::move(result) : Scenario{};
}

// Five lines every error test starts from; what a test adds begins on line 6.
constexpr std::string_view kHead =
    "name: t\n"          // 1
    "duration: 10m\n"    // 2
    "nodes:\n"           // 3
    "  - name: a@h1\n"   // 4
    "  - name: b@h2\n";  // 5

std::string WithHead(std::string_view rest) { return std::string(kHead) + std::string(rest); }

// ---------------------------------------------------------------------------
// A file using every key, action, qualifier and condition.

constexpr std::string_view kEverything = R"(name: everything
description: uses every key
seed: 7
duration: 30m
defaults:
  dist_auto_connect: once
  connect_all: false
  prevent_overlapping_partitions: false
  hidden: false
  net_ticktime: 20s
  net_setuptime: 3s
  latency: 2ms
  dns_delay: 10ms
  connect_delay: 5ms
  dns_cache_ttl: 30s
tables: [sessions, rooms]
backend:
  nodes: [a@h1, b@h2, c@h3, ghost@nohost]
  latency: [10ms, 2s]
  error_rate: 0.25
nodes:
  - name: a@h1
  - name: b@h2
    dns_delay: 5s
    dist_auto_connect: never
    hidden: true
    dns_cache_ttl: none
    tables: [sessions]
    backend: {latency: 20ms}
  - name: c@h3
    start_at: 2m
    connect_all: true
    prevent_overlapping_partitions: true
    net_ticktime: 1m
    net_setuptime: 7s
    latency: 1ms
    connect_delay: 1s
  - name: ghost@nohost
    start: false
    resolvable: true
timeline:
  - at: 1m
    start: [ghost@nohost]
  - {at: 1m, stop: [a@h1]}
  - {at: 1m, restart: [b@h2]}
  - {at: 2m, partition: [[a@h1, b@h2], [c@h3]]}
  - {at: 2m, cut: [[a@h1, c@h3]]}
  - {at: 3m, heal: all}
  - {at: 3m, heal: [[a@h1, c@h3]]}
  - {at: 4m, disconnect: [[a@h1, b@h2]]}
  - {at: 4m, dns: {node: c@h3, delay: 5s}}
  - {at: 4m, dns: {node: c@h3, fail: true}}
  - {at: 5m, dns: {node: c@h3, delay: 0ms, fail: false}}
  - {at: 5m, slow_connect: {node: c@h3, delay: 3s}}
  - {at: 6m, backend: {node: a@h1, nodes: [a@h1, b@h2], latency: 2s, error_rate: 0.5}}
  - {at: 6m, backend: {error_rate: 0}}
  - {at: 7m, backend_fail: {node: a@h1, count: 3}}
  - {at: 7m, backend_fail: {node: b@h2, until: 9m}}
  - {at: 8m, add_table: {node: a@h1, table: t}}
  - {at: 8m, delete_table: {node: a@h1, table: t}}
  - {at: 9m, send: {node: a@h1, message: check}}
  - {at: 9m, send: {node: a@h1, message: enter_regular_phase}}
  - {at: 9m, send: {node: a@h1, message: {nodeup: b@h2}}}
  - {at: 9m, send: {node: a@h1, message: {nodedown: b@h2}}}
  - {at: 9m, send: {node: a@h1, message: {ping_result: {node: b@h2, result: pang}}}}
  - {at: 9m, send: {node: a@h1, message: unknown}}
  - {at: 10m, call: {node: a@h1, request: wait_for_ready, timeout: 5s, id: w1}}
  - {at: 10m, call: {node: a@h1, request: wait_for_get_nodes, id: w2}}
  - {at: 10m, call: {node: a@h1, request: get_tables, id: t1}}
  - {at: 10m, call: {node: a@h1, request: system_info}}
expect:
  - at: 3m
    ready: [a@h1, b@h2]
  - {by: 3m, from: 1m, ready: all}
  - {always: true, from: 1m, until: 20m, joined: {table: sessions, nodes: [a@h1, b@h2]}}
  - {never: true, joined: {table: rooms, includes: all}}
  - {after_heal: 10m, joined: {table: t, nodes: all}}
  - at: 12m
    info:
      node: a@h1
      phase: regular
      retry_type: after_error
      last_get_nodes_retry_type: initial
      get_nodes_status: not_running
      join_status: running
      should_retry_get_nodes: false
      should_retry_join: true
      nodes: [b@h2]
      unavailable_nodes: []
      tables: [sessions, rooms]
      verify_ready: []
      last_get_nodes_result: ok
  - {at: 12m, info: {node: b@h2, verify_ready: [bad_last_get_nodes_result, still_waiting_for_pangs, waiting_for_join_result], last_get_nodes_result: error}}
  - {at: 11m, reply: {id: w1, result: ok}}
  - {at: 11m, reply: {id: w2, result: timeout}}
  - {at: 11m, reply: {id: t1, result: [sessions, rooms]}}
  - {at: 12m, connected: [[a@h1, b@h2]]}
  - {at: 12m, disconnected: [[a@h1, c@h3]]}
  - {at: 12m, get_nodes_calls: {node: a@h1, count: 4}}
  - {at: 12m, get_nodes_calls: {node: a@h1, times: [0s, 1s, 2s, 7s]}}
  - {at: 12m, log: {node: a@h1, what: nodeup, remote_node: b@h2, connected_nodes: 2, has: [downtime_millisecond_duration]}}
  - {by: 12m, log: {node: a@h1, what: join_result, count: 1, fields: {node: b@h2, table: sessions}}}
  - {always: true, no_overlapping_partitions: true}
)";

TEST(ParseScenario, ReadsTheHeaderDefaultsTablesAndBackend) {
  Scenario s = ParseOk(kEverything);
  EXPECT_EQ(s.source_file, "x.yaml");
  EXPECT_EQ(s.name, "everything");
  EXPECT_EQ(s.description, "uses every key");
  EXPECT_EQ(s.seed, 7u);
  EXPECT_EQ(s.duration_ms, 30 * 60'000);

  NodeSettings defaults;
  defaults.dist_auto_connect = AutoConnect::kOnce;
  defaults.connect_all = false;
  defaults.prevent_overlapping_partitions = false;
  defaults.visibility = Visibility::kVisible;
  defaults.net_ticktime_ms = 20'000;
  defaults.net_setuptime_ms = 3'000;
  defaults.latency_ms = 2;
  defaults.dns_delay_ms = 10;
  defaults.connect_delay_ms = 5;
  defaults.dns_cache_ttl_ms = 30'000;
  EXPECT_EQ(s.defaults, defaults);

  EXPECT_THAT(s.tables, ElementsAre("sessions", "rooms"));
  ASSERT_TRUE(s.backend.nodes.has_value());
  EXPECT_THAT(*s.backend.nodes, ElementsAre("a@h1", "b@h2", "c@h3", "ghost@nohost"));
  EXPECT_EQ(s.backend.latency, (LatencyRange{10, 2'000}));
  EXPECT_DOUBLE_EQ(s.backend.error_rate, 0.25);
}

TEST(ParseScenario, ReadsNodesWithOverridesOverDefaults) {
  Scenario s = ParseOk(kEverything);
  ASSERT_THAT(s.nodes, SizeIs(4));
  const Node& a = s.nodes[0];
  EXPECT_EQ(a.name, "a@h1");
  EXPECT_THAT(a.settings_keys, SizeIs(0));
  EXPECT_EQ(a.settings, s.defaults);
  EXPECT_EQ(a.start, StartMode::kAtStartTime);
  EXPECT_EQ(a.start_at_ms, 0);
  EXPECT_EQ(a.dns_entry, DnsEntry::kResolvable);
  EXPECT_FALSE(a.tables_override.has_value());
  EXPECT_THAT(a.tables, ElementsAre("sessions", "rooms"));
  EXPECT_EQ(a.backend, s.backend);
  EXPECT_EQ(a.position, (SourcePosition{"x.yaml", 22, 5}));

  const Node& b = s.nodes[1];
  EXPECT_EQ(b.settings.dns_delay_ms, 5'000);
  EXPECT_EQ(b.settings.dist_auto_connect, AutoConnect::kNever);
  EXPECT_EQ(b.settings.visibility, Visibility::kHidden);
  EXPECT_FALSE(b.settings.dns_cache_ttl_ms.has_value());
  EXPECT_EQ(b.settings.net_ticktime_ms, 20'000);  // from defaults
  EXPECT_TRUE(b.settings_keys.contains("dns_delay"));
  EXPECT_FALSE(b.settings_keys.contains("net_ticktime"));
  EXPECT_THAT(b.tables, ElementsAre("sessions"));
  ASSERT_TRUE(b.backend_override.has_value());
  EXPECT_EQ(b.backend_override->latency, (LatencyRange{20, 20}));
  // Keys the node's backend does not set come from the top-level backend.
  EXPECT_EQ(b.backend.latency, (LatencyRange{20, 20}));
  EXPECT_DOUBLE_EQ(b.backend.error_rate, 0.25);
  EXPECT_EQ(b.backend.nodes, s.backend.nodes);

  const Node& c = s.nodes[2];
  EXPECT_EQ(c.start_at_ms, 120'000);
  EXPECT_TRUE(c.settings.connect_all);
  EXPECT_TRUE(c.settings.prevent_overlapping_partitions);
  EXPECT_EQ(c.settings.net_ticktime_ms, 60'000);
  EXPECT_EQ(c.settings.net_setuptime_ms, 7'000);
  EXPECT_EQ(c.settings.latency_ms, 1);
  EXPECT_EQ(c.settings.connect_delay_ms, 1'000);

  const Node& ghost = s.nodes[3];
  EXPECT_EQ(ghost.start, StartMode::kNever);
  EXPECT_EQ(ghost.dns_entry, DnsEntry::kResolvable);
}

TEST(ParseScenario, ReadsEveryTimelineAction) {
  Scenario s = ParseOk(kEverything);
  ASSERT_THAT(s.timeline, SizeIs(28));
  const auto& t = s.timeline;
  EXPECT_EQ(t[0].at_ms, 60'000);
  EXPECT_EQ(t[0].position, (SourcePosition{"x.yaml", 42, 5}));
  EXPECT_EQ(t[0].as_written, "{at: 1m, start: [ghost@nohost]}");
  EXPECT_THAT(std::get<world::action::Start>(t[0].action).nodes, ElementsAre("ghost@nohost"));
  EXPECT_THAT(std::get<world::action::Stop>(t[1].action).nodes, ElementsAre("a@h1"));
  EXPECT_EQ(t[1].position, (SourcePosition{"x.yaml", 44, 5}));
  EXPECT_THAT(std::get<world::action::Restart>(t[2].action).nodes, ElementsAre("b@h2"));
  EXPECT_THAT(std::get<world::action::Partition>(t[3].action).groups,
              ElementsAre(ElementsAre("a@h1", "b@h2"), ElementsAre("c@h3")));
  EXPECT_EQ(t[3].as_written, "{at: 2m, partition: [[a@h1, b@h2], [c@h3]]}");
  EXPECT_THAT(std::get<world::action::Cut>(t[4].action).links, ElementsAre(NodePair{"a@h1", "c@h3"}));
  EXPECT_EQ(std::get<HealAction>(t[5].action).scope, HealAction::Scope::kAll);
  EXPECT_EQ(std::get<HealAction>(t[6].action).scope, HealAction::Scope::kLinks);
  EXPECT_THAT(std::get<HealAction>(t[6].action).links, ElementsAre(NodePair{"a@h1", "c@h3"}));
  EXPECT_THAT(std::get<world::action::Disconnect>(t[7].action).links, ElementsAre(NodePair{"a@h1", "b@h2"}));

  const auto& dns_delay = std::get<DnsAction>(t[8].action);
  EXPECT_EQ(dns_delay.node, "c@h3");
  EXPECT_EQ(dns_delay.delay_ms, 5'000);
  EXPECT_FALSE(dns_delay.outcome.has_value());
  const auto& dns_fail = std::get<DnsAction>(t[9].action);
  EXPECT_FALSE(dns_fail.delay_ms.has_value());
  EXPECT_EQ(dns_fail.outcome, DnsAnswer::kFails);
  const auto& dns_restore = std::get<DnsAction>(t[10].action);
  EXPECT_EQ(dns_restore.delay_ms, 0);
  EXPECT_EQ(dns_restore.outcome, DnsAnswer::kResolves);

  const auto& slow = std::get<world::action::SlowConnect>(t[11].action);
  EXPECT_EQ(slow.node, "c@h3");
  EXPECT_EQ(slow.delay_ms, 3'000);

  const auto& backend = std::get<BackendAction>(t[12].action);
  EXPECT_EQ(backend.node, "a@h1");
  EXPECT_EQ(backend.changes.nodes,
            (std::vector<NodeName>{"a@h1", "b@h2"}));
  EXPECT_EQ(backend.changes.latency, (LatencyRange{2'000, 2'000}));
  EXPECT_EQ(backend.changes.error_rate, 0.5);
  const auto& backend_all = std::get<BackendAction>(t[13].action);
  EXPECT_FALSE(backend_all.node.has_value());
  EXPECT_FALSE(backend_all.changes.nodes.has_value());
  EXPECT_FALSE(backend_all.changes.latency.has_value());
  EXPECT_EQ(backend_all.changes.error_rate, 0.0);

  const auto& fail_count = std::get<BackendFailAction>(t[14].action);
  EXPECT_EQ(fail_count.node, "a@h1");
  EXPECT_EQ(fail_count.kind, BackendFailAction::Kind::kCount);
  EXPECT_EQ(fail_count.count, 3);
  const auto& fail_until = std::get<BackendFailAction>(t[15].action);
  EXPECT_EQ(fail_until.kind, BackendFailAction::Kind::kUntil);
  EXPECT_EQ(fail_until.until_ms, 9 * 60'000);

  EXPECT_EQ(std::get<world::action::AddTable>(t[16].action).table, "t");
  EXPECT_EQ(std::get<world::action::DeleteTable>(t[17].action).node, "a@h1");

  auto message = [&](size_t i) { return std::get<SendAction>(t[i].action).message; };
  EXPECT_EQ(message(18).kind, RawMessage::Kind::kCheck);
  EXPECT_EQ(message(19).kind, RawMessage::Kind::kEnterRegularPhase);
  EXPECT_EQ(message(20), (RawMessage{RawMessage::Kind::kNodeup, "b@h2", engine::PingResult::Outcome::kPang}));
  EXPECT_EQ(message(21), (RawMessage{RawMessage::Kind::kNodedown, "b@h2", engine::PingResult::Outcome::kPang}));
  EXPECT_EQ(message(22), (RawMessage{RawMessage::Kind::kPingResult, "b@h2", engine::PingResult::Outcome::kPang}));
  EXPECT_EQ(message(23).kind, RawMessage::Kind::kUnknown);

  const auto& call = std::get<world::action::Call>(t[24].action);
  EXPECT_EQ(call.node, "a@h1");
  EXPECT_EQ(call.request, Request::kWaitForReady);
  EXPECT_EQ(call.timeout_ms, 5'000);
  EXPECT_EQ(call.id, "w1");
  EXPECT_EQ(std::get<world::action::Call>(t[25].action).request, Request::kWaitForGetNodes);
  EXPECT_EQ(std::get<world::action::Call>(t[26].action).request, Request::kGetTables);
  const auto& info_call = std::get<world::action::Call>(t[27].action);
  EXPECT_EQ(info_call.request, Request::kSystemInfo);
  EXPECT_EQ(info_call.id, "");
  EXPECT_EQ(info_call.timeout_ms, 5'000);  // gen_server:call's default

  for (size_t i = 0; i < t.size(); ++i) {
    EXPECT_EQ(t[i].as_written.find('\n'), std::string::npos) << i;
  }
}

TEST(ParseScenario, ReadsEveryQualifierAndCondition) {
  Scenario s = ParseOk(kEverything);
  ASSERT_THAT(s.expectations, SizeIs(17));
  const auto& e = s.expectations;

  EXPECT_EQ(e[0].position, (SourcePosition{"x.yaml", 72, 5}));
  EXPECT_EQ(e[0].as_written, "{at: 3m, ready: [a@h1, b@h2]}");
  EXPECT_EQ(std::get<AtQualifier>(e[0].qualifier).at_ms, 180'000);
  EXPECT_EQ(std::get<ReadyCondition>(e[0].condition).nodes,
            (NodeSelection{NodeSelection::Kind::kListed, {"a@h1", "b@h2"}}));

  EXPECT_EQ(e[1].position, (SourcePosition{"x.yaml", 74, 5}));
  EXPECT_EQ(e[1].as_written, "{by: 3m, from: 1m, ready: all}");
  const auto& by = std::get<ByQualifier>(e[1].qualifier);
  EXPECT_EQ(by.by_ms, 180'000);
  EXPECT_EQ(by.from_ms, 60'000);
  EXPECT_EQ(std::get<ReadyCondition>(e[1].condition).nodes.kind, NodeSelection::Kind::kAll);

  const auto& always = std::get<AlwaysQualifier>(e[2].qualifier);
  EXPECT_EQ(always.from_ms, 60'000);
  EXPECT_EQ(always.until_ms, 20 * 60'000);
  const auto& joined = std::get<JoinedCondition>(e[2].condition);
  EXPECT_EQ(joined.table, "sessions");
  EXPECT_EQ(joined.match, ClusterMatch::kExactly);
  EXPECT_THAT(joined.nodes.listed, ElementsAre("a@h1", "b@h2"));

  const auto& never = std::get<NeverQualifier>(e[3].qualifier);
  EXPECT_EQ(never.from_ms, 0);
  EXPECT_FALSE(never.until_ms.has_value());
  const auto& includes = std::get<JoinedCondition>(e[3].condition);
  EXPECT_EQ(includes.match, ClusterMatch::kIncludes);
  EXPECT_EQ(includes.nodes.kind, NodeSelection::Kind::kAll);

  EXPECT_EQ(std::get<AfterHealQualifier>(e[4].qualifier).within_ms, 600'000);
  EXPECT_EQ(std::get<JoinedCondition>(e[4].condition).table, "t");  // from add_table

  const auto& info = std::get<InfoCondition>(e[5].condition);
  EXPECT_EQ(info.node, "a@h1");
  EXPECT_EQ(info.phase, Phase::kRegular);
  EXPECT_EQ(info.retry_type, RetryType::kAfterError);
  EXPECT_EQ(info.last_get_nodes_retry_type, RetryType::kInitial);
  EXPECT_EQ(info.get_nodes_status, TaskStatus::kNotRunning);
  EXPECT_EQ(info.join_status, TaskStatus::kRunning);
  EXPECT_EQ(info.should_retry_get_nodes, false);
  EXPECT_EQ(info.should_retry_join, true);
  EXPECT_THAT(*info.nodes, ElementsAre("b@h2"));
  EXPECT_THAT(*info.unavailable_nodes, SizeIs(0));
  EXPECT_THAT(*info.tables, ElementsAre("sessions", "rooms"));
  EXPECT_THAT(*info.verify_ready, SizeIs(0));
  EXPECT_EQ(info.last_get_nodes_result, engine::GetNodesResult::Kind::kOk);
  EXPECT_EQ(e[5].as_written.find('\n'), std::string::npos);
  EXPECT_THAT(e[5].as_written, StartsWith("{at: 12m, info: {node: a@h1, phase: regular, "));

  const auto& info_b = std::get<InfoCondition>(e[6].condition);
  EXPECT_THAT(*info_b.verify_ready,
              ElementsAre(MissingTaskKind::kBadLastGetNodesResult,
                          MissingTaskKind::kStillWaitingForPangs,
                          MissingTaskKind::kWaitingForJoinResult));
  EXPECT_EQ(info_b.last_get_nodes_result, engine::GetNodesResult::Kind::kError);
  EXPECT_FALSE(info_b.phase.has_value());

  const auto& reply_ok = std::get<ReplyCondition>(e[7].condition);
  EXPECT_EQ(reply_ok.call_id, "w1");
  EXPECT_EQ(reply_ok.result.kind, ReplyResult::Kind::kOk);
  EXPECT_EQ(std::get<ReplyCondition>(e[8].condition).result.kind, ReplyResult::Kind::kTimeout);
  EXPECT_EQ(std::get<ReplyCondition>(e[9].condition).result,
            (ReplyResult{ReplyResult::Kind::kTables, {"sessions", "rooms"}}));

  EXPECT_THAT(std::get<ConnectedCondition>(e[10].condition).pairs,
              ElementsAre(NodePair{"a@h1", "b@h2"}));
  EXPECT_THAT(std::get<DisconnectedCondition>(e[11].condition).pairs,
              ElementsAre(NodePair{"a@h1", "c@h3"}));

  const auto& count = std::get<GetNodesCallsCondition>(e[12].condition);
  EXPECT_EQ(count.kind, GetNodesCallsCondition::Kind::kCount);
  EXPECT_EQ(count.count, 4);
  const auto& times = std::get<GetNodesCallsCondition>(e[13].condition);
  EXPECT_EQ(times.kind, GetNodesCallsCondition::Kind::kTimes);
  EXPECT_THAT(times.times_ms, ElementsAre(0, 1'000, 2'000, 7'000));

  const auto& log = std::get<LogCondition>(e[14].condition);
  EXPECT_EQ(log.node, "a@h1");
  EXPECT_EQ(log.what, "nodeup");
  EXPECT_THAT(log.fields, ElementsAre(LogField{"remote_node", std::string("b@h2")},
                                      LogField{"connected_nodes", int64_t{2}}));
  EXPECT_THAT(log.has, ElementsAre("downtime_millisecond_duration"));
  EXPECT_FALSE(log.count.has_value());
  const auto& log_fields = std::get<LogCondition>(e[15].condition);
  EXPECT_EQ(log_fields.count, 1);
  EXPECT_THAT(log_fields.fields, ElementsAre(LogField{"node", std::string("b@h2")},
                                             LogField{"table", std::string("sessions")}));

  EXPECT_TRUE(std::holds_alternative<AlwaysQualifier>(e[16].qualifier));
  EXPECT_TRUE(std::holds_alternative<NoOverlappingPartitionsCondition>(e[16].condition));
  EXPECT_EQ(QualifierKey(e[16].qualifier), "always");
  EXPECT_EQ(ConditionKey(e[16].condition), "no_overlapping_partitions");
}

TEST(ParseScenario, AppliesTheDocumentedDefaults) {
  Scenario s = ParseOk(
      "name: minimal\n"
      "duration: 1m\n"
      "nodes:\n"
      "  - name: a@h1\n"
      "  - name: ghost@nohost\n"
      "    start: false\n");
  EXPECT_EQ(s.seed, 1u);
  EXPECT_EQ(s.description, "");
  EXPECT_EQ(s.defaults, NodeSettings{});
  EXPECT_EQ(s.defaults.dist_auto_connect, AutoConnect::kAlways);
  EXPECT_TRUE(s.defaults.connect_all);
  EXPECT_TRUE(s.defaults.prevent_overlapping_partitions);
  EXPECT_EQ(s.defaults.visibility, Visibility::kVisible);
  EXPECT_EQ(s.defaults.net_ticktime_ms, 60'000);
  EXPECT_EQ(s.defaults.net_setuptime_ms, 7'000);
  EXPECT_EQ(s.defaults.latency_ms, 1);
  EXPECT_EQ(s.defaults.dns_delay_ms, 0);
  EXPECT_EQ(s.defaults.connect_delay_ms, 0);
  EXPECT_FALSE(s.defaults.dns_cache_ttl_ms.has_value());
  EXPECT_THAT(s.tables, SizeIs(0));
  EXPECT_FALSE(s.backend.nodes.has_value());  // every declared node
  EXPECT_EQ(s.backend.latency, (LatencyRange{0, 0}));
  EXPECT_EQ(s.backend.error_rate, 0.0);
  EXPECT_THAT(s.timeline, SizeIs(0));
  EXPECT_THAT(s.expectations, SizeIs(0));
  // A node that is never started has no DNS entry unless `resolvable: true`.
  EXPECT_EQ(s.nodes[0].dns_entry, DnsEntry::kResolvable);
  EXPECT_EQ(s.nodes[1].dns_entry, DnsEntry::kUnresolvable);
}

TEST(ParseScenario, AcceptsStepsAtTheSameInstantAndAResolvableFalseNode) {
  Scenario s = ParseOk(WithHead(
      "    resolvable: false\n"
      "timeline:\n"
      "  - {at: 1m, stop: [a@h1]}\n"
      "  - {at: 1m, start: [a@h1]}\n"));
  EXPECT_EQ(s.nodes[1].dns_entry, DnsEntry::kUnresolvable);
  EXPECT_THAT(s.timeline, SizeIs(2));
}

// ---------------------------------------------------------------------------
// Bad input: not YAML, empty, binary.

TEST(ParseScenarioErrors, ReportsYamlSyntaxErrorsWithTheirPosition) {
  // `}` closes a `[`: line 2, column 13.
  EXPECT_THAT(Errors("name: t\nnodes: [a, b}\n"),
              HasError("x.yaml:2:13: ", "not valid YAML"));
  // A tab used for indentation on line 3: yaml-cpp skips the tab and refuses
  // the `-` after it, at column 2.
  EXPECT_THAT(Errors("name: t\nnodes:\n\t- name: a@h1\n"),
              HasError("x.yaml:3:2: ", "not valid YAML"));
}

TEST(ParseScenarioErrors, RefusesAnEmptyFile) {
  for (std::string_view text : {"", "\n\n", "# only a comment\n", "---\n", "~\n"}) {
    EXPECT_THAT(Errors(text), ElementsAre(StartsWith("x.yaml:1:1: the file is empty"))) << text;
  }
}

TEST(ParseScenarioErrors, RefusesBinaryJunkWithoutCrashing) {
  // A NUL byte at line 2, column 3.
  EXPECT_THAT(Errors(std::string("name: t\nab\0cd\n", 13)),
              ElementsAre(AllOf(StartsWith("x.yaml:2:3: "), HasSubstr("NUL byte"))));
  // 0xE9 (Latin-1 e-acute) is not UTF-8: line 1, column 10.
  EXPECT_THAT(Errors("name: caf\xE9\n"),
              ElementsAre(AllOf(StartsWith("x.yaml:1:10: "), HasSubstr("invalid UTF-8"))));
  // A control character (0x01) at line 1, column 7.
  EXPECT_THAT(Errors("name: \x01\n"),
              ElementsAre(AllOf(StartsWith("x.yaml:1:7: "), HasSubstr("control character 0x01"))));
  // Valid multi-byte UTF-8 is fine anywhere text is.
  EXPECT_THAT(Errors(WithHead("description: caf\xC3\xA9 \xE2\x9C\x93\n")), SizeIs(0));
  // Random bytes of every value: always an error, never a crash.
  std::string junk;
  uint32_t x = 12345;
  for (int i = 0; i < 4096; ++i) {
    x = x * 1103515245 + 12345;
    junk += static_cast<char>(x >> 24);
  }
  EXPECT_THAT(Errors(junk), SizeIs(1));
}

// ---------------------------------------------------------------------------
// Keys and types.

TEST(ParseScenarioErrors, ReportsUnknownKeysWithAHint) {
  // `timelime` on line 6, column 1.
  EXPECT_THAT(Errors(WithHead("timelime: []\n")),
              HasError("x.yaml:6:1: timelime: ", "unknown key \"timelime\"; did you mean \"timeline\"?"));
  // A node key: `dns_dely` on line 6, column 5, inside nodes[1].
  EXPECT_THAT(Errors(WithHead("    dns_dely: 5s\n")),
              HasError("x.yaml:6:5: nodes[1].dns_dely: ", "did you mean \"dns_delay\"?"));
  // No close key: the allowed keys are listed instead.
  EXPECT_THAT(Errors(WithHead("colour: red\n")),
              HasError("x.yaml:6:1: colour: ", "the keys here are name, description"));
  // Inside an action: `nod` at line 7, column 26.
  EXPECT_THAT(Errors(WithHead("timeline:\n  - {at: 1m, add_table: {nod: a@h1, table: t}}\n")),
              HasError("x.yaml:7:26: timeline[0].add_table.nod: ", "did you mean \"node\"?"));
}

TEST(ParseScenarioErrors, ReportsAKeyWrittenTwice) {
  // The second `duration` is on line 6, column 1.
  EXPECT_THAT(Errors(WithHead("duration: 5m\n")),
              HasError("x.yaml:6:1: duration: ", "written twice"));
}

TEST(ParseScenarioErrors, ReportsWrongTypes) {
  // A map where a list is needed: `nodes:` value starts at line 3, column 8.
  EXPECT_THAT(Errors("name: t\nduration: 1m\nnodes: {a: 1}\n"),
              HasError("x.yaml:3:8: nodes: ", "expected a list, found a map"));
  // A list where a map is needed: the step at line 7, column 5.
  EXPECT_THAT(Errors(WithHead("timeline:\n  - [at, 1m]\n")),
              HasError("x.yaml:7:5: timeline[0]: ", "expected a map, found a list"));
  // A string where a boolean is needed: `maybe` at line 7, column 16.
  EXPECT_THAT(Errors(WithHead("defaults:\n  connect_all: maybe\n")),
              HasError("x.yaml:7:16: defaults.connect_all: ", "expected true or false"));
  // YAML 1.1's `yes` is not a boolean here: line 6, column 13.
  EXPECT_THAT(Errors(WithHead("    hidden: yes\n")),
              HasError("x.yaml:6:13: nodes[1].hidden: ", "write true or false"));
  // A table name that is a number: `2` at line 6, column 20.
  EXPECT_THAT(Errors(WithHead("tables: [sessions, 2]\n")),
              HasError("x.yaml:6:20: tables: ", "expected a table name (a string), found the number 2"));
  // An enum value out of its set, with a hint: line 7, column 22.
  EXPECT_THAT(Errors(WithHead("defaults:\n  dist_auto_connect: onse\n")),
              HasError("x.yaml:7:22: defaults.dist_auto_connect: ",
                       "expected one of always, once, never, found the string \"onse\"; "
                       "did you mean \"once\"?"));
  // The top level is not a map.
  EXPECT_THAT(Errors("- a\n- b\n"), HasError("x.yaml:1:1: ", "the top level must be a map"));
}

TEST(ParseScenarioErrors, RefusesBareNumbersWhereADurationIsNeeded) {
  // `5` at line 2, column 11.
  EXPECT_THAT(Errors("name: t\nduration: 5\nnodes: [{name: a@h1}]\n"),
              HasError("x.yaml:2:11: duration: ", "5 what? write 5s or 5ms"));
  // `at: 5` on line 7: the 5 is at column 9.
  EXPECT_THAT(Errors(WithHead("timeline:\n  - at: 5\n    stop: [a@h1]\n")),
              HasError("x.yaml:7:9: timeline[0].at: ", "5 what?"));
  // In a latency range: `10` at line 7, column 13.
  EXPECT_THAT(Errors(WithHead("backend:\n  latency: [10, 2s]\n")),
              HasError("x.yaml:7:13: backend.latency: ", "10 what?"));
}

TEST(ParseScenarioErrors, RefusesNegativeAndOverflowingDurations) {
  // `-5s` at line 7, column 9.
  EXPECT_THAT(Errors(WithHead("timeline:\n  - at: -5s\n    stop: [a@h1]\n")),
              HasError("x.yaml:7:9: timeline[0].at: ", "negative duration"));
  // An overflowing duration at line 2, column 11.
  EXPECT_THAT(Errors("name: t\nduration: 99999999999999h\nnodes: [{name: a@h1}]\n"),
              HasError("x.yaml:2:11: duration: ", "too large"));
  // net_ticktime may not be zero: line 7, column 17.
  EXPECT_THAT(Errors(WithHead("defaults:\n  net_ticktime: 0s\n")),
              HasError("x.yaml:7:17: defaults.net_ticktime: ", "longer than 0s"));
}

TEST(ParseScenarioErrors, RefusesTimesAfterTheEndOfTheRun) {
  // duration is 10m; `11m` at line 7, column 9.
  EXPECT_THAT(Errors(WithHead("timeline:\n  - at: 11m\n    stop: [a@h1]\n")),
              HasError("x.yaml:7:9: timeline[0].at: ", "after the end of the run (duration: 10m)"));
  // A node's start_at: `20m` at line 6, column 15.
  EXPECT_THAT(Errors(WithHead("    start_at: 20m\n")),
              HasError("x.yaml:6:15: nodes[1].start_at: ", "after the end of the run"));
}

TEST(ParseScenarioErrors, RequiresNameDurationAndNodes) {
  // Missing keys are reported at the top-level map (line 1, column 1).
  EXPECT_THAT(Errors("description: nothing else\n"),
              ElementsAre("x.yaml:1:1: name: required key is missing",
                          "x.yaml:1:1: duration: required key is missing",
                          "x.yaml:1:1: nodes: required key is missing"));
  // An empty node list: `[]` at line 3, column 8.
  EXPECT_THAT(Errors("name: t\nduration: 1m\nnodes: []\n"),
              HasError("x.yaml:3:8: nodes: ", "at least one node"));
  // A node without a name: the node's map at line 6, column 5.
  EXPECT_THAT(Errors(WithHead("  - start_at: 1m\n")),
              HasError("x.yaml:6:5: nodes[2].name: ", "required key is missing"));
  // An action without its required keys: the slow_connect map at line 7, column 28.
  EXPECT_THAT(Errors(WithHead("timeline:\n  - {at: 1m, slow_connect: {node: a@h1}}\n")),
              HasError("x.yaml:7:28: timeline[0].slow_connect.delay: ", "required key is missing"));
}

TEST(ParseScenarioErrors, RefusesASeedThatIsNotANonNegativeInteger) {
  // The value of seed is always at line 6, column 7.
  for (std::string_view seed : {"-1", "1.5", "\"7\"", "abc", "[1]", "99999999999999999999999"}) {
    EXPECT_THAT(Errors(WithHead("seed: " + std::string(seed) + "\n")),
                HasError("x.yaml:6:7: seed: ", "non-negative integer"))
        << seed;
  }
  EXPECT_EQ(ParseOk(WithHead("seed: 18446744073709551615\n")).seed, 18446744073709551615u);
  EXPECT_EQ(ParseOk(WithHead("seed: 0\n")).seed, 0u);
}

// ---------------------------------------------------------------------------
// Nodes.

TEST(ParseScenarioErrors, RefusesUndeclaredNodesWhereverANodeIsNamed) {
  // The spec's example: `d@h4` in a partition. Step 2 is on line 9; d@h4 is at column 41.
  EXPECT_THAT(Errors(WithHead("timeline:\n"
                              "  - {at: 1m, stop: [a@h1]}\n"
                              "  - {at: 2m, start: [a@h1]}\n"
                              "  - {at: 3m, partition: [[a@h1, b@h2], [d@h4]]}\n")),
              ElementsAre("x.yaml:9:41: timeline[2].partition: unknown node \"d@h4\"; nodes must "
                          "be declared under `nodes` first"));
  // A likely typo gets a hint: `a@h` at line 7, column 21.
  EXPECT_THAT(Errors(WithHead("timeline:\n  - {at: 1m, stop: [a@h]}\n")),
              HasError("x.yaml:7:21: timeline[0].stop: ", "did you mean \"a@h1\"?"));
  // In the backend: `c@h3` at line 6, column 25.
  EXPECT_THAT(Errors(WithHead("backend: {nodes: [a@h1, c@h3]}\n")),
              HasError("x.yaml:6:25: backend.nodes: ", "unknown node \"c@h3\""));
  // In a send message: `x@h9` at line 7, column 51.
  EXPECT_THAT(Errors(WithHead("timeline:\n  - {at: 1m, send: {node: a@h1, message: {nodeup: x@h9}}}\n")),
              HasError("x.yaml:7:51: timeline[0].send.message.nodeup: ", "unknown node \"x@h9\""));
  // In an expectation's pair: `z@h0` at line 7, column 33.
  EXPECT_THAT(Errors(WithHead("expect:\n  - {at: 1m, connected: [[a@h1, z@h0]]}\n")),
              HasError("x.yaml:7:33: expect[0].connected: ", "unknown node \"z@h0\""));
  // In ready: `q@h1` at line 7, column 22.
  EXPECT_THAT(Errors(WithHead("expect:\n  - {at: 1m, ready: [q@h1]}\n")),
              HasError("x.yaml:7:22: expect[0].ready: ", "unknown node \"q@h1\""));
  // In info's nodes: `q@h1` at line 7, column 41.
  EXPECT_THAT(Errors(WithHead("expect:\n  - {at: 1m, info: {node: a@h1, nodes: [q@h1]}}\n")),
              HasError("x.yaml:7:41: expect[0].info.nodes: ", "unknown node \"q@h1\""));
  // A node's own backend: `q@h1` at line 6, column 23.
  EXPECT_THAT(Errors(WithHead("    backend: {nodes: [q@h1]}\n")),
              HasError("x.yaml:6:23: nodes[1].backend.nodes: ", "unknown node \"q@h1\""));
}

TEST(ParseScenarioErrors, RefusesADuplicateNode) {
  // The second a@h1 is on line 6; its name at column 11.
  EXPECT_THAT(Errors(WithHead("  - name: a@h1\n")),
              ElementsAre("x.yaml:6:11: nodes[2].name: node \"a@h1\" is declared twice (first "
                          "on line 4)"));
}

TEST(ParseScenarioErrors, RefusesMalformedNodeNames) {
  // Each name is on line 6, column 11.
  EXPECT_THAT(Errors(WithHead("  - name: ab\n")),
              HasError("x.yaml:6:11: nodes[2].name: ", "node name \"ab\" has no \"@\""));
  EXPECT_THAT(Errors(WithHead("  - name: \"@h1\"\n")),
              HasError("x.yaml:6:11: nodes[2].name: ", "empty name part"));
  EXPECT_THAT(Errors(WithHead("  - name: \"c@\"\n")),
              HasError("x.yaml:6:11: nodes[2].name: ", "empty host part"));
  EXPECT_THAT(Errors(WithHead("  - name: c@h@x\n")),
              HasError("x.yaml:6:11: nodes[2].name: ", "more than one \"@\""));
  // A malformed name is still declared: references to it are not errors too.
  EXPECT_THAT(Errors(WithHead("  - name: ab\ntimeline:\n  - {at: 1m, stop: [ab]}\n")), SizeIs(1));
}

TEST(ParseScenarioErrors, RefusesStartAtOnANodeThatNeverStarts) {
  // `start_at` key at line 7, value `1m` at column 15.
  EXPECT_THAT(Errors(WithHead("    start: false\n    start_at: 1m\n")),
              HasError("x.yaml:7:15: nodes[1].start_at: ", "never started"));
}

// ---------------------------------------------------------------------------
// Timeline.

TEST(ParseScenarioErrors, RefusesATimelineOutOfOrder) {
  // The third step's `at` value `1m` is at line 9, column 9.
  EXPECT_THAT(Errors(WithHead("timeline:\n"
                              "  - {at: 1m, stop: [a@h1]}\n"
                              "  - {at: 2m, start: [a@h1]}\n"
                              "  - at: 1m\n"
                              "    stop: [b@h2]\n")),
              ElementsAre("x.yaml:9:9: timeline[2].at: 1m is before the previous step's 2m; keep "
                          "the timeline in time order"));
}

TEST(ParseScenarioErrors, RequiresExactlyOneActionPerStep) {
  // No action: the step's map at line 7, column 5.
  EXPECT_THAT(Errors(WithHead("timeline:\n  - at: 1m\n")),
              HasError("x.yaml:7:5: timeline[0]: ", "no action; give one of start, stop"));
  // Two actions: the second (`cut`) at line 9, column 5.
  EXPECT_THAT(Errors(WithHead("timeline:\n"
                              "  - at: 1m\n"
                              "    partition: [[a@h1]]\n"
                              "    cut: [[a@h1, b@h2]]\n")),
              HasError("x.yaml:9:5: timeline[0].cut: ", "a second action in one step (partition and cut)"));
  // A step without `at`: at the step's map, line 7, column 5.
  EXPECT_THAT(Errors(WithHead("timeline:\n  - {stop: [a@h1]}\n")),
              HasError("x.yaml:7:5: timeline[0].at: ", "required key is missing"));
}

TEST(ParseScenarioErrors, ChecksActionValues) {
  auto step = [](std::string_view action) {
    return WithHead("timeline:\n  - {at: 1m, " + std::string(action) + "}\n");
  };
  // Each step is `  - {at: 1m, ACTION}` on line 7: ACTION starts at column 14.
  EXPECT_THAT(Errors(step("start: []")), HasError("x.yaml:7:21: timeline[0].start: ", "empty list"));
  EXPECT_THAT(Errors(step("partition: [[a@h1], [a@h1]]")),
              HasError("x.yaml:7:35: timeline[0].partition: ", "node \"a@h1\" is in two groups"));
  EXPECT_THAT(Errors(step("cut: [[a@h1, a@h1]]")),
              HasError("x.yaml:7:20: timeline[0].cut: ", "two different nodes"));
  EXPECT_THAT(Errors(step("cut: [[a@h1]]")),
              HasError("x.yaml:7:20: timeline[0].cut: ", "expected a pair of nodes"));
  EXPECT_THAT(Errors(step("heal: some")),
              HasError("x.yaml:7:20: timeline[0].heal: ", "expected all or a list of links"));
  EXPECT_THAT(Errors(step("dns: {node: a@h1}")),
              HasError("x.yaml:7:19: timeline[0].dns: ", "give delay"));
  EXPECT_THAT(Errors(step("backend: {node: a@h1}")),
              HasError("x.yaml:7:23: timeline[0].backend: ", "at least one of nodes, latency, error_rate"));
  EXPECT_THAT(Errors(step("backend_fail: {node: a@h1}")),
              HasError("x.yaml:7:28: timeline[0].backend_fail: ", "give count"));
  // `until: 1m` is not after the step's at (1m): the value at column 48.
  EXPECT_THAT(Errors(step("backend_fail: {node: a@h1, until: 1m}")),
              HasError("x.yaml:7:48: timeline[0].backend_fail.until: ", "must be after the step's at"));
  // count 0: the value at column 48.
  EXPECT_THAT(Errors(step("backend_fail: {node: a@h1, count: 0}")),
              HasError("x.yaml:7:48: timeline[0].backend_fail.count: ", "1 or more"));
  // A second call with the same id: the second `w1` is at line 8, column 58.
  EXPECT_THAT(Errors(WithHead("timeline:\n"
                              "  - {at: 1m, call: {node: a@h1, request: get_tables, id: w1}}\n"
                              "  - {at: 1m, call: {node: a@h1, request: get_tables, id: w1}}\n")),
              HasError("x.yaml:8:58: timeline[1].call.id: ",
                       "already used"));
}

TEST(ParseScenarioErrors, RefusesUnknownMessagesAndRequests) {
  // `chek` at line 7, column 42, with a hint.
  EXPECT_THAT(Errors(WithHead("timeline:\n  - {at: 1m, send: {node: a@h1, message: chek}}\n")),
              HasError("x.yaml:7:42: timeline[0].send.message: ",
                       "unknown message \"chek\"; the messages are check"));
  EXPECT_THAT(Errors(WithHead("timeline:\n  - {at: 1m, send: {node: a@h1, message: chek}}\n")),
              HasError("x.yaml:7:42: ", "did you mean \"check\"?"));
  // A tagged message with an unknown tag: `node_up` at line 7, column 43.
  EXPECT_THAT(Errors(WithHead("timeline:\n  - {at: 1m, send: {node: a@h1, message: {node_up: b@h2}}}\n")),
              HasError("x.yaml:7:43: timeline[0].send.message.node_up: ", "did you mean \"nodeup\"?"));
  // A ping result that is neither pong nor pang: `pung` at line 7, column 77.
  EXPECT_THAT(Errors(WithHead("timeline:\n  - {at: 1m, send: {node: a@h1, message: {ping_result: "
                              "{node: b@h2, result: pung}}}}\n")),
              HasError("x.yaml:7:77: timeline[0].send.message.ping_result.result: ",
                       "expected one of pong, pang"));
  // `wait_for_it` at line 7, column 42.
  EXPECT_THAT(Errors(WithHead("timeline:\n  - {at: 1m, call: {node: a@h1, request: wait_for_it}}\n")),
              HasError("x.yaml:7:42: timeline[0].call.request: ",
                       "expected one of wait_for_ready, wait_for_get_nodes, get_tables, system_info"));
}

TEST(ParseScenarioErrors, RefusesProbabilitiesOutsideZeroToOne) {
  // `1.5` at line 6, column 23.
  EXPECT_THAT(Errors(WithHead("backend: {error_rate: 1.5}\n")),
              HasError("x.yaml:6:23: backend.error_rate: ", "probability 1.5 is outside [0, 1]"));
  EXPECT_THAT(Errors(WithHead("backend: {error_rate: -0.1}\n")),
              HasError("x.yaml:6:23: backend.error_rate: ", "outside [0, 1]"));
  EXPECT_THAT(Errors(WithHead("backend: {error_rate: .nan}\n")),
              HasError("x.yaml:6:23: backend.error_rate: ", "outside [0, 1]"));
  EXPECT_THAT(Errors(WithHead("backend: {error_rate: half}\n")),
              HasError("x.yaml:6:23: backend.error_rate: ", "expected a probability"));
  // In a timeline backend action: `2` at line 7, column 36.
  EXPECT_THAT(Errors(WithHead("timeline:\n  - {at: 1m, backend: {error_rate: 2}}\n")),
              HasError("x.yaml:7:36: timeline[0].backend.error_rate: ", "outside [0, 1]"));
}

// ---------------------------------------------------------------------------
// Expectations.

TEST(ParseScenarioErrors, RequiresExactlyOneQualifier) {
  // None: the expectation's map at line 7, column 5.
  EXPECT_THAT(Errors(WithHead("expect:\n  - {ready: all}\n")),
              HasError("x.yaml:7:5: expect[0]: ", "no time qualifier"));
  // Two: the second (`by`) at line 7, column 14.
  EXPECT_THAT(Errors(WithHead("expect:\n  - {at: 1m, by: 2m, ready: all}\n")),
              HasError("x.yaml:7:14: expect[0].by: ", "two time qualifiers (at and by)"));
  // from with at: `from` at line 7, column 14.
  EXPECT_THAT(Errors(WithHead("expect:\n  - {at: 1m, from: 0s, ready: all}\n")),
              HasError("x.yaml:7:14: expect[0].from: ", "from goes with by, always or never"));
  // until with by: `until` at line 7, column 14.
  EXPECT_THAT(Errors(WithHead("expect:\n  - {by: 1m, until: 2m, ready: all}\n")),
              HasError("x.yaml:7:14: expect[0].until: ", "until goes with always or never"));
  // always: false means nothing: `false` at line 7, column 14.
  EXPECT_THAT(Errors(WithHead("expect:\n  - {always: false, ready: all}\n")),
              HasError("x.yaml:7:14: expect[0].always: ", "only true"));
  // from after by: `5m` at line 7, column 20.
  EXPECT_THAT(Errors(WithHead("expect:\n  - {by: 3m, from: 5m, ready: all}\n")),
              HasError("x.yaml:7:20: expect[0].from: ", "from (5m) is after by (3m)"));
}

TEST(ParseScenarioErrors, RequiresExactlyOneCondition) {
  // None: the map at line 7, column 5.
  EXPECT_THAT(Errors(WithHead("expect:\n  - {at: 1m}\n")),
              HasError("x.yaml:7:5: expect[0]: ", "no condition; give exactly one of ready, joined"));
  // Two: the second (`connected`) at line 7, column 26.
  EXPECT_THAT(Errors(WithHead("expect:\n  - {at: 1m, ready: all, connected: [[a@h1, b@h2]]}\n")),
              HasError("x.yaml:7:26: expect[0].connected: ", "two conditions (ready and connected)"));
}

TEST(ParseScenarioErrors, ChecksConditionValues) {
  auto expect = [](std::string_view condition) {
    return WithHead("expect:\n  - {at: 1m, " + std::string(condition) + "}\n");
  };
  // Each expectation is `  - {at: 1m, CONDITION}` on line 7: CONDITION starts at column 14.
  EXPECT_THAT(Errors(expect("joined: {table: nope, nodes: all}")),
              HasError("x.yaml:7:30: expect[0].joined.table: ", "unknown table \"nope\""));
  EXPECT_THAT(Errors(expect("info: {node: a@h1}")),
              HasError("x.yaml:7:20: expect[0].info: ", "at least one system_info field"));
  EXPECT_THAT(Errors(expect("info: {node: a@h1, phase: final}")),
              HasError("x.yaml:7:40: expect[0].info.phase: ", "expected one of initial, regular"));
  EXPECT_THAT(Errors(expect("reply: {id: nope, result: ok}")),
              HasError("x.yaml:7:26: expect[0].reply.id: ", "no call step has id \"nope\""));
  EXPECT_THAT(Errors(expect("get_nodes_calls: {node: a@h1}")),
              HasError("x.yaml:7:31: expect[0].get_nodes_calls: ", "give count"));
  EXPECT_THAT(Errors(expect("get_nodes_calls: {node: a@h1, times: [2s, 1s]}")),
              HasError("x.yaml:7:56: expect[0].get_nodes_calls.times: ", "before the previous time"));
  EXPECT_THAT(Errors(expect("log: {what: nodeup}")),
              HasError("x.yaml:7:19: expect[0].log.node: ", "required key is missing"));
  EXPECT_THAT(Errors(expect("no_overlapping_partitions: false")),
              HasError("x.yaml:7:41: expect[0].no_overlapping_partitions: ", "only true"));
  // A table list for a call that is not get_tables: `[a]` at line 8, column 37.
  EXPECT_THAT(Errors(WithHead("timeline:\n  - {at: 1m, call: {node: a@h1, request: wait_for_ready, id: w}}\n"
                              "expect:\n  - {at: 2m, reply: {id: w, result: [a]}}\n")),
              HasError("x.yaml:9:37: expect[0].reply.result: ", "get_tables"));
}

// ---------------------------------------------------------------------------
// All mistakes at once.

TEST(ParseScenarioErrors, ReportsEveryMistakeInAFileSortedByPosition) {
  EXPECT_THAT(Errors(WithHead("seed: -3\n"                                   // 6
                              "timeline:\n"                                  // 7
                              "  - {at: 5, stop: [a@h1]}\n"                  // 8
                              "expect:\n"                                    // 9
                              "  - {at: 1m, ready: [x@h1]}\n")),             // 10
              ElementsAre(StartsWith("x.yaml:6:7: seed: "),
                          StartsWith("x.yaml:8:10: timeline[0].at: "),
                          StartsWith("x.yaml:10:22: expect[0].ready: unknown node \"x@h1\"")));
}

TEST(ParseScenarioErrors, CapsTheNumberOfReportedMistakes) {
  std::string text(kHead);
  text += "timeline:\n";
  for (int i = 0; i < 80; ++i) text += "  - {at: 1m, stop: [nobody@h1]}\n";
  std::vector<std::string> errors = Errors(text);
  ASSERT_THAT(errors, SizeIs(51));
  EXPECT_EQ(errors.back(), "x.yaml: 30 more mistakes not shown (fix the ones above first)");
}

// ---------------------------------------------------------------------------
// Bounds: alias bombs, nesting, size and limits.

TEST(ParseScenarioErrors, RefusesABillionLaughsQuickly) {
  std::string text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i < 10; ++i) {
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) text += (j ? ", *a" : "*a") + std::to_string(i - 1);
    text += "]\n";
  }
  auto start = std::chrono::steady_clock::now();
  std::vector<std::string> errors = Errors(text);
  auto elapsed = std::chrono::steady_clock::now() - start;
  // Refused at the first anchor: line 1, column 5.
  EXPECT_THAT(errors, ElementsAre(AllOf(StartsWith("x.yaml:1:5: "), HasSubstr("anchors (&a0)"))));
  EXPECT_LT(elapsed, std::chrono::seconds(1));
  // An alias without an anchor is refused too: `*x` at line 6, column 7.
  EXPECT_THAT(Errors(WithHead("seed: *x\n")),
              ElementsAre(AllOf(StartsWith("x.yaml:6:7: "), HasSubstr("aliases"))));
}

TEST(ParseScenarioErrors, RefusesLargeFilesFullOfMistakesQuickly) {
  // Close to 1 MiB each: 120k distinct table names (checked for repeats), and
  // 100k references to undeclared nodes (each a candidate for a typo hint).
  std::string tables = "name: t\nduration: 1m\nnodes: [{name: a@h1}]\ntables: [t0";
  for (int i = 1; i < 120'000; ++i) tables += ", t" + std::to_string(i);
  tables += "]\n";
  std::string references = std::string(kHead) + "timeline:\n  - {at: 1m, start: [x0@h";
  for (int i = 1; i < 100'000; ++i) references += ", x" + std::to_string(i) + "@h";
  references += "]}\n";
  for (const std::string& text : {tables, references}) {
    auto start = std::chrono::steady_clock::now();
    std::vector<std::string> errors = Errors(text);
    auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_THAT(errors, Not(IsEmpty()));
    EXPECT_LT(elapsed, std::chrono::seconds(3));
  }
}

TEST(ParseScenarioErrors, RefusesDeepNesting) {
  std::string text = "name: " + std::string(100'000, '[') + std::string(100'000, ']') + "\n";
  EXPECT_THAT(Errors(text), ElementsAre(HasSubstr("nested deeper than 64 levels")));
}

TEST(ParseScenarioErrors, RefusesOtherYamlFeatures) {
  // A tag: `!!str` at line 6, column 7.
  EXPECT_THAT(Errors(WithHead("seed: !!str 5\n")),
              ElementsAre(AllOf(StartsWith("x.yaml:6:7: "), HasSubstr("tags"))));
  // A second document: `---` at line 6.
  EXPECT_THAT(Errors(WithHead("---\nname: u\n")),
              ElementsAre(AllOf(StartsWith("x.yaml:6:"), HasSubstr("second YAML document"))));
}

// Found by fuzz/ (fuzz/regressions/scenario/multi-line-value-in-message.yaml):
// a quoted value spanning lines must not split its mistake over lines.
TEST(ParseScenarioErrors, EachMistakeStaysOnOneLineWhenTheValueSpansLines) {
  EXPECT_THAT(Errors(WithHead("seed: 1\ntimeline:\n  - {at: \"5\n\n  0s\", stop: [a@h1]}\n")),
              ElementsAre(AllOf(StartsWith("x.yaml:8:10: timeline[0].at: "),
                                HasSubstr("\"5\\n0s\" is not a duration"))));
  EXPECT_THAT(Errors(WithHead("\"bad\\r\\nkey\": 1\n")),
              ElementsAre(HasSubstr("unknown key \"bad\\r\\nkey\"")));
}

TEST(ParseScenarioErrors, RefusesAFileOverTheSizeLimit) {
  std::string text = WithHead("description: " + std::string(2 << 20, 'x') + "\n");
  EXPECT_THAT(Errors(text), ElementsAre(AllOf(StartsWith("x.yaml:1:1: "),
                                              HasSubstr("more than the limit of 1048576 bytes"),
                                              HasSubstr("--max-file-bytes"))));
  ScenarioLimits raised;
  raised.max_file_bytes = 4 << 20;
  EXPECT_THAT(Errors(text, raised), SizeIs(0));
}

TEST(ParseScenarioErrors, RefusesAbsurdSizesNamingTheLimitAndItsFlag) {
  ScenarioLimits limits;
  limits.max_nodes = 1;
  // The nodes list starts at line 4, column 3.
  EXPECT_THAT(Errors(std::string(kHead), limits),
              ElementsAre("x.yaml:4:3: nodes: 2 nodes is more than the limit of 1; raise it with "
                          "--max-nodes"));

  limits = ScenarioLimits{};
  limits.max_tables = 2;
  // The third distinct table, `c`, at line 6, column 16.
  EXPECT_THAT(Errors(WithHead("tables: [a, b, c]\n"), limits),
              ElementsAre(AllOf(StartsWith("x.yaml:6:16: tables: "), HasSubstr("limit of 2"),
                                HasSubstr("--max-tables"))));

  limits = ScenarioLimits{};
  limits.max_timeline_steps = 1;
  // The timeline list starts at line 7, column 3.
  EXPECT_THAT(Errors(WithHead("timeline:\n  - {at: 1m, stop: [a@h1]}\n  - {at: 1m, start: [a@h1]}\n"),
                     limits),
              ElementsAre(AllOf(StartsWith("x.yaml:7:3: timeline: 2 steps"),
                                HasSubstr("--max-timeline-steps"))));

  limits = ScenarioLimits{};
  limits.max_expectations = 1;
  EXPECT_THAT(Errors(WithHead("expect:\n  - {at: 1m, ready: all}\n  - {at: 2m, ready: all}\n"),
                     limits),
              ElementsAre(AllOf(StartsWith("x.yaml:7:3: expect: 2 expectations"),
                                HasSubstr("--max-expectations"))));

  // The defaults are the documented ones.
  EXPECT_EQ(ScenarioLimits{}.max_nodes, 1'000);
  EXPECT_EQ(ScenarioLimits{}.max_tables, 100);
  EXPECT_EQ(ScenarioLimits{}.max_timeline_steps, 10'000);
  EXPECT_EQ(ScenarioLimits{}.max_expectations, 10'000);
  EXPECT_EQ(ScenarioLimits{}.max_file_bytes, 1 << 20);
}

// ---------------------------------------------------------------------------
// Files.

// ---------------------------------------------------------------------------
// The join model (extension): join_lock, hosts, host.

TEST(ParseScenario, ReadsTheJoinModelKeys) {
  const Scenario plain = ParseOk(kHead);
  EXPECT_FALSE(plain.CalibratedJoinModel());
  const Scenario s = ParseOk(
      "name: t\n"
      "duration: 10m\n"
      "join_lock:\n"
      "  wait: sleep\n"
      "  sleep: 2ms\n"
      "  backoff: [1ms, 20ms]\n"
      "  recheck_joined: true\n"
      "hosts:\n"
      "  - {name: vm, cores: 4}\n"
      "  - {name: other}\n"
      "defaults: {host: vm}\n"
      "nodes:\n"
      "  - name: a@h1\n"
      "  - name: b@h2\n"
      "    host: other\n");
  EXPECT_TRUE(s.CalibratedJoinModel());
  ASSERT_TRUE(s.join_lock.has_value());
  EXPECT_EQ(s.join_lock->wait, world::LockWait::kSleep);
  EXPECT_EQ(s.join_lock->sleep_ms, 2);
  EXPECT_EQ(s.join_lock->backoff, (LatencyRange{1, 20}));
  EXPECT_TRUE(s.join_lock->recheck_joined);
  ASSERT_THAT(s.hosts, SizeIs(2));
  EXPECT_EQ(s.hosts[0].name, "vm");
  EXPECT_EQ(s.hosts[0].cores, 4);
  EXPECT_EQ(s.hosts[1].cores, 2);
  EXPECT_EQ(s.nodes[0].host, "vm");
  EXPECT_EQ(s.nodes[1].host, "other");
  // `join_lock: {}` alone: the calibrated model as released.
  const Scenario released = ParseOk(WithHead("join_lock: {}\n"));
  EXPECT_TRUE(released.CalibratedJoinModel());
  EXPECT_EQ(released.join_lock, JoinLockOptions{});
}

TEST(ParseScenarioErrors, ChecksTheJoinModelKeys) {
  EXPECT_THAT(Errors(WithHead("    host: nowhere\n")),
              HasError("x.yaml:5:5: nodes[1].host: ", "host \"nowhere\" is not declared"));
  EXPECT_THAT(Errors(WithHead("join_lock: {sleep: 2ms}\n")),
              HasError("x.yaml:6:20: join_lock.sleep: ", "only used with `wait: sleep`"));
  EXPECT_THAT(Errors(WithHead("join_lock: {wait: nap}\n")),
              HasError("x.yaml:6:19: join_lock.wait: ", "spin"));
  EXPECT_THAT(Errors(WithHead("join_lock: {backoff: [20ms, 1ms]}\n")),
              Contains(HasSubstr("join_lock.backoff")));
  EXPECT_THAT(Errors(WithHead("hosts:\n  - {name: vm, cores: 0}\n")),
              HasError("x.yaml:7:23: hosts[0].cores: ", "at least 1"));
  EXPECT_THAT(Errors(WithHead("hosts:\n  - {name: vm}\n  - {name: vm}\n")),
              HasError("x.yaml:8:12: hosts[1].name: ", "declared twice"));
}

// `cets:` (extension): what-if changes to cets itself; not the join model.
TEST(ParseScenario, ReadsTheCetsWhatIfKeys) {
  EXPECT_EQ(ParseOk(kHead).cets, CetsOptions{});
  const Scenario s = ParseOk(WithHead("cets: {check_merge: true}\n"));
  EXPECT_TRUE(s.cets.check_merge);
  EXPECT_FALSE(s.CalibratedJoinModel());
  EXPECT_THAT(Errors(WithHead("cets: {check_merge: yes please}\n")),
              HasError("x.yaml:6:21: cets.check_merge: ", "expected true or false"));
  EXPECT_THAT(Errors(WithHead("cets: {check_merges: true}\n")),
              Contains(AllOf(HasSubstr("x.yaml:6:8: cets.check_merges: "),
                             HasSubstr("check_merge"))));
}

TEST(ParseScenario, ReadsBackendCrashesAndExitReplies) {
  const Scenario s = ParseOk(WithHead(
      "backend: {crash_rate: 0.25}\n"
      "timeline:\n"
      "  - {at: 1m, backend_crash: {node: a@h1}}\n"
      "  - {at: 1m, backend: {node: b@h2, crash_rate: 0}}\n"
      "  - {at: 1m, call: {node: a@h1, request: wait_for_ready, id: w}}\n"
      "expect:\n"
      "  - {at: 2m, reply: {id: w, result: exit}}\n"));
  EXPECT_DOUBLE_EQ(s.backend.crash_rate, 0.25);
  EXPECT_EQ(std::get<world::action::BackendCrash>(s.timeline[0].action).node, "a@h1");
  EXPECT_EQ(std::get<BackendAction>(s.timeline[1].action).changes.crash_rate, 0.0);
  EXPECT_EQ(std::get<ReplyCondition>(s.expectations[0].condition).result.kind, ReplyResult::Kind::kExit);
  // `q@h1` at line 7, column 36; crash_rate 2 at line 6, column 23.
  EXPECT_THAT(Errors(WithHead("timeline:\n  - {at: 1m, backend_crash: {node: q@h1}}\n")),
              HasError("x.yaml:7:36: timeline[0].backend_crash.node: ", "unknown node"));
  EXPECT_THAT(Errors(WithHead("timeline:\n  - {at: 1m, backend_crash: {}}\n")),
              HasError("x.yaml:7:29: timeline[0].backend_crash", "node"));
  EXPECT_THAT(Errors(WithHead("backend: {crash_rate: 2}\n")),
              HasError("x.yaml:6:23: backend.crash_rate: ", "outside [0, 1]"));
}

TEST(LoadScenarioFile, ReadsAFileAndNamesItInErrors) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "discosim_parse_test";
  std::filesystem::create_directories(dir);
  std::string good = (dir / "good.yaml").string();
  std::string bad = (dir / "bad.yaml").string();
  std::ofstream(good) << kEverything;
  std::ofstream(bad) << WithHead("timelime: []\n");

  absl::StatusOr<Scenario> scenario = LoadScenarioFile(good);
  ASSERT_TRUE(scenario.ok()) << scenario.status().message();
  EXPECT_EQ(scenario->source_file, good);
  EXPECT_EQ(scenario->timeline[0].position.file, good);

  absl::StatusOr<Scenario> refused = LoadScenarioFile(bad);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()), StartsWith(bad + ":6:1: timelime: "));

  absl::StatusOr<Scenario> missing = LoadScenarioFile((dir / "missing.yaml").string());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);

  ScenarioLimits small;
  small.max_file_bytes = 100;
  absl::StatusOr<Scenario> too_big = LoadScenarioFile(good, small);
  EXPECT_THAT(std::string(too_big.status().message()), HasSubstr("--max-file-bytes"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace discosim::scenario
