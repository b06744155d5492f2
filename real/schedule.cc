// The order of a real run's starts and steps (schedule.h).
#include "real/schedule.h"

#include <algorithm>
#include <variant>

namespace discosim::real {

std::vector<Due> Schedule(const scenario::Scenario& scenario) {
  std::vector<Due> due;
  for (const scenario::Node& node : scenario.nodes) {
    if (node.start == scenario::StartMode::kAtStartTime) due.push_back({node.start_at_ms, node.name});
  }
  for (size_t i = 0; i < scenario.timeline.size(); ++i) {
    due.push_back({scenario.timeline[i].at_ms, std::nullopt, i});
  }
  // The world carries out a start's first get_nodes after every action of
  // that instant; here the VM calls its backend at once, so the backend's
  // settings of the instant must be in place before it starts.
  auto rank = [&](const Due& d) {
    if (d.node_start.has_value()) return 1;
    const scenario::Action& a = scenario.timeline[d.step].action;
    return std::holds_alternative<scenario::BackendAction>(a) ||
                   std::holds_alternative<scenario::BackendFailAction>(a)
               ? 0
               : 2;
  };
  std::stable_sort(due.begin(), due.end(), [&](const Due& a, const Due& b) {
    return a.at_ms != b.at_ms ? a.at_ms < b.at_ms : rank(a) < rank(b);
  });
  return due;
}

std::vector<engine::NodeName> TakeStartsOfInstant(const std::vector<Due>& due, size_t& next) {
  std::vector<engine::NodeName> nodes;
  if (next >= due.size() || !due[next].node_start.has_value()) return nodes;
  const int64_t at_ms = due[next].at_ms;
  while (next < due.size() && due[next].node_start.has_value() && due[next].at_ms == at_ms) {
    nodes.push_back(*due[next++].node_start);
  }
  return nodes;
}

}  // namespace discosim::real
