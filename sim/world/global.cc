// global, one per node (see global.h).
#include "sim/world/global.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace discosim::world {
namespace {

// The locker's wait before syncing with a new node (OTP global).
TimeMs SyncDelayMs(bool just_synced, size_t known_nodes) {
  if (just_synced) return 0;
  if (known_nodes == 0) return 200;
  return std::min<TimeMs>(1'000 + 100 * static_cast<TimeMs>(known_nodes), 3'000);
}

}  // namespace

void Global::Build(uint32_t n_nodes, Ports ports) {
  ports_ = std::move(ports);
  n_nodes_ = n_nodes;
  nodes_.assign(n_nodes, Node{});
  links_.assign(static_cast<size_t>(n_nodes) * n_nodes, Link{});
}

void Global::ClearNode(NodeId n) { nodes_[n] = Node{}; }

void Global::NodeStopped(NodeId n) {
  for (NodeId y = 0; y < n_nodes_; ++y) link(n, y) = Link{};
}

// ---------------------------------------------------------------------------
// connect_all.

void Global::OnNodeup(NodeId x, NodeId y) {
  link(x, y) = Link{};  // a new connection: nothing synced or forgotten on it yet
  if (!k_.nodes[x].settings.connect_all) return;
  size_t known = 0;
  for (NodeId q = 0; q < n_nodes_; ++q) known += link(x, q).known ? 1 : 0;
  Node& node = nodes_[x];
  const TimeMs delay_ms = SyncDelayMs(node.just_synced, known);
  node.just_synced = false;
  k_.Push(k_.now() + delay_ms, Event::GlobalSync(x, y, ports_.conn_id(x, y)));
}

void Global::OnSyncTimer(const Event& event) {
  const NodeId x = event.node, y = event.peer;
  if (!k_.nodes[x].running || ports_.conn_id(x, y) != event.a) return;
  msg::GlobalSync sync;
  for (NodeId q = 0; q < n_nodes_; ++q) {
    if (link(x, q).known) sync.known.push_back(q);
  }
  ports_.send(x, y, std::move(sync));
}

void Global::OnSync(const NetMsg& m, const msg::GlobalSync& sync) {
  const NodeId y = m.to, x = m.from;
  const NodeRt& node = k_.nodes[y];
  if (!node.settings.connect_all) return;
  // The sync is over: tell every node known before it about x and the nodes
  // x knows (OTP's new_nodes cast), so a sync that ran concurrently with
  // this one still learns of x.
  msg::GlobalNewNodes news;
  news.nodes.push_back(x);
  for (NodeId q : sync.known) {
    if (q != x) news.nodes.push_back(q);
  }
  for (NodeId z = 0; z < n_nodes_; ++z) {
    if (z == x || z == y || !link(y, z).known || !Connected(y, z)) continue;
    ports_.send(y, z, news);
  }
  link(y, x).known = true;
  nodes_[y].just_synced = true;
  // Each side connects to every node the other knows and it does not.
  for (NodeId q : sync.known) {
    if (q == y || q == x || Connected(y, q) || ports_.hidden(y, q)) continue;
    ConnectTransitively(y, q);
  }
}

void Global::OnNewNodes(const NetMsg& m, const msg::GlobalNewNodes& news) {
  const NodeId z = m.to;
  const NodeRt& node = k_.nodes[z];
  if (!node.settings.connect_all) return;
  // Nodes z does not know yet: connect to them (sync_others). The nodeup
  // that follows syncs as usual.
  for (NodeId q : news.nodes) {
    if (q == z || link(z, q).known || Connected(z, q) || ports_.hidden(z, q)) continue;
    ConnectTransitively(z, q);
  }
}

