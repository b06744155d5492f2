// The validated data model of a scenario file: what `ParseScenario`
// (sim/scenario/parse.h) produces and what the runner consumes.
//
// Everything here is plain data: no yaml-cpp type, no I/O. A `Scenario` that
// came out of the parser satisfies every rule of docs/scenario-format.md:
// node names are `name@host` and declared once, every node reference names a
// declared node, the timeline is in time order, each step has exactly one
// action and each expectation exactly one qualifier and one condition, every
// time lies in [0, duration_ms], and probabilities lie in [0, 1].
//
// Times and durations are int64 milliseconds of virtual time, named `_ms`.
// A time (`at_ms`, `from_ms`, ...) counts from the start of the run (t=0).
//
// Usage:
//   absl::StatusOr<Scenario> scenario = LoadScenarioFile("scenarios/x.yaml");
//   for (const Node& node : scenario->nodes) Start(node.name, node.settings);
//   for (const TimelineStep& step : scenario->timeline) std::visit(..., step.action);
#ifndef DISCOSIM_SIM_SCENARIO_SCENARIO_H_
#define DISCOSIM_SIM_SCENARIO_SCENARIO_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace discosim::scenario {

// An Erlang node name, `name@host`, exactly as declared under `nodes`.
using NodeName = std::string;
// A CETS table name.
using TableName = std::string;

// Where something was written: 1-based line and column (columns count bytes).
struct SourcePosition {
  std::string file;
  int line = 0;
  int column = 0;
  friend bool operator==(const SourcePosition&, const SourcePosition&) = default;
};

// ---------------------------------------------------------------------------
// Node settings (`defaults:` and the same keys on each node).

// OTP's `dist_auto_connect`: always (OTP's default), once or never.
enum class DistAutoConnect { kAlways, kOnce, kNever };
// global's `connect_all`.
enum class ConnectAll { kOff, kOn };
// global's `prevent_overlapping_partitions`.
enum class OverlapPrevention { kOff, kOn };
// A hidden node's connections never show in `nodes()` (and so not to discovery).
enum class Visibility { kVisible, kHidden };

// The node's resolver cache (`dns_cache_ttl`, an extension of the shared
// format): kNone is OTP's default native lookup, which caches nothing, so
// every lookup pays the DNS delay; kTtl caches an answer for `ttl_ms`.
struct DnsCache {
  enum class Mode { kNone, kTtl };
  Mode mode = Mode::kNone;
  int64_t ttl_ms = 0;  // kTtl only
  friend bool operator==(const DnsCache&, const DnsCache&) = default;
};

// The settings of one node, with the defaults of docs/scenario-format.md.
struct NodeSettings {
  DistAutoConnect dist_auto_connect = DistAutoConnect::kAlways;
  ConnectAll connect_all = ConnectAll::kOn;
  OverlapPrevention prevent_overlapping_partitions = OverlapPrevention::kOn;
  Visibility visibility = Visibility::kVisible;  // `hidden`
  int64_t net_ticktime_ms = 60'000;
  int64_t net_setuptime_ms = 7'000;
  int64_t latency_ms = 1;       // one-way message delay between two nodes
  int64_t dns_delay_ms = 0;     // time to resolve this node's name
  int64_t connect_delay_ms = 0; // time for a connection setup to this node to succeed
  DnsCache dns_cache;           // `dns_cache_ttl`
  // `host` (an extension): the shared host, declared under `hosts`, the node
  // runs on; none: a host of its own with 2 cores. Opts into the calibrated
  // join model.
  std::optional<std::string> host;
  friend bool operator==(const NodeSettings&, const NodeSettings&) = default;
};

// The settings keys one node sets for itself (unset keys come from defaults).
struct NodeSettingsOverrides {
  std::optional<DistAutoConnect> dist_auto_connect;
  std::optional<ConnectAll> connect_all;
  std::optional<OverlapPrevention> prevent_overlapping_partitions;
  std::optional<Visibility> visibility;  // `hidden`
  std::optional<int64_t> net_ticktime_ms;
  std::optional<int64_t> net_setuptime_ms;
  std::optional<int64_t> latency_ms;
  std::optional<int64_t> dns_delay_ms;
  std::optional<int64_t> connect_delay_ms;
  std::optional<DnsCache> dns_cache;
  std::optional<std::string> host;
  friend bool operator==(const NodeSettingsOverrides&, const NodeSettingsOverrides&) = default;
};

// `base` with every key set in `overrides` replaced.
NodeSettings ApplyOverrides(const NodeSettings& base, const NodeSettingsOverrides& overrides);

// ---------------------------------------------------------------------------
// Backends.

