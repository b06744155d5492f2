// Building a world, the run loop, event dispatch, and the public API.
#include "sim/world/world.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sim/world/invariants.h"
#include "sim/world/sim.h"
#include "sim/world/validate.h"

namespace discosim::world {
namespace {

}  // namespace

const char* ToString(EventKind kind) {
  switch (kind) {
    case EventKind::kAction: return "action";
    case EventKind::kDiscoveryRun: return "discovery_run";
    case EventKind::kTimerFire: return "timer_fire";
    case EventKind::kBackendDone: return "backend_done";
    case EventKind::kNetDeliver: return "net_deliver";
    case EventKind::kNkPump: return "net_kernel_pump";
    case EventKind::kNkDnsDone: return "net_kernel_dns_done";
    case EventKind::kSetupDns2Done: return "setup_dns_done";
    case EventKind::kSetupConnected: return "setup_host_answered";
    case EventKind::kSetupDeadline: return "setup_deadline";
    case EventKind::kTickTimeout: return "tick_timeout";
    case EventKind::kPrecheckDnsDone: return "precheck_dns_done";
    case EventKind::kPrecheckTcpDone: return "precheck_tcp_done";
    case EventKind::kMulticallDeadline: return "multicall_deadline";
    case EventKind::kJoinTimer: return "join_timer";
    case EventKind::kGlobalSync: return "global_sync";
    case EventKind::kLockRetry: return "lock_retry";
    case EventKind::kCallTimeout: return "call_timeout";
    case EventKind::kResume: return "resume";
    case EventKind::kFaultOver: return "fault_over";
    case EventKind::kLockServe: return "lock_serve";
    case EventKind::kLockLocalReply: return "lock_local_reply";
    case EventKind::kJoinRpcStep: return "join_rpc_step";
    case EventKind::kRpcTimeout: return "rpc_timeout";
  }
  return "?";
}

const char* ToString(RunStatus status) {
  switch (status) {
    case RunStatus::kReachedTime: return "reached_time";
    case RunStatus::kEventLimit: return "event_limit";
    case RunStatus::kTimeLimit: return "time_limit";
    case RunStatus::kError: return "error";
  }
  return "?";
}

const char* ToString(CallOutcome::Kind kind) {
  switch (kind) {
    case CallOutcome::Kind::kPending: return "pending";
    case CallOutcome::Kind::kOk: return "ok";
    case CallOutcome::Kind::kTimeout: return "timeout";
    case CallOutcome::Kind::kTables: return "tables";
    case CallOutcome::Kind::kSystemInfo: return "system_info";
    case CallOutcome::Kind::kUnexpectedCall: return "unexpected_call";
    case CallOutcome::Kind::kNoProc: return "noproc";
    case CallOutcome::Kind::kTrue: return "true";
    case CallOutcome::Kind::kFalse: return "false";
    case CallOutcome::Kind::kBadRpc: return "badrpc";
    case CallOutcome::Kind::kExit: return "exit";
  }
  return "?";
}

// ---------------------------------------------------------------------------
// Sim: build, dispatch, helpers.

Sim::Sim(WorldConfig config_in)
    : Kernel(std::move(config_in)),
      cets_servers(*this),
      join_lock(*this),
      cets_join(*this, cets_servers, join_lock),
      global(*this) {
  describe_event = [this](const Event& event) { return DescribeEvent(event); };
}

absl::Status Sim::Build() {
  // The rule book (validate.h); what follows builds from a valid config.
  if (absl::Status status = ValidateConfig(config); !status.ok()) return status;
  std::vector<NodeConfig> sorted = config.nodes;
  std::sort(sorted.begin(), sorted.end(),
            [](const NodeConfig& a, const NodeConfig& b) { return a.name < b.name; });
  for (size_t i = 0; i < sorted.size(); ++i) {
    by_name.emplace(sorted[i].name, static_cast<NodeId>(i));
  }
  n_nodes = static_cast<uint32_t>(sorted.size());
  std::vector<NodeName> all_names;
  for (const NodeConfig& n : sorted) all_names.push_back(n.name);
  nodes.resize(n_nodes);
  std::vector<Dns::Name> dns_names;
  observations.Build(all_names);
  for (NodeId id = 0; id < n_nodes; ++id) {
    const NodeConfig& c = sorted[id];
    NodeRt& n = nodes[id];
    n.name = c.name;
    n.settings = c.settings;
    dns_names.push_back(Dns::Name{c.resolvable.value_or(c.start_at_ms.has_value()),
                                  c.resolvable.has_value(), c.settings.dns_delay_ms,
                                  c.settings.dns_cache_ttl_ms});
    n.tables = c.tables;
    // Faults a node is declared with, from t=0.
    observations.SetDns(id, c.settings.dns_delay_ms, c.resolvable == std::optional<bool>(false), 0, -1);
    observations.SetSlowConnect(id, c.settings.connect_delay_ms, 0, -1);
    observations.SetBackendErrors(id, c.backend.error_rate, 0, -1);
  }
  std::vector<BackendConfig> backends;
  for (const NodeConfig& c : sorted) backends.push_back(c.backend);
  backend.Build(backends, all_names);
  backend.answered = [this](NodeId n, engine::GetNodesDone done) {
    discovery.Deliver(n, std::move(done));
  };
  discovery.Build();
  discovery.start_ping = [this](NodeId n, NodeId target, Cont owner) { ping.Start(n, target, owner); };
  discovery.start_join = [this](NodeId n, std::vector<engine::JoinPair> pairs) {
    StartJoinTask(n, std::move(pairs));
  };
  discovery.linked_tasks_die = [this](NodeId n) { DiscoveryTasksDie(n); };
  backend.fault_removed = [this] { MarkFaultRemoved(); };
  backend.crashed = [this](NodeId n) { discovery.Crash(n); };
  std::vector<std::string> node_hosts;
  for (const NodeConfig& c : sorted) node_hosts.push_back(c.host);
  cpu.Build(node_hosts);
  cpu.server_busy = [this](NodeId n) { return join_lock.ServerBusy(n); };
  std::vector<TimeMs> connect_delays_ms;
  for (const NodeConfig& c : sorted) connect_delays_ms.push_back(c.settings.connect_delay_ms);
  net_kernel.Build(std::move(dns_names), std::move(connect_delays_ms));
  network.Build();
  network.SetConnector(&net_kernel);
  network.receive = [this](const NetMsg& m) { Receive(m); };
  WireJoinRooms();
  WireEndListeners();
  WireRpc();
  WireCetsPing();
  // Initial starts, in name order at each instant.
  for (NodeId id = 0; id < n_nodes; ++id) {
    const std::optional<TimeMs>& at = sorted[id].start_at_ms;
    if (!at.has_value()) continue;
    actions.push_back(ScheduledAction{*at, action::Start{{nodes[id].name}}, true});
    PushAtMs(*at, Event::RunAction(id, actions.size() - 1));
  }
  return error;
}

// The nodeup / nodedown fan-out. The order is part of the trace: each
// listener's sends and pushes land in the queue in this order.
void Sim::WireEndListeners() {
  network.ClearListeners();
  // 1. discovery: nodes() changes, and its mailbox gets nodeup / nodedown.
  network.AddListener(EndListener{
      "discovery", true,
      [this](NodeId x, NodeId y, uint64_t) { discovery.NodeUp(x, y); },
      [this](NodeId x, NodeId y, uint64_t, DownCause) { discovery.NodeDown(x, y); }});
  // 2. global: connect_all's sync, prevent_overlapping_partitions' reports.
  network.AddListener(EndListener{
      "global", true, [this](NodeId x, NodeId y, uint64_t) { global.OnNodeup(x, y); },
      [this](NodeId x, NodeId y, uint64_t conn_id, DownCause cause) {
        global.OnNodedown(x, y, conn_id, cause);
      }});
  // 3. cets table servers: monitors of the peer's servers fire.
  network.AddListener(EndListener{
      "cets_tables", false, nullptr,
      [this](NodeId x, NodeId y, uint64_t, DownCause) { cets_servers.OnNodedown(x, y); }});
  // 4. the join lock: a holder's lock goes, attempts stop waiting for it.
  network.AddListener(EndListener{
      "join_lock", false, nullptr,
      [this](NodeId x, NodeId y, uint64_t, DownCause) { join_lock.OnNodedown(x, y); }});
  // 5. rpc: calls to the peer fail with {badrpc, nodedown}.
  network.AddListener(EndListener{
      "rpc", false, nullptr,
      [this](NodeId x, NodeId y, uint64_t, DownCause) { rpc.OnNodedown(x, y); }});
}

// The rpc room's send (the network's; a request it cannot deliver fails the
// call) and who serves each kind of call.
void Sim::WireRpc() {
  rpc.SetSend([this](NodeId from, NodeId to, Payload payload, SendMode mode) {
    network.Send(from, to, std::move(payload), mode);
  });
  network.undeliverable = [this](const NetMsg& m) {
    if (const auto* request = std::get_if<msg::RpcRequest>(&m.payload)) {
      rpc.Finish(request->rpc_id, RpcAnswer{});  // {badrpc, nodedown}
    }
  };
  auto tables = [this](NodeId server, NodeId caller, const msg::RpcRequest& request) {
    ServeTableRpc(server, caller, request);
  };
  rpc.SetServer(RpcKind::kWhereis, tables);
  rpc.SetServer(RpcKind::kGetCluster, tables);
  // kPrecheck and kPing: cets_ping registers its own.
}

// cets_ping's view of nodes(), DNS, the network and net_kernel.
void Sim::WireCetsPing() {
  CetsPing::Wiring wiring;
  wiring.connected = [this](NodeId x, NodeId y) {
    return network.ConnId(x, y) != 0 && !network.Hidden(x, y);
  };
  wiring.lookup = [this](NodeId n, NodeId target) { return net_kernel.Lookup(n, target); };
  wiring.reachable = [this](NodeId x, NodeId y) { return network.Reachable(x, y); };
  wiring.latency_us = [this](NodeId x, NodeId y) { return network.LatencyUs(x, y); };
  wiring.connect = [this](NodeId n, NodeId target, Cont waiter) {
    net_kernel.RequestConnect(n, target, waiter);
  };
  ping.Wire(std::move(wiring));
}

// The ports of the rooms of global and cets: what each sees of the other
// rooms (network, net_kernel, cpu, rpc, cets_ping, discovery).
void Sim::WireJoinRooms() {
  auto conn_id = [this](NodeId x, NodeId y) { return ConnId(x, y); };
  auto hidden = [this](NodeId x, NodeId y) { return Hidden(x, y); };
  auto send_existing = [this](NodeId from, NodeId to, Payload payload) {
    Send(from, to, std::move(payload), SendMode::kExistingOnly);
  };
  auto auto_connect = [this](NodeId n, NodeId target, Cont waiter) {
    AutoConnect(n, target, waiter);
  };
  cets_servers.Build(n_nodes, CetsServers::Ports{conn_id, auto_connect});
  global.Build(n_nodes,
               Global::Ports{conn_id, hidden, send_existing,
                             [this](NodeId n, NodeId target, Cont waiter) {
                               AutoConnect(n, target, waiter);
                             },
                             [this](NodeId x, NodeId y, DownCause cause) {
                               Disconnect(x, y, cause);
                             },
                             [this](NodeId x, NodeId y) {
                               return nodes[x].settings.dist_auto_connect == AutoConnect::kOnce &&
                                      net_kernel.AutoConnectBarred(x, y);
                             }});
  join_lock.Build(n_nodes,
                  JoinLock::Ports{conn_id, hidden, send_existing,
                                  [this](NodeId n) { return HopUs(n); },
                                  [this](NodeId n) { return CoreWaitUs(n); },
                                  [this](NodeId n, int delta) {
                                    uint32_t& spinners = cpu.Spinners(n);
                                    spinners = static_cast<uint32_t>(spinners + delta);
                                  },
                                  auto_connect},
                  &cets_join);
  cets_join.Build(CetsJoin::Ports{
      [this](NodeId caller, NodeId target, msg::RpcRequest request, Cont owner) {
        return StartRpc(caller, target, std::move(request), owner);
      },
      [this](uint64_t rpc_id) { return TakeRpc(rpc_id).answer; },
      [this](NodeId n, std::vector<std::pair<NodeId, NodeId>> pairs, Cont owner) {
        return ping.StartPingPairs(n, std::move(pairs), owner);
      },
      [this](uint64_t id) { return ping.TakePingPairs(id); }, conn_id,
      [this](NodeId x, NodeId y) { return LatencyUs(x, y); },
      [this](NodeId caller, NodeId target) { return RpcUs(caller, target); },
      [this](NodeId n) { return HopUs(n); },
      [this](NodeId n, std::vector<engine::JoinResult> results) {
        discovery.Deliver(n, engine::JoiningFinished{std::move(results)});
      }});
}

std::string Sim::DescribeEvent(const Event& event) const {
  auto name = [&](NodeId id) { return id == kNoNode ? std::string("-") : Name(id); };
  std::string text = absl::StrFormat("%s node=%s peer=%s a=%d b=%d", ToString(event.kind),
                                     name(event.node), name(event.peer), event.a, event.b);
  if (event.kind == EventKind::kAction && event.a < actions.size()) {
    absl::StrAppend(&text, " (", ActionName(actions[event.a].action), ")");
  }
  return text;
}

void Sim::OnResume(const Event& event) {
  switch (static_cast<ContKind>(event.sub)) {
    case ContKind::kNone:
      WORLD_CHECK(false, "a resume with no continuation");
      return;
    case ContKind::kDiscoveryPing:
      discovery.OnPingResult(event);
      return;
    case ContKind::kPingPrecheck:
    case ContKind::kPingConnect:
    case ContKind::kPingMulticall:
    case ContKind::kPingPairsRpc:
      ping.OnResume(event);
      return;
    case ContKind::kRpcServe:
      rpc.OnServed(event);
      return;
    case ContKind::kJoinRpc:
      cets_join.OnRpc(event.a, event.b);
      return;
    case ContKind::kJoinPingPairs:
      cets_join.OnPingPairs(event.a, event.b);
      return;
    case ContKind::kPendingSends:
      network.OnConnectForSends(event);
      return;
    case ContKind::kCetsMonitorConnect:
      cets_servers.OnMonitorConnect(event.a, event.b != 0);
      return;
    case ContKind::kLockReleaseConnect:
      join_lock.OnReleaseConnect(event.node, event.peer, event.a, event.b != 0);
      return;
    case ContKind::kGlobalConnect:
      if (nodes[event.node].incarnation == event.a) {
        global.OnConnectResult(event.node, event.peer, event.b != 0);
      }
      return;
    case ContKind::kGlobalPassiveConnect:
      global.OnPassiveConnectEnd(event.node, event.peer, event.a);
      return;
    case ContKind::kActionConnect:
      discovery.Answer(event.a, event.b != 0 ? CallOutcome::Kind::kTrue : CallOutcome::Kind::kFalse);
      return;
    case ContKind::kActionRpc: {
      const RpcCall rpc = TakeRpc(event.b);
      discovery.Answer(event.a,
                       rpc.answer.delivered ? CallOutcome::Kind::kOk : CallOutcome::Kind::kBadRpc);
      return;
    }
  }
}

void Sim::Receive(const NetMsg& m) {
  const NodeId to = m.to, from = m.from;
  std::visit(
      [&](auto& p) {
        using P = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<P, msg::HandshakeRequest>) {
          net_kernel.OnHandshakeRequest(m, p);
        } else if constexpr (std::is_same_v<P, msg::HandshakeReply>) {
          net_kernel.OnHandshakeReply(m, p);
        } else if constexpr (std::is_same_v<P, msg::Close>) {
          WORLD_CHECK(false, "a close for a room: the network handles closes");
        } else if constexpr (std::is_same_v<P, msg::StartTime>) {
          discovery.Deliver(to, engine::StartTimeMsg{Name(from), p.start_time});
        } else if constexpr (std::is_same_v<P, msg::RpcRequest>) {
          rpc.Serve(to, from, p);
        } else if constexpr (std::is_same_v<P, msg::RpcReply>) {
          rpc.OnReply(m, p);
        } else if constexpr (std::is_same_v<P, msg::GlobalSync>) {
          OnGlobalSyncMsg(m, p);
        } else if constexpr (std::is_same_v<P, msg::GlobalNewNodes>) {
          OnGlobalNewNodes(m, p);
        } else if constexpr (std::is_same_v<P, msg::LostConnection>) {
          OnLostConnection(m, p);
        } else if constexpr (std::is_same_v<P, msg::RemoveConnection>) {
          OnRemoveConnection(m);
        } else if constexpr (std::is_same_v<P, msg::LockRequest>) {
          OnLockRequest(m, p);
        } else if constexpr (std::is_same_v<P, msg::LockReply>) {
          OnLockReply(m, p);
        } else {
          static_assert(std::is_same_v<P, msg::LockRelease>);
          OnLockReleaseMsg(m, p);
        }
      },
      m.payload);
}

