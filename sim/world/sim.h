// The world's insides. `Sim` is the kernel every room shares (kernel.h:
// queue, clock, trace, ids, node table, counters, observations; event.h: the
// events and continuations) and the rooms' state and member functions, each
// room in the file named for it, until it moves into a class of its own:
//
//   world.cc       build, the run loop, event dispatch, the public API
//   nodes.cc       start, stop, restart; timeline actions
//   network.cc     reachability, latency and FIFO order, connection ends,
//                  tick-timeout detection, closes, sends
//   net_kernel.cc  DNS, connection setup, explicit and auto connects
//   cets.cc        the table servers' rpcs (whereis, get_cluster)
//   rpc.h/.cc      rpc (a room of its own: Sim::rpc)
//   cets_ping.h/.cc  cets_ping (a room of its own: Sim::ping)
//   global.h/.cc, join_lock.h/.cc, cets_server.h/.cc, cets_join.h/.cc: rooms
//                  of their own (Sim::global, join_lock, cets_servers, cets_join)
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
#include "sim/world/cets_join.h"
#include "sim/world/cets_server.h"
#include "sim/world/cets_ping.h"
#include "sim/world/check.h"
#include "sim/world/config.h"
#include "sim/world/dns.h"
#include "sim/world/event.h"
#include "sim/world/event_queue.h"
#include "sim/world/global.h"
#include "sim/world/join_lock.h"
#include "sim/world/kernel.h"
#include "sim/world/messages.h"
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
// Per-pair state: node x's end of its link to y (dense N x N).

struct LinkEnd {
  uint64_t conn_id = 0;            // 0: x does not count y as connected
  uint32_t tick_gen = 0;           // bumps cancel a pending tick timeout
  bool barred = false;             // dist_auto_connect once: barred towards y
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

// The world: the kernel every room shares (kernel.h) and, until each room
// owns its state (issue 13), the rooms' state and member functions.
struct Sim : Kernel {
  explicit Sim(WorldConfig config);

  // --- world.cc ---
  absl::Status Build();
  void WireEndListeners();
  void WireJoinRooms();  // the ports of global, the join lock, the join, the table servers
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

  // --- global.h, join_lock.h: forwarders for the network's message dispatch ---
  void OnGlobalSyncMsg(const NetMsg& m, const msg::GlobalSync& sync) { global.OnSync(m, sync); }
  void OnGlobalNewNodes(const NetMsg& m, const msg::GlobalNewNodes& n) { global.OnNewNodes(m, n); }
  void OnLostConnection(const NetMsg& m, const msg::LostConnection& lost) {
    global.OnLostConnection(m, lost);
  }
  void OnRemoveConnection(const NetMsg& m) { global.OnRemoveConnection(m); }
  void OnLockRequest(const NetMsg& m, const msg::LockRequest& req) { join_lock.OnRequest(m, req); }
  void OnLockReply(const NetMsg& m, const msg::LockReply& reply) { join_lock.OnReply(m, reply); }
  void OnLockReleaseMsg(const NetMsg& m, const msg::LockRelease& release) {
    join_lock.OnReleaseMsg(m, release);
  }

  // --- rpc (rpc.h): forwarders for the callers outside the room ---
  void WireRpc();  // world.cc: its send and servers
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
  // --- cets_join.h: the forwarder for discovery ---
  void StartJoinTask(NodeId n, std::vector<engine::JoinPair> pairs) {
    cets_join.Start(n, std::move(pairs));
  }

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
  bool IsLockTraffic(const Event& event) const;

  std::vector<HostRt> hosts;
  std::vector<LinkEnd> links;
  std::vector<EndListener> end_listeners;  // in the order they are told (part of the trace)
  Rpc rpc{*this};
  CetsPing ping{*this, rpc};
  Reachability reachability;
  Dns dns;  // net_kernel's names and resolver caches
  // The rooms of global and cets (built in Build: WireJoinRooms).
  CetsServers cets_servers;
  JoinLock join_lock;
  CetsJoin cets_join;
  Global global;

  std::vector<ScheduledAction> actions;
  std::vector<NetMsg> messages;
  std::vector<uint32_t> free_messages;
  std::map<std::pair<NodeId, NodeId>, std::deque<uint32_t>> pending_sends;  // awaiting a connect
  std::map<std::pair<NodeId, NodeId>, uint64_t> pending_send_request;  // the connect they wait on
  std::map<std::pair<NodeId, NodeId>, std::deque<uint32_t>> held;  // up but unreachable

  absl::btree_map<uint64_t, Setup> setups;

  std::vector<CallOutcome> outcomes;
  std::map<std::string, size_t, std::less<>> outcome_by_id;
  std::map<engine::CallerId, size_t> callers;  // waiting engine callers -> outcome
  std::map<size_t, std::pair<NodeId, uint32_t>> open_calls;  // outcome -> node, incarnation
  engine::CallerId next_caller = 1;

  std::optional<TimeMs> last_fault_removal_ms;
  engine::Effects scratch_effects;
  int64_t schedule_calls = 0;    // World::Schedule calls so far
  int64_t current_action = -1;   // the Schedule call of the action being executed
};


}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_SIM_H_
