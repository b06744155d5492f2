// The event queue runs events in time order, same-time events in insertion
// order, moves the clock with them, and refuses events past its bound; the
// calendar inside (slots, the year's buckets, the far heap) keeps exactly
// the order of a binary heap on (time, sequence), and hands its chunks back
// as buckets drain.
#include "sim/world/event_queue.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "sim/world/random.h"

namespace discosim::world {
namespace {

using Queue = EventQueue<uint64_t>;
constexpr int64_t kBlock = Queue::kBlockUnits;
constexpr int64_t kYear = Queue::kYearUnits;

// Pops everything: (time, payload) in the order the queue gives them.
std::vector<std::pair<int64_t, uint64_t>> Drain(Queue& queue) {
  std::vector<std::pair<int64_t, uint64_t>> out;
  while (!queue.empty()) {
    const int64_t next = queue.next();
    auto e = queue.Pop();
    EXPECT_EQ(e.at, next);
    EXPECT_EQ(queue.now(), e.at);
    out.emplace_back(e.at, e.payload);
  }
  return out;
}

TEST(EventQueueTest, TimeOrderThenInsertionOrder) {
  EventQueue<int> queue(100);
  ASSERT_TRUE(queue.Push(10, 1));
  ASSERT_TRUE(queue.Push(5, 2));
  ASSERT_TRUE(queue.Push(10, 3));
  ASSERT_TRUE(queue.Push(5, 4));
  ASSERT_TRUE(queue.Push(0, 5));
  std::vector<int> order;
  std::vector<int64_t> times;
  while (!queue.empty()) {
    auto e = queue.Pop();
    order.push_back(e.payload);
    times.push_back(queue.now());
  }
  EXPECT_EQ(order, (std::vector<int>{5, 2, 4, 1, 3}));
  EXPECT_EQ(times, (std::vector<int64_t>{0, 5, 5, 10, 10}));
}

TEST(EventQueueTest, ManySameTimeEventsKeepInsertionOrder) {
  EventQueue<int> queue(10'000);
  for (int i = 0; i < 1'000; ++i) ASSERT_TRUE(queue.Push(7, i));
  for (int i = 0; i < 1'000; ++i) EXPECT_EQ(queue.Pop().payload, i);
}

// A burst at one instant spans many chunks of every size; events pushed at
// that instant while it drains come after the whole burst.
TEST(EventQueueTest, BurstAtOneInstantKeepsInsertionOrderAcrossChunks) {
  constexpr uint64_t kBurst = 50'000;
  Queue queue(1'000'000);
  const int64_t at = 3 * kBlock + 17;  // in a bucket of the year, poured into a slot
  for (uint64_t i = 0; i < kBurst; ++i) ASSERT_TRUE(queue.Push(at, i));
  EXPECT_GT(queue.chunks_in_use(), queue_internal::ChunkPool::kClassCount);
  uint64_t expected = 0;
  while (!queue.empty()) {
    auto e = queue.Pop();
    ASSERT_EQ(e.at, at);
    ASSERT_EQ(e.payload, expected++);
    // The first half of the burst schedules as many events at the same instant.
    if (e.payload < kBurst / 2) {
      ASSERT_TRUE(queue.Push(at, kBurst + e.payload));
    }
  }
  EXPECT_EQ(expected, kBurst + kBurst / 2);
}

// One time reached three ways: pushed when it was beyond the year (the far
// heap), when it was in the year (a bucket), and when the clock was in its
// block (a slot). The three come out in push order, after an earlier time.
TEST(EventQueueTest, TiesKeepInsertionOrderWhicheverWayTheyCame) {
  Queue queue(100);
  const int64_t t = kYear + 5 * kBlock + 9;
  ASSERT_TRUE(queue.Push(t, 1));                // beyond the year
  ASSERT_EQ(queue.far_size(), 1u);
  ASSERT_TRUE(queue.Push(t - 3 * kBlock, 10));  // earlier, also beyond
  ASSERT_TRUE(queue.Push(t - 2 * kBlock, 11));
  EXPECT_EQ(queue.Pop().payload, 10u);          // the calendar moves on: t is in its year
  EXPECT_EQ(queue.far_size(), 0u);
  ASSERT_TRUE(queue.Push(t, 2));                // t in a bucket
  EXPECT_EQ(queue.Pop().payload, 11u);
  ASSERT_TRUE(queue.Push(t, 3));                // still in a bucket: not t's block yet
  ASSERT_TRUE(queue.Push(t - 1, 20));           // the clock reaches t's block first
  EXPECT_EQ(queue.Pop().payload, 20u);
  ASSERT_TRUE(queue.Push(t, 4));                // t in a slot
  ASSERT_TRUE(queue.Push(t + 1, 30));
  ASSERT_TRUE(queue.Push(t, 5));
  const auto rest = Drain(queue);
  EXPECT_EQ(rest, (std::vector<std::pair<int64_t, uint64_t>>{
                      {t, 1}, {t, 2}, {t, 3}, {t, 4}, {t, 5}, {t + 1, 30}}));
}

// Events years ahead wait in the far heap and come out in time order, ties
// in push order, with near events pushed in between.
TEST(EventQueueTest, FarFutureEventsBeyondTheYearComeOutInOrder) {
  Queue queue(1'000);
  const std::vector<int64_t> far_times = {3 * kYear + 1, kYear + kBlock, 7 * kYear, kYear + kBlock,
                                          3 * kYear + 1, 2 * kYear - 1, kYear + 1};
  for (size_t i = 0; i < far_times.size(); ++i) ASSERT_TRUE(queue.Push(far_times[i], i));
  EXPECT_EQ(queue.far_size(), far_times.size() - 1);  // kYear + 1 is in block 0's year
  EXPECT_EQ(queue.next(), kYear + 1);
  ASSERT_TRUE(queue.Push(5, 100));
  ASSERT_TRUE(queue.Push(kBlock * 2, 101));
  const auto order = Drain(queue);
  const std::vector<std::pair<int64_t, uint64_t>> expected = {
      {5, 100},           {2 * kBlock, 101},    {kYear + 1, 6},     {kYear + kBlock, 1},
      {kYear + kBlock, 3}, {2 * kYear - 1, 5},  {3 * kYear + 1, 0}, {3 * kYear + 1, 4},
      {7 * kYear, 2}};
  EXPECT_EQ(order, expected);
}

// With nothing near, AdvanceTo moves the calendar: a far event becomes near
// and keeps its place before a later push at the same time.
TEST(EventQueueTest, AdvanceFarAheadThenPushNear) {
  Queue queue(100);
  ASSERT_TRUE(queue.Push(10 * kYear + 7, 1));
  ASSERT_TRUE(queue.Push(20 * kYear, 2));
  queue.AdvanceTo(10 * kYear);
  EXPECT_EQ(queue.now(), 10 * kYear);
  EXPECT_EQ(queue.far_size(), 1u);  // 20 years is still beyond
  ASSERT_TRUE(queue.Push(10 * kYear + 7, 3));
  ASSERT_TRUE(queue.Push(10 * kYear, 4));
  const auto order = Drain(queue);
  EXPECT_EQ(order, (std::vector<std::pair<int64_t, uint64_t>>{
                       {10 * kYear, 4}, {10 * kYear + 7, 1}, {10 * kYear + 7, 3}, {20 * kYear, 2}}));
}

TEST(EventQueueTest, BoundRefusesExtraEvents) {
  EventQueue<int> queue(2);
  EXPECT_TRUE(queue.Push(1, 1));
  EXPECT_TRUE(queue.Push(kYear * 3, 2));  // far events count too
  EXPECT_FALSE(queue.Push(1, 3));
  EXPECT_FALSE(queue.Push(kYear * 5, 4));
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_EQ(queue.Pop().payload, 1);  // a refused push left nothing behind
  EXPECT_TRUE(queue.Push(2, 5));      // room again
  EXPECT_FALSE(queue.Push(2, 6));
  EXPECT_EQ(queue.Pop().payload, 5);
  EXPECT_EQ(queue.Pop().payload, 2);
  EXPECT_TRUE(queue.empty());
}

TEST(EventQueueTest, AdvanceMovesTheClockWithoutEvents) {
  EventQueue<int> queue(10);
  queue.AdvanceTo(50);
  EXPECT_EQ(queue.now(), 50);
  EXPECT_TRUE(queue.Push(50, 1));
}

// Chunks go back as buckets drain: half drained holds well under the peak,
// fully drained holds no chunk in use and at most the pool's reserve.
TEST(EventQueueTest, MemoryGoesBackAsBucketsDrain) {
  constexpr uint64_t kEvents = 400'000;
  Queue queue(kEvents);
  Rng rng(17);
  // Spread over the year: about a hundred events and four chunks a bucket.
  for (uint64_t i = 0; i < kEvents; ++i) {
    ASSERT_TRUE(queue.Push(static_cast<int64_t>(rng.UniformBelow(kYear)), i));
  }
  const size_t peak_chunks = queue.chunks_held();
  const size_t peak_bytes = queue.bytes_held();
  EXPECT_EQ(queue.far_size(), 0u);
  EXPECT_GE(peak_bytes, kEvents * 2 * sizeof(uint64_t));  // a time and a payload per event
  for (uint64_t i = 0; i < kEvents / 2; ++i) queue.Pop();
  EXPECT_LT(queue.chunks_in_use(), peak_chunks * 3 / 4);
  EXPECT_LT(queue.bytes_held(), peak_bytes * 3 / 4);
  while (!queue.empty()) queue.Pop();
  EXPECT_EQ(queue.chunks_in_use(), 0u);
  EXPECT_LE(queue.bytes_held(), queue_internal::ChunkPool::kReserveBytes);
  EXPECT_LT(queue.bytes_held(), peak_bytes / 4);
}

// The reference: a binary heap on (time, insertion sequence), the queue's
// order as it was before the calendar.
class ReferenceHeap {
 public:
  void Push(int64_t at, uint64_t payload) {
    heap_.push_back(Item{at, seq_++, payload});
    std::push_heap(heap_.begin(), heap_.end(), Later);
  }
  std::pair<int64_t, uint64_t> Pop() {
    std::pop_heap(heap_.begin(), heap_.end(), Later);
    const Item item = heap_.back();
    heap_.pop_back();
    return {item.at, item.payload};
  }
  int64_t next() const { return heap_.front().at; }
  size_t size() const { return heap_.size(); }

 private:
  struct Item {
    int64_t at;
    uint64_t seq;
    uint64_t payload;
  };
  static bool Later(const Item& a, const Item& b) {
    return a.at != b.at ? a.at > b.at : a.seq > b.seq;
  }
  std::vector<Item> heap_;
  uint64_t seq_ = 0;
};

// A delay from a mix like the world's: the same instant, microseconds,
// milliseconds, blocks, and now and then beyond the year.
int64_t DrawDelay(Rng& rng) {
  switch (rng.UniformBelow(8)) {
    case 0: return 0;
    case 1: return static_cast<int64_t>(rng.UniformBelow(4));
    case 2: return static_cast<int64_t>(rng.UniformBelow(1'000));
    case 3: return static_cast<int64_t>(rng.UniformBelow(4 * kBlock));
    case 4: return static_cast<int64_t>(rng.UniformBelow(kYear));
    case 5: return kYear - kBlock + static_cast<int64_t>(rng.UniformBelow(3 * kBlock));
    case 6: return static_cast<int64_t>(rng.UniformBelow(5 * kYear));
    default: return 1'000 * static_cast<int64_t>(rng.UniformBelow(20));
  }
}

// Random pushes, pops and clock moves, the same on the queue and the
// reference: every pop, next() and size() must agree.
TEST(EventQueueTest, MatchesAReferenceBinaryHeap) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE(seed);
    Rng rng(seed);
    // 30-50 % pushes: a queue that often runs dry of near events, up to one that grows.
    const uint64_t push_percent = 30 + 10 * (seed % 3);
    Queue queue(1'000'000);
    ReferenceHeap reference;
    uint64_t id = 0, pops = 0;
    for (int step = 0; step < 40'000; ++step) {
      const uint64_t op = rng.UniformBelow(100);
      if (op < push_percent || reference.size() == 0) {
        const int64_t at = queue.now() + DrawDelay(rng);
        ASSERT_TRUE(queue.Push(at, id));
        reference.Push(at, id++);
      } else if (op < 97) {
        const auto expected = reference.Pop();
        const auto e = queue.Pop();
        ASSERT_EQ(std::make_pair(e.at, e.payload), expected) << "pop " << pops;
        ++pops;
      } else {  // the clock moves part of the way to the next event
        const int64_t to = queue.now() + (reference.next() - queue.now()) / 2;
        queue.AdvanceTo(to);
      }
      ASSERT_EQ(queue.size(), reference.size());
      if (reference.size() != 0) {
        ASSERT_EQ(queue.next(), reference.next());
      }
    }
    while (reference.size() != 0) {
      const auto e = queue.Pop();
      ASSERT_EQ(std::make_pair(e.at, e.payload), reference.Pop());
    }
    EXPECT_TRUE(queue.empty());
    EXPECT_EQ(queue.chunks_in_use(), 0u);
  }
}

}  // namespace
}  // namespace discosim::world
