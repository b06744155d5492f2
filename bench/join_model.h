// Cold starts of the join model (sim/world: the join lock, the CPU model and
// the what-if options), measured in virtual time: when every table has
// become one cluster of all nodes, and the lock's counters. Shared by the
// join-model benchmark (join_model_bench.cc) and the calibration test
// (join_calibration_test.cc), which compares the numbers with
// shared/reference/real-cets-measurements.md.
//
//   ColdStart spec;
//   spec.nodes = 8;
//   spec.tables = 4;
//   spec.layout = Layout::kPacked;    // all nodes on one 2-core host
//   spec.variant = Variant::kSleep;   // what-if: 1 ms sleep instead of the spin
//   ColdStartResult r = RunColdStart(spec);
//   if (r.converged) printf("%lld ms\n", r.converged_ms);
#ifndef DISCOSIM_BENCH_JOIN_MODEL_H_
#define DISCOSIM_BENCH_JOIN_MODEL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "sim/world/world.h"

namespace discosim::bench {

// Where the nodes run.
enum class Layout {
  kOwnHosts,  // one node per host, 2 cores each (the default of a world)
  kPacked,    // every node on one 2-core host (the measured set-up), loopback between them
};

// The join lock loop: as released, or one what-if change.
enum class Variant {
  kSpin,     // as released: spin on the own node's lock table, re-ask at once
  kSleep,    // a 1 ms sleep instead of the local spin
  kBackoff,  // spin kept; a random 1-20 ms back-off after a failed attempt
  kRecheck,  // spin kept; check already-joined again after acquiring
};

const char* ToString(Layout layout);
const char* ToString(Variant variant);
std::vector<Variant> AllVariants();

struct ColdStart {
  int nodes = 2;
  int tables = 1;
  Layout layout = Layout::kPacked;
  Variant variant = Variant::kSpin;
  uint64_t seed = 1;
  int64_t budget_ms = 600'000;      // give up after this much virtual time
  uint64_t max_events = 200'000'000;  // or this many events
};

struct ColdStartResult {
  bool converged = false;
  int64_t converged_ms = 0;  // when the last table became one cluster of every node
  int64_t end_ms = 0;        // where the run stopped
  world::Counters counters;  // as of the end of the run
  bool hit_event_limit = false;
};

// The world config of a cold start: `nodes` nodes starting at t=0, each
// with `tables` tables and a backend listing every node.
world::WorldConfig ColdStartWorld(const ColdStart& spec);
// Runs it until every table is one cluster of all nodes (or the budget).
ColdStartResult RunColdStart(const ColdStart& spec);

// The median of `values` (the mean of the middle two for an even count).
double Median(std::vector<double> values);

// One cell of the calibration table: measured (seconds or counts) and the
// simulated median over seeds.
struct CalibrationCell {
  std::string what;      // e.g. "cold start, N=8, 4 tables"
  int nodes = 0;
  int tables = 0;
  Variant variant = Variant::kSpin;
  bool attempts = false;  // the cell compares lock acquisitions, not time
  double measured = 0;    // seconds, or acquisitions
  double tolerance = 2;   // simulated / measured must lie in [1/tolerance, tolerance]
  double simulated = 0;   // median over seeds
  std::vector<double> per_seed;
  bool Holds() const;
};

// The seeds every calibration cell runs with.
std::vector<uint64_t> CalibrationSeeds();
// The cells of the calibration table (measured values filled in), not run.
std::vector<CalibrationCell> CalibrationCells();
// Runs every cell on the packed 2-core host over CalibrationSeeds().
std::vector<CalibrationCell> RunCalibration();

}  // namespace discosim::bench

#endif  // DISCOSIM_BENCH_JOIN_MODEL_H_
