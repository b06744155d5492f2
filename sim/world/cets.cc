// cets: table servers and their clusters (and their rpcs), and discovery's
// join task with its eight steps per (node, table) pair.
#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "sim/world/sim.h"

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

// ---------------------------------------------------------------------------
// Table servers.

void Sim::CetsOnNodedown(NodeId x, NodeId y) {
  // Each server's monitors of y's servers fire: they leave the cluster.
  for (auto& [table, server] : nodes[x].servers) {
    std::erase_if(server.cluster, [&](const ServerRef& ref) { return ref.node == y; });
  }
}

int64_t Sim::JoinCopyUs(const TableName& table) const {
  auto it = config.join.table_rows.find(table);
  const int64_t rows = it == config.join.table_rows.end() ? 0 : it->second;
  if (calibrated()) return rows * config.join.join_per_row_us;
  return (config.join.join_base_ms + rows * config.join.join_per_row_us / 1'000) * kUsPerMs;
}

// ---------------------------------------------------------------------------
// The table servers' rpcs, served for the rpc room (rpc.h): whereis finds a
// node's server of a table, get_cluster reads a server's cluster.

void Sim::ServeTableRpc(NodeId server, NodeId caller, const msg::RpcRequest& request) {
  NodeRt& node = nodes[server];
  RpcAnswer answer;
  answer.delivered = true;
  if (request.kind == RpcKind::kWhereis) {
    answer.yes = node.servers.contains(request.table);
    answer.server = ServerRef{server, node.incarnation};
  } else {
    WORLD_CHECK(request.kind == RpcKind::kGetCluster, "a table rpc of another kind");
    auto it = node.servers.find(request.table);
    answer.yes = it != node.servers.end() &&
                 request.server == ServerRef{server, node.incarnation};
    if (answer.yes) answer.cluster = it->second.cluster;
  }
  rpc.Reply(server, caller, request.rpc_id, std::move(answer));
}

// ---------------------------------------------------------------------------
// The join task.

void Sim::StartJoinTask(NodeId n, std::vector<engine::JoinPair> pairs) {
  const uint64_t join_id = next_id++;
  JoinTask join;
  join.node = n;
  join.incarnation = nodes[n].incarnation;
  join.pairs = std::move(pairs);
  joins.emplace(join_id, std::move(join));
  JoinNextPair(join_id);
}

void Sim::StartLockLoop(NodeId n) {
  const uint64_t join_id = next_id++;
  JoinTask join;
  join.node = n;
  join.incarnation = nodes[n].incarnation;
  join.lock_loop = true;
  join.peer = n;
  joins_log.push_back(JoinRecord{Name(n), Name(n), "", now(), std::nullopt, std::nullopt, 0, 0,
                                 "", false, false});
  join.record = joins_log.size() - 1;
  joins.emplace(join_id, std::move(join));
  LockAttempt(join_id);
}

void Sim::JoinStage(JoinTask& join, JoinTask::Stage stage) {
  const bool was = Contending(join.stage), is = Contending(stage);
  if (was != is) {
    LockAccount();
    lock_contenders = is ? lock_contenders + 1 : lock_contenders - 1;
  }
  if (stage != JoinTask::Stage::kLockWait) SetSpinning(join, false);
  const int64_t spent_us = now_us() - join.stage_since_us;
  if (join.stage == JoinTask::Stage::kLockAttempt || join.stage == JoinTask::Stage::kLockAbort) {
    counters.lock_attempting_us += spent_us;
  } else if (join.stage == JoinTask::Stage::kLockWait) {
    counters.lock_waiting_us += spent_us;
  }
  join.stage_since_us = now_us();
  join.stage = stage;
  ++join.token;
}

void Sim::JoinNextPair(uint64_t join_id) {
  JoinTask& join = joins.at(join_id);
  if (join.index >= join.pairs.size()) {
    const NodeId n = join.node;
    std::vector<engine::JoinResult> results = std::move(join.results);
    joins.erase(join_id);
    DeliverToDiscovery(n, engine::JoiningFinished{std::move(results)});
    return;
  }
  const engine::JoinPair& pair = join.pairs[join.index];
  const std::optional<NodeId> peer = Find(pair.node);
  if (!peer.has_value()) {
    Fail(absl::StrCat("a join task names an undeclared node ", pair.node));
    return;
  }
  join.peer = *peer;
  join.table = pair.table;
  join.lock_held = false;
  join.lock_granted.clear();
  join.lock_waiting.clear();
  joins_log.push_back(JoinRecord{Name(join.node), pair.node, pair.table, now(), std::nullopt,
                                 std::nullopt, 0, 0, "", false, false});
  join.record = joins_log.size() - 1;
  ++counters.joins;
  // 1. Find the remote server (an rpc; an auto-connect if not connected).
  JoinStage(join, JoinTask::Stage::kWhereis);
  msg::RpcRequest request;
  request.kind = RpcKind::kWhereis;
  request.table = pair.table;
  StartRpc(join.node, join.peer, std::move(request),
           Cont{ContKind::kJoinRpc, join.node, join.peer, join_id});
}

void Sim::OnJoinRpc(uint64_t join_id, uint64_t rpc_id) {
  const RpcCall call = TakeRpc(rpc_id);
  auto it = joins.find(join_id);
  if (it == joins.end()) return;
  JoinTask& join = it->second;
  const engine::JoinPair& pair = join.pairs[join.index];
  const RpcAnswer& answer = call.answer;
  NodeRt& local = nodes[join.node];
  switch (join.stage) {
    case JoinTask::Stage::kWhereis: {
      auto server = local.servers.find(join.table);
      if (!answer.delivered) return JoinFinishPair(join_id, PidNotFound(pair, kBadRpc));
      if (!answer.yes) return JoinFinishPair(join_id, PidNotFound(pair, "undefined"));
      if (server == local.servers.end()) {
        return JoinFinishPair(join_id, PidNotFound(pair, "local_server_missing"));
      }
      join.remote = answer.server;
      // 2. Already in one cluster: checked before locking.
      if (server->second.cluster.contains(join.remote)) {
        return JoinFinishPair(join_id, JoinError(pair, "already_joined"));
      }
      // 3. The global lock.
      return LockAttempt(join_id);
    }
    case JoinTask::Stage::kGetCluster: {
      if (!answer.delivered) return JoinFinishPair(join_id, JoinError(pair, kBadRpc));
      if (!answer.yes) return JoinFinishPair(join_id, JoinError(pair, "remote_server_gone"));
      auto server = local.servers.find(join.table);
      WORLD_CHECK(server != local.servers.end(), "a join lost its local server");
      join.local_cluster = server->second.cluster;
      join.remote_cluster = answer.cluster;
      // 4. Same cluster: ok, nothing to do (a skip: a few more rpcs under the
      // lock); overlapping: error.
      if (join.local_cluster.contains(join.remote)) {
        const int64_t rpcs = calibrated() ? std::max<int64_t>(0, config.join.skip_rpcs - 1) : 0;
        return JoinRpcSteps(join, join_id, JoinTask::Stage::kSkip, rpcs);
      }
      for (const ServerRef& ref : join.remote_cluster) {
        if (join.local_cluster.contains(ref)) {
          return JoinFinishPair(join_id, JoinError(pair, "join_pids_overlap"));
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
      join.reach_index = 0;
      return JoinReachNext(join_id);
    }
    case JoinTask::Stage::kReach:
      if (!answer.delivered || !answer.yes) {
        return JoinFinishPair(join_id, JoinError(pair, "check_could_reach_each_other_failed"));
      }
      ++join.reach_index;
      return JoinReachNext(join_id);
    default:
      WORLD_CHECK(false, "an rpc answer in a join stage that makes none");
  }
}

void Sim::JoinAfterLock(uint64_t join_id) {
  JoinTask& join = joins.at(join_id);
  JoinStage(join, JoinTask::Stage::kGetCluster);
  msg::RpcRequest request;
  request.kind = RpcKind::kGetCluster;
  request.table = join.table;
  request.server = join.remote;
  StartRpc(join.node, join.peer, std::move(request),
           Cont{ContKind::kJoinRpc, join.node, join.peer, join_id});
}

void Sim::JoinReachNext(uint64_t join_id) {
  JoinTask& join = joins.at(join_id);
  if (join.reach_index < join.reach_pairs.size()) {
    const auto [n1, n2] = join.reach_pairs[join.reach_index];
    JoinStage(join, JoinTask::Stage::kReach);
    msg::RpcRequest request;
    request.kind = RpcKind::kPing;
    request.subject = n2;
    StartRpc(join.node, n1, std::move(request), Cont{ContKind::kJoinRpc, join.node, n1, join_id});
    return;
  }
  // 6. Each side consistent: ask every member (in parallel: one round trip
  // to the farthest).
  NodeId farthest = join.node;
  for (const Cluster* side : {&join.local_cluster, &join.remote_cluster}) {
    for (const ServerRef& ref : *side) {
      if (LatencyUs(join.node, ref.node) > LatencyUs(join.node, farthest)) farthest = ref.node;
    }
  }
  JoinStage(join, JoinTask::Stage::kConsistency);
  PushUs(now_us() + RpcUs(join.node, farthest),
         Event::JoinTimer(join.node, join.peer, join_id, join.token));
}

void Sim::OnJoinTimer(const Event& event) {
  auto it = joins.find(event.a);
  if (it == joins.end() || it->second.token != event.b) return;
  if (it->second.stage == JoinTask::Stage::kConsistency) return JoinCheckConsistency(event.a);
  WORLD_CHECK(it->second.stage == JoinTask::Stage::kCopy && it->second.rows_copied,
              "a join timer in an untimed stage");
  JoinMerge(event.a);
}

bool Sim::JoinMemberAlive(const JoinTask& join, const ServerRef& ref) const {
  const NodeRt& node = nodes[ref.node];
  return node.running && node.incarnation == ref.incarnation &&
         node.servers.contains(join.table) &&
         (ref.node == join.node || ConnId(join.node, ref.node) != 0);
}

// Step 6's answer: each side consistent. Then step 7 begins.
void Sim::JoinCheckConsistency(uint64_t join_id) {
  JoinTask& join = joins.at(join_id);
  const engine::JoinPair& pair = join.pairs[join.index];
  const NodeId x = join.node;
  auto member_alive = [&](const ServerRef& ref) { return JoinMemberAlive(join, ref); };
  for (const Cluster* side : {&join.local_cluster, &join.remote_cluster}) {
    for (const ServerRef& ref : *side) {
      if (!member_alive(ref) || nodes[ref.node].servers.at(join.table).cluster != *side) {
        return JoinFinishPair(join_id, JoinError(pair, "check_fully_connected_failed"));
      }
    }
  }
  // 7. Pause, exchange, resume; a member going down meanwhile is an error.
  // The rest of the merge's rpcs as measured (get_cluster, the reach
  // checks and this check were rpcs too), then the rows.
  join.member_conns.clear();
  for (const Cluster* side : {&join.local_cluster, &join.remote_cluster}) {
    for (const ServerRef& ref : *side) {
      join.member_conns.emplace_back(ref.node, ref.node == x ? 0 : ConnId(x, ref.node));
    }
  }
  const JoinCost& cost = config.join;
  const int64_t servers = static_cast<int64_t>(join.member_conns.size());
  const int64_t pairs = static_cast<int64_t>(join.local_cluster.size()) *
                        static_cast<int64_t>(join.remote_cluster.size());
  const int64_t rpcs = cost.merge_base_rpcs + cost.merge_rpcs_per_server * (servers - 2) +
                       (pairs - 1);
  const int64_t made = 2 + static_cast<int64_t>(join.reach_pairs.size());
  return JoinRpcSteps(join, join_id, JoinTask::Stage::kCopy,
                      calibrated() ? std::max<int64_t>(0, rpcs - made) : 0);
}

// The end of step 7: the members still there, the merge (cets add_servers).
void Sim::JoinMerge(uint64_t join_id) {
  JoinTask& join = joins.at(join_id);
  const engine::JoinPair& pair = join.pairs[join.index];
  const NodeId x = join.node;
  auto member_alive = [&](const ServerRef& ref) { return JoinMemberAlive(join, ref); };
  for (const auto& [member, conn_id] : join.member_conns) {
    if (member != x && ConnId(x, member) != conn_id) {
      return JoinFinishPair(join_id, JoinError(pair, "member_down"));
    }
  }
  for (const Cluster* side : {&join.local_cluster, &join.remote_cluster}) {
    for (const ServerRef& ref : *side) {
      if (!member_alive(ref)) return JoinFinishPair(join_id, JoinError(pair, "member_down"));
    }
  }
  bool stale = false;
  for (const Cluster* side : {&join.local_cluster, &join.remote_cluster}) {
    for (const ServerRef& ref : *side) {
      stale = stale || nodes[ref.node].servers.at(join.table).cluster != *side;
    }
  }
  if (stale && config.cets.check_merge) {
    return JoinFinishPair(join_id, JoinError(pair, "cluster_changed"));
  }
  if (stale) ++counters.stale_merges;
  // Each server adds the other side's servers to the ones it has (cets
  // add_servers: a union with its cluster as it is now, which a join that
  // holds the lock over other nodes may have changed since step 6) and
  // monitors those it did not have. X checked its own connections above, not
  // the members' to each other: a member whose end to a new peer went down
  // since step 5 (a global remove_connection, its own tick timeout) gets
  // 'DOWN' noconnection at once and drops that peer, as it would have on the
  // nodedown. (The monitor's auto-connect attempt is not modelled; see
  // sim/world/README.md.)
  AddServers(join.table, join.local_cluster, join.remote_cluster);
  AddServers(join.table, join.remote_cluster, join.local_cluster);
  ++counters.merges;
  joins_log[join.record].merged = true;
  JoinFinishPair(join_id, Joined(pair));
}

void Sim::AddServers(const TableName& table, const Cluster& members, const Cluster& added) {
  for (const ServerRef& ref : members) {
    Cluster& cluster = nodes[ref.node].servers.at(table).cluster;
    for (const ServerRef& peer : added) {
      if (peer.node == ref.node || cluster.contains(peer)) continue;
      if (ConnId(ref.node, peer.node) == 0) {
        NoteLazy(static_cast<uint32_t>(NoteKind::kMonitorDown), ref.node, peer.node, 0, [&] {
          return absl::StrCat(now(), " ", Name(ref.node), " ", table, " drops ", Name(peer.node),
                              ": monitor DOWN noconnection");
        });
        continue;
      }
      cluster.insert(peer);
    }
  }
}

// `rpcs` sequential rpcs of the join under the lock, one event each (the
// host's load is read at each), cycling through the merge's members.
void Sim::JoinRpcSteps(JoinTask& join, uint64_t join_id, JoinTask::Stage stage, int64_t rpcs) {
  JoinStage(join, stage);
  join.rpcs_left = rpcs;
  join.rpc_target = 0;
  join.rows_copied = false;
  const NodeId x = join.node;
  int64_t step_us = 0;
  if (rpcs > 0) {
    const NodeId target = stage == JoinTask::Stage::kCopy && !join.member_conns.empty()
                              ? join.member_conns[0].first
                              : join.peer;
    step_us = RpcUs(x, target);
  }
  PushUs(now_us() + step_us, Event::JoinRpcStep(x, join.peer, join_id, join.token));
}

void Sim::OnJoinRpcStep(const Event& event) {
  auto it = joins.find(event.a);
  if (it == joins.end() || it->second.token != event.b) return;
  JoinTask& join = it->second;
  const uint64_t join_id = event.a;
  const engine::JoinPair& pair = join.pairs[join.index];
  const NodeId x = join.node;
  switch (join.stage) {
    case JoinTask::Stage::kRecheck: {
      // What-if: joined meanwhile? Then there is nothing to do under the lock.
      const auto server = nodes[x].servers.find(join.table);
      if (server != nodes[x].servers.end() && server->second.cluster.contains(join.remote)) {
        ++counters.lock_skips;
        joins_log[join.record].skipped = true;
        return JoinFinishPair(join_id, JoinError(pair, "already_joined"));
      }
      return JoinAfterLock(join_id);
    }
    case JoinTask::Stage::kSkip:
    case JoinTask::Stage::kCopy: {
      if (join.rpcs_left > 0) --join.rpcs_left;
      if (join.rpcs_left > 0) {
        NodeId target = join.peer;
        if (join.stage == JoinTask::Stage::kCopy && !join.member_conns.empty()) {
          join.rpc_target = (join.rpc_target + 1) % join.member_conns.size();
          target = join.member_conns[join.rpc_target].first;
        }
        PushUs(now_us() + RpcUs(x, target),
               Event::JoinRpcStep(x, join.peer, join_id, join.token));
        return;
      }
      if (join.stage == JoinTask::Stage::kSkip) {
        ++counters.lock_skips;
        joins_log[join.record].skipped = true;
        return JoinFinishPair(join_id, Joined(pair));
      }
      join.rows_copied = true;
      PushUs(now_us() + JoinCopyUs(join.table),
             Event::JoinTimer(x, join.peer, join_id, join.token));
      return;
    }
    default:
      WORLD_CHECK(false, "a join rpc step in a stage that makes none");
  }
}

void Sim::JoinFinishPair(uint64_t join_id, engine::JoinResult result) {
  // 8. The pair's result is ok or the error; release the lock (if taken).
  JoinTask& join = joins.at(join_id);
  JoinRecord& record = joins_log[join.record];
  record.finished_at_ms = now();
  if (result.what == engine::JoinResult::What::kPidNotFound) {
    record.result = "pid_not_found:" + result.reason;
  } else {
    record.result = result.ok ? "ok" : result.reason;
  }
  NoteLazy(static_cast<uint32_t>(NoteKind::kJoinResult), join.node, join.peer,
           result.ok ? 1 : 0, [&] {
             return absl::StrCat(now(), " ", Name(join.node), " join ", result.node, " ",
                                 result.table, " ", record.result);
           });
  join.results.push_back(std::move(result));
  if (join.lock_held) {
    return GiveBackLock(join_id, JoinTask::Stage::kUnlock);  // then the next pair
  }
  ++join.index;
  JoinNextPair(join_id);
}

}  // namespace discosim::world
