// Case -> scenario: nodes, the fault timeline, bounds, and one function per
// property adding its expectations (see build.h for what each asserts).
#include "sim/fuzz/build.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/types.h"
#include "sim/fuzz/yaml_writer.h"

namespace discosim::fuzz {
namespace {

namespace sc = ::discosim::scenario;

std::string Name(int index) { return NodeNameOf(index); }

std::vector<sc::NodeName> Names(const std::vector<int>& indexes) {
  std::vector<sc::NodeName> names;
  for (int i : indexes) names.push_back(Name(i));
  return names;
}

std::vector<sc::NodePair> PairsOf(const std::vector<int>& flat) {
  std::vector<sc::NodePair> pairs;
  for (size_t k = 0; k + 1 < flat.size(); k += 2) pairs.push_back({Name(flat[k]), Name(flat[k + 1])});
  return pairs;
}

std::vector<sc::TableName> TablesOf(uint32_t mask, int tables) {
  std::vector<sc::TableName> names;
  for (int t = 0; t < tables; ++t) {
    if ((mask >> t) & 1u) names.push_back(TableNameOf(t));
  }
  return names;
}

bool Lists(const FuzzCase& c, int i, int j) {
  const auto& listed = c.nodes[static_cast<size_t>(i)].backend_nodes;
  return !listed.has_value() || ((*listed >> j) & 1u);
}

sc::Node MakeNode(const FuzzCase& c, int i, const sc::Scenario& s) {
  const FuzzNode& f = c.nodes[static_cast<size_t>(i)];
  sc::Node node;
  node.name = Name(i);
  node.settings = s.defaults;
  node.host = s.default_host;
  // Each setting that differs from its default is written on the node.
  auto set = [&](auto& field, auto value, const char* key) {
    if (field == value) return;
    field = value;
    node.settings_keys.emplace(key);
  };
  set(node.settings.dist_auto_connect, f.dist_auto_connect, "dist_auto_connect");
  set(node.settings.connect_all, f.connect_all, "connect_all");
  set(node.settings.prevent_overlapping_partitions, f.prevent_overlapping_partitions,
      "prevent_overlapping_partitions");
  set(node.settings.visibility, f.hidden ? world::Visibility::kHidden : world::Visibility::kVisible,
      "hidden");
  set(node.settings.latency_ms, f.latency_ms, "latency");
  set(node.settings.dns_delay_ms, f.dns_delay_ms, "dns_delay");
  node.start = f.started ? sc::StartMode::kAtStartTime : sc::StartMode::kNever;
  node.dns_entry = f.started || f.resolvable ? sc::DnsEntry::kResolvable : sc::DnsEntry::kUnresolvable;
  const uint32_t all = (1u << c.tables) - 1;
  node.tables = TablesOf(f.tables, c.tables);
  if (f.tables != all) node.tables_override = node.tables;
  sc::BackendOverrides b;
  if (f.backend_nodes) {
    std::vector<int> listed;
    for (size_t j = 0; j < c.nodes.size(); ++j) {
      if ((*f.backend_nodes >> j) & 1u) listed.push_back(static_cast<int>(j));
    }
    b.nodes = Names(listed);
  }
  if (f.backend_latency_max_ms != 0) {
    b.latency = sc::LatencyRange{f.backend_latency_min_ms, f.backend_latency_max_ms};
  }
  if (b.nodes || b.latency) node.backend_override = b;
  node.backend = sc::ApplyOverrides(s.backend, b);
  return node;
}

sc::Scenario BaseScenario(const FuzzCase& c) {
  sc::Scenario s;
  s.name = "fuzz";
  s.seed = c.seed;
  s.defaults.net_ticktime_ms = c.net_ticktime_ms;
  for (int t = 0; t < c.tables; ++t) s.tables.push_back(TableNameOf(t));
  for (size_t i = 0; i < c.nodes.size(); ++i) s.nodes.push_back(MakeNode(c, static_cast<int>(i), s));
  return s;
}

sc::TimelineStep Step(int64_t at_ms, sc::Action action) {
  sc::TimelineStep step;
  step.at_ms = at_ms;
  step.action = std::move(action);
  return step;
}

// The step that starts fault `f`, and the one that heals it (if any).
std::pair<sc::TimelineStep, std::optional<sc::TimelineStep>> FaultSteps(const FuzzCase& c,
                                                                        const Fault& f) {
  const int64_t heal_ms = f.at_ms + f.duration_ms;
  std::optional<sc::NodeName> target;
  if (!f.nodes.empty()) target = Name(f.nodes[0]);
  switch (f.kind) {
    case FaultKind::kPartition: {
      std::map<int, std::vector<sc::NodeName>> groups;
      for (size_t k = 0; k < f.nodes.size(); ++k) groups[f.groups[k]].push_back(Name(f.nodes[k]));
      world::action::Partition a;
      for (auto& [unused, group] : groups) a.groups.push_back(std::move(group));
      return {Step(f.at_ms, a), Step(heal_ms, sc::HealAction{sc::HealAction::Scope::kAll, {}})};
    }
    case FaultKind::kCut:
      return {Step(f.at_ms, world::action::Cut{PairsOf(f.nodes)}),
              Step(heal_ms, sc::HealAction{sc::HealAction::Scope::kLinks, PairsOf(f.nodes)})};
    case FaultKind::kDisconnect:
      return {Step(f.at_ms, world::action::Disconnect{PairsOf(f.nodes)}), std::nullopt};
    case FaultKind::kStop:
      return {Step(f.at_ms, world::action::Stop{Names(f.nodes)}),
              Step(heal_ms, world::action::Start{Names(f.nodes)})};
    case FaultKind::kRestart:
      return {Step(f.at_ms, world::action::Restart{Names(f.nodes)}), std::nullopt};
    case FaultKind::kDnsDelay:
    case FaultKind::kDnsFail: {
      sc::DnsAction fault{*target, std::nullopt, std::nullopt};
      if (f.kind == FaultKind::kDnsDelay) {
        fault.delay_ms = f.amount;
      } else {
        fault.outcome = world::action::DnsAnswer::kFails;
      }
      const int64_t base_ms = c.nodes[static_cast<size_t>(f.nodes[0])].dns_delay_ms;
      return {Step(f.at_ms, fault),
              Step(heal_ms, sc::DnsAction{*target, base_ms, world::action::DnsAnswer::kResolves})};
    }
    case FaultKind::kSlowConnect:
      return {Step(f.at_ms, world::action::SlowConnect{*target, f.amount}),
              Step(heal_ms, world::action::SlowConnect{*target, 0})};
    case FaultKind::kBackendFail: {
      sc::BackendFailAction a;
      a.node = target;
      if (f.amount > 0) {
        a.kind = sc::BackendFailAction::Kind::kCount;
        a.count = f.amount;
      } else {
        a.kind = sc::BackendFailAction::Kind::kUntil;
        a.until_ms = heal_ms;
      }
      return {Step(f.at_ms, a), std::nullopt};
    }
    case FaultKind::kBackendErrors: {
      sc::BackendAction on{target, {}};
      on.changes.error_rate = static_cast<double>(f.amount) / 100.0;
      sc::BackendAction off{target, {}};
      off.changes.error_rate = 0.0;
      return {Step(f.at_ms, on), Step(heal_ms, off)};
    }
    case FaultKind::kAddTable:
      return {Step(f.at_ms, world::action::AddTable{*target, TableNameOf(f.table)}),
              Step(heal_ms, world::action::DeleteTable{*target, TableNameOf(f.table)})};
    case FaultKind::kDeleteTable:
      return {Step(f.at_ms, world::action::DeleteTable{*target, TableNameOf(f.table)}),
              Step(heal_ms, world::action::AddTable{*target, TableNameOf(f.table)})};
  }
  return {Step(f.at_ms, sc::HealAction{}), std::nullopt};
}

void SortTimeline(std::vector<sc::TimelineStep>& steps) {
  std::stable_sort(steps.begin(), steps.end(),
                   [](const sc::TimelineStep& a, const sc::TimelineStep& b) { return a.at_ms < b.at_ms; });
}

sc::Expectation Expect(sc::Qualifier qualifier, sc::Condition condition) {
  sc::Expectation e;
  e.qualifier = std::move(qualifier);
  e.condition = std::move(condition);
  e.as_written = ExpectationYaml(e);
  return e;
}

// Whether reachability is transitive: no cut, no partition bridged by a heal
// of single links, no DNS fault, no slow connect. Tracks the world's rules
// for partition / cut / heal (sim/world/nodes.cc).
class NetworkState {
 public:
  explicit NetworkState(const FuzzCase& c) : c_(c), group_(c.nodes.size(), 0) {}

