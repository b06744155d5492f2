// The world's insides, shared by its parts. `Sim` holds every piece of state
// of a run; each part of the world-model page is implemented by the member
// functions in the file named for it:
//
//   world.cc       build, the run loop, event dispatch, the public API
//   nodes.cc       start, stop, restart; timeline actions
//   network.cc     reachability, latency and FIFO order, connection ends,
//                  tick-timeout detection, closes, sends
//   net_kernel.cc  DNS, connection setup, explicit and auto connects
//   global.cc      connect_all sync, prevent_overlapping_partitions, the lock
//   cets.cc        table servers, rpc, cets_ping, the join task
//   cpu.cc         hosts and cores: hop costs, waits for a core
//   backend.cc     get_nodes backends
//   discovery.cc   the engine adapter: mailboxes, effects, calls, logs
//
// Nodes are indexed 0..N-1 in sorted name order, so index order is name
// order. Anything that can outlive its node's incarnation (events, tasks,
// messages) carries the incarnation or an id that a stop erases, and is
// dropped when it no longer matches. Every container that is iterated is
// ordered (std::map, absl::btree_map, std::deque, std::vector).
#ifndef DISCOSIM_SIM_WORLD_SIM_H_
#define DISCOSIM_SIM_WORLD_SIM_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/statusor.h"
#include "absl/status/status.h"
#include "engine/engine.h"
#include "engine/types.h"
#include "sim/world/action.h"
#include "sim/world/check.h"
#include "sim/world/config.h"
#include "sim/world/dns.h"
#include "sim/world/event_queue.h"
#include "sim/world/observation_log.h"
#include "sim/world/observations.h"
#include "sim/world/random.h"
#include "sim/world/reachability.h"
#include "sim/world/trace.h"
#include "sim/world/world.h"

namespace discosim::world {

using NodeId = uint32_t;
inline constexpr NodeId kNoNode = UINT32_MAX;

// cets_ping's fixed timeouts (cets 0.2.0).
inline constexpr TimeMs kPrecheckConnectTimeoutMs = 5'000;  // TCP pre-check
inline constexpr TimeMs kMulticallTimeoutMs = 5'000;        // pre-check multicall

// ---------------------------------------------------------------------------
// Events. A fixed-size record; what node/peer/a/b mean depends on the kind.

enum class EventKind : uint8_t {
  kAction,             // a: index into actions
  kDiscoveryRun,       // node; a: incarnation. Handle one mailbox message.
  kTimerFire,          // node; a: incarnation; b: engine timer id
  kBackendDone,        // node; a: incarnation
  kNetDeliver,         // a: message slot
  kNkPump,             // node; a: incarnation. net_kernel takes queued requests.
  kNkDnsDone,          // node; a: incarnation; b: setup id (net_kernel's lookup)
  kSetupDns2Done,      // a: setup id (the setup process's own lookup)
  kSetupConnected,     // a: setup id (the target host answered)
  kSetupDeadline,      // a: setup id (net_setuptime passed)
  kTickTimeout,        // node, peer; a: tick generation
  kPrecheckDnsDone,    // a: pre-check id
  kPrecheckTcpDone,    // a: pre-check id; b: 1 connected, 0 failed
  kMulticallDeadline,  // a: ping id
  kJoinTimer,          // a: join id; b: step token
  kGlobalSync,         // node, peer; a: connection id (the locker delay passed)
  kLockRetry,          // a: join id; b: step token
  kCallTimeout,        // a: outcome index
  kResume,             // sub: ContKind; node, peer; a: id; b: value
  kFaultOver,          // node: backend_fail window ended
  kLockServe,          // a: lock op id (a global server handles a request or release)
  kLockLocalReply,     // node; sub: 0 refused, 1 granted, 2 released; a: join id; b: attempt
  kJoinRpcStep,        // a: join id; b: step token (one of a join's sequential rpcs is done)
};
const char* ToString(EventKind kind);

// Made through the named constructors below, one per kind (the fields are
// hashed into the trace as they are: node, peer and a).
struct Event {
  EventKind kind = EventKind::kAction;
  uint8_t sub = 0;
  NodeId node = kNoNode;
  NodeId peer = kNoNode;
  uint64_t a = 0;
  uint64_t b = 0;

