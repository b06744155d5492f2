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
#include <map>
#include <optional>
#include <vector>

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
};

// A backend latency: fixed when min == max, else drawn per call from the seed.
struct LatencyRange {
  TimeMs min_ms = 0;
  TimeMs max_ms = 0;
};

// A node's get_nodes backend.
struct BackendConfig {
  std::optional<std::vector<NodeName>> nodes;  // none: every declared node, sorted
  LatencyRange latency;
  double error_rate = 0.0;  // probability in [0, 1] that a call returns {error, simulated}
};

struct NodeConfig {
  NodeName name;  // name@host
  NodeSettings settings;
  std::optional<TimeMs> start_at_ms = 0;  // none: never started
  // none: resolvable when it has a start_at_ms, or from its first start.
  std::optional<bool> resolvable;
  std::vector<TableName> tables;   // table servers started with it, given to its discovery
  BackendConfig backend;
};

// Cost of step 7 of a join (pause, exchange data, resume).
struct JoinCost {
  TimeMs join_base_ms = 2;
  int64_t join_per_row_us = 1;                    // microseconds per row copied
  std::map<TableName, int64_t> table_rows;        // rows per table; absent: 0
};

// global's lock: a requester aborted by contention re-asks after a pause
// drawn in [min, max] (the page's "re-asks at once", plus the scheduling
// noise that lets real clusters make progress; see README.md).
struct LockConfig {
  TimeMs retry_delay_ms_min = 1;
  TimeMs retry_delay_ms_max = 10;
};

struct NetworkConfig {
  TimeMs jitter_ms_max = 0;  // each message adds a seeded delay in [0, jitter_ms_max]
};

struct Limits {
  uint64_t max_events = 100'000'000;
  TimeMs max_time_ms = 30LL * 24 * 3600 * 1000;
  size_t max_queued_events = 10'000'000;
  size_t max_mailbox = 1'000'000;  // messages waiting in one discovery mailbox
  size_t max_nodes = 1'024;
};

enum class TraceMode { kHashOnly, kKeepLines };

struct WorldConfig {
  uint64_t seed = 1;
  std::vector<NodeConfig> nodes;
  engine::Config intervals;
  JoinCost join;
  LockConfig lock;
  NetworkConfig network;
  Limits limits;
  TraceMode trace = TraceMode::kHashOnly;
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_CONFIG_H_
