// Polls into NodeViews, and the Observable over them (observed.h).
#include "real/observed.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace discosim::real {
namespace {

using nlohmann::json;

engine::NodeSet NodeSetOf(const json& list) {
  engine::NodeSet out;
  if (!list.is_array()) return out;
  for (const json& item : list) {
    if (item.is_string()) out.insert(item.get<std::string>());
  }
  return out;
}

template <class Enum, size_t N>
Enum EnumOf(const json& value, const std::array<std::pair<const char*, Enum>, N>& names,
            Enum otherwise) {
  if (!value.is_string()) return otherwise;
  for (const auto& [name, e] : names) {
    if (value.get<std::string>() == name) return e;
  }
  return otherwise;
}

constexpr std::array<std::pair<const char*, engine::RetryType>, 4> kRetryTypes = {{
    {"initial", engine::RetryType::kInitial},
    {"after_error", engine::RetryType::kAfterError},
    {"regular", engine::RetryType::kRegular},
    {"after_nodedown", engine::RetryType::kAfterNodedown},
}};
constexpr std::array<std::pair<const char*, engine::TaskStatus>, 2> kStatuses = {{
    {"not_running", engine::TaskStatus::kNotRunning},
    {"running", engine::TaskStatus::kRunning},
}};

engine::GetNodesResult GetNodesResultOf(const json& value) {
  const std::string kind = value.value("kind", "not_called_yet");
  if (kind == "ok") {
    engine::NodeSet nodes = NodeSetOf(value.value("nodes", json::array()));
    return engine::GetNodesResult::Ok({nodes.begin(), nodes.end()});
  }
  if (kind == "error") return engine::GetNodesResult::Error(value.value("reason", ""));
  return {};
}

engine::MissingTask MissingOf(const json& value) {
  const std::string kind = value.value("kind", "");
  if (kind == "still_waiting_for_pangs") {
    engine::NodeSet nodes = NodeSetOf(value.value("nodes", json::array()));
    return engine::StillWaitingForPangs{{nodes.begin(), nodes.end()}};
  }
  if (kind == "waiting_for_join_result") {
    engine::WaitingForJoinResult waiting;
    for (const json& pair : value.value("pairs", json::array())) {
      if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string()) {
        waiting.pairs.push_back({pair[0].get<std::string>(), pair[1].get<std::string>()});
      }
    }
    return waiting;
  }
  return engine::BadLastGetNodesResult{};
}

engine::SystemInfo InfoOf(const json& value, int64_t t0_system_ms) {
  engine::SystemInfo info;
  engine::State& s = info.state;
  s.phase = value.value("phase", "initial") == std::string("regular") ? engine::Phase::kRegular
                                                                       : engine::Phase::kInitial;
  info.retry_type = EnumOf(value["retry_type"], kRetryTypes, engine::RetryType::kInitial);
  s.last_get_nodes_retry_type =
      EnumOf(value["last_get_nodes_retry_type"], kRetryTypes, engine::RetryType::kInitial);
  s.get_nodes_status = EnumOf(value["get_nodes_status"], kStatuses, engine::TaskStatus::kNotRunning);
  s.join_status = EnumOf(value["join_status"], kStatuses, engine::TaskStatus::kNotRunning);
  s.should_retry_get_nodes = value.value("should_retry_get_nodes", false);
  s.should_retry_join = value.value("should_retry_join", false);
  s.nodes = NodeSetOf(value["nodes"]);
  s.unavailable_nodes = NodeSetOf(value["unavailable_nodes"]);
  // The option as given, in its order (system_info's tables).
  for (const json& table : value.value("tables", json::array())) {
    s.tables.push_back(table.get<std::string>());
  }
  s.last_get_nodes_result = GetNodesResultOf(value.value("last_get_nodes_result", json::object()));
  s.start_time = value.value("start_time", t0_system_ms) - t0_system_ms;
  for (const json& missing : value.value("verify_ready", json::array())) {
    info.verify_ready.push_back(MissingOf(missing));
  }
  return info;
}

engine::LogLevel LevelOf(const std::string& level) {
  if (level == "warning") return engine::LogLevel::kWarning;
  if (level == "error" || level == "critical" || level == "alert" || level == "emergency") {
    return engine::LogLevel::kError;
  }
  return engine::LogLevel::kInfo;
}

world::LogEntry LogOf(const json& value, int64_t t0_system_ms, uint32_t incarnation) {
  world::LogEntry entry;
  entry.at_ms = value.value("at", t0_system_ms) - t0_system_ms;
  entry.incarnation = incarnation;
  entry.record.level = LevelOf(value.value("level", "info"));
  entry.record.what = value["what"].is_string() ? value["what"].get<std::string>() : "";
  const json fields = value.value("fields", json::object());
  for (const auto& [key, field] : fields.items()) {
    if (field.is_number_integer()) {
      entry.record.fields.emplace_back(key, field.get<int64_t>());
    } else if (field.is_string()) {
      entry.record.fields.emplace_back(key, field.get<std::string>());
    } else {
      entry.record.fields.emplace_back(key, field.dump());
    }
  }
  return entry;
}

}  // namespace

