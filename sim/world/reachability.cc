// The network's reachability map (see reachability.h).
#include "sim/world/reachability.h"

#include <utility>

namespace discosim::world {

void Reachability::Build(uint32_t n) {
  n_ = n;
  matrix_.assign(static_cast<size_t>(n) * n, 1);
  group_.assign(n, 0);
  cuts_.clear();
  bridges_.clear();
}

bool Reachability::Partitioned(NodeId x, NodeId y) const {
  return group_[x] != group_[y] && !bridges_.contains(Normalized(x, y));
}

std::vector<uint8_t> Reachability::Recompute() {
  std::vector<uint8_t> old = matrix_;
  for (NodeId x = 0; x < n_; ++x) {
    for (NodeId y = 0; y < n_; ++y) {
      matrix_[x * n_ + y] = x == y || (!Partitioned(x, y) && !IsCut(x, y)) ? 1 : 0;
    }
  }
  return old;
}

std::vector<uint8_t> Reachability::Partition(std::vector<uint32_t> group_of_node) {
  group_ = std::move(group_of_node);
  bridges_.clear();
  return Recompute();
}

std::vector<uint8_t> Reachability::Cut(const std::vector<Link>& links) {
  for (const auto& [x, y] : links) cuts_.insert(Normalized(x, y));
  return Recompute();
}

std::vector<uint8_t> Reachability::HealAll() {
  group_.assign(n_, 0);
  cuts_.clear();
  bridges_.clear();
  return Recompute();
}

std::vector<uint8_t> Reachability::HealLinks(const std::vector<Link>& links) {
  for (const auto& [x, y] : links) {
    const Link link = Normalized(x, y);
    cuts_.erase(link);
    if (group_[link.first] != group_[link.second]) bridges_.insert(link);
  }
  return Recompute();
}

}  // namespace discosim::world
