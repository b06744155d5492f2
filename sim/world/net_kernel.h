// The net_kernel room, one net_kernel per node: every connection setup of
// the node goes through it. It resolves the peer's name itself, and while it
// waits for DNS it does nothing else: outgoing setups and incoming
// handshakes queue behind it in arrival order (queued requests never time
// out). The rest of a setup (the setup process's own lookup, the target
// host's answer, the handshake round trip) runs beside it, under the
// net_setuptime timer that starts when net_kernel hands the request to the
// setup process.
//
// Explicit connects always try; implicit ones (sends, rpcs, global) go
// through AutoConnect, which applies dist_auto_connect: with `once`, an end
// that loses an up connection bars its node from auto-connecting to that
// peer until something else brings the connection up again.
//
// Owns: DNS (names, answers, resolver caches: dns.h), the setups, each
// node's request queue and whether it waits for DNS, each host's answer
// delay (slow_connect), per ordered pair the `once` bar and the pending
// setup. Touches: the kernel, the network (ends up and down, handshake
// traffic, reachability). Called by: the network (as its Connector), every
// room that connects (explicit or auto), the timeline (dns, slow_connect,
// connect_node), start / stop, and cets_ping's pre-check (Lookup).
#ifndef DISCOSIM_SIM_WORLD_NET_KERNEL_H_
#define DISCOSIM_SIM_WORLD_NET_KERNEL_H_

#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "sim/world/dns.h"
#include "sim/world/event.h"
#include "sim/world/kernel.h"
#include "sim/world/messages.h"
#include "sim/world/network.h"

namespace discosim::world {

class NetKernel : public Network::Connector {
 public:
  NetKernel(Kernel& kernel, Network& network) : k_(kernel), net_(network) {}

  // After the kernel's node table is filled: one DNS name and one host
  // answer delay per node.
  void Build(std::vector<Dns::Name> names, std::vector<TimeMs> connect_delays_ms);

  // --- Network::Connector ---
  bool AutoConnectBarred(NodeId n, NodeId target) const override;
  // An explicit connect (net_kernel:connect_node): resumes `waiter` with 1
  // when connected (at once if already), 0 when the setup failed.
  void RequestConnect(NodeId n, NodeId target, Cont waiter) override;
  void EndCameUp(NodeId x, NodeId y) override;
  void EndWentDown(NodeId x, NodeId y) override;

  // An implicit connect: true at once if up, false at once if barred.
  void AutoConnect(NodeId n, NodeId target, Cont waiter);
  // The DNS answer `n` gets for `target`'s name now: its delay and whether
  // it resolves. Updates n's resolver cache.
  std::pair<TimeMs, bool> Lookup(NodeId n, NodeId target) { return dns_.Lookup(n, target, k_.now()); }
  // The timeline's dns and slow_connect.
  void SetDnsAnswer(NodeId n, TimeMs delay_ms, bool fails) { dns_.SetAnswer(n, delay_ms, fails); }
  void SetConnectDelay(NodeId n, TimeMs delay_ms) { nodes_[n].connect_delay_ms = delay_ms; }

  // Handshake traffic the network delivered.
  void OnHandshakeRequest(const NetMsg& m, const msg::HandshakeRequest& req);
  void OnHandshakeReply(const NetMsg& m, const msg::HandshakeReply& reply);

  // --- events ---
  void OnPump(const Event& event);     // kNkPump
  void OnDnsDone(const Event& event);  // kNkDnsDone
  void OnSetupDns2Done(const Event& event);
  void OnSetupConnected(uint64_t setup_id);
  void OnSetupDeadline(uint64_t setup_id);

  // n started: a started node has a DNS entry, its cache and queue are empty.
  void NodeStarted(NodeId n);
  // n stopped: its setups, queue, bars and cache are gone.
  void NodeStopped(NodeId n);

 private:
  struct Setup {
    enum class Stage { kDns1, kDns2, kConnecting, kHandshake, kAccepted, kWaitDeadline };
    NodeId from = kNoNode;
    NodeId to = kNoNode;
    uint32_t from_incarnation = 0;
    TimeMs deadline_ms = 0;  // set when the setup process starts (after net_kernel's lookup)
    Stage stage = Stage::kDns1;
    std::vector<Cont> waiters;
  };
  struct Request {
    enum class Kind { kConnect, kHandshake };
    Kind kind = Kind::kConnect;
    NodeId peer = kNoNode;
    uint64_t setup_id = 0;  // kHandshake
    Cont waiter;            // kConnect
  };
  struct PerNode {
    std::deque<Request> queue;
    bool busy = false;  // waiting for a DNS answer
    bool pump_scheduled = false;
    TimeMs connect_delay_ms = 0;  // this host's answer to a setup
  };
  struct PerLink {
    bool barred = false;    // dist_auto_connect once: barred towards y
    uint64_t setup_id = 0;  // x's pending setup to y
  };

  PerLink& link(NodeId x, NodeId y) { return links_[x * k_.n_nodes + y]; }
  const PerLink& link(NodeId x, NodeId y) const { return links_[x * k_.n_nodes + y]; }
  void SchedulePump(NodeId n);
  void Pump(NodeId n);
  void AfterDns1(uint64_t setup_id, bool resolved);
  void AcceptHandshake(NodeId n, NodeId from, uint64_t setup_id);
  void FailSetup(uint64_t setup_id);
  void ResolvePendingSetup(NodeId x, NodeId y);

  Kernel& k_;
  Network& net_;
  Dns dns_;
  absl::btree_map<uint64_t, Setup> setups_;
  std::vector<PerNode> nodes_;
  std::vector<PerLink> links_;  // N x N
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_NET_KERNEL_H_
