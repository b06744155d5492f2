// global, one per node: connect_all's sync after a nodeup (with the locker's
// delays and the transitive auto-connects), prevent_overlapping_partitions
// (lost_connection reports, forwarded once, and remove_connection requests),
// and the lock cets joins take.
#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "sim/world/sim.h"

namespace discosim::world {
namespace {

// The locker's wait before syncing with a new node (OTP global).
TimeMs SyncDelayMs(bool just_synced, size_t known_nodes) {
  if (just_synced) return 0;
  if (known_nodes == 0) return 200;
  return std::min<TimeMs>(1'000 + 100 * static_cast<TimeMs>(known_nodes), 3'000);
}

}  // namespace

// ---------------------------------------------------------------------------
// connect_all.

void Sim::GlobalOnNodeup(NodeId x, NodeId y) {
  NodeRt& node = nodes[x];
  if (!node.settings.connect_all) return;
  size_t known = 0;
  for (NodeId q = 0; q < n_nodes; ++q) known += Link(x, q).global_known ? 1 : 0;
  const TimeMs delay_ms = SyncDelayMs(node.just_synced, known);
  node.just_synced = false;
  Push(now() + delay_ms, Event{EventKind::kGlobalSync, 0, x, y, Link(x, y).conn_id, 0});
}

void Sim::OnGlobalSyncTimer(const Event& event) {
  const NodeId x = event.node, y = event.peer;
  if (!nodes[x].running || Link(x, y).conn_id != event.a) return;
  msg::GlobalSync sync;
  for (NodeId q = 0; q < n_nodes; ++q) {
    if (Link(x, q).global_known) sync.known.push_back(q);
  }
  Send(x, y, std::move(sync), SendMode::kExistingOnly);
}

void Sim::OnGlobalSyncMsg(const NetMsg& m, const msg::GlobalSync& sync) {
  const NodeId y = m.to, x = m.from;
  NodeRt& node = nodes[y];
  if (!node.settings.connect_all) return;
  // The sync is over: tell every node known before it about x and the nodes
  // x knows (OTP's new_nodes cast), so a sync that ran concurrently with
  // this one still learns of x.
  msg::GlobalNewNodes news;
  news.nodes.push_back(x);
  for (NodeId q : sync.known) {
    if (q != x) news.nodes.push_back(q);
  }
  for (NodeId z = 0; z < n_nodes; ++z) {
    if (z == x || z == y || !Link(y, z).global_known || Link(y, z).conn_id == 0) continue;
    Send(y, z, news, SendMode::kExistingOnly);
  }
  Link(y, x).global_known = true;
  node.just_synced = true;
  // Each side connects to every node the other knows and it does not.
  for (NodeId q : sync.known) {
    if (q == y || q == x || Link(y, q).conn_id != 0 || Hidden(y, q)) continue;
    AutoConnect(y, q, Cont{ContKind::kGlobalConnect, y, q, node.incarnation});
  }
}

void Sim::OnGlobalNewNodes(const NetMsg& m, const msg::GlobalNewNodes& news) {
  const NodeId z = m.to;
  NodeRt& node = nodes[z];
  if (!node.settings.connect_all) return;
  // Nodes z does not know yet: connect to them (sync_others). The nodeup
  // that follows syncs as usual.
  for (NodeId q : news.nodes) {
    if (q == z || Link(z, q).global_known || Link(z, q).conn_id != 0 || Hidden(z, q)) continue;
    AutoConnect(z, q, Cont{ContKind::kGlobalConnect, z, q, node.incarnation});
  }
}

void Sim::OnGlobalConnectResult(NodeId x, NodeId target, bool connected) {
  const NodeRt& node = nodes[x];
  if (connected || !node.running) return;
  if (node.settings.connect_all && node.settings.prevent_overlapping_partitions) {
    ReportLoss(x, target);  // a failed transitive connect counts as losing it
  }
}

// ---------------------------------------------------------------------------
// prevent_overlapping_partitions.

void Sim::GlobalOnNodedown(NodeId x, NodeId y, uint64_t conn_id, DownCause cause) {
  LinkEnd& end = Link(x, y);
  const bool forgot = end.global_forgot_conn == conn_id || cause == DownCause::kObeyedRemove;
  end.global_known = false;
  end.global_forgot_conn = 0;
  const NodeSettings& s = nodes[x].settings;
  if (s.connect_all && s.prevent_overlapping_partitions && !forgot) ReportLoss(x, y);
}

void Sim::ReportLoss(NodeId x, NodeId lost) {
  const uint64_t report_id = next_id++;
  nodes[x].seen_reports.insert(report_id);
  NoteLazy(static_cast<uint32_t>(NoteKind::kGlobalReport), x, lost,
           static_cast<int64_t>(report_id), [&] {
             return absl::StrCat(now(), " ", Name(x), " global lost_connection ", Name(lost));
           });
  for (NodeId z = 0; z < n_nodes; ++z) {
    if (z == x || z == lost || Link(x, z).conn_id == 0 || Hidden(x, z)) continue;
    Send(x, z, msg::LostConnection{x, lost, report_id}, SendMode::kExistingOnly);
  }
}

void Sim::OnLostConnection(const NetMsg& m, const msg::LostConnection& report) {
  const NodeId c = m.to;
  NodeRt& node = nodes[c];
  if (!node.settings.connect_all || !node.settings.prevent_overlapping_partitions) return;
  if (!node.seen_reports.insert(report.report_id).second) return;
  for (NodeId z = 0; z < n_nodes; ++z) {
    if (z == c || z == report.reporter || z == m.from || Link(c, z).conn_id == 0 ||
        Hidden(c, z)) {
      continue;
    }
    Send(c, z, report, SendMode::kExistingOnly);
  }
  // The lost node is cut off from C (when C is the lost node, from the reporter).
  const NodeId drop = c == report.lost ? report.reporter : report.lost;
  LinkEnd& end = Link(c, drop);
  if (drop == c || end.conn_id == 0 || Hidden(c, drop)) return;
  end.global_forgot_conn = end.conn_id;  // C forgets it as it asks
  end.global_known = false;
  NoteLazy(static_cast<uint32_t>(NoteKind::kGlobalRemove), c, drop, 0, [&] {
    return absl::StrCat(now(), " ", Name(c), " global asks ", Name(drop), " to remove it");
  });
  Send(c, drop, msg::RemoveConnection{}, SendMode::kExistingOnly);
}

void Sim::OnRemoveConnection(const NetMsg& m) {
  const NodeId b = m.to, c = m.from;
  LinkEnd& end = Link(b, c);
  end.global_forgot_conn = end.conn_id;  // B forgets C as it obeys
  end.global_known = false;
  Disconnect(b, c, DownCause::kObeyedRemove);
}

// ---------------------------------------------------------------------------
// The lock `cets_discovery`, asked with zero retries and re-asked on abort.

void Sim::LockAttempt(uint64_t join_id) {
  auto it = joins.find(join_id);
  if (it == joins.end()) return;
  JoinTask& join = it->second;
  const NodeId x = join.node;
  LockTable& local = nodes[x].lock;
  if (local.holder_join != 0 && local.holder_join != join_id) {
    // The local lock table says another requester holds it: spin locally,
    // which amounts to waiting for its release (nothing is sent).
    local.waiters.push_back(join_id);
    JoinStage(join, JoinTask::Stage::kLockWait);
    return;
  }
  local.holder_join = join_id;
  local.holder_node = x;
  ++join.attempt;
  ++counters.lock_attempts;
  ++joins_log[join.record].lock_attempts;
  join.lock_granted.clear();
  join.lock_waiting.clear();
  join.lock_denied = false;
  JoinStage(join, JoinTask::Stage::kLockAttempt);
  for (NodeId y = 0; y < n_nodes; ++y) {
    if (y != x && Link(x, y).conn_id != 0 && !Hidden(x, y)) join.lock_waiting.push_back(y);
  }
  const std::vector<NodeId> ask = join.lock_waiting;
  const uint32_t attempt = join.attempt;
  if (ask.empty()) {
    LockDecide(join_id);
    return;
  }
  for (NodeId y : ask) {
    Send(x, y, msg::LockRequest{join_id, attempt}, SendMode::kExistingOnly);
  }
}

void Sim::OnLockRequest(const NetMsg& m, const msg::LockRequest& req) {
  LockTable& table = nodes[m.to].lock;
  const bool granted = table.holder_join == 0 || table.holder_join == req.join_id;
  if (granted) {
    table.holder_join = req.join_id;
    table.holder_node = m.from;
  }
  Send(m.to, m.from, msg::LockReply{req.join_id, req.attempt, granted}, SendMode::kExistingOnly);
}

void Sim::OnLockReply(const NetMsg& m, const msg::LockReply& reply) {
  auto it = joins.find(reply.join_id);
  const bool current = it != joins.end() && it->second.stage == JoinTask::Stage::kLockAttempt &&
                       it->second.attempt == reply.attempt;
  if (!current) {
    if (reply.granted) Send(m.to, m.from, msg::LockRelease{reply.join_id}, SendMode::kExistingOnly);
    return;
  }
  JoinTask& join = it->second;
  auto waiting = std::find(join.lock_waiting.begin(), join.lock_waiting.end(), m.from);
  if (waiting == join.lock_waiting.end()) return;
  join.lock_waiting.erase(waiting);
  if (reply.granted) {
    join.lock_granted.push_back(m.from);
  } else {
    join.lock_denied = true;
  }
  if (join.lock_waiting.empty()) LockDecide(reply.join_id);
}

void Sim::LockDecide(uint64_t join_id) {
  JoinTask& join = joins.at(join_id);
  JoinRecord& record = joins_log[join.record];
  if (!join.lock_denied) {
    join.lock_held = true;
    ++counters.lock_grants;
    record.lock_granted_at_ms = now();
    NoteLazy(static_cast<uint32_t>(NoteKind::kLockGranted), join.node, join.peer, join.attempt,
             [&] { return absl::StrCat(now(), " ", Name(join.node), " lock granted"); });
    JoinAfterLock(join_id);
    return;
  }
  ++counters.lock_aborts;
  ++record.lock_aborts;
  NoteLazy(static_cast<uint32_t>(NoteKind::kLockAborted), join.node, join.peer, join.attempt,
           [&] { return absl::StrCat(now(), " ", Name(join.node), " lock aborted"); });
  // Release what this attempt got, then ask again after a short pause.
  const NodeId x = join.node;
  const std::vector<NodeId> granted = std::move(join.lock_granted);
  join.lock_granted.clear();
  JoinStage(join, JoinTask::Stage::kLockBackoff);
  const uint64_t token = join.token;
  const TimeMs pause_ms =
      nodes[x].rng_lock.Range(config.lock.retry_delay_ms_min, config.lock.retry_delay_ms_max);
  Push(now() + pause_ms, Event{EventKind::kLockRetry, 0, x, kNoNode, join_id, token});
  if (nodes[x].lock.holder_join == join_id) FreeLock(x);
  for (NodeId y : granted) Send(x, y, msg::LockRelease{join_id}, SendMode::kExistingOnly);
}

void Sim::LockRelease(uint64_t join_id) {
  JoinTask& join = joins.at(join_id);
  if (!join.lock_held) return;
  join.lock_held = false;
  const NodeId x = join.node;
  const std::vector<NodeId> granted = std::move(join.lock_granted);
  join.lock_granted.clear();
  if (nodes[x].lock.holder_join == join_id) FreeLock(x);
  for (NodeId y : granted) Send(x, y, msg::LockRelease{join_id}, SendMode::kExistingOnly);
}

void Sim::FreeLock(NodeId n) {
  LockTable& table = nodes[n].lock;
  table.holder_join = 0;
  table.holder_node = kNoNode;
  const std::vector<uint64_t> waiters = std::move(table.waiters);
  table.waiters.clear();
  for (uint64_t waiter : waiters) {
    auto it = joins.find(waiter);
    if (it == joins.end() || it->second.stage != JoinTask::Stage::kLockWait) continue;
    Push(now(), Event{EventKind::kLockRetry, 0, n, kNoNode, waiter, it->second.token});
  }
}

void Sim::OnLockReleaseMsg(const NetMsg& m, const msg::LockRelease& release) {
  if (nodes[m.to].lock.holder_join == release.join_id) FreeLock(m.to);
}

void Sim::OnLockRetry(const Event& event) {
  auto it = joins.find(event.a);
  if (it == joins.end() || it->second.token != event.b) return;
  LockAttempt(event.a);
}

void Sim::LockOnNodedown(NodeId x, NodeId y) {
  // A held lock disappears when its holder's node goes down.
  if (nodes[x].lock.holder_join != 0 && nodes[x].lock.holder_node == y) FreeLock(x);
  // An attempt of x no longer waits for y (an unreachable node does not count).
  std::vector<uint64_t> decide;
  for (auto& [join_id, join] : joins) {
    if (join.node != x) continue;
    std::erase(join.lock_granted, y);
    if (join.stage != JoinTask::Stage::kLockAttempt) continue;
    const size_t before = join.lock_waiting.size();
    std::erase(join.lock_waiting, y);
    if (before != join.lock_waiting.size() && join.lock_waiting.empty()) decide.push_back(join_id);
  }
  for (uint64_t join_id : decide) LockDecide(join_id);
}

}  // namespace discosim::world
