// The simulated world around the discovery engine: nodes with incarnations,
// a network with partitions and per-end failure detection, net_kernel with
// DNS and connection setup, global (connect_all, prevent_overlapping_partitions,
// the join lock), cets table servers, pings and joins, and get_nodes backends,
// following OTP 25's net_kernel and global and CETS 0.2.0 as
// sim/world/README.md states the model and its choices.
//
// A World is built from a WorldConfig, given timeline actions, run in
// virtual time, and read back at any moment:
//
//   auto world = World::Create(config);            // absl::StatusOr
//   (*world)->Schedule(60'000, action::Cut{{{"a@h1", "b@h2"}}});
//   (*world)->SetObserver([](const World& w) { /* after every event */ });
//   RunResult run = (*world)->RunUntil(600'000);
//   bool up = (*world)->CountsUp("a@h1", "b@h2");
//
// Everything is deterministic: the same config, actions and seed give the
// same trace hash, in one process or two. Nothing reads a wall clock.
#ifndef DISCOSIM_SIM_WORLD_WORLD_H_
#define DISCOSIM_SIM_WORLD_WORLD_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/types.h"
#include "sim/world/action.h"
#include "sim/world/config.h"
#include "sim/world/observations.h"

namespace discosim::world {

struct Sim;  // the world's insides (sim/world/sim.h)

enum class RunStatus {
  kReachedTime,  // the clock is at the requested time
  kEventLimit,   // Limits::max_events events were processed
  kTimeLimit,    // the next event lies past Limits::max_time_ms
  kError,        // bad input or an effect the world cannot carry out
};
const char* ToString(RunStatus status);

struct RunResult {
  RunStatus status = RunStatus::kReachedTime;
  TimeMs now_ms = 0;
  uint64_t events = 0;  // processed since the world was built
  absl::Status error;   // kError: names the event and its virtual time
  bool ok() const { return status == RunStatus::kReachedTime; }
};

// The outcome of an action::Call, ConnectNode or Rpc, kept under its id.
struct CallOutcome {
  enum class Kind {
    kPending,         // no answer yet
    kOk,              // ok (wait_for_*, rpc)
    kTimeout,         // the caller's timeout passed first
    kTables,          // get_tables: `tables`
    kSystemInfo,      // system_info: `info`
    kUnexpectedCall,  // {error, unexpected_call}
    kNoProc,          // the node was not running (or stopped while waiting)
    kTrue,            // connect_node returned true
    kFalse,           // connect_node returned false
    kBadRpc,          // {badrpc, nodedown}
    kExit,            // the discovery process died while the call waited (gen_server:call exits)
  };
  std::string id;
  NodeName node;
  Kind kind = Kind::kPending;
  TimeMs called_at_ms = 0;
  TimeMs replied_at_ms = 0;  // when kind left kPending
  std::vector<TableName> tables;
  std::optional<engine::SystemInfo> info;
};
const char* ToString(CallOutcome::Kind kind);

struct LogEntry {
  TimeMs at_ms = 0;
  uint32_t incarnation = 0;
  engine::LogRecord record;
};

// A node's discovery as of the end of an instant: whether the node runs (and
// which incarnation), its phase, and whether its verify_ready is empty
// (never when stopped).
struct DiscoveryStatus {
  TimeMs at_ms = 0;
  bool running = false;
  uint32_t incarnation = 0;
  engine::Phase phase = engine::Phase::kInitial;
  bool ready = false;
};

struct NodeStatus {
  NodeName name;
  bool running = false;
  uint32_t incarnation = 0;   // 0: never started; +1 per start
  TimeMs start_time_ms = 0;   // of the current (or last) incarnation
};

// One (node, table) pair handled by a join task, with its lock statistics.
struct JoinRecord {
  NodeName node;  // where the join task ran
  NodeName peer;
  TableName table;
  TimeMs started_at_ms = 0;
  std::optional<TimeMs> lock_granted_at_ms;
  std::optional<TimeMs> finished_at_ms;
  uint64_t lock_attempts = 0;
  uint64_t lock_aborts = 0;
  std::string result;  // "ok", an error reason, "pid_not_found:<reason>"; empty while running
  bool merged = false;   // two clusters became one under the lock
  bool skipped = false;  // the lock was taken, but both sides were already merged
};

// One trace entry, for tools (e.g. a Chrome trace with one track per node).
// `kind` is "event:<event kind>" for the world's own events, or a note:
// node_start, node_stop, conn_up, conn_down (detail: cause), discovery_step,
// action, setup_failed, global_lost_connection, global_remove_connection,
// lock_granted, lock_aborted, join_result (detail 1 ok), get_nodes (detail 1
// error), reply, dropped, ping (detail 0 start, 1 pong, 2 pang).
struct TraceEntry {
  TimeMs at_ms = 0;
  std::string kind;
  NodeName node;  // empty when none
  NodeName peer;  // empty when none
  int64_t detail = 0;
  std::string text;
};

// The join lock's statistics (see README.md "The join lock").
struct Counters {
  uint64_t events = 0;
  uint64_t lock_attempts = 0;     // remote attempts: requests sent to every node of the list
  uint64_t lock_aborts = 0;       // attempts refused somewhere (partial grants released)
  uint64_t lock_grants = 0;       // acquisitions
  uint64_t lock_skips = 0;        // acquisitions that found both sides already merged
  uint64_t lock_local_waits = 0;  // times a requester found its own node's table held by another
  uint64_t merges = 0;            // merges done under the lock
  // Merges that found a member's cluster changed between its answer to the
  // second consistency check and the send_dump (another join merged it
  // meanwhile): cets 0.2.0 adds the snapshot anyway. With
  // CetsConfig::check_merge such a merge fails instead (not counted).
  uint64_t stale_merges = 0;
  int64_t lock_attempting_us = 0;  // summed over requesters: time in remote attempts (and their releases)
  int64_t lock_waiting_us = 0;     // summed over requesters: time waiting on the own node (spin / sleep)
  int64_t lock_held_us = 0;             // time some requester held the lock
  int64_t lock_free_contended_us = 0;   // time nobody held it while someone wanted it
  uint64_t joins = 0;  // (node, table) pairs started
};

class World {
 public:
  using Observer = std::function<void(const World&)>;

