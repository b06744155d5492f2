// Scenario -> world config and actions; the run loop; when each expectation
// is judged (see run.h for the rules).
#include "sim/scenario/run.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "sim/scenario/judge.h"
#include "sim/scenario/observable.h"
#include "sim/scenario/to_world.h"

namespace discosim::scenario {
namespace {

absl::Status LimitError(const world::RunResult& r, const world::Limits& limits) {
  switch (r.status) {
    case world::RunStatus::kEventLimit:
      return absl::ResourceExhaustedError(
          absl::StrCat("the run reached the event limit (", limits.max_events,
                       " events) at virtual time ", r.now_ms,
                       "ms; raise it with --max-events"));
    case world::RunStatus::kTimeLimit:
      return absl::ResourceExhaustedError(
          absl::StrCat("the run reached the virtual time limit (", limits.max_time_ms,
                       "ms); raise it with --max-virtual-time"));
    case world::RunStatus::kError:
      return r.error;
    case world::RunStatus::kReachedTime:
      break;
  }
  return absl::OkStatus();
}

}  // namespace

int ScenarioRun::passed() const {
  return static_cast<int>(std::count_if(results.begin(), results.end(),
                                        [](const ExpectationResult& r) { return r.passed; }));
}
int ScenarioRun::failed() const { return static_cast<int>(results.size()) - passed(); }

world::WorldConfig ToWorldConfig(const Scenario& scenario, const RunOptions& options) {
  world::WorldConfig config = WorldConfigOf(scenario);
  config.seed = options.seed.value_or(scenario.seed);
  config.limits = options.limits;
  config.trace = options.trace;
  config.engine_observer = options.engine_observer;
  return config;
}

namespace {

// Refused before the world config is built: that config holds a backend
// list per node (quadratic in the node count), and the world would refuse
// the scenario anyway (fuzz: a 10 000-node file took 35 s and 3 GB here).
absl::Status NodeLimit(const Scenario& scenario, const RunOptions& options) {
  if (scenario.nodes.size() <= options.limits.max_nodes) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      "the scenario has ", scenario.nodes.size(), " nodes, more than the ",
      options.limits.max_nodes,
      " the simulated world can hold (world::Limits::max_nodes: its per-pair state grows "
      "with the square of the node count); this limit has no flag: use at most ",
      options.limits.max_nodes, " nodes"));
}

}  // namespace

absl::StatusOr<ScenarioRun> RunScenario(const Scenario& scenario, const RunOptions& options) {
  if (absl::Status limit = NodeLimit(scenario, options); !limit.ok()) return limit;
  ScenarioRun out;
  out.scenario = &scenario;
  out.seed = options.seed.value_or(scenario.seed);
  auto created = world::World::Create(ToWorldConfig(scenario, options));
  if (!created.ok()) return created.status();
  out.world = std::move(*created);
  world::World& w = *out.world;

  ActionTranslator translator(scenario);
  for (size_t i = 0; i < scenario.timeline.size(); ++i) {
    const TimelineStep& step = scenario.timeline[i];
    absl::Status scheduled = w.Schedule(step.at_ms, translator.Translate(step, i));
    if (!scheduled.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(step.position.file, ":", step.position.line,
                                                     ":", step.position.column, ": timeline[",
                                                     i, "]: ", scheduled.message()));
    }
  }

  int64_t end_ms = scenario.duration_ms;
  WorldObservable observed(w);
  Judge judge(scenario, observed, end_ms, {});
  // Runs to `until`, judging after every event and at every checkpoint.
  auto run_to = [&](int64_t until_ms, const std::set<int64_t>& checkpoints) -> absl::Status {
    auto next_checkpoint = checkpoints.begin();
    while (true) {
      std::optional<int64_t> next_event = w.NextEventTime();
      const int64_t checkpoint_ms =
          next_checkpoint != checkpoints.end() ? *next_checkpoint : until_ms;
      if (next_event.has_value() && *next_event <= checkpoint_ms) {
        world::RunResult r = w.StepOneEvent();
        if (!r.ok()) return LimitError(r, options.limits);
        const int64_t now = w.now_ms();
        judge.AfterEvent(now);
        std::optional<int64_t> following = w.NextEventTime();
        if (!following.has_value() || *following > now) judge.AtInstant(now, false);
        continue;
      }
      world::RunResult r = w.RunUntil(checkpoint_ms);
      if (!r.ok()) return LimitError(r, options.limits);
      judge.AtInstant(checkpoint_ms, true);
      if (next_checkpoint == checkpoints.end() || checkpoint_ms >= until_ms) return absl::OkStatus();
      ++next_checkpoint;
    }
  };
  absl::Status status = run_to(end_ms, judge.Checkpoints());
  if (!status.ok()) return status;
  if (std::optional<int64_t> deadline = judge.AfterHealDeadline(); deadline && *deadline > end_ms) {
    end_ms = *deadline;
    status = run_to(end_ms, {end_ms});
    if (!status.ok()) return status;
  }
  judge.Finish(end_ms);
  out.end_ms = end_ms;
  out.run.now_ms = w.now_ms();
  out.run.events = w.counters().events;
  out.results = judge.Results();
  return out;
}

}  // namespace discosim::scenario
