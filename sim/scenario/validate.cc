// Checking a Scenario struct against the format's rules (see validate.h).
#include "sim/scenario/validate.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "sim/scenario/duration.h"
#include "sim/scenario/node_settings.h"
#include "sim/scenario/reader.h"
#include "sim/scenario/text.h"
#include "sim/scenario/to_world.h"
#include "sim/world/validate.h"

namespace discosim::scenario {
namespace {

using internal::Cat;
using internal::IndexPath;
using internal::KeyPath;
using internal::kMaxReportedErrors;
using internal::NodeNameProblem;

// The path of the file key that holds the world's `field` (a member path
// of a world action or NodeConfig) under `path`: the node names of an
// action are its value itself, settings go by their file key, `_ms` is
// not written.
std::string FileKeyPath(std::string_view path, std::string_view field) {
  if (field.empty() || field == "node" || field == "nodes" || field == "links" || field == "groups" ||
      field == "target") {
    return std::string(path);
  }
  if (field.starts_with("settings.")) {
    const NodeSettingKey* row = FindSettingField(field.substr(std::string_view("settings.").size()));
    if (row != nullptr) return KeyPath(path, row->key);
  }
  if (field.ends_with("_ms")) field.remove_suffix(3);
  return KeyPath(path, field);
}

class Checker {
 public:
  Checker(const Scenario& scenario, const ScenarioLimits& limits)
      : scenario_(scenario), limits_(limits), world_(WorldConfigOf(scenario)) {
    for (const Node& node : scenario.nodes) declared_.insert(node.name);
  }

  void Fail(const SourcePosition& at, std::string_view path, std::string_view message) {
    if (problems_.size() >= kMaxReportedErrors) return;
    std::string line;
    if (at.line > 0) line = Cat(at.file, ":", at.line, ":", at.column, ": ");
    problems_.push_back(Cat(line, path, ": ", message));
  }

