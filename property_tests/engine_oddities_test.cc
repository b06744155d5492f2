// Pins down the faithful-but-odd CETS behaviours that the strict (DISABLED_)
// properties of engine_properties_test.cc run into, one short world script
// each: these are what CETS 0.2.0 really does, so the engine must keep them.
#include <gtest/gtest.h>

#include <utility>
#include <variant>
#include <vector>

#include "fuzz/engine_driver.h"

namespace discosim::property_tests {

// The engine driver lives in fuzz/ (the engine fuzzer runs it too); the
// engine properties use its vocabulary as their own.
using namespace ::discosim::fuzz;  // NOLINT(google-build-using-namespace)
namespace {

namespace e = ::discosim::engine;

DriverSetup OneMsSetup(NodeSet connected = {}) {
  DriverSetup setup;
  setup.config.initial_interval_ms = 1;
  setup.config.after_error_interval_ms = 1;
  setup.config.regular_interval_ms = 1;
  setup.config.after_nodedown_interval_ms = 1;
  setup.config.enter_regular_phase_ms = 0;
  setup.connected = std::move(connected);
  return setup;
}

void Play(EngineDriver& driver, const std::vector<Action>& actions) {
  for (const Action& action : actions) driver.Apply(action);
  ASSERT_TRUE(driver.violations().empty()) << driver.Trace();
}

bool Waiting(const EngineDriver& driver, CallKind kind) {
  for (const auto& [caller, k] : driver.waiting_callers()) {
    if (k == kind) return true;
  }
  return false;
}

// An immediate retry leaves wait_for_get_nodes callers waiting while
// get_nodes is idle and should_retry_get_nodes is false, until the retried
// call returns: the retry is a `check` to self, not a call started in place.
TEST(EngineOddities, ImmediateRetryLeavesWaitForGetNodesCallersWaitingWhileIdle) {
  EngineDriver driver(OneMsSetup(), Delivery::kOnDemand);
  Play(driver, {{act::Connect{1}},
               {act::Deliver{2}},  // check: get_nodes starts; nodeup: a check is queued
               {act::Call{CallKind::kWaitForGetNodes}},
               {act::FinishGetNodes{true, {}, 0}},
               {act::Deliver{3}}});  // the queued check sets the retry; the result retries
  const State& s = driver.state();
  EXPECT_EQ(s.get_nodes_status, e::TaskStatus::kNotRunning) << driver.Trace();
  EXPECT_FALSE(s.should_retry_get_nodes);
  EXPECT_EQ(s.pending_wait_for_get_nodes.size(), 1U);
  ASSERT_EQ(driver.mailbox().size(), 1U);
  EXPECT_TRUE(std::holds_alternative<e::Check>(driver.mailbox().front()));
  // The retried get_nodes call releases the caller.
  Play(driver, {{act::Deliver{1}}, {act::FinishGetNodes{true, {}, 0}}, {act::Deliver{1}}});
  EXPECT_FALSE(Waiting(driver, CallKind::kWaitForGetNodes)) << driver.Trace();
}

// A nodedown for a node outside `nodes` makes unavailable_nodes differ from
// the expected set, so wait_for_ready waits although nothing is pending,
// until the next good get_nodes prunes unavailable_nodes.
TEST(EngineOddities, NodedownOutsideNodesBlocksWaitForReadyUntilNextGetNodes) {
  EngineDriver driver(OneMsSetup({PoolNode(2)}), Delivery::kOnDemand);
  Play(driver, {{act::Deliver{1}},
               {act::FinishGetNodes{true, {}, 0}},
               {act::Disconnect{2}},
               {act::Call{CallKind::kWaitForReady}}});
  driver.Quiesce();
  EXPECT_TRUE(Waiting(driver, CallKind::kWaitForReady)) << driver.Trace();
  EXPECT_EQ(driver.state().unavailable_nodes, NodeSet{PoolNode(2)});
  Play(driver, {{act::ExternalCheck{}}});
  driver.Quiesce();
  EXPECT_FALSE(Waiting(driver, CallKind::kWaitForReady)) << driver.Trace();
}

// The same through a ping: a pang for a node that the latest get_nodes no
// longer lists still lands in unavailable_nodes (handle_ping_result does not
// look at `nodes`), and wait_for_ready waits until the next good get_nodes.
TEST(EngineOddities, StalePangBlocksWaitForReadyUntilNextGetNodes) {
  EngineDriver driver(OneMsSetup(), Delivery::kOnDemand);
  Play(driver, {{act::Deliver{1}},
               {act::FinishGetNodes{true, {1}, 0}},  // lists n2: a ping starts
               {act::ExternalCheck{}},
               {act::Deliver{2}},
               {act::FinishGetNodes{true, {}, 0}},  // n2 is gone from the list
               {act::Deliver{1}},
               {act::FinishPing{0, false}},  // the old ping answers pang
               {act::Call{CallKind::kWaitForReady}},
               {act::Deliver{2}}});
  EXPECT_TRUE(Waiting(driver, CallKind::kWaitForReady)) << driver.Trace();
  EXPECT_EQ(driver.state().unavailable_nodes, NodeSet{PoolNode(1)});
  Play(driver, {{act::ExternalCheck{}}});
  driver.Quiesce();
  EXPECT_FALSE(Waiting(driver, CallKind::kWaitForReady)) << driver.Trace();
}

// Dropping queued checks at a get_nodes result swallows the check a nodeup
// has just queued: no get_nodes call starts for that nodeup until the fresh
// check timer fires.
TEST(EngineOddities, GetNodesResultSwallowsTheCheckOfANodeup) {
  EngineDriver driver(OneMsSetup(), Delivery::kOnDemand);
  Play(driver, {{act::Deliver{1}},
               {act::FinishGetNodes{true, {}, 0}},
               {act::Deliver{1}},  // the first check timer is set
               {act::ExternalCheck{}},
               {act::Deliver{1}},  // get_nodes runs again
               {act::Connect{2}},
               {act::FinishGetNodes{true, {}, 0}},
               {act::Deliver{1}}});  // nodeup: a check is queued behind the result
  driver.TakeObserved();
  ASSERT_EQ(driver.mailbox().size(), 2U);
  Play(driver, {{act::Deliver{2}}});  // the result drops the nodeup's check
  EXPECT_TRUE(driver.mailbox().empty()) << driver.Trace();
  EXPECT_EQ(driver.TakeObserved().get_nodes_started, 0);
  Play(driver, {{act::AdvanceTime{1}}, {act::Deliver{3}}});  // the fresh timer
  EXPECT_EQ(driver.TakeObserved().get_nodes_started, 1) << driver.Trace();
}

}  // namespace
}  // namespace discosim::property_tests
