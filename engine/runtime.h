// The engine runtime: what the Erlang runtime does for a discovery process
// besides running its code. It owns the process's mailbox (one FIFO queue)
// and its active timers (id -> message), and carries out the four mailbox
// effects the engine asks for: SendToSelf, DropQueuedChecks, StartTimer and
// CancelTimer. Every other effect (get_nodes, pings, join tasks, replies,
// start_time sends, logs) is handed back to the host untouched.
//
// Pure, like the engine: no clock, I/O or randomness. Time is handed in, and
// a timer fires only when the host says so (`FireTimer`), so each host keeps
// time its own way: a test fires timers by hand, the property tests' driver
// fires the earliest due one, the world schedules an event when `Carry`
// reports `kTimerStarted` and calls `FireTimer` when that event comes.
//
// Rules, as in Erlang:
//   - a message posted or sent to self goes to the back of the mailbox;
//   - DropQueuedChecks removes every queued Check, the rest keep their order;
//   - a cancelled (or fired, or never started) timer never fires;
//   - a fired timer's message goes to the back of the mailbox.
// Each queued message carries an `Origin`, a label of the host's choosing
// (who sent it), handed back when the message is popped or dropped.
//
// Usage (a host with an event queue):
//   Runtime runtime(/*mailbox_max=*/1'000);
//   runtime.Post(Nodeup{"b@h2"});
//   Queued next = runtime.Pop();
//   Effects effects;
//   Step(state, next.message, now_ms, view, effects);
//   for (const Effect& effect : effects) {
//     const Carried carried = runtime.Carry(effect, now_ms);
//     if (carried.kind == Carried::Kind::kTimerStarted) {
//       ScheduleFire(now_ms + carried.delay_ms, carried.timer);  // host's queue
//     } else if (carried.kind == Carried::Kind::kForHost) {
//       CarryOutTask(effect);                                    // host's job
//     }
//   }
//   // ... when the scheduled fire comes:
//   runtime.FireTimer(timer);  // kNotPending if it was cancelled meanwhile
#ifndef DISCOSIM_ENGINE_RUNTIME_H_
#define DISCOSIM_ENGINE_RUNTIME_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include "engine/types.h"

namespace discosim::engine {

// Who put a message into the mailbox: the host's own label (0 by default).
using Origin = uint32_t;

// A timer the engine started and nobody has cancelled or fired yet.
struct PendingTimer {
  TimeMs started_ms = 0;
  TimeMs delay_ms = 0;  // as the engine asked (the host decides what < 0 means)
  Message message;
};

// A message taken from the front of the mailbox.
struct Queued {
  Message message;
  Origin origin = 0;
};

// Whether a message reached the mailbox.
enum class Delivered {
  kQueued,       // at the back of the mailbox
  kMailboxFull,  // the mailbox held mailbox_max messages: nothing queued
  kNotPending,   // FireTimer only: the timer was cancelled, fired or never started
};

// What `Carry` did with one effect, and what the host has left to do.
struct Carried {
  enum class Kind {
    kForHost,         // not a mailbox effect: the host carries it out
    kQueued,          // SendToSelf: the message is at the back of the mailbox
    kMailboxFull,     // SendToSelf: the mailbox was full, nothing queued
    kChecksDropped,   // DropQueuedChecks: see dropped_origins
    kTimerStarted,    // StartTimer: FireTimer(timer) is due after delay_ms
    kTimerCancelled,  // CancelTimer: the timer will not fire (pending or not)
  };
  Kind kind = Kind::kForHost;
  TimerId timer = 0;    // kTimerStarted, kTimerCancelled
  TimeMs delay_ms = 0;  // kTimerStarted
  std::vector<Origin> dropped_origins;  // kChecksDropped: oldest first
};

class Runtime {
 public:
  // The default bound is far above anything a test needs; hosts pass theirs.
  static constexpr size_t kMailboxMaxDefault = 1'000'000;

  explicit Runtime(size_t mailbox_max = kMailboxMaxDefault) : mailbox_max_(mailbox_max) {}

  // Puts `message` at the back of the mailbox (a message from outside).
  Delivered Post(Message message, Origin origin = 0);

  // Takes the oldest message. REQUIRES: !empty().
  Queued Pop();

  // Carries out `effect` at `now_ms` if it is a mailbox effect (a self-send
  // is labelled `self_origin`) and says what happened; any other effect is
  // left alone and reported as kForHost. A StartTimer with the id of a
  // pending timer replaces it. Cancelling a timer that is not pending does
  // nothing, as erlang:cancel_timer/1.
  Carried Carry(const Effect& effect, TimeMs now_ms, Origin self_origin = 0);

  // The pending timer `timer` fires: its message goes to the back of the
  // mailbox and the timer is gone (also when the mailbox is full: the
  // message is then lost and kMailboxFull returned). kNotPending, and
  // nothing queued, if the timer was cancelled, fired or never started.
  Delivered FireTimer(TimerId timer, Origin origin = 0);

  // The process stopped: the mailbox and every timer are gone.
  void Clear();

  const std::deque<Message>& mailbox() const { return mailbox_; }
  const std::deque<Origin>& origins() const { return origins_; }  // parallel to mailbox()
  const std::map<TimerId, PendingTimer>& timers() const { return timers_; }
  size_t size() const { return mailbox_.size(); }
  bool empty() const { return mailbox_.empty(); }
  size_t mailbox_max() const { return mailbox_max_; }

 private:
  // Removes the queued checks; returns their origins, oldest first.
  std::vector<Origin> DropChecks();

  size_t mailbox_max_;
  std::deque<Message> mailbox_;
  std::deque<Origin> origins_;  // parallel to mailbox_
  std::map<TimerId, PendingTimer> timers_;  // pending only
};

}  // namespace discosim::engine

#endif  // DISCOSIM_ENGINE_RUNTIME_H_
