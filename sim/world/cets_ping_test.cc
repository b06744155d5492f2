// The cets_ping room alone, on the rpc room, with a kernel and fakes for
// what it asks of the rest of the world: who is in whose nodes(), the DNS
// answer each name gets, which hosts are reachable, a network that carries
// rpc messages with a fixed latency, and net_kernel's connect_node with a
// chosen answer and delay. Each test names a step of cets_ping:ping/1 and
// fails when that step is removed or changed.
#include "sim/world/cets_ping.h"

#include <functional>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "sim/world/rpc.h"

namespace discosim::world {

bool operator==(const PairPing& x, const PairPing& y) {
  return x.node1 == y.node1 && x.node2 == y.node2 && x.result == y.result;
}
void PrintTo(const PairPing& p, std::ostream* os) {
  *os << "{" << p.node1 << ", " << p.node2 << ", " << ToString(p.result) << "}";
}

namespace {

constexpr NodeId kA = 0, kB = 1, kC = 2, kD = 3;
constexpr TimeMs kLatencyMs = 1;  // one way, every pair

class PingRoom {
 public:
  explicit PingRoom(uint32_t n_nodes = 4) : kernel(WorldConfig{}), rpc(kernel), ping(kernel, rpc) {
    kernel.n_nodes = n_nodes;
    kernel.nodes.resize(n_nodes);
    std::vector<NodeName> names;
    for (NodeId n = 0; n < n_nodes; ++n) {
      kernel.nodes[n].name = std::string(1, static_cast<char>('a' + n)) + "@h";
      kernel.nodes[n].running = true;
      kernel.nodes[n].incarnation = 1;
      names.push_back(kernel.nodes[n].name);
    }
    kernel.observations.Build(names);
    dns_delay_ms.assign(n_nodes, 0);
    dns_fails.assign(n_nodes, false);
    rpc.SetSend([this](NodeId from, NodeId to, Payload payload, SendMode) {
      const auto* request = std::get_if<msg::RpcRequest>(&payload);
      if (request != nullptr && undeliverable.contains({from, to})) {
        rpc.Finish(request->rpc_id, RpcAnswer{});  // {badrpc, nodedown}
        return;
      }
      if (request != nullptr && request->kind == RpcKind::kPrecheck) served.emplace_back(from, to);
      At(kernel.now() + kLatencyMs, [this, from, to, payload = std::move(payload)] {
        if (const auto* request = std::get_if<msg::RpcRequest>(&payload)) {
          rpc.Serve(to, from, *request);
        } else {
          rpc.OnReply(NetMsg{from, to, 1, payload}, std::get<msg::RpcReply>(payload));
        }
      });
    });
    CetsPing::Wiring wiring;
    wiring.connected = [this](NodeId x, NodeId y) { return connected.contains({x, y}); };
    wiring.lookup = [this](NodeId n, NodeId target) {
      lookups.emplace_back(n, target);
      const auto slow = slow_lookup_ms.find({n, target});
      return std::pair<TimeMs, bool>{slow == slow_lookup_ms.end() ? dns_delay_ms[target]
                                                                  : slow->second,
                                     !dns_fails[target] && !fails_for.contains({n, target})};
    };
    wiring.reachable = [this](NodeId x, NodeId y) { return !unreachable.contains({x, y}); };
    wiring.latency_us = [](NodeId, NodeId) { return kLatencyMs * Kernel::kUsPerMs; };
    wiring.connect = [this](NodeId n, NodeId target, Cont waiter) {
      connects.emplace_back(n, target);
      At(kernel.now() + connect_ms, [this, waiter] { kernel.Resume(waiter, connect_ok ? 1 : 0); });
    };
    ping.Wire(std::move(wiring));
  }

  void Connect(NodeId x, NodeId y) {
    connected.insert({x, y});
    connected.insert({y, x});
  }
  void Unreachable(NodeId x, NodeId y) {
    unreachable.insert({x, y});
    unreachable.insert({y, x});
  }

  // Something the fakes do at `at_ms` (a message arriving, a connect ending).
  void At(TimeMs at_ms, std::function<void()> fn) {
    timeline.emplace(std::pair<TimeMs, uint64_t>{at_ms, timeline_seq++}, std::move(fn));
  }

  // Pings target from n for discovery; runs the kernel's events and the
  // fakes' steps in time order until `until_ms`. Returns the answer's time
  // and value (-1, -1: none).
  std::pair<TimeMs, int> Ping(NodeId n, NodeId target, TimeMs until_ms = 60'000) {
    ping.Start(n, target, Cont{ContKind::kDiscoveryPing, n, target, 1});
    return RunUntil(until_ms);
  }

