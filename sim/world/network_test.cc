// The network room's reachability map, through its own API, against a tiny
// model that keeps two flags per pair instead of groups and bridges: a
// partition sets "parted" on every pair across its groups (and clears it
// within them), a cut sets "cut", heal of links clears both on the link,
// heal of all clears everything; a pair reaches when neither is set.
#include "sim/world/reachability.h"

#include <map>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "sim/world/random.h"

namespace discosim::world {
namespace {

struct PairModel {
  std::map<std::pair<NodeId, NodeId>, std::pair<bool, bool>> flags;  // parted, cut
  bool Reachable(NodeId x, NodeId y) const {
    if (x == y) return true;
    auto it = flags.find(Reachability::Normalized(x, y));
    return it == flags.end() || (!it->second.first && !it->second.second);
  }
};

TEST(NetworkTest, ReachabilityFollowsThePairModelOverRandomActions) {
  constexpr uint32_t kNodes = 5;
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    Rng rng = Rng::ForStream(seed, Subsystem::kNetworkJitter, 0);
    Reachability reach;
    reach.Build(kNodes);
    PairModel model;
    for (int step = 0; step < 40; ++step) {
      const int64_t what = rng.Range(0, 3);
      std::vector<Reachability::Link> links;
      for (int i = 0; i < 2; ++i) {
        const NodeId x = static_cast<NodeId>(rng.Range(0, kNodes - 1));
        const NodeId y = static_cast<NodeId>(rng.Range(0, kNodes - 1));
        if (x != y) links.push_back(Reachability::Normalized(x, y));
      }
      if (what == 0) {
        std::vector<uint32_t> groups(kNodes);
        for (uint32_t& g : groups) g = static_cast<uint32_t>(rng.Range(0, 2));
        reach.Partition(groups);
        for (NodeId x = 0; x < kNodes; ++x) {
          for (NodeId y = x + 1; y < kNodes; ++y) model.flags[{x, y}].first = groups[x] != groups[y];
        }
      } else if (what == 1) {
        reach.Cut(links);
        for (const auto& link : links) model.flags[link].second = true;
      } else if (what == 2) {
        reach.HealLinks(links);
        for (const auto& link : links) model.flags[link] = {false, false};
      } else {
        reach.HealAll();
        model.flags.clear();
      }
      for (NodeId x = 0; x < kNodes; ++x) {
        for (NodeId y = 0; y < kNodes; ++y) {
          ASSERT_EQ(reach.Reachable(x, y), model.Reachable(x, y))
              << "seed " << seed << " step " << step << " pair " << x << "," << y;
        }
      }
    }
  }
}

TEST(NetworkTest, EachChangeHandsBackTheMatrixAsItWas) {
  Reachability reach;
  reach.Build(3);
  const std::vector<uint8_t> before = reach.Partition({1, 1, 2});
  EXPECT_TRUE(Reachability::Was(before, 3, 0, 2));
  const std::vector<uint8_t> parted = reach.HealAll();
  EXPECT_FALSE(Reachability::Was(parted, 3, 0, 2));
  EXPECT_TRUE(Reachability::Was(parted, 3, 0, 1));
}

TEST(NetworkTest, APartitionKeepsCutsAndDropsBridges) {
  Reachability reach;
  reach.Build(3);
  reach.Cut({{0, 1}});
  reach.Partition({1, 2, 2});
  reach.HealLinks({{0, 2}});  // bridges the groups for (0, 2)
  EXPECT_TRUE(reach.Reachable(0, 2));
  EXPECT_FALSE(reach.Reachable(0, 1));  // the cut stays
  reach.Partition({1, 2, 2});           // a new partition: no bridge any more
  EXPECT_FALSE(reach.Reachable(0, 2));
  EXPECT_TRUE(reach.Partitioned(0, 2));
  EXPECT_TRUE(reach.IsCut(1, 0));
}

}  // namespace
}  // namespace discosim::world
