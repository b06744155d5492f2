// Turning a scenario file's YAML tree into a validated `Scenario`: one reader
// per part of the format. Each reports every mistake it finds to the Reader
// and fills what it could read; the result is only used when no mistake was
// reported.
//
// Internal to sim/scenario. Order matters: node names are declared (and the
// run's duration read) before anything that refers to them is read, and
// the timeline (call ids, tables) before the expectations.
#ifndef DISCOSIM_SIM_SCENARIO_BUILD_H_
#define DISCOSIM_SIM_SCENARIO_BUILD_H_

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sim/scenario/reader.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/yaml_tree.h"

namespace discosim::scenario::internal {

// The whole file. `root` is the document's root node.
void BuildScenario(Reader& reader, const YamlNode& root, Scenario& scenario);

// build_nodes.cc: `defaults`, `backend` and `nodes`.
// The settings keys (node_settings.h, then `host`), as `defaults:` holds them.
std::vector<std::string_view> SettingsKeys();
// Where ReadSettings puts what it reads: the values over what they had, and
// the names of the keys written.
struct WrittenSettings {
  NodeSettings& settings;
  std::optional<std::string>& host;
  std::set<std::string>& keys;
};
// Reads the node settings keys present in `map` (defaults or one node).
void ReadSettings(Reader& reader, const MapReader& map, WrittenSettings out);
// Reads the backend keys (nodes, latency, error_rate) present in `map`.
BackendOverrides ReadBackendKeys(Reader& reader, const MapReader& map);
// `backend:` (top level or on one node): a map of backend keys.
std::optional<BackendOverrides> ReadBackend(Reader& reader, const YamlNode& node,
                                            std::string_view path);
// First pass over `nodes`: checks and declares every node name, so that
// anything may refer to any node. False when the list itself is unusable.
bool DeclareNodes(Reader& reader, const YamlNode& nodes);
// Second pass: every node in full.
void ReadNodes(Reader& reader, const YamlNode& nodes, Scenario& scenario);

// build_timeline.cc
void ReadTimeline(Reader& reader, const YamlNode& timeline, Scenario& scenario);

// build_expect.cc
void ReadExpectations(Reader& reader, const YamlNode& expect, Scenario& scenario);

}  // namespace discosim::scenario::internal

#endif  // DISCOSIM_SIM_SCENARIO_BUILD_H_