bool Sim::IsLockTraffic(const Event& event) const {
  // The lock's own traffic and a join's rpcs under the lock change nothing
  // World's read-back shows until the merge itself (a kJoinTimer).
  if (event.kind == EventKind::kLockRetry || event.kind == EventKind::kLockServe ||
      event.kind == EventKind::kLockLocalReply || event.kind == EventKind::kJoinRpcStep) {
    return true;
  }
  if (event.kind != EventKind::kNetDeliver) return false;
  const Payload& payload = network.Message(static_cast<uint32_t>(event.a)).payload;
  return std::holds_alternative<msg::LockRequest>(payload) ||
         std::holds_alternative<msg::LockReply>(payload) ||
         std::holds_alternative<msg::LockRelease>(payload);
}

void Sim::Dispatch(const Event& event) {
  current_event = event;
  if (!IsLockTraffic(event)) ++observable_version;
  const uint32_t kind = static_cast<uint32_t>(NoteKind::kEvent) + static_cast<uint32_t>(event.kind);
  NoteLazy(kind, event.node, event.peer, static_cast<int64_t>(event.a),
           [&] { return absl::StrCat(now(), " event ", DescribeEvent(event)); });
  switch (event.kind) {
    case EventKind::kAction: Execute(actions[event.a]); break;
    case EventKind::kDiscoveryRun: discovery.OnRun(event); break;
    case EventKind::kTimerFire: discovery.OnTimerFire(event); break;
    case EventKind::kBackendDone: backend.OnDone(event); break;
    case EventKind::kNetDeliver: network.OnDeliver(static_cast<uint32_t>(event.a)); break;
    case EventKind::kNkPump: net_kernel.OnPump(event); break;
    case EventKind::kNkDnsDone: net_kernel.OnDnsDone(event); break;
    case EventKind::kSetupDns2Done: net_kernel.OnSetupDns2Done(event); break;
    case EventKind::kSetupConnected: net_kernel.OnSetupConnected(event.a); break;
    case EventKind::kSetupDeadline: net_kernel.OnSetupDeadline(event.a); break;
    case EventKind::kTickTimeout: network.OnTickTimeout(event); break;
    case EventKind::kPrecheckDnsDone:
    case EventKind::kPrecheckTcpDone:
    case EventKind::kMulticallDeadline: ping.Handle(event); break;
    case EventKind::kJoinTimer: cets_join.OnTimer(event); break;
    case EventKind::kGlobalSync: global.OnSyncTimer(event); break;
    case EventKind::kLockRetry: join_lock.OnRetry(event); break;
    case EventKind::kCallTimeout: discovery.OnCallTimeout(event); break;
    case EventKind::kResume: OnResume(event); break;
    case EventKind::kFaultOver: MarkFaultRemoved(); break;
    case EventKind::kLockServe: join_lock.OnServe(event); break;
    case EventKind::kLockLocalReply: join_lock.OnLocalReply(event); break;
    case EventKind::kJoinRpcStep: cets_join.OnRpcStep(event); break;
    case EventKind::kRpcTimeout: rpc.OnTimeout(event); break;
  }
}

