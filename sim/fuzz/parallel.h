// Running the numbered cases of a batch on worker threads, shardable across
// machines, with a progress line: the machinery under `discosim fuzz` and
// `discosim stats` / `discosim sweep`.
//
// Cases are numbered 0, 1, 2, ... Shard K of M (1-based K) runs the cases i
// with i % M == K - 1, so M shards of one batch split its cases with no
// overlap and no gap, and the same arguments always run the same cases.
// Worker threads take the shard's cases in order from one atomic counter.
// A case runs with no lock held and must share nothing with other cases; it
// hands back a Commit, which the runner calls under its one lock, one at a
// time, in the order cases finish. Whatever must not depend on the number
// of jobs (a report, a summary) is built from the commits by case index.
//
//   ParallelOptions options;
//   options.runs = 100;
//   options.jobs = 2;
//   std::vector<int> events(100);
//   RunParallel(options, [&](uint64_t i) -> Commit {
//     const int n = RunOne(i);                       // on a worker, unlocked
//     return [&events, i, n](Progress&) { events[i] = n; };  // under the lock
//   }, nullptr, std::cerr);
#ifndef DISCOSIM_SIM_FUZZ_PARALLEL_H_
#define DISCOSIM_SIM_FUZZ_PARALLEL_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace discosim::fuzz {

// --shard K/M: this machine runs part K of M.
struct Shard {
  int index = 1;  // K, from 1
  int count = 1;  // M
};

// Reads "K/M" with 1 <= K <= M. The error says what was expected.
absl::StatusOr<Shard> ParseShard(std::string_view text);

// The case indexes of shard `shard` of `shards` among [0, runs), in order.
std::vector<uint64_t> ShardIndexes(uint64_t runs, int shard, int shards);

struct ParallelOptions {
  int jobs = 1;                           // worker threads
  Shard shard;
  std::optional<uint64_t> runs;           // cases over all shards; none: until the budget
  std::optional<uint64_t> only_case;      // run just this case index
  std::optional<absl::Duration> budget;   // stop starting cases after this wall time
  bool progress = false;                  // a \r progress line on `err` (for a terminal)
  std::string label = "fuzz";             // the progress line's first word
  std::string unit = "cases";             // what it counts
};

// The progress line, as a commit sees it: a commit that prints calls Clear()
// first, so its text does not land in the middle of the line.
class Progress {
 public:
  Progress(std::ostream& err, bool shown) : err_(err), shown_(shown) {}
  void Clear();

 private:
  std::ostream& err_;
  bool shown_;
};

// What a finished case reports, called under the runner's lock.
using Commit = std::function<void(Progress&)>;
// Runs case `index` on a worker thread, with no lock held.
using RunCase = std::function<Commit(uint64_t index)>;
// Text appended to the progress line (called under the lock), e.g. "  failed 2".
using ProgressNote = std::function<std::string()>;

struct ParallelRun {
  uint64_t cases = 0;  // cases run (and committed)
  double seconds = 0;  // wall time of the whole batch
  bool stopped_by_budget = false;
};

// Runs the cases of `options` (REQUIRES jobs >= 1, 1 <= shard.index <=
// shard.count); `note` may be empty. The progress line, when on, shows
// "LABEL: DONE/TOTAL UNIT  RATE/s  ETA M:SS" and the note, every 250 ms.
ParallelRun RunParallel(const ParallelOptions& options, const RunCase& run,
                        const ProgressNote& note, std::ostream& err);

// "1:05" or "2:03:04" for a number of seconds (the progress line's ETA).
std::string ClockText(double seconds);

}  // namespace discosim::fuzz

#endif  // DISCOSIM_SIM_FUZZ_PARALLEL_H_
