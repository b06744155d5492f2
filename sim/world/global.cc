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
  Push(now() + delay_ms, Event::GlobalSync(x, y, ConnId(x, y)));
}

void Sim::OnGlobalSyncTimer(const Event& event) {
  const NodeId x = event.node, y = event.peer;
  if (!nodes[x].running || ConnId(x, y) != event.a) return;
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
    if (z == x || z == y || !Link(y, z).global_known || ConnId(y, z) == 0) continue;
    Send(y, z, news, SendMode::kExistingOnly);
  }
  Link(y, x).global_known = true;
  node.just_synced = true;
  // Each side connects to every node the other knows and it does not.
  for (NodeId q : sync.known) {
    if (q == y || q == x || ConnId(y, q) != 0 || Hidden(y, q)) continue;
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
    if (q == z || Link(z, q).global_known || ConnId(z, q) != 0 || Hidden(z, q)) continue;
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
    if (z == x || z == lost || ConnId(x, z) == 0 || Hidden(x, z)) continue;
    Send(x, z, msg::LostConnection{x, lost, report_id}, SendMode::kExistingOnly);
  }
}

void Sim::OnLostConnection(const NetMsg& m, const msg::LostConnection& report) {
  const NodeId c = m.to;
  NodeRt& node = nodes[c];
  if (!node.settings.connect_all || !node.settings.prevent_overlapping_partitions) return;
  if (!node.seen_reports.insert(report.report_id).second) return;
  for (NodeId z = 0; z < n_nodes; ++z) {
    if (z == c || z == report.reporter || z == m.from || ConnId(c, z) == 0 ||
        Hidden(c, z)) {
      continue;
    }
    Send(c, z, report, SendMode::kExistingOnly);
  }
  // The lost node is cut off from C (when C is the lost node, from the reporter).
  const NodeId drop = c == report.lost ? report.reporter : report.lost;
  LinkEnd& end = Link(c, drop);
  if (drop == c || ConnId(c, drop) == 0 || Hidden(c, drop)) return;
  end.global_forgot_conn = ConnId(c, drop);  // C forgets it as it asks
  end.global_known = false;
  NoteLazy(static_cast<uint32_t>(NoteKind::kGlobalRemove), c, drop, 0, [&] {
    return absl::StrCat(now(), " ", Name(c), " global asks ", Name(drop), " to remove it");
  });
  Send(c, drop, msg::RemoveConnection{}, SendMode::kExistingOnly);
}

void Sim::OnRemoveConnection(const NetMsg& m) {
  const NodeId b = m.to, c = m.from;
  LinkEnd& end = Link(b, c);
  end.global_forgot_conn = ConnId(b, c);  // B forgets C as it obeys
  end.global_known = false;
  Disconnect(b, c, DownCause::kObeyedRemove);
}

// ---------------------------------------------------------------------------
// The lock `cets_discovery`, as cets 0.2.0 takes it around each join:
// global:trans({cets_discovery, JoinPid}, F, [node() | nodes()], 0) in a loop
// that re-asks at once when it is aborted. One attempt (set_lock_on_nodes):
// if the own node's lock table shows the lock held by another requester,
// fail without sending anything (the caller spins on that: kLockWait);
// otherwise ask every node of the list (own node first) and wait for all
// answers. Each node's global server handles requests one at a time, in
// arrival order, and grants when the lock is free or already the
// requester's. Any refusal: release the partial grants (a multi_call that
// waits for its answers), then re-ask. The what-if options change only this
// loop (LockConfig).

bool Sim::Contending(JoinTask::Stage stage) {
  switch (stage) {
    case JoinTask::Stage::kLockWait:
    case JoinTask::Stage::kLockAttempt:
    case JoinTask::Stage::kLockAbort:
    case JoinTask::Stage::kLockBackoff:
      return true;
    default:
      return false;
  }
}

void Sim::LockAccount() {
  const int64_t span_us = now_us() - lock_accounted_us;
  if (lock_holders > 0) {
    counters.lock_held_us += span_us;
  } else if (lock_contenders > 0) {
    counters.lock_free_contended_us += span_us;
  }
  lock_accounted_us = now_us();
}

void Sim::EndLockHold(JoinTask& join) {
  LockAccount();
  --lock_holders;
  join.lock_held = false;
}