// ---------------------------------------------------------------------------
// World.

World::World(std::unique_ptr<Sim> sim) : sim_(std::move(sim)) {}
World::~World() = default;

absl::StatusOr<std::unique_ptr<World>> World::Create(WorldConfig config) {
  auto sim = std::make_unique<Sim>(std::move(config));
  if (absl::Status status = sim->Build(); !status.ok()) return status;
  return std::unique_ptr<World>(new World(std::move(sim)));
}

absl::Status World::Schedule(TimeMs at_ms, Action action) {
  Sim& s = *sim_;
  const int64_t schedule_index = s.schedule_calls++;
  if (at_ms < s.now()) {
    return absl::InvalidArgumentError(absl::StrCat("t=", at_ms, "ms ", ActionName(action),
                                                   ": scheduled before the clock (", s.now(),
                                                   "ms)"));
  }
  if (absl::Status status = s.Validate(at_ms, action); !status.ok()) return status;
  if (const auto* call = std::get_if<action::Call>(&action)) {
    s.discovery.ReserveId(call->id);  // filled when the call is made
  } else if (const auto* connect = std::get_if<action::ConnectNode>(&action)) {
    s.discovery.ReserveId(connect->id);
  } else if (const auto* rpc = std::get_if<action::Rpc>(&action)) {
    s.discovery.ReserveId(rpc->id);
  }
  s.actions.push_back(ScheduledAction{at_ms, std::move(action), false, schedule_index});
  s.PushAtMs(at_ms, Event::RunAction(kNoNode, s.actions.size() - 1));
  return s.error;
}

