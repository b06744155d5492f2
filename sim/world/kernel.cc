// The kernel's clock, queue, ids, trace notes and node lookup.
#include "sim/world/kernel.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "sim/world/check.h"

namespace discosim::world {

Kernel::Kernel(WorldConfig config_in)
    : config(std::move(config_in)),
      queue(config.limits.max_queued_events),
      trace(config.trace == TraceMode::kKeepLines) {}

void Kernel::Push(TimeMs at_ms, const Event& event) {
  // Relative to the exact clock: a delay keeps the sub-millisecond part of now.
  PushUs(now_us() + (at_ms - now()) * kUsPerMs, event);
}

void Kernel::PushAtMs(TimeMs at_ms, const Event& event) {
  PushUs(std::max(at_ms * kUsPerMs, now_us()), event);
}

void Kernel::PushUs(int64_t at_us, const Event& event) {
  if (!queue.Push(at_us, event)) {
    Fail(absl::StrCat("the event queue holds max_queued_events (",
                      config.limits.max_queued_events, ") events"));
  }
}

void Kernel::Fail(std::string message) {
  if (failed()) return;
  const std::string event = describe_event ? describe_event(current_event) : "-";
  error = absl::FailedPreconditionError(
      absl::StrCat("t=", now(), "ms, event ", event, ": ", message));
}

std::optional<NodeId> Kernel::Find(std::string_view name) const {
  auto it = by_name.find(name);
  if (it == by_name.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<NodeId> Kernel::Require(std::string_view name, std::string_view what) const {
  std::optional<NodeId> id = Find(name);
  if (!id.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(what), ": unknown node \"", std::string(name), "\""));
  }
  return *id;
}

void Kernel::Note(uint32_t kind, NodeId node, NodeId peer, int64_t detail, const std::string& text) {
  trace.Add(now(), kind, node, peer, detail, trace.keep_lines() ? text : std::string());
}

void Kernel::Resume(const Cont& cont, uint64_t value) {
  WORLD_CHECK(cont.kind != ContKind::kNone, "resuming no continuation");
  Push(now(), Event::Resume(static_cast<uint8_t>(cont.kind), cont.node, cont.peer, cont.id,
                           value));
}

const char* ToString(NoteKind kind) {
  switch (kind) {
    case NoteKind::kEvent: return "event";
    case NoteKind::kNodeStart: return "node_start";
    case NoteKind::kNodeStop: return "node_stop";
    case NoteKind::kConnUp: return "conn_up";
    case NoteKind::kConnDown: return "conn_down";
    case NoteKind::kDiscoveryStep: return "discovery_step";
    case NoteKind::kAction: return "action";
    case NoteKind::kSetupFailed: return "setup_failed";
    case NoteKind::kGlobalReport: return "global_lost_connection";
    case NoteKind::kGlobalRemove: return "global_remove_connection";
    case NoteKind::kLockGranted: return "lock_granted";
    case NoteKind::kLockAborted: return "lock_aborted";
    case NoteKind::kJoinResult: return "join_result";
    case NoteKind::kGetNodes: return "get_nodes";
    case NoteKind::kReply: return "reply";
    case NoteKind::kDropped: return "dropped";
    case NoteKind::kPing: return "ping";
    case NoteKind::kMonitorDown: return "monitor_down";
  }
  return "?";
}

}  // namespace discosim::world
