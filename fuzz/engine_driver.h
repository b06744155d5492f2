// A small deterministic world around the pure discovery engine, for the
// property tests and the engine fuzzer: a FIFO mailbox, virtual timers, at
// most one get_nodes call and one join task in flight, pings, callers, and a
// view of connected nodes that changes consistently (a nodeup only for a node
// that just connected, a nodedown only for one that just left). It carries out the engine's effects
// the way an Erlang runtime would and records what the world saw.
//
// The mailbox, the timers, self-sends and dropped checks are the engine
// runtime's (engine/runtime.h); the driver adds tasks, pings, callers, the
// view and virtual time. It does not use RapidCheck: the property tests
// generate `Action`s, feed them in, and check `StepRecord`s and
// `violations()`; the engine fuzzer decodes them from bytes
// (fuzz/engine_actions.h). It lives in fuzz/ so that the fuzz targets link
// no test folder.
//
// Usage:
//   DriverSetup setup;                        // config, tables, initial view
//   EngineDriver driver(setup, Delivery::kOnDemand, observer);
//   for (const Action& action : actions) driver.Apply(action);
//   driver.Quiesce();                         // finish everything in flight
//   EXPECT_TRUE(driver.violations().empty());
//
// Invariant kept by the driver itself: time never goes backwards; the engine
// is only handed a get_nodes result or a join result while it has one
// outstanding.
#ifndef DISCOSIM_FUZZ_ENGINE_DRIVER_H_
#define DISCOSIM_FUZZ_ENGINE_DRIVER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include "engine/engine.h"
#include "engine/runtime.h"
#include "engine/types.h"

namespace discosim::fuzz {

using engine::BackendState;
using engine::CallerId;
using engine::Config;
using engine::Effects;
using engine::JoinPair;
using engine::Message;
using engine::NodeName;
using engine::NodeSet;
using engine::State;
using engine::TableName;
using engine::TimeMs;
using engine::TimerId;

// Small pools, so that names collide and repeat. The local node is the first
// node of the pool, so get_nodes lists can name it.
inline constexpr int kNodePoolSize = 6;
inline constexpr int kTablePoolSize = 3;
// "n<i+1>@h<i+1>"; REQUIRES: 0 <= index < kNodePoolSize.
const NodeName& PoolNode(int index);
// "t<i+1>"; REQUIRES: 0 <= index < kTablePoolSize.
const TableName& PoolTable(int index);
const NodeName& LocalNode();

// The calls a generated caller can make.
enum class CallKind { kGetTables, kSystemInfo, kWaitForReady, kWaitForGetNodes, kUnknownCall };
const char* ToString(CallKind kind);

// What the world does next. Every action is valid in every world state: one
// that does not apply (finishing a call that is not running, connecting a
// node that is connected) does nothing, so shrunk sequences stay meaningful.
namespace act {
// Hand up to `count` mailbox messages to the engine (kOnDemand delivery).
struct Deliver {
  int count = 1;
};
// Move the clock forward; timers fire at their due time, in (due, id) order.
struct AdvanceTime {
  TimeMs delta_ms = 0;
};
// The outstanding get_nodes call returns: ok with the pool nodes listed in
// `nodes` (any order, repeats allowed) or an error.
struct FinishGetNodes {
  bool ok = true;
  std::vector<int> nodes;
  BackendState backend_state = 0;
};
// The outstanding join task returns one result per pair; two bits of
// `outcomes` per pair pick ok, already_joined, pid_not_found or ok.
struct FinishJoin {
  uint32_t outcomes = 0;
};
// The in-flight ping number `index` (modulo their count) answers. A pong from
// an unconnected node connects it first (the nodeup comes before the pong).
struct FinishPing {
  int index = 0;
  bool pong = false;
};
struct Connect {
  int node = 0;
};
struct Disconnect {
  int node = 0;
};
// Every connected pool node in the bit mask disconnects (a partition) or
// every unconnected one connects (healing).
struct Partition {
  uint32_t nodes = 0;
};
struct Heal {
  uint32_t nodes = 0;
};
// A fresh caller makes a call.
struct Call {
  CallKind kind = CallKind::kGetTables;
};
struct Cast {
  bool add = true;
  int table = 0;
};
// The discovery process of a peer sends its start time.
struct PeerStartTime {
  int node = 0;
  TimeMs start_time = 0;
};
// An unknown info message or cast (calls are CallKind::kUnknownCall).
struct Stray {
  bool cast = false;
};
// Someone sends `check` to the process (as CETS's own tests do).
struct ExternalCheck {};
}  // namespace act

struct Action {
  std::variant<act::Deliver, act::AdvanceTime, act::FinishGetNodes, act::FinishJoin,
               act::FinishPing, act::Connect, act::Disconnect, act::Partition, act::Heal,
               act::Call, act::Cast, act::PeerStartTime, act::Stray, act::ExternalCheck>
      what;
};
std::ostream& operator<<(std::ostream& os, const Action& action);

// Who put a message into the mailbox (kept for `check`s, to tell which ones a
// DropQueuedChecks swallowed).
enum class Sender {
  kWorld,     // the world: a call, a cast, a nodeup, a result, an external check
  kTimer,     // a timer fired
  kInit,      // init's check to self
  kNodeup,    // the check to self of a nodeup
  kAddTable,  // the check to self of an add_table
  kRetry,     // the immediate retry of a get_nodes result
};
const char* ToString(Sender sender);

struct DriverSetup {
  Config config;
  std::vector<TableName> tables;  // the `tables` option
  NodeSet connected;              // already connected at start (never the local node)
  TimeMs start_ms = 0;
  BackendState backend_state = 0;
};
std::ostream& operator<<(std::ostream& os, const DriverSetup& setup);

// One engine step, handed to the observer after the world carried out the
// effects (so `mailbox` already holds what the step sent to itself).
struct StepRecord {
  const State& before;
  const Message& message;
  TimeMs now_ms;
  const NodeSet& connected;  // the view the step ran with
  const Effects& effects;
  const State& after;
  const std::deque<Message>& mailbox;
  int live_check_timers;  // check timers started and neither fired nor cancelled
  const std::vector<Sender>& dropped_checks;  // who sent the checks this step dropped
};

// When mailbox messages reach the engine.
enum class Delivery {
  kOnDemand,   // only on act::Deliver (and Quiesce): any interleaving
  kImmediate,  // the mailbox is drained after every action and every timer
};

// What the world saw since the last TakeObserved().
struct Observed {
  std::vector<engine::Reply> replies;
  int get_nodes_started = 0;
  std::vector<std::vector<JoinPair>> joins_started;
  std::vector<TimeMs> check_timer_delays_ms;
  std::vector<NodeName> pings_started;
};

class EngineDriver {
 public:
  using Observer = std::function<void(const StepRecord&)>;

