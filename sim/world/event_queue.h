// The virtual clock and the event queue: integer times (the world counts
// microseconds), a binary min-heap ordered by (time, insertion sequence),
// and hard bounds.
//
// Events at the same instant come out in the order they were pushed: the
// queue stamps each with a global sequence number. Time never goes back:
// popping an event moves the clock to its time, and pushing an event into
// the past is a programmer error.
//
//   EventQueue<MyEvent> queue(/*max_queued=*/1'000'000);
//   queue.Push(queue.now() + 5, event);      // false when the bound is hit
//   while (!queue.empty()) { auto e = queue.Pop(); ... queue.now() ... }
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

template <class Payload>
class EventQueue {
 public:
  struct Entry {
    int64_t at = 0;
    uint64_t seq = 0;
    Payload payload;
  };

  explicit EventQueue(size_t max_queued) : max_queued_(max_queued) {}

  // The virtual clock: the time of the last event popped (or AdvanceTo).
  int64_t now() const { return now_; }
  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  // REQUIRES: !empty().
  int64_t next() const { return heap_.front().at; }

  // Schedules `payload` at `at`. Returns false (and queues nothing) when
  // the queue already holds max_queued events. REQUIRES: at >= now().
  bool Push(int64_t at, Payload payload) {
    WORLD_CHECK(at >= now_, "an event scheduled in the past");
    if (heap_.size() >= max_queued_) return false;
    heap_.push_back(Entry{at, next_seq_++, std::move(payload)});
    std::push_heap(heap_.begin(), heap_.end(), Later);
    return true;
  }

  // Removes the earliest event and moves the clock to its time.
  Entry Pop() {
    WORLD_CHECK(!heap_.empty(), "Pop on an empty event queue");
    std::pop_heap(heap_.begin(), heap_.end(), Later);
    Entry entry = std::move(heap_.back());
    heap_.pop_back();
    now_ = entry.at;
    return entry;
  }

  // Moves the clock forward with no event. REQUIRES: no event before `at`.
  void AdvanceTo(int64_t at) {
    WORLD_CHECK(at >= now_, "the clock moved backwards");
    WORLD_CHECK(heap_.empty() || heap_.front().at >= at, "advancing past a queued event");
    now_ = at;
  }

 private:
  // Heap order: the top is the earliest time, then the lowest sequence.
  static bool Later(const Entry& a, const Entry& b) {
    return a.at != b.at ? a.at > b.at : a.seq > b.seq;
  }

  size_t max_queued_;
  int64_t now_ = 0;
  uint64_t next_seq_ = 0;
  std::vector<Entry> heap_;
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_EVENT_QUEUE_H_
