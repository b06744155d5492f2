// The runner's judging rules (run.h): when each qualifier looks at the
// world, run extension for after_heal, seed override and limits. Scenarios
// are written inline; expected verdicts and times follow from the rules and
// the engine's intervals, not from earlier runs.
#include "sim/scenario/run.h"

#include <gtest/gtest.h>

#include <string>

#include "sim/scenario/parse.h"

namespace discosim::scenario {
namespace {

// A lone node whose backend answers at once: get_nodes calls at 0s, 5s, 10s,
// ... (the initial-phase interval), which gives the tests a clock to read.
constexpr const char* kLoneNode = R"(
name: lone
duration: 1m
nodes:
  - name: a@h1
backend:
  nodes: [a@h1]
)";

Scenario Parse(const std::string& text) {
  absl::StatusOr<Scenario> parsed = ParseScenario(text, "inline.yaml");
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return *parsed;
}

ScenarioRun RunIt(const Scenario& scenario, RunOptions options = {}) {
  absl::StatusOr<ScenarioRun> run = RunScenario(scenario, options);
  EXPECT_TRUE(run.ok()) << run.status();
  return std::move(*run);
}

TEST(RunScenario, AtSeesEveryEventAtThatInstant) {
  // The timer-driven call at exactly 10s counts for `at: 10s`: three calls.
  Scenario s = Parse(std::string(kLoneNode) + R"(
expect:
  - {at: 10s, get_nodes_calls: {node: a@h1, count: 3}}
  - {at: 9999ms, get_nodes_calls: {node: a@h1, count: 2}}
)");
  ScenarioRun run = RunIt(s);
  EXPECT_TRUE(run.results[0].passed) << run.results[0].observed;
  EXPECT_TRUE(run.results[1].passed) << run.results[1].observed;
}

TEST(RunScenario, ByReportsTheFirstInstantItHeld) {
  // The fourth call starts at 15s: `by` passes and reports 15s, not 30s.
  Scenario s = Parse(std::string(kLoneNode) + R"(
expect:
  - {by: 30s, get_nodes_calls: {node: a@h1, count: 4}}
)");
  ScenarioRun run = RunIt(s);
  ASSERT_TRUE(run.results[0].passed);
  EXPECT_EQ(run.results[0].at_ms, 15'000);
}

TEST(RunScenario, ByFailsAtItsDeadlineWithTheObservedValue) {
  Scenario s = Parse(std::string(kLoneNode) + R"(
expect:
  - {by: 12s, get_nodes_calls: {node: a@h1, count: 4}}
)");
  ScenarioRun run = RunIt(s);
  ASSERT_FALSE(run.results[0].passed);
  EXPECT_EQ(run.results[0].at_ms, 12'000);
  EXPECT_NE(run.results[0].observed.find("3 calls"), std::string::npos)
      << run.results[0].observed;
}

TEST(RunScenario, ByIgnoresInstantsBeforeFrom) {
  // Four calls exist from 15s on, but the window opens at 20s: the first
  // instant in the window is 20s itself (the state after events at 20s).
  Scenario s = Parse(std::string(kLoneNode) + R"(
expect:
  - {by: 30s, from: 20s, info: {node: a@h1, phase: initial}}
)");
  ScenarioRun run = RunIt(s);
  ASSERT_TRUE(run.results[0].passed);
  EXPECT_EQ(run.results[0].at_ms, 20'000);
}

TEST(RunScenario, AlwaysFailsAtTheFirstEventThatBreaksIt) {
  // The count is 1 until the call at 5s: `always count 1` breaks at 5s.
  Scenario s = Parse(std::string(kLoneNode) + R"(
expect:
  - {always: true, from: 1s, get_nodes_calls: {node: a@h1, count: 1}}
  - {always: true, from: 1s, until: 4s, get_nodes_calls: {node: a@h1, count: 1}}
)");
  ScenarioRun run = RunIt(s);
  ASSERT_FALSE(run.results[0].passed);
  EXPECT_EQ(run.results[0].at_ms, 5'000);
  EXPECT_TRUE(run.results[1].passed) << run.results[1].observed;
  EXPECT_EQ(run.results[1].at_ms, 4'000) << "a pass is reported at the window's end";
}

TEST(RunScenario, NeverFailsWhenTheConditionHoldsInTheWindow) {
  Scenario s = Parse(std::string(kLoneNode) + R"(
expect:
  - {never: true, from: 1s, until: 9s, get_nodes_calls: {node: a@h1, count: 3}}
  - {never: true, from: 1s, until: 11s, get_nodes_calls: {node: a@h1, count: 3}}
)");
  ScenarioRun run = RunIt(s);
  EXPECT_TRUE(run.results[0].passed) << run.results[0].observed;
  EXPECT_EQ(run.results[0].at_ms, 9'000) << "a pass is reported at the window's end";
  ASSERT_FALSE(run.results[1].passed);
  EXPECT_EQ(run.results[1].at_ms, 10'000);
}

TEST(RunScenario, AfterHealExtendsTheRunPastItsDuration) {
  // The backend fails until 50s; after_heal gives 2m from then, so the run
  // must go on to 2m50s although `duration` is 1m.
  Scenario s = Parse(R"(
name: heal-extends
duration: 1m
nodes:
  - name: a@h1
backend:
  nodes: [a@h1]
timeline:
  - {at: 0s, backend_fail: {node: a@h1, until: 50s}}
expect:
  - {after_heal: 2m, info: {node: a@h1, last_get_nodes_result: ok}}
  - {after_heal: 2m, get_nodes_calls: {node: a@h1, count: 75}}
)");
  ScenarioRun run = RunIt(s);
  EXPECT_TRUE(run.results[0].passed) << run.results[0].observed;
  EXPECT_EQ(run.results[0].at_ms, 50'000);
  // 51 calls in [0s, 50s] (1 s apart while failing), then one every 5 s.
  EXPECT_TRUE(run.results[1].passed) << run.results[1].observed;
  EXPECT_EQ(run.results[1].at_ms, 50'000 + 24 * 5'000);
  EXPECT_EQ(run.end_ms, 50'000 + 120'000);
}

TEST(RunScenario, AWindowWithoutUntilPassesAtDurationWhenAfterHealExtendsTheRun) {
  // after_heal runs the world on to 2m50s; the always window ends at
  // `duration` (1m), and that is the instant its pass is reported at.
  Scenario s = Parse(R"(
name: window-end
duration: 1m
nodes:
  - name: a@h1
backend:
  nodes: [a@h1]
timeline:
  - {at: 0s, backend_fail: {node: a@h1, until: 50s}}
expect:
  - {after_heal: 2m, get_nodes_calls: {node: a@h1, count: 75}}
  - {always: true, info: {node: a@h1, phase: initial}}
  - {never: true, from: 10s, info: {node: a@h1, phase: regular}}
)");
  ScenarioRun run = RunIt(s);
  ASSERT_EQ(run.end_ms, 50'000 + 120'000);
  EXPECT_TRUE(run.results[1].passed) << run.results[1].observed;
  EXPECT_EQ(run.results[1].at_ms, 60'000);
  EXPECT_TRUE(run.results[2].passed) << run.results[2].observed;
  EXPECT_EQ(run.results[2].at_ms, 60'000);
}

TEST(RunScenario, AfterHealFailsWhenTheConditionNeverHoldsInTime) {
  Scenario s = Parse(R"(
name: heal-fails
duration: 1m
nodes:
  - name: a@h1
backend:
  nodes: [a@h1]
timeline:
  - {at: 0s, backend_fail: {node: a@h1, until: 50s}}
expect:
  - {after_heal: 10s, info: {node: a@h1, phase: regular}}
)");
  ScenarioRun run = RunIt(s);
  ASSERT_FALSE(run.results[0].passed);
  EXPECT_EQ(run.results[0].at_ms, 60'000);
}

TEST(RunScenario, SeedOptionOverridesTheFileSeed) {
  Scenario s = Parse(std::string(kLoneNode) + "seed: 5\n");
  EXPECT_EQ(RunIt(s).seed, 5u);
  RunOptions options;
  options.seed = 9;
  EXPECT_EQ(RunIt(s, options).seed, 9u);
}

TEST(RunScenario, SameSeedSameTraceHashOtherSeedOtherHash) {
  Scenario s = Parse(R"(
name: jitter
duration: 1m
backend:
  latency: [10ms, 2s]
nodes:
  - name: a@h1
  - name: b@h2
)");
  RunOptions seven;
  seven.seed = 7;
  RunOptions eight;
  eight.seed = 8;
  const uint64_t first = RunIt(s, seven).world->TraceHash();
  EXPECT_EQ(first, RunIt(s, seven).world->TraceHash());
  EXPECT_NE(first, RunIt(s, eight).world->TraceHash());
}

TEST(RunScenario, EventLimitStopsTheRunAndNamesTheFlag) {
  Scenario s = Parse(kLoneNode);
  RunOptions options;
  options.limits.max_events = 10;
  absl::StatusOr<ScenarioRun> run = RunScenario(s, options);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("--max-events"), std::string::npos)
      << run.status();
}

// More nodes than the world holds are refused at once, before the world
// config (a backend list per node) is built: a 10 000-node file used to take
// 35 s and 3 GB before the world said no.
TEST(RunScenario, TooManyNodesForTheWorldAreRefusedAtOnceNamingTheLimit) {
  Scenario s = Parse(kLoneNode);
  s.nodes.resize(20'000, s.nodes.front());  // names repeat: refused before they are looked at
  RunOptions options;
  options.limits.max_nodes = 1'024;
  absl::StatusOr<ScenarioRun> run = RunScenario(s, options);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(run.status().message().find("20000 nodes, more than the 1024"), std::string::npos)
      << run.status();
  EXPECT_NE(run.status().message().find("max_nodes"), std::string::npos) << run.status();
}

// `join_lock` and `hosts` select the calibrated join model and carry its
// what-if options and shared hosts into the world.
TEST(ToWorldConfig, JoinLockAndHostsSelectTheCalibratedModel) {
  const Scenario plain = Parse(kLoneNode);
  EXPECT_EQ(ToWorldConfig(plain, {}).join_model, world::JoinModel::kSimple);
  const Scenario s = Parse(R"(
name: packed
duration: 1m
join_lock: {wait: sleep, sleep: 3ms, backoff: [1ms, 20ms], recheck_joined: true}
hosts:
  - {name: vm, cores: 2}
nodes:
  - name: a@vm
    host: vm
  - name: b@elsewhere
)");
  const world::WorldConfig config = ToWorldConfig(s, {});
  EXPECT_EQ(config.join_model, world::JoinModel::kCalibrated);
  ASSERT_EQ(config.hosts.size(), 1u);
  EXPECT_EQ(config.hosts[0].name, "vm");
  EXPECT_EQ(config.hosts[0].cores, 2);
  EXPECT_EQ(config.nodes[0].host, "vm");
  EXPECT_EQ(config.nodes[1].host, "");
  EXPECT_EQ(config.lock.wait, world::LockWait::kSleep);
  EXPECT_EQ(config.lock.sleep_ms, 3);
  EXPECT_EQ(config.lock.backoff_ms_min, 1);
  EXPECT_EQ(config.lock.backoff_ms_max, 20);
  EXPECT_TRUE(config.lock.recheck_joined);
  EXPECT_TRUE(RunIt(s).world != nullptr);
}

}  // namespace
}  // namespace discosim::scenario
