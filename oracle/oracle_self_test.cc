// The oracle itself: a wrong engine on purpose must fail it, with a diff
// that says what differs. Control: the right engine passes the same runs.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <algorithm>
#include <string>
#include <variant>
#include <vector>

#include "oracle/driver.h"
#include "oracle/oracle_generators.h"
#include "oracle/shared_oracle.h"

namespace discosim::oracle {
namespace {

namespace e = ::discosim::engine;

// Init's check is delivered (get_nodes starts), get_nodes fails, the result
// is delivered: the next check is scheduled after_error, 1 s in CETS.
std::vector<fuzz::Action> FailedGetNodes() {
  return {Action{act::Deliver{1}}, Action{act::FinishGetNodes{false, {}, 0}},
          Action{act::Deliver{1}}};
}

fuzz::DriverSetup WithAfterErrorMs(e::TimeMs after_error_ms) {
  fuzz::DriverSetup setup;
  setup.tables = {"t1"};
  setup.config.after_error_interval_ms = after_error_ms;
  return setup;
}

TEST(OracleSelfTest, TheRightEngineAgreesOnAFailedGetNodes) {
  absl::StatusOr<Verdict> v = SharedOracle().Compare(RecordDriverRun(WithAfterErrorMs(1'000), FailedGetNodes()));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->agreed()) << v->mismatch->report;
  EXPECT_EQ(v->steps_compared, 3u);  // init, the check, the result
}

TEST(OracleSelfTest, AnotherAfterErrorIntervalFailsWithTheTimersSideBySide) {
  absl::StatusOr<Verdict> v = SharedOracle().Compare(RecordDriverRun(WithAfterErrorMs(2'000), FailedGetNodes()));
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_FALSE(v->agreed());
  const std::string& report = v->mismatch->report;
  EXPECT_EQ(v->mismatch->step, 2u) << report;  // init 0, the check 1, the result 2
  // The two timers on one line: the engine's 2 s, CETS's 1 s.
  EXPECT_NE(report.find("≠ {start_timer,{timer,2},2000,check}"), std::string::npos) << report;
  EXPECT_NE(report.find("| {start_timer,{timer,2},1000,check}"), std::string::npos) << report;
  EXPECT_NE(report.find("{handle_check_result,{error,timeout},0}"), std::string::npos) << report;
}

TEST(OracleSelfTest, ThePropertyFindsAnotherAfterErrorInterval) {
  // What the property test would do with such an engine: RapidCheck finds
  // and shrinks a run that shows it (and prints it, with a "reproduce"
  // line: that output is this test working). The setup it prints is the
  // one drawn, before after_error is changed.
  std::string report;
  const bool passed = rc::check("an engine with after_error = 2 s", [&] {
    fuzz::DriverSetup setup = *GenOracleSetup();
    setup.config.after_error_interval_ms = 2'000;
    absl::StatusOr<Verdict> v =
        SharedOracle().Compare(RecordDriverRun(setup, *GenOracleActions()));
    RC_ASSERT(v.ok());
    if (!v->agreed()) {
      report = v->mismatch->report;
      RC_FAIL("mismatch");
    }
  });
  EXPECT_FALSE(passed);
  EXPECT_NE(report.find(",2000,check}"), std::string::npos) << report;
}

TEST(OracleSelfTest, PingsInAnotherOrderFail) {
  // A wrong engine that pings the unconnected nodes in descending order
  // (CETS sorts them): the engine's recorded effects, tampered with.
  const std::vector<fuzz::Action> actions = {
      Action{act::Deliver{1}}, Action{act::FinishGetNodes{true, {2, 1, 0}, 0}},
      Action{act::Deliver{1}}};
  Recording run = RecordDriverRun(fuzz::DriverSetup{}, actions);
  bool tampered = false;
  for (Recording::Step& step : run.steps) {
    auto is_ping = [](const e::Effect& x) { return std::holds_alternative<e::StartPing>(x); };
    auto first = std::find_if(step.effects.begin(), step.effects.end(), is_ping);
    auto last = std::find_if_not(first, step.effects.end(), is_ping);
    if (last - first >= 2) {
      std::reverse(first, last);
      tampered = true;
    }
  }
  ASSERT_TRUE(tampered) << "the run has no step with two pings";
  absl::StatusOr<Verdict> v = SharedOracle().Compare(run);
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_FALSE(v->agreed());
  const std::string& report = v->mismatch->report;
  EXPECT_NE(report.find("≠ {start_ping,n3@h3}"), std::string::npos) << report;
  EXPECT_NE(report.find("| {start_ping,n2@h2}"), std::string::npos) << report;
}

}  // namespace
}  // namespace discosim::oracle
