// Nodes (start, stop, restart) and the timeline actions that drive a world.
#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/overloaded.h"
#include "sim/world/sim.h"
#include "sim/world/validate.h"

namespace discosim::world {
namespace {



// The id an action keeps its outcome under, if it has one.
const std::string* OutcomeId(const Action& action) {
  if (const auto* a = std::get_if<action::Call>(&action)) return &a->id;
  if (const auto* a = std::get_if<action::ConnectNode>(&action)) return &a->id;
  if (const auto* a = std::get_if<action::Rpc>(&action)) return &a->id;
  return nullptr;
}

}  // namespace

const char* ActionName(const Action& action) {
  static constexpr const char* kNames[] = {
      "start", "stop", "restart", "partition", "cut", "heal", "heal", "disconnect", "dns",
      "slow_connect", "backend", "backend_fail", "add_table", "delete_table", "send", "call",
      "connect_node", "rpc", "lock_loop", "backend_crash"};
  static_assert(std::size(kNames) == std::variant_size_v<Action>);
  return kNames[action.index()];
}

// ---------------------------------------------------------------------------
// Validation: the rule book (validate.h), then the one rule that needs the
// world's state: an id no earlier action used.

absl::Status Sim::Validate(TimeMs at_ms, const Action& action) const {
  if (absl::Status status = ValidateAction(config, at_ms, action); !status.ok()) return status;
  const std::string* id = OutcomeId(action);
  if (id != nullptr && discovery.IdUsed(*id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("t=", at_ms, "ms ", ActionName(action), ": id \"", *id, "\" used twice"));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Execution.

void Sim::MarkFaultRemoved() { last_fault_removal_ms = now(); }

void Sim::Execute(const ScheduledAction& scheduled) {
  const Action& act = scheduled.action;
  current_action = scheduled.schedule_index;
  RecordAction(act);
  NoteLazy(static_cast<uint32_t>(NoteKind::kAction), kNoNode, kNoNode,
           static_cast<int64_t>(act.index()),
           [&] { return absl::StrCat(now(), " action ", ActionName(act)); });
  auto id = [&](const NodeName& name) { return *Find(name); };  // validated
  auto links_of = [&](const std::vector<action::NodePair>& pairs) {
    std::vector<Reachability::Link> links;
    for (const auto& [x, y] : pairs) links.emplace_back(id(x), id(y));
    return links;
  };
  auto for_each_node = [&](const std::optional<NodeName>& node, auto fn) {
    if (node.has_value()) {
      fn(id(*node));
    } else {
      for (NodeId n = 0; n < n_nodes; ++n) fn(n);
    }
  };
  auto new_outcome = [&](const std::string& key, const NodeName& node) {
    return discovery.NewOutcome(key, node);
  };
  auto end_outcome = [&](size_t index, CallOutcome::Kind kind) { discovery.Answer(index, kind); };
  std::visit(
      Overloaded{
          [&](const action::Start& a) {
            for (const NodeName& name : a.nodes) StartNode(id(name));
          },
          [&](const action::Stop& a) {
            for (const NodeName& name : a.nodes) StopNode(id(name));
          },
          [&](const action::Restart& a) {
            for (const NodeName& name : a.nodes) {
              StopNode(id(name));
              StartNode(id(name));
            }
            MarkFaultRemoved();
          },
          [&](const action::Partition& a) {
            std::vector<uint32_t> groups(n_nodes, 0);
            for (size_t g = 0; g < a.groups.size(); ++g) {
              for (const NodeName& name : a.groups[g]) groups[id(name)] = static_cast<uint32_t>(g + 1);
            }
            network.Partition(std::move(groups), current_action);
          },
          [&](const action::Cut& a) {
            network.Cut(links_of(a.links), current_action);
          },
          [&](const action::HealAll&) {
            network.HealAll(current_action);
            MarkFaultRemoved();
          },
          [&](const action::HealLinks& a) {
            network.HealLinks(links_of(a.links), current_action);
            MarkFaultRemoved();
          },
          [&](const action::Disconnect& a) {
            for (const auto& [x, y] : a.links) {
              const NodeId nx = id(x), ny = id(y);
              if (!nodes[nx].running && !nodes[ny].running) continue;
              if (nodes[nx].running && network.ConnId(nx, ny) != 0) {
                network.Disconnect(nx, ny, DownCause::kDisconnect);
              } else if (nodes[ny].running && network.ConnId(ny, nx) != 0) {
                network.Disconnect(ny, nx, DownCause::kDisconnect);
              }
            }
          },
          [&](const action::Dns& a) {
            const bool fails = a.answer == action::DnsAnswer::kFails;
            net_kernel.SetDnsAnswer(id(a.node), a.delay_ms, fails);
            if (a.delay_ms == 0 && !fails) MarkFaultRemoved();
          },
          [&](const action::SlowConnect& a) { net_kernel.SetConnectDelay(id(a.node), a.delay_ms); },
          [&](const action::Backend& a) {
            for_each_node(a.node, [&](NodeId n) { backend.Change(n, a); });
          },
          [&](const action::BackendFail& a) {
            for_each_node(a.node, [&](NodeId n) { backend.Fail(n, a); });
            if (a.until_ms.has_value() && *a.until_ms >= now()) {
              PushAtMs(*a.until_ms, Event::FaultOver());
            }
          },
          [&](const action::AddTable& a) {
            const NodeId n = id(a.node);
            if (!nodes[n].running) return;
            cets_servers.StartIfAbsent(n, a.table);
            discovery.Deliver(n, engine::AddTable{a.table});
          },
          [&](const action::DeleteTable& a) {
            const NodeId n = id(a.node);
            if (nodes[n].running) discovery.Deliver(n, engine::DeleteTable{a.table});
          },
          [&](const action::Send& a) {
            const NodeId n = id(a.node);
            if (nodes[n].running) discovery.Deliver(n, a.message);
          },
          [&](const action::Call& a) {
            const NodeId n = id(a.node);
            const size_t index = new_outcome(a.id, a.node);
            if (!nodes[n].running) {
              end_outcome(index, CallOutcome::Kind::kNoProc);
              return;
            }
            discovery.Call(n, index, a.request, a.timeout_ms);
          },
          [&](const action::ConnectNode& a) {
            const NodeId n = id(a.node), target = id(a.target);
            const size_t index = new_outcome(a.id, a.node);
            if (!nodes[n].running) {
              end_outcome(index, CallOutcome::Kind::kNoProc);
            } else if (n == target) {
              end_outcome(index, CallOutcome::Kind::kTrue);
            } else {
              discovery.OpenCall(index, n);
              net_kernel.RequestConnect(n, target, Cont{ContKind::kActionConnect, n, target, index});
            }
          },
          [&](const action::Rpc& a) {
            const NodeId n = id(a.node), target = id(a.target);
            const size_t index = new_outcome(a.id, a.node);
            if (!nodes[n].running) {
              end_outcome(index, CallOutcome::Kind::kNoProc);
              return;
            }
            discovery.OpenCall(index, n);
            msg::RpcRequest request;
            request.kind = RpcKind::kNodeName;
            StartRpc(n, target, std::move(request), Cont{ContKind::kActionRpc, n, target, index});
          },
          [&](const action::LockLoop& a) {
            const NodeId n = id(a.node);
            if (nodes[n].running) cets_join.StartLockLoop(n);
          },
          [&](const action::BackendCrash& a) { backend.CrashNext(id(a.node)); },
      },
      act);
}

void Sim::RecordAction(const Action& act) {
  const TimeMs t = now();
  const int64_t index = current_action;
  auto for_nodes = [&](const std::optional<NodeName>& node, auto fn) {
    if (node.has_value()) {
      fn(*Find(*node));
    } else {
      for (NodeId n = 0; n < n_nodes; ++n) fn(n);
    }
  };
  if (const auto* a = std::get_if<action::Partition>(&act)) {
    std::vector<std::vector<NodeIndex>> groups;
    std::vector<bool> listed(n_nodes, false);
    for (const auto& g : a->groups) {
      groups.emplace_back();
      for (const NodeName& name : g) {
        groups.back().push_back(*Find(name));
        listed[*Find(name)] = true;
      }
      std::sort(groups.back().begin(), groups.back().end());
    }
    std::vector<NodeIndex> rest;
    for (NodeId n = 0; n < n_nodes; ++n) {
      if (!listed[n]) rest.push_back(n);
    }
    if (!rest.empty()) groups.push_back(std::move(rest));
    observations.StartPartition(std::move(groups), t, index);
  } else if (std::holds_alternative<action::HealAll>(act)) {
    observations.EndPartition(t);
  } else if (const auto* a = std::get_if<action::Dns>(&act)) {
    observations.SetDns(*Find(a->node), a->delay_ms, a->answer == action::DnsAnswer::kFails, t,
                        index);
  } else if (const auto* a = std::get_if<action::SlowConnect>(&act)) {
    observations.SetSlowConnect(*Find(a->node), a->delay_ms, t, index);
  } else if (const auto* a = std::get_if<action::Backend>(&act)) {
    if (!a->error_rate.has_value()) return;
    for_nodes(a->node, [&](NodeId n) { observations.SetBackendErrors(n, *a->error_rate, t, index); });
  } else if (const auto* a = std::get_if<action::BackendFail>(&act)) {
    for_nodes(a->node, [&](NodeId n) {
      if (a->count.has_value()) observations.SetBackendFailCount(n, *a->count, t, index);
      if (a->until_ms.has_value()) observations.SetBackendFailUntil(n, *a->until_ms, t, index);
    });
  }
}

// ---------------------------------------------------------------------------
// Start and stop.

void Sim::StartNode(NodeId n) {
  NodeRt& node = nodes[n];
  if (node.running) {
    NoteLazy(static_cast<uint32_t>(NoteKind::kNodeStart), n, kNoNode, -1,
             [&] { return absl::StrCat(now(), " ", node.name, " start ignored: running"); });
    return;
  }
  node.running = true;
  net_kernel.NodeStarted(n);  // a started node has a DNS entry; its cache is empty
  ++node.incarnation;
  node.start_time_ms = now();
  global.ClearNode(n);
  join_lock.ClearNode(n);
  cets_servers.Clear(n);
  backend.Clear(n);
  observations.NodeStarted(n, node.incarnation, now());
  for (const TableName& table : node.tables) cets_servers.Start(n, table);
  NoteLazy(static_cast<uint32_t>(NoteKind::kNodeStart), n, kNoNode, node.incarnation, [&] {
    return absl::StrCat(now(), " ", node.name, " start incarnation ", node.incarnation);
  });
  discovery.Start(n);
}

void Sim::StopNode(NodeId n) {
  NodeRt& node = nodes[n];
  if (!node.running) {
    NoteLazy(static_cast<uint32_t>(NoteKind::kNodeStop), n, kNoNode, -1,
             [&] { return absl::StrCat(now(), " ", node.name, " stop ignored: not running"); });
    return;
  }
  NoteLazy(static_cast<uint32_t>(NoteKind::kNodeStop), n, kNoNode, node.incarnation, [&] {
    return absl::StrCat(now(), " ", node.name, " stop incarnation ", node.incarnation);
  });
  discovery.Stop(n);
  observations.NodeStopped(n, now());  // its ends go down: kStopped
  network.NodeStopped(n);
  // Everything that ran on it ends with it.
  ping.NodeStopped(n);
  rpc.NodeStopped(n);
  cets_join.NodeStopped(n);
  node.running = false;
  global.ClearNode(n);
  global.NodeStopped(n);
  join_lock.ClearNode(n);
  cets_servers.Clear(n);
  backend.Clear(n);
  net_kernel.NodeStopped(n);
}

// ---------------------------------------------------------------------------
// A discovery crash (backend_crash, crash_rate).

void Sim::DiscoveryTasksDie(NodeId n) {
  // cets_discovery spawn_links its ping tasks: they die. (A precheck or a
  // connect they started finds no ping to report to; a connect net_kernel
  // is making goes on, as net_kernel's setup outlives its caller.)
  ping.OwnerDied(n, ContKind::kDiscoveryPing);
  // Its join task too, in CETS; here it runs to its end and its
  // joining_finished is dropped (CetsJoin::Orphan).
  cets_join.Orphan(n);
}

}  // namespace discosim::world
