// Vocabulary of the discovery engine: names, time, the state, messages in and
// effects out. A faithful port of the types of CETS 0.2.0 `cets_discovery`
// (its exported API and its #state{} record), in C++.
//
// Nothing here reads a clock or does I/O. Time is an integer count of
// virtual milliseconds handed in by the caller. Intervals are plain `_ms`
// integers rather than absl::Duration because absl/time pulls in <chrono>,
// which engine/ must not reach.
#ifndef DISCOSIM_ENGINE_TYPES_H_
#define DISCOSIM_ENGINE_TYPES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace discosim::engine {

// Virtual time and durations, in milliseconds.
using TimeMs = int64_t;
// An Erlang node name, `name@host`.
using NodeName = std::string;
// A CETS table name.
using TableName = std::string;
// Sorted sets, as Erlang's ordsets: iteration order is the sort order.
using NodeSet = std::set<NodeName>;
// The `tables` list: an Erlang list, in its own order, duplicates allowed.
using TableList = std::vector<TableName>;
// Who waits on a call (Erlang's gen_server:from()). Chosen by the caller.
using CallerId = uint64_t;
// A timer the engine asked for. Allocated by the engine itself.
using TimerId = uint64_t;
// The backend's state, opaque to the engine (threaded through get_nodes).
using BackendState = uint64_t;

// The five intervals of cets_discovery, with the CETS defaults.
struct Config {
  TimeMs initial_interval_ms = 5'000;            // check interval, phase initial
  TimeMs after_error_interval_ms = 1'000;        // after get_nodes errored
  TimeMs regular_interval_ms = 300'000;          // phase regular
  TimeMs after_nodedown_interval_ms = 30'000;    // soon after a nodedown
  TimeMs enter_regular_phase_ms = 300'000;       // start -> phase regular
};

enum class Phase { kInitial, kRegular };
enum class RetryType { kInitial, kAfterError, kRegular, kAfterNodedown };
enum class TaskStatus { kNotRunning, kRunning };

// last_get_nodes_result: not_called_yet | {ok, Nodes} | {error, Reason}.
struct GetNodesResult {
  enum class Kind { kNotCalledYet, kOk, kError };
  Kind kind = Kind::kNotCalledYet;
  std::vector<NodeName> nodes;  // kOk: the list as the backend returned it
  std::string error;            // kError: the reason

  static GetNodesResult Ok(std::vector<NodeName> nodes) {
    return {Kind::kOk, std::move(nodes), {}};
  }
  static GetNodesResult Error(std::string reason) {
    return {Kind::kError, {}, std::move(reason)};
  }
  bool ok() const { return kind == Kind::kOk; }
  friend bool operator==(const GetNodesResult&, const GetNodesResult&) = default;
};

// One (node, table) pair of a join task, node-major.
struct JoinPair {
  NodeName node;
  TableName table;
  friend auto operator<=>(const JoinPair&, const JoinPair&) = default;
};

// A join_result() map: `what` is join_result (with ok or {error, Reason}) when
// both table servers exist, pid_not_found (with the reason) otherwise.
struct JoinResult {
  enum class What { kJoinResult, kPidNotFound };
  NodeName node;
  TableName table;
  What what = What::kJoinResult;
  bool ok = true;      // kJoinResult: result ok (true) or {error, reason}
  std::string reason;  // the error or the pid_not_found reason
  friend bool operator==(const JoinResult&, const JoinResult&) = default;
};

// The state() map of cets_discovery, field for field in snake_case, plus the
// engine's own timer id counter (Erlang gets fresh refs from the runtime).
struct State {
  Phase phase = Phase::kInitial;
  std::vector<JoinResult> results;
  NodeSet nodes;
  NodeSet unavailable_nodes;
  TableList tables;  // the option as given; add/delete as ordsets would on it
  BackendState backend_state = 0;
  TaskStatus get_nodes_status = TaskStatus::kNotRunning;
  bool should_retry_get_nodes = false;
  GetNodesResult last_get_nodes_result;
  RetryType last_get_nodes_retry_type = RetryType::kInitial;
  TaskStatus join_status = TaskStatus::kNotRunning;
  bool should_retry_join = false;
  std::optional<TimerId> timer_ref;
  // Newest caller first, as CETS prepends; answered front to back.
  std::vector<CallerId> pending_wait_for_ready;
  std::vector<CallerId> pending_wait_for_get_nodes;
  std::map<NodeName, TimeMs> nodeup_timestamps;
  std::map<NodeName, TimeMs> nodedown_timestamps;
  std::map<NodeName, TimeMs> node_start_timestamps;
  TimeMs start_time = 0;

  // Not part of the Erlang state: the configured intervals, the next timer
  // id to hand out, and whether the process has a registered name.
  Config config;
  TimerId next_timer_id = 1;
  bool registered = true;  // Options::registered (process info, not state)
};

// One entry of verify_ready's list of missing tasks, in this order of kinds.
struct BadLastGetNodesResult {
  GetNodesResult result;
  friend bool operator==(const BadLastGetNodesResult&, const BadLastGetNodesResult&) = default;
};
struct StillWaitingForPangs {
  std::vector<NodeName> nodes;
  friend bool operator==(const StillWaitingForPangs&, const StillWaitingForPangs&) = default;
};
struct WaitingForJoinResult {
  std::vector<JoinPair> pairs;
  friend bool operator==(const WaitingForJoinResult&, const WaitingForJoinResult&) = default;
};
using MissingTask =
    std::variant<BadLastGetNodesResult, StillWaitingForPangs, WaitingForJoinResult>;