RunResult World::StepOneEvent() {
  Sim& s = *sim_;
  RunResult result;
  if (!s.failed() && !s.queue.empty()) {
    if (s.events_processed >= s.config.limits.max_events) {
      result.status = RunStatus::kEventLimit;
    } else if (s.queue.next() / Sim::kUsPerMs > s.config.limits.max_time_ms) {
      result.status = RunStatus::kTimeLimit;
    } else {
      DispatchNext();
    }
  }
  if (s.failed()) {
    result.status = RunStatus::kError;
    result.error = s.error;
  }
  result.now_ms = s.now();
  result.events = s.events_processed;
  return result;
}

void World::DispatchNext() {
  Sim& s = *sim_;
  auto entry = s.queue.Pop();
  s.Dispatch(entry.payload);
  ++s.events_processed;
#ifdef DISCOSIM_WORLD_CHECK_EVERY_EVENT
  if (std::string broken = CheckInvariants(s); !broken.empty()) {
    std::fprintf(stderr, "world invariant broken after t=%lldms event %s: %s\n",
                 static_cast<long long>(s.now()), s.DescribeEvent(entry.payload).c_str(),
                 broken.c_str());
    std::abort();
  }
#endif
  RecordStatus();
  if (observer_) observer_(*this);
}

RunResult World::RunUntil(TimeMs until_ms) {
  Sim& s = *sim_;
  const Limits& limits = s.config.limits;
  const TimeMs target_ms = std::min(until_ms, limits.max_time_ms);
  RunResult result;
  while (!s.failed() && !s.queue.empty() && s.queue.next() / Sim::kUsPerMs <= target_ms) {
    if (s.events_processed >= limits.max_events) {
      result.status = RunStatus::kEventLimit;
      break;
    }
    DispatchNext();
  }
  if (s.failed()) {
    result.status = RunStatus::kError;
    result.error = s.error;
  } else if (result.status == RunStatus::kReachedTime) {
    if (target_ms > s.now()) s.queue.AdvanceTo(target_ms * Sim::kUsPerMs);
    if (until_ms > limits.max_time_ms) result.status = RunStatus::kTimeLimit;
  }
  result.now_ms = s.now();
  result.events = s.events_processed;
  return result;
}

