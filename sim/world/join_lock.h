// The join lock: global's lock {cets_discovery, JoinPid}, as cets 0.2.0 takes
// it around each join: global:trans({cets_discovery, self()}, F,
// [node() | nodes()], 0) in a loop that re-asks when it is aborted. One
// attempt (global's set_lock_on_nodes): if the list has more than one node
// and the own node's lock table shows the lock held by another requester,
// fail without sending anything (local_lock_check; the caller spins on
// that: kWait); otherwise ask every node of the list (own node first, its
// own global server even when it is the only one) and wait for all answers.
// Each node's global server handles requests and releases one at a time, in
// arrival order, and grants when the lock is free or already the
// requester's. Any refusal: release the partial grants (check_replies: a
// multi_call to the nodes that granted), then re-ask. After the transaction
// trans/4's del_lock goes to every node of the attempt's list. A release to
// a node it has no connection to any more first auto-connects (multi_call
// monitors the remote server; dist_auto_connect decides) and counts as
// answered when that fails. The what-if options change only this loop
// (LockConfig).
//
// Owns: each node's lock table (holder, local waiters), its global server's
// queue of lock operations, each node's lock random stream, the lock state of
// every join task (keyed by join id: phase, attempt, grants, answers and
// release acks awaited, spinning / sleeping), and the lock time accounting.
// Touches: the kernel (clock, events, ids, counters, trace notes, node
// table), through Ports the network (connections, visibility, sends) and the
// CPU model (hops, waits for a core, spinners), and its Owner (the join task).
// Called by: the join task (Acquire, Release, Drop, Forget), the world's
// dispatch (its events, its messages), the nodedown listener, node start /
// stop, and the CPU model (ServerBusy).
#ifndef DISCOSIM_SIM_WORLD_JOIN_LOCK_H_
#define DISCOSIM_SIM_WORLD_JOIN_LOCK_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/container/btree_map.h"
#include "sim/world/event.h"
#include "sim/world/kernel.h"
#include "sim/world/messages.h"
#include "sim/world/random.h"

namespace discosim::world {

class JoinLock {
 public:
  enum class Phase {
    kNone,     // not asking, not holding
    kWait,     // own node's table held by another: spinning or sleeping
    kAttempt,  // requests out to every node of the list
    kAbort,    // refused somewhere: releasing the partial grants
    kBackoff,  // a pause after a failed attempt
    kHeld,     // granted everywhere
    kRelease,  // releasing the grants after the transaction
  };
  static bool Contending(Phase phase);

  struct Ports {
    std::function<uint64_t(NodeId x, NodeId y)> conn_id;  // 0: x does not count y up
    std::function<bool(NodeId x, NodeId y)> hidden;
    // Over an existing connection only.
    std::function<void(NodeId from, NodeId to, Payload payload)> send;
    std::function<int64_t(NodeId n)> hop_us;        // a process on n handles a message
    std::function<int64_t(NodeId n)> core_wait_us;  // waiting for a core on n's host
    std::function<void(NodeId n, int delta)> add_spinner;  // n's host's spinners
    // An implicit connect (dist_auto_connect applies); `waiter` resumes
    // with 1 when connected.
    std::function<void(NodeId n, NodeId target, Cont waiter)> auto_connect;
  };
  // The join task: told what became of its requests.
  struct Owner {
    virtual ~Owner() = default;
    virtual void LockAttempted(uint64_t join_id) = 0;
    virtual void LockAborted(uint64_t join_id) = 0;
    virtual void LockAcquired(uint64_t join_id) = 0;
    // After Release: every grant given back.
    virtual void LockReleased(uint64_t join_id) = 0;
  };

  // A node's lock table.
  struct Table {
    uint64_t holder_join = 0;  // 0: free
    NodeId holder_node = kNoNode;
    std::vector<uint64_t> waiters;  // local joins waiting for a release
  };
  // The lock as one join task (on `node`) asks for it.
  struct Request {
    NodeId node = kNoNode;
    NodeId peer = kNoNode;  // the pair's peer, for the trace
    Phase phase = Phase::kNone;
    uint64_t token = 0;  // bumped on every phase change; stale retries compare it
    uint32_t attempt = 0;
    bool held = false;
    std::vector<NodeId> list;        // the attempt's nodes (own first): set_lock's Nodes
    std::vector<NodeId> granted;     // nodes (own included) that granted this attempt
    std::vector<NodeId> waiting;     // nodes yet to answer this attempt
    std::vector<NodeId> acks;        // nodes yet to confirm a release
    std::vector<NodeId> connecting;  // release targets being auto-connected to
    bool denied = false;
    bool spinning = false;       // counted in its host's spinners
    int64_t phase_since_us = 0;  // when the current phase began
    int64_t sleep_phase_us = 0;  // LockWait::kSleep: when its sleeps started
  };

