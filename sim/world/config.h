// What a world is built from: the nodes and their OTP settings, tables,
// backends, the engine's intervals, costs the page leaves open, and limits.
// Plain structs with OTP's and CETS's defaults; no YAML types (the scenario
// runner parses files into these).
//
//   WorldConfig config;
//   config.seed = 7;
//   NodeConfig b;                       // (designated initializers that omit
//   b.name = "b@h2";                    // fields trip -Wmissing-field-initializers)
//   b.settings.dns_delay_ms = 5'000;
//   b.tables = {"sessions"};
//   config.nodes.push_back(b);
#ifndef DISCOSIM_SIM_WORLD_CONFIG_H_
#define DISCOSIM_SIM_WORLD_CONFIG_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/types.h"

namespace discosim::world {

using engine::NodeName;
using engine::TableName;
using engine::TimeMs;

// The kernel flag dist_auto_connect.
enum class AutoConnect {
  kAlways,  // OTP's default (flag unset)
  kOnce,    // barred towards a node after an up connection to it is lost
  kNever,   // implicit connects fail at once
};

// A hidden node's connections never show in nodes() / the engine's view.
enum class Visibility { kVisible, kHidden };

// One node's OTP settings (the `defaults` keys of a scenario).
struct NodeSettings {
  AutoConnect dist_auto_connect = AutoConnect::kAlways;
  bool connect_all = true;                     // global's connect_all
  bool prevent_overlapping_partitions = true;  // needs connect_all
  Visibility visibility = Visibility::kVisible;
  TimeMs net_ticktime_ms = 60'000;
  TimeMs net_setuptime_ms = 7'000;
  TimeMs latency_ms = 1;           // one way; a pair uses the larger of its two
  TimeMs dns_delay_ms = 0;         // resolving this node's name
  std::optional<TimeMs> dns_cache_ttl_ms;  // this node's resolver cache; none by default
  TimeMs connect_delay_ms = 0;     // this host's answer to a connection setup
  friend bool operator==(const NodeSettings&, const NodeSettings&) = default;
};

// A backend latency: fixed when min == max, else drawn per call from the seed.
struct LatencyRange {
  TimeMs min_ms = 0;
  TimeMs max_ms = 0;
  friend bool operator==(const LatencyRange&, const LatencyRange&) = default;
};

// A node's get_nodes backend.
struct BackendConfig {
  std::optional<std::vector<NodeName>> nodes;  // none: every declared node, sorted
  LatencyRange latency;
  double error_rate = 0.0;  // probability in [0, 1] that a call returns {error, simulated}
  // Probability in [0, 1] that a call raises: the get_nodes task dies, and
  // with it the discovery process it is linked to (see action::BackendCrash).
  double crash_rate = 0.0;
  friend bool operator==(const BackendConfig&, const BackendConfig&) = default;
};

struct NodeConfig {
  NodeName name;  // name@host
  NodeSettings settings;
  std::optional<TimeMs> start_at_ms = 0;  // none: never started
  // none: resolvable when it has a start_at_ms, or from its first start.
  std::optional<bool> resolvable;
  std::vector<TableName> tables;   // table servers started with it, given to its discovery
  BackendConfig backend;
  std::string host;  // a HostConfig name; empty: a host of its own (CpuConfig::default_cores)
};

// A machine: the nodes on it share its cores (kCalibrated; see CpuConfig).
struct HostConfig {
  std::string name;
  int cores = 2;
};

// The CPU model (kCalibrated only; kSimple costs no CPU time).
//
// A message costs a hop at each end: the sending node putting it on the
// wire (send_hop_pct of a hop) and the receiving node taking it off and its
// process handling it (a whole hop). A lock request or release then also
// waits its turn in the global server (one hop of service, one at a time).
// On an idle host a hop takes hop_us, drawn in hop_us * [1 - jitter,
// 1 + jitter]: the scheduling noise that breaks lockstep races.
//
// Busy work on a host competes for its cores: each spinning lock waiter
// counts as one runnable entity, each global server with work queued as
// busy_server_milli / 1000 of one, and the CPU its recent hops used
// (hop_cpu_us each, over the last load_window_us) as that fraction of a
// core. With R runnable (the hop's own process included) on C < R cores a
// hop takes R / C times as long plus a wait for a core drawn in [0,
// quantum_us * (R - C) / C]; a spinner notices a release after the same
// wait. Nodes of one host talk over loopback (loopback_us one way) instead
// of their latency.
//
// The defaults are calibrated against cold starts measured on real OTP 25
// nodes with CETS 0.2.0 (docs/join-model.md): an rpc takes ~0.3 ms on an idle
// host and ~5-7 ms with 8 spinners on 2 cores, and cold starts, lock
// acquisitions and the two measured fixes land within the table's bounds.
struct CpuConfig {
  int default_cores = 2;      // a node without a HostConfig has a host of its own
  int64_t loopback_us = 30;
  int64_t hop_us = 100;
  int64_t hop_jitter_pct = 15;
  int64_t quantum_us = 2'100;
  int64_t spin_check_us = 5;  // one turn of a spinning waiter's loop
  int64_t hop_cpu_us = 20;
  int64_t load_window_us = 10'000;
  int64_t busy_server_milli = 300;
  int64_t send_hop_pct = 50;
};

// Which model of joins, the join lock and CPU time the world runs.
enum class JoinModel {
  // The first model: exact message times, no CPU; a requester aborted by
  // contention re-asks after a random pause (LockConfig::retry_delay_ms_*),
  // standing in for the scheduling noise that lets real clusters progress;
  // step 7 of a join costs join_base_ms + rows.
  kSimple,
  // The lock as cets 0.2.0 takes it (re-asked at once; LockConfig's what-if
  // options change its loop), the CPU model (hosts, hops: CpuConfig) and
  // merge costs in sequential rpcs as measured (JoinCost). Calibrated
  // against real OTP 25 nodes with CETS 0.2.0 (docs/join-model.md).
  kCalibrated,
};

// Cost of a join under the lock. kSimple: step 7 takes join_base_ms + rows
// * join_per_row_us. kCalibrated: a merge of clusters L and R (S servers in
// all) makes merge_base_rpcs + merge_rpcs_per_server * (S - 2) + (|L| * |R|
// - 1) sequential rpcs, a pair found already merged after the wait (a skip)
// skip_rpcs, each a round trip to a member plus a hop at each end; then the
// rows (join_base_ms is not used).
struct JoinCost {
  TimeMs join_base_ms = 2;
  int64_t join_per_row_us = 1;                    // microseconds per row copied
  std::map<TableName, int64_t> table_rows;        // rows per table; absent: 0
  int64_t merge_base_rpcs = 20;
  int64_t merge_rpcs_per_server = 7;
  int64_t skip_rpcs = 4;
};

// How a requester of the join lock waits while its own node's lock table
// shows the lock held by another requester (kCalibrated).
enum class LockWait {
  kSpin,   // as released: re-check at once, keeping a core busy
  kSleep,  // what-if: sleep sleep_ms between checks
};

// global's lock as cets takes it around each join: global:trans with zero
// retries, in a loop.
struct LockConfig {
  // kSimple: the pause after an aborted attempt, drawn in [min, max].
  TimeMs retry_delay_ms_min = 1;
  TimeMs retry_delay_ms_max = 10;
  // kCalibrated: the what-if changes to the loop; the defaults are cets
  // 0.2.0 as released. Each changes only the join lock loop.
  LockWait wait = LockWait::kSpin;
  TimeMs sleep_ms = 1;
  // A random pause drawn in [min, max] after a failed attempt (its partial
  // grants released); 0, 0: re-ask at once.
  TimeMs backoff_ms_min = 0;
  TimeMs backoff_ms_max = 0;
  // Once the lock is acquired, check again (locally) whether the two sides
  // are already joined, and release at once if so.
  bool recheck_joined = false;
};

// cets table servers and joins: what-if changes to cets 0.2.0 (the
// defaults are as released).
struct CetsConfig {
  // What-if: cets_join checks both sides again after the dumps; this also
  // makes send_dump fail (cluster_changed) when a member's cluster changed
  // between its answer to that check and the send_dump, the window cets
  // 0.2.0 leaves open (Counters::stale_merges counts merges in it).
  bool check_merge = false;
};

struct NetworkConfig {
  TimeMs jitter_ms_max = 0;  // each message adds a seeded delay in [0, jitter_ms_max]
  // Each message between two hosts adds a seeded delay in [0, latency *
  // latency_jitter_pct / 100] (FIFO per pair is kept). kCalibrated only.
  int64_t latency_jitter_pct = 20;
};

struct Limits {
  uint64_t max_events = 100'000'000;
  TimeMs max_time_ms = 30LL * 24 * 3600 * 1000;
  size_t max_queued_events = 10'000'000;
  size_t max_mailbox = 1'000'000;  // messages waiting in one discovery mailbox
  size_t max_nodes = 1'024;
};

enum class TraceMode { kHashOnly, kKeepLines };

// One call of a node's discovery engine (Init or Step), handed to
// WorldConfig::engine_observer right after the call, before the world
// carries out its effects: for tools that re-run the engine elsewhere
// (oracle/ replays every step through cets_discovery.erl).
struct EngineCall {
  const NodeName& node;
  uint32_t incarnation;
  TimeMs now_ms;
  const engine::Options* options;  // Init: its options; Step: nullptr
  const engine::Message* message;  // Step: the message; Init: nullptr
  const engine::NodeSet& visible;  // the view the call ran with
  const engine::State& after;
  const engine::Effects& effects;
};
using EngineObserver = std::function<void(const EngineCall&)>;

struct WorldConfig {
  uint64_t seed = 1;
  std::vector<NodeConfig> nodes;
  engine::Config intervals;
  JoinModel join_model = JoinModel::kSimple;
  std::vector<HostConfig> hosts;  // kCalibrated: shared hosts, named in NodeConfig::host
  CpuConfig cpu;                  // kCalibrated
  JoinCost join;
  LockConfig lock;
  CetsConfig cets;
  NetworkConfig network;
  Limits limits;
  TraceMode trace = TraceMode::kHashOnly;
  EngineObserver engine_observer;  // none by default; it cannot change the run
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_CONFIG_H_
