// Judging one expectation condition against the world as it is now.
//
// Each condition of docs/scenario-format.md reads the world through its
// public API only; `observed` says, in a line, what was seen when the
// condition does not hold (and is empty when it does).
#ifndef DISCOSIM_SIM_SCENARIO_CONDITIONS_H_
#define DISCOSIM_SIM_SCENARIO_CONDITIONS_H_

#include <string>

#include "sim/scenario/scenario.h"
#include "sim/world/world.h"

namespace discosim::scenario {

struct Verdict {
  bool holds = false;
  std::string observed;  // when !holds: what was seen instead
};

Verdict Evaluate(const Condition& condition, const world::World& world);

}  // namespace discosim::scenario

#endif  // DISCOSIM_SIM_SCENARIO_CONDITIONS_H_