  std::pair<TimeMs, int> RunUntil(TimeMs until_ms) {
    std::pair<TimeMs, int> answer{-1, -1};
    for (;;) {
      const int64_t kernel_us = kernel.queue.empty() ? INT64_MAX : kernel.queue.next();
      const int64_t fake_us =
          timeline.empty() ? INT64_MAX : timeline.begin()->first.first * Kernel::kUsPerMs;
      const int64_t next_us = std::min(kernel_us, fake_us);
      if (next_us > until_ms * Kernel::kUsPerMs) break;
      if (kernel_us <= fake_us) {
        const Event event = kernel.queue.Pop().payload;
        Dispatch(event, answer);
      } else {
        kernel.queue.AdvanceTo(fake_us);
        std::function<void()> fn = std::move(timeline.begin()->second);
        timeline.erase(timeline.begin());
        fn();
      }
    }
    return answer;
  }

  void Dispatch(const Event& event, std::pair<TimeMs, int>& answer) {
    if (event.kind == EventKind::kRpcTimeout) return rpc.OnTimeout(event);
    if (event.kind != EventKind::kResume) return ping.Handle(event);
    switch (static_cast<ContKind>(event.sub)) {
      case ContKind::kJoinRpc:  // PairsOwner
        pairs_answers.emplace_back(kernel.now(), ping.TakePingPairs(event.b));
        return;
      case ContKind::kDiscoveryPing:
        answer = {kernel.now(), static_cast<int>(event.b)};
        return;
      case ContKind::kRpcServe: return rpc.OnServed(event);
      case ContKind::kActionRpc:
        rpc_answers.push_back(rpc.Take(event.b));
        return;
      default: return ping.OnResume(event);
    }
  }

  static Cont PairsOwner() { return Cont{ContKind::kJoinRpc, kA, kNoNode, 0}; }

  // The pre-check rpcs a's ping made (to whom).
  std::vector<NodeId> PrecheckRpcsFrom(NodeId n) const {
    std::vector<NodeId> out;
    for (const auto& [from, to] : served) {
      if (from == n) out.push_back(to);
    }
    return out;
  }
  int LookupsBy(NodeId n) const {
    int count = 0;
    for (const auto& [asker, target] : lookups) count += asker == n ? 1 : 0;
    return count;
  }

