// Proves ValidateScenario accepts what the parser produces and refuses
// hand-built scenarios that break the format's rules, naming each rule.
#include "sim/scenario/validate.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/scenario/parse.h"

namespace discosim::scenario {
namespace {

using ::testing::HasSubstr;

Scenario TwoNodes() {
  Scenario s;
  s.name = "built";
  s.duration_ms = 600'000;
  s.tables = {"sessions"};
  for (const char* name : {"a@h1", "b@h2"}) {
    Node node;
    node.name = name;
    node.tables = s.tables;
    s.nodes.push_back(node);
  }
  return s;
}

std::string Message(const absl::Status& status) { return std::string(status.message()); }

TEST(ValidateScenario, AcceptsAWellFormedScenario) {
  Scenario s = TwoNodes();
  TimelineStep step;
  step.at_ms = 60'000;
  step.action = world::action::Partition{{{"a@h1"}, {"b@h2"}}};
  s.timeline.push_back(step);
  step.action = world::action::Call{"a@h1", Request::kGetTables, 5'000, "t1"};
  s.timeline.push_back(step);
  Expectation e{AtQualifier{120'000}, ReplyCondition{"t1", {ReplyResult::Kind::kTables, {"sessions"}}},
                {}, ""};
  s.expectations.push_back(e);
  EXPECT_TRUE(ValidateScenario(s).ok()) << ValidateScenario(s).message();
}

TEST(ValidateScenario, RefusesBrokenHeaderAndNodes) {
  Scenario s = TwoNodes();
  s.name = "";
  s.duration_ms = 0;
  s.nodes[1].name = "b";
  s.nodes.push_back(s.nodes[0]);
  s.nodes[0].settings.net_ticktime_ms = 0;
  s.backend.error_rate = 1.5;
  std::string message = Message(ValidateScenario(s));
  EXPECT_THAT(message, HasSubstr("name: required"));
  EXPECT_THAT(message, HasSubstr("duration: must be longer than 0s"));
  EXPECT_THAT(message, HasSubstr("nodes[1].name: node name \"b\" has no \"@\""));
  EXPECT_THAT(message, HasSubstr("nodes[2].name: node \"a@h1\" is declared twice"));
  EXPECT_THAT(message, HasSubstr("nodes[0].net_ticktime: must be positive"));
  EXPECT_THAT(message, HasSubstr("backend.error_rate: must be in [0, 1]"));
}

TEST(ValidateScenario, RefusesBrokenTimelineStepsAtTheirPosition) {
  Scenario s = TwoNodes();
  TimelineStep step;
  step.at_ms = 120'000;
  step.position = {"gen.yaml", 9, 5};
  step.action = world::action::Stop{{"c@h3"}};
  s.timeline.push_back(step);
  step.at_ms = 60'000;
  step.position = {"gen.yaml", 10, 5};
  step.action = world::action::Cut{{{"a@h1", "a@h1"}}};
  s.timeline.push_back(step);
  std::string message = Message(ValidateScenario(s));
  EXPECT_THAT(message, HasSubstr("gen.yaml:9:5: timeline[0].stop: unknown node \"c@h3\""));
  EXPECT_THAT(message, HasSubstr("gen.yaml:10:5: timeline[1].at: before the previous step"));
  EXPECT_THAT(message, HasSubstr("gen.yaml:10:5: timeline[1].cut: a pair needs two different nodes"));
}

TEST(ValidateScenario, RefusesBrokenExpectations) {
  Scenario s = TwoNodes();
  s.expectations.push_back({ByQualifier{60'000, 120'000}, ReadyCondition{{NodeSelection::Kind::kAll, {}}}, {}, ""});
  s.expectations.push_back({AtQualifier{0}, ReplyCondition{"nope", {}}, {}, ""});
  s.expectations.push_back({AtQualifier{700'000}, JoinedCondition{"rooms", ClusterMatch::kExactly, {}}, {}, ""});
  InfoCondition no_fields;
  no_fields.node = "a@h1";
  s.expectations.push_back({AtQualifier{0}, no_fields, {}, ""});
  std::string message = Message(ValidateScenario(s));
  EXPECT_THAT(message, HasSubstr("expect[0].from: is after by"));
  EXPECT_THAT(message, HasSubstr("expect[1].reply.id: no call step has id \"nope\""));
  EXPECT_THAT(message, HasSubstr("expect[2].at: 11m40s is after the end of the run"));
  EXPECT_THAT(message, HasSubstr("expect[2].joined.table: unknown table \"rooms\""));
  EXPECT_THAT(message, HasSubstr("expect[3].info: give at least one system_info field"));
}

TEST(ValidateScenario, AppliesTheLimits) {
  Scenario s = TwoNodes();
  ScenarioLimits limits;
  limits.max_nodes = 1;
  EXPECT_THAT(Message(ValidateScenario(s, limits)), HasSubstr("raise it with --max-nodes"));
}

}  // namespace
}  // namespace discosim::scenario
