// The blocked links (the simulator's partition/cut/heal rules) and the nft text.
#include "real/nft.h"

#include <gtest/gtest.h>

namespace discosim::real {
namespace {

using Links = std::vector<Blocks::Link>;

TEST(Blocks, PartitionBlocksAcrossGroupsAndUnlistedNodesFormAGroup) {
  Blocks b(4);
  b.Partition({1, 1, 0, 0});  // {a, b} | {c, d} (unlisted)
  EXPECT_EQ(b.BlockedLinks(), (Links{{0, 2}, {0, 3}, {1, 2}, {1, 3}}));
}

TEST(Blocks, APartitionReplacesTheGroupsAndKeepsTheCuts) {
  Blocks b(3);
  b.Cut({{2, 0}});
  b.Partition({1, 2, 2});
  b.Partition({1, 1, 0});
  EXPECT_EQ(b.BlockedLinks(), (Links{{0, 2}, {1, 2}}));
  EXPECT_TRUE(b.Blocked(2, 0));
}

TEST(Blocks, HealingALinkBridgesItsGroupsAndRemovesItsCut) {
  Blocks b(3);
  b.Partition({1, 2, 2});
  b.Cut({{1, 2}});
  b.HealLinks({{2, 1}, {0, 1}});
  EXPECT_EQ(b.BlockedLinks(), (Links{{0, 2}}));
  b.HealAll();
  EXPECT_TRUE(b.BlockedLinks().empty());
}

TEST(Blocks, ANewPartitionDropsTheBridges) {
  Blocks b(2);
  b.Partition({1, 2});
  b.HealLinks({{0, 1}});
  EXPECT_FALSE(b.Blocked(0, 1));
  b.Partition({1, 2});
  EXPECT_TRUE(b.Blocked(0, 1));
}

TEST(Nft, RulesetReplacesTheRunsTableAndDropsBothDirections) {
  const std::string text = RulesetText("discosim_42", {{"127.42.0.1", "127.42.0.2"}});
  EXPECT_EQ(text,
            "table ip discosim_42\n"
            "delete table ip discosim_42\n"
            "table ip discosim_42 {\n"
            "  chain drop_blocked {\n"
            "    type filter hook input priority -10; policy accept;\n"
            "    ip saddr 127.42.0.1 ip daddr 127.42.0.2 drop\n"
            "    ip saddr 127.42.0.2 ip daddr 127.42.0.1 drop\n"
            "  }\n"
            "}\n");
}

TEST(Nft, OnlyLoopbackAddressesGetARule) {
  const std::string text = RulesetText("discosim_42", {{"10.0.0.1", "127.42.0.2"},
                                                       {"127.42.0.1", "127.42.0.2; flush ruleset"}});
  EXPECT_EQ(text.find("saddr"), std::string::npos);
  EXPECT_EQ(text.find("flush"), std::string::npos);
}

TEST(Nft, AddressPairsFollowTheBlocks) {
  Blocks b(3);
  b.Cut({{0, 2}});
  auto pairs = AddressPairs(b, {"127.1.0.1", "127.1.0.2", "127.1.0.3"});
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0], (std::pair<std::string, std::string>{"127.1.0.1", "127.1.0.3"}));
}

TEST(Nft, TableNames) {
  EXPECT_TRUE(IsRunTableName("discosim_42"));
  EXPECT_FALSE(IsRunTableName("discosim_"));
  EXPECT_FALSE(IsRunTableName("filter"));
  EXPECT_FALSE(IsRunTableName("discosim_4 2"));
  EXPECT_EQ(DeleteTableText("discosim_42"), "delete table ip discosim_42\n");
  EXPECT_EQ(RulesetText("filter", {}), "");
  EXPECT_EQ(DeleteTableText("filter; flush ruleset"), "");
}

}  // namespace
}  // namespace discosim::real
