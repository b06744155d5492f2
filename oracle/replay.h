// Replay: a scenario run in the simulated world with every engine call
// recorded (the world's engine_observer), one Recording per node
// incarnation, for the oracle to re-run through cets_discovery.erl.
//
// Usage:
//   absl::StatusOr<std::vector<Recording>> runs = RecordScenario("scenarios/x.yaml");
//   for (const Recording& run : *runs) oracle.Compare(run);
#ifndef DISCOSIM_ORACLE_REPLAY_H_
#define DISCOSIM_ORACLE_REPLAY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "oracle/oracle.h"

namespace discosim::oracle {

// Runs the scenario file (its own seed, to its end) and returns every
// discovery instance it started, in the order they started. The world's
// verdicts on the file's expectations do not matter here. An error: the
// file does not load, or the world refused it.
absl::StatusOr<std::vector<Recording>> RecordScenario(const std::string& path);

// Whether the instance ran with CETS's own intervals (cets_discovery.erl's
// are fixed in its source): only those can be compared.
bool HasCetsIntervals(const Recording& run);

}  // namespace discosim::oracle

#endif  // DISCOSIM_ORACLE_REPLAY_H_
