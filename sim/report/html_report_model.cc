// BuildReportModel: what the HTML report draws, read from a finished run.
//
// Everything on a lane comes from a record the world made as it happened
// (world::Observations), from World::Joins() and World::Outcomes(), from the
// scenario's steps (times, text as written) and from the judged
// expectations. The model only selects records, names their nodes, closes
// the intervals still open (at the node's stop or the run's end) and writes
// labels; it never decides what happened.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/overloaded.h"
#include "sim/report/html_report.h"
#include "sim/scenario/duration.h"

namespace discosim::report {
namespace {

using Interval = ReportModel::Interval;
using Fault = ReportModel::Fault;
using scenario::FormatDurationMs;
using world::NodeIndex;
using world::Observations;

// The observations and the input, with the lookups every part needs.
class Reader {
 public:
  explicit Reader(const ModelInput& input) : in_(input), seen_(*input.observed) {}

  const ModelInput& in() const { return in_; }
  const Observations& seen() const { return seen_; }
  int64_t end_ms() const { return in_.end_ms; }

  // The node's index in the observations; kNoNodeIndex if it has none.
  NodeIndex IndexOf(const NodeName& name) const {
    const auto& names = seen_.node_names;
    const auto it = std::find(names.begin(), names.end(), name);
    return it == names.end() ? world::kNoNodeIndex : static_cast<NodeIndex>(it - names.begin());
  }
  const NodeName& NameOf(NodeIndex node) const {
    static const NodeName kUnknown = "?";
    return node < seen_.node_names.size() ? seen_.node_names[node] : kUnknown;
  }
  // The step that scheduled action `action`, as written; `fallback` for none.
  std::string CauseOf(int64_t action, const std::string& fallback) const {
    if (action < 0 || static_cast<size_t>(action) >= in_.steps.size()) return fallback;
    return in_.steps[static_cast<size_t>(action)].as_written;
  }
  // An interval still open ends at `open_end_ms`, and nothing runs past the end.
  Interval Span(int64_t from_ms, std::optional<int64_t> to_ms, int64_t open_end_ms) const {
    const int64_t to = std::min(to_ms.value_or(open_end_ms), in_.end_ms);
    return {from_ms, std::max(to, from_ms)};
  }
  // When the node's run that was going at at_ms stopped (the latest run
  // started at or before at_ms); the run's end if it did not.
  int64_t StopAfterMs(NodeIndex node, int64_t at_ms) const {
    const Observations::NodeRun* found = nullptr;
    for (const Observations::NodeRun& run : seen_.runs) {
      if (run.node == node && run.started_ms <= at_ms) found = &run;
    }
    return found != nullptr && found->stopped_ms ? *found->stopped_ms : in_.end_ms;
  }
  // When incarnation `incarnation` of the node stopped; the run's end if it did not.
  int64_t StopOfMs(NodeIndex node, uint32_t incarnation) const {
    for (const Observations::NodeRun& run : seen_.runs) {
      if (run.node == node && run.incarnation == incarnation && run.stopped_ms) {
        return *run.stopped_ms;
      }
    }
    return in_.end_ms;
  }