std::optional<TimeMs> World::NextEventTime() const {
  if (sim_->queue.empty()) return std::nullopt;
  return sim_->queue.next() / Sim::kUsPerMs;
}

void World::RecordStatus() {
  Sim& s = *sim_;
  if (!s.trace.keep_lines()) return;
  // Only the state at the end of an instant is kept, so look only then: a
  // verify_ready per node per instant, not per event.
  if (!s.queue.empty() && s.queue.next() / Sim::kUsPerMs <= s.now()) return;
  s.observations.BeginStatusInstant(s.now());
  for (NodeId id = 0; id < s.n_nodes; ++id) {
    const NodeRt& n = s.nodes[id];
    const engine::State& engine = s.discovery.state(id);
    DiscoveryStatus now{s.now(), n.running, n.incarnation, engine.phase, false};
    if (n.running) now.ready = engine::VerifyReady(engine, s.discovery.ViewOf(id)).empty();
    s.observations.NoteStatus(id, now);
  }
}

const std::vector<DiscoveryStatus>& World::StatusChanges(std::string_view node) const {
  static const std::vector<DiscoveryStatus> kEmpty;
  std::optional<NodeId> x = sim_->Find(node);
  if (!x) return kEmpty;
  return sim_->observations.StatusOf(*x);
}

