// Running plans under a range of seeds on the parallel runner of `discosim
// fuzz` (sim/fuzz/parallel.h): the runs of `discosim stats` (one plan) and
// of `discosim sweep` (one plan per grid point).
//
// Run i of the batch is plan i / seeds under seed first_seed + i % seeds;
// --shard K/M runs the i with i % M == K - 1. Each run is independent, and
// the records come back by plan, in seed order, so what is built from them
// depends only on the arguments, not on the number of jobs or on timing.
//
//   BatchOptions o;
//   o.seeds = 100;
//   std::vector<std::vector<RunRecord>> runs = RunBatch({&plan}, o, std::cerr);
#ifndef DISCOSIM_SIM_STATS_BATCH_H_
#define DISCOSIM_SIM_STATS_BATCH_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "sim/fuzz/parallel.h"
#include "sim/stats/runs.h"
#include "sim/world/config.h"

namespace discosim::stats {

struct BatchOptions {
  uint64_t first_seed = 1;
  uint64_t seeds = 100;  // per plan
  int jobs = 1;
  fuzz::Shard shard;
  bool progress = false;  // the runner's progress line on `err`
  std::string label = "stats";
  world::Limits limits;
};

// The seeds this shard runs for each plan, in order.
std::vector<uint64_t> ShardSeeds(const BatchOptions& options, size_t plan, size_t plans);

// The records of each plan, in seed order (this shard's seeds only).
std::vector<std::vector<RunRecord>> RunBatch(const std::vector<const Plan*>& plans,
                                             const BatchOptions& options, std::ostream& err);

}  // namespace discosim::stats

#endif  // DISCOSIM_SIM_STATS_BATCH_H_
