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

// The keys a node may have: its own, then the settings keys. `names` and
// `count` make the item a node template.
std::vector<std::string_view> NodeKeys() {
  std::vector<std::string_view> keys = {"name", "names", "count", "start_at", "start",
                                        "resolvable", "tables", "backend"};
  for (std::string_view key : SettingsKeys()) keys.push_back(key);
  return keys;
}

// The value of the first `key` of a map item written in the file, or nullptr.
const YamlNode* RawEntry(const YamlNode& item, std::string_view key) {
  for (const YamlEntry& entry : item.entries) {
    if (entry.key == key) return &entry.value;
  }
  return nullptr;
}

// A node template as written: `names: PATTERN` and `count: N`.
struct NodeTemplate {
  std::string pattern;
  int64_t count = 0;
};

// What is wrong with a template's pattern, or "": it needs {i} at least
// once and no other braces.
std::string PatternProblem(std::string_view pattern) {
  size_t placeholders = 0;
  for (size_t at = 0; at < pattern.size(); ++at) {
    if (pattern.substr(at, 3) == "{i}") {
      ++placeholders;
      at += 2;
    } else if (pattern[at] == '{' || pattern[at] == '}') {
      return Cat("the pattern \"", pattern, "\" has a brace that is not {i} (column ", at + 1,
                 " of the pattern); {i}, the node's number, is the only placeholder");
    }
  }
  if (placeholders == 0) {
    return Cat("the pattern \"", pattern, "\" has no {i}, so every node would get the same "
               "name; write where the number goes, like n{i}@h{i}");
  }
  return "";
}

// Reads and checks the template of a map item, reporting its mistakes when
// `report` (the first pass); nullopt when it is not a template or is broken.
std::optional<NodeTemplate> ReadTemplate(Reader& reader, const YamlNode& item,
                                         const std::string& path, bool report) {
  const YamlNode* names = RawEntry(item, "names");
  const YamlNode* count = RawEntry(item, "count");
  if (names == nullptr) return std::nullopt;
  Reader quiet(reader.file_name(), reader.limits());
  Reader& to = report ? reader : quiet;
  if (const YamlNode* name = RawEntry(item, "name")) {
    to.Error(name->position, KeyPath(path, "name"),
             "a node template has names (a pattern) and count, not name; keep one of the two");
  }
  std::optional<std::string> pattern = ReadString(to, *names, KeyPath(path, "names"), "a name pattern");
  if (pattern) {
    if (std::string problem = PatternProblem(*pattern); !problem.empty()) {
      to.Error(names->position, KeyPath(path, "names"), problem);
      pattern.reset();
    }
  }
  if (count == nullptr) {
    to.Error(item.position, KeyPath(path, "count"),
             "required key is missing: a node template needs the number of nodes");
    return std::nullopt;
  }
  std::optional<int64_t> n = ReadCount(to, *count, KeyPath(path, "count"));
  if (n && *n < 1) {
    to.Error(count->position, KeyPath(path, "count"), "must be at least 1");
    n.reset();
  }
  if (!pattern || !n) return std::nullopt;
  return NodeTemplate{*pattern, *n};
}

// The name of node `i` (from 1) of a template: each {i} replaced by i.
std::string Expand(std::string_view pattern, int64_t i) {
  std::string name;
  for (size_t at = 0; at < pattern.size(); ++at) {
    if (pattern.substr(at, 3) == "{i}") {
      name += std::to_string(i);
      at += 2;
    } else {
      name += pattern[at];
    }
  }
  return name;
}

// How many nodes `items` declare, each template counted as its count
// (broken templates as one node).
int64_t DeclaredCount(Reader& reader, const std::vector<YamlNode>& items) {
  int64_t total = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    std::optional<NodeTemplate> t;
    if (items[i].IsMap()) t = ReadTemplate(reader, items[i], IndexPath("nodes", i), false);
    total += t ? t->count : 1;
  }
  return total;
}

