// The batch of runs (batch.h) on the fuzzer's parallel runner.
#include "sim/stats/batch.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace discosim::stats {

std::vector<uint64_t> ShardSeeds(const BatchOptions& o, size_t plan, size_t plans) {
  std::vector<uint64_t> seeds;
  for (uint64_t i : fuzz::ShardIndexes(o.seeds * plans, o.shard.index, o.shard.count)) {
    if (i / o.seeds == plan) seeds.push_back(o.first_seed + i % o.seeds);
  }
  return seeds;
}

std::vector<std::vector<RunRecord>> RunBatch(const std::vector<const Plan*>& plans,
                                             const BatchOptions& o, std::ostream& err) {
  std::vector<std::vector<RunRecord>> records(plans.size());
  if (o.seeds == 0 || plans.empty()) return records;
  uint64_t stopped = 0;
  fuzz::ParallelOptions p;
  p.jobs = std::max(1, o.jobs);
  p.shard = o.shard;
  p.runs = o.seeds * plans.size();
  p.progress = o.progress;
  p.label = o.label;
  p.unit = "runs";
  fuzz::RunParallel(
      p,
      [&](uint64_t index) -> fuzz::Commit {
        const size_t plan = static_cast<size_t>(index / o.seeds);
        RunRecord r = RunOnce(*plans[plan], o.first_seed + index % o.seeds, o.limits);
        return [&records, &stopped, plan, r = std::move(r)](fuzz::Progress&) mutable {
          if (r.stopped) ++stopped;
          records[plan].push_back(std::move(r));
        };
      },
      [&stopped] { return stopped ? absl::StrCat("  stopped at a limit ", stopped) : std::string(); },
      err);
  for (std::vector<RunRecord>& runs : records) {
    std::sort(runs.begin(), runs.end(),
              [](const RunRecord& a, const RunRecord& b) { return a.seed < b.seed; });
  }
  return records;
}

}  // namespace discosim::stats
