// The order in which a real run carries out a scenario's starts and timeline
// steps (runner.cc), apart so that it can be tested without Erlang.
//
//   std::vector<Due> due = Schedule(scenario);
//   size_t next = 0;
//   std::vector<engine::NodeName> starting = TakeStartsOfInstant(due, next);
#ifndef DISCOSIM_REAL_SCHEDULE_H_
#define DISCOSIM_REAL_SCHEDULE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "engine/types.h"
#include "sim/scenario/scenario.h"

namespace discosim::real {

// One thing to do at `at_ms`: a node's own start (its start_at), or
// timeline step number `step`.
struct Due {
  int64_t at_ms;
  std::optional<engine::NodeName> node_start;
  size_t step = 0;
};

// Every node's own start and every timeline step, by time. At equal times:
// backend and backend_fail steps first, then node starts (the world
// schedules them before the timeline), then the other steps.
std::vector<Due> Schedule(const scenario::Scenario& scenario);

// When due[next] is a node start: it and every node start right after it at
// the same time (next moves past them all), to be started as one (the world
// starts all nodes of an instant before any of them sends a message; real
// nodes started one by one would ping the later ones before their
// distribution is up: epmd answers noport, the ping pang). Else: empty, next
// unchanged.
std::vector<engine::NodeName> TakeStartsOfInstant(const std::vector<Due>& due, size_t& next);

}  // namespace discosim::real

#endif  // DISCOSIM_REAL_SCHEDULE_H_
