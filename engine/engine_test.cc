// The discovery engine against CETS 0.2.0's cets_discovery, rule by rule.
//
// Each test is named after the rule it checks (section_Rule) and opens with
// one sentence on what it proves. Expected values are worked out from the
// semantics page by hand, never copied from the engine's output. Tests that
// depend on how messages interleave run the engine behind TestMailbox
// (engine/test_mailbox.h). Time is virtual: nothing here sleeps or measures.
#include "engine/engine.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "engine/test_mailbox.h"

namespace discosim::engine {

// Readable failure messages for the values tests compare.
void PrintTo(const JoinPair& pair, std::ostream* os) {
  *os << "{" << pair.node << "," << pair.table << "}";
}
void PrintTo(const GetNodesResult& result, std::ostream* os) {
  *os << KindName(result);
  if (result.kind == GetNodesResult::Kind::kOk) {
    *os << "[";
    for (const NodeName& node : result.nodes) *os << node << " ";
    *os << "]";
  }
  if (result.kind == GetNodesResult::Kind::kError) *os << "(" << result.error << ")";
}
void PrintTo(const BadLastGetNodesResult& task, std::ostream* os) {
  *os << "bad_last_get_nodes_result ";
  PrintTo(task.result, os);
}
void PrintTo(const StillWaitingForPangs& task, std::ostream* os) {
  *os << "still_waiting_for_pangs [";
  for (const NodeName& node : task.nodes) *os << node << " ";
  *os << "]";
}
void PrintTo(const WaitingForJoinResult& task, std::ostream* os) {
  *os << "waiting_for_join_result [";
  for (const JoinPair& pair : task.pairs) {
    PrintTo(pair, os);
    *os << " ";
  }
  *os << "]";
}

namespace {

using test::TestMailbox;

// Names of the cluster in these tests. The local node is always kSelf.
const NodeName kSelf = "a@h1";
const NodeName kB = "b@h2";
const NodeName kC = "c@h3";
const NodeName kD = "d@h4";
const NodeName kE = "e@h5";
const NodeName kX = "x@h9";  // a node no backend ever lists

// The defaults of the semantics page's constants table.
constexpr TimeMs kInitialMs = 5'000;
constexpr TimeMs kAfterErrorMs = 1'000;
constexpr TimeMs kRegularMs = 300'000;
constexpr TimeMs kAfterNodedownMs = 30'000;
constexpr TimeMs kEnterRegularPhaseMs = 300'000;

// ---------------------------------------------------------------------------
// Looking at effects.

std::string MessageTag(const Message& message) {
  if (std::holds_alternative<Check>(message)) return "check";
  if (std::holds_alternative<EnterRegularPhase>(message)) return "enter_regular_phase";
  return "other";
}

std::string ReplyTag(const ReplyValue& value) {
  if (std::holds_alternative<ReplyOk>(value)) return "ok";
  if (std::holds_alternative<ReplyTables>(value)) return "tables";
  if (std::holds_alternative<SystemInfo>(value)) return "system_info";
  return "unexpected_call";
}

// A short tag per effect, so a test can state the expected sequence of
// effects in one line. These tags are the tests' own, not engine output.
std::string Tag(const Effect& effect) {
  return std::visit(
      [](const auto& e) -> std::string {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, StartGetNodes>) {
          return "get_nodes";
        } else if constexpr (std::is_same_v<E, StartPing>) {
          return "ping " + e.node;
        } else if constexpr (std::is_same_v<E, StartJoinTask>) {
          return "join";
        } else if constexpr (std::is_same_v<E, StartTimer>) {
          return "timer " + MessageTag(e.message) + " " + std::to_string(e.delay_ms);
        } else if constexpr (std::is_same_v<E, CancelTimer>) {
          return "cancel " + std::to_string(e.timer);
        } else if constexpr (std::is_same_v<E, SendToSelf>) {
          return "self " + MessageTag(e.message);
        } else if constexpr (std::is_same_v<E, DropQueuedChecks>) {
          return "drop_checks";
        } else if constexpr (std::is_same_v<E, Reply>) {
          return "reply " + std::to_string(e.caller) + " " + ReplyTag(e.value);
        } else if constexpr (std::is_same_v<E, SendStartTime>) {
          return "start_time " + e.node;
        } else {
          static_assert(std::is_same_v<E, Log>);
          return "log " + e.record.what;
        }
      },
      effect);
}

std::vector<std::string> Tags(const Effects& effects) {
  std::vector<std::string> tags;
  for (const Effect& effect : effects) tags.push_back(Tag(effect));
  return tags;
}

// Tags without the log records (for rules that do not fix the logs).
std::vector<std::string> TagsWithoutLogs(const Effects& effects) {
  std::vector<std::string> tags;
  for (const Effect& effect : effects) {
    if (!std::holds_alternative<Log>(effect)) tags.push_back(Tag(effect));
  }
  return tags;
}

template <class T>
std::vector<T> All(const Effects& effects) {
  std::vector<T> out;
  for (const Effect& effect : effects) {
    if (const T* e = std::get_if<T>(&effect)) out.push_back(*e);
  }
  return out;
}

template <class T>
size_t CountOf(const Effects& effects) {
  return All<T>(effects).size();
}

std::vector<NodeName> Pinged(const Effects& effects) {
  std::vector<NodeName> nodes;
  for (const StartPing& ping : All<StartPing>(effects)) nodes.push_back(ping.node);
  return nodes;
}

// The callers that got `ok`, in reply order.
std::vector<CallerId> RepliedOk(const Effects& effects) {
  std::vector<CallerId> callers;
  for (const Reply& reply : All<Reply>(effects)) {
    if (std::holds_alternative<ReplyOk>(reply.value)) callers.push_back(reply.caller);
  }
  return callers;
}

// The pairs of the one join task started by `effects` (fails the test if
// there is not exactly one).
std::vector<JoinPair> JoinPairs(const Effects& effects) {
  std::vector<StartJoinTask> tasks = All<StartJoinTask>(effects);
  EXPECT_EQ(tasks.size(), 1u) << "expected exactly one join task";
  return tasks.empty() ? std::vector<JoinPair>{} : tasks.front().pairs;
}

std::vector<LogRecord> LogsOf(const Effects& effects, std::string_view what) {
  std::vector<LogRecord> records;
  for (const Log& log : All<Log>(effects)) {
    if (log.record.what == what) records.push_back(log.record);
  }
  return records;
}

std::optional<int64_t> IntField(const LogRecord& record, std::string_view key) {
  const LogValue* value = record.Find(key);
  if (value == nullptr || !std::holds_alternative<int64_t>(*value)) return std::nullopt;
  return std::get<int64_t>(*value);
}

std::optional<std::string> StringField(const LogRecord& record, std::string_view key) {
  const LogValue* value = record.Find(key);
  if (value == nullptr || !std::holds_alternative<std::string>(*value)) return std::nullopt;
  return std::get<std::string>(*value);
}

// The integer field `key` from whichever log record of `effects` carries it.
std::optional<int64_t> IntFieldInAnyLog(const Effects& effects, std::string_view key) {
  for (const Log& log : All<Log>(effects)) {
    if (std::optional<int64_t> value = IntField(log.record, key)) return value;
  }
  return std::nullopt;
}

// Whether any string field of `record` is exactly `value`.
bool Mentions(const LogRecord& record, std::string_view value) {
  for (const auto& [key, field] : record.fields) {
    if (const auto* text = std::get_if<std::string>(&field); text && *text == value) return true;
  }
  return false;
}

JoinResult Joined(const NodeName& node, const TableName& table) {
  return JoinResult{node, table, JoinResult::What::kJoinResult, true, ""};
}
JoinResult JoinFailed(const NodeName& node, const TableName& table, std::string reason) {
  return JoinResult{node, table, JoinResult::What::kJoinResult, false, std::move(reason)};
}
JoinResult PidNotFound(const NodeName& node, const TableName& table, std::string reason) {
  return JoinResult{node, table, JoinResult::What::kPidNotFound, false, std::move(reason)};
}

PingResult Pang(const NodeName& node) { return PingResult{node, PingResult::Outcome::kPang}; }
PingResult Pong(const NodeName& node) { return PingResult{node, PingResult::Outcome::kPong}; }

// ---------------------------------------------------------------------------
// The fixture: one engine, the local node kSelf, and a view the test edits
// (connected_) to play the part of `nodes()`.

class EngineTest : public ::testing::Test {
 protected:
  // init/1 at `now_ms`; returns its effects.
  Effects Start(std::vector<TableName> tables = {}, TimeMs now_ms = 0,
                BackendState backend_state = 0) {
    Options options;
    options.tables = std::move(tables);
    options.backend_state = backend_state;
    options.config = config_;
    Effects effects;
    Init(state_, options, now_ms, view_, effects);
    return effects;
  }

  // One message at `now_ms`; returns its effects.
  Effects Send(const Message& message, TimeMs now_ms) {
    Effects effects;
    Step(state_, message, now_ms, view_, effects);
    return effects;
  }

  // A whole get_nodes round at `now_ms`: a check (which must start get_nodes),
  // then `result`. Returns the result's effects.
  Effects Round(GetNodesResult result, TimeMs now_ms) {
    Effects check = Send(Check{}, now_ms);
    EXPECT_EQ(CountOf<StartGetNodes>(check), 1u) << "get_nodes did not start";
    return Send(GetNodesDone{std::move(result), state_.backend_state}, now_ms);
  }

  // A get_nodes round ending in `result`; returns the one check timer it started.
  StartTimer RoundTimer(GetNodesResult result, TimeMs now_ms) {
    std::vector<StartTimer> timers = All<StartTimer>(Round(std::move(result), now_ms));
    EXPECT_EQ(timers.size(), 1u) << "expected exactly one new check timer";
    return timers.empty() ? StartTimer{0, -1, Check{}} : timers.front();
  }

  // What system_info replies at `now_ms`.
  SystemInfo Info(TimeMs now_ms) {
    std::vector<Reply> replies = All<Reply>(Send(SystemInfoCall{999}, now_ms));
    EXPECT_EQ(replies.size(), 1u);
    if (replies.empty() || !std::holds_alternative<SystemInfo>(replies.front().value)) {
      ADD_FAILURE() << "system_info did not reply a SystemInfo";
      return SystemInfo{};
    }
    return std::get<SystemInfo>(replies.front().value);
  }

  // Mailbox-driven helpers: Start with its effects applied to mailbox_, and a
  // run of the mailbox to empty at `now_ms`.
  Effects StartWithMailbox(std::vector<TableName> tables = {}, TimeMs now_ms = 0,
                           BackendState backend_state = 0) {
    Effects effects = Start(std::move(tables), now_ms, backend_state);
    mailbox_.Apply(effects, now_ms);
    return effects;
  }
  Effects Run(TimeMs now_ms) { return mailbox_.RunToEmpty(state_, now_ms, view_); }

  void Connect(const NodeName& node) { connected_.insert(node); }
  void Disconnect(const NodeName& node) { connected_.erase(node); }

