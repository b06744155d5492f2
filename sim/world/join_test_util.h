// Set-up shared by the tests of global, the join lock and the join task: a
// kernel with N running nodes and a fake network between them (a connection
// matrix, FIFO per ordered pair, messages delivered when the test says so).
#ifndef DISCOSIM_SIM_WORLD_JOIN_TEST_UTIL_H_
#define DISCOSIM_SIM_WORLD_JOIN_TEST_UTIL_H_

#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sim/world/kernel.h"
#include "sim/world/messages.h"

namespace discosim::world::test_util {

// A kernel whose nodes n0, n1, ... run (incarnation 1).
inline WorldConfig KernelConfig(uint32_t n_nodes) {
  WorldConfig config;
  for (uint32_t i = 0; i < n_nodes; ++i) {
    NodeConfig node;
    node.name = "n" + std::to_string(i);
    config.nodes.push_back(node);
  }
  return config;
}

inline void AddRunningNodes(Kernel& k) {
  k.n_nodes = static_cast<uint32_t>(k.config.nodes.size());
  k.nodes.resize(k.n_nodes);
  for (NodeId id = 0; id < k.n_nodes; ++id) {
    k.nodes[id].name = k.config.nodes[id].name;
    k.nodes[id].settings = k.config.nodes[id].settings;
    k.nodes[id].running = true;
    k.nodes[id].incarnation = 1;
    k.by_name.emplace(k.nodes[id].name, id);
  }
}

// Connections (ids per pair, both ends alike unless a test says otherwise)
// and the messages on their way, FIFO per ordered pair.
struct FakeNet {
  explicit FakeNet(uint32_t n) : n_nodes(n), conn(static_cast<size_t>(n) * n, 0) {}
  uint64_t ConnId(NodeId x, NodeId y) const { return conn[x * n_nodes + y]; }
  void Connect(NodeId x, NodeId y) {
    ++next_conn;
    conn[x * n_nodes + y] = next_conn;
    conn[y * n_nodes + x] = next_conn;
  }
  void ConnectAll() {
    for (NodeId x = 0; x < n_nodes; ++x) {
      for (NodeId y = x + 1; y < n_nodes; ++y) Connect(x, y);
    }
  }
  // Both ends down; what was on its way dies with the connection.
  void Down(NodeId x, NodeId y) {
    conn[x * n_nodes + y] = 0;
    conn[y * n_nodes + x] = 0;
    on_way.erase({x, y});
    on_way.erase({y, x});
  }
  void Send(NodeId from, NodeId to, Payload payload) {
    sent.push_back(NetMsg{from, to, ConnId(from, to), payload});
    if (ConnId(from, to) != 0) on_way[{from, to}].push_back(sent.back());
  }
  bool Idle() const { return on_way.empty(); }
  // The first message of the `pick`-th pair with messages on their way.
  NetMsg Take(size_t pick) {
    auto it = on_way.begin();
    std::advance(it, static_cast<long>(pick % on_way.size()));
    NetMsg m = it->second.front();
    it->second.pop_front();
    if (it->second.empty()) on_way.erase(it);
    return m;
  }

  uint32_t n_nodes;
  std::vector<uint64_t> conn;
  uint64_t next_conn = 0;
  std::map<std::pair<NodeId, NodeId>, std::deque<NetMsg>> on_way;
  std::vector<NetMsg> sent;  // everything sent, in order
};

// Pops the kernel's next event (advancing the clock).
inline Event PopEvent(Kernel& k) {
  auto entry = k.queue.Pop();
  k.current_event = entry.payload;
  return entry.payload;
}

}  // namespace discosim::world::test_util

#endif  // DISCOSIM_SIM_WORLD_JOIN_TEST_UTIL_H_