void World::SetObserver(Observer observer) { observer_ = std::move(observer); }
TimeMs World::now_ms() const { return sim_->now(); }
const WorldConfig& World::config() const { return sim_->config; }

bool World::CountsUp(std::string_view node, std::string_view peer) const {
  std::optional<NodeId> x = sim_->Find(node);
  std::optional<NodeId> y = sim_->Find(peer);
  if (!x || !y || *x == *y) return false;
  return sim_->network.ConnId(*x, *y) != 0;
}

const engine::NodeSet& World::VisibleConnected(std::string_view node) const {
  static const engine::NodeSet kEmpty;
  std::optional<NodeId> x = sim_->Find(node);
  return x ? sim_->discovery.visible(*x) : kEmpty;
}

bool World::NoOverlappingPartitions() const {
  const Sim& s = *sim_;
  std::vector<NodeId> members;
  for (NodeId id = 0; id < s.n_nodes; ++id) {
    const NodeRt& n = s.nodes[id];
    if (n.running && n.settings.visibility == Visibility::kVisible) members.push_back(id);
  }
  auto both_up = [&](NodeId a, NodeId b) {
    return s.network.ConnId(a, b) != 0 && s.network.ConnId(b, a) != 0;
  };
  // Transitive means every connected component is a clique.
  std::vector<int> component(s.n_nodes, -1);
  for (NodeId start : members) {
    if (component[start] >= 0) continue;
    std::vector<NodeId> stack = {start}, found;
    component[start] = static_cast<int>(start);
    while (!stack.empty()) {
      const NodeId a = stack.back();
      stack.pop_back();
      found.push_back(a);
      for (NodeId b : members) {
        if (component[b] < 0 && both_up(a, b)) {
          component[b] = static_cast<int>(start);
          stack.push_back(b);
        }
      }
    }
    for (NodeId a : found) {
      for (NodeId b : found) {
        if (a != b && !both_up(a, b)) return false;
      }
    }
  }
  return true;
}

