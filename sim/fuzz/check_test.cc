// Proves how CheckCase classifies a run: a liveness failure in a run with a
// stale merge is the documented finding (README, Findings: concurrent
// merges), not a failure; any other broken property stays a failure.
#include "sim/fuzz/check.h"

#include <gtest/gtest.h>

#include "sim/fuzz/build.h"
#include "sim/fuzz/fuzz_case.h"
#include "sim/fuzz/yaml_writer.h"

namespace discosim::fuzz {
namespace {

FuzzNode Node(int64_t backend_min_ms, int64_t backend_max_ms) {
  FuzzNode node;
  node.started = true;
  node.tables = 0b1111;
  node.backend_latency_min_ms = backend_min_ms;
  node.backend_latency_max_ms = backend_max_ms;
  return node;
}

// The case `world_properties_test` shrank with RC_PARAMS="seed=3
// max_success=3000": two restarts, then two cuts healed together. After the
// heal, two joins with disjoint locks merge into n1's cluster at once, and
// t3's clusters stay different for good.
FuzzCase ConcurrentMergesCase() {
  FuzzCase c;
  c.seed = 498732610406977495u;
  c.tables = 4;
  c.nodes = {Node(100, 2'100), Node(0, 500), Node(10, 510), Node(100, 100)};
  Fault restart13;
  restart13.kind = FaultKind::kRestart;
  restart13.at_ms = 1'098'000;  // 18m18s
  restart13.nodes = {0, 2};
  Fault restart24 = restart13;
  restart24.at_ms = 2'239'000;  // 37m19s
  restart24.nodes = {1, 3};
  Fault cut;
  cut.kind = FaultKind::kCut;
  cut.at_ms = 2'372'000;         // 39m32s
  cut.duration_ms = 187'000;     // healed at 42m39s
  cut.nodes = {3, 1, 0, 3};
  c.faults = {restart13, restart24, cut};
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
