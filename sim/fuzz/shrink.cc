// Shrink candidates for fuzz cases (see shrink.h).
#include "sim/fuzz/shrink.h"

#include <algorithm>
#include <utility>

namespace discosim::fuzz {
namespace {

// Drops bit `index` of a mask and shifts the higher bits down.
uint32_t DropBit(uint32_t mask, int index) {
  const uint32_t low = mask & ((1u << index) - 1);
  const uint32_t high = (mask >> (index + 1)) << index;
  return low | high;
}

// Removes node `index` from one fault; false if the fault has no target left.
bool RemoveFromFault(Fault& f, int index) {
  auto renumber = [&](int i) { return i > index ? i - 1 : i; };
  const bool pairs = f.kind == FaultKind::kCut || f.kind == FaultKind::kDisconnect;
  std::vector<int> nodes, groups;
  if (pairs) {
    for (size_t k = 0; k + 1 < f.nodes.size(); k += 2) {
      if (f.nodes[k] == index || f.nodes[k + 1] == index) continue;
      nodes.push_back(renumber(f.nodes[k]));
      nodes.push_back(renumber(f.nodes[k + 1]));
    }
  } else {
    for (size_t k = 0; k < f.nodes.size(); ++k) {
      if (f.nodes[k] == index) continue;
      nodes.push_back(renumber(f.nodes[k]));
      if (!f.groups.empty()) groups.push_back(f.groups[k]);
    }
  }
  const bool had_target = !f.nodes.empty();
  f.nodes = std::move(nodes);
  f.groups = std::move(groups);
  return !had_target || !f.nodes.empty();
}

FuzzCase WithoutTable(const FuzzCase& c, int table) {
  FuzzCase out = c;
  out.tables = c.tables - 1;
  for (FuzzNode& node : out.nodes) node.tables = DropBit(node.tables, table);
  out.faults.clear();
  for (Fault f : c.faults) {
    if (f.kind == FaultKind::kAddTable || f.kind == FaultKind::kDeleteTable) {
      if (f.table == table) continue;
      if (f.table > table) --f.table;
    }
    out.faults.push_back(std::move(f));
  }
  return out;
}

void Push(std::vector<FuzzCase>& out, const FuzzCase& original, FuzzCase candidate) {
  if (candidate == original || !IsWellFormed(candidate)) return;
  if (Complexity(candidate) >= Complexity(original)) return;
  out.push_back(std::move(candidate));
}

void FaultCandidates(const FuzzCase& c, std::vector<FuzzCase>& out) {
  const size_t n = c.faults.size();
  if (n == 0) return;
  {
    FuzzCase none = c;
    none.faults.clear();
    Push(out, c, std::move(none));
  }
  if (n >= 4) {
    FuzzCase first = c, second = c;
    first.faults.resize(n / 2);
    second.faults.erase(second.faults.begin(), second.faults.begin() + static_cast<std::ptrdiff_t>(n / 2));
    Push(out, c, std::move(first));
    Push(out, c, std::move(second));
  }
  for (size_t k = 0; k < n; ++k) {
    FuzzCase fewer = c;
    fewer.faults.erase(fewer.faults.begin() + static_cast<std::ptrdiff_t>(k));
    Push(out, c, std::move(fewer));
  }
}

void NodeCandidates(const FuzzCase& c, std::vector<FuzzCase>& out) {
  for (int i = static_cast<int>(c.nodes.size()) - 1; i >= 0; --i) Push(out, c, WithoutNode(c, i));
  for (int t = c.tables - 1; t >= 0; --t) Push(out, c, WithoutTable(c, t));
}

// Shorter, earlier, smaller faults.
void SimplerFaults(const FuzzCase& c, std::vector<FuzzCase>& out) {
  for (size_t k = 0; k < c.faults.size(); ++k) {
    const Fault& f = c.faults[k];
    auto with = [&](auto change) {
      FuzzCase simpler = c;
      change(simpler.faults[k]);
      Push(out, c, std::move(simpler));
    };
    if (f.at_ms > 0) {
      with([](Fault& g) { g.at_ms = 0; });
      with([](Fault& g) { g.at_ms = g.at_ms / 2 / 1'000 * 1'000; });
      with([](Fault& g) { g.at_ms = g.at_ms / 1'000 * 1'000; });
    }
    if (f.duration_ms > 1'000) {
      with([](Fault& g) { g.duration_ms = 1'000; });
      with([](Fault& g) { g.duration_ms = std::max<int64_t>(1'000, g.duration_ms / 2 / 1'000 * 1'000); });
    }
    if (f.amount > 1) {
      const bool ms = f.kind == FaultKind::kDnsDelay || f.kind == FaultKind::kSlowConnect;
      with([&](Fault& g) { g.amount = ms ? std::max<int64_t>(1'000, g.amount / 2) : g.amount / 2; });
    }
    if (f.nodes.size() > (f.kind == FaultKind::kCut || f.kind == FaultKind::kDisconnect ? 2u : 1u)) {
      with([](Fault& g) {
        const size_t keep = g.kind == FaultKind::kCut || g.kind == FaultKind::kDisconnect ? 2 : 1;
        g.nodes.resize(keep);
        if (!g.groups.empty()) g.groups.resize(keep);
      });
    }
    if (std::any_of(f.groups.begin(), f.groups.end(), [](int g) { return g != 0; })) {
      with([](Fault& g) { std::fill(g.groups.begin(), g.groups.end(), 0); });
    }
  }
}

// Default flags and settings, node by node.
void SimplerNodes(const FuzzCase& c, std::vector<FuzzCase>& out) {
  const uint32_t all_tables = (1u << c.tables) - 1;
  for (size_t i = 0; i < c.nodes.size(); ++i) {
    auto with = [&](auto change) {
      FuzzCase simpler = c;
      change(simpler.nodes[i]);
      Push(out, c, std::move(simpler));
    };
    const FuzzNode& node = c.nodes[i];
    if (node.hidden) with([](FuzzNode& n) { n.hidden = false; });
    if (node.dist_auto_connect != world::AutoConnect::kAlways) {
      with([](FuzzNode& n) { n.dist_auto_connect = world::AutoConnect::kAlways; });
    }
    if (!node.connect_all) with([](FuzzNode& n) { n.connect_all = true; });
    if (!node.prevent_overlapping_partitions) {
      with([](FuzzNode& n) { n.prevent_overlapping_partitions = true; });
    }
    if (node.backend_nodes) with([](FuzzNode& n) { n.backend_nodes.reset(); });
    if (node.backend_latency_max_ms > 0) {
      with([](FuzzNode& n) { n.backend_latency_min_ms = n.backend_latency_max_ms = 0; });
    }
    if (node.latency_ms > 1) with([](FuzzNode& n) { n.latency_ms = 1; });
    if (node.dns_delay_ms > 0) with([](FuzzNode& n) { n.dns_delay_ms = 0; });
    if (node.tables != all_tables) with([&](FuzzNode& n) { n.tables = all_tables; });
  }
  if (c.net_ticktime_ms != 60'000) {
    FuzzCase simpler = c;
    simpler.net_ticktime_ms = 60'000;
    Push(out, c, std::move(simpler));
  }
}

}  // namespace

FuzzCase WithoutNode(const FuzzCase& c, int index) {
  FuzzCase out = c;
  out.nodes.erase(out.nodes.begin() + index);
  for (FuzzNode& node : out.nodes) {
    if (node.backend_nodes) node.backend_nodes = DropBit(*node.backend_nodes, index);
  }
  out.faults.clear();
  for (Fault f : c.faults) {
    if (RemoveFromFault(f, index)) out.faults.push_back(std::move(f));
  }
  return out;
}

int64_t Complexity(const FuzzCase& c) {
  // Weights make removing things count more than any simplification of them.
  int64_t score = static_cast<int64_t>(c.nodes.size()) * 1'000'000'000'000 +
                  static_cast<int64_t>(c.faults.size()) * 10'000'000'000 +
                  static_cast<int64_t>(c.tables) * 1'000'000'000;
  for (const Fault& f : c.faults) {
    score += static_cast<int64_t>(f.nodes.size()) * 100'000'000 + f.at_ms / 1'000 + f.duration_ms / 1'000 +
             f.amount / 1'000 + f.amount % 1'000 + (f.at_ms % 1'000 != 0 ? 1 : 0) +
             (f.duration_ms % 1'000 != 0 ? 1 : 0);
    for (int g : f.groups) score += g;
  }
  for (const FuzzNode& node : c.nodes) {
    score += (node.hidden ? 10'000 : 0) +
             (node.dist_auto_connect != world::AutoConnect::kAlways ? 10'000 : 0) +
             (node.connect_all ? 0 : 10'000) + (node.prevent_overlapping_partitions ? 0 : 10'000) +
             (node.backend_nodes ? 10'000 : 0) + node.backend_latency_max_ms +
             node.backend_latency_min_ms + (node.latency_ms - 1) + node.dns_delay_ms +
             (node.tables != (1u << c.tables) - 1 ? 10'000 : 0);
  }
  score += c.net_ticktime_ms != 60'000 ? 10'000 : 0;
  return score;
}

std::vector<FuzzCase> ShrinkCandidates(const FuzzCase& c) {
  std::vector<FuzzCase> out;
  FaultCandidates(c, out);
  NodeCandidates(c, out);
  SimplerFaults(c, out);
  SimplerNodes(c, out);
  return out;
}

}  // namespace discosim::fuzz
