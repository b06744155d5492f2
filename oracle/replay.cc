// Recording a scenario's engine calls: see replay.h.
#include "oracle/replay.h"

#include <map>
#include <utility>

#include "sim/scenario/parse.h"
#include "sim/scenario/run.h"

namespace discosim::oracle {

namespace e = ::discosim::engine;

absl::StatusOr<std::vector<Recording>> RecordScenario(const std::string& path) {
  absl::StatusOr<scenario::Scenario> file = scenario::LoadScenarioFile(path);
  if (!file.ok()) return file.status();
  std::vector<Recording> runs;
  std::map<std::pair<e::NodeName, uint32_t>, size_t> index;  // (node, incarnation) -> runs
  scenario::RunOptions options;
  options.engine_observer = [&](const world::EngineCall& call) {
    const e::View view{call.node, call.visible};
    if (call.options != nullptr) {
      index[{call.node, call.incarnation}] = runs.size();
      Recording& run = runs.emplace_back();
      run.local_node = call.node;
      run.options = *call.options;
      run.start_ms = call.now_ms;
      run.start_connected = call.visible;
      run.init_effects = call.effects;
      run.init_info = e::MakeSystemInfo(call.after, call.now_ms, view);
      return;
    }
    Recording& run = runs[index.at({call.node, call.incarnation})];
    run.steps.push_back(Recording::Step{*call.message, call.now_ms, call.visible, call.effects,
                                        e::MakeSystemInfo(call.after, call.now_ms, view)});
  };
  absl::StatusOr<scenario::ScenarioRun> done = scenario::RunScenario(*file, options);
  if (!done.ok()) return done.status();
  return runs;
}

bool HasCetsIntervals(const Recording& run) {
  const e::Config& c = run.options.config;
  const e::Config cets;
  return c.initial_interval_ms == cets.initial_interval_ms &&
         c.after_error_interval_ms == cets.after_error_interval_ms &&
         c.regular_interval_ms == cets.regular_interval_ms &&
         c.after_nodedown_interval_ms == cets.after_nodedown_interval_ms &&
         c.enter_regular_phase_ms == cets.enter_regular_phase_ms;
}

}  // namespace discosim::oracle