  void Apply(const sc::Action& action) {
    if (const auto* a = std::get_if<world::action::Partition>(&action)) {
      std::fill(group_.begin(), group_.end(), 0);
      for (size_t g = 0; g < a->groups.size(); ++g) {
        for (const auto& name : a->groups[g]) group_[Index(name)] = static_cast<int>(g + 1);
      }
      bridges_.clear();
    } else if (const auto* a = std::get_if<world::action::Cut>(&action)) {
      for (const auto& p : a->links) cuts_.insert(Key(p));
    } else if (const auto* a = std::get_if<sc::HealAction>(&action)) {
      if (a->scope == sc::HealAction::Scope::kAll) {
        std::fill(group_.begin(), group_.end(), 0);
        cuts_.clear();
        bridges_.clear();
      } else {
        for (const auto& p : a->links) {
          cuts_.erase(Key(p));
          if (group_[Index(p.first)] != group_[Index(p.second)]) bridges_.insert(Key(p));
        }
      }
    } else if (const auto* a = std::get_if<sc::DnsAction>(&action)) {
      auto& [delay_ms, fails] = dns_[a->node];
      if (a->delay_ms) delay_ms = *a->delay_ms;
      if (a->outcome) fails = *a->outcome == world::action::DnsAnswer::kFails;
      const int64_t base_ms = c_.nodes[Index(a->node)].dns_delay_ms;
      if (delay_ms == base_ms && !fails) dns_.erase(a->node);
    } else if (const auto* a = std::get_if<world::action::SlowConnect>(&action)) {
      if (a->delay_ms > 0) {
        slow_.insert(a->node);
      } else {
        slow_.erase(a->node);
      }
    }
  }

