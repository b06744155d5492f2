// A tiny model of the discovery process's mailbox and timers, for engine
// tests that depend on how messages interleave.
//
// The engine only *asks* for mailbox operations (SendToSelf, DropQueuedChecks)
// and timers (StartTimer, CancelTimer); the engine runtime (engine/runtime.h)
// carries them out the way the Erlang runtime would, and this host adds
// nothing but stepping. Messages wait in a FIFO queue and are handled one per
// step. Timers never fire on their own: a test fires one explicitly, which
// moves its message to the back of the queue. Every other effect (get_nodes,
// pings, join tasks, replies, logs...) is only collected and handed back, so
// the test decides what the world answers and when.
//
// Usage:
//   TestMailbox mailbox;
//   Effects effects;
//   Init(state, options, 0, view, effects);
//   mailbox.Apply(effects, /*now_ms=*/0);                // queues the first check
//   Effects out = mailbox.RunToEmpty(state, 0, view);    // -> StartGetNodes
//   mailbox.Post(GetNodesDone{GetNodesResult::Ok({}), 0});
//   out = mailbox.RunToEmpty(state, 10, view);           // -> StartTimer ...
//   mailbox.FireTimer(*state.timer_ref);                 // the check arrives
#ifndef DISCOSIM_ENGINE_TEST_MAILBOX_H_
#define DISCOSIM_ENGINE_TEST_MAILBOX_H_

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <utility>
#include <variant>
#include <vector>

#include "engine/engine.h"
#include "engine/runtime.h"

namespace discosim::engine::test {

class TestMailbox {
 public:
  // A run that needs more steps than this is a livelock in the test or the
  // engine, not a long scenario.
  static constexpr size_t kStepsPerRunMax = 10'000;

  // Puts `message` at the back of the queue (a message from the outside world).
  void Post(Message message) { Queue(runtime_.Post(std::move(message))); }

  // Carries out, in order, the effects that touch the mailbox or the timers
  // (see Runtime::Carry); all other effects are left to the caller.
  void Apply(const Effects& effects, TimeMs now_ms) {
    for (const Effect& effect : effects) {
      if (runtime_.Carry(effect, now_ms).kind == Carried::Kind::kMailboxFull) Full();
    }
  }

  // Delivers a pending timer's message to the back of the queue. Returns
  // false (and queues nothing) if the timer was cancelled, already fired or
  // never started.
  bool FireTimer(TimerId timer) {
    const Delivered delivered = runtime_.FireTimer(timer);
    if (delivered == Delivered::kMailboxFull) Full();
    return delivered == Delivered::kQueued;
  }

  // Handles the oldest message: steps the engine, applies the mailbox and
  // timer effects, and appends every effect of the step to `effects`.
  // Returns false if the queue was empty.
  bool StepOne(State& state, TimeMs now_ms, const View& view, Effects& effects) {
    if (runtime_.empty()) return false;
    const Queued next = runtime_.Pop();
    Effects step_effects;
    Step(state, next.message, now_ms, view, step_effects);
    Apply(step_effects, now_ms);
    effects.insert(effects.end(), step_effects.begin(), step_effects.end());
    return true;
  }

  // Handles messages until the queue is empty (messages queued meanwhile
  // included) and returns every effect, in order. All steps happen at
  // `now_ms` with `view`. Aborts after kStepsPerRunMax steps.
  Effects RunToEmpty(State& state, TimeMs now_ms, const View& view) {
    Effects effects;
    for (size_t steps = 0; StepOne(state, now_ms, view, effects); ++steps) {
      if (steps + 1 >= kStepsPerRunMax) {
        std::fprintf(stderr, "TestMailbox: more than %zu steps in one run\n", kStepsPerRunMax);
        std::abort();
      }
    }
    return effects;
  }

  // How many queued messages hold a `T` (e.g. CountQueued<Check>()).
  template <class T>
  size_t CountQueued() const {
    return static_cast<size_t>(std::count_if(queue().begin(), queue().end(), [](const Message& m) {
      return std::holds_alternative<T>(m);
    }));
  }

  const std::deque<Message>& queue() const { return runtime_.mailbox(); }
  const std::map<TimerId, PendingTimer>& timers() const { return runtime_.timers(); }
  bool empty() const { return runtime_.empty(); }

 private:
  static void Queue(Delivered delivered) {
    if (delivered != Delivered::kQueued) Full();
  }
  [[noreturn]] static void Full() {
    std::fprintf(stderr, "TestMailbox: the mailbox is full\n");
    std::abort();
  }

  Runtime runtime_;
};

}  // namespace discosim::engine::test

#endif  // DISCOSIM_ENGINE_TEST_MAILBOX_H_
