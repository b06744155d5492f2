// The join lock, driven alone over a fake network.
//
// 1. Each node's lock table against a tiny model (std::map node -> holder)
//    under random request / release / nodedown / reconnect sequences: a
//    global server grants when its table is free or already the requester's,
//    a release by the holder frees it, a request from a node it no longer
//    counts as connected is void, and a nodedown of the holder's node frees
//    it. The model keeps each server's ops in arrival order (the server
//    handles them one at a time, FIFO).
// 2. Whole transactions between four nodes: joins on random nodes take the
//    lock over [node() | nodes()] again and again under random delivery
//    orders; at most one holds it at a time, and each gets it in the end.
// 3. set_lock_on_nodes' local check (only for a list of more than one node)
//    and trans/4's release to every node of the list (auto-connecting).
#include "sim/world/join_lock.h"

#include <deque>
#include <map>
#include <set>
#include <utility>
#include <variant>
#include <vector>

#include "gtest/gtest.h"
#include "sim/world/join_test_util.h"
#include "sim/world/random.h"

namespace discosim::world {
namespace {

using test_util::FakeNet;

struct Owner : JoinLock::Owner {
  std::set<uint64_t> holding;
  std::vector<uint64_t> acquired, released;
  size_t overlaps = 0;  // acquisitions while another join held it
  void LockAttempted(uint64_t) override {}
  void LockAborted(uint64_t) override {}
  void LockAcquired(uint64_t join_id) override {
    if (!holding.empty()) ++overlaps;
    holding.insert(join_id);
    acquired.push_back(join_id);
  }
  void LockReleased(uint64_t join_id) override { released.push_back(join_id); }
};

struct Harness {
  explicit Harness(uint32_t n) : k(test_util::KernelConfig(n)), net(n), lock(k) {
    test_util::AddRunningNodes(k);
    JoinLock::Ports ports;
    ports.conn_id = [this](NodeId x, NodeId y) { return net.ConnId(x, y); };
    ports.hidden = [](NodeId, NodeId) { return false; };
    ports.send = [this](NodeId from, NodeId to, Payload p) { net.Send(from, to, std::move(p)); };
    ports.hop_us = [](NodeId) { return int64_t{0}; };
    ports.core_wait_us = [](NodeId) { return int64_t{0}; };
    ports.add_spinner = [](NodeId, int) {};
    ports.auto_connect = [this](NodeId x, NodeId y, Cont) { connects.push_back({x, y}); };
    lock.Build(n, std::move(ports), &owner);
  }
  // Delivers the first message on its way from `from` to `to`.
  void DeliverFrom(NodeId from, NodeId to) {
    auto it = net.on_way.find({from, to});
    ASSERT_NE(it, net.on_way.end()) << "nothing on its way " << from << "->" << to;
    const NetMsg m = it->second.front();
    it->second.pop_front();
    if (it->second.empty()) net.on_way.erase(it);
    Deliver(m);
  }
  // Everything on its way and every event, until nothing is left (or `steps`).
  void Settle(int steps = 1'000) {
    for (int i = 0; i < steps; ++i) {
      if (!net.Idle()) {
        Deliver(net.Take(0));
      } else if (!k.queue.empty()) {
        Dispatch(test_util::PopEvent(k));
      } else {
        return;
      }
    }
  }
  std::vector<std::pair<NodeId, NodeId>> connects;  // auto-connects asked: from, to
  void Deliver(const NetMsg& m) {
    if (const auto* p = std::get_if<msg::LockRequest>(&m.payload)) lock.OnRequest(m, *p);
    if (const auto* p = std::get_if<msg::LockReply>(&m.payload)) lock.OnReply(m, *p);
    if (const auto* p = std::get_if<msg::LockRelease>(&m.payload)) lock.OnReleaseMsg(m, *p);
  }
  void Dispatch(const Event& e) {
    switch (e.kind) {
      case EventKind::kLockServe: lock.OnServe(e); break;
      case EventKind::kLockLocalReply: lock.OnLocalReply(e); break;
      case EventKind::kLockRetry: lock.OnRetry(e); break;
      default: FAIL() << "an event the lock does not make";
    }
  }
  Kernel k;
  FakeNet net;
  Owner owner;
  JoinLock lock;
};

struct TableModel {
  struct Op {
    bool release;
    uint64_t join_id;
    NodeId requester;
  };
  std::map<NodeId, std::pair<uint64_t, NodeId>> holder;  // node -> (join, its node)
  std::map<NodeId, std::deque<Op>> arrived;              // per server, in arrival order
  uint64_t HolderOf(NodeId n) const {
    auto it = holder.find(n);
    return it == holder.end() ? 0 : it->second.first;
  }
};

TEST(JoinLockTest, LockTablesFollowTheModelUnderRandomRequestsReleasesAndNodedowns) {
  constexpr uint32_t kNodes = 4;
  size_t voids = 0;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    Harness h(kNodes);
    h.net.ConnectAll();
    TableModel model;
    Rng rng = Rng::ForStream(seed, Subsystem::kLockBackoff, 99);
    size_t grants = 0, refusals = 0;
    for (int step = 0; step < 300; ++step) {
      const NodeId x = static_cast<NodeId>(rng.Range(0, kNodes - 1));
      const NodeId y = static_cast<NodeId>((x + 1 + rng.Range(0, kNodes - 2)) % kNodes);
      const uint64_t join_id = 1 + static_cast<uint64_t>(rng.Range(0, 2)) * kNodes + x;
      const int64_t what = rng.Range(0, 9);
      if (what <= 3 && h.net.ConnId(x, y) != 0) {  // x's join asks y's server
        const bool release = what == 3;
        const NetMsg m{x, y, h.net.ConnId(x, y), {}};
        if (release) {
          h.lock.OnReleaseMsg(m, msg::LockRelease{join_id, 1});
        } else {
          h.lock.OnRequest(m, msg::LockRequest{join_id, 1});
        }
        model.arrived[y].push_back({release, join_id, x});
      } else if (what <= 7 && !h.k.queue.empty()) {  // a server handles its next op
        const size_t sent_before = h.net.sent.size();
        const Event e = test_util::PopEvent(h.k);
        ASSERT_EQ(e.kind, EventKind::kLockServe);
        const NodeId s = e.node;
        ASSERT_FALSE(model.arrived[s].empty());
        const TableModel::Op op = model.arrived[s].front();
        model.arrived[s].pop_front();
        h.lock.OnServe(e);
        if (h.net.ConnId(s, op.requester) == 0) {
          EXPECT_EQ(h.net.sent.size(), sent_before) << "a void request was answered";
          ++voids;
        } else {
          ASSERT_EQ(h.net.sent.size(), sent_before + 1);
          const auto& reply = std::get<msg::LockReply>(h.net.sent.back().payload);
          EXPECT_EQ(reply.release_ack, op.release);
          if (op.release) {
            if (model.HolderOf(s) == op.join_id) model.holder.erase(s);
          } else {
            const bool free = model.HolderOf(s) == 0 || model.HolderOf(s) == op.join_id;
            EXPECT_EQ(reply.granted, free) << "seed " << seed << " step " << step;
            if (free) model.holder[s] = {op.join_id, op.requester};
            (free ? grants : refusals) += 1;
          }
        }
      } else if (what == 8 && h.net.ConnId(x, y) != 0) {  // the connection x-y goes down
        h.net.Down(x, y);
        h.lock.OnNodedown(x, y);
        h.lock.OnNodedown(y, x);
        for (auto [a, b] : {std::pair{x, y}, std::pair{y, x}}) {
          auto it = model.holder.find(a);
          if (it != model.holder.end() && it->second.second == b) model.holder.erase(it);
        }
      } else if (what == 9 && h.net.ConnId(x, y) == 0) {
        h.net.Connect(x, y);
      }
      for (NodeId n = 0; n < kNodes; ++n) {
        ASSERT_EQ(h.lock.TableOf(n).holder_join, model.HolderOf(n))
            << "seed " << seed << " step " << step << " node " << n;
      }
    }
    EXPECT_GT(grants, 0u);
    EXPECT_GT(refusals, 0u);
  }
  EXPECT_GT(voids, 0u);
}

// Four nodes, one join on each of three of them (and a second on one),
// each taking the lock five times; messages and the servers' events in a
// random order.
TEST(JoinLockTest, TransactionsExcludeEachOtherAndEveryJoinGetsTheLock) {
  constexpr uint32_t kNodes = 4;
  constexpr int kRounds = 5;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    Harness h(kNodes);
    h.net.ConnectAll();
    Rng rng = Rng::ForStream(seed, Subsystem::kLockBackoff, 98);
    const std::map<uint64_t, NodeId> joins = {{10, 0}, {11, 1}, {12, 2}, {13, 2}};
    std::map<uint64_t, int> rounds;
    for (const auto& [join_id, node] : joins) h.lock.Acquire(join_id, node, node);
    for (int step = 0; step < 200'000; ++step) {
      // A holder gives the lock back at a random later step.
      if (!h.owner.holding.empty() && rng.Chance(1, 4)) {
        const uint64_t holder = *h.owner.holding.begin();
        ASSERT_TRUE(h.lock.Held(holder));
        h.owner.holding.erase(holder);
        h.lock.Release(holder);
        continue;
      }
      if (!h.owner.released.empty()) {
        const uint64_t done = h.owner.released.back();
        h.owner.released.pop_back();
        if (++rounds[done] < kRounds) h.lock.Acquire(done, joins.at(done), joins.at(done));
        continue;
      }
      if (!h.net.Idle() && (h.k.queue.empty() || rng.Chance(1, 2))) {
        h.Deliver(h.net.Take(static_cast<size_t>(rng.Range(0, 7))));
      } else if (!h.k.queue.empty()) {
        h.Dispatch(test_util::PopEvent(h.k));
      } else if (h.owner.holding.empty()) {
        break;
      }
    }
    EXPECT_EQ(h.owner.overlaps, 0u) << "seed " << seed;
    for (const auto& [join_id, node] : joins) {
      EXPECT_EQ(rounds[join_id], kRounds) << "seed " << seed << " join " << join_id;
    }
    EXPECT_EQ(h.lock.holders(), 0u);
    EXPECT_EQ(h.lock.contenders(), 0u);
    for (NodeId n = 0; n < kNodes; ++n) EXPECT_EQ(h.lock.TableOf(n).holder_join, 0u);
    EXPECT_GT(h.k.counters.lock_aborts, 0u) << "no contention: the test proves little";
  }
}

