// Fuzz target: bytes -> a run of the pure engine in the mailbox world of
// fuzz/engine_driver.h (the property tests' world too), decoded by
// engine_actions.h.
//
// What it holds the engine to, beyond "no crash, leak, hang or sanitizer
// report" (the engine's own ENGINE_CHECK invariants abort on their own):
//   - the driver sees no violation: at most one get_nodes call and one join
//     task in flight, every caller answered at most once with the right kind
//     of reply, immediate calls answered at once, timer ids never reused
//     while live, the mailbox drains and the run settles;
//   - after every action, the engine's get_nodes_status and join_status say
//     "running" exactly when the world has that task in flight;
//   - the same input gives the same run, step for step (the engine is pure;
//     checked on inputs whose size is a multiple of 4).
// A broken rule aborts with the run's trace. Reproduce with
// `fuzz/run engine FILE` or, in any build, `build/fuzz/engine_fuzzer FILE`.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz/engine_actions.h"
#include "fuzz/engine_driver.h"

namespace {

namespace pt = ::discosim::fuzz;
using discosim::engine::TaskStatus;

[[noreturn]] void Broken(const pt::EngineDriver& driver, std::string_view rule) {
  std::fprintf(stderr, "engine_fuzzer: rule broken: %.*s\n--- trace (last lines) ---\n%s",
               static_cast<int>(rule.size()), rule.data(), driver.Trace().c_str());
  std::abort();
}

void CheckTasksAgree(const pt::EngineDriver& driver) {
  const bool get_nodes_running = driver.state().get_nodes_status == TaskStatus::kRunning;
  if (get_nodes_running != driver.get_nodes_outstanding()) {
    Broken(driver, "get_nodes_status is running exactly when a get_nodes call is in flight");
  }
  const bool join_running = driver.state().join_status == TaskStatus::kRunning;
  if (join_running != driver.join_outstanding()) {
    Broken(driver, "join_status is running exactly when a join task is in flight");
  }
}

// Runs `run` to quiescence; returns the driver's trace.
std::string Drive(const discosim::fuzz::EngineRun& run) {
  pt::EngineDriver driver(run.setup, run.delivery);
  CheckTasksAgree(driver);
  for (const pt::Action& action : run.actions) {
    driver.Apply(action);
    CheckTasksAgree(driver);
  }
  driver.Quiesce();
  CheckTasksAgree(driver);
  if (!driver.violations().empty()) Broken(driver, driver.violations().front());
  return driver.Trace();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const discosim::fuzz::EngineRun run = discosim::fuzz::DecodeEngineRun(data, size);
  const std::string first = Drive(run);
  // The second run, for determinism, on one input in four (chosen by the
  // input, so a finding replays): it halves the fuzzer's speed otherwise.
  if (size % 4 == 0 && Drive(run) != first) {
    std::fprintf(stderr, "engine_fuzzer: rule broken: the same input gives the same run\n%s",
                 first.c_str());
    std::abort();
  }
  return 0;
}
