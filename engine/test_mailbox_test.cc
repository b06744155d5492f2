// The mailbox model of engine/test_mailbox.h, checked on its own so that the
// interleaving tests in engine_test.cc stand on a model that is known to be
// FIFO, drops only checks, and fires timers only when told.
#include "engine/test_mailbox.h"

#include <gtest/gtest.h>

#include <variant>

namespace discosim::engine::test {
namespace {

TEST(TestMailboxTest, PostedAndSelfSentMessagesQueueInFifoOrder) {
  // Posted messages and SendToSelf effects join the back of one FIFO queue.
  TestMailbox mailbox;
  mailbox.Post(Nodeup{"b@h2"});
  mailbox.Apply({SendToSelf{Check{}}, SendToSelf{EnterRegularPhase{}}}, 0);
  mailbox.Post(AddTable{"t"});
  ASSERT_EQ(mailbox.queue().size(), 4u);
  EXPECT_TRUE(std::holds_alternative<Nodeup>(mailbox.queue()[0]));
  EXPECT_TRUE(std::holds_alternative<Check>(mailbox.queue()[1]));
  EXPECT_TRUE(std::holds_alternative<EnterRegularPhase>(mailbox.queue()[2]));
  EXPECT_TRUE(std::holds_alternative<AddTable>(mailbox.queue()[3]));
}

TEST(TestMailboxTest, DropQueuedChecksRemovesOnlyChecks) {
  // DropQueuedChecks removes every queued Check and keeps the rest in order.
  TestMailbox mailbox;
  mailbox.Post(Check{});
  mailbox.Post(GetTablesCall{1});
  mailbox.Post(Check{});
  mailbox.Post(DeleteTable{"t"});
  mailbox.Apply({DropQueuedChecks{}}, 0);
  ASSERT_EQ(mailbox.queue().size(), 2u);
  EXPECT_EQ(mailbox.CountQueued<Check>(), 0u);
  EXPECT_TRUE(std::holds_alternative<GetTablesCall>(mailbox.queue()[0]));
  EXPECT_TRUE(std::holds_alternative<DeleteTable>(mailbox.queue()[1]));
}

TEST(TestMailboxTest, TimersFireOnlyWhenToldAndNotAfterCancel) {
  // A started timer queues nothing until fired; a cancelled or fired timer cannot fire.
  TestMailbox mailbox;
  mailbox.Apply({StartTimer{1, 500, Check{}}, StartTimer{2, 700, EnterRegularPhase{}}}, 100);
  EXPECT_TRUE(mailbox.empty());
  ASSERT_TRUE(mailbox.timers().contains(1));
  EXPECT_EQ(mailbox.timers().at(1).started_ms, 100);
  EXPECT_EQ(mailbox.timers().at(1).delay_ms, 500);
  mailbox.Apply({CancelTimer{1}, CancelTimer{42}}, 200);
  EXPECT_FALSE(mailbox.FireTimer(1));
  EXPECT_TRUE(mailbox.FireTimer(2));
  EXPECT_FALSE(mailbox.FireTimer(2));
  ASSERT_EQ(mailbox.queue().size(), 1u);
  EXPECT_TRUE(std::holds_alternative<EnterRegularPhase>(mailbox.queue()[0]));
}

TEST(TestMailboxTest, RunToEmptyStepsTheEngineThroughSelfSentMessages) {
  // RunToEmpty handles queued messages, including ones the engine sends itself, until none is left.
  const NodeName self = "a@h1";
  const NodeSet connected;
  const View view{self, connected};
  State state;
  Effects init;
  Init(state, Options{}, 0, view, init);
  TestMailbox mailbox;
  mailbox.Apply(init, 0);
  mailbox.Post(AddTable{"t"});  // queues a second check behind the first
  const Effects effects = mailbox.RunToEmpty(state, 0, view);
  EXPECT_TRUE(mailbox.empty());
  size_t get_nodes = 0;
  for (const Effect& e : effects) get_nodes += std::holds_alternative<StartGetNodes>(e) ? 1 : 0;
  EXPECT_EQ(get_nodes, 1u);  // the second check found get_nodes running
  EXPECT_TRUE(state.should_retry_get_nodes);
}

}  // namespace
}  // namespace discosim::engine::test
