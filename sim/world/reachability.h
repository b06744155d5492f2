// The network room's map of who can reach whom: partition groups, cut links
// and bridges (healed links across groups), and the N x N matrix they give.
// It owns nothing else: connection ends, delivery and tick detection react
// to its changes (network.cc).
//
// The rules of the timeline actions live here: a partition replaces the
// groups (and their bridges) and keeps the cuts; a cut adds links; heal of
// links removes their cut and bridges their groups; heal of all clears
// everything.
//
//   Reachability reach;
//   reach.Build(3);
//   std::vector<uint8_t> before = reach.Partition({1, 1, 2});  // the old matrix
//   bool ok = reach.Reachable(0, 2);                           // false
#ifndef DISCOSIM_SIM_WORLD_REACHABILITY_H_
#define DISCOSIM_SIM_WORLD_REACHABILITY_H_

#include <cstddef>
#include <cstdint>
#include <set>
#include <utility>
#include <vector>

namespace discosim::world {

using NodeId = uint32_t;

class Reachability {
 public:
  using Link = std::pair<NodeId, NodeId>;  // normalized: (min, max)

  // n nodes, all in one group, nothing cut.
  void Build(uint32_t n);

  bool Reachable(NodeId x, NodeId y) const { return x == y || matrix_[x * n_ + y] != 0; }
  // Apart for a partition: different groups and not bridged.
  bool Partitioned(NodeId x, NodeId y) const;
  bool IsCut(NodeId x, NodeId y) const { return cuts_.contains(Normalized(x, y)); }

  // Each change returns the matrix as it was, so the caller can find the
  // pairs whose reachability moved.
  std::vector<uint8_t> Partition(std::vector<uint32_t> group_of_node);  // 0: unlisted
  std::vector<uint8_t> Cut(const std::vector<Link>& links);
  std::vector<uint8_t> HealAll();
  std::vector<uint8_t> HealLinks(const std::vector<Link>& links);

  static Link Normalized(NodeId a, NodeId b) { return a < b ? Link{a, b} : Link{b, a}; }
  static bool Was(const std::vector<uint8_t>& matrix, uint32_t n, NodeId x, NodeId y) {
    return x == y || matrix[x * n + y] != 0;
  }

 private:
  std::vector<uint8_t> Recompute();

  uint32_t n_ = 0;
  std::vector<uint8_t> matrix_;  // n x n
  std::vector<uint32_t> group_;  // partition group per node (0: the unlisted group)
  std::set<Link> cuts_;
  std::set<Link> bridges_;
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_REACHABILITY_H_
