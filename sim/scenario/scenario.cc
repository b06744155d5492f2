// Helpers of the scenario data model: merging overrides, lookups, and the
// spelling of each enum value in scenario files.
#include "sim/scenario/scenario.h"

#include <iterator>
#include <type_traits>
#include <variant>

namespace discosim::scenario {
namespace {

template <typename T>
void Override(T& target, const std::optional<T>& value) {
  if (value.has_value()) target = *value;
}

}  // namespace

BackendConfig ApplyOverrides(const BackendConfig& base, const BackendOverrides& overrides) {
  BackendConfig result = base;
  if (overrides.nodes.has_value()) result.nodes = overrides.nodes;
  Override(result.latency, overrides.latency);
  Override(result.error_rate, overrides.error_rate);
  Override(result.crash_rate, overrides.crash_rate);
  return result;
}

const Node* Scenario::FindNode(std::string_view name) const {
  for (const Node& node : nodes) {
    if (node.name == name) return &node;
  }
  return nullptr;
}

namespace {

// One name table per enum, in the order of its values.
constexpr std::string_view kAutoConnectNames[] = {"always", "once", "never"};
static_assert(std::size(kAutoConnectNames) == static_cast<size_t>(AutoConnect::kNever) + 1);
constexpr std::string_view kRequestNames[] = {"wait_for_ready", "wait_for_get_nodes",
                                              "get_tables", "system_info"};
static_assert(std::size(kRequestNames) == static_cast<size_t>(Request::kSystemInfo) + 1);
constexpr std::string_view kPingOutcomeNames[] = {"pong", "pang"};
static_assert(std::size(kPingOutcomeNames) ==
              static_cast<size_t>(engine::PingResult::Outcome::kPang) + 1);
constexpr std::string_view kRawMessageNames[] = {"check",    "enter_regular_phase", "nodeup",
                                                 "nodedown", "ping_result",         "unknown"};
static_assert(std::size(kRawMessageNames) == static_cast<size_t>(RawMessage::Kind::kUnknown) + 1);
constexpr std::string_view kMissingTaskNames[] = {
    "bad_last_get_nodes_result", "still_waiting_for_pangs", "waiting_for_join_result"};
static_assert(std::size(kMissingTaskNames) == std::variant_size_v<engine::MissingTask>);
static_assert(std::size(kMissingTaskNames) ==
              static_cast<size_t>(MissingTaskKind::kWaitingForJoinResult) + 1);
constexpr std::string_view kGetNodesResultNames[] = {"not_called_yet", "ok", "error"};
static_assert(std::size(kGetNodesResultNames) ==
              static_cast<size_t>(engine::GetNodesResult::Kind::kError) + 1);

template <size_t N, typename E>
std::string_view NameOf(const std::string_view (&names)[N], E value) {
  const auto index = static_cast<size_t>(value);
  return index < N ? names[index] : "?";
}

}  // namespace

std::string_view ToString(AutoConnect value) { return NameOf(kAutoConnectNames, value); }
std::string_view ToString(Request value) { return NameOf(kRequestNames, value); }
std::string_view ToString(engine::PingResult::Outcome value) {
  return NameOf(kPingOutcomeNames, value);
}
std::string_view ToString(RawMessage::Kind value) { return NameOf(kRawMessageNames, value); }
std::string_view ToString(MissingTaskKind value) { return NameOf(kMissingTaskNames, value); }
std::string_view ToString(engine::GetNodesResult::Kind value) {
  return NameOf(kGetNodesResultNames, value);
}

std::string_view ActionKey(const Action& action) {
  return std::visit(
      [](const auto& a) -> std::string_view {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, world::action::Start>) return "start";
        if constexpr (std::is_same_v<T, world::action::Stop>) return "stop";
        if constexpr (std::is_same_v<T, world::action::Restart>) return "restart";
        if constexpr (std::is_same_v<T, world::action::Partition>) return "partition";
        if constexpr (std::is_same_v<T, world::action::Cut>) return "cut";
        if constexpr (std::is_same_v<T, HealAction>) return "heal";
        if constexpr (std::is_same_v<T, world::action::Disconnect>) return "disconnect";
        if constexpr (std::is_same_v<T, DnsAction>) return "dns";
        if constexpr (std::is_same_v<T, world::action::SlowConnect>) return "slow_connect";
        if constexpr (std::is_same_v<T, BackendAction>) return "backend";
        if constexpr (std::is_same_v<T, BackendFailAction>) return "backend_fail";
        if constexpr (std::is_same_v<T, world::action::AddTable>) return "add_table";
        if constexpr (std::is_same_v<T, world::action::DeleteTable>) return "delete_table";
        if constexpr (std::is_same_v<T, SendAction>) return "send";
        if constexpr (std::is_same_v<T, world::action::Call>) return "call";
        if constexpr (std::is_same_v<T, world::action::BackendCrash>) return "backend_crash";
      },
      action);
}

std::string_view ConditionKey(const Condition& condition) {
  return std::visit(
      [](const auto& c) -> std::string_view {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, ReadyCondition>) return "ready";
        if constexpr (std::is_same_v<T, JoinedCondition>) return "joined";
        if constexpr (std::is_same_v<T, InfoCondition>) return "info";
        if constexpr (std::is_same_v<T, ReplyCondition>) return "reply";
        if constexpr (std::is_same_v<T, ConnectedCondition>) return "connected";
        if constexpr (std::is_same_v<T, DisconnectedCondition>) return "disconnected";
        if constexpr (std::is_same_v<T, GetNodesCallsCondition>) return "get_nodes_calls";
        if constexpr (std::is_same_v<T, LogCondition>) return "log";
        if constexpr (std::is_same_v<T, NoOverlappingPartitionsCondition>) {
          return "no_overlapping_partitions";
        }
        if constexpr (std::is_same_v<T, ClusterMembersConnectedCondition>) {
          return "cluster_members_connected";
        }
      },
      condition);
}

std::string_view QualifierKey(const Qualifier& qualifier) {
  return std::visit(
      [](const auto& q) -> std::string_view {
        using T = std::decay_t<decltype(q)>;
        if constexpr (std::is_same_v<T, AtQualifier>) return "at";
        if constexpr (std::is_same_v<T, ByQualifier>) return "by";
        if constexpr (std::is_same_v<T, AlwaysQualifier>) return "always";
        if constexpr (std::is_same_v<T, NeverQualifier>) return "never";
        if constexpr (std::is_same_v<T, AfterHealQualifier>) return "after_heal";
      },
      qualifier);
}

}  // namespace discosim::scenario
