// Helpers of the scenario data model: merging overrides, lookups, and the
// spelling of each enum value in scenario files.
#include "sim/scenario/scenario.h"

#include <type_traits>

namespace discosim::scenario {
namespace {

template <typename T>
void Override(T& target, const std::optional<T>& value) {
  if (value.has_value()) target = *value;
}

}  // namespace

NodeSettings ApplyOverrides(const NodeSettings& base, const NodeSettingsOverrides& overrides) {
  NodeSettings result = base;
  Override(result.dist_auto_connect, overrides.dist_auto_connect);
  Override(result.connect_all, overrides.connect_all);
  Override(result.prevent_overlapping_partitions, overrides.prevent_overlapping_partitions);
  Override(result.visibility, overrides.visibility);
  Override(result.net_ticktime_ms, overrides.net_ticktime_ms);
  Override(result.net_setuptime_ms, overrides.net_setuptime_ms);
  Override(result.latency_ms, overrides.latency_ms);
  Override(result.dns_delay_ms, overrides.dns_delay_ms);
  Override(result.connect_delay_ms, overrides.connect_delay_ms);
  Override(result.dns_cache, overrides.dns_cache);
  if (overrides.host.has_value()) result.host = overrides.host;
  return result;
}

Backend ApplyOverrides(const Backend& base, const BackendOverrides& overrides) {
  Backend result = base;
  Override(result.nodes, overrides.nodes);
  Override(result.latency, overrides.latency);
  Override(result.error_rate, overrides.error_rate);
  return result;
}

const Node* Scenario::FindNode(std::string_view name) const {
  for (const Node& node : nodes) {
    if (node.name == name) return &node;
  }
  return nullptr;
}

std::string_view ToString(DistAutoConnect value) {
  switch (value) {
    case DistAutoConnect::kAlways: return "always";
    case DistAutoConnect::kOnce: return "once";
    case DistAutoConnect::kNever: return "never";
  }
  return "?";
}

std::string_view ToString(CallRequest value) {
  switch (value) {
    case CallRequest::kWaitForReady: return "wait_for_ready";
    case CallRequest::kWaitForGetNodes: return "wait_for_get_nodes";
    case CallRequest::kGetTables: return "get_tables";
    case CallRequest::kSystemInfo: return "system_info";
  }
  return "?";
}

std::string_view ToString(PingOutcome value) {
  switch (value) {
    case PingOutcome::kPong: return "pong";
    case PingOutcome::kPang: return "pang";
  }
  return "?";
}

std::string_view ToString(RawMessage::Kind value) {
  switch (value) {
    case RawMessage::Kind::kCheck: return "check";
    case RawMessage::Kind::kEnterRegularPhase: return "enter_regular_phase";
    case RawMessage::Kind::kNodeup: return "nodeup";
    case RawMessage::Kind::kNodedown: return "nodedown";
    case RawMessage::Kind::kPingResult: return "ping_result";
    case RawMessage::Kind::kUnknown: return "unknown";
  }
  return "?";
}

std::string_view ToString(Phase value) {
  switch (value) {
    case Phase::kInitial: return "initial";
    case Phase::kRegular: return "regular";
  }
  return "?";
}

std::string_view ToString(RetryType value) {
  switch (value) {
    case RetryType::kInitial: return "initial";
    case RetryType::kAfterError: return "after_error";
    case RetryType::kRegular: return "regular";
    case RetryType::kAfterNodedown: return "after_nodedown";
  }
  return "?";
}

std::string_view ToString(TaskStatus value) {
  switch (value) {
    case TaskStatus::kNotRunning: return "not_running";
    case TaskStatus::kRunning: return "running";
  }
  return "?";
}

std::string_view ToString(MissingTaskKind value) {
  switch (value) {
    case MissingTaskKind::kBadLastGetNodesResult: return "bad_last_get_nodes_result";
    case MissingTaskKind::kStillWaitingForPangs: return "still_waiting_for_pangs";
    case MissingTaskKind::kWaitingForJoinResult: return "waiting_for_join_result";
  }
  return "?";
}

std::string_view ToString(GetNodesResultKind value) {
  switch (value) {
    case GetNodesResultKind::kNotCalledYet: return "not_called_yet";
    case GetNodesResultKind::kOk: return "ok";
    case GetNodesResultKind::kError: return "error";
  }
  return "?";
}

std::string_view ActionKey(const Action& action) {
  return std::visit(
      [](const auto& a) -> std::string_view {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, StartAction>) return "start";
        if constexpr (std::is_same_v<T, StopAction>) return "stop";
        if constexpr (std::is_same_v<T, RestartAction>) return "restart";
        if constexpr (std::is_same_v<T, PartitionAction>) return "partition";
        if constexpr (std::is_same_v<T, CutAction>) return "cut";
        if constexpr (std::is_same_v<T, HealAction>) return "heal";
        if constexpr (std::is_same_v<T, DisconnectAction>) return "disconnect";
        if constexpr (std::is_same_v<T, DnsAction>) return "dns";
        if constexpr (std::is_same_v<T, SlowConnectAction>) return "slow_connect";
        if constexpr (std::is_same_v<T, BackendAction>) return "backend";
        if constexpr (std::is_same_v<T, BackendFailAction>) return "backend_fail";
        if constexpr (std::is_same_v<T, AddTableAction>) return "add_table";
        if constexpr (std::is_same_v<T, DeleteTableAction>) return "delete_table";
        if constexpr (std::is_same_v<T, SendAction>) return "send";
        if constexpr (std::is_same_v<T, CallAction>) return "call";
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
