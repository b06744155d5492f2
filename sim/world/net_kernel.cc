// net_kernel, one per node: every connection setup of the node goes through
// it. It resolves the peer's name itself, and while it waits for DNS it does
// nothing else: outgoing setups and incoming handshakes queue behind it in
// arrival order (queued requests never time out). The rest of a setup (the
// setup process's own lookup, the target host's answer, the handshake round
// trip) runs beside it, under the net_setuptime timer that starts when
// net_kernel hands the request to the setup process.
//
// Explicit connects always try; implicit ones (sends, rpcs, global) go
// through AutoConnect, which applies dist_auto_connect.
#include <utility>

#include "absl/strings/str_cat.h"
#include "sim/world/sim.h"

namespace discosim::world {

bool Sim::AutoConnectBarred(NodeId n, NodeId target) const {
  switch (nodes[n].settings.dist_auto_connect) {
    case AutoConnect::kAlways: return false;
    case AutoConnect::kNever: return true;
    case AutoConnect::kOnce: return Link(n, target).barred;
  }
  return true;
}

void Sim::RequestConnect(NodeId n, NodeId target, Cont waiter) {
  WORLD_CHECK(nodes[n].running, "a connect from a stopped node");
  nodes[n].nk_queue.push_back(NkRequest{NkRequest::Kind::kConnect, target, 0, waiter});
  ScheduleNkPump(n);
}

// net_kernel takes requests in an event of its own, never inside the caller's
// handler: a request made while handling something else waits its turn.
void Sim::ScheduleNkPump(NodeId n) {
  NodeRt& node = nodes[n];
  if (node.nk_busy || node.nk_pump_scheduled) return;
  node.nk_pump_scheduled = true;
  Push(now(), Event::NkPump(n, node.incarnation));
}

void Sim::AutoConnect(NodeId n, NodeId target, Cont waiter) {
  if (network.ConnId(n, target) != 0) {
    Resume(waiter, 1);
  } else if (AutoConnectBarred(n, target)) {
    Resume(waiter, 0);
  } else {
    RequestConnect(n, target, waiter);
  }
}

void Sim::NkPump(NodeId n) {
  NodeRt& node = nodes[n];
  while (!node.nk_busy && !node.nk_queue.empty()) {
    NkRequest request = std::move(node.nk_queue.front());
    node.nk_queue.pop_front();
    if (request.kind == NkRequest::Kind::kHandshake) {
      AcceptHandshake(n, request.peer, request.setup_id);
      continue;
    }
    const NodeId target = request.peer;
    LinkEnd& end = Link(n, target);
    if (target == n || network.ConnId(n, target) != 0) {
      Resume(request.waiter, 1);  // already connected: true at once
      continue;
    }
    if (end.setup_id != 0) {
      setups.at(end.setup_id).waiters.push_back(request.waiter);  // joined, not repeated
      continue;
    }
    const uint64_t setup_id = next_id++;
    Setup setup;
    setup.from = n;
    setup.to = target;
    setup.from_incarnation = node.incarnation;
    setup.stage = Setup::Stage::kDns1;
    setup.waiters.push_back(request.waiter);
    setups.emplace(setup_id, std::move(setup));
    end.setup_id = setup_id;
    const auto [delay_ms, resolved] = Lookup(n, target);
    if (delay_ms > 0) {
      node.nk_busy = true;  // blocked until the answer comes
      Push(now() + delay_ms, Event::NkDnsDone(n, target, node.incarnation, setup_id, resolved));
      return;
    }
    SetupAfterDns1(setup_id, resolved);
  }
}

void Sim::OnNkDnsDone(const Event& event) {
  NodeRt& node = nodes[event.node];
  if (!node.running || node.incarnation != event.a) return;
  node.nk_busy = false;
  if (setups.contains(event.b)) SetupAfterDns1(event.b, event.sub != 0);
  NkPump(event.node);
}

void Sim::SetupAfterDns1(uint64_t setup_id, bool resolved) {
  if (!resolved) {
    FailSetup(setup_id);  // an unresolvable name fails after the DNS time
    return;
  }
  Setup& setup = setups.at(setup_id);
  // The setup process starts now, and with it the net_setuptime timer
  // (measured: a 5 s name fails its setup at 10 s, not at 7 s).
  setup.stage = Setup::Stage::kDns2;
  setup.deadline_ms = now() + nodes[setup.from].settings.net_setuptime_ms;
  Push(setup.deadline_ms, Event::SetupDeadline(setup.from, setup.to, setup_id));
  // The setup process looks the name up once more, under the setup timer.
  const auto [delay_ms, again] = Lookup(setup.from, setup.to);
  Push(now() + delay_ms, Event::SetupDns2Done(setup.from, setup.to, setup_id, again));
}

void Sim::OnSetupDns2Done(const Event& event) {
  auto it = setups.find(event.a);
  if (it == setups.end() || it->second.stage != Setup::Stage::kDns2) return;
  Setup& setup = it->second;
  if (event.sub == 0) {
    FailSetup(event.a);
    return;
  }
  const TimeMs answer_ms = now() + nodes[setup.to].connect_delay_ms;
  if (!network.Reachable(setup.from, setup.to) || answer_ms >= setup.deadline_ms) {
    setup.stage = Setup::Stage::kWaitDeadline;  // fails at net_setuptime
    return;
  }
  setup.stage = Setup::Stage::kConnecting;
  Push(answer_ms, Event::SetupConnected(setup.from, setup.to, event.a));
}

void Sim::OnSetupConnected(uint64_t setup_id) {
  auto it = setups.find(setup_id);
  if (it == setups.end() || it->second.stage != Setup::Stage::kConnecting) return;
  Setup& setup = it->second;
  if (!network.Reachable(setup.from, setup.to)) {
    setup.stage = Setup::Stage::kWaitDeadline;
    return;
  }
  setup.stage = Setup::Stage::kHandshake;
  network.SendRaw(setup.from, setup.to, 0, msg::HandshakeRequest{setup_id});
}

void Sim::OnSetupDeadline(uint64_t setup_id) {
  auto it = setups.find(setup_id);
  if (it == setups.end() || it->second.stage == Setup::Stage::kAccepted) return;
  FailSetup(setup_id);
}

void Sim::OnHandshakeRequest(const NetMsg& m, const msg::HandshakeRequest& req) {
  // Incoming handshakes wait in the acceptor's net_kernel like everything else.
  nodes[m.to].nk_queue.push_back(
      NkRequest{NkRequest::Kind::kHandshake, m.from, req.setup_id, Cont{}});
  ScheduleNkPump(m.to);
}

void Sim::AcceptHandshake(NodeId n, NodeId from, uint64_t setup_id) {
  auto it = setups.find(setup_id);
  // Gone (timed out at the caller, or lost a simultaneous-connect race).
  if (it == setups.end() || it->second.stage != Setup::Stage::kHandshake) return;
  WORLD_CHECK(it->second.from == from && it->second.to == n, "a handshake for another pair");
  if (!network.Reachable(n, from)) return;  // the answer cannot get back: fails at the deadline
  it->second.stage = Setup::Stage::kAccepted;
  // A new connection from a node this end still counts as up replaces the old.
  if (network.ConnId(n, from) != 0) network.EndDown(n, from, DownCause::kReplaced);
  const uint64_t conn_id = next_id++;
  // The answer goes out before anything this end sends over the new
  // connection (EndUp flushes queued sends, global syncs): on the wire it is
  // ahead of them, so the caller's end is up when they arrive.
  network.SendRaw(n, from, 0, msg::HandshakeReply{setup_id, true, conn_id});
  // Our own pending setup to `from`, if any, gives way: its callers get true.
  network.EndUp(n, from, conn_id);
}

void Sim::OnHandshakeReply(const NetMsg& m, const msg::HandshakeReply& reply) {
  const NodeId n = m.to, peer = m.from;
  auto it = setups.find(reply.setup_id);
  if (it == setups.end() || it->second.from_incarnation != nodes[n].incarnation) {
    if (reply.accepted) network.SendRaw(n, peer, reply.conn_id, msg::Close{});  // nobody wants it
    return;
  }
  if (!reply.accepted) {
    FailSetup(reply.setup_id);  // the node is not running
    return;
  }
  if (network.ConnId(n, peer) != 0) network.EndDown(n, peer, DownCause::kReplaced);
  network.EndUp(n, peer, reply.conn_id);  // resolves this setup: its callers get true
}

void Sim::FailSetup(uint64_t setup_id) {
  auto it = setups.find(setup_id);
  WORLD_CHECK(it != setups.end(), "failing an unknown setup");
  Setup setup = std::move(it->second);
  setups.erase(it);
  LinkEnd& end = Link(setup.from, setup.to);
  if (end.setup_id == setup_id) end.setup_id = 0;
  NoteLazy(static_cast<uint32_t>(NoteKind::kSetupFailed), setup.from, setup.to,
           static_cast<int64_t>(setup_id), [&] {
             return absl::StrCat(now(), " ", Name(setup.from), " setup to ", Name(setup.to),
                                 " failed");
           });
  for (const Cont& waiter : setup.waiters) Resume(waiter, 0);
}

// x's end to y came up: an explicit or incoming connection lifts `once`,
// and x's own setup to y, if any, is resolved.
void Sim::EndCameUp(NodeId x, NodeId y) {
  Link(x, y).barred = false;
  ResolvePendingSetup(x, y);
}

void Sim::EndWentDown(NodeId x, NodeId y) {
  if (nodes[x].settings.dist_auto_connect == AutoConnect::kOnce) Link(x, y).barred = true;
}

void Sim::ResolvePendingSetup(NodeId x, NodeId y) {
  LinkEnd& end = Link(x, y);
  if (end.setup_id == 0) return;
  auto it = setups.find(end.setup_id);
  end.setup_id = 0;
  if (it == setups.end()) return;
  for (const Cont& waiter : it->second.waiters) Resume(waiter, 1);
  setups.erase(it);
}

}  // namespace discosim::world