  // kind -> the owning room: world.cc (actions, resumes), discovery.cc,
  // backend.cc, network.cc, net_kernel.cc, cets.cc (pings, joins), global.cc.
  static Event RunAction(NodeId node, size_t action) {
    return Make(EventKind::kAction, 0, node, kNoNode, action, 0);
  }
  static Event DiscoveryRun(NodeId node, uint32_t incarnation) {
    return Make(EventKind::kDiscoveryRun, 0, node, kNoNode, incarnation, 0);
  }
  static Event TimerFire(NodeId node, uint32_t incarnation, uint64_t timer) {
    return Make(EventKind::kTimerFire, 0, node, kNoNode, incarnation, timer);
  }
  static Event BackendDone(NodeId node, uint32_t incarnation) {
    return Make(EventKind::kBackendDone, 0, node, kNoNode, incarnation, 0);
  }
  static Event NetDeliver(NodeId from, NodeId to, uint32_t slot) {
    return Make(EventKind::kNetDeliver, 0, from, to, slot, 0);
  }
  static Event NkPump(NodeId node, uint32_t incarnation) {
    return Make(EventKind::kNkPump, 0, node, kNoNode, incarnation, 0);
  }
  static Event NkDnsDone(NodeId node, NodeId target, uint32_t incarnation, uint64_t setup,
                         bool resolved) {
    return Make(EventKind::kNkDnsDone, resolved ? 1 : 0, node, target, incarnation, setup);
  }
  static Event SetupDns2Done(NodeId from, NodeId to, uint64_t setup, bool resolved) {
    return Make(EventKind::kSetupDns2Done, resolved ? 1 : 0, from, to, setup, 0);
  }
  static Event SetupConnected(NodeId from, NodeId to, uint64_t setup) {
    return Make(EventKind::kSetupConnected, 0, from, to, setup, 0);
  }
  static Event SetupDeadline(NodeId from, NodeId to, uint64_t setup) {
    return Make(EventKind::kSetupDeadline, 0, from, to, setup, 0);
  }
  static Event TickTimeout(NodeId node, NodeId peer, uint32_t tick_gen) {
    return Make(EventKind::kTickTimeout, 0, node, peer, tick_gen, 0);
  }
  static Event PrecheckDnsDone(NodeId node, NodeId target, uint64_t precheck, bool resolved) {
    return Make(EventKind::kPrecheckDnsDone, resolved ? 1 : 0, node, target, precheck, 0);
  }
  static Event PrecheckTcpDone(NodeId node, NodeId target, uint64_t precheck, bool connected) {
    return Make(EventKind::kPrecheckTcpDone, 0, node, target, precheck, connected ? 1 : 0);
  }
  static Event MulticallDeadline(NodeId node, NodeId target, uint64_t ping) {
    return Make(EventKind::kMulticallDeadline, 0, node, target, ping, 0);
  }
  static Event JoinTimer(NodeId node, NodeId peer, uint64_t join, uint64_t token) {
    return Make(EventKind::kJoinTimer, 0, node, peer, join, token);
  }
  static Event GlobalSync(NodeId node, NodeId peer, uint64_t conn) {
    return Make(EventKind::kGlobalSync, 0, node, peer, conn, 0);
  }
  static Event LockRetry(NodeId node, uint64_t join, uint64_t token) {
    return Make(EventKind::kLockRetry, 0, node, kNoNode, join, token);
  }
  static Event CallTimeout(NodeId node, size_t outcome) {
    return Make(EventKind::kCallTimeout, 0, node, kNoNode, outcome, 0);
  }
  // sub: the ContKind (see Sim::Resume).
  static Event Resume(uint8_t cont_kind, NodeId node, NodeId peer, uint64_t id, uint64_t value) {
    return Make(EventKind::kResume, cont_kind, node, peer, id, value);
  }
  static Event FaultOver() { return Make(EventKind::kFaultOver, 0, kNoNode, kNoNode, 0, 0); }
  static Event LockServe(NodeId server, NodeId requester, uint64_t op) {
    return Make(EventKind::kLockServe, 0, server, requester, op, 0);
  }
  // sub: 0 refused, 1 granted, 2 released.
  static Event LockLocalReply(NodeId node, uint8_t answer, uint64_t join, uint32_t attempt) {
    return Make(EventKind::kLockLocalReply, answer, node, kNoNode, join, attempt);
  }
  static Event JoinRpcStep(NodeId node, NodeId peer, uint64_t join, uint64_t token) {
    return Make(EventKind::kJoinRpcStep, 0, node, peer, join, token);
  }