  bool Transitive() const { return cuts_.empty() && bridges_.empty() && dns_.empty() && slow_.empty(); }

 private:
  size_t Index(const std::string& name) const {
    for (size_t i = 0; i < c_.nodes.size(); ++i) {
      if (Name(static_cast<int>(i)) == name) return i;
    }
    return 0;
  }
  std::pair<size_t, size_t> Key(const sc::NodePair& p) const {
    return std::minmax(Index(p.first), Index(p.second));
  }

  const FuzzCase& c_;
  std::vector<int> group_;
  std::set<std::pair<size_t, size_t>> cuts_, bridges_;
  std::map<std::string, std::pair<int64_t, bool>> dns_;
  std::set<std::string> slow_;
};

void AddMembership(const FuzzCase&, const Bounds&, sc::Scenario& s) {
  s.expectations.push_back(Expect(sc::AlwaysQualifier{0, std::nullopt},
                                  sc::ClusterMembersConnectedCondition{}));
}

// The longest a check timer set before a heal can take to fire.
int64_t LongestCheckMs(const engine::Config& intervals) {
  return std::max({intervals.initial_interval_ms, intervals.after_error_interval_ms,
                   intervals.regular_interval_ms, intervals.after_nodedown_interval_ms});
}

// How long a burst of `calls` failing get_nodes calls lasts: the node's next
// calls use it up, the first within one check interval, the rest after_error
// apart, each taking at most the slowest backend's time.
int64_t BurstMs(const FuzzCase& c, int64_t calls) {
  const engine::Config intervals;
  int64_t backend_ms = 0;
  for (const FuzzNode& node : c.nodes) backend_ms = std::max(backend_ms, node.backend_latency_max_ms);
  return LongestCheckMs(intervals) + calls * (intervals.after_error_interval_ms + backend_ms);
}

// When get_nodes answers again after backend failure `f`: at its heal, or
// once a burst is used up.
int64_t BackendFailEndMs(const FuzzCase& c, const Fault& f) {
  const int64_t heal_ms = f.at_ms + f.duration_ms;
  return f.amount == 0 ? heal_ms : heal_ms + BurstMs(c, f.amount);
}

void AddTransitivity(const FuzzCase& c, const Bounds& b, sc::Scenario& s) {
  // Only where CETS keeps it: connect_all and prevent_overlapping_partitions
  // on, and auto-connects allowed (with never, or once after a loss,
  // global's transitive connect fails, counts as a lost node, and the
  // go-between is cut off again every discovery round: finding 2,
  // scenarios/finding-auto-connect-never-flaps-forever.yaml).
  for (const FuzzNode& node : c.nodes) {
    if (node.started && (!node.connect_all || !node.prevent_overlapping_partitions ||
                         node.dist_auto_connect != world::AutoConnect::kAlways)) {
      return;
    }
  }
  // The cluster's start at 0 counts as a step: nodes come up and connect.
  // So does the end of a get_nodes failure, a step of no timeline: nodes
  // learn their peers only then, and connect (while they do, one may be
  // connected to two that are not yet connected to each other).
  std::vector<sc::TimelineStep> steps = FaultTimeline(c);
  std::set<int64_t> times{0};
  for (const sc::TimelineStep& step : steps) times.insert(step.at_ms);
  for (const Fault& f : c.faults) {
    if (f.kind == FaultKind::kBackendFail) times.insert(BackendFailEndMs(c, f));
  }
  NetworkState net(c);
  size_t k = 0;
  for (auto t = times.begin(); t != times.end(); ++t) {
    const int64_t at_ms = *t;
    while (k < steps.size() && steps[k].at_ms == at_ms) net.Apply(steps[k++].action);
    const std::optional<int64_t> next_ms =
        std::next(t) != times.end() ? std::optional<int64_t>(*std::next(t)) : std::nullopt;
    const int64_t from_ms = at_ms + b.settle_ms;
    if (net.Transitive()) {
      if (!next_ms && from_ms <= b.end_ms) {
        s.expectations.push_back(Expect(sc::AlwaysQualifier{from_ms, std::nullopt},
                                        sc::NoOverlappingPartitionsCondition{}));
      } else if (next_ms && from_ms <= *next_ms - 1) {
        // Until just before the next step: the step itself may close a link.
        s.expectations.push_back(Expect(sc::AlwaysQualifier{from_ms, *next_ms - 1},
                                        sc::NoOverlappingPartitionsCondition{}));
      }
    }
  }
}

// The liveness window [healed_at_ms, healed_at_ms + liveness_ms] of a case.
struct Liveness {
  int64_t from_ms;
  int64_t by_ms;
};

// A node with dist_auto_connect never or once whose global has connect_all
// and overlap prevention on counts a failed transitive connect as a lost
// node and cuts the go-between off, round after round (finding 2).
bool MayFlap(const FuzzCase& c) {
  bool may_flap = false;
  for (const FuzzNode& node : c.nodes) {
    may_flap = may_flap || (node.started && node.dist_auto_connect != world::AutoConnect::kAlways &&
                            node.connect_all && node.prevent_overlapping_partitions);
  }
  return may_flap;
}

// Nodes that list each other get connected (a hidden node too: an explicit
// connect to it still succeeds).
void AddConnected(const FuzzCase& c, Liveness w, bool may_flap, sc::Scenario& s) {
  const int n = static_cast<int>(c.nodes.size());
  auto node = [&](int i) -> const FuzzNode& { return c.nodes[static_cast<size_t>(i)]; };
  // Nodes that list each other: connected (a hidden node too: an explicit
  // connect to it still succeeds).
  std::vector<sc::NodePair> pairs;
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) {
      if (node(i).started && node(j).started && Lists(c, i, j) && Lists(c, j, i)) {
        pairs.push_back({Name(i), Name(j)});
      }
    }
  }
  // All at once, unless some node may flap (MayFlap): then each pair is
  // connected at some instant, the weaker guarantee that holds.
  if (!pairs.empty() && !may_flap) {
    s.expectations.push_back(Expect(sc::ByQualifier{w.by_ms, w.from_ms}, sc::ConnectedCondition{pairs}));
  }
  for (const sc::NodePair& pair : may_flap ? pairs : std::vector<sc::NodePair>{}) {
    s.expectations.push_back(Expect(sc::ByQualifier{w.by_ms, w.from_ms}, sc::ConnectedCondition{{pair}}));
  }
}

