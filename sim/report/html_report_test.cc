// Proves that the HTML report of a run with a partition, a restart, backend
// errors and a failing expectation draws what happened: one lane per node,
// one bar per get_nodes call (errors apart), the partition over its span, the
// restart, each end's connections, and a red marker for the failure; that the
// page is self-contained and byte-identical for the same run.
#include "sim/report/html_report.h"

#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/scenario/parse.h"
#include "sim/scenario/run.h"

namespace discosim::report {
namespace {

using scenario::ParseScenario;
using scenario::RunOptions;
using scenario::RunScenario;
using scenario::Scenario;
using scenario::ScenarioRun;

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kYaml = R"(
name: report-test
description: A partition isolates c, b restarts, and one expectation <fails>.
seed: 3
duration: 5m
tables: [sessions]
backend: {latency: 20ms}
nodes:
  - name: a@h1
  - name: b@h2
  - name: c@h3
timeline:
  - {at: 30s, backend_fail: {node: a@h1, count: 2}}
  - {at: 1m, partition: [[a@h1, b@h2], [c@h3]]}
  - {at: 1m30s, restart: [b@h2]}
  - {at: 2m, dns: {node: c@h3, delay: 5s}}
  - {at: 3m, heal: all}
  - {at: 3m10s, dns: {node: c@h3, delay: 0ms}}
expect:
  - {by: 10s, ready: all}
  - {at: 2m30s, connected: [[a@h1, c@h3]]}
  - {by: 4m, from: 3m, connected: [[a@h1, b@h2]]}
)";

struct Rendered {
  Scenario scenario;
  ScenarioRun run;
  std::string html;
};

// Parses kYaml (or `yaml`), runs it and renders the page.
Rendered Render(world::TraceMode trace = world::TraceMode::kKeepLines,
                std::string_view yaml = kYaml) {
  absl::StatusOr<Scenario> scenario = ParseScenario(yaml, "report-test.yaml");
  EXPECT_TRUE(scenario.ok()) << scenario.status();
  Rendered out{std::move(*scenario), {}, ""};
  RunOptions options;
  options.trace = trace;
  absl::StatusOr<ScenarioRun> run = RunScenario(out.scenario, options);
  EXPECT_TRUE(run.ok()) << run.status();
  out.run = std::move(*run);
  out.html = HtmlReport(out.run);
  return out;
}

int Count(std::string_view text, std::string_view what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The text of the lane group of `node`: from its tag to its own "</g>" line
// (the points inside it close on the line they open).
std::string_view Lane(std::string_view html, std::string_view node) {
  constexpr std::string_view kOpen = "<g class=\"lane\" id=\"lane-";
  const std::string attr = "data-node=\"" + std::string(node) + "\"";
  for (size_t at = html.find(kOpen); at != std::string_view::npos; at = html.find(kOpen, at + 1)) {
    const size_t tag_end = html.find('>', at);
    if (html.substr(at, tag_end - at).find(attr) == std::string_view::npos) continue;
    return html.substr(at, html.find("\n</g>\n", tag_end) - at);
  }
  return {};
}

TEST(HtmlReportTest, TheScenarioFailsOneExpectation) {
  const Rendered r = Render();
  EXPECT_EQ(r.run.passed(), 2);
  EXPECT_EQ(r.run.failed(), 1);
}

TEST(HtmlReportTest, HasOneLanePerNodeInDeclaredOrder) {
  const Rendered r = Render();
  EXPECT_EQ(Count(r.html, "<g class=\"lane\""), 3);
  const size_t a = r.html.find("data-node=\"a@h1\"");
  const size_t b = r.html.find("data-node=\"b@h2\"");
  const size_t c = r.html.find("data-node=\"c@h3\"");
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(c, std::string::npos);
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  // Each lane has a running bar and a peer track per other node.
  for (std::string_view node : {"a@h1", "b@h2", "c@h3"}) {
    const std::string_view lane = Lane(r.html, node);
    EXPECT_GE(Count(lane, "class=\"s run "), 1) << node;
    EXPECT_GE(Count(lane, "class=\"s conn\""), 1) << node;
  }
}

TEST(HtmlReportTest, DrawsOneBarPerGetNodesCallWithErrorsApart) {
  const Rendered r = Render();
  int errors = 0;
  for (std::string_view node : {"a@h1", "b@h2", "c@h3"}) {
    const std::string_view lane = Lane(r.html, node);
    const size_t calls = r.run.world->GetNodesCalls(node).size();
    ASSERT_GT(calls, 0u);
    EXPECT_EQ(Count(lane, "class=\"s gn "), static_cast<int>(calls)) << node;
    errors += Count(lane, "class=\"s gn err\"");
  }
  // backend_fail {count: 2} on a: exactly its next two calls fail.
  EXPECT_EQ(Count(Lane(r.html, "a@h1"), "class=\"s gn err\""), 2);
  EXPECT_EQ(errors, 2);
  // 20ms backend latency: a call's bar runs from its start to its answer.
  const ReportModel model = BuildReportModel(r.run);
  for (const ReportModel::GetNodesCall& call : model.lanes[0].get_nodes) {
    if (call.answered) {
      EXPECT_EQ(call.span.to_ms - call.span.from_ms, 20);
    }
  }
}

TEST(HtmlReportTest, MarksTheFailureRedAndThePassesGreen) {
  const Rendered r = Render();
  EXPECT_EQ(Count(r.html, "class=\"p mark fail\""), 1);
  EXPECT_EQ(Count(r.html, "class=\"p mark pass\""), 2);
  const size_t fail = r.html.find("class=\"p mark fail\"");
  const std::string_view marker(r.html.data() + fail, r.html.find("</g>", fail) - fail);
  EXPECT_THAT(std::string(marker), HasSubstr("data-t=\"150000\""));
  EXPECT_THAT(std::string(marker), HasSubstr("fill=\"#d62728\""));
  EXPECT_THAT(std::string(marker),
              HasSubstr("<title>FAIL {at: 2m30s, connected: [[a@h1, c@h3]]}  at 2m30s"));
  // The header counts them.
  EXPECT_THAT(r.html, HasSubstr(">2 passed</span>"));
  EXPECT_THAT(r.html, HasSubstr(">1 failed</span>"));
  EXPECT_THAT(r.html, HasSubstr("<h1>report-test</h1>"));
  EXPECT_THAT(r.html, HasSubstr("<span class=\"k\">seed</span> 3</span>"));
  EXPECT_THAT(r.html, HasSubstr("<span class=\"k\">duration</span> 5m</span>"));
}

TEST(HtmlReportTest, ShadesThePartitionOverItsSpanAndThePairsItSeparates) {
  const Rendered r = Render();
  EXPECT_EQ(Count(r.html, "class=\"s band partition\" data-a=\"60000\" data-b=\"180000\""), 1);
  const ReportModel model = BuildReportModel(r.run);
  ASSERT_EQ(model.partitions.size(), 1u);
  EXPECT_EQ(model.partitions[0].label, "partition [a@h1 b@h2] | [c@h3]");
  // a and c are apart from 1m to 3m, a and b never.
  const ReportModel::Lane& a = model.lanes[0];
  ASSERT_EQ(a.peers.size(), 2u);
  EXPECT_EQ(a.peers[0].name, "b@h2");
  EXPECT_TRUE(a.peers[0].unreachable.empty());
  ASSERT_EQ(a.peers[1].unreachable.size(), 1u);
  EXPECT_EQ(a.peers[1].unreachable[0].span.from_ms, 60'000);
  EXPECT_EQ(a.peers[1].unreachable[0].span.to_ms, 180'000);
  EXPECT_EQ(a.peers[1].unreachable[0].kind, "partition");
  // c's DNS slowdown is a fault on c's lane, from the step to its undoing.
  const ReportModel::Lane& c = model.lanes[2];
  ASSERT_EQ(c.faults.size(), 1u);
  EXPECT_EQ(c.faults[0].label, "dns 5s");
  EXPECT_EQ(c.faults[0].span.from_ms, 120'000);
  EXPECT_EQ(c.faults[0].span.to_ms, 190'000);
}

TEST(HtmlReportTest, EachEndOfTheCutConnectionGoesDownOnItsOwn) {
  const Rendered r = Render();
  const ReportModel model = BuildReportModel(r.run);
  // a's end towards c: up from the start, down after 1m by tick timeout,
  // and each end decides at its own time.
  const ReportModel::Peer& a_to_c = model.lanes[0].peers[1];
  const ReportModel::Peer& c_to_a = model.lanes[2].peers[0];
  ASSERT_GE(a_to_c.up.size(), 1u);
  ASSERT_GE(c_to_a.up.size(), 1u);
  EXPECT_LT(a_to_c.up[0].from_ms, 1'000);
  EXPECT_GT(a_to_c.up[0].to_ms, 60'000);
  EXPECT_EQ(a_to_c.down_cause[0], "tick_timeout");
  EXPECT_EQ(c_to_a.down_cause[0], "tick_timeout");
  EXPECT_NE(a_to_c.up[0].to_ms, c_to_a.up[0].to_ms);
}

TEST(HtmlReportTest, DrawsEachPingFromStartToPongOrPang) {
  const Rendered r = Render();
  const ReportModel model = BuildReportModel(r.run);
  // Before the partition a's pings answer pong; across it, b's new
  // incarnation pings c and gets pang, after the pre-check gives up.
  int pongs = 0, pangs = 0;
  for (const ReportModel::Ping& ping : model.lanes[0].pings) {
    EXPECT_LE(ping.span.from_ms, ping.span.to_ms);
    if (ping.finished && ping.pong) ++pongs;
  }
  for (const ReportModel::Ping& ping : model.lanes[1].pings) {
    if (!ping.finished || ping.pong || ping.peer != "c@h3") continue;
    ++pangs;
    EXPECT_GE(ping.span.from_ms, 90'000);
    EXPECT_GT(ping.span.to_ms, ping.span.from_ms);
  }
  EXPECT_GT(pongs, 0);
  EXPECT_GT(pangs, 0);
  EXPECT_EQ(Count(Lane(r.html, "b@h2"), "class=\"p ping pang\""), pangs);
}

TEST(HtmlReportTest, ShowsTheRestartAndBothIncarnations) {
  const Rendered r = Render();
  const std::string_view b = Lane(r.html, "b@h2");
  EXPECT_EQ(Count(b, "class=\"p restart\" data-t=\"90000\""), 1);
  const ReportModel model = BuildReportModel(r.run);
  const ReportModel::Lane& lane = model.lanes[1];
  ASSERT_FALSE(lane.status.empty());
  EXPECT_EQ(lane.status.front().incarnation, 1u);
  EXPECT_EQ(lane.status.back().incarnation, 2u);
  // The new incarnation starts in the initial phase; the old one had left it.
  bool regular_before = false, initial_after = false;
  for (const ReportModel::StatusSpan& s : lane.status) {
    if (s.incarnation == 1 && s.phase == engine::Phase::kRegular) regular_before = true;
    if (s.incarnation == 2 && s.span.from_ms == 90'000) {
      initial_after = s.phase == engine::Phase::kInitial;
    }
  }
  EXPECT_TRUE(regular_before);
  EXPECT_TRUE(initial_after);
  // Its connections closed at the restart, seen from its own end.
  for (const ReportModel::Peer& peer : lane.peers) {
    ASSERT_FALSE(peer.up.empty());
    EXPECT_EQ(peer.up[0].to_ms, 90'000) << peer.name;
    EXPECT_EQ(peer.down_cause[0], "stopped") << peer.name;
  }
}

TEST(HtmlReportTest, ReadinessFollowsVerifyReady) {
  const Rendered r = Render();
  const ReportModel model = BuildReportModel(r.run);
  for (const ReportModel::Lane& lane : model.lanes) {
    ASSERT_FALSE(lane.status.empty()) << lane.name;
    EXPECT_FALSE(lane.status.front().ready) << lane.name;  // nothing known at the start
    const bool ready_at_end = r.run.world->VerifyReady(lane.name)->empty();
    EXPECT_EQ(lane.status.back().ready, ready_at_end) << lane.name;
    EXPECT_EQ(lane.status.back().span.to_ms, r.run.end_ms) << lane.name;
  }
}

TEST(HtmlReportTest, IsSelfContainedAndEscapesText) {
  const Rendered r = Render();
  EXPECT_EQ(Count(r.html, "http://") + Count(r.html, "https://"),
            Count(r.html, "http://www.w3.org/2000/svg"));
  EXPECT_THAT(r.html, Not(HasSubstr("<script src")));
  EXPECT_THAT(r.html, Not(HasSubstr("<link")));
  EXPECT_THAT(r.html, Not(HasSubstr("@import")));
  EXPECT_THAT(r.html, Not(HasSubstr("@font-face")));
  EXPECT_EQ(Count(r.html, "url("), Count(r.html, "url(#"));
  EXPECT_THAT(r.html, HasSubstr("expectation &lt;fails&gt;."));
  EXPECT_THAT(r.html, Not(HasSubstr("<fails>")));
  EXPECT_EQ(Count(r.html, "<script>"), 1);
}

TEST(HtmlReportTest, TheSameRunGivesTheSameBytes) { EXPECT_EQ(Render().html, Render().html); }

TEST(HtmlReportTest, WithoutStatusItStillDrawsLanesAndSaysWhatIsMissing) {
  const Rendered r = Render(world::TraceMode::kHashOnly);
  EXPECT_EQ(Count(r.html, "<g class=\"lane\""), 3);
  EXPECT_THAT(r.html, HasSubstr("recorded no discovery status"));
  EXPECT_EQ(Count(r.html, "class=\"s run "), 0);
  // The calls are still there, one each, with their answers.
  const std::string_view a = Lane(r.html, "a@h1");
  EXPECT_EQ(Count(a, "class=\"s gn "), static_cast<int>(r.run.world->GetNodesCalls("a@h1").size()));
  EXPECT_EQ(Count(a, "class=\"s gn err\""), 2);
  EXPECT_THAT(Render().html, Not(HasSubstr("recorded no discovery status")));
}

TEST(HtmlReportTest, TheBackendFailCountEndsWithItsLastFailedAnswer) {
  const Rendered r = Render();
  const ReportModel model = BuildReportModel(r.run);
  const ReportModel::Lane& a = model.lanes[0];
  std::vector<ReportModel::Interval> errors;
  for (const ReportModel::GetNodesCall& call : a.get_nodes) {
    if (call.error) errors.push_back(call.span);
  }
  ASSERT_EQ(errors.size(), 2u);
  ASSERT_EQ(a.faults.size(), 1u);
  EXPECT_EQ(a.faults[0].kind, "backend_fail");
  EXPECT_EQ(a.faults[0].label, "backend fails 2 calls");
  EXPECT_EQ(a.faults[0].cause, "{at: 30s, backend_fail: {node: a@h1, count: 2}}");
  EXPECT_EQ(a.faults[0].span.from_ms, 30'000);
  EXPECT_EQ(a.faults[0].span.to_ms, errors[1].to_ms);
}

TEST(HtmlReportTest, CutsShadeOnlyTheirLink) {
  const Rendered r = Render(world::TraceMode::kKeepLines, R"(
name: cut
seed: 1
duration: 2m
nodes: [{name: a@h1}, {name: b@h2}, {name: c@h3}]
timeline:
  - {at: 10s, cut: [[a@h1, c@h3]]}
  - {at: 1m, heal: [[a@h1, c@h3]]}
expect:
  - {by: 5s, ready: all}
)");
  const ReportModel model = BuildReportModel(r.run);
  EXPECT_TRUE(model.partitions.empty());
  ASSERT_EQ(model.lanes[0].peers[1].unreachable.size(), 1u);
  EXPECT_EQ(model.lanes[0].peers[1].unreachable[0].kind, "cut");
  EXPECT_EQ(model.lanes[0].peers[1].unreachable[0].span.from_ms, 10'000);
  EXPECT_EQ(model.lanes[0].peers[1].unreachable[0].span.to_ms, 60'000);
  EXPECT_TRUE(model.lanes[0].peers[0].unreachable.empty());
  EXPECT_TRUE(model.lanes[1].peers[1].unreachable.empty());
  EXPECT_EQ(Count(r.html, "class=\"s apart cut\""), 2);  // one per end
  EXPECT_EQ(Count(r.html, "class=\"p mark fail\""), 0);
}

}  // namespace
}  // namespace discosim::report