  Kernel kernel;
  Rpc rpc;
  CetsPing ping;
  std::set<std::pair<NodeId, NodeId>> connected;
  std::set<std::pair<NodeId, NodeId>> unreachable;
  std::vector<TimeMs> dns_delay_ms;
  std::vector<bool> dns_fails;
  std::set<std::pair<NodeId, NodeId>> fails_for;              // asker, name: nxdomain there
  std::map<std::pair<NodeId, NodeId>, TimeMs> slow_lookup_ms;  // asker, name: its delay there
  std::set<std::pair<NodeId, NodeId>> undeliverable;           // rpc requests from, to
  std::vector<std::pair<NodeId, NodeId>> lookups;   // asker, name
  std::vector<std::pair<NodeId, NodeId>> connects;  // n, target
  std::vector<std::pair<NodeId, NodeId>> served;    // caller, server of kPrecheck
  std::vector<RpcCall> rpc_answers;                 // calls of kActionRpc, as answered
  std::vector<std::pair<TimeMs, std::vector<PairPing>>> pairs_answers;  // when, what
  TimeMs connect_ms = 2 * kLatencyMs;
  bool connect_ok = true;
  std::map<std::pair<TimeMs, uint64_t>, std::function<void()>> timeline;
  uint64_t timeline_seq = 0;
};

// Local cost of a pre-check on a reachable host: its lookup, then the TCP
// connect's round trip.
constexpr TimeMs kPrecheckMs = 2 * kLatencyMs;

// ping/1, first clause: the target already in nodes() is pong at once.
TEST(CetsPingTest, ATargetInNodesIsPongAtOnceWithoutALookupOrAnRpc) {
  PingRoom room;
  room.Connect(kA, kC);
  room.Connect(kA, kB);
  EXPECT_EQ(room.Ping(kA, kC), (std::pair<TimeMs, int>{0, 1}));
  EXPECT_TRUE(room.lookups.empty());
  EXPECT_TRUE(room.served.empty());
  EXPECT_TRUE(room.connects.empty());
}

// pre_connect on X: {error, _} from the lookup is pang, and pang there ends
// the ping without the multicall or a connect.
TEST(CetsPingTest, ALocalLookupThatFailsIsPangAfterItsDelayWithoutAskingAnyone) {
  PingRoom room;
  room.Connect(kA, kB);
  room.dns_fails[kC] = true;
  room.dns_delay_ms[kC] = 300;
  EXPECT_EQ(room.Ping(kA, kC), (std::pair<TimeMs, int>{300, 0}));
  EXPECT_TRUE(room.served.empty());
  EXPECT_TRUE(room.connects.empty());
}

// pre_connect on X: the TCP connect to the host's EPMD port has a 5 s timeout.
TEST(CetsPingTest, AnUnreachableHostIsPangWhenTheTcpConnectTimesOut) {
  PingRoom room;
  room.Connect(kA, kB);
  room.dns_delay_ms[kC] = 100;
  room.Unreachable(kA, kC);
  EXPECT_EQ(room.Ping(kA, kC), (std::pair<TimeMs, int>{100 + kPrecheckConnectTimeoutMs, 0}));
  EXPECT_TRUE(room.served.empty());
  EXPECT_TRUE(room.connects.empty());
}

// connect_ping: with nobody to ask (erpc:multicall of [] is []), the
// explicit connect_node decides: true -> pong, anything else -> pang.
TEST(CetsPingTest, WithNoPeersTheConnectDecides) {
  for (const bool ok : {true, false}) {
    PingRoom room;
    room.dns_delay_ms[kC] = 100;
    room.connect_ok = ok;
    EXPECT_EQ(room.Ping(kA, kC), (std::pair<TimeMs, int>{100 + kPrecheckMs + room.connect_ms,
                                                          ok ? 1 : 0}));
    EXPECT_EQ(room.connects, (std::vector<std::pair<NodeId, NodeId>>{{kA, kC}}));
  }
}

// can_preconnect_from_all_nodes: {ok, pang} from any peer is false: pang,
// no connect. (b cannot resolve c yet: the source's "third scenario".)
TEST(CetsPingTest, APeerAnsweringPangMakesThePingPangWithoutAConnect) {
  PingRoom room;
  room.Connect(kA, kB);
  room.fails_for.insert({kB, kC});
  // Local pre-check, the rpc to b, b's failing lookup (no delay), the reply.
  EXPECT_EQ(room.Ping(kA, kC), (std::pair<TimeMs, int>{kPrecheckMs + 2 * kLatencyMs, 0}));
  EXPECT_EQ(room.PrecheckRpcsFrom(kA), (std::vector<NodeId>{kB}));
  EXPECT_TRUE(room.connects.empty());
}

// The multicall asks every peer in parallel and ends when all answered.
TEST(CetsPingTest, PongsFromEveryPeerEndTheMulticallThenTheConnectDecides) {
  PingRoom room;
  room.Connect(kA, kB);
  room.Connect(kA, kD);
  EXPECT_EQ(room.Ping(kA, kC),
            (std::pair<TimeMs, int>{kPrecheckMs + 2 * kLatencyMs + kPrecheckMs + room.connect_ms,
                                    1}));
  EXPECT_EQ(room.PrecheckRpcsFrom(kA), (std::vector<NodeId>{kB, kD}));
  EXPECT_EQ(room.connects.size(), 1u);
}

// erpc:multicall(..., 5000): a call that fails ({error, {erpc, noconnection}})
// or misses the deadline ({error, {erpc, timeout}}) is not {ok, pang}: skipped,
// even if its pang arrives later.
TEST(CetsPingTest, FailedAndLateAnswersAreIgnoredAtTheFiveSecondDeadline) {
  PingRoom room;
  room.Connect(kA, kB);
  room.Connect(kA, kD);
  room.undeliverable.insert({kA, kB});
  room.slow_lookup_ms[{kD, kC}] = 6'000;
  room.fails_for.insert({kD, kC});
  EXPECT_EQ(room.Ping(kA, kC),
            (std::pair<TimeMs, int>{kPrecheckMs + kMulticallTimeoutMs + room.connect_ms, 1}));
  EXPECT_EQ(room.connects.size(), 1u);
}

// rpc serves cets_ping's two kinds: pre_connect (the multicall's) and ping
// (the join's reach check runs cets_ping:ping on a member).
TEST(CetsPingTest, ThePingRpcRunsThePingOnTheServerAndRepliesItsAnswer) {
  PingRoom room;
  room.Connect(kB, kC);
  msg::RpcRequest request;
  request.kind = RpcKind::kPing;
  request.subject = kC;
  room.rpc.Start(kA, kB, request, Cont{ContKind::kActionRpc, kA, kB, 0});
  room.RunUntil(60'000);
  ASSERT_EQ(room.rpc_answers.size(), 1u);
  EXPECT_TRUE(room.rpc_answers[0].answer.delivered);
  EXPECT_TRUE(room.rpc_answers[0].answer.yes);  // c is in b's nodes()
  EXPECT_EQ(room.kernel.now(), 2 * kLatencyMs);
}

// A node's stop ends its pings and pre-checks: no answer ever comes.
TEST(CetsPingTest, AStopEndsTheNodesPingsAndPrechecks) {
  PingRoom room;
  room.Connect(kA, kB);
  room.dns_delay_ms[kC] = 100;
  room.ping.Start(kA, kC, Cont{ContKind::kDiscoveryPing, kA, kC, 1});
  room.RunUntil(50);
  EXPECT_EQ(room.ping.pings_in_flight(), 1u);
  EXPECT_EQ(room.ping.prechecks_in_flight(), 1u);
  room.ping.NodeStopped(kA);
  EXPECT_EQ(room.RunUntil(60'000), (std::pair<TimeMs, int>{-1, -1}));
  EXPECT_EQ(room.ping.pings_in_flight(), 0u);
  EXPECT_EQ(room.ping.prechecks_in_flight(), 0u);
}

// A crashed discovery process's spawn_linked pings die with it; a ping the
// node runs for someone else (the join's reach check by rpc) goes on.
TEST(CetsPingTest, AnOwnersDeathEndsOnlyThePingsItOwned) {
  PingRoom room;
  room.dns_delay_ms[kC] = 100;
  room.dns_delay_ms[kD] = 100;
  room.ping.Start(kA, kC, Cont{ContKind::kDiscoveryPing, kA, kC, 1});
  msg::RpcRequest request;
  request.kind = RpcKind::kPing;
  request.subject = kD;
  room.rpc.Start(kB, kA, request, Cont{ContKind::kActionRpc, kB, kA, 0});
  room.RunUntil(50);
  EXPECT_EQ(room.ping.pings_in_flight(), 2u);
  room.ping.OwnerDied(kA, ContKind::kDiscoveryPing);
  EXPECT_EQ(room.ping.pings_in_flight(), 1u);
  EXPECT_EQ(room.RunUntil(60'000), (std::pair<TimeMs, int>{-1, -1}));
  ASSERT_EQ(room.rpc_answers.size(), 1u);
  EXPECT_TRUE(room.rpc_answers[0].answer.yes);  // a's connect to d succeeded
}
// can_preconnect_from_all_nodes: Nodes = nodes() is read before the local
// pre_connect, so a peer that connects during it is not asked, and one lost
// during it still is (erpc's call to it may auto-connect).
TEST(CetsPingTest, ThePeersAreNodesAsTheyWereBeforeTheLocalPrecheck) {
  PingRoom room;
  room.Connect(kA, kB);
  room.dns_delay_ms[kC] = 100;
  room.At(50, [&] {
    room.connected.erase({kA, kB});
    room.connected.erase({kB, kA});
    room.Connect(kA, kD);
  });
  EXPECT_EQ(room.Ping(kA, kC).second, 1);
  EXPECT_EQ(room.PrecheckRpcsFrom(kA), (std::vector<NodeId>{kB}));
}

// pre_connect on a peer: Node in the peer's nodes() -> pong at once, with no
// lookup. With a 5 s name, a's own pre-check takes 5 s, b answers within a
// round trip and the multicall ends long before its deadline; a peer that
// looked the name up (5 s) would miss it and the ping would wait the whole
// 5 s more.
TEST(CetsPingTest, APeerConnectedToTheTargetAnswersPongWithoutALookup) {
  PingRoom room;
  room.Connect(kA, kB);
  room.Connect(kB, kC);
  room.dns_delay_ms[kC] = 5'000;
  EXPECT_EQ(room.Ping(kA, kC),
            (std::pair<TimeMs, int>{5'000 + kPrecheckMs + 2 * kLatencyMs + room.connect_ms, 1}));
  EXPECT_EQ(room.LookupsBy(kB), 0);
  EXPECT_EQ(room.LookupsBy(kA), 1);
}

// The served pre_connect runs in full on a peer that is not connected to the
// target: its own lookup and TCP connect.
TEST(CetsPingTest, APeerNotConnectedToTheTargetLooksItUp) {
  PingRoom room;
  room.Connect(kA, kB);
  room.dns_delay_ms[kC] = 100;
  EXPECT_EQ(room.Ping(kA, kC),
            (std::pair<TimeMs, int>{100 + kPrecheckMs + kLatencyMs + 100 + kPrecheckMs + kLatencyMs +
                                        room.connect_ms,
                                    1}));
  EXPECT_EQ(room.LookupsBy(kB), 1);
}

// ---------------------------------------------------------------------------
// ping_pairs/1.

// Each pair is rpc:call(N1, cets_ping, ping, [N2], 10000) from the caller,
// one after the other, in the order given (N1 the caller itself: a local call).
TEST(CetsPingTest, PingPairsPingsEachPairFromItsFirstNodeInOrder) {
  PingRoom room;
  room.Connect(kA, kB);
  room.Connect(kA, kC);
  room.Connect(kB, kC);
  room.ping.StartPingPairs(kA, {{kA, kC}, {kB, kC}}, PingRoom::PairsOwner());
  room.RunUntil(60'000);
  ASSERT_EQ(room.pairs_answers.size(), 1u);
  EXPECT_EQ(room.pairs_answers[0].first, 2 * kLatencyMs);  // a local call, then one round trip
  EXPECT_EQ(room.pairs_answers[0].second,
            (std::vector<PairPing>{{kA, kC, PairPing::Result::kPong},
                                   {kB, kC, PairPing::Result::kPong}}));
}

// ping_pairs_stop_on_pang: the first answer that is not pong ends it; the
// pairs after it are `skipped`, never pinged.
TEST(CetsPingTest, PingPairsStopsAtTheFirstNonPongAndSkipsTheRest) {
  PingRoom room;
  room.Connect(kA, kB);
  room.fails_for.insert({kB, kC});  // b cannot resolve c: b's ping of c is pang
  room.ping.StartPingPairs(kA, {{kA, kB}, {kB, kC}, {kB, kD}}, PingRoom::PairsOwner());
  room.RunUntil(60'000);
  ASSERT_EQ(room.pairs_answers.size(), 1u);
  EXPECT_EQ(room.pairs_answers[0].second,
            (std::vector<PairPing>{{kA, kB, PairPing::Result::kPong},
                                   {kB, kC, PairPing::Result::kPang},
                                   {kB, kD, PairPing::Result::kSkipped}}));
  for (const Observations::Ping& ping : room.kernel.observations.observed().pings) {
    EXPECT_NE(ping.peer, kD) << "a skipped pair was pinged";
  }
}

// rpc:call's 10 s timeout: a ping that takes longer is {badrpc, timeout} at
// 10 s (its late answer changes nothing); an rpc that cannot be made is
// {badrpc, nodedown}. Either stops the pairs.
TEST(CetsPingTest, PingPairsTimesOutEachRpcAtTenSecondsAndFailsItOnNodedown) {
  PingRoom room;
  room.connect_ms = 20'000;  // b's connect_node to c hangs past the rpc's timeout
  room.ping.StartPingPairs(kA, {{kB, kC}, {kB, kD}}, PingRoom::PairsOwner());
  room.RunUntil(60'000);
  ASSERT_EQ(room.pairs_answers.size(), 1u);
  EXPECT_EQ(room.pairs_answers[0].first, kPingRpcTimeoutMs);
  EXPECT_EQ(room.pairs_answers[0].second,
            (std::vector<PairPing>{{kB, kC, PairPing::Result::kBadRpcTimeout},
                                   {kB, kD, PairPing::Result::kSkipped}}));

  PingRoom down;
  down.undeliverable.insert({kA, kB});
  down.ping.StartPingPairs(kA, {{kB, kC}}, PingRoom::PairsOwner());
  down.RunUntil(60'000);
  ASSERT_EQ(down.pairs_answers.size(), 1u);
  EXPECT_EQ(down.pairs_answers[0].second,
            (std::vector<PairPing>{{kB, kC, PairPing::Result::kBadRpcNodedown}}));
}

TEST(CetsPingTest, PingPairsOfNoPairsAnswersAtOnce) {
  PingRoom room;
  room.ping.StartPingPairs(kA, {}, PingRoom::PairsOwner());
  room.RunUntil(60'000);
  ASSERT_EQ(room.pairs_answers.size(), 1u);
  EXPECT_EQ(room.pairs_answers[0].first, 0);
  EXPECT_TRUE(room.pairs_answers[0].second.empty());
}

}  // namespace
}  // namespace discosim::world