// global's local_lock_check looks at the own node's table first only when
// the list has more than one node: a list of one ([node()] with no
// connections) goes to its own global server every time, and a refusal
// there is an aborted attempt (no local wait).
TEST(JoinLockTest, AListOfOneNodeAsksItsOwnGlobalServerEvenWhenItsTableIsHeld) {
  Harness h(2);  // no connections: every list is [node()]
  h.lock.Acquire(10, 0, 0);
  h.Settle();
  ASSERT_TRUE(h.lock.Held(10));
  h.lock.Acquire(11, 0, 0);
  EXPECT_EQ(h.k.counters.lock_local_waits, 0u);
  ASSERT_FALSE(h.k.queue.empty()) << "no request to the own global server";
  const Event first = test_util::PopEvent(h.k);
  EXPECT_EQ(first.kind, EventKind::kLockServe);
  h.Dispatch(first);
  h.Settle(20);  // refused, aborted, asked again after the pause, ...
  EXPECT_GE(h.k.counters.lock_aborts, 2u);
  EXPECT_FALSE(h.lock.Held(11));
  h.owner.holding.erase(10);
  h.lock.Release(10);
  for (int i = 0; i < 100 && !h.lock.Held(11); ++i) h.Settle(1);
  EXPECT_TRUE(h.lock.Held(11));
  EXPECT_EQ(h.k.counters.lock_local_waits, 0u);

  // A list of two looks at its own table first and waits on it, asking no one.
  Harness g(2);
  g.net.ConnectAll();
  g.lock.Acquire(10, 0, 0);
  g.Settle();
  ASSERT_TRUE(g.lock.Held(10));
  const size_t sent = g.net.sent.size();
  g.lock.Acquire(11, 0, 0);
  EXPECT_EQ(g.k.counters.lock_local_waits, 1u);
  EXPECT_EQ(g.net.sent.size(), sent);
  EXPECT_TRUE(g.k.queue.empty());
}

