// The net_kernel room (see net_kernel.h).
#include "sim/world/net_kernel.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "sim/world/check.h"

namespace discosim::world {

void NetKernel::Build(std::vector<Dns::Name> names, std::vector<TimeMs> connect_delays_ms) {
  dns_.Build(std::move(names));
  nodes_.assign(k_.n_nodes, PerNode{});
  for (NodeId n = 0; n < k_.n_nodes; ++n) nodes_[n].connect_delay_ms = connect_delays_ms[n];
  links_.assign(static_cast<size_t>(k_.n_nodes) * k_.n_nodes, PerLink{});
}

bool NetKernel::AutoConnectBarred(NodeId n, NodeId target) const {
  switch (k_.nodes[n].settings.dist_auto_connect) {
    case AutoConnect::kAlways: return false;
    case AutoConnect::kNever: return true;
    case AutoConnect::kOnce: return link(n, target).barred;
  }
  return true;
}

void NetKernel::RequestConnect(NodeId n, NodeId target, Cont waiter) {
  WORLD_CHECK(k_.nodes[n].running, "a connect from a stopped node");
  nodes_[n].queue.push_back(Request{Request::Kind::kConnect, target, 0, waiter});
  SchedulePump(n);
}

// net_kernel takes requests in an event of its own, never inside the caller's
// handler: a request made while handling something else waits its turn.
void NetKernel::SchedulePump(NodeId n) {
  PerNode& node = nodes_[n];
  if (node.busy || node.pump_scheduled) return;
  node.pump_scheduled = true;
  k_.Push(k_.now(), Event::NkPump(n, k_.nodes[n].incarnation));
}

void NetKernel::AutoConnect(NodeId n, NodeId target, Cont waiter) {
  if (net_.ConnId(n, target) != 0) {
    k_.Resume(waiter, 1);
  } else if (AutoConnectBarred(n, target)) {
    k_.Resume(waiter, 0);
  } else {
    RequestConnect(n, target, waiter);
  }
}

void NetKernel::OnPump(const Event& event) {
  const NodeRt& node = k_.nodes[event.node];
  if (!node.running || node.incarnation != event.a) return;
  nodes_[event.node].pump_scheduled = false;
  Pump(event.node);
}

void NetKernel::Pump(NodeId n) {
  PerNode& node = nodes_[n];
  while (!node.busy && !node.queue.empty()) {
    Request request = std::move(node.queue.front());
    node.queue.pop_front();
    if (request.kind == Request::Kind::kHandshake) {
      AcceptHandshake(n, request.peer, request.setup_id);
      continue;
    }
    const NodeId target = request.peer;
    if (target == n || net_.ConnId(n, target) != 0) {
      k_.Resume(request.waiter, 1);  // already connected: true at once
      continue;
    }
    PerLink& end = link(n, target);
    if (end.setup_id != 0) {
      setups_.at(end.setup_id).waiters.push_back(request.waiter);  // joined, not repeated
      continue;
    }
    const uint64_t setup_id = k_.NewId();
    Setup setup;
    setup.from = n;
    setup.to = target;
    setup.from_incarnation = k_.nodes[n].incarnation;
    setup.stage = Setup::Stage::kDns1;
    setup.waiters.push_back(request.waiter);
    setups_.emplace(setup_id, std::move(setup));
    end.setup_id = setup_id;
    const auto [delay_ms, resolved] = Lookup(n, target);
    if (delay_ms > 0) {
      node.busy = true;  // blocked until the answer comes
      k_.Push(k_.now() + delay_ms,
              Event::NkDnsDone(n, target, k_.nodes[n].incarnation, setup_id, resolved));
      return;
    }
    AfterDns1(setup_id, resolved);
  }
}

void NetKernel::OnDnsDone(const Event& event) {
  const NodeRt& node = k_.nodes[event.node];
  if (!node.running || node.incarnation != event.a) return;
  nodes_[event.node].busy = false;
  if (setups_.contains(event.b)) AfterDns1(event.b, event.sub != 0);
  Pump(event.node);
}

void NetKernel::AfterDns1(uint64_t setup_id, bool resolved) {
  if (!resolved) {
    FailSetup(setup_id);  // an unresolvable name fails after the DNS time
    return;
  }
  Setup& setup = setups_.at(setup_id);
  // The setup process starts now, and with it the net_setuptime timer
  // (measured: a 5 s name fails its setup at 10 s, not at 7 s).
  setup.stage = Setup::Stage::kDns2;
  setup.deadline_ms = k_.now() + k_.nodes[setup.from].settings.net_setuptime_ms;
  k_.Push(setup.deadline_ms, Event::SetupDeadline(setup.from, setup.to, setup_id));
  // The setup process looks the name up once more, under the setup timer.
  const auto [delay_ms, again] = Lookup(setup.from, setup.to);
  k_.Push(k_.now() + delay_ms, Event::SetupDns2Done(setup.from, setup.to, setup_id, again));
}

void NetKernel::OnSetupDns2Done(const Event& event) {
  auto it = setups_.find(event.a);
  if (it == setups_.end() || it->second.stage != Setup::Stage::kDns2) return;
  Setup& setup = it->second;
  if (event.sub == 0) {
    FailSetup(event.a);
    return;
  }
  const TimeMs answer_ms = k_.now() + nodes_[setup.to].connect_delay_ms;
  if (!net_.Reachable(setup.from, setup.to) || answer_ms >= setup.deadline_ms) {
    setup.stage = Setup::Stage::kWaitDeadline;  // fails at net_setuptime
    return;
  }
  setup.stage = Setup::Stage::kConnecting;
  k_.Push(answer_ms, Event::SetupConnected(setup.from, setup.to, event.a));
}

void NetKernel::OnSetupConnected(uint64_t setup_id) {
  auto it = setups_.find(setup_id);
  if (it == setups_.end() || it->second.stage != Setup::Stage::kConnecting) return;
  Setup& setup = it->second;
  if (!net_.Reachable(setup.from, setup.to)) {
    setup.stage = Setup::Stage::kWaitDeadline;
    return;
  }
  setup.stage = Setup::Stage::kHandshake;
  net_.SendRaw(setup.from, setup.to, 0, msg::HandshakeRequest{setup_id});
}

void NetKernel::OnSetupDeadline(uint64_t setup_id) {
  auto it = setups_.find(setup_id);
  if (it == setups_.end() || it->second.stage == Setup::Stage::kAccepted) return;
  FailSetup(setup_id);
}

void NetKernel::OnHandshakeRequest(const NetMsg& m, const msg::HandshakeRequest& req) {
  // Incoming handshakes wait in the acceptor's net_kernel like everything else.
  nodes_[m.to].queue.push_back(Request{Request::Kind::kHandshake, m.from, req.setup_id, Cont{}});
  SchedulePump(m.to);
}

void NetKernel::AcceptHandshake(NodeId n, NodeId from, uint64_t setup_id) {
  auto it = setups_.find(setup_id);
  // Gone (timed out at the caller, or lost a simultaneous-connect race).
  if (it == setups_.end() || it->second.stage != Setup::Stage::kHandshake) return;
  WORLD_CHECK(it->second.from == from && it->second.to == n, "a handshake for another pair");
  if (!net_.Reachable(n, from)) return;  // the answer cannot get back: fails at the deadline
  it->second.stage = Setup::Stage::kAccepted;
  // A new connection from a node this end still counts as up replaces the old.
  if (net_.ConnId(n, from) != 0) net_.EndDown(n, from, DownCause::kReplaced);
  const uint64_t conn_id = k_.NewId();
  // The answer goes out before anything this end sends over the new
  // connection (EndUp flushes queued sends, global syncs): on the wire it is
  // ahead of them, so the caller's end is up when they arrive.
  net_.SendRaw(n, from, 0, msg::HandshakeReply{setup_id, true, conn_id});
  // Our own pending setup to `from`, if any, gives way: its callers get true.
  net_.EndUp(n, from, conn_id);
}

void NetKernel::OnHandshakeReply(const NetMsg& m, const msg::HandshakeReply& reply) {
  const NodeId n = m.to, peer = m.from;
  auto it = setups_.find(reply.setup_id);
  if (it == setups_.end() || it->second.from_incarnation != k_.nodes[n].incarnation) {
    if (reply.accepted) net_.SendRaw(n, peer, reply.conn_id, msg::Close{});  // nobody wants it
    return;
  }
  if (!reply.accepted) {
    FailSetup(reply.setup_id);  // the node is not running
    return;
  }
  if (net_.ConnId(n, peer) != 0) net_.EndDown(n, peer, DownCause::kReplaced);
  net_.EndUp(n, peer, reply.conn_id);  // resolves this setup: its callers get true
}

void NetKernel::FailSetup(uint64_t setup_id) {
  auto it = setups_.find(setup_id);
  WORLD_CHECK(it != setups_.end(), "failing an unknown setup");
  Setup setup = std::move(it->second);
  setups_.erase(it);
  PerLink& end = link(setup.from, setup.to);
  if (end.setup_id == setup_id) end.setup_id = 0;
  k_.NoteLazy(static_cast<uint32_t>(NoteKind::kSetupFailed), setup.from, setup.to,
              static_cast<int64_t>(setup_id), [&] {
                return absl::StrCat(k_.now(), " ", k_.Name(setup.from), " setup to ",
                                    k_.Name(setup.to), " failed");
              });
  for (const Cont& waiter : setup.waiters) k_.Resume(waiter, 0);
}

// x's end to y came up: an explicit or incoming connection lifts `once`,
// and x's own setup to y, if any, is resolved: its callers get true.
void NetKernel::EndCameUp(NodeId x, NodeId y) {
  link(x, y).barred = false;
  ResolvePendingSetup(x, y);
}

void NetKernel::EndWentDown(NodeId x, NodeId y) {
  if (k_.nodes[x].settings.dist_auto_connect == AutoConnect::kOnce) link(x, y).barred = true;
}

void NetKernel::ResolvePendingSetup(NodeId x, NodeId y) {
  PerLink& end = link(x, y);
  if (end.setup_id == 0) return;
  auto it = setups_.find(end.setup_id);
  end.setup_id = 0;
  if (it == setups_.end()) return;
  for (const Cont& waiter : it->second.waiters) k_.Resume(waiter, 1);
  setups_.erase(it);
}

void NetKernel::NodeStarted(NodeId n) {
  dns_.NodeStarted(n);
  PerNode& node = nodes_[n];
  node.queue.clear();
  node.busy = false;
  node.pump_scheduled = false;
}

void NetKernel::NodeStopped(NodeId n) {
  for (NodeId y = 0; y < k_.n_nodes; ++y) link(n, y) = PerLink{};
  absl::erase_if(setups_, [&](const auto& kv) { return kv.second.from == n; });
  PerNode& node = nodes_[n];
  node.queue.clear();
  node.busy = false;
  node.pump_scheduled = false;
  dns_.NodeStopped(n);
}

}  // namespace discosim::world