void AddJoined(const FuzzCase& c, Liveness w, bool may_flap, sc::Scenario& s) {
  const int n = static_cast<int>(c.nodes.size());
  auto node = [&](int i) -> const FuzzNode& { return c.nodes[static_cast<size_t>(i)]; };
  // Every table both have covers both (never over a hidden connection).
  // Only with connect_all and prevent_overlapping_partitions on every node:
  // a node without them keeps both ends of a lost link in its clusters, the
  // two ends drop each other, and CETS never joins clusters that overlap
  // (finding 1, scenarios/finding-overlapping-clusters-never-merge.yaml).
  bool overlap_prevented = true;
  for (int i = 0; i < n; ++i) {
    overlap_prevented = overlap_prevented && (!node(i).started || (node(i).connect_all &&
                                                                   node(i).prevent_overlapping_partitions));
  }
  // Nor where a node may flap: each time the go-between is cut off, the
  // nodes that keep it see both ends of the cut and their clusters overlap
  // (finding 2).
  for (int t = 0; t < c.tables && overlap_prevented && !may_flap; ++t) {
    std::vector<int> members;
    for (int i = 0; i < n; ++i) {
      if (node(i).started && !node(i).hidden && ((node(i).tables >> t) & 1u)) members.push_back(i);
    }
    std::vector<std::pair<int, int>> pairs_t;
    bool all_mutual = true;
    for (size_t a = 0; a < members.size(); ++a) {
      for (size_t b = a + 1; b < members.size(); ++b) {
        const bool mutual = Lists(c, members[a], members[b]) && Lists(c, members[b], members[a]);
        if (mutual) pairs_t.emplace_back(members[a], members[b]);
        all_mutual = all_mutual && mutual;
      }
    }
    auto expect_cover = [&](const std::vector<int>& nodes) {
      sc::JoinedCondition joined{TableNameOf(t), sc::ClusterMatch::kIncludes,
                                 {sc::NodeSelection::Kind::kListed, Names(nodes)}};
      s.expectations.push_back(Expect(sc::ByQualifier{w.by_ms, w.from_ms}, joined));
    };
    // When every pair lists each other, one expectation says it for all.
    if (all_mutual && members.size() >= 2) {
      expect_cover(members);
    } else {
      for (const auto& [i, j] : pairs_t) expect_cover({i, j});
    }
  }
}