  // Runs Init at setup.start_ms and carries out its effects.
  EngineDriver(const DriverSetup& setup, Delivery delivery, Observer observer = {});

  void Apply(const Action& action);
  // Hands the next mailbox message to the engine; false if the mailbox is empty.
  bool DeliverOne();
  // Delivers everything and finishes every get_nodes call (ok with the last
  // good list), join task (all ok) and ping (pang) until nothing is in flight
  // and the mailbox is empty. Timers do not fire. Bounded: a run that does not
  // settle is a violation.
  void Quiesce();

  Observed TakeObserved();

  const State& state() const { return state_; }
  const NodeSet& connected() const { return connected_; }
  TimeMs now_ms() const { return now_ms_; }
  const std::deque<Message>& mailbox() const { return runtime_.mailbox(); }
  bool get_nodes_outstanding() const { return get_nodes_.outstanding; }
  bool join_outstanding() const { return join_.outstanding; }
  // Callers that have not been answered yet, with what they called.
  const std::map<CallerId, CallKind>& waiting_callers() const { return calls_; }
  // Broken world-visible rules: a second get_nodes call or join task while
  // one is outstanding, a reply to a caller that is not waiting or of the
  // wrong kind, an immediate call left unanswered, a run that does not settle.
  const std::vector<std::string>& violations() const { return violations_; }
  // Every world action and engine step so far, one line each.
  std::string Trace() const;

 private:
  struct Task {
    bool outstanding = false;  // started and its result not yet handled
    bool result_queued = false;
    std::vector<JoinPair> pairs;  // join tasks only
  };
  void CarryOut(const Effects& effects, const Message* handled);
  void CarryOutForHost(const engine::Effect& effect);
  void StartTimer(const engine::StartTimer& start);
  void Reply(const engine::Reply& reply);
  void Enqueue(Message message, Sender sender = Sender::kWorld);
  void NoteDropped();
  void NoteStep(const Message& message, const Effects& effects);
  void DrainIfImmediate();
  void AdvanceTo(TimeMs target_ms);
  void ConnectNode(const NodeName& node);
  void DisconnectNode(const NodeName& node);
  void FinishGetNodes(engine::GetNodesResult result, BackendState backend_state);
  void FinishJoin(uint32_t outcomes);
  void FinishPing(size_t index, bool pong);
  void MakeCall(CallKind kind);
  void Violation(std::string what);
  void Note(std::string line);
  int LiveCheckTimers() const;

  State state_;
  Delivery delivery_;
  Observer observer_;
  NodeSet connected_;
  TimeMs now_ms_ = 0;
  engine::Runtime runtime_;  // the mailbox (origins are Senders) and the timers
  std::vector<Sender> dropped_checks_;  // during the current step
  Task get_nodes_;
  Task join_;
  std::vector<NodeName> pings_;
  std::map<CallerId, CallKind> calls_;
  CallerId next_caller_ = 1;
  Observed observed_;
  std::vector<std::string> violations_;
  std::vector<std::string> trace_;
};

}  // namespace discosim::fuzz

#endif  // DISCOSIM_FUZZ_ENGINE_DRIVER_H_
