// Set-up shared by the world's tests: a node, a world built or failed
// loudly, an action scheduled or failed loudly, a run to a time.
#ifndef DISCOSIM_SIM_WORLD_WORLD_TEST_UTIL_H_
#define DISCOSIM_SIM_WORLD_WORLD_TEST_UTIL_H_

#include <memory>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "sim/world/world.h"

namespace discosim::world::test_util {

inline NodeConfig MakeNode(const std::string& name) {
  NodeConfig node;
  node.name = name;
  return node;
}

inline std::unique_ptr<World> Build(WorldConfig config) {
  absl::StatusOr<std::unique_ptr<World>> world = World::Create(std::move(config));
  EXPECT_TRUE(world.ok()) << world.status();
  return world.ok() ? std::move(*world) : nullptr;
}

inline void Schedule(World& world, TimeMs at_ms, Action action) {
  absl::Status status = world.Schedule(at_ms, std::move(action));
  ASSERT_TRUE(status.ok()) << status;
}

inline void RunTo(World& world, TimeMs until_ms) {
  RunResult run = world.RunUntil(until_ms);
  ASSERT_EQ(run.status, RunStatus::kReachedTime) << run.error;
}

}  // namespace discosim::world::test_util

#endif  // DISCOSIM_SIM_WORLD_WORLD_TEST_UTIL_H_
