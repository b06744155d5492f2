// The real run: what a scenario needs, booting it, the wall-clock loop that
// carries out the timeline and polls the nodes, and the judge (runner.h).
#include "real/runner.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/overloaded.h"
#include "real/cluster.h"
#include "real/names.h"
#include "real/nft.h"
#include "real/observed.h"
#include "real/schedule.h"
#include "sim/scenario/judge.h"
#include "sim/scenario/to_world.h"

namespace discosim::real {
namespace {

using scenario::Scenario;
namespace wa = world::action;

// How many VMs (node starts) one run may boot.
constexpr size_t kMaxVms = 40;
constexpr int kBootTimeoutMs = 30'000;
constexpr int kAnswerTimeoutMs = 5'000;

std::string At(const scenario::SourcePosition& p) {
  return absl::StrCat(p.file, ":", p.line, ":", p.column);
}

std::string Host(const NodeName& node) { return node.substr(node.find('@') + 1); }

bool WholeSeconds(int64_t ms) { return ms >= 1'000 && ms % 1'000 == 0; }

// Node settings real mode cannot carry out.
void SettingProblems(const scenario::Node& node, std::vector<std::string>& out) {
  const world::NodeSettings& s = node.settings;
  const std::string at = absl::StrCat(At(node.position), ": ", node.name, ": ");
  if (s.latency_ms != 1) {
    out.push_back(at + "latency: real nodes talk over loopback; real mode takes only the default 1ms");
  }
  if (s.connect_delay_ms != 0) out.push_back(at + "connect_delay: not available in real mode");
  if (s.dns_cache_ttl_ms.has_value()) {
    out.push_back(at + "dns_cache_ttl: real mode runs OTP's resolver without a cache");
  }
  if (!WholeSeconds(s.net_ticktime_ms)) {
    out.push_back(at + "net_ticktime: OTP takes whole seconds (1s or more)");
  }
  if (!WholeSeconds(s.net_setuptime_ms)) {
    out.push_back(at + "net_setuptime: OTP takes whole seconds (1s or more)");
  }
  if (node.host.has_value()) out.push_back(at + "host: the join model's hosts are simulation only");
}

// How many times each node starts (one VM per start).
std::map<NodeName, size_t> StartsPerNode(const Scenario& scenario) {
  std::map<NodeName, size_t> starts;
  for (const scenario::Node& node : scenario.nodes) {
    starts[node.name] = node.start == scenario::StartMode::kAtStartTime ? 1 : 0;
  }
  for (const scenario::TimelineStep& step : scenario.timeline) {
    if (const auto* a = std::get_if<wa::Start>(&step.action)) {
      for (const NodeName& n : a->nodes) ++starts[n];
    } else if (const auto* r = std::get_if<wa::Restart>(&step.action)) {
      for (const NodeName& n : r->nodes) ++starts[n];
    }
  }
  return starts;
}

void NameProblems(const Scenario& scenario, std::vector<std::string>& out) {
  std::set<bool> dotted;
  std::map<std::string, NodeName> host_of_running, name_part;
  const std::map<NodeName, size_t> starts = StartsPerNode(scenario);
  for (const scenario::Node& node : scenario.nodes) {
    const std::string at = absl::StrCat(At(node.position), ": ", node.name, ": ");
    std::optional<NodeParts> parts = SplitNodeName(node.name);
    if (!parts) {
      out.push_back(at + "real mode takes node names name@host with name [a-z][a-z0-9_]* "
                         "and host labels [a-z][a-z0-9-]*");
      continue;
    }
    dotted.insert(parts->host.find('.') != std::string::npos);
    for (const std::string& table : node.tables) {
      if (!IsSafeTableName(table)) out.push_back(at + "table \"" + table + "\": real mode takes [a-z][a-z0-9_]*");
    }
    if (starts.at(node.name) == 0) continue;
    auto [h, new_host] = host_of_running.emplace(parts->host, node.name);
    if (!new_host) {
      out.push_back(at + "shares host " + parts->host + " with " + h->second +
                    "; real mode gives each host one loopback address, so give each node a host of its own");
    }
    auto [n, new_name] = name_part.emplace(parts->name, node.name);
    if (!new_name) {
      out.push_back(at + "has the same name part as " + n->second +
                    "; the run's nodes share one epmd, which needs distinct names");
    }
  }
  if (dotted.size() > 1) {
    out.push_back(scenario.source_file +
                  ": hosts with and without dots: OTP runs either short names (no dots) or long "
                  "names (dotted), never both in one cluster");
  }
}

void StepProblems(const Scenario& scenario, bool root, std::vector<std::string>& out) {
  for (const scenario::TimelineStep& step : scenario.timeline) {
    const std::string at = absl::StrCat(At(step.position), ": ");
    const std::string_view key = scenario::ActionKey(step.action);
    if (std::holds_alternative<wa::SlowConnect>(step.action)) {
      out.push_back(at + "slow_connect: not available in real mode");
    }
    const bool network = key == "partition" || key == "cut" || key == "heal";
    if (network && !root) {
      out.push_back(at + std::string(key) +
                    ": needs root (nftables rules drop the traffic); run as root or drop the step");
    }
    if (const auto* add = std::get_if<wa::AddTable>(&step.action); add && !IsSafeTableName(add->table)) {
      out.push_back(at + "add_table: table \"" + add->table + "\": real mode takes [a-z][a-z0-9_]*");
    }
  }
}

// The Erlang term text of a list of safe names: ['a@h1','b@h2'].
std::string AtomList(const std::vector<std::string>& names) {
  std::vector<std::string> quoted;
  for (const std::string& n : names) quoted.push_back(absl::StrCat("'", n, "'"));
  return absl::StrCat("[", absl::StrJoin(quoted, ","), "]");
}

std::string FloatTerm(double value) { return absl::StrFormat("%.6f", value); }

std::vector<NodeName> BackendNodes(const Scenario& scenario, const world::BackendConfig& b) {
  if (b.nodes.has_value()) return *b.nodes;
  std::vector<NodeName> all;
  for (const scenario::Node& node : scenario.nodes) all.push_back(node.name);
  std::sort(all.begin(), all.end());
  return all;
}

std::vector<std::string> KernelFlags(const world::NodeSettings& s) {
  std::vector<std::string> flags;
  auto add = [&](const char* key, std::string value) {
    flags.insert(flags.end(), {"-kernel", key, std::move(value)});
  };
  if (s.dist_auto_connect == world::AutoConnect::kOnce) add("dist_auto_connect", "once");
  if (s.dist_auto_connect == world::AutoConnect::kNever) add("dist_auto_connect", "never");
  add("connect_all", s.connect_all ? "true" : "false");
  add("prevent_overlapping_partitions", s.prevent_overlapping_partitions ? "true" : "false");
  add("net_ticktime", std::to_string(s.net_ticktime_ms / 1'000));
  add("net_setuptime", std::to_string(s.net_setuptime_ms / 1'000));
  return flags;
}

std::string MessageTerm(const scenario::RawMessage& m) {
  using K = scenario::RawMessage::Kind;
  switch (m.kind) {
    case K::kCheck: return "check";
    case K::kEnterRegularPhase: return "enter_regular_phase";
    case K::kNodeup: return absl::StrCat("{nodeup, '", m.node, "'}");
    case K::kNodedown: return absl::StrCat("{nodedown, '", m.node, "'}");
    case K::kPingResult:
      return absl::StrCat("{ping_result, '", m.node, "', ",
                          m.outcome == engine::PingResult::Outcome::kPong ? "pong" : "pang", "}");
    case K::kUnknown: break;
  }
  return "{discosim, unknown_message}";
}

const char* RequestTerm(world::action::Request r) {
  switch (r) {
    case wa::Request::kWaitForReady: return "wait_for_ready";
    case wa::Request::kWaitForGetNodes: return "wait_for_get_nodes";
    case wa::Request::kGetTables: return "get_tables";
    case wa::Request::kSystemInfo: return "system_info";
  }
  return "system_info";
}

world::CallOutcome::Kind OutcomeKind(const std::string& kind) {
  using K = world::CallOutcome::Kind;
  if (kind == "ok") return K::kOk;
  if (kind == "timeout") return K::kTimeout;
  if (kind == "tables") return K::kTables;
  if (kind == "system_info") return K::kSystemInfo;
  if (kind == "unexpected_call") return K::kUnexpectedCall;
  return K::kNoProc;
}

}  // namespace

std::vector<std::string> RealModeProblems(const Scenario& scenario, bool root) {
  std::vector<std::string> out;
  const std::string file = scenario.source_file + ": ";
  if (scenario.join_lock.has_value()) {
    out.push_back(file + "join_lock: the calibrated join model is simulation only; real mode runs cets as released");
  }
  if (!scenario.hosts.empty()) out.push_back(file + "hosts: the join model's hosts are simulation only");
  if (scenario.cets.check_merge) {
    out.push_back(file + "cets: check_merge is a what-if of the simulator; real mode runs cets 0.2.0 as released");
  }
  for (const scenario::Node& node : scenario.nodes) SettingProblems(node, out);
  NameProblems(scenario, out);
  StepProblems(scenario, root, out);
  size_t vms = 0;
  for (const auto& [node, n] : StartsPerNode(scenario)) vms += n;
  if (vms > kMaxVms) {
    out.push_back(absl::StrCat(file, vms, " node starts (one Erlang VM each) are more than real mode's ",
                               kMaxVms));
  }
  return out;
}

namespace {

// One real run (RunReal): the cluster, the run's state, the loop.
class RealRun {
 public:
  RealRun(const Scenario& scenario, const RealOptions& options)
      : scenario_(scenario), options_(options), cluster_(options.log), seen_(scenario),
        blocks_(static_cast<uint32_t>(scenario.nodes.size())), translator_(scenario) {}

  absl::StatusOr<scenario::ScenarioRun> Run();

 private:
  absl::Status Prepare();
  absl::Status BootAll();
  absl::Status Loop(scenario::Judge& judge);
  absl::Status RunUntil(scenario::Judge& judge, int64_t end_ms, std::set<int64_t> checkpoints,
                        std::vector<Due>& due, size_t& next_due);
  absl::Status PollAll();
  void ApplyOutcomes(const nlohmann::json& answer);
  absl::Status Step(const scenario::TimelineStep& step, const world::Action& action);
  absl::Status StartNodes(const std::vector<NodeName>& nodes);
  absl::Status AskAll(const std::vector<Vm*>& vms,
                      const std::function<std::string(const Vm&)>& command_of);
  std::string StartCommand(const NodeName& node);
  void StopNode(const NodeName& node);
  absl::Status ApplyBlocks();
  absl::Status Disconnect(const wa::Disconnect& a);
  absl::Status Backend(const wa::Backend& a);
  absl::Status BackendFail(const wa::BackendFail& a);
  absl::Status ToAgent(const NodeName& node, const std::string& command);
  absl::Status Call(const wa::Call& a);
  void Log(const std::string& line);
  int64_t NowMs() const { return SteadyNowMs() - t0_steady_ms_; }
  uint32_t Index(const NodeName& node) const;
  Vm* Running(const NodeName& node);

  const Scenario& scenario_;
  const RealOptions& options_;
  Cluster cluster_;
  RealObservable seen_;
  Blocks blocks_;
  scenario::ActionTranslator translator_;  // timeline steps, translated in order
  bool network_faults_ = false;
  std::vector<std::string> addresses_;               // per node, in declared order
  std::map<NodeName, std::vector<size_t>> vms_of_;   // the node's VMs, one per start
  std::map<NodeName, size_t> started_count_;
  std::map<NodeName, size_t> current_vm_;
  std::map<NodeName, world::BackendConfig> backend_;
  std::map<NodeName, int64_t> fail_count_;     // backend_fail of a node not running yet
  std::map<NodeName, int64_t> fail_until_ms_;
  std::map<int64_t, std::string> call_ids_;  // agent call number -> call id
  int64_t next_call_ = 1;
  int64_t t0_steady_ms_ = 0;
  int64_t t0_system_ms_ = 0;
  uint64_t polls_ = 0;
};

void RealRun::Log(const std::string& line) {
  if (options_.log != nullptr) *options_.log << "real: " << line << "\n" << std::flush;
}

uint32_t RealRun::Index(const NodeName& node) const {
  for (uint32_t i = 0; i < scenario_.nodes.size(); ++i) {
    if (scenario_.nodes[i].name == node) return i;
  }
  return 0;
}

Vm* RealRun::Running(const NodeName& node) {
  auto it = current_vm_.find(node);
  if (it == current_vm_.end()) return nullptr;
  Vm& vm = cluster_.vm(it->second);
  return vm.started && !vm.gone ? &vm : nullptr;
}

absl::Status RealRun::Prepare() {
  if (absl::Status s = cluster_.Open(options_.keep_dir); !s.ok()) return s;
  std::map<std::string, HostAnswer> hosts;
  for (size_t i = 0; i < scenario_.nodes.size(); ++i) {
    const scenario::Node& node = scenario_.nodes[i];
    addresses_.push_back(HostAddress(cluster_.block(), static_cast<int>(i)));
    hosts[Host(node.name)] = {addresses_.back(), node.settings.dns_delay_ms,
                              node.dns_entry == scenario::DnsEntry::kUnresolvable};
    backend_[node.name] = node.backend;
  }
  if (absl::Status s = cluster_.StartDns(hosts); !s.ok()) return s;
  if (absl::Status s = cluster_.StartEpmd(); !s.ok()) return s;
  for (const scenario::TimelineStep& step : scenario_.timeline) {
    const std::string_view key = scenario::ActionKey(step.action);
    network_faults_ |= key == "partition" || key == "cut" || key == "heal";
  }
  if (network_faults_) {
    if (absl::Status s = cluster_.SetBlocked({}); !s.ok()) return s;
  }
  Log(absl::StrCat("run directory ", cluster_.dir(), ", addresses 127.", cluster_.block(), ".0.0/16"));
  return BootAll();
}

absl::Status RealRun::BootAll() {
  const std::map<NodeName, size_t> starts = StartsPerNode(scenario_);
  for (size_t i = 0; i < scenario_.nodes.size(); ++i) {
    const scenario::Node& node = scenario_.nodes[i];
    for (size_t k = 0; k < starts.at(node.name); ++k) {
      if (options_.interrupted != nullptr && *options_.interrupted) {
        return absl::CancelledError("interrupted");
      }
      VmSpec spec{node.name, addresses_[i], KernelFlags(node.settings)};
      absl::StatusOr<size_t> vm = cluster_.BootVm(std::move(spec), kBootTimeoutMs);
      if (!vm.ok()) return vm.status();
      vms_of_[node.name].push_back(*vm);
    }
  }
  Log(absl::StrCat(cluster_.vm_count(), " VMs booted"));
  return absl::OkStatus();
}

// Sends `command_of(vm)` to each VM and waits for every answer.
absl::Status RealRun::AskAll(const std::vector<Vm*>& vms,
                             const std::function<std::string(const Vm&)>& command_of) {
  std::vector<int64_t> refs;
  for (Vm* vm : vms) {
    absl::StatusOr<int64_t> ref = vm->agent->Send(command_of(*vm));
    if (!ref.ok()) return absl::UnavailableError(vm->spec.node + ": " + std::string(ref.status().message()));
    refs.push_back(*ref);
  }
  for (size_t i = 0; i < vms.size(); ++i) {
    absl::StatusOr<nlohmann::json> answer =
        vms[i]->agent->Answer(refs[i], SteadyNowMs() + kAnswerTimeoutMs);
    if (!answer.ok() || !answer->value("ok", false)) {
      return absl::UnavailableError(absl::StrCat(vms[i]->spec.node, " did not start; see ",
                                                 cluster_.dir(), "/", vms[i]->spec.node, "-*.log"));
    }
  }
  return absl::OkStatus();
}

std::string RealRun::StartCommand(const NodeName& node) {
  const scenario::Node& n = *scenario_.FindNode(node);
  const world::BackendConfig& b = backend_[node];
  std::string command = absl::StrCat(
      "{start, ", AtomList(n.tables), ", #{nodes => ", AtomList(BackendNodes(scenario_, b)),
      ", latency => {", b.latency.min_ms, ",", b.latency.max_ms, "}, error_rate => ",
      FloatTerm(b.error_rate), ", fail_count => ", fail_count_[node], ", fail_until => ",
      fail_until_ms_.contains(node) ? t0_system_ms_ + fail_until_ms_[node] : 0, "}}");
  fail_count_[node] = 0;
  return command;
}

// Nodes that start at one instant start together: first every node's
// distribution, then every node's tables and discovery, so no discovery
// pings a node of the same instant before it can answer (as in the world,
// where all starts of an instant come before any message).
absl::Status RealRun::StartNodes(const std::vector<NodeName>& nodes) {
  std::vector<Vm*> vms;
  std::map<const Vm*, NodeName> name_of;
  for (const NodeName& node : nodes) {
    if (Running(node) != nullptr) continue;  // already running: nothing to start
    size_t& count = started_count_[node];
    if (count >= vms_of_[node].size()) return absl::InternalError("no VM left for " + node);
    const size_t index = vms_of_[node][count++];
    current_vm_[node] = index;
    vms.push_back(&cluster_.vm(index));
    name_of[vms.back()] = node;
  }
  absl::Status dist = AskAll(vms, [&](const Vm& vm) {
    const NodeName& node = name_of.at(&vm);
    const bool hidden = scenario_.FindNode(node)->settings.visibility == world::Visibility::kHidden;
    return absl::StrCat("{dist, '", node, "', ",
                        Host(node).find('.') == std::string::npos ? "shortnames" : "longnames", ", ",
                        hidden ? "true" : "false", "}");
  });
  if (!dist.ok()) return dist;
  for (Vm* vm : vms) {
    NodeView& view = seen_.View(name_of.at(vm));
    view.running = true;
    ++view.incarnation;
    view.start_time_ms = NowMs();
    vm->started = true;
  }
  absl::Status started = AskAll(vms, [&](const Vm& vm) { return StartCommand(name_of.at(&vm)); });
  if (!started.ok()) return started;
  for (Vm* vm : vms) Log(absl::StrCat(NowMs(), "ms: ", vm->spec.node, " started"));
  return absl::OkStatus();
}

void RealRun::StopNode(const NodeName& node) {
  auto it = current_vm_.find(node);
  if (it == current_vm_.end() || cluster_.vm(it->second).gone) return;
  cluster_.HaltVm(it->second, 3'000);
  NodeView& view = seen_.View(node);
  view.running = false;
  view.visible.clear();
  view.connected.clear();
  view.clusters.clear();
  view.info.reset();
  for (auto& [number, id] : call_ids_) {
    world::CallOutcome* call = seen_.FindCall(id);
    if (call != nullptr && call->node == node && call->kind == world::CallOutcome::Kind::kPending) {
      call->kind = world::CallOutcome::Kind::kNoProc;
      call->replied_at_ms = NowMs();
    }
  }
  Log(absl::StrCat(NowMs(), "ms: ", node, " stopped"));
}

absl::Status RealRun::ApplyBlocks() {
  return cluster_.SetBlocked(AddressPairs(blocks_, addresses_));
}

absl::Status RealRun::ToAgent(const NodeName& node, const std::string& command) {
  Vm* vm = Running(node);
  if (vm == nullptr) return absl::OkStatus();  // a stopped node does nothing
  absl::StatusOr<nlohmann::json> answer = vm->agent->Call(command, SteadyNowMs() + kAnswerTimeoutMs);
  if (!answer.ok()) return absl::UnavailableError(node + ": " + std::string(answer.status().message()));
  return absl::OkStatus();
}

absl::Status RealRun::Disconnect(const wa::Disconnect& a) {
  for (const auto& [x, y] : a.links) {
    // x disconnects if it counts the connection up; otherwise y.
    const bool x_has = Running(x) != nullptr && seen_.View(x).connected.contains(y);
    const NodeName& from = x_has || Running(y) == nullptr ? x : y;
    const NodeName& to = &from == &x ? y : x;
    if (absl::Status s = ToAgent(from, absl::StrCat("{disconnect, '", to, "'}")); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status RealRun::Backend(const wa::Backend& a) {
  for (const scenario::Node& node : scenario_.nodes) {
    if (a.node.has_value() && *a.node != node.name) continue;
    world::BackendConfig& b = backend_[node.name];
    if (a.nodes) b.nodes = *a.nodes;
    if (a.latency) b.latency = *a.latency;
    if (a.error_rate) b.error_rate = *a.error_rate;
    const std::string command = absl::StrCat(
        "{backend, #{nodes => ", AtomList(BackendNodes(scenario_, b)), ", latency => {",
        b.latency.min_ms, ",", b.latency.max_ms, "}, error_rate => ", FloatTerm(b.error_rate), "}}");
    if (absl::Status s = ToAgent(node.name, command); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status RealRun::BackendFail(const wa::BackendFail& a) {
  if (a.until_ms.has_value()) seen_.MarkFaultRemoved(*a.until_ms);
  for (const scenario::Node& node : scenario_.nodes) {
    if (a.node.has_value() && *a.node != node.name) continue;
    const std::string command =
        a.count.has_value()
            ? absl::StrCat("{backend_fail, count, ", *a.count, "}")
            : absl::StrCat("{backend_fail, until, ", t0_system_ms_ + a.until_ms.value_or(0), "}");
    if (Running(node.name) == nullptr) {  // kept for its next start
      if (a.count.has_value()) fail_count_[node.name] = *a.count;
      if (a.until_ms.has_value()) fail_until_ms_[node.name] = *a.until_ms;
      continue;
    }
    if (absl::Status s = ToAgent(node.name, command); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status RealRun::Call(const wa::Call& a) {
  world::CallOutcome& call = seen_.AddCall({a.id, a.node, world::CallOutcome::Kind::kPending,
                                            NowMs(), 0, {}, std::nullopt});
  if (Running(a.node) == nullptr) {
    call.kind = world::CallOutcome::Kind::kNoProc;
    call.replied_at_ms = call.called_at_ms;
    return absl::OkStatus();
  }
  const int64_t number = next_call_++;
  call_ids_[number] = a.id;
  return ToAgent(a.node, absl::StrCat("{call, ", number, ", ", RequestTerm(a.request), ", ",
                                      a.timeout_ms, "}"));
}

// Pairs of names to node indexes, for Blocks.
std::vector<Blocks::Link> Links(const std::vector<wa::NodePair>& pairs,
                                const std::function<uint32_t(const NodeName&)>& index) {
  std::vector<Blocks::Link> links;
  for (const auto& [x, y] : pairs) links.emplace_back(index(x), index(y));
  return links;
}

absl::Status RealRun::Step(const scenario::TimelineStep& step, const world::Action& action) {
  auto index = [&](const NodeName& n) { return Index(n); };
  return std::visit(
      Overloaded{
          [&](const wa::Start& a) { return StartNodes(a.nodes); },
          [&](const wa::Stop& a) {
            for (const NodeName& n : a.nodes) StopNode(n);
            return absl::OkStatus();
          },
          [&](const wa::Restart& a) {
            for (const NodeName& n : a.nodes) StopNode(n);
            absl::Status s = StartNodes(a.nodes);
            seen_.MarkFaultRemoved(NowMs());
            return s;
          },
          [&](const wa::Partition& a) {
            std::vector<uint32_t> groups(scenario_.nodes.size(), 0);
            for (size_t g = 0; g < a.groups.size(); ++g) {
              for (const NodeName& n : a.groups[g]) groups[Index(n)] = static_cast<uint32_t>(g + 1);
            }
            blocks_.Partition(std::move(groups));
            return ApplyBlocks();
          },
          [&](const wa::Cut& a) {
            blocks_.Cut(Links(a.links, index));
            return ApplyBlocks();
          },
          [&](const wa::HealAll&) {
            blocks_.HealAll();
            seen_.MarkFaultRemoved(NowMs());
            return ApplyBlocks();
          },
          [&](const wa::HealLinks& a) {
            blocks_.HealLinks(Links(a.links, index));
            seen_.MarkFaultRemoved(NowMs());
            return ApplyBlocks();
          },
          [&](const wa::Disconnect& a) { return Disconnect(a); },
          [&](const wa::Dns& a) {
            const bool fails = a.answer == wa::DnsAnswer::kFails;
            cluster_.dns().Set(Host(a.node), {addresses_[Index(a.node)], a.delay_ms, fails});
            if (a.delay_ms == 0 && !fails) seen_.MarkFaultRemoved(NowMs());
            return absl::OkStatus();
          },
          [&](const wa::Backend& a) { return Backend(a); },
          [&](const wa::BackendFail& a) { return BackendFail(a); },
          [&](const wa::AddTable& a) {
            return ToAgent(a.node, absl::StrCat("{add_table, ", a.table, "}"));
          },
          [&](const wa::DeleteTable& a) {
            return ToAgent(a.node, absl::StrCat("{delete_table, ", a.table, "}"));
          },
          [&](const wa::Send& a) {
            const auto& raw = std::get<scenario::SendAction>(step.action);
            return ToAgent(a.node, absl::StrCat("{send, ", MessageTerm(raw.message), "}"));
          },
          [&](const wa::Call& a) { return Call(a); },
          [&](const auto&) {
            return absl::UnimplementedError(absl::StrCat(At(step.position), ": ",
                                                         std::string(scenario::ActionKey(step.action)),
                                                         ": not available in real mode"));
          },
      },
      action);
}

absl::Status RealRun::PollAll() {
  std::vector<std::pair<NodeName, int64_t>> asked;
  for (const scenario::Node& node : scenario_.nodes) {
    Vm* vm = Running(node.name);
    if (vm == nullptr) continue;
    absl::StatusOr<int64_t> ref = vm->agent->Send("poll");
    if (ref.ok()) asked.emplace_back(node.name, *ref);
  }
  const int64_t deadline = SteadyNowMs() + kAnswerTimeoutMs;
  for (const auto& [node, ref] : asked) {
    Vm* vm = Running(node);
    absl::StatusOr<nlohmann::json> answer = vm->agent->Answer(ref, deadline);
    if (!answer.ok()) {
      if (vm->agent->closed()) {
        Log(absl::StrCat(NowMs(), "ms: ", node, "'s VM went away; see its log in ", cluster_.dir()));
        StopNode(node);
        continue;
      }
      return absl::UnavailableError(absl::StrCat(node, ": ", answer.status().message()));
    }
    NodeView& view = seen_.View(node);
    const size_t logs_before = view.logs.size();
    if (absl::Status s = ApplyPoll(*answer, t0_system_ms_, view); !s.ok()) return s;
    for (size_t i = logs_before; i < view.logs.size(); ++i) {
      Log(absl::StrCat(view.logs[i].at_ms, "ms: ", node, " logs ", engine::Describe(view.logs[i].record)));
    }
    ApplyOutcomes(*answer);
  }
  ++polls_;
  return absl::OkStatus();
}

// The call outcomes a poll brought back, into the calls they answer.
void RealRun::ApplyOutcomes(const nlohmann::json& answer) {
  for (const nlohmann::json& o : answer.value("outcomes", nlohmann::json::array())) {
    auto id = call_ids_.find(o.value("id", int64_t{0}));
    world::CallOutcome* call = id == call_ids_.end() ? nullptr : seen_.FindCall(id->second);
    if (call == nullptr) continue;
    call->kind = OutcomeKind(o.value("kind", ""));
    call->replied_at_ms = o.value("at", t0_system_ms_) - t0_system_ms_;
    for (const nlohmann::json& t : o.value("tables", nlohmann::json::array())) {
      if (t.is_string()) call->tables.push_back(t.get<std::string>());
    }
  }
}

absl::Status RealRun::RunUntil(scenario::Judge& judge, int64_t end_ms,
                               std::set<int64_t> checkpoints, std::vector<Due>& due,
                               size_t& next_due) {
  int64_t last_judged = -1;
  while (true) {
    if (options_.interrupted != nullptr && *options_.interrupted) {
      return absl::CancelledError("interrupted");
    }
    const int64_t now = NowMs();
    while (next_due < due.size() && due[next_due].at_ms <= now && due[next_due].at_ms <= end_ms) {
      std::vector<NodeName> starting = TakeStartsOfInstant(due, next_due);
      absl::Status s = absl::OkStatus();
      if (!starting.empty()) {
        s = StartNodes(starting);
      } else {
        const Due& d = due[next_due++];
        s = Step(scenario_.timeline[d.step], translator_.Translate(scenario_.timeline[d.step], d.step));
      }
      if (!s.ok()) return s;
    }
    const int64_t polled_at = NowMs();
    if (absl::Status s = PollAll(); !s.ok()) return s;
    seen_.SetNow(polled_at);
    seen_.Changed();
    // The poll's own time first, so a by: that holds passes at the time it
    // was seen; then the checkpoints it reached (at:, a by:'s deadline).
    judge.AfterEvent(polled_at);
    judge.AtInstant(polled_at, /*checkpoint=*/false);
    for (auto c = checkpoints.upper_bound(last_judged); c != checkpoints.end() && *c <= polled_at; ++c) {
      judge.AtInstant(*c, /*checkpoint=*/true);
    }
    last_judged = polled_at;
    if (polled_at >= end_ms) return absl::OkStatus();
    // Wake for the next poll, step or checkpoint: a checkpoint is judged on
    // the first poll at or after it, so that poll is taken at its time.
    int64_t wake = std::min(polled_at + options_.poll_interval_ms, end_ms);
    if (next_due < due.size()) wake = std::min(wake, due[next_due].at_ms);
    if (auto c = checkpoints.upper_bound(polled_at); c != checkpoints.end()) wake = std::min(wake, *c);
    const int64_t sleep_ms = wake - NowMs();
    if (sleep_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
  }
}

absl::StatusOr<scenario::ScenarioRun> RealRun::Run() {
  if (absl::Status s = Prepare(); !s.ok()) return s;
  scenario::JudgeOptions judging;
  judging.late_ms = options_.late_ms;
  judging.evaluate.times_tolerance_ms = options_.times_tolerance_ms;
  int64_t end_ms = scenario_.duration_ms;
  scenario::Judge judge(scenario_, seen_, end_ms, judging);
  t0_steady_ms_ = SteadyNowMs();
  t0_system_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  std::vector<Due> due = Schedule(scenario_);
  size_t next_due = 0;
  if (absl::Status s = RunUntil(judge, end_ms, judge.Checkpoints(), due, next_due); !s.ok()) {
    return s;
  }
  if (std::optional<int64_t> deadline = judge.AfterHealDeadline(); deadline && *deadline > end_ms) {
    end_ms = *deadline;
    if (absl::Status s = RunUntil(judge, end_ms, {end_ms}, due, next_due); !s.ok()) return s;
  }
  seen_.SetNow(end_ms);
  judge.Finish(end_ms);
  scenario::ScenarioRun out;
  out.scenario = &scenario_;
  out.seed = scenario_.seed;
  out.end_ms = end_ms;
  out.run.now_ms = end_ms;
  out.run.events = polls_;
  out.results = judge.Results();
  return out;
}

}  // namespace

absl::StatusOr<scenario::ScenarioRun> RunReal(const Scenario& scenario, const RealOptions& options) {
  std::vector<std::string> problems = RealModeProblems(scenario, geteuid() == 0);
  if (!problems.empty()) return absl::FailedPreconditionError(absl::StrJoin(problems, "\n"));
  RealRun run(scenario, options);
  return run.Run();
}

}  // namespace discosim::real
