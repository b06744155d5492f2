// The observation stream's recording side (see observation_log.h).
#include "sim/world/observation_log.h"

#include <algorithm>
#include <utility>

namespace discosim::world {

void ObservationLog::Build(std::vector<NodeName> names) {
  n_ = names.size();
  observed_ = Observations{};
  observed_.node_names = std::move(names);
  open_run_.assign(n_, kNone);
  open_get_nodes_.assign(n_, kNone);
  open_end_.assign(n_ * n_, kNone);
  open_apart_.assign(n_ * n_ * 2, kNone);
  open_band_ = kNone;
  for (auto* index : {&open_dns_, &open_slow_, &open_errors_, &open_fail_count_,
                      &open_fail_until_}) {
    index->assign(n_, kNone);
  }
  status_by_node_.assign(n_, {});
}

// ---------------------------------------------------------------------------
// Nodes and get_nodes.

void ObservationLog::NodeStarted(NodeIndex node, uint32_t incarnation, TimeMs at_ms) {
  open_run_[node] = observed_.runs.size();
  observed_.runs.push_back(Observations::NodeRun{node, incarnation, at_ms, std::nullopt});
}

void ObservationLog::NodeStopped(NodeIndex node, TimeMs at_ms) {
  if (open_run_[node] != kNone) observed_.runs[open_run_[node]].stopped_ms = at_ms;
  open_run_[node] = kNone;
  open_get_nodes_[node] = kNone;  // its answer never reaches discovery
  for (NodeIndex peer = 0; peer < n_; ++peer) {
    ConnectionDown(node, peer, at_ms, DownCause::kStopped);
  }
}

void ObservationLog::GetNodesStarted(NodeIndex node, uint32_t incarnation, TimeMs at_ms,
                                     bool error) {
  open_get_nodes_[node] = observed_.get_nodes.size();
  observed_.get_nodes.push_back(
      Observations::GetNodesCall{node, incarnation, at_ms, std::nullopt, error});
}

void ObservationLog::GetNodesAnswered(NodeIndex node, TimeMs at_ms) {
  size_t& open = open_get_nodes_[node];
  if (open == kNone) return;
  observed_.get_nodes[open].answered_ms = at_ms;
  open = kNone;
}

// ---------------------------------------------------------------------------
// Pings and connection ends.

size_t ObservationLog::PingStarted(NodeIndex node, NodeIndex peer,
                                   Observations::Ping::For purpose, TimeMs at_ms) {
  observed_.pings.push_back(Observations::Ping{node, peer, purpose, at_ms, std::nullopt, false});
  return observed_.pings.size() - 1;
}

void ObservationLog::PingEnded(size_t ping, TimeMs at_ms, bool pong) {
  if (ping == kNone) return;
  observed_.pings[ping].ended_ms = at_ms;
  observed_.pings[ping].pong = pong;
}

void ObservationLog::ConnectionUp(NodeIndex node, NodeIndex peer, TimeMs at_ms) {
  open_end_[PairIndex(node, peer)] = observed_.connections.size();
  observed_.connections.push_back(
      Observations::ConnectionEnd{node, peer, at_ms, std::nullopt, DownCause::kClosed});
}

void ObservationLog::ConnectionDown(NodeIndex node, NodeIndex peer, TimeMs at_ms,
                                    DownCause cause) {
  size_t& open = open_end_[PairIndex(node, peer)];
  if (open == kNone) return;
  observed_.connections[open].down_ms = at_ms;
  observed_.connections[open].cause = cause;
  open = kNone;
}

// ---------------------------------------------------------------------------
// Reachability.

void ObservationLog::SetApart(NodeIndex a, NodeIndex b, Observations::Apart::Why why, bool apart,
                              TimeMs at_ms, int64_t action) {
  if (a > b) std::swap(a, b);
  size_t& open = open_apart_[PairIndex(a, b) * 2 + static_cast<size_t>(why)];
  if (apart == (open != kNone)) return;
  if (apart) {
    open = observed_.apart.size();
    observed_.apart.push_back(Observations::Apart{a, b, why, at_ms, std::nullopt, action});
  } else {
    observed_.apart[open].to_ms = at_ms;
    open = kNone;
  }
}

void ObservationLog::StartPartition(std::vector<std::vector<NodeIndex>> groups, TimeMs at_ms,
                                    int64_t action) {
  EndPartition(at_ms);
  open_band_ = observed_.partitions.size();
  observed_.partitions.push_back(
      Observations::PartitionBand{std::move(groups), at_ms, std::nullopt, action});
}

void ObservationLog::EndPartition(TimeMs at_ms) {
  if (open_band_ == kNone) return;
  observed_.partitions[open_band_].to_ms = at_ms;
  open_band_ = kNone;
}

// ---------------------------------------------------------------------------
// Faults.

void ObservationLog::CloseFault(size_t& open, TimeMs at_ms) {
  if (open == kNone) return;
  std::optional<TimeMs>& to_ms = observed_.faults[open].to_ms;
  if (!to_ms.has_value() || *to_ms > at_ms) to_ms = at_ms;
  open = kNone;
}

size_t ObservationLog::AddFault(Observations::Fault fault) {
  observed_.faults.push_back(std::move(fault));
  return observed_.faults.size() - 1;
}

void ObservationLog::SetDns(NodeIndex node, TimeMs delay_ms, bool fails, TimeMs at_ms,
                            int64_t action) {
  CloseFault(open_dns_[node], at_ms);
  if (delay_ms == 0 && !fails) return;
  Observations::Fault fault;
  fault.node = node;
  fault.kind = Observations::Fault::Kind::kDns;
  fault.from_ms = at_ms;
  fault.action = action;
  fault.delay_ms = delay_ms;
  fault.fails = fails;
  open_dns_[node] = AddFault(std::move(fault));
}

void ObservationLog::SetSlowConnect(NodeIndex node, TimeMs delay_ms, TimeMs at_ms,
                                    int64_t action) {
  CloseFault(open_slow_[node], at_ms);
  if (delay_ms == 0) return;
  Observations::Fault fault;
  fault.node = node;
  fault.kind = Observations::Fault::Kind::kSlowConnect;
  fault.from_ms = at_ms;
  fault.action = action;
  fault.delay_ms = delay_ms;
  open_slow_[node] = AddFault(std::move(fault));
}

void ObservationLog::SetBackendErrors(NodeIndex node, double error_rate, TimeMs at_ms,
                                      int64_t action) {
  CloseFault(open_errors_[node], at_ms);
  if (!(error_rate > 0)) return;
  Observations::Fault fault;
  fault.node = node;
  fault.kind = Observations::Fault::Kind::kBackendErrors;
  fault.from_ms = at_ms;
  fault.action = action;
  fault.error_rate = error_rate;
  open_errors_[node] = AddFault(std::move(fault));
}

void ObservationLog::SetBackendFailCount(NodeIndex node, int64_t count, TimeMs at_ms,
                                         int64_t action) {
  CloseFault(open_fail_count_[node], at_ms);
  if (count <= 0) return;
  Observations::Fault fault;
  fault.node = node;
  fault.kind = Observations::Fault::Kind::kBackendFail;
  fault.from_ms = at_ms;
  fault.action = action;
  fault.count = count;
  open_fail_count_[node] = AddFault(std::move(fault));
}

void ObservationLog::BackendFailCountUsed(NodeIndex node, TimeMs answer_ms) {
  size_t& open = open_fail_count_[node];
  if (open == kNone) return;
  observed_.faults[open].to_ms = answer_ms;
  open = kNone;
}

void ObservationLog::SetBackendFailUntil(NodeIndex node, TimeMs until_ms, TimeMs at_ms,
                                         int64_t action) {
  CloseFault(open_fail_until_[node], at_ms);
  if (until_ms <= at_ms) return;
  Observations::Fault fault;
  fault.node = node;
  fault.kind = Observations::Fault::Kind::kBackendFail;
  fault.from_ms = at_ms;
  fault.to_ms = until_ms;  // known from the start
  fault.action = action;
  open_fail_until_[node] = AddFault(std::move(fault));
}

// ---------------------------------------------------------------------------
// Discovery status.

void ObservationLog::BeginStatusInstant(TimeMs at_ms) {
  // This instant's entries, if it was looked at before, are the tail.
  while (!observed_.status.empty() && observed_.status.back().at_ms == at_ms) {
    observed_.status.pop_back();
  }
}

void ObservationLog::NoteStatus(NodeIndex node, const DiscoveryStatus& now) {
  std::vector<DiscoveryStatus>& changes = status_by_node_[node];
  auto same = [&](const DiscoveryStatus& a) {
    return a.running == now.running && a.incarnation == now.incarnation &&
           a.phase == now.phase && a.ready == now.ready;
  };
  // One entry per instant: a later look at the same time replaces it.
  if (!changes.empty() && changes.back().at_ms == now.at_ms) changes.pop_back();
  if (changes.empty() ? now.running : !same(changes.back())) changes.push_back(now);
  if (!changes.empty() && changes.back().at_ms == now.at_ms) {
    observed_.status.push_back(
        Observations::Status{node, now.at_ms, now.running, now.incarnation, now.phase, now.ready});
  }
}

const std::vector<DiscoveryStatus>& ObservationLog::StatusOf(NodeIndex node) const {
  return status_by_node_[node];
}

}  // namespace discosim::world
