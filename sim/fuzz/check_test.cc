// Proves how CheckCase classifies a run: a liveness failure in a run with a
// stale merge (world::Counters::stale_merges: a member's cluster changed
// between its answer to join2's second check_fully_connected and its
// send_dump, the window cets_join leaves) is the documented finding (README,
// Findings: concurrent merges), not a failure; any other broken property
// stays a failure.
#include "sim/fuzz/check.h"

#include <gtest/gtest.h>

#include "sim/fuzz/build.h"
#include "sim/fuzz/fuzz_case.h"
#include "sim/fuzz/yaml_writer.h"

namespace discosim::fuzz {
namespace {

FuzzNode Node(std::optional<uint32_t> backend_nodes) {
  FuzzNode node;
  node.started = true;
  node.tables = 0b1;
  node.backend_nodes = backend_nodes;
  return node;
}

// Case 177 of `discosim fuzz --seed 12`, shrunk by hand while it stayed a
// known finding: n1 and n2 restart at 1s; at 45s a disconnect of n3 and n4
// makes overlap prevention cut both off from n1 and n2. Five minutes later
// n3 and n4 each lock their own node and the one they reconnected to, and
// join {n1, n2} at the same moment: both pass the second check, both dumps
// land, and n3 and n4 each end with {n1, n2} and itself, refusing each other
// (check_do_not_overlap_failed) for good.
FuzzCase ConcurrentMergesCase() {
  FuzzCase c;
  c.seed = 1098554438051796321u;
  c.tables = 1;
  c.nodes = {Node(0b0110), Node(0b1011), Node(std::nullopt), Node(std::nullopt)};
  Fault restart;
  restart.kind = FaultKind::kRestart;
  restart.at_ms = 1'000;
  restart.nodes = {1, 0};
  Fault disconnect;
  disconnect.kind = FaultKind::kDisconnect;
  disconnect.at_ms = 45'000;
  disconnect.nodes = {3, 2};
  c.faults = {disconnect, restart};
  return c;
}

TEST(CheckCase, LivenessBrokenAfterAStaleMergeIsTheKnownFinding) {
  const FuzzCase c = ConcurrentMergesCase();
  const CaseResult r = CheckCase(c, {LivenessProperty()}, {});
  EXPECT_EQ(r.kind, CaseResult::Kind::kKnownFinding) << r.property << ": " << r.observed;
  EXPECT_GT(r.stale_merges, 0u);
  EXPECT_EQ(r.observed.rfind("after a stale merge: ", 0), 0u) << r.observed;
  // The same run keeps every other property.
  const CaseResult others = CheckCase(c, {MembershipProperty(), TransitivityProperty()}, {});
  EXPECT_EQ(others.kind, CaseResult::Kind::kPassed) << others.property << ": " << others.observed;
}

TEST(CheckCase, OtherBrokenPropertiesStayFailuresAfterAStaleMerge) {
  // A property that breaks in any run: nodes that list each other are
  // never connected after the first minute.
  const Property wrong{"wrong", [](const FuzzCase&, const Bounds&, scenario::Scenario& s) {
                         scenario::Expectation e;
                         e.qualifier = scenario::AlwaysQualifier{60'000, std::nullopt};
                         e.condition = scenario::DisconnectedCondition{{{NodeNameOf(0), NodeNameOf(1)}}};
                         e.as_written = ExpectationYaml(e);
                         s.expectations.push_back(std::move(e));
                       }};
  const CaseResult r = CheckCase(ConcurrentMergesCase(), {wrong, LivenessProperty()}, {});
  EXPECT_GT(r.stale_merges, 0u);
  EXPECT_EQ(r.kind, CaseResult::Kind::kFailed);
  EXPECT_EQ(r.property, "wrong");
}

}  // namespace
}  // namespace discosim::fuzz
