// The discovery room (see discovery.h).
#include "sim/world/discovery.h"

#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/overloaded.h"
#include "sim/world/check.h"

namespace discosim::world {

void Discovery::Build() {
  const uint32_t n = k_.n_nodes;
  engines_.assign(n, engine::State{});
  runtimes_.assign(n, engine::Runtime(k_.config.limits.max_mailbox));
  process_.assign(n, 0);
  run_scheduled_.assign(n, 0);
  visible_.assign(n, engine::NodeSet{});
  get_nodes_calls_.assign(n, {});
  logs_.assign(n, {});
}

// ---------------------------------------------------------------------------
// The process.

void Discovery::ClearProcess(NodeId n) {
  runtimes_[n].Clear();
  run_scheduled_[n] = 0;
}

void Discovery::Start(NodeId n) {
  visible_[n].clear();
  Spawn(n);
}

void Discovery::Spawn(NodeId n) {
  ClearProcess(n);
  ++process_[n];  // with no crash, the node's incarnation
  engine::Options options;
  options.tables = k_.nodes[n].tables;
  options.backend_state = 0;
  options.config = k_.config.intervals;
  scratch_effects_.clear();
  engine::Init(engines_[n], options, k_.now(), ViewOf(n), scratch_effects_);
  Observe(n, &options, nullptr);
  CarryOut(n, scratch_effects_);
}

void Discovery::Observe(NodeId n, const engine::Options* options,
                        const engine::Message* message) const {
  const EngineObserver& observer = k_.config.engine_observer;
  if (!observer) return;
  const NodeRt& node = k_.nodes[n];
  observer(EngineCall{node.name, node.incarnation, k_.now(), options, message, visible_[n],
                      engines_[n], scratch_effects_});
}

void Discovery::Stop(NodeId n) {
  for (auto it = open_calls_.begin(); it != open_calls_.end();) {
    if (it->second.first != n) {
      ++it;
      continue;
    }
    CallOutcome& out = outcomes_[it->first];
    if (out.kind == CallOutcome::Kind::kPending) {
      out.kind = CallOutcome::Kind::kNoProc;
      out.replied_at_ms = k_.now();
    }
    it = open_calls_.erase(it);
  }
  ClearProcess(n);
  visible_[n].clear();
}

void Discovery::Crash(NodeId n) {
  // cets_long:run_tracked logs the task's failure and raises on: the
  // get_nodes process dies, and with it (spawn_link, no trap_exit) the
  // discovery process.
  engine::LogRecord record;
  record.level = engine::LogLevel::kError;
  record.what = "task_failed";
  record.fields = {{"task", std::string("cets_discovery_get_nodes")},
                   {"class", std::string("error")},
                   {"reason", std::string("simulated_crash")}};
  logs_[n].push_back(LogEntry{k_.now(), k_.nodes[n].incarnation, std::move(record)});
  // Every caller waiting on the dead process gets an exit (its monitor fires).
  for (auto it = callers_.begin(); it != callers_.end();) {
    auto open = open_calls_.find(it->second);
    if (open == open_calls_.end() || open->second.first != n) {
      ++it;
      continue;
    }
    Answer(it->second, CallOutcome::Kind::kExit);
    it = callers_.erase(it);
  }
  if (linked_tasks_die) linked_tasks_die(n);
  Spawn(n);  // the supervisor's restart: a new start time, the same options
}

void Discovery::ScheduleRun(NodeId n) {
  if (run_scheduled_[n]) return;
  run_scheduled_[n] = 1;
  k_.Push(k_.now(), Event::DiscoveryRun(n, process_[n]));
}

void Discovery::MailboxFull(NodeId n) {
  k_.Fail(absl::StrCat("the mailbox of ", k_.nodes[n].name, "'s discovery holds max_mailbox (",
                       k_.config.limits.max_mailbox, ") messages"));
}

void Discovery::Deliver(NodeId n, engine::Message message) {
  if (!k_.nodes[n].running) return;
  if (runtimes_[n].Post(std::move(message)) == engine::Delivered::kMailboxFull) {
    MailboxFull(n);
    return;
  }
  ScheduleRun(n);
}

void Discovery::NodeUp(NodeId x, NodeId y) {
  visible_[x].insert(k_.Name(y));
  Deliver(x, engine::Nodeup{k_.Name(y)});
}

void Discovery::NodeDown(NodeId x, NodeId y) {
  visible_[x].erase(k_.Name(y));
  Deliver(x, engine::Nodedown{k_.Name(y)});
}

void Discovery::OnRun(const Event& event) {
  const NodeId n = event.node;
  const NodeRt& node = k_.nodes[n];
  if (!Current(n, event.a)) return;
  run_scheduled_[n] = 0;
  engine::Runtime& runtime = runtimes_[n];
  if (runtime.empty()) return;
  const engine::Message message = runtime.Pop().message;
  k_.NoteLazy(static_cast<uint32_t>(NoteKind::kDiscoveryStep), n, kNoNode,
              static_cast<int64_t>(message.index()), [&] {
                return absl::StrCat(k_.now(), " ", node.name, " discovery ",
                                    engine::Describe(message));
              });
  scratch_effects_.clear();
  engine::Step(engines_[n], message, k_.now(), ViewOf(n), scratch_effects_);
  Observe(n, nullptr, &message);
  CarryOut(n, scratch_effects_);
  if (!runtime.empty() && node.running) ScheduleRun(n);
}

void Discovery::OnTimerFire(const Event& event) {
  if (!Current(event.node, event.a)) return;
  switch (runtimes_[event.node].FireTimer(event.b)) {
    case engine::Delivered::kQueued: ScheduleRun(event.node); break;
    case engine::Delivered::kMailboxFull: MailboxFull(event.node); break;
    case engine::Delivered::kNotPending: break;  // cancelled
  }
}

void Discovery::OnPingResult(const Event& event) {
  if (!Current(event.node, event.a)) return;
  Deliver(event.node, engine::PingResult{k_.Name(event.peer),
                                         event.b != 0 ? engine::PingResult::Outcome::kPong
                                                      : engine::PingResult::Outcome::kPang});
}

// ---------------------------------------------------------------------------
// Effects.

void Discovery::CarryOut(NodeId n, engine::Effects& effects) {
  engine::Runtime& runtime = runtimes_[n];
  for (engine::Effect& effect : effects) {
    if (k_.failed() || !k_.nodes[n].running) return;
    const engine::Carried carried = runtime.Carry(effect, k_.now());
    switch (carried.kind) {
      case engine::Carried::Kind::kForHost: CarryForHost(n, effect); break;
      case engine::Carried::Kind::kQueued: ScheduleRun(n); break;
      case engine::Carried::Kind::kMailboxFull: MailboxFull(n); break;
      case engine::Carried::Kind::kTimerStarted:
        k_.Push(k_.now() + carried.delay_ms,
                Event::TimerFire(n, process_[n], carried.timer));
        break;
      case engine::Carried::Kind::kChecksDropped:
      case engine::Carried::Kind::kTimerCancelled: break;
    }
  }
}

void Discovery::CarryForHost(NodeId n, engine::Effect& effect) {
  std::visit(Overloaded{
                 [&](engine::StartGetNodes& e) { GetNodes(n, e); },
                 [&](engine::StartPing& e) { Ping(n, e); },
                 [&](engine::StartJoinTask& e) { Join(n, e); },
                 [&](engine::Reply& e) { Reply(n, e); },
                 [&](engine::SendStartTime& e) { SendStartTime(n, e); },
                 [&](engine::Log& e) { Log(n, e); },
                 [&](auto& e) {
                   using E = std::decay_t<decltype(e)>;
                   static_assert(std::is_same_v<E, engine::StartTimer> ||
                                 std::is_same_v<E, engine::CancelTimer> ||
                                 std::is_same_v<E, engine::SendToSelf> ||
                                 std::is_same_v<E, engine::DropQueuedChecks>);
                   WORLD_CHECK(false, "a mailbox effect handed to the host");
                 },
             },
             effect);
}

void Discovery::GetNodes(NodeId n, const engine::StartGetNodes& e) {
  get_nodes_calls_[n].push_back(k_.now());
  backend_.Call(n, e.backend_state);
}

void Discovery::Ping(NodeId n, const engine::StartPing& e) {
  const std::optional<NodeId> target = k_.Find(e.node);
  if (!target.has_value()) {
    k_.Fail(absl::StrCat(k_.nodes[n].name, " pings undeclared node ", e.node));
    return;
  }
  start_ping(n, *target, Cont{ContKind::kDiscoveryPing, n, *target, process_[n]});
}

void Discovery::Join(NodeId n, engine::StartJoinTask& e) {
  for (const engine::JoinPair& pair : e.pairs) {
    if (!k_.Find(pair.node).has_value()) {
      k_.Fail(absl::StrCat(k_.nodes[n].name, " joins undeclared node ", pair.node));
      return;
    }
  }
  start_join(n, std::move(e.pairs));
}

void Discovery::Reply(NodeId n, engine::Reply& e) {
  auto it = callers_.find(e.caller);
  if (it == callers_.end()) {
    k_.Fail(absl::StrCat(k_.nodes[n].name, " replies to unknown caller ", e.caller));
    return;
  }
  const size_t index = it->second;
  callers_.erase(it);
  open_calls_.erase(index);
  CallOutcome& out = outcomes_[index];
  if (out.kind != CallOutcome::Kind::kPending) return;  // the caller gave up
  out.replied_at_ms = k_.now();
  std::visit(Overloaded{
                 [&](engine::ReplyOk&) { out.kind = CallOutcome::Kind::kOk; },
                 [&](engine::ReplyTables& r) {
                   out.kind = CallOutcome::Kind::kTables;
                   out.tables = std::move(r.tables);
                 },
                 [&](engine::SystemInfo& info) {
                   out.kind = CallOutcome::Kind::kSystemInfo;
                   out.info = std::move(info);
                 },
                 [&](engine::ReplyUnexpectedCall&) { out.kind = CallOutcome::Kind::kUnexpectedCall; },
             },
             e.value);
  k_.NoteLazy(static_cast<uint32_t>(NoteKind::kReply), n, kNoNode, static_cast<int64_t>(index),
              [&] {
                return absl::StrCat(k_.now(), " ", k_.nodes[n].name, " reply ", out.id, " ",
                                    ToString(out.kind));
              });
}

void Discovery::SendStartTime(NodeId n, const engine::SendStartTime& e) {
  const std::optional<NodeId> target = k_.Find(e.node);
  if (!target.has_value()) {
    k_.Fail(absl::StrCat(k_.nodes[n].name, " sends its start time to undeclared node ", e.node));
    return;
  }
  if (*target == n) {
    k_.Fail(absl::StrCat(k_.nodes[n].name, " sends its start time to itself"));
    return;
  }
  net_.Send(n, *target, msg::StartTime{e.start_time}, SendMode::kAutoConnect);
}

void Discovery::Log(NodeId n, engine::Log& e) {
  logs_[n].push_back(LogEntry{k_.now(), k_.nodes[n].incarnation, std::move(e.record)});
}

// ---------------------------------------------------------------------------
// The timeline's calls.

size_t Discovery::NewOutcome(const std::string& id, const NodeName& node) {
  outcomes_.push_back(CallOutcome{});
  CallOutcome& out = outcomes_.back();
  out.id = id;
  out.node = node;
  out.called_at_ms = k_.now();
  outcome_by_id_[id] = outcomes_.size() - 1;
  return outcomes_.size() - 1;
}

void Discovery::OpenCall(size_t index, NodeId n) {
  open_calls_[index] = {n, k_.nodes[n].incarnation};
}

void Discovery::Answer(size_t index, CallOutcome::Kind kind) {
  CallOutcome& out = outcomes_[index];
  if (out.kind != CallOutcome::Kind::kPending) return;
  out.kind = kind;
  out.replied_at_ms = k_.now();
  open_calls_.erase(index);
}

void Discovery::Call(NodeId n, size_t index, action::Request request, TimeMs timeout_ms) {
  const engine::CallerId caller = next_caller_++;
  callers_[caller] = index;
  OpenCall(index, n);
  switch (request) {
    case action::Request::kWaitForReady: Deliver(n, engine::WaitForReadyCall{caller}); break;
    case action::Request::kWaitForGetNodes: Deliver(n, engine::WaitForGetNodesCall{caller}); break;
    case action::Request::kGetTables: Deliver(n, engine::GetTablesCall{caller}); break;
    case action::Request::kSystemInfo: Deliver(n, engine::SystemInfoCall{caller}); break;
  }
  k_.Push(k_.now() + timeout_ms, Event::CallTimeout(n, index));
}

void Discovery::OnCallTimeout(const Event& event) { Answer(event.a, CallOutcome::Kind::kTimeout); }

const CallOutcome* Discovery::Outcome(std::string_view id) const {
  auto it = outcome_by_id_.find(id);
  if (it == outcome_by_id_.end() || it->second == kReserved) return nullptr;
  return &outcomes_[it->second];
}

}  // namespace discosim::world
