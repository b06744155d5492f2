// The judge: when each qualifier looks at the cluster, and what it decides
// (the rules are in run.h's header).
#include "sim/scenario/judge.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/overloaded.h"

namespace discosim::scenario {

Judge::Judge(const Scenario& scenario, const Observable& world, int64_t end_ms,
             JudgeOptions options)
    : world_(world), end_ms_(end_ms), options_(options) {
  for (const Expectation& e : scenario.expectations) {
    Tracker t;
    t.expectation = &e;
    trackers_.push_back(std::move(t));
  }
}

std::set<int64_t> Judge::Checkpoints() const {
  std::set<int64_t> times = {end_ms_};
  for (const Tracker& t : trackers_) {
    std::visit(Overloaded{
                   [&](const AtQualifier& q) { times.insert(q.at_ms); },
                   [&](const ByQualifier& q) {
                     times.insert(q.from_ms);
                     times.insert(q.by_ms + options_.late_ms);
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

void Judge::AfterEvent(int64_t now) {
  for (Tracker& t : trackers_) {
    if (!t.pending()) continue;
    if (const auto* q = std::get_if<AlwaysQualifier>(&t.expectation->qualifier)) {
      if (WindowOf(*q).Contains(now)) CheckAlways(t, now);
    } else if (const auto* q = std::get_if<NeverQualifier>(&t.expectation->qualifier)) {
      if (WindowOf(*q).Contains(now)) CheckNever(t, now);
    }
  }
}

void Judge::AtInstant(int64_t now, bool checkpoint) {
  for (Tracker& t : trackers_) {
    if (!t.pending()) continue;
    std::visit(Overloaded{
                   [&](const AtQualifier& q) {
                     if (checkpoint && q.at_ms == now) Decide(t, now, /*want=*/true);
                   },
                   [&](const ByQualifier& q) { CheckBy(t, q, now, checkpoint); },
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

std::optional<int64_t> Judge::AfterHealDeadline() const {
  std::optional<int64_t> deadline;
  const int64_t removal_ms = world_.LastFaultRemovalMs().value_or(0);
  for (const Tracker& t : trackers_) {
    const auto* q = std::get_if<AfterHealQualifier>(&t.expectation->qualifier);
    if (q == nullptr || !t.pending() || HeldAfter(t, removal_ms)) continue;
    deadline = std::max(deadline.value_or(0), removal_ms + q->within_ms + options_.late_ms);
  }
  return deadline;
}

void Judge::Finish(int64_t now) {
  const int64_t removal_ms = world_.LastFaultRemovalMs().value_or(0);
  for (Tracker& t : trackers_) {
    if (t.pending()) FinishOne(t, now, removal_ms);
  }
}

void Judge::FinishOne(Tracker& t, int64_t now, int64_t removal_ms) {
  std::visit(Overloaded{
                 [&](const AtQualifier&) { t.Fail(now, "not reached"); },
                 [&](const ByQualifier&) { t.Fail(now, "not reached"); },
                 [&](const AlwaysQualifier&) { t.Pass(now); },
                 [&](const NeverQualifier&) { t.Pass(now); },
                 [&](const AfterHealQualifier& q) {
                   if (HeldAfter(t, removal_ms)) {
                     t.Pass(*t.held_at_ms, removal_ms + q.within_ms);
                     return;
                   }
                   Verdict v = Judged(t);
                   t.Fail(std::min(now, removal_ms + q.within_ms + options_.late_ms),
                          absl::StrCat(v.observed, " (last fault removed at ", removal_ms,
                                       "ms)"));
                 },
             },
             t.expectation->qualifier);
}

std::vector<ExpectationResult> Judge::Results() const {
  std::vector<ExpectationResult> results;
  for (const Tracker& t : trackers_) {
    results.push_back(
        {t.expectation, t.state == Tracker::State::kPassed, t.at_ms, t.observed, t.late_ms});
  }
  return results;
}

Judge::Window Judge::WindowOf(const AlwaysQualifier& q) const {
  return {q.from_ms, q.until_ms.value_or(end_ms_)};
}
Judge::Window Judge::WindowOf(const NeverQualifier& q) const {
  return {q.from_ms, q.until_ms.value_or(end_ms_)};
}

// Evaluate, skipping the work while nothing observable changed. `info`
// with retry_type reads the clock, so it is always evaluated.
Verdict Judge::Judged(Tracker& t) {
  const auto* info = std::get_if<InfoCondition>(&t.expectation->condition);
  const bool reads_clock = info != nullptr && info->retry_type.has_value();
  const uint64_t version = world_.ObservableVersion();
  if (!reads_clock && t.judged_version == version) return t.last;
  t.last = Evaluate(t.expectation->condition, world_, options_.evaluate);
  t.judged_version = version;
  return t.last;
}

void Judge::Decide(Tracker& t, int64_t now, bool want) {
  Verdict v = Judged(t);
  if (v.holds == want) {
    t.Pass(now);
  } else {
    t.Fail(now, want ? v.observed : "it held");
  }
}
void Judge::CheckAlways(Tracker& t, int64_t now) {
  Verdict v = Judged(t);
  if (!v.holds) t.Fail(now, v.observed);
}
void Judge::CheckNever(Tracker& t, int64_t now) {
  if (Judged(t).holds) t.Fail(now, "it held");
}

// by: T holds at some instant in [from, T + late]; past T it is late.
void Judge::CheckBy(Tracker& t, const ByQualifier& q, int64_t now, bool checkpoint) {
  const int64_t deadline_ms = q.by_ms + options_.late_ms;
  if (now < q.from_ms || now > deadline_ms) return;
  Verdict v = Judged(t);
  if (v.holds) {
    t.Pass(now, q.by_ms);
  } else if (checkpoint && now == deadline_ms) {
    t.Fail(now, v.observed);
  }
}

bool Judge::HeldAfter(const Tracker& t, int64_t removal_ms) const {
  const auto* q = std::get_if<AfterHealQualifier>(&t.expectation->qualifier);
  return t.held_after_removal_ms == removal_ms && t.held_at_ms.has_value() &&
         *t.held_at_ms <= removal_ms + q->within_ms + options_.late_ms;
}

// Remembers the first instant the condition held since the latest fault
// removal; a later removal starts the search again.
void Judge::TrackAfterHeal(Tracker& t, int64_t now) {
  const int64_t removal_ms = world_.LastFaultRemovalMs().value_or(0);
  if (t.held_after_removal_ms == removal_ms && t.held_at_ms.has_value()) return;
  if (now < removal_ms) return;
  if (Judged(t).holds) {
    t.held_after_removal_ms = removal_ms;
    t.held_at_ms = now;
  }
}

}  // namespace discosim::scenario