  explicit JoinLock(Kernel& kernel) : k_(kernel) {}
  void Build(uint32_t n_nodes, Ports ports, Owner* owner);

  // The join task's requests.
  void Acquire(uint64_t join_id, NodeId node, NodeId peer);
  void Release(uint64_t join_id);  // gives back a held lock; then Owner::LockReleased
  bool Held(uint64_t join_id) const;
  // The join's node stopped: out of the accounting and its host's spinners.
  void Drop(uint64_t join_id);
  void Forget(uint64_t join_id) { requests_.erase(join_id); }  // the join task ended

  // Its events and messages.
  void OnServe(const Event& event);
  void OnLocalReply(const Event& event);
  void OnRetry(const Event& event);
  void OnRequest(const NetMsg& m, const msg::LockRequest& req);
  void OnReply(const NetMsg& m, const msg::LockReply& reply);
  void OnReleaseMsg(const NetMsg& m, const msg::LockRelease& release);
  void OnNodedown(NodeId x, NodeId y);
  // ContKind::kLockReleaseConnect: node = the join's node, peer = the
  // release's target, id = join; connected or not.
  void OnReleaseConnect(NodeId x, NodeId y, uint64_t join_id, bool connected);
  // A node's global server starts afresh (start) or is gone (stop).
  void ClearNode(NodeId n);

  // The CPU model: is n's global server handling an op now?
  bool ServerBusy(NodeId n) const { return servers_[n].busy_until_us > k_.now_us(); }
  const Table& TableOf(NodeId n) const { return servers_[n].table; }
  const absl::btree_map<uint64_t, Request>& requests() const { return requests_; }
  uint32_t holders() const { return holders_; }
  uint32_t contenders() const { return contenders_; }
  // The counters with the lock time accounted up to now (Counters::lock_held_us,
  // lock_free_contended_us), without touching the room's own accounting.
  Counters CountersNow(Counters counters) const;
  // For tests of the invariant checks.
  void MiscountHoldersForTest(int delta) { holders_ += delta; }

 private:
  struct Op {  // a request or release waiting in a node's global server
    bool release = false;
    uint64_t join_id = 0;
    uint32_t attempt = 0;
    NodeId requester = kNoNode;
    NodeId server = kNoNode;
    uint32_t server_incarnation = 0;
  };
  struct Server {
    Table table;
    int64_t busy_until_us = 0;  // it handles lock ops one at a time
  };

  void SetPhase(Request& r, Phase phase);
  void SetSpinning(Request& r, bool spinning);
  void Account();  // accumulates held / free-while-contended time up to now
  void EndHold(Request& r);
  void GiveBack(uint64_t join_id, Phase next);
  void Attempt(uint64_t join_id);
  void WaitLocally(Request& r, uint64_t join_id);
  void Enqueue(NodeId server, Op op);
  void ReleaseTo(uint64_t join_id, NodeId from, uint32_t attempt);
  void Answer(uint64_t join_id, uint32_t attempt, NodeId from, bool granted, bool release_ack);
  void Acked(uint64_t join_id, uint32_t attempt, NodeId from);
  void Decide(uint64_t join_id);
  void ReleaseAll(uint64_t join_id, std::vector<NodeId> targets);
  void Released(uint64_t join_id);
  void Free(NodeId n);
  int64_t WakeUs(Request& r, NodeId n);

  Kernel& k_;
  Ports ports_;
  Owner* owner_ = nullptr;
  uint32_t n_nodes_ = 0;
  std::vector<Server> servers_;  // by node
  std::vector<Rng> rngs_;        // by node: the retry pause (Subsystem::kLockBackoff)
  absl::btree_map<uint64_t, Request> requests_;
  absl::btree_map<uint64_t, Op> ops_;
  uint32_t holders_ = 0;
  uint32_t contenders_ = 0;
  int64_t accounted_us_ = 0;
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_JOIN_LOCK_H_
