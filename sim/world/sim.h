// The world's insides. `Sim` is the kernel every room shares (kernel.h:
// queue, clock, trace, ids, node table, counters, observations; event.h: the
// events and continuations) and the rooms' state and member functions, each
// room in the file named for it, until it moves into a class of its own:
//
//   world.cc       build, the run loop, event dispatch, the public API
//   nodes.cc       start, stop, restart; timeline actions
//   network.h/.cc  the network room: reachability, latency and FIFO order,
//                  connection ends, tick-timeout detection, closes, sends
//   net_kernel.h/.cc  the net_kernel room: DNS, connection setup, explicit
//                  and auto connects
//   global.cc      connect_all sync, prevent_overlapping_partitions, the lock
//   cets.cc        table servers, the join task
//   rpc.h/.cc      the rpc room: calls in flight, serving, replies, timeouts
//   cets_ping.h/.cc  the cets_ping room: pings, pre-checks, ping_pairs
//   cpu.h/.cc      the CPU room: hosts and cores, hop costs, waits for a core
//   backend.h/.cc  the backends room: get_nodes backends
//   discovery.h/.cc  the discovery room: the engine adapter (engine and
//                  runtime per node, effects, calls and outcomes, logs)
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
#include "sim/world/backend.h"
#include "sim/world/cets_ping.h"
#include "sim/world/check.h"
#include "sim/world/config.h"
#include "sim/world/discovery.h"
#include "sim/world/cpu.h"
#include "sim/world/event.h"
#include "sim/world/event_queue.h"
#include "sim/world/kernel.h"
#include "sim/world/messages.h"
#include "sim/world/net_kernel.h"
#include "sim/world/network.h"
#include "sim/world/node.h"
#include "sim/world/observation_log.h"
#include "sim/world/observations.h"
#include "sim/world/random.h"
#include "sim/world/reachability.h"
#include "sim/world/rpc.h"
#include "sim/world/trace.h"
#include "sim/world/world.h"

namespace discosim::world {


// ---------------------------------------------------------------------------
// Per-pair state: node x's end of its link to y (dense N x N), the part of
// global's, until its room keeps it (the network keeps the connection).

struct LinkEnd {
  bool global_known = false;       // global on x has synced with y
  uint64_t global_forgot_conn = 0; // global on x forgot y on this connection
};

// ---------------------------------------------------------------------------
// Asynchronous work.

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

// A lock request or release waiting in a node's global server.
struct LockOp {
  bool release = false;
  uint64_t join_id = 0;
  uint32_t attempt = 0;
  NodeId requester = kNoNode;
  NodeId server = kNoNode;
  uint32_t server_incarnation = 0;
};

struct ScheduledAction {
  TimeMs at_ms = 0;
  Action action;
  bool initial_start = false;  // a config start_at, not a timeline action
  int64_t schedule_index = -1;  // which World::Schedule call (0, 1, ...); -1 initial
};

// ---------------------------------------------------------------------------

// The world: the kernel every room shares (kernel.h) and, until each room
// owns its state (issue 13), the rooms' state and member functions.
struct Sim : Kernel {
  explicit Sim(WorldConfig config);

  // --- world.cc ---
  absl::Status Build();
  void WireEndListeners();
  void Dispatch(const Event& event);
  std::string DescribeEvent(const Event& event) const;
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

  // --- the network room (network.h): forwarders for global.cc and cets.cc ---
  bool Reachable(NodeId x, NodeId y) const { return network.Reachable(x, y); }
  bool Hidden(NodeId x, NodeId y) const { return network.Hidden(x, y); }
  uint64_t ConnId(NodeId x, NodeId y) const { return network.ConnId(x, y); }
  int64_t LatencyUs(NodeId x, NodeId y) const { return network.LatencyUs(x, y); }
  int64_t RpcUs(NodeId caller, NodeId target) { return network.RpcUs(caller, target); }
  void Send(NodeId from, NodeId to, Payload payload, SendMode mode) {
    network.Send(from, to, std::move(payload), mode);
  }
  void Disconnect(NodeId x, NodeId y, DownCause cause) { network.Disconnect(x, y, cause); }
  // Forwarders to the CPU room (cpu.h), for global.cc.
  int64_t HopUs(NodeId n) { return cpu.HopUs(n); }
  int64_t CoreWaitUs(NodeId n) { return cpu.CoreWaitUs(n); }
  // A message the network delivered, routed by payload to its room.
  void Receive(const NetMsg& m);
  LinkEnd& Link(NodeId x, NodeId y) { return links[x * n_nodes + y]; }
  const LinkEnd& Link(NodeId x, NodeId y) const { return links[x * n_nodes + y]; }

