// The kernel: what every room of the world shares and nothing else. The
// event queue and the clock, the trace, the one id counter, the run error,
// the node table (name, settings, incarnation), the counters and the
// observation stream. A room (network, net_kernel, global, the join lock,
// rpc, cets_ping, cets_join, discovery, backends) takes a Kernel& and keeps
// its own state; it schedules its events here and resumes its callers
// through Resume.
#ifndef DISCOSIM_SIM_WORLD_KERNEL_H_
#define DISCOSIM_SIM_WORLD_KERNEL_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sim/world/config.h"
#include "sim/world/event.h"
#include "sim/world/event_queue.h"
#include "sim/world/node.h"
#include "sim/world/observation_log.h"
#include "sim/world/trace.h"
#include "sim/world/world.h"

namespace discosim::world {

// Trace record kinds beyond the event kinds (event kinds use their own values).
enum class NoteKind : uint32_t {
  kEvent = 0x100,  // + EventKind
  kNodeStart = 0x200,
  kNodeStop,
  kConnUp,
  kConnDown,
  kDiscoveryStep,
  kAction,
  kSetupFailed,
  kGlobalReport,
  kGlobalRemove,
  kLockGranted,
  kLockAborted,
  kJoinResult,
  kGetNodes,
  kReply,
  kDropped,
  kPing,  // detail: 0 started, 1 pong, 2 pang
  kMonitorDown,  // a merged-in peer dropped: no connection to its node
};
const char* ToString(NoteKind kind);

struct Kernel {
  explicit Kernel(WorldConfig config);

  // The clock counts microseconds; everything outside the lock and CPU
  // models reads it in whole milliseconds (floor), and Push takes a time in
  // ms that keeps the sub-millisecond part of now (a delay, in effect).
  static constexpr int64_t kUsPerMs = 1'000;
  TimeMs now() const { return queue.now() / kUsPerMs; }
  int64_t now_us() const { return queue.now(); }
  void Push(TimeMs at_ms, const Event& event);       // relative to the exact clock
  void PushUs(int64_t at_us, const Event& event);
  void PushAtMs(TimeMs at_ms, const Event& event);   // an absolute time (actions)
  // Resumes `cont` with `value` at this instant (a kResume event).
  void Resume(const Cont& cont, uint64_t value);
  uint64_t NewId() { return next_id++; }

  // The first failure ends the run; later ones are dropped.
  void Fail(std::string message);
  bool failed() const { return !error.ok(); }
  bool calibrated() const { return config.join_model == JoinModel::kCalibrated; }

  std::optional<NodeId> Find(std::string_view name) const;
  absl::StatusOr<NodeId> Require(std::string_view name, std::string_view what) const;
  const std::string& Name(NodeId id) const { return nodes[id].name; }

  void Note(uint32_t kind, NodeId node, NodeId peer, int64_t detail, const std::string& text);
  template <class TextFn>
  void NoteLazy(uint32_t kind, NodeId node, NodeId peer, int64_t detail, TextFn text) {
    trace.Add(now(), kind, node, peer, detail, trace.keep_lines() ? text() : std::string());
  }

  WorldConfig config;
  EventQueue<Event> queue;
  Trace trace;
  absl::Status error;
  uint64_t next_id = 1;  // one counter for connections, setups, tasks, rpcs, reports
  uint64_t events_processed = 0;
  // Moves on every event that may change what World's read-back shows;
  // the global lock's own traffic (requests, replies, releases, retries)
  // does not move it. See World::ObservableVersion.
  uint64_t observable_version = 0;
  Event current_event;  // the event being handled, for error messages
  // Describes an event for an error message (set where the world is built).
  std::function<std::string(const Event&)> describe_event;

  uint32_t n_nodes = 0;
  std::vector<NodeRt> nodes;  // index order is name order
  std::map<std::string, NodeId, std::less<>> by_name;

  Counters counters;
  // What the reports read (observations.h); not hashed.
  ObservationLog observations;
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_KERNEL_H_
