// The engine runtime (engine/runtime.h) against a tiny model under random
// operations, and one test per rule: FIFO with self-sends at the back,
// DropQueuedChecks removes only queued checks, a cancelled timer never fires,
// a full mailbox queues nothing.
#include "engine/runtime.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace discosim::engine {
namespace {

// A model entry: the message as Erlang prints it, and its origin.
using Entry = std::pair<std::string, Origin>;

// The reference: a std::deque and a std::map, the rules written as plainly
// as possible.
struct Model {
  size_t mailbox_max = 0;
  std::deque<Entry> mailbox;
  std::map<TimerId, std::string> timers;

  bool Post(std::string message, Origin origin) {
    if (mailbox.size() >= mailbox_max) return false;
    mailbox.emplace_back(std::move(message), origin);
    return true;
  }
};

// splitmix64: a fixed sequence, so a failure replays.
struct Draws {
  uint64_t state = 0;
  uint64_t Below(uint64_t n) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return (z ^ (z >> 31)) % n;
  }
};

Message DrawMessage(Draws& draws) {
  switch (draws.Below(3)) {
    case 0:
      return Check{};
    case 1:
      return Nodeup{"n" + std::to_string(draws.Below(3)) + "@h"};
    default:
      return EnterRegularPhase{};
  }
}

std::vector<Entry> Contents(const Runtime& runtime) {
  std::vector<Entry> out;
  for (size_t i = 0; i < runtime.size(); ++i) {
    out.emplace_back(Describe(runtime.mailbox()[i]), runtime.origins()[i]);
  }
  return out;
}

// One random operation on both; checks the answers agree.
void RandomOperation(Draws& draws, Runtime& runtime, Model& model, TimeMs now_ms) {
  const Origin origin = static_cast<Origin>(draws.Below(4));
  const TimerId timer = 1 + draws.Below(4);
  const Message message = DrawMessage(draws);
  switch (draws.Below(8)) {
    case 0:
      EXPECT_EQ(runtime.Post(message, origin) == Delivered::kQueued,
                model.Post(Describe(message), origin));
      break;
    case 1: {
      const Carried carried = runtime.Carry(SendToSelf{message}, now_ms, origin);
      EXPECT_EQ(carried.kind == Carried::Kind::kQueued, model.Post(Describe(message), origin));
      break;
    }
    case 2: {
      if (runtime.empty()) break;
      const Queued next = runtime.Pop();
      EXPECT_EQ(Entry(Describe(next.message), next.origin), model.mailbox.front());
      model.mailbox.pop_front();
      break;
    }
    case 3: {
      const Carried carried = runtime.Carry(DropQueuedChecks{}, now_ms);
      std::vector<Origin> dropped;
      std::erase_if(model.mailbox, [&](const Entry& entry) {
        if (entry.first != "check") return false;
        dropped.push_back(entry.second);
        return true;
      });
      EXPECT_EQ(carried.kind, Carried::Kind::kChecksDropped);
      EXPECT_EQ(carried.dropped_origins, dropped);
      break;
    }
    case 4: {
      const TimeMs delay_ms = static_cast<TimeMs>(draws.Below(100));
      const Carried carried = runtime.Carry(StartTimer{timer, delay_ms, message}, now_ms);
      model.timers[timer] = Describe(message);
      EXPECT_EQ(carried.kind, Carried::Kind::kTimerStarted);
      EXPECT_EQ(carried.timer, timer);
      EXPECT_EQ(carried.delay_ms, delay_ms);
      EXPECT_EQ(runtime.timers().at(timer).started_ms, now_ms);
      break;
    }
    case 5:
      EXPECT_EQ(runtime.Carry(CancelTimer{timer}, now_ms).kind, Carried::Kind::kTimerCancelled);
      model.timers.erase(timer);
      break;
    case 6: {
      const Delivered delivered = runtime.FireTimer(timer, origin);
      auto it = model.timers.find(timer);
      if (it == model.timers.end()) {
        EXPECT_EQ(delivered, Delivered::kNotPending);
        break;
      }
      EXPECT_EQ(delivered == Delivered::kQueued, model.Post(it->second, origin));
      model.timers.erase(it);
      break;
    }
    default:
      EXPECT_EQ(runtime.Carry(StartPing{"b@h2"}, now_ms).kind, Carried::Kind::kForHost);
      break;
  }
}

TEST(RuntimeTest, AgreesWithADequeModelUnderRandomOperations) {
  // Every operation, in any order, leaves the runtime's mailbox, origins and
  // timers equal to those of a deque-and-map model.
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    Draws draws{seed};
    Runtime runtime(/*mailbox_max=*/6);
    Model model{6, {}, {}};
    for (TimeMs now_ms = 0; now_ms < 400; ++now_ms) {
      RandomOperation(draws, runtime, model, now_ms);
      ASSERT_EQ(Contents(runtime), std::vector<Entry>(model.mailbox.begin(), model.mailbox.end()))
          << "seed " << seed << " at step " << now_ms;
      std::map<TimerId, std::string> timers;
      for (const auto& [id, pending] : runtime.timers()) timers[id] = Describe(pending.message);
      ASSERT_EQ(timers, model.timers) << "seed " << seed << " at step " << now_ms;
    }
  }
}

