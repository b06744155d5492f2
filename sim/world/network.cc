// The network: who can reach whom (partition groups, cut links, bridges),
// latency with FIFO order per pair of nodes, the two ends of a connection,
// failure detection by tick timeout, closes, and sending.
//
// A connection has an id; each end records the id it counts as up. An end
// goes down on its own: at once when it disconnects, one latency after the
// other side closed (if reachable), or by tick timeout when the peer has
// gone silent. Messages sent over an up connection whose link is blocked are
// held and flow again on heal; they die with the connection.
#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "sim/world/sim.h"

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

bool Sim::Hidden(NodeId x, NodeId y) const {
  return nodes[x].settings.visibility == Visibility::kHidden ||
         nodes[y].settings.visibility == Visibility::kHidden;
}

TimeMs Sim::LatencyMs(NodeId x, NodeId y) const {
  return std::max(nodes[x].settings.latency_ms, nodes[y].settings.latency_ms);
}

int64_t Sim::LatencyUs(NodeId x, NodeId y) const {
  if (nodes[x].host == nodes[y].host) return config.cpu.loopback_us;
  return LatencyMs(x, y) * kUsPerMs;
}

TimeMs Sim::TickDrawMs(NodeId x) {
  const TimeMs tick_ms = nodes[x].settings.net_ticktime_ms;
  return nodes[x].rng_tick.Range(tick_ms * 3 / 4, tick_ms * 5 / 4);
}

// ---------------------------------------------------------------------------
// Reachability.