std::optional<NodeStatus> World::Node(std::string_view node) const {
  std::optional<NodeId> x = sim_->Find(node);
  if (!x) return std::nullopt;
  const NodeRt& n = sim_->nodes[*x];
  return NodeStatus{n.name, n.running, n.incarnation, n.start_time_ms};
}

std::vector<NodeStatus> World::Nodes() const {
  std::vector<NodeStatus> out;
  for (const NodeRt& n : sim_->nodes) {
    out.push_back(NodeStatus{n.name, n.running, n.incarnation, n.start_time_ms});
  }
  return out;
}

std::optional<engine::NodeSet> World::TableCluster(std::string_view node,
                                                   std::string_view table) const {
  std::optional<NodeId> x = sim_->Find(node);
  if (!x || !sim_->nodes[*x].running) return std::nullopt;
  const auto& servers = sim_->cets_servers.Of(*x);
  auto it = servers.find(std::string(table));
  if (it == servers.end()) return std::nullopt;
  engine::NodeSet names;
  for (const ServerRef& ref : it->second.cluster) names.insert(sim_->Name(ref.node));
  return names;
}

bool World::MonitorConnecting(std::string_view node, std::string_view peer) const {
  std::optional<NodeId> x = sim_->Find(node), y = sim_->Find(peer);
  return x && y && sim_->nodes[*x].running && sim_->cets_servers.MonitorConnecting(*x, *y);
}

