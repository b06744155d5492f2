// Recording the engine in the mailbox world: see driver.h.
#include "oracle/driver.h"

#include <utility>

namespace discosim::oracle {

namespace e = ::discosim::engine;

Recording RecordDriverRun(const fuzz::DriverSetup& setup, const std::vector<fuzz::Action>& actions) {
  Recording run;
  run.local_node = fuzz::LocalNode();
  run.options.tables = setup.tables;
  run.options.backend_state = setup.backend_state;
  run.options.config = setup.config;
  run.start_ms = setup.start_ms;
  for (const e::NodeName& node : setup.connected) {
    if (node != fuzz::LocalNode()) run.start_connected.insert(node);
  }
  // The driver runs the same Init; this one is for its effects.
  e::State state;
  const e::View view{run.local_node, run.start_connected};
  e::Init(state, run.options, run.start_ms, view, run.init_effects);
  run.init_info = e::MakeSystemInfo(state, run.start_ms, view);

  fuzz::EngineDriver driver(setup, fuzz::Delivery::kOnDemand, [&](const fuzz::StepRecord& r) {
    const e::View step_view{run.local_node, r.connected};
    run.steps.push_back(Recording::Step{r.message, r.now_ms, r.connected, r.effects,
                                        e::MakeSystemInfo(r.after, r.now_ms, step_view)});
  });
  for (const fuzz::Action& action : actions) driver.Apply(action);
  driver.Quiesce();
  return run;
}

}  // namespace discosim::oracle
