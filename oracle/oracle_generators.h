// RapidCheck generators for the oracle's runs of the mailbox world: the
// engine's default intervals (CETS's are fixed), table lists in any order
// with duplicates, and clock moves that land on and around the boundaries
// that matter (the 1 s, 5 s, 30 s and 5-minute intervals).
#ifndef DISCOSIM_ORACLE_ORACLE_GENERATORS_H_
#define DISCOSIM_ORACLE_ORACLE_GENERATORS_H_

#include <rapidcheck.h>

#include <cstdint>
#include <tuple>
#include <vector>

#include "fuzz/engine_driver.h"

namespace discosim::oracle {

namespace act = ::discosim::fuzz::act;
using fuzz::Action;
using fuzz::CallKind;
using fuzz::kNodePoolSize;
using fuzz::kTablePoolSize;

inline rc::Gen<uint32_t> GenRemoteMask() {
  return rc::gen::map(rc::gen::inRange<uint32_t>(0, 1U << (kNodePoolSize - 1)),
                      [](uint32_t bits) { return bits << 1; });
}

inline rc::Gen<fuzz::DriverSetup> GenOracleSetup() {
  return rc::gen::map(
      rc::gen::tuple(rc::gen::container<std::vector<int>>(rc::gen::inRange(0, kTablePoolSize)),
                     GenRemoteMask(),
                     rc::gen::weightedOneOf<engine::TimeMs>(
                         {{3, rc::gen::inRange<engine::TimeMs>(0, 1000)},
                          {1, rc::gen::inRange<engine::TimeMs>(0, 10'000'000)}}),
                     rc::gen::inRange<engine::BackendState>(0, 4)),
      [](const std::tuple<std::vector<int>, uint32_t, engine::TimeMs, engine::BackendState>& t) {
        fuzz::DriverSetup setup;
        for (int table : std::get<0>(t)) setup.tables.push_back(fuzz::PoolTable(table));
        for (int i = 0; i < kNodePoolSize; ++i) {
          if ((std::get<1>(t) >> i & 1U) != 0) setup.connected.insert(fuzz::PoolNode(i));
        }
        setup.start_ms = std::get<2>(t);
        setup.backend_state = std::get<3>(t);
        return setup;
      });
}

// A clock move: mostly short, often exactly one of CETS's intervals or a
// millisecond either side (a nodedown 30 s ago, the 5-minute phase switch).
inline rc::Gen<engine::TimeMs> GenDelta() {
  namespace gen = rc::gen;
  const auto around = [](engine::TimeMs at) {
    return gen::map(gen::inRange<engine::TimeMs>(-1, 2), [at](engine::TimeMs d) { return at + d; });
  };
  return gen::weightedOneOf<engine::TimeMs>({
      {6, gen::inRange<engine::TimeMs>(0, 40)},
      {2, around(1'000)},
      {2, around(5'000)},
      {3, around(30'000)},
      {2, around(300'000)},
      {2, gen::inRange<engine::TimeMs>(0, 40'000)},
      {1, gen::inRange<engine::TimeMs>(0, 400'000)},
  });
}

inline rc::Gen<Action> GenOracleAction() {
  namespace gen = rc::gen;
  auto wrap = [](auto inner) { return gen::map(inner, [](auto a) { return Action{a}; }); };
  const auto node = gen::inRange(0, kNodePoolSize);
  const auto remote = gen::inRange(1, kNodePoolSize);
  return gen::weightedOneOf<Action>({
      {24, wrap(gen::map(gen::inRange(1, 4), [](int n) { return act::Deliver{n}; }))},
      {8, wrap(gen::map(GenDelta(), [](engine::TimeMs d) { return act::AdvanceTime{d}; }))},
      {8, wrap(gen::map(gen::tuple(gen::weightedElement<bool>({{3, true}, {1, false}}),
                                   gen::container<std::vector<int>>(node),
                                   gen::inRange<engine::BackendState>(0, 4)),
                        [](const std::tuple<bool, std::vector<int>, engine::BackendState>& t) {
                          return act::FinishGetNodes{std::get<0>(t), std::get<1>(t), std::get<2>(t)};
                        }))},
      {5, wrap(gen::map(gen::arbitrary<uint32_t>(), [](uint32_t o) { return act::FinishJoin{o}; }))},
      {5, wrap(gen::map(gen::tuple(gen::inRange(0, 8), gen::arbitrary<bool>()),
                        [](const std::tuple<int, bool>& t) {
                          return act::FinishPing{std::get<0>(t), std::get<1>(t)};
                        }))},
      {5, wrap(gen::map(remote, [](int n) { return act::Connect{n}; }))},
      {4, wrap(gen::map(remote, [](int n) { return act::Disconnect{n}; }))},
      {1, wrap(gen::map(GenRemoteMask(), [](uint32_t m) { return act::Partition{m}; }))},
      {1, wrap(gen::map(GenRemoteMask(), [](uint32_t m) { return act::Heal{m}; }))},
      {6, wrap(gen::map(gen::element(CallKind::kGetTables, CallKind::kSystemInfo,
                                     CallKind::kWaitForReady, CallKind::kWaitForReady,
                                     CallKind::kWaitForGetNodes, CallKind::kWaitForGetNodes,
                                     CallKind::kUnknownCall),
                        [](CallKind k) { return act::Call{k}; }))},
      {4, wrap(gen::map(gen::tuple(gen::arbitrary<bool>(), gen::inRange(0, kTablePoolSize)),
                        [](const std::tuple<bool, int>& t) {
                          return act::Cast{std::get<0>(t), std::get<1>(t)};
                        }))},
      {2, wrap(gen::map(gen::tuple(remote, gen::inRange<engine::TimeMs>(0, 3)),
                        [](const std::tuple<int, engine::TimeMs>& t) {
                          return act::PeerStartTime{std::get<0>(t), std::get<1>(t)};
                        }))},
      {1, wrap(gen::map(gen::arbitrary<bool>(), [](bool c) { return act::Stray{c}; }))},
      {2, wrap(gen::just(act::ExternalCheck{}))},
  });
}

inline rc::Gen<std::vector<Action>> GenOracleActions() {
  return rc::gen::container<std::vector<Action>>(GenOracleAction());
}

}  // namespace discosim::oracle

#endif  // DISCOSIM_ORACLE_ORACLE_GENERATORS_H_