 private:
  const ModelInput& in_;
  const Observations& seen_;
};

// ---------------------------------------------------------------------------
// One lane.

void AddStatus(const Reader& r, NodeIndex node, ReportModel::Lane& lane) {
  std::vector<const Observations::Status*> changes;
  for (const Observations::Status& s : r.seen().status) {
    if (s.node == node) changes.push_back(&s);
  }
  for (size_t i = 0; i < changes.size(); ++i) {
    const Observations::Status& s = *changes[i];
    if (i > 0 && s.running && changes[i - 1]->running &&
        s.incarnation != changes[i - 1]->incarnation) {
      lane.restarts_ms.push_back(s.at_ms);
    }
    if (!s.running) continue;
    const int64_t to_ms = i + 1 < changes.size() ? changes[i + 1]->at_ms : r.end_ms();
    lane.status.push_back({{s.at_ms, std::max(to_ms, s.at_ms)}, s.incarnation, s.phase, s.ready});
  }
}

// A call the answer of which never reached discovery ends at the stop of its
// incarnation (or at the run's end).
void AddGetNodes(const Reader& r, NodeIndex node, ReportModel::Lane& lane) {
  for (const Observations::GetNodesCall& call : r.seen().get_nodes) {
    if (call.node != node) continue;
    const bool answered = call.answered_ms.has_value() && *call.answered_ms <= r.end_ms();
    lane.get_nodes.push_back({r.Span(call.started_ms, call.answered_ms,
                                     r.StopOfMs(node, call.incarnation)),
                              call.error, answered});
  }
}

// Pings for discovery and for a join's reach check alike, in start order.
void AddPings(const Reader& r, NodeIndex node, ReportModel::Lane& lane) {
  for (const Observations::Ping& ping : r.seen().pings) {
    if (ping.node != node) continue;
    const bool finished = ping.ended_ms.has_value() && *ping.ended_ms <= r.end_ms();
    lane.pings.push_back({r.Span(ping.started_ms, ping.ended_ms,
                                 r.StopAfterMs(node, ping.started_ms)),
                          r.NameOf(ping.peer), finished && ping.pong, finished});
  }
  std::stable_sort(lane.pings.begin(), lane.pings.end(),
                   [](const ReportModel::Ping& a, const ReportModel::Ping& b) {
                     return a.span.from_ms < b.span.from_ms;
                   });
}

void AddJoinsAndCalls(const Reader& r, ReportModel::Lane& lane) {
  for (const world::JoinRecord& join : r.in().joins) {
    if (join.node != lane.name) continue;
    lane.joins.push_back({r.Span(join.started_at_ms, join.finished_at_ms, r.end_ms()), join.peer,
                          join.table, join.result, join.lock_attempts});
  }
  for (const world::CallOutcome& call : r.in().calls) {
    if (call.node != lane.name) continue;
    const bool pending = call.kind == world::CallOutcome::Kind::kPending;
    lane.calls.push_back(
        {r.Span(call.called_at_ms, pending ? std::nullopt : std::optional(call.replied_at_ms),
                r.end_ms()),
         call.id, world::ToString(call.kind)});
  }
}

const char* ApartKind(Observations::Apart::Why why) {
  return why == Observations::Apart::Why::kCut ? "cut" : "partition";
}

// This node's end towards each other declared node (in name order): when it
// counted the connection up, and the spells the two were kept apart.
void AddPeers(const Reader& r, NodeIndex node, ReportModel::Lane& lane) {
  std::vector<NodeName> names = r.in().lanes;
  std::sort(names.begin(), names.end());
  for (const NodeName& name : names) {
    if (name == lane.name) continue;
    ReportModel::Peer peer;
    peer.name = name;
    const NodeIndex other = r.IndexOf(name);
    for (const Observations::ConnectionEnd& end : r.seen().connections) {
      if (end.node != node || end.peer != other) continue;
      peer.up.push_back(r.Span(end.up_ms, end.down_ms, r.end_ms()));
      const bool down = end.down_ms.has_value() && *end.down_ms <= r.end_ms();
      peer.down_cause.push_back(down ? world::ToString(end.cause) : "");
    }
    for (const Observations::Apart& apart : r.seen().apart) {
      const bool ours = (apart.a == node && apart.b == other) ||
                        (apart.a == other && apart.b == node);
      if (!ours) continue;
      const std::string kind = ApartKind(apart.why);
      peer.unreachable.push_back({r.Span(apart.from_ms, apart.to_ms, r.end_ms()), kind, kind,
                                  r.CauseOf(apart.action, "")});
    }
    lane.peers.push_back(std::move(peer));
  }
}

// ---------------------------------------------------------------------------
// Node faults and partition bands: labels for what the world recorded.

std::string FaultKind(Observations::Fault::Kind kind) {
  switch (kind) {
    case Observations::Fault::Kind::kDns: return "dns";
    case Observations::Fault::Kind::kSlowConnect: return "slow_connect";
    case Observations::Fault::Kind::kBackendFail: return "backend_fail";
    case Observations::Fault::Kind::kBackendErrors: return "backend";
  }
  return "?";
}

std::string FaultLabel(const Observations::Fault& f) {
  switch (f.kind) {
    case Observations::Fault::Kind::kDns:
      return f.fails ? "dns fails" : "dns " + FormatDurationMs(f.delay_ms);
    case Observations::Fault::Kind::kSlowConnect:
      return "slow connect " + FormatDurationMs(f.delay_ms);
    case Observations::Fault::Kind::kBackendFail:
      if (f.count == 0 && f.to_ms) return "backend fails until " + FormatDurationMs(*f.to_ms);
      return absl::StrCat("backend fails ", f.count, " call", f.count == 1 ? "" : "s");
    case Observations::Fault::Kind::kBackendErrors:
      return absl::StrCat("backend error_rate ", f.error_rate);
  }
  return "?";
}

void AddNodeFaults(const Reader& r, NodeIndex node, ReportModel::Lane& lane) {
  for (const Observations::Fault& f : r.seen().faults) {
    if (f.node != node) continue;
    const bool backend = f.kind == Observations::Fault::Kind::kBackendFail ||
                         f.kind == Observations::Fault::Kind::kBackendErrors;
    lane.faults.push_back({r.Span(f.from_ms, f.to_ms, r.end_ms()), FaultKind(f.kind),
                           FaultLabel(f),
                           r.CauseOf(f.action, backend ? "the node's backend"
                                                       : "the node's settings")});
  }
  std::stable_sort(lane.faults.begin(), lane.faults.end(),
                   [](const Fault& a, const Fault& b) { return a.span.from_ms < b.span.from_ms; });
}

// "partition [a b] | [c]": the groups as the world recorded them.
std::string BandLabel(const Reader& r, const Observations::PartitionBand& band) {
  std::vector<std::string> groups;
  for (const std::vector<NodeIndex>& group : band.groups) {
    if (group.empty()) continue;
    std::vector<std::string> names;
    for (NodeIndex node : group) names.push_back(r.NameOf(node));
    groups.push_back(absl::StrCat("[", absl::StrJoin(names, " "), "]"));
  }
  return "partition " + absl::StrJoin(groups, " | ");
}

ReportModel::Lane LaneOf(const Reader& r, const NodeName& name) {
  ReportModel::Lane lane;
  lane.name = name;
  const NodeIndex node = r.IndexOf(name);
  AddStatus(r, node, lane);
  AddGetNodes(r, node, lane);
  AddPings(r, node, lane);
  AddJoinsAndCalls(r, lane);
  AddPeers(r, node, lane);
  AddNodeFaults(r, node, lane);
  return lane;
}

// ---------------------------------------------------------------------------
// From a run: the steps and the expectations' verdicts.

std::optional<Interval> WindowOf(const scenario::Qualifier& qualifier,
                                 const scenario::ScenarioRun& run) {
  using Window = std::optional<Interval>;
  return std::visit(
      Overloaded{
          [](const scenario::AtQualifier&) -> Window { return std::nullopt; },
          [](const scenario::ByQualifier& q) -> Window { return Interval{q.from_ms, q.by_ms}; },
          [&](const scenario::AlwaysQualifier& q) -> Window {
            return Interval{q.from_ms, q.until_ms.value_or(run.end_ms)};
          },
          [&](const scenario::NeverQualifier& q) -> Window {
            return Interval{q.from_ms, q.until_ms.value_or(run.end_ms)};
          },
          [&](const scenario::AfterHealQualifier& q) -> Window {
            const int64_t removed_ms = run.world->LastFaultRemovalMs().value_or(0);
            return Interval{removed_ms, removed_ms + q.within_ms};
          },
      },
      qualifier);
}

}  // namespace

ReportModel BuildReportModel(const ModelInput& input) {
  const Reader r(input);
  ReportModel model;
  model.end_ms = input.end_ms;
  model.has_status = !r.seen().status.empty();
  for (const NodeName& name : input.lanes) model.lanes.push_back(LaneOf(r, name));
  for (const Observations::PartitionBand& band : r.seen().partitions) {
    model.partitions.push_back({r.Span(band.from_ms, band.to_ms, r.end_ms()), "partition",
                                BandLabel(r, band), r.CauseOf(band.action, "")});
  }
  model.steps = input.steps;
  model.marks = input.marks;
  return model;
}

ModelInput ModelInputOf(const scenario::ScenarioRun& run) {
  ModelInput in;
  in.end_ms = run.end_ms;
  for (const scenario::Node& node : run.scenario->nodes) in.lanes.push_back(node.name);
  in.observed = &run.world->Observed();
  in.joins = run.world->Joins();
  in.calls = run.world->Outcomes();
  // run.cc schedules timeline[i] as the i-th World::Schedule call.
  for (const scenario::TimelineStep& step : run.scenario->timeline) {
    in.steps.push_back(
        {step.at_ms, std::string(scenario::ActionKey(step.action)), step.as_written});
  }
  for (const scenario::ExpectationResult& e : run.results) {
    in.marks.push_back({e.at_ms, e.passed, WindowOf(e.expectation->qualifier, run),
                        e.expectation->as_written, e.observed, e.expectation->position.line});
  }
  return in;
}

ReportModel BuildReportModel(const scenario::ScenarioRun& run) {
  return BuildReportModel(ModelInputOf(run));
}

}  // namespace discosim::report
