// The rpc room alone: a kernel with three running nodes, a fake network
// that records what the room sends (and delivers it only when a test says
// so), fake servers. The rules: a local call is served in place; a remote
// request may auto-connect, a reply uses an existing connection only; a
// reply counts only from the target to the caller; a call ends once; the
// caller's nodedown fails its calls to that node with {badrpc, nodedown}; a
// server that answers later replies only if its node still runs; a stop
// forgets the node's calls; a call with a timeout ends {badrpc, timeout}
// when it passes first. And the whole room against a map model under
// random sequences.
#include "sim/world/rpc.h"

#include <map>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "sim/world/random.h"

namespace discosim::world {
namespace {

struct Sent {
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  Payload payload;
  SendMode mode = SendMode::kAutoConnect;
};

// What resumed: the owner's id and the value (the rpc id).
struct Resumed {
  uint64_t owner_id = 0;
  uint64_t rpc_id = 0;
};

class RpcRoom {
 public:
  explicit RpcRoom(uint32_t n_nodes = 3) : kernel(WorldConfig{}), rpc(kernel) {
    kernel.n_nodes = n_nodes;
    kernel.nodes.resize(n_nodes);
    for (NodeId n = 0; n < n_nodes; ++n) {
      kernel.nodes[n].name = std::string(1, static_cast<char>('a' + n)) + "@h";
      kernel.nodes[n].running = true;
      kernel.nodes[n].incarnation = 1;
    }
    rpc.SetSend([this](NodeId from, NodeId to, Payload payload, SendMode mode) {
      sent.push_back(Sent{from, to, std::move(payload), mode});
    });
  }

  // Runs the queued events: resumes of kTestOwner conts are recorded,
  // kRpcServe resumes go to the room.
  std::vector<Resumed> Drain() {
    std::vector<Resumed> out;
    while (!kernel.queue.empty()) {
      const Event event = kernel.queue.Pop().payload;
      if (event.kind == EventKind::kRpcTimeout) {
        rpc.OnTimeout(event);
        continue;
      }
      EXPECT_EQ(event.kind, EventKind::kResume);
      if (static_cast<ContKind>(event.sub) == ContKind::kRpcServe) {
        rpc.OnServed(event);
      } else {
        out.push_back(Resumed{event.a, event.b});
      }
    }
    return out;
  }

  static Cont Owner(uint64_t id) { return Cont{ContKind::kActionRpc, kNoNode, kNoNode, id}; }

  // Delivers the sent message `i` to its receiver, as the network would.
  void Deliver(size_t i) {
    const Sent& s = sent[i];
    if (const auto* request = std::get_if<msg::RpcRequest>(&s.payload)) {
      rpc.Serve(s.to, s.from, *request);
    } else {
      rpc.OnReply(NetMsg{s.from, s.to, 1, s.payload}, std::get<msg::RpcReply>(s.payload));
    }
  }

