// The engine against cets_discovery.erl on random runs of the mailbox world
// (fuzz/engine_driver.h, as the engine property tests use it): every message
// kind, immediate retries, dropped checks, pangs racing nodeups, nodedowns
// of nodes the backend never listed, every kind of join result, add and
// delete_table over unsorted lists with duplicates, calls of every kind,
// and times around the 30 s nodedown boundary and the 5-minute phase
// switch (CETS's intervals are fixed in its source, so the engine runs with
// its defaults). Each run is compared after every step; a mismatch fails
// with both effect lists side by side, the system_info keys that differ,
// the Erlang requests to replay it, and RapidCheck's shrunk actions (replay
// them with RC_PARAMS="seed=N" as printed).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <vector>

#include "oracle/driver.h"
#include "oracle/oracle_generators.h"
#include "oracle/shared_oracle.h"

namespace discosim::oracle {
namespace {

void CheckRun(const fuzz::DriverSetup& setup, const std::vector<fuzz::Action>& actions) {
  const Recording run = RecordDriverRun(setup, actions);
  absl::StatusOr<Verdict> verdict = SharedOracle().Compare(run);
  if (!verdict.ok()) RC_FAIL(std::string(verdict.status().message()));
  if (!verdict->agreed()) RC_FAIL(verdict->mismatch->report);
  RC_TAG(verdict->cut_by.has_value() ? "cut by a known difference" : "compared to the end");
}

// Two properties of the same kind, so that ctest runs them on both cores;
// under ctest each runs RC_PARAMS' max_success sequences.
RC_GTEST_PROP(Oracle, EngineAgreesWithCetsDiscoveryStepByStep, ()) {
  CheckRun(*GenOracleSetup(), *GenOracleActions());
}

// The same with the tables option an ordset (sorted, no duplicates), so that
// runs are not cut while known difference (4) is masked.
RC_GTEST_PROP(Oracle, EngineAgreesWithCetsDiscoveryWithSortedTables, ()) {
  fuzz::DriverSetup setup = *GenOracleSetup();
  std::sort(setup.tables.begin(), setup.tables.end());
  setup.tables.erase(std::unique(setup.tables.begin(), setup.tables.end()), setup.tables.end());
  CheckRun(setup, *GenOracleActions());
}

}  // namespace
}  // namespace discosim::oracle
