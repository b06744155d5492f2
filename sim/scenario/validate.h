// The invariants of a `Scenario` (scenario.h), checked on the struct itself.
//
// ParseScenario already refuses files that break them, with exact positions;
// this check is for scenarios built in code (generators, property tests, a
// runner handed a struct) and is also run by ParseScenario on its result as
// a last guard. Each broken rule is one line: "FILE:LINE:COL: path: message"
// when the step or expectation has a position, "path: message" otherwise.
//
// Usage:
//   Scenario scenario = GenerateScenario(seed);
//   if (absl::Status status = ValidateScenario(scenario); !status.ok()) { ... }
#ifndef DISCOSIM_SIM_SCENARIO_VALIDATE_H_
#define DISCOSIM_SIM_SCENARIO_VALIDATE_H_

#include "absl/status/status.h"
#include "sim/scenario/parse.h"
#include "sim/scenario/scenario.h"

namespace discosim::scenario {

// OK when `scenario` satisfies every rule of docs/scenario-format.md and the
// limits; otherwise InvalidArgument listing each broken rule (up to 50).
absl::Status ValidateScenario(const Scenario& scenario, const ScenarioLimits& limits = {});

}  // namespace discosim::scenario

#endif  // DISCOSIM_SIM_SCENARIO_VALIDATE_H_
