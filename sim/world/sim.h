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
//   cets.cc        the table servers' rpcs (whereis, get_cluster)
//   global.h/.cc, join_lock.h/.cc, cets_server.h/.cc, cets_join.h/.cc: rooms
//                  of their own (Sim::global, join_lock, cets_servers, cets_join)
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
#include "sim/world/cets_join.h"
#include "sim/world/cets_ping.h"
#include "sim/world/cets_server.h"
#include "sim/world/check.h"
#include "sim/world/config.h"
#include "sim/world/discovery.h"
#include "sim/world/cpu.h"
#include "sim/world/event.h"
#include "sim/world/event_queue.h"
#include "sim/world/global.h"
#include "sim/world/join_lock.h"
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
  void WireJoinRooms();  // the ports of global, the join lock, the join, the table servers
  void Dispatch(const Event& event);
  std::string DescribeEvent(const Event& event) const;
  void OnResume(const Event& event);

  // --- nodes.cc ---
  absl::Status Validate(TimeMs at_ms, const Action& action) const;
  void Execute(const ScheduledAction& scheduled);
  // The action's partition band and faults, in the observation stream.
  void RecordAction(const Action& action);
  void StartNode(NodeId n);
  void StopNode(NodeId n);
  void MarkFaultRemoved();

  // --- the network room (network.h): forwarders for the join rooms' ports ---
  bool Reachable(NodeId x, NodeId y) const { return network.Reachable(x, y); }
  bool Hidden(NodeId x, NodeId y) const { return network.Hidden(x, y); }
  uint64_t ConnId(NodeId x, NodeId y) const { return network.ConnId(x, y); }
  int64_t LatencyUs(NodeId x, NodeId y) const { return network.LatencyUs(x, y); }
  int64_t RpcUs(NodeId caller, NodeId target) { return network.RpcUs(caller, target); }
  void Send(NodeId from, NodeId to, Payload payload, SendMode mode) {
    network.Send(from, to, std::move(payload), mode);
  }
  void Disconnect(NodeId x, NodeId y, DownCause cause) { network.Disconnect(x, y, cause); }
  // Forwarders to the CPU room (cpu.h), for the join rooms' ports.
  int64_t HopUs(NodeId n) { return cpu.HopUs(n); }
  int64_t CoreWaitUs(NodeId n) { return cpu.CoreWaitUs(n); }
  // A message the network delivered, routed by payload to its room.
  void Receive(const NetMsg& m);

  // --- the net_kernel room (net_kernel.h): forwarders for the join rooms' ports ---
  std::pair<TimeMs, bool> Lookup(NodeId n, NodeId target) { return net_kernel.Lookup(n, target); }
  void RequestConnect(NodeId n, NodeId target, Cont waiter) {
    net_kernel.RequestConnect(n, target, waiter);
  }
  void AutoConnect(NodeId n, NodeId target, Cont waiter) { net_kernel.AutoConnect(n, target, waiter); }

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
  // --- cets_join.h: the forwarder for discovery ---
  void StartJoinTask(NodeId n, std::vector<engine::JoinPair> pairs) {
    cets_join.Start(n, std::move(pairs));
  }

  // --- the discovery room (discovery.h) ---
  // n's discovery crashed: the tasks it spawn_linked die with it. Its ping
  // tasks end; its join task, which the world cannot stop halfway, runs on
  // as an orphan whose result is dropped (CetsJoin::Orphan).
  void DiscoveryTasksDie(NodeId n);

  // --- state ---
  bool IsLockTraffic(const Event& event) const;

  Cpu cpu{*this};
  Network network{*this, cpu};
  NetKernel net_kernel{*this, network};
  Backend backend{*this};
  Discovery discovery{*this, network, backend};
  Rpc rpc{*this};
  CetsPing ping{*this, rpc};
  // The rooms of global and cets (built in Build: WireJoinRooms).
  CetsServers cets_servers;
  JoinLock join_lock;
  CetsJoin cets_join;
  Global global;

  std::vector<ScheduledAction> actions;

  std::optional<TimeMs> last_fault_removal_ms;
  int64_t schedule_calls = 0;    // World::Schedule calls so far
  int64_t current_action = -1;   // the Schedule call of the action being executed
};


}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_SIM_H_