  Config config_;
  const NodeName self_ = kSelf;
  NodeSet connected_;
  const View view_{self_, connected_};
  State state_;
  TestMailbox mailbox_;
};

// ===========================================================================
// Shape

TEST(EngineShapeTest, Shape_SameInputsGiveTheSameOutputs) {
  // Two engines fed the same messages at the same times with the same views
  // produce the same effects, byte for byte.
  auto run = [] {
    const NodeName self = kSelf;
    NodeSet connected = {kB};
    const View view{self, connected};
    State state;
    Effects effects;
    Options options;
    options.tables = {"t2", "t1"};
    Init(state, options, 0, view, effects);
    const std::vector<std::pair<TimeMs, Message>> script = {
        {0, Check{}},
        {10, GetNodesDone{GetNodesResult::Ok({kC, kB, kSelf}), 3}},
        {20, Pang(kC)},
        {30, JoiningFinished{{Joined(kB, "t1"), JoinFailed(kB, "t2", "already_joined")}}},
        {40, Nodedown{kB}},
        {50, SystemInfoCall{1}},
        {60, UnknownMessage{UnknownMessage::Kind::kCall, "hello", 2}},
    };
    for (const auto& [now_ms, message] : script) {
      if (std::holds_alternative<Nodedown>(message)) connected.clear();
      Step(state, message, now_ms, view, effects);
    }
    std::vector<std::string> described;
    for (const Effect& effect : effects) described.push_back(Describe(effect));
    return described;
  };
  const std::vector<std::string> first = run();
  EXPECT_FALSE(first.empty());
  EXPECT_EQ(first, run());
}

// ===========================================================================
// Constants

TEST(EngineDescribeTest, Describe_GetNodesResultIsHandleCheckResult) {
  // The get_nodes task sends {handle_check_result, Result, BackendState}
  // (cets_discovery:handle_check/1); the trace names the message so.
  EXPECT_EQ(Describe(Message{GetNodesDone{GetNodesResult::Ok({"b@h2"}), 3}}),
            "{handle_check_result,{ok,['b@h2']},3}");
  EXPECT_EQ(Describe(Message{GetNodesDone{GetNodesResult::Error("timeout"), 0}}),
            "{handle_check_result,{error,timeout},0}");
}

TEST(EngineConstantsTest, Constants_DefaultsMatchTheTable) {
  // The default Config holds the table's values and each retry type maps to its interval.
  const Config config;
  EXPECT_EQ(config.initial_interval_ms, kInitialMs);
  EXPECT_EQ(config.after_error_interval_ms, kAfterErrorMs);
  EXPECT_EQ(config.regular_interval_ms, kRegularMs);
  EXPECT_EQ(config.after_nodedown_interval_ms, kAfterNodedownMs);
  EXPECT_EQ(config.enter_regular_phase_ms, kEnterRegularPhaseMs);
  EXPECT_EQ(IntervalMs(config, RetryType::kInitial), kInitialMs);
  EXPECT_EQ(IntervalMs(config, RetryType::kAfterError), kAfterErrorMs);
  EXPECT_EQ(IntervalMs(config, RetryType::kRegular), kRegularMs);
  EXPECT_EQ(IntervalMs(config, RetryType::kAfterNodedown), kAfterNodedownMs);
}

TEST(EngineConstantsTest, Constants_AreConfigurable) {
  // Each retry type's interval comes from the configured value, not a built-in default.
  Config config;
  config.initial_interval_ms = 11;
  config.after_error_interval_ms = 22;
  config.regular_interval_ms = 33;
  config.after_nodedown_interval_ms = 44;
  EXPECT_EQ(IntervalMs(config, RetryType::kInitial), 11);
  EXPECT_EQ(IntervalMs(config, RetryType::kAfterError), 22);
  EXPECT_EQ(IntervalMs(config, RetryType::kRegular), 33);
  EXPECT_EQ(IntervalMs(config, RetryType::kAfterNodedown), 44);
}

// ===========================================================================
// Start

TEST_F(EngineTest, Start_SetsStartTimePhaseTablesAndEmptyState) {
  // init sets start_time to now, phase initial, tables to the option exactly
  // as given (maps:get(tables, Opts, []): order and duplicates kept), and
  // every other field to empty / not_running / false / not_called_yet.
  Start({"t2", "t1", "t2"}, 1234);
  EXPECT_EQ(state_.start_time, 1234);
  EXPECT_EQ(state_.phase, Phase::kInitial);
  EXPECT_EQ(state_.tables, (TableList{"t2", "t1", "t2"}));
  EXPECT_TRUE(state_.results.empty());
  EXPECT_TRUE(state_.nodes.empty());
  EXPECT_TRUE(state_.unavailable_nodes.empty());
  EXPECT_EQ(state_.get_nodes_status, TaskStatus::kNotRunning);
  EXPECT_FALSE(state_.should_retry_get_nodes);
  EXPECT_EQ(state_.last_get_nodes_result.kind, GetNodesResult::Kind::kNotCalledYet);
  EXPECT_EQ(state_.last_get_nodes_retry_type, RetryType::kInitial);
  EXPECT_EQ(state_.join_status, TaskStatus::kNotRunning);
  EXPECT_FALSE(state_.should_retry_join);
  EXPECT_FALSE(state_.timer_ref.has_value());
  EXPECT_TRUE(state_.pending_wait_for_ready.empty());
  EXPECT_TRUE(state_.pending_wait_for_get_nodes.empty());
  EXPECT_TRUE(state_.nodeup_timestamps.empty());
  EXPECT_TRUE(state_.nodedown_timestamps.empty());
  EXPECT_TRUE(state_.node_start_timestamps.empty());
}

TEST_F(EngineTest, Start_TablesDefaultToEmpty) {
  // Without the `tables` option the engine tracks no table.
  Start();
  EXPECT_TRUE(state_.tables.empty());
}

TEST_F(EngineTest, Start_QueuesCheckAndStartsTheEnterRegularPhaseTimer) {
  // init puts `check` into its mailbox, then starts a one-shot enter_regular_phase timer of 300 000 ms.
  const Effects effects = Start();
  EXPECT_EQ(Tags(effects),
            (std::vector<std::string>{"self check", "timer enter_regular_phase 300000"}));
}

TEST_F(EngineTest, Start_FirstGetNodesStartsAtOnceWithTheBackendState) {
  // The check queued by init starts the first get_nodes as soon as the mailbox runs,
  // with the backend state init was given.
  StartWithMailbox({}, 0, 7);
  const std::vector<StartGetNodes> calls = All<StartGetNodes>(Run(0));
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls.front().backend_state, 7u);
  EXPECT_EQ(state_.get_nodes_status, TaskStatus::kRunning);
}

TEST_F(EngineTest, Start_EnterRegularPhaseTimerUsesTheConfiguredInterval) {
  // The enter_regular_phase timer's length is the configured enter_regular_phase value.
  config_.enter_regular_phase_ms = 4321;
  const std::vector<StartTimer> timers = All<StartTimer>(Start());
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers.front().delay_ms, 4321);
  EXPECT_TRUE(std::holds_alternative<EnterRegularPhase>(timers.front().message));
}

TEST_F(EngineTest, Start_WithNodesAlreadyConnectedDoesNodeupBookkeepingForEach) {
  // For every node already in the view, init sends the start time, records the
  // nodeup timestamp and logs nodeup — but queues no extra check and starts no join.
  Connect(kC);
  Connect(kB);
  const Effects effects = Start({"t"}, 100);
  EXPECT_EQ(Tags(effects),
            (std::vector<std::string>{"self check", "timer enter_regular_phase 300000",
                                      "start_time " + kB, "log nodeup", "start_time " + kC,
                                      "log nodeup"}));
  for (const SendStartTime& send : All<SendStartTime>(effects)) {
    EXPECT_EQ(send.start_time, 100) << send.node;
  }
  EXPECT_EQ(state_.nodeup_timestamps, (std::map<NodeName, TimeMs>{{kB, 100}, {kC, 100}}));
  const std::vector<LogRecord> logs = LogsOf(effects, "nodeup");
  ASSERT_EQ(logs.size(), 2u);
  EXPECT_EQ(StringField(logs[0], "remote_node"), kB);
  EXPECT_EQ(StringField(logs[1], "remote_node"), kC);
  for (const LogRecord& log : logs) {
    EXPECT_EQ(IntField(log, "connected_nodes"), 3);  // |{b, c}| + 1
    EXPECT_EQ(IntField(log, "time_since_startup_in_milliseconds"), 0);
    EXPECT_EQ(log.Find("downtime_millisecond_duration"), nullptr);
  }
}

// ===========================================================================
// check

TEST_F(EngineTest, Check_StartsGetNodesWithTheCurrentBackendState) {
  // A check while get_nodes is not running starts one with the current backend_state.
  Start({}, 0, 41);
  const Effects effects = Send(Check{}, 5);
  EXPECT_EQ(Tags(effects), (std::vector<std::string>{"get_nodes"}));
  EXPECT_EQ(All<StartGetNodes>(effects).front().backend_state, 41u);
  EXPECT_EQ(state_.get_nodes_status, TaskStatus::kRunning);
}

TEST_F(EngineTest, Check_WhileGetNodesRunsOnlySetsShouldRetryGetNodes) {
  // A check while get_nodes runs starts nothing and only sets should_retry_get_nodes.
  Start();
  Send(Check{}, 0);
  const Effects effects = Send(Check{}, 5);
  EXPECT_TRUE(effects.empty());
  EXPECT_TRUE(state_.should_retry_get_nodes);
  EXPECT_EQ(state_.get_nodes_status, TaskStatus::kRunning);
}

// ===========================================================================
// get_nodes result

TEST_F(EngineTest, GetNodesResult_Step1_StoresBackendStateStatusAndResult) {
  // A result stores the new backend_state (used by the next get_nodes), marks
  // get_nodes not running, and keeps the result exactly as the backend returned it.
  Start({}, 0, 1);
  Send(Check{}, 0);
  const GetNodesResult raw = GetNodesResult::Ok({kC, kB, kC});
  Send(GetNodesDone{raw, 42}, 10);
  EXPECT_EQ(state_.backend_state, 42u);
  EXPECT_EQ(state_.get_nodes_status, TaskStatus::kNotRunning);
  EXPECT_EQ(state_.last_get_nodes_result, raw);
  const std::vector<StartGetNodes> next = All<StartGetNodes>(Send(Check{}, 20));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next.front().backend_state, 42u);

  Send(GetNodesDone{GetNodesResult::Error("nxdomain"), 43}, 30);
  EXPECT_EQ(state_.backend_state, 43u);
  EXPECT_EQ(state_.last_get_nodes_result, GetNodesResult::Error("nxdomain"));
}

