// Node templates (`names: n{i}@h{i}` with `count: N`) and the overrides
// `discosim sweep --vary` puts into a file before it is read. Line and
// column numbers were counted by hand from the YAML beside them.
#include <string>
#include <variant>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/scenario/parse.h"

namespace discosim::scenario {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Errors(std::string_view text, const ScenarioLimits& limits = {},
                                const std::vector<ValueOverride>& overrides = {}) {
  absl::StatusOr<Scenario> result = ParseScenario(text, "x.yaml", limits, overrides);
  if (result.ok()) return {};
  std::vector<std::string> lines;
  const std::string message(result.status().message());
  size_t start = 0;
  while (start <= message.size()) {
    size_t end = message.find('\n', start);
    if (end == std::string::npos) end = message.size();
    lines.push_back(message.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

Scenario ParseOk(std::string_view text, const std::vector<ValueOverride>& overrides = {}) {
  absl::StatusOr<Scenario> result = ParseScenario(text, "x.yaml", {}, overrides);
  EXPECT_TRUE(result.ok()) << result.status().message();
  return result.ok() ? *std::move(result) : Scenario{};
}

std::vector<std::string> Names(const Scenario& s) {
  std::vector<std::string> names;
  for (const Node& n : s.nodes) names.push_back(n.name);
  return names;
}

constexpr std::string_view kHead =
    "name: t\n"         // 1
    "duration: 10m\n"   // 2
    "tables: [s]\n"     // 3
    "nodes:\n";         // 4

std::string With(std::string_view rest) { return std::string(kHead) + std::string(rest); }

TEST(NodeTemplate, ExpandsToCountNodesWithTheTemplatesKeys) {
  const Scenario s = ParseOk(With(
      "  - name: seed@h0\n"
      "  - names: n{i}@h{i}\n"
      "    count: 3\n"
      "    net_ticktime: 20s\n"
      "    start_at: 1s\n"
      "timeline:\n"
      "  - {at: 2m, stop: [n3@h3]}\n"));
  EXPECT_THAT(Names(s), ElementsAre("seed@h0", "n1@h1", "n2@h2", "n3@h3"));
  for (size_t i = 1; i < s.nodes.size(); ++i) {
    EXPECT_EQ(s.nodes[i].settings.net_ticktime_ms, 20'000);
    EXPECT_EQ(s.nodes[i].start_at_ms, 1'000);
    EXPECT_EQ(s.nodes[i].tables, std::vector<std::string>{"s"});
    EXPECT_EQ(s.nodes[i].position.line, 6);  // where the template is written
  }
  EXPECT_EQ(s.nodes[0].settings.net_ticktime_ms, 60'000);
  EXPECT_EQ(s.nodes[0].template_item, std::nullopt);
  EXPECT_EQ(s.nodes[3].template_item, 1u);  // nodes[1] is the template
  // Each {i} is the node's number, as often as it is written.
  const Scenario one = ParseOk(With("  - {names: \"x{i}y{i}@vm\", count: 2}\n"));
  EXPECT_THAT(Names(one), ElementsAre("x1y1@vm", "x2y2@vm"));
}

TEST(NodeTemplate, RefusesBrokenTemplatesWithTheirPosition) {
  // The pattern is on line 5, column 12; the item starts at column 5.
  EXPECT_THAT(Errors(With("  - names: node@h\n    count: 2\n")),
              ElementsAre("x.yaml:5:12: nodes[0].names: the pattern \"node@h\" has no {i}, so "
                          "every node would get the same name; write where the number goes, "
                          "like n{i}@h{i}"));
  EXPECT_THAT(Errors(With("  - names: n{n}@h\n    count: 2\n")),
              ElementsAre("x.yaml:5:12: nodes[0].names: the pattern \"n{n}@h\" has a brace that "
                          "is not {i} (column 2 of the pattern); {i}, the node's number, is the "
                          "only placeholder"));
  EXPECT_THAT(Errors(With("  - names: n{i}\n    count: 2\n")),
              ElementsAre("x.yaml:5:12: nodes[0].names: the pattern gives node name \"n1\" has "
                          "no \"@\"; a node name is name@host, like a@h1"));
  EXPECT_THAT(Errors(With("  - names: n{i}@h\n")),
              ElementsAre("x.yaml:5:5: nodes[0].count: required key is missing: a node "
                          "template needs the number of nodes"));
  EXPECT_THAT(Errors(With("  - names: n{i}@h\n    count: 0\n")),
              ElementsAre("x.yaml:6:12: nodes[0].count: must be at least 1"));
  EXPECT_THAT(Errors(With("  - names: n{i}@h\n    count: two\n")),
              ElementsAre("x.yaml:6:12: nodes[0].count: expected a whole number, found the "
                          "string \"two\""));
  EXPECT_THAT(Errors(With("  - {name: a@h, names: \"n{i}@h\", count: 2}\n")),
              ElementsAre("x.yaml:5:12: nodes[0].name: a node template has names (a pattern) "
                          "and count, not name; keep one of the two"));
  EXPECT_THAT(Errors(With("  - {name: a@h, count: 2}\n")),
              ElementsAre("x.yaml:5:24: nodes[0].count: count goes with names (a node "
                          "template, like names: n{i}@h{i}); a node with a name is one node"));
}

TEST(NodeTemplate, RefusesANameTheTemplateAlsoGives) {
  EXPECT_THAT(Errors(With("  - name: n2@h\n"
                          "  - {names: \"n{i}@h\", count: 3}\n")),
              ElementsAre("x.yaml:6:13: nodes[1].names: node \"n2@h\" (the pattern's i = 2) is "
                          "declared twice (first on line 5)"));
}

TEST(NodeTemplate, CountsTowardsTheNodeLimit) {
  ScenarioLimits limits;
  limits.max_nodes = 5;
  // The nodes list starts at line 5, column 3: 1 + 5 nodes.
  EXPECT_THAT(Errors(With("  - name: a@h\n  - {names: \"n{i}@h\", count: 5}\n"), limits),
              ElementsAre("x.yaml:5:3: nodes: 6 nodes is more than the limit of 5; raise it "
                          "with --max-nodes"));
  // A huge count is refused before anything is expanded.
  EXPECT_THAT(Errors(With("  - {names: \"n{i}@h\", count: 1000000000}\n")),
              ElementsAre("x.yaml:5:3: nodes: 1000000000 nodes is more than the limit of 1000; "
                          "raise it with --max-nodes"));
}

// The backend crash (a `backend_crash` step, `crash_rate` at the top level,
// in a node's `backend:` and in a `backend` step) takes a template's names
// and settings as it takes any node's.
TEST(NodeTemplate, BackendCrashKeysTakeTemplatedNodes) {
  const Scenario s = ParseOk(With(
      "  - names: n{i}@h{i}\n"                             // 5
      "    count: 3\n"                                     // 6
      "    backend: {crash_rate: 0.5}\n"                   // 7
      "timeline:\n"                                        // 8
      "  - {at: 1m, backend_crash: {node: n3@h3}}\n"       // 9
      "  - {at: 2m, backend: {node: n2@h2, crash_rate: 0}}\n"));
  ASSERT_EQ(s.nodes.size(), 3u);
  for (const Node& n : s.nodes) EXPECT_DOUBLE_EQ(n.backend.crash_rate, 0.5) << n.name;
  EXPECT_EQ(std::get<world::action::BackendCrash>(s.timeline[0].action).node, "n3@h3");
  EXPECT_EQ(std::get<BackendAction>(s.timeline[1].action).node, "n2@h2");
  // A name past the template's count is no node: n4@h4 at line 7, column 36.
  EXPECT_THAT(Errors(With("  - {names: \"n{i}@h{i}\", count: 3}\n"
                          "timeline:\n"
                          "  - {at: 1m, backend_crash: {node: n4@h4}}\n")),
              ElementsAre(::testing::StartsWith("x.yaml:7:36: timeline[0].backend_crash.node: ")));
}

TEST(ValueOverride, SetsTheBackendsCrashRate) {
  const std::string text = With(
      "  - {names: \"n{i}@h{i}\", count: 2}\n"  // 5
      "backend: {crash_rate: 0.1}\n");           // 6
  EXPECT_DOUBLE_EQ(ParseOk(text, {{"backend.crash_rate", "0.25"}}).backend.crash_rate, 0.25);
  // Added to a file without a backend.
  EXPECT_DOUBLE_EQ(ParseOk(With("  - {names: \"n{i}@h{i}\", count: 2}\n"),
                           {{"backend.crash_rate", "1"}}).backend.crash_rate, 1.0);
  // A bad value is reported where the key is written (line 6, column 23).
  EXPECT_THAT(Errors(text, {}, {{"backend.crash_rate", "2"}}),
              ElementsAre(::testing::StartsWith("x.yaml:6:23: backend.crash_rate: ")));
}

TEST(ValueOverride, ReplacesAddsAndReportsAtTheKey) {
  const std::string text = With(
      "  - {names: \"n{i}@h{i}\", count: 3}\n"  // 5
      "defaults:\n"                         // 6
      "  net_ticktime: 20s\n");             // 7
  const Scenario s = ParseOk(text, {{"nodes[0].count", "5"},
                                    {"defaults.net_ticktime", "10s"},
                                    {"join_lock", "{backoff: [1ms, 20ms]}"},
                                    {"backend.latency", "[10ms, 20ms]"}});
  EXPECT_EQ(s.nodes.size(), 5u);
  EXPECT_EQ(s.nodes[4].settings.net_ticktime_ms, 10'000);
  ASSERT_TRUE(s.join_lock.has_value());
  ASSERT_TRUE(s.join_lock->backoff.has_value());
  EXPECT_EQ(s.join_lock->backoff->max_ms, 20);
  EXPECT_EQ(s.backend.latency.min_ms, 10);
  // A bad value is reported where the key is written (line 7, column 17).
  EXPECT_THAT(Errors(text, {}, {{"defaults.net_ticktime", "5"}}),
              ElementsAre("x.yaml:7:17: defaults.net_ticktime: 5 has no unit — 5 what? write 5s "
                          "or 5ms"));
  // A path that does not fit the file says why, without a position.
  EXPECT_THAT(Errors(text, {}, {{"nodes[2].count", "5"}}),
              ElementsAre("nodes[2].count: nodes has 1 items in the file; [2] is past its end"));
  EXPECT_THAT(Errors(text, {}, {{"name.x", "5"}}),
              ElementsAre("name.x: name is not a map in the file, so it has no key x"));
  EXPECT_THAT(Errors(text, {}, {{"a..b", "5"}}),
              ElementsAre("a..b: not a key path; write keys joined by dots and list items as "
                          "[i], like defaults.net_ticktime or nodes[0].count"));
}

}  // namespace
}  // namespace discosim::scenario
