// One function per condition kind; each reads the cluster, never changes it.
#include "sim/scenario/conditions.h"
#include "engine/overloaded.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/engine.h"

namespace discosim::scenario {
namespace {


Verdict Holds() { return {true, ""}; }
Verdict Broken(std::string observed) { return {false, std::move(observed)}; }

std::vector<NodeName> RunningNodes(const Observable& world) {
  std::vector<NodeName> running;
  for (const world::NodeStatus& node : world.Nodes()) {
    if (node.running) running.push_back(node.name);
  }
  std::sort(running.begin(), running.end());
  return running;
}

std::vector<NodeName> Select(const NodeSelection& selection, const Observable& world) {
  if (selection.kind == NodeSelection::Kind::kAll) return RunningNodes(world);
  return selection.listed;
}

std::string SetText(const std::set<std::string>& items) {
  return absl::StrCat("[", absl::StrJoin(items, ", "), "]");
}

std::string MissingText(const std::vector<engine::MissingTask>& missing) {
  std::vector<std::string> kinds;
  for (const auto& task : missing) kinds.push_back(engine::KindName(task));
  return absl::StrCat("[", absl::StrJoin(kinds, ", "), "]");
}

Verdict Ready(const ReadyCondition& c, const Observable& world) {
  std::vector<std::string> not_ready;
  for (const NodeName& node : Select(c.nodes, world)) {
    auto missing = world.VerifyReady(node);
    if (!missing.has_value()) {
      not_ready.push_back(node + " not running");
    } else if (!missing->empty()) {
      not_ready.push_back(node + " missing " + MissingText(*missing));
    }
  }
  if (not_ready.empty()) return Holds();
  return Broken(absl::StrJoin(not_ready, "; "));
}

Verdict Joined(const JoinedCondition& c, const Observable& world) {
  const std::vector<NodeName> selected = Select(c.nodes, world);
  const std::set<std::string> want(selected.begin(), selected.end());
  std::vector<std::string> wrong;
  for (const NodeName& node : selected) {
    auto cluster = world.TableCluster(node, c.table);
    if (!cluster.has_value()) {
      wrong.push_back(node + " has no " + c.table + " server");
      continue;
    }
    const std::set<std::string> have(cluster->begin(), cluster->end());
    const bool ok = c.match == ClusterMatch::kExactly
                        ? have == want
                        : std::includes(have.begin(), have.end(), want.begin(), want.end());
    if (!ok) wrong.push_back(node + " cluster " + SetText(have));
  }
  if (wrong.empty()) return Holds();
  return Broken(absl::StrJoin(wrong, "; "));
}

// Compares one optional field; appends "name=actual" to `wrong` on mismatch.
void Field(std::vector<std::string>& wrong, const char* name, bool equal,
           const std::string& actual) {
  if (!equal) wrong.push_back(absl::StrCat(name, "=", actual));
}

template <class Set>
std::set<std::string> AsSet(const Set& items) {
  return std::set<std::string>(items.begin(), items.end());
}

Verdict Info(const InfoCondition& c, const Observable& world) {
  auto info = world.SystemInfo(c.node);
  if (!info.has_value()) return Broken(c.node + " not running");
  const engine::State& s = info->state;
  std::vector<std::string> wrong;
  if (c.phase) Field(wrong, "phase", *c.phase == s.phase, engine::ToString(s.phase));
  if (c.retry_type) {
    Field(wrong, "retry_type", *c.retry_type == info->retry_type,
          engine::ToString(info->retry_type));
  }
  if (c.last_get_nodes_retry_type) {
    Field(wrong, "last_get_nodes_retry_type",
          *c.last_get_nodes_retry_type == s.last_get_nodes_retry_type,
          engine::ToString(s.last_get_nodes_retry_type));
  }
  if (c.get_nodes_status) {
    Field(wrong, "get_nodes_status", *c.get_nodes_status == s.get_nodes_status,
          engine::ToString(s.get_nodes_status));
  }
  if (c.join_status) {
    Field(wrong, "join_status", *c.join_status == s.join_status, engine::ToString(s.join_status));
  }
  if (c.should_retry_get_nodes) {
    Field(wrong, "should_retry_get_nodes", *c.should_retry_get_nodes == s.should_retry_get_nodes,
          s.should_retry_get_nodes ? "true" : "false");
  }
  if (c.should_retry_join) {
    Field(wrong, "should_retry_join", *c.should_retry_join == s.should_retry_join,
          s.should_retry_join ? "true" : "false");
  }
  if (c.nodes) Field(wrong, "nodes", AsSet(*c.nodes) == AsSet(s.nodes), SetText(AsSet(s.nodes)));
  if (c.unavailable_nodes) {
    Field(wrong, "unavailable_nodes", AsSet(*c.unavailable_nodes) == AsSet(s.unavailable_nodes),
          SetText(AsSet(s.unavailable_nodes)));
  }
  if (c.tables) {
    Field(wrong, "tables", AsSet(*c.tables) == AsSet(s.tables), SetText(AsSet(s.tables)));
  }
  if (c.verify_ready) {
    std::vector<size_t> want;
    for (MissingTaskKind kind : *c.verify_ready) want.push_back(static_cast<size_t>(kind));
    std::vector<size_t> have;
    for (const engine::MissingTask& task : info->verify_ready) have.push_back(task.index());
    Field(wrong, "verify_ready", want == have, MissingText(info->verify_ready));
  }
  if (c.last_get_nodes_result) {
    Field(wrong, "last_get_nodes_result", *c.last_get_nodes_result == s.last_get_nodes_result.kind,
          engine::KindName(s.last_get_nodes_result));
  }
  if (wrong.empty()) return Holds();
  return Broken(c.node + ": " + absl::StrJoin(wrong, ", "));
}

Verdict Reply(const ReplyCondition& c, const Observable& world) {
  const world::CallOutcome* outcome = world.Outcome(c.call_id);
  if (outcome == nullptr) return Broken("call " + c.call_id + " was not made");
  using K = world::CallOutcome::Kind;
  bool ok = false;
  switch (c.result.kind) {
    case ReplyResult::Kind::kOk:
      ok = outcome->kind == K::kOk;
      break;
    case ReplyResult::Kind::kTimeout:
      ok = outcome->kind == K::kTimeout;
      break;
    case ReplyResult::Kind::kExit:
      ok = outcome->kind == K::kExit;
      break;
    case ReplyResult::Kind::kTables:
      // get_tables replies the list in its order: compared as a list.
      ok = outcome->kind == K::kTables && outcome->tables == c.result.tables;
      break;
  }
  if (ok) return Holds();
  std::string seen = world::ToString(outcome->kind);
  if (outcome->kind == K::kTables) seen = absl::StrCat("[", absl::StrJoin(outcome->tables, ", "), "]");
  return Broken("call " + c.call_id + ": " + seen);
}

Verdict Connection(const std::vector<NodePair>& pairs, bool want_up, const Observable& world) {
  std::vector<std::string> wrong;
  for (const NodePair& p : pairs) {
    const bool first_up = world.CountsUp(p.first, p.second);
    const bool second_up = world.CountsUp(p.second, p.first);
    const bool ok = want_up ? (first_up && second_up) : (!first_up && !second_up);
    if (!ok) {
      wrong.push_back(absl::StrCat(p.first, (first_up ? " sees up" : " sees down"), ", ",
                                   p.second, (second_up ? " sees up" : " sees down")));
    }
  }
  if (wrong.empty()) return Holds();
  return Broken(absl::StrJoin(wrong, "; "));
}

std::string DurationText(int64_t ms) {
  if (ms % 1000 == 0) return absl::StrCat(ms / 1000, "s");
  return absl::StrCat(ms, "ms");
}

Verdict GetNodesCalls(const GetNodesCallsCondition& c, const Observable& world,
                      int64_t tolerance_ms) {
  const std::vector<engine::TimeMs>& calls = world.GetNodesCalls(c.node);
  std::vector<std::string> times;
  for (engine::TimeMs t : calls) times.push_back(DurationText(t));
  const std::string seen =
      absl::StrCat(calls.size(), " calls at [", absl::StrJoin(times, ", "), "]");
  if (c.kind == GetNodesCallsCondition::Kind::kCount) {
    if (static_cast<int64_t>(calls.size()) == c.count) return Holds();
    return Broken(seen);
  }
  auto close = [&](engine::TimeMs have, int64_t want) {
    return have >= want - tolerance_ms && have <= want + tolerance_ms;
  };
  if (std::equal(calls.begin(), calls.end(), c.times_ms.begin(), c.times_ms.end(), close)) {
    return Holds();
  }
  return Broken(seen);
}

bool SameValue(const LogFieldValue& want, const engine::LogValue& have) {
  if (want.index() == have.index()) {
    return std::visit(
        Overloaded{[&](int64_t w) { return std::get<int64_t>(have) == w; },
                   [&](const std::string& w) { return std::get<std::string>(have) == w; }},
        want);
  }
  return false;
}

bool Matches(const LogCondition& c, const engine::LogRecord& record) {
  if (c.what && record.what != *c.what) return false;
  for (const LogField& field : c.fields) {
    const engine::LogValue* value = record.Find(field.name);
    if (value == nullptr || !SameValue(field.value, *value)) return false;
  }
  for (const std::string& name : c.has) {
    if (record.Find(name) == nullptr) return false;
  }
  return true;
}

// Each running node's table clusters hold only itself and its visible
// connected nodes, or a node its monitor is still auto-connecting to (a
// merged-in member it has no connection to: cets keeps it unless the
// connect fails). The world lists no servers, so each node's are looked up
// by the tables it was started with and the tables its discovery tracks
// (a table added and then deleted again is not seen). Runs after every event
// under `always`, so it copies nothing but the clusters.
bool MembersConnected(const Observable& world, const NodeName& node, const TableName& table,
                      const engine::NodeSet& view, std::vector<std::string>& wrong) {
  std::optional<engine::NodeSet> cluster = world.TableCluster(node, table);
  if (!cluster.has_value()) return true;
  bool ok = true;
  for (const NodeName& member : *cluster) {
    if (member == node || view.contains(member)) continue;
    if (world.MonitorConnecting(node, member)) continue;  // its monitor is connecting
    std::optional<world::NodeStatus> peer = world.Node(member);
    const char* why = peer && !peer->running         ? "stopped"
                      : world.CountsUp(node, member) ? "connected, but not visibly"
                                                     : "not connected";
    wrong.push_back(absl::StrCat(node, " ", table, " cluster has ", member, " (", why, ")"));
    ok = false;
  }
  return ok;
}

Verdict ClusterMembersConnected(const Observable& world) {
  std::vector<std::string> wrong;
  // Only a node that has run can be a member. A node whose view holds every
  // other such node has nothing to check: the usual case, and a cheap one.
  const std::vector<world::NodeStatus> nodes = world.Nodes();
  size_t ever_started = 0;
  for (const world::NodeStatus& node : nodes) ever_started += node.incarnation > 0 ? 1 : 0;
  for (const world::NodeStatus& node : nodes) {
    const engine::State* state = world.DiscoveryState(node.name);
    if (state == nullptr) continue;  // not running
    const engine::NodeSet& view = world.VisibleConnected(node.name);
    if (view.size() + 1 >= ever_started) continue;
    const std::vector<TableName> tables = world.StartTables(node.name);
    for (const TableName& table : tables) MembersConnected(world, node.name, table, view, wrong);
    for (const TableName& table : state->tables) {
      if (std::find(tables.begin(), tables.end(), table) != tables.end()) continue;
      MembersConnected(world, node.name, table, view, wrong);
    }
  }
  if (wrong.empty()) return Holds();
  return Broken(absl::StrJoin(wrong, "; "));
}

Verdict Log(const LogCondition& c, const Observable& world) {
  int64_t matches = 0;
  for (const world::LogEntry& entry : world.Logs(c.node)) {
    if (Matches(c, entry.record)) ++matches;
  }
  const bool ok = c.count ? matches == *c.count : matches > 0;
  if (ok) return Holds();
  return Broken(absl::StrCat(matches, " matching records on ", c.node));
}

}  // namespace

Verdict Evaluate(const Condition& condition, const Observable& world,
                 const EvaluateOptions& options) {
  return std::visit(
      Overloaded{
          [&](const ReadyCondition& c) { return Ready(c, world); },
          [&](const JoinedCondition& c) { return Joined(c, world); },
          [&](const InfoCondition& c) { return Info(c, world); },
          [&](const ReplyCondition& c) { return Reply(c, world); },
          [&](const ConnectedCondition& c) { return Connection(c.pairs, true, world); },
          [&](const DisconnectedCondition& c) { return Connection(c.pairs, false, world); },
          [&](const GetNodesCallsCondition& c) {
            return GetNodesCalls(c, world, options.times_tolerance_ms);
          },
          [&](const LogCondition& c) { return Log(c, world); },
          [&](const NoOverlappingPartitionsCondition&) {
            return world.NoOverlappingPartitions() ? Holds()
                                                   : Broken("connectivity is not transitive");
          },
          [&](const ClusterMembersConnectedCondition&) { return ClusterMembersConnected(world); },
      },
      condition);
}

}  // namespace discosim::scenario