  // --- the net_kernel room (net_kernel.h): forwarders for global.cc and cets.cc ---
  std::pair<TimeMs, bool> Lookup(NodeId n, NodeId target) { return net_kernel.Lookup(n, target); }
  void RequestConnect(NodeId n, NodeId target, Cont waiter) {
    net_kernel.RequestConnect(n, target, waiter);
  }
  void AutoConnect(NodeId n, NodeId target, Cont waiter) { net_kernel.AutoConnect(n, target, waiter); }

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

  // --- rpc (rpc.h): forwarders for the callers outside the room ---
  void WireRpc();  // world.cc: its send, undeliverable requests, servers
  uint64_t StartRpc(NodeId caller, NodeId target, msg::RpcRequest request, Cont owner) {
    return rpc.Start(caller, target, std::move(request), owner);
  }
  void ServeRpc(NodeId server, NodeId caller, const msg::RpcRequest& request) {
    rpc.Serve(server, caller, request);
  }
  void FinishRpc(uint64_t rpc_id, RpcAnswer answer) { rpc.Finish(rpc_id, std::move(answer)); }
  void OnRpcReply(const NetMsg& m, const msg::RpcReply& reply) { rpc.OnReply(m, reply); }
  RpcCall TakeRpc(uint64_t rpc_id) { return rpc.Take(rpc_id); }

  // --- cets_ping (cets_ping.h): a forwarder for discovery ---
  void WireCetsPing();  // world.cc: what it asks of the network and net_kernel
  void StartPing(NodeId n, NodeId target, Cont owner) { ping.Start(n, target, owner); }

  // --- cets.cc ---
  // The table servers' rpcs (whereis, get_cluster), served for the rpc room.
  void ServeTableRpc(NodeId server, NodeId caller, const msg::RpcRequest& request);
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

  // --- the discovery room (discovery.h): a forwarder for cets.cc ---
  // (A join task of a discovery process that died finishes for no one.)
  void DeliverToDiscovery(NodeId n, engine::Message message) {
    if (std::holds_alternative<engine::JoiningFinished>(message) && OrphanJoinFinished(n)) return;
    discovery.Deliver(n, std::move(message));
  }
  // n's discovery crashed: the tasks it spawn_linked die with it. Its ping
  // tasks end; its join task, which the world cannot stop halfway, runs on
  // as an orphan whose result is dropped.
  void DiscoveryTasksDie(NodeId n);
  bool OrphanJoinFinished(NodeId n);  // the orphan of n that just finished, if any

  // --- state ---
  bool IsLockTraffic(const Event& event) const;

  Cpu cpu{*this};
  std::vector<LinkEnd> links;
  Network network{*this, cpu};
  NetKernel net_kernel{*this, network};
  Backend backend{*this};
  Discovery discovery{*this, network, backend};
  Rpc rpc{*this};
  CetsPing ping{*this, rpc};

  std::vector<ScheduledAction> actions;

  absl::btree_map<uint64_t, JoinTask> joins;
  absl::btree_map<uint64_t, LockOp> lock_ops;
  // Lock time accounting (Counters::lock_held_us, lock_free_contended_us).
  uint32_t lock_holders = 0;
  uint32_t lock_contenders = 0;
  int64_t lock_accounted_us = 0;

  std::map<uint64_t, NodeId> orphan_joins;  // join id -> node (DiscoveryTasksDie)
  std::vector<JoinRecord> joins_log;
  std::optional<TimeMs> last_fault_removal_ms;
  int64_t schedule_calls = 0;    // World::Schedule calls so far
  int64_t current_action = -1;   // the Schedule call of the action being executed
};


}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_SIM_H_
