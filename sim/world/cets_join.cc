// The join task (see cets_join.h).
#include "sim/world/cets_join.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "sim/world/check.h"

namespace discosim::world {
namespace {

engine::JoinResult PidNotFound(const engine::JoinPair& pair, std::string reason) {
  return engine::JoinResult{pair.node, pair.table, engine::JoinResult::What::kPidNotFound, false,
                            std::move(reason)};
}

engine::JoinResult Joined(const engine::JoinPair& pair) {
  return engine::JoinResult{pair.node, pair.table, engine::JoinResult::What::kJoinResult, true,
                            ""};
}

engine::JoinResult JoinError(const engine::JoinPair& pair, std::string reason) {
  return engine::JoinResult{pair.node, pair.table, engine::JoinResult::What::kJoinResult, false,
                            std::move(reason)};
}

constexpr const char* kBadRpc = "{badrpc,nodedown}";

}  // namespace

// A table server's pid as the results show it: <node.incarnation>.
std::string CetsJoin::PidText(const ServerRef& ref) const {
  return absl::StrCat("<", k_.Name(ref.node), ".", ref.incarnation, ">");
}

// An error raised inside cets_join:join comes back wrapped by cets_long:
// {error, {task_failed, Reason, Info}}. Info here holds the two pids of the
// pair (cets' Info also names the table and the remote node, which the
// result carries already). A failed call to a member raises its own
// task_failed (cets_call:long_call runs tracked too), whose Info names the
// called pid; cets_long passes a nested task_failed on unchanged.
engine::JoinResult CetsJoin::TaskFailed(const JoinTask& join, const std::string& reason) const {
  const ServerRef local{join.node, join.incarnation};
  return JoinError(join.pairs[join.index],
                   absl::StrCat("{task_failed,", reason, ",#{local_pid=>", PidText(local),
                                ",remote_pid=>", PidText(join.remote), "}}"));
}

engine::JoinResult CetsJoin::CallFailed(const JoinTask& join, const std::string& reason,
                                        const ServerRef& called) const {
  return JoinError(join.pairs[join.index], absl::StrCat("{task_failed,", reason, ",#{pid=>",
                                                        PidText(called), "}}"));
}

int64_t CetsJoin::CopyUs(const TableName& table) const {
  const JoinCost& cost = k_.config.join;
  auto it = cost.table_rows.find(table);
  const int64_t rows = it == cost.table_rows.end() ? 0 : it->second;
  if (k_.calibrated()) return rows * cost.join_per_row_us;
  return (cost.join_base_ms + rows * cost.join_per_row_us / 1'000) * Kernel::kUsPerMs;
}

// ---------------------------------------------------------------------------
// Tasks and pairs.

void CetsJoin::Start(NodeId n, std::vector<engine::JoinPair> pairs) {
  const uint64_t join_id = k_.NewId();
  JoinTask join;
  join.node = n;
  join.incarnation = k_.nodes[n].incarnation;
  join.pairs = std::move(pairs);
  joins_.emplace(join_id, std::move(join));
  NextPair(join_id);
}

void CetsJoin::StartLockLoop(NodeId n) {
  const uint64_t join_id = k_.NewId();
  JoinTask join;
  join.node = n;
  join.incarnation = k_.nodes[n].incarnation;
  join.lock_loop = true;
  join.peer = n;
  records_.push_back(JoinRecord{k_.Name(n), k_.Name(n), "", k_.now(), std::nullopt,
                                std::nullopt, 0, 0, "", false, false});
  join.record = records_.size() - 1;
  JoinTask& stored = joins_.emplace(join_id, std::move(join)).first->second;
  SetStage(stored, JoinTask::Stage::kLocking);
  lock_.Acquire(join_id, n, n);
}

void CetsJoin::SetStage(JoinTask& join, JoinTask::Stage stage) {
  join.stage = stage;
  ++join.token;
}

void CetsJoin::NodeStopped(NodeId n) {
  for (auto& [join_id, join] : joins_) {
    if (join.node != n) continue;
    if (join.record < records_.size() && records_[join.record].result.empty()) {
      records_[join.record].result = "node_stopped";
    }
    lock_.Drop(join_id);  // out of the lock's accounting and its host's spinners
  }
  absl::erase_if(joins_, [&](const auto& kv) { return kv.second.node == n; });
}

void CetsJoin::NextPair(uint64_t join_id) {
  JoinTask& join = joins_.at(join_id);
  if (join.index >= join.pairs.size()) {
    const NodeId n = join.node;
    std::vector<engine::JoinResult> results = std::move(join.results);
    joins_.erase(join_id);
    lock_.Forget(join_id);
    ports_.finished(n, std::move(results));
    return;
  }
  const engine::JoinPair& pair = join.pairs[join.index];
  const std::optional<NodeId> peer = k_.Find(pair.node);
  if (!peer.has_value()) {
    k_.Fail(absl::StrCat("a join task names an undeclared node ", pair.node));
    return;
  }
  join.peer = *peer;
  join.table = pair.table;
  records_.push_back(JoinRecord{k_.Name(join.node), pair.node, pair.table, k_.now(),
                                std::nullopt, std::nullopt, 0, 0, "", false, false});
  join.record = records_.size() - 1;
  ++k_.counters.joins;
  // 1. Find the remote server (an rpc; an auto-connect if not connected).
  SetStage(join, JoinTask::Stage::kWhereis);
  msg::RpcRequest request;
  request.kind = RpcKind::kWhereis;
  request.table = pair.table;
  ports_.start_rpc(join.node, join.peer, std::move(request),
                   Cont{ContKind::kJoinRpc, join.node, join.peer, join_id});
}

void CetsJoin::FinishPair(uint64_t join_id, engine::JoinResult result) {
  // 8. The pair's result is ok or the error; release the lock (if taken).
  JoinTask& join = joins_.at(join_id);
  JoinRecord& record = records_[join.record];
  record.finished_at_ms = k_.now();
  if (result.what == engine::JoinResult::What::kPidNotFound) {
    record.result = "pid_not_found:" + result.reason;
  } else {
    record.result = result.ok ? "ok" : result.reason;
  }
  k_.NoteLazy(static_cast<uint32_t>(NoteKind::kJoinResult), join.node, join.peer,
              result.ok ? 1 : 0, [&] {
                return absl::StrCat(k_.now(), " ", k_.Name(join.node), " join ", result.node,
                                    " ", result.table, " ", record.result);
              });
  join.results.push_back(std::move(result));
  if (lock_.Held(join_id)) {
    SetStage(join, JoinTask::Stage::kUnlocking);  // then the next pair
    lock_.Release(join_id);
    return;
  }
  ++join.index;
  NextPair(join_id);
}

// ---------------------------------------------------------------------------
// The lock (JoinLock::Owner).

void CetsJoin::LockAttempted(uint64_t join_id) { ++RecordOf(join_id).lock_attempts; }
void CetsJoin::LockAborted(uint64_t join_id) { ++RecordOf(join_id).lock_aborts; }

void CetsJoin::LockAcquired(uint64_t join_id) {
  JoinTask& join = joins_.at(join_id);
  records_[join.record].lock_granted_at_ms = k_.now();
  if (join.lock_loop) {
    // The hand-off probe: give it back at once.
    SetStage(join, JoinTask::Stage::kUnlocking);
    lock_.Release(join_id);
    return;
  }
  if (k_.calibrated() && k_.config.lock.recheck_joined) {
    // What-if: the already-joined check again, now that the lock is ours
    // (a local call).
    SetStage(join, JoinTask::Stage::kRecheck);
    k_.PushUs(k_.now_us() + ports_.hop_us(join.node),
              Event::JoinRpcStep(join.node, join.peer, join_id, join.token));
    return;
  }
  AfterLock(join_id);
}

void CetsJoin::LockReleased(uint64_t join_id) {
  JoinTask& join = joins_.at(join_id);
  if (join.lock_loop) {
    SetStage(join, JoinTask::Stage::kLocking);
    lock_.Acquire(join_id, join.node, join.peer);
    return;
  }
  ++join.index;
  NextPair(join_id);
}

// ---------------------------------------------------------------------------
// The rpc steps.

void CetsJoin::OnRpc(uint64_t join_id, uint64_t rpc_id) {
  const RpcAnswer answer = ports_.take_rpc_answer(rpc_id);
  auto it = joins_.find(join_id);
  if (it == joins_.end()) return;
  switch (it->second.stage) {
    case JoinTask::Stage::kWhereis: return OnWhereis(join_id, answer);
    case JoinTask::Stage::kGetCluster: return OnGetCluster(join_id, answer);
    default: WORLD_CHECK(false, "an rpc answer in a join stage that makes none");
  }
}

void CetsJoin::OnWhereis(uint64_t join_id, const RpcAnswer& answer) {
  JoinTask& join = joins_.at(join_id);
  const engine::JoinPair& pair = join.pairs[join.index];
  const TableServer* server = servers_.Find(join.node, join.table);
  if (!answer.delivered) return FinishPair(join_id, PidNotFound(pair, kBadRpc));
  if (!answer.yes) return FinishPair(join_id, PidNotFound(pair, "undefined"));
  // Only the local server missing: the reason is the remote pid (the rpc's answer).
  if (server == nullptr) return FinishPair(join_id, PidNotFound(pair, PidText(answer.server)));
  join.remote = answer.server;
  // 2. Already in one cluster: checked before locking.
  if (server->cluster.contains(join.remote)) {
    return FinishPair(join_id, JoinError(pair, "already_joined"));
  }
  // 3. The global lock.
  SetStage(join, JoinTask::Stage::kLocking);
  lock_.Acquire(join_id, join.node, join.peer);
}

void CetsJoin::Recheck(uint64_t join_id) {
  // What-if: joined meanwhile? Then there is nothing to do under the lock.
  JoinTask& join = joins_.at(join_id);
  const TableServer* server = servers_.Find(join.node, join.table);
  if (server != nullptr && server->cluster.contains(join.remote)) {
    ++k_.counters.lock_skips;
    records_[join.record].skipped = true;
    return FinishPair(join_id, JoinError(join.pairs[join.index], "already_joined"));
  }
  AfterLock(join_id);
}

void CetsJoin::AfterLock(uint64_t join_id) {
  JoinTask& join = joins_.at(join_id);
  SetStage(join, JoinTask::Stage::kGetCluster);
  msg::RpcRequest request;
  request.kind = RpcKind::kGetCluster;
  request.table = join.table;
  request.server = join.remote;
  ports_.start_rpc(join.node, join.peer, std::move(request),
                   Cont{ContKind::kJoinRpc, join.node, join.peer, join_id});
}

void CetsJoin::OnGetCluster(uint64_t join_id, const RpcAnswer& answer) {
  JoinTask& join = joins_.at(join_id);
  // get_pids(RemotePid): a call to the remote server; a connection that is
  // gone fails it with nodedown, a server that is gone with noproc.
  if (!answer.delivered) return FinishPair(join_id, CallFailed(join, "nodedown", join.remote));
  if (!answer.yes) return FinishPair(join_id, CallFailed(join, "noproc", join.remote));
  WORLD_CHECK(servers_.Has(join.node, join.table), "a join lost its local server");
  join.local_cluster = servers_.ClusterOf(join.node, join.table);
  join.remote_cluster = answer.cluster;
  // 4. check_do_not_overlap: both clusters equal -> ok, nothing to do (a
  // skip: a few more rpcs under the lock); any other overlap -> error.
  if (join.local_cluster == join.remote_cluster) {
    const int64_t rpcs =
        k_.calibrated() ? std::max<int64_t>(0, k_.config.join.skip_rpcs - 1) : 0;
    return RpcSteps(join, join_id, JoinTask::Stage::kSkip, rpcs);
  }
  for (const ServerRef& ref : join.remote_cluster) {
    if (join.local_cluster.contains(ref)) {
      return FinishPair(join_id, TaskFailed(join, "check_do_not_overlap_failed"));
    }
  }
  // 5. Every node of one side can reach every node of the other.
  std::set<std::pair<NodeId, NodeId>> pairs;
  for (const ServerRef& l : join.local_cluster) {
    for (const ServerRef& r : join.remote_cluster) {
      if (l.node != r.node) pairs.insert({std::min(l.node, r.node), std::max(l.node, r.node)});
    }
  }
  join.reach_pairs.assign(pairs.begin(), pairs.end());
  SetStage(join, JoinTask::Stage::kReach);
  ports_.start_ping_pairs(join.node, join.reach_pairs,
                          Cont{ContKind::kJoinPingPairs, join.node, join.peer, join_id});
}

// check_could_reach_each_other: any answer that is not pong (pang,
// {badrpc, nodedown}, {badrpc, timeout}; ping_pairs skips the rest) fails it.
void CetsJoin::OnPingPairs(uint64_t join_id, uint64_t task_id) {
  const std::vector<PairPing> results = ports_.take_ping_pairs(task_id);
  auto it = joins_.find(join_id);
  if (it == joins_.end() || it->second.stage != JoinTask::Stage::kReach) return;
  for (const PairPing& pair : results) {
    if (pair.result != PairPing::Result::kPong) {
      return FinishPair(join_id, TaskFailed(it->second, "check_could_reach_each_other_failed"));
    }
  }
  CheckConsistencyAfterReach(join_id);
}

void CetsJoin::CheckConsistencyAfterReach(uint64_t join_id) {
  JoinTask& join = joins_.at(join_id);
  // 6. Each side consistent: ask every member (in parallel: one round trip
  // to the farthest).
  NodeId farthest = join.node;
  for (const Cluster* side : {&join.local_cluster, &join.remote_cluster}) {
    for (const ServerRef& ref : *side) {
      if (ports_.latency_us(join.node, ref.node) > ports_.latency_us(join.node, farthest)) {
        farthest = ref.node;
      }
    }
  }
  SetStage(join, JoinTask::Stage::kConsistency);
  k_.PushUs(k_.now_us() + ports_.rpc_us(join.node, farthest),
            Event::JoinTimer(join.node, join.peer, join_id, join.token));
}

void CetsJoin::OnTimer(const Event& event) {
  auto it = joins_.find(event.a);
  if (it == joins_.end() || it->second.token != event.b) return;
  if (it->second.stage == JoinTask::Stage::kConsistency) return CheckConsistency(event.a);
  WORLD_CHECK(it->second.stage == JoinTask::Stage::kCopy && it->second.rows_copied,
              "a join timer in an untimed stage");
  Merge(event.a);
}

bool CetsJoin::MemberAlive(const JoinTask& join, const ServerRef& ref) const {
  const NodeRt& node = k_.nodes[ref.node];
  return node.running && node.incarnation == ref.incarnation &&
         servers_.Has(ref.node, join.table) &&
         (ref.node == join.node || ports_.conn_id(join.node, ref.node) != 0);
}

// Step 6's answer: each side consistent. Then step 7 begins.
void CetsJoin::CheckConsistency(uint64_t join_id) {
  JoinTask& join = joins_.at(join_id);
  const NodeId x = join.node;
  for (const Cluster* side : {&join.local_cluster, &join.remote_cluster}) {
    for (const ServerRef& ref : *side) {
      if (!MemberAlive(join, ref) || servers_.ClusterOf(ref.node, join.table) != *side) {
        return FinishPair(join_id, TaskFailed(join, "check_fully_connected_failed"));
      }
    }
  }
  // 7. Pause, exchange, resume; a member going down meanwhile is an error.
  // The rest of the merge's rpcs as measured (get_cluster, the reach
  // checks and this check were rpcs too), then the rows.
  join.member_conns.clear();
  for (const Cluster* side : {&join.local_cluster, &join.remote_cluster}) {
    for (const ServerRef& ref : *side) {
      join.member_conns.emplace_back(ref.node, ref.node == x ? 0 : ports_.conn_id(x, ref.node));
    }
  }
  const JoinCost& cost = k_.config.join;
  const int64_t servers = static_cast<int64_t>(join.member_conns.size());
  const int64_t pairs = static_cast<int64_t>(join.local_cluster.size()) *
                        static_cast<int64_t>(join.remote_cluster.size());
  const int64_t rpcs = cost.merge_base_rpcs + cost.merge_rpcs_per_server * (servers - 2) +
                       (pairs - 1);
  const int64_t made = 2 + static_cast<int64_t>(join.reach_pairs.size());
  return RpcSteps(join, join_id, JoinTask::Stage::kCopy,
                  k_.calibrated() ? std::max<int64_t>(0, rpcs - made) : 0);
}

// The end of step 7: the members still there, the merge (cets add_servers).
void CetsJoin::Merge(uint64_t join_id) {
  JoinTask& join = joins_.at(join_id);
  const NodeId x = join.node;
  for (const auto& [member, conn_id] : join.member_conns) {
    if (member != x && ports_.conn_id(x, member) != conn_id) {
      return FinishPair(join_id, CallFailed(join, "nodedown", ServerRef{member, 0}));
    }
  }
  for (const Cluster* side : {&join.local_cluster, &join.remote_cluster}) {
    for (const ServerRef& ref : *side) {
      if (!MemberAlive(join, ref)) return FinishPair(join_id, CallFailed(join, "nodedown", ref));
    }
  }
  bool stale = false;
  for (const Cluster* side : {&join.local_cluster, &join.remote_cluster}) {
    for (const ServerRef& ref : *side) {
      stale = stale || servers_.ClusterOf(ref.node, join.table) != *side;
    }
  }
  if (stale && k_.config.cets.check_merge) {
    return FinishPair(join_id, TaskFailed(join, "cluster_changed"));
  }
  if (stale) ++k_.counters.stale_merges;
  // Each server adds the other side's servers to the ones it has (cets
  // add_servers: a union with its cluster as it is now, which a join that
  // holds the lock over other nodes may have changed since step 6) and
  // monitors those it did not have. X checked its own connections above, not
  // the members' to each other: a member whose end to a new peer went down
  // since step 5 (a global remove_connection, its own tick timeout) gets
  // 'DOWN' noconnection at once and drops that peer, as it would have on the
  // nodedown. (The monitor's auto-connect attempt is not modelled; see
  // sim/world/README.md.)
  servers_.AddServers(join.table, join.local_cluster, join.remote_cluster);
  servers_.AddServers(join.table, join.remote_cluster, join.local_cluster);
  ++k_.counters.merges;
  records_[join.record].merged = true;
  FinishPair(join_id, Joined(join.pairs[join.index]));
}

// `rpcs` sequential rpcs of the join under the lock, one event each (the
// host's load is read at each), cycling through the merge's members.
void CetsJoin::RpcSteps(JoinTask& join, uint64_t join_id, JoinTask::Stage stage, int64_t rpcs) {
  SetStage(join, stage);
  join.rpcs_left = rpcs;
  join.rpc_target = 0;
  join.rows_copied = false;
  const NodeId x = join.node;
  int64_t step_us = 0;
  if (rpcs > 0) {
    const NodeId target = stage == JoinTask::Stage::kCopy && !join.member_conns.empty()
                              ? join.member_conns[0].first
                              : join.peer;
    step_us = ports_.rpc_us(x, target);
  }
  k_.PushUs(k_.now_us() + step_us, Event::JoinRpcStep(x, join.peer, join_id, join.token));
}

void CetsJoin::OnRpcStep(const Event& event) {
  auto it = joins_.find(event.a);
  if (it == joins_.end() || it->second.token != event.b) return;
  JoinTask& join = it->second;
  const uint64_t join_id = event.a;
  const NodeId x = join.node;
  if (join.stage == JoinTask::Stage::kRecheck) return Recheck(join_id);
  WORLD_CHECK(join.stage == JoinTask::Stage::kSkip || join.stage == JoinTask::Stage::kCopy,
              "a join rpc step in a stage that makes none");
  if (join.rpcs_left > 0) --join.rpcs_left;
  if (join.rpcs_left > 0) {
    NodeId target = join.peer;
    if (join.stage == JoinTask::Stage::kCopy && !join.member_conns.empty()) {
      join.rpc_target = (join.rpc_target + 1) % join.member_conns.size();
      target = join.member_conns[join.rpc_target].first;
    }
    k_.PushUs(k_.now_us() + ports_.rpc_us(x, target),
              Event::JoinRpcStep(x, join.peer, join_id, join.token));
    return;
  }
  if (join.stage == JoinTask::Stage::kSkip) {
    ++k_.counters.lock_skips;
    records_[join.record].skipped = true;
    return FinishPair(join_id, Joined(join.pairs[join.index]));
  }
  join.rows_copied = true;
  k_.PushUs(k_.now_us() + CopyUs(join.table), Event::JoinTimer(x, join.peer, join_id, join.token));
}

}  // namespace discosim::world
