// One run of a scenario under one seed, boiled down to the numbers the
// statistics need: each written expectation's verdict and decision time,
// the time until every node was ready and each table whole (from the start
// and from each heal), and the run's counts (events, join lock attempts and
// grants, merges, get_nodes calls, pings).
//
// The times are judged by the scenario's own judge: a Plan appends to the
// scenario, after its written expectations, one `by:` expectation per time
// figure (`{by: END, ready: all}`, `{by: END, joined: {table: T, nodes:
// all}}`, and the same with `from: H` for each heal at H), so "ready" and
// "whole" mean exactly what those conditions mean in a file, and the time
// is the first instant the condition held (docs/stats.md).
//
//   Plan plan = PlanFor(scenario);
//   RunRecord r = RunOnce(plan, /*seed=*/7, world::Limits{});
#ifndef DISCOSIM_SIM_STATS_RUNS_H_
#define DISCOSIM_SIM_STATS_RUNS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/scenario/scenario.h"
#include "sim/world/config.h"

namespace discosim::stats {

// A time figure: the first instant a condition held, from `from_ms`.
struct TimeFigure {
  std::string name;  // "ready", "whole sessions", "converged", "ready after heal at 4m", ...
  int64_t from_ms = 0;
  // The appended expectations whose times it is: one for "ready" and
  // "whole T" (the time), several for "converged" (the latest of them).
  std::vector<size_t> expectations;
};

// The names of the per-run counts, in the order of RunRecord::counts.
inline constexpr const char* kCountNames[] = {
    "events",       "join lock attempts", "join lock grants", "merges",
    "get_nodes calls", "discovery pings",
};
inline constexpr size_t kCountFigures = sizeof(kCountNames) / sizeof(kCountNames[0]);

struct Plan {
  scenario::Scenario scenario;  // the file's, with the figures' expectations appended
  size_t written = 0;           // the file's own expectations are [0, written)
  std::vector<TimeFigure> times;
};

// The figures of `scenario`: ready, each table whole (the tables every
// started node has at the start, or those of the nodes that have it), and
// converged (the later of the two), from the start and from each heal step.
Plan PlanFor(const scenario::Scenario& scenario);

struct ExpectationOutcome {
  bool passed = false;
  // by: from its `from`; after_heal: from the last fault removal. None for
  // the other qualifiers and for a failure.
  std::optional<int64_t> decision_ms;
  friend bool operator==(const ExpectationOutcome&, const ExpectationOutcome&) = default;
};

struct RunRecord {
  uint64_t seed = 0;
  // The run stopped at a limit or the world refused it: no figures then.
  std::optional<std::string> stopped;
  std::vector<ExpectationOutcome> expectations;  // the written ones, in file order
  std::vector<std::optional<int64_t>> times;     // by Plan::times; none: not reached
  std::vector<int64_t> counts;                   // by kCountNames
  friend bool operator==(const RunRecord&, const RunRecord&) = default;
};

// Runs the plan's scenario under `seed` (hash-only trace) within `limits`.
RunRecord RunOnce(const Plan& plan, uint64_t seed, const world::Limits& limits);

}  // namespace discosim::stats

#endif  // DISCOSIM_SIM_STATS_RUNS_H_