TEST_F(EngineTest, GetNodesResult_Step2_RepliesOkToGetNodesWaitersWithoutPendingRetry) {
  // With no retry pending, every wait_for_get_nodes caller gets `ok` and the
  // list empties. Callers are put at the front and answered front to back:
  // the newest first.
  Start();
  Send(Check{}, 0);
  Send(WaitForGetNodesCall{1}, 1);
  Send(WaitForGetNodesCall{2}, 2);
  Send(WaitForGetNodesCall{3}, 3);
  EXPECT_EQ(state_.pending_wait_for_get_nodes, (std::vector<CallerId>{3, 2, 1}));
  const Effects effects = Send(GetNodesDone{GetNodesResult::Ok({}), 0}, 10);
  EXPECT_EQ(RepliedOk(effects), (std::vector<CallerId>{3, 2, 1}));
  EXPECT_TRUE(state_.pending_wait_for_get_nodes.empty());
}

TEST_F(EngineTest, GetNodesResult_Step2_ErrorResultAlsoReleasesGetNodesWaiters) {
  // Step 2 does not depend on the result: an error result releases the waiters too.
  Start();
  Send(Check{}, 0);
  Send(WaitForGetNodesCall{1}, 1);
  const Effects effects = Send(GetNodesDone{GetNodesResult::Error("timeout"), 0}, 10);
  EXPECT_EQ(RepliedOk(effects), (std::vector<CallerId>{1}));
  EXPECT_TRUE(state_.pending_wait_for_get_nodes.empty());
}

TEST_F(EngineTest, GetNodesResult_Step2_GetNodesWaitersKeepWaitingForThePendingRetry) {
  // With should_retry_get_nodes set, the waiters get no reply from this result
  // and are answered by the retry's result instead.
  StartWithMailbox();
  Run(0);  // the first get_nodes runs
  mailbox_.Post(WaitForGetNodesCall{1});
  mailbox_.Post(Check{});  // a retry is now due
  Run(5);
  ASSERT_TRUE(state_.should_retry_get_nodes);

  mailbox_.Post(GetNodesDone{GetNodesResult::Ok({}), 0});
  Effects effects = Run(10);  // the result, then the immediate retry's check
  EXPECT_TRUE(RepliedOk(effects).empty());
  EXPECT_EQ(state_.pending_wait_for_get_nodes, (std::vector<CallerId>{1}));
  EXPECT_EQ(CountOf<StartGetNodes>(effects), 1u) << "the retry should have started";

  mailbox_.Post(WaitForGetNodesCall{2});
  mailbox_.Post(GetNodesDone{GetNodesResult::Ok({}), 0});
  effects = Run(20);
  EXPECT_EQ(RepliedOk(effects), (std::vector<CallerId>{2, 1}));  // newest first
  EXPECT_TRUE(state_.pending_wait_for_get_nodes.empty());
}

TEST_F(EngineTest, GetNodesResult_Step3_NodesBecomeTheSortedDeduplicatedList) {
  // On ok, nodes is the backend's list sorted and without duplicates.
  Start();
  Round(GetNodesResult::Ok({kD, kB, kSelf, kD, kC}), 10);
  EXPECT_EQ(state_.nodes, (NodeSet{kSelf, kB, kC, kD}));
}

TEST_F(EngineTest, GetNodesResult_Step3_PingsOnlyNodesNeitherSelfNorConnectedInSortedOrder) {
  // On ok, a ping starts for each listed node that is neither the local node
  // nor in the view, once each, in sorted order.
  Connect(kC);
  Connect(kX);  // connected but not listed: not pinged either
  Start();
  const Effects effects = Round(GetNodesResult::Ok({kE, kSelf, kC, kB, kD, kB}), 10);
  EXPECT_EQ(Pinged(effects), (std::vector<NodeName>{kB, kD, kE}));
}

TEST_F(EngineTest, GetNodesResult_Step3_PrunesUnavailableNodesToTheNewList) {
  // On ok, unavailable_nodes keeps only the nodes of the new list.
  Start();
  Send(Nodedown{kX}, 1);
  Send(Nodedown{kC}, 2);
  Send(Nodedown{kD}, 3);
  ASSERT_EQ(state_.unavailable_nodes, (NodeSet{kC, kD, kX}));
  Round(GetNodesResult::Ok({kB, kC, kD}), 10);
  EXPECT_EQ(state_.unavailable_nodes, (NodeSet{kC, kD}));
}

TEST_F(EngineTest, GetNodesResult_Step3_ErrorLeavesNodesAndTheRestAsTheyWere) {
  // On error there is no ping, no join and no pruning: nodes and unavailable_nodes stay.
  Connect(kB);
  Start({"t"});
  Round(GetNodesResult::Ok({kB, kC}), 10);
  Send(JoiningFinished{{Joined(kB, "t")}}, 11);
  Send(Pang(kC), 12);
  Send(Nodedown{kX}, 13);
  const Effects effects = Round(GetNodesResult::Error("timeout"), 20);
  EXPECT_EQ(CountOf<StartPing>(effects), 0u);
  EXPECT_EQ(CountOf<StartJoinTask>(effects), 0u);
  EXPECT_EQ(state_.nodes, (NodeSet{kB, kC}));
  EXPECT_EQ(state_.unavailable_nodes, (NodeSet{kC, kX}));
  EXPECT_EQ(state_.join_status, TaskStatus::kNotRunning);
}

TEST_F(EngineTest, GetNodesResult_FiveStepsRunInOrder) {
  // A result's effects come in the page's order: get_nodes waiters released,
  // pings, join, wait_for_ready callers released (seeing the pruned
  // unavailable_nodes), then the check timer replaced.
  Connect(kB);
  Start({"t"});
  Round(GetNodesResult::Ok({kB, kC}), 10);
  const TimerId first_timer = *state_.timer_ref;
  Send(JoiningFinished{{Joined(kB, "t")}}, 20);
  Send(Pang(kC), 30);
  Send(Nodedown{kX}, 40);  // unavailable {c, x} != expected {c}: not ready
  Send(Check{}, 50);
  Send(WaitForGetNodesCall{1}, 50);
  ASSERT_TRUE(Send(WaitForReadyCall{2}, 50).empty());

  const Effects effects = Send(GetNodesDone{GetNodesResult::Ok({kC, kB}), 0}, 60);
  EXPECT_EQ(Tags(effects), (std::vector<std::string>{
                               "reply 1 ok", "ping " + kC, "join", "reply 2 ok",
                               "cancel " + std::to_string(first_timer), "drop_checks",
                               "timer check 5000"}));
  EXPECT_EQ(state_.unavailable_nodes, (NodeSet{kC}));
}

TEST_F(EngineTest, GetNodesResult_Step4_VerifyReadyRunsOnlyAfterPingsAndJoin) {
  // Even when the state is ready as soon as step 1 records an ok result,
  // wait_for_ready callers are answered after the pings and the join of step 3.
  Connect(kB);
  Start({"t"});
  Round(GetNodesResult::Ok({kB, kC}), 10);
  Send(JoiningFinished{{Joined(kB, "t")}}, 20);
  Send(Pang(kC), 30);
  ASSERT_TRUE(VerifyReady(state_, view_).empty());
  Round(GetNodesResult::Error("timeout"), 40);  // only the bad result is missing now
  ASSERT_TRUE(Send(WaitForReadyCall{2}, 50).empty());
  const TimerId old_timer = *state_.timer_ref;
  Send(Check{}, 60);
  const Effects effects = Send(GetNodesDone{GetNodesResult::Ok({kB, kC}), 0}, 70);
  EXPECT_EQ(Tags(effects), (std::vector<std::string>{
                               "ping " + kC, "join", "reply 2 ok",
                               "cancel " + std::to_string(old_timer), "drop_checks",
                               "timer check 5000"}));
}

TEST_F(EngineTest, GetNodesResult_Step4_VerifyReadyKeepsCallersWaitingWhileNotReady) {
  // Verify ready after a result leaves wait_for_ready callers waiting while a task is missing.
  Start();
  Send(WaitForReadyCall{3}, 0);
  const Effects effects = Round(GetNodesResult::Error("timeout"), 10);
  EXPECT_TRUE(RepliedOk(effects).empty());
  EXPECT_EQ(state_.pending_wait_for_ready, (std::vector<CallerId>{3}));
}

// ===========================================================================
// Schedule the next check

TEST_F(EngineTest, ScheduleNextCheck_FirstTimerCancelsAndDropsNothing) {
  // With no check timer ever set, the first result starts one without cancelling or dropping.
  Start();
  const Effects effects = Round(GetNodesResult::Ok({}), 10);
  EXPECT_EQ(CountOf<CancelTimer>(effects), 0u);
  EXPECT_EQ(CountOf<DropQueuedChecks>(effects), 0u);
  const std::vector<StartTimer> timers = All<StartTimer>(effects);
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(state_.timer_ref, timers.front().timer);
  EXPECT_TRUE(std::holds_alternative<Check>(timers.front().message));
  EXPECT_EQ(state_.last_get_nodes_retry_type, RetryType::kInitial);
}

TEST_F(EngineTest, ScheduleNextCheck_TimerDeliversACheckThatStartsGetNodes) {
  // The check timer's message is `check`: when it fires, a new get_nodes starts.
  StartWithMailbox();
  Run(0);
  mailbox_.Post(GetNodesDone{GetNodesResult::Ok({}), 0});
  Run(10);
  ASSERT_TRUE(mailbox_.FireTimer(*state_.timer_ref));
  EXPECT_EQ(CountOf<StartGetNodes>(Run(5010)), 1u);
}

TEST_F(EngineTest, ScheduleNextCheck_ReplacesTheTimerAndDropsQueuedChecks) {
  // Once a timer was set, a result cancels it, drops every queued check (other
  // messages stay, in order) and starts a new timer remembered in timer_ref.
  StartWithMailbox();
  Run(0);
  mailbox_.Post(GetNodesDone{GetNodesResult::Ok({}), 0});
  Run(10);
  const TimerId old_timer = *state_.timer_ref;
  mailbox_.Post(AddTable{"t"});  // its check starts the next get_nodes
  Run(20);
  ASSERT_EQ(state_.get_nodes_status, TaskStatus::kRunning);

  mailbox_.Post(GetNodesDone{GetNodesResult::Ok({}), 0});
  mailbox_.Post(Check{});
  mailbox_.Post(GetTablesCall{9});
  mailbox_.Post(Check{});
  Effects effects;
  ASSERT_TRUE(mailbox_.StepOne(state_, 30, view_, effects));

  EXPECT_EQ(TagsWithoutLogs(effects),
            (std::vector<std::string>{"cancel " + std::to_string(old_timer), "drop_checks",
                                      "timer check 5000"}));
  ASSERT_EQ(mailbox_.queue().size(), 1u);
  EXPECT_TRUE(std::holds_alternative<GetTablesCall>(mailbox_.queue().front()));
  EXPECT_FALSE(mailbox_.timers().contains(old_timer));
  ASSERT_TRUE(state_.timer_ref.has_value());
  EXPECT_NE(*state_.timer_ref, old_timer);
  EXPECT_TRUE(mailbox_.timers().contains(*state_.timer_ref));
}

