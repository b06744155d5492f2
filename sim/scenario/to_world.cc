// A scenario in the world's terms (see to_world.h).
#include "sim/scenario/to_world.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/overloaded.h"

namespace discosim::scenario {

world::WorldConfig WorldConfigOf(const Scenario& scenario) {
  world::WorldConfig config;
  config.seed = scenario.seed;
  for (const Node& node : scenario.nodes) {
    world::NodeConfig n;
    n.name = node.name;
    n.settings = node.settings;
    n.start_at_ms = node.start == StartMode::kNever ? std::nullopt
                                                    : std::optional<int64_t>(node.start_at_ms);
    n.resolvable = node.dns_entry == DnsEntry::kResolvable;
    n.tables = node.tables;
    n.backend = node.backend;
    n.host = node.host.value_or("");
    config.nodes.push_back(std::move(n));
  }
  // `join_lock` / `hosts`: the calibrated join model and its what-if options.
  if (scenario.CalibratedJoinModel()) {
    config.join_model = world::JoinModel::kCalibrated;
    for (const Host& host : scenario.hosts) {
      config.hosts.push_back(world::HostConfig{host.name, static_cast<int>(host.cores)});
    }
    const JoinLockOptions lock = scenario.join_lock.value_or(JoinLockOptions{});
    config.lock.wait = lock.wait;
    config.lock.sleep_ms = lock.sleep_ms;
    if (lock.backoff) {
      config.lock.backoff_ms_min = lock.backoff->min_ms;
      config.lock.backoff_ms_max = lock.backoff->max_ms;
    }
    config.lock.recheck_joined = lock.recheck_joined;
  }
  config.cets.check_merge = scenario.cets.check_merge;
  return config;
}

engine::Message ToEngine(const RawMessage& m) {
  switch (m.kind) {
    case RawMessage::Kind::kCheck:
      return engine::Check{};
    case RawMessage::Kind::kEnterRegularPhase:
      return engine::EnterRegularPhase{};
    case RawMessage::Kind::kNodeup:
      return engine::Nodeup{m.node};
    case RawMessage::Kind::kNodedown:
      return engine::Nodedown{m.node};
    case RawMessage::Kind::kPingResult:
      return engine::PingResult{m.node, m.outcome};
    case RawMessage::Kind::kUnknown:
      break;
  }
  return engine::UnknownMessage{engine::UnknownMessage::Kind::kInfo, "unknown", 0};
}

ActionTranslator::ActionTranslator(const Scenario& scenario) {
  for (const Node& node : scenario.nodes) {
    dns_[node.name] = {node.settings.dns_delay_ms, node.dns_entry == DnsEntry::kResolvable
                                                       ? world::action::DnsAnswer::kResolves
                                                       : world::action::DnsAnswer::kFails};
  }
}

world::Action ActionTranslator::Translate(const TimelineStep& step, size_t index) {
  namespace wa = world::action;
  return std::visit(
      Overloaded{
          [](const wa::Start& a) -> world::Action { return a; },
          [](const wa::Stop& a) -> world::Action { return a; },
          [](const wa::Restart& a) -> world::Action { return a; },
          [](const wa::Partition& a) -> world::Action { return a; },
          [](const wa::Cut& a) -> world::Action { return a; },
          [](const HealAction& a) -> world::Action {
            if (a.scope == HealAction::Scope::kAll) return wa::HealAll{};
            return wa::HealLinks{a.links};
          },
          [](const wa::Disconnect& a) -> world::Action { return a; },
          [&](const DnsAction& a) -> world::Action {
            auto& [delay_ms, answer] = dns_[a.node];
            if (a.delay_ms) delay_ms = *a.delay_ms;
            if (a.outcome) answer = *a.outcome;
            return wa::Dns{a.node, delay_ms, answer};
          },
          [](const wa::SlowConnect& a) -> world::Action { return a; },
          [](const BackendAction& a) -> world::Action {
            return wa::Backend{a.node, a.changes.nodes, a.changes.latency, a.changes.error_rate,
                               a.changes.crash_rate};
          },
          [](const BackendFailAction& a) -> world::Action {
            wa::BackendFail f;
            f.node = a.node;
            if (a.kind == BackendFailAction::Kind::kCount) {
              f.count = a.count;
            } else {
              f.until_ms = a.until_ms;
            }
            return f;
          },
          [](const wa::AddTable& a) -> world::Action { return a; },
          [](const wa::DeleteTable& a) -> world::Action { return a; },
          [](const SendAction& a) -> world::Action {
            return wa::Send{a.node, ToEngine(a.message)};
          },
          [&](const wa::Call& a) -> world::Action {
            // A call without an id is still made; it gets a name of its own.
            std::string id = a.id.empty() ? absl::StrCat("timeline[", index, "]") : a.id;
            return wa::Call{a.node, a.request, a.timeout_ms, std::move(id)};
          },
          [](const wa::BackendCrash& a) -> world::Action { return a; },
      },
      step.action);
}

}  // namespace discosim::scenario
