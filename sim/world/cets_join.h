// The join task discovery starts (cets_join as cets_discovery calls it): for
// each (node, table) pair in turn, its steps:
//   1. whereis the remote server (an rpc; an auto-connect if not connected),
//   2. already in one cluster: checked before locking,
//   3. the global lock (join_lock.h),
//   4. get_cluster of the remote side (an rpc): same cluster -> a skip,
//      overlapping -> an error,
//   5. every node of one side can reach every node of the other (pings),
//   6. each side consistent,
//   7. the merge (pause, exchange, resume; cets add_servers on each side),
//   8. the pair's result; the lock given back.
// The what-if lock loop (action::LockLoop) is a join task that takes the
// lock and gives it back, forever.
//
// Owns: the join tasks (keyed by join id: pairs, results, the pair in
// progress, its stage and snapshots) and the join records (World::Joins).
// Touches: the kernel (clock, events, ids, counters, trace notes, node
// table), the table servers (cets_server.h), the join lock (join_lock.h),
// and through Ports rpc, the network (connections, latencies), the CPU model
// and discovery (where the results go).
// Called by: discovery (Start, and Orphan when its process dies), the
// lock-loop action, the world's dispatch (its timers and rpc steps, its rpc
// answers), node stop, and the lock (as its Owner).
#ifndef DISCOSIM_SIM_WORLD_CETS_JOIN_H_
#define DISCOSIM_SIM_WORLD_CETS_JOIN_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "engine/engine.h"
#include "engine/types.h"
#include "sim/world/cets_ping.h"
#include "sim/world/cets_server.h"
#include "sim/world/event.h"
#include "sim/world/join_lock.h"
#include "sim/world/kernel.h"
#include "sim/world/messages.h"
#include "sim/world/world.h"

namespace discosim::world {

struct JoinTask {
  enum class Stage {
    kWhereis,
    kLocking,      // the lock room asks for the lock (join_lock.h)
    kRecheck,      // what-if: the local already-joined check after acquiring
    kGetCluster,
    kSkip,         // both sides already merged: the rest of the skip's rpcs
    kReach,
    kConsistency,
    kCopy,         // the merge's sequential rpcs, then the rows
    kUnlocking,    // the lock room gives the lock back after the pair
  };
  NodeId node = kNoNode;
  uint32_t incarnation = 0;
  std::vector<engine::JoinPair> pairs;
  size_t index = 0;
  std::vector<engine::JoinResult> results;
  // The pair in progress.
  Stage stage = Stage::kWhereis;
  uint64_t token = 0;  // bumped on every stage change; stale timers compare it
  NodeId peer = kNoNode;
  TableName table;
  ServerRef remote;
  Cluster local_cluster;
  Cluster remote_cluster;
  std::vector<std::pair<NodeId, NodeId>> reach_pairs;
  std::vector<std::pair<NodeId, uint64_t>> member_conns;  // step 7: node -> conn at X
  // check_fully_connected, a call per member (L's, then R's).
  int check_pass = 0;                  // 1: step 6; 2: again in step 7, after the dumps
  std::vector<ServerRef> check_members;
  size_t check_index = 0;              // the member whose call is out
  bool check_lists_equal = true;       // every answer so far equals its side's set
  std::vector<uint64_t> check_refs;    // the join_refs of the side being checked
  size_t record = 0;        // index into the join records
  int64_t rpcs_left = 0;    // kCopy / kSkip: sequential rpcs still to make
  size_t rpc_target = 0;    // kCopy: the member the next rpc goes to
  bool rows_copied = false; // kCopy: the rpcs are done, the rows are being copied
  bool lock_loop = false;   // action::LockLoop: take and give back the lock forever
  bool orphan = false;      // its discovery process died: its results go to no one
};

class CetsJoin : public JoinLock::Owner {
 public:
  struct Ports {
    // rpc: a call from caller to target resumed as `owner` with the rpc id;
    // the answer is taken once.
    std::function<uint64_t(NodeId caller, NodeId target, msg::RpcRequest request, Cont owner)>
        start_rpc;
    std::function<RpcAnswer(uint64_t rpc_id)> take_rpc_answer;
    // cets_ping:ping_pairs/1 from n (one rpc with a 10 s timeout per pair,
    // stopping at the first that is not pong), resumed as `owner` with the
    // task's id; the results are taken once.
    std::function<uint64_t(NodeId n, std::vector<std::pair<NodeId, NodeId>> pairs, Cont owner)>
        start_ping_pairs;
    std::function<std::vector<PairPing>(uint64_t id)> take_ping_pairs;
    std::function<uint64_t(NodeId x, NodeId y)> conn_id;  // 0: x does not count y up
    std::function<int64_t(NodeId x, NodeId y)> latency_us;
    std::function<int64_t(NodeId caller, NodeId target)> rpc_us;  // one sequential rpc
    std::function<int64_t(NodeId n)> hop_us;
    // The task is over: its results go to n's discovery.
    std::function<void(NodeId n, std::vector<engine::JoinResult> results)> finished;
  };

