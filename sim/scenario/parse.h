// Reading scenario files (docs/scenario-format.md) into a validated
// `Scenario` (sim/scenario/scenario.h).
//
// Every mistake in a file is reported as one line
//   FILE:LINE:COL: key.path[2].sub: message
// (1-based line and column of the offending text, the key path down to the
// innermost key, list indices 0-based), with a hint where one helps
// (`did you mean "nodes"?`). All mistakes found in one file are reported,
// sorted by position, one per line, up to 50; the status is then
// InvalidArgument and nothing may be run.
//
// Input is bounded: files over `ScenarioLimits::max_file_bytes` are refused
// before parsing, YAML anchors and aliases are refused (so alias bombs never
// expand), nesting deeper than 64 levels is refused, and the number of
// nodes, tables, timeline steps and expectations is capped.
//
// Usage:
//   absl::StatusOr<Scenario> scenario = LoadScenarioFile("scenarios/heal.yaml");
//   if (!scenario.ok()) { std::cerr << scenario.status().message() << "\n"; return 2; }
#ifndef DISCOSIM_SIM_SCENARIO_PARSE_H_
#define DISCOSIM_SIM_SCENARIO_PARSE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/scenario/scenario.h"

namespace discosim::scenario {

// Caps on what one scenario file may ask for. A file over a limit is refused
// with a message naming the limit and the `discosim` flag that raises it.
struct ScenarioLimits {
  int64_t max_file_bytes = 1 << 20;  // --max-file-bytes
  int64_t max_nodes = 1'000;         // --max-nodes
  int64_t max_tables = 100;          // --max-tables: distinct table names in the file
  int64_t max_timeline_steps = 10'000;  // --max-timeline-steps
  int64_t max_expectations = 10'000;    // --max-expectations
};

// A value put in place of one key of the file before it is read, as
// `discosim sweep --vary KEY=VALUE` does. `path` names the key: map keys
// joined by dots, list items as [i] from 0 (`defaults.net_ticktime`,
// `nodes[0].count`, `join_lock`); a key the file lacks is added to its map
// (and the maps above it). `value` is YAML flow text (`10s`, `[1ms, 20ms]`,
// `{wait: sleep}`). The value is read as if written where the key is (or
// at its map, for an added key): a mistake in it is reported there.
struct ValueOverride {
  std::string path;
  std::string value;
};

// Parses and validates the scenario in `text`, with `overrides` applied in
// order. `file_name` is only used in messages and in the positions recorded
// in the result. A path that does not fit the file (a list where it names a
// key, an item past the end) or a value that is not YAML: InvalidArgument
// "PATH: what is wrong", without the file name.
absl::StatusOr<Scenario> ParseScenario(std::string_view text, std::string_view file_name,
                                       const ScenarioLimits& limits = {},
                                       const std::vector<ValueOverride>& overrides = {});

// Reads the file at `path` (refusing it unread when it is larger than
// limits.max_file_bytes) and parses it as ParseScenario(text, path) does.
// A file that cannot be read: NotFound or PermissionDenied ("PATH: ...").
absl::StatusOr<Scenario> LoadScenarioFile(const std::string& path,
                                          const ScenarioLimits& limits = {},
                                          const std::vector<ValueOverride>& overrides = {});

}  // namespace discosim::scenario

#endif  // DISCOSIM_SIM_SCENARIO_PARSE_H_