  absl::Status ToStatus() const {
    if (problems_.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(internal::Join(problems_, "\n"));
  }

  // --- Building blocks, all reporting at `at` under `path`.

  void CheckNode(const SourcePosition& at, std::string_view path, const NodeName& name) {
    if (!declared_.count(name)) Fail(at, path, Cat("unknown node \"", name, "\""));
  }
  // The file's rules for a list of nodes: not empty (when refused), no repeats.
  void CheckList(const SourcePosition& at, std::string_view path, const std::vector<NodeName>& names,
                 internal::EmptyList empty) {
    if (names.empty() && empty == internal::EmptyList::kRefused) Fail(at, path, "empty list");
    std::set<NodeName> seen;
    for (const NodeName& name : names) {
      if (!seen.insert(name).second) Fail(at, path, Cat("node \"", name, "\" is listed twice"));
    }
  }
  // CheckList, and every node declared.
  void CheckNodes(const SourcePosition& at, std::string_view path, const std::vector<NodeName>& names,
                  internal::EmptyList empty) {
    for (const NodeName& name : names) CheckNode(at, path, name);
    CheckList(at, path, names, empty);
  }
  void CheckSelection(const SourcePosition& at, std::string_view path, const NodeSelection& selection) {
    if (selection.kind == NodeSelection::Kind::kListed) {
      CheckNodes(at, path, selection.listed, internal::EmptyList::kRefused);
    }
  }
  void CheckPairs(const SourcePosition& at, std::string_view path, const std::vector<NodePair>& pairs) {
    if (pairs.empty()) Fail(at, path, "empty list");
    for (const NodePair& pair : pairs) {
      CheckNode(at, path, pair.first);
      CheckNode(at, path, pair.second);
      if (pair.first == pair.second) Fail(at, path, "a pair needs two different nodes");
    }
  }
  // The world's rules for `action` at `at_ms` (names declared, fields in
  // range), each under `path` and the file's key for the field it names.
  void CheckWorldAction(const SourcePosition& at, std::string_view path, int64_t at_ms,
                        const world::Action& action) {
    const bool backend = std::holds_alternative<world::action::Backend>(action);
    for (const world::Problem& problem : world::ActionProblems(world_, at_ms, action)) {
      // A `backend` step's `nodes` is a key of its own (the backend's list).
      const std::string where = backend && problem.field == "nodes" ? KeyPath(path, "nodes")
                                                                    : FileKeyPath(path, problem.field);
      Fail(at, where, problem.message);
    }
  }
  void CheckTime(const SourcePosition& at, std::string_view path, int64_t time_ms) {
    if (time_ms < 0) Fail(at, path, "negative time");
    if (time_ms > scenario_.duration_ms) {
      Fail(at, path, Cat(FormatDurationMs(time_ms), " is after the end of the run"));
    }
  }
  void CheckNonNegative(const SourcePosition& at, std::string_view path, int64_t value) {
    if (value < 0) Fail(at, path, "must not be negative");
  }
  void CheckTables(const SourcePosition& at, std::string_view path, const std::vector<TableName>& tables) {
    std::set<TableName> seen;
    for (const TableName& table : tables) {
      if (table.empty()) Fail(at, path, "a table name cannot be empty");
      if (!seen.insert(table).second) Fail(at, path, Cat("table \"", table, "\" is listed twice"));
      tables_.insert(table);
    }
  }
  void CheckLatency(const SourcePosition& at, std::string_view path, const LatencyRange& latency) {
    if (latency.min_ms < 0 || latency.min_ms > latency.max_ms) {
      Fail(at, path, "a latency range needs 0 <= min <= max");
    }
  }
  // Backend keys: the world's rules (as for a `backend` action), and no
  // node listed twice.
  void CheckBackend(const SourcePosition& at, std::string_view path, const BackendOverrides& backend) {
    if (backend.nodes) CheckList(at, KeyPath(path, "nodes"), *backend.nodes, internal::EmptyList::kAllowed);
    const world::action::Backend action{std::nullopt, backend.nodes, backend.latency,
                                        backend.error_rate, backend.crash_rate};
    for (const world::Problem& problem : world::ActionProblems(world_, 0, action)) {
      Fail(at, KeyPath(path, problem.field), problem.message);
    }
  }
  // The world's rules for node settings, reported under each setting's key.
  void CheckSettings(const SourcePosition& at, std::string_view path, const NodeSettings& settings) {
    for (const world::Problem& problem : world::SettingsProblems(settings)) {
      const NodeSettingKey* row = FindSettingField(problem.field);
      Fail(at, KeyPath(path, row != nullptr ? row->key : problem.field), problem.message);
    }
  }

  // A node's (or the defaults') host is declared under `hosts`.
  void CheckHost(const SourcePosition& at, std::string_view path,
                 const std::optional<std::string>& name) {
    if (!name) return;
    for (const Host& host : scenario_.hosts) {
      if (host.name == *name) return;
    }
    Fail(at, KeyPath(path, "host"), Cat("host \"", *name, "\" is not declared under `hosts`"));
  }

  void Header();
  void NodeList();
  void TableCount() {
    if (static_cast<int64_t>(tables_.size()) > limits_.max_tables) {
      Fail({}, "tables",
           Cat(tables_.size(), " distinct table names is more than the limit of ",
               limits_.max_tables, "; raise it with --max-tables"));
    }
  }
  void Timeline();
  void Expectations();

 private:
  void CheckAction(const TimelineStep& step, const std::string& path);
  void CheckBackendFail(const TimelineStep& step, const BackendFailAction& a, const std::string& path);
  void NodeWorldRules();
  void CheckQualifier(const Expectation& expectation, const std::string& path);
  void CheckCondition(const Expectation& expectation, const std::string& path);

  const Scenario& scenario_;
  const ScenarioLimits& limits_;
  std::set<NodeName> declared_;
  std::set<TableName> tables_;
  std::map<std::string, Request> call_ids_;
  world::WorldConfig world_;  // the scenario in the world's terms
  std::vector<std::string> problems_;
};

void Checker::Header() {
  const SourcePosition none;
  if (scenario_.name.empty()) Fail(none, "name", "required, and not empty");
  if (scenario_.duration_ms <= 0) Fail(none, "duration", "must be longer than 0s");
  CheckSettings(none, "defaults", scenario_.defaults);
  CheckTables(none, "tables", scenario_.tables);
  BackendOverrides backend{scenario_.backend.nodes, scenario_.backend.latency,
                           scenario_.backend.error_rate, scenario_.backend.crash_rate};
  CheckBackend(none, "backend", backend);
  if (scenario_.join_lock) {
    const JoinLockOptions& lock = *scenario_.join_lock;
    if (lock.sleep_ms <= 0) Fail(none, "join_lock.sleep", "must be longer than 0s");
    if (lock.backoff) CheckLatency(none, "join_lock.backoff", *lock.backoff);
  }
  std::set<std::string> hosts;
  for (size_t i = 0; i < scenario_.hosts.size(); ++i) {
    const Host& host = scenario_.hosts[i];
    const std::string path = IndexPath("hosts", i);
    if (host.name.empty()) Fail(host.position, KeyPath(path, "name"), "cannot be empty");
    if (!hosts.insert(host.name).second) {
      Fail(host.position, KeyPath(path, "name"), Cat("host \"", host.name, "\" is declared twice"));
    }
    if (host.cores < 1) Fail(host.position, KeyPath(path, "cores"), "must be at least 1");
  }
  CheckHost(none, "defaults", scenario_.default_host);
}

void Checker::NodeList() {
  if (scenario_.nodes.empty()) Fail({}, "nodes", "a scenario needs at least one node");
  if (static_cast<int64_t>(scenario_.nodes.size()) > limits_.max_nodes) {
    Fail({}, "nodes",
         Cat(scenario_.nodes.size(), " nodes is more than the limit of ", limits_.max_nodes,
             "; raise it with --max-nodes"));
  }
  std::set<NodeName> seen;
  for (size_t i = 0; i < scenario_.nodes.size(); ++i) {
    const Node& node = scenario_.nodes[i];
    std::string path = IndexPath("nodes", i);
    if (std::string problem = NodeNameProblem(node.name); !problem.empty()) {
      Fail(node.position, KeyPath(path, "name"), problem);
    }
    if (!seen.insert(node.name).second) {
      Fail(node.position, KeyPath(path, "name"), Cat("node \"", node.name, "\" is declared twice"));
    }
    CheckHost(node.position, path, node.host);
    CheckTime(node.position, KeyPath(path, "start_at"), node.start_at_ms);
    if (node.start == StartMode::kNever && node.start_at_ms != 0) {
      Fail(node.position, KeyPath(path, "start_at"), "a node with start: false is never started");
    }
    CheckTables(node.position, KeyPath(path, "tables"), node.tables);
    if (node.backend.nodes) {
      CheckList(node.position, KeyPath(path, "backend.nodes"), *node.backend.nodes,
                internal::EmptyList::kAllowed);
    }
  }
  NodeWorldRules();
}

// The world's rules for each node (its settings, its backend), under the
// node's path. The file's own rules for a node's name, start_at and host
// (above) say more than the world's, so those fields are left to them.
void Checker::NodeWorldRules() {
  for (const world::Problem& problem : world::ConfigProblems(world_)) {
    if (!problem.node || problem.field == "name" || problem.field == "start_at_ms" ||
        problem.field == "host") {
      continue;
    }
    const Node& node = scenario_.nodes[*problem.node];
    Fail(node.position, FileKeyPath(IndexPath("nodes", *problem.node), problem.field),
         problem.message);
  }
}

// The file's own rules for a step (lists not empty and without repeats, at
// least one key, times within the run, call ids unique); the world's rules
// come from CheckWorldAction.
void Checker::CheckAction(const TimelineStep& step, const std::string& path) {
  const SourcePosition& at = step.position;
  std::visit(
      [&](const auto& a) {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, world::action::Start> || std::is_same_v<A, world::action::Stop> ||
                      std::is_same_v<A, world::action::Restart>) {
          CheckList(at, path, a.nodes, internal::EmptyList::kRefused);
        } else if constexpr (std::is_same_v<A, world::action::Partition>) {
          if (a.groups.empty()) Fail(at, path, "empty list");
          for (const std::vector<NodeName>& group : a.groups) {
            CheckList(at, path, group, internal::EmptyList::kRefused);
          }
        } else if constexpr (std::is_same_v<A, world::action::Cut>) {
          if (a.links.empty()) Fail(at, path, "empty list");
        } else if constexpr (std::is_same_v<A, HealAction>) {
          if (a.scope == HealAction::Scope::kLinks && a.links.empty()) Fail(at, path, "empty list");
        } else if constexpr (std::is_same_v<A, world::action::Disconnect>) {
          if (a.links.empty()) Fail(at, path, "empty list");
        } else if constexpr (std::is_same_v<A, DnsAction>) {
          if (!a.delay_ms && !a.outcome) Fail(at, path, "give delay, fail or both");
        } else if constexpr (std::is_same_v<A, BackendAction>) {
          if (!a.changes.nodes && !a.changes.latency && !a.changes.error_rate &&
              !a.changes.crash_rate) {
            Fail(at, path, "give at least one of nodes, latency, error_rate, crash_rate");
          }
          if (a.changes.nodes) {
            CheckList(at, KeyPath(path, "nodes"), *a.changes.nodes, internal::EmptyList::kAllowed);
          }
        } else if constexpr (std::is_same_v<A, BackendFailAction>) {
          CheckBackendFail(step, a, path);
        } else if constexpr (std::is_same_v<A, world::action::AddTable> || std::is_same_v<A, world::action::DeleteTable>) {
          tables_.insert(a.table);
        } else if constexpr (std::is_same_v<A, world::action::Call>) {
          if (!a.id.empty() && !call_ids_.emplace(a.id, a.request).second) {
            Fail(at, KeyPath(path, "id"), Cat("call id \"", a.id, "\" is already used"));
          }
        }
      },
      step.action);
}

void Checker::CheckBackendFail(const TimelineStep& step, const BackendFailAction& a,
                               const std::string& path) {
  const SourcePosition& at = step.position;
  if (a.kind == BackendFailAction::Kind::kCount && a.count < 1) {
    Fail(at, KeyPath(path, "count"), "must be 1 or more");
  }
  if (a.kind == BackendFailAction::Kind::kUntil) {
    CheckTime(at, KeyPath(path, "until"), a.until_ms);
  }
}

void Checker::Timeline() {
  if (static_cast<int64_t>(scenario_.timeline.size()) > limits_.max_timeline_steps) {
    Fail({}, "timeline",
         Cat(scenario_.timeline.size(), " steps is more than the limit of ",
             limits_.max_timeline_steps, "; raise it with --max-timeline-steps"));
  }
  int64_t previous_at_ms = 0;
  ActionTranslator translator(scenario_);
  for (size_t i = 0; i < scenario_.timeline.size(); ++i) {
    const TimelineStep& step = scenario_.timeline[i];
    std::string path = IndexPath("timeline", i);
    CheckTime(step.position, KeyPath(path, "at"), step.at_ms);
    if (step.at_ms < previous_at_ms) {
      Fail(step.position, KeyPath(path, "at"), "before the previous step; keep the timeline in time order");
    }
    previous_at_ms = std::max(previous_at_ms, step.at_ms);
    const std::string action_path = KeyPath(path, ActionKey(step.action));
    CheckWorldAction(step.position, action_path, step.at_ms, translator.Translate(step, i));
    CheckAction(step, action_path);
  }
}

void Checker::CheckQualifier(const Expectation& e, const std::string& path) {
  const SourcePosition& at = e.position;
  auto window = [&](int64_t from_ms, const std::optional<int64_t>& until_ms) {
    CheckTime(at, KeyPath(path, "from"), from_ms);
    if (until_ms) {
      CheckTime(at, KeyPath(path, "until"), *until_ms);
      if (*until_ms < from_ms) Fail(at, KeyPath(path, "until"), "is before from");
    }
  };
  std::visit(
      [&](const auto& q) {
        using Q = std::decay_t<decltype(q)>;
        if constexpr (std::is_same_v<Q, AtQualifier>) {
          CheckTime(at, KeyPath(path, "at"), q.at_ms);
        } else if constexpr (std::is_same_v<Q, ByQualifier>) {
          CheckTime(at, KeyPath(path, "by"), q.by_ms);
          CheckTime(at, KeyPath(path, "from"), q.from_ms);
          if (q.from_ms > q.by_ms) Fail(at, KeyPath(path, "from"), "is after by");
        } else if constexpr (std::is_same_v<Q, AlwaysQualifier> || std::is_same_v<Q, NeverQualifier>) {
          window(q.from_ms, q.until_ms);
        } else if constexpr (std::is_same_v<Q, AfterHealQualifier>) {
          CheckNonNegative(at, KeyPath(path, "after_heal"), q.within_ms);
        }
      },
      e.qualifier);
}

void Checker::CheckCondition(const Expectation& e, const std::string& path) {
  const SourcePosition& at = e.position;
  std::visit(
      [&](const auto& c) {
        using C = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<C, ReadyCondition>) {
          CheckSelection(at, path, c.nodes);
        } else if constexpr (std::is_same_v<C, JoinedCondition>) {
          if (!tables_.count(c.table)) Fail(at, KeyPath(path, "table"), Cat("unknown table \"", c.table, "\""));
          CheckSelection(at, path, c.nodes);
        } else if constexpr (std::is_same_v<C, InfoCondition>) {
          CheckNode(at, path, c.node);
          bool any = c.phase || c.retry_type || c.last_get_nodes_retry_type || c.get_nodes_status ||
                     c.join_status || c.should_retry_get_nodes || c.should_retry_join || c.nodes ||
                     c.unavailable_nodes || c.tables || c.verify_ready || c.last_get_nodes_result;
          if (!any) Fail(at, path, "give at least one system_info field");
          if (c.nodes) CheckNodes(at, KeyPath(path, "nodes"), *c.nodes, internal::EmptyList::kAllowed);
          if (c.unavailable_nodes) {
            CheckNodes(at, KeyPath(path, "unavailable_nodes"), *c.unavailable_nodes,
                  internal::EmptyList::kAllowed);
          }
        } else if constexpr (std::is_same_v<C, ReplyCondition>) {
          auto it = call_ids_.find(c.call_id);
          if (it == call_ids_.end()) {
            Fail(at, KeyPath(path, "id"), Cat("no call step has id \"", c.call_id, "\""));
          } else if (c.result.kind == ReplyResult::Kind::kTables &&
                     it->second != Request::kGetTables) {
            Fail(at, KeyPath(path, "result"), "a table list is what get_tables returns");
          }
        } else if constexpr (std::is_same_v<C, ConnectedCondition> ||
                             std::is_same_v<C, DisconnectedCondition>) {
          CheckPairs(at, path, c.pairs);
        } else if constexpr (std::is_same_v<C, GetNodesCallsCondition>) {
          CheckNode(at, path, c.node);
          if (c.kind == GetNodesCallsCondition::Kind::kCount) CheckNonNegative(at, KeyPath(path, "count"), c.count);
          for (size_t i = 0; i < c.times_ms.size(); ++i) {
            CheckTime(at, KeyPath(path, "times"), c.times_ms[i]);
            if (i > 0 && c.times_ms[i] < c.times_ms[i - 1]) {
              Fail(at, KeyPath(path, "times"), "call times must be in order");
            }
          }
        } else if constexpr (std::is_same_v<C, LogCondition>) {
          CheckNode(at, path, c.node);
          if (c.count) CheckNonNegative(at, KeyPath(path, "count"), *c.count);
        }
      },
      e.condition);
}

void Checker::Expectations() {
  if (static_cast<int64_t>(scenario_.expectations.size()) > limits_.max_expectations) {
    Fail({}, "expect",
         Cat(scenario_.expectations.size(), " expectations is more than the limit of ",
             limits_.max_expectations, "; raise it with --max-expectations"));
  }
  for (size_t i = 0; i < scenario_.expectations.size(); ++i) {
    const Expectation& e = scenario_.expectations[i];
    std::string path = IndexPath("expect", i);
    CheckQualifier(e, path);
    CheckCondition(e, KeyPath(path, ConditionKey(e.condition)));
  }
}

}  // namespace

absl::Status ValidateScenario(const Scenario& scenario, const ScenarioLimits& limits) {
  Checker checker(scenario, limits);
  checker.Header();
  checker.NodeList();
  checker.Timeline();  // before expectations: call ids and added tables
  checker.TableCount();
  checker.Expectations();
  return checker.ToStatus();
}

}  // namespace discosim::scenario
