// Printing the engine's vocabulary the way Erlang would show it.
#include "engine/types.h"
#include "engine/overloaded.h"

#include <array>
#include <cstddef>
#include <string>
#include <type_traits>

namespace discosim::engine {
namespace {

// One name table per enum, in declaration order. Each static_assert ties a
// table's size to the enum's last value, so an enumerator added without its
// name does not compile.
constexpr std::array<const char*, 2> kPhaseNames = {"initial", "regular"};
static_assert(kPhaseNames.size() == static_cast<size_t>(Phase::kRegular) + 1);
constexpr std::array<const char*, 4> kRetryTypeNames = {"initial", "after_error", "regular",
                                                        "after_nodedown"};
static_assert(kRetryTypeNames.size() == static_cast<size_t>(RetryType::kAfterNodedown) + 1);
constexpr std::array<const char*, 2> kTaskStatusNames = {"not_running", "running"};
static_assert(kTaskStatusNames.size() == static_cast<size_t>(TaskStatus::kRunning) + 1);
constexpr std::array<const char*, 2> kJoinWhatNames = {"join_result", "pid_not_found"};
static_assert(kJoinWhatNames.size() == static_cast<size_t>(JoinResult::What::kPidNotFound) + 1);
constexpr std::array<const char*, 3> kLogLevelNames = {"info", "warning", "error"};
static_assert(kLogLevelNames.size() == static_cast<size_t>(LogLevel::kError) + 1);
constexpr std::array<const char*, 3> kGetNodesKindNames = {"not_called_yet", "ok", "error"};
static_assert(kGetNodesKindNames.size() ==
              static_cast<size_t>(GetNodesResult::Kind::kError) + 1);
constexpr std::array<const char*, 3> kUnknownKindNames = {"info", "call", "cast"};
static_assert(kUnknownKindNames.size() == static_cast<size_t>(UnknownMessage::Kind::kCast) + 1);
constexpr std::array<const char*, 2> kPingOutcomeNames = {"pong", "pang"};
static_assert(kPingOutcomeNames.size() == static_cast<size_t>(PingResult::Outcome::kPang) + 1);

// The name of `value` in `names`; "?" for a value outside the enum.
template <class Enum, size_t N>
const char* NameOf(const std::array<const char*, N>& names, Enum value) {
  const auto index = static_cast<size_t>(value);
  return index < N ? names[index] : "?";
}


std::string Quote(const std::string& atom) { return "'" + atom + "'"; }

std::string NodeList(const std::vector<NodeName>& nodes) {
  std::string out = "[";
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (i > 0) out += ",";
    out += Quote(nodes[i]);
  }
  return out + "]";
}

std::string DescribeResult(const GetNodesResult& result) {
  switch (result.kind) {
    case GetNodesResult::Kind::kNotCalledYet:
      return "not_called_yet";
    case GetNodesResult::Kind::kOk:
      return "{ok," + NodeList(result.nodes) + "}";
    case GetNodesResult::Kind::kError:
      return "{error," + result.error + "}";
  }
  return "?";
}

std::string DescribeJoinResult(const JoinResult& r) {
  std::string out = "#{node=>" + Quote(r.node) + ",table=>" + r.table +
                    ",what=>" + ToString(r.what);
  if (r.what == JoinResult::What::kJoinResult) {
    out += ",result=>" + ResultText(r);
  } else {
    out += ",reason=>" + r.reason;
  }
  return out + "}";
}

}  // namespace

const LogValue* LogRecord::Find(std::string_view key) const {
  for (const auto& [name, value] : fields) {
    if (name == key) return &value;
  }
  return nullptr;
}

std::string ResultText(const JoinResult& result) {
  return result.ok ? std::string("ok") : "{error," + result.reason + "}";
}

const char* ToString(Phase phase) {
  return NameOf(kPhaseNames, phase);
}

const char* ToString(RetryType type) {
  return NameOf(kRetryTypeNames, type);
}

const char* ToString(TaskStatus status) {
  return NameOf(kTaskStatusNames, status);
}

const char* ToString(JoinResult::What what) {
  return NameOf(kJoinWhatNames, what);
}

const char* ToString(LogLevel level) {
  return NameOf(kLogLevelNames, level);
}

const char* KindName(const GetNodesResult& result) {
  return NameOf(kGetNodesKindNames, result.kind);
}

const char* KindName(const MissingTask& task) {
  return std::visit(Overloaded{
                        [](const BadLastGetNodesResult&) { return "bad_last_get_nodes_result"; },
                        [](const StillWaitingForPangs&) { return "still_waiting_for_pangs"; },
                        [](const WaitingForJoinResult&) { return "waiting_for_join_result"; },
                    },
                    task);
}

