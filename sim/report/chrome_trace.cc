// Builds the trace-event document from what the world recorded.
#include "sim/report/chrome_trace.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "engine/types.h"

namespace discosim::report {
namespace {

using scenario::ScenarioRun;

using Json = nlohmann::ordered_json;

// Track ids inside each node's process.
enum Track : int { kDiscovery = 1, kGetNodes = 2, kJoins = 3, kConnections = 4 };
constexpr int kWorldPid = 0;

int64_t Us(int64_t ms) { return ms * 1000; }

Json Meta(const char* what, int pid, int tid, const std::string& name) {
  Json e = {{"ph", "M"}, {"name", what}, {"pid", pid}, {"tid", tid}};
  e["args"] = {{"name", name}};
  return e;
}

Json Instant(const std::string& name, int pid, int tid, int64_t at_ms, Json args) {
  return {{"ph", "i"}, {"s", "t"},        {"name", name}, {"pid", pid},
          {"tid", tid}, {"ts", Us(at_ms)}, {"args", std::move(args)}};
}

Json Span(const std::string& name, int pid, int tid, int64_t from_ms, int64_t to_ms, Json args) {
  return {{"ph", "X"},         {"name", name},
          {"pid", pid},        {"tid", tid},
          {"ts", Us(from_ms)}, {"dur", Us(std::max<int64_t>(to_ms - from_ms, 0))},
          {"args", std::move(args)}};
}

Json LogArgs(const engine::LogRecord& record) {
  Json args = Json::object();
  for (const auto& [key, value] : record.fields) {
    if (const auto* n = std::get_if<int64_t>(&value)) {
      args[key] = *n;
    } else {
      args[key] = std::get<std::string>(value);
    }
  }
  return args;
}

void AddNode(Json& events, const ScenarioRun& run, const scenario::Node& node, int pid) {
  const world::World& w = *run.world;
  events.push_back(Meta("process_name", pid, 0, node.name));
  events.push_back(Meta("thread_name", pid, kDiscovery, "discovery"));
  events.push_back(Meta("thread_name", pid, kGetNodes, "get_nodes calls"));
  events.push_back(Meta("thread_name", pid, kJoins, "joins"));
  events.push_back(Meta("thread_name", pid, kConnections, "connections"));
  const world::Observations& seen = w.Observed();
  const auto index = static_cast<world::NodeIndex>(
      std::find(seen.node_names.begin(), seen.node_names.end(), node.name) -
      seen.node_names.begin());
  for (const world::Observations::GetNodesCall& call : seen.get_nodes) {
    if (call.node != index) continue;
    events.push_back(Instant("get_nodes", pid, kGetNodes, call.started_ms, Json::object()));
  }
  std::map<std::string, int64_t> up_since_ms;  // peer -> nodeup time
  for (const world::LogEntry& entry : w.Logs(node.name)) {
    events.push_back(
        Instant(entry.record.what, pid, kDiscovery, entry.at_ms, LogArgs(entry.record)));
    const engine::LogValue* peer = entry.record.Find("remote_node");
    if (peer == nullptr || !std::holds_alternative<std::string>(*peer)) continue;
    const std::string& name = std::get<std::string>(*peer);
    if (entry.record.what == "nodeup") {
      up_since_ms[name] = entry.at_ms;
    } else if (entry.record.what == "nodedown") {
      if (auto it = up_since_ms.find(name); it != up_since_ms.end()) {
        events.push_back(Span(name, pid, kConnections, it->second, entry.at_ms, Json::object()));
        up_since_ms.erase(it);
      }
    }
  }
  for (const auto& [name, since_ms] : up_since_ms) {
    events.push_back(Span(name, pid, kConnections, since_ms, run.end_ms, Json::object()));
  }
  for (const world::JoinRecord& join : w.Joins()) {
    if (join.node != node.name) continue;
    Json args = {{"peer", join.peer},
                 {"table", join.table},
                 {"lock_attempts", join.lock_attempts},
                 {"lock_aborts", join.lock_aborts},
                 {"result", join.result}};
    if (join.lock_granted_at_ms) args["lock_granted_at_ms"] = *join.lock_granted_at_ms;
    events.push_back(Span("join " + join.table + " with " + join.peer, pid, kJoins,
                          join.started_at_ms, join.finished_at_ms.value_or(run.end_ms),
                          std::move(args)));
  }
}

}  // namespace

std::string ChromeTraceJson(const ScenarioRun& run) {
  Json events = Json::array();
  events.push_back(Meta("process_name", kWorldPid, 0, "world (timeline)"));
  events.push_back(Meta("thread_name", kWorldPid, 1, "faults and actions"));
  for (const scenario::TimelineStep& step : run.scenario->timeline) {
    events.push_back(Instant(std::string(scenario::ActionKey(step.action)), kWorldPid, 1, step.at_ms,
                             {{"step", step.as_written}}));
  }
  int pid = 1;
  for (const scenario::Node& node : run.scenario->nodes) AddNode(events, run, node, pid++);
  Json doc = {{"traceEvents", std::move(events)}, {"displayTimeUnit", "ms"}};
  doc["otherData"] = {{"scenario", run.scenario->name},
                      {"seed", run.seed},
                      {"trace_hash", run.world->TraceHash()}};
  return doc.dump(1) + "\n";
}

}  // namespace discosim::report
