// The campaign summary (summary.h): its JSON reads back as written, the JUnit
// has a test case per property with the failures and their reproducers, and
// merging shards gives the whole campaign's counts; merges of mismatched,
// repeated, missing or short shards are refused.
#include "sim/fuzz/summary.h"

#include <gtest/gtest.h>

#include <sstream>

namespace discosim::fuzz {
namespace {

CampaignOptions Options(int shard, int shards) {
  CampaignOptions o;
  o.seed = 2024;
  o.runs = 9;
  o.jobs = 1;
  o.shard = shard;
  o.shards = shards;
  o.gen.max_nodes = 4;
  o.gen.max_horizon_ms = 10 * 60'000;
  o.shrink = false;
  return o;
}

FuzzReport RunShard(int shard, int shards) {
  const CampaignOptions o = Options(shard, shards);
  std::ostringstream out, err;
  return ReportOf(o, RunCampaign(o, out, err));
}

// A report with one failure of each kind, by hand (a real campaign rarely fails).
FuzzReport WithFailures() {
  FuzzReport r = ReportOf(Options(2, 3), CampaignSummary{});
  r.summary.cases = 3;
  r.summary.passed = 1;
  r.summary.failed_by_property = {{"liveness", 1}};
  r.summary.errors = 1;
  CampaignFailure f;
  f.index = 4;
  f.case_seed = 77;
  f.result.kind = CaseResult::Kind::kFailed;
  f.result.property = "liveness";
  f.result.expectation = "{by: 5m, joined: {table: t1, nodes: all}}";
  f.result.observed = "n1@h1 cluster [n1@h1] <not> [n1@h1, n2@h2] & more";
  f.file = "out/fuzz-2024-4-liveness.yaml";
  f.summary = "2 nodes";
  f.replays = true;
  CampaignFailure e;
  e.index = 7;
  e.result.kind = CaseResult::Kind::kError;
  e.result.observed = "the world refused it";
  r.summary.failures = {f, e};
  return r;
}

TEST(FuzzSummary, JsonReadsBackAsWritten) {
  const FuzzReport r = WithFailures();
  const std::string json = ReportJson(r, "out");
  EXPECT_NE(json.find("\"reproducer\": \"fuzz-2024-4-liveness.yaml\""), std::string::npos)
      << "the reproducer is named relative to the summary's folder:\n" << json;
  absl::StatusOr<FuzzReport> back = ParseReportJson(json, "summary.json", "elsewhere/shard-2");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->campaign, r.campaign);
  EXPECT_EQ(back->shards, std::set<int>{2});
  EXPECT_EQ(back->summary.cases, 3u);
  EXPECT_EQ(back->summary.errors, 1u);
  EXPECT_EQ(back->summary.failed_by_property, r.summary.failed_by_property);
  ASSERT_EQ(back->summary.failures.size(), 2u);
  EXPECT_EQ(back->summary.failures[0].file, "elsewhere/shard-2/fuzz-2024-4-liveness.yaml");
  EXPECT_EQ(back->summary.failures[0].result.observed, r.summary.failures[0].result.observed);
  EXPECT_EQ(back->summary.failures[1].result.kind, CaseResult::Kind::kError);
}

TEST(FuzzSummary, RefusesTextThatIsNotASummary) {
  EXPECT_FALSE(ParseReportJson("{}", "x.json", "").ok());
  EXPECT_FALSE(ParseReportJson("not json", "x.json", "").ok());
  std::string json = ReportJson(WithFailures());
  json.replace(json.find("\"version\": 1"), 12, "\"version\": 9");
  EXPECT_FALSE(ParseReportJson(json, "x.json", "").ok());
}

TEST(FuzzSummary, JunitHasATestCasePerPropertyAndTheFailuresWithReproducers) {
  const std::string xml = ReportJunit(WithFailures());
  for (std::string p : {"membership", "transitivity", "liveness", "determinism", "world"}) {
    EXPECT_NE(xml.find("name=\"" + p + "\""), std::string::npos) << p << "\n" << xml;
  }
  EXPECT_NE(xml.find("tests=\"5\" failures=\"1\" errors=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<failure message=\"1 cases failed\" type=\"liveness\">case 4: "),
            std::string::npos) << xml;
  EXPECT_NE(xml.find("replay: discosim run out/fuzz-2024-4-liveness.yaml"), std::string::npos);
  EXPECT_NE(xml.find("&lt;not&gt; [n1@h1, n2@h2] &amp; more"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("<not>"), std::string::npos) << "unescaped text in the XML";
  EXPECT_NE(xml.find("<error message=\"1 cases the world refused\""), std::string::npos);
}

TEST(FuzzSummary, ShardsMergeIntoTheWholeCampaign) {
  const FuzzReport whole = RunShard(1, 1);
  std::vector<FuzzReport> shards;
  // Written and read back, as --merge reads them.
  for (int k = 1; k <= 3; ++k) {
    const FuzzReport r = RunShard(k, 3);
    absl::StatusOr<FuzzReport> read = ParseReportJson(ReportJson(r), "s.json", "");
    ASSERT_TRUE(read.ok()) << read.status();
    shards.push_back(*read);
  }
  absl::StatusOr<FuzzReport> merged = MergeReports({shards[2], shards[0], shards[1]}, true);
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->shards, (std::set<int>{1, 2, 3}));
  EXPECT_EQ(merged->summary.cases, 9u);
  EXPECT_EQ(merged->summary.cases, whole.summary.cases);
  EXPECT_EQ(merged->summary.passed, whole.summary.passed);
  EXPECT_EQ(merged->summary.events, whole.summary.events);
  EXPECT_EQ(merged->summary.too_many_events, whole.summary.too_many_events);
  EXPECT_EQ(merged->summary.known_findings, whole.summary.known_findings);
  EXPECT_EQ(merged->summary.failed_by_property, whole.summary.failed_by_property);
  ASSERT_EQ(merged->summary.failures.size(), whole.summary.failures.size());
  for (size_t i = 0; i < whole.summary.failures.size(); ++i) {
    EXPECT_EQ(merged->summary.failures[i].index, whole.summary.failures[i].index);
  }
}

TEST(FuzzSummary, EachShardRunsItsShareOfTheCases) {
  // Shard K of M runs the indexes i < runs with i % M == K - 1: for 9 cases
  // in 4 shards, {0, 4, 8}, {1, 5}, {2, 6}, {3, 7}.
  const uint64_t expected[] = {3, 2, 2, 2};
  for (int k = 1; k <= 4; ++k) {
    EXPECT_EQ(ShardIndexes(9, k, 4).size(), expected[k - 1]) << "shard " << k;
    CampaignOptions o = Options(k, 4);
    std::ostringstream out, err;
    o.gen.max_horizon_ms = 60'000;
    EXPECT_EQ(RunCampaign(o, out, err).cases, expected[k - 1]) << "shard " << k;
  }
}

TEST(FuzzSummary, MergeRefusesWhatIsNotOneCampaign) {
  FuzzReport a = WithFailures();  // shard 2 of 3, 3 cases (its share of 9)
  FuzzReport b = a;
  b.shards = {1};
  b.summary.cases = 3;
  EXPECT_TRUE(MergeReports({a, b}, false).ok());

  absl::StatusOr<FuzzReport> twice = MergeReports({a, a}, false);
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("shard 2/3 is given twice"), std::string::npos);

  FuzzReport other = b;
  other.campaign.seed = 5;
  EXPECT_FALSE(MergeReports({a, other}, false).ok());
  other = b;
  other.campaign.max_nodes = 3;
  EXPECT_FALSE(MergeReports({a, other}, false).ok());

  absl::StatusOr<FuzzReport> missing = MergeReports({a, b}, true);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("shards 3 of 3 are missing"), std::string::npos);

  FuzzReport short_shard = b;
  short_shard.summary.cases = 2;
  absl::StatusOr<FuzzReport> short_merge = MergeReports({a, short_shard}, false);
  ASSERT_FALSE(short_merge.ok());
  EXPECT_NE(short_merge.status().message().find("shard 1/3 ran 2 cases; its share of 9 is 3"),
            std::string::npos) << short_merge.status();
  short_shard.budget_stopped = {1};  // a budget may stop a shard short
  EXPECT_TRUE(MergeReports({a, short_shard}, false).ok());
}

}  // namespace
}  // namespace discosim::fuzz
