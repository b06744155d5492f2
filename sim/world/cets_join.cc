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

void CetsJoin::Orphan(NodeId n) {
  for (auto& [join_id, join] : joins_) {
    if (join.node == n && !join.lock_loop) join.orphan = true;
  }
}

void CetsJoin::NextPair(uint64_t join_id) {
  JoinTask& join = joins_.at(join_id);
  if (join.index >= join.pairs.size()) {
    const NodeId n = join.node;
    const bool orphan = join.orphan;
    std::vector<engine::JoinResult> results = std::move(join.results);
    joins_.erase(join_id);
    lock_.Forget(join_id);
    if (!orphan) ports_.finished(n, std::move(results));
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
    case JoinTask::Stage::kConsistency: return OnCheckAnswer(join_id, answer);
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
  StartCheck(join_id, 1);
}

// 6. check_fully_connected on each side, L then R: every member is asked
// for its cluster by a call from X (an rpc here: an auto-connect when X has
// no connection to its node), one after the other; each answer must be the
// side's set, and then all of the side's join_refs the same
// (check_same_join_ref). A failed call fails the join with its exit reason.
// (cets asks other_pids and then cets:info for the join_ref, two calls per
// member; the world reads both in one.)
void CetsJoin::StartCheck(uint64_t join_id, int pass) {
  JoinTask& join = joins_.at(join_id);
  join.check_pass = pass;
  join.check_members.assign(join.local_cluster.begin(), join.local_cluster.end());
  join.check_members.insert(join.check_members.end(), join.remote_cluster.begin(),
                            join.remote_cluster.end());
  join.check_index = 0;
  join.check_lists_equal = true;
  join.check_refs.clear();
  SetStage(join, JoinTask::Stage::kConsistency);
  CheckNext(join_id);
}

void CetsJoin::CheckNext(uint64_t join_id) {
  JoinTask& join = joins_.at(join_id);
  if (join.check_index == join.check_members.size()) {
    return join.check_pass == 1 ? BeginMerge(join_id) : Merge(join_id);
  }
  const ServerRef& member = join.check_members[join.check_index];
  msg::RpcRequest request;
  request.kind = RpcKind::kGetCluster;
  request.table = join.table;
  request.server = member;
  ports_.start_rpc(join.node, member.node, std::move(request),
                   Cont{ContKind::kJoinRpc, join.node, member.node, join_id});
}

void CetsJoin::OnCheckAnswer(uint64_t join_id, const RpcAnswer& answer) {
  JoinTask& join = joins_.at(join_id);
  const ServerRef member = join.check_members[join.check_index];
  if (!answer.delivered) return FinishPair(join_id, CallFailed(join, "nodedown", member));
  if (!answer.yes) return FinishPair(join_id, CallFailed(join, "noproc", member));
  const bool local_side = join.check_index < join.local_cluster.size();
  const Cluster& side = local_side ? join.local_cluster : join.remote_cluster;
  join.check_lists_equal = join.check_lists_equal && answer.cluster == side;
  join.check_refs.push_back(answer.join_ref);
  ++join.check_index;
  const bool side_done = join.check_index == join.local_cluster.size() ||
                         join.check_index == join.check_members.size();
  if (side_done && !CheckSideDone(join, join_id)) return;
  CheckNext(join_id);
}

bool CetsJoin::CheckSideDone(JoinTask& join, uint64_t join_id) {
  if (!join.check_lists_equal) {
    FinishPair(join_id, TaskFailed(join, "check_fully_connected_failed"));
    return false;
  }
  for (uint64_t ref : join.check_refs) {
    if (ref != join.check_refs.front()) {
      FinishPair(join_id, TaskFailed(join, "check_same_join_ref_failed"));
      return false;
    }
  }
  join.check_refs.clear();
  return true;
}

void CetsJoin::OnTimer(const Event& event) {
  auto it = joins_.find(event.a);
  if (it == joins_.end() || it->second.token != event.b) return;
  WORLD_CHECK(it->second.stage == JoinTask::Stage::kCopy && it->second.rows_copied,
              "a join timer in an untimed stage");
  // Both dumps taken: check_fully_connected again on both sides, before
  // any change (cets_join:join2).
  StartCheck(event.a, 2);
}

bool CetsJoin::MemberAlive(const JoinTask& join, const ServerRef& ref) const {
  const NodeRt& node = k_.nodes[ref.node];
  return node.running && node.incarnation == ref.incarnation &&
         servers_.Has(ref.node, join.table) &&
         (ref.node == join.node || ports_.conn_id(join.node, ref.node) != 0);
}

// Step 6 passed: step 7 begins.
void CetsJoin::BeginMerge(uint64_t join_id) {
  JoinTask& join = joins_.at(join_id);
  const NodeId x = join.node;
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
  const int64_t made = 2 + static_cast<int64_t>(join.reach_pairs.size()) + servers;
  return RpcSteps(join, join_id, JoinTask::Stage::kCopy,
                  k_.calibrated() ? std::max<int64_t>(0, rpcs - made) : 0);
}

// The end of step 7, after the second check: send_dump to every server of
// each side (add_servers of the other side's snapshot, the join's new
// join_ref). A server whose pause is gone (its node's connection to X
// changed since the pause, or the server itself) answers {error, ignored}
// and is left out; the join still returns ok.
void CetsJoin::Merge(uint64_t join_id) {
  JoinTask& join = joins_.at(join_id);
  const NodeId x = join.node;
  auto paused = [&](const ServerRef& ref) {
    for (const auto& [member, conn_id] : join.member_conns) {
      if (member == ref.node && member != x && ports_.conn_id(x, member) != conn_id) return false;
    }
    return MemberAlive(join, ref);
  };
  bool stale = false;
  for (const Cluster* side : {&join.local_cluster, &join.remote_cluster}) {
    for (const ServerRef& ref : *side) {
      stale = stale || (paused(ref) && servers_.ClusterOf(ref.node, join.table) != *side);
    }
  }
  if (stale && k_.config.cets.check_merge) {
    return FinishPair(join_id, TaskFailed(join, "cluster_changed"));
  }
  if (stale) ++k_.counters.stale_merges;
  // Each server adds the other side's servers to the ones it has (cets
  // add_servers: a union with its cluster as it is now, which a join that
  // holds the lock over other nodes may have changed since its answer to the
  // second check: check_merge, a what-if, closes that window) and monitors
  // those it did not have; a peer on a node it has no connection to is
  // dropped at once (the monitor's auto-connect is not modelled yet; see
  // sim/world/README.md).
  const uint64_t join_ref = k_.NewId();  // join2's make_ref()
  for (const ServerRef& ref : join.local_cluster) {
    if (paused(ref)) servers_.SendDump(ref, join.table, join.remote_cluster, join_ref);
  }
  for (const ServerRef& ref : join.remote_cluster) {
    if (paused(ref)) servers_.SendDump(ref, join.table, join.local_cluster, join_ref);
  }
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