 private:
  static Event Make(EventKind kind, uint8_t sub, NodeId node, NodeId peer, uint64_t a,
                    uint64_t b) {
    Event e;
    e.kind = kind;
    e.sub = sub;
    e.node = node;
    e.peer = peer;
    e.a = a;
    e.b = b;
    return e;
  }
};

// What to resume when an asynchronous step ends (see Sim::Resume).
enum class ContKind : uint8_t {
  kNone,
  kDiscoveryPing,   // node X, peer target, id = X's incarnation; value 1 pong
  kPingPrecheck,    // id = ping; value 1 ok
  kPingConnect,     // id = ping; value 1 true
  kPingMulticall,   // id = ping; value = rpc id
  kRpcServe,        // node = server, peer = caller, id = rpc; value 1 pong/ok
  kJoinRpc,         // id = join; value = rpc id
  kPendingSends,    // node = from, peer = to; value 1 connected
  kGlobalConnect,   // node, peer; value 1 connected
  kActionConnect,   // id = outcome index; value 1 true
  kActionRpc,       // id = outcome index; value = rpc id
};
struct Cont {
  ContKind kind = ContKind::kNone;
  NodeId node = kNoNode;
  NodeId peer = kNoNode;
  uint64_t id = 0;
};

// ---------------------------------------------------------------------------
// cets servers and messages between nodes.

// A table server: its node and that node's incarnation.
struct ServerRef {
  NodeId node = kNoNode;
  uint32_t incarnation = 0;
  friend auto operator<=>(const ServerRef&, const ServerRef&) = default;
};
using Cluster = std::set<ServerRef>;

enum class RpcKind : uint8_t { kWhereis, kGetCluster, kPrecheck, kPing, kNodeName };

struct RpcAnswer {
  bool delivered = false;  // false: {badrpc, nodedown}
  bool yes = false;        // found / pong / same server
  ServerRef server;        // kWhereis
  Cluster cluster;         // kGetCluster
};

namespace msg {
struct HandshakeRequest { uint64_t setup_id = 0; };
struct HandshakeReply {
  uint64_t setup_id = 0;
  bool accepted = false;
  uint64_t conn_id = 0;
};
struct Close {};  // the socket closed (FIN or RST): the receiving end goes down
struct StartTime { TimeMs start_time = 0; };
struct RpcRequest {
  uint64_t rpc_id = 0;
  RpcKind kind = RpcKind::kNodeName;
  NodeId subject = kNoNode;  // kPrecheck / kPing: the node to check
  TableName table;           // kWhereis / kGetCluster
  ServerRef server;          // kGetCluster: the server asked
};
struct RpcReply {
  uint64_t rpc_id = 0;
  RpcAnswer answer;
};
struct GlobalSync { std::vector<NodeId> known; };
// After a sync with `synced`, global tells the nodes it knew before about
// it and the nodes it knows (OTP's {new_nodes, ...} cast).
struct GlobalNewNodes { std::vector<NodeId> nodes; };
struct LostConnection {
  NodeId reporter = kNoNode;
  NodeId lost = kNoNode;
  uint64_t report_id = 0;
};
struct RemoveConnection {};
struct LockRequest {
  uint64_t join_id = 0;
  uint32_t attempt = 0;
};
struct LockReply {
  uint64_t join_id = 0;
  uint32_t attempt = 0;
  bool granted = false;
  bool release_ack = false;  // the answer to a LockRelease
};
struct LockRelease {
  uint64_t join_id = 0;
  uint32_t attempt = 0;
};
}  // namespace msg

using Payload = std::variant<msg::HandshakeRequest, msg::HandshakeReply, msg::Close,
                             msg::StartTime, msg::RpcRequest, msg::RpcReply, msg::GlobalSync,
                             msg::GlobalNewNodes, msg::LostConnection, msg::RemoveConnection, msg::LockRequest,
                             msg::LockReply, msg::LockRelease>;
const char* PayloadName(const Payload& payload);

// A message between two nodes. conn_id 0: outside any connection (handshake
// traffic, a host's RST); otherwise it is dropped unless the receiving end
// still counts that connection as up when it arrives.
struct NetMsg {
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  uint64_t conn_id = 0;
  Payload payload;
};

enum class SendMode {
  kAutoConnect,   // an implicit use of the node: may set up a connection
  kExistingOnly,  // only over a connection that is up (global's traffic, replies)
};


// ---------------------------------------------------------------------------
// Per-pair state: node x's end of its link to y (dense N x N).

struct LinkEnd {
  uint64_t conn_id = 0;            // 0: x does not count y as connected
  uint32_t tick_gen = 0;           // bumps cancel a pending tick timeout
  bool barred = false;             // dist_auto_connect once: barred towards y
  bool global_known = false;       // global on x has synced with y
  uint64_t global_forgot_conn = 0; // global on x forgot y on this connection
  uint64_t setup_id = 0;           // x's pending setup to y
  int64_t last_delivery_us = 0;    // FIFO: no message x -> y arrives before this
};

// ---------------------------------------------------------------------------
// Asynchronous work.

struct Setup {
  enum class Stage { kDns1, kDns2, kConnecting, kHandshake, kAccepted, kWaitDeadline };
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  uint32_t from_incarnation = 0;
  TimeMs deadline_ms = 0;  // set when the setup process starts (after net_kernel's lookup)
  Stage stage = Stage::kDns1;
  std::vector<Cont> waiters;
};

struct NkRequest {
  enum class Kind { kConnect, kHandshake };
  Kind kind = Kind::kConnect;
  NodeId peer = kNoNode;
  uint64_t setup_id = 0;  // kHandshake
  Cont waiter;            // kConnect
};

struct Precheck {
  NodeId node = kNoNode;  // where it runs
  uint32_t incarnation = 0;
  NodeId target = kNoNode;
  Cont owner;
};

struct PingTask {
  enum class Stage { kPrecheck, kMulticall, kConnect };
  NodeId node = kNoNode;
  uint32_t incarnation = 0;
  NodeId target = kNoNode;
  Cont owner;
  Stage stage = Stage::kPrecheck;
  uint32_t outstanding = 0;
  bool any_pang = false;
  size_t observed = ObservationLog::kNone;  // its record in the observation stream
};

struct RpcCall {
  NodeId caller = kNoNode;
  uint32_t caller_incarnation = 0;
  NodeId target = kNoNode;
  RpcKind kind = RpcKind::kNodeName;
  Cont owner;
  bool done = false;
  RpcAnswer answer;
};

struct JoinTask {
  enum class Stage {
    kWhereis,
    kLockWait,     // own node's table held by another: spinning or sleeping
    kLockAttempt,  // requests out to every node of the list
    kLockAbort,    // refused somewhere: releasing the partial grants
    kLockBackoff,  // what-if: a pause after a failed attempt
    kRecheck,      // what-if: the local already-joined check after acquiring
    kGetCluster,
    kSkip,         // both sides already merged: the rest of the skip's rpcs
    kReach,
    kConsistency,
    kCopy,         // the merge's sequential rpcs, then the rows
    kUnlock,       // releasing the lock after the pair
  };
  NodeId node = kNoNode;
  uint32_t incarnation = 0;
  std::vector<engine::JoinPair> pairs;
  size_t index = 0;
  std::vector<engine::JoinResult> results;
  // The pair in progress.
  Stage stage = Stage::kWhereis;
  uint64_t token = 0;  // bumped on every stage change; stale timers compare it
  NodeId peer = kNoNode;
  TableName table;
  ServerRef remote;
  Cluster local_cluster;
  Cluster remote_cluster;
  std::vector<std::pair<NodeId, NodeId>> reach_pairs;
  size_t reach_index = 0;
  std::vector<std::pair<NodeId, uint64_t>> member_conns;  // step 7: node -> conn at X
  size_t record = 0;  // index into Sim::joins_log
  // The lock.
  uint32_t attempt = 0;
  bool lock_held = false;
  std::vector<NodeId> lock_granted;  // nodes (own included) that granted this attempt
  std::vector<NodeId> lock_waiting;  // nodes yet to answer this attempt
  std::vector<NodeId> lock_acks;     // nodes yet to confirm a release
  bool lock_denied = false;
  bool spinning = false;         // counted in its host's spinners
  int64_t stage_since_us = 0;    // when the current stage began
  int64_t sleep_phase_us = 0;    // LockWait::kSleep: when its sleeps started
  int64_t rpcs_left = 0;         // kCopy / kSkip: sequential rpcs still to make
  size_t rpc_target = 0;         // kCopy: the member the next rpc goes to
  bool rows_copied = false;      // kCopy: the rpcs are done, the rows are being copied
  bool lock_loop = false;        // action::LockLoop: take and give back the lock forever
};

struct LockTable {
  uint64_t holder_join = 0;  // 0: free
  NodeId holder_node = kNoNode;
  std::vector<uint64_t> waiters;  // local joins waiting for a release
};

// A lock request or release waiting in a node's global server.
struct LockOp {
  bool release = false;
  uint64_t join_id = 0;
  uint32_t attempt = 0;
  NodeId requester = kNoNode;
  NodeId server = kNoNode;
  uint32_t server_incarnation = 0;
};

struct HostRt {
  std::string name;
  int cores = 2;
  uint32_t spinners = 0;        // spinning lock waiters on its nodes
  std::vector<NodeId> members;  // its nodes
  Rng rng{0};
  // The CPU its hops used, in buckets of load_window_us / kLoadBuckets: the
  // current bucket and the ones before it (a ring).
  static constexpr int kLoadBuckets = 8;
  int64_t bucket_index[kLoadBuckets] = {};  // which time slot each bucket holds
  int64_t bucket_work_us[kLoadBuckets] = {};
};

struct TableServer {
  Cluster cluster;
};

// ---------------------------------------------------------------------------
// Nodes.

struct BackendRt {
  std::vector<NodeName> nodes;
  LatencyRange latency;
  uint64_t error_ppm = 0;     // error rate in parts per million
  int64_t fail_count = 0;
  TimeMs fail_until_ms = 0;
};

struct NodeRt {
  // Declared.
  NodeName name;
  NodeSettings settings;
  std::vector<TableName> tables;
  // Changed by actions.
  TimeMs connect_delay_ms = 0;
  BackendRt backend;
  // The incarnation.
  bool running = false;
  uint32_t incarnation = 0;
  TimeMs start_time_ms = 0;
  // Discovery.
  engine::State engine;
  std::deque<engine::Message> mailbox;
  bool run_scheduled = false;
  engine::NodeSet visible;  // nodes(): visible connected peers
  std::map<engine::TimerId, engine::Message> timers;  // active engine timers
  std::optional<engine::GetNodesDone> get_nodes_pending;
  // net_kernel.
  std::deque<NkRequest> nk_queue;
  bool nk_busy = false;  // waiting for a DNS answer
  bool nk_pump_scheduled = false;
  // global.
  bool just_synced = false;
  std::set<uint64_t> seen_reports;
  LockTable lock;
  int64_t gs_busy_until_us = 0;  // the global server handles lock ops one at a time
  // The CPU.
  uint32_t host = 0;
  // cets.
  std::map<TableName, TableServer> servers;
  // Outputs (kept over incarnations).
  std::vector<TimeMs> get_nodes_calls;
  std::vector<LogEntry> logs;
  // Randomness, one stream per subsystem.
  Rng rng_jitter{0};
  Rng rng_tick{0};
  Rng rng_backend_latency{0};
  Rng rng_backend_errors{0};
  Rng rng_lock{0};
};

// Who hears that node x's end of its connection to y came up or went down
// (Sim::end_listeners, wired in Sim::WireEndListeners).
struct EndListener {
  const char* name = "";
  bool visible_only = false;  // not told about hidden connections
  std::function<void(NodeId x, NodeId y, uint64_t conn_id)> up;
  std::function<void(NodeId x, NodeId y, uint64_t conn_id, DownCause cause)> down;
};

struct ScheduledAction {
  TimeMs at_ms = 0;
  Action action;
  bool initial_start = false;  // a config start_at, not a timeline action
  int64_t schedule_index = -1;  // which World::Schedule call (0, 1, ...); -1 initial
};

// An error rate as parts per million, for integer Chance draws.
uint64_t ErrorRatePpm(double rate);

// ---------------------------------------------------------------------------

struct Sim {
  explicit Sim(WorldConfig config);

