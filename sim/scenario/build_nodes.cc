// Reading node settings, backends and the `nodes` list (see build.h).
#include <algorithm>
#include <map>
#include <string_view>

#include "sim/scenario/build.h"
#include "sim/scenario/duration.h"
#include "sim/scenario/text.h"

namespace discosim::scenario::internal {
namespace {

constexpr std::string_view kNodeKeys[] = {
    "name",          "start_at",          "start",       "resolvable",
    "tables",        "backend",           "dist_auto_connect",
    "connect_all",   "prevent_overlapping_partitions",   "hidden",
    "net_ticktime",  "net_setuptime",     "latency",     "dns_delay",
    "connect_delay", "dns_cache_ttl",     "host"};

constexpr std::string_view kBackendKeys[] = {"nodes", "latency", "error_rate"};

// A duration that must be more than zero (net_ticktime, net_setuptime).
std::optional<int64_t> ReadPositiveDuration(Reader& reader, const YamlNode& node,
                                            std::string_view path) {
  std::optional<int64_t> duration_ms = ReadDuration(reader, node, path);
  if (duration_ms && *duration_ms == 0) {
    reader.Error(node.position, path, "must be longer than 0s");
    return std::nullopt;
  }
  return duration_ms;
}

// `none` (no resolver cache) or a time to live.
std::optional<DnsCache> ReadDnsCache(Reader& reader, const YamlNode& node, std::string_view path) {
  if (node.IsScalar() && node.text == "none") return DnsCache{DnsCache::Mode::kNone, 0};
  std::optional<int64_t> ttl_ms = ReadDuration(reader, node, path);
  if (!ttl_ms) return std::nullopt;
  return DnsCache{DnsCache::Mode::kTtl, *ttl_ms};
}

// Reads an on/off setting as one of the two values of a two-valued enum.
template <typename E>
std::optional<E> ReadSwitch(Reader& reader, const YamlNode& node, std::string_view path, E off,
                            E on) {
  std::optional<bool> value = ReadBool(reader, node, path);
  if (!value) return std::nullopt;
  return *value ? on : off;
}

}  // namespace

NodeSettingsOverrides ReadSettings(Reader& reader, const MapReader& map) {
  NodeSettingsOverrides out;
  auto at = [&](std::string_view key) { return map.Find(key); };
  auto path = [&](std::string_view key) { return map.PathOf(key); };
  if (const YamlNode* v = at("dist_auto_connect")) {
    out.dist_auto_connect = ReadEnum(reader, *v, path("dist_auto_connect"),
                                     {DistAutoConnect::kAlways, DistAutoConnect::kOnce,
                                      DistAutoConnect::kNever});
  }
  if (const YamlNode* v = at("connect_all")) {
    out.connect_all = ReadSwitch(reader, *v, path("connect_all"), ConnectAll::kOff, ConnectAll::kOn);
  }
  if (const YamlNode* v = at("prevent_overlapping_partitions")) {
    out.prevent_overlapping_partitions =
        ReadSwitch(reader, *v, path("prevent_overlapping_partitions"), OverlapPrevention::kOff,
                   OverlapPrevention::kOn);
  }
  if (const YamlNode* v = at("hidden")) {
    out.visibility =
        ReadSwitch(reader, *v, path("hidden"), Visibility::kVisible, Visibility::kHidden);
  }
  if (const YamlNode* v = at("net_ticktime")) {
    out.net_ticktime_ms = ReadPositiveDuration(reader, *v, path("net_ticktime"));
  }
  if (const YamlNode* v = at("net_setuptime")) {
    out.net_setuptime_ms = ReadPositiveDuration(reader, *v, path("net_setuptime"));
  }
  if (const YamlNode* v = at("latency")) out.latency_ms = ReadDuration(reader, *v, path("latency"));
  if (const YamlNode* v = at("dns_delay")) {
    out.dns_delay_ms = ReadDuration(reader, *v, path("dns_delay"));
  }
  if (const YamlNode* v = at("connect_delay")) {
    out.connect_delay_ms = ReadDuration(reader, *v, path("connect_delay"));
  }
  if (const YamlNode* v = at("dns_cache_ttl")) {
    out.dns_cache = ReadDnsCache(reader, *v, path("dns_cache_ttl"));
  }
  if (const YamlNode* v = at("host")) out.host = ReadString(reader, *v, path("host"), "a host name");
  return out;
}

BackendOverrides ReadBackendKeys(Reader& reader, const MapReader& map) {
  BackendOverrides out;
  if (const YamlNode* nodes = map.Find("nodes")) {
    if (auto listed = ReadNodeList(reader, *nodes, map.PathOf("nodes"), EmptyList::kAllowed)) {
      out.nodes = BackendNodes{BackendNodes::Kind::kListed, std::move(*listed)};
    }
  }
  if (const YamlNode* latency = map.Find("latency")) {
    out.latency = ReadLatency(reader, *latency, map.PathOf("latency"));
  }
  if (const YamlNode* error_rate = map.Find("error_rate")) {
    out.error_rate = ReadProbability(reader, *error_rate, map.PathOf("error_rate"));
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
  std::optional<MapReader> map = MapReader::Open(reader, item, std::move(path), kNodeKeys);
  if (!map) return;
  Node node;
  node.position = reader.Source(item.position);
  if (const YamlNode* name = map->Require("name")) {
    // Format and repeats were checked by DeclareNodes; only the type is left.
    if (auto text = ReadString(reader, *name, map->PathOf("name"), "a node name")) node.name = *text;
  }
  node.overrides = ReadSettings(reader, *map);
  node.settings = ApplyOverrides(scenario.defaults, node.overrides);

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
