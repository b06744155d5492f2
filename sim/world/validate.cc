// The rules of a world config and of an action (see validate.h).
#include "sim/world/validate.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/overloaded.h"

namespace discosim::world {
namespace {

// The clock counts microseconds in an int64: times beyond this are refused.
constexpr TimeMs kMaxTimeMs = 1'000'000'000'000;  // about 31 years

bool IsNodeName(std::string_view name) {
  const size_t at = name.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < name.size() &&
         name.find('@', at + 1) == std::string_view::npos;
}

bool IsProbability(double value) { return std::isfinite(value) && value >= 0.0 && value <= 1.0; }

bool IsRange(const LatencyRange& range) { return range.min_ms >= 0 && range.min_ms <= range.max_ms; }

class ConfigChecker {
 public:
  explicit ConfigChecker(const WorldConfig& config) : config_(config) {
    for (const NodeConfig& node : config.nodes) declared_.insert(node.name);
    for (const HostConfig& host : config.hosts) hosts_.insert(host.name);
  }

  std::vector<Problem> Take() && { return std::move(problems_); }

  // Rules of the whole config, in the order World::Create checks them.
  void Global() {
    const Limits& limits = config_.limits;
    if (config_.nodes.empty()) Add("nodes", "a world needs at least one node");
    if (config_.nodes.size() > limits.max_nodes) {
      Add("nodes", absl::StrCat("too many nodes: ", config_.nodes.size(), " > max_nodes ",
                                limits.max_nodes));
    }
    const engine::Config& iv = config_.intervals;
    if (iv.initial_interval_ms <= 0 || iv.after_error_interval_ms <= 0 ||
        iv.regular_interval_ms <= 0 || iv.after_nodedown_interval_ms <= 0 ||
        iv.enter_regular_phase_ms < 0) {
      Add("intervals", "engine intervals must be positive");
    }
    Lock();
    if (config_.join_model == JoinModel::kSimple && !config_.hosts.empty()) {
      Add("hosts", "hosts need the calibrated join model");
    }
    const CpuConfig& cpu = config_.cpu;
    if (cpu.default_cores < 1 || cpu.loopback_us < 0 || cpu.hop_us < 0 || cpu.hop_jitter_pct < 0 ||
        cpu.hop_jitter_pct > 100 || cpu.quantum_us < 0 || cpu.spin_check_us < 0) {
      Add("cpu", "cpu model: default_cores >= 1, jitter in [0, 100], no negative times");
    }
    const JoinCost& cost = config_.join;
    if (cost.merge_base_rpcs < 0 || cost.merge_rpcs_per_server < 0 || cost.skip_rpcs < 0) {
      Add("join", "join rpc counts must not be negative");
    }
    if (limits.max_time_ms < 0 || limits.max_time_ms > kMaxTimeMs) {
      Add("limits.max_time_ms", absl::StrCat("max_time_ms must be in [0, ", kMaxTimeMs, "]"));
    }
    if (config_.network.jitter_ms_max < 0) Add("network.jitter_ms_max", "must not be negative");
    if (cost.join_base_ms < 0) Add("join.join_base_ms", "must not be negative");
    if (cost.join_per_row_us < 0) Add("join.join_per_row_us", "must not be negative");
  }

  // Each node, in name order: its name, its settings, its backend, its host.
  void Nodes() {
    std::vector<size_t> order(config_.nodes.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return config_.nodes[a].name < config_.nodes[b].name;
    });
    for (size_t k = 0; k < order.size(); ++k) {
      const NodeConfig& node = config_.nodes[order[k]];
      if (!IsNodeName(node.name)) {
        AddTo(order[k], "name", "is not name@host");
      }
      if (k > 0 && config_.nodes[order[k - 1]].name == node.name) {
        AddTo(order[k], "name", "declared twice");
      }
      Settings(order[k], node.settings);
      Node(order[k], node);
    }
  }

