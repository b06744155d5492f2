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

struct TableServer {
  Cluster cluster;
};

struct LockTable {
  uint64_t holder_join = 0;  // 0: free
  NodeId holder_node = kNoNode;
  std::vector<uint64_t> waiters;  // local joins waiting for a release
};

struct NodeRt {
  // Declared.
  NodeName name;
  NodeSettings settings;
  std::vector<TableName> tables;
  // The incarnation.
  bool running = false;
  uint32_t incarnation = 0;
  TimeMs start_time_ms = 0;
  // global.
  bool just_synced = false;
  std::set<uint64_t> seen_reports;
  LockTable lock;
  int64_t gs_busy_until_us = 0;  // the global server handles lock ops one at a time
  // cets.
  std::map<TableName, TableServer> servers;
  // Randomness, one stream per subsystem.
  Rng rng_lock{0};
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_NODE_H_
