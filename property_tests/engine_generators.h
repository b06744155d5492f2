// RapidCheck generators for the engine property tests: small configs (random
// intervals, so they collide and differ by a millisecond), start-up setups,
// and world actions over small pools of nodes and tables.
//
// Usage (inside a RapidCheck property):
//   const DriverSetup setup = *GenSetup();
//   const std::vector<Action> actions = *GenActions();
#ifndef DISCOSIM_PROPERTY_TESTS_ENGINE_GENERATORS_H_
#define DISCOSIM_PROPERTY_TESTS_ENGINE_GENERATORS_H_

#include <rapidcheck.h>

#include <cstdint>
#include <ostream>
#include <tuple>
#include <vector>

#include "fuzz/engine_driver.h"

namespace discosim::property_tests {

// The engine driver lives in fuzz/ (the engine fuzzer runs it too); the
// engine properties use its vocabulary as their own.
using namespace ::discosim::fuzz;  // NOLINT(google-build-using-namespace)

// Any pool node; the local node is included (get_nodes lists may name it).
inline rc::Gen<int> GenNodeIndex() { return rc::gen::inRange(0, kNodePoolSize); }
// Any pool node but the local one (index 0).
inline rc::Gen<int> GenRemoteIndex() { return rc::gen::inRange(1, kNodePoolSize); }
inline rc::Gen<int> GenTableIndex() { return rc::gen::inRange(0, kTablePoolSize); }
// A bit mask over the pool's remote nodes.
inline rc::Gen<uint32_t> GenRemoteMask() {
  return rc::gen::map(rc::gen::inRange<uint32_t>(0, 1U << (kNodePoolSize - 1)),
                      [](uint32_t bits) { return bits << 1; });
}

// Intervals of 1..60 ms, so that timers fire often and intervals coincide;
// now and then the CETS defaults.
inline rc::Gen<Config> GenConfig() {
  const auto interval = rc::gen::inRange<TimeMs>(1, 61);
  return rc::gen::weightedOneOf<Config>({
      {7, rc::gen::map(rc::gen::tuple(interval, interval, interval, interval,
                                      rc::gen::inRange<TimeMs>(0, 201)),
                       [](const std::tuple<TimeMs, TimeMs, TimeMs, TimeMs, TimeMs>& t) {
                         Config config;
                         std::tie(config.initial_interval_ms, config.after_error_interval_ms,
                                  config.regular_interval_ms, config.after_nodedown_interval_ms,
                                  config.enter_regular_phase_ms) = t;
                         return config;
                       })},
      {1, rc::gen::just(Config{})},
  });
}

inline rc::Gen<DriverSetup> GenSetup() {
  return rc::gen::map(
      rc::gen::tuple(GenConfig(), rc::gen::container<std::vector<int>>(GenTableIndex()),
                     GenRemoteMask(), rc::gen::inRange<TimeMs>(0, 1000),
                     rc::gen::inRange<BackendState>(0, 4)),
      [](const std::tuple<Config, std::vector<int>, uint32_t, TimeMs, BackendState>& t) {
        DriverSetup setup;
        setup.config = std::get<0>(t);
        for (int table : std::get<1>(t)) setup.tables.push_back(PoolTable(table));
        for (int i = 0; i < kNodePoolSize; ++i) {
          if ((std::get<2>(t) >> i & 1U) != 0) setup.connected.insert(PoolNode(i));
        }
        setup.start_ms = std::get<3>(t);
        setup.backend_state = std::get<4>(t);
        return setup;
      });
}

// One world action; deliveries and time are the most frequent.
inline rc::Gen<Action> GenAction() {
  namespace gen = rc::gen;
  auto wrap = [](auto inner) { return gen::map(inner, [](auto a) { return Action{a}; }); };
  return gen::weightedOneOf<Action>({
      {24, wrap(gen::map(gen::inRange(1, 4), [](int n) { return act::Deliver{n}; }))},
      {8, wrap(gen::map(gen::weightedOneOf<TimeMs>({{4, gen::inRange<TimeMs>(0, 40)},
                                                     {1, gen::inRange<TimeMs>(0, 400)}}),
                        [](TimeMs d) { return act::AdvanceTime{d}; }))},
      {8, wrap(gen::map(gen::tuple(gen::weightedElement<bool>({{3, true}, {1, false}}),
                                   gen::container<std::vector<int>>(GenNodeIndex()),
                                   gen::inRange<BackendState>(0, 4)),
                        [](const std::tuple<bool, std::vector<int>, BackendState>& t) {
                          return act::FinishGetNodes{std::get<0>(t), std::get<1>(t),
                                                     std::get<2>(t)};
                        }))},
      {5, wrap(gen::map(gen::arbitrary<uint32_t>(),
                        [](uint32_t o) { return act::FinishJoin{o}; }))},
      {5, wrap(gen::map(gen::tuple(gen::inRange(0, 8), gen::arbitrary<bool>()),
                        [](const std::tuple<int, bool>& t) {
                          return act::FinishPing{std::get<0>(t), std::get<1>(t)};
                        }))},
      {5, wrap(gen::map(GenRemoteIndex(), [](int n) { return act::Connect{n}; }))},
      {4, wrap(gen::map(GenRemoteIndex(), [](int n) { return act::Disconnect{n}; }))},
      {1, wrap(gen::map(GenRemoteMask(), [](uint32_t m) { return act::Partition{m}; }))},
      {1, wrap(gen::map(GenRemoteMask(), [](uint32_t m) { return act::Heal{m}; }))},
      {6, wrap(gen::map(gen::element(CallKind::kGetTables, CallKind::kSystemInfo,
                                     CallKind::kWaitForReady, CallKind::kWaitForReady,
                                     CallKind::kWaitForGetNodes, CallKind::kWaitForGetNodes,
                                     CallKind::kUnknownCall),
                        [](CallKind k) { return act::Call{k}; }))},
      {4, wrap(gen::map(gen::tuple(gen::arbitrary<bool>(), GenTableIndex()),
                        [](const std::tuple<bool, int>& t) {
                          return act::Cast{std::get<0>(t), std::get<1>(t)};
                        }))},
      {2, wrap(gen::map(gen::tuple(GenRemoteIndex(), gen::inRange<TimeMs>(0, 3)),
                        [](const std::tuple<int, TimeMs>& t) {
                          return act::PeerStartTime{std::get<0>(t), std::get<1>(t)};
                        }))},
      {1, wrap(gen::map(gen::arbitrary<bool>(), [](bool c) { return act::Stray{c}; }))},
      {2, wrap(gen::just(act::ExternalCheck{}))},
  });
}

inline rc::Gen<std::vector<Action>> GenActions() {
  return rc::gen::container<std::vector<Action>>(GenAction());
}

}  // namespace discosim::property_tests

#endif  // DISCOSIM_PROPERTY_TESTS_ENGINE_GENERATORS_H_
