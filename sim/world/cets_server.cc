// cets table servers (see cets_server.h).
#include "sim/world/cets_server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "sim/world/check.h"

namespace discosim::world {

void CetsServers::Build(uint32_t n_nodes, Ports ports) {
  ports_ = std::move(ports);
  servers_.assign(n_nodes, Tables{});
}

void CetsServers::Clear(NodeId n) {
  servers_[n].clear();
  std::erase_if(connecting_, [n](const auto& entry) { return entry.second.member.node == n; });
}

void CetsServers::Start(NodeId n, const TableName& table) {
  TableServer& server = servers_[n][table];
  server.cluster = {ServerRef{n, k_.nodes[n].incarnation}};
  server.join_ref = k_.NewId();  // make_ref() in cets:init
}

void CetsServers::StartIfAbsent(NodeId n, const TableName& table) {
  if (!servers_[n].contains(table)) Start(n, table);
}

const TableServer* CetsServers::Find(NodeId n, const TableName& table) const {
  auto it = servers_[n].find(table);
  return it == servers_[n].end() ? nullptr : &it->second;
}

const Cluster& CetsServers::ClusterOf(NodeId n, const TableName& table) const {
  return servers_[n].at(table).cluster;
}

RpcAnswer CetsServers::Whereis(NodeId server, const TableName& table) const {
  RpcAnswer answer;
  answer.delivered = true;
  answer.yes = Has(server, table);
  answer.server = ServerRef{server, k_.nodes[server].incarnation};
  return answer;
}

RpcAnswer CetsServers::GetCluster(NodeId server, const TableName& table,
                                  const ServerRef& asked) const {
  RpcAnswer answer;
  answer.delivered = true;
  const TableServer* found = Find(server, table);
  answer.yes = found != nullptr && asked == ServerRef{server, k_.nodes[server].incarnation};
  if (answer.yes) {
    answer.cluster = found->cluster;
    answer.join_ref = found->join_ref;
  }
  return answer;
}

void CetsServers::AddServers(const TableName& table, const Cluster& members,
                             const Cluster& added) {
  for (const ServerRef& ref : members) {
    Cluster& cluster = servers_[ref.node].at(table).cluster;
    for (const ServerRef& peer : added) {
      if (peer.node == ref.node || cluster.contains(peer)) continue;
      cluster.insert(peer);
      if (ports_.conn_id(ref.node, peer.node) != 0) continue;
      // The monitor makes the member's node connect to the peer's.
      const uint64_t monitor_id = k_.NewId();
      connecting_.emplace(monitor_id, PendingMonitor{ref, table, peer});
      ports_.auto_connect(ref.node, peer.node,
                          Cont{ContKind::kCetsMonitorConnect, ref.node, peer.node, monitor_id});
    }
  }
}

void CetsServers::OnMonitorConnect(uint64_t monitor_id, bool connected) {
  auto it = connecting_.find(monitor_id);
  if (it == connecting_.end()) return;
  const PendingMonitor m = it->second;
  connecting_.erase(it);
  if (connected && ports_.conn_id(m.member.node, m.peer.node) != 0) return;
  const NodeRt& node = k_.nodes[m.member.node];
  if (!node.running || node.incarnation != m.member.incarnation) return;
  auto server = servers_[m.member.node].find(m.table);
  if (server == servers_[m.member.node].end() || server->second.cluster.erase(m.peer) == 0) return;
  k_.NoteLazy(static_cast<uint32_t>(NoteKind::kMonitorDown), m.member.node, m.peer.node, 0, [&] {
    return absl::StrCat(k_.now(), " ", k_.Name(m.member.node), " ", m.table, " drops ",
                        k_.Name(m.peer.node), ": monitor DOWN noconnection");
  });
}

bool CetsServers::MonitorConnecting(NodeId n, NodeId peer) const {
  for (const auto& [id, m] : connecting_) {
    if (m.member.node == n && m.peer.node == peer &&
        m.member.incarnation == k_.nodes[n].incarnation) {
      return true;
    }
  }
  return false;
}

void CetsServers::SendDump(const ServerRef& member, const TableName& table, const Cluster& added,
                           uint64_t join_ref) {
  AddServers(table, {member}, added);
  servers_[member.node].at(table).join_ref = join_ref;
}

void CetsServers::OnNodedown(NodeId x, NodeId y) {
  // Each server's monitors of y's servers fire: they leave the cluster.
  for (auto& [table, server] : servers_[x]) {
    std::erase_if(server.cluster, [&](const ServerRef& ref) { return ref.node == y; });
  }
}

}  // namespace discosim::world