void AddReady(const FuzzCase& c, const Bounds& b, sc::Scenario& s) {
  const int64_t from_ms = b.healed_at_ms;
  const int64_t by_ms = b.healed_at_ms + b.liveness_ms;
  const int n = static_cast<int>(c.nodes.size());
  auto node = [&](int i) -> const FuzzNode& { return c.nodes[static_cast<size_t>(i)]; };
  // wait_for_ready returns, called at L. Not on a hidden node (its view is
  // empty, so it never gets a pang from a node that answers) nor on a node
  // whose list names a running hidden node (pong, yet never in its view):
  // see scenarios/hidden-node-in-backend-list.yaml.
  for (int i = 0; i < n; ++i) {
    if (!node(i).started || node(i).hidden) continue;
    bool lists_hidden = false;
    for (int j = 0; j < n; ++j) {
      lists_hidden = lists_hidden || (j != i && node(j).started && node(j).hidden && Lists(c, i, j));
    }
    if (lists_hidden) continue;
    const std::string id = absl::StrCat("ready-", Name(i));
    s.timeline.push_back(Step(from_ms, world::action::Call{Name(i), world::action::Request::kWaitForReady,
                                                      b.liveness_ms, id}));
    s.expectations.push_back(Expect(sc::ByQualifier{by_ms, from_ms},
                                    sc::ReplyCondition{id, {sc::ReplyResult::Kind::kOk, {}}}));
  }
}

