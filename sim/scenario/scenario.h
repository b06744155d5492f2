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
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/types.h"
#include "sim/world/action.h"
#include "sim/world/config.h"

namespace discosim::scenario {

// The world's and the engine's vocabulary, used as is: a scenario adds only
// what a file needs (where things were written, the text as written, which
// keys were given).
using engine::NodeName;
using engine::Phase;
using engine::RetryType;
using engine::TableName;
using engine::TaskStatus;
using world::AutoConnect;
using world::BackendConfig;
using world::LatencyRange;
using world::NodeSettings;
using world::Visibility;
using world::action::DnsAnswer;
using world::action::NodePair;
using world::action::Request;

// Where something was written: 1-based line and column (columns count bytes).
struct SourcePosition {
  std::string file;
  int line = 0;
  int column = 0;
  friend bool operator==(const SourcePosition&, const SourcePosition&) = default;
};

// ---------------------------------------------------------------------------
// Backends.

// Backend keys given in one place (a node's `backend:`, the top-level
// `backend:`); unset keys keep the value they had. `nodes`, when given, is a
// list of declared nodes, no repeats.
struct BackendOverrides {
  std::optional<std::vector<NodeName>> nodes;
  std::optional<LatencyRange> latency;
  std::optional<double> error_rate;
  std::optional<double> crash_rate;
  friend bool operator==(const BackendOverrides&, const BackendOverrides&) = default;
};

// `base` with every key set in `overrides` replaced.
BackendConfig ApplyOverrides(const BackendConfig& base, const BackendOverrides& overrides);

// ---------------------------------------------------------------------------
// Nodes.

// Whether the run starts the node at `start_at_ms` or never (`start: false`).
enum class StartMode { kAtStartTime, kNever };
// Whether the node's host has a DNS entry. Default: a node that is started
// has one, a node with `start: false` has none (unless `resolvable: true`).
enum class DnsEntry { kResolvable, kUnresolvable };

struct Node {
  NodeName name;
  NodeSettings settings;  // the defaults with the settings keys written on this node
  // `host` (an extension), in effect: the shared host, declared under
  // `hosts`, the node runs on; none: a host of its own with 2 cores. Opts
  // into the calibrated join model.
  std::optional<std::string> host;
  // The settings keys (node_settings.h, and `host`) written on this node.
  std::set<std::string> settings_keys;
  int64_t start_at_ms = 0;
  StartMode start = StartMode::kAtStartTime;
  DnsEntry dns_entry = DnsEntry::kResolvable;
  std::optional<std::vector<TableName>> tables_override;  // this node's `tables:`
  std::vector<TableName> tables;                          // its tables, in effect
  std::optional<BackendOverrides> backend_override;       // this node's `backend:`
  BackendConfig backend;  // its backend, in effect; nodes none: every declared node
  SourcePosition position;
  // The position in `nodes:` of the node template (`names:` and `count:`,
  // an extension) that declared it; none for a node declared by name.
  std::optional<size_t> template_item;
};

// ---------------------------------------------------------------------------
// Timeline actions (one per step).
//
// A step whose action the world has as is (start, stop, restart, partition,
// cut, disconnect, slow_connect, add_table, delete_table, call) holds the
// world's action; the others keep what the file needs: which keys were
// given (dns, backend, backend_fail), the heal written as one key, the raw
// message as spelled. A `call` without an id has an empty id (not written) here; the
// run names it "timeline[<index>]" (to_world.h). Call ids are unique.

struct HealAction {
  enum class Scope { kAll, kLinks };
  Scope scope = Scope::kAll;
  std::vector<NodePair> links;  // kLinks only
};
// Changes how `node`'s name resolves. Unset keys keep their value; at least
// one is set.
struct DnsAction {
  NodeName node;
  std::optional<int64_t> delay_ms;
  std::optional<DnsAnswer> outcome;  // `fail: true` -> kFails
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

// A raw message put into a discovery mailbox.
struct RawMessage {
  enum class Kind { kCheck, kEnterRegularPhase, kNodeup, kNodedown, kPingResult, kUnknown };
  Kind kind = Kind::kCheck;
  NodeName node;  // kNodeup, kNodedown, kPingResult
  engine::PingResult::Outcome outcome = engine::PingResult::Outcome::kPang;  // kPingResult
  friend bool operator==(const RawMessage&, const RawMessage&) = default;
};
struct SendAction {
  NodeName node;
  RawMessage message;
};

using Action = std::variant<world::action::Start, world::action::Stop, world::action::Restart,
                            world::action::Partition, world::action::Cut, HealAction,
                            world::action::Disconnect, DnsAction, world::action::SlowConnect,
                            BackendAction, BackendFailAction, world::action::AddTable,
                            world::action::DeleteTable, SendAction, world::action::Call,
                            world::action::BackendCrash>;

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

// The kinds of engine::MissingTask, in the order of its alternatives.
enum class MissingTaskKind { kBadLastGetNodesResult, kStillWaitingForPangs, kWaitingForJoinResult };

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
  std::optional<engine::GetNodesResult::Kind> last_get_nodes_result;
};

// What a call returned: ok, timeout, exit (the discovery process died
// while the call waited), or (get_tables) a table list.
struct ReplyResult {
  enum class Kind { kOk, kTimeout, kTables, kExit };
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
  world::LockWait wait = world::LockWait::kSpin;  // `wait: spin | sleep`
  int64_t sleep_ms = 1;                // `sleep`, with wait: sleep; > 0
  std::optional<LatencyRange> backoff; // `backoff: 5ms | [1ms, 20ms]`: a pause after a failed attempt
  bool recheck_joined = false;         // `recheck_joined`
  friend bool operator==(const JoinLockOptions&, const JoinLockOptions&) = default;
};

// `cets:` (extension) what-if changes to cets 0.2.0 itself; as released
// when absent.
struct CetsOptions {
  // `check_merge` (what-if): send_dump fails with cluster_changed when a
  // member's cluster changed after its answer to the second consistency check.
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
  NodeSettings defaults;                   // `defaults`
  std::optional<std::string> default_host; // `defaults: {host: ...}`
  std::vector<TableName> tables;  // top-level `tables`
  BackendConfig backend;          // top-level `backend`
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

// The spelling of each value in scenario files (Phase, RetryType and
// TaskStatus: engine::ToString, the same spelling).
std::string_view ToString(AutoConnect value);
std::string_view ToString(Request value);
std::string_view ToString(engine::PingResult::Outcome value);
std::string_view ToString(RawMessage::Kind value);
std::string_view ToString(MissingTaskKind value);
std::string_view ToString(engine::GetNodesResult::Kind value);

// The key of an action as written in a timeline step ("partition", ...).
std::string_view ActionKey(const Action& action);
// The key of a condition as written in an expectation ("joined", ...).
std::string_view ConditionKey(const Condition& condition);
// The key of a qualifier ("at", "by", "always", "never", "after_heal").
std::string_view QualifierKey(const Qualifier& qualifier);

}  // namespace discosim::scenario

#endif  // DISCOSIM_SIM_SCENARIO_SCENARIO_H_
