// The recording side of the observation stream (observations.h): the world
// calls one method where it does the thing (a node starts, a connection end
// comes up, a pair stops reaching each other, ...) and the log appends the
// record or closes the one still open. It keeps, beside the records, which
// record of each node, end or pair is open, so every call is a cheap append
// or an indexed update. It never writes the trace: recording moves no hash.
//
//   ObservationLog log;
//   log.Build(names);                    // node names in index order
//   log.NodeStarted(0, 1, 10);
//   log.ConnectionUp(0, 1, 12);
//   log.ConnectionDown(0, 1, 20, DownCause::kClosed);
//   const Observations& seen = log.observed();
#ifndef DISCOSIM_SIM_WORLD_OBSERVATION_LOG_H_
#define DISCOSIM_SIM_WORLD_OBSERVATION_LOG_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/world/world.h"  // DiscoveryStatus; observations.h after config.h's names

namespace discosim::world {

class ObservationLog {
 public:
  static constexpr size_t kNone = SIZE_MAX;

  // Sizes the per-node and per-pair indexes; names are in index order.
  void Build(std::vector<NodeName> names);
  const Observations& observed() const { return observed_; }

  // --- Nodes.
  void NodeStarted(NodeIndex node, uint32_t incarnation, TimeMs at_ms);
  // Closes the node's run, its connection ends (kStopped) and leaves its
  // pending get_nodes call unanswered.
  void NodeStopped(NodeIndex node, TimeMs at_ms);

  // --- get_nodes (at most one call per node is pending at a time).
  void GetNodesStarted(NodeIndex node, uint32_t incarnation, TimeMs at_ms, bool error);
  void GetNodesAnswered(NodeIndex node, TimeMs at_ms);

  // --- cets_ping: PingStarted returns the record, PingEnded closes it.
  size_t PingStarted(NodeIndex node, NodeIndex peer, Observations::Ping::For purpose,
                     TimeMs at_ms);
  void PingEnded(size_t ping, TimeMs at_ms, bool pong);

  // --- Connection ends (node's end of its connection to peer).
  void ConnectionUp(NodeIndex node, NodeIndex peer, TimeMs at_ms);
  void ConnectionDown(NodeIndex node, NodeIndex peer, TimeMs at_ms, DownCause cause);

  // --- Reachability: whether the pair (a, b) is apart for `why` now. A
  // change opens or closes a spell; `action` is the Schedule call that did it.
  void SetApart(NodeIndex a, NodeIndex b, Observations::Apart::Why why, bool apart,
                TimeMs at_ms, int64_t action);
  // A partition replaces the open band (groups: the listed ones, then the
  // unlisted nodes); EndPartition closes it (heal).
  void StartPartition(std::vector<std::vector<NodeIndex>> groups, TimeMs at_ms, int64_t action);
  void EndPartition(TimeMs at_ms);

  // --- Faults. Each kind has at most one open record per node (a backend
  // failure window one per form: {count} and {until}); setting a kind closes
  // the open one and opens the new one if it is a fault at all.
  void SetDns(NodeIndex node, TimeMs delay_ms, bool fails, TimeMs at_ms, int64_t action);
  void SetSlowConnect(NodeIndex node, TimeMs delay_ms, TimeMs at_ms, int64_t action);
  void SetBackendErrors(NodeIndex node, double error_rate, TimeMs at_ms, int64_t action);
  void SetBackendFailCount(NodeIndex node, int64_t count, TimeMs at_ms, int64_t action);
  // The call that used the last failure of a {count} window answers at answer_ms.
  void BackendFailCountUsed(NodeIndex node, TimeMs answer_ms);
  void SetBackendFailUntil(NodeIndex node, TimeMs until_ms, TimeMs at_ms, int64_t action);

  // --- Discovery status at the end of an instant (one entry per node per
  // instant; a later look at the same instant replaces that instant's
  // entries, which are the tail of the list).
  void BeginStatusInstant(TimeMs at_ms);
  void NoteStatus(NodeIndex node, const DiscoveryStatus& status);
  // Each node's own status changes, for World::StatusChanges.
  const std::vector<DiscoveryStatus>& StatusOf(NodeIndex node) const;

 private:
  size_t PairIndex(NodeIndex a, NodeIndex b) const { return static_cast<size_t>(a) * n_ + b; }
  void CloseFault(size_t& open, TimeMs at_ms);
  size_t AddFault(Observations::Fault fault);

  Observations observed_;
  size_t n_ = 0;
  std::vector<size_t> open_run_;       // by node
  std::vector<size_t> open_get_nodes_; // by node
  std::vector<size_t> open_end_;       // by node * n + peer
  std::vector<size_t> open_apart_;     // by (a * n + b) * 2 + why
  size_t open_band_ = kNone;
  std::vector<size_t> open_dns_, open_slow_, open_errors_, open_fail_count_, open_fail_until_;
  std::vector<std::vector<DiscoveryStatus>> status_by_node_;
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_OBSERVATION_LOG_H_
