// get_nodes backends: a separate service (a file, DNS SRV records, a
// Kubernetes API) whose latency and errors do not depend on the network.
// Each call answers after its latency with the node list, or with
// {error, simulated}: scripted (a count of calls, or a window until a time)
// or drawn from the node's own error stream at the configured rate.
#include <utility>

#include "absl/strings/str_cat.h"
#include "sim/world/sim.h"

namespace discosim::world {

void Sim::StartGetNodes(NodeId n, engine::BackendState backend_state) {
  NodeRt& node = nodes[n];
  BackendRt& backend = node.backend;
  node.get_nodes_calls.push_back(now());
  bool fails = false;
  bool last_failure = false;
  if (backend.fail_count > 0) {
    fails = true;
    last_failure = --backend.fail_count == 0;
    if (last_failure) MarkFaultRemoved();  // backend_fail is over
  } else if (now() < backend.fail_until_ms) {
    fails = true;
  } else if (backend.error_ppm > 0) {
    fails = node.rng_backend_errors.Chance(backend.error_ppm, 1'000'000);
  }
  const LatencyRange& latency = backend.latency;
  const TimeMs latency_ms = latency.min_ms == latency.max_ms
                                ? latency.min_ms
                                : node.rng_backend_latency.Range(latency.min_ms, latency.max_ms);
  engine::GetNodesDone done;
  done.result = fails ? engine::GetNodesResult::Error("simulated")
                      : engine::GetNodesResult::Ok(backend.nodes);
  done.backend_state = backend_state + 1;  // the backend counts its calls
  node.get_nodes_pending = std::move(done);
  observations.GetNodesStarted(n, node.incarnation, now(), fails);
  // A {count} window ends with the answer of its last failed call.
  if (last_failure) observations.BackendFailCountUsed(n, now() + latency_ms);
  NoteLazy(static_cast<uint32_t>(NoteKind::kGetNodes), n, kNoNode, fails ? 1 : 0, [&] {
    return absl::StrCat(now(), " ", node.name, " get_nodes ", fails ? "error" : "ok", " in ",
                        latency_ms, "ms");
  });
  Push(now() + latency_ms, Event::BackendDone(n, node.incarnation));
}

void Sim::OnBackendDone(const Event& event) {
  NodeRt& node = nodes[event.node];
  if (!node.running || node.incarnation != event.a || !node.get_nodes_pending.has_value()) return;
  engine::GetNodesDone done = std::move(*node.get_nodes_pending);
  node.get_nodes_pending.reset();
  observations.GetNodesAnswered(event.node, now());
  DeliverToDiscovery(event.node, std::move(done));
}

}  // namespace discosim::world