  // --- world.cc ---
  absl::Status Build();
  void WireEndListeners();
  void Dispatch(const Event& event);
  void Push(TimeMs at_ms, const Event& event);
  void Fail(std::string message);
  std::string DescribeEvent(const Event& event) const;
  bool failed() const { return !error.ok(); }
  bool calibrated() const { return config.join_model == JoinModel::kCalibrated; }
  // The clock counts microseconds; everything outside the lock and CPU
  // models reads it in whole milliseconds (floor), and Push takes a time in
  // ms that keeps the sub-millisecond part of now (a delay, in effect).
  static constexpr int64_t kUsPerMs = 1'000;
  TimeMs now() const { return queue.now() / kUsPerMs; }
  int64_t now_us() const { return queue.now(); }
  void PushUs(int64_t at_us, const Event& event);
  void PushAtMs(TimeMs at_ms, const Event& event);  // an absolute time (actions)
  std::optional<NodeId> Find(std::string_view name) const;
  absl::StatusOr<NodeId> Require(std::string_view name, std::string_view what) const;
  const std::string& Name(NodeId id) const { return nodes[id].name; }
  void Note(uint32_t kind, NodeId node, NodeId peer, int64_t detail, const std::string& text);
  template <class TextFn>
  void NoteLazy(uint32_t kind, NodeId node, NodeId peer, int64_t detail, TextFn text) {
    trace.Add(now(), kind, node, peer, detail, trace.keep_lines() ? text() : std::string());
  }
  void Resume(const Cont& cont, uint64_t value);
  void OnResume(const Event& event);

