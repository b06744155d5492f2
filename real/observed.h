// Real nodes as the judge reads them: the last poll of each node, and what
// the runner itself knows (which nodes run, call outcomes, when faults were
// removed). Implements scenario::Observable, so the expectations are judged
// by the same code as in simulation (sim/scenario/judge.h).
//
// Times are run times: milliseconds since the run's t=0, converted from the
// nodes' system clock (the same machine's) by the runner's t=0 in it.
//
//   RealObservable seen(scenario);
//   absl::Status ok = ApplyPoll(poll_json, t0_system_ms, seen.View("a@h1"));
//   seen.Changed();
//   bool up = seen.CountsUp("a@h1", "b@h2");
#ifndef DISCOSIM_REAL_OBSERVED_H_
#define DISCOSIM_REAL_OBSERVED_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "sim/scenario/observable.h"
#include "sim/scenario/scenario.h"

namespace discosim::real {

using engine::NodeName;

// One node, as of its last poll (and over all its incarnations for calls
// and logs).
struct NodeView {
  bool running = false;
  uint32_t incarnation = 0;  // 0: never started
  int64_t start_time_ms = 0;
  bool hidden = false;
  engine::NodeSet visible;    // nodes()
  engine::NodeSet connected;  // nodes(connected): hidden connections too
  std::map<engine::TableName, engine::NodeSet> clusters;  // tables with a server
  std::optional<engine::SystemInfo> info;                 // none: discovery not running
  std::vector<engine::TimeMs> get_nodes_calls;
  std::vector<world::LogEntry> logs;
  std::vector<engine::TimeMs> faults_over;  // backend_fail {count} ran out
};

// Reads one poll answer of discosim_agent into `view` (see poll/0 there).
// A table or system_info that was busy keeps its previous value.
absl::Status ApplyPoll(const nlohmann::json& poll, int64_t t0_system_ms, NodeView& view);

class RealObservable final : public scenario::Observable {
 public:
  explicit RealObservable(const scenario::Scenario& scenario);

  NodeView& View(const NodeName& node) { return views_.at(node); }
  const NodeView* Find(std::string_view node) const;
  // Something was polled or done: judging must look again.
  void Changed() { ++version_; }
  void SetNow(int64_t now_ms) { now_ms_ = now_ms; }
  void MarkFaultRemoved(int64_t at_ms) { removals_.push_back(at_ms); }
  // A call step started / answered.
  world::CallOutcome& AddCall(world::CallOutcome outcome);
  world::CallOutcome* FindCall(std::string_view id);

  std::vector<world::NodeStatus> Nodes() const override;
  std::optional<world::NodeStatus> Node(std::string_view node) const override;
  bool CountsUp(std::string_view node, std::string_view peer) const override;
  // A real node's monitors are not observed: never "still connecting".
  bool MonitorConnecting(std::string_view, std::string_view) const override { return false; }
  const engine::NodeSet& VisibleConnected(std::string_view node) const override;
  bool NoOverlappingPartitions() const override;
  std::optional<engine::NodeSet> TableCluster(std::string_view node,
                                              std::string_view table) const override;
  const engine::State* DiscoveryState(std::string_view node) const override;
  std::optional<engine::SystemInfo> SystemInfo(std::string_view node) const override;
  std::optional<std::vector<engine::MissingTask>> VerifyReady(
      std::string_view node) const override;
  std::vector<engine::TableName> StartTables(std::string_view node) const override;
  const std::vector<engine::TimeMs>& GetNodesCalls(std::string_view node) const override;
  const std::vector<world::LogEntry>& Logs(std::string_view node) const override;
  const world::CallOutcome* Outcome(std::string_view id) const override;
  std::optional<engine::TimeMs> LastFaultRemovalMs() const override;
  uint64_t ObservableVersion() const override { return version_; }

 private:
  const scenario::Scenario& scenario_;
  std::vector<NodeName> order_;  // as declared
  std::map<NodeName, NodeView, std::less<>> views_;
  std::vector<world::CallOutcome> calls_;
  std::vector<int64_t> removals_;
  int64_t now_ms_ = 0;
  uint64_t version_ = 0;
};

}  // namespace discosim::real

#endif  // DISCOSIM_REAL_OBSERVED_H_
