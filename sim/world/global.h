// global, one per node: connect_all's sync after a nodeup (with the
// locker's delays and the transitive auto-connects of sync_others) and
// prevent_overlapping_partitions (lost_connection reports, forwarded once,
// and remove_connection requests). The lock cets joins take is a room of
// its own (join_lock.h).
//
// Owns: per node, just_synced and the reports seen; per link (N x N), whether
// x's global has synced with y and the connection on which x forgot y.
// Touches: the kernel (clock, events, ids, trace notes, node table), and
// through Ports the network (connections, visibility, sends, disconnects)
// and net_kernel (auto-connects).
// Called by: the end listeners (nodeup, nodedown), the world's dispatch (its
// sync timer, its messages, the result of its connects), node start / stop.
#ifndef DISCOSIM_SIM_WORLD_GLOBAL_H_
#define DISCOSIM_SIM_WORLD_GLOBAL_H_

#include <cstdint>
#include <functional>
#include <set>
#include <vector>

#include "sim/world/event.h"
#include "sim/world/kernel.h"
#include "sim/world/messages.h"
#include "sim/world/world.h"

namespace discosim::world {

class Global {
 public:
  struct Ports {
    std::function<uint64_t(NodeId x, NodeId y)> conn_id;  // 0: x does not count y up
    std::function<bool(NodeId x, NodeId y)> hidden;
    // Over an existing connection only.
    std::function<void(NodeId from, NodeId to, Payload payload)> send;
    std::function<void(NodeId n, NodeId target, Cont waiter)> auto_connect;
    std::function<void(NodeId x, NodeId y, DownCause cause)> disconnect;
    // Whether dist_auto_connect=once has barred x from connecting to y (none:
    // never barred).
    std::function<bool(NodeId x, NodeId y)> barred_once;
  };

  explicit Global(Kernel& kernel) : k_(kernel) {}
  void Build(uint32_t n_nodes, Ports ports);

  // A node's global process starts afresh (start) or is gone (stop).
  void ClearNode(NodeId n);
  // n stopped: its ends forget every peer.
  void NodeStopped(NodeId n);

  // connect_all.
  void OnNodeup(NodeId x, NodeId y);
  void OnSyncTimer(const Event& event);
  void OnSync(const NetMsg& m, const msg::GlobalSync& sync);
  void OnNewNodes(const NetMsg& m, const msg::GlobalNewNodes& news);
  // The end of a passive connect's wait (ConnectTransitively): x counts
  // target as lost unless the peer connected in meanwhile.
  void OnPassiveConnectEnd(NodeId x, NodeId target, uint64_t incarnation);
  void OnConnectResult(NodeId x, NodeId target, bool connected);
  // prevent_overlapping_partitions.
  void OnNodedown(NodeId x, NodeId y, uint64_t conn_id, DownCause cause);
  void OnLostConnection(const NetMsg& m, const msg::LostConnection& report);
  void OnRemoveConnection(const NetMsg& m);

  bool Known(NodeId x, NodeId y) const { return link(x, y).known; }

 private:
  // global:sync_other/2 asks for a node it learnt of by
  // erlang:monitor_node(N, true, [allow_passive_connect]).
  void ConnectTransitively(NodeId x, NodeId q);
  struct Link {
    bool known = false;       // global on x has synced with y
    uint64_t forgot_conn = 0; // global on x forgot y on this connection
  };
  struct Node {
    bool just_synced = false;
    std::set<uint64_t> seen_reports;
  };
  Link& link(NodeId x, NodeId y) { return links_[x * n_nodes_ + y]; }
  const Link& link(NodeId x, NodeId y) const { return links_[x * n_nodes_ + y]; }
  bool Connected(NodeId x, NodeId y) const { return ports_.conn_id(x, y) != 0; }
  void ReportLoss(NodeId x, NodeId lost);

  Kernel& k_;
  Ports ports_;
  uint32_t n_nodes_ = 0;
  std::vector<Node> nodes_;
  std::vector<Link> links_;
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_GLOBAL_H_