void Sim::GiveBackLock(uint64_t join_id, JoinTask::Stage next) {
  JoinTask& join = joins.at(join_id);
  if (join.lock_held) EndLockHold(join);
  std::vector<NodeId> granted = std::move(join.lock_granted);
  join.lock_granted.clear();
  JoinStage(join, next);
  LockReleaseAll(join_id, std::move(granted));
}

void Sim::SetSpinning(JoinTask& join, bool spinning) {
  if (join.spinning == spinning) return;
  join.spinning = spinning;
  uint32_t& spinners = cpu.Spinners(join.node);
  spinners = spinning ? spinners + 1 : spinners - 1;
}

void Sim::LockAttempt(uint64_t join_id) {
  auto it = joins.find(join_id);
  if (it == joins.end()) return;
  JoinTask& join = it->second;
  const NodeId x = join.node;
  const LockTable& local = nodes[x].lock;
  if (local.holder_join != 0 && local.holder_join != join_id) {
    LockWaitLocally(join, join_id);
    return;
  }
  SetSpinning(join, false);
  ++join.attempt;
  ++counters.lock_attempts;
  ++joins_log[join.record].lock_attempts;
  join.lock_granted.clear();
  join.lock_waiting.clear();
  join.lock_denied = false;
  JoinStage(join, JoinTask::Stage::kLockAttempt);
  join.lock_waiting.push_back(x);
  for (NodeId y = 0; y < n_nodes; ++y) {
    if (y != x && ConnId(x, y) != 0 && !Hidden(x, y)) join.lock_waiting.push_back(y);
  }
  const uint32_t attempt = join.attempt;
  const std::vector<NodeId> ask = join.lock_waiting;
  // Own node first: a local message to its global server.
  EnqueueLockOp(x, LockOp{false, join_id, attempt, x, x, nodes[x].incarnation});
  for (NodeId y : ask) {
    if (y != x) Send(x, y, msg::LockRequest{join_id, attempt}, SendMode::kExistingOnly);
  }
}

void Sim::LockWaitLocally(JoinTask& join, uint64_t join_id) {
  const NodeId x = join.node;
  ++counters.lock_local_waits;
  JoinStage(join, JoinTask::Stage::kLockWait);
  nodes[x].lock.waiters.push_back(join_id);
  if (!calibrated() || config.lock.wait == LockWait::kSpin) {
    SetSpinning(join, true);  // re-checks at once, again and again: a busy core
  } else {
    SetSpinning(join, false);
    join.sleep_phase_us = now_us();  // sleeps of sleep_ms from now on
  }
}

void Sim::EnqueueLockOp(NodeId server, LockOp op) {
  NodeRt& node = nodes[server];
  const int64_t start_us = std::max(now_us(), node.gs_busy_until_us);
  const int64_t done_us = start_us + HopUs(server);
  node.gs_busy_until_us = done_us;
  const uint64_t op_id = next_id++;
  const NodeId requester = op.requester;
  lock_ops.emplace(op_id, op);
  PushUs(done_us, Event::LockServe(server, requester, op_id));
}

void Sim::OnLockServe(const Event& event) {
  auto it = lock_ops.find(event.a);
  if (it == lock_ops.end()) return;
  const LockOp op = it->second;
  lock_ops.erase(it);
  NodeRt& node = nodes[op.server];
  if (!node.running || node.incarnation != op.server_incarnation) return;
  // A request from a node this one no longer counts as connected is void
  // (its monitor has fired): granting it would hold the lock forever.
  const bool local = op.server == op.requester;
  if (!local && ConnId(op.server, op.requester) == 0) return;
  bool granted = false;
  LockTable& table = node.lock;
  if (!op.release) {
    granted = table.holder_join == 0 || table.holder_join == op.join_id;
    if (granted) {
      table.holder_join = op.join_id;
      table.holder_node = op.requester;
    }
  } else if (table.holder_join == op.join_id) {
    FreeLock(op.server);
  }
  if (local) {
    const uint8_t sub = op.release ? 2 : granted ? 1 : 0;
    PushUs(now_us() + HopUs(op.requester),
           Event::LockLocalReply(op.requester, sub, op.join_id, op.attempt));
  } else {
    Send(op.server, op.requester, msg::LockReply{op.join_id, op.attempt, granted, op.release},
         SendMode::kExistingOnly);
  }
}

void Sim::OnLockRequest(const NetMsg& m, const msg::LockRequest& req) {
  EnqueueLockOp(m.to, LockOp{false, req.join_id, req.attempt, m.from, m.to, nodes[m.to].incarnation});
}

