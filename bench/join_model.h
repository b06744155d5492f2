// Cold starts of the calibrated join model (sim/world: the join lock at
// message level, the CPU model, the what-if options), measured in virtual
// time: when every table has become one cluster of all nodes, and the
// lock's counters. Shared by the join-model benchmark (join_model_bench.cc)
// and the calibration test (join_calibration_test.cc), which compares the
// numbers with cold starts measured on real OTP 25 nodes with CETS 0.2.0
// (docs/join-model.md, the calibration table).
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

// Where the nodes run, and the set-up around them.
enum class Layout {
  // The measured set-up: every node on one 2-core host, loopback between
  // them, connection setups answered after 100 ms (as measured there), a
  // backend that answers at once.
  kPacked,
  // A deployment: one node per host (2 cores each), 1 ms between hosts
  // (+0-20 % jitter), a backend that answers in 20 ms.
  kOwnHosts,
};

// The join lock loop: as released, or one what-if change.
enum class Variant {
  kSpin,           // as released: spin on the own node's lock table, re-ask at once
  kSleep,          // a 1 ms sleep instead of the local spin
  kBackoff,        // spin kept; a random 1-20 ms back-off after a failed attempt
  kRecheck,        // spin kept; check already-joined again after acquiring
  kBackoffScaled,  // spin kept; a random back-off in [1 ms, 10 ms x N] (not measured)
};

const char* ToString(Layout layout);
const char* ToString(Variant variant);
// The measured variants and the scaled back-off.
std::vector<Variant> AllVariants();

struct ColdStart {
  int nodes = 2;
  int tables = 1;
  Layout layout = Layout::kPacked;
  Variant variant = Variant::kSpin;
  uint64_t seed = 1;
  int64_t budget_ms = 600'000;        // give up after this much virtual time
  uint64_t max_events = 200'000'000;  // or this many events
};

struct ColdStartResult {
  bool converged = false;
  int64_t converged_ms = 0;  // when the last table became one cluster of every node
  int64_t end_ms = 0;        // where the run stopped
  world::Counters counters;  // when the last merge happened (or where the run stopped)
  bool hit_event_limit = false;
  // A converged run goes on until every join task has finished: requesters
  // still waiting then find the two sides merged (skips).
  bool joins_finished = false;
  int64_t joins_finished_ms = 0;
  world::Counters finished_counters;
};

// The world config of a cold start: `nodes` nodes starting at t=0, each
// with `tables` tables and a backend listing every node.
world::WorldConfig ColdStartWorld(const ColdStart& spec);
// Runs it until every table is one cluster of all nodes (or the budget).
ColdStartResult RunColdStart(const ColdStart& spec);

// The lock hand-off experiment: `nodes` nodes, connected, no tables; from
// t=1 s the first `contenders` of them take the join lock and give it back
// at once, forever (action::LockLoop). Grants per virtual second.
struct Handoff {
  int nodes = 3;
  int contenders = 3;
  Layout layout = Layout::kPacked;
  Variant variant = Variant::kSpin;
  uint64_t seed = 1;
  int64_t duration_ms = 20'000;
};
struct HandoffResult {
  double grants_per_s = 0;
  double mean_handoff_ms = 0;  // duration / grants (0: no grant)
  world::Counters counters;
};
HandoffResult RunHandoff(const Handoff& spec);

// The median of `values` (the mean of the middle two for an even count).
double Median(std::vector<double> values);

// One cell of the calibration table: a measured figure and the simulated
// median over CalibrationSeeds() on the packed 2-core host.
struct CalibrationCell {
  std::string what;  // e.g. "spin, N=8, 4 tables: seconds to join"
  int nodes = 0;
  int tables = 0;
  Variant variant = Variant::kSpin;
  bool acquisitions = false;  // compares lock acquisitions per cold start, not time
  double measured = 0;        // seconds, or acquisitions
  double tolerance = 2;       // simulated / measured must lie in [1/tolerance, tolerance]
  double simulated = 0;       // median over seeds
  std::vector<double> per_seed;
  bool Holds() const;
};

// The seeds every calibration cell runs with.
std::vector<uint64_t> CalibrationSeeds();
// The cells of the calibration table (measured values filled in), not run.
std::vector<CalibrationCell> CalibrationCells();
// Runs every cell (cells sharing a set-up share the runs).
std::vector<CalibrationCell> RunCalibration();

}  // namespace discosim::bench

#endif  // DISCOSIM_BENCH_JOIN_MODEL_H_