TEST(RuntimeTest, SelfSendGoesToTheBack) {
  // A message the engine sends itself queues behind everything already there.
  Runtime runtime;
  runtime.Post(Nodeup{"b@h2"}, 1);
  runtime.Post(AddTable{"t"}, 2);
  EXPECT_EQ(runtime.Carry(SendToSelf{Check{}}, 0, 3).kind, Carried::Kind::kQueued);
  ASSERT_EQ(runtime.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<Nodeup>(runtime.Pop().message));
  EXPECT_TRUE(std::holds_alternative<AddTable>(runtime.Pop().message));
  const Queued last = runtime.Pop();
  EXPECT_TRUE(std::holds_alternative<Check>(last.message));
  EXPECT_EQ(last.origin, 3u);
}

TEST(RuntimeTest, DropQueuedChecksRemovesOnlyQueuedChecks) {
  // Only queued checks go; the others keep their order, and a check still in
  // a pending timer survives.
  Runtime runtime;
  runtime.Post(Check{}, 1);
  runtime.Post(GetTablesCall{7}, 2);
  runtime.Post(Check{}, 3);
  runtime.Post(DeleteTable{"t"}, 4);
  runtime.Carry(StartTimer{9, 100, Check{}}, 0);
  const Carried carried = runtime.Carry(DropQueuedChecks{}, 0);
  EXPECT_EQ(carried.dropped_origins, (std::vector<Origin>{1, 3}));
  ASSERT_EQ(runtime.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<GetTablesCall>(runtime.mailbox()[0]));
  EXPECT_TRUE(std::holds_alternative<DeleteTable>(runtime.mailbox()[1]));
  EXPECT_EQ(runtime.origins(), (std::deque<Origin>{2, 4}));
  EXPECT_EQ(runtime.FireTimer(9), Delivered::kQueued);
  EXPECT_TRUE(std::holds_alternative<Check>(runtime.mailbox().back()));
}

TEST(RuntimeTest, CancelledTimerNeverFires) {
  // A cancelled timer queues nothing when its fire comes; a fired one fires once.
  Runtime runtime;
  const Carried started = runtime.Carry(StartTimer{1, 500, Check{}}, 100);
  EXPECT_EQ(started.kind, Carried::Kind::kTimerStarted);
  EXPECT_EQ(started.delay_ms, 500);
  runtime.Carry(StartTimer{2, 700, EnterRegularPhase{}}, 100);
  EXPECT_TRUE(runtime.empty());
  runtime.Carry(CancelTimer{1}, 200);
  runtime.Carry(CancelTimer{42}, 200);  // never started: nothing happens
  EXPECT_EQ(runtime.FireTimer(1), Delivered::kNotPending);
  EXPECT_TRUE(runtime.empty());
  EXPECT_EQ(runtime.FireTimer(2), Delivered::kQueued);
  EXPECT_EQ(runtime.FireTimer(2), Delivered::kNotPending);
  ASSERT_EQ(runtime.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<EnterRegularPhase>(runtime.mailbox()[0]));
}

TEST(RuntimeTest, FullMailboxQueuesNothing) {
  // At mailbox_max, a post, a self-send and a timer fire queue nothing (the
  // timer is gone all the same).
  Runtime runtime(/*mailbox_max=*/1);
  EXPECT_EQ(runtime.Post(Check{}), Delivered::kQueued);
  EXPECT_EQ(runtime.Post(Check{}), Delivered::kMailboxFull);
  EXPECT_EQ(runtime.Carry(SendToSelf{Check{}}, 0).kind, Carried::Kind::kMailboxFull);
  runtime.Carry(StartTimer{1, 0, Check{}}, 0);
  EXPECT_EQ(runtime.FireTimer(1), Delivered::kMailboxFull);
  EXPECT_TRUE(runtime.timers().empty());
  EXPECT_EQ(runtime.size(), 1u);
}

TEST(RuntimeTest, ClearForgetsMailboxAndTimers) {
  // A stopped process keeps nothing: no message, and no timer can fire.
  Runtime runtime;
  runtime.Post(Check{});
  runtime.Carry(StartTimer{1, 10, Check{}}, 0);
  runtime.Clear();
  EXPECT_TRUE(runtime.empty());
  EXPECT_EQ(runtime.FireTimer(1), Delivered::kNotPending);
}

}  // namespace
}  // namespace discosim::engine