  // --- nodes.cc ---
  absl::Status Validate(TimeMs at_ms, const Action& action) const;
  void Execute(const ScheduledAction& scheduled);
  // The action's partition band and faults, in the observation stream.
  void RecordAction(const Action& action);
  static void ClearProcesses(NodeRt& node);
  void StartNode(NodeId n);
  void StopNode(NodeId n);
  void MarkFaultRemoved();

  // --- network.cc ---
  bool Reachable(NodeId x, NodeId y) const { return reachability.Reachable(x, y); }
  bool Hidden(NodeId x, NodeId y) const;
  LinkEnd& Link(NodeId x, NodeId y) { return links[x * n_nodes + y]; }
  const LinkEnd& Link(NodeId x, NodeId y) const { return links[x * n_nodes + y]; }
  TimeMs LatencyMs(NodeId x, NodeId y) const;
  int64_t LatencyUs(NodeId x, NodeId y) const;  // loopback between nodes of one host
  TimeMs TickDrawMs(NodeId x);
  // The CPU model (see CpuConfig).
  int64_t HopUs(NodeId n);         // a process on n handling one message
  int64_t CoreWaitUs(NodeId n);    // waiting for a core on n's host
  int64_t RpcUs(NodeId caller, NodeId target);  // one sequential rpc, round trip
  // Busy work on a host in thousandths of a core: its spinners plus the
  // CPU its hops used lately.
  int64_t LoadMilli(uint32_t host) const;
  void AddHopWork(uint32_t host, int64_t work_us);
  // After a change of `reachability` (old: the matrix before): records the
  // apart spells, arms tick timeouts, lets held messages flow on heal.
  void ReachabilityChanged(const std::vector<uint8_t>& old_reach);
  void Send(NodeId from, NodeId to, Payload payload, SendMode mode);
  void SendRaw(NodeId from, NodeId to, uint64_t conn_id, Payload payload);
  void Transmit(uint32_t slot);
  uint32_t NewMessage(NodeId from, NodeId to, uint64_t conn_id, Payload payload);
  void FreeMessage(uint32_t slot);
  void OnNetDeliver(uint32_t slot);
  void Undeliverable(uint32_t slot);
  void EndUp(NodeId x, NodeId y, uint64_t conn_id);
  void EndDown(NodeId x, NodeId y, DownCause cause);
  void ArmTick(NodeId x, NodeId y);
  void OnTickTimeout(const Event& event);
  void Disconnect(NodeId x, NodeId y, DownCause cause);
  void FlushPendingSends(NodeId from, NodeId to, bool connected);

