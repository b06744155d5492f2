// The backends room: each node's get_nodes backend, a separate service (a
// file, DNS SRV records, a Kubernetes API) whose latency and errors do not
// depend on the network. Each call answers after its latency with the node
// list, or with {error, simulated}: scripted (a count of calls, or a window
// until a time) or drawn from the node's own error stream at its rate. Or
// it raises (backend_crash, crash_rate): then `crashed`, not an answer.
//
// Owns: per node the backend's list, latency range, error and crash rates,
// scripted failures and crash, its latency, error and crash streams, and
// the call in flight.
// Touches: the kernel (clock, queue, trace, observations). Calls back, as
// wired where the world is built: `answered` (the result goes to the node's
// discovery), `crashed` (the call raised: the node's discovery process
// dies), `fault_removed` (a backend_fail {count} or a backend_crash is used
// up). Called by: discovery (a call), the timeline (backend, backend_fail,
// backend_crash), start / stop.
#ifndef DISCOSIM_SIM_WORLD_BACKEND_H_
#define DISCOSIM_SIM_WORLD_BACKEND_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "engine/types.h"
#include "sim/world/action.h"
#include "sim/world/config.h"
#include "sim/world/event.h"
#include "sim/world/kernel.h"
#include "sim/world/random.h"

namespace discosim::world {

// An error rate as parts per million, for integer Chance draws.
uint64_t ErrorRatePpm(double rate);

class Backend {
 public:
  explicit Backend(Kernel& kernel) : k_(kernel) {}

  // One backend per node (`all_names`: the list of a backend that names none).
  void Build(const std::vector<BackendConfig>& configs, const std::vector<NodeName>& all_names);
  // The timeline's backend and backend_fail, for node n.
  void Change(NodeId n, const action::Backend& change);
  void Fail(NodeId n, const action::BackendFail& fail);
  void CrashNext(NodeId n) { nodes_[n].crash_next = true; }

  // n's discovery calls get_nodes; the answer comes through `answered`
  // after the call's latency (if n still runs the same incarnation).
  void Call(NodeId n, engine::BackendState backend_state);
  void OnDone(const Event& event);  // kBackendDone
  // n stopped or started: no call in flight.
  void Clear(NodeId n) { nodes_[n].pending.reset(); }

  std::function<void(NodeId n, engine::GetNodesDone done)> answered;
  std::function<void(NodeId n)> crashed;
  std::function<void()> fault_removed;

 private:
  struct Pending {
    engine::GetNodesDone done;
    bool crashes = false;  // raises instead of answering
  };
  struct PerNode {
    std::vector<NodeName> nodes;
    LatencyRange latency;
    uint64_t error_ppm = 0;  // error rate in parts per million
    uint64_t crash_ppm = 0;  // crash rate in parts per million
    int64_t fail_count = 0;
    TimeMs fail_until_ms = 0;
    bool crash_next = false;  // backend_crash: the next call raises
    Rng rng_latency{0};
    Rng rng_errors{0};
    Rng rng_crashes{0};
    std::optional<Pending> pending;  // the call in flight
  };
  // Whether this call raises (a scripted crash first, then the rate).
  bool DrawCrash(PerNode& b);
  // Whether this call answers {error, simulated}; `last_failure`: it used
  // up a backend_fail count.
  bool DrawFailure(PerNode& b, bool& last_failure);

  Kernel& k_;
  std::vector<PerNode> nodes_;
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_BACKEND_H_
