// A node of the world as every room sees it: its name, settings and
// incarnation. Until each room keeps its per-node state in arrays of its own
// (issue 13), the rest of NodeRt is that state, grouped by room.
#ifndef DISCOSIM_SIM_WORLD_NODE_H_
#define DISCOSIM_SIM_WORLD_NODE_H_

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/types.h"
#include "sim/world/config.h"
#include "sim/world/event.h"
#include "sim/world/messages.h"
#include "sim/world/random.h"
#include "sim/world/world.h"

namespace discosim::world {

struct NkRequest {
  enum class Kind { kConnect, kHandshake };
  Kind kind = Kind::kConnect;
  NodeId peer = kNoNode;
  uint64_t setup_id = 0;  // kHandshake
  Cont waiter;            // kConnect
};

struct HostRt {
  std::string name;
  int cores = 2;
  uint32_t spinners = 0;        // spinning lock waiters on its nodes
  std::vector<NodeId> members;  // its nodes
  Rng rng{0};
  // The CPU its hops used, in buckets of load_window_us / kLoadBuckets: the
  // current bucket and the ones before it (a ring).
  static constexpr int kLoadBuckets = 8;
  int64_t bucket_index[kLoadBuckets] = {};  // which time slot each bucket holds
  int64_t bucket_work_us[kLoadBuckets] = {};
};

struct BackendRt {
  std::vector<NodeName> nodes;
  LatencyRange latency;
  uint64_t error_ppm = 0;     // error rate in parts per million
  int64_t fail_count = 0;
  TimeMs fail_until_ms = 0;
};

struct NodeRt {
  // Declared.
  NodeName name;
  NodeSettings settings;
  std::vector<TableName> tables;
  // Changed by actions.
  TimeMs connect_delay_ms = 0;
  BackendRt backend;
  // The incarnation.
  bool running = false;
  uint32_t incarnation = 0;
  TimeMs start_time_ms = 0;
  // Discovery.
  engine::State engine;
  std::deque<engine::Message> mailbox;
  bool run_scheduled = false;
  engine::NodeSet visible;  // nodes(): visible connected peers
  std::map<engine::TimerId, engine::Message> timers;  // active engine timers
  std::optional<engine::GetNodesDone> get_nodes_pending;
  // net_kernel.
  std::deque<NkRequest> nk_queue;
  bool nk_busy = false;  // waiting for a DNS answer
  bool nk_pump_scheduled = false;
  // The CPU.
  uint32_t host = 0;
  // Outputs (kept over incarnations).
  std::vector<TimeMs> get_nodes_calls;
  std::vector<LogEntry> logs;
  // Randomness, one stream per subsystem.
  Rng rng_jitter{0};
  Rng rng_tick{0};
  Rng rng_backend_latency{0};
  Rng rng_backend_errors{0};
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_NODE_H_