TEST_F(EngineTest, ScheduleNextCheck_ImmediateRetryLeavesTheTimerAlone) {
  // With should_retry_get_nodes set, the result queues `check` at once, clears
  // the flag, and leaves timer_ref and last_get_nodes_retry_type untouched.
  Start();
  Round(GetNodesResult::Ok({}), 10);
  const TimerId timer = *state_.timer_ref;
  Send(EnterRegularPhase{}, 20);  // a fresh schedule would now choose `regular`
  Send(Check{}, 30);
  Send(Check{}, 31);  // retry due
  const Effects effects = Send(GetNodesDone{GetNodesResult::Ok({}), 0}, 40);
  EXPECT_EQ(CountOf<CancelTimer>(effects), 0u);
  EXPECT_EQ(CountOf<DropQueuedChecks>(effects), 0u);
  EXPECT_EQ(CountOf<StartTimer>(effects), 0u);
  ASSERT_FALSE(effects.empty());
  EXPECT_EQ(Tag(effects.back()), "self check");
  EXPECT_EQ(CountOf<SendToSelf>(effects), 1u);
  EXPECT_FALSE(state_.should_retry_get_nodes);
  EXPECT_EQ(state_.timer_ref, timer);
  EXPECT_EQ(state_.last_get_nodes_retry_type, RetryType::kInitial);
}

// ===========================================================================
// Choosing the retry type

TEST_F(EngineTest, RetryType_AfterErrorWhenTheLastResultIsAnError) {
  // An error result picks after_error (1 000 ms), ahead of phase and nodedowns.
  Start();
  StartTimer timer = RoundTimer(GetNodesResult::Error("timeout"), 10);  // phase initial
  EXPECT_EQ(timer.delay_ms, kAfterErrorMs);
  EXPECT_EQ(state_.last_get_nodes_retry_type, RetryType::kAfterError);

  Send(EnterRegularPhase{}, 20);
  Send(Nodedown{kB}, 100);  // a recent nodedown does not matter either
  timer = RoundTimer(GetNodesResult::Error("timeout"), 200);
  EXPECT_EQ(timer.delay_ms, kAfterErrorMs);
  EXPECT_EQ(state_.last_get_nodes_retry_type, RetryType::kAfterError);
}

TEST_F(EngineTest, RetryType_InitialWhilePhaseIsInitial) {
  // A good result in phase initial picks initial (5 000 ms), even right after a nodedown.
  Start();
  Send(Nodedown{kB}, 100);
  const StartTimer timer = RoundTimer(GetNodesResult::Ok({}), 200);
  EXPECT_EQ(timer.delay_ms, kInitialMs);
  EXPECT_EQ(state_.last_get_nodes_retry_type, RetryType::kInitial);
}

TEST_F(EngineTest, RetryType_RegularWhenNoNodedownWasEverRecorded) {
  // A good result in phase regular with no nodedown ever picks regular (300 000 ms).
  Start();
  Send(EnterRegularPhase{}, 0);
  const StartTimer timer = RoundTimer(GetNodesResult::Ok({}), 1000);
  EXPECT_EQ(timer.delay_ms, kRegularMs);
  EXPECT_EQ(state_.last_get_nodes_retry_type, RetryType::kRegular);
}

