// Scenario -> world config and actions; the run loop; when each expectation
// is judged (see run.h for the rules).
#include "sim/scenario/run.h"
#include "engine/overloaded.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "sim/scenario/conditions.h"
#include "sim/scenario/to_world.h"

namespace discosim::scenario {
namespace {


// One expectation being judged during the run.
struct Tracker {
  enum class State { kPending, kPassed, kFailed };
  const Expectation* expectation = nullptr;
  State state = State::kPending;
  int64_t at_ms = 0;
  std::string observed;
  // after_heal: the fault-removal time the recorded hold belongs to.
  std::optional<int64_t> held_after_removal_ms;
  std::optional<int64_t> held_at_ms;
  // The last verdict and the world's observable version it was made at.
  std::optional<uint64_t> judged_version;
  scenario::Verdict last;

  void Pass(int64_t t) {
    state = State::kPassed;
    at_ms = t;
  }
  void Fail(int64_t t, std::string seen) {
    state = State::kFailed;
    at_ms = t;
    observed = std::move(seen);
  }
  bool pending() const { return state == State::kPending; }
};

// The window [from, until] of a windowed qualifier, for the checks below.
struct Window {
  int64_t from_ms;
  int64_t until_ms;
  bool Contains(int64_t t) const { return from_ms <= t && t <= until_ms; }
};

class Judge {
 public:
  Judge(const Scenario& scenario, const world::World& world, int64_t end_ms)
      : world_(world), end_ms_(end_ms) {
    for (const Expectation& e : scenario.expectations) {
      Tracker t;
      t.expectation = &e;
      trackers_.push_back(std::move(t));
    }
  }

  // Every time at which some qualifier needs a look, up to end_ms.
  std::set<int64_t> Checkpoints() const {
    std::set<int64_t> times = {end_ms_};
    for (const Tracker& t : trackers_) {
      std::visit(Overloaded{
                     [&](const AtQualifier& q) { times.insert(q.at_ms); },
                     [&](const ByQualifier& q) {
                       times.insert(q.from_ms);
                       times.insert(q.by_ms);
                     },
                     [&](const AlwaysQualifier& q) { times.insert(q.from_ms); },
                     [&](const NeverQualifier& q) { times.insert(q.from_ms); },
                     [&](const AfterHealQualifier&) {},
                 },
                 t.expectation->qualifier);
    }
    std::erase_if(times, [&](int64_t t) { return t > end_ms_; });
    return times;
  }

  // After one event at `now`: always/never see every event.
  void AfterEvent(int64_t now) {
    for (Tracker& t : trackers_) {
      if (!t.pending()) continue;
      if (const auto* q = std::get_if<AlwaysQualifier>(&t.expectation->qualifier)) {
        if (WindowOf(*q).Contains(now)) CheckAlways(t, now);
      } else if (const auto* q = std::get_if<NeverQualifier>(&t.expectation->qualifier)) {
        if (WindowOf(*q).Contains(now)) CheckNever(t, now);
      }
    }
  }

  // The state at instant `now` is final (no more events at `now`), or `now`
  // is a checkpoint reached with no event.
  void AtInstant(int64_t now, bool checkpoint) {
    for (Tracker& t : trackers_) {
      if (!t.pending()) continue;
      std::visit(Overloaded{
                     [&](const AtQualifier& q) {
                       if (checkpoint && q.at_ms == now) Decide(t, now, /*want=*/true);
                     },
                     [&](const ByQualifier& q) {
                       if (now < q.from_ms || now > q.by_ms) return;
                       Verdict v = Judged(t);
                       if (v.holds) {
                         t.Pass(now);
                       } else if (checkpoint && now == q.by_ms) {
                         t.Fail(now, v.observed);
                       }
                     },
                     [&](const AlwaysQualifier& q) {
                       if (checkpoint && now == q.from_ms) CheckAlways(t, now);
                     },
                     [&](const NeverQualifier& q) {
                       if (checkpoint && now == q.from_ms) CheckNever(t, now);
                     },
                     [&](const AfterHealQualifier&) { TrackAfterHeal(t, now); },
                 },
                 t.expectation->qualifier);
    }
  }

  // Returns the time the run must go on to for after_heal, if any.
  std::optional<int64_t> AfterHealDeadline() const {
    std::optional<int64_t> deadline;
    const int64_t removal_ms = world_.LastFaultRemovalMs().value_or(0);
    for (const Tracker& t : trackers_) {
      const auto* q = std::get_if<AfterHealQualifier>(&t.expectation->qualifier);
      if (q == nullptr || !t.pending() || HeldAfter(t, removal_ms)) continue;
      deadline = std::max(deadline.value_or(0), removal_ms + q->within_ms);
    }
    return deadline;
  }

