// Whole-world invariants, checked after every event in the sanitizer build
// (DISCOSIM_SANITIZE sets DISCOSIM_WORLD_CHECK_EVERY_EVENT; see
// World::DispatchNext) and callable directly by tests:
//
//   - no end counts itself, and an up end means its node runs;
//   - a stopped node holds no mailbox, timers or visible peers;
//   - nodes() (the visible set) is exactly the peers of up, visible ends;
//   - every lock holder is counted once (lock_holders), every contender once
//     (lock_contenders), every spinner once on its host.
//
//   std::string broken = CheckInvariants(sim);  // empty: all hold
#ifndef DISCOSIM_SIM_WORLD_INVARIANTS_H_
#define DISCOSIM_SIM_WORLD_INVARIANTS_H_

#include <string>

namespace discosim::world {

struct Sim;

// The first broken invariant, described; empty when all hold. Worlds of more
// than kFullCheckNodesMax nodes have their pair checks (ends, visible sets)
// done for the current event's node and peer only.
inline constexpr unsigned kFullCheckNodesMax = 8;  // the fuzzer's largest worlds
std::string CheckInvariants(const Sim& sim);

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_INVARIANTS_H_