  CetsJoin(Kernel& kernel, CetsServers& servers, JoinLock& lock)
      : k_(kernel), servers_(servers), lock_(lock) {}
  void Build(Ports ports) { ports_ = std::move(ports); }

  void Start(NodeId n, std::vector<engine::JoinPair> pairs);
  void StartLockLoop(NodeId n);
  // Its events and rpc answers.
  void OnRpc(uint64_t join_id, uint64_t rpc_id);
  void OnPingPairs(uint64_t join_id, uint64_t task_id);  // step 5's answers
  void OnTimer(const Event& event);    // routes to the two timed stages
  void OnRpcStep(const Event& event);  // one of the sequential rpcs is done
  // n stopped: its tasks end with it.
  void NodeStopped(NodeId n);
  // n's discovery process died (a backend crash): in CETS its join task,
  // spawn_linked, dies with it; here the task runs to its end and its
  // results are dropped (an approximation: the world cannot stop a join
  // halfway through its steps).
  void Orphan(NodeId n);

  const std::vector<JoinRecord>& records() const { return records_; }
  const absl::btree_map<uint64_t, JoinTask>& tasks() const { return joins_; }

  // JoinLock::Owner.
  void LockAttempted(uint64_t join_id) override;
  void LockAborted(uint64_t join_id) override;
  void LockAcquired(uint64_t join_id) override;
  void LockReleased(uint64_t join_id) override;

 private:
  void SetStage(JoinTask& join, JoinTask::Stage stage);
  void NextPair(uint64_t join_id);
  void OnWhereis(uint64_t join_id, const RpcAnswer& answer);
  void OnGetCluster(uint64_t join_id, const RpcAnswer& answer);
  void AfterLock(uint64_t join_id);
  void StartCheck(uint64_t join_id, int pass);
  void CheckNext(uint64_t join_id);
  void OnCheckAnswer(uint64_t join_id, const RpcAnswer& answer);
  bool CheckSideDone(JoinTask& join, uint64_t join_id);  // false: the pair failed
  void BeginMerge(uint64_t join_id);
  void Merge(uint64_t join_id);             // step 7's rows copied
  bool MemberAlive(const JoinTask& join, const ServerRef& ref) const;
  void RpcSteps(JoinTask& join, uint64_t join_id, JoinTask::Stage stage, int64_t rpcs);
  void Recheck(uint64_t join_id);
  void FinishPair(uint64_t join_id, engine::JoinResult result);
  int64_t CopyUs(const TableName& table) const;  // step 7's copy
  std::string PidText(const ServerRef& ref) const;
  engine::JoinResult TaskFailed(const JoinTask& join, const std::string& reason) const;
  engine::JoinResult CallFailed(const JoinTask& join, const std::string& reason,
                                const ServerRef& called) const;
  JoinRecord& RecordOf(uint64_t join_id) { return records_[joins_.at(join_id).record]; }

  Kernel& k_;
  CetsServers& servers_;
  JoinLock& lock_;
  Ports ports_;
  absl::btree_map<uint64_t, JoinTask> joins_;
  std::vector<JoinRecord> records_;
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_CETS_JOIN_H_
