// Reading node settings, backends and the `nodes` list (see build.h).
#include <algorithm>
#include <map>
#include <string_view>

#include "sim/scenario/build.h"
#include "sim/scenario/duration.h"
#include "sim/scenario/node_settings.h"
#include "sim/scenario/text.h"

namespace discosim::scenario::internal {
namespace {

constexpr std::string_view kBackendKeys[] = {"nodes", "latency", "error_rate", "crash_rate"};

// The keys a node may have: its own, then the settings keys.
std::vector<std::string_view> NodeKeys() {
  std::vector<std::string_view> keys = {"name", "start_at", "start", "resolvable", "tables",
                                        "backend"};
  for (std::string_view key : SettingsKeys()) keys.push_back(key);
  return keys;
}

}  // namespace

std::vector<std::string_view> SettingsKeys() {
  std::vector<std::string_view> keys;
  for (const NodeSettingKey& row : NodeSettingKeys()) keys.push_back(row.key);
  keys.push_back("host");
  return keys;
}

void ReadSettings(Reader& reader, const MapReader& map, WrittenSettings out) {
  for (const NodeSettingKey& row : NodeSettingKeys()) {
    if (const YamlNode* value = map.Find(row.key)) {
      row.read(reader, *value, map.PathOf(row.key), out.settings);
      out.keys.emplace(row.key);
    }
  }
  if (const YamlNode* value = map.Find("host")) {
    if (auto host = ReadString(reader, *value, map.PathOf("host"), "a host name")) out.host = *host;
    out.keys.emplace("host");
  }
}

BackendOverrides ReadBackendKeys(Reader& reader, const MapReader& map) {
  BackendOverrides out;
  if (const YamlNode* nodes = map.Find("nodes")) {
    if (auto listed = ReadNodeList(reader, *nodes, map.PathOf("nodes"), EmptyList::kAllowed)) {
      out.nodes = std::move(*listed);
    }
  }
  if (const YamlNode* latency = map.Find("latency")) {
    out.latency = ReadLatency(reader, *latency, map.PathOf("latency"));
  }
  if (const YamlNode* error_rate = map.Find("error_rate")) {
    out.error_rate = ReadProbability(reader, *error_rate, map.PathOf("error_rate"));
  }
  if (const YamlNode* crash_rate = map.Find("crash_rate")) {
    out.crash_rate = ReadProbability(reader, *crash_rate, map.PathOf("crash_rate"));
  }
  return out;
}

std::optional<BackendOverrides> ReadBackend(Reader& reader, const YamlNode& node,
                                            std::string_view path) {
  std::optional<MapReader> map = MapReader::Open(reader, node, std::string(path), kBackendKeys);
  if (!map) return std::nullopt;
  return ReadBackendKeys(reader, *map);
}

bool DeclareNodes(Reader& reader, const YamlNode& nodes) {
  const std::vector<YamlNode>* items = ReadList(reader, nodes, "nodes");
  if (items == nullptr) return false;
  if (items->empty()) {
    reader.Error(nodes.position, "nodes", "empty list; a scenario needs at least one node");
    return false;
  }
  if (static_cast<int64_t>(items->size()) > reader.limits().max_nodes) {
    reader.Error(nodes.position, "nodes",
                 Cat(items->size(), " nodes is more than the limit of ",
                              reader.limits().max_nodes, "; raise it with --max-nodes"));
    return false;
  }
  std::map<std::string, int> first_line;
  for (size_t i = 0; i < items->size(); ++i) {
    const YamlNode& item = (*items)[i];
    if (!item.IsMap()) continue;  // reported by ReadNodes
    const YamlNode* name = nullptr;
    for (const YamlEntry& entry : item.entries) {
      if (entry.key == "name" && name == nullptr) name = &entry.value;
    }
    if (name == nullptr || !name->IsScalar() || TypeOf(*name) != ScalarType::kString) continue;
    std::string path = KeyPath(IndexPath("nodes", i), "name");
    if (std::string problem = NodeNameProblem(name->text); !problem.empty()) {
      reader.Error(name->position, path, problem);
    }
    auto [it, inserted] = first_line.emplace(name->text, name->position.line);
    if (!inserted) {
      reader.Error(name->position, path,
                   Cat("node \"", name->text, "\" is declared twice (first on line ",
                                it->second, ")"));
    }
    reader.DeclareNode(name->text);
  }
  return true;
}

namespace {

void ReadNode(Reader& reader, const YamlNode& item, std::string path, Scenario& scenario) {
  if (item.IsScalar()) {
    reader.Error(item.position, path,
                 Cat("expected a map, found ", Describe(item), "; write each node as `- name: ",
                     item.text, "`"));
    return;
  }
  const std::vector<std::string_view> keys = NodeKeys();
  std::optional<MapReader> map = MapReader::Open(reader, item, std::move(path), keys);
  if (!map) return;
  Node node;
  node.position = reader.Source(item.position);
  if (const YamlNode* name = map->Require("name")) {
    // Format and repeats were checked by DeclareNodes; only the type is left.
    if (auto text = ReadString(reader, *name, map->PathOf("name"), "a node name")) node.name = *text;
  }
  node.settings = scenario.defaults;
  node.host = scenario.default_host;
  ReadSettings(reader, *map, {node.settings, node.host, node.settings_keys});

  const YamlNode* start = map->Find("start");
  if (start != nullptr) {
    if (std::optional<bool> started = ReadBool(reader, *start, map->PathOf("start"))) {
      node.start = *started ? StartMode::kAtStartTime : StartMode::kNever;
    }
  }
  if (const YamlNode* start_at = map->Find("start_at")) {
    if (node.start == StartMode::kNever) {
      reader.Error(start_at->position, map->PathOf("start_at"),
                   "a node with start: false is never started; remove start_at or start");
    } else if (auto at_ms = ReadTime(reader, *start_at, map->PathOf("start_at"))) {
      node.start_at_ms = *at_ms;
    }
  }
  node.dns_entry = node.start == StartMode::kNever ? DnsEntry::kUnresolvable : DnsEntry::kResolvable;
  if (const YamlNode* resolvable = map->Find("resolvable")) {
    if (std::optional<bool> value = ReadBool(reader, *resolvable, map->PathOf("resolvable"))) {
      node.dns_entry = *value ? DnsEntry::kResolvable : DnsEntry::kUnresolvable;
    }
  }

  node.tables = scenario.tables;
  if (const YamlNode* tables = map->Find("tables")) {
    node.tables_override = ReadTableList(reader, *tables, map->PathOf("tables"));
    if (node.tables_override) node.tables = *node.tables_override;
  }
  node.backend = scenario.backend;
  if (const YamlNode* backend = map->Find("backend")) {
    node.backend_override = ReadBackend(reader, *backend, map->PathOf("backend"));
    if (node.backend_override) node.backend = ApplyOverrides(scenario.backend, *node.backend_override);
  }
  scenario.nodes.push_back(std::move(node));
}

}  // namespace

void ReadNodes(Reader& reader, const YamlNode& nodes, Scenario& scenario) {
  for (size_t i = 0; i < nodes.items.size(); ++i) {
    ReadNode(reader, nodes.items[i], IndexPath("nodes", i), scenario);
  }
}

}  // namespace discosim::scenario::internal