// What get_nodes returns: every declared node (the default) or a list.
struct BackendNodes {
  enum class Kind { kEveryDeclaredNode, kListed };
  Kind kind = Kind::kEveryDeclaredNode;
  std::vector<NodeName> listed;  // kListed only; declared nodes, no repeats
  friend bool operator==(const BackendNodes&, const BackendNodes&) = default;
};

// A latency drawn per call from [min_ms, max_ms] (min_ms == max_ms: fixed).
// INVARIANT: 0 <= min_ms <= max_ms.
struct LatencyRange {
  int64_t min_ms = 0;
  int64_t max_ms = 0;
  friend bool operator==(const LatencyRange&, const LatencyRange&) = default;
};

// A get_nodes backend. error_rate is the probability in [0, 1] that one call
// returns {error, simulated}.
struct Backend {
  BackendNodes nodes;
  LatencyRange latency;  // default 0ms: a local file answers at once
  double error_rate = 0.0;
  friend bool operator==(const Backend&, const Backend&) = default;
};

// Backend keys given in one place (a node's `backend:`, a `backend` action);
// unset keys keep the value they had.
struct BackendOverrides {
  std::optional<BackendNodes> nodes;
  std::optional<LatencyRange> latency;
  std::optional<double> error_rate;
  friend bool operator==(const BackendOverrides&, const BackendOverrides&) = default;
};

// `base` with every key set in `overrides` replaced.
Backend ApplyOverrides(const Backend& base, const BackendOverrides& overrides);

// ---------------------------------------------------------------------------
// Nodes.

// Whether the run starts the node at `start_at_ms` or never (`start: false`).
enum class StartMode { kAtStartTime, kNever };
// Whether the node's host has a DNS entry. Default: a node that is started
// has one, a node with `start: false` has none (unless `resolvable: true`).
enum class DnsEntry { kResolvable, kUnresolvable };

struct Node {
  NodeName name;
  NodeSettingsOverrides overrides;  // the settings keys written on this node
  NodeSettings settings;            // defaults with `overrides` applied
  int64_t start_at_ms = 0;
  StartMode start = StartMode::kAtStartTime;
  DnsEntry dns_entry = DnsEntry::kResolvable;
  std::optional<std::vector<TableName>> tables_override;  // this node's `tables:`
  std::vector<TableName> tables;                          // its tables, in effect
  std::optional<BackendOverrides> backend_override;       // this node's `backend:`
  Backend backend;                                        // its backend, in effect
  SourcePosition position;
};

// Two distinct declared nodes: a link, a connection or a pair to check.
struct NodePair {
  NodeName first;
  NodeName second;
  friend bool operator==(const NodePair&, const NodePair&) = default;
};

// ---------------------------------------------------------------------------
// Timeline actions (one per step).

struct StartAction {
  std::vector<NodeName> nodes;
};
struct StopAction {
  std::vector<NodeName> nodes;
};
struct RestartAction {
  std::vector<NodeName> nodes;
};
// Groups that cannot talk to each other; unlisted nodes form one more group.
// No node is in two groups.
struct PartitionAction {
  std::vector<std::vector<NodeName>> groups;
};
struct CutAction {
  std::vector<NodePair> links;
};
struct HealAction {
  enum class Scope { kAll, kLinks };
  Scope scope = Scope::kAll;
  std::vector<NodePair> links;  // kLinks only
};
struct DisconnectAction {
  std::vector<NodePair> pairs;
};
// Changes how `node`'s name resolves. Unset keys keep their value; at least
// one is set.
enum class DnsOutcome { kResolves, kFails };
struct DnsAction {
  NodeName node;
  std::optional<int64_t> delay_ms;
  std::optional<DnsOutcome> outcome;  // `fail: true` -> kFails
};
struct SlowConnectAction {
  NodeName node;
  int64_t delay_ms = 0;
};
// Changes the backend of `node` (nullopt: of every node). At least one key set.
struct BackendAction {
  std::optional<NodeName> node;
  BackendOverrides changes;
};
// The next `count` get_nodes calls fail, or every call until `until_ms`.
struct BackendFailAction {
  enum class Kind { kCount, kUntil };
  std::optional<NodeName> node;  // nullopt: every node (an extension)
  Kind kind = Kind::kCount;
  int64_t count = 0;     // kCount: >= 1
  int64_t until_ms = 0;  // kUntil: a time after the step's at_ms
};
struct AddTableAction {
  NodeName node;
  TableName table;
};
struct DeleteTableAction {
  NodeName node;
  TableName table;
};

enum class PingOutcome { kPong, kPang };
// A raw message put into a discovery mailbox.
struct RawMessage {
  enum class Kind { kCheck, kEnterRegularPhase, kNodeup, kNodedown, kPingResult, kUnknown };
  Kind kind = Kind::kCheck;
  NodeName node;                            // kNodeup, kNodedown, kPingResult
  PingOutcome outcome = PingOutcome::kPang; // kPingResult
  friend bool operator==(const RawMessage&, const RawMessage&) = default;
};
struct SendAction {
  NodeName node;
  RawMessage message;
};