// trans/4 releases with del_lock(Id, Nodes): every node of the attempt's
// list, also one that went down before it answered. The multi_call monitors
// its global server, which makes the node auto-connect, and the release
// waits for that (then for the answer, or counts the node as gone).
TEST(JoinLockTest, TheReleaseAfterATransactionGoesToEveryNodeOfTheList) {
  for (const bool reconnects : {true, false}) {
    Harness h(3);
    h.net.ConnectAll();
    h.lock.Acquire(10, 0, 0);  // asks n0 (own), n1, n2
    h.DeliverFrom(0, 1);
    while (!h.k.queue.empty()) h.Dispatch(test_util::PopEvent(h.k));  // n0 and n1 grant
    h.DeliverFrom(1, 0);
    // n2 is lost before it answers: the attempt no longer waits for it.
    h.net.Down(0, 2);
    h.lock.OnNodedown(0, 2);
    h.lock.OnNodedown(2, 0);
    ASSERT_TRUE(h.lock.Held(10));
    h.owner.holding.erase(10);
    h.lock.Release(10);
    ASSERT_EQ(h.connects.size(), 1u) << "no release to n2";
    EXPECT_EQ(h.connects[0], (std::pair<NodeId, NodeId>{0, 2}));
    h.Settle();  // n0 and n1 confirm
    EXPECT_TRUE(h.owner.released.empty()) << "released before n2's monitor answered";
    EXPECT_EQ(h.lock.TableOf(1).holder_join, 0u);
    if (reconnects) {
      h.net.Connect(0, 2);
      h.lock.OnReleaseConnect(0, 2, 10, true);
      ASSERT_FALSE(h.net.on_way.empty()) << "no del_lock to n2 once connected";
      EXPECT_TRUE(std::holds_alternative<msg::LockRelease>(h.net.sent.back().payload));
      EXPECT_EQ(h.net.sent.back().to, 2u);
      h.Settle();
    } else {
      h.lock.OnReleaseConnect(0, 2, 10, false);  // DOWN noconnection
    }
    EXPECT_EQ(h.owner.released, (std::vector<uint64_t>{10}));
  }
}

}  // namespace
}  // namespace discosim::world
