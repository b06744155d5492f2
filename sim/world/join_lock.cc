// The join lock (see join_lock.h).
#include "sim/world/join_lock.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "sim/world/check.h"

namespace discosim::world {

bool JoinLock::Contending(Phase phase) {
  switch (phase) {
    case Phase::kWait:
    case Phase::kAttempt:
    case Phase::kAbort:
    case Phase::kBackoff:
      return true;
    default:
      return false;
  }
}

void JoinLock::Build(uint32_t n_nodes, Ports ports, Owner* owner) {
  ports_ = std::move(ports);
  owner_ = owner;
  n_nodes_ = n_nodes;
  servers_.assign(n_nodes, Server{});
  rngs_.clear();
  for (NodeId id = 0; id < n_nodes; ++id) {
    rngs_.push_back(Rng::ForStream(k_.config.seed, Subsystem::kLockBackoff, id));
  }
}

void JoinLock::ClearNode(NodeId n) { servers_[n] = Server{}; }

// ---------------------------------------------------------------------------
// Accounting.

void JoinLock::Account() {
  const int64_t span_us = k_.now_us() - accounted_us_;
  if (holders_ > 0) {
    k_.counters.lock_held_us += span_us;
  } else if (contenders_ > 0) {
    k_.counters.lock_free_contended_us += span_us;
  }
  accounted_us_ = k_.now_us();
}

Counters JoinLock::CountersNow(Counters counters) const {
  const int64_t span_us = k_.now_us() - accounted_us_;
  if (holders_ > 0) {
    counters.lock_held_us += span_us;
  } else if (contenders_ > 0) {
    counters.lock_free_contended_us += span_us;
  }
  return counters;
}

void JoinLock::SetPhase(Request& r, Phase phase) {
  const bool was = Contending(r.phase), is = Contending(phase);
  if (was != is) {
    Account();
    contenders_ = is ? contenders_ + 1 : contenders_ - 1;
  }
  if (phase != Phase::kWait) SetSpinning(r, false);
  const int64_t spent_us = k_.now_us() - r.phase_since_us;
  if (r.phase == Phase::kAttempt || r.phase == Phase::kAbort) {
    k_.counters.lock_attempting_us += spent_us;
  } else if (r.phase == Phase::kWait) {
    k_.counters.lock_waiting_us += spent_us;
  }
  r.phase_since_us = k_.now_us();
  r.phase = phase;
  ++r.token;
}

void JoinLock::SetSpinning(Request& r, bool spinning) {
  if (r.spinning == spinning) return;
  r.spinning = spinning;
  ports_.add_spinner(r.node, spinning ? 1 : -1);
}

void JoinLock::EndHold(Request& r) {
  Account();
  --holders_;
  r.held = false;
}

// ---------------------------------------------------------------------------
// The join task's requests.

void JoinLock::Acquire(uint64_t join_id, NodeId node, NodeId peer) {
  Request& r = requests_[join_id];
  r.node = node;
  r.peer = peer;
  Attempt(join_id);
}

void JoinLock::Release(uint64_t join_id) { GiveBack(join_id, Phase::kRelease); }

bool JoinLock::Held(uint64_t join_id) const {
  auto it = requests_.find(join_id);
  return it != requests_.end() && it->second.held;
}

void JoinLock::Drop(uint64_t join_id) {
  auto it = requests_.find(join_id);
  if (it == requests_.end()) return;
  SetPhase(it->second, Phase::kNone);
  if (it->second.held) EndHold(it->second);
  requests_.erase(it);
}

// Ends any hold, moves to `next` (kAbort re-asks, kRelease tells the owner)
// and releases the grants of the current attempt.
// After an abort the release goes to the nodes that granted (check_replies);
// after the transaction to every node of the list (trans/4's del_lock).
void JoinLock::GiveBack(uint64_t join_id, Phase next) {
  Request& r = requests_.at(join_id);
  if (r.held) EndHold(r);
  std::vector<NodeId> targets = next == Phase::kRelease ? r.list : std::move(r.granted);
  r.granted.clear();
  SetPhase(r, next);
  ReleaseAll(join_id, std::move(targets));
}

// ---------------------------------------------------------------------------
// An attempt.

void JoinLock::Attempt(uint64_t join_id) {
  auto it = requests_.find(join_id);
  if (it == requests_.end()) return;
  Request& r = it->second;
  const NodeId x = r.node;
  std::vector<NodeId> list = {x};  // [node() | nodes()]
  for (NodeId y = 0; y < n_nodes_; ++y) {
    if (y != x && ports_.conn_id(x, y) != 0 && !ports_.hidden(x, y)) list.push_back(y);
  }
  // local_lock_check: only a list of more than one node looks at the own
  // table first; a list of one goes to its own global server all the same.
  const Table& local = servers_[x].table;
  if (list.size() > 1 && local.holder_join != 0 && local.holder_join != join_id) {
    WaitLocally(r, join_id);
    return;
  }
  SetSpinning(r, false);
  ++r.attempt;
  ++k_.counters.lock_attempts;
  owner_->LockAttempted(join_id);
  r.granted.clear();
  r.denied = false;
  SetPhase(r, Phase::kAttempt);
  r.list = list;
  r.waiting = std::move(list);
  const uint32_t attempt = r.attempt;
  const std::vector<NodeId> ask = r.waiting;
  // Own node first: a local message to its global server.
  Enqueue(x, Op{false, join_id, attempt, x, x, k_.nodes[x].incarnation});
  for (NodeId y : ask) {
    if (y != x) ports_.send(x, y, msg::LockRequest{join_id, attempt});
  }
}

void JoinLock::WaitLocally(Request& r, uint64_t join_id) {
  const NodeId x = r.node;
  ++k_.counters.lock_local_waits;
  SetPhase(r, Phase::kWait);
  servers_[x].table.waiters.push_back(join_id);
  if (!k_.calibrated() || k_.config.lock.wait == LockWait::kSpin) {
    SetSpinning(r, true);  // re-checks at once, again and again: a busy core
  } else {
    SetSpinning(r, false);
    r.sleep_phase_us = k_.now_us();  // sleeps of sleep_ms from now on
  }
}

// ---------------------------------------------------------------------------
// The global servers.

void JoinLock::Enqueue(NodeId server, Op op) {
  Server& s = servers_[server];
  const int64_t start_us = std::max(k_.now_us(), s.busy_until_us);
  const int64_t done_us = start_us + ports_.hop_us(server);
  s.busy_until_us = done_us;
  const uint64_t op_id = k_.NewId();
  const NodeId requester = op.requester;
  ops_.emplace(op_id, op);
  k_.PushUs(done_us, Event::LockServe(server, requester, op_id));
}

void JoinLock::OnServe(const Event& event) {
  auto it = ops_.find(event.a);
  if (it == ops_.end()) return;
  const Op op = it->second;
  ops_.erase(it);
  const NodeRt& node = k_.nodes[op.server];
  if (!node.running || node.incarnation != op.server_incarnation) return;
  // A request from a node this one no longer counts as connected is void
  // (its monitor has fired): granting it would hold the lock forever.
  const bool local = op.server == op.requester;
  if (!local && ports_.conn_id(op.server, op.requester) == 0) return;
  bool granted = false;
  Table& table = servers_[op.server].table;
  if (!op.release) {
    granted = table.holder_join == 0 || table.holder_join == op.join_id;
    if (granted) {
      table.holder_join = op.join_id;
      table.holder_node = op.requester;
    }
  } else if (table.holder_join == op.join_id) {
    Free(op.server);
  }
  if (local) {
    const uint8_t sub = op.release ? 2 : granted ? 1 : 0;
    k_.PushUs(k_.now_us() + ports_.hop_us(op.requester),
              Event::LockLocalReply(op.requester, sub, op.join_id, op.attempt));
  } else {
    ports_.send(op.server, op.requester,
                msg::LockReply{op.join_id, op.attempt, granted, op.release});
  }
}

void JoinLock::OnRequest(const NetMsg& m, const msg::LockRequest& req) {
  Enqueue(m.to, Op{false, req.join_id, req.attempt, m.from, m.to, k_.nodes[m.to].incarnation});
}

void JoinLock::OnReleaseMsg(const NetMsg& m, const msg::LockRelease& release) {
  Enqueue(m.to,
          Op{true, release.join_id, release.attempt, m.from, m.to, k_.nodes[m.to].incarnation});
}

void JoinLock::OnReply(const NetMsg& m, const msg::LockReply& reply) {
  Answer(reply.join_id, reply.attempt, m.from, reply.granted, reply.release_ack);
}

void JoinLock::OnLocalReply(const Event& event) {
  if (!k_.nodes[event.node].running) return;
  Answer(event.a, static_cast<uint32_t>(event.b), event.node, event.sub == 1, event.sub == 2);
}

// ---------------------------------------------------------------------------
// Answers.

// A del_lock to `from` for the join's attempt (own node: a local message).
void JoinLock::ReleaseTo(uint64_t join_id, NodeId from, uint32_t attempt) {
  const NodeId x = requests_.at(join_id).node;
  if (from == x) {
    Enqueue(x, Op{true, join_id, attempt, x, x, k_.nodes[x].incarnation});
  } else if (ports_.conn_id(x, from) != 0) {
    ports_.send(x, from, msg::LockRelease{join_id, attempt});
  }
}

void JoinLock::Answer(uint64_t join_id, uint32_t attempt, NodeId from, bool granted,
                      bool release_ack) {
  if (release_ack) return Acked(join_id, attempt, from);
  auto it = requests_.find(join_id);
  const bool current = it != requests_.end() && it->second.phase == Phase::kAttempt &&
                       it->second.attempt == attempt;
  if (!current) {
    // A grant nobody waits for any more is given back at once.
    if (granted && it != requests_.end()) ReleaseTo(join_id, from, attempt);
    return;
  }
  Request& r = it->second;
  auto waiting = std::find(r.waiting.begin(), r.waiting.end(), from);
  if (waiting == r.waiting.end()) return;
  r.waiting.erase(waiting);
  if (granted) {
    r.granted.push_back(from);
  } else {
    r.denied = true;
  }
  if (r.waiting.empty()) Decide(join_id);
}

void JoinLock::Acked(uint64_t join_id, uint32_t attempt, NodeId from) {
  auto it = requests_.find(join_id);
  if (it == requests_.end()) return;
  Request& r = it->second;
  const bool releasing = r.phase == Phase::kAbort || r.phase == Phase::kRelease;
  if (!releasing || r.attempt != attempt) return;
  auto acked = std::find(r.acks.begin(), r.acks.end(), from);
  if (acked == r.acks.end()) return;
  r.acks.erase(acked);
  if (r.acks.empty()) Released(join_id);
}

void JoinLock::Decide(uint64_t join_id) {
  Request& r = requests_.at(join_id);
  const NodeId x = r.node;
  if (!r.denied) {
    Account();
    ++holders_;
    r.held = true;
    ++k_.counters.lock_grants;
    k_.NoteLazy(static_cast<uint32_t>(NoteKind::kLockGranted), x, r.peer, r.attempt,
                [&] { return absl::StrCat(k_.now(), " ", k_.Name(x), " lock granted"); });
    SetPhase(r, Phase::kHeld);
    owner_->LockAcquired(join_id);
    return;
  }
  ++k_.counters.lock_aborts;
  owner_->LockAborted(join_id);
  k_.NoteLazy(static_cast<uint32_t>(NoteKind::kLockAborted), x, r.peer, r.attempt,
              [&] { return absl::StrCat(k_.now(), " ", k_.Name(x), " lock aborted"); });
  GiveBack(join_id, Phase::kAbort);
}

// Releases the join's current attempt on `targets` (a multi_call of
// del_lock: the join goes on when every node has answered or is gone). The
// phase says what follows: kAbort re-asks, kRelease tells the owner. The
// multi_call monitors each remote global server: one on a node x has no
// connection to makes x auto-connect first (OnReleaseConnect).
void JoinLock::ReleaseAll(uint64_t join_id, std::vector<NodeId> targets) {
  Request& r = requests_.at(join_id);
  const NodeId x = r.node;
  r.acks.clear();
  r.connecting.clear();
  for (NodeId y : targets) {
    r.acks.push_back(y);
    if (y == x) {
      Enqueue(x, Op{true, join_id, r.attempt, x, x, k_.nodes[x].incarnation});
    } else if (ports_.conn_id(x, y) != 0) {
      ports_.send(x, y, msg::LockRelease{join_id, r.attempt});
    } else {
      r.connecting.push_back(y);
      ports_.auto_connect(x, y, Cont{ContKind::kLockReleaseConnect, x, y, join_id});
    }
  }
  if (r.acks.empty()) Released(join_id);
}

void JoinLock::OnReleaseConnect(NodeId x, NodeId y, uint64_t join_id, bool connected) {
  auto it = requests_.find(join_id);
  if (it == requests_.end() || it->second.node != x) return;
  Request& r = it->second;
  auto connecting = std::find(r.connecting.begin(), r.connecting.end(), y);
  if (connecting == r.connecting.end()) return;
  r.connecting.erase(connecting);
  if (connected && ports_.conn_id(x, y) != 0) {
    ports_.send(x, y, msg::LockRelease{join_id, r.attempt});
    return;
  }
  // The monitor fires noconnection: y counts as answered.
  auto acked = std::find(r.acks.begin(), r.acks.end(), y);
  if (acked == r.acks.end()) return;
  r.acks.erase(acked);
  if (r.acks.empty()) Released(join_id);
}

void JoinLock::Released(uint64_t join_id) {
  Request& r = requests_.at(join_id);
  if (r.phase == Phase::kRelease) {
    SetPhase(r, Phase::kNone);
    owner_->LockReleased(join_id);
    return;
  }
  WORLD_CHECK(r.phase == Phase::kAbort, "a release in a phase that makes none");
  // kSimple: a random pause (scheduling noise). kCalibrated: at once as
  // released, or the what-if back-off.
  const LockConfig& lock = k_.config.lock;
  const TimeMs min_ms = k_.calibrated() ? lock.backoff_ms_min : lock.retry_delay_ms_min;
  const TimeMs max_ms = k_.calibrated() ? lock.backoff_ms_max : lock.retry_delay_ms_max;
  if (max_ms > 0) {
    SetPhase(r, Phase::kBackoff);
    const TimeMs pause_ms = rngs_[r.node].Range(min_ms, max_ms);
    k_.Push(k_.now() + pause_ms, Event::LockRetry(r.node, join_id, r.token));
    return;
  }
  Attempt(join_id);  // as released: at once
}

// ---------------------------------------------------------------------------
// Frees, retries, nodedowns.

void JoinLock::Free(NodeId n) {
  Table& table = servers_[n].table;
  table.holder_join = 0;
  table.holder_node = kNoNode;
  const std::vector<uint64_t> waiters = std::move(table.waiters);
  table.waiters.clear();
  for (uint64_t waiter : waiters) {
    auto it = requests_.find(waiter);
    if (it == requests_.end() || it->second.phase != Phase::kWait) continue;
    const int64_t at_us = WakeUs(it->second, n);
    k_.PushUs(at_us, Event::LockRetry(n, waiter, it->second.token));
  }
}

// When a local waiter on n notices that n's table is free.
int64_t JoinLock::WakeUs(Request& r, NodeId n) {
  if (!k_.calibrated() || k_.config.lock.wait == LockWait::kSpin) {
    // A spinner sees it at its next turn, once it has a core.
    return k_.now_us() + ports_.core_wait_us(n) + k_.config.cpu.spin_check_us;
  }
  // A sleeper at the end of its current sleep: the VM's timers fire on
  // whole-millisecond ticks of the host's clock, so a sleep of sleep_ms
  // ends at the first tick at least sleep_ms after it began.
  const int64_t now_us = k_.now_us();
  const int64_t ms_us = Kernel::kUsPerMs;
  const int64_t sleep_us = k_.config.lock.sleep_ms * ms_us;
  int64_t end_us = (r.sleep_phase_us + sleep_us + ms_us - 1) / ms_us * ms_us;
  if (end_us <= now_us) {
    // Ticks of sleep_ms from there on (each sleep starts on a tick).
    end_us += (now_us - end_us) / sleep_us * sleep_us;
    while (end_us <= now_us) end_us += sleep_us;
  }
  r.sleep_phase_us = end_us - sleep_us;
  return end_us + ports_.core_wait_us(n);
}

void JoinLock::OnRetry(const Event& event) {
  auto it = requests_.find(event.a);
  if (it == requests_.end() || it->second.token != event.b) return;
  Attempt(event.a);
}

void JoinLock::OnNodedown(NodeId x, NodeId y) {
  // A held lock disappears when its holder's node goes down.
  const Table& table = servers_[x].table;
  if (table.holder_join != 0 && table.holder_node == y) Free(x);
  // An attempt or a release of x no longer waits for y.
  std::vector<uint64_t> decide, released;
  for (auto& [join_id, r] : requests_) {
    if (r.node != x) continue;
    // r.granted keeps y: check_replies releases every node that said true,
    // and the release auto-connects to one that is gone meanwhile.
    if (r.phase == Phase::kAttempt) {
      const size_t before = r.waiting.size();
      std::erase(r.waiting, y);
      if (before != r.waiting.size() && r.waiting.empty()) decide.push_back(join_id);
    } else if (r.phase == Phase::kAbort || r.phase == Phase::kRelease) {
      const size_t before = r.acks.size();
      std::erase(r.acks, y);
      if (before != r.acks.size() && r.acks.empty()) released.push_back(join_id);
    }
  }
  for (uint64_t join_id : decide) Decide(join_id);
  for (uint64_t join_id : released) {
    if (requests_.contains(join_id)) Released(join_id);
  }
}

}  // namespace discosim::world
