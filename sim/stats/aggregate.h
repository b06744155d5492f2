// The statistics of a set of runs of one plan: per written expectation its
// pass rate (Wilson 95%), decision-time distribution and a few failing
// seeds; per figure (the times of runs.h, then the counts) its
// distribution. What `discosim stats` prints, in every format.
//
//   Stats s = Aggregate(plan, runs);   // runs in seed order
#ifndef DISCOSIM_SIM_STATS_AGGREGATE_H_
#define DISCOSIM_SIM_STATS_AGGREGATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/fuzz/parallel.h"
#include "sim/stats/runs.h"
#include "sim/stats/statistics.h"

namespace discosim::stats {

// How many failing seeds an expectation lists (to replay with `discosim run --seed`).
inline constexpr size_t kFailedSeedsShown = 3;

struct ExpectationStats {
  std::string as_written;
  int line = 0;
  std::string qualifier;  // "by", "at", "after_heal", ...
  uint64_t runs = 0;      // runs that were judged (stopped runs are not)
  uint64_t passed = 0;
  Interval interval;      // Wilson 95%
  std::vector<uint64_t> failed_seeds;  // the first kFailedSeedsShown, in seed order
  std::optional<Summary> decision;     // by and after_heal only
};

struct FigureStats {
  std::string name;
  bool time = true;  // virtual milliseconds; else a count
  Summary summary;
};

struct Stats {
  std::string scenario;  // its name
  std::string file;
  // The batch (set by the caller): seeds first_seed .. first_seed + seeds - 1, this shard of them.
  uint64_t first_seed = 1;
  uint64_t seeds = 0;
  fuzz::Shard shard;
  uint64_t runs = 0;     // records given, stopped ones included
  std::vector<uint64_t> stopped_seeds;  // in seed order
  std::string first_stop;               // why the first of them stopped
  // Runs judged (not stopped), and those in which every written expectation held.
  uint64_t judged = 0;
  uint64_t all_held = 0;
  Interval all_held_interval;  // Wilson 95%
  std::vector<ExpectationStats> expectations;
  std::vector<FigureStats> figures;  // plan.times, then kCountNames
};

// REQUIRES: every record comes from RunOnce(plan, ...).
Stats Aggregate(const Plan& plan, const std::vector<RunRecord>& runs);

// The figure called `name`, or nullptr.
const FigureStats* FindFigure(const Stats& stats, const std::string& name);

}  // namespace discosim::stats

#endif  // DISCOSIM_SIM_STATS_AGGREGATE_H_
