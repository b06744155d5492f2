// Proves that shards split a campaign's cases with no overlap and no gap, and
// that a campaign's verdicts do not depend on the number of jobs.
#include "sim/fuzz/campaign.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

namespace discosim::fuzz {
namespace {

TEST(Campaign, ShardsSplitTheCasesExactly) {
  for (int shards = 1; shards <= 5; ++shards) {
    std::set<uint64_t> seen;
    for (int shard = 1; shard <= shards; ++shard) {
      for (uint64_t i : ShardIndexes(103, shard, shards)) {
        EXPECT_TRUE(seen.insert(i).second) << "case " << i << " in two shards";
        EXPECT_EQ(i % static_cast<uint64_t>(shards), static_cast<uint64_t>(shard - 1));
      }
    }
    EXPECT_EQ(seen.size(), 103u);
  }
}

CampaignSummary Small(int jobs, int shard, int shards) {
  CampaignOptions o;
  o.seed = 2024;
  o.runs = 8;
  o.jobs = jobs;
  o.shard = shard;
  o.shards = shards;
  o.gen.max_nodes = 4;
  o.gen.max_horizon_ms = 10 * 60'000;
  o.shrink = false;
  std::ostringstream out, err;
  return RunCampaign(o, out, err);
}

TEST(Campaign, VerdictsDoNotDependOnJobs) {
  const CampaignSummary one = Small(1, 1, 1);
  const CampaignSummary two = Small(2, 1, 1);
  EXPECT_EQ(one.cases, 8u);
  EXPECT_EQ(one.cases, two.cases);
  EXPECT_EQ(one.passed, two.passed);
  EXPECT_EQ(one.events, two.events);
  EXPECT_EQ(one.failed_by_property, two.failed_by_property);
  ASSERT_EQ(one.failures.size(), two.failures.size());
  for (size_t i = 0; i < one.failures.size(); ++i) {
    EXPECT_EQ(one.failures[i].index, two.failures[i].index);
    EXPECT_EQ(one.failures[i].result.trace_hash, two.failures[i].result.trace_hash);
  }
}

TEST(Campaign, ShardsTogetherRunTheWholeCampaign) {
  const CampaignSummary whole = Small(1, 1, 1);
  const CampaignSummary a = Small(1, 1, 2);
  const CampaignSummary b = Small(1, 2, 2);
  EXPECT_EQ(a.cases + b.cases, whole.cases);
  EXPECT_EQ(a.events + b.events, whole.events);
  EXPECT_EQ(a.passed + b.passed, whole.passed);
}

}  // namespace
}  // namespace discosim::fuzz
