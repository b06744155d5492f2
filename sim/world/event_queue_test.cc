// The event queue runs events in time order, same-time events in insertion
// order, moves the clock with them, and refuses events past its bound.
#include "sim/world/event_queue.h"

#include "gtest/gtest.h"

namespace discosim::world {
namespace {

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

TEST(EventQueueTest, BoundRefusesExtraEvents) {
  EventQueue<int> queue(2);
  EXPECT_TRUE(queue.Push(1, 1));
  EXPECT_TRUE(queue.Push(1, 2));
  EXPECT_FALSE(queue.Push(1, 3));
  EXPECT_EQ(queue.size(), 2u);
}

TEST(EventQueueTest, AdvanceMovesTheClockWithoutEvents) {
  EventQueue<int> queue(10);
  queue.AdvanceTo(50);
  EXPECT_EQ(queue.now(), 50);
  EXPECT_TRUE(queue.Push(50, 1));
}

}  // namespace
}  // namespace discosim::world
