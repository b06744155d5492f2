// RapidCheck generators for the world-level properties: whole fuzz cases
// (sim/fuzz/fuzz_case.h: a 2-8 node cluster and an hour of faults, each
// healed), drawn from a RapidCheck-chosen seed and shrunk with the fuzzer's
// own candidates (sim/fuzz/shrink.h): fewer faults, fewer nodes, fewer
// tables, shorter and earlier faults, smaller delays, default flags.
//
// RapidCheck's size scales a case: at size 0 two nodes and no faults, at
// size 100 the fuzzer's full range.
//
//   const fuzz::FuzzCase c = *GenWorldCase({});
//   RC_ASSERT(CheckCase(c, {fuzz::LivenessProperty()}, {}).kind != kFailed);
#ifndef DISCOSIM_PROPERTY_TESTS_WORLD_GENERATORS_H_
#define DISCOSIM_PROPERTY_TESTS_WORLD_GENERATORS_H_

#include <rapidcheck.h>

#include <algorithm>
#include <cstdint>
#include <ostream>
#include <string>

#include "sim/fuzz/build.h"
#include "sim/fuzz/fuzz_case.h"
#include "sim/fuzz/shrink.h"
#include "sim/fuzz/yaml_writer.h"

namespace discosim::fuzz {

// How RapidCheck prints a counterexample: the case as a scenario file, with
// every world property's expectations.
inline void showValue(const FuzzCase& c, std::ostream& os) {
  scenario::Scenario s = BuildCase(c, WorldProperties()).scenario;
  s.name = "rapidcheck-counterexample";
  s.description = Summary(c);
  os << "\n" << WriteScenarioYaml(s);
}

}  // namespace discosim::fuzz

namespace discosim::property_tests {

// A fuzz case sized by RapidCheck's size, shrinking with ShrinkCandidates.
inline rc::Gen<fuzz::FuzzCase> GenWorldCase(fuzz::GenOptions options) {
  return rc::Gen<fuzz::FuzzCase>([options](const rc::Random& random, int size) {
    rc::Random r = random;
    const uint64_t seed = r.next();
    fuzz::GenOptions scaled = options;
    const int s = std::clamp(size, 0, 100);
    scaled.max_nodes = std::max(2, std::min(options.max_nodes, 2 + s * (fuzz::kMaxNodes - 2) / 100));
    scaled.max_faults = std::min(options.max_faults, s * options.max_faults / 100);
    return rc::shrinkable::shrinkRecur(fuzz::GenerateCase(seed, scaled), [](const fuzz::FuzzCase& c) {
      return rc::seq::fromContainer(fuzz::ShrinkCandidates(c));
    });
  });
}

}  // namespace discosim::property_tests

#endif  // DISCOSIM_PROPERTY_TESTS_WORLD_GENERATORS_H_