TEST_F(EngineTest, RetryType_AfterNodedown29999MsAfterANodedown) {
  // 29 999 ms after the latest nodedown (less than 30 000) picks after_nodedown (30 000 ms).
  Start();
  Send(EnterRegularPhase{}, 0);
  Send(Nodedown{kB}, 1000);
  const StartTimer timer = RoundTimer(GetNodesResult::Ok({}), 1000 + 29'999);
  EXPECT_EQ(timer.delay_ms, kAfterNodedownMs);
  EXPECT_EQ(state_.last_get_nodes_retry_type, RetryType::kAfterNodedown);
}

TEST_F(EngineTest, RetryType_RegularExactly30000MsAfterANodedown) {
  // Exactly 30 000 ms after the latest nodedown is not "less than", so regular is picked.
  Start();
  Send(EnterRegularPhase{}, 0);
  Send(Nodedown{kB}, 1000);
  const StartTimer timer = RoundTimer(GetNodesResult::Ok({}), 1000 + 30'000);
  EXPECT_EQ(timer.delay_ms, kRegularMs);
  EXPECT_EQ(state_.last_get_nodes_retry_type, RetryType::kRegular);
}

TEST_F(EngineTest, RetryType_TheLatestNodedownDecidesWhicheverNodeItIs) {
  // The node with the latest nodedown timestamp decides, whatever its name's sort position.
  const std::vector<std::pair<NodeName, NodeName>> orders = {{kC, kB}, {kB, kC}};
  for (const auto& [earlier, later] : orders) {
    SCOPED_TRACE("earlier " + earlier + ", later " + later);
    Start();
    Send(EnterRegularPhase{}, 0);
    Send(Nodedown{earlier}, 1000);
    Send(Nodedown{later}, 20'000);
    EXPECT_EQ(Info(20'000 + 29'999).retry_type, RetryType::kAfterNodedown);
    EXPECT_EQ(Info(20'000 + 30'000).retry_type, RetryType::kRegular);
  }
}

TEST_F(EngineTest, RetryType_GracePeriodIsTheConfiguredAfterNodedownInterval) {
  // The grace period that decides after_nodedown is the configured after_nodedown interval.
  config_.after_nodedown_interval_ms = 10;
  Start();
  Send(EnterRegularPhase{}, 0);
  Send(Nodedown{kB}, 100);
  EXPECT_EQ(RoundTimer(GetNodesResult::Ok({}), 109).delay_ms, 10);
  EXPECT_EQ(state_.last_get_nodes_retry_type, RetryType::kAfterNodedown);
  EXPECT_EQ(RoundTimer(GetNodesResult::Ok({}), 110).delay_ms, kRegularMs);
  EXPECT_EQ(state_.last_get_nodes_retry_type, RetryType::kRegular);
}

// ===========================================================================
// Try joining

TEST_F(EngineTest, TryJoining_PairsAreNodeMajorSortedOverConnectedListedNodes) {
  // A join task covers (node, table) for listed nodes in the view and every
  // table, node-major: nodes sorted, and for each node the tables in the
  // order of the `tables` list, duplicates included; never the local node or
  // unlisted nodes.
  Connect(kD);
  Connect(kB);
  Connect(kX);  // connected but not listed
  Start({"t2", "t1", "t2"});
  const Effects effects = Round(GetNodesResult::Ok({kD, kC, kSelf, kB}), 10);
  EXPECT_EQ(JoinPairs(effects),
            (std::vector<JoinPair>{{kB, "t2"}, {kB, "t1"}, {kB, "t2"},
                                   {kD, "t2"}, {kD, "t1"}, {kD, "t2"}}));
  EXPECT_EQ(state_.join_status, TaskStatus::kRunning);
  EXPECT_FALSE(state_.should_retry_join);
}

TEST_F(EngineTest, TryJoining_WhileAJoinRunsOnlySetsShouldRetryJoin) {
  // Asked to join while a join task runs, the engine starts nothing and sets should_retry_join.
  Connect(kB);
  Start({"t"});
  Round(GetNodesResult::Ok({kB, kC}), 10);
  ASSERT_EQ(state_.join_status, TaskStatus::kRunning);
  Connect(kC);
  EXPECT_EQ(CountOf<StartJoinTask>(Send(Nodeup{kC}, 20)), 0u);
  EXPECT_TRUE(state_.should_retry_join);
  EXPECT_EQ(CountOf<StartJoinTask>(Round(GetNodesResult::Ok({kB, kC}), 30)), 0u);
  EXPECT_TRUE(state_.should_retry_join);
  EXPECT_EQ(state_.join_status, TaskStatus::kRunning);
}

TEST_F(EngineTest, TryJoining_WithNoPairsStillStartsATask) {
  // A join with no pairs (no table, or no connected listed node) is still started and finishes with [].
  Connect(kB);
  Start();  // no tables
  EXPECT_TRUE(JoinPairs(Round(GetNodesResult::Ok({kB}), 10)).empty());
  EXPECT_EQ(state_.join_status, TaskStatus::kRunning);
  Send(JoiningFinished{{}}, 11);
  EXPECT_EQ(state_.join_status, TaskStatus::kNotRunning);

  Disconnect(kB);
  Start({"t"});  // a table, but no connected listed node
  EXPECT_TRUE(JoinPairs(Round(GetNodesResult::Ok({kC}), 10)).empty());
  EXPECT_EQ(state_.join_status, TaskStatus::kRunning);
}

TEST_F(EngineTest, TryJoining_NotAfterAnErrorResult) {
  // Joining is tried after a good get_nodes only: an error result starts no join task.
  Connect(kB);
  Start({"t"});
  EXPECT_EQ(CountOf<StartJoinTask>(Round(GetNodesResult::Error("timeout"), 10)), 0u);
  EXPECT_EQ(state_.join_status, TaskStatus::kNotRunning);
}

// ===========================================================================
// Join task finished

TEST_F(EngineTest, JoiningFinished_LogsOnlyResultsNotInThePreviousList) {
  // Only results that were not in the previous results are logged; results is
  // replaced by the new list and join_status becomes not_running.
  Connect(kB);
  Connect(kC);
  Start({"t"});
  Round(GetNodesResult::Ok({kB, kC}), 10);
  Effects effects = Send(JoiningFinished{{Joined(kB, "t")}}, 20);
  std::vector<Log> logs = All<Log>(effects);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_TRUE(Mentions(logs[0].record, kB));
  EXPECT_EQ(state_.join_status, TaskStatus::kNotRunning);

  Round(GetNodesResult::Ok({kB, kC}), 30);
  effects = Send(JoiningFinished{{Joined(kB, "t"), Joined(kC, "t")}}, 40);
  logs = All<Log>(effects);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_TRUE(Mentions(logs[0].record, kC));
  EXPECT_FALSE(Mentions(logs[0].record, kB));

  Round(GetNodesResult::Ok({kB, kC}), 50);
  const std::vector<JoinResult> changed = {JoinFailed(kB, "t", "already_joined"),
                                           Joined(kC, "t")};
  effects = Send(JoiningFinished{changed}, 60);
  logs = All<Log>(effects);
  ASSERT_EQ(logs.size(), 1u);  // b's result changed, c's did not
  EXPECT_TRUE(Mentions(logs[0].record, kB));
  EXPECT_EQ(state_.results, changed);

  Round(GetNodesResult::Ok({kB, kC}), 70);
  EXPECT_TRUE(All<Log>(Send(JoiningFinished{changed}, 80)).empty());
  EXPECT_EQ(state_.join_status, TaskStatus::kNotRunning);
}

TEST_F(EngineTest, JoiningFinished_PreviousResultsMatchWholeRecordsInAnyOrder) {
  // A result counts as old only if an identical record (node, table, what,
  // result, reason) was in the previous list, wherever it stood in that list.
  Connect(kB);
  Connect(kC);
  Start({"t1", "t2"});
  Round(GetNodesResult::Ok({kB, kC}), 10);
  Send(JoiningFinished{{Joined(kC, "t1"), JoinFailed(kB, "t1", "already_joined"),
                        PidNotFound(kB, "t2", "noproc")}},
       20);
  Round(GetNodesResult::Ok({kB, kC}), 30);
  const Effects effects =
      Send(JoiningFinished{{PidNotFound(kB, "t2", "nodedown"),  // reason differs: new
                            JoinFailed(kB, "t1", "already_joined"), Joined(kC, "t1"),
                            Joined(kC, "t2")}},  // new
           40);
  const std::vector<Log> logs = All<Log>(effects);
  ASSERT_EQ(logs.size(), 2u);
  EXPECT_TRUE(Mentions(logs[0].record, kB));
  EXPECT_TRUE(Mentions(logs[0].record, "t2"));
  EXPECT_TRUE(Mentions(logs[1].record, kC));
  EXPECT_TRUE(Mentions(logs[1].record, "t2"));
}

TEST_F(EngineTest, JoiningFinished_PreviousResultsCancelOneRecordEach) {
  // Results -- OldResults removes, for each old record, one equal new record:
  // a record that comes twice now but stood once before is logged once.
  Connect(kB);
  Start({"t", "t"});
  Round(GetNodesResult::Ok({kB}), 10);
  EXPECT_EQ(CountOf<Log>(Send(JoiningFinished{{Joined(kB, "t")}}, 20)), 1u);
  Round(GetNodesResult::Ok({kB}), 30);
  EXPECT_EQ(CountOf<Log>(Send(JoiningFinished{{Joined(kB, "t"), Joined(kB, "t")}}, 40)), 1u);
  Round(GetNodesResult::Ok({kB}), 50);
  EXPECT_EQ(CountOf<Log>(Send(JoiningFinished{{Joined(kB, "t"), Joined(kB, "t")}}, 60)), 0u);
}

TEST_F(EngineTest, JoiningFinished_AnErrorAgainstANewServerIsLoggedAgain) {
  // The comparison is of whole records, reason included: the same error
  // against a restarted node's new server (its pid is in the
  // {task_failed, Reason, Info} reason) is a new record, logged again.
  Connect(kB);
  Start({"t"});
  const std::string old_server = "{task_failed,join_pids_overlap,#{remote_pid=><0.90.0>}}";
  const std::string new_server = "{task_failed,join_pids_overlap,#{remote_pid=><0.95.0>}}";
  Round(GetNodesResult::Ok({kB}), 10);
  Send(JoiningFinished{{JoinFailed(kB, "t", old_server)}}, 20);
  Round(GetNodesResult::Ok({kB}), 30);
  EXPECT_TRUE(All<Log>(Send(JoiningFinished{{JoinFailed(kB, "t", old_server)}}, 40)).empty());
  Round(GetNodesResult::Ok({kB}), 50);
  const std::vector<LogRecord> logs =
      LogsOf(Send(JoiningFinished{{JoinFailed(kB, "t", new_server)}}, 60), "join_result");
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(StringField(logs[0], "result"), "{error," + new_server + "}");
}

TEST_F(EngineTest, JoiningFinished_WithShouldRetryJoinStartsAnotherTaskOverTheCurrentPairs) {
  // When should_retry_join was set, the finished task is followed by a new one
  // built from the current nodes, view and tables.
  Connect(kB);
  Start({"t"});
  Round(GetNodesResult::Ok({kB, kC}), 10);
  Connect(kC);
  Send(Nodeup{kC}, 15);  // join running: remembered
  ASSERT_TRUE(state_.should_retry_join);
  const Effects effects = Send(JoiningFinished{{Joined(kB, "t")}}, 20);
  EXPECT_EQ(JoinPairs(effects), (std::vector<JoinPair>{{kB, "t"}, {kC, "t"}}));
  EXPECT_EQ(state_.join_status, TaskStatus::kRunning);
  EXPECT_FALSE(state_.should_retry_join);
}

TEST_F(EngineTest, JoiningFinished_VerifiesReadyBeforeRetryingTheJoin) {
  // With should_retry_join set, wait_for_ready callers are answered before the next join task starts.
  Connect(kB);
  Start({"t"});
  Round(GetNodesResult::Ok({kB}), 10);
  Round(GetNodesResult::Ok({kB}), 15);  // join running: remembered
  ASSERT_TRUE(state_.should_retry_join);
  ASSERT_TRUE(Send(WaitForReadyCall{5}, 16).empty());
  const Effects effects = Send(JoiningFinished{{Joined(kB, "t")}}, 20);
  EXPECT_EQ(TagsWithoutLogs(effects), (std::vector<std::string>{"reply 5 ok", "join"}));
}

TEST_F(EngineTest, JoiningFinished_WithoutShouldRetryJoinStartsNothing) {
  // Without should_retry_join, a finished join task is not followed by another.
  Connect(kB);
  Start({"t"});
  Round(GetNodesResult::Ok({kB}), 10);
  EXPECT_EQ(CountOf<StartJoinTask>(Send(JoiningFinished{{Joined(kB, "t")}}, 20)), 0u);
  EXPECT_EQ(state_.join_status, TaskStatus::kNotRunning);
}

TEST_F(EngineTest, JoiningFinished_VerifiesReady) {
  // A finished join task runs verify ready, releasing wait_for_ready callers once nothing is missing.
  Connect(kB);
  Start({"t"});
  Round(GetNodesResult::Ok({kB}), 10);
  ASSERT_TRUE(Send(WaitForReadyCall{5}, 11).empty());
  const Effects effects = Send(JoiningFinished{{Joined(kB, "t")}}, 20);
  EXPECT_EQ(RepliedOk(effects), (std::vector<CallerId>{5}));
  EXPECT_TRUE(state_.pending_wait_for_ready.empty());
}

TEST_F(EngineTest, JoiningFinished_EveryResultIsLoggedAtInfoLevel) {
  // report_result/1 is ?LOG_INFO(Map) whatever the result: ok, an error and a
  // pid_not_found are all info records.
  Connect(kB);
  Start({"t1", "t2", "t3"});
  Round(GetNodesResult::Ok({kB}), 10);
  const Effects effects =
      Send(JoiningFinished{{Joined(kB, "t1"), JoinFailed(kB, "t2", "already_joined"),
                            PidNotFound(kB, "t3", "undefined")}},
           20);
  const std::vector<Log> logs = All<Log>(effects);
  ASSERT_EQ(logs.size(), 3u);
  for (const Log& log : logs) EXPECT_EQ(log.record.level, LogLevel::kInfo) << Describe(log.record);
}

TEST_F(EngineTest, JoiningFinished_RecordsAreTheJoinResultMaps) {
  // The logged record is do_join/2's map: what, node, table, and one result
  // field (ok or {error, Reason}) for join_result, one reason for pid_not_found.
  Connect(kB);
  Start({"t1", "t2", "t3"});
  Round(GetNodesResult::Ok({kB}), 10);
  const Effects effects =
      Send(JoiningFinished{{Joined(kB, "t1"), JoinFailed(kB, "t2", "already_joined"),
                            PidNotFound(kB, "t3", "{badrpc,nodedown}")}},
           20);
  const std::vector<Log> logs = All<Log>(effects);
  ASSERT_EQ(logs.size(), 3u);
  using Fields = std::vector<std::pair<std::string, LogValue>>;
  EXPECT_EQ(logs[0].record.what, "join_result");
  EXPECT_EQ(logs[0].record.fields, (Fields{{"node", kB}, {"table", "t1"}, {"result", "ok"}}));
  EXPECT_EQ(logs[1].record.what, "join_result");
  EXPECT_EQ(logs[1].record.fields,
            (Fields{{"node", kB}, {"table", "t2"}, {"result", "{error,already_joined}"}}));
  EXPECT_EQ(logs[2].record.what, "pid_not_found");
  EXPECT_EQ(logs[2].record.fields,
            (Fields{{"node", kB}, {"table", "t3"}, {"reason", "{badrpc,nodedown}"}}));
}

TEST_F(EngineTest, JoiningFinished_ErrorAndPidNotFoundResultsStillCount) {
  // An error result (already_joined) and a pid_not_found result both count as results for readiness.
  Connect(kB);
  Start({"t1", "t2"});
  Round(GetNodesResult::Ok({kB}), 10);
  Send(WaitForReadyCall{5}, 11);
  const Effects effects = Send(
      JoiningFinished{{JoinFailed(kB, "t1", "already_joined"), PidNotFound(kB, "t2", "noproc")}},
      20);
  EXPECT_EQ(RepliedOk(effects), (std::vector<CallerId>{5}));
  EXPECT_TRUE(VerifyReady(state_, view_).empty());
}

// ===========================================================================
// Ping results

TEST_F(EngineTest, PingPang_MarksTheNodeUnavailableAndVerifiesReady) {
  // A pang for a node not in the view adds it to unavailable_nodes and runs verify ready.
  Start();
  Round(GetNodesResult::Ok({kB}), 10);
  Send(JoiningFinished{{}}, 11);
  ASSERT_TRUE(Send(WaitForReadyCall{3}, 12).empty());
  const Effects effects = Send(Pang(kB), 20);
  EXPECT_EQ(state_.unavailable_nodes, (NodeSet{kB}));
  EXPECT_EQ(RepliedOk(effects), (std::vector<CallerId>{3}));
}

TEST_F(EngineTest, PingPang_ForANodeConnectedByThenIsIgnored) {
  // A pang for a node that is in the view by the time it arrives (it raced a
  // nodeup) does not make the node unavailable.
  Start();
  Round(GetNodesResult::Ok({kB, kC}), 10);
  Send(Pang(kC), 15);
  Connect(kB);  // b connected before its pang was handled
  Send(Pang(kB), 20);
  EXPECT_EQ(state_.unavailable_nodes, (NodeSet{kC}));
}

TEST_F(EngineTest, PingPong_DoesNothing) {
  // A pong changes nothing and asks for nothing.
  Start();
  Round(GetNodesResult::Ok({kB}), 10);
  Send(WaitForReadyCall{3}, 11);
  EXPECT_TRUE(Send(Pong(kB), 20).empty());
  EXPECT_TRUE(state_.unavailable_nodes.empty());
  EXPECT_EQ(state_.pending_wait_for_ready, (std::vector<CallerId>{3}));
}

// ===========================================================================
// nodeup

TEST_F(EngineTest, Nodeup_QueuesCheckThenBookkeepingThenJoins) {
  // nodeup queues a check, sends our start time, records the timestamp, logs,
  // removes the node from unavailable_nodes and then tries joining, in that order.
  Start({"t"}, 100);
  Round(GetNodesResult::Ok({kB}), 200);
  Send(JoiningFinished{{}}, 201);
  Send(Pang(kB), 300);
  ASSERT_EQ(state_.unavailable_nodes, (NodeSet{kB}));
  Connect(kB);
  const Effects effects = Send(Nodeup{kB}, 1000);
  EXPECT_EQ(Tags(effects), (std::vector<std::string>{"self check", "start_time " + kB,
                                                     "log nodeup", "join"}));
  EXPECT_EQ(All<SendStartTime>(effects).front().start_time, 100);
  EXPECT_EQ(state_.nodeup_timestamps.at(kB), 1000);
  EXPECT_TRUE(state_.unavailable_nodes.empty());
  EXPECT_EQ(JoinPairs(effects), (std::vector<JoinPair>{{kB, "t"}}));
}

TEST_F(EngineTest, Nodeup_LogHasRemoteNodeConnectedNodesAndTimeSinceStartup) {
  // The nodeup log carries remote_node, connected_nodes = |view| + 1 and the
  // time since startup, and no downtime for a node never seen down.
  Start({}, 100);
  Connect(kB);
  Connect(kC);
  const std::vector<LogRecord> logs = LogsOf(Send(Nodeup{kC}, 1100), "nodeup");
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(StringField(logs[0], "remote_node"), kC);
  EXPECT_EQ(IntField(logs[0], "connected_nodes"), 3);
  EXPECT_EQ(IntField(logs[0], "time_since_startup_in_milliseconds"), 1000);
  EXPECT_EQ(logs[0].Find("downtime_millisecond_duration"), nullptr);
}

TEST(EngineUnnamedTest, Nodeup_AnUnregisteredProcessSendsNoStartTime) {
  // send_start_time_to/2 sends only when process_info(self(), registered_name)
  // names the process; an unnamed discovery does the rest of the bookkeeping.
  const NodeName self = kSelf;
  NodeSet connected = {kB};
  const View view{self, connected};
  Options options;
  options.registered = false;
  State state;
  Effects effects;
  Init(state, options, 0, view, effects);
  EXPECT_EQ(CountOf<SendStartTime>(effects), 0u);
  EXPECT_EQ(LogsOf(effects, "nodeup").size(), 1u);
  connected.insert(kC);
  effects.clear();
  Step(state, Nodeup{kC}, 10, view, effects);
  EXPECT_EQ(CountOf<SendStartTime>(effects), 0u);
  EXPECT_EQ(state.nodeup_timestamps.at(kC), 10);
  options.registered = true;  // the default: named, as the world runs it
  effects.clear();
  Init(state, options, 0, view, effects);
  EXPECT_EQ(CountOf<SendStartTime>(effects), 2u);
}

TEST_F(EngineTest, Nodeup_IsLoggedAtWarningLevel) {
  // handle_nodeup/2 logs with ?LOG_WARNING, both on a nodeup message and for
  // the nodes already connected at init.
  Connect(kB);
  const std::vector<LogRecord> at_init = LogsOf(Start(), "nodeup");
  ASSERT_EQ(at_init.size(), 1u);
  EXPECT_EQ(at_init[0].level, LogLevel::kWarning);
  Connect(kC);
  const std::vector<LogRecord> logs = LogsOf(Send(Nodeup{kC}, 10), "nodeup");
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].level, LogLevel::kWarning);
}

TEST_F(EngineTest, Nodeup_AfterANodedownLogsTheDowntime) {
  // A nodeup of a node with a recorded nodedown logs downtime_millisecond_duration = now − nodedown time.
  Start();
  Connect(kB);
  Send(Nodeup{kB}, 100);
  Disconnect(kB);
  Send(Nodedown{kB}, 500);
  Connect(kB);
  const std::vector<LogRecord> logs = LogsOf(Send(Nodeup{kB}, 1700), "nodeup");
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(IntField(logs[0], "downtime_millisecond_duration"), 1200);
  EXPECT_EQ(IntField(logs[0], "connected_nodes"), 2);
}

// ===========================================================================
// nodedown

TEST_F(EngineTest, Nodedown_RecordsTimestampAndLogsTheConnectedDuration) {
  // nodedown records its time, removes the nodeup timestamp, logs the connected
  // duration and a nodedown record (remote_node, connected_nodes, time since
  // startup), marks the node unavailable, and asks for no check or join.
  Start({"t"}, 0);
  Connect(kB);
  Connect(kC);
  Send(Nodeup{kB}, 100);
  Send(Nodeup{kC}, 150);
  Disconnect(kB);
  const Effects effects = Send(Nodedown{kB}, 400);
  EXPECT_EQ(state_.nodedown_timestamps.at(kB), 400);
  EXPECT_FALSE(state_.nodeup_timestamps.contains(kB));
  EXPECT_TRUE(state_.nodeup_timestamps.contains(kC));
  EXPECT_EQ(IntFieldInAnyLog(effects, "connected_millisecond_duration"), 300);
  const std::vector<LogRecord> logs = LogsOf(effects, "nodedown");
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(StringField(logs[0], "remote_node"), kB);
  EXPECT_EQ(IntField(logs[0], "connected_nodes"), 2);  // |{c}| + 1
  EXPECT_EQ(IntField(logs[0], "time_since_startup_in_milliseconds"), 400);
  EXPECT_EQ(state_.unavailable_nodes, (NodeSet{kB}));
  EXPECT_EQ(CountOf<SendToSelf>(effects), 0u);
  EXPECT_EQ(CountOf<StartJoinTask>(effects), 0u);
  EXPECT_EQ(CountOf<StartGetNodes>(effects), 0u);
}

TEST_F(EngineTest, Nodedown_OfANodeNeverSeenDoesNotCrash) {
  // A nodedown for an unknown node is handled: timestamp recorded, node marked
  // unavailable, nodedown logged without a connected duration.
  Start({}, 0);
  const Effects effects = Send(Nodedown{kX}, 50);
  EXPECT_EQ(state_.nodedown_timestamps.at(kX), 50);
  EXPECT_EQ(state_.unavailable_nodes, (NodeSet{kX}));
  EXPECT_EQ(LogsOf(effects, "nodedown").size(), 1u);
  EXPECT_FALSE(IntFieldInAnyLog(effects, "connected_millisecond_duration").has_value());
}

TEST_F(EngineTest, Nodedown_VerifiesReady) {
  // A nodedown runs verify ready: the node it makes unavailable can complete readiness.
  Start();
  Round(GetNodesResult::Ok({kB}), 10);
  Send(JoiningFinished{{}}, 11);
  ASSERT_TRUE(Send(WaitForReadyCall{4}, 12).empty());  // still waiting for b's pang
  const Effects effects = Send(Nodedown{kB}, 20);
  EXPECT_EQ(RepliedOk(effects), (std::vector<CallerId>{4}));
}

// ===========================================================================
// start_time

TEST_F(EngineTest, StartTime_SameValueAgainLogsNodeReconnects) {
  // A start time equal to the one stored for that node logs node_reconnects.
  Start();
  EXPECT_TRUE(LogsOf(Send(StartTimeMsg{kB, 77}, 10), "node_reconnects").empty());
  const std::vector<LogRecord> logs = LogsOf(Send(StartTimeMsg{kB, 77}, 20), "node_reconnects");
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].level, LogLevel::kWarning);
  EXPECT_EQ(StringField(logs[0], "remote_node"), kB);
  EXPECT_EQ(IntField(logs[0], "start_time"), 77);
  EXPECT_EQ(StringField(logs[0], "text"),
            "Netsplit recovery. The remote node has been connected to us before.");
  EXPECT_EQ(state_.node_start_timestamps.at(kB), 77);
}