void AddLiveness(const FuzzCase& c, const Bounds& b, sc::Scenario& s) {
  const Liveness window{b.healed_at_ms, b.healed_at_ms + b.liveness_ms};
  const bool may_flap = MayFlap(c);
  AddConnected(c, window, may_flap, s);
  AddJoined(c, window, may_flap, s);
  AddReady(c, b, s);
}

}  // namespace

std::vector<sc::TimelineStep> FaultTimeline(const FuzzCase& c) {
  std::vector<sc::TimelineStep> starts, heals;
  for (const Fault& f : c.faults) {
    auto [start, heal] = FaultSteps(c, f);
    starts.push_back(std::move(start));
    if (heal) heals.push_back(std::move(*heal));
  }
  std::vector<sc::TimelineStep> steps = std::move(starts);
  for (auto& heal : heals) steps.push_back(std::move(heal));
  SortTimeline(steps);
  return steps;
}

Bounds ComputeBounds(const FuzzCase& c) {
  const engine::Config intervals;
  const int64_t n = static_cast<int64_t>(c.nodes.size());
  const int64_t t = c.tables;
  int64_t latency_ms = 1, dns_ms = 0, backend_ms = 0;
  for (const FuzzNode& node : c.nodes) {
    latency_ms = std::max(latency_ms, node.latency_ms);
    dns_ms = std::max(dns_ms, node.dns_delay_ms);
    backend_ms = std::max(backend_ms, node.backend_latency_max_ms);
  }
  const int64_t rtt_ms = 2 * latency_ms;
  const int64_t check_ms = LongestCheckMs(intervals);
  const int64_t ping_ms = (n + 4) * dns_ms + 4 * rtt_ms;
  const int64_t sync_ms = 3'000 + ping_ms;
  const int64_t join_ms = n * t * ((n * n + 4 * n) * rtt_ms + 1'000);
  Bounds b;
  b.round_ms = check_ms + 2 * backend_ms + ping_ms + sync_ms + join_ms;
  b.liveness_ms = 2 * b.round_ms + 10'000;
  b.settle_ms = c.net_ticktime_ms * 5 / 4 + n * rtt_ms + 1'000 + b.liveness_ms;

  int64_t healed_ms = 0, last_ms = 0, burst = 0;
  for (const Fault& f : c.faults) {
    healed_ms = std::max(healed_ms, f.at_ms + f.duration_ms);
    last_ms = std::max(last_ms, f.at_ms + f.duration_ms);
    if (f.kind == FaultKind::kBackendFail && f.amount > 0) burst = std::max(burst, f.amount);
  }
  // The longest burst of failing calls, used up after the last heal.
  if (burst > 0) healed_ms += BurstMs(c, burst);
  b.healed_at_ms = healed_ms;
  b.last_action_ms = last_ms;
  b.end_ms = std::max({b.healed_at_ms + b.liveness_ms, b.last_action_ms + b.settle_ms + 300'000,
                       int64_t{60'000}});
  return b;
}

Property MembershipProperty() { return {"membership", &AddMembership}; }
Property TransitivityProperty() { return {"transitivity", &AddTransitivity}; }
Property LivenessProperty() { return {kLiveness, &AddLiveness}; }

std::vector<Property> WorldProperties() {
  return {MembershipProperty(), TransitivityProperty(), LivenessProperty()};
}

BuiltCase BuildCase(const FuzzCase& c, const std::vector<Property>& properties) {
  BuiltCase built;
  built.bounds = ComputeBounds(c);
  sc::Scenario& s = built.scenario;
  s = BaseScenario(c);
  s.duration_ms = built.bounds.end_ms;
  s.timeline = FaultTimeline(c);
  for (size_t p = 0; p < properties.size(); ++p) {
    built.property_names.push_back(properties[p].name);
    properties[p].add(c, built.bounds, s);
    built.property_of_expectation.resize(s.expectations.size(), static_cast<int>(p));
  }
  SortTimeline(s.timeline);
  return built;
}

}  // namespace discosim::fuzz