void Sim::OnLockReleaseMsg(const NetMsg& m, const msg::LockRelease& release) {
  EnqueueLockOp(m.to,
                LockOp{true, release.join_id, release.attempt, m.from, m.to, nodes[m.to].incarnation});
}

void Sim::OnLockReply(const NetMsg& m, const msg::LockReply& reply) {
  LockAnswer(reply.join_id, reply.attempt, m.from, reply.granted, reply.release_ack);
}

void Sim::OnLockLocalReply(const Event& event) {
  const NodeRt& node = nodes[event.node];
  if (!node.running) return;
  LockAnswer(event.a, static_cast<uint32_t>(event.b), event.node, event.sub == 1,
             event.sub == 2);
}

void Sim::LockAnswer(uint64_t join_id, uint32_t attempt, NodeId from, bool granted,
                     bool release_ack) {
  auto it = joins.find(join_id);
  if (release_ack) {
    if (it == joins.end()) return;
    JoinTask& join = it->second;
    const bool releasing = join.stage == JoinTask::Stage::kLockAbort ||
                           join.stage == JoinTask::Stage::kUnlock;
    if (!releasing || join.attempt != attempt) return;
    auto acked = std::find(join.lock_acks.begin(), join.lock_acks.end(), from);
    if (acked == join.lock_acks.end()) return;
    join.lock_acks.erase(acked);
    if (join.lock_acks.empty()) LockReleased(join_id);
    return;
  }
  const bool current = it != joins.end() && it->second.stage == JoinTask::Stage::kLockAttempt &&
                       it->second.attempt == attempt;
  if (!current) {
    // A grant nobody waits for any more is given back at once.
    if (granted && it != joins.end()) {
      const NodeId x = it->second.node;
      if (from == x) {
        EnqueueLockOp(x, LockOp{true, join_id, attempt, x, x, nodes[x].incarnation});
      } else if (ConnId(x, from) != 0) {
        Send(x, from, msg::LockRelease{join_id, attempt}, SendMode::kExistingOnly);
      }
    }
    return;
  }
  JoinTask& join = it->second;
  auto waiting = std::find(join.lock_waiting.begin(), join.lock_waiting.end(), from);
  if (waiting == join.lock_waiting.end()) return;
  join.lock_waiting.erase(waiting);
  if (granted) {
    join.lock_granted.push_back(from);
  } else {
    join.lock_denied = true;
  }
  if (join.lock_waiting.empty()) LockDecide(join_id);
}

void Sim::LockDecide(uint64_t join_id) {
  JoinTask& join = joins.at(join_id);
  JoinRecord& record = joins_log[join.record];
  const NodeId x = join.node;
  if (!join.lock_denied) {
    LockAccount();
    ++lock_holders;
    join.lock_held = true;
    ++counters.lock_grants;
    record.lock_granted_at_ms = now();
    NoteLazy(static_cast<uint32_t>(NoteKind::kLockGranted), x, join.peer, join.attempt,
             [&] { return absl::StrCat(now(), " ", Name(x), " lock granted"); });
    if (join.lock_loop) {
      // The hand-off probe: give it back at once.
      GiveBackLock(join_id, JoinTask::Stage::kUnlock);
      return;
    }
    if (calibrated() && config.lock.recheck_joined) {
      // What-if: the already-joined check again, now that the lock is ours
      // (a local call).
      JoinStage(join, JoinTask::Stage::kRecheck);
      PushUs(now_us() + HopUs(x), Event::JoinRpcStep(x, join.peer, join_id, join.token));
      return;
    }
    JoinAfterLock(join_id);
    return;
  }
  ++counters.lock_aborts;
  ++record.lock_aborts;
  NoteLazy(static_cast<uint32_t>(NoteKind::kLockAborted), x, join.peer, join.attempt,
           [&] { return absl::StrCat(now(), " ", Name(x), " lock aborted"); });
  GiveBackLock(join_id, JoinTask::Stage::kLockAbort);
}

