// The real run's schedule: which starts and steps come when, and which node
// starts are carried out as one.
#include "real/schedule.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/scenario/parse.h"

namespace discosim::real {
namespace {

using ::testing::ElementsAre;

scenario::Scenario Parse(const std::string& text) {
  absl::StatusOr<scenario::Scenario> s = scenario::ParseScenario(text, "t.yaml", {});
  EXPECT_TRUE(s.ok()) << s.status();
  return *s;
}

// a, b and the hidden h start at 0: they start as one, so no discovery runs
// before every node of the instant has its distribution up (the world starts
// all of them before any message). One by one, a's first ping of h found h
// not yet registered with epmd and answered pang.
TEST(Schedule, NodesOfOneInstantStartTogether) {
  const scenario::Scenario s = Parse(
      "name: t\nduration: 20s\nnodes:\n  - name: a@h1\n  - name: b@h2\n"
      "  - name: h@h9\n    hidden: true\n  - name: c@h3\n    start_at: 2s\n"
      "timeline:\n  - {at: 1s, send: {node: a@h1, message: check}}\n");
  const std::vector<Due> due = Schedule(s);
  size_t next = 0;
  EXPECT_THAT(TakeStartsOfInstant(due, next), ElementsAre("a@h1", "b@h2", "h@h9"));
  EXPECT_EQ(next, 3u);
  // The step at 1s is not a start: nothing taken.
  EXPECT_TRUE(TakeStartsOfInstant(due, next).empty());
  EXPECT_EQ(next, 3u);
  ++next;
  EXPECT_THAT(TakeStartsOfInstant(due, next), ElementsAre("c@h3"));
  EXPECT_EQ(next, due.size());
  EXPECT_TRUE(TakeStartsOfInstant(due, next).empty());
}

// A backend step of an instant comes before its starts (the node's first
// get_nodes must see it), the other steps after them.
TEST(Schedule, BackendStepsBeforeStartsOtherStepsAfter) {
  const scenario::Scenario s = Parse(
      "name: t\nduration: 20s\nnodes:\n  - name: a@h1\n    start_at: 1s\n  - name: b@h2\n"
      "    start_at: 1s\n"
      "timeline:\n  - {at: 1s, send: {node: a@h1, message: check}}\n"
      "  - {at: 1s, backend: {node: a@h1, nodes: [a@h1, b@h2]}}\n");
  const std::vector<Due> due = Schedule(s);
  ASSERT_EQ(due.size(), 4u);
  EXPECT_FALSE(due[0].node_start.has_value());
  EXPECT_EQ(due[0].step, 1u);  // backend
  size_t next = 1;
  EXPECT_THAT(TakeStartsOfInstant(due, next), ElementsAre("a@h1", "b@h2"));
  EXPECT_EQ(next, 3u);
  EXPECT_EQ(due[3].step, 0u);  // send
}

}  // namespace
}  // namespace discosim::real
