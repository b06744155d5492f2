// Turning a fuzz case (fuzz_case.h) into a scenario (sim/scenario/scenario.h)
// whose expectations are the world-level properties. A property is a set of
// expectations, so a case that breaks one is, written out as YAML, a
// scenario file that fails the same way under `discosim run`.
//
// The properties (the bounds are derived in Bounds below; property_tests/
// README.md explains each):
//   membership    {always: true, cluster_members_connected: true}: a hidden
//                 node is never in a table cluster, and no cluster keeps a
//                 member (a stopped incarnation included) once the node has
//                 seen its nodedown.
//   transitivity  with connect_all and prevent_overlapping_partitions on and
//                 dist_auto_connect=always everywhere (with never or once
//                 the go-between is cut off for ever; see the finding
//                 scenarios): no_overlapping_partitions always holds from
//                 `settle_ms` after a timeline step until the next step, in
//                 every stretch where the network itself is transitive (no
//                 cut, bridged partition, DNS fault or slow connect active).
//   liveness      from the time L when every fault is healed and every backend
//                 is healthy, within `liveness_ms`: nodes that list each
//                 other are connected, every table both have covers both, and
//                 wait_for_ready (called at L) returns ok. The cover only
//                 when connect_all and prevent_overlapping_partitions are on
//                 everywhere (without them CETS leaves overlapping clusters
//                 that never merge: the weaker guarantee is connected + ready).
//                 The cover also not where a node may flap (below).
//                 Connected all at once, unless a node with
//                 dist_auto_connect never/once has connect_all and overlap
//                 prevention on: then the go-between is cut off round after
//                 round, and each pair is connected at some instant.
//
//   BuiltCase built = BuildCase(c, AllProperties());
//   RunScenario(built.scenario, {});  // a failed expectation names its property
#ifndef DISCOSIM_SIM_FUZZ_BUILD_H_
#define DISCOSIM_SIM_FUZZ_BUILD_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sim/fuzz/fuzz_case.h"
#include "sim/scenario/scenario.h"

namespace discosim::fuzz {

// Times that follow from a case's configuration and schedule.
struct Bounds {
  // One discovery round on a healthy network, from the instant everything is
  // healed to a finished join task:
  //   round = check + 2*backend + ping + sync + join
  //   check   = the longest check interval (regular, 300 s): a timer set
  //             before the heal fires at the latest this long after it
  //   backend = the slowest backend answer (a call in flight, then the next)
  //   ping    = (N+4)*dns + 4*rtt: own pre-check (dns + rtt), the peers'
  //             pre-checks (dns + rtt), N setups queued in net_kernel
  //             (dns each), then the setup (dns + rtt)
  //   sync    = 3 s (global's longest wait before it exchanges nodes) + ping
  //   join    = N*T*((N*N + 4*N)*rtt + 1 s): a join task of N*T pairs, each
  //             an rpc, lock rounds to N nodes, up to N*N reachability
  //             rpcs, a consistency round trip and the copy, plus 1 s of lock
  //             contention allowance per pair
  // with N declared nodes, T tables, dns the largest DNS delay, rtt twice
  // the largest one-way latency.
  int64_t round_ms = 0;
  // liveness = 2*round + 10 s: a join that fails on a transient error is only
  // retried after the next good get_nodes, one round later.
  int64_t liveness_ms = 0;
  // settle = 1.25*net_ticktime + N*rtt + 1 s + liveness: silences are
  // detected and reported (the slowest tick timeout, then lost_connection
  // spreading), after which discovery reconnects what can be reconnected
  // within the liveness bound.
  int64_t settle_ms = 0;
  int64_t healed_at_ms = 0;       // L: every fault healed, backends healthy
  int64_t last_action_ms = 0;     // the last fault step
  int64_t end_ms = 0;             // the scenario's duration
};

Bounds ComputeBounds(const FuzzCase& c);

// A property: a name and what it adds to a case's scenario (expectations,
// and timeline steps such as calls that they need).
struct Property {
  std::string name;
  // Adds the property's expectations. `scenario` already holds the nodes and
  // the fault timeline; steps added are sorted in by time afterwards.
  std::function<void(const FuzzCase&, const Bounds&, scenario::Scenario&)> add;
};

inline constexpr char kLiveness[] = "liveness";  // LivenessProperty().name

Property MembershipProperty();
Property TransitivityProperty();
Property LivenessProperty();
// membership, transitivity, liveness.
std::vector<Property> WorldProperties();

struct BuiltCase {
  scenario::Scenario scenario;
  Bounds bounds;
  std::vector<std::string> property_names;  // of the properties given
  std::vector<int> property_of_expectation;  // index into property_names
};

// The scenario of `c` with the expectations of `properties`.
// REQUIRES: IsWellFormed(c). The result passes ValidateScenario.
BuiltCase BuildCase(const FuzzCase& c, const std::vector<Property>& properties);

// The fault steps alone (no expectations), in time order.
std::vector<scenario::TimelineStep> FaultTimeline(const FuzzCase& c);

}  // namespace discosim::fuzz

#endif  // DISCOSIM_SIM_FUZZ_BUILD_H_
