// Blocks and the nft scripts (nft.h).
#include "real/nft.h"

#include "absl/strings/str_cat.h"
#include "real/names.h"

namespace discosim::real {

Blocks::Blocks(uint32_t nodes) : nodes_(nodes), group_(nodes, 0) {}

void Blocks::Partition(std::vector<uint32_t> group_of_node) {
  group_ = std::move(group_of_node);
  group_.resize(nodes_, 0);
  bridges_.clear();
}

void Blocks::Cut(const std::vector<Link>& links) {
  for (const auto& [x, y] : links) cuts_.insert(Normalized(x, y));
}

void Blocks::HealAll() {
  group_.assign(nodes_, 0);
  cuts_.clear();
  bridges_.clear();
}

void Blocks::HealLinks(const std::vector<Link>& links) {
  for (const auto& [x, y] : links) {
    const Link link = Normalized(x, y);
    cuts_.erase(link);
    if (group_[link.first] != group_[link.second]) bridges_.insert(link);
  }
}

bool Blocks::Blocked(uint32_t x, uint32_t y) const {
  if (x == y) return false;
  const Link link = Normalized(x, y);
  const bool apart = group_[x] != group_[y] && !bridges_.contains(link);
  return apart || cuts_.contains(link);
}

std::vector<Blocks::Link> Blocks::BlockedLinks() const {
  std::vector<Link> links;
  for (uint32_t x = 0; x < nodes_; ++x) {
    for (uint32_t y = x + 1; y < nodes_; ++y) {
      if (Blocked(x, y)) links.emplace_back(x, y);
    }
  }
  return links;
}

std::vector<std::pair<std::string, std::string>> AddressPairs(
    const Blocks& blocks, const std::vector<std::string>& addresses) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& [x, y] : blocks.BlockedLinks()) pairs.emplace_back(addresses[x], addresses[y]);
  return pairs;
}

bool IsRunTableName(std::string_view table) {
  constexpr std::string_view kPrefix = "discosim_";
  if (!table.starts_with(kPrefix) || table.size() == kPrefix.size() || table.size() > 32) {
    return false;
  }
  for (char c : table.substr(kPrefix.size())) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string RulesetText(std::string_view table_name,
                        const std::vector<std::pair<std::string, std::string>>& pairs) {
  if (!IsRunTableName(table_name)) return "";
  const std::string table(table_name);
  // `table` first makes the delete valid when the table does not exist yet;
  // nft applies the whole script as one transaction.
  std::string text = absl::StrCat("table ip ", table, "\n", "delete table ip ", table, "\n",
                                  "table ip ", table, " {\n", "  chain drop_blocked {\n",
                                  "    type filter hook input priority -10; policy accept;\n");
  for (const auto& [x, y] : pairs) {
    if (!IsLoopbackAddress(x) || !IsLoopbackAddress(y)) continue;  // never leaves loopback
    absl::StrAppend(&text, "    ip saddr ", x, " ip daddr ", y, " drop\n");
    absl::StrAppend(&text, "    ip saddr ", y, " ip daddr ", x, " drop\n");
  }
  absl::StrAppend(&text, "  }\n}\n");
  return text;
}

std::string DeleteTableText(std::string_view table) {
  if (!IsRunTableName(table)) return "";
  return absl::StrCat("delete table ip ", std::string(table), "\n");
}

}  // namespace discosim::real
