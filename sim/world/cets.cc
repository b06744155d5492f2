// cets: the table servers' rpcs (whereis, get_cluster), served for the rpc
// room from the table servers' room (cets_server.h). The join task is a
// room of its own (cets_join.h).
#include <utility>

#include "sim/world/sim.h"

namespace discosim::world {

void Sim::ServeTableRpc(NodeId server, NodeId caller, const msg::RpcRequest& request) {
  RpcAnswer answer;
  if (request.kind == RpcKind::kWhereis) {
    answer = cets_servers.Whereis(server, request.table);
  } else {
    WORLD_CHECK(request.kind == RpcKind::kGetCluster, "a table rpc of another kind");
    answer = cets_servers.GetCluster(server, request.table, request.server);
  }
  rpc.Reply(server, caller, request.rpc_id, std::move(answer));
}

}  // namespace discosim::world
