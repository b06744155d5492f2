// Timeline actions: what can happen to a world at a virtual time. One struct
// per timeline action of docs/scenario-format.md, plus explicit connect_node
// and rpc probes. World::Schedule takes them.
//
//   world.Schedule(120'000, action::Partition{{{"a@h1", "b@h2"}, {"c@h3"}}});
//   world.Schedule(300'000, action::HealAll{});
#ifndef DISCOSIM_SIM_WORLD_ACTION_H_
#define DISCOSIM_SIM_WORLD_ACTION_H_

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "engine/types.h"
#include "sim/world/config.h"

namespace discosim::world::action {

using NodePair = std::pair<NodeName, NodeName>;

// A fresh incarnation: new start time, lone table servers, new discovery.
struct Start { std::vector<NodeName> nodes; };
// Clean stop: connections close, peers that can reach it see nodedown at once.
struct Stop { std::vector<NodeName> nodes; };
// Stop, then start at the same instant.
struct Restart { std::vector<NodeName> nodes; };
// No traffic between groups; unlisted nodes form one more group. Replaces
// any earlier partition (cuts stay).
struct Partition { std::vector<std::vector<NodeName>> groups; };
struct Cut { std::vector<NodePair> links; };
struct HealAll {};
// Restores the listed links (removes their cut and bridges their partition).
struct HealLinks { std::vector<NodePair> links; };
// net_kernel:disconnect on the first node of each pair.
struct Disconnect { std::vector<NodePair> links; };

enum class DnsAnswer { kResolves, kFails };
// Resolving `node`'s name takes delay_ms, then answers or fails (nxdomain).
struct Dns {
  NodeName node;
  TimeMs delay_ms = 0;
  DnsAnswer answer = DnsAnswer::kResolves;
};
// Connection setups to `node` take delay_ms at its host (past net_setuptime they fail).
struct SlowConnect {
  NodeName node;
  TimeMs delay_ms = 0;
};
// Changes the given fields of a backend (every node's when node is none).
struct Backend {
  std::optional<NodeName> node;
  std::optional<std::vector<NodeName>> nodes;
  std::optional<LatencyRange> latency;
  std::optional<double> error_rate;
  std::optional<double> crash_rate;
};
// The next `count` get_nodes calls fail, or every call until until_ms.
// Exactly one of count / until_ms. Every node's backend when node is none.
struct BackendFail {
  std::optional<NodeName> node;
  std::optional<int64_t> count;
  std::optional<TimeMs> until_ms;
};
// Starts the table's server on the node if missing, then casts add_table.
struct AddTable {
  NodeName node;
  TableName table;
};
// Casts delete_table; the server keeps running.
struct DeleteTable {
  NodeName node;
  TableName table;
};
// Puts a raw message into the node's discovery mailbox. Allowed: check,
// enter_regular_phase, nodeup, nodedown, ping_result, start_time, add_table,
// delete_table, unknown (info or cast). Calls go through Call.
struct Send {
  NodeName node;
  engine::Message message;
};

enum class Request { kWaitForReady, kWaitForGetNodes, kGetTables, kSystemInfo };
// A caller on the node calls its discovery; the outcome is kept under `id`.
struct Call {
  NodeName node;
  Request request = Request::kWaitForReady;
  TimeMs timeout_ms = 5'000;
  std::string id;
};
// net_kernel:connect_node(target) on `node`; outcome true/false under `id`.
struct ConnectNode {
  NodeName node;
  NodeName target;
  std::string id;
};
// rpc:call(target, erlang, node, []) from `node` (an auto-connect);
// outcome ok or badrpc under `id`.
struct Rpc {
  NodeName node;
  NodeName target;
  std::string id;
};

// A benchmark probe, not in the scenario format: from now on the node's
// join lock requester takes the lock over its connected nodes and gives it
// back at once, forever (the measured lock hand-off experiment).
struct LockLoop {
  NodeName node;
};

// The node's next get_nodes call raises instead of answering (after its
// latency, as an answer would come). cets_discovery runs get_nodes in a
// process it spawn_links and does not trap exits, so the raise kills the
// discovery process; its supervisor starts a fresh one at once (init/1
// with the nodes connected then). Its callers get an exit; its ping tasks,
// linked too, die with it. Tables and connections stay.
struct BackendCrash {
  NodeName node;
};

}  // namespace discosim::world::action

namespace discosim::world {

using Action = std::variant<action::Start, action::Stop, action::Restart, action::Partition,
                            action::Cut, action::HealAll, action::HealLinks, action::Disconnect,
                            action::Dns, action::SlowConnect, action::Backend,
                            action::BackendFail, action::AddTable, action::DeleteTable,
                            action::Send, action::Call, action::ConnectNode, action::Rpc,
                            action::LockLoop, action::BackendCrash>;

// The action's scenario name ("start", "partition", ...).
const char* ActionName(const Action& action);

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_ACTION_H_