enum class CallRequest { kWaitForReady, kWaitForGetNodes, kGetTables, kSystemInfo };
struct CallAction {
  NodeName node;
  CallRequest request = CallRequest::kWaitForReady;
  int64_t timeout_ms = 5'000;  // gen_server:call's default when not given
  std::string id;              // empty: not written; otherwise unique among calls
};

using Action = std::variant<StartAction, StopAction, RestartAction, PartitionAction, CutAction,
                            HealAction, DisconnectAction, DnsAction, SlowConnectAction,
                            BackendAction, BackendFailAction, AddTableAction,
                            DeleteTableAction, SendAction, CallAction>;

struct TimelineStep {
  int64_t at_ms = 0;  // non-decreasing along the timeline
  Action action;
  SourcePosition position;
  std::string as_written;  // e.g. `{at: 1m, partition: [[a@h1], [b@h2]]}`
};

// ---------------------------------------------------------------------------
// Expectations: one qualifier and one condition each.

struct AtQualifier {
  int64_t at_ms = 0;
};
// Holds at some instant in [from_ms, by_ms].
struct ByQualifier {
  int64_t by_ms = 0;
  int64_t from_ms = 0;
};
// Window [from_ms, until_ms]; until_ms nullopt: to the end of the run.
struct AlwaysQualifier {
  int64_t from_ms = 0;
  std::optional<int64_t> until_ms;
};
struct NeverQualifier {
  int64_t from_ms = 0;
  std::optional<int64_t> until_ms;
};
// Holds within `within_ms` of the last fault being removed.
struct AfterHealQualifier {
  int64_t within_ms = 0;
};
using Qualifier = std::variant<AtQualifier, ByQualifier, AlwaysQualifier, NeverQualifier,
                               AfterHealQualifier>;

// `all` (every running node at the time of the check) or listed nodes.
struct NodeSelection {
  enum class Kind { kAll, kListed };
  Kind kind = Kind::kAll;
  std::vector<NodeName> listed;  // kListed only
  friend bool operator==(const NodeSelection&, const NodeSelection&) = default;
};

struct ReadyCondition {
  NodeSelection nodes;
};
// On each selected node, table's cluster is exactly (kExactly, `nodes:`) or
// contains (kIncludes, `includes:`) the selected nodes.
enum class ClusterMatch { kExactly, kIncludes };
struct JoinedCondition {
  TableName table;
  ClusterMatch match = ClusterMatch::kExactly;
  NodeSelection nodes;
};

// Values of system_info fields, spelled as Erlang prints them.
enum class Phase { kInitial, kRegular };
enum class RetryType { kInitial, kAfterError, kRegular, kAfterNodedown };
enum class TaskStatus { kNotRunning, kRunning };
enum class MissingTaskKind { kBadLastGetNodesResult, kStillWaitingForPangs, kWaitingForJoinResult };
enum class GetNodesResultKind { kNotCalledYet, kOk, kError };

// Each set field of system_info must equal the value; at least one is set.
struct InfoCondition {
  NodeName node;
  std::optional<Phase> phase;
  std::optional<RetryType> retry_type;
  std::optional<RetryType> last_get_nodes_retry_type;
  std::optional<TaskStatus> get_nodes_status;
  std::optional<TaskStatus> join_status;
  std::optional<bool> should_retry_get_nodes;
  std::optional<bool> should_retry_join;
  std::optional<std::vector<NodeName>> nodes;              // compared as a set
  std::optional<std::vector<NodeName>> unavailable_nodes;  // compared as a set
  std::optional<std::vector<TableName>> tables;            // compared as a set
  std::optional<std::vector<MissingTaskKind>> verify_ready;  // [] means ready
  std::optional<GetNodesResultKind> last_get_nodes_result;
};

// What a call returned: ok, timeout, or (get_tables) a table list.
struct ReplyResult {
  enum class Kind { kOk, kTimeout, kTables };
  Kind kind = Kind::kOk;
  std::vector<TableName> tables;  // kTables only
  friend bool operator==(const ReplyResult&, const ReplyResult&) = default;
};
struct ReplyCondition {
  std::string call_id;  // the id of a `call` step
  ReplyResult result;
};

struct ConnectedCondition {
  std::vector<NodePair> pairs;
};
struct DisconnectedCondition {
  std::vector<NodePair> pairs;
};

// The backend of `node` was called `count` times so far, or its calls so far
// started exactly at `times_ms` (non-decreasing).
struct GetNodesCallsCondition {
  enum class Kind { kCount, kTimes };
  NodeName node;
  Kind kind = Kind::kCount;
  int64_t count = 0;
  std::vector<int64_t> times_ms;
};

