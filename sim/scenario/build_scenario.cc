// Reading the top level of a scenario file (see build.h).
#include <string_view>

#include "sim/scenario/build.h"
#include "sim/scenario/text.h"

namespace discosim::scenario::internal {
namespace {

constexpr std::string_view kTopKeys[] = {"name",   "description", "seed",  "duration", "defaults",
                                         "tables", "backend",     "nodes", "timeline", "expect"};

// The node settings keys, as `defaults:` holds them.
constexpr std::string_view kDefaultsKeys[] = {
    "dist_auto_connect", "connect_all", "prevent_overlapping_partitions",
    "hidden",            "net_ticktime", "net_setuptime",
    "latency",           "dns_delay",   "connect_delay",
    "dns_cache_ttl"};

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
  if (std::optional<MapReader> map = MapReader::Open(reader, *defaults, "defaults", kDefaultsKeys)) {
    scenario.defaults = ApplyOverrides(NodeSettings{}, ReadSettings(reader, *map));
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
  ReadDefaults(reader, *top, scenario);
  if (const YamlNode* tables = top->Find("tables")) {
    if (auto list = ReadTableList(reader, *tables, "tables")) scenario.tables = std::move(*list);
  }

  const YamlNode* nodes = top->Require("nodes");
  reader.set_nodes_known(nodes != nullptr && DeclareNodes(reader, *nodes));
  if (const YamlNode* backend = top->Find("backend")) {
    if (std::optional<BackendOverrides> overrides = ReadBackend(reader, *backend, "backend")) {
      scenario.backend = ApplyOverrides(Backend{}, *overrides);
    }
  }
  if (nodes != nullptr && reader.nodes_known()) ReadNodes(reader, *nodes, scenario);

  if (const YamlNode* timeline = top->Find("timeline")) ReadTimeline(reader, *timeline, scenario);
  if (const YamlNode* expect = top->Find("expect")) ReadExpectations(reader, *expect, scenario);
}

}  // namespace discosim::scenario::internal