  void Hosts() {
    std::set<std::string> seen;
    for (size_t i = 0; i < config_.hosts.size(); ++i) {
      const HostConfig& host = config_.hosts[i];
      const std::string path = absl::StrCat("hosts[", i, "]");
      if (host.name.empty()) Add(path + ".name", "a host needs a name");
      if (host.cores < 1) Add(path + ".cores", absl::StrCat("host ", host.name, ": cores must be >= 1"));
      if (!seen.insert(host.name).second) {
        Add(path + ".name", absl::StrCat("host ", host.name, " declared twice"));
      }
    }
  }

 private:
  void Add(std::string field, std::string message) {
    problems_.push_back({std::nullopt, std::move(field), std::move(message)});
  }
  void AddTo(size_t node, std::string field, std::string message) {
    problems_.push_back({node, std::move(field), std::move(message)});
  }

  void Lock() {
    const LockConfig& lock = config_.lock;
    if (lock.retry_delay_ms_min < 1 || lock.retry_delay_ms_max < lock.retry_delay_ms_min) {
      Add("lock.retry_delay_ms_min", "lock retry delay needs 1 <= min <= max");
    }
    if (lock.backoff_ms_min < 0 || lock.backoff_ms_max < lock.backoff_ms_min) {
      Add("lock.backoff_ms_min", "lock back-off needs 0 <= min <= max");
    }
    if (lock.sleep_ms < 1) Add("lock.sleep_ms", "lock sleep_ms must be >= 1");
  }

  void Settings(size_t node, const NodeSettings& settings) {
    for (Problem& p : SettingsProblems(settings)) {
      AddTo(node, absl::StrCat("settings.", p.field), std::move(p.message));
    }
  }

  void Node(size_t index, const NodeConfig& node) {
    if (node.start_at_ms.has_value() && *node.start_at_ms < 0) {
      AddTo(index, "start_at_ms", "must not be negative");
    }
    if (!IsRange(node.backend.latency)) AddTo(index, "backend.latency", "needs 0 <= min <= max");
    if (!IsProbability(node.backend.error_rate)) AddTo(index, "backend.error_rate", "must be in [0, 1]");
    if (!IsProbability(node.backend.crash_rate)) AddTo(index, "backend.crash_rate", "must be in [0, 1]");
    for (const NodeName& listed : node.backend.nodes.value_or(std::vector<NodeName>{})) {
      if (!declared_.contains(listed)) {
        AddTo(index, "backend.nodes", absl::StrCat("names undeclared node ", listed));
      }
    }
    if (node.host.empty()) return;
    if (config_.join_model == JoinModel::kSimple) {
      AddTo(index, "host", "a host needs the calibrated join model");
    } else if (!hosts_.contains(node.host)) {
      AddTo(index, "host", absl::StrCat("names undeclared host ", node.host));
    }
  }

  const WorldConfig& config_;
  std::set<NodeName> declared_;
  std::set<std::string> hosts_;
  std::vector<Problem> problems_;
};

// Raw messages a scenario may put into a mailbox: the engine's own replies
// to get_nodes, joins and calls need a task or a caller behind them.
bool RawMessageAllowed(const engine::Message& message) {
  return !std::holds_alternative<engine::GetNodesDone>(message) &&
         !std::holds_alternative<engine::JoiningFinished>(message) &&
         !std::holds_alternative<engine::GetTablesCall>(message) &&
         !std::holds_alternative<engine::SystemInfoCall>(message) &&
         !std::holds_alternative<engine::WaitForReadyCall>(message) &&
         !std::holds_alternative<engine::WaitForGetNodesCall>(message) &&
         !(std::holds_alternative<engine::UnknownMessage>(message) &&
           std::get<engine::UnknownMessage>(message).kind == engine::UnknownMessage::Kind::kCall);
}

// The node a raw message names, if any.
const NodeName* NamedNode(const engine::Message& message) {
  if (const auto* m = std::get_if<engine::Nodeup>(&message)) return &m->node;
  if (const auto* m = std::get_if<engine::Nodedown>(&message)) return &m->node;
  if (const auto* m = std::get_if<engine::PingResult>(&message)) return &m->node;
  if (const auto* m = std::get_if<engine::StartTimeMsg>(&message)) return &m->node;
  return nullptr;
}

// The building blocks of the action rules.
class ActionChecker {
 public:
  explicit ActionChecker(const WorldConfig& config) {
    for (const NodeConfig& node : config.nodes) declared_.insert(node.name);
  }

