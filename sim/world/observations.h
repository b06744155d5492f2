// What a run showed, as typed records: the world's one observation stream.
//
// The world appends to it as things happen (get_nodes calls, pings,
// connection ends, node runs, reachability, faults, discovery status); the
// reports (sim/report/) read it and nothing else of the world's insides: no
// trace text is parsed and no timeline is replayed to find out what the
// world already knew. Recording is apart from the hashed trace, so it moves
// no trace hash.
//
// Every time is virtual milliseconds. An interval still open when the run
// ends has no end (`std::nullopt`); a reader closes it at the run's end.
// Nodes are named by their index in `node_names` (sorted name order, the
// world's own order). Each list is in the order things happened (then in
// node index order within one instant); nothing is iterated from an
// unordered container.
//
// Usage:
//   const world::Observations& seen = world->Observed();
//   for (const auto& call : seen.get_nodes) { ... seen.node_names[call.node] ... }
#ifndef DISCOSIM_SIM_WORLD_OBSERVATIONS_H_
#define DISCOSIM_SIM_WORLD_OBSERVATIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/types.h"
#include "sim/world/config.h"

namespace discosim::world {

using NodeIndex = uint32_t;
inline constexpr NodeIndex kNoNodeIndex = UINT32_MAX;

// Why a connection end went down (for global: only some causes are reported).
enum class DownCause : uint8_t {
  kTickTimeout,   // silence for the drawn tick time
  kClosed,        // the other end closed or the host reset the socket
  kDisconnect,    // this end disconnected (net_kernel:disconnect)
  kObeyedRemove,  // global on this end obeyed remove_connection
  kReplaced,      // a new handshake from the same node replaced it
  kStopped,       // this end's node stopped
};
const char* ToString(DownCause cause);

struct Observations {
  // One incarnation of a node, from its start to its stop.
  struct NodeRun {
    NodeIndex node = kNoNodeIndex;
    uint32_t incarnation = 0;
    TimeMs started_ms = 0;
    std::optional<TimeMs> stopped_ms;
  };
  // One get_nodes call of a node's discovery, from its start to the answer
  // reaching discovery (none: the node stopped first, or the run ended).
  struct GetNodesCall {
    NodeIndex node = kNoNodeIndex;
    uint32_t incarnation = 0;
    TimeMs started_ms = 0;
    std::optional<TimeMs> answered_ms;
    bool error = false;  // the backend answered {error, _}
  };
  // One cets_ping run on `node` towards `peer`, for its discovery or for a
  // join's reach check, from its start to pong or pang.
  struct Ping {
    enum class For : uint8_t { kDiscovery, kJoinCheck };
    NodeIndex node = kNoNodeIndex;
    NodeIndex peer = kNoNodeIndex;
    For purpose = For::kDiscovery;
    TimeMs started_ms = 0;
    std::optional<TimeMs> ended_ms;  // none: the node stopped first, or the run ended
    bool pong = false;
  };
  // `node`'s end of its connection to `peer`: from when it counted it up to
  // when it went down, and why.
  struct ConnectionEnd {
    NodeIndex node = kNoNodeIndex;
    NodeIndex peer = kNoNodeIndex;
    TimeMs up_ms = 0;
    std::optional<TimeMs> down_ms;
    DownCause cause = DownCause::kClosed;  // meaningful once down_ms is set
  };
  // Two nodes that could not reach each other for a while (a < b).
  struct Apart {
    enum class Why : uint8_t { kPartition, kCut };
    NodeIndex a = kNoNodeIndex;
    NodeIndex b = kNoNodeIndex;
    Why why = Why::kPartition;
    TimeMs from_ms = 0;
    std::optional<TimeMs> to_ms;
    int64_t action = -1;  // the World::Schedule call (0, 1, ...) that began it
  };
  // A partition as a whole, across every lane: from the step that made it
  // to the one that replaced or healed it.
  struct PartitionBand {
    std::vector<std::vector<NodeIndex>> groups;  // the unlisted nodes are the last group
    TimeMs from_ms = 0;
    std::optional<TimeMs> to_ms;
    int64_t action = -1;
  };
  // Something wrong with one node for a while: its name resolving slowly or
  // not at all, slow connection setups to it, its backend failing or erring.
  struct Fault {
    enum class Kind : uint8_t { kDns, kSlowConnect, kBackendFail, kBackendErrors };
    NodeIndex node = kNoNodeIndex;
    Kind kind = Kind::kDns;
    TimeMs from_ms = 0;
    std::optional<TimeMs> to_ms;  // a backend_fail {count} ends with its last failed answer
    int64_t action = -1;          // -1: the node's declared settings
    TimeMs delay_ms = 0;          // kDns, kSlowConnect
    bool fails = false;           // kDns: nxdomain
    double error_rate = 0;        // kBackendErrors
    int64_t count = 0;            // kBackendFail {count}; 0 for {until}
  };
  // A change of a node's discovery as of the end of an instant (one entry
  // per node per instant at most): whether it runs, its phase, readiness.
  struct Status {
    NodeIndex node = kNoNodeIndex;
    TimeMs at_ms = 0;
    bool running = false;
    uint32_t incarnation = 0;
    engine::Phase phase = engine::Phase::kInitial;
    bool ready = false;
  };

  std::vector<NodeName> node_names;  // by index
  std::vector<NodeRun> runs;
  std::vector<GetNodesCall> get_nodes;
  std::vector<Ping> pings;
  std::vector<ConnectionEnd> connections;
  std::vector<Apart> apart;
  std::vector<PartitionBand> partitions;
  std::vector<Fault> faults;
  std::vector<Status> status;
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_OBSERVATIONS_H_
