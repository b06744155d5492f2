// The engine adapter: one mailbox per discovery process, handled one message
// per event like a gen_server, and every effect the engine asks for carried
// out: tasks (get_nodes, pings, joins), timers, self-sends, dropping queued
// checks, replies to callers, start_time sends (real sends, subject to
// auto-connect), and log records kept per node.
#include <algorithm>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/overloaded.h"
#include "sim/world/sim.h"

namespace discosim::world {
namespace {


}  // namespace

void Sim::DeliverToDiscovery(NodeId n, engine::Message message) {
  NodeRt& node = nodes[n];
  if (!node.running) return;
  if (node.mailbox.size() >= config.limits.max_mailbox) {
    Fail(absl::StrCat("the mailbox of ", node.name, "'s discovery holds max_mailbox (",
                      config.limits.max_mailbox, ") messages"));
    return;
  }
  node.mailbox.push_back(std::move(message));
  if (!node.run_scheduled) {
    node.run_scheduled = true;
    Push(now(), Event::DiscoveryRun(n, node.incarnation));
  }
}

void Sim::OnDiscoveryRun(const Event& event) {
  const NodeId n = event.node;
  NodeRt& node = nodes[n];
  if (!node.running || node.incarnation != event.a) return;
  node.run_scheduled = false;
  if (node.mailbox.empty()) return;
  engine::Message message = std::move(node.mailbox.front());
  node.mailbox.pop_front();
  NoteLazy(static_cast<uint32_t>(NoteKind::kDiscoveryStep), n, kNoNode,
           static_cast<int64_t>(message.index()),
           [&] { return absl::StrCat(now(), " ", node.name, " discovery ", engine::Describe(message)); });
  scratch_effects.clear();
  engine::Step(node.engine, message, now(), ViewOf(n), scratch_effects);
  ObserveEngine(n, nullptr, &message);
  CarryOut(n, scratch_effects);
  if (!node.mailbox.empty() && !node.run_scheduled && node.running) {
    node.run_scheduled = true;
    Push(now(), Event::DiscoveryRun(n, node.incarnation));
  }
}

void Sim::ObserveEngine(NodeId n, const engine::Options* options, const engine::Message* message) {
  if (!config.engine_observer) return;
  const NodeRt& node = nodes[n];
  config.engine_observer(world::EngineCall{node.name, node.incarnation, now(), options, message,
                                           node.visible, node.engine, scratch_effects});
}

void Sim::CarryOut(NodeId n, engine::Effects& effects) {
  NodeRt& node = nodes[n];
  for (engine::Effect& effect : effects) {
    if (failed() || !node.running) return;
    std::visit(
        Overloaded{
            [&](engine::StartGetNodes& e) { StartGetNodes(n, e.backend_state); },
            [&](engine::StartPing& e) {
              const std::optional<NodeId> target = Find(e.node);
              if (!target.has_value()) {
                Fail(absl::StrCat(node.name, " pings undeclared node ", e.node));
                return;
              }
              StartPing(n, *target, Cont{ContKind::kDiscoveryPing, n, *target, node.incarnation});
            },
            [&](engine::StartJoinTask& e) {
              for (const engine::JoinPair& pair : e.pairs) {
                if (!Find(pair.node).has_value()) {
                  Fail(absl::StrCat(node.name, " joins undeclared node ", pair.node));
                  return;
                }
              }
              StartJoinTask(n, std::move(e.pairs));
            },
            [&](engine::StartTimer& e) {
              node.timers[e.timer] = std::move(e.message);
              Push(now() + e.delay_ms,
                   Event::TimerFire(n, node.incarnation, e.timer));
            },
            [&](engine::CancelTimer& e) { node.timers.erase(e.timer); },
            [&](engine::SendToSelf& e) { DeliverToDiscovery(n, std::move(e.message)); },
            [&](engine::DropQueuedChecks&) {
              std::erase_if(node.mailbox, [](const engine::Message& m) {
                return std::holds_alternative<engine::Check>(m);
              });
            },
            [&](engine::Reply& e) {
              auto it = callers.find(e.caller);
              if (it == callers.end()) {
                Fail(absl::StrCat(node.name, " replies to unknown caller ", e.caller));
                return;
              }
              const size_t index = it->second;
              callers.erase(it);
              open_calls.erase(index);
              CallOutcome& out = outcomes[index];
              if (out.kind != CallOutcome::Kind::kPending) return;  // the caller gave up
              out.replied_at_ms = now();
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
                             [&](engine::ReplyUnexpectedCall&) {
                               out.kind = CallOutcome::Kind::kUnexpectedCall;
                             },
                         },
                         e.value);
              NoteLazy(static_cast<uint32_t>(NoteKind::kReply), n, kNoNode,
                       static_cast<int64_t>(index), [&] {
                         return absl::StrCat(now(), " ", node.name, " reply ", out.id, " ",
                                             ToString(out.kind));
                       });
            },
            [&](engine::SendStartTime& e) {
              const std::optional<NodeId> target = Find(e.node);
              if (!target.has_value()) {
                Fail(absl::StrCat(node.name, " sends its start time to undeclared node ", e.node));
                return;
              }
              if (*target == n) {
                Fail(absl::StrCat(node.name, " sends its start time to itself"));
                return;
              }
              Send(n, *target, msg::StartTime{e.start_time}, SendMode::kAutoConnect);
            },
            [&](engine::Log& e) {
              node.logs.push_back(LogEntry{now(), node.incarnation, std::move(e.record)});
            },
        },
        effect);
  }
}

void Sim::OnTimerFire(const Event& event) {
  NodeRt& node = nodes[event.node];
  if (!node.running || node.incarnation != event.a) return;
  auto it = node.timers.find(event.b);
  if (it == node.timers.end()) return;  // cancelled
  engine::Message message = std::move(it->second);
  node.timers.erase(it);
  DeliverToDiscovery(event.node, std::move(message));
}

void Sim::OnCallTimeout(const Event& event) {
  CallOutcome& out = outcomes[event.a];
  if (out.kind != CallOutcome::Kind::kPending) return;
  out.kind = CallOutcome::Kind::kTimeout;
  out.replied_at_ms = now();
  open_calls.erase(event.a);
}

void Sim::EndCalls(NodeId n, CallOutcome::Kind kind) {
  for (auto it = open_calls.begin(); it != open_calls.end();) {
    if (it->second.first != n) {
      ++it;
      continue;
    }
    CallOutcome& out = outcomes[it->first];
    if (out.kind == CallOutcome::Kind::kPending) {
      out.kind = kind;
      out.replied_at_ms = now();
    }
    it = open_calls.erase(it);
  }
}

}  // namespace discosim::world