std::string Describe(const Message& message) {
  return std::visit(
      Overloaded{
          [](const Check&) -> std::string { return "check"; },
          [](const EnterRegularPhase&) -> std::string { return "enter_regular_phase"; },
          [](const GetNodesDone& m) -> std::string {
            // The message as handle_check/1's task sends it.
            return "{handle_check_result," + DescribeResult(m.result) + "," +
                   std::to_string(m.backend_state) + "}";
          },
          [](const Nodeup& m) -> std::string { return "{nodeup," + Quote(m.node) + "}"; },
          [](const Nodedown& m) -> std::string { return "{nodedown," + Quote(m.node) + "}"; },
          [](const StartTimeMsg& m) -> std::string {
            return "{start_time," + Quote(m.node) + "," + std::to_string(m.start_time) + "}";
          },
          [](const JoiningFinished& m) -> std::string {
            std::string out = "{joining_finished,[";
            for (size_t i = 0; i < m.results.size(); ++i) {
              if (i > 0) out += ",";
              out += DescribeJoinResult(m.results[i]);
            }
            return out + "]}";
          },
          [](const PingResult& m) -> std::string {
            return "{ping_result," + Quote(m.node) + "," +
                   NameOf(kPingOutcomeNames, m.outcome) + "}";
          },
          [](const AddTable& m) -> std::string { return "{add_table," + m.table + "}"; },
          [](const DeleteTable& m) -> std::string { return "{delete_table," + m.table + "}"; },
          [](const GetTablesCall& m) -> std::string {
            return "call#" + std::to_string(m.caller) + " get_tables";
          },
          [](const SystemInfoCall& m) -> std::string {
            return "call#" + std::to_string(m.caller) + " system_info";
          },
          [](const WaitForReadyCall& m) -> std::string {
            return "call#" + std::to_string(m.caller) + " wait_for_ready";
          },
          [](const WaitForGetNodesCall& m) -> std::string {
            return "call#" + std::to_string(m.caller) + " wait_for_get_nodes";
          },
          [](const UnknownMessage& m) -> std::string {
            return std::string("unknown ") + NameOf(kUnknownKindNames, m.kind) + " " +
                   m.description;
          },
      },
      message);
}

std::string Describe(const LogRecord& record) {
  std::string out = std::string(ToString(record.level)) + " #{what=>" + record.what;
  for (const auto& [key, value] : record.fields) {
    out += "," + key + "=>";
    if (const auto* n = std::get_if<int64_t>(&value)) {
      out += std::to_string(*n);
    } else {
      out += std::get<std::string>(value);
    }
  }
  return out + "}";
}

std::string Describe(const Effect& effect) {
  return std::visit(
      Overloaded{
          [](const StartGetNodes&) -> std::string { return "start get_nodes"; },
          [](const StartPing& e) -> std::string { return "start ping " + Quote(e.node); },
          [](const StartJoinTask& e) -> std::string {
            std::string out = "start join [";
            for (size_t i = 0; i < e.pairs.size(); ++i) {
              if (i > 0) out += ",";
              // Appends, not `"{" + ...`: GCC 12 at -O3 warns falsely (-Wrestrict,
              // GCC bug 105329) on a literal prepended to a temporary string.
              out += "{'";
              out += e.pairs[i].node;
              out += "',";
              out += e.pairs[i].table;
              out += "}";
            }
            return out + "]";
          },
          [](const StartTimer& e) -> std::string {
            return "start timer #" + std::to_string(e.timer) + " " +
                   std::to_string(e.delay_ms) + "ms -> " + Describe(e.message);
          },
          [](const CancelTimer& e) -> std::string {
            return "cancel timer #" + std::to_string(e.timer);
          },
          [](const SendToSelf& e) -> std::string { return "self ! " + Describe(e.message); },
          [](const DropQueuedChecks&) -> std::string { return "drop queued checks"; },
          [](const Reply& e) -> std::string {
            std::string value = std::visit(
                Overloaded{
                    [](const ReplyOk&) -> std::string { return "ok"; },
                    [](const ReplyTables& t) -> std::string {
                      std::string out = "{ok,[";
                      for (size_t i = 0; i < t.tables.size(); ++i) {
                        if (i > 0) out += ",";
                        out += t.tables[i];
                      }
                      return out + "]}";
                    },
                    [](const SystemInfo&) -> std::string { return "system_info"; },
                    [](const ReplyUnexpectedCall&) -> std::string {
                      return "{error,unexpected_call}";
                    },
                },
                e.value);
            return "reply #" + std::to_string(e.caller) + " " + value;
          },
          [](const SendStartTime& e) -> std::string {
            return "send start_time " + std::to_string(e.start_time) + " to " + Quote(e.node);
          },
          [](const Log& e) -> std::string { return "log " + Describe(e.record); },
      },
      effect);
}

}  // namespace discosim::engine
