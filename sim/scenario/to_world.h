// A scenario in the world's terms: the WorldConfig its header and nodes
// describe, and the world Action each timeline step stands for. The runner
// (run.cc) builds and drives the world with them; the validation
// (validate.cc) checks them against the world's rule book
// (sim/world/validate.h) before any world exists.
//
//   world::WorldConfig config = WorldConfigOf(scenario);
//   ActionTranslator translate(scenario);
//   for (size_t i = 0; i < scenario.timeline.size(); ++i) {
//     world::Action action = translate.Translate(scenario.timeline[i], i);
//   }
#ifndef DISCOSIM_SIM_SCENARIO_TO_WORLD_H_
#define DISCOSIM_SIM_SCENARIO_TO_WORLD_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>

#include "sim/scenario/scenario.h"
#include "sim/world/action.h"
#include "sim/world/config.h"

namespace discosim::scenario {

// The world config of `scenario` with the world's default limits, the
// file's seed and a trace kept as a hash only.
world::WorldConfig WorldConfigOf(const Scenario& scenario);

// The engine message a raw `send` message stands for.
engine::Message ToEngine(const RawMessage& message);

// Turns timeline steps into world actions, in timeline order. `dns` keys
// not given keep their value, so the translator remembers each node's
// current DNS answer; a call without an id gets "timeline[<index>]".
class ActionTranslator {
 public:
  explicit ActionTranslator(const Scenario& scenario);

  // REQUIRES: called once per step, in timeline order.
  world::Action Translate(const TimelineStep& step, size_t index);

 private:
  std::map<NodeName, std::pair<int64_t, DnsAnswer>> dns_;
};

}  // namespace discosim::scenario

#endif  // DISCOSIM_SIM_SCENARIO_TO_WORLD_H_
