// Proves that fuzz cases are a pure function of their seed, keep the
// generator's invariants, cover every feature and fault kind across seeds,
// build into valid scenarios, and that shrink candidates are well-formed and
// strictly simpler.
#include "sim/fuzz/fuzz_case.h"

#include <gtest/gtest.h>

#include <set>

#include "sim/fuzz/build.h"
#include "sim/fuzz/shrink.h"
#include "sim/scenario/validate.h"

namespace discosim::fuzz {
namespace {

TEST(FuzzCase, SameSeedSameCase) {
  for (uint64_t i = 0; i < 50; ++i) {
    EXPECT_EQ(GenerateCase(CaseSeed(5, i), {}), GenerateCase(CaseSeed(5, i), {}));
  }
  EXPECT_NE(CaseSeed(5, 0), CaseSeed(5, 1));
  EXPECT_NE(CaseSeed(5, 0), CaseSeed(6, 0));
}

// Pins the generator: a change here reshuffles every recorded campaign, so it
// must be deliberate (and noted in the README).
TEST(FuzzCase, SeedsAreStableAcrossPlatforms) {
  EXPECT_EQ(CaseSeed(42, 7), 15961351856888312680ULL);
  std::string summaries;
  for (uint64_t i = 0; i < 4; ++i) {
    const FuzzCase c = GenerateCase(CaseSeed(42, i), {});
    summaries += Summary(c) + " @" + (c.faults.empty() ? "-" : std::to_string(c.faults[0].at_ms)) + "\n";
  }
  EXPECT_EQ(summaries,
            "2 nodes, 2 with non-default flags, 3 tables, 8 faults (backend_fail, cut, disconnect, "
            "dns_delay) @1332000\n"
            "2 nodes, 1 with non-default flags, 4 tables, 6 faults (backend_fail, delete_table, "
            "dns_delay, dns_fail) @983000\n"
            "6 nodes, 6 with non-default flags, 2 tables, 0 faults @-\n"
            "4 nodes, 2 hidden, 2 tables, 8 faults (backend_fail, disconnect, partition, "
            "slow_connect, stop) @3376000\n");
}

TEST(FuzzCase, GeneratedCasesAreWellFormedAndCoverEveryKind) {
  std::set<FaultKind> kinds;
  std::set<size_t> sizes;
  int hidden = 0, ghosts = 0, lists = 0, tables0 = 0, tables4 = 0;
  for (uint64_t i = 0; i < 2'000; ++i) {
    const FuzzCase c = GenerateCase(CaseSeed(11, i), {});
    ASSERT_TRUE(IsWellFormed(c)) << i;
    sizes.insert(c.nodes.size());
    for (const Fault& f : c.faults) {
      kinds.insert(f.kind);
      EXPECT_LE(f.at_ms + f.duration_ms, c.horizon_ms);
    }
    for (const FuzzNode& n : c.nodes) {
      hidden += n.hidden ? 1 : 0;
      ghosts += n.started ? 0 : 1;
      lists += n.backend_nodes ? 1 : 0;
    }
    tables0 += c.tables == 0 ? 1 : 0;
    tables4 += c.tables == 4 ? 1 : 0;
  }
  EXPECT_EQ(kinds.size(), static_cast<size_t>(kFaultKinds));
  EXPECT_EQ(sizes, (std::set<size_t>{2, 3, 4, 5, 6, 7, 8}));
  EXPECT_GT(hidden, 0);
  EXPECT_GT(ghosts, 0);
  EXPECT_GT(lists, 0);
  EXPECT_GT(tables0, 0);
  EXPECT_GT(tables4, 0);
}

TEST(FuzzCase, OverlapPreventionEverywhereKeepsTheFlags) {
  GenOptions options;
  options.overlap_prevention_everywhere = true;
  for (uint64_t i = 0; i < 300; ++i) {
    for (const FuzzNode& n : GenerateCase(CaseSeed(3, i), options).nodes) {
      EXPECT_TRUE(n.connect_all && n.prevent_overlapping_partitions &&
                  n.dist_auto_connect == world::AutoConnect::kAlways);
    }
  }
}

TEST(FuzzCase, BuiltScenariosAreValid) {
  for (uint64_t i = 0; i < 300; ++i) {
    BuiltCase built = BuildCase(GenerateCase(CaseSeed(17, i), {}), WorldProperties());
    absl::Status status = scenario::ValidateScenario(built.scenario);
    ASSERT_TRUE(status.ok()) << i << ": " << status.message();
    EXPECT_EQ(built.property_of_expectation.size(), built.scenario.expectations.size());
    EXPECT_GE(built.bounds.end_ms, built.bounds.healed_at_ms + built.bounds.liveness_ms);
  }
}

// The liveness bound for the CETS defaults (5 nodes, 2 tables, 1 ms latency,
// no DNS delay, instant backends): round = 300 s + ping 8 ms + sync 3.008 s +
// join 5*2*((25+20)*2 ms + 1 s) = 10.9 s.
TEST(FuzzCase, BoundsFollowTheFormula) {
  FuzzCase c;
  c.tables = 2;
  c.nodes.resize(5);
  for (FuzzNode& n : c.nodes) {
    n.started = true;
    n.tables = 3;
  }
  const Bounds b = ComputeBounds(c);
  EXPECT_EQ(b.round_ms, 300'000 + 8 + 3'008 + 10'900);
  EXPECT_EQ(b.liveness_ms, 2 * b.round_ms + 10'000);
  EXPECT_EQ(b.settle_ms, 75'000 + 10 + 1'000 + b.liveness_ms);
  EXPECT_EQ(b.healed_at_ms, 0);
}

TEST(Shrink, CandidatesAreWellFormedAndSimpler) {
  for (uint64_t i = 0; i < 200; ++i) {
    const FuzzCase c = GenerateCase(CaseSeed(23, i), {});
    for (const FuzzCase& candidate : ShrinkCandidates(c)) {
      ASSERT_TRUE(IsWellFormed(candidate)) << i;
      EXPECT_LT(Complexity(candidate), Complexity(c));
    }
  }
}

TEST(Shrink, WithoutNodeRenumbersTargetsAndLists) {
  FuzzCase c;
  c.nodes.resize(3);
  for (FuzzNode& n : c.nodes) n.started = true;
  c.nodes[0].backend_nodes = 0b101;  // n1 lists n1 and n3
  Fault cut;
  cut.kind = FaultKind::kCut;
  cut.at_ms = 1'000;
  cut.duration_ms = 1'000;
  cut.nodes = {0, 1, 0, 2};
  c.faults = {cut};
  const FuzzCase smaller = WithoutNode(c, 1);
  ASSERT_TRUE(IsWellFormed(smaller));
  EXPECT_EQ(smaller.nodes.size(), 2u);
  EXPECT_EQ(*smaller.nodes[0].backend_nodes, 0b11u);
  ASSERT_EQ(smaller.faults.size(), 1u);
  EXPECT_EQ(smaller.faults[0].nodes, (std::vector<int>{0, 1}));
}

}  // namespace
}  // namespace discosim::fuzz
