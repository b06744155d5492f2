// The discovery room: the engine adapter. One cets_discovery process per
// running node: the engine (engine/engine.h) and its runtime (mailbox and
// timers, engine/runtime.h), handled one message per event like a
// gen_server, and every other effect the engine asks for carried out: tasks
// (get_nodes, pings, joins), replies to callers, start_time sends (real
// sends, subject to auto-connect), log records kept per node. It also keeps
// the timeline's calls (call, connect_node, rpc) and their outcomes. Every
// Init and Step is handed to WorldConfig::engine_observer, when one is set,
// before its effects are carried out (oracle/ replays them).
//
// A process has a number of its own (1, 2, ... per node, counting starts
// and restarts after a crash); its events and its pings' results carry it,
// so nothing of a dead process reaches the next one.
//
// Owns: per node the engine state, the runtime, the process number, whether
// a run is scheduled,
// nodes() (visible connected peers, kept by its end listener), the get_nodes
// call times and the logs (both kept over incarnations); the call outcomes,
// their ids, the engine callers waiting and the calls still open per node.
// Touches: the kernel, the network (start_time sends), the backends (calls).
// Calls back, as wired where the world is built: `start_ping` (cets_ping),
// `start_join` (the join task), `linked_tasks_die` (a crash kills the tasks
// the process spawn_linked).
// Called by: its end listener, the network (start_time), backends (answers),
// pings and joins (results), the timeline (send, call, add/delete_table and
// the outcomes of connect_node and rpc), start / stop, World's read-back.
#ifndef DISCOSIM_SIM_WORLD_DISCOVERY_H_
#define DISCOSIM_SIM_WORLD_DISCOVERY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/engine.h"
#include "engine/runtime.h"
#include "engine/types.h"
#include "sim/world/action.h"
#include "sim/world/backend.h"
#include "sim/world/event.h"
#include "sim/world/kernel.h"
#include "sim/world/network.h"
#include "sim/world/world.h"

namespace discosim::world {

class Discovery {
 public:
  Discovery(Kernel& kernel, Network& network, Backend& backend)
      : k_(kernel), net_(network), backend_(backend) {}

  // After the kernel's node table is filled.
  void Build();

  // A fresh process on node n (init/1 with the nodes connected now).
  void Start(NodeId n);
  // Node n stopped: its process and its open calls end (noproc).
  void Stop(NodeId n);
  // n's get_nodes raised (the backend crashed): the task logs task_failed,
  // the process dies (its callers get an exit, its mailbox and timers go,
  // its linked tasks die) and its supervisor starts a fresh one at once with
  // the nodes connected now. nodes() and the node's tables stay.
  void Crash(NodeId n);

  // A message into n's mailbox (dropped if n is not running).
  void Deliver(NodeId n, engine::Message message);
  // nodes() changes, and the mailbox gets nodeup / nodedown (its listener).
  void NodeUp(NodeId x, NodeId y);
  void NodeDown(NodeId x, NodeId y);

  // --- events ---
  void OnRun(const Event& event);          // kDiscoveryRun
  void OnTimerFire(const Event& event);    // kTimerFire
  void OnCallTimeout(const Event& event);  // kCallTimeout
  void OnPingResult(const Event& event);   // ContKind::kDiscoveryPing

  // --- the timeline's calls ---
  // An id a Schedule call reserved, or an outcome made, uses.
  bool IdUsed(const std::string& id) const { return outcome_by_id_.contains(id); }
  void ReserveId(const std::string& id) { outcome_by_id_.emplace(id, kReserved); }
  // A new pending outcome; returns its index.
  size_t NewOutcome(const std::string& id, const NodeName& node);
  // The call waits on node n (ends noproc if n stops first).
  void OpenCall(size_t index, NodeId n);
  // The answer, unless the outcome already has one (the caller gave up).
  void Answer(size_t index, CallOutcome::Kind kind);
  // A gen_server call to n's discovery, given up after timeout_ms.
  void Call(NodeId n, size_t index, action::Request request, TimeMs timeout_ms);
  const CallOutcome* Outcome(std::string_view id) const;
  const std::vector<CallOutcome>& outcomes() const { return outcomes_; }

  // --- read-back ---
  engine::View ViewOf(NodeId n) const { return engine::View{k_.nodes[n].name, visible_[n]}; }
  const engine::State& state(NodeId n) const { return engines_[n]; }
  const engine::Runtime& runtime(NodeId n) const { return runtimes_[n]; }
  const engine::NodeSet& visible(NodeId n) const { return visible_[n]; }
  const std::vector<TimeMs>& get_nodes_calls(NodeId n) const { return get_nodes_calls_[n]; }
  const std::vector<LogEntry>& logs(NodeId n) const { return logs_[n]; }

  std::function<void(NodeId n, NodeId target, Cont owner)> start_ping;
  std::function<void(NodeId n, std::vector<engine::JoinPair> pairs)> start_join;
  std::function<void(NodeId n)> linked_tasks_die;

 private:
  static constexpr size_t kReserved = SIZE_MAX;  // outcome_by_id_: reserved, not made yet

  void ScheduleRun(NodeId n);
  void MailboxFull(NodeId n);
  void ClearProcess(NodeId n);
  // Hands the engine call just made (scratch_effects_) to
  // config.engine_observer, if one is set, before its effects are carried out.
  void Observe(NodeId n, const engine::Options* options, const engine::Message* message) const;
  // A new process on n: init/1 with nodes() as it is now.
  void Spawn(NodeId n);
  // The event or continuation belongs to n's current process.
  bool Current(NodeId n, uint64_t process) const {
    return k_.nodes[n].running && process_[n] == process;
  }
  // Carries out `effects` in order: the runtime takes the mailbox effects,
  // the rest go to the functions below, one per effect.
  void CarryOut(NodeId n, engine::Effects& effects);
  void CarryForHost(NodeId n, engine::Effect& effect);
  void GetNodes(NodeId n, const engine::StartGetNodes& e);
  void Ping(NodeId n, const engine::StartPing& e);
  void Join(NodeId n, engine::StartJoinTask& e);
  void Reply(NodeId n, engine::Reply& e);
  void SendStartTime(NodeId n, const engine::SendStartTime& e);
  void Log(NodeId n, engine::Log& e);

  Kernel& k_;
  Network& net_;
  Backend& backend_;
  // Per node.
  std::vector<engine::State> engines_;
  std::vector<engine::Runtime> runtimes_;
  std::vector<uint32_t> process_;  // the current process's number
  std::vector<uint8_t> run_scheduled_;
  std::vector<engine::NodeSet> visible_;  // nodes(): visible connected peers
  std::vector<std::vector<TimeMs>> get_nodes_calls_;
  std::vector<std::vector<LogEntry>> logs_;
  engine::Effects scratch_effects_;
  // The timeline's calls.
  std::vector<CallOutcome> outcomes_;
  std::map<std::string, size_t, std::less<>> outcome_by_id_;
  std::map<engine::CallerId, size_t> callers_;  // waiting engine callers -> outcome
  std::map<size_t, std::pair<NodeId, uint32_t>> open_calls_;  // outcome -> node, incarnation
  engine::CallerId next_caller_ = 1;
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_DISCOVERY_H_