TEST_F(EngineTest, StartTime_DifferentValueIsARestartAndIsStored) {
  // A different start time (the peer restarted) logs no node_reconnects and replaces the stored one.
  Start();
  Send(StartTimeMsg{kB, 77}, 10);
  EXPECT_TRUE(LogsOf(Send(StartTimeMsg{kB, 88}, 20), "node_reconnects").empty());
  EXPECT_EQ(state_.node_start_timestamps.at(kB), 88);
  // Another node with b's old value is not a reconnect either.
  EXPECT_TRUE(LogsOf(Send(StartTimeMsg{kC, 77}, 30), "node_reconnects").empty());
}

TEST_F(EngineTest, StartTime_EntersTheRegularPhase) {
  // Hearing a peer's start time moves the phase to regular, so the next schedule picks regular.
  Start();
  Send(StartTimeMsg{kB, 77}, 10);
  EXPECT_EQ(state_.phase, Phase::kRegular);
  EXPECT_EQ(RoundTimer(GetNodesResult::Ok({}), 20).delay_ms, kRegularMs);
}

// ===========================================================================
// enter_regular_phase

TEST_F(EngineTest, EnterRegularPhase_SetsPhaseRegularWhenItsTimerFires) {
  // The timer started by init delivers enter_regular_phase, which sets phase regular.
  StartWithMailbox();
  std::optional<TimerId> timer;
  for (const auto& [id, pending] : mailbox_.timers()) {
    if (std::holds_alternative<EnterRegularPhase>(pending.message)) timer = id;
  }
  ASSERT_TRUE(timer.has_value());
  EXPECT_EQ(mailbox_.timers().at(*timer).delay_ms, kEnterRegularPhaseMs);
  ASSERT_TRUE(mailbox_.FireTimer(*timer));
  Run(kEnterRegularPhaseMs);
  EXPECT_EQ(state_.phase, Phase::kRegular);
}

// ===========================================================================
// add_table / delete_table

TEST_F(EngineTest, AddTable_NewTableQueuesCheckAndIsTracked) {
  // Adding an untracked table queues a check and tracks the table.
  Start({"t1"});
  EXPECT_EQ(Tags(Send(AddTable{"t0"}, 10)), (std::vector<std::string>{"self check"}));
  EXPECT_EQ(state_.tables, (TableList{"t0", "t1"}));
}

TEST_F(EngineTest, AddTable_TwiceTheSecondDoesNothing) {
  // Adding a table that is already tracked asks for nothing and changes nothing.
  Start();
  Send(AddTable{"t"}, 10);
  EXPECT_TRUE(Send(AddTable{"t"}, 20).empty());
  EXPECT_EQ(state_.tables, (TableList{"t"}));
}

TEST_F(EngineTest, DeleteTable_RemovesTheTableWithoutACheck) {
  // Deleting a tracked table removes it and queues no check.
  Start({"t1", "t2"});
  EXPECT_TRUE(Send(DeleteTable{"t1"}, 10).empty());
  EXPECT_EQ(state_.tables, (TableList{"t2"}));
}

TEST_F(EngineTest, AddTable_InsertsAsOrdsetsAddElementWalksTheList) {
  // add_table uses ordsets:add_element/2 on the list as it is: it walks past
  // elements less than the table and inserts before the first greater one.
  // On the unsorted option [t5, t2] that walk stops at once for t3 (t3 < t5)
  // and passes t5 and t2 for t6.
  Start({"t5", "t2"});
  Send(AddTable{"t3"}, 10);
  EXPECT_EQ(state_.tables, (TableList{"t3", "t5", "t2"}));
  Send(AddTable{"t6"}, 20);
  EXPECT_EQ(state_.tables, (TableList{"t3", "t5", "t2", "t6"}));
  Send(AddTable{"t4"}, 30);  // past t3, before t5
  EXPECT_EQ(state_.tables, (TableList{"t3", "t4", "t5", "t2", "t6"}));
}

