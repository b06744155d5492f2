// The join task, driven alone: real table servers and a real join lock over
// a fake network, a fake rpc that answers from the servers (whereis,
// get_cluster) and from a reach matrix (the pings of step 5). Each test
// names the step it checks.
#include "sim/world/cets_join.h"

#include <functional>
#include <map>
#include <vector>

#include "gtest/gtest.h"
#include "sim/world/join_test_util.h"

namespace discosim::world {
namespace {

using test_util::FakeNet;

struct Harness {
  explicit Harness(uint32_t n)
      : k(test_util::KernelConfig(n)), net(n), servers(k), lock(k), join(k, servers, lock),
        reach(static_cast<size_t>(n) * n, true) {
    test_util::AddRunningNodes(k);
    net.ConnectAll();
    auto conn_id = [this](NodeId x, NodeId y) { return net.ConnId(x, y); };
    // An auto-connect connects where the reach matrix says it can.
    auto auto_connect = [this](NodeId x, NodeId y, Cont waiter) {
      connects.push_back({x, y});
      if (net.ConnId(x, y) == 0 && reach[x * k.n_nodes + y]) net.Connect(x, y);
      k.Resume(waiter, net.ConnId(x, y) != 0 ? 1 : 0);
    };
    servers.Build(n, CetsServers::Ports{conn_id, auto_connect});
    JoinLock::Ports lock_ports;
    lock_ports.conn_id = conn_id;
    lock_ports.hidden = [](NodeId, NodeId) { return false; };
    lock_ports.send = [this](NodeId from, NodeId to, Payload p) { net.Send(from, to, p); };
    lock_ports.hop_us = [](NodeId) { return int64_t{0}; };
    lock_ports.core_wait_us = [](NodeId) { return int64_t{0}; };
    lock_ports.add_spinner = [](NodeId, int) {};
    lock_ports.auto_connect = auto_connect;
    lock.Build(n, std::move(lock_ports), &join);
    CetsJoin::Ports ports;
    ports.start_rpc = [this](NodeId caller, NodeId target, msg::RpcRequest r, Cont owner) {
      return StartRpc(caller, target, std::move(r), owner);
    };
    ports.take_rpc_answer = [this](uint64_t rpc_id) {
      RpcAnswer answer = answers.at(rpc_id);
      answers.erase(rpc_id);
      return answer;
    };
    // ping_pairs: from the reach matrix, stopping at the first pang.
    ports.start_ping_pairs = [this](NodeId, std::vector<std::pair<NodeId, NodeId>> pairs,
                                    Cont owner) {
      const uint64_t id = k.NewId();
      if (before_rpc) before_rpc(RpcKind::kPing);
      std::vector<PairPing> results;
      bool failed = false;
      for (const auto& [n1, n2] : pairs) {
        PairPing ping{n1, n2, PairPing::Result::kSkipped};
        if (!failed) {
          rpcs.push_back({RpcKind::kPing, owner.node, n1, n2});
          ping.result = reach[n1 * k.n_nodes + n2] ? PairPing::Result::kPong : ping_failure;
          failed = ping.result != PairPing::Result::kPong;
        }
        results.push_back(ping);
      }
      ping_results[id] = std::move(results);
      ready_pairs.push_back({owner.id, id});
      return id;
    };
    ports.take_ping_pairs = [this](uint64_t id) {
      std::vector<PairPing> results = ping_results.at(id);
      ping_results.erase(id);
      return results;
    };
    ports.conn_id = conn_id;
    ports.latency_us = [](NodeId, NodeId) { return int64_t{1'000}; };
    ports.rpc_us = [](NodeId, NodeId) { return int64_t{2'000}; };
    ports.hop_us = [](NodeId) { return int64_t{0}; };
    ports.finished = [this](NodeId, std::vector<engine::JoinResult> r) { results = std::move(r); };
    join.Build(std::move(ports));
  }
  uint64_t StartRpc(NodeId caller, NodeId target, msg::RpcRequest request, Cont owner) {
    const uint64_t rpc_id = k.NewId();
    rpcs.push_back({request.kind, caller, target, request.subject});
    if (before_rpc) before_rpc(request.kind);
    RpcAnswer answer;  // not delivered: {badrpc, nodedown}
    if (caller == target || net.ConnId(caller, target) != 0) {
      switch (request.kind) {
        case RpcKind::kWhereis: answer = servers.Whereis(target, request.table); break;
        case RpcKind::kGetCluster:
          answer = servers.GetCluster(target, request.table, request.server);
          break;
        default: ADD_FAILURE() << "an rpc the join does not make";
      }
    }
    answers[rpc_id] = answer;
    ready.push_back({owner.id, rpc_id});
    return rpc_id;
  }
  // Runs everything to the end, in order: rpc answers, lock messages, events.
  void Run() {
    for (int i = 0; i < 10'000; ++i) {
      if (!ready_pairs.empty()) {
        const auto [join_id, id] = ready_pairs.front();
        ready_pairs.erase(ready_pairs.begin());
        join.OnPingPairs(join_id, id);
      } else if (!ready.empty()) {
        const auto [join_id, rpc_id] = ready.front();
        ready.erase(ready.begin());
        join.OnRpc(join_id, rpc_id);
      } else if (!net.Idle()) {
        const NetMsg m = net.Take(0);
        if (const auto* p = std::get_if<msg::LockRequest>(&m.payload)) lock.OnRequest(m, *p);
        if (const auto* p = std::get_if<msg::LockReply>(&m.payload)) lock.OnReply(m, *p);
        if (const auto* p = std::get_if<msg::LockRelease>(&m.payload)) lock.OnReleaseMsg(m, *p);
      } else if (!k.queue.empty()) {
        const Event e = test_util::PopEvent(k);
        if (before_event) before_event(e);
        switch (e.kind) {
          case EventKind::kLockServe: lock.OnServe(e); break;
          case EventKind::kLockLocalReply: lock.OnLocalReply(e); break;
          case EventKind::kLockRetry: lock.OnRetry(e); break;
          case EventKind::kJoinTimer: join.OnTimer(e); break;
          case EventKind::kJoinRpcStep: join.OnRpcStep(e); break;
          case EventKind::kResume: Resume(e); break;
          default: FAIL() << "an event the join does not make";
        }
      } else {
        return;
      }
    }
    FAIL() << "the join did not end";
  }
  void Resume(const Event& e) {
    switch (static_cast<ContKind>(e.sub)) {
      case ContKind::kCetsMonitorConnect: servers.OnMonitorConnect(e.a, e.b != 0); break;
      case ContKind::kLockReleaseConnect: lock.OnReleaseConnect(e.node, e.peer, e.a, e.b != 0); break;
      default: ADD_FAILURE() << "a continuation the join does not make";
    }
  }
  engine::JoinResult JoinOne(NodeId x, NodeId peer, const std::string& table = "t") {
    results.clear();
    join.Start(x, {engine::JoinPair{k.Name(peer), table}});
    Run();
    EXPECT_EQ(results.size(), 1u);
    return results.empty() ? engine::JoinResult{} : results[0];
  }
  engine::NodeSet Members(NodeId n, const std::string& table = "t") const {
    engine::NodeSet names;
    for (const ServerRef& ref : servers.ClusterOf(n, table)) names.insert(k.Name(ref.node));
    return names;
  }
  void Merge(NodeId x, NodeId peer) { ASSERT_TRUE(JoinOne(x, peer).ok); }

  Kernel k;
  FakeNet net;
  CetsServers servers;
  JoinLock lock;
  CetsJoin join;
  std::vector<bool> reach;  // reach[from * n + to]: a ping from `from` to `to` pongs
  struct Rpc {
    RpcKind kind;
    NodeId caller, target, subject;
  };
  std::vector<Rpc> rpcs;
  std::map<uint64_t, RpcAnswer> answers;
  std::vector<std::pair<uint64_t, uint64_t>> ready;  // join id, rpc id
  std::vector<std::pair<uint64_t, uint64_t>> ready_pairs;  // join id, ping_pairs id
  std::map<uint64_t, std::vector<PairPing>> ping_results;
  PairPing::Result ping_failure = PairPing::Result::kPang;  // what a failing pair answers
  std::function<void(RpcKind)> before_rpc;  // also before the reach check
  std::function<void(const Event&)> before_event;
  std::vector<engine::JoinResult> results;
  std::vector<std::pair<NodeId, NodeId>> connects;  // auto-connects asked: from, to
};

// The Reason of {task_failed, Reason, Info}, or the result as it is.
std::string FailedWith(const std::string& reason) {
  const std::string prefix = "{task_failed,";
  if (reason.rfind(prefix, 0) != 0) return reason;
  const size_t end = reason.find(",#{", prefix.size());
  return reason.substr(prefix.size(), end - prefix.size());
}

bool IsPidNotFound(const engine::JoinResult& r, const std::string& reason) {
  return r.what == engine::JoinResult::What::kPidNotFound && r.reason == reason;
}

TEST(CetsJoinTest, TwoLoneServersMergeAndTheLockIsGivenBack) {
  Harness h(2);
  h.servers.Start(0, "t");
  h.servers.Start(1, "t");
  EXPECT_TRUE(h.JoinOne(0, 1).ok);
  EXPECT_EQ(h.Members(0), (engine::NodeSet{"n0", "n1"}));
  EXPECT_EQ(h.Members(1), (engine::NodeSet{"n0", "n1"}));
  EXPECT_EQ(h.k.counters.merges, 1u);
  EXPECT_EQ(h.k.counters.lock_grants, 1u);
  for (NodeId n = 0; n < 2; ++n) EXPECT_EQ(h.lock.TableOf(n).holder_join, 0u);
  EXPECT_EQ(h.lock.holders(), 0u);
  ASSERT_EQ(h.join.records().size(), 1u);
  EXPECT_EQ(h.join.records()[0].result, "ok");
}

TEST(CetsJoinTest, Step1WhereisFindsNoServerOrNoNode) {
  Harness h(3);
  h.servers.Start(0, "t");
  h.servers.Start(2, "t");
  EXPECT_TRUE(IsPidNotFound(h.JoinOne(0, 1), "undefined"));  // no server on n1
  h.net.Down(0, 2);
  EXPECT_TRUE(IsPidNotFound(h.JoinOne(0, 2), "{badrpc,nodedown}"));
  // Only the local server missing: the rpc's answer, the remote pid.
  EXPECT_TRUE(IsPidNotFound(h.JoinOne(1, 0), "<n0.1>"));
  EXPECT_EQ(h.k.counters.lock_attempts, 0u) << "none of them takes the lock";
}

TEST(CetsJoinTest, Step2AlreadyJoinedIsCheckedBeforeLocking) {
  Harness h(2);
  h.servers.Start(0, "t");
  h.servers.Start(1, "t");
  h.Merge(0, 1);
  const uint64_t attempts = h.k.counters.lock_attempts;
  const engine::JoinResult again = h.JoinOne(1, 0);
  EXPECT_FALSE(again.ok);
  EXPECT_EQ(again.reason, "already_joined") << "comes back bare, not as task_failed";
  EXPECT_EQ(h.k.counters.lock_attempts, attempts);
}

TEST(CetsJoinTest, Step4OverlappingClustersFail) {
  Harness h(3);
  for (NodeId n = 0; n < 3; ++n) h.servers.Start(n, "t");
  // n2 is in both clusters ({n0, n2} and {n1, n2}): a split table.
  const Cluster a = {ServerRef{0, 1}}, b = {ServerRef{1, 1}}, c = {ServerRef{2, 1}};
  h.servers.AddServers("t", a, c);
  h.servers.AddServers("t", c, a);
  h.servers.AddServers("t", b, c);
  const engine::JoinResult r = h.JoinOne(0, 1);
  // cets_long's wrapping, with the pair's pids.
  EXPECT_EQ(r.reason,
            "{task_failed,check_do_not_overlap_failed,#{local_pid=><n0.1>,remote_pid=><n1.1>}}");
  EXPECT_EQ(h.Members(0), (engine::NodeSet{"n0", "n2"}));
}

// check_do_not_overlap (cets_join): a skip only when both clusters are
// equal; a local cluster that holds the remote server but not the same set
// is an overlap. (Both changed between the whereis and the lock: another
// join merged meanwhile.)
TEST(CetsJoinTest, Step4SkipsOnlyWhenBothClustersAreEqual) {
  for (const bool both_ways : {true, false}) {
    Harness h(2);
    h.servers.Start(0, "t");
    h.servers.Start(1, "t");
    h.before_rpc = [&](RpcKind kind) {
      if (kind != RpcKind::kGetCluster) return;
      h.servers.AddServers("t", {ServerRef{0, 1}}, {ServerRef{1, 1}});
      if (both_ways) h.servers.AddServers("t", {ServerRef{1, 1}}, {ServerRef{0, 1}});
    };
    const engine::JoinResult r = h.JoinOne(0, 1);
    if (both_ways) {
      EXPECT_TRUE(r.ok);
      EXPECT_EQ(h.k.counters.lock_skips, 1u);
      EXPECT_EQ(h.k.counters.merges, 0u);
    } else {
      EXPECT_EQ(FailedWith(r.reason), "check_do_not_overlap_failed");
      EXPECT_EQ(h.k.counters.lock_skips, 0u);
    }
  }
}

TEST(CetsJoinTest, Step5EveryPairAcrossTheSidesIsPingedAndOneFailureFails) {
  Harness h(4);
  for (NodeId n = 0; n < 4; ++n) h.servers.Start(n, "t");
  h.Merge(0, 2);
  h.Merge(1, 3);
  h.rpcs.clear();
  h.reach[2 * 4 + 3] = false;  // n2 cannot reach n3
  const engine::JoinResult r = h.JoinOne(0, 1);
  EXPECT_EQ(FailedWith(r.reason), "check_could_reach_each_other_failed");
  // (min, max) pairs across {n0, n2} x {n1, n3}, asked of the smaller node,
  // in order, until one fails.
  std::vector<std::pair<NodeId, NodeId>> pinged;
  for (const auto& rpc : h.rpcs) {
    if (rpc.kind == RpcKind::kPing) pinged.emplace_back(rpc.target, rpc.subject);
  }
  EXPECT_EQ(pinged, (std::vector<std::pair<NodeId, NodeId>>{{0, 1}, {0, 3}, {1, 2}, {2, 3}}));
  EXPECT_EQ(h.Members(0), (engine::NodeSet{"n0", "n2"}));
  EXPECT_EQ(h.lock.TableOf(0).holder_join, 0u) << "the lock is given back";
}

// The reach check is cets_ping:ping_pairs/1 with rpc:call's 10 s timeout:
// {badrpc, timeout} is not pong, so the join fails and gives the lock back
// (discovery retries later).
TEST(CetsJoinTest, Step5ARpcTimeoutFailsTheReachCheckAndReleasesTheLock) {
  Harness h(2);
  h.servers.Start(0, "t");
  h.servers.Start(1, "t");
  h.reach[0 * 2 + 1] = false;
  h.ping_failure = PairPing::Result::kBadRpcTimeout;
  const engine::JoinResult r = h.JoinOne(0, 1);
  EXPECT_EQ(FailedWith(r.reason), "check_could_reach_each_other_failed");
  EXPECT_EQ(h.lock.TableOf(0).holder_join, 0u);
  EXPECT_EQ(h.lock.TableOf(1).holder_join, 0u);
  EXPECT_EQ(h.lock.holders(), 0u);
  EXPECT_EQ(h.Members(0), (engine::NodeSet{"n0"}));
}

TEST(CetsJoinTest, Step6AMemberWhoseClusterChangedFailsTheCheck) {
  Harness h(3);
  for (NodeId n = 0; n < 3; ++n) h.servers.Start(n, "t");
  // While the reach checks run, n1's server learns of n2 (another join).
  h.before_rpc = [&](RpcKind kind) {
    if (kind != RpcKind::kPing) return;
    h.servers.AddServers("t", {ServerRef{1, 1}}, {ServerRef{2, 1}});
    h.before_rpc = nullptr;
  };
  const engine::JoinResult r = h.JoinOne(0, 1);
  EXPECT_EQ(FailedWith(r.reason), "check_fully_connected_failed");
  EXPECT_EQ(h.Members(0), (engine::NodeSet{"n0"}));
}

// check_fully_connected asks every member by a call from X, and
// check_same_join_ref wants one join_ref per side: a merge gives both sides
// the join's new join_ref.
TEST(CetsJoinTest, Step6CallsEveryMemberAndComparesTheirJoinRefs) {
  Harness h(3);
  for (NodeId n = 0; n < 3; ++n) h.servers.Start(n, "t");
  EXPECT_NE(h.servers.Find(1, "t")->join_ref, h.servers.Find(2, "t")->join_ref)
      << "each server starts with a fresh join_ref";
  h.Merge(1, 2);
  EXPECT_EQ(h.servers.Find(1, "t")->join_ref, h.servers.Find(2, "t")->join_ref);
  h.rpcs.clear();
  // n2's join_ref differs from n1's (as after a merge it took part in alone).
  h.servers.SendDump(ServerRef{2, 1}, "t", {}, 999'999);
  EXPECT_EQ(FailedWith(h.JoinOne(0, 1).reason), "check_same_join_ref_failed");
  std::vector<NodeId> asked;
  for (const auto& rpc : h.rpcs) {
    if (rpc.kind == RpcKind::kGetCluster) asked.push_back(rpc.target);
  }
  // The remote side's get_pids, then a call per member: L = {n0}, R = {n1, n2}.
  EXPECT_EQ(asked, (std::vector<NodeId>{1, 0, 1, 2}));
}

// A member X has no connection to is called all the same; when that call
// fails, the join fails with the call's exit reason.
TEST(CetsJoinTest, Step6AFailedCallToAMemberFailsWithItsExitReason) {
  Harness h(3);
  for (NodeId n = 0; n < 3; ++n) h.servers.Start(n, "t");
  h.Merge(1, 2);
  h.net.Down(0, 2);  // X = n0 cannot reach n2 (the fake's auto-connect fails)
  const engine::JoinResult r = h.JoinOne(0, 1);
  EXPECT_EQ(r.reason, "{task_failed,nodedown,#{pid=><n2.1>}}");
}

// After the dumps the consistency check runs again, and then send_dump
// goes to every server; one whose pause is gone (X's connection to its node
// went down and up again since the pause: its pause monitor fired) answers
// {error, ignored} and is left out, and the join still returns ok.
TEST(CetsJoinTest, Step7AServerWhosePauseIsGoneIsLeftOutOfTheMerge) {
  Harness h(3);
  for (NodeId n = 0; n < 3; ++n) h.servers.Start(n, "t");
  h.Merge(1, 2);
  h.before_event = [&](const Event& e) {
    if (e.kind != EventKind::kJoinRpcStep) return;
    h.net.Down(0, 2);
    h.net.Connect(0, 2);
    h.before_event = nullptr;
  };
  h.rpcs.clear();
  const engine::JoinResult r = h.JoinOne(0, 1);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(h.Members(0), (engine::NodeSet{"n0", "n1", "n2"}));
  EXPECT_EQ(h.Members(1), (engine::NodeSet{"n0", "n1", "n2"}));
  EXPECT_EQ(h.Members(2), (engine::NodeSet{"n1", "n2"})) << "n2 was left out";
  // The check ran twice: get_pids(R), then L's and R's members, twice.
  size_t calls = 0;
  for (const auto& rpc : h.rpcs) calls += rpc.kind == RpcKind::kGetCluster ? 1 : 0;
  EXPECT_EQ(calls, 1u + 2 * 3u);
}

// The second check: a cluster that changed while the dumps were taken fails
// the join before anything is merged.
TEST(CetsJoinTest, Step7TheSecondCheckCatchesAClusterChangedDuringTheDumps) {
  Harness h(3);
  for (NodeId n = 0; n < 3; ++n) h.servers.Start(n, "t");
  h.before_event = [&](const Event& e) {
    if (e.kind != EventKind::kJoinRpcStep) return;
    h.servers.AddServers("t", {ServerRef{1, 1}}, {ServerRef{2, 1}});  // another join
    h.before_event = nullptr;
  };
  const engine::JoinResult r = h.JoinOne(0, 1);
  EXPECT_EQ(FailedWith(r.reason), "check_fully_connected_failed");
  EXPECT_EQ(h.Members(0), (engine::NodeSet{"n0"}));
  EXPECT_EQ(h.k.counters.merges, 0u);
}

// cets add_servers monitors each new peer (erlang:monitor): on a node the
// member has no connection to, the monitor makes the member's node
// auto-connect, and only a failed attempt (DOWN noconnection) drops the peer.
TEST(CetsJoinTest, AMonitorOfAServerOnAnUnconnectedNodeConnectsAndOnlyAFailureDropsIt) {
  Harness h(3);
  for (NodeId n = 0; n < 3; ++n) h.servers.Start(n, "t");
  h.net.Down(1, 2);
  h.servers.AddServers("t", {ServerRef{1, 1}}, {ServerRef{2, 1}});
  EXPECT_EQ(h.Members(1), (engine::NodeSet{"n1", "n2"})) << "kept while the monitor connects";
  EXPECT_TRUE(h.servers.MonitorConnecting(1, 2));
  h.Run();
  ASSERT_EQ(h.connects.size(), 1u);
  EXPECT_EQ(h.connects[0], (std::pair<NodeId, NodeId>{1, 2}));
  EXPECT_NE(h.net.ConnId(1, 2), 0u) << "the monitor's auto-connect";
  EXPECT_EQ(h.Members(1), (engine::NodeSet{"n1", "n2"}));
  EXPECT_FALSE(h.servers.MonitorConnecting(1, 2));

  // n2 unreachable from n1: the attempt fails, the monitor fires noconnection.
  h.net.Down(1, 2);
  h.reach[1 * 3 + 2] = false;
  h.servers.Start(1, "t");
  h.servers.AddServers("t", {ServerRef{1, 1}}, {ServerRef{2, 1}});
  h.Run();
  EXPECT_EQ(h.connects.size(), 2u);
  EXPECT_EQ(h.Members(1), (engine::NodeSet{"n1"}));
  EXPECT_FALSE(h.servers.MonitorConnecting(1, 2));
}

}  // namespace
}  // namespace discosim::world
