// Aggregation and the writers on records made by hand: the pass rates,
// failing seeds, decision-time figures and "every expectation held" follow
// from the records by the definitions; the CSV quotes what it must; the
// sparkline scales to the fullest bin; JSON records read back as written.
#include <gtest/gtest.h>

#include "sim/scenario/parse.h"
#include "sim/stats/aggregate.h"
#include "sim/stats/html.h"
#include "sim/stats/output.h"

namespace discosim::stats {
namespace {

constexpr char kFile[] = R"(name: two
duration: 1m
nodes:
  - name: a@h1
expect:
  - {by: 1m, ready: all}
  - {at: 1m, ready: all}
)";

Plan TwoExpectations() {
  absl::StatusOr<scenario::Scenario> s = scenario::ParseScenario(kFile, "two.yaml");
  EXPECT_TRUE(s.ok()) << s.status().message();
  return PlanFor(*s);
}

RunRecord Record(uint64_t seed, std::optional<int64_t> by_ms, bool at_passed, const Plan& plan) {
  RunRecord r;
  r.seed = seed;
  r.expectations = {{by_ms.has_value(), by_ms}, {at_passed, std::nullopt}};
  r.times.assign(plan.times.size(), by_ms);
  r.counts.assign(kCountFigures, static_cast<int64_t>(seed));
  return r;
}

TEST(Aggregate, FollowsTheDefinitionsOnAHandMadeCase) {
  const Plan plan = TwoExpectations();
  ASSERT_EQ(plan.written, 2u);
  // by: passes at 10, 20, 30, 40 ms in seeds 1-4, fails in 5, 6, 7, 9; seed 8 stopped.
  std::vector<RunRecord> runs;
  const std::optional<int64_t> by[] = {10, 20, 30, 40, std::nullopt, std::nullopt, std::nullopt};
  for (uint64_t seed = 1; seed <= 7; ++seed) runs.push_back(Record(seed, by[seed - 1], seed != 2, plan));
  RunRecord stopped;
  stopped.seed = 8;
  stopped.stopped = "the run reached the event limit";
  runs.push_back(stopped);
  runs.push_back(Record(9, std::nullopt, true, plan));
  const Stats s = Aggregate(plan, runs);
  EXPECT_EQ(s.runs, 9u);
  EXPECT_EQ(s.judged, 8u);
  EXPECT_EQ(s.stopped_seeds, std::vector<uint64_t>{8});
  EXPECT_EQ(s.first_stop, "the run reached the event limit");
  const ExpectationStats& e = s.expectations[0];
  EXPECT_EQ(e.runs, 8u);
  EXPECT_EQ(e.passed, 4u);
  EXPECT_EQ(e.failed_seeds, (std::vector<uint64_t>{5, 6, 7}));  // the first three
  EXPECT_EQ(e.interval.low, Wilson(4, 8).low);
  ASSERT_TRUE(e.decision.has_value());
  // 10 20 30 40 never x4: p50 is rank 4 (40), p90 rank ceil(7.2) = 8 (never).
  EXPECT_EQ(e.decision->p50, 40);
  EXPECT_EQ(e.decision->p90, std::nullopt);
  EXPECT_EQ(e.decision->min, 10);
  EXPECT_FALSE(s.expectations[1].decision.has_value());  // at: no decision time
  EXPECT_EQ(s.expectations[1].passed, 7u);               // all but seed 2
  // Every expectation held in seeds 1, 3, 4 only.
  EXPECT_EQ(s.all_held, 3u);
  // The counts are the seeds here: 1..7 and 9, mean 37/8.
  const FigureStats* events = FindFigure(s, "events");
  ASSERT_NE(events, nullptr);
  EXPECT_FALSE(events->time);
  EXPECT_DOUBLE_EQ(*events->summary.mean, 37.0 / 8);
  EXPECT_EQ(FindFigure(s, "no such figure"), nullptr);
}

TEST(Output, CsvQuotesWhatItMust) {
  EXPECT_EQ(CsvField("ready"), "ready");
  EXPECT_EQ(CsvField("{by: 1m, ready: all}"), "\"{by: 1m, ready: all}\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  const Plan plan = TwoExpectations();
  const Stats s = Aggregate(plan, {Record(1, 5, true, plan)});
  const std::string csv = CsvHeader({"nodes"}) + CsvRows(s, {"3"});
  // A header, two expectations, the time figures and the counts, one line each.
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'),
            static_cast<long>(1 + 2 + plan.times.size() + kCountFigures));
  EXPECT_NE(csv.find("\n3,expectation,\"{by: 1m, ready: all}\",ms,1,1,1.000000,"), std::string::npos) << csv;
}

TEST(Output, SparklineScalesToTheFullestBin) {
  Histogram h;
  h.counts = {8, 0, 1, 4};
  // Levels ceil(8c / 8): 8 -> █, 0 -> ·, 1 -> ▁, 4 -> ▄.
  EXPECT_EQ(Sparkline(h), "█·▁▄");
  EXPECT_EQ(TimeText(std::nullopt), "never");
  EXPECT_EQ(TimeText(90'500), "1m30s500ms");
}

TEST(Output, RecordsFromJsonRefusesRecordsOfAnotherFile) {
  const Plan plan = TwoExpectations();
  nlohmann::json records = nlohmann::json::parse(RecordsJson({Record(3, 7, true, plan)}).dump());
  ASSERT_TRUE(RecordsFromJson(records, plan).ok());
  records[0]["expectations"].erase(0);
  const auto refused = RecordsFromJson(records, plan);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(std::string(refused.status().message()).find("was it written for another file?"), std::string::npos);
}

TEST(Html, IsSelfContainedAndTheSameTwice) {
  const Plan plan = TwoExpectations();
  std::vector<RunRecord> runs = {Record(1, 5, true, plan), Record(2, std::nullopt, false, plan)};
  const Stats s = Aggregate(plan, runs);
  const std::string page = StatsHtml(s);
  EXPECT_EQ(page, StatsHtml(Aggregate(plan, runs)));
  EXPECT_EQ(page.find("<script src"), std::string::npos);
  EXPECT_EQ(page.find("<link"), std::string::npos);
  EXPECT_EQ(page.find("https://"), std::string::npos);
  EXPECT_NE(page.find("{by: 1m, ready: all}"), std::string::npos);
  // The never-reached run is a red bar of the by: histogram.
  EXPECT_NE(HistogramSvg(s.expectations[0].decision->histogram, true).find("class=\"never\""), std::string::npos);
}

}  // namespace
}  // namespace discosim::stats
