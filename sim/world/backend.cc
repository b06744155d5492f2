// The backends room (see backend.h).
#include "sim/world/backend.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace discosim::world {

uint64_t ErrorRatePpm(double rate) {
  return static_cast<uint64_t>(rate * 1'000'000.0 + 0.5);
}

void Backend::Build(const std::vector<BackendConfig>& configs,
                    const std::vector<NodeName>& all_names) {
  nodes_.assign(configs.size(), PerNode{});
  for (NodeId id = 0; id < configs.size(); ++id) {
    PerNode& b = nodes_[id];
    b.nodes = configs[id].nodes.value_or(all_names);
    b.latency = configs[id].latency;
    b.error_ppm = ErrorRatePpm(configs[id].error_rate);
    b.crash_ppm = ErrorRatePpm(configs[id].crash_rate);
    b.rng_latency = Rng::ForStream(k_.config.seed, Subsystem::kBackendLatency, id);
    b.rng_errors = Rng::ForStream(k_.config.seed, Subsystem::kBackendErrors, id);
    b.rng_crashes = Rng::ForStream(k_.config.seed, Subsystem::kBackendCrashes, id);
  }
}

void Backend::Change(NodeId n, const action::Backend& change) {
  PerNode& b = nodes_[n];
  if (change.nodes.has_value()) b.nodes = *change.nodes;
  if (change.latency.has_value()) b.latency = *change.latency;
  if (change.error_rate.has_value()) b.error_ppm = ErrorRatePpm(*change.error_rate);
  if (change.crash_rate.has_value()) b.crash_ppm = ErrorRatePpm(*change.crash_rate);
}

void Backend::Fail(NodeId n, const action::BackendFail& fail) {
  PerNode& b = nodes_[n];
  if (fail.count.has_value()) b.fail_count = *fail.count;
  if (fail.until_ms.has_value()) b.fail_until_ms = *fail.until_ms;
}

bool Backend::DrawCrash(PerNode& b) {
  if (b.crash_next) {
    b.crash_next = false;
    if (fault_removed) fault_removed();  // backend_crash is used up
    return true;
  }
  return b.crash_ppm > 0 && b.rng_crashes.Chance(b.crash_ppm, 1'000'000);
}

bool Backend::DrawFailure(PerNode& b, bool& last_failure) {
  if (b.fail_count > 0) {
    last_failure = --b.fail_count == 0;
    if (last_failure && fault_removed) fault_removed();  // backend_fail is over
    return true;
  }
  if (k_.now() < b.fail_until_ms) return true;
  return b.error_ppm > 0 && b.rng_errors.Chance(b.error_ppm, 1'000'000);
}

void Backend::Call(NodeId n, engine::BackendState backend_state) {
  PerNode& b = nodes_[n];
  const NodeRt& node = k_.nodes[n];
  // A call that raises returns nothing: it uses up no scripted failure.
  const bool crashes = DrawCrash(b);
  bool last_failure = false;
  const bool fails = !crashes && DrawFailure(b, last_failure);
  const LatencyRange& latency = b.latency;
  const TimeMs latency_ms = latency.min_ms == latency.max_ms
                                ? latency.min_ms
                                : b.rng_latency.Range(latency.min_ms, latency.max_ms);
  Pending pending;
  pending.crashes = crashes;
  pending.done.result = fails ? engine::GetNodesResult::Error("simulated")
                              : engine::GetNodesResult::Ok(b.nodes);
  pending.done.backend_state = backend_state + 1;  // the backend counts its calls
  b.pending = std::move(pending);
  k_.observations.GetNodesStarted(n, node.incarnation, k_.now(), fails || crashes);
  // A {count} window ends with the answer of its last failed call.
  if (last_failure) k_.observations.BackendFailCountUsed(n, k_.now() + latency_ms);
  const int64_t detail = crashes ? 2 : fails ? 1 : 0;
  k_.NoteLazy(static_cast<uint32_t>(NoteKind::kGetNodes), n, kNoNode, detail, [&] {
    const char* what = crashes ? "crash" : fails ? "error" : "ok";
    return absl::StrCat(k_.now(), " ", node.name, " get_nodes ", what, " in ", latency_ms, "ms");
  });
  k_.Push(k_.now() + latency_ms, Event::BackendDone(n, node.incarnation));
}

void Backend::OnDone(const Event& event) {
  const NodeRt& node = k_.nodes[event.node];
  PerNode& b = nodes_[event.node];
  if (!node.running || node.incarnation != event.a || !b.pending.has_value()) return;
  Pending pending = std::move(*b.pending);
  b.pending.reset();
  k_.observations.GetNodesAnswered(event.node, k_.now());
  if (pending.crashes) {
    crashed(event.node);
  } else {
    answered(event.node, std::move(pending.done));
  }
}

}  // namespace discosim::world