TEST_F(EngineTest, DeleteTable_OnAnUnsortedListCanLeaveTheTableInPlace) {
  // delete_table uses ordsets:del_element/2: the walk stops at the first
  // element greater than the table and removes nothing, so on [t5, t2] a
  // delete of t2 (t2 < t5) leaves it; t5 itself, and the first of a
  // duplicate, are removed.
  Start({"t5", "t2", "t5"});
  EXPECT_TRUE(Send(DeleteTable{"t2"}, 10).empty());
  EXPECT_EQ(state_.tables, (TableList{"t5", "t2", "t5"}));
  Send(DeleteTable{"t5"}, 20);
  EXPECT_EQ(state_.tables, (TableList{"t2", "t5"}));
  Send(DeleteTable{"t2"}, 30);
  EXPECT_EQ(state_.tables, (TableList{"t5"}));
}

TEST_F(EngineTest, DeleteTable_OfAnUnknownTableDoesNothing) {
  // Deleting a table that is not tracked changes nothing and asks for nothing.
  Start({"t1"});
  EXPECT_TRUE(Send(DeleteTable{"nope"}, 10).empty());
  EXPECT_EQ(state_.tables, (TableList{"t1"}));
}

// ===========================================================================
// Calls

TEST_F(EngineTest, GetTables_RepliesTheTables) {
  // get_tables replies {ok, Tables}, the list in its own order, to its
  // caller: [t2, t1] with t0 added (t0 < t2: at the front), not sorted.
  Start({"t2", "t1"});
  Send(AddTable{"t0"}, 5);
  const std::vector<Reply> replies = All<Reply>(Send(GetTablesCall{8}, 10));
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies.front().caller, 8u);
  ASSERT_TRUE(std::holds_alternative<ReplyTables>(replies.front().value));
  EXPECT_EQ(std::get<ReplyTables>(replies.front().value).tables,
            (std::vector<TableName>{"t0", "t2", "t1"}));
}

TEST_F(EngineTest, SystemInfo_RepliesTheStateVerifyReadyAndRetryType) {
  // system_info replies the whole state, the verify_ready list and the retry type, to its caller.
  Connect(kB);
  Start({"t"}, 5);
  Round(GetNodesResult::Ok({kB, kC}), 20);
  const Effects effects = Send(SystemInfoCall{7}, 25);
  ASSERT_EQ(Tags(effects), (std::vector<std::string>{"reply 7 system_info"}));
  const SystemInfo info = std::get<SystemInfo>(All<Reply>(effects).front().value);
  EXPECT_EQ(info.state.start_time, 5);
  EXPECT_EQ(info.state.phase, Phase::kInitial);
  EXPECT_EQ(info.state.tables, (TableList{"t"}));
  EXPECT_EQ(info.state.nodes, (NodeSet{kB, kC}));
  EXPECT_EQ(info.state.last_get_nodes_result, GetNodesResult::Ok({kB, kC}));
  EXPECT_EQ(info.state.join_status, TaskStatus::kRunning);
  EXPECT_EQ(info.state.nodeup_timestamps, (std::map<NodeName, TimeMs>{{kB, 5}}));
  EXPECT_EQ(info.state.timer_ref, state_.timer_ref);
  EXPECT_EQ(info.verify_ready,
            (std::vector<MissingTask>{StillWaitingForPangs{{kC}},
                                      WaitingForJoinResult{{{kB, "t"}}}}));
  EXPECT_EQ(info.retry_type, RetryType::kInitial);
}