// sync_other/2 monitors the node with allow_passive_connect. A peer that
// dist_auto_connect=once has barred is not dialled: net_kernel:passive_cnct/1
// waits connecttime() (net_setuptime) for it to connect in and answers
// whether it did (net_kernel's passive_connect_monitor); only then does a
// failure count as losing the peer. Any other peer is auto-connected as
// usual (with `never`, that fails at once).
void Global::ConnectTransitively(NodeId x, NodeId q) {
  const NodeRt& node = k_.nodes[x];
  if (ports_.barred_once && ports_.barred_once(x, q)) {
    k_.Push(k_.now() + node.settings.net_setuptime_ms,
            Event::Resume(static_cast<uint8_t>(ContKind::kGlobalPassiveConnect), x, q,
                          node.incarnation, 0));
    return;
  }
  ports_.auto_connect(x, q, Cont{ContKind::kGlobalConnect, x, q, node.incarnation});
}

void Global::OnPassiveConnectEnd(NodeId x, NodeId target, uint64_t incarnation) {
  if (k_.nodes[x].incarnation != incarnation) return;
  OnConnectResult(x, target, ports_.conn_id(x, target) != 0);
}

void Global::OnConnectResult(NodeId x, NodeId target, bool connected) {
  const NodeRt& node = k_.nodes[x];
  if (connected || !node.running) return;
  if (node.settings.connect_all && node.settings.prevent_overlapping_partitions) {
    ReportLoss(x, target);  // a failed transitive connect counts as losing it
  }
}

// ---------------------------------------------------------------------------
// prevent_overlapping_partitions.

void Global::OnNodedown(NodeId x, NodeId y, uint64_t conn_id, DownCause cause) {
  Link& end = link(x, y);
  const bool forgot = end.forgot_conn == conn_id || cause == DownCause::kObeyedRemove;
  end = Link{};
  const NodeSettings& s = k_.nodes[x].settings;
  if (s.connect_all && s.prevent_overlapping_partitions && !forgot) ReportLoss(x, y);
}

void Global::ReportLoss(NodeId x, NodeId lost) {
  const uint64_t report_id = k_.NewId();
  nodes_[x].seen_reports.insert(report_id);
  k_.NoteLazy(static_cast<uint32_t>(NoteKind::kGlobalReport), x, lost,
              static_cast<int64_t>(report_id), [&] {
                return absl::StrCat(k_.now(), " ", k_.Name(x), " global lost_connection ",
                                    k_.Name(lost));
              });
  for (NodeId z = 0; z < n_nodes_; ++z) {
    if (z == x || z == lost || !Connected(x, z) || ports_.hidden(x, z)) continue;
    ports_.send(x, z, msg::LostConnection{x, lost, report_id});
  }
}

void Global::OnLostConnection(const NetMsg& m, const msg::LostConnection& report) {
  const NodeId c = m.to;
  const NodeSettings& s = k_.nodes[c].settings;
  if (!s.connect_all || !s.prevent_overlapping_partitions) return;
  if (!nodes_[c].seen_reports.insert(report.report_id).second) return;
  for (NodeId z = 0; z < n_nodes_; ++z) {
    if (z == c || z == report.reporter || z == m.from || !Connected(c, z) ||
        ports_.hidden(c, z)) {
      continue;
    }
    ports_.send(c, z, report);
  }
  // The lost node is cut off from C (when C is the lost node, from the reporter).
  const NodeId drop = c == report.lost ? report.reporter : report.lost;
  if (drop == c || !Connected(c, drop) || ports_.hidden(c, drop)) return;
  Link& end = link(c, drop);
  end.forgot_conn = ports_.conn_id(c, drop);  // C forgets it as it asks
  end.known = false;
  k_.NoteLazy(static_cast<uint32_t>(NoteKind::kGlobalRemove), c, drop, 0, [&] {
    return absl::StrCat(k_.now(), " ", k_.Name(c), " global asks ", k_.Name(drop),
                        " to remove it");
  });
  ports_.send(c, drop, msg::RemoveConnection{});
}

void Global::OnRemoveConnection(const NetMsg& m) {
  const NodeId b = m.to, c = m.from;
  Link& end = link(b, c);
  end.forgot_conn = ports_.conn_id(b, c);  // B forgets C as it obeys
  end.known = false;
  ports_.disconnect(b, c, DownCause::kObeyedRemove);
}

}  // namespace discosim::world
