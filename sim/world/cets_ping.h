// cets_ping: how a node finds out whether it can connect to another (CETS
// 0.2.0 cets_ping:ping/1). Discovery pings every backend node it is not
// connected to; the join's reach check runs a ping on a member by rpc.
//
// Owns: the pings in flight and the pre-checks in flight (pre_connect/1,
// run locally by a ping or remotely by the multicall), and the kPrecheck and
// kPing kinds of rpc (it serves them).
// Touches: the kernel (ids, events, Resume, trace notes, observations), the
//   rpc room (the multicall of pre-checks), and what it is wired with
//   (Wire): whether a peer is in a node's nodes(), DNS lookups, the network's
//   reachability and latency (the TCP pre-connect), net_kernel:connect_node.
// Called by: discovery (Start), rpc (serving kPrecheck, kPing), the kernel's
//   events (Handle) and resumes (OnResume), the node's stop (NodeStopped).
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

#include "absl/container/btree_map.h"
#include "sim/world/event.h"
#include "sim/world/kernel.h"
#include "sim/world/observation_log.h"
#include "sim/world/rpc.h"

namespace discosim::world {

// cets_ping's fixed timeouts (cets 0.2.0).
inline constexpr TimeMs kPrecheckConnectTimeoutMs = 5'000;  // TCP pre-check
inline constexpr TimeMs kMulticallTimeoutMs = 5'000;        // pre-check multicall

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
  // kPrecheckDnsDone, kPrecheckTcpDone, kMulticallDeadline.
  void Handle(const Event& event);
  // kPingPrecheck, kPingConnect, kPingMulticall.
  void OnResume(const Event& event);
  // Everything that ran on `n` ends with it.
  void NodeStopped(NodeId n);

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

  Kernel& kernel_;
  Rpc& rpc_;
  Wiring world_;
  absl::btree_map<uint64_t, Precheck> prechecks_;
  absl::btree_map<uint64_t, PingTask> pings_;
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_CETS_PING_H_
