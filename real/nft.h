// The network faults of real mode: which links are blocked (the timeline
// rules of partition, cut and heal) and the nftables rules that block them.
//
// The rules live in a table of the run's own (`ip discosim_<block>`), with
// one input-hook chain that drops every packet from one node's address to
// another's across a blocked link, in both directions: silent, like the
// simulator's partitions (no reset, no ICMP; each end notices after about
// net_ticktime). Each change replaces the whole table in one nft
// transaction; DeleteTableText removes it at exit.
//
//   Blocks blocks(3);
//   blocks.Partition({1, 1, 2});                       // {a, b} | {c}
//   std::string text = RulesetText("discosim_42", AddressPairs(blocks, addresses));
#ifndef DISCOSIM_REAL_NFT_H_
#define DISCOSIM_REAL_NFT_H_

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace discosim::real {

// Which node pairs can reach each other, under the simulator's rules
// (docs/scenario-format.md, `partition`, `cut`, `heal`): a partition
// replaces the groups (and their bridges) and keeps the cuts; a cut adds
// links; healing links removes their cuts and bridges their groups; heal all
// clears everything.
class Blocks {
 public:
  using Link = std::pair<uint32_t, uint32_t>;  // (min, max)
  explicit Blocks(uint32_t nodes);

  void Partition(std::vector<uint32_t> group_of_node);  // 0: the unlisted group
  void Cut(const std::vector<Link>& links);
  void HealAll();
  void HealLinks(const std::vector<Link>& links);

  bool Blocked(uint32_t x, uint32_t y) const;
  // Every blocked pair (x < y), in order.
  std::vector<Link> BlockedLinks() const;

 private:
  static Link Normalized(uint32_t a, uint32_t b) { return a < b ? Link{a, b} : Link{b, a}; }
  uint32_t nodes_;
  std::vector<uint32_t> group_;
  std::set<Link> cuts_;
  std::set<Link> bridges_;
};

// The blocked links as address pairs; `addresses[i]` is node i's.
std::vector<std::pair<std::string, std::string>> AddressPairs(
    const Blocks& blocks, const std::vector<std::string>& addresses);

// A valid table name for nft: discosim_<digits>.
bool IsRunTableName(std::string_view table);

// The nft script that (re)creates `table` with drops for each pair, both
// directions; a pair with an address outside 127.0.0.0/8 gets no rule, and
// a table name other than IsRunTableName's gives an empty script.
std::string RulesetText(std::string_view table,
                        const std::vector<std::pair<std::string, std::string>>& pairs);
// The nft script that removes `table` (empty for a name not IsRunTableName's).
std::string DeleteTableText(std::string_view table);

}  // namespace discosim::real

#endif  // DISCOSIM_REAL_NFT_H_