  // --- net_kernel.cc ---
  // The DNS answer `n` gets for `target`'s name now: its delay and whether it
  // resolves. Updates n's resolver cache.
  std::pair<TimeMs, bool> Lookup(NodeId n, NodeId target) { return dns.Lookup(n, target, now()); }
  void RequestConnect(NodeId n, NodeId target, Cont waiter);
  void AutoConnect(NodeId n, NodeId target, Cont waiter);
  bool AutoConnectBarred(NodeId n, NodeId target) const;
  void ScheduleNkPump(NodeId n);
  void NkPump(NodeId n);
  void OnNkDnsDone(const Event& event);
  void SetupAfterDns1(uint64_t setup_id, bool resolved);
  void OnSetupDns2Done(const Event& event);
  void OnSetupConnected(uint64_t setup_id);
  void OnSetupDeadline(uint64_t setup_id);
  void OnHandshakeRequest(const NetMsg& m, const msg::HandshakeRequest& req);
  void AcceptHandshake(NodeId n, NodeId from, uint64_t setup_id);
  void OnHandshakeReply(const NetMsg& m, const msg::HandshakeReply& reply);
  void FailSetup(uint64_t setup_id);
  void ResolvePendingSetup(NodeId x, NodeId y);

  // --- global.cc ---
  void GlobalOnNodeup(NodeId x, NodeId y);
  void GlobalOnNodedown(NodeId x, NodeId y, uint64_t conn_id, DownCause cause);
  void OnGlobalSyncTimer(const Event& event);
  void OnGlobalSyncMsg(const NetMsg& m, const msg::GlobalSync& sync);
  void OnGlobalNewNodes(const NetMsg& m, const msg::GlobalNewNodes& new_nodes);
  void OnGlobalConnectResult(NodeId x, NodeId target, bool connected);
  void ReportLoss(NodeId x, NodeId lost);
  void OnLostConnection(const NetMsg& m, const msg::LostConnection& lost);
  void OnRemoveConnection(const NetMsg& m);
  void LockAttempt(uint64_t join_id);
  void LockWaitLocally(JoinTask& join, uint64_t join_id);
  void SetSpinning(JoinTask& join, bool spinning);
  void EnqueueLockOp(NodeId server, LockOp op);
  void OnLockServe(const Event& event);
  void OnLockRequest(const NetMsg& m, const msg::LockRequest& req);
  void OnLockReply(const NetMsg& m, const msg::LockReply& reply);
  void OnLockLocalReply(const Event& event);
  void LockAnswer(uint64_t join_id, uint32_t attempt, NodeId from, bool granted, bool release_ack);
  void LockDecide(uint64_t join_id);
  void LockReleaseAll(uint64_t join_id, std::vector<NodeId> granted);
  void LockReleased(uint64_t join_id);
  void FreeLock(NodeId n);
  void OnLockReleaseMsg(const NetMsg& m, const msg::LockRelease& release);
  void OnLockRetry(const Event& event);
  void LockOnNodedown(NodeId x, NodeId y);
  void LockAccount();  // accumulates held / free-while-contended time up to now
  // The join no longer holds the lock (accounting only; grants stay).
  void EndLockHold(JoinTask& join);
  // Ends any hold, moves the join to `next` (kLockAbort re-asks, kUnlock takes
  // the next pair) and releases the grants of its current attempt.
  void GiveBackLock(uint64_t join_id, JoinTask::Stage next);
  static bool Contending(JoinTask::Stage stage);