// ---------------------------------------------------------------------------
// Messages: everything that reaches the discovery process's mailbox.

struct Check {};
struct EnterRegularPhase {};
struct GetNodesDone {  // the get_nodes call finished
  GetNodesResult result;
  BackendState backend_state = 0;
};
struct Nodeup {
  NodeName node;
};
struct Nodedown {
  NodeName node;
};
struct StartTimeMsg {  // a peer's discovery sent its start time
  NodeName node;
  TimeMs start_time = 0;
};
struct JoiningFinished {
  std::vector<JoinResult> results;
};
struct PingResult {
  enum class Outcome { kPong, kPang };
  NodeName node;
  Outcome outcome = Outcome::kPang;
};
struct AddTable {  // cast
  TableName table;
};
struct DeleteTable {  // cast
  TableName table;
};
struct GetTablesCall {
  CallerId caller = 0;
};
struct SystemInfoCall {
  CallerId caller = 0;
};
struct WaitForReadyCall {
  CallerId caller = 0;
};
struct WaitForGetNodesCall {
  CallerId caller = 0;
};
// Anything the process does not know. A call carries a caller to answer.
struct UnknownMessage {
  enum class Kind { kInfo, kCall, kCast };
  Kind kind = Kind::kInfo;
  std::string description;
  CallerId caller = 0;  // kCall only
};

using Message =
    std::variant<Check, EnterRegularPhase, GetNodesDone, Nodeup, Nodedown, StartTimeMsg,
                 JoiningFinished, PingResult, AddTable, DeleteTable, GetTablesCall,
                 SystemInfoCall, WaitForReadyCall, WaitForGetNodesCall, UnknownMessage>;

// ---------------------------------------------------------------------------
// Effects: what the engine asks its world to do, in order.

struct StartGetNodes {
  BackendState backend_state = 0;
};
struct StartPing {
  NodeName node;
};
struct StartJoinTask {
  std::vector<JoinPair> pairs;  // joined one at a time, in this order
};
// Deliver `message` (Check or EnterRegularPhase) to the mailbox after delay_ms.
struct StartTimer {
  TimerId timer = 0;
  TimeMs delay_ms = 0;
  Message message;
};
// Cancelling a timer that already fired, or never existed, does nothing.
struct CancelTimer {
  TimerId timer = 0;
};
struct SendToSelf {
  Message message;
};
// Remove every Check queued in the mailbox right now.
struct DropQueuedChecks {};

struct SystemInfo {
  State state;
  std::vector<MissingTask> verify_ready;
  RetryType retry_type = RetryType::kInitial;
};
struct ReplyOk {};
struct ReplyTables {
  std::vector<TableName> tables;
};
struct ReplyUnexpectedCall {};  // {error, unexpected_call}
using ReplyValue = std::variant<ReplyOk, ReplyTables, SystemInfo, ReplyUnexpectedCall>;

struct Reply {
  CallerId caller = 0;
  ReplyValue value;
};
// Send our start time to the discovery process on `node`.
struct SendStartTime {
  NodeName node;
  TimeMs start_time = 0;
};

// A structured log record, as the Erlang logger map: `what` plus named
// fields in the order they were added.
enum class LogLevel { kInfo, kWarning, kError };
using LogValue = std::variant<int64_t, std::string>;
struct LogRecord {
  LogLevel level = LogLevel::kInfo;
  std::string what;
  std::vector<std::pair<std::string, LogValue>> fields;

  // The field's value, or nullptr when absent.
  const LogValue* Find(std::string_view key) const;
};
struct Log {
  LogRecord record;
};

using Effect = std::variant<StartGetNodes, StartPing, StartJoinTask, StartTimer, CancelTimer,
                            SendToSelf, DropQueuedChecks, Reply, SendStartTime, Log>;
using Effects = std::vector<Effect>;

// What `nodes()` returns on the local node at the instant of a step: the
// visible connected nodes (never hidden ones) and the local node's name.
struct View {
  const NodeName& local_node;
  const NodeSet& connected;
};

// ---------------------------------------------------------------------------
// Names as Erlang prints them, for logs, traces and scenario matching.
const char* ToString(Phase phase);
const char* ToString(RetryType type);
const char* ToString(TaskStatus status);
const char* ToString(JoinResult::What what);
const char* ToString(LogLevel level);
// "not_called_yet", "ok" or "error".
const char* KindName(const GetNodesResult& result);
// "bad_last_get_nodes_result", "still_waiting_for_pangs", "waiting_for_join_result".
const char* KindName(const MissingTask& task);
// A join_result's `result` as Erlang prints it: "ok" or "{error,Reason}".
std::string ResultText(const JoinResult& result);
// The message's Erlang shape, e.g. "check", "{nodeup, 'b@h2'}".
std::string Describe(const Message& message);
std::string Describe(const Effect& effect);
std::string Describe(const LogRecord& record);

}  // namespace discosim::engine

#endif  // DISCOSIM_ENGINE_TYPES_H_