// Declares one node name written at `at` (a name, or a template's i-th).
void DeclareOne(Reader& reader, const std::string& name, TextPosition at, const std::string& path,
                std::string_view origin, std::map<std::string, int>& first_line) {
  auto [it, inserted] = first_line.emplace(name, at.line);
  if (!inserted) {
    reader.Error(at, path,
                 Cat("node \"", name, "\"", origin, " is declared twice (first on line ",
                     it->second, ")"));
  }
  reader.DeclareNode(name);
}

// First pass over a template: its names checked and declared.
void DeclareTemplate(Reader& reader, const YamlNode& item, size_t index,
                     std::map<std::string, int>& first_line) {
  const std::string path = IndexPath("nodes", index);
  std::optional<NodeTemplate> t = ReadTemplate(reader, item, path, true);
  if (!t) return;
  const YamlNode& names = *RawEntry(item, "names");
  const std::string names_path = KeyPath(path, "names");
  if (std::string problem = NodeNameProblem(Expand(t->pattern, 1)); !problem.empty()) {
    reader.Error(names.position, names_path, Cat("the pattern gives ", problem));
    return;
  }
  for (int64_t i = 1; i <= t->count; ++i) {
    DeclareOne(reader, Expand(t->pattern, i), names.position, names_path,
               Cat(" (the pattern's i = ", i, ")"), first_line);
  }
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
  if (const int64_t declared = DeclaredCount(reader, *items); declared > reader.limits().max_nodes) {
    reader.Error(nodes.position, "nodes",
                 Cat(declared, " nodes is more than the limit of ",
                              reader.limits().max_nodes, "; raise it with --max-nodes"));
    return false;
  }
  std::map<std::string, int> first_line;
  for (size_t i = 0; i < items->size(); ++i) {
    const YamlNode& item = (*items)[i];
    if (!item.IsMap()) continue;  // reported by ReadNodes
    if (RawEntry(item, "names") != nullptr) {
      DeclareTemplate(reader, item, i, first_line);
      continue;
    }
    if (const YamlNode* count = RawEntry(item, "count")) {
      reader.Error(count->position, KeyPath(IndexPath("nodes", i), "count"),
                   "count goes with names (a node template, like names: n{i}@h{i}); "
                   "a node with a name is one node");
    }
    const YamlNode* name = RawEntry(item, "name");
    if (name == nullptr || !name->IsScalar() || TypeOf(*name) != ScalarType::kString) continue;
    std::string path = KeyPath(IndexPath("nodes", i), "name");
    if (std::string problem = NodeNameProblem(name->text); !problem.empty()) {
      reader.Error(name->position, path, problem);
    }
    DeclareOne(reader, name->text, name->position, path, "", first_line);
  }
  return true;
}

namespace {

void ReadNode(Reader& reader, const YamlNode& item, size_t index, Scenario& scenario) {
  std::string path = IndexPath("nodes", index);
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
  // A template's names and count were read and reported by DeclareNodes.
  const bool is_template = map->Find("names") != nullptr;
  if (!is_template) {
    if (const YamlNode* name = map->Require("name")) {
      // Format and repeats were checked by DeclareNodes; only the type is left.
      if (auto text = ReadString(reader, *name, map->PathOf("name"), "a node name")) node.name = *text;
    }
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
  if (!is_template) {
    scenario.nodes.push_back(std::move(node));
    return;
  }
  // One node per number, each with the template's keys.
  std::optional<NodeTemplate> t = ReadTemplate(reader, item, map->path(), false);
  if (!t) return;
  for (int64_t i = 1; i <= t->count; ++i) {
    Node one = node;
    one.name = Expand(t->pattern, i);
    one.template_item = index;
    scenario.nodes.push_back(std::move(one));
  }
}

}  // namespace

void ReadNodes(Reader& reader, const YamlNode& nodes, Scenario& scenario) {
  for (size_t i = 0; i < nodes.items.size(); ++i) {
    ReadNode(reader, nodes.items[i], i, scenario);
  }
}

}  // namespace discosim::scenario::internal