// A log record field value: integers compare as integers, the rest as text.
using LogFieldValue = std::variant<int64_t, std::string>;
struct LogField {
  std::string name;
  LogFieldValue value;
  friend bool operator==(const LogField&, const LogField&) = default;
};
// `node` emitted a record with `what` (when set), these field values and the
// fields named in `has`: at least once, or exactly `count` times when set.
struct LogCondition {
  NodeName node;
  std::optional<std::string> what;
  std::vector<LogField> fields;  // in the order written
  std::vector<std::string> has;
  std::optional<int64_t> count;
};

struct NoOverlappingPartitionsCondition {};

// On every running node, each table server's cluster holds, besides the node
// itself, only nodes that node is visibly connected to (its nodes()): a
// hidden node is never a member, and a member whose nodedown the node has
// seen is gone. Written by the fuzzer (sim/fuzz) for its membership property.
struct ClusterMembersConnectedCondition {};

using Condition =
    std::variant<ReadyCondition, JoinedCondition, InfoCondition, ReplyCondition,
                 ConnectedCondition, DisconnectedCondition, GetNodesCallsCondition,
                 LogCondition, NoOverlappingPartitionsCondition,
                 ClusterMembersConnectedCondition>;

struct Expectation {
  Qualifier qualifier;
  Condition condition;
  SourcePosition position;
  std::string as_written;  // e.g. `{by: 3m, ready: all}`, for the report
};

// ---------------------------------------------------------------------------
// The calibrated join model (extensions): `join_lock` and `hosts`.

// `join_lock:` the lock cets takes around each join, as released unless a
// what-if option is set. Writing it (even `join_lock: {}`) or `hosts`
// selects the calibrated join model: the lock at message level, the CPU
// model, merge costs as measured (docs/join-model.md).
struct JoinLockOptions {
  enum class Wait { kSpin, kSleep };
  Wait wait = Wait::kSpin;             // `wait: spin | sleep`
  int64_t sleep_ms = 1;                // `sleep`, with wait: sleep; > 0
  std::optional<LatencyRange> backoff; // `backoff: 5ms | [1ms, 20ms]`: a pause after a failed attempt
  bool recheck_joined = false;         // `recheck_joined`
  friend bool operator==(const JoinLockOptions&, const JoinLockOptions&) = default;
};

// `cets:` (extension) what-if changes to cets 0.2.0 itself; as released
// when absent.
struct CetsOptions {
  // `check_merge`: a join merges only if every member's cluster is still what
  // its consistency check saw; otherwise the pair fails with cluster_changed.
  bool check_merge = false;
  friend bool operator==(const CetsOptions&, const CetsOptions&) = default;
};

// One of `hosts:`: a machine whose cores its nodes share.
struct Host {
  std::string name;  // not empty, unique
  int64_t cores = 2; // >= 1
  SourcePosition position;
};

// ---------------------------------------------------------------------------

struct Scenario {
  std::string source_file;  // the file name given to the parser
  std::string name;
  std::string description;
  uint64_t seed = 1;
  int64_t duration_ms = 0;  // > 0
  NodeSettings defaults;
  std::vector<TableName> tables;  // top-level `tables`
  Backend backend;                // top-level `backend`
  std::optional<JoinLockOptions> join_lock;  // `join_lock`
  std::vector<Host> hosts;                   // `hosts`
  CetsOptions cets;                          // `cets`
  std::vector<Node> nodes;        // at least one, in the order declared
  std::vector<TimelineStep> timeline;
  std::vector<Expectation> expectations;

  // The declared node of that name, or nullptr.
  const Node* FindNode(std::string_view name) const;
  // Whether the scenario runs the calibrated join model (`join_lock` or
  // `hosts` written).
  bool CalibratedJoinModel() const { return join_lock.has_value() || !hosts.empty(); }
};

// The spelling of each value in scenario files.
std::string_view ToString(DistAutoConnect value);
std::string_view ToString(CallRequest value);
std::string_view ToString(PingOutcome value);
std::string_view ToString(RawMessage::Kind value);
std::string_view ToString(Phase value);
std::string_view ToString(RetryType value);
std::string_view ToString(TaskStatus value);
std::string_view ToString(MissingTaskKind value);
std::string_view ToString(GetNodesResultKind value);

// The key of an action as written in a timeline step ("partition", ...).
std::string_view ActionKey(const Action& action);
// The key of a condition as written in an expectation ("joined", ...).
std::string_view ConditionKey(const Condition& condition);
// The key of a qualifier ("at", "by", "always", "never", "after_heal").
std::string_view QualifierKey(const Qualifier& qualifier);

}  // namespace discosim::scenario

#endif  // DISCOSIM_SIM_SCENARIO_SCENARIO_H_