absl::Status ApplyPoll(const json& poll, int64_t t0_system_ms, NodeView& view) {
  if (!poll.is_object() || !poll.contains("visible") || !poll.contains("tables")) {
    return absl::DataLossError("a poll answer without visible/tables");
  }
  view.visible = NodeSetOf(poll["visible"]);
  view.connected = NodeSetOf(poll["connected"]);
  for (const auto& [table, cluster] : poll["tables"].items()) {
    if (cluster.is_array()) {
      view.clusters[table] = NodeSetOf(cluster);
    } else if (cluster.is_null()) {
      view.clusters.erase(table);
    }  // "busy": keep what was seen last
  }
  const json& info = poll["info"];
  if (info.is_object()) {
    view.info = InfoOf(info, t0_system_ms);
  } else if (info.is_null()) {
    view.info.reset();
  }
  for (const json& t : poll.value("calls", json::array())) {
    if (t.is_number_integer()) view.get_nodes_calls.push_back(t.get<int64_t>() - t0_system_ms);
  }
  for (const json& t : poll.value("faults_over", json::array())) {
    if (t.is_number_integer()) view.faults_over.push_back(t.get<int64_t>() - t0_system_ms);
  }
  for (const json& log : poll.value("logs", json::array())) {
    view.logs.push_back(LogOf(log, t0_system_ms, view.incarnation));
  }
  return absl::OkStatus();
}

RealObservable::RealObservable(const scenario::Scenario& scenario) : scenario_(scenario) {
  for (const scenario::Node& node : scenario.nodes) {
    order_.push_back(node.name);
    views_[node.name].hidden = node.settings.visibility == world::Visibility::kHidden;
  }
}

const NodeView* RealObservable::Find(std::string_view node) const {
  auto it = views_.find(node);
  return it == views_.end() ? nullptr : &it->second;
}

world::CallOutcome& RealObservable::AddCall(world::CallOutcome outcome) {
  calls_.push_back(std::move(outcome));
  return calls_.back();
}

world::CallOutcome* RealObservable::FindCall(std::string_view id) {
  for (world::CallOutcome& call : calls_) {
    if (call.id == id) return &call;
  }
  return nullptr;
}

std::vector<world::NodeStatus> RealObservable::Nodes() const {
  std::vector<world::NodeStatus> out;
  for (const NodeName& name : order_) out.push_back(*Node(name));
  return out;
}

std::optional<world::NodeStatus> RealObservable::Node(std::string_view node) const {
  const NodeView* v = Find(node);
  if (v == nullptr) return std::nullopt;
  return world::NodeStatus{std::string(node), v->running, v->incarnation, v->start_time_ms};
}

bool RealObservable::CountsUp(std::string_view node, std::string_view peer) const {
  const NodeView* v = Find(node);
  return v != nullptr && v->running && v->connected.contains(std::string(peer));
}

const engine::NodeSet& RealObservable::VisibleConnected(std::string_view node) const {
  static const engine::NodeSet kNone;
  const NodeView* v = Find(node);
  return v != nullptr && v->running ? v->visible : kNone;
}

// Among running visible nodes, "both ends count it up" is transitive.
bool RealObservable::NoOverlappingPartitions() const {
  std::vector<NodeName> nodes;
  for (const NodeName& name : order_) {
    const NodeView& v = views_.at(name);
    if (v.running && !v.hidden) nodes.push_back(name);
  }
  auto up = [&](const NodeName& x, const NodeName& y) { return CountsUp(x, y) && CountsUp(y, x); };
  for (const NodeName& x : nodes) {
    for (const NodeName& y : nodes) {
      if (x == y || !up(x, y)) continue;
      for (const NodeName& z : nodes) {
        if (z != x && z != y && up(y, z) && !up(x, z)) return false;
      }
    }
  }
  return true;
}

std::optional<engine::NodeSet> RealObservable::TableCluster(std::string_view node,
                                                            std::string_view table) const {
  const NodeView* v = Find(node);
  if (v == nullptr || !v->running) return std::nullopt;
  auto it = v->clusters.find(std::string(table));
  if (it == v->clusters.end()) return std::nullopt;
  return it->second;
}

const engine::State* RealObservable::DiscoveryState(std::string_view node) const {
  const NodeView* v = Find(node);
  if (v == nullptr || !v->running || !v->info.has_value()) return nullptr;
  return &v->info->state;
}

std::optional<engine::SystemInfo> RealObservable::SystemInfo(std::string_view node) const {
  const NodeView* v = Find(node);
  if (v == nullptr || !v->running) return std::nullopt;
  return v->info;
}

std::optional<std::vector<engine::MissingTask>> RealObservable::VerifyReady(
    std::string_view node) const {
  std::optional<engine::SystemInfo> info = SystemInfo(node);
  if (!info.has_value()) return std::nullopt;
  return info->verify_ready;
}

std::vector<engine::TableName> RealObservable::StartTables(std::string_view node) const {
  const scenario::Node* n = scenario_.FindNode(node);
  return n == nullptr ? std::vector<engine::TableName>{} : n->tables;
}

const std::vector<engine::TimeMs>& RealObservable::GetNodesCalls(std::string_view node) const {
  static const std::vector<engine::TimeMs> kNone;
  const NodeView* v = Find(node);
  return v == nullptr ? kNone : v->get_nodes_calls;
}

const std::vector<world::LogEntry>& RealObservable::Logs(std::string_view node) const {
  static const std::vector<world::LogEntry> kNone;
  const NodeView* v = Find(node);
  return v == nullptr ? kNone : v->logs;
}

const world::CallOutcome* RealObservable::Outcome(std::string_view id) const {
  for (const world::CallOutcome& call : calls_) {
    if (call.id == id) return &call;
  }
  return nullptr;
}

std::optional<engine::TimeMs> RealObservable::LastFaultRemovalMs() const {
  std::optional<engine::TimeMs> last;
  auto consider = [&](int64_t t) {
    if (t <= now_ms_) last = std::max(last.value_or(t), t);
  };
  for (int64_t t : removals_) consider(t);
  for (const auto& [name, view] : views_) {
    for (int64_t t : view.faults_over) consider(t);
  }
  return last;
}

}  // namespace discosim::real