  std::vector<Problem> Take() && { return std::move(problems_); }

  void Bad(std::string_view field, std::string message) {
    problems_.push_back({std::nullopt, std::string(field), std::move(message)});
  }
  void Node(std::string_view field, const NodeName& name) {
    if (!declared_.contains(name)) Bad(field, absl::StrCat("unknown node \"", name, "\""));
  }
  void Nodes(std::string_view field, const std::vector<NodeName>& names) {
    for (const NodeName& name : names) Node(field, name);
  }
  void Pairs(std::string_view field, const std::vector<action::NodePair>& pairs) {
    for (const auto& [a, b] : pairs) {
      Node(field, a);
      Node(field, b);
      if (a == b) Bad(field, "a pair needs two different nodes");
    }
  }
  void NotNegative(std::string_view field, int64_t value) {
    if (value < 0) Bad(field, "must not be negative");
  }
  void Groups(const std::vector<std::vector<NodeName>>& groups) {
    std::set<NodeName> seen;
    for (const std::vector<NodeName>& group : groups) {
      Nodes("groups", group);
      for (const NodeName& name : group) {
        if (!seen.insert(name).second) Bad("groups", absl::StrCat("node \"", name, "\" is in two groups"));
      }
    }
  }
  void Backend(const action::Backend& a) {
    if (a.node.has_value()) Node("node", *a.node);
    if (a.nodes.has_value()) Nodes("nodes", *a.nodes);
    if (a.latency.has_value() && !IsRange(*a.latency)) Bad("latency", "needs 0 <= min <= max");
    if (a.error_rate.has_value() && !IsProbability(*a.error_rate)) Bad("error_rate", "must be in [0, 1]");
    if (a.crash_rate.has_value() && !IsProbability(*a.crash_rate)) Bad("crash_rate", "must be in [0, 1]");
  }
  void BackendFail(const action::BackendFail& a, TimeMs at_ms) {
    if (a.node.has_value()) Node("node", *a.node);
    if (a.count.has_value() == a.until_ms.has_value()) Bad("", "exactly one of count and until");
    if (a.count.has_value()) NotNegative("count", *a.count);
    if (a.until_ms.has_value() && *a.until_ms <= at_ms) Bad("until_ms", "must be after the action's time");
  }
  void Table(const NodeName& node, const TableName& table) {
    if (table.empty()) Bad("table", "a table name cannot be empty");
    Node("node", node);
  }
  void Send(const action::Send& a) {
    if (!RawMessageAllowed(a.message)) {
      Bad("message", absl::StrCat("message ", engine::Describe(a.message), " cannot be sent raw"));
    }
    if (const NodeName* named = NamedNode(a.message)) Node("message", *named);
    Node("node", a.node);
  }
  void Probe(const NodeName& node, const NodeName& target, const std::string& id) {
    if (id.empty()) Bad("id", "an empty id");
    Node("target", target);
    Node("node", node);
  }

 private:
  std::set<NodeName> declared_;
  std::vector<Problem> problems_;
};

}  // namespace

