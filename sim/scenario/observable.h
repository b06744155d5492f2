// What judging an expectation reads: a cluster as seen at one moment.
//
// The conditions (conditions.h) and the judge (judge.h) read only this
// interface, so the same judging serves the simulated world
// (WorldObservable, below) and a cluster of real Erlang nodes
// (real/observed.h). Every function answers for "now"; unknown names read as
// "not running / empty", as the world's read-back functions do.
#ifndef DISCOSIM_SIM_SCENARIO_OBSERVABLE_H_
#define DISCOSIM_SIM_SCENARIO_OBSERVABLE_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "engine/types.h"
#include "sim/world/world.h"

namespace discosim::scenario {

class Observable {
 public:
  virtual ~Observable() = default;

  // Every declared node, in the order declared.
  virtual std::vector<world::NodeStatus> Nodes() const = 0;
  virtual std::optional<world::NodeStatus> Node(std::string_view node) const = 0;
  // Whether `node`'s end counts the connection to `peer` as up.
  virtual bool CountsUp(std::string_view node, std::string_view peer) const = 0;
  // Whether `node`'s cets monitor of a server on `peer` is still auto-connecting
  // to it (a member kept in the cluster until that attempt ends).
  virtual bool MonitorConnecting(std::string_view node, std::string_view peer) const = 0;
  // nodes() on `node`: its visible connected nodes.
  virtual const engine::NodeSet& VisibleConnected(std::string_view node) const = 0;
  // Among running visible nodes, "both ends count it up" is transitive.
  virtual bool NoOverlappingPartitions() const = 0;
  // The cluster of node's server of `table` (the node included); none
  // without a server.
  virtual std::optional<engine::NodeSet> TableCluster(std::string_view node,
                                                      std::string_view table) const = 0;
  // The discovery's state / system_info / verify_ready; none when not running.
  virtual const engine::State* DiscoveryState(std::string_view node) const = 0;
  virtual std::optional<engine::SystemInfo> SystemInfo(std::string_view node) const = 0;
  virtual std::optional<std::vector<engine::MissingTask>> VerifyReady(
      std::string_view node) const = 0;
  // The tables the node was started with (its `tables` in the file).
  virtual std::vector<engine::TableName> StartTables(std::string_view node) const = 0;
  // Start times of every get_nodes call of the node, over all incarnations.
  virtual const std::vector<engine::TimeMs>& GetNodesCalls(std::string_view node) const = 0;
  // Log records of the node's discovery, over all incarnations.
  virtual const std::vector<world::LogEntry>& Logs(std::string_view node) const = 0;
  virtual const world::CallOutcome* Outcome(std::string_view id) const = 0;
  // When the last fault was removed (heal, restart, dns restored, backend_fail over).
  virtual std::optional<engine::TimeMs> LastFaultRemovalMs() const = 0;
  // Stays the same while nothing the functions above show can have changed
  // (except through the clock); the judge skips re-reading while it does.
  virtual uint64_t ObservableVersion() const = 0;
};

// The simulated world, read through its public API.
class WorldObservable final : public Observable {
 public:
  explicit WorldObservable(const world::World& world) : world_(world) {}

  std::vector<world::NodeStatus> Nodes() const override { return world_.Nodes(); }
  std::optional<world::NodeStatus> Node(std::string_view node) const override {
    return world_.Node(node);
  }
  bool CountsUp(std::string_view node, std::string_view peer) const override {
    return world_.CountsUp(node, peer);
  }
  bool MonitorConnecting(std::string_view node, std::string_view peer) const override {
    return world_.MonitorConnecting(node, peer);
  }
  const engine::NodeSet& VisibleConnected(std::string_view node) const override {
    return world_.VisibleConnected(node);
  }
  bool NoOverlappingPartitions() const override { return world_.NoOverlappingPartitions(); }
  std::optional<engine::NodeSet> TableCluster(std::string_view node,
                                              std::string_view table) const override {
    return world_.TableCluster(node, table);
  }
  const engine::State* DiscoveryState(std::string_view node) const override {
    return world_.DiscoveryState(node);
  }
  std::optional<engine::SystemInfo> SystemInfo(std::string_view node) const override {
    return world_.SystemInfo(node);
  }
  std::optional<std::vector<engine::MissingTask>> VerifyReady(
      std::string_view node) const override {
    return world_.VerifyReady(node);
  }
  std::vector<engine::TableName> StartTables(std::string_view node) const override;
  const std::vector<engine::TimeMs>& GetNodesCalls(std::string_view node) const override {
    return world_.GetNodesCalls(node);
  }
  const std::vector<world::LogEntry>& Logs(std::string_view node) const override {
    return world_.Logs(node);
  }
  const world::CallOutcome* Outcome(std::string_view id) const override {
    return world_.Outcome(id);
  }
  std::optional<engine::TimeMs> LastFaultRemovalMs() const override {
    return world_.LastFaultRemovalMs();
  }
  uint64_t ObservableVersion() const override { return world_.ObservableVersion(); }

 private:
  const world::World& world_;
};

}  // namespace discosim::scenario

#endif  // DISCOSIM_SIM_SCENARIO_OBSERVABLE_H_
