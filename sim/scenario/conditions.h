// Judging one expectation condition against the world as it is now.
//
// Each condition of docs/scenario-format.md reads the cluster through
// `Observable` only (the simulated world or real nodes); `observed` says, in
// a line, what was seen when the condition does not hold (and is empty when
// it does).
#ifndef DISCOSIM_SIM_SCENARIO_CONDITIONS_H_
#define DISCOSIM_SIM_SCENARIO_CONDITIONS_H_

#include <cstdint>
#include <string>

#include "sim/scenario/scenario.h"
#include "sim/scenario/observable.h"

namespace discosim::scenario {

struct Verdict {
  bool holds = false;
  std::string observed;  // when !holds: what was seen instead
};

struct EvaluateOptions {
  // get_nodes_calls `times`: how far each call may be from its listed time
  // (0 in simulation, where times are exact; real runs jitter).
  int64_t times_tolerance_ms = 0;
};

Verdict Evaluate(const Condition& condition, const Observable& world,
                 const EvaluateOptions& options = {});

}  // namespace discosim::scenario

#endif  // DISCOSIM_SIM_SCENARIO_CONDITIONS_H_