const engine::State* World::DiscoveryState(std::string_view node) const {
  std::optional<NodeId> x = sim_->Find(node);
  if (!x || !sim_->nodes[*x].running) return nullptr;
  return &sim_->discovery.state(*x);
}

std::optional<engine::SystemInfo> World::SystemInfo(std::string_view node) const {
  std::optional<NodeId> x = sim_->Find(node);
  if (!x || !sim_->nodes[*x].running) return std::nullopt;
  return engine::MakeSystemInfo(sim_->discovery.state(*x), sim_->now(), sim_->discovery.ViewOf(*x));
}

std::optional<std::vector<engine::MissingTask>> World::VerifyReady(std::string_view node) const {
  std::optional<NodeId> x = sim_->Find(node);
  if (!x || !sim_->nodes[*x].running) return std::nullopt;
  return engine::VerifyReady(sim_->discovery.state(*x), sim_->discovery.ViewOf(*x));
}

const std::vector<TimeMs>& World::GetNodesCalls(std::string_view node) const {
  static const std::vector<TimeMs> kEmpty;
  std::optional<NodeId> x = sim_->Find(node);
  return x ? sim_->discovery.get_nodes_calls(*x) : kEmpty;
}

const std::vector<LogEntry>& World::Logs(std::string_view node) const {
  static const std::vector<LogEntry> kEmpty;
  std::optional<NodeId> x = sim_->Find(node);
  return x ? sim_->discovery.logs(*x) : kEmpty;
}

const CallOutcome* World::Outcome(std::string_view id) const {
  return sim_->discovery.Outcome(id);
}

const std::vector<CallOutcome>& World::Outcomes() const { return sim_->discovery.outcomes(); }
std::optional<TimeMs> World::LastFaultRemovalMs() const { return sim_->last_fault_removal_ms; }
uint64_t World::TraceHash() const { return sim_->trace.hash(); }
const Observations& World::Observed() const { return sim_->observations.observed(); }
uint64_t World::ObservableVersion() const { return sim_->observable_version; }
const std::vector<std::string>& World::TraceLines() const { return sim_->trace.lines(); }
const std::vector<JoinRecord>& World::Joins() const { return sim_->cets_join.records(); }

std::vector<TraceEntry> World::TraceEntries() const {
  const Sim& s = *sim_;
  const auto& records = s.trace.kept_records();
  const auto& lines = s.trace.lines();
  std::vector<TraceEntry> entries;
  entries.reserve(records.size());
  auto name = [&](uint32_t id) { return id < s.n_nodes ? s.Name(id) : std::string(); };
  const uint32_t first_event = static_cast<uint32_t>(NoteKind::kEvent);
  for (size_t i = 0; i < records.size(); ++i) {
    const Trace::Record& r = records[i];
    TraceEntry entry;
    entry.at_ms = r.at_ms;
    if (r.kind >= first_event && r.kind < first_event + 0x100) {
      entry.kind = absl::StrCat("event:", ToString(static_cast<EventKind>(r.kind - first_event)));
    } else {
      entry.kind = ToString(static_cast<NoteKind>(r.kind));
    }
    entry.node = name(r.node);
    entry.peer = name(r.peer);
    entry.detail = r.detail;
    entry.text = lines[i];
    entries.push_back(std::move(entry));
  }
  return entries;
}

Counters World::counters() const {
  // The lock's time up to now, without touching the world's own accounting.
  Counters c = sim_->join_lock.CountersNow(sim_->counters);
  c.events = sim_->events_processed;
  return c;
}

}  // namespace discosim::world
