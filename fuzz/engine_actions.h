// A byte encoding of an engine run for the engine fuzzer: a driver setup, a
// delivery mode and a list of world actions (fuzz/engine_driver.h).
//
// Every byte string decodes to a valid run (missing bytes read as 0, every
// field is taken modulo its range), so the fuzzer never wastes an input, and
// Encode is the exact inverse of Decode for every run whose fields lie in
// those ranges (the ranges of the property tests' generators), so generated
// runs can be written out as seed inputs.
//
// Layout (each field one byte unless noted; `b` is the byte):
//   config     b % 8 == 7: CETS defaults; else 5 bytes: four intervals
//              1 + b % 60 ms, then enter_regular_phase b % 201 ms
//   tables     a count b % 5, then that many table indices b % 3
//   connected  a mask b & 0x3E over the remote pool nodes
//   start_ms   2 bytes little endian, % 1000
//   backend    b % 4
//   delivery   b & 1: 0 on demand, 1 immediate
//   actions    until the bytes run out or kActionsMax: a kind b % 14, then
//              its fields (see engine_actions.cc)
//
// Usage:
//   EngineRun run = DecodeEngineRun(data, size);
//   EngineDriver driver(run.setup, run.delivery);
//   for (const Action& a : run.actions) driver.Apply(a);
#ifndef DISCOSIM_FUZZ_ENGINE_ACTIONS_H_
#define DISCOSIM_FUZZ_ENGINE_ACTIONS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/engine_driver.h"

namespace discosim::fuzz {

// More actions than this are ignored: it bounds the work of one input.
inline constexpr size_t kActionsMax = 400;

struct EngineRun {
  DriverSetup setup;
  Delivery delivery = Delivery::kOnDemand;
  std::vector<Action> actions;
};

EngineRun DecodeEngineRun(const uint8_t* data, size_t size);

// REQUIRES: every field of `run` lies in the range Decode produces (ints in
// their modulo range, at most kActionsMax actions, at most 7 nodes per
// FinishGetNodes, AdvanceTime below 2^24 ms).
std::string EncodeEngineRun(const EngineRun& run);

// One line per field, for comparing two runs in tests.
std::string DescribeEngineRun(const EngineRun& run);

}  // namespace discosim::fuzz

#endif  // DISCOSIM_FUZZ_ENGINE_ACTIONS_H_
