// Running a validated scenario: build the world it describes, schedule its
// timeline, run it in virtual time, and judge each expectation.
//
// When expectations are judged (docs/scenario-format.md):
//   at: T            the state after every event at or before T.
//   by: T, from: F   some instant in [F, T]; the first such instant is reported.
//   always / never   after every event in [from, until], and at `from` itself.
//   after_heal: W    some instant in [L, L + W], L being the last time a fault
//                    was removed (0 when none was); the run goes on past
//                    `duration` until L + W when it must.
// "The state at an instant" is the state after the last event at that time.
//
// Usage:
//   absl::StatusOr<ScenarioRun> run = RunScenario(scenario, {});
//   for (const ExpectationResult& r : run->results) ...
#ifndef DISCOSIM_SIM_SCENARIO_RUN_H_
#define DISCOSIM_SIM_SCENARIO_RUN_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/scenario/judge.h"
#include "sim/scenario/scenario.h"
#include "sim/world/world.h"

namespace discosim::scenario {

struct RunOptions {
  std::optional<uint64_t> seed;  // overrides the file's seed
  world::TraceMode trace = world::TraceMode::kHashOnly;
  world::Limits limits;
  world::EngineObserver engine_observer;  // every engine call of the run (oracle/)
};

struct ScenarioRun {
  const Scenario* scenario = nullptr;
  uint64_t seed = 0;
  int64_t end_ms = 0;  // duration, or later when after_heal extended the run
  world::RunResult run;
  std::vector<ExpectationResult> results;  // in the order of scenario->expectations
  std::unique_ptr<world::World> world;     // the world as the run left it

  int passed() const;
  int failed() const;
};

// The world config the scenario describes (exposed for tests and tools).
world::WorldConfig ToWorldConfig(const Scenario& scenario, const RunOptions& options);

// Runs `scenario` to its end. Errors: the world refused the scenario or an
// action (names it), or the run hit a limit (names the limit and its flag).
absl::StatusOr<ScenarioRun> RunScenario(const Scenario& scenario, const RunOptions& options);

}  // namespace discosim::scenario

#endif  // DISCOSIM_SIM_SCENARIO_RUN_H_
