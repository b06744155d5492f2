// BuildReportModel: what the HTML report draws, derived from a finished run.
//
// Sources, in order of preference: the world's read-back API (get_nodes call
// times, joins, call outcomes, StatusChanges), the scenario's timeline (the
// partitions, cuts and slowdowns it scripted, replayed the way the world
// applies them), and the kept trace lines for what only they record (each
// get_nodes call's latency and outcome, ping results, each end of each
// connection going up and down).
#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sim/scenario/duration.h"
#include "sim/scenario/html_report.h"

namespace discosim::scenario {
namespace {

using Interval = ReportModel::Interval;
using Fault = ReportModel::Fault;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// ---------------------------------------------------------------------------
// Trace lines. Each starts with its virtual time; the ones read here are
//   T NODE get_nodes ok|error in Lms
//   T NODE ping PEER started|pong|pang
//   T NODE discovery {ping_result,'PEER',pong|pang}   (when no ping lines)
//   T NODE up PEER conn ID
//   T NODE down PEER conn ID CAUSE
//   T NODE stop incarnation K
// Lines of any other shape are skipped.

struct TraceFacts {
  struct GetNodes {
    int64_t at_ms = 0;
    bool error = false;
    int64_t latency_ms = 0;
  };
  struct ConnEdge {
    int64_t at_ms = 0;
    NodeName peer;
    bool up = false;
    std::string cause;  // down only
  };
  std::map<NodeName, std::vector<GetNodes>> get_nodes;
  struct PingEdge {
    int64_t at_ms = 0;
    NodeName peer;
    enum class What { kStarted, kPong, kPang } what = What::kStarted;
  };
  std::map<NodeName, std::vector<PingEdge>> ping_edges;
  std::map<NodeName, std::vector<ReportModel::Ping>> ping_results;  // discovery's view
  // Per node: its ends going up and down, and its stops (all its ends reset).
  std::map<NodeName, std::vector<ConnEdge>> edges;
  std::map<NodeName, std::vector<int64_t>> stops_ms;
};

// The words of `line` (split at single spaces). Abseil's string functions
// take absl::string_view, which is not std::string_view in Debian's build.
std::vector<std::string_view> Words(std::string_view line) {
  std::vector<std::string_view> words;
  while (true) {
    const size_t space = line.find(' ');
    words.push_back(line.substr(0, space));
    if (space == std::string_view::npos) return words;
    line.remove_prefix(space + 1);
  }
}

bool ParseInt(std::string_view text, int64_t& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

void ReadLine(std::string_view line, const std::set<NodeName, std::less<>>& declared,
              TraceFacts& facts) {
  const std::vector<std::string_view> w = Words(line);
  int64_t at_ms = 0;
  if (w.size() < 4 || !ParseInt(w[0], at_ms)) return;
  const auto node = declared.find(w[1]);
  if (node == declared.end()) return;
  const std::string_view verb = w[2];
  constexpr std::string_view kPing = "{ping_result,'";
  if (verb == "get_nodes" && w.size() == 6 && w[4] == "in" && w[5].ends_with("ms")) {
    int64_t latency_ms = 0;
    if (!ParseInt(w[5].substr(0, w[5].size() - 2), latency_ms)) return;
    facts.get_nodes[*node].push_back({at_ms, w[3] == "error", latency_ms});
  } else if (verb == "discovery" && w[3].starts_with(kPing)) {
    const std::string_view rest = w[3].substr(kPing.size());
    const size_t quote = rest.find('\'');
    if (quote == std::string_view::npos) return;
    facts.ping_results[*node].push_back(
        {{at_ms, at_ms}, std::string(rest.substr(0, quote)), rest.ends_with(",pong}"), true});
  } else if (verb == "ping" && w.size() == 5 && declared.contains(w[3])) {
    using What = TraceFacts::PingEdge::What;
    const What what = w[4] == "started" ? What::kStarted
                      : w[4] == "pong"  ? What::kPong
                                        : What::kPang;
    if (what == What::kPang && w[4] != "pang") return;
    facts.ping_edges[*node].push_back({at_ms, std::string(w[3]), what});
  } else if ((verb == "up" && w.size() == 6) || (verb == "down" && w.size() == 7)) {
    if (w[4] != "conn" || !declared.contains(w[3])) return;
    facts.edges[*node].push_back({at_ms, std::string(w[3]), verb == "up",
                                  verb == "down" ? std::string(w[6]) : std::string()});
  } else if (verb == "stop" && w.size() == 5 && w[3] == "incarnation") {
    facts.stops_ms[*node].push_back(at_ms);
  }
}

TraceFacts ReadTrace(const ScenarioRun& run) {
  std::set<NodeName, std::less<>> declared;
  for (const Node& node : run.scenario->nodes) declared.insert(node.name);
  TraceFacts facts;
  for (const std::string& line : run.world->TraceLines()) ReadLine(line, declared, facts);
  return facts;
}

// ---------------------------------------------------------------------------
// Per node, from the world's API and the trace.

void AddStatus(const ScenarioRun& run, ReportModel::Lane& lane) {
  const std::vector<world::DiscoveryStatus>& changes = run.world->StatusChanges(lane.name);
  for (size_t i = 0; i < changes.size(); ++i) {
    const world::DiscoveryStatus& s = changes[i];
    if (i > 0 && s.running && changes[i - 1].running &&
        s.incarnation != changes[i - 1].incarnation) {
      lane.restarts_ms.push_back(s.at_ms);
    }
    if (!s.running) continue;
    const int64_t to_ms = i + 1 < changes.size() ? changes[i + 1].at_ms : run.end_ms;
    lane.status.push_back({{s.at_ms, std::max(to_ms, s.at_ms)}, s.incarnation, s.phase, s.ready});
  }
}

// The first stop of the node in [from_ms, to_ms), if any.
std::optional<int64_t> StopWithin(const std::vector<int64_t>& stops_ms, int64_t from_ms,
                                  int64_t to_ms) {
  auto it = std::lower_bound(stops_ms.begin(), stops_ms.end(), from_ms);
  if (it != stops_ms.end() && *it < to_ms) return *it;
  return std::nullopt;
}

void AddGetNodes(const ScenarioRun& run, const TraceFacts& facts, ReportModel::Lane& lane) {
  const std::vector<int64_t>& starts = run.world->GetNodesCalls(lane.name);
  static const std::vector<TraceFacts::GetNodes> kNone;
  static const std::vector<int64_t> kNoStops;
  auto lines = facts.get_nodes.find(lane.name);
  const auto& traced = lines == facts.get_nodes.end() ? kNone : lines->second;
  auto stops = facts.stops_ms.find(lane.name);
  const auto& stops_ms = stops == facts.stops_ms.end() ? kNoStops : stops->second;
  for (size_t i = 0; i < starts.size(); ++i) {
    ReportModel::GetNodesCall call;
    call.span = {starts[i], starts[i]};
    call.answered = false;
    // The world writes one line per call as it starts it, so the i-th line
    // is the i-th call (the times agree unless the trace was not kept).
    if (i < traced.size() && traced[i].at_ms == starts[i]) {
      const int64_t answer_ms = starts[i] + traced[i].latency_ms;
      call.error = traced[i].error;
      call.span.to_ms = std::min(answer_ms, run.end_ms);
      call.answered = answer_ms <= run.end_ms;
      if (std::optional<int64_t> stop = StopWithin(stops_ms, starts[i], answer_ms)) {
        call.span.to_ms = *stop;
        call.answered = false;
      }
    }
    lane.get_nodes.push_back(call);
  }
}

// Pairs each ping's start with its end (first in, first out per peer); a
// stop ends every ping in flight. Without ping lines (an older world's
// trace), the results discovery handled stand in, as instants.
void AddPings(const TraceFacts& facts, int64_t end_ms, ReportModel::Lane& lane) {
  auto edges = facts.ping_edges.find(lane.name);
  if (edges == facts.ping_edges.end()) {
    auto results = facts.ping_results.find(lane.name);
    if (results != facts.ping_results.end()) lane.pings = results->second;
    return;
  }
  static const std::vector<int64_t> kNoStops;
  auto stops_it = facts.stops_ms.find(lane.name);
  const auto& stops = stops_it == facts.stops_ms.end() ? kNoStops : stops_it->second;
  size_t next_stop = 0;
  std::map<NodeName, std::vector<int64_t>> in_flight;  // peer -> start times, oldest first
  auto abandon = [&](int64_t at_ms) {
    for (auto& [peer, starts] : in_flight) {
      for (int64_t from_ms : starts) lane.pings.push_back({{from_ms, at_ms}, peer, false, false});
    }
    in_flight.clear();
  };
  using What = TraceFacts::PingEdge::What;
  for (const TraceFacts::PingEdge& edge : edges->second) {
    for (; next_stop < stops.size() && stops[next_stop] < edge.at_ms; ++next_stop) {
      abandon(stops[next_stop]);
    }
    std::vector<int64_t>& starts = in_flight[edge.peer];
    if (edge.what == What::kStarted) {
      starts.push_back(edge.at_ms);
      continue;
    }
    const int64_t from_ms = starts.empty() ? edge.at_ms : starts.front();
    if (!starts.empty()) starts.erase(starts.begin());
    lane.pings.push_back({{from_ms, edge.at_ms}, edge.peer, edge.what == What::kPong, true});
  }
  for (; next_stop < stops.size(); ++next_stop) abandon(stops[next_stop]);
  abandon(end_ms);
  std::stable_sort(lane.pings.begin(), lane.pings.end(),
                   [](const ReportModel::Ping& a, const ReportModel::Ping& b) {
                     return a.span.from_ms < b.span.from_ms;
                   });
}

void AddJoinsAndCalls(const ScenarioRun& run, ReportModel::Lane& lane) {
  for (const world::JoinRecord& join : run.world->Joins()) {
    if (join.node != lane.name) continue;
    lane.joins.push_back({{join.started_at_ms, join.finished_at_ms.value_or(run.end_ms)},
                          join.peer,
                          join.table,
                          join.result,
                          join.lock_attempts});
  }
  for (const world::CallOutcome& call : run.world->Outcomes()) {
    if (call.node != lane.name) continue;
    const bool pending = call.kind == world::CallOutcome::Kind::kPending;
    lane.calls.push_back({{call.called_at_ms, pending ? run.end_ms : call.replied_at_ms},
                          call.id,
                          world::ToString(call.kind)});
  }
}

// This node's ends, from its up/down lines; a stop resets every end at once.
void AddPeers(const Scenario& scenario, const TraceFacts& facts, int64_t end_ms,
              ReportModel::Lane& lane) {
  std::map<NodeName, ReportModel::Peer> peers;
  for (const Node& node : scenario.nodes) {
    if (node.name != lane.name) peers[node.name].name = node.name;
  }
  std::map<NodeName, int64_t> open_since_ms;
  auto close = [&](const NodeName& peer, int64_t at_ms, std::string cause) {
    auto it = open_since_ms.find(peer);
    if (it == open_since_ms.end()) return;
    peers[peer].up.push_back({it->second, at_ms});
    peers[peer].down_cause.push_back(std::move(cause));
    open_since_ms.erase(it);
  };
  static const std::vector<TraceFacts::ConnEdge> kNoEdges;
  static const std::vector<int64_t> kNoStops;
  auto edges_it = facts.edges.find(lane.name);
  const auto& edges = edges_it == facts.edges.end() ? kNoEdges : edges_it->second;
  auto stops_it = facts.stops_ms.find(lane.name);
  const auto& stops = stops_it == facts.stops_ms.end() ? kNoStops : stops_it->second;
  size_t next_stop = 0;
  for (const TraceFacts::ConnEdge& edge : edges) {
    for (; next_stop < stops.size() && stops[next_stop] <= edge.at_ms; ++next_stop) {
      const std::map<NodeName, int64_t> open = open_since_ms;
      for (const auto& [peer, since] : open) close(peer, stops[next_stop], "node stopped");
    }
    if (edge.up) {
      close(edge.peer, edge.at_ms, "replaced");
      open_since_ms[edge.peer] = edge.at_ms;
    } else {
      close(edge.peer, edge.at_ms, edge.cause);
    }
  }
  for (; next_stop < stops.size(); ++next_stop) {
    const std::map<NodeName, int64_t> open = open_since_ms;
    for (const auto& [peer, since] : open) close(peer, stops[next_stop], "node stopped");
  }
  const std::map<NodeName, int64_t> open = open_since_ms;
  for (const auto& [peer, since] : open) close(peer, end_ms, "");
  for (auto& [name, peer] : peers) lane.peers.push_back(std::move(peer));
}

// ---------------------------------------------------------------------------
// The network, replayed from the timeline as the world applies it: partition
// groups (a new partition replaces the old one, keeping cuts), cuts, and
// healed links across groups ("bridges"); heal: all clears everything.

using Link = std::pair<NodeName, NodeName>;  // first < second

Link Normalized(const NodeName& a, const NodeName& b) { return a < b ? Link{a, b} : Link{b, a}; }

struct Network {
  std::map<NodeName, size_t> group;  // 0: the unlisted nodes
  std::set<Link> cuts;
  std::set<Link> bridges;

  // "" when the two can talk, else what keeps them apart.
  std::string Apart(const NodeName& a, const NodeName& b) const {
    const Link link = Normalized(a, b);
    if (cuts.contains(link)) return "cut";
    if (group.at(a) != group.at(b) && !bridges.contains(link)) return "partition";
    return "";
  }
};

std::string GroupsText(const world::action::Partition& p, const Scenario& scenario) {
  std::set<NodeName> listed;
  std::vector<std::string> groups;
  for (const auto& g : p.groups) {
    listed.insert(g.begin(), g.end());
    groups.push_back(absl::StrCat("[", absl::StrJoin(g, " "), "]"));
  }
  std::vector<NodeName> rest;
  for (const Node& node : scenario.nodes) {
    if (!listed.contains(node.name)) rest.push_back(node.name);
  }
  if (!rest.empty()) groups.push_back(absl::StrCat("[", absl::StrJoin(rest, " "), "]"));
  return absl::StrJoin(groups, " | ");
}

// Applies one step's network action, if it has one; notes partition bands.
void ApplyNetworkStep(const Scenario& scenario, const TimelineStep& step, Network& net,
                      std::vector<Fault>& partitions) {
  auto close_band = [&] {
    if (!partitions.empty() && partitions.back().span.to_ms < 0) {
      partitions.back().span.to_ms = step.at_ms;
    }
  };
  std::visit(Overloaded{
                 [&](const world::action::Partition& a) {
                   for (auto& [name, g] : net.group) g = 0;
                   for (size_t g = 0; g < a.groups.size(); ++g) {
                     for (const NodeName& name : a.groups[g]) net.group[name] = g + 1;
                   }
                   net.bridges.clear();
                   close_band();
                   partitions.push_back({{step.at_ms, -1},
                                         "partition",
                                         "partition " + GroupsText(a, scenario),
                                         step.as_written});
                 },
                 [&](const world::action::Cut& a) {
                   for (const NodePair& p : a.links) net.cuts.insert(Normalized(p.first, p.second));
                 },
                 [&](const HealAction& a) {
                   if (a.scope == HealAction::Scope::kAll) {
                     for (auto& [name, g] : net.group) g = 0;
                     net.cuts.clear();
                     net.bridges.clear();
                     close_band();
                     return;
                   }
                   for (const NodePair& p : a.links) {
                     const Link link = Normalized(p.first, p.second);
                     net.cuts.erase(link);
                     if (net.group[link.first] != net.group[link.second]) {
                       net.bridges.insert(link);
                     }
                   }
                 },
                 [](const auto&) {},
             },
             step.action);
}

// Every pair's spells apart, and the partition bands.
void AddNetwork(const Scenario& scenario, int64_t end_ms, ReportModel& model) {
  Network net;
  for (const Node& node : scenario.nodes) net.group[node.name] = 0;
  std::map<Link, Fault> open;  // pair -> the spell apart in progress (to_ms unset)
  std::map<Link, std::vector<Fault>> spells;
  auto settle = [&](int64_t at_ms, const std::string& cause) {
    for (const auto& [a, ga] : net.group) {
      for (const auto& [b, gb] : net.group) {
        if (!(a < b)) continue;
        const Link link{a, b};
        const std::string apart = net.Apart(a, b);
        auto it = open.find(link);
        if (it != open.end() && it->second.kind == apart) continue;
        if (it != open.end()) {
          it->second.span.to_ms = at_ms;
          spells[link].push_back(std::move(it->second));
          open.erase(it);
        }
        if (!apart.empty()) open[link] = Fault{{at_ms, at_ms}, apart, apart, cause};
      }
    }
  };
  const std::vector<TimelineStep>& steps = scenario.timeline;
  for (size_t i = 0; i < steps.size(); ++i) {
    ApplyNetworkStep(scenario, steps[i], net, model.partitions);
    // Steps at one instant act together: settle after the last of them.
    if (i + 1 == steps.size() || steps[i + 1].at_ms != steps[i].at_ms) {
      settle(steps[i].at_ms, steps[i].as_written);
    }
  }
  for (auto& [link, fault] : open) {
    fault.span.to_ms = end_ms;
    spells[link].push_back(std::move(fault));
  }
  for (Fault& band : model.partitions) {
    if (band.span.to_ms < 0) band.span.to_ms = end_ms;
  }
  for (ReportModel::Lane& lane : model.lanes) {
    for (ReportModel::Peer& peer : lane.peers) {
      auto it = spells.find(Normalized(lane.name, peer.name));
      if (it != spells.end()) peer.unreachable = it->second;
    }
  }
}

// ---------------------------------------------------------------------------
// Node faults: DNS, connection setup, backend.

// Tracks one setting of one node over time; each faulty value becomes a Fault.
class FaultTrack {
 public:
  FaultTrack(std::string kind, std::vector<Fault>& out) : kind_(std::move(kind)), out_(out) {}
  // From at_ms on, the fault is `label` ("" for none).
  void Set(int64_t at_ms, const std::string& label, const std::string& cause) {
    if (open_ && open_->label == label) return;
    Close(at_ms);
    if (!label.empty()) open_ = Fault{{at_ms, at_ms}, kind_, label, cause};
  }
  void Close(int64_t at_ms) {
    if (!open_) return;
    open_->span.to_ms = at_ms;
    if (open_->span.to_ms > open_->span.from_ms) out_.push_back(std::move(*open_));
    open_.reset();
  }

 private:
  std::string kind_;
  std::vector<Fault>& out_;
  std::optional<Fault> open_;
};

std::string DnsLabel(int64_t delay_ms, bool fails) {
  if (fails) return "dns fails";
  return delay_ms > 0 ? "dns " + FormatDurationMs(delay_ms) : "";
}

std::string RateLabel(double rate) {
  return rate > 0 ? absl::StrCat("backend error_rate ", rate) : "";
}

// The end of a backend_fail {count: N} from at_ms: the answer to the N-th
// call from then on, or the end of the run.
int64_t CountFailEnd(const ReportModel::Lane& lane, int64_t at_ms, int64_t count, int64_t end_ms) {
  int64_t seen = 0;
  for (const ReportModel::GetNodesCall& call : lane.get_nodes) {
    if (call.span.from_ms < at_ms) continue;
    if (++seen == count) return call.span.to_ms;
  }
  return end_ms;
}

void AddNodeFaults(const Scenario& scenario, const Node& node, int64_t end_ms,
                   ReportModel::Lane& lane) {
  std::vector<Fault> faults;
  FaultTrack dns("dns", faults), connect("slow_connect", faults), rate("backend", faults);
  int64_t dns_delay_ms = node.settings.dns_delay_ms;
  bool dns_fails = node.dns_entry == DnsEntry::kUnresolvable;
  dns.Set(0, DnsLabel(dns_delay_ms, dns_fails), "the node's settings");
  if (node.settings.connect_delay_ms > 0) {
    connect.Set(0, "slow connect " + FormatDurationMs(node.settings.connect_delay_ms),
                "the node's settings");
  }
  double error_rate = node.backend.error_rate;
  rate.Set(0, RateLabel(error_rate), "the node's backend");
  auto mine = [&](const std::optional<NodeName>& n) { return !n || *n == node.name; };
  for (const TimelineStep& step : scenario.timeline) {
    std::visit(
        Overloaded{
            [&](const DnsAction& a) {
              if (a.node != node.name) return;
              if (a.delay_ms) dns_delay_ms = *a.delay_ms;
              if (a.outcome) dns_fails = *a.outcome == DnsAnswer::kFails;
              dns.Set(step.at_ms, DnsLabel(dns_delay_ms, dns_fails), step.as_written);
            },
            [&](const world::action::SlowConnect& a) {
              if (a.node != node.name) return;
              connect.Set(step.at_ms,
                          a.delay_ms > 0 ? "slow connect " + FormatDurationMs(a.delay_ms) : "",
                          step.as_written);
            },
            [&](const BackendAction& a) {
              if (!mine(a.node) || !a.changes.error_rate) return;
              error_rate = *a.changes.error_rate;
              rate.Set(step.at_ms, RateLabel(error_rate), step.as_written);
            },
            [&](const BackendFailAction& a) {
              if (!mine(a.node)) return;
              const bool until = a.kind == BackendFailAction::Kind::kUntil;
              const int64_t to_ms =
                  until ? a.until_ms : CountFailEnd(lane, step.at_ms, a.count, end_ms);
              const std::string label =
                  until ? "backend fails until " + FormatDurationMs(a.until_ms)
                        : absl::StrCat("backend fails ", a.count, " call", a.count == 1 ? "" : "s");
              faults.push_back({{step.at_ms, std::max(std::min(to_ms, end_ms), step.at_ms)},
                                "backend_fail",
                                label,
                                step.as_written});
            },
            [](const auto&) {},
        },
        step.action);
  }
  dns.Close(end_ms);
  connect.Close(end_ms);
  rate.Close(end_ms);
  std::stable_sort(faults.begin(), faults.end(),
                   [](const Fault& a, const Fault& b) { return a.span.from_ms < b.span.from_ms; });
  lane.faults = std::move(faults);
}

// ---------------------------------------------------------------------------
// Steps and expectations.

std::optional<Interval> WindowOf(const Qualifier& qualifier, const ScenarioRun& run) {
  return std::visit(Overloaded{
                        [](const AtQualifier&) -> std::optional<Interval> { return std::nullopt; },
                        [](const ByQualifier& q) -> std::optional<Interval> {
                          return Interval{q.from_ms, q.by_ms};
                        },
                        [&](const AlwaysQualifier& q) -> std::optional<Interval> {
                          return Interval{q.from_ms, q.until_ms.value_or(run.end_ms)};
                        },
                        [&](const NeverQualifier& q) -> std::optional<Interval> {
                          return Interval{q.from_ms, q.until_ms.value_or(run.end_ms)};
                        },
                        [&](const AfterHealQualifier& q) -> std::optional<Interval> {
                          const int64_t removed_ms = run.world->LastFaultRemovalMs().value_or(0);
                          return Interval{removed_ms, removed_ms + q.within_ms};
                        },
                    },
                    qualifier);
}

}  // namespace

ReportModel BuildReportModel(const ScenarioRun& run) {
  const Scenario& scenario = *run.scenario;
  ReportModel model;
  model.end_ms = run.end_ms;
  model.has_trace_lines = !run.world->TraceLines().empty();
  const TraceFacts facts = ReadTrace(run);
  for (const Node& node : scenario.nodes) {
    ReportModel::Lane lane;
    lane.name = node.name;
    AddStatus(run, lane);
    AddGetNodes(run, facts, lane);
    AddPings(facts, run.end_ms, lane);
    AddJoinsAndCalls(run, lane);
    AddPeers(scenario, facts, run.end_ms, lane);
    AddNodeFaults(scenario, node, run.end_ms, lane);
    model.lanes.push_back(std::move(lane));
  }
  AddNetwork(scenario, run.end_ms, model);
  for (const TimelineStep& step : scenario.timeline) {
    model.steps.push_back({step.at_ms, std::string(ActionKey(step.action)), step.as_written});
  }
  for (const ExpectationResult& r : run.results) {
    model.marks.push_back({r.at_ms, r.passed, WindowOf(r.expectation->qualifier, run),
                           r.expectation->as_written, r.observed, r.expectation->position.line});
  }
  return model;
}

}  // namespace discosim::scenario
