// The grid of `discosim sweep`: one or two `--vary KEY=VALUES` axes, each
// value a YAML value put into the file at KEY before it is read
// (scenario::ValueOverride), and the scenario of every point of the grid.
//
// KEY is a key path of the file (`defaults.net_ticktime`, `backend.latency`,
// `join_lock`, `nodes[0].count`, ...), or a shorthand:
//   nodes    the count of the file's one node template (`names:`/`count:`)
//   tables   a number N: the top-level tables t1..tN (a list is put as is)
// VALUES is a comma-separated list (commas inside [] {} or quotes do not
// split: `join_lock={},{wait: sleep},{backoff: [1ms, 20ms]}`), or a range of
// whole numbers `A..B` or `A..B:STEP` (`nodes=2..20:2`).
//
//   absl::StatusOr<Axis> axis = ParseAxis("nodes=2..8:2");   // 2, 4, 6, 8
//   absl::StatusOr<std::vector<Point>> grid = BuildGrid(file, {*axis}, limits);
#ifndef DISCOSIM_SIM_STATS_SWEEP_H_
#define DISCOSIM_SIM_STATS_SWEEP_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/scenario/parse.h"
#include "sim/scenario/scenario.h"

namespace discosim::stats {

struct Axis {
  std::string key;                  // as given (`nodes`, `defaults.net_ticktime`)
  std::vector<std::string> values;  // as given, in order
};

// Reads one --vary argument. Errors say what to write.
absl::StatusOr<Axis> ParseAxis(const std::string& text);

// One point of the grid: a value of each axis, and the file read with them.
struct Point {
  std::vector<std::string> values;  // by axis
  scenario::Scenario scenario;
};

// Every point, the first axis varying slowest. A value the file refuses is
// an error naming the --vary argument and the file's message. REQUIRES: 1 or 2 axes.
absl::StatusOr<std::vector<Point>> BuildGrid(const std::string& file, const std::vector<Axis>& axes,
                                             const scenario::ScenarioLimits& limits);

// The value of an axis as a number for a plot's x axis: a whole number, or a
// duration in ms ("20s"); none for anything else (the axis is then a list of names).
std::optional<int64_t> NumericValue(const std::string& value);

}  // namespace discosim::stats

#endif  // DISCOSIM_SIM_STATS_SWEEP_H_
