// The network room (see network.h).
#include "sim/world/network.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "sim/world/check.h"

namespace discosim::world {
const char* ToString(DownCause cause) {
  switch (cause) {
    case DownCause::kTickTimeout: return "tick_timeout";
    case DownCause::kClosed: return "closed";
    case DownCause::kDisconnect: return "disconnect";
    case DownCause::kObeyedRemove: return "remove_connection";
    case DownCause::kReplaced: return "replaced";
    case DownCause::kStopped: return "stopped";
  }
  return "?";
}

const char* PayloadName(const Payload& payload) {
  static constexpr const char* kNames[] = {
      "handshake_request", "handshake_reply", "close",      "start_time",
      "rpc_request",       "rpc_reply",       "global_sync", "global_new_nodes", "lost_connection",
      "remove_connection", "lock_request",    "lock_reply",  "lock_release"};
  static_assert(std::size(kNames) == std::variant_size_v<Payload>);
  return kNames[payload.index()];
}

void Network::Build() {
  const uint32_t n = k_.n_nodes;
  ends_.assign(static_cast<size_t>(n) * n, End{});
  rng_jitter_.clear();
  rng_tick_.clear();
  for (NodeId id = 0; id < n; ++id) {
    rng_jitter_.push_back(Rng::ForStream(k_.config.seed, Subsystem::kNetworkJitter, id));
    rng_tick_.push_back(Rng::ForStream(k_.config.seed, Subsystem::kTick, id));
  }
  reach_.Build(n);
}

bool Network::Hidden(NodeId x, NodeId y) const {
  return k_.nodes[x].settings.visibility == Visibility::kHidden ||
         k_.nodes[y].settings.visibility == Visibility::kHidden;
}

TimeMs Network::LatencyMs(NodeId x, NodeId y) const {
  return std::max(k_.nodes[x].settings.latency_ms, k_.nodes[y].settings.latency_ms);
}

int64_t Network::LatencyUs(NodeId x, NodeId y) const {
  if (cpu_.SameHost(x, y)) return k_.config.cpu.loopback_us;
  return LatencyMs(x, y) * Kernel::kUsPerMs;
}

int64_t Network::RpcUs(NodeId caller, NodeId target) {
  // The call is handled by a process on the target, the answer by the caller.
  if (caller == target) return cpu_.HopUs(target) + cpu_.HopUs(caller);
  return 2 * LatencyUs(caller, target) + cpu_.HopUs(target) + cpu_.HopUs(caller);
}

TimeMs Network::TickDrawMs(NodeId x) {
  const TimeMs tick_ms = k_.nodes[x].settings.net_ticktime_ms;
  return rng_tick_[x].Range(tick_ms * 3 / 4, tick_ms * 5 / 4);
}

// ---------------------------------------------------------------------------
// Reachability.

void Network::Partition(std::vector<uint32_t> group_of_node, int64_t action) {
  ReachabilityChanged(reach_.Partition(std::move(group_of_node)), action);
}
void Network::Cut(const std::vector<Reachability::Link>& links, int64_t action) {
  ReachabilityChanged(reach_.Cut(links), action);
}
void Network::HealAll(int64_t action) { ReachabilityChanged(reach_.HealAll(), action); }
void Network::HealLinks(const std::vector<Reachability::Link>& links, int64_t action) {
  ReachabilityChanged(reach_.HealLinks(links), action);
}

void Network::ReachabilityChanged(const std::vector<uint8_t>& old_reach, int64_t action) {
  const uint32_t n = k_.n_nodes;
  for (NodeId x = 0; x < n; ++x) {
    for (NodeId y = x + 1; y < n; ++y) {
      k_.observations.SetApart(x, y, Observations::Apart::Why::kPartition,
                               reach_.Partitioned(x, y), k_.now(), action);
      k_.observations.SetApart(x, y, Observations::Apart::Why::kCut, reach_.IsCut(x, y),
                               k_.now(), action);
    }
  }
  for (NodeId x = 0; x < n; ++x) {
    if (!k_.nodes[x].running) continue;
    for (NodeId y = 0; y < n; ++y) {
      End& e = end(x, y);
      if (x == y || e.conn_id == 0) continue;
      const bool was = Reachability::Was(old_reach, n, x, y);
      const bool is = Reachable(x, y);
      if (was && !is) {
        ArmTick(x, y);  // silence from now on; this end will notice alone
      } else if (!was && is) {
        ++e.tick_gen;  // traffic flows again: no timeout
        if (k_.nodes[y].running && end(y, x).conn_id == e.conn_id) {
          auto it = held_.find({x, y});
          if (it != held_.end()) {
            std::deque<uint32_t> slots = std::move(it->second);
            held_.erase(it);
            for (uint32_t slot : slots) Transmit(slot);
          }
        } else {
          // The other end is gone: its host answers the next tick with a reset.
          SendRaw(y, x, e.conn_id, msg::Close{});
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Messages.

uint32_t Network::NewMessage(NodeId from, NodeId to, uint64_t conn_id, Payload payload) {
  uint32_t slot;
  if (!free_messages_.empty()) {
    slot = free_messages_.back();
    free_messages_.pop_back();
  } else {
    slot = static_cast<uint32_t>(messages_.size());
    messages_.emplace_back();
  }
  NetMsg& m = messages_[slot];
  m.from = from;
  m.to = to;
  m.conn_id = conn_id;
  m.payload = std::move(payload);
  return slot;
}

void Network::FreeMessage(uint32_t slot) {
  messages_[slot].payload = msg::Close{};  // release any vectors it held
  free_messages_.push_back(slot);
}

void Network::Transmit(uint32_t slot) {
  NetMsg& m = messages_[slot];
  if (!Reachable(m.from, m.to)) {
    if (m.conn_id != 0) {
      held_[{m.from, m.to}].push_back(slot);
    } else {
      FreeMessage(slot);  // nothing carries it
    }
    return;
  }
  const WorldConfig& config = k_.config;
  End& channel = end(m.from, m.to);
  const int64_t latency_us = LatencyUs(m.from, m.to);
  // The sending node puts it on the wire (a hop on its host), ...
  int64_t at_us = k_.now_us() + cpu_.HopUs(m.from) * config.cpu.send_hop_pct / 100 + latency_us;
  if (k_.calibrated() && config.network.latency_jitter_pct > 0 && !cpu_.SameHost(m.from, m.to)) {
    at_us += rng_jitter_[m.from].Range(0, latency_us * config.network.latency_jitter_pct / 100);
  }
  if (config.network.jitter_ms_max > 0) {
    at_us += rng_jitter_[m.from].Range(0, config.network.jitter_ms_max) * Kernel::kUsPerMs;
  }
  // ... the receiving node takes it off the wire and its process handles
  // it: a hop on its host. (Lock requests and releases then also queue in the
  // global server.)
  at_us += cpu_.HopUs(m.to);
  at_us = std::max(at_us, channel.last_delivery_us);  // FIFO per pair
  channel.last_delivery_us = at_us;
  k_.PushUs(at_us, Event::NetDeliver(m.from, m.to, slot));
}

void Network::SendRaw(NodeId from, NodeId to, uint64_t conn_id, Payload payload) {
  Transmit(NewMessage(from, to, conn_id, std::move(payload)));
}

void Network::Send(NodeId from, NodeId to, Payload payload, SendMode mode) {
  WORLD_CHECK(from != to, "a node sending to itself over the network");
  const uint64_t conn_id = ConnId(from, to);
  if (conn_id != 0) {
    Transmit(NewMessage(from, to, conn_id, std::move(payload)));
    return;
  }
  const uint32_t slot = NewMessage(from, to, 0, std::move(payload));
  if (mode == SendMode::kExistingOnly || connector_->AutoConnectBarred(from, to)) {
    Undeliverable(slot);
    return;
  }
  std::deque<uint32_t>& queue_of_pair = pending_sends_[{from, to}];
  const bool first = queue_of_pair.empty();
  queue_of_pair.push_back(slot);
  if (first) {
    const uint64_t request = k_.NewId();
    pending_send_request_[{from, to}] = request;
    connector_->RequestConnect(from, to, Cont{ContKind::kPendingSends, from, to, request});
  }
}

void Network::OnConnectForSends(const Event& event) {
  // Only the connect the queued sends wait on now counts (an older one may
  // report after the queue was flushed and refilled).
  auto it = pending_send_request_.find({event.node, event.peer});
  if (it != pending_send_request_.end() && it->second == event.a) {
    FlushPendingSends(event.node, event.peer, event.b != 0);
  }
}

void Network::FlushPendingSends(NodeId from, NodeId to, bool connected) {
  auto it = pending_sends_.find({from, to});
  if (it == pending_sends_.end()) return;
  std::deque<uint32_t> slots = std::move(it->second);
  pending_sends_.erase(it);
  pending_send_request_.erase({from, to});
  const uint64_t conn_id = ConnId(from, to);
  for (uint32_t slot : slots) {
    if (connected && conn_id != 0) {
      messages_[slot].conn_id = conn_id;
      Transmit(slot);
    } else {
      Undeliverable(slot);
    }
  }
}

void Network::Undeliverable(uint32_t slot) {
  const NetMsg& m = messages_[slot];
  k_.NoteLazy(static_cast<uint32_t>(NoteKind::kDropped), m.from, m.to,
              static_cast<int64_t>(m.payload.index()), [&] {
                return absl::StrCat(k_.now(), " ", k_.Name(m.from), " -> ", k_.Name(m.to), " ",
                                    PayloadName(m.payload), " undeliverable");
              });
  if (undeliverable) undeliverable(m);
  FreeMessage(slot);
}

void Network::OnDeliver(uint32_t slot) {
  NetMsg m = std::move(messages_[slot]);
  FreeMessage(slot);
  const NodeId to = m.to, from = m.from;
  if (!k_.nodes[to].running) {
    // Only the host answers: a handshake is refused, an accepted one reset.
    if (const auto* req = std::get_if<msg::HandshakeRequest>(&m.payload)) {
      SendRaw(to, from, 0, msg::HandshakeReply{req->setup_id, false, 0});
    } else if (const auto* reply = std::get_if<msg::HandshakeReply>(&m.payload);
               reply != nullptr && reply->accepted) {
      SendRaw(to, from, reply->conn_id, msg::Close{});
    }
    return;
  }
  if (m.conn_id != 0 && ConnId(to, from) != m.conn_id) {
    k_.NoteLazy(static_cast<uint32_t>(NoteKind::kDropped), from, to,
                static_cast<int64_t>(m.payload.index()), [&] {
                  return absl::StrCat(k_.now(), " ", k_.Name(from), " -> ", k_.Name(to), " ",
                                      PayloadName(m.payload), " dropped: connection gone");
                });
    return;
  }
  if (std::holds_alternative<msg::Close>(m.payload)) {
    EndDown(to, from, DownCause::kClosed);
    return;
  }
  receive(m);
}

// ---------------------------------------------------------------------------
// Connection ends.

void Network::EndUp(NodeId x, NodeId y, uint64_t conn_id) {
  End& e = end(x, y);
  WORLD_CHECK(e.conn_id == 0, "an end came up twice");
  WORLD_CHECK(k_.nodes[x].running, "an end came up on a stopped node");
  e.conn_id = conn_id;
  ++e.tick_gen;
  k_.observations.ConnectionUp(x, y, k_.now());
  k_.NoteLazy(static_cast<uint32_t>(NoteKind::kConnUp), x, y, static_cast<int64_t>(conn_id), [&] {
    return absl::StrCat(k_.now(), " ", k_.Name(x), " up ", k_.Name(y), " conn ", conn_id);
  });
  if (!Reachable(x, y)) ArmTick(x, y);
  connector_->EndCameUp(x, y);
  FlushPendingSends(x, y, true);
  const bool hidden = Hidden(x, y);
  for (const EndListener& listener : listeners_) {
    if (listener.up && !(hidden && listener.visible_only)) listener.up(x, y, conn_id);
  }
}

void Network::EndDown(NodeId x, NodeId y, DownCause cause) {
  End& e = end(x, y);
  const uint64_t conn_id = e.conn_id;
  WORLD_CHECK(conn_id != 0, "an end went down twice");
  e.conn_id = 0;
  ++e.tick_gen;
  k_.observations.ConnectionDown(x, y, k_.now(), cause);
  connector_->EndWentDown(x, y);
  if (auto it = held_.find({x, y}); it != held_.end()) {
    for (uint32_t slot : it->second) FreeMessage(slot);
    held_.erase(it);
  }
  k_.NoteLazy(static_cast<uint32_t>(NoteKind::kConnDown), x, y, static_cast<int64_t>(cause), [&] {
    return absl::StrCat(k_.now(), " ", k_.Name(x), " down ", k_.Name(y), " conn ", conn_id, " ",
                        ToString(cause));
  });
  const bool hidden = Hidden(x, y);
  for (const EndListener& listener : listeners_) {
    if (listener.down && !(hidden && listener.visible_only)) listener.down(x, y, conn_id, cause);
  }
}

void Network::Disconnect(NodeId x, NodeId y, DownCause cause) {
  const uint64_t conn_id = ConnId(x, y);
  WORLD_CHECK(conn_id != 0, "disconnecting a connection that is not up");
  EndDown(x, y, cause);
  if (ConnId(y, x) == conn_id && Reachable(x, y)) SendRaw(x, y, conn_id, msg::Close{});
}

void Network::ArmTick(NodeId x, NodeId y) {
  End& e = end(x, y);
  ++e.tick_gen;
  k_.Push(k_.now() + TickDrawMs(x), Event::TickTimeout(x, y, e.tick_gen));
}

void Network::OnTickTimeout(const Event& event) {
  const NodeId x = event.node, y = event.peer;
  const End& e = end(x, y);
  if (!k_.nodes[x].running || e.conn_id == 0 || e.tick_gen != event.a) return;
  WORLD_CHECK(!Reachable(x, y), "a tick timeout on a reachable link");
  EndDown(x, y, DownCause::kTickTimeout);
}

void Network::NodeStopped(NodeId n) {
  // Its sockets close: peers that can reach it get the close after a
  // latency; the others find out by tick timeout (armed when they lost reach).
  for (NodeId y = 0; y < k_.n_nodes; ++y) {
    if (y == n) continue;
    const uint64_t their_conn = ConnId(y, n);
    if (their_conn != 0 && Reachable(n, y)) SendRaw(n, y, their_conn, msg::Close{});
    End& mine = end(n, y);
    mine.conn_id = 0;
    ++mine.tick_gen;  // FIFO horizon kept
    pending_send_request_.erase({n, y});
    for (auto* queues : {&pending_sends_, &held_}) {
      auto it = queues->find({n, y});
      if (it == queues->end()) continue;
      for (uint32_t slot : it->second) FreeMessage(slot);
      queues->erase(it);
    }
  }
}

}  // namespace discosim::world