TEST_F(EngineTest, SystemInfo_RetryTypeIsChosenAtCallTime) {
  // system_info's retry_type is chosen at the call's time, not copied from the last schedule.
  Start();
  Send(EnterRegularPhase{}, 0);
  Round(GetNodesResult::Ok({}), 10);
  ASSERT_EQ(state_.last_get_nodes_retry_type, RetryType::kRegular);
  Send(Nodedown{kB}, 1000);
  EXPECT_EQ(Info(1000 + 29'999).retry_type, RetryType::kAfterNodedown);
  EXPECT_EQ(Info(1000 + 30'000).retry_type, RetryType::kRegular);
  EXPECT_EQ(state_.last_get_nodes_retry_type, RetryType::kRegular);
  Send(Check{}, 1000 + 30'001);
  Send(GetNodesDone{GetNodesResult::Error("timeout"), 0}, 1000 + 30'002);
  EXPECT_EQ(Info(1000 + 30'003).retry_type, RetryType::kAfterError);
}

TEST_F(EngineTest, WaitForReady_RepliesAtOnceWhenReady) {
  // wait_for_ready replies ok in the same step when nothing is missing.
  Start();
  Round(GetNodesResult::Ok({}), 10);
  Send(JoiningFinished{{}}, 11);
  EXPECT_EQ(Tags(Send(WaitForReadyCall{1}, 20)), (std::vector<std::string>{"reply 1 ok"}));
  EXPECT_TRUE(state_.pending_wait_for_ready.empty());
}

TEST_F(EngineTest, WaitForReady_CallersWaitUntilReadyAndNeverGetATimeout) {
  // wait_for_ready callers wait, however long, until verify ready finds nothing
  // missing; then all get ok, and nothing else is ever replied. Each caller
  // is put at the front ([From | Pending]) and the list is answered front to
  // back, so the newest caller is answered first.
  Start();
  EXPECT_TRUE(Send(WaitForReadyCall{1}, 0).empty());
  EXPECT_TRUE(Send(WaitForReadyCall{2}, 0).empty());
  EXPECT_TRUE(Send(WaitForReadyCall{3}, 0).empty());
  EXPECT_EQ(state_.pending_wait_for_ready, (std::vector<CallerId>{3, 2, 1}));
  EXPECT_EQ(Info(0).state.pending_wait_for_ready, (std::vector<CallerId>{3, 2, 1}));
  Effects effects = Round(GetNodesResult::Error("timeout"), 10'000'000);
  EXPECT_EQ(CountOf<Reply>(effects), 0u);
  effects = Round(GetNodesResult::Ok({}), 20'000'000);
  EXPECT_EQ(RepliedOk(effects), (std::vector<CallerId>{3, 2, 1}));
  EXPECT_EQ(CountOf<Reply>(effects), 3u);
  EXPECT_TRUE(state_.pending_wait_for_ready.empty());
}

TEST_F(EngineTest, WaitForGetNodes_RepliesAtOnceWhenGetNodesIsNotRunning) {
  // wait_for_get_nodes replies ok at once when get_nodes is not running.
  Start();
  EXPECT_EQ(Tags(Send(WaitForGetNodesCall{6}, 0)), (std::vector<std::string>{"reply 6 ok"}));
  Round(GetNodesResult::Ok({}), 10);
  EXPECT_EQ(Tags(Send(WaitForGetNodesCall{7}, 20)), (std::vector<std::string>{"reply 7 ok"}));
  EXPECT_TRUE(state_.pending_wait_for_get_nodes.empty());
}

TEST_F(EngineTest, WaitForGetNodes_WaitsWhileGetNodesRuns) {
  // wait_for_get_nodes while get_nodes runs adds the caller to the waiters and replies nothing yet.
  Start();
  Send(Check{}, 0);
  EXPECT_TRUE(Send(WaitForGetNodesCall{6}, 5).empty());
  EXPECT_EQ(state_.pending_wait_for_get_nodes, (std::vector<CallerId>{6}));
}

// ===========================================================================
// Anything else

TEST_F(EngineTest, UnknownInfo_LogsAnErrorAndCarriesOn) {
  // An unknown message logs one error record, replies nothing and changes nothing.
  Start({"t"});
  const Effects effects = Send(UnknownMessage{UnknownMessage::Kind::kInfo, "junk", 0}, 10);
  ASSERT_EQ(effects.size(), 1u);
  const std::vector<Log> logs = All<Log>(effects);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs.front().record.level, LogLevel::kError);
  EXPECT_EQ(state_.tables, (TableList{"t"}));
  EXPECT_EQ(state_.get_nodes_status, TaskStatus::kNotRunning);
  EXPECT_EQ(CountOf<StartGetNodes>(Send(Check{}, 20)), 1u) << "the engine should carry on";
}

TEST_F(EngineTest, UnknownCall_RepliesErrorUnexpectedCall) {
  // An unknown call logs an error record and is answered {error, unexpected_call}.
  Start();
  const Effects effects = Send(UnknownMessage{UnknownMessage::Kind::kCall, "junk", 5}, 10);
  const std::vector<Reply> replies = All<Reply>(effects);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies.front().caller, 5u);
  EXPECT_TRUE(std::holds_alternative<ReplyUnexpectedCall>(replies.front().value));
  const std::vector<Log> logs = All<Log>(effects);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs.front().record.level, LogLevel::kError);
  // #{what => unexpected_call, msg => Msg, from => From}
  EXPECT_EQ(logs.front().record.what, "unexpected_call");
  EXPECT_EQ(StringField(logs.front().record, "msg"), "junk");
  EXPECT_EQ(IntField(logs.front().record, "from"), 5);
}

TEST_F(EngineTest, UnknownCast_LogsAnErrorAndCarriesOn) {
  // An unknown cast logs one error record and replies nothing.
  Start();
  const Effects effects = Send(UnknownMessage{UnknownMessage::Kind::kCast, "junk", 0}, 10);
  ASSERT_EQ(effects.size(), 1u);
  ASSERT_EQ(CountOf<Log>(effects), 1u);
  EXPECT_EQ(All<Log>(effects).front().record.level, LogLevel::kError);
}

// ===========================================================================
// Verify ready

TEST_F(EngineTest, VerifyReady_NotCalledYetIsABadLastGetNodesResult) {
  // Before any get_nodes result, the only missing task is bad_last_get_nodes_result(not_called_yet).
  Start({"t"});
  EXPECT_EQ(VerifyReady(state_, view_),
            (std::vector<MissingTask>{BadLastGetNodesResult{GetNodesResult{}}}));
}

TEST_F(EngineTest, VerifyReady_ErrorIsABadLastGetNodesResult) {
  // After an error result, bad_last_get_nodes_result carries that error.
  Start();
  Round(GetNodesResult::Error("timeout"), 10);
  EXPECT_EQ(VerifyReady(state_, view_),
            (std::vector<MissingTask>{BadLastGetNodesResult{GetNodesResult::Error("timeout")}}));
}

TEST_F(EngineTest, VerifyReady_StillWaitingForPangsListsExpectedMinusUnavailable) {
  // still_waiting_for_pangs lists the listed nodes (not self, not connected)
  // that have not become unavailable yet, and vanishes when the sets are equal.
  Connect(kC);
  Start();
  Round(GetNodesResult::Ok({kSelf, kB, kC, kD}), 10);
  Send(JoiningFinished{{}}, 11);
  EXPECT_EQ(VerifyReady(state_, view_), (std::vector<MissingTask>{StillWaitingForPangs{{kB, kD}}}));
  Send(Pang(kD), 20);
  EXPECT_EQ(VerifyReady(state_, view_), (std::vector<MissingTask>{StillWaitingForPangs{{kB}}}));
  Send(Pang(kB), 30);
  EXPECT_TRUE(VerifyReady(state_, view_).empty());
}

TEST_F(EngineTest, VerifyReady_StillWaitingForPangsAfterANodedownOutsideNodes) {
  // A nodedown for a node outside `nodes` makes the sets differ, so
  // still_waiting_for_pangs appears with an empty list (expected − unavailable = ∅).
  Start();
  Round(GetNodesResult::Ok({kB}), 10);
  Send(JoiningFinished{{}}, 11);
  Send(Pang(kB), 12);
  ASSERT_TRUE(VerifyReady(state_, view_).empty());
  Send(Nodedown{kX}, 20);
  EXPECT_EQ(VerifyReady(state_, view_), (std::vector<MissingTask>{StillWaitingForPangs{{}}}));
}

TEST_F(EngineTest, VerifyReady_WaitingForJoinResultListsPairsWithoutAResult) {
  // waiting_for_join_result lists, node-major (nodes sorted, tables in list
  // order), the (connected listed node, table) pairs that have no entry in results.
  Connect(kB);
  Connect(kC);
  Start({"t2", "t1"});
  Round(GetNodesResult::Ok({kB, kC}), 10);
  Send(JoiningFinished{{Joined(kB, "t1")}}, 20);
  EXPECT_EQ(VerifyReady(state_, view_),
            (std::vector<MissingTask>{WaitingForJoinResult{{{kB, "t2"}, {kC, "t2"}, {kC, "t1"}}}}));
  // Results in any order, of any kind, and for nodes no longer listed: only
  // the (node, table) match matters.
  Round(GetNodesResult::Ok({kB, kC}), 30);
  Send(JoiningFinished{{Joined(kX, "t2"), PidNotFound(kC, "t2", "noproc"),
                        JoinFailed(kB, "t1", "already_joined"), Joined(kB, "t2")}},
       40);
  EXPECT_EQ(VerifyReady(state_, view_),
            (std::vector<MissingTask>{WaitingForJoinResult{{{kC, "t1"}}}}));
}

TEST_F(EngineTest, VerifyReady_DuplicateTablesArePairsOfTheirOwn) {
  // verify_tried_joining/1 builds its pairs from the `tables` list itself, so
  // a duplicated table is missing twice; one result of that (node, table)
  // answers both, wherever it stands among the results.
  Connect(kB);
  Start({"t2", "t1", "t2"});
  Round(GetNodesResult::Ok({kB}), 10);
  EXPECT_EQ(VerifyReady(state_, view_),
            (std::vector<MissingTask>{WaitingForJoinResult{{{kB, "t2"}, {kB, "t1"}, {kB, "t2"}}}}));
  Send(JoiningFinished{{Joined(kB, "t2"), Joined(kB, "t1"), Joined(kB, "t2")}}, 20);
  EXPECT_TRUE(VerifyReady(state_, view_).empty());
  Round(GetNodesResult::Ok({kB}), 30);
  Send(JoiningFinished{{Joined(kB, "t1"), Joined(kB, "t2")}}, 40);
  EXPECT_TRUE(VerifyReady(state_, view_).empty());
  Round(GetNodesResult::Ok({kB}), 50);
  Send(JoiningFinished{{Joined(kB, "t2")}}, 60);
  EXPECT_EQ(VerifyReady(state_, view_),
            (std::vector<MissingTask>{WaitingForJoinResult{{{kB, "t1"}}}}));
}

TEST_F(EngineTest, VerifyReady_EntriesComeInTheOrderOfTheList) {
  // With all three kinds missing, the list is bad_last_get_nodes_result,
  // still_waiting_for_pangs, waiting_for_join_result.
  Connect(kB);
  Start({"t"});
  Round(GetNodesResult::Ok({kB, kC}), 10);
  Round(GetNodesResult::Error("timeout"), 20);
  EXPECT_EQ(VerifyReady(state_, view_),
            (std::vector<MissingTask>{BadLastGetNodesResult{GetNodesResult::Error("timeout")},
                                      StillWaitingForPangs{{kC}},
                                      WaitingForJoinResult{{{kB, "t"}}}}));
}

TEST_F(EngineTest, VerifyReady_ReleasesEveryPendingCallerWhenReady) {
  // When verify ready finds nothing missing, every pending wait_for_ready caller gets ok and the list empties.
  Connect(kB);
  Start({"t"});
  Round(GetNodesResult::Ok({kB}), 10);
  Send(WaitForReadyCall{1}, 11);
  Send(WaitForReadyCall{2}, 12);
  Send(WaitForReadyCall{3}, 13);
  const Effects effects = Send(JoiningFinished{{Joined(kB, "t")}}, 20);
  EXPECT_EQ(RepliedOk(effects), (std::vector<CallerId>{3, 2, 1}));  // newest first
  EXPECT_TRUE(state_.pending_wait_for_ready.empty());
}

// ===========================================================================
// Things that look like bugs but are the behaviour

TEST_F(EngineTest, Quirk_NodedownOutsideNodesBlocksReadyUntilTheNextGoodGetNodes) {
  // After a nodedown for an unlisted node, wait_for_ready is not answered
  // (not even after an error result) until a good get_nodes prunes the node.
  Start();
  Round(GetNodesResult::Ok({}), 10);
  Send(JoiningFinished{{}}, 11);
  Send(Nodedown{kX}, 20);
  EXPECT_TRUE(Send(WaitForReadyCall{1}, 30).empty());
  EXPECT_TRUE(RepliedOk(Round(GetNodesResult::Error("timeout"), 40)).empty());
  EXPECT_EQ(state_.unavailable_nodes, (NodeSet{kX}));
  EXPECT_EQ(RepliedOk(Round(GetNodesResult::Ok({}), 50)), (std::vector<CallerId>{1}));
  EXPECT_TRUE(state_.unavailable_nodes.empty());
}

TEST_F(EngineTest, Quirk_NodedownTimestampsAreNeverRemovedOnlyOverwritten) {
  // A nodeup does not remove the node's nodedown timestamp (so the retry type
  // stays after_nodedown for a node that is back); a later nodedown overwrites it.
  Start();
  Send(EnterRegularPhase{}, 0);
  Connect(kB);
  Send(Nodeup{kB}, 100);
  Disconnect(kB);
  Send(Nodedown{kB}, 200);
  Connect(kB);
  Send(Nodeup{kB}, 300);
  EXPECT_EQ(state_.nodedown_timestamps, (std::map<NodeName, TimeMs>{{kB, 200}}));
  EXPECT_EQ(RoundTimer(GetNodesResult::Ok({kB}), 200 + 29'999).delay_ms, kAfterNodedownMs);
  Disconnect(kB);
  Send(Nodedown{kB}, 40'000);
  EXPECT_EQ(state_.nodedown_timestamps, (std::map<NodeName, TimeMs>{{kB, 40'000}}));
}

TEST_F(EngineTest, Quirk_CheckTimerIsNotCancelledOnImmediateRetry) {
  // After an immediate retry the old check timer stays pending; when it fires
  // during the retry's get_nodes it sets should_retry_get_nodes again.
  StartWithMailbox();
  Run(0);
  mailbox_.Post(GetNodesDone{GetNodesResult::Ok({}), 0});
  Run(10);
  const TimerId old_timer = *state_.timer_ref;
  mailbox_.Post(AddTable{"t"});
  Run(20);  // get_nodes runs again
  mailbox_.Post(Check{});
  Run(30);  // retry due
  mailbox_.Post(GetNodesDone{GetNodesResult::Ok({}), 0});
  const Effects effects = Run(40);  // result, then the retry's check
  EXPECT_EQ(CountOf<CancelTimer>(effects), 0u);
  EXPECT_EQ(CountOf<StartGetNodes>(effects), 1u);
  EXPECT_TRUE(mailbox_.timers().contains(old_timer));
  EXPECT_EQ(state_.timer_ref, old_timer);

  ASSERT_TRUE(mailbox_.FireTimer(old_timer));
  Run(5010);
  EXPECT_TRUE(state_.should_retry_get_nodes);
  EXPECT_EQ(state_.get_nodes_status, TaskStatus::kRunning);
}

TEST_F(EngineTest, Quirk_DroppingQueuedChecksSwallowsANodeupCheck) {
  // A check queued by a nodeup just before a get_nodes result is dropped by
  // that result's timer replacement, so no get_nodes follows the nodeup.
  StartWithMailbox();
  Run(0);
  mailbox_.Post(GetNodesDone{GetNodesResult::Ok({}), 0});
  Run(10);
  ASSERT_TRUE(mailbox_.FireTimer(*state_.timer_ref));
  Run(5010);  // get_nodes runs
  Connect(kC);
  mailbox_.Post(Nodeup{kC});
  mailbox_.Post(GetNodesDone{GetNodesResult::Ok({}), 0});
  const Effects effects = Run(5020);
  EXPECT_EQ(CountOf<DropQueuedChecks>(effects), 1u);
  EXPECT_EQ(CountOf<StartGetNodes>(effects), 0u);
  EXPECT_EQ(state_.get_nodes_status, TaskStatus::kNotRunning);
  EXPECT_TRUE(mailbox_.empty());
}

TEST_F(EngineTest, Quirk_DroppingQueuedChecksSwallowsAnAddTableCheck) {
  // A check queued by add_table just before a get_nodes result is dropped by
  // that result's timer replacement, so no get_nodes follows the add_table.
  StartWithMailbox();
  Run(0);
  mailbox_.Post(GetNodesDone{GetNodesResult::Ok({}), 0});
  Run(10);
  ASSERT_TRUE(mailbox_.FireTimer(*state_.timer_ref));
  Run(5010);  // get_nodes runs
  mailbox_.Post(AddTable{"t"});
  mailbox_.Post(GetNodesDone{GetNodesResult::Ok({}), 0});
  const Effects effects = Run(5020);
  EXPECT_EQ(CountOf<DropQueuedChecks>(effects), 1u);
  EXPECT_EQ(CountOf<StartGetNodes>(effects), 0u);
  EXPECT_EQ(state_.tables, (TableList{"t"}));
  EXPECT_TRUE(mailbox_.empty());
}

TEST_F(EngineTest, Quirk_BeforeAnyCheckTimerQueuedChecksSurvive) {
  // The first result never drops checks (no timer was ever set), so a nodeup's
  // check queued before it does start another get_nodes.
  StartWithMailbox();
  Run(0);  // the first get_nodes runs
  Connect(kC);
  mailbox_.Post(Nodeup{kC});
  mailbox_.Post(GetNodesDone{GetNodesResult::Ok({}), 0});
  const Effects effects = Run(10);
  EXPECT_EQ(CountOf<DropQueuedChecks>(effects), 0u);
  EXPECT_EQ(CountOf<StartGetNodes>(effects), 1u);
  EXPECT_EQ(state_.get_nodes_status, TaskStatus::kRunning);
}

}  // namespace
}  // namespace discosim::engine
