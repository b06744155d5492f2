// A world event and what resumes when an asynchronous step ends: the record
// every room of the world schedules through the kernel (kernel.h).
#ifndef DISCOSIM_SIM_WORLD_EVENT_H_
#define DISCOSIM_SIM_WORLD_EVENT_H_

#include <cstddef>
#include <cstdint>

namespace discosim::world {

using NodeId = uint32_t;
inline constexpr NodeId kNoNode = UINT32_MAX;

// ---------------------------------------------------------------------------
// Events. A fixed-size record; what node/peer/a/b mean depends on the kind.

enum class EventKind : uint8_t {
  kAction,             // a: index into actions
  kDiscoveryRun,       // node; a: discovery process. Handle one mailbox message.
  kTimerFire,          // node; a: discovery process; b: engine timer id
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
  kRpcTimeout,         // node: caller, peer: target; a: rpc id (its timeout passed)
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
  // backend.cc, network.cc, net_kernel.cc, cets_ping.cc (pre-checks, the
  // multicall), rpc.cc (timeouts), cets.cc (joins), global.cc.
  static Event RunAction(NodeId node, size_t action) {
    return Make(EventKind::kAction, 0, node, kNoNode, action, 0);
  }
  static Event DiscoveryRun(NodeId node, uint32_t process) {
    return Make(EventKind::kDiscoveryRun, 0, node, kNoNode, process, 0);
  }
  static Event TimerFire(NodeId node, uint32_t process, uint64_t timer) {
    return Make(EventKind::kTimerFire, 0, node, kNoNode, process, timer);
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
  static Event RpcTimeout(NodeId caller, NodeId target, uint64_t rpc) {
    return Make(EventKind::kRpcTimeout, 0, caller, target, rpc, 0);
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
  kDiscoveryPing,   // node X, peer target, id = X's discovery process; value 1 pong
  kPingPrecheck,    // id = ping; value 1 ok
  kPingConnect,     // id = ping; value 1 true
  kPingMulticall,   // id = ping; value = rpc id
  kRpcServe,        // node = server, peer = caller, id = rpc; value 1 pong/ok
  kJoinRpc,         // id = join; value = rpc id
  kJoinPingPairs,   // id = join; value = ping_pairs task id (its reach check is done)
  kPendingSends,    // node = from, peer = to; value 1 connected
  kGlobalConnect,   // node, peer; value 1 connected
  kGlobalPassiveConnect,  // node, peer; id = incarnation: the end of a passive connect's wait
  kActionConnect,   // id = outcome index; value 1 true
  kActionRpc,       // id = outcome index; value = rpc id
  kPingPairsRpc,    // id = ping_pairs task; value = rpc id
  kLockReleaseConnect,  // node = the join's node, peer = release target, id = join; value 1 connected
  kCetsMonitorConnect,  // node = the member's, peer = the monitored server's, id = monitor; value 1 connected
};
struct Cont {
  ContKind kind = ContKind::kNone;
  NodeId node = kNoNode;
  NodeId peer = kNoNode;
  uint64_t id = 0;
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_EVENT_H_