  Kernel kernel;
  Rpc rpc;
  std::vector<Sent> sent;
};

msg::RpcRequest Request(RpcKind kind) {
  msg::RpcRequest request;
  request.kind = kind;
  return request;
}

TEST(RpcTest, ALocalCallIsServedInPlaceWithoutASend) {
  RpcRoom room;
  const uint64_t id = room.rpc.Start(0, 0, Request(RpcKind::kNodeName), RpcRoom::Owner(7));
  EXPECT_TRUE(room.sent.empty());
  const std::vector<Resumed> resumed = room.Drain();
  ASSERT_EQ(resumed.size(), 1u);
  EXPECT_EQ(resumed[0].owner_id, 7u);
  EXPECT_EQ(resumed[0].rpc_id, id);
  const RpcCall call = room.rpc.Take(id);
  EXPECT_TRUE(call.answer.delivered);
  EXPECT_TRUE(call.answer.yes);
  EXPECT_EQ(room.rpc.calls_in_flight(), 0u);
}

TEST(RpcTest, ARequestMayAutoConnectAndItsReplyUsesAnExistingConnection) {
  RpcRoom room;
  const uint64_t id = room.rpc.Start(0, 1, Request(RpcKind::kNodeName), RpcRoom::Owner(1));
  ASSERT_EQ(room.sent.size(), 1u);
  EXPECT_EQ(room.sent[0].to, 1u);
  EXPECT_EQ(room.sent[0].mode, SendMode::kAutoConnect);
  EXPECT_EQ(std::get<msg::RpcRequest>(room.sent[0].payload).rpc_id, id);
  room.Deliver(0);  // served on b: the reply goes back
  ASSERT_EQ(room.sent.size(), 2u);
  EXPECT_EQ(room.sent[1].from, 1u);
  EXPECT_EQ(room.sent[1].to, 0u);
  EXPECT_EQ(room.sent[1].mode, SendMode::kExistingOnly);
  EXPECT_TRUE(room.Drain().empty());  // not done until the reply arrives
  room.Deliver(1);
  ASSERT_EQ(room.Drain().size(), 1u);
  EXPECT_TRUE(room.rpc.Take(id).answer.delivered);
}

TEST(RpcTest, EachKindGoesToItsServerAndItsAnswerBack) {
  RpcRoom room;
  std::vector<std::pair<NodeId, NodeId>> served;
  room.rpc.SetServer(RpcKind::kWhereis, [&](NodeId server, NodeId caller,
                                            const msg::RpcRequest& request) {
    served.emplace_back(server, caller);
    RpcAnswer answer;
    answer.delivered = true;
    answer.server = ServerRef{server, 42};
    room.rpc.Reply(server, caller, request.rpc_id, answer);
  });
  const uint64_t id = room.rpc.Start(2, 2, Request(RpcKind::kWhereis), RpcRoom::Owner(1));
  ASSERT_EQ(served.size(), 1u);
  EXPECT_EQ(served[0], (std::pair<NodeId, NodeId>{2, 2}));
  room.Drain();
  EXPECT_EQ(room.rpc.Take(id).answer.server, (ServerRef{2, 42}));
}

TEST(RpcTest, AReplyCountsOnlyFromTheTargetToTheCaller) {
  RpcRoom room;
  const uint64_t id = room.rpc.Start(0, 1, Request(RpcKind::kNodeName), RpcRoom::Owner(1));
  RpcAnswer yes;
  yes.delivered = true;
  room.rpc.OnReply(NetMsg{2, 0, 1, {}}, msg::RpcReply{id, yes});  // from c, not b
  room.rpc.OnReply(NetMsg{1, 2, 1, {}}, msg::RpcReply{id, yes});  // to c, not a
  EXPECT_TRUE(room.Drain().empty());
  room.rpc.OnReply(NetMsg{1, 0, 1, {}}, msg::RpcReply{id, yes});
  EXPECT_EQ(room.Drain().size(), 1u);
}

TEST(RpcTest, ACallEndsOnceAndTheFirstAnswerStays) {
  RpcRoom room;
  const uint64_t id = room.rpc.Start(0, 1, Request(RpcKind::kNodeName), RpcRoom::Owner(1));
  room.rpc.Finish(id, RpcAnswer{});  // undeliverable: {badrpc, nodedown}
  RpcAnswer yes;
  yes.delivered = true;
  room.rpc.Finish(id, yes);
  EXPECT_EQ(room.Drain().size(), 1u);
  EXPECT_FALSE(room.rpc.Take(id).answer.delivered);
}

TEST(RpcTest, TheCallersNodedownFailsItsCallsToThatNodeOnly) {
  RpcRoom room;
  const uint64_t a_to_b = room.rpc.Start(0, 1, Request(RpcKind::kNodeName), RpcRoom::Owner(1));
  const uint64_t a_to_c = room.rpc.Start(0, 2, Request(RpcKind::kNodeName), RpcRoom::Owner(2));
  const uint64_t c_to_b = room.rpc.Start(2, 1, Request(RpcKind::kNodeName), RpcRoom::Owner(3));
  room.rpc.OnNodedown(0, 1);
  const std::vector<Resumed> resumed = room.Drain();
  ASSERT_EQ(resumed.size(), 1u);
  EXPECT_EQ(resumed[0].rpc_id, a_to_b);
  EXPECT_FALSE(room.rpc.Take(a_to_b).answer.delivered);
  // b's end going down tells b's calls nothing (it is not a's end).
  room.rpc.OnNodedown(1, 0);
  EXPECT_TRUE(room.Drain().empty());
  EXPECT_FALSE(room.rpc.Take(a_to_c).done);
  EXPECT_FALSE(room.rpc.Take(c_to_b).done);
}

TEST(RpcTest, AServerThatAnswersLaterRepliesOnlyIfItsNodeStillRuns) {
  RpcRoom room;
  room.rpc.SetServer(RpcKind::kPing, [&](NodeId server, NodeId caller,
                                         const msg::RpcRequest& request) {
    room.kernel.Resume(Rpc::ServedCont(server, caller, request.rpc_id), 1);
  });
  room.rpc.Start(0, 1, Request(RpcKind::kPing), RpcRoom::Owner(1));
  room.rpc.Start(0, 2, Request(RpcKind::kPing), RpcRoom::Owner(2));
  room.Deliver(0);
  room.Deliver(1);
  room.kernel.nodes[2].running = false;
  room.Drain();
  ASSERT_EQ(room.sent.size(), 3u);  // two requests, b's reply
  EXPECT_EQ(room.sent[2].from, 1u);
  EXPECT_TRUE(std::get<msg::RpcReply>(room.sent[2].payload).answer.yes);
}

TEST(RpcTest, AStopForgetsTheNodesCallsAndTheirLateReplies) {
  RpcRoom room;
  const uint64_t id = room.rpc.Start(0, 1, Request(RpcKind::kNodeName), RpcRoom::Owner(1));
  room.rpc.Start(1, 0, Request(RpcKind::kNodeName), RpcRoom::Owner(2));
  room.Deliver(0);
  room.rpc.NodeStopped(0);
  EXPECT_EQ(room.rpc.calls_in_flight(), 1u);  // b's call to a stays
  room.Deliver(2);  // b's reply to a's forgotten call
  EXPECT_TRUE(room.Drain().empty());
  EXPECT_FALSE(room.rpc.Take(id).answer.delivered);  // gone: an empty call
}

// rpc:call/5: no answer within the timeout is {badrpc, timeout}; the
// target's late reply is dropped.
TEST(RpcTest, ATimeoutEndsACallThatHasNoAnswerAndItsLateReplyIsDropped) {
  RpcRoom room;
  const uint64_t id =
      room.rpc.Start(0, 1, Request(RpcKind::kNodeName), RpcRoom::Owner(1), 10'000);
  ASSERT_EQ(room.Drain().size(), 1u);
  EXPECT_EQ(room.kernel.now(), 10'000);
  room.Deliver(0);
  room.Deliver(1);  // the reply, too late
  EXPECT_TRUE(room.Drain().empty());
  const RpcCall call = room.rpc.Take(id);
  EXPECT_TRUE(call.timed_out);
  EXPECT_FALSE(call.answer.delivered);
}

TEST(RpcTest, AnAnswerWithinTheTimeoutStands) {
  RpcRoom room;
  const uint64_t id =
      room.rpc.Start(0, 1, Request(RpcKind::kNodeName), RpcRoom::Owner(1), 10'000);
  room.Deliver(0);
  room.Deliver(1);
  EXPECT_EQ(room.Drain().size(), 1u);  // the timeout, later, resumes nothing
  const RpcCall call = room.rpc.Take(id);
  EXPECT_FALSE(call.timed_out);
  EXPECT_TRUE(call.answer.delivered);
}

// The model: per call, its caller, target and whether it ended (and how).
struct CallModel {
  NodeId caller = kNoNode;
  NodeId target = kNoNode;
  bool done = false;
  bool delivered = false;
};

TEST(RpcTest, TheRoomFollowsACallModelOverRandomSequences) {
  constexpr uint32_t kNodes = 4;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    Rng rng = Rng::ForStream(seed, Subsystem::kNetworkJitter, 0);
    RpcRoom room(kNodes);
    std::map<uint64_t, CallModel> model;
    std::vector<uint64_t> want_resumed, got_resumed;
    for (int step = 0; step < 60; ++step) {
      const int64_t what = rng.Range(0, 4);
      const NodeId x = static_cast<NodeId>(rng.Range(0, kNodes - 1));
      const NodeId y = static_cast<NodeId>(rng.Range(0, kNodes - 1));
      if (what <= 1) {
        const uint64_t id = room.rpc.Start(x, y, Request(RpcKind::kNodeName), RpcRoom::Owner(0));
        model[id] = CallModel{x, y, x == y, x == y};  // a local call is served in place
        if (x == y) want_resumed.push_back(id);
      } else if (what == 2 && !room.sent.empty()) {
        // The network delivers one message (replies may arrive for any call).
        const size_t i = static_cast<size_t>(rng.UniformBelow(room.sent.size()));
        const Sent s = room.sent[i];
        room.sent.erase(room.sent.begin() + static_cast<std::ptrdiff_t>(i));
        if (const auto* reply = std::get_if<msg::RpcReply>(&s.payload)) {
          auto it = model.find(reply->rpc_id);
          if (it != model.end() && !it->second.done) {
            it->second.done = it->second.delivered = true;
            want_resumed.push_back(reply->rpc_id);
          }
          room.rpc.OnReply(NetMsg{s.from, s.to, 1, s.payload}, *reply);
        } else {
          room.rpc.Serve(s.to, s.from, std::get<msg::RpcRequest>(s.payload));
        }
      } else if (what == 3) {
        for (auto& [id, call] : model) {
          if (call.caller == x && call.target == y && !call.done) {
            call.done = true;
            want_resumed.push_back(id);
          }
        }
        room.rpc.OnNodedown(x, y);
      } else if (what == 4) {
        std::erase_if(model, [&](const auto& kv) { return kv.second.caller == x; });
        room.rpc.NodeStopped(x);
      }
      for (const Resumed& r : room.Drain()) got_resumed.push_back(r.rpc_id);
      ASSERT_EQ(room.rpc.calls_in_flight(), model.size()) << "seed " << seed;
    }
    EXPECT_EQ(got_resumed, want_resumed) << "seed " << seed;
    for (const auto& [id, call] : model) {
      const RpcCall got = room.rpc.Take(id);
      EXPECT_EQ(got.done, call.done) << "seed " << seed;
      EXPECT_EQ(got.answer.delivered, call.delivered) << "seed " << seed;
    }
  }
}

}  // namespace
}  // namespace discosim::world
