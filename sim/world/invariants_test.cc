// The whole-world invariant check catches a deliberately broken state
// (called directly on a world's insides).
#include "sim/world/invariants.h"

#include <string>

#include "gtest/gtest.h"
#include "sim/world/sim.h"

namespace discosim::world {
namespace {

// Two nodes, run (without World) until they are connected.
std::unique_ptr<Sim> ConnectedPair() {
  WorldConfig config;
  for (const char* name : {"a@h1", "b@h2"}) {
    NodeConfig node;
    node.name = name;
    node.tables = {"t"};
    config.nodes.push_back(node);
  }
  auto sim = std::make_unique<Sim>(config);
  EXPECT_TRUE(sim->Build().ok());
  while (!sim->queue.empty() && sim->queue.next() <= 2'000 * Sim::kUsPerMs) {
    sim->Dispatch(sim->queue.Pop().payload);
  }
  EXPECT_NE(sim->network.ConnId(0, 1), 0u);
  return sim;
}

TEST(InvariantsTest, AHealthyWorldPasses) {
  EXPECT_EQ(CheckInvariants(*ConnectedPair()), "");
}

TEST(InvariantsTest, AnUpEndOnAStoppedNodeIsCaught) {
  auto sim = ConnectedPair();
  sim->nodes[0].running = false;
  EXPECT_NE(CheckInvariants(*sim).find("is stopped but its end"), std::string::npos);
}

TEST(InvariantsTest, AVisibleSetThatIsNotTheUpEndsIsCaught) {
  auto sim = ConnectedPair();
  sim->discovery.NodeDown(1, 0);  // told of a nodedown its end never had
  EXPECT_NE(CheckInvariants(*sim).find("nodes()"), std::string::npos);
}

TEST(InvariantsTest, ALockHolderCountedTwiceIsCaught) {
  auto sim = ConnectedPair();
  sim->join_lock.MiscountHoldersForTest(1);
  EXPECT_NE(CheckInvariants(*sim).find("lock holders"), std::string::npos);
  sim->join_lock.MiscountHoldersForTest(-1);
  ++sim->cpu.Spinners(0);
  EXPECT_NE(CheckInvariants(*sim).find("spinners"), std::string::npos);
}

}  // namespace
}  // namespace discosim::world
