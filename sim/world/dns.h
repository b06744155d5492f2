// net_kernel's DNS: each node's name (whether it resolves, how long an
// answer takes) and each node's resolver cache. A failing lookup costs its
// delay once and is not cached; a cached answer is instant until its TTL
// runs out; an answer still on its way keeps its (earlier) time. A node's
// cache empties when it starts or stops.
//
//   Dns dns;
//   dns.Build({{.resolvable = true, .declared = true, .delay_ms = 5'000, .ttl_ms = 60'000}, ...});
//   auto [delay_ms, resolves] = dns.Lookup(0, 1, now_ms);
#ifndef DISCOSIM_SIM_WORLD_DNS_H_
#define DISCOSIM_SIM_WORLD_DNS_H_

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "engine/types.h"

namespace discosim::world {

using NodeId = uint32_t;
using engine::TimeMs;

class Dns {
 public:
  struct Name {
    bool resolvable = true;  // has a DNS entry
    bool declared = false;   // `resolvable` was declared; otherwise it follows starts
    TimeMs delay_ms = 0;
    std::optional<TimeMs> ttl_ms;  // the node's own resolver cache; none: no cache
  };

  void Build(std::vector<Name> names);

  // The answer `n` gets for `target`'s name at now_ms: its delay and whether
  // it resolves. Fills n's cache.
  std::pair<TimeMs, bool> Lookup(NodeId n, NodeId target, TimeMs now_ms);
  // The dns action: target's name answers after delay_ms, or fails (nxdomain).
  void SetAnswer(NodeId target, TimeMs delay_ms, bool fails);
  // A started node has a DNS entry (unless declared otherwise); its cache is empty.
  void NodeStarted(NodeId n);
  void NodeStopped(NodeId n) { ClearCache(n); }

 private:
  void ClearCache(NodeId n);

  std::vector<Name> names_;
  std::vector<bool> fails_;                    // by node: its name fails
  std::vector<std::vector<TimeMs>> answer_ms_;  // by asker, by name: when answered, -1 none
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_DNS_H_
