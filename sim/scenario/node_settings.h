// The node settings keys of scenario files (`defaults:` and the same keys
// on each node), one row per key: how a file spells it, which field of
// world::NodeSettings it sets, how it is read and written back. The reader
// (build_nodes.cc), the scenario validation (which turns the world's
// problems about `settings.<field>` into the key path) and the fuzzer's
// writer (sim/fuzz/yaml_writer.cc) all go through this table, so a new node
// setting is one row here (see docs/scenario-format.md, "Adding a node
// setting"). `host` is a settings key too but not a world setting (the
// world keeps it on NodeConfig); the readers handle it beside the table.
//
//   for (const NodeSettingKey& row : NodeSettingKeys()) {
//     if (node.settings_keys.contains(std::string(row.key))) out += row.write(node.settings);
//   }
#ifndef DISCOSIM_SIM_SCENARIO_NODE_SETTINGS_H_
#define DISCOSIM_SIM_SCENARIO_NODE_SETTINGS_H_

#include <span>
#include <string>
#include <string_view>

#include "sim/scenario/reader.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/yaml_tree.h"

namespace discosim::scenario {

struct NodeSettingKey {
  std::string_view key;    // as files write it: "net_ticktime"
  std::string_view field;  // the world::NodeSettings member it sets: "net_ticktime_ms"
  // Reads the value at `node` into `settings`; reports a mistake (with its
  // exact column) to `reader` and leaves `settings` as it was.
  void (*read)(internal::Reader& reader, const internal::YamlNode& node, std::string_view path,
               NodeSettings& settings);
  // The value `settings` holds, as a file writes it: "20s", "true", "once".
  std::string (*write)(const NodeSettings& settings);
  // Whether `a` and `b` hold the same value under this key.
  bool (*same)(const NodeSettings& a, const NodeSettings& b);
};

// Every node settings key, in the order files are documented and written.
std::span<const NodeSettingKey> NodeSettingKeys();

// The row whose field is `field` (a world::NodeSettings member), or nullptr.
const NodeSettingKey* FindSettingField(std::string_view field);

}  // namespace discosim::scenario

#endif  // DISCOSIM_SIM_SCENARIO_NODE_SETTINGS_H_
