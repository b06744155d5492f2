// The rule book of a world: which WorldConfig a world can be built from and
// which Action can be scheduled in it. Written once, here; World::Create /
// World::Schedule and the scenario layer (sim/scenario/validate.cc, which
// adds file positions) both call it.
//
// Free functions over plain data: nothing here needs a built world. One
// rule needs the world's state and stays in World::Schedule: an action's
// id (call, connect_node, rpc) must not be used by an action scheduled
// before.
//
// Each broken rule is a Problem that names the field it is about, so a
// caller that knows where the field was written can point there:
//
//   for (const world::Problem& p : world::ConfigProblems(config)) {
//     // p.node: index into config.nodes (when about one node),
//     // p.field: "settings.net_ticktime_ms", p.message: "must be positive"
//   }
//   absl::Status status = world::ValidateConfig(config);  // the first, as a status
#ifndef DISCOSIM_SIM_WORLD_VALIDATE_H_
#define DISCOSIM_SIM_WORLD_VALIDATE_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "sim/world/action.h"
#include "sim/world/config.h"

namespace discosim::world {

// One broken rule.
struct Problem {
  // ConfigProblems: the index in WorldConfig::nodes of the node the rule is
  // about; none for a rule about the whole config (or about an action).
  std::optional<size_t> node;
  // The field, as a path of member names from the node (NodeConfig), the
  // config (WorldConfig) or the action down: "settings.net_ticktime_ms",
  // "backend.latency", "lock.sleep_ms", "hosts[1].cores", "delay_ms".
  // Empty: the rule is about the whole node, config or action.
  std::string field;
  // What is wrong, for a user: "must be positive", "unknown node \"x@h\"".
  std::string message;
  friend bool operator==(const Problem&, const Problem&) = default;
};

// Every rule `config` breaks (none: a world can be built from it). Nodes are
// checked in name order, as the world orders them.
std::vector<Problem> ConfigProblems(const WorldConfig& config);

// Every rule one node's settings break, each naming its NodeSettings
// member ("net_ticktime_ms"). ConfigProblems reports these for each node,
// under "settings.<member>"; a scenario checks its `defaults` with them.
std::vector<Problem> SettingsProblems(const NodeSettings& settings);

// Every rule `action`, scheduled at `at_ms` in a world built from `config`,
// breaks: the nodes it names are declared, its fields in range. Not the
// uniqueness of its id among earlier actions (see the file comment).
std::vector<Problem> ActionProblems(const WorldConfig& config, TimeMs at_ms, const Action& action);

// OK, or InvalidArgument with the first of ConfigProblems:
// "node a@h1: settings.net_ticktime_ms must be positive".
absl::Status ValidateConfig(const WorldConfig& config);

// OK, or InvalidArgument with the first of ActionProblems:
// "t=5000ms stop: unknown node \"d@h4\"".
absl::Status ValidateAction(const WorldConfig& config, TimeMs at_ms, const Action& action);

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_VALIDATE_H_