void Sim::ReachabilityChanged(const std::vector<uint8_t>& old_reach) {
  for (NodeId x = 0; x < n_nodes; ++x) {
    for (NodeId y = x + 1; y < n_nodes; ++y) {
      observations.SetApart(x, y, Observations::Apart::Why::kPartition,
                            reachability.Partitioned(x, y), now(), current_action);
      observations.SetApart(x, y, Observations::Apart::Why::kCut, reachability.IsCut(x, y), now(),
                            current_action);
    }
  }
  for (NodeId x = 0; x < n_nodes; ++x) {
    if (!nodes[x].running) continue;
    for (NodeId y = 0; y < n_nodes; ++y) {
      LinkEnd& end = Link(x, y);
      if (x == y || end.conn_id == 0) continue;
      const bool was = Reachability::Was(old_reach, n_nodes, x, y);
      const bool is = Reachable(x, y);
      if (was && !is) {
        ArmTick(x, y);  // silence from now on; this end will notice alone
      } else if (!was && is) {
        ++end.tick_gen;  // traffic flows again: no timeout
        if (nodes[y].running && Link(y, x).conn_id == end.conn_id) {
          auto it = held.find({x, y});
          if (it != held.end()) {
            std::deque<uint32_t> slots = std::move(it->second);
            held.erase(it);
            for (uint32_t slot : slots) Transmit(slot);
          }
        } else {
          // The other end is gone: its host answers the next tick with a reset.
          SendRaw(y, x, end.conn_id, msg::Close{});
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Messages.

uint32_t Sim::NewMessage(NodeId from, NodeId to, uint64_t conn_id, Payload payload) {
  uint32_t slot;
  if (!free_messages.empty()) {
    slot = free_messages.back();
    free_messages.pop_back();
  } else {
    slot = static_cast<uint32_t>(messages.size());
    messages.emplace_back();
  }
  NetMsg& m = messages[slot];
  m.from = from;
  m.to = to;
  m.conn_id = conn_id;
  m.payload = std::move(payload);
  return slot;
}

void Sim::FreeMessage(uint32_t slot) {
  messages[slot].payload = msg::Close{};  // release any vectors it held
  free_messages.push_back(slot);
}

void Sim::Transmit(uint32_t slot) {
  NetMsg& m = messages[slot];
  if (!Reachable(m.from, m.to)) {
    if (m.conn_id != 0) {
      held[{m.from, m.to}].push_back(slot);
    } else {
      FreeMessage(slot);  // nothing carries it
    }
    return;
  }
  LinkEnd& channel = Link(m.from, m.to);
  const int64_t latency_us = LatencyUs(m.from, m.to);
  // The sending node puts it on the wire (a hop on its host), ...
  int64_t at_us = now_us() + HopUs(m.from) * config.cpu.send_hop_pct / 100 + latency_us;
  if (calibrated() && config.network.latency_jitter_pct > 0 &&
      nodes[m.from].host != nodes[m.to].host) {
    at_us += nodes[m.from].rng_jitter.Range(0, latency_us * config.network.latency_jitter_pct / 100);
  }
  if (config.network.jitter_ms_max > 0) {
    at_us += nodes[m.from].rng_jitter.Range(0, config.network.jitter_ms_max) * kUsPerMs;
  }
  // ... the receiving node takes it off the wire and its process handles
  // it: a hop on its host. (Lock requests and releases then also queue in the
  // global server: EnqueueLockOp.)
  at_us += HopUs(m.to);
  at_us = std::max(at_us, channel.last_delivery_us);  // FIFO per pair
  channel.last_delivery_us = at_us;
  PushUs(at_us, Event::NetDeliver(m.from, m.to, slot));
}

void Sim::SendRaw(NodeId from, NodeId to, uint64_t conn_id, Payload payload) {
  Transmit(NewMessage(from, to, conn_id, std::move(payload)));
}

void Sim::Send(NodeId from, NodeId to, Payload payload, SendMode mode) {
  WORLD_CHECK(from != to, "a node sending to itself over the network");
  const uint64_t conn_id = Link(from, to).conn_id;
  if (conn_id != 0) {
    Transmit(NewMessage(from, to, conn_id, std::move(payload)));
    return;
  }
  const uint32_t slot = NewMessage(from, to, 0, std::move(payload));
  if (mode == SendMode::kExistingOnly || AutoConnectBarred(from, to)) {
    Undeliverable(slot);
    return;
  }
  std::deque<uint32_t>& queue_of_pair = pending_sends[{from, to}];
  const bool first = queue_of_pair.empty();
  queue_of_pair.push_back(slot);
  if (first) {
    const uint64_t request = next_id++;
    pending_send_request[{from, to}] = request;
    RequestConnect(from, to, Cont{ContKind::kPendingSends, from, to, request});
  }
}

void Sim::FlushPendingSends(NodeId from, NodeId to, bool connected) {
  auto it = pending_sends.find({from, to});
  if (it == pending_sends.end()) return;
  std::deque<uint32_t> slots = std::move(it->second);
  pending_sends.erase(it);
  pending_send_request.erase({from, to});
  const uint64_t conn_id = Link(from, to).conn_id;
  for (uint32_t slot : slots) {
    if (connected && conn_id != 0) {
      messages[slot].conn_id = conn_id;
      Transmit(slot);
    } else {
      Undeliverable(slot);
    }
  }
}

void Sim::Undeliverable(uint32_t slot) {
  const NetMsg& m = messages[slot];
  NoteLazy(static_cast<uint32_t>(NoteKind::kDropped), m.from, m.to,
           static_cast<int64_t>(m.payload.index()), [&] {
             return absl::StrCat(now(), " ", Name(m.from), " -> ", Name(m.to), " ",
                                 PayloadName(m.payload), " undeliverable");
           });
  if (const auto* request = std::get_if<msg::RpcRequest>(&m.payload)) {
    FinishRpc(request->rpc_id, RpcAnswer{});  // {badrpc, nodedown}
  }
  FreeMessage(slot);
}

void Sim::OnNetDeliver(uint32_t slot) {
  NetMsg m = std::move(messages[slot]);
  FreeMessage(slot);
  const NodeId to = m.to, from = m.from;
  if (!nodes[to].running) {
    // Only the host answers: a handshake is refused, an accepted one reset.
    if (const auto* req = std::get_if<msg::HandshakeRequest>(&m.payload)) {
      SendRaw(to, from, 0, msg::HandshakeReply{req->setup_id, false, 0});
    } else if (const auto* reply = std::get_if<msg::HandshakeReply>(&m.payload);
               reply != nullptr && reply->accepted) {
      SendRaw(to, from, reply->conn_id, msg::Close{});
    }
    return;
  }
  if (m.conn_id != 0 && Link(to, from).conn_id != m.conn_id) {
    NoteLazy(static_cast<uint32_t>(NoteKind::kDropped), from, to,
             static_cast<int64_t>(m.payload.index()), [&] {
               return absl::StrCat(now(), " ", Name(from), " -> ", Name(to), " ",
                                   PayloadName(m.payload), " dropped: connection gone");
             });
    return;
  }
  std::visit(
      [&](auto& p) {
        using P = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<P, msg::HandshakeRequest>) {
          OnHandshakeRequest(m, p);
        } else if constexpr (std::is_same_v<P, msg::HandshakeReply>) {
          OnHandshakeReply(m, p);
        } else if constexpr (std::is_same_v<P, msg::Close>) {
          EndDown(to, from, DownCause::kClosed);
        } else if constexpr (std::is_same_v<P, msg::StartTime>) {
          DeliverToDiscovery(to, engine::StartTimeMsg{Name(from), p.start_time});
        } else if constexpr (std::is_same_v<P, msg::RpcRequest>) {
          ServeRpc(to, from, p);
        } else if constexpr (std::is_same_v<P, msg::RpcReply>) {
          OnRpcReply(m, p);
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

// ---------------------------------------------------------------------------
// Connection ends.

void Sim::EndUp(NodeId x, NodeId y, uint64_t conn_id) {
  LinkEnd& end = Link(x, y);
  WORLD_CHECK(end.conn_id == 0, "an end came up twice");
  WORLD_CHECK(nodes[x].running, "an end came up on a stopped node");
  end.conn_id = conn_id;
  end.barred = false;  // an explicit or incoming connection lifts `once`
  ++end.tick_gen;
  observations.ConnectionUp(x, y, now());
  NoteLazy(static_cast<uint32_t>(NoteKind::kConnUp), x, y, static_cast<int64_t>(conn_id),
           [&] { return absl::StrCat(now(), " ", Name(x), " up ", Name(y), " conn ", conn_id); });
  if (!Reachable(x, y)) ArmTick(x, y);
  ResolvePendingSetup(x, y);
  FlushPendingSends(x, y, true);
  const bool hidden = Hidden(x, y);
  for (const EndListener& listener : end_listeners) {
    if (listener.up && !(hidden && listener.visible_only)) listener.up(x, y, conn_id);
  }
}

void Sim::EndDown(NodeId x, NodeId y, DownCause cause) {
  LinkEnd& end = Link(x, y);
  const uint64_t conn_id = end.conn_id;
  WORLD_CHECK(conn_id != 0, "an end went down twice");
  end.conn_id = 0;
  ++end.tick_gen;
  observations.ConnectionDown(x, y, now(), cause);
  if (nodes[x].settings.dist_auto_connect == AutoConnect::kOnce) end.barred = true;
  if (auto it = held.find({x, y}); it != held.end()) {
    for (uint32_t slot : it->second) FreeMessage(slot);
    held.erase(it);
  }
  NoteLazy(static_cast<uint32_t>(NoteKind::kConnDown), x, y, static_cast<int64_t>(cause), [&] {
    return absl::StrCat(now(), " ", Name(x), " down ", Name(y), " conn ", conn_id, " ",
                        ToString(cause));
  });
  const bool hidden = Hidden(x, y);
  for (const EndListener& listener : end_listeners) {
    if (listener.down && !(hidden && listener.visible_only)) listener.down(x, y, conn_id, cause);
  }
}

void Sim::Disconnect(NodeId x, NodeId y, DownCause cause) {
  const uint64_t conn_id = Link(x, y).conn_id;
  WORLD_CHECK(conn_id != 0, "disconnecting a connection that is not up");
  EndDown(x, y, cause);
  if (Link(y, x).conn_id == conn_id && Reachable(x, y)) SendRaw(x, y, conn_id, msg::Close{});
}

void Sim::ArmTick(NodeId x, NodeId y) {
  LinkEnd& end = Link(x, y);
  ++end.tick_gen;
  Push(now() + TickDrawMs(x), Event::TickTimeout(x, y, end.tick_gen));
}

void Sim::OnTickTimeout(const Event& event) {
  const NodeId x = event.node, y = event.peer;
  const LinkEnd& end = Link(x, y);
  if (!nodes[x].running || end.conn_id == 0 || end.tick_gen != event.a) return;
  WORLD_CHECK(!Reachable(x, y), "a tick timeout on a reachable link");
  EndDown(x, y, DownCause::kTickTimeout);
}

}  // namespace discosim::world