  // --- cets.cc ---
  uint64_t StartRpc(NodeId caller, NodeId target, msg::RpcRequest request, Cont owner);
  void ServeRpc(NodeId server, NodeId caller, const msg::RpcRequest& request);
  void ReplyRpc(NodeId server, NodeId caller, uint64_t rpc_id, RpcAnswer answer);
  void FinishRpc(uint64_t rpc_id, RpcAnswer answer);
  void OnRpcReply(const NetMsg& m, const msg::RpcReply& reply);
  void FailRpcsOnNodedown(NodeId x, NodeId y);
  RpcCall TakeRpc(uint64_t rpc_id);
  void StartPing(NodeId n, NodeId target, Cont owner);
  void FinishPing(uint64_t ping_id, bool pong);
  void OnPingPrecheck(uint64_t ping_id, bool ok);
  void OnPingMulticallAnswer(uint64_t ping_id, uint64_t rpc_id);
  void OnMulticallDeadline(uint64_t ping_id);
  void PingMulticallDone(uint64_t ping_id);
  void StartPrecheck(NodeId n, NodeId target, Cont owner);
  void OnPrecheckDnsDone(const Event& event);
  void OnPrecheckTcpDone(const Event& event);
  void StartJoinTask(NodeId n, std::vector<engine::JoinPair> pairs);
  void StartLockLoop(NodeId n);
  void JoinNextPair(uint64_t join_id);
  void JoinStage(JoinTask& join, JoinTask::Stage stage);
  void OnJoinRpc(uint64_t join_id, uint64_t rpc_id);
  void JoinAfterLock(uint64_t join_id);
  void JoinRpcSteps(JoinTask& join, uint64_t join_id, JoinTask::Stage stage, int64_t rpcs);
  void OnJoinRpcStep(const Event& event);
  void JoinMergeDone(uint64_t join_id);
  void JoinReachNext(uint64_t join_id);
  void OnJoinTimer(const Event& event);  // routes to the two timed stages:
  void JoinCheckConsistency(uint64_t join_id);  // step 6 answered
  void JoinMerge(uint64_t join_id);             // step 7's rows copied
  bool JoinMemberAlive(const JoinTask& join, const ServerRef& ref) const;
  // cets add_servers on each member: the servers it lacks, if connected.
  void AddServers(const TableName& table, const Cluster& members, const Cluster& added);
  void JoinFinishPair(uint64_t join_id, engine::JoinResult result);
  void CetsOnNodedown(NodeId x, NodeId y);
  int64_t JoinCopyUs(const TableName& table) const;  // step 7's copy

