// cets_ping (see cets_ping.h).
#include "sim/world/cets_ping.h"

#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/strings/str_cat.h"
#include "sim/world/check.h"

namespace discosim::world {

CetsPing::CetsPing(Kernel& kernel, Rpc& rpc) : kernel_(kernel), rpc_(rpc) {
  rpc_.SetServer(RpcKind::kPrecheck,
                 [this](NodeId server, NodeId caller, const msg::RpcRequest& request) {
                   StartPrecheck(server, request.subject,
                                 Rpc::ServedCont(server, caller, request.rpc_id));
                 });
  rpc_.SetServer(RpcKind::kPing,
                 [this](NodeId server, NodeId caller, const msg::RpcRequest& request) {
                   Start(server, request.subject, Rpc::ServedCont(server, caller, request.rpc_id));
                 });
}

// ping/1 and can_preconnect_from_all_nodes/1, step by step.
void CetsPing::Start(NodeId n, NodeId target, Cont owner) {
  const auto purpose = owner.kind == ContKind::kDiscoveryPing ? Observations::Ping::For::kDiscovery
                                                               : Observations::Ping::For::kJoinCheck;
  const TimeMs now = kernel_.now();
  // 1. ping/1: Node in nodes() -> pong at once.
  if (target == n || world_.connected(n, target)) {
    kernel_.observations.PingEnded(kernel_.observations.PingStarted(n, target, purpose, now), now,
                                   true);
    kernel_.Resume(owner, 1);
    return;
  }
  const uint64_t ping_id = kernel_.NewId();
  kernel_.NoteLazy(static_cast<uint32_t>(NoteKind::kPing), n, target, 0, [&] {
    return absl::StrCat(now, " ", kernel_.Name(n), " ping ", kernel_.Name(target), " started");
  });
  PingTask ping;
  ping.node = n;
  ping.incarnation = kernel_.nodes[n].incarnation;
  ping.target = target;
  ping.owner = owner;
  ping.stage = PingTask::Stage::kPrecheck;
  ping.observed = kernel_.observations.PingStarted(n, target, purpose, now);
  // 2. can_preconnect_from_all_nodes/1: Nodes = nodes(), taken before the
  // local pre-check (a peer that connects during it is not asked; one lost
  // during it still is, by an rpc that may auto-connect).
  for (NodeId y = 0; y < kernel_.n_nodes; ++y) {
    if (y != n && world_.connected(n, y)) ping.peers.push_back(y);
  }
  pings_.emplace(ping_id, std::move(ping));
  // 3. pre_connect(Node) on n itself.
  StartPrecheck(n, target, Cont{ContKind::kPingPrecheck, n, target, ping_id});
}

void CetsPing::OnPrecheckDone(uint64_t ping_id, bool ok) {
  auto it = pings_.find(ping_id);
  if (it == pings_.end() || it->second.stage != PingTask::Stage::kPrecheck) return;
  // pang: "Node is probably down, skip multicall" -> false -> ping is pang.
  if (!ok) {
    Finish(ping_id, false);
    return;
  }
  PingTask& ping = it->second;
  const NodeId n = ping.node, target = ping.target;
  // 4. erpc:multicall(Nodes, cets_ping, pre_connect, [Node], 5000). With no
  // peers it returns [] at once: no pang among the results.
  if (ping.peers.empty()) {
    ping.stage = PingTask::Stage::kConnect;
    world_.connect(n, target, Cont{ContKind::kPingConnect, n, target, ping_id});
    return;
  }
  ping.stage = PingTask::Stage::kMulticall;
  ping.outstanding = static_cast<uint32_t>(ping.peers.size());
  kernel_.Push(kernel_.now() + kMulticallTimeoutMs, Event::MulticallDeadline(n, target, ping_id));
  for (NodeId y : ping.peers) {
    msg::RpcRequest request;
    request.kind = RpcKind::kPrecheck;
    request.subject = target;
    rpc_.Start(n, y, std::move(request), Cont{ContKind::kPingMulticall, n, target, ping_id});
  }
}

void CetsPing::OnMulticallAnswer(uint64_t ping_id, uint64_t rpc_id) {
  const RpcCall call = rpc_.Take(rpc_id);
  auto it = pings_.find(ping_id);
  if (it == pings_.end() || it->second.stage != PingTask::Stage::kMulticall) return;
  PingTask& ping = it->second;
  // not lists:member({ok, pang}, Results): only an answered pang counts; an
  // error ({error, {erpc, noconnection}}, ...) is skipped.
  if (call.answer.delivered && !call.answer.yes) ping.any_pang = true;
  if (--ping.outstanding == 0) MulticallDone(ping_id);
}

void CetsPing::OnMulticallDeadline(uint64_t ping_id) {
  auto it = pings_.find(ping_id);
  if (it == pings_.end() || it->second.stage != PingTask::Stage::kMulticall) return;
  MulticallDone(ping_id);  // missing answers are {error, {erpc, timeout}}: skipped
}

void CetsPing::MulticallDone(uint64_t ping_id) {
  PingTask& ping = pings_.at(ping_id);
  if (ping.any_pang) {
    Finish(ping_id, false);
    return;
  }
  // 5. connect_ping/1: net_kernel:connect_node(Node), true -> pong, else pang.
  ping.stage = PingTask::Stage::kConnect;
  world_.connect(ping.node, ping.target,
                 Cont{ContKind::kPingConnect, ping.node, ping.target, ping_id});
}

void CetsPing::Finish(uint64_t ping_id, bool pong) {
  auto it = pings_.find(ping_id);
  WORLD_CHECK(it != pings_.end(), "finishing an unknown ping");
  const Cont owner = it->second.owner;
  const TimeMs now = kernel_.now();
  kernel_.observations.PingEnded(it->second.observed, now, pong);
  kernel_.NoteLazy(static_cast<uint32_t>(NoteKind::kPing), it->second.node, it->second.target,
                   pong ? 1 : 2, [&] {
                     return absl::StrCat(now, " ", kernel_.Name(it->second.node), " ping ",
                                         kernel_.Name(it->second.target),
                                         pong ? " pong" : " pang");
                   });
  pings_.erase(it);
  kernel_.Resume(owner, pong ? 1 : 0);
}

// pre_connect/1 on n: Node in nodes() -> pong with no lookup; otherwise
// resolve the target's host (outside net_kernel: {error, _} -> pang), then a
// TCP connect to its EPMD port (can_connect/1: fails after 5 s when the host
// is unreachable -> pang).
void CetsPing::StartPrecheck(NodeId n, NodeId target, Cont owner) {
  if (world_.connected(n, target)) {
    kernel_.Resume(owner, 1);
    return;
  }
  const uint64_t precheck_id = kernel_.NewId();
  prechecks_.emplace(precheck_id, Precheck{n, kernel_.nodes[n].incarnation, target, owner});
  const auto [delay_ms, resolved] = world_.lookup(n, target);
  kernel_.Push(kernel_.now() + delay_ms, Event::PrecheckDnsDone(n, target, precheck_id, resolved));
}

void CetsPing::OnPrecheckDnsDone(const Event& event) {
  auto it = prechecks_.find(event.a);
  if (it == prechecks_.end()) return;
  const Precheck& check = it->second;
  if (event.sub == 0) {
    const Cont owner = check.owner;
    prechecks_.erase(it);
    kernel_.Resume(owner, 0);
    return;
  }
  // A resolvable declared node's host exists, running or not.
  const bool reachable = world_.reachable(check.node, check.target);
  const int64_t done_us =
      kernel_.now_us() + (reachable ? 2 * world_.latency_us(check.node, check.target)
                                    : kPrecheckConnectTimeoutMs * Kernel::kUsPerMs);
  kernel_.PushUs(done_us, Event::PrecheckTcpDone(check.node, check.target, event.a, reachable));
}

void CetsPing::OnPrecheckTcpDone(const Event& event) {
  auto it = prechecks_.find(event.a);
  if (it == prechecks_.end()) return;
  const Cont owner = it->second.owner;
  prechecks_.erase(it);
  kernel_.Resume(owner, event.b);
}

void CetsPing::Handle(const Event& event) {
  switch (event.kind) {
    case EventKind::kPrecheckDnsDone: return OnPrecheckDnsDone(event);
    case EventKind::kPrecheckTcpDone: return OnPrecheckTcpDone(event);
    case EventKind::kMulticallDeadline: return OnMulticallDeadline(event.a);
    default: WORLD_CHECK(false, "cets_ping handed an event of another room");
  }
}

void CetsPing::OnResume(const Event& event) {
  switch (static_cast<ContKind>(event.sub)) {
    case ContKind::kPingPrecheck: return OnPrecheckDone(event.a, event.b != 0);
    case ContKind::kPingConnect:
      if (pings_.contains(event.a)) Finish(event.a, event.b != 0);
      return;
    case ContKind::kPingMulticall: return OnMulticallAnswer(event.a, event.b);
    case ContKind::kPingPairsRpc: return OnPingPairsAnswer(event.a, event.b);
    default: WORLD_CHECK(false, "cets_ping resumed for another room");
  }
}

void CetsPing::NodeStopped(NodeId n) {
  absl::erase_if(prechecks_, [&](const auto& kv) { return kv.second.node == n; });
  absl::erase_if(pings_, [&](const auto& kv) { return kv.second.node == n; });
  absl::erase_if(ping_pairs_, [&](const auto& kv) { return kv.second.node == n; });
}

void CetsPing::OwnerDied(NodeId n, ContKind owner_kind) {
  absl::erase_if(pings_, [&](const auto& kv) {
    return kv.second.node == n && kv.second.owner.kind == owner_kind;
  });
}

// ---------------------------------------------------------------------------
// ping_pairs/1 (ping_pairs_stop_on_pang/1).

const char* ToString(PairPing::Result result) {
  switch (result) {
    case PairPing::Result::kPong: return "pong";
    case PairPing::Result::kPang: return "pang";
    case PairPing::Result::kBadRpcNodedown: return "{badrpc,nodedown}";
    case PairPing::Result::kBadRpcTimeout: return "{badrpc,timeout}";
    case PairPing::Result::kSkipped: return "skipped";
  }
  return "?";
}

uint64_t CetsPing::StartPingPairs(NodeId n, std::vector<std::pair<NodeId, NodeId>> pairs,
                                  Cont owner) {
  const uint64_t id = kernel_.NewId();
  PingPairsTask task;
  task.node = n;
  task.owner = owner;
  for (const auto& [node1, node2] : pairs) {
    task.pairs.push_back(PairPing{node1, node2, PairPing::Result::kSkipped});
  }
  ping_pairs_.emplace(id, std::move(task));
  PingPairsNext(id);
  return id;
}

void CetsPing::PingPairsNext(uint64_t id) {
  PingPairsTask& task = ping_pairs_.at(id);
  if (task.next == task.pairs.size()) {
    task.done = true;
    kernel_.Resume(task.owner, id);
    return;
  }
  const PairPing& pair = task.pairs[task.next];
  msg::RpcRequest request;
  request.kind = RpcKind::kPing;
  request.subject = pair.node2;
  rpc_.Start(task.node, pair.node1, std::move(request),
             Cont{ContKind::kPingPairsRpc, task.node, pair.node1, id}, kPingRpcTimeoutMs);
}

void CetsPing::OnPingPairsAnswer(uint64_t id, uint64_t rpc_id) {
  const RpcCall call = rpc_.Take(rpc_id);
  auto it = ping_pairs_.find(id);
  if (it == ping_pairs_.end() || it->second.done) return;
  PingPairsTask& task = it->second;
  PairPing::Result& result = task.pairs[task.next].result;
  if (call.answer.delivered) {
    result = call.answer.yes ? PairPing::Result::kPong : PairPing::Result::kPang;
  } else {
    result = call.timed_out ? PairPing::Result::kBadRpcTimeout : PairPing::Result::kBadRpcNodedown;
  }
  // Not pong: "one node returning pang is enough to cancel join"; the rest
  // stay skipped.
  task.next = result == PairPing::Result::kPong ? task.next + 1 : task.pairs.size();
  PingPairsNext(id);
}

std::vector<PairPing> CetsPing::TakePingPairs(uint64_t id) {
  auto it = ping_pairs_.find(id);
  if (it == ping_pairs_.end() || !it->second.done) return {};
  std::vector<PairPing> pairs = std::move(it->second.pairs);
  ping_pairs_.erase(it);
  return pairs;
}

}  // namespace discosim::world
