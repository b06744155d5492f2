// rpc: calls from one node to another (OTP's rpc:call, which erpc carries
// over the dist connection). A request goes out (an auto-connect when the
// nodes are not connected), the target serves it, the reply comes back over
// the connection that exists then; the call fails with {badrpc, nodedown}
// when its request cannot be sent (the auto-connect fails or is barred) or
// when the caller's end of the connection goes down first.
//
// Owns: the calls in flight (id -> RpcCall) and who serves each RpcKind.
// Touches: the kernel (ids, Resume, the node table's incarnation and
//   running flag) and the network through the send it is wired with.
// Called by: the network (a request or reply delivered, a request that
//   cannot be delivered: Finish), the nodedown listener (OnNodedown), the
//   rooms that make calls (cets_ping's multicall and ping_pairs, the join,
//   the Rpc action), the kernel's resume of ContKind::kRpcServe (OnServed)
//   and its kRpcTimeout events (OnTimeout).
//
//   Rpc rpc(kernel);
//   rpc.SetSend([&](NodeId from, NodeId to, Payload p, SendMode mode) { ... });
//   rpc.SetServer(RpcKind::kWhereis, [&](NodeId server, NodeId caller,
//                                        const msg::RpcRequest& r) { rpc.Reply(...); });
//   const uint64_t id = rpc.Start(x, y, request, Cont{ContKind::kJoinRpc, x, y, join_id});
//   ... the owner resumes with value = id; then rpc.Take(id).answer
#ifndef DISCOSIM_SIM_WORLD_RPC_H_
#define DISCOSIM_SIM_WORLD_RPC_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>

#include "absl/container/btree_map.h"
#include "sim/world/event.h"
#include "sim/world/kernel.h"
#include "sim/world/messages.h"

namespace discosim::world {

struct RpcCall {
  NodeId caller = kNoNode;
  uint32_t caller_incarnation = 0;
  NodeId target = kNoNode;
  RpcKind kind = RpcKind::kNodeName;
  Cont owner;
  bool done = false;
  bool timed_out = false;  // {badrpc, timeout}
  RpcAnswer answer;  // answer.delivered false: {badrpc, nodedown} (or timeout)
};

class Rpc {
 public:
  using SendFn = std::function<void(NodeId from, NodeId to, Payload payload, SendMode mode)>;
  // Serves `request` on `server`: answers with Reply now, or later by
  // resuming ServedCont (value 1: yes).
  using ServeFn =
      std::function<void(NodeId server, NodeId caller, const msg::RpcRequest& request)>;

  explicit Rpc(Kernel& kernel) : kernel_(kernel) {}
  Rpc(const Rpc&) = delete;
  Rpc& operator=(const Rpc&) = delete;

  void SetSend(SendFn send) { send_ = std::move(send); }
  // kNodeName (erlang:node/0) is served here; every other kind needs a server.
  void SetServer(RpcKind kind, ServeFn serve) { servers_[kind] = std::move(serve); }

  // A call from `caller` to `target` (a local call when they are the same
  // node); `owner` resumes with the call's id when it is done. With a
  // timeout (rpc:call/5) the call ends {badrpc, timeout} when no answer came
  // within it; what the target still does is not stopped, its late reply is
  // dropped (erpc abandons the request).
  uint64_t Start(NodeId caller, NodeId target, msg::RpcRequest request, Cont owner,
                 std::optional<TimeMs> timeout_ms = std::nullopt);
  // EventKind::kRpcTimeout.
  void OnTimeout(const Event& event);
  // The request has arrived at `server` (the network delivered it).
  void Serve(NodeId server, NodeId caller, const msg::RpcRequest& request);
  void Reply(NodeId server, NodeId caller, uint64_t rpc_id, RpcAnswer answer);
  // What a server that answers later resumes: ContKind::kRpcServe.
  static Cont ServedCont(NodeId server, NodeId caller, uint64_t rpc_id) {
    return Cont{ContKind::kRpcServe, server, caller, rpc_id};
  }
  // Its resume: the server replies yes (value 1) or no, if its node still runs.
  void OnServed(const Event& event);
  void OnReply(const NetMsg& m, const msg::RpcReply& reply);
  // Ends a call with `answer` (RpcAnswer{}: {badrpc, nodedown}); a call that
  // is done or gone stays as it is.
  void Finish(uint64_t rpc_id, RpcAnswer answer);
  // x's end of its connection to y went down: x's calls to y fail.
  void OnNodedown(NodeId x, NodeId y);
  // The owner takes the finished call (an empty RpcCall if it is gone).
  RpcCall Take(uint64_t rpc_id);
  // Everything that ran on `n` ends with it: its calls are forgotten.
  void NodeStopped(NodeId n);

  size_t calls_in_flight() const { return calls_.size(); }

 private:
  Kernel& kernel_;
  SendFn send_;
  std::map<RpcKind, ServeFn> servers_;
  absl::btree_map<uint64_t, RpcCall> calls_;
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_RPC_H_
