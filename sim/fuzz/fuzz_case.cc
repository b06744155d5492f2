// Generating fuzz cases from a seed (see fuzz_case.h). Each part of a case
// draws from its own stream of the fault-schedule subsystem, so adding a draw
// to one part leaves the others' numbers alone.
#include "sim/fuzz/fuzz_case.h"

#include <algorithm>
#include <bit>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sim/world/random.h"

namespace discosim::fuzz {
namespace {

using world::Rng;
using world::Subsystem;

// Streams of Subsystem::kFaultSchedule under a case seed. Never renumber.
enum Stream : uint64_t {
  kCampaign = 0,  // case seeds of a campaign
  kSwarm = 1,     // which features and fault kinds a case uses
  kCluster = 2,   // nodes, flags, tables, backends
  kFaults = 3,    // the schedule
  kWorldSeed = 4,
};

// Which optional features and fault kinds one case uses.
struct Swarm {
  bool hidden = false;
  bool ghosts = false;
  bool custom_lists = false;
  bool slow_backends = false;
  bool varied_latency = false;
  bool dns_delays = false;
  int flag_mode = 0;  // 0 OTP defaults, 1 one random set for all, 2 per node, 3 dist_auto_connect per node
  uint32_t fault_kinds = 0;  // bit k: FaultKind k may be drawn
};

Swarm DrawSwarm(Rng& rng, const GenOptions& options) {
  Swarm s;
  s.hidden = rng.Chance(1, 4);
  s.ghosts = rng.Chance(1, 3);
  s.custom_lists = rng.Chance(1, 3);
  s.slow_backends = rng.Chance(1, 2);
  s.varied_latency = rng.Chance(1, 4);
  s.dns_delays = rng.Chance(1, 6);
  s.flag_mode = static_cast<int>(rng.UniformBelow(4));
  if (options.overlap_prevention_everywhere) s.flag_mode = 0;
  for (int k = 0; k < kFaultKinds; ++k) {
    if (rng.Chance(1, 2)) s.fault_kinds |= 1u << k;
  }
  return s;
}

template <typename T, size_t N>
T Pick(Rng& rng, const T (&items)[N]) {
  return items[rng.UniformBelow(N)];
}

void DrawFlags(Rng& rng, FuzzNode& node, bool keep_overlap_prevention) {
  static constexpr world::AutoConnect kModes[] = {
      world::AutoConnect::kAlways, world::AutoConnect::kAlways,
      world::AutoConnect::kOnce, world::AutoConnect::kNever};
  node.dist_auto_connect = Pick(rng, kModes);
  node.connect_all = rng.Chance(3, 4);
  node.prevent_overlapping_partitions = rng.Chance(3, 4);
  if (keep_overlap_prevention) {
    node.dist_auto_connect = world::AutoConnect::kAlways;
    node.connect_all = true;
    node.prevent_overlapping_partitions = true;
  }
}

std::vector<FuzzNode> DrawNodes(Rng& rng, const Swarm& swarm, const GenOptions& options,
                                int tables) {
  const int max_nodes = std::clamp(options.max_nodes, 2, kMaxNodes);
  const int ghosts = swarm.ghosts && max_nodes > 2
                         ? static_cast<int>(rng.Range(1, std::min(2, max_nodes - 2)))
                         : 0;
  const int started = static_cast<int>(rng.Range(2, max_nodes - ghosts));
  const int declared = started + ghosts;
  std::vector<FuzzNode> nodes(static_cast<size_t>(declared));
  FuzzNode shared;
  DrawFlags(rng, shared, options.overlap_prevention_everywhere);
  const uint32_t all_tables = (1u << tables) - 1;
  const bool same_tables = rng.Chance(2, 3);
  for (int i = 0; i < declared; ++i) {
    FuzzNode& node = nodes[static_cast<size_t>(i)];
    node.started = i < started;
    node.resolvable = node.started || rng.Chance(1, 2);
    switch (swarm.flag_mode) {
      case 1:
        node.dist_auto_connect = shared.dist_auto_connect;
        node.connect_all = shared.connect_all;
        node.prevent_overlapping_partitions = shared.prevent_overlapping_partitions;
        break;
      case 2:
        DrawFlags(rng, node, options.overlap_prevention_everywhere);
        break;
      case 3: {
        static constexpr world::AutoConnect kModes[] = {
            world::AutoConnect::kAlways, world::AutoConnect::kOnce,
            world::AutoConnect::kNever};
        node.dist_auto_connect = Pick(rng, kModes);
        break;
      }
      default:
        break;
    }
    if (swarm.varied_latency) node.latency_ms = rng.Range(1, 4);
    if (swarm.dns_delays && rng.Chance(1, 2)) node.dns_delay_ms = rng.Range(1, 20) * 100;
    node.tables = all_tables;
    if (!same_tables) {
      node.tables = 0;
      for (int t = 0; t < tables; ++t) {
        if (rng.Chance(3, 4)) node.tables |= 1u << t;
      }
    }
    if (swarm.custom_lists && rng.Chance(1, 2)) {
      uint32_t listed = 0;
      for (int j = 0; j < declared; ++j) {
        if (rng.Chance(3, 4)) listed |= 1u << j;
      }
      node.backend_nodes = listed;
    }
    if (swarm.slow_backends) {
      static constexpr int64_t kMin[] = {0, 10, 100};
      static constexpr int64_t kSpread[] = {0, 50, 500, 2'000};
      node.backend_latency_min_ms = Pick(rng, kMin);
      node.backend_latency_max_ms = node.backend_latency_min_ms + Pick(rng, kSpread);
    }
  }
  // Hidden nodes: one or two of the started ones, leaving two visible.
  if (swarm.hidden && started > 2) {
    const int hidden = static_cast<int>(rng.Range(1, std::min(2, started - 2)));
    for (int h = 0; h < hidden; ++h) {
      nodes[static_cast<size_t>(rng.UniformBelow(static_cast<uint64_t>(started)))].hidden = true;
    }
  }
  return nodes;
}

std::vector<int> StartedNodes(const FuzzCase& c) {
  std::vector<int> out;
  for (size_t i = 0; i < c.nodes.size(); ++i) {
    if (c.nodes[i].started) out.push_back(static_cast<int>(i));
  }
  return out;
}

// `count` distinct items of `from`, in the order drawn.
std::vector<int> Distinct(Rng& rng, std::vector<int> from, int count) {
  std::vector<int> out;
  while (static_cast<int>(out.size()) < count && !from.empty()) {
    const size_t k = rng.UniformBelow(from.size());
    out.push_back(from[k]);
    from.erase(from.begin() + static_cast<std::ptrdiff_t>(k));
  }
  return out;
}

// Distinct unordered pairs of distinct nodes.
std::vector<int> DrawPairs(Rng& rng, const std::vector<int>& nodes, int count) {
  std::vector<int> out;
  std::set<std::pair<int, int>> seen;
  for (int attempt = 0; attempt < 4 * count && static_cast<int>(seen.size()) < count; ++attempt) {
    std::vector<int> two = Distinct(rng, nodes, 2);
    if (two.size() < 2) break;
    if (!seen.insert(std::minmax(two[0], two[1])).second) continue;
    out.push_back(two[0]);
    out.push_back(two[1]);
  }
  return out;
}

int64_t DrawDuration(Rng& rng) {
  switch (rng.UniformBelow(3)) {
    case 0: return rng.Range(1, 30) * 1'000;
    case 1: return rng.Range(30, 300) * 1'000;
    default: return rng.Range(300, 1'200) * 1'000;
  }
}

// The node and table of an add_table (a table some node declares but this
// one lacks) or delete_table (one it has) fault; false when there is none.
bool DrawTableTarget(Rng& rng, const FuzzCase& c, const std::vector<int>& started, Fault& f) {
  uint32_t declared = 0;
  for (const FuzzNode& node : c.nodes) declared |= node.tables;
  std::vector<std::pair<int, int>> options;
  for (int i : started) {
    const uint32_t mine = c.nodes[static_cast<size_t>(i)].tables;
    for (int t = 0; t < c.tables; ++t) {
      const bool has = (mine >> t) & 1u;
      const bool wanted = f.kind == FaultKind::kAddTable ? !has && ((declared >> t) & 1u) : has;
      if (wanted) options.emplace_back(i, t);
    }
  }
  if (options.empty()) return false;
  const auto [node, table] = options[rng.UniformBelow(options.size())];
  f.nodes = {node};
  f.table = table;
  return true;
}

// One fault of `kind`, or none when the case offers no target for it.
std::optional<Fault> DrawFault(Rng& rng, FaultKind kind, const FuzzCase& c) {
  const std::vector<int> started = StartedNodes(c);
  const int n = static_cast<int>(started.size());
  Fault f;
  f.kind = kind;
  f.at_ms = rng.Range(0, c.horizon_ms / 1'000 - 1) * 1'000;
  if (rng.Chance(1, 4)) f.at_ms += rng.Range(0, 999);
  if (!IsInstant(kind)) f.duration_ms = std::min(DrawDuration(rng), c.horizon_ms - f.at_ms);
  if (!IsInstant(kind) && f.duration_ms <= 0) return std::nullopt;
  auto one = [&] { return started[rng.UniformBelow(static_cast<uint64_t>(n))]; };
  switch (kind) {
    case FaultKind::kPartition: {
      if (n < 2) return std::nullopt;
      const int listed = static_cast<int>(rng.Range(1, n - 1));
      f.nodes = Distinct(rng, started, listed);
      const int groups = listed >= 2 && rng.Chance(1, 3) ? 2 : 1;
      for (size_t i = 0; i < f.nodes.size(); ++i) {
        f.groups.push_back(groups == 1 ? 0 : static_cast<int>(i % 2));
      }
      break;
    }
    case FaultKind::kCut:
      f.nodes = DrawPairs(rng, started, static_cast<int>(rng.Range(1, 3)));
      if (f.nodes.empty()) return std::nullopt;
      break;
    case FaultKind::kDisconnect:
      f.nodes = DrawPairs(rng, started, static_cast<int>(rng.Range(1, 2)));
      if (f.nodes.empty()) return std::nullopt;
      break;
    case FaultKind::kStop:
    case FaultKind::kRestart:
      f.nodes = Distinct(rng, started, static_cast<int>(rng.Range(1, std::min(2, n))));
      break;
    case FaultKind::kDnsDelay:
      f.nodes = {one()};
      f.amount = rng.Range(1, 15) * 1'000;
      break;
    case FaultKind::kDnsFail:
      f.nodes = {one()};
      break;
    case FaultKind::kSlowConnect:
      f.nodes = {one()};
      f.amount = rng.Range(1, 20) * 1'000;
      break;
    case FaultKind::kBackendFail:
      if (rng.Chance(2, 3)) f.nodes = {one()};
      f.amount = rng.Chance(1, 2) ? rng.Range(1, 10) : 0;
      break;
    case FaultKind::kBackendErrors: {
      static constexpr int64_t kPercent[] = {10, 25, 50, 90};
      if (rng.Chance(2, 3)) f.nodes = {one()};
      f.amount = Pick(rng, kPercent);
      break;
    }
    case FaultKind::kAddTable:
    case FaultKind::kDeleteTable:
      if (!DrawTableTarget(rng, c, started, f)) return std::nullopt;
      break;
  }
  return f;
}

}  // namespace

const char* ToString(FaultKind kind) {
  switch (kind) {
    case FaultKind::kPartition: return "partition";
    case FaultKind::kCut: return "cut";
    case FaultKind::kDisconnect: return "disconnect";
    case FaultKind::kStop: return "stop";
    case FaultKind::kRestart: return "restart";
    case FaultKind::kDnsDelay: return "dns_delay";
    case FaultKind::kDnsFail: return "dns_fail";
    case FaultKind::kSlowConnect: return "slow_connect";
    case FaultKind::kBackendFail: return "backend_fail";
    case FaultKind::kBackendErrors: return "backend_errors";
    case FaultKind::kAddTable: return "add_table";
    case FaultKind::kDeleteTable: return "delete_table";
  }
  return "?";
}

bool IsInstant(FaultKind kind) {
  return kind == FaultKind::kDisconnect || kind == FaultKind::kRestart;
}

uint64_t CaseSeed(uint64_t campaign_seed, uint64_t index) {
  return Rng::ForStream(campaign_seed, Subsystem::kFaultSchedule, kCampaign).Next() ^
         Rng::ForStream(campaign_seed ^ 0x9e3779b97f4a7c15ULL, Subsystem::kFaultSchedule,
                        index + 1)
             .Next();
}

FuzzCase GenerateCase(uint64_t seed, const GenOptions& options) {
  Rng swarm_rng = Rng::ForStream(seed, Subsystem::kFaultSchedule, kSwarm);
  Rng cluster = Rng::ForStream(seed, Subsystem::kFaultSchedule, kCluster);
  Rng faults = Rng::ForStream(seed, Subsystem::kFaultSchedule, kFaults);
  const Swarm swarm = DrawSwarm(swarm_rng, options);

  FuzzCase c;
  c.seed = Rng::ForStream(seed, Subsystem::kFaultSchedule, kWorldSeed).Next() >> 1;
  c.horizon_ms = std::max<int64_t>(60'000, options.max_horizon_ms / 60'000 * 60'000);
  static constexpr int64_t kTicktimes[] = {60'000, 60'000, 20'000, 10'000};
  c.net_ticktime_ms = Pick(cluster, kTicktimes);
  static constexpr int kTableCounts[] = {0, 1, 1, 1, 2, 2, 3, 4};
  c.tables = Pick(cluster, kTableCounts);
  c.nodes = DrawNodes(cluster, swarm, options, c.tables);

  std::vector<FaultKind> kinds;
  for (int k = 0; k < kFaultKinds; ++k) {
    if ((swarm.fault_kinds >> k) & 1u) kinds.push_back(static_cast<FaultKind>(k));
  }
  const int count = kinds.empty() || options.max_faults <= 0
                        ? 0
                        : static_cast<int>(faults.Range(0, options.max_faults));
  for (int i = 0; i < count; ++i) {
    const FaultKind kind = kinds[faults.UniformBelow(kinds.size())];
    if (std::optional<Fault> f = DrawFault(faults, kind, c)) c.faults.push_back(std::move(*f));
  }
  return c;
}

std::string NodeNameOf(int index) { return absl::StrCat("n", index + 1, "@h", index + 1); }
std::string TableNameOf(int index) { return absl::StrCat("t", index + 1); }

bool IsWellFormed(const FuzzCase& c) {
  const int n = static_cast<int>(c.nodes.size());
  if (n < 1 || n > kMaxNodes || c.tables < 0 || c.tables > kMaxTables) return false;
  if (c.net_ticktime_ms <= 0 || c.horizon_ms <= 0) return false;
  bool any_started = false;
  for (const FuzzNode& node : c.nodes) {
    any_started = any_started || node.started;
    if (node.tables >> c.tables != 0) return false;
    if (node.backend_nodes && (*node.backend_nodes >> n) != 0) return false;
    if (node.latency_ms < 0 || node.dns_delay_ms < 0 || node.backend_latency_min_ms < 0 ||
        node.backend_latency_min_ms > node.backend_latency_max_ms) {
      return false;
    }
  }
  if (!any_started) return false;
  for (const Fault& f : c.faults) {
    if (f.at_ms < 0 || f.duration_ms < 0 || f.at_ms + f.duration_ms > c.horizon_ms) return false;
    if (!IsInstant(f.kind) && f.duration_ms <= 0) return false;
    for (int i : f.nodes) {
      if (i < 0 || i >= n || !c.nodes[static_cast<size_t>(i)].started) return false;
    }
    const bool pairs = f.kind == FaultKind::kCut || f.kind == FaultKind::kDisconnect;
    if (pairs) {
      if (f.nodes.empty() || f.nodes.size() % 2 != 0) return false;
      for (size_t k = 0; k < f.nodes.size(); k += 2) {
        if (f.nodes[k] == f.nodes[k + 1]) return false;
      }
    }
    const std::set<int> distinct(f.nodes.begin(), f.nodes.end());
    if (!pairs && distinct.size() != f.nodes.size()) return false;
    switch (f.kind) {
      case FaultKind::kPartition:
        if (f.nodes.empty() || f.groups.size() != f.nodes.size()) return false;
        break;
      case FaultKind::kStop:
      case FaultKind::kRestart:
        if (f.nodes.empty()) return false;
        break;
      case FaultKind::kDnsDelay:
      case FaultKind::kDnsFail:
      case FaultKind::kSlowConnect:
        if (f.nodes.size() != 1) return false;
        break;
      case FaultKind::kBackendFail:
      case FaultKind::kBackendErrors:
        if (f.nodes.size() > 1) return false;
        break;
      case FaultKind::kAddTable:
      case FaultKind::kDeleteTable: {
        if (f.nodes.size() != 1 || f.table < 0 || f.table >= c.tables) return false;
        const bool has = (c.nodes[static_cast<size_t>(f.nodes[0])].tables >> f.table) & 1u;
        if (has != (f.kind == FaultKind::kDeleteTable)) return false;
        break;
      }
      default:
        break;
    }
  }
  return true;
}

std::string Summary(const FuzzCase& c) {
  int started = 0, hidden = 0, ghosts = 0, mixed = 0;
  for (const FuzzNode& node : c.nodes) {
    started += node.started ? 1 : 0;
    ghosts += node.started ? 0 : 1;
    hidden += node.hidden ? 1 : 0;
    mixed += node.dist_auto_connect != world::AutoConnect::kAlways || !node.connect_all ||
                     !node.prevent_overlapping_partitions
                 ? 1
                 : 0;
  }
  std::set<std::string> kinds;
  for (const Fault& f : c.faults) kinds.insert(ToString(f.kind));
  return absl::StrCat(started, " nodes", ghosts ? absl::StrCat(" + ", ghosts, " never started") : "",
                      hidden ? absl::StrCat(", ", hidden, " hidden") : "",
                      mixed ? absl::StrCat(", ", mixed, " with non-default flags") : "", ", ",
                      c.tables, " tables, ", c.faults.size(), " faults",
                      kinds.empty() ? "" : " (" + absl::StrJoin(kinds, ", ") + ")");
}

}  // namespace discosim::fuzz
