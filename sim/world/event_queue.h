// The virtual clock and the event queue: integer milliseconds, a binary
// min-heap ordered by (time, insertion sequence), and hard bounds.
//
// Events at the same instant come out in the order they were pushed: the
// queue stamps each with a global sequence number. Time never goes back:
// popping an event moves the clock to its time, and pushing an event into
// the past is a programmer error.
//
//   EventQueue<MyEvent> queue(/*max_queued=*/1'000'000);
//   queue.Push(now_ms + 5, event);          // false when the bound is hit
//   while (!queue.empty()) { auto e = queue.Pop(); ... queue.now_ms() ... }
#ifndef DISCOSIM_SIM_WORLD_EVENT_QUEUE_H_
#define DISCOSIM_SIM_WORLD_EVENT_QUEUE_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "engine/types.h"
#include "sim/world/check.h"

namespace discosim::world {

using engine::TimeMs;

template <class Payload>
class EventQueue {
 public:
  struct Entry {
    TimeMs at_ms = 0;
    uint64_t seq = 0;
    Payload payload;
  };

  explicit EventQueue(size_t max_queued) : max_queued_(max_queued) {}

  // The virtual clock: the time of the last event popped (or AdvanceTo).
  TimeMs now_ms() const { return now_ms_; }
  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  // REQUIRES: !empty().
  TimeMs next_ms() const { return heap_.front().at_ms; }

  // Schedules `payload` at `at_ms`. Returns false (and queues nothing) when
  // the queue already holds max_queued events. REQUIRES: at_ms >= now_ms().
  bool Push(TimeMs at_ms, Payload payload) {
    WORLD_CHECK(at_ms >= now_ms_, "an event scheduled in the past");
    if (heap_.size() >= max_queued_) return false;
    heap_.push_back(Entry{at_ms, next_seq_++, std::move(payload)});
    std::push_heap(heap_.begin(), heap_.end(), Later);
    return true;
  }

  // Removes the earliest event and moves the clock to its time.
  Entry Pop() {
    WORLD_CHECK(!heap_.empty(), "Pop on an empty event queue");
    std::pop_heap(heap_.begin(), heap_.end(), Later);
    Entry entry = std::move(heap_.back());
    heap_.pop_back();
    now_ms_ = entry.at_ms;
    return entry;
  }

  // Moves the clock forward with no event. REQUIRES: no event before at_ms.
  void AdvanceTo(TimeMs at_ms) {
    WORLD_CHECK(at_ms >= now_ms_, "the clock moved backwards");
    WORLD_CHECK(heap_.empty() || heap_.front().at_ms >= at_ms, "advancing past a queued event");
    now_ms_ = at_ms;
  }

 private:
  // Heap order: the top is the earliest time, then the lowest sequence.
  static bool Later(const Entry& a, const Entry& b) {
    return a.at_ms != b.at_ms ? a.at_ms > b.at_ms : a.seq > b.seq;
  }

  size_t max_queued_;
  TimeMs now_ms_ = 0;
  uint64_t next_seq_ = 0;
  std::vector<Entry> heap_;
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_EVENT_QUEUE_H_