std::vector<Problem> SettingsProblems(const NodeSettings& s) {
  std::vector<Problem> problems;
  auto positive = [&](const char* field, TimeMs value) {
    if (value <= 0) problems.push_back({std::nullopt, field, "must be positive"});
  };
  auto not_negative = [&](const char* field, TimeMs value) {
    if (value < 0) problems.push_back({std::nullopt, field, "must not be negative"});
  };
  positive("net_ticktime_ms", s.net_ticktime_ms);
  positive("net_setuptime_ms", s.net_setuptime_ms);
  not_negative("latency_ms", s.latency_ms);
  not_negative("dns_delay_ms", s.dns_delay_ms);
  not_negative("connect_delay_ms", s.connect_delay_ms);
  not_negative("dns_cache_ttl_ms", s.dns_cache_ttl_ms.value_or(0));
  return problems;
}

std::vector<Problem> ConfigProblems(const WorldConfig& config) {
  ConfigChecker checker(config);
  checker.Global();
  checker.Nodes();
  checker.Hosts();
  return std::move(checker).Take();
}

std::vector<Problem> ActionProblems(const WorldConfig& config, TimeMs at_ms, const Action& action) {
  ActionChecker c(config);
  std::visit(Overloaded{
                 [&](const action::Start& a) { c.Nodes("nodes", a.nodes); },
                 [&](const action::Stop& a) { c.Nodes("nodes", a.nodes); },
                 [&](const action::Restart& a) { c.Nodes("nodes", a.nodes); },
                 [&](const action::Partition& a) { c.Groups(a.groups); },
                 [&](const action::Cut& a) { c.Pairs("links", a.links); },
                 [&](const action::HealAll&) {},
                 [&](const action::HealLinks& a) { c.Pairs("links", a.links); },
                 [&](const action::Disconnect& a) { c.Pairs("links", a.links); },
                 [&](const action::Dns& a) {
                   c.NotNegative("delay_ms", a.delay_ms);
                   c.Node("node", a.node);
                 },
                 [&](const action::SlowConnect& a) {
                   c.NotNegative("delay_ms", a.delay_ms);
                   c.Node("node", a.node);
                 },
                 [&](const action::Backend& a) { c.Backend(a); },
                 [&](const action::BackendFail& a) { c.BackendFail(a, at_ms); },
                 [&](const action::AddTable& a) { c.Table(a.node, a.table); },
                 [&](const action::DeleteTable& a) { c.Table(a.node, a.table); },
                 [&](const action::Send& a) { c.Send(a); },
                 [&](const action::Call& a) {
                   c.NotNegative("timeout_ms", a.timeout_ms);
                   if (a.id.empty()) c.Bad("id", "an empty id");
                   c.Node("node", a.node);
                 },
                 [&](const action::ConnectNode& a) { c.Probe(a.node, a.target, a.id); },
                 [&](const action::Rpc& a) { c.Probe(a.node, a.target, a.id); },
                 [&](const action::LockLoop& a) { c.Node("node", a.node); },
                 [&](const action::BackendCrash& a) { c.Node("node", a.node); },
             },
             action);
  return std::move(c).Take();
}

absl::Status ValidateConfig(const WorldConfig& config) {
  std::vector<Problem> problems = ConfigProblems(config);
  if (problems.empty()) return absl::OkStatus();
  const Problem& p = problems.front();
  if (p.node.has_value()) {
    const std::string field = p.field.empty() ? "" : p.field + " ";
    return absl::InvalidArgumentError(
        absl::StrCat("node ", config.nodes[*p.node].name, ": ", field, p.message));
  }
  return absl::InvalidArgumentError(absl::StrCat(p.field, ": ", p.message));
}

absl::Status ValidateAction(const WorldConfig& config, TimeMs at_ms, const Action& action) {
  std::vector<Problem> problems = ActionProblems(config, at_ms, action);
  if (problems.empty()) return absl::OkStatus();
  const Problem& p = problems.front();
  const std::string field = p.field.empty() ? "" : p.field + ": ";
  return absl::InvalidArgumentError(
      absl::StrCat("t=", at_ms, "ms ", ActionName(action), ": ", field, p.message));
}

}  // namespace discosim::world
