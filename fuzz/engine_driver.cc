// The mailbox world around the engine: see engine_driver.h.
#include "fuzz/engine_driver.h"

#include "engine/overloaded.h"

#include <algorithm>
#include <array>
#include <sstream>
#include <type_traits>
#include <utility>

namespace discosim::fuzz {
namespace {

namespace e = ::discosim::engine;


// Bounds: a run that needs more than this is a bug in the engine or the test.
constexpr int kSettleStepsMax = 20'000;
constexpr size_t kMailboxMax = 10'000;
constexpr size_t kTraceLinesMax = 4'000;

std::string NodeMask(uint32_t mask) {
  std::string out = "{";
  bool first = true;
  for (int i = 0; i < kNodePoolSize; ++i) {
    if ((mask >> i & 1U) == 0) continue;
    if (!first) out += ",";
    out += PoolNode(i);
    first = false;
  }
  return out + "}";
}

bool IsCheck(const Message& message) { return std::holds_alternative<e::Check>(message); }

// Whether `value` is the reply a caller of `kind` expects.
bool ReplyFits(CallKind kind, const e::ReplyValue& value) {
  switch (kind) {
    case CallKind::kGetTables:
      return std::holds_alternative<e::ReplyTables>(value);
    case CallKind::kSystemInfo:
      return std::holds_alternative<e::SystemInfo>(value);
    case CallKind::kWaitForReady:
    case CallKind::kWaitForGetNodes:
      return std::holds_alternative<e::ReplyOk>(value);
    case CallKind::kUnknownCall:
      return std::holds_alternative<e::ReplyUnexpectedCall>(value);
  }
  return false;
}

// Who a check to self comes from, by the message whose step sent it.
Sender SelfSender(const Message* handled) {
  if (handled == nullptr) return Sender::kInit;
  if (std::holds_alternative<e::Nodeup>(*handled)) return Sender::kNodeup;
  if (std::holds_alternative<e::AddTable>(*handled)) return Sender::kAddTable;
  if (std::holds_alternative<e::GetNodesDone>(*handled)) return Sender::kRetry;
  return Sender::kWorld;
}

// The caller of a call that must be answered in the step that handles it.
std::optional<CallerId> ImmediateCaller(const Message& message) {
  if (const auto* m = std::get_if<e::GetTablesCall>(&message)) return m->caller;
  if (const auto* m = std::get_if<e::SystemInfoCall>(&message)) return m->caller;
  if (const auto* m = std::get_if<e::UnknownMessage>(&message)) {
    if (m->kind == e::UnknownMessage::Kind::kCall) return m->caller;
  }
  return std::nullopt;
}

}  // namespace

const NodeName& PoolNode(int index) {
  static const auto* const kNodes = [] {
    auto* nodes = new std::array<NodeName, kNodePoolSize>;
    for (int i = 0; i < kNodePoolSize; ++i) {
      (*nodes)[i] = "n" + std::to_string(i + 1) + "@h" + std::to_string(i + 1);
    }
    return nodes;
  }();
  return kNodes->at(static_cast<size_t>(index));
}

const TableName& PoolTable(int index) {
  static const auto* const kTables = new std::array<TableName, kTablePoolSize>{"t1", "t2", "t3"};
  return kTables->at(static_cast<size_t>(index));
}

const NodeName& LocalNode() { return PoolNode(0); }

const char* ToString(CallKind kind) {
  switch (kind) {
    case CallKind::kGetTables:
      return "get_tables";
    case CallKind::kSystemInfo:
      return "system_info";
    case CallKind::kWaitForReady:
      return "wait_for_ready";
    case CallKind::kWaitForGetNodes:
      return "wait_for_get_nodes";
    case CallKind::kUnknownCall:
      return "unknown_call";
  }
  return "?";
}

const char* ToString(Sender sender) {
  switch (sender) {
    case Sender::kWorld:
      return "world";
    case Sender::kTimer:
      return "timer";
    case Sender::kInit:
      return "init";
    case Sender::kNodeup:
      return "nodeup";
    case Sender::kAddTable:
      return "add_table";
    case Sender::kRetry:
      return "retry";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& os, const Action& action) {
  std::visit(
      Overloaded{
          [&](const act::Deliver& a) { os << "Deliver(" << a.count << ")"; },
          [&](const act::AdvanceTime& a) { os << "AdvanceTime(" << a.delta_ms << "ms)"; },
          [&](const act::FinishGetNodes& a) {
            os << "FinishGetNodes(";
            if (a.ok) {
              os << "ok [";
              for (size_t i = 0; i < a.nodes.size(); ++i) {
                os << (i > 0 ? "," : "") << PoolNode(a.nodes[i]);
              }
              os << "]";
            } else {
              os << "error";
            }
            os << ", backend=" << a.backend_state << ")";
          },
          [&](const act::FinishJoin& a) { os << "FinishJoin(outcomes=" << a.outcomes << ")"; },
          [&](const act::FinishPing& a) {
            os << "FinishPing(#" << a.index << ", " << (a.pong ? "pong" : "pang") << ")";
          },
          [&](const act::Connect& a) { os << "Connect(" << PoolNode(a.node) << ")"; },
          [&](const act::Disconnect& a) { os << "Disconnect(" << PoolNode(a.node) << ")"; },
          [&](const act::Partition& a) { os << "Partition" << NodeMask(a.nodes); },
          [&](const act::Heal& a) { os << "Heal" << NodeMask(a.nodes); },
          [&](const act::Call& a) { os << "Call(" << ToString(a.kind) << ")"; },
          [&](const act::Cast& a) {
            os << (a.add ? "AddTable(" : "DeleteTable(") << PoolTable(a.table) << ")";
          },
          [&](const act::PeerStartTime& a) {
            os << "PeerStartTime(" << PoolNode(a.node) << ", " << a.start_time << ")";
          },
          [&](const act::Stray& a) { os << (a.cast ? "StrayCast" : "StrayInfo"); },
          [&](const act::ExternalCheck&) { os << "ExternalCheck"; },
      },
      action.what);
  return os;
}

std::ostream& operator<<(std::ostream& os, const DriverSetup& setup) {
  const Config& c = setup.config;
  os << "{intervals_ms: initial=" << c.initial_interval_ms
     << " after_error=" << c.after_error_interval_ms << " regular=" << c.regular_interval_ms
     << " after_nodedown=" << c.after_nodedown_interval_ms
     << " enter_regular_phase=" << c.enter_regular_phase_ms << "; tables=[";
  for (size_t i = 0; i < setup.tables.size(); ++i) os << (i > 0 ? "," : "") << setup.tables[i];
  os << "]; connected={";
  bool first = true;
  for (const NodeName& node : setup.connected) {
    os << (first ? "" : ",") << node;
    first = false;
  }
  return os << "}; start_ms=" << setup.start_ms << "; backend=" << setup.backend_state << "}";
}

EngineDriver::EngineDriver(const DriverSetup& setup, Delivery delivery, Observer observer)
    : delivery_(delivery),
      observer_(std::move(observer)),
      now_ms_(setup.start_ms),
      runtime_(kMailboxMax) {
  for (const NodeName& node : setup.connected) {
    if (node != LocalNode()) connected_.insert(node);
  }
  e::Options options;
  options.tables = setup.tables;
  options.backend_state = setup.backend_state;
  options.config = setup.config;
  Effects effects;
  e::Init(state_, options, now_ms_, e::View{LocalNode(), connected_}, effects);
  Note("t=" + std::to_string(now_ms_) + " init");
  CarryOut(effects, nullptr);
  DrainIfImmediate();
}

void EngineDriver::Apply(const Action& action) {
  std::ostringstream line;
  line << "t=" << now_ms_ << " world: " << action;
  Note(line.str());
  std::visit(
      Overloaded{
          [&](const act::Deliver& a) {
            if (delivery_ != Delivery::kOnDemand) return;
            for (int i = 0; i < a.count && DeliverOne(); ++i) {
            }
          },
          [&](const act::AdvanceTime& a) { AdvanceTo(now_ms_ + std::max<TimeMs>(a.delta_ms, 0)); },
          [&](const act::FinishGetNodes& a) {
            if (!a.ok) {
              FinishGetNodes(e::GetNodesResult::Error("timeout"), a.backend_state);
              return;
            }
            std::vector<NodeName> nodes;
            for (int index : a.nodes) nodes.push_back(PoolNode(index));
            FinishGetNodes(e::GetNodesResult::Ok(std::move(nodes)), a.backend_state);
          },
          [&](const act::FinishJoin& a) { FinishJoin(a.outcomes); },
          [&](const act::FinishPing& a) {
            if (!pings_.empty()) FinishPing(static_cast<size_t>(a.index) % pings_.size(), a.pong);
          },
          [&](const act::Connect& a) { ConnectNode(PoolNode(a.node)); },
          [&](const act::Disconnect& a) { DisconnectNode(PoolNode(a.node)); },
          [&](const act::Partition& a) {
            for (int i = 0; i < kNodePoolSize; ++i) {
              if ((a.nodes >> i & 1U) != 0) DisconnectNode(PoolNode(i));
            }
          },
          [&](const act::Heal& a) {
            for (int i = 0; i < kNodePoolSize; ++i) {
              if ((a.nodes >> i & 1U) != 0) ConnectNode(PoolNode(i));
            }
          },
          [&](const act::Call& a) { MakeCall(a.kind); },
          [&](const act::Cast& a) {
            if (a.add) {
              Enqueue(e::AddTable{PoolTable(a.table)});
            } else {
              Enqueue(e::DeleteTable{PoolTable(a.table)});
            }
          },
          [&](const act::PeerStartTime& a) {
            Enqueue(e::StartTimeMsg{PoolNode(a.node), a.start_time});
          },
          [&](const act::Stray& a) {
            Enqueue(e::UnknownMessage{
                a.cast ? e::UnknownMessage::Kind::kCast : e::UnknownMessage::Kind::kInfo,
                a.cast ? "{bogus_cast}" : "bogus_info", 0});
          },
          [&](const act::ExternalCheck&) { Enqueue(e::Check{}); },
      },
      action.what);
  DrainIfImmediate();
}

bool EngineDriver::DeliverOne() {
  if (runtime_.empty()) return false;
  const Message message = runtime_.Pop().message;
  dropped_checks_.clear();
  const State before = state_;
  Effects effects;
  e::Step(state_, message, now_ms_, e::View{LocalNode(), connected_}, effects);
  // A handled result ends its task before the effects run: the same step may
  // legitimately start the next one (a join retry does).
  if (std::holds_alternative<e::GetNodesDone>(message)) get_nodes_ = Task{};
  if (std::holds_alternative<e::JoiningFinished>(message)) join_ = Task{};
  NoteStep(message, effects);
  CarryOut(effects, &message);
  if (observer_) {
    observer_(StepRecord{before, message, now_ms_, connected_, effects, state_,
                         runtime_.mailbox(), LiveCheckTimers(), dropped_checks_});
  }
  return true;
}

void EngineDriver::NoteStep(const Message& message, const Effects& effects) {
  std::string line = "t=" + std::to_string(now_ms_) + " engine: " + e::Describe(message) + " ->";
  int logs = 0;
  for (const e::Effect& effect : effects) {
    if (std::holds_alternative<e::Log>(effect)) {
      ++logs;
    } else {
      line += " [" + e::Describe(effect) + "]";
    }
  }
  if (logs > 0) line += " +" + std::to_string(logs) + " log";
  Note(std::move(line));
}

void EngineDriver::Quiesce() {
  Note("t=" + std::to_string(now_ms_) + " world: quiesce");
  for (int i = 0; i < kSettleStepsMax; ++i) {
    if (DeliverOne()) continue;
    if (get_nodes_.outstanding && !get_nodes_.result_queued) {
      FinishGetNodes(e::GetNodesResult::Ok({state_.nodes.begin(), state_.nodes.end()}),
                     state_.backend_state);
    } else if (join_.outstanding && !join_.result_queued) {
      FinishJoin(0);
    } else if (!pings_.empty()) {
      FinishPing(0, /*pong=*/false);
    } else {
      return;
    }
  }
  Violation("the world did not settle within " + std::to_string(kSettleStepsMax) + " steps");
}

Observed EngineDriver::TakeObserved() { return std::exchange(observed_, Observed{}); }

std::string EngineDriver::Trace() const {
  std::string out;
  for (const std::string& line : trace_) out += line + "\n";
  return out;
}

void EngineDriver::CarryOut(const Effects& effects, const Message* handled) {
  const e::Origin self_origin = static_cast<e::Origin>(SelfSender(handled));
  for (const e::Effect& effect : effects) {
    if (const auto* start = std::get_if<e::StartTimer>(&effect)) StartTimer(*start);
    const e::Carried carried = runtime_.Carry(effect, now_ms_, self_origin);
    switch (carried.kind) {
      case e::Carried::Kind::kForHost:
        CarryOutForHost(effect);
        break;
      case e::Carried::Kind::kMailboxFull:
        Violation("mailbox overflow");
        break;
      case e::Carried::Kind::kChecksDropped:
        for (e::Origin origin : carried.dropped_origins) {
          dropped_checks_.push_back(static_cast<Sender>(origin));
        }
        NoteDropped();
        break;
      case e::Carried::Kind::kQueued:
      case e::Carried::Kind::kTimerStarted:
      case e::Carried::Kind::kTimerCancelled:
        break;
    }
  }
  if (handled == nullptr) return;
  if (auto caller = ImmediateCaller(*handled); caller && calls_.contains(*caller)) {
    Violation("call #" + std::to_string(*caller) + " was not answered when handled");
  }
}

// What the driver checks and records of a timer, before the runtime starts it.
void EngineDriver::StartTimer(const e::StartTimer& start) {
  if (runtime_.timers().contains(start.timer)) Violation("timer id reused while live");
  if (start.delay_ms < 0) Violation("negative timer delay");
  if (IsCheck(start.message)) observed_.check_timer_delays_ms.push_back(start.delay_ms);
}

void EngineDriver::CarryOutForHost(const e::Effect& effect) {
  std::visit(Overloaded{
                 [&](const e::StartGetNodes&) {
                   if (get_nodes_.outstanding) {
                     Violation("StartGetNodes while a get_nodes call is outstanding");
                   }
                   get_nodes_ = Task{true, false, {}};
                   ++observed_.get_nodes_started;
                 },
                 [&](const e::StartPing& s) {
                   pings_.push_back(s.node);
                   observed_.pings_started.push_back(s.node);
                 },
                 [&](const e::StartJoinTask& s) {
                   if (join_.outstanding) {
                     Violation("StartJoinTask while a join task is outstanding");
                   }
                   join_ = Task{true, false, s.pairs};
                   observed_.joins_started.push_back(s.pairs);
                 },
                 [&](const e::Reply& r) { Reply(r); },
                 [](const auto&) {},  // start_time sends and logs: nothing to check
             },
             effect);
}

void EngineDriver::Reply(const e::Reply& reply) {
  auto it = calls_.find(reply.caller);
  if (it == calls_.end()) {
    Violation("reply to caller #" + std::to_string(reply.caller) +
              " that is not waiting (answered twice, or never called)");
  } else {
    if (!ReplyFits(it->second, reply.value)) {
      Violation("reply of the wrong kind to a " + std::string(ToString(it->second)) + " caller");
    }
    calls_.erase(it);
  }
  observed_.replies.push_back(reply);
}

void EngineDriver::Enqueue(Message message, Sender sender) {
  if (runtime_.Post(std::move(message), static_cast<e::Origin>(sender)) !=
      e::Delivered::kQueued) {
    Violation("mailbox overflow");
  }
}

void EngineDriver::NoteDropped() {
  if (dropped_checks_.empty()) return;
  std::string line = "  dropped queued checks from:";
  for (Sender sender : dropped_checks_) line += std::string(" ") + ToString(sender);
  Note(std::move(line));
}

void EngineDriver::DrainIfImmediate() {
  if (delivery_ != Delivery::kImmediate) return;
  for (int i = 0; i < kSettleStepsMax; ++i) {
    if (!DeliverOne()) return;
  }
  Violation("the mailbox did not drain within " + std::to_string(kSettleStepsMax) + " steps");
}

void EngineDriver::AdvanceTo(TimeMs target_ms) {
  while (true) {
    // The earliest due timer at or before target_ms; ties go to the lowest id.
    std::optional<TimerId> next;
    TimeMs next_due_ms = 0;
    for (const auto& [id, pending] : runtime_.timers()) {
      const TimeMs due_ms = pending.started_ms + std::max<TimeMs>(pending.delay_ms, 0);
      if (due_ms > target_ms) continue;
      if (!next.has_value() || due_ms < next_due_ms) {
        next = id;
        next_due_ms = due_ms;
      }
    }
    if (!next.has_value()) break;
    now_ms_ = std::max(now_ms_, next_due_ms);
    Note("t=" + std::to_string(now_ms_) + " timer #" + std::to_string(*next) +
         " fires: " + e::Describe(runtime_.timers().at(*next).message));
    if (runtime_.FireTimer(*next, static_cast<e::Origin>(Sender::kTimer)) !=
        e::Delivered::kQueued) {
      Violation("mailbox overflow");
    }
    DrainIfImmediate();
  }
  now_ms_ = std::max(now_ms_, target_ms);
}

void EngineDriver::ConnectNode(const NodeName& node) {
  if (node == LocalNode() || connected_.contains(node)) return;
  connected_.insert(node);
  Enqueue(e::Nodeup{node});
}

void EngineDriver::DisconnectNode(const NodeName& node) {
  if (connected_.erase(node) == 0) return;
  Enqueue(e::Nodedown{node});
}

void EngineDriver::FinishGetNodes(e::GetNodesResult result, BackendState backend_state) {
  if (!get_nodes_.outstanding || get_nodes_.result_queued) return;
  get_nodes_.result_queued = true;
  Enqueue(e::GetNodesDone{std::move(result), backend_state});
}

void EngineDriver::FinishJoin(uint32_t outcomes) {
  if (!join_.outstanding || join_.result_queued) return;
  join_.result_queued = true;
  std::vector<e::JoinResult> results;
  for (size_t i = 0; i < join_.pairs.size(); ++i) {
    const JoinPair& pair = join_.pairs[i];
    switch (outcomes >> (2 * (i % 16)) & 3U) {
      case 1:
        results.push_back({pair.node, pair.table, e::JoinResult::What::kJoinResult, false,
                           "already_joined"});
        break;
      case 2:
        results.push_back(
            {pair.node, pair.table, e::JoinResult::What::kPidNotFound, false, "noproc"});
        break;
      default:
        results.push_back({pair.node, pair.table, e::JoinResult::What::kJoinResult, true, ""});
        break;
    }
  }
  Enqueue(e::JoiningFinished{std::move(results)});
}

void EngineDriver::FinishPing(size_t index, bool pong) {
  const NodeName node = pings_.at(index);
  pings_.erase(pings_.begin() + static_cast<std::ptrdiff_t>(index));
  if (pong) ConnectNode(node);  // a pong means the connection is up
  Enqueue(e::PingResult{node, pong ? e::PingResult::Outcome::kPong
                                   : e::PingResult::Outcome::kPang});
}

void EngineDriver::MakeCall(CallKind kind) {
  const CallerId caller = next_caller_++;
  calls_[caller] = kind;
  switch (kind) {
    case CallKind::kGetTables:
      Enqueue(e::GetTablesCall{caller});
      break;
    case CallKind::kSystemInfo:
      Enqueue(e::SystemInfoCall{caller});
      break;
    case CallKind::kWaitForReady:
      Enqueue(e::WaitForReadyCall{caller});
      break;
    case CallKind::kWaitForGetNodes:
      Enqueue(e::WaitForGetNodesCall{caller});
      break;
    case CallKind::kUnknownCall:
      Enqueue(e::UnknownMessage{e::UnknownMessage::Kind::kCall, "{bogus_call}", caller});
      break;
  }
}

void EngineDriver::Violation(std::string what) {
  Note("VIOLATION: " + what);
  violations_.push_back(std::move(what));
}

void EngineDriver::Note(std::string line) {
  if (trace_.size() >= kTraceLinesMax) trace_.erase(trace_.begin());
  trace_.push_back(std::move(line));
}

int EngineDriver::LiveCheckTimers() const {
  return static_cast<int>(
      std::count_if(runtime_.timers().begin(), runtime_.timers().end(),
                    [](const auto& entry) { return IsCheck(entry.second.message); }));
}

}  // namespace discosim::fuzz
