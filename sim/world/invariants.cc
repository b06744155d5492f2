// Whole-world invariants (see invariants.h).
#include "sim/world/invariants.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "sim/world/sim.h"

namespace discosim::world {
namespace {

// x's ends: none to itself, up only while x runs, nodes() as they say.
std::string CheckEndsOf(const Sim& s, NodeId x) {
  const NodeRt& node = s.nodes[x];
  if (s.network.ConnId(x, x) != 0) return absl::StrCat(node.name, " counts itself connected");
  engine::NodeSet visible;
  for (NodeId y = 0; y < s.n_nodes; ++y) {
    if (y == x || s.network.ConnId(x, y) == 0) continue;
    if (!node.running) {
      return absl::StrCat(node.name, " is stopped but its end to ", s.Name(y), " is up");
    }
    if (!s.network.Hidden(x, y)) visible.insert(s.Name(y));
  }
  if (visible != s.discovery.visible(x)) {
    return absl::StrCat(node.name, "'s nodes() (", s.discovery.visible(x).size(),
                        " peers) is not its up visible ends (", visible.size(), ")");
  }
  const engine::Runtime& runtime = s.discovery.runtime(x);
  if (!node.running && (!runtime.empty() || !runtime.timers().empty())) {
    return absl::StrCat(node.name, " is stopped but its discovery holds messages or timers");
  }
  return "";
}

std::string CheckLock(const Sim& s) {
  uint32_t holders = 0, contenders = 0;
  const std::vector<Cpu::Host>& hosts = s.cpu.hosts();
  std::vector<uint32_t> spinners(hosts.size(), 0);
  const JoinLock& lock = s.join_lock;
  for (const auto& [join_id, request] : lock.requests()) {
    holders += request.held ? 1 : 0;
    contenders += JoinLock::Contending(request.phase) ? 1 : 0;
    if (request.spinning) ++spinners[s.cpu.HostOf(request.node)];
  }
  if (holders != lock.holders()) {
    return absl::StrCat("lock holders counted ", lock.holders(), ", held by ", holders, " joins");
  }
  if (contenders != lock.contenders()) {
    return absl::StrCat("lock contenders counted ", lock.contenders(), ", ", contenders,
                        " joins contend");
  }
  for (uint32_t h = 0; h < hosts.size(); ++h) {
    if (spinners[h] != hosts[h].spinners) {
      return absl::StrCat("host ", hosts[h].name, " counts ", hosts[h].spinners,
                          " spinners, ", spinners[h], " joins spin there");
    }
  }
  return "";
}

}  // namespace

std::string CheckInvariants(const Sim& s) {
  if (s.n_nodes <= kFullCheckNodesMax) {
    for (NodeId x = 0; x < s.n_nodes; ++x) {
      if (std::string broken = CheckEndsOf(s, x); !broken.empty()) return broken;
    }
  } else {
    for (NodeId x : {s.current_event.node, s.current_event.peer}) {
      if (x >= s.n_nodes) continue;
      if (std::string broken = CheckEndsOf(s, x); !broken.empty()) return broken;
    }
  }
  return CheckLock(s);
}

}  // namespace discosim::world
