// cets_ping: how a node finds out whether it can connect to another (CETS
// 0.2.0 cets_ping:ping/1). Discovery pings every backend node it is not
// connected to; the join's reach check runs a ping on a member by rpc.
//
// Owns: the pings in flight, the pre-checks in flight (pre_connect/1, run
// locally by a ping or remotely by the multicall), the ping_pairs tasks (the
// join's reach check), and the kPrecheck and kPing kinds of rpc (it serves
// them).
// Touches: the kernel (ids, events, Resume, trace notes, observations), the
//   rpc room (the multicall of pre-checks), and what it is wired with
//   (Wire): whether a peer is in a node's nodes(), DNS lookups, the network's
//   reachability and latency (the TCP pre-connect), net_kernel:connect_node.
// Called by: discovery (Start), the join (StartPingPairs), rpc (serving
//   kPrecheck, kPing), the kernel's events (Handle) and resumes (OnResume),
//   the node's stop (NodeStopped), a discovery crash (OwnerDied).
//
// Where the world approximates CETS or OTP: nodes() is read in name order
// (OTP lists it in its connection table's order; only the order of the
// multicall's sends differs). The DNS answer is the world's (dns.h:
// erl_epmd:address_please/3 is inet:getaddr/2 on the node's resolver), the
// TCP connect to EPMD is one round trip to a reachable host and its 5 s
// timeout otherwise (a refused connect, RST, is not modelled), erpc is the
// rpc room (a multicall is one rpc per peer, sent in list order, with one
// deadline), cets_long's task logging around each ping_pairs rpc is left
// out (it changes no result). ping(node()) is pong at once; cets_ping would
// pre-check its own name (no caller of CETS pings its own node).
//
//   CetsPing ping(kernel, rpc);
//   ping.Wire(CetsPing::Wiring{.connected = ..., .lookup = ..., ...});
//   ping.Start(x, target, Cont{ContKind::kDiscoveryPing, x, target, incarnation});
//   ... the owner resumes with value 1 (pong) or 0 (pang)
#ifndef DISCOSIM_SIM_WORLD_CETS_PING_H_
#define DISCOSIM_SIM_WORLD_CETS_PING_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "sim/world/event.h"
#include "sim/world/kernel.h"
#include "sim/world/observation_log.h"
#include "sim/world/rpc.h"

namespace discosim::world {

// cets_ping's fixed timeouts (cets 0.2.0).
inline constexpr TimeMs kPrecheckConnectTimeoutMs = 5'000;  // TCP pre-check (can_connect/1)
inline constexpr TimeMs kMulticallTimeoutMs = 5'000;        // pre-check multicall
inline constexpr TimeMs kPingRpcTimeoutMs = 10'000;         // ping_pairs' rpc:call

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
  std::vector<NodeId> peers;  // nodes() when the ping began, before the local pre-check
  uint32_t outstanding = 0;
  bool any_pang = false;
  size_t observed = ObservationLog::kNone;  // its record in the observation stream
};

// One pair of cets_ping:ping_pairs/1 and what became of it.
struct PairPing {
  enum class Result : uint8_t {
    kPong,
    kPang,
    kBadRpcNodedown,  // {badrpc, nodedown}: the rpc could not be made or its connection went
    kBadRpcTimeout,   // {badrpc, timeout}: no answer within kPingRpcTimeoutMs
    kSkipped,         // an earlier pair was not pong
  };
  NodeId node1 = kNoNode;
  NodeId node2 = kNoNode;
  Result result = Result::kSkipped;
};
const char* ToString(PairPing::Result result);

struct PingPairsTask {
  NodeId node = kNoNode;  // where it runs
  Cont owner;
  std::vector<PairPing> pairs;  // in the order given; results filled as they come
  size_t next = 0;              // the pair whose rpc is out
  bool done = false;            // the owner was resumed; kept until taken
};

class CetsPing {
 public:
  // What cets_ping asks of the rooms around it (set where the world is built).
  struct Wiring {
    // y is in x's nodes(): x counts a visible connection to y as up.
    std::function<bool(NodeId x, NodeId y)> connected;
    // The DNS answer n gets for target's name now: its delay, whether it resolves.
    std::function<std::pair<TimeMs, bool>(NodeId n, NodeId target)> lookup;
    std::function<bool(NodeId x, NodeId y)> reachable;
    std::function<int64_t(NodeId x, NodeId y)> latency_us;  // one way
    // net_kernel:connect_node(target) on n; `waiter` resumes with 1 (true) or 0.
    std::function<void(NodeId n, NodeId target, Cont waiter)> connect;
  };

  // Registers the kPrecheck and kPing servers with `rpc`.
  CetsPing(Kernel& kernel, Rpc& rpc);
  CetsPing(const CetsPing&) = delete;
  CetsPing& operator=(const CetsPing&) = delete;

  void Wire(Wiring wiring) { world_ = std::move(wiring); }

  // cets_ping:ping(target) on n; `owner` resumes with 1 (pong) or 0 (pang).
  void Start(NodeId n, NodeId target, Cont owner);
  // cets_ping:ping_pairs(pairs) on n: for each pair {N1, N2} in order,
  // rpc:call(N1, cets_ping, ping, [N2], 10000) from n (an auto-connect to N1
  // when n is not connected to it, a local call when N1 is n); the first
  // answer that is not pong ends it and the pairs after it are skipped.
  // `owner` resumes with the task's id; TakePingPairs(id) gives the results.
  uint64_t StartPingPairs(NodeId n, std::vector<std::pair<NodeId, NodeId>> pairs, Cont owner);
  std::vector<PairPing> TakePingPairs(uint64_t id);
  // kPrecheckDnsDone, kPrecheckTcpDone, kMulticallDeadline.
  void Handle(const Event& event);
  // kPingPrecheck, kPingConnect, kPingMulticall.
  void OnResume(const Event& event);
  // Everything that ran on `n` ends with it.
  void NodeStopped(NodeId n);
  // The pings on `n` whose owner is of `owner_kind` die with their owner
  // (spawn_linked tasks of a process that crashed). A pre-check or connect
  // they started runs on and finds no ping to report to.
  void OwnerDied(NodeId n, ContKind owner_kind);

  size_t pings_in_flight() const { return pings_.size(); }
  size_t prechecks_in_flight() const { return prechecks_.size(); }

 private:
  void OnPrecheckDone(uint64_t ping_id, bool ok);
  void OnMulticallAnswer(uint64_t ping_id, uint64_t rpc_id);
  void OnMulticallDeadline(uint64_t ping_id);
  void MulticallDone(uint64_t ping_id);
  void Finish(uint64_t ping_id, bool pong);
  // pre_connect(target) on n; `owner` resumes with 1 (pong) or 0 (pang).
  void StartPrecheck(NodeId n, NodeId target, Cont owner);
  void OnPrecheckDnsDone(const Event& event);
  void OnPrecheckTcpDone(const Event& event);
  void PingPairsNext(uint64_t id);
  void OnPingPairsAnswer(uint64_t id, uint64_t rpc_id);

  Kernel& kernel_;
  Rpc& rpc_;
  Wiring world_;
  absl::btree_map<uint64_t, Precheck> prechecks_;
  absl::btree_map<uint64_t, PingTask> pings_;
  absl::btree_map<uint64_t, PingPairsTask> ping_pairs_;
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_CETS_PING_H_
