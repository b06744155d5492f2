// Replay: every scenario of scenarios/ run in the world, each engine step
// recorded, then re-run through cets_discovery.erl; every step of every
// node incarnation must agree.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "oracle/replay.h"
#include "oracle/shared_oracle.h"

#ifndef DISCOSIM_SCENARIOS_DIR
#error "DISCOSIM_SCENARIOS_DIR names the scenarios/ folder"
#endif

namespace discosim::oracle {
namespace {

std::vector<std::string> ScenarioFiles() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(DISCOSIM_SCENARIOS_DIR)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(OracleReplay, EveryScenarioStepAgreesWithCetsDiscovery) {
  const std::vector<std::string> files = ScenarioFiles();
  ASSERT_GE(files.size(), 10u) << "scenarios/ looks empty: " << DISCOSIM_SCENARIOS_DIR;
  size_t instances = 0;
  size_t steps = 0;
  for (const std::string& file : files) {
    absl::StatusOr<std::vector<Recording>> runs = RecordScenario(file);
    ASSERT_TRUE(runs.ok()) << file << ": " << runs.status();
    EXPECT_FALSE(runs->empty()) << file << ": no discovery started";
    // Every discovery handles at least init's check (the recording hook
    // sees the steps, not only the starts).
    for (const Recording& run : *runs) EXPECT_FALSE(run.steps.empty()) << file << ": " << run.local_node;
    for (const Recording& run : *runs) {
      ASSERT_TRUE(HasCetsIntervals(run))
          << file << ": " << run.local_node << " runs with intervals of its own; "
          << "cets_discovery.erl's are fixed, so the oracle cannot compare it";
      absl::StatusOr<Verdict> verdict = SharedOracle().Compare(run);
      ASSERT_TRUE(verdict.ok()) << file << ": " << verdict.status();
      EXPECT_TRUE(verdict->agreed())
          << file << ", node " << run.local_node << " (started at t=" << run.start_ms << "ms):\n"
          << verdict->mismatch->report;
      ++instances;
      steps += verdict->steps_compared;
    }
  }
  std::printf("replayed %zu scenarios: %zu discovery instances, %zu steps\n", files.size(),
              instances, steps);
}

}  // namespace
}  // namespace discosim::oracle
