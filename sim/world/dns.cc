// net_kernel's DNS (see dns.h).
#include "sim/world/dns.h"

#include <algorithm>
#include <utility>

namespace discosim::world {

void Dns::Build(std::vector<Name> names) {
  names_ = std::move(names);
  fails_.assign(names_.size(), false);
  answer_ms_.assign(names_.size(), std::vector<TimeMs>(names_.size(), -1));
}

std::pair<TimeMs, bool> Dns::Lookup(NodeId n, NodeId target, TimeMs now_ms) {
  const Name& them = names_[target];
  const bool resolves = them.resolvable && !fails_[target];
  const TimeMs delay_ms = them.delay_ms;
  const std::optional<TimeMs>& ttl_ms = names_[n].ttl_ms;
  if (!resolves || !ttl_ms.has_value()) return {delay_ms, resolves};
  TimeMs& answered_ms = answer_ms_[n][target];
  if (answered_ms >= 0 && answered_ms <= now_ms && now_ms < answered_ms + *ttl_ms) {
    return {0, true};  // a cached answer
  }
  // An answer still on its way keeps its (earlier) time; otherwise this one
  // fills the cache when it arrives.
  if (!(answered_ms > now_ms)) answered_ms = now_ms + delay_ms;
  return {delay_ms, true};
}

void Dns::SetAnswer(NodeId target, TimeMs delay_ms, bool fails) {
  names_[target].delay_ms = delay_ms;
  fails_[target] = fails;
}

void Dns::NodeStarted(NodeId n) {
  if (!names_[n].declared) names_[n].resolvable = true;
  ClearCache(n);
}

void Dns::ClearCache(NodeId n) {
  std::fill(answer_ms_[n].begin(), answer_ms_[n].end(), -1);
}

}  // namespace discosim::world
