// Proves that WriteScenarioYaml's output reads back as the scenario it was
// written from: for every file in scenarios/ and for generated fuzz cases,
// parse(write(s)) runs exactly like s (same trace hash, same verdicts) and
// writing it again gives the same text.
#include "sim/fuzz/yaml_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "sim/fuzz/build.h"
#include "sim/fuzz/fuzz_case.h"
#include "sim/scenario/parse.h"
#include "sim/scenario/run.h"
#include "sim/scenario/validate.h"

namespace discosim::fuzz {
namespace {

using scenario::Scenario;

// What a run of `s` shows: its trace hash and each verdict.
std::string RunFingerprint(const Scenario& s) {
  absl::StatusOr<scenario::ScenarioRun> run = scenario::RunScenario(s, {});
  if (!run.ok()) return "error: " + std::string(run.status().message());
  std::string out = std::to_string(run->world->TraceHash()) + " end " + std::to_string(run->end_ms);
  for (const scenario::ExpectationResult& r : run->results) {
    out += "\n" + std::string(r.passed ? "PASS " : "FAIL ") + std::to_string(r.at_ms) + " " +
           r.observed;
  }
  return out;
}

// Everything the nodes carry must survive the round trip.
void ExpectSameNodes(const Scenario& a, const Scenario& b) {
  ASSERT_EQ(a.nodes.size(), b.nodes.size());
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    SCOPED_TRACE(a.nodes[i].name);
    EXPECT_EQ(a.nodes[i].name, b.nodes[i].name);
    EXPECT_TRUE(a.nodes[i].settings == b.nodes[i].settings);
    EXPECT_EQ(a.nodes[i].start, b.nodes[i].start);
    EXPECT_EQ(a.nodes[i].start_at_ms, b.nodes[i].start_at_ms);
    EXPECT_EQ(a.nodes[i].dns_entry, b.nodes[i].dns_entry);
    EXPECT_EQ(a.nodes[i].tables, b.nodes[i].tables);
    EXPECT_TRUE(a.nodes[i].backend == b.nodes[i].backend);
  }
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.duration_ms, b.duration_ms);
  EXPECT_EQ(a.tables, b.tables);
  EXPECT_TRUE(a.join_lock == b.join_lock);
  EXPECT_TRUE(a.cets == b.cets);
  EXPECT_EQ(a.timeline.size(), b.timeline.size());
  EXPECT_EQ(a.expectations.size(), b.expectations.size());
}

void ExpectRoundTrip(const Scenario& original) {
  const std::string text = WriteScenarioYaml(original);
  absl::StatusOr<Scenario> parsed = scenario::ParseScenario(text, "written.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message() << "\n" << text;
  ExpectSameNodes(original, *parsed);
  EXPECT_EQ(WriteScenarioYaml(*parsed), text);
  for (size_t i = 0; i < original.timeline.size() && i < parsed->timeline.size(); ++i) {
    EXPECT_EQ(original.timeline[i].at_ms, parsed->timeline[i].at_ms);
    EXPECT_EQ(original.timeline[i].action.index(), parsed->timeline[i].action.index());
  }
  for (size_t i = 0; i < original.expectations.size() && i < parsed->expectations.size(); ++i) {
    EXPECT_EQ(original.expectations[i].qualifier.index(), parsed->expectations[i].qualifier.index());
    EXPECT_EQ(original.expectations[i].condition.index(), parsed->expectations[i].condition.index());
  }
  EXPECT_EQ(RunFingerprint(original), RunFingerprint(*parsed)) << text;
}

TEST(YamlWriter, EveryScenarioFileRoundTrips) {
  const std::filesystem::path dir = std::filesystem::path(DISCOSIM_SOURCE_DIR) / "scenarios";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    absl::StatusOr<Scenario> s = scenario::LoadScenarioFile(entry.path().string());
    ASSERT_TRUE(s.ok()) << s.status().message();
    if (s->nodes.size() > 10) continue;  // cold starts of many nodes take long to run twice
    SCOPED_TRACE(entry.path().string());
    ExpectRoundTrip(*s);
    ++files;
  }
  EXPECT_GT(files, 20);
}

TEST(YamlWriter, GeneratedCasesRoundTrip) {
  for (uint64_t i = 0; i < 40; ++i) {
    SCOPED_TRACE(i);
    GenOptions options;
    options.max_horizon_ms = 20 * 60'000;
    BuiltCase built = BuildCase(GenerateCase(CaseSeed(99, i), options), WorldProperties());
    ASSERT_TRUE(scenario::ValidateScenario(built.scenario).ok())
        << scenario::ValidateScenario(built.scenario).message();
    ExpectRoundTrip(built.scenario);
  }
}

TEST(YamlWriter, StringsThatYamlWouldReadOtherwiseAreQuoted) {
  EXPECT_EQ(YamlString("a@h1"), "a@h1");
  EXPECT_EQ(YamlString("sessions"), "sessions");
  EXPECT_EQ(YamlString("true"), "\"true\"");
  EXPECT_EQ(YamlString("No"), "\"No\"");
  EXPECT_EQ(YamlString("1"), "\"1\"");
  EXPECT_EQ(YamlString("a b"), "\"a b\"");
  EXPECT_EQ(YamlString("x: y"), "\"x: y\"");
  EXPECT_EQ(YamlString(""), "\"\"");
  EXPECT_EQ(YamlQuoted("say \"hi\"\\\n"), "\"say \\\"hi\\\"\\\\\\n\"");
}

TEST(YamlWriter, DescriptionsAndOddNamesSurvive) {
  absl::StatusOr<Scenario> s = scenario::ParseScenario(R"(name: "x: y"
description: "two\nlines, \"quoted\" and # not a comment"
seed: 18446744073709551615
duration: 1m30s500ms
tables: ["1", "true", "a b"]
backend: {latency: [10ms, 2s], error_rate: 0.125}
nodes:
  - {name: a@h1, dns_cache_ttl: 30s, tables: ["1"], backend: {error_rate: 1e-05}}
  - {name: b@h2, start: false, resolvable: true}
timeline:
  - {at: 1s, send: {node: a@h1, message: {ping_result: {node: b@h2, result: pong}}}}
  - {at: 2s, call: {node: a@h1, request: get_tables, id: "my id"}}
  - {at: 3s, backend_fail: {until: 4s}}
expect:
  - {at: 5s, reply: {id: "my id", result: ["1", "true", "a b"]}}
  - {at: 5s, log: {node: a@h1, what: nodeup, fields: {node: b@h2, count: 3, text: "42"}, has: [x]}}
  - {always: true, from: 1s, until: 1m, cluster_members_connected: true}
  - {by: 1m, info: {node: a@h1, verify_ready: [], nodes: [a@h1], last_get_nodes_result: ok}}
)",
                                                       "odd.yaml");
  ASSERT_TRUE(s.ok()) << s.status().message();
  ExpectRoundTrip(*s);
  absl::StatusOr<Scenario> again = scenario::ParseScenario(WriteScenarioYaml(*s), "again.yaml");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->nodes[0].backend.error_rate, 1e-05);
  EXPECT_EQ(again->backend.error_rate, 0.125);
  const auto& log = std::get<scenario::LogCondition>(again->expectations[1].condition);
  ASSERT_EQ(log.fields.size(), 3u);
  EXPECT_EQ(std::get<int64_t>(log.fields[1].value), 3);
  EXPECT_EQ(std::get<std::string>(log.fields[2].value), "42");
}

}  // namespace
}  // namespace discosim::fuzz
