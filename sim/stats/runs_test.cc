// The runs behind `discosim stats`: the figures a plan adds mean what the
// same conditions mean when a file writes them; a batch gives the same
// records (and byte-identical reports) whatever the number of jobs; the
// shards of a batch add up to the whole; a run past a limit is counted as
// stopped, not judged.
#include <gtest/gtest.h>

#include <sstream>

#include "sim/scenario/parse.h"
#include "sim/scenario/run.h"
#include "sim/stats/aggregate.h"
#include "sim/stats/batch.h"
#include "sim/stats/output.h"

namespace discosim::stats {
namespace {

// Three nodes and one table, split at 1m, healed at 4m; the written
// expectations are the conditions a plan's figures use, so the judge's own
// verdicts are the reference for the figures.
constexpr char kFile[] = R"(name: split-heal
duration: 10m
tables: [sessions]
nodes:
  - names: n{i}@h{i}
    count: 3
timeline:
  - {at: 1m, partition: [[n1@h1], [n2@h2, n3@h3]]}
  - {at: 4m, heal: all}
expect:
  - {by: 10m, ready: all}
  - {by: 10m, joined: {table: sessions, nodes: all}}
  - {by: 10m, from: 4m, joined: {table: sessions, nodes: all}}
  - {at: 30s, joined: {table: sessions, nodes: [n1@h1]}}
)";

scenario::Scenario Parse() {
  absl::StatusOr<scenario::Scenario> s = scenario::ParseScenario(kFile, "split-heal.yaml");
  EXPECT_TRUE(s.ok()) << s.status().message();
  return *s;
}

std::vector<std::string> Names(const Plan& plan) {
  std::vector<std::string> names;
  for (const TimeFigure& t : plan.times) names.push_back(t.name);
  return names;
}

TEST(Plan, AddsReadyWholeAndConvergedFromTheStartAndEachHeal) {
  const Plan plan = PlanFor(Parse());
  EXPECT_EQ(plan.written, 4u);
  EXPECT_EQ(Names(plan), (std::vector<std::string>{"ready", "whole sessions", "converged",
                                                   "ready after heal at 4m", "whole sessions after heal at 4m",
                                                   "converged after heal at 4m"}));
  // Two expectations per instant (ready, whole), after the file's four.
  EXPECT_EQ(plan.scenario.expectations.size(), 4u + 4u);
  EXPECT_EQ(plan.scenario.expectations[4].as_written, "{by: 10m, ready: all}");
  EXPECT_EQ(plan.scenario.expectations[7].as_written,
            "{by: 10m, from: 4m, joined: {table: sessions, nodes: all}}");
}

TEST(RunOnce, FiguresAreTheJudgesFirstInstants) {
  const Plan plan = PlanFor(Parse());
  for (uint64_t seed : {1, 2, 3}) {
    const RunRecord r = RunOnce(plan, seed, world::Limits{});
    ASSERT_FALSE(r.stopped) << *r.stopped;
    scenario::RunOptions options;
    options.seed = seed;
    absl::StatusOr<scenario::ScenarioRun> judged = scenario::RunScenario(Parse(), options);
    ASSERT_TRUE(judged.ok());
    const auto& res = judged->results;
    ASSERT_TRUE(res[0].passed && res[1].passed && res[2].passed);
    EXPECT_EQ(r.times[0], res[0].at_ms);                              // ready
    EXPECT_EQ(r.times[1], res[1].at_ms);                              // whole sessions
    EXPECT_EQ(r.times[2], std::max(res[0].at_ms, res[1].at_ms));      // converged: the later
    EXPECT_EQ(r.times[4], res[2].at_ms - 240'000);                    // whole, from the heal at 4m
    EXPECT_EQ(r.expectations[2].decision_ms, res[2].at_ms - 240'000); // by: from its `from`
    EXPECT_EQ(r.expectations[3].decision_ms, std::nullopt);           // at: no decision time
    EXPECT_EQ(r.counts[0], static_cast<int64_t>(judged->run.events));
    EXPECT_EQ(r.counts[1], static_cast<int64_t>(judged->world->counters().lock_attempts));
    EXPECT_EQ(r.counts[2], static_cast<int64_t>(judged->world->counters().lock_grants));
    EXPECT_EQ(r.counts[4], static_cast<int64_t>(judged->world->Observed().get_nodes.size()));
  }
}

std::vector<RunRecord> Batch(const Plan& plan, int jobs, fuzz::Shard shard) {
  BatchOptions o;
  o.first_seed = 11;
  o.seeds = 12;
  o.jobs = jobs;
  o.shard = shard;
  std::ostringstream err;
  return RunBatch({&plan}, o, err).front();
}

std::string Report(const Plan& plan, const std::vector<RunRecord>& runs) {
  Stats s = Aggregate(plan, runs);
  s.first_seed = 11;
  s.seeds = 12;
  return JsonReport(s, runs) + TextReport(s) + CsvRows(s, {});
}

TEST(Batch, SameArgumentsGiveByteIdenticalReportsWhateverTheJobs) {
  const Plan plan = PlanFor(Parse());
  const std::vector<RunRecord> one = Batch(plan, 1, {});
  const std::vector<RunRecord> three = Batch(plan, 3, {});
  ASSERT_EQ(one.size(), 12u);
  for (size_t i = 0; i < one.size(); ++i) EXPECT_EQ(one[i].seed, 11 + i);
  EXPECT_EQ(one, three);
  EXPECT_EQ(Report(plan, one), Report(plan, three));
  // The seeds really differ: not every run took the same time to heal.
  std::set<std::optional<int64_t>> heal_times;
  for (const RunRecord& r : one) heal_times.insert(r.times[4]);
  EXPECT_GT(heal_times.size(), 1u);
}

TEST(Batch, ShardsAddUpToTheWhole) {
  const Plan plan = PlanFor(Parse());
  const std::vector<RunRecord> whole = Batch(plan, 2, {});
  std::vector<RunRecord> together;
  for (int k = 1; k <= 3; ++k) {
    const std::vector<RunRecord> part = Batch(plan, 1, {k, 3});
    EXPECT_EQ(part.size(), 4u);
    for (const RunRecord& r : part) EXPECT_EQ((r.seed - 11) % 3, static_cast<uint64_t>(k - 1));
    together.insert(together.end(), part.begin(), part.end());
  }
  std::sort(together.begin(), together.end(), [](const RunRecord& a, const RunRecord& b) { return a.seed < b.seed; });
  EXPECT_EQ(together, whole);
  EXPECT_EQ(Report(plan, together), Report(plan, whole));
  // And through JSON, as `discosim stats --merge` reads them back.
  const auto back = RecordsFromJson(nlohmann::json::parse(RecordsJson(together).dump()), plan);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, whole);
}

TEST(Batch, ShardSeedsSplitEveryPointsSeeds) {
  BatchOptions o;
  o.first_seed = 5;
  o.seeds = 4;
  std::set<std::pair<size_t, uint64_t>> seen;
  for (int k = 1; k <= 3; ++k) {
    o.shard = {k, 3};
    for (size_t plan = 0; plan < 2; ++plan) {
      for (uint64_t seed : ShardSeeds(o, plan, 2)) EXPECT_TRUE(seen.insert({plan, seed}).second);
    }
  }
  EXPECT_EQ(seen.size(), 8u);  // 2 plans x seeds 5..8
}

TEST(RunOnce, ARunPastALimitIsStoppedNotJudged) {
  const Plan plan = PlanFor(Parse());
  world::Limits limits;
  limits.max_events = 50;
  const RunRecord r = RunOnce(plan, 1, limits);
  ASSERT_TRUE(r.stopped.has_value());
  EXPECT_NE(r.stopped->find("event limit"), std::string::npos) << *r.stopped;
  const Stats s = Aggregate(plan, {r});
  EXPECT_EQ(s.stopped_seeds, std::vector<uint64_t>{1});
  EXPECT_EQ(s.judged, 0u);
  EXPECT_EQ(s.expectations[0].runs, 0u);
}

}  // namespace
}  // namespace discosim::stats
