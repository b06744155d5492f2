// What nodes send each other: the messages of every room (handshakes,
// closes, rpc, global's sync and lock traffic, discovery's start_time), the
// Payload variant the network carries, and a table server's reference.
#ifndef DISCOSIM_SIM_WORLD_MESSAGES_H_
#define DISCOSIM_SIM_WORLD_MESSAGES_H_

#include <compare>
#include <cstdint>
#include <set>
#include <variant>
#include <vector>

#include "engine/types.h"
#include "sim/world/config.h"
#include "sim/world/event.h"

namespace discosim::world {

// A table server: its node and that node's incarnation.
struct ServerRef {
  NodeId node = kNoNode;
  uint32_t incarnation = 0;
  friend auto operator<=>(const ServerRef&, const ServerRef&) = default;
};
using Cluster = std::set<ServerRef>;

enum class RpcKind : uint8_t { kWhereis, kGetCluster, kPrecheck, kPing, kNodeName };

struct RpcAnswer {
  bool delivered = false;  // false: {badrpc, nodedown}
  bool yes = false;        // found / pong / same server
  ServerRef server;        // kWhereis
  Cluster cluster;         // kGetCluster
  uint64_t join_ref = 0;   // kGetCluster: the server's join_ref
};

namespace msg {
struct HandshakeRequest { uint64_t setup_id = 0; };
struct HandshakeReply {
  uint64_t setup_id = 0;
  bool accepted = false;
  uint64_t conn_id = 0;
};
struct Close {};  // the socket closed (FIN or RST): the receiving end goes down
struct StartTime { TimeMs start_time = 0; };
struct RpcRequest {
  uint64_t rpc_id = 0;
  RpcKind kind = RpcKind::kNodeName;
  NodeId subject = kNoNode;  // kPrecheck / kPing: the node to check
  TableName table;           // kWhereis / kGetCluster
  ServerRef server;          // kGetCluster: the server asked
};
struct RpcReply {
  uint64_t rpc_id = 0;
  RpcAnswer answer;
};
struct GlobalSync { std::vector<NodeId> known; };
// After a sync with `synced`, global tells the nodes it knew before about
// it and the nodes it knows (OTP's {new_nodes, ...} cast).
struct GlobalNewNodes { std::vector<NodeId> nodes; };
struct LostConnection {
  NodeId reporter = kNoNode;
  NodeId lost = kNoNode;
  uint64_t report_id = 0;
};
struct RemoveConnection {};
struct LockRequest {
  uint64_t join_id = 0;
  uint32_t attempt = 0;
};
struct LockReply {
  uint64_t join_id = 0;
  uint32_t attempt = 0;
  bool granted = false;
  bool release_ack = false;  // the answer to a LockRelease
};
struct LockRelease {
  uint64_t join_id = 0;
  uint32_t attempt = 0;
};
}  // namespace msg

using Payload = std::variant<msg::HandshakeRequest, msg::HandshakeReply, msg::Close,
                             msg::StartTime, msg::RpcRequest, msg::RpcReply, msg::GlobalSync,
                             msg::GlobalNewNodes, msg::LostConnection, msg::RemoveConnection, msg::LockRequest,
                             msg::LockReply, msg::LockRelease>;
const char* PayloadName(const Payload& payload);

// A message between two nodes. conn_id 0: outside any connection (handshake
// traffic, a host's RST); otherwise it is dropped unless the receiving end
// still counts that connection as up when it arrives.
struct NetMsg {
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  uint64_t conn_id = 0;
  Payload payload;
};

enum class SendMode {
  kAutoConnect,   // an implicit use of the node: may set up a connection
  kExistingOnly,  // only over a connection that is up (global's traffic, replies)
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_MESSAGES_H_