// Releases the grants of the join's current attempt (a multi_call of
// del_lock: the join goes on when every node has answered). The join's
// stage says what follows: kLockAbort re-asks, kUnlock takes the next pair.
void Sim::LockReleaseAll(uint64_t join_id, std::vector<NodeId> granted) {
  JoinTask& join = joins.at(join_id);
  const NodeId x = join.node;
  join.lock_acks.clear();
  for (NodeId y : granted) {
    if (y == x) {
      join.lock_acks.push_back(y);
      EnqueueLockOp(x, LockOp{true, join_id, join.attempt, x, x, nodes[x].incarnation});
    } else if (ConnId(x, y) != 0) {
      join.lock_acks.push_back(y);
      Send(x, y, msg::LockRelease{join_id, join.attempt}, SendMode::kExistingOnly);
    }
  }
  if (join.lock_acks.empty()) LockReleased(join_id);
}

void Sim::LockReleased(uint64_t join_id) {
  JoinTask& join = joins.at(join_id);
  if (join.stage == JoinTask::Stage::kUnlock) {
    if (join.lock_loop) return LockAttempt(join_id);
    ++join.index;
    JoinNextPair(join_id);
    return;
  }
  WORLD_CHECK(join.stage == JoinTask::Stage::kLockAbort, "a release in a stage that makes none");
  // kSimple: a random pause (scheduling noise). kCalibrated: at once as
  // released, or the what-if back-off.
  const LockConfig& lock = config.lock;
  const TimeMs min_ms = calibrated() ? lock.backoff_ms_min : lock.retry_delay_ms_min;
  const TimeMs max_ms = calibrated() ? lock.backoff_ms_max : lock.retry_delay_ms_max;
  if (max_ms > 0) {
    JoinStage(join, JoinTask::Stage::kLockBackoff);
    const TimeMs pause_ms = nodes[join.node].rng_lock.Range(min_ms, max_ms);
    Push(now() + pause_ms, Event::LockRetry(join.node, join_id, join.token));
    return;
  }
  LockAttempt(join_id);  // as released: at once
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
    JoinTask& join = it->second;
    int64_t at_us;
    if (!calibrated() || config.lock.wait == LockWait::kSpin) {
      // A spinner sees it at its next turn, once it has a core.
      at_us = now_us() + CoreWaitUs(n) + config.cpu.spin_check_us;
    } else {
      // A sleeper at the end of its current sleep: the VM's timers fire on
      // whole-millisecond ticks of the host's clock, so a sleep of sleep_ms
      // ends at the first tick at least sleep_ms after it began.
      const int64_t sleep_us = config.lock.sleep_ms * kUsPerMs;
      auto sleep_end = [&](int64_t from_us) {
        return (from_us + sleep_us + kUsPerMs - 1) / kUsPerMs * kUsPerMs;
      };
      int64_t end_us = sleep_end(join.sleep_phase_us);
      if (end_us <= now_us()) {
        // Ticks of sleep_ms from there on (each sleep starts on a tick).
        end_us += (now_us() - end_us) / sleep_us * sleep_us;
        while (end_us <= now_us()) end_us += sleep_us;
      }
      join.sleep_phase_us = end_us - sleep_us;
      at_us = end_us + CoreWaitUs(n);
    }
    PushUs(at_us, Event::LockRetry(n, waiter, join.token));
  }
}

void Sim::OnLockRetry(const Event& event) {
  auto it = joins.find(event.a);
  if (it == joins.end() || it->second.token != event.b) return;
  LockAttempt(event.a);
}

void Sim::LockOnNodedown(NodeId x, NodeId y) {
  // A held lock disappears when its holder's node goes down.
  if (nodes[x].lock.holder_join != 0 && nodes[x].lock.holder_node == y) FreeLock(x);
  // An attempt or a release of x no longer waits for y.
  std::vector<uint64_t> decide, released;
  for (auto& [join_id, join] : joins) {
    if (join.node != x) continue;
    std::erase(join.lock_granted, y);
    if (join.stage == JoinTask::Stage::kLockAttempt) {
      const size_t before = join.lock_waiting.size();
      std::erase(join.lock_waiting, y);
      if (before != join.lock_waiting.size() && join.lock_waiting.empty()) {
        decide.push_back(join_id);
      }
    } else if (join.stage == JoinTask::Stage::kLockAbort ||
               join.stage == JoinTask::Stage::kUnlock) {
      const size_t before = join.lock_acks.size();
      std::erase(join.lock_acks, y);
      if (before != join.lock_acks.size() && join.lock_acks.empty()) released.push_back(join_id);
    }
  }
  for (uint64_t join_id : decide) LockDecide(join_id);
  for (uint64_t join_id : released) {
    if (joins.contains(join_id)) LockReleased(join_id);
  }
}

}  // namespace discosim::world
