// cets: rpc between nodes and cets_ping (the local pre-check, the 5 s
// multicall of pre-checks, the explicit connect). Table servers and the join
// task are rooms of their own (cets_server.h, cets_join.h).
#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "sim/world/sim.h"

namespace discosim::world {
// ---------------------------------------------------------------------------
// rpc: a request (an auto-connect when not connected), work on the target,
// a reply over the connection; {badrpc, nodedown} if the connection cannot be
// made or goes down at the caller's end first.

uint64_t Sim::StartRpc(NodeId caller, NodeId target, msg::RpcRequest request, Cont owner) {
  const uint64_t rpc_id = next_id++;
  request.rpc_id = rpc_id;
  RpcCall call;
  call.caller = caller;
  call.caller_incarnation = nodes[caller].incarnation;
  call.target = target;
  call.kind = request.kind;
  call.owner = owner;
  rpcs.emplace(rpc_id, std::move(call));
  if (caller == target) {
    ServeRpc(caller, caller, request);  // a local call
  } else {
    Send(caller, target, std::move(request), SendMode::kAutoConnect);
  }
  return rpc_id;
}

void Sim::ServeRpc(NodeId server, NodeId caller, const msg::RpcRequest& request) {
  RpcAnswer answer;
  answer.delivered = true;
  switch (request.kind) {
    case RpcKind::kNodeName:
      answer.yes = true;
      break;
    case RpcKind::kWhereis:
      answer = cets_servers.Whereis(server, request.table);
      break;
    case RpcKind::kGetCluster:
      answer = cets_servers.GetCluster(server, request.table, request.server);
      break;
    case RpcKind::kPrecheck:
      StartPrecheck(server, request.subject, Cont{ContKind::kRpcServe, server, caller, request.rpc_id});
      return;
    case RpcKind::kPing:
      StartPing(server, request.subject, Cont{ContKind::kRpcServe, server, caller, request.rpc_id});
      return;
  }
  ReplyRpc(server, caller, request.rpc_id, std::move(answer));
}

void Sim::ReplyRpc(NodeId server, NodeId caller, uint64_t rpc_id, RpcAnswer answer) {
  if (server == caller) {
    FinishRpc(rpc_id, std::move(answer));
  } else {
    Send(server, caller, msg::RpcReply{rpc_id, std::move(answer)}, SendMode::kExistingOnly);
  }
}

void Sim::OnRpcReply(const NetMsg& m, const msg::RpcReply& reply) {
  auto it = rpcs.find(reply.rpc_id);
  if (it == rpcs.end() || it->second.caller != m.to || it->second.target != m.from) return;
  FinishRpc(reply.rpc_id, reply.answer);
}

void Sim::FinishRpc(uint64_t rpc_id, RpcAnswer answer) {
  auto it = rpcs.find(rpc_id);
  if (it == rpcs.end() || it->second.done) return;
  it->second.done = true;
  it->second.answer = std::move(answer);
  Resume(it->second.owner, rpc_id);
}

RpcCall Sim::TakeRpc(uint64_t rpc_id) {
  auto it = rpcs.find(rpc_id);
  if (it == rpcs.end()) return RpcCall{};
  RpcCall call = std::move(it->second);
  rpcs.erase(it);
  return call;
}

void Sim::FailRpcsOnNodedown(NodeId x, NodeId y) {
  std::vector<uint64_t> failed;
  for (const auto& [rpc_id, call] : rpcs) {
    if (call.caller == x && call.target == y && !call.done) failed.push_back(rpc_id);
  }
  for (uint64_t rpc_id : failed) FinishRpc(rpc_id, RpcAnswer{});
}

// ---------------------------------------------------------------------------
// cets_ping from node n to target.

void Sim::StartPing(NodeId n, NodeId target, Cont owner) {
  const auto purpose = owner.kind == ContKind::kDiscoveryPing ? Observations::Ping::For::kDiscovery
                                                               : Observations::Ping::For::kJoinCheck;
  // 1. Already connected (nodes()): pong at once.
  if (target == n || (Link(n, target).conn_id != 0 && !Hidden(n, target))) {
    observations.PingEnded(observations.PingStarted(n, target, purpose, now()), now(), true);
    Resume(owner, 1);
    return;
  }
  const uint64_t ping_id = next_id++;
  NoteLazy(static_cast<uint32_t>(NoteKind::kPing), n, target, 0, [&] {
    return absl::StrCat(now(), " ", Name(n), " ping ", Name(target), " started");
  });
  PingTask ping;
  ping.node = n;
  ping.incarnation = nodes[n].incarnation;
  ping.target = target;
  ping.owner = owner;
  ping.stage = PingTask::Stage::kPrecheck;
  ping.observed = observations.PingStarted(n, target, purpose, now());
  pings.emplace(ping_id, std::move(ping));
  // 2. The local pre-check.
  StartPrecheck(n, target, Cont{ContKind::kPingPrecheck, n, target, ping_id});
}

void Sim::OnPingPrecheck(uint64_t ping_id, bool ok) {
  auto it = pings.find(ping_id);
  if (it == pings.end() || it->second.stage != PingTask::Stage::kPrecheck) return;
  if (!ok) {
    FinishPing(ping_id, false);  // pang without asking anyone
    return;
  }
  PingTask& ping = it->second;
  const NodeId n = ping.node, target = ping.target;
  // 3. The same pre-check on every connected node, one 5 s deadline.
  std::vector<NodeId> peers;
  for (NodeId y = 0; y < n_nodes; ++y) {
    if (y != n && y != target && Link(n, y).conn_id != 0 && !Hidden(n, y)) peers.push_back(y);
  }
  if (peers.empty()) {
    ping.stage = PingTask::Stage::kConnect;
    RequestConnect(n, target, Cont{ContKind::kPingConnect, n, target, ping_id});
    return;
  }
  ping.stage = PingTask::Stage::kMulticall;
  ping.outstanding = static_cast<uint32_t>(peers.size());
  Push(now() + kMulticallTimeoutMs, Event::MulticallDeadline(n, target, ping_id));
  for (NodeId y : peers) {
    msg::RpcRequest request;
    request.kind = RpcKind::kPrecheck;
    request.subject = target;
    StartRpc(n, y, std::move(request), Cont{ContKind::kPingMulticall, n, target, ping_id});
  }
}

void Sim::OnPingMulticallAnswer(uint64_t ping_id, uint64_t rpc_id) {
  const RpcCall call = TakeRpc(rpc_id);
  auto it = pings.find(ping_id);
  if (it == pings.end() || it->second.stage != PingTask::Stage::kMulticall) return;
  PingTask& ping = it->second;
  // Failed calls are ignored; an answered pang decides.
  if (call.answer.delivered && !call.answer.yes) ping.any_pang = true;
  if (--ping.outstanding == 0) PingMulticallDone(ping_id);
}

void Sim::OnMulticallDeadline(uint64_t ping_id) {
  auto it = pings.find(ping_id);
  if (it == pings.end() || it->second.stage != PingTask::Stage::kMulticall) return;
  PingMulticallDone(ping_id);  // answers still missing are ignored
}

void Sim::PingMulticallDone(uint64_t ping_id) {
  PingTask& ping = pings.at(ping_id);
  if (ping.any_pang) {
    FinishPing(ping_id, false);
    return;
  }
  // 4. The explicit connect decides.
  ping.stage = PingTask::Stage::kConnect;
  RequestConnect(ping.node, ping.target,
                 Cont{ContKind::kPingConnect, ping.node, ping.target, ping_id});
}

void Sim::FinishPing(uint64_t ping_id, bool pong) {
  auto it = pings.find(ping_id);
  WORLD_CHECK(it != pings.end(), "finishing an unknown ping");
  const Cont owner = it->second.owner;
  observations.PingEnded(it->second.observed, now(), pong);
  NoteLazy(static_cast<uint32_t>(NoteKind::kPing), it->second.node, it->second.target,
           pong ? 1 : 2, [&] {
             return absl::StrCat(now(), " ", Name(it->second.node), " ping ",
                                 Name(it->second.target), pong ? " pong" : " pang");
           });
  pings.erase(it);
  Resume(owner, pong ? 1 : 0);
}

// The pre-check: resolve the target's host (outside net_kernel), then a TCP
// connect to it (fails after 5 s when unreachable).
void Sim::StartPrecheck(NodeId n, NodeId target, Cont owner) {
  const uint64_t precheck_id = next_id++;
  prechecks.emplace(precheck_id, Precheck{n, nodes[n].incarnation, target, owner});
  const auto [delay_ms, resolved] = Lookup(n, target);
  Push(now() + delay_ms, Event::PrecheckDnsDone(n, target, precheck_id, resolved));
}

void Sim::OnPrecheckDnsDone(const Event& event) {
  auto it = prechecks.find(event.a);
  if (it == prechecks.end()) return;
  const Precheck& check = it->second;
  if (event.sub == 0) {
    const Cont owner = check.owner;
    prechecks.erase(it);
    Resume(owner, 0);
    return;
  }
  // A resolvable declared node's host exists, running or not.
  const bool reachable = Reachable(check.node, check.target);
  const int64_t done_us =
      now_us() + (reachable ? 2 * LatencyUs(check.node, check.target)
                            : kPrecheckConnectTimeoutMs * kUsPerMs);
  PushUs(done_us, Event::PrecheckTcpDone(check.node, check.target, event.a, reachable));
}

void Sim::OnPrecheckTcpDone(const Event& event) {
  auto it = prechecks.find(event.a);
  if (it == prechecks.end()) return;
  const Cont owner = it->second.owner;
  prechecks.erase(it);
  Resume(owner, event.b);
}

}  // namespace discosim::world
