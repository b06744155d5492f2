// `discosim compare`: one scenario's simulated and real verdicts side by
// side, expectation by expectation, with the difference in decision time.
// They agree when both passed or both failed (a real pass within the
// tolerance counts as a pass); the times are shown, not judged: real
// failure detection and retries jitter around the simulated ones.
//
//   std::vector<CompareRow> rows = CompareRuns(simulated, real);
//   std::cout << CompareText(simulated, rows);
#ifndef DISCOSIM_REAL_COMPARE_H_
#define DISCOSIM_REAL_COMPARE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "sim/scenario/run.h"

namespace discosim::real {

struct CompareRow {
  const scenario::Expectation* expectation = nullptr;
  scenario::ExpectationResult simulated;
  scenario::ExpectationResult real;
  bool agree = false;
  int64_t difference_ms = 0;  // real.at_ms - simulated.at_ms
};

// REQUIRES: both runs are of the same scenario (results in the same order).
std::vector<CompareRow> CompareRuns(const scenario::ScenarioRun& simulated,
                                    const scenario::ScenarioRun& real);
// One line per expectation (AGREE / DIFFER), without a summary line.
std::string CompareText(const scenario::ScenarioRun& simulated,
                        const std::vector<CompareRow>& rows);

}  // namespace discosim::real

#endif  // DISCOSIM_REAL_COMPARE_H_
