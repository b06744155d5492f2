// Planning the figures of a scenario and running it once (runs.h).
#include "sim/stats/runs.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "sim/scenario/duration.h"
#include "sim/scenario/run.h"

namespace discosim::stats {
namespace {

using scenario::Expectation;
using scenario::NodeSelection;

// Every table a node has at the start, in order of first appearance (the
// top-level list first), with the started nodes that have it.
std::vector<std::pair<std::string, NodeSelection>> TablesAtStart(const scenario::Scenario& s) {
  std::vector<std::string> order = s.tables;
  for (const scenario::Node& node : s.nodes) {
    for (const std::string& table : node.tables) {
      if (std::find(order.begin(), order.end(), table) == order.end()) order.push_back(table);
    }
  }
  std::vector<std::pair<std::string, NodeSelection>> tables;
  for (const std::string& table : order) {
    NodeSelection selection;
    bool every_started_node = true;
    for (const scenario::Node& node : s.nodes) {
      if (node.start == scenario::StartMode::kNever) continue;
      const bool has = std::find(node.tables.begin(), node.tables.end(), table) != node.tables.end();
      if (has) selection.listed.push_back(node.name);
      every_started_node = every_started_node && has;
    }
    if (selection.listed.empty()) continue;  // only on nodes started later
    if (every_started_node) {
      selection.listed.clear();
    } else {
      selection.kind = NodeSelection::Kind::kListed;
    }
    tables.emplace_back(table, std::move(selection));
  }
  return tables;
}

std::string SelectionText(const NodeSelection& selection) {
  if (selection.kind == NodeSelection::Kind::kAll) return "all";
  std::string text = "[";
  for (size_t i = 0; i < selection.listed.size(); ++i) {
    absl::StrAppend(&text, i ? ", " : "", selection.listed[i]);
  }
  return text + "]";
}

// `{by: END[, from: H], CONDITION}` appended to the plan's scenario.
size_t Append(Plan& plan, int64_t from_ms, scenario::Condition condition, std::string text) {
  scenario::Scenario& s = plan.scenario;
  Expectation e;
  e.qualifier = scenario::ByQualifier{s.duration_ms, from_ms};
  e.condition = std::move(condition);
  e.position = {s.source_file, 0, 0};
  e.as_written = absl::StrCat("{by: ", scenario::FormatDurationMs(s.duration_ms),
                              from_ms > 0 ? absl::StrCat(", from: ", scenario::FormatDurationMs(from_ms))
                                          : std::string(),
                              ", ", text, "}");
  s.expectations.push_back(std::move(e));
  return s.expectations.size() - 1;
}

// ready, whole T..., converged, measured from `from_ms`; `suffix` names it.
void AddFigures(Plan& plan, int64_t from_ms, const std::string& suffix,
                const std::vector<std::pair<std::string, NodeSelection>>& tables) {
  TimeFigure converged{"converged" + suffix, from_ms, {}};
  const size_t ready = Append(plan, from_ms, scenario::ReadyCondition{}, "ready: all");
  plan.times.push_back({"ready" + suffix, from_ms, {ready}});
  converged.expectations.push_back(ready);
  for (const auto& [table, selection] : tables) {
    scenario::JoinedCondition joined{table, scenario::ClusterMatch::kExactly, selection};
    const size_t whole = Append(plan, from_ms, joined,
                                absl::StrCat("joined: {table: ", table, ", nodes: ",
                                             SelectionText(selection), "}"));
    plan.times.push_back({absl::StrCat("whole ", table, suffix), from_ms, {whole}});
    converged.expectations.push_back(whole);
  }
  if (!tables.empty()) plan.times.push_back(std::move(converged));
}

std::optional<int64_t> DecisionMs(const scenario::ExpectationResult& r, int64_t removal_ms) {
  if (!r.passed) return std::nullopt;
  if (const auto* by = std::get_if<scenario::ByQualifier>(&r.expectation->qualifier)) {
    return r.at_ms - by->from_ms;
  }
  if (std::holds_alternative<scenario::AfterHealQualifier>(r.expectation->qualifier)) {
    return r.at_ms - removal_ms;
  }
  return std::nullopt;
}

// The latest of the figure's expectation times; none when one never held.
std::optional<int64_t> FigureMs(const TimeFigure& figure,
                                const std::vector<scenario::ExpectationResult>& results) {
  int64_t latest_ms = 0;
  for (size_t e : figure.expectations) {
    if (!results[e].passed) return std::nullopt;
    latest_ms = std::max(latest_ms, results[e].at_ms - figure.from_ms);
  }
  return latest_ms;
}

}  // namespace

Plan PlanFor(const scenario::Scenario& scenario) {
  Plan plan;
  plan.scenario = scenario;
  plan.written = scenario.expectations.size();
  const auto tables = TablesAtStart(scenario);
  AddFigures(plan, 0, "", tables);
  for (const scenario::TimelineStep& step : scenario.timeline) {
    if (!std::holds_alternative<scenario::HealAction>(step.action)) continue;
    const std::string suffix = absl::StrCat(" after heal at ", scenario::FormatDurationMs(step.at_ms));
    // Two heals in one instant measure from the same time: one set of figures.
    if (std::any_of(plan.times.begin(), plan.times.end(),
                    [&](const TimeFigure& f) { return f.name == "ready" + suffix; })) {
      continue;
    }
    AddFigures(plan, step.at_ms, suffix, tables);
  }
  return plan;
}

RunRecord RunOnce(const Plan& plan, uint64_t seed, const world::Limits& limits) {
  RunRecord record;
  record.seed = seed;
  scenario::RunOptions options;
  options.seed = seed;
  options.limits = limits;
  options.trace = world::TraceMode::kHashOnly;
  absl::StatusOr<scenario::ScenarioRun> run = scenario::RunScenario(plan.scenario, options);
  if (!run.ok()) {
    record.stopped = std::string(run.status().message());
    return record;
  }
  const int64_t removal_ms = run->world->LastFaultRemovalMs().value_or(0);
  for (size_t i = 0; i < plan.written; ++i) {
    const scenario::ExpectationResult& r = run->results[i];
    record.expectations.push_back({r.passed, DecisionMs(r, removal_ms)});
  }
  for (const TimeFigure& figure : plan.times) record.times.push_back(FigureMs(figure, run->results));
  const world::Counters counters = run->world->counters();
  const world::Observations& seen = run->world->Observed();
  const auto discovery_pings = std::count_if(seen.pings.begin(), seen.pings.end(), [](const auto& p) {
    return p.purpose == world::Observations::Ping::For::kDiscovery;
  });
  record.counts = {static_cast<int64_t>(run->run.events),
                   static_cast<int64_t>(counters.lock_attempts),
                   static_cast<int64_t>(counters.lock_grants),
                   static_cast<int64_t>(counters.merges),
                   static_cast<int64_t>(seen.get_nodes.size()),
                   static_cast<int64_t>(discovery_pings)};
  return record;
}

}  // namespace discosim::stats
