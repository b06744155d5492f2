// Reading the top level of a scenario file (see build.h).
#include <string_view>

#include "sim/scenario/build.h"
#include "sim/scenario/text.h"

namespace discosim::scenario::internal {
namespace {

constexpr std::string_view kTopKeys[] = {"name",    "description", "seed",     "duration",
                                         "defaults", "tables",     "backend",  "nodes",
                                         "timeline", "expect",     "join_lock", "hosts",
                                         "cets"};

constexpr std::string_view kJoinLockKeys[] = {"wait", "sleep", "backoff", "recheck_joined"};
constexpr std::string_view kHostKeys[] = {"name", "cores"};
constexpr std::string_view kCetsKeys[] = {"check_merge"};

// `join_lock:` (the calibrated join model, with its what-if options).
void ReadJoinLock(Reader& reader, const MapReader& top, Scenario& scenario) {
  const YamlNode* node = top.Find("join_lock");
  if (node == nullptr) return;
  std::optional<MapReader> map = MapReader::Open(reader, *node, "join_lock", kJoinLockKeys);
  if (!map) return;
  JoinLockOptions options;
  if (const YamlNode* wait = map->Find("wait")) {
    constexpr std::string_view kWaits[] = {"spin", "sleep"};
    if (std::optional<size_t> i = ReadChoice(reader, *wait, map->PathOf("wait"), kWaits)) {
      options.wait = *i == 0 ? world::LockWait::kSpin : world::LockWait::kSleep;
    }
  }
  if (const YamlNode* sleep = map->Find("sleep")) {
    if (std::optional<int64_t> ms = ReadDuration(reader, *sleep, map->PathOf("sleep"))) {
      if (*ms == 0) {
        reader.Error(sleep->position, map->PathOf("sleep"), "must be longer than 0s");
      } else if (options.wait != world::LockWait::kSleep) {
        reader.Error(sleep->position, map->PathOf("sleep"),
                     "a sleep is only used with `wait: sleep`");
      } else {
        options.sleep_ms = *ms;
      }
    }
  }
  if (const YamlNode* backoff = map->Find("backoff")) {
    options.backoff = ReadLatency(reader, *backoff, map->PathOf("backoff"));
  }
  if (const YamlNode* recheck = map->Find("recheck_joined")) {
    if (std::optional<bool> value = ReadBool(reader, *recheck, map->PathOf("recheck_joined"))) {
      options.recheck_joined = *value;
    }
  }
  scenario.join_lock = options;
}

// `cets:` what-if changes to cets itself.
void ReadCets(Reader& reader, const MapReader& top, Scenario& scenario) {
  const YamlNode* node = top.Find("cets");
  if (node == nullptr) return;
  std::optional<MapReader> map = MapReader::Open(reader, *node, "cets", kCetsKeys);
  if (!map) return;
  if (const YamlNode* check = map->Find("check_merge")) {
    if (std::optional<bool> value = ReadBool(reader, *check, map->PathOf("check_merge"))) {
      scenario.cets.check_merge = *value;
    }
  }
}

// `hosts:` a list of {name, cores}.
void ReadHosts(Reader& reader, const MapReader& top, Scenario& scenario) {
  const YamlNode* node = top.Find("hosts");
  if (node == nullptr) return;
  const std::vector<YamlNode>* items = ReadList(reader, *node, "hosts");
  if (items == nullptr) return;
  if (items->empty()) {
    reader.Error(node->position, "hosts", "empty list; leave `hosts` out for a host per node");
  }
  for (size_t i = 0; i < items->size(); ++i) {
    const std::string path = IndexPath("hosts", i);
    std::optional<MapReader> map = MapReader::Open(reader, (*items)[i], path, kHostKeys);
    if (!map) continue;
    Host host;
    host.position = reader.Source((*items)[i].position);
    if (const YamlNode* name = map->Require("name")) {
      if (auto text = ReadString(reader, *name, map->PathOf("name"), "a host name")) {
        if (text->empty()) reader.Error(name->position, map->PathOf("name"), "cannot be empty");
        for (const Host& other : scenario.hosts) {
          if (other.name == *text) {
            reader.Error(name->position, map->PathOf("name"),
                         Cat("host \"", *text, "\" is declared twice"));
          }
        }
        host.name = *text;
      }
    }
    if (const YamlNode* cores = map->Find("cores")) {
      if (std::optional<int64_t> count = ReadCount(reader, *cores, map->PathOf("cores"))) {
        if (*count < 1) reader.Error(cores->position, map->PathOf("cores"), "must be at least 1");
        host.cores = *count;
      }
    }
    scenario.hosts.push_back(std::move(host));
  }
}

// Every `host` a node names is declared under `hosts`.
void CheckHostRefs(Reader& reader, const YamlNode& root, Scenario& scenario) {
  auto declared = [&](const std::string& name) {
    for (const Host& host : scenario.hosts) {
      if (host.name == name) return true;
    }
    return false;
  };
  auto problem = [&](const std::string& name) {
    return Cat("host \"", name, "\" is not declared under `hosts`");
  };
  if (scenario.default_host && !declared(*scenario.default_host)) {
    reader.Error(root.position, "defaults.host", problem(*scenario.default_host));
  }
  for (size_t i = 0; i < scenario.nodes.size(); ++i) {
    const Node& node = scenario.nodes[i];
    if (node.settings_keys.contains("host") && node.host && !declared(*node.host)) {
      reader.Error({node.position.line, node.position.column}, KeyPath(IndexPath("nodes", i), "host"),
                   problem(*node.host));
    }
  }
}

void ReadHeader(Reader& reader, const MapReader& top, Scenario& scenario) {
  if (const YamlNode* name = top.Require("name")) {
    if (std::optional<std::string> text = ReadString(reader, *name, "name", "a scenario name")) {
      if (text->empty()) reader.Error(name->position, "name", "the scenario name cannot be empty");
      scenario.name = *text;
    }
  }
  if (const YamlNode* description = top.Find("description")) {
    if (auto text = ReadText(reader, *description, "description", "free text")) {
      scenario.description = *text;
    }
  }
  if (const YamlNode* seed = top.Find("seed")) {
    if (std::optional<uint64_t> value = ReadUnsigned(reader, *seed, "seed")) scenario.seed = *value;
  }
  if (const YamlNode* duration = top.Require("duration")) {
    if (std::optional<int64_t> duration_ms = ReadDuration(reader, *duration, "duration")) {
      if (*duration_ms == 0) {
        reader.Error(duration->position, "duration", "the run must last longer than 0s");
      } else {
        scenario.duration_ms = *duration_ms;
        reader.run_duration_ms = *duration_ms;
      }
    }
  }
}

void ReadDefaults(Reader& reader, const MapReader& top, Scenario& scenario) {
  const YamlNode* defaults = top.Find("defaults");
  if (defaults == nullptr) return;
  const std::vector<std::string_view> keys = SettingsKeys();
  if (std::optional<MapReader> map = MapReader::Open(reader, *defaults, "defaults", keys)) {
    std::set<std::string> written;
    ReadSettings(reader, *map, {scenario.defaults, scenario.default_host, written});
  }
}

}  // namespace

void BuildScenario(Reader& reader, const YamlNode& root, Scenario& scenario) {
  if (!root.IsMap()) {
    reader.Error(root.position, "",
                 Cat("the top level must be a map with at least name, duration and "
                              "nodes; found ",
                              Describe(root)));
    return;
  }
  std::optional<MapReader> top = MapReader::Open(reader, root, "", kTopKeys);
  ReadHeader(reader, *top, scenario);
  ReadJoinLock(reader, *top, scenario);
  ReadCets(reader, *top, scenario);
  ReadHosts(reader, *top, scenario);
  ReadDefaults(reader, *top, scenario);
  if (const YamlNode* tables = top->Find("tables")) {
    if (auto list = ReadTableList(reader, *tables, "tables")) scenario.tables = std::move(*list);
  }

  const YamlNode* nodes = top->Require("nodes");
  reader.set_nodes_known(nodes != nullptr && DeclareNodes(reader, *nodes));
  if (const YamlNode* backend = top->Find("backend")) {
    if (std::optional<BackendOverrides> overrides = ReadBackend(reader, *backend, "backend")) {
      scenario.backend = ApplyOverrides(BackendConfig{}, *overrides);
    }
  }
  if (nodes != nullptr && reader.nodes_known()) ReadNodes(reader, *nodes, scenario);
  CheckHostRefs(reader, root, scenario);

  if (const YamlNode* timeline = top->Find("timeline")) ReadTimeline(reader, *timeline, scenario);
  if (const YamlNode* expect = top->Find("expect")) ReadExpectations(reader, *expect, scenario);
}

}  // namespace discosim::scenario::internal
