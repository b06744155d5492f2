// The fuzzer's model of one test case: a small cluster (2-8 nodes with their
// flags, tables and backends) and a fault schedule over up to an hour of
// virtual time in which every fault is healed at a chosen time. A case is
// plain data; `BuildCase` (build.h) turns it into a scenario file's struct,
// and `ShrinkCandidates` (shrink.h) proposes simpler cases.
//
// Cases come from a seed through the project's own PRNG (sim/world/random.h),
// so a seed names the same case on every machine and compiler:
//
//   FuzzCase c = GenerateCase(CaseSeed(campaign_seed, 17), GenOptions{});
//
// Swarm testing: each case first draws which fault kinds (and which cluster
// features: hidden nodes, never-started nodes, custom backend lists, slow
// backends, mixed flags) it uses at all, then draws faults only of those
// kinds, so that rare combinations come up as often as common ones.
#ifndef DISCOSIM_SIM_FUZZ_FUZZ_CASE_H_
#define DISCOSIM_SIM_FUZZ_FUZZ_CASE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/scenario/scenario.h"

namespace discosim::fuzz {

inline constexpr int kMaxNodes = 8;
inline constexpr int kMaxTables = 4;

enum class FaultKind : uint8_t {
  kPartition,     // groups cannot talk; healed by `heal: all`
  kCut,           // links cut; healed link by link
  kDisconnect,    // clean net_kernel:disconnect (instant)
  kStop,          // nodes stopped; started again at the heal
  kRestart,       // nodes restarted (instant)
  kDnsDelay,      // a node's name resolves slowly; restored at the heal
  kDnsFail,       // a node's name does not resolve; restored at the heal
  kSlowConnect,   // setups to a node are slow (past net_setuptime: fail)
  kBackendFail,   // get_nodes fails: a burst of `amount` calls, or until the heal
  kBackendErrors, // get_nodes fails with probability amount/100 until the heal
  kAddTable,      // a table the node lacks is added; deleted at the heal
  kDeleteTable,   // a tracked table is deleted; added back at the heal
};
inline constexpr int kFaultKinds = 12;
const char* ToString(FaultKind kind);

struct FuzzNode {
  world::AutoConnect dist_auto_connect = world::AutoConnect::kAlways;
  bool connect_all = true;
  bool prevent_overlapping_partitions = true;
  bool hidden = false;
  bool started = false;     // false: declared but never started (an "unknown" node in lists)
  bool resolvable = true;   // for a node that is never started: whether its name resolves
  int64_t latency_ms = 1;
  int64_t dns_delay_ms = 0;
  uint32_t tables = 0;      // bit t: the node has table t (of FuzzCase::tables)
  std::optional<uint32_t> backend_nodes;  // bit i: lists node i; none: every declared node
  int64_t backend_latency_min_ms = 0;
  int64_t backend_latency_max_ms = 0;
  friend bool operator==(const FuzzNode&, const FuzzNode&) = default;
};

struct Fault {
  FaultKind kind = FaultKind::kPartition;
  int64_t at_ms = 0;
  int64_t duration_ms = 0;  // healed at at_ms + duration_ms; unused by instant kinds
  // Target node indexes. kCut, kDisconnect: pairs (nodes[2k], nodes[2k+1]).
  // kPartition: the listed nodes, with their group in `groups`. kBackendFail,
  // kBackendErrors: empty means every node's backend.
  std::vector<int> nodes;
  std::vector<int> groups;
  // kDnsDelay, kSlowConnect: the delay in ms. kBackendFail: the burst's call
  // count (0: fail until the heal). kBackendErrors: the error rate in percent.
  int64_t amount = 0;
  int table = 0;  // kAddTable, kDeleteTable
  friend bool operator==(const Fault&, const Fault&) = default;
};

// True for kinds that happen at one instant and need no heal.
bool IsInstant(FaultKind kind);

struct FuzzCase {
  uint64_t seed = 1;               // the scenario's (world's) seed
  int64_t horizon_ms = 3'600'000;  // every fault is healed by then
  int64_t net_ticktime_ms = 60'000;
  int tables = 0;                  // tables t1..tN, N in [0, kMaxTables]
  std::vector<FuzzNode> nodes;
  std::vector<Fault> faults;       // in the order generated; times need not be sorted
  friend bool operator==(const FuzzCase&, const FuzzCase&) = default;
};

// How big generated cases get. RapidCheck's size scales these down.
struct GenOptions {
  int max_nodes = kMaxNodes;   // declared nodes, started or not (>= 2)
  int max_faults = 12;
  int64_t max_horizon_ms = 3'600'000;
  // Every node keeps connect_all and prevent_overlapping_partitions on and
  // dist_auto_connect=always (the transitivity property's precondition);
  // hidden nodes, lists, backends and faults still vary.
  bool overlap_prevention_everywhere = false;
};

// The seed of case `index` of a campaign with seed `campaign_seed`.
uint64_t CaseSeed(uint64_t campaign_seed, uint64_t index);

// The case a seed names. Deterministic in (seed, options).
FuzzCase GenerateCase(uint64_t seed, const GenOptions& options);

// "n3@h3" for node index 2; "t1" for table index 0.
std::string NodeNameOf(int index);
std::string TableNameOf(int index);

// Whether a case keeps the generator's invariants (indexes in range, pairs of
// distinct nodes, heals within the horizon, at least one started node).
// Shrinking keeps them; BuildCase requires them.
bool IsWellFormed(const FuzzCase& c);

// One line: node count, tables, flags in use, fault kinds and count.
std::string Summary(const FuzzCase& c);

}  // namespace discosim::fuzz

#endif  // DISCOSIM_SIM_FUZZ_FUZZ_CASE_H_
