// When each expectation is judged, and its verdict: the rules of run.h's
// header, for any cluster an Observable reads (the simulated world, or real
// nodes polled in wall time by real/).
//
// The driver tells the judge about each moment: AfterEvent(t) after every
// change (always/never look at each), AtInstant(t, checkpoint) once the state
// at t is final (checkpoint: t is one of Checkpoints()), then Finish(end).
//
//   Judge judge(scenario, observable, end_ms, {});
//   for (each event at t) { judge.AfterEvent(t); ...; judge.AtInstant(t, false); }
//   judge.Finish(end_ms);
//   std::vector<ExpectationResult> results = judge.Results();
#ifndef DISCOSIM_SIM_SCENARIO_JUDGE_H_
#define DISCOSIM_SIM_SCENARIO_JUDGE_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sim/scenario/conditions.h"
#include "sim/scenario/observable.h"
#include "sim/scenario/scenario.h"

namespace discosim::scenario {

struct ExpectationResult {
  const Expectation* expectation = nullptr;  // points into the scenario
  bool passed = false;
  int64_t at_ms = 0;     // when it held (pass) or when it was found broken (fail)
  std::string observed;  // for a failure: what was seen instead
  // A pass that came after its deadline (by's T, after_heal's window) but
  // within JudgeOptions::late_ms: by how much. 0 in simulation.
  int64_t late_ms = 0;
};

struct JudgeOptions {
  // How late a `by:` or `after_heal:` may still pass (real runs jitter).
  int64_t late_ms = 0;
  EvaluateOptions evaluate;
};

// One expectation being judged during the run.
struct Tracker {
  enum class State { kPending, kPassed, kFailed };
  const Expectation* expectation = nullptr;
  State state = State::kPending;
  int64_t at_ms = 0;
  int64_t late_ms = 0;
  std::string observed;
  // after_heal: the fault-removal time the recorded hold belongs to.
  std::optional<int64_t> held_after_removal_ms;
  std::optional<int64_t> held_at_ms;
  // The last verdict and the observable version it was made at.
  std::optional<uint64_t> judged_version;
  Verdict last;

  void Pass(int64_t t, int64_t deadline_ms) {
    state = State::kPassed;
    at_ms = t;
    late_ms = t > deadline_ms ? t - deadline_ms : 0;
  }
  void Pass(int64_t t) { Pass(t, t); }
  void Fail(int64_t t, std::string seen) {
    state = State::kFailed;
    at_ms = t;
    observed = std::move(seen);
  }
  bool pending() const { return state == State::kPending; }
};

class Judge {
 public:
  Judge(const Scenario& scenario, const Observable& world, int64_t end_ms, JudgeOptions options);
  Judge(const Judge&) = delete;
  Judge& operator=(const Judge&) = delete;

  // Every time at which some qualifier needs a look, up to end_ms.
  std::set<int64_t> Checkpoints() const;
  // After one event at `now`: always/never see every event.
  void AfterEvent(int64_t now);
  // The state at instant `now` is final (no more events at `now`), or `now`
  // is a checkpoint reached with no event.
  void AtInstant(int64_t now, bool checkpoint);
  // The run reached end_ms. Windows still open pass (always, never);
  // returns the time the run must go on to for after_heal, if any.
  std::optional<int64_t> AfterHealDeadline() const;
  void Finish(int64_t now);
  std::vector<ExpectationResult> Results() const;

 private:
  // The window [from, until] of a windowed qualifier.
  struct Window {
    int64_t from_ms;
    int64_t until_ms;
    bool Contains(int64_t t) const { return from_ms <= t && t <= until_ms; }
  };
  Window WindowOf(const AlwaysQualifier& q) const;
  Window WindowOf(const NeverQualifier& q) const;
  Verdict Judged(Tracker& t);
  void Decide(Tracker& t, int64_t now, bool want);
  void CheckAlways(Tracker& t, int64_t now);
  void CheckNever(Tracker& t, int64_t now);
  void CheckBy(Tracker& t, const ByQualifier& q, int64_t now, bool checkpoint);
  bool HeldAfter(const Tracker& t, int64_t removal_ms) const;
  void TrackAfterHeal(Tracker& t, int64_t now);
  void FinishOne(Tracker& t, int64_t now, int64_t removal_ms);

  const Observable& world_;
  int64_t end_ms_;
  JudgeOptions options_;
  std::vector<Tracker> trackers_;
};

}  // namespace discosim::scenario

#endif  // DISCOSIM_SIM_SCENARIO_JUDGE_H_
