// cets table servers, one per (node, table): each server's cluster (the
// servers it counts as its table's members, itself included), cets
// add_servers, and the monitors that drop a peer whose node went down.
//
// Owns: every node's table servers (per-node arrays indexed by NodeId), the
// monitors whose auto-connect is under way (keyed by an id).
// Touches: the kernel (clock, trace notes, node table, ids), and through
// Ports whether two nodes are connected and net_kernel's auto-connect.
// Called by: the join task (clusters, add_servers), rpc (whereis and
// get_cluster answers), node start / add_table, the nodedown listener, and
// World's read-back.
#ifndef DISCOSIM_SIM_WORLD_CETS_SERVER_H_
#define DISCOSIM_SIM_WORLD_CETS_SERVER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "engine/types.h"
#include "sim/world/event.h"
#include "sim/world/kernel.h"
#include "sim/world/messages.h"

namespace discosim::world {

struct TableServer {
  Cluster cluster;
  // cets' join_ref: a fresh reference when the server starts, the join's
  // own from each merge (send_dump). check_same_join_ref compares them.
  uint64_t join_ref = 0;
};

class CetsServers {
 public:
  struct Ports {
    // x's connection to y as x counts it (0: none).
    std::function<uint64_t(NodeId x, NodeId y)> conn_id;
    // An implicit connect (dist_auto_connect applies); `waiter` resumes
    // with 1 when connected.
    std::function<void(NodeId n, NodeId target, Cont waiter)> auto_connect;
  };
  using Tables = std::map<TableName, TableServer>;

  explicit CetsServers(Kernel& kernel) : k_(kernel) {}
  void Build(uint32_t n_nodes, Ports ports);

  // The node's servers are gone (stop) or not yet started (start).
  void Clear(NodeId n);
  // A lone server of n's current incarnation (replaces one of that name).
  void Start(NodeId n, const TableName& table);
  // add_table: a lone server unless n has one already.
  void StartIfAbsent(NodeId n, const TableName& table);

  const Tables& Of(NodeId n) const { return servers_[n]; }
  const TableServer* Find(NodeId n, const TableName& table) const;
  bool Has(NodeId n, const TableName& table) const { return Find(n, table) != nullptr; }
  // The cluster of n's server of `table` (which must exist).
  const Cluster& ClusterOf(NodeId n, const TableName& table) const;

  // rpc answers: whereis (found, and the server's reference) and
  // get_cluster (yes when `asked` is the server there now; with its join_ref).
  RpcAnswer Whereis(NodeId server, const TableName& table) const;
  RpcAnswer GetCluster(NodeId server, const TableName& table, const ServerRef& asked) const;

  // cets add_servers on each of `members`: the servers of `added` it lacks,
  // monitored (erlang:monitor). A monitor of a server on a node the member
  // is not connected to makes its node auto-connect: the peer stays a
  // member unless that attempt fails (DOWN noconnection: OnMonitorConnect).
  void AddServers(const TableName& table, const Cluster& members, const Cluster& added);
  // ContKind::kCetsMonitorConnect: the auto-connect of monitor `monitor_id` ended.
  void OnMonitorConnect(uint64_t monitor_id, bool connected);
  // Whether a monitor on n of a server on `peer` waits for its auto-connect.
  bool MonitorConnecting(NodeId n, NodeId peer) const;
  // cets send_dump on one server: add_servers of `added`, and the join's join_ref.
  void SendDump(const ServerRef& member, const TableName& table, const Cluster& added,
                uint64_t join_ref);

  // x's end to y went down: every server on x drops y's servers.
  void OnNodedown(NodeId x, NodeId y);

 private:
  struct PendingMonitor {
    ServerRef member;
    TableName table;
    ServerRef peer;
  };

  Kernel& k_;
  Ports ports_;
  std::vector<Tables> servers_;  // by node
  std::map<uint64_t, PendingMonitor> connecting_;  // by monitor id
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_CETS_SERVER_H_
