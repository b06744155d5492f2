// Engine vocabulary <-> oracle terms: see translate.h.
#include "oracle/translate.h"

#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "engine/overloaded.h"

namespace discosim::oracle {
namespace {

namespace e = ::discosim::engine;

Term Nodes(const std::vector<e::NodeName>& nodes) {
  std::vector<Term> items;
  items.reserve(nodes.size());
  for (const e::NodeName& node : nodes) items.push_back(Atom(node));
  return List(std::move(items));
}

Term Nodes(const e::NodeSet& nodes) {
  std::vector<Term> items;
  items.reserve(nodes.size());
  for (const e::NodeName& node : nodes) items.push_back(Atom(node));
  return List(std::move(items));
}

Term Timestamps(const std::map<e::NodeName, e::TimeMs>& map) {
  std::vector<std::pair<Term, Term>> entries;
  for (const auto& [node, at_ms] : map) entries.emplace_back(Atom(node), Int(at_ms));
  return Map(std::move(entries));
}

Term Callers(const std::vector<e::CallerId>& callers) {
  std::vector<Term> items;
  for (e::CallerId caller : callers) items.push_back(Caller(caller));
  return List(std::move(items));
}

Term Pairs(const std::vector<e::JoinPair>& pairs) {
  std::vector<Term> items;
  items.reserve(pairs.size());
  for (const e::JoinPair& pair : pairs) items.push_back(Tuple({Atom(pair.node), Atom(pair.table)}));
  return List(std::move(items));
}

Term MissingTask(const e::MissingTask& task) {
  return std::visit(Overloaded{
                        [](const e::BadLastGetNodesResult& t) {
                          return Tuple({Atom("bad_last_get_nodes_result"),
                                        GetNodesResult(t.result)});
                        },
                        [](const e::StillWaitingForPangs& t) {
                          return Tuple({Atom("still_waiting_for_pangs"), Nodes(t.nodes)});
                        },
                        [](const e::WaitingForJoinResult& t) {
                          return Tuple({Atom("waiting_for_join_result"), Pairs(t.pairs)});
                        },
                    },
                    task);
}

// A log field's value, by its key: the engine keeps names and terms as text.
Term LogValue(const std::string& key, const e::LogValue& value) {
  if (const auto* number = std::get_if<int64_t>(&value)) {
    return key == "from" ? Caller(static_cast<e::CallerId>(*number)) : Int(*number);
  }
  const std::string& text = std::get<std::string>(value);
  if (key == "text") return Binary(text);
  // A join result's {error,Reason} whose Reason does not read as a term (a
  // task_failed's pids): read as JoinResult builds it, the reason as text.
  constexpr std::string_view kError = "{error,";
  if (key == "result" && text.starts_with(kError) && text.ends_with('}') && !Parse(text).ok()) {
    return Tuple({Atom("error"),
                  FromText(std::string_view(text).substr(kError.size(),
                                                         text.size() - kError.size() - 1))});
  }
  if (key == "msg" || key == "result" || key == "reason") return FromText(text);
  return Atom(text);
}

}  // namespace

Term Caller(e::CallerId caller) {
  return Tuple({Atom("caller"), Int(static_cast<int64_t>(caller))});
}

Term JoinResult(const e::JoinResult& r) {
  std::vector<std::pair<Term, Term>> entries = {
      {Atom("node"), Atom(r.node)},
      {Atom("table"), Atom(r.table)},
      {Atom("what"), Atom(e::ToString(r.what))},
  };
  if (r.what == e::JoinResult::What::kJoinResult) {
    entries.emplace_back(Atom("result"),
                         r.ok ? Atom("ok") : Tuple({Atom("error"), FromText(r.reason)}));
  } else {
    entries.emplace_back(Atom("reason"), FromText(r.reason));
  }
  return Map(std::move(entries));
}

Term GetNodesResult(const e::GetNodesResult& result) {
  switch (result.kind) {
    case e::GetNodesResult::Kind::kNotCalledYet:
      return Atom("not_called_yet");
    case e::GetNodesResult::Kind::kOk:
      return Tuple({Atom("ok"), Nodes(result.nodes)});
    case e::GetNodesResult::Kind::kError:
      return Tuple({Atom("error"), FromText(result.error)});
  }
  return Atom("?");
}

Term Translator::InitRequest(const e::Options& options, e::TimeMs now_ms,
                             const e::NodeSet& connected) const {
  std::vector<Term> tables;
  for (const e::TableName& table : options.tables) tables.push_back(Atom(table));
  Term opts = Map({{Atom("tables"), List(std::move(tables))},
                   {Atom("backend_state"), Int(static_cast<int64_t>(options.backend_state))},
                   {Atom("local"), Atom(local_node_)}});
  return Tuple({Atom("init"), std::move(opts), Int(now_ms), Nodes(connected)});
}

Term Translator::StepRequest(const e::Message& message, e::TimeMs now_ms,
                             const e::NodeSet& connected) const {
  return Tuple({Atom("step"), Request(message), Int(now_ms), Nodes(connected)});
}

Term Translator::Request(const e::Message& message) const {
  auto info = [&] { return Tuple({Atom("info"), Message(message)}); };
  auto cast = [&] { return Tuple({Atom("cast"), Message(message)}); };
  auto call = [&](e::CallerId caller) {
    return Tuple({Atom("call"), Message(message), Caller(caller)});
  };
  return std::visit(Overloaded{
                        [&](const e::AddTable&) { return cast(); },
                        [&](const e::DeleteTable&) { return cast(); },
                        [&](const e::GetTablesCall& m) { return call(m.caller); },
                        [&](const e::SystemInfoCall& m) { return call(m.caller); },
                        [&](const e::WaitForReadyCall& m) { return call(m.caller); },
                        [&](const e::WaitForGetNodesCall& m) { return call(m.caller); },
                        [&](const e::UnknownMessage& m) {
                          switch (m.kind) {
                            case e::UnknownMessage::Kind::kCall:
                              return call(m.caller);
                            case e::UnknownMessage::Kind::kCast:
                              return cast();
                            case e::UnknownMessage::Kind::kInfo:
                              break;
                          }
                          return info();
                        },
                        [&](const auto&) { return info(); },
                    },
                    message);
}

Term Translator::Message(const e::Message& message) const {
  return std::visit(
      Overloaded{
          [](const e::Check&) { return Atom("check"); },
          [](const e::EnterRegularPhase&) { return Atom("enter_regular_phase"); },
          [](const e::GetNodesDone& m) {
            return Tuple({Atom("handle_check_result"), GetNodesResult(m.result),
                          Int(static_cast<int64_t>(m.backend_state))});
          },
          [](const e::Nodeup& m) { return Tuple({Atom("nodeup"), Atom(m.node)}); },
          [](const e::Nodedown& m) { return Tuple({Atom("nodedown"), Atom(m.node)}); },
          [](const e::StartTimeMsg& m) {
            return Tuple({Atom("start_time"), Atom(m.node), Int(m.start_time)});
          },
          [](const e::JoiningFinished& m) {
            std::vector<Term> results;
            for (const e::JoinResult& r : m.results) results.push_back(JoinResult(r));
            return Tuple({Atom("joining_finished"), List(std::move(results))});
          },
          [](const e::PingResult& m) {
            return Tuple({Atom("ping_result"), Atom(m.node),
                          Atom(m.outcome == e::PingResult::Outcome::kPong ? "pong" : "pang")});
          },
          [](const e::AddTable& m) { return Tuple({Atom("add_table"), Atom(m.table)}); },
          [](const e::DeleteTable& m) { return Tuple({Atom("delete_table"), Atom(m.table)}); },
          [](const e::GetTablesCall&) { return Atom("get_tables"); },
          [](const e::SystemInfoCall&) { return Atom("system_info"); },
          [](const e::WaitForReadyCall&) { return Atom("wait_for_ready"); },
          [](const e::WaitForGetNodesCall&) { return Atom("wait_for_get_nodes"); },
          [](const e::UnknownMessage& m) { return FromText(m.description); },
      },
      message);
}

Term Translator::InitEffects(const e::Effects& effects) {
  Term list = Effects(effects);
  list.items.insert(list.items.begin(), Tuple({Atom("monitor_nodes"), Atom("true")}));
  return list;
}

Term Translator::Effects(const e::Effects& effects) {
  std::vector<Term> items;
  items.reserve(effects.size());
  for (const e::Effect& effect : effects) items.push_back(Effect(effect));
  return List(std::move(items));
}

Term Translator::Effect(const e::Effect& effect) {
  return std::visit(
      Overloaded{
          [](const e::StartGetNodes& x) {
            return Tuple({Atom("start_get_nodes"), Int(static_cast<int64_t>(x.backend_state))});
          },
          [](const e::StartPing& x) { return Tuple({Atom("start_ping"), Atom(x.node)}); },
          [](const e::StartJoinTask& x) { return Tuple({Atom("start_join"), Pairs(x.pairs)}); },
          [&](const e::StartTimer& x) {
            const auto number = static_cast<int64_t>(timer_numbers_.size() + 1);
            timer_numbers_[x.timer] = number;
            return Tuple({Atom("start_timer"), Timer(x.timer), Int(x.delay_ms), Message(x.message)});
          },
          [&](const e::CancelTimer& x) { return Tuple({Atom("cancel_timer"), Timer(x.timer)}); },
          [&](const e::SendToSelf& x) { return Tuple({Atom("send_self"), Message(x.message)}); },
          [](const e::DropQueuedChecks&) { return Atom("drop_queued_checks"); },
          [&](const e::Reply& x) {
            Term value = std::visit(
                Overloaded{
                    [](const e::ReplyOk&) { return Atom("ok"); },
                    [](const e::ReplyTables& r) {
                      std::vector<Term> tables;
                      for (const e::TableName& t : r.tables) tables.push_back(Atom(t));
                      return Tuple({Atom("ok"), List(std::move(tables))});
                    },
                    [&](const e::SystemInfo& info) { return SystemInfo(info); },
                    [](const e::ReplyUnexpectedCall&) {
                      return Tuple({Atom("error"), Atom("unexpected_call")});
                    },
                },
                x.value);
            return Tuple({Atom("reply"), Caller(x.caller), std::move(value)});
          },
          [&](const e::SendStartTime& x) {
            return Tuple({Atom("send"), Tuple({Atom("cets_discovery"), Atom(x.node)}),
                          Tuple({Atom("start_time"), Atom(local_node_), Int(x.start_time)})});
          },
          [&](const e::Log& x) { return Log(x.record); },
      },
      effect);
}

Term Translator::Timer(e::TimerId timer) const {
  auto it = timer_numbers_.find(timer);
  if (it == timer_numbers_.end()) return Tuple({Atom("timer"), Atom("never_started")});
  return Tuple({Atom("timer"), Int(it->second)});
}

Term Translator::Log(const e::LogRecord& record) const {
  std::vector<std::pair<Term, Term>> entries = {{Atom("what"), Atom(record.what)}};
  for (const auto& [key, value] : record.fields) entries.emplace_back(Atom(key), LogValue(key, value));
  return Tuple({Atom("log"), Atom(e::ToString(record.level)), Map(std::move(entries))});
}

Term Translator::SystemInfo(const e::SystemInfo& info) const {
  Term map = State(info.state);
  std::vector<Term> missing;
  for (const e::MissingTask& task : info.verify_ready) missing.push_back(MissingTask(task));
  std::vector<std::pair<Term, Term>> entries;
  for (size_t i = 0; i < map.items.size(); i += 2) entries.emplace_back(map.items[i], map.items[i + 1]);
  entries.emplace_back(Atom("verify_ready"), List(std::move(missing)));
  entries.emplace_back(Atom("retry_type"), Atom(e::ToString(info.retry_type)));
  return Map(std::move(entries));
}

Term Translator::State(const e::State& s) const {
  std::vector<Term> results;
  for (const e::JoinResult& r : s.results) results.push_back(JoinResult(r));
  std::vector<Term> tables;
  for (const e::TableName& t : s.tables) tables.push_back(Atom(t));
  auto status = [](e::TaskStatus st) { return Atom(e::ToString(st)); };
  return Map({
      {Atom("phase"), Atom(e::ToString(s.phase))},
      {Atom("results"), List(std::move(results))},
      {Atom("nodes"), Nodes(s.nodes)},
      {Atom("unavailable_nodes"), Nodes(s.unavailable_nodes)},
      {Atom("tables"), List(std::move(tables))},
      {Atom("backend_module"), Atom("oracle_backend")},
      {Atom("backend_state"), Int(static_cast<int64_t>(s.backend_state))},
      {Atom("get_nodes_status"), status(s.get_nodes_status)},
      {Atom("should_retry_get_nodes"), Bool(s.should_retry_get_nodes)},
      {Atom("last_get_nodes_result"), GetNodesResult(s.last_get_nodes_result)},
      {Atom("last_get_nodes_retry_type"), Atom(e::ToString(s.last_get_nodes_retry_type))},
      {Atom("join_status"), status(s.join_status)},
      {Atom("should_retry_join"), Bool(s.should_retry_join)},
      {Atom("timer_ref"), s.timer_ref.has_value() ? Timer(*s.timer_ref) : Atom("undefined")},
      {Atom("pending_wait_for_ready"), Callers(s.pending_wait_for_ready)},
      {Atom("pending_wait_for_get_nodes"), Callers(s.pending_wait_for_get_nodes)},
      {Atom("nodeup_timestamps"), Timestamps(s.nodeup_timestamps)},
      {Atom("nodedown_timestamps"), Timestamps(s.nodedown_timestamps)},
      {Atom("node_start_timestamps"), Timestamps(s.node_start_timestamps)},
      {Atom("start_time"), Int(s.start_time)},
  });
}

}  // namespace discosim::oracle
