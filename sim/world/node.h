// A node of the world as every room sees it: its name, settings, tables and
// incarnation. Every room keeps the rest of its per-node state in arrays of
// its own (issue 13).
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

struct NodeRt {
  // Declared.
  NodeName name;
  NodeSettings settings;
  std::vector<TableName> tables;
  // The incarnation.
  bool running = false;
  uint32_t incarnation = 0;
  TimeMs start_time_ms = 0;
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_NODE_H_
