// The network room: who can reach whom (the reachability map), latency with
// FIFO order per pair of nodes, the two ends of each connection, failure
// detection by tick timeout, closes, and sending.
//
// A connection has an id; each end records the id it counts as up. An end
// goes down on its own: at once when it disconnects, one latency after the
// other side closed (if reachable), or by tick timeout when the peer has
// gone silent. Messages sent over an up connection whose link is blocked are
// held and flow again on heal; they die with the connection. A send with no
// connection up waits for the connect net_kernel makes for it (auto-connect).
//
// Owns: the reachability map, per ordered pair of nodes the end's connection
// id, tick generation and FIFO horizon, the message slots, the sends waiting
// for a connect, the held messages, the per-node jitter and tick streams,
// and the ordered list of end listeners.
// Touches: the kernel (clock, queue, trace, ids, observations, node table),
// the CPU room (a hop to send and one to handle each message, loopback).
// Calls back, through what the world wires at build: net_kernel (the
// Connector: auto-connect, connect requests, an end's setup bookkeeping),
// `receive` (a message arrived for a room), `undeliverable` (a message that
// cannot be sent), and the end listeners (nodeup / nodedown fan-out).
// Called by: every room that sends; net_kernel (ends up and down, raw
// handshake traffic); the timeline (reachability, disconnect); start / stop.
#ifndef DISCOSIM_SIM_WORLD_NETWORK_H_
#define DISCOSIM_SIM_WORLD_NETWORK_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <utility>
#include <vector>

#include "sim/world/cpu.h"
#include "sim/world/event.h"
#include "sim/world/kernel.h"
#include "sim/world/messages.h"
#include "sim/world/random.h"
#include "sim/world/reachability.h"

namespace discosim::world {

// Who hears that node x's end of its connection to y came up or went down
// (Network::AddListener, wired in Sim::WireEndListeners).
struct EndListener {
  const char* name = "";
  bool visible_only = false;  // not told about hidden connections
  std::function<void(NodeId x, NodeId y, uint64_t conn_id)> up;
  std::function<void(NodeId x, NodeId y, uint64_t conn_id, DownCause cause)> down;
};

class Network {
 public:
  // What the network asks of net_kernel.
  class Connector {
   public:
    virtual ~Connector() = default;
    // dist_auto_connect says no to an implicit connect from n to target.
    virtual bool AutoConnectBarred(NodeId n, NodeId target) const = 0;
    // Queue a connect from n to target in n's net_kernel; resumes `waiter`.
    virtual void RequestConnect(NodeId n, NodeId target, Cont waiter) = 0;
    // x's end to y came up (before its queued sends flow and its listeners
    // hear it) / went down (before its listeners hear it).
    virtual void EndCameUp(NodeId x, NodeId y) = 0;
    virtual void EndWentDown(NodeId x, NodeId y) = 0;
  };

  Network(Kernel& kernel, Cpu& cpu) : k_(kernel), cpu_(cpu) {}

  // After the kernel's node table is filled: every end down, all reachable.
  void Build();
  void SetConnector(Connector* connector) { connector_ = connector; }
  // The nodeup / nodedown fan-out, told in the order added (part of the trace).
  void ClearListeners() { listeners_.clear(); }
  void AddListener(EndListener listener) { listeners_.push_back(std::move(listener)); }
  // A message arrived at a running node over a live connection (or outside
  // any): every payload but Close, which the network handles itself.
  std::function<void(const NetMsg&)> receive;
  // A message that cannot be sent (no connection and no auto-connect, or
  // the connect failed), after its trace note.
  std::function<void(const NetMsg&)> undeliverable;

  // --- reachability and latency ---
  bool Reachable(NodeId x, NodeId y) const { return reach_.Reachable(x, y); }
  const Reachability& reachability() const { return reach_; }
  // The timeline's changes (`action`: the Schedule call, for observations).
  void Partition(std::vector<uint32_t> group_of_node, int64_t action);
  void Cut(const std::vector<Reachability::Link>& links, int64_t action);
  void HealAll(int64_t action);
  void HealLinks(const std::vector<Reachability::Link>& links, int64_t action);
  // A connection is hidden when either node is.
  bool Hidden(NodeId x, NodeId y) const;
  TimeMs LatencyMs(NodeId x, NodeId y) const;
  int64_t LatencyUs(NodeId x, NodeId y) const;  // loopback between nodes of one host
  int64_t RpcUs(NodeId caller, NodeId target);  // one sequential rpc, round trip

  // --- connection ends ---
  uint64_t ConnId(NodeId x, NodeId y) const { return end(x, y).conn_id; }  // 0: not up
  void EndUp(NodeId x, NodeId y, uint64_t conn_id);
  void EndDown(NodeId x, NodeId y, DownCause cause);
  // x closes its end; y hears the close if it can be reached.
  void Disconnect(NodeId x, NodeId y, DownCause cause);

  // --- sending ---
  void Send(NodeId from, NodeId to, Payload payload, SendMode mode);
  // Outside the connection logic: handshake traffic, closes, resets.
  void SendRaw(NodeId from, NodeId to, uint64_t conn_id, Payload payload);
  const NetMsg& Message(uint32_t slot) const { return messages_[slot]; }

  // --- events ---
  void OnDeliver(uint32_t slot);           // kNetDeliver
  void OnTickTimeout(const Event& event);  // kTickTimeout
  // ContKind::kPendingSends: the connect the sends from node to peer wait on.
  void OnConnectForSends(const Event& event);

  // n stopped: its sockets close (peers that can reach it hear it), its ends
  // are down without a word, its waiting and held sends are gone.
  void NodeStopped(NodeId n);

 private:
  struct End {
    uint64_t conn_id = 0;          // 0: x does not count y as connected
    uint32_t tick_gen = 0;         // bumps cancel a pending tick timeout
    int64_t last_delivery_us = 0;  // FIFO: no message x -> y arrives before this
  };
  using Pair = std::pair<NodeId, NodeId>;

  End& end(NodeId x, NodeId y) { return ends_[x * k_.n_nodes + y]; }
  const End& end(NodeId x, NodeId y) const { return ends_[x * k_.n_nodes + y]; }
  TimeMs TickDrawMs(NodeId x);
  // After a change of reachability (old: the matrix before): records the
  // apart spells, arms tick timeouts, lets held messages flow on heal.
  void ReachabilityChanged(const std::vector<uint8_t>& old_reach, int64_t action);
  void Transmit(uint32_t slot);
  uint32_t NewMessage(NodeId from, NodeId to, uint64_t conn_id, Payload payload);
  void FreeMessage(uint32_t slot);
  void Undeliverable(uint32_t slot);
  void ArmTick(NodeId x, NodeId y);
  void FlushPendingSends(NodeId from, NodeId to, bool connected);

  Kernel& k_;
  Cpu& cpu_;
  Connector* connector_ = nullptr;
  Reachability reach_;
  std::vector<End> ends_;  // N x N: x's end of its link to y
  std::vector<Rng> rng_jitter_;  // per node
  std::vector<Rng> rng_tick_;    // per node
  std::vector<NetMsg> messages_;
  std::vector<uint32_t> free_messages_;
  std::map<Pair, std::deque<uint32_t>> pending_sends_;  // awaiting a connect
  std::map<Pair, uint64_t> pending_send_request_;       // the connect they wait on
  std::map<Pair, std::deque<uint32_t>> held_;           // up but unreachable
  std::vector<EndListener> listeners_;  // in the order they are told (part of the trace)
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_NETWORK_H_
