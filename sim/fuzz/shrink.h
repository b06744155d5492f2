// Shrinking fuzz cases: simpler variants of a case, biggest steps first --
// fewer faults, fewer nodes, fewer tables, shorter and earlier faults,
// smaller delays, default flags. Every candidate is well-formed
// (IsWellFormed) and strictly simpler, so repeated shrinking ends.
//
// The fuzzer (check.h: Minimize) and the RapidCheck generators
// (property_tests/world_generators.h) both shrink with these candidates.
#ifndef DISCOSIM_SIM_FUZZ_SHRINK_H_
#define DISCOSIM_SIM_FUZZ_SHRINK_H_

#include <vector>

#include "sim/fuzz/fuzz_case.h"

namespace discosim::fuzz {

// Simpler variants of `c`, the most promising first. REQUIRES: IsWellFormed(c).
std::vector<FuzzCase> ShrinkCandidates(const FuzzCase& c);

// `c` without node `index`: backend lists and fault targets renumbered,
// faults left without a target dropped.
FuzzCase WithoutNode(const FuzzCase& c, int index);

// A measure that every candidate decreases (for tests).
int64_t Complexity(const FuzzCase& c);

}  // namespace discosim::fuzz

#endif  // DISCOSIM_SIM_FUZZ_SHRINK_H_
