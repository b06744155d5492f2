// rpc (see rpc.h).
#include "sim/world/rpc.h"

#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/strings/str_cat.h"
#include "sim/world/check.h"

namespace discosim::world {

uint64_t Rpc::Start(NodeId caller, NodeId target, msg::RpcRequest request, Cont owner,
                    std::optional<TimeMs> timeout_ms) {
  const uint64_t rpc_id = kernel_.NewId();
  if (timeout_ms.has_value()) {
    kernel_.Push(kernel_.now() + *timeout_ms, Event::RpcTimeout(caller, target, rpc_id));
  }
  request.rpc_id = rpc_id;
  RpcCall call;
  call.caller = caller;
  call.caller_incarnation = kernel_.nodes[caller].incarnation;
  call.target = target;
  call.kind = request.kind;
  call.owner = owner;
  calls_.emplace(rpc_id, std::move(call));
  if (caller == target) {
    Serve(caller, caller, request);  // a local call
  } else {
    send_(caller, target, std::move(request), SendMode::kAutoConnect);
  }
  return rpc_id;
}

void Rpc::Serve(NodeId server, NodeId caller, const msg::RpcRequest& request) {
  if (request.kind == RpcKind::kNodeName) {
    RpcAnswer answer;
    answer.delivered = true;
    answer.yes = true;
    Reply(server, caller, request.rpc_id, std::move(answer));
    return;
  }
  auto it = servers_.find(request.kind);
  if (it == servers_.end()) {
    kernel_.Fail(absl::StrCat("no server for rpc kind ", static_cast<int>(request.kind)));
    return;
  }
  it->second(server, caller, request);
}

void Rpc::Reply(NodeId server, NodeId caller, uint64_t rpc_id, RpcAnswer answer) {
  if (server == caller) {
    Finish(rpc_id, std::move(answer));
  } else {
    send_(server, caller, msg::RpcReply{rpc_id, std::move(answer)}, SendMode::kExistingOnly);
  }
}

void Rpc::OnServed(const Event& event) {
  if (!kernel_.nodes[event.node].running) return;
  RpcAnswer answer;
  answer.delivered = true;
  answer.yes = event.b != 0;
  Reply(event.node, event.peer, event.a, std::move(answer));
}

void Rpc::OnReply(const NetMsg& m, const msg::RpcReply& reply) {
  auto it = calls_.find(reply.rpc_id);
  if (it == calls_.end() || it->second.caller != m.to || it->second.target != m.from) return;
  Finish(reply.rpc_id, reply.answer);
}

void Rpc::Finish(uint64_t rpc_id, RpcAnswer answer) {
  auto it = calls_.find(rpc_id);
  if (it == calls_.end() || it->second.done) return;
  it->second.done = true;
  it->second.answer = std::move(answer);
  kernel_.Resume(it->second.owner, rpc_id);
}

void Rpc::OnTimeout(const Event& event) {
  auto it = calls_.find(event.a);
  if (it == calls_.end() || it->second.done) return;
  it->second.timed_out = true;
  Finish(event.a, RpcAnswer{});
}

void Rpc::OnNodedown(NodeId x, NodeId y) {
  std::vector<uint64_t> failed;
  for (const auto& [rpc_id, call] : calls_) {
    if (call.caller == x && call.target == y && !call.done) failed.push_back(rpc_id);
  }
  for (uint64_t rpc_id : failed) Finish(rpc_id, RpcAnswer{});
}

RpcCall Rpc::Take(uint64_t rpc_id) {
  auto it = calls_.find(rpc_id);
  if (it == calls_.end()) return RpcCall{};
  RpcCall call = std::move(it->second);
  calls_.erase(it);
  return call;
}

void Rpc::NodeStopped(NodeId n) {
  absl::erase_if(calls_, [&](const auto& kv) { return kv.second.caller == n; });
}

}  // namespace discosim::world