  // --- backend.cc ---
  void StartGetNodes(NodeId n, engine::BackendState backend_state);
  void OnBackendDone(const Event& event);

  // --- discovery.cc ---
  void DeliverToDiscovery(NodeId n, engine::Message message);
  void OnDiscoveryRun(const Event& event);
  void CarryOut(NodeId n, engine::Effects& effects);
  void OnTimerFire(const Event& event);
  void OnCallTimeout(const Event& event);
  void EndCalls(NodeId n, CallOutcome::Kind kind);
  engine::View ViewOf(NodeId n) const { return engine::View{nodes[n].name, nodes[n].visible}; }

  // --- state ---
  WorldConfig config;
  EventQueue<Event> queue;
  Trace trace;
  absl::Status error;
  uint64_t events_processed = 0;
  // Moves on every event that may change what World's read-back shows;
  // the global lock's own traffic (requests, replies, releases, retries)
  // does not move it. See World::ObservableVersion.
  uint64_t observable_version = 0;
  bool IsLockTraffic(const Event& event) const;
  Event current_event;  // the event being handled, for error messages

  uint32_t n_nodes = 0;
  std::vector<NodeRt> nodes;
  std::vector<HostRt> hosts;
  std::map<std::string, NodeId, std::less<>> by_name;
  std::vector<LinkEnd> links;
  std::vector<EndListener> end_listeners;  // in the order they are told (part of the trace)
  Reachability reachability;
  Dns dns;  // net_kernel's names and resolver caches

  std::vector<ScheduledAction> actions;
  std::vector<NetMsg> messages;
  std::vector<uint32_t> free_messages;
  std::map<std::pair<NodeId, NodeId>, std::deque<uint32_t>> pending_sends;  // awaiting a connect
  std::map<std::pair<NodeId, NodeId>, uint64_t> pending_send_request;  // the connect they wait on
  std::map<std::pair<NodeId, NodeId>, std::deque<uint32_t>> held;  // up but unreachable

  uint64_t next_id = 1;  // one counter for connections, setups, tasks, rpcs, reports
  absl::btree_map<uint64_t, Setup> setups;
  absl::btree_map<uint64_t, Precheck> prechecks;
  absl::btree_map<uint64_t, PingTask> pings;
  absl::btree_map<uint64_t, RpcCall> rpcs;
  absl::btree_map<uint64_t, JoinTask> joins;
  absl::btree_map<uint64_t, LockOp> lock_ops;
  // Lock time accounting (Counters::lock_held_us, lock_free_contended_us).
  uint32_t lock_holders = 0;
  uint32_t lock_contenders = 0;
  int64_t lock_accounted_us = 0;

  std::vector<CallOutcome> outcomes;
  std::map<std::string, size_t, std::less<>> outcome_by_id;
  std::map<engine::CallerId, size_t> callers;  // waiting engine callers -> outcome
  std::map<size_t, std::pair<NodeId, uint32_t>> open_calls;  // outcome -> node, incarnation
  engine::CallerId next_caller = 1;

  std::vector<JoinRecord> joins_log;
  Counters counters;
  std::optional<TimeMs> last_fault_removal_ms;
  engine::Effects scratch_effects;
  // What the reports read (observations.h); not hashed.
  ObservationLog observations;
  int64_t schedule_calls = 0;    // World::Schedule calls so far
  int64_t current_action = -1;   // the Schedule call of the action being executed
};

// Trace record kinds beyond the event kinds (event kinds use their own values).
enum class NoteKind : uint32_t {
  kEvent = 0x100,  // + EventKind
  kNodeStart = 0x200,
  kNodeStop,
  kConnUp,
  kConnDown,
  kDiscoveryStep,
  kAction,
  kSetupFailed,
  kGlobalReport,
  kGlobalRemove,
  kLockGranted,
  kLockAborted,
  kJoinResult,
  kGetNodes,
  kReply,
  kDropped,
  kPing,  // detail: 0 started, 1 pong, 2 pang
  kMonitorDown,  // a merged-in peer dropped: no connection to its node
};
const char* ToString(NoteKind kind);

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_SIM_H_