  void Finish(int64_t now) {
    const int64_t removal_ms = world_.LastFaultRemovalMs().value_or(0);
    for (Tracker& t : trackers_) {
      if (!t.pending()) continue;
      std::visit(Overloaded{
                     [&](const AtQualifier&) { t.Fail(now, "not reached"); },
                     [&](const ByQualifier&) { t.Fail(now, "not reached"); },
                     // A window that held passes at its end (its `until`, or
                     // `duration`), not at the run's end, which after_heal
                     // may have pushed further.
                     [&](const AlwaysQualifier& q) { t.Pass(std::min(now, WindowOf(q).until_ms)); },
                     [&](const NeverQualifier& q) { t.Pass(std::min(now, WindowOf(q).until_ms)); },
                     [&](const AfterHealQualifier& q) {
                       if (HeldAfter(t, removal_ms)) {
                         t.Pass(*t.held_at_ms);
                         return;
                       }
                       Verdict v = Judged(t);
                       t.Fail(std::min(now, removal_ms + q.within_ms),
                              absl::StrCat(v.observed, " (last fault removed at ",
                                           removal_ms, "ms)"));
                     },
                 },
                 t.expectation->qualifier);
    }
  }

  std::vector<ExpectationResult> Results() const {
    std::vector<ExpectationResult> results;
    for (const Tracker& t : trackers_) {
      results.push_back({t.expectation, t.state == Tracker::State::kPassed, t.at_ms,
                         t.observed});
    }
    return results;
  }

 private:
  Window WindowOf(const AlwaysQualifier& q) const {
    return {q.from_ms, q.until_ms.value_or(end_ms_)};
  }
  Window WindowOf(const NeverQualifier& q) const {
    return {q.from_ms, q.until_ms.value_or(end_ms_)};
  }

  // Evaluate, skipping the work while nothing observable changed. `info`
  // with retry_type reads the clock, so it is always evaluated.
  Verdict Judged(Tracker& t) {
    const auto* info = std::get_if<InfoCondition>(&t.expectation->condition);
    const bool reads_clock = info != nullptr && info->retry_type.has_value();
    const uint64_t version = world_.ObservableVersion();
    if (!reads_clock && t.judged_version == version) return t.last;
    t.last = Evaluate(t.expectation->condition, world_);
    t.judged_version = version;
    return t.last;
  }

  void Decide(Tracker& t, int64_t now, bool want) {
    Verdict v = Judged(t);
    if (v.holds == want) {
      t.Pass(now);
    } else {
      t.Fail(now, want ? v.observed : "it held");
    }
  }
  void CheckAlways(Tracker& t, int64_t now) {
    Verdict v = Judged(t);
    if (!v.holds) t.Fail(now, v.observed);
  }
  void CheckNever(Tracker& t, int64_t now) {
    if (Judged(t).holds) t.Fail(now, "it held");
  }

  bool HeldAfter(const Tracker& t, int64_t removal_ms) const {
    const auto* q = std::get_if<AfterHealQualifier>(&t.expectation->qualifier);
    return t.held_after_removal_ms == removal_ms && t.held_at_ms.has_value() &&
           *t.held_at_ms <= removal_ms + q->within_ms;
  }

  // Remembers the first instant the condition held since the latest fault
  // removal; a later removal starts the search again.
  void TrackAfterHeal(Tracker& t, int64_t now) {
    const int64_t removal_ms = world_.LastFaultRemovalMs().value_or(0);
    if (t.held_after_removal_ms == removal_ms && t.held_at_ms.has_value()) return;
    if (now < removal_ms) return;
    if (Judged(t).holds) {
      t.held_after_removal_ms = removal_ms;
      t.held_at_ms = now;
    }
  }

  const world::World& world_;
  int64_t end_ms_;
  std::vector<Tracker> trackers_;
};

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

absl::StatusOr<ScenarioRun> RunScenario(const Scenario& scenario, const RunOptions& options) {
  // Refused before the world config is built: that config holds a backend
  // list per node (quadratic in the node count), and the world would refuse
  // the scenario anyway (fuzz: a 10 000-node file took 35 s and 3 GB here).
  if (scenario.nodes.size() > options.limits.max_nodes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the scenario has ", scenario.nodes.size(), " nodes, more than the ",
        options.limits.max_nodes,
        " the simulated world can hold (world::Limits::max_nodes: its per-pair state grows "
        "with the square of the node count); this limit has no flag: use at most ",
        options.limits.max_nodes, " nodes"));
  }
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
  Judge judge(scenario, w, end_ms);
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