  // Validates `config` (names, duplicates, backend lists naming declared
  // nodes, limits) and schedules every node's start.
  static absl::StatusOr<std::unique_ptr<World>> Create(WorldConfig config);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // Schedules `action` at at_ms. Errors (undeclared node, past time, bad
  // fields, duplicate call id) name the action and the time; nothing is
  // scheduled then.
  absl::Status Schedule(TimeMs at_ms, Action action);

  // Processes every event at or before until_ms, then sets the clock to
  // until_ms. Stops early on a limit or an error; once stopped, it stays so.
  RunResult RunUntil(TimeMs until_ms);
  // Processes exactly one event (if any) and reports.
  RunResult StepOneEvent();
  // The time of the next queued event, if any.
  std::optional<TimeMs> NextEventTime() const;
  // Called after every processed event (replaces any earlier observer).
  void SetObserver(Observer observer);

  TimeMs now_ms() const;
  const WorldConfig& config() const;

  // --- Reading back. Unknown names read as "not running / empty". ---

  // Whether `node`'s end counts the connection to `peer` as up.
  bool CountsUp(std::string_view node, std::string_view peer) const;
  // nodes() on `node`: visible connected nodes (what its engine sees).
  const engine::NodeSet& VisibleConnected(std::string_view node) const;
  // Among running visible nodes, "both ends count it up" is transitive.
  bool NoOverlappingPartitions() const;
  std::vector<NodeStatus> Nodes() const;
  std::optional<NodeStatus> Node(std::string_view node) const;
  // The cluster of node's server of `table`, as node names; none without a server.
  std::optional<engine::NodeSet> TableCluster(std::string_view node,
                                              std::string_view table) const;
  // Whether a cets monitor on `node` of a server on `peer` (a merged-in
  // member it has no connection to) waits for the auto-connect it started.
  bool MonitorConnecting(std::string_view node, std::string_view peer) const;
  // The discovery engine's state / system_info / verify_ready; none when not running.
  const engine::State* DiscoveryState(std::string_view node) const;
  std::optional<engine::SystemInfo> SystemInfo(std::string_view node) const;
  std::optional<std::vector<engine::MissingTask>> VerifyReady(std::string_view node) const;
  // Start times of every get_nodes call of the node, over all incarnations.
  const std::vector<TimeMs>& GetNodesCalls(std::string_view node) const;
  // Log records of the node's discovery, over all incarnations.
  const std::vector<LogEntry>& Logs(std::string_view node) const;
  const CallOutcome* Outcome(std::string_view id) const;
  const std::vector<CallOutcome>& Outcomes() const;
  // When the last fault was removed (heal, restart, dns restored, backend_fail over).
  std::optional<TimeMs> LastFaultRemovalMs() const;
  uint64_t TraceHash() const;
  // The typed observation stream (observations.h): what the reports read.
  const Observations& Observed() const;
  // A number that stays the same across events that cannot change anything
  // the read-back functions above show, except through the clock (the
  // global lock's spinning, which dominates large cold starts). A caller
  // that re-reads the world after every event may skip the re-read while it
  // is unchanged, unless what it reads depends on now_ms() (e.g. retry_type).
  uint64_t ObservableVersion() const;
  // Empty unless TraceMode::kKeepLines.
  const std::vector<std::string>& TraceLines() const;
  std::vector<TraceEntry> TraceEntries() const;
  Counters counters() const;
  const std::vector<JoinRecord>& Joins() const;
  // Each change of the node's DiscoveryStatus, in time order, one entry per
  // instant at most (the state after that instant's last event). Empty
  // unless TraceMode::kKeepLines: it costs a verify_ready per node per instant.
  const std::vector<DiscoveryStatus>& StatusChanges(std::string_view node) const;

 private:
  explicit World(std::unique_ptr<Sim> sim);
  void RecordStatus();  // at the end of each instant, under TraceMode::kKeepLines
  void DispatchNext();  // runs the earliest event, then records and observes
  std::unique_ptr<Sim> sim_;
  Observer observer_;
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_WORLD_H_
