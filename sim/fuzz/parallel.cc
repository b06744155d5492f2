// The parallel case runner (parallel.h): worker threads, one atomic counter
// over the shard's cases, one lock for commits and the progress line.
#include "sim/fuzz/parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace discosim::fuzz {
namespace {

constexpr char kClearLine[] = "\r\x1b[2K";

class Runner {
 public:
  Runner(const ParallelOptions& options, const RunCase& run, const ProgressNote& note,
         std::ostream& err)
      : o_(options), run_(run), note_(note), err_(err), start_(absl::Now()) {
    if (o_.only_case) {
      total_ = 1;
    } else if (o_.runs) {
      total_ = ShardIndexes(*o_.runs, o_.shard.index, o_.shard.count).size();
    }
  }

  ParallelRun Run() {
    const int jobs = std::max(1, o_.jobs);
    std::vector<std::thread> workers;
    for (int j = 0; j < jobs; ++j) workers.emplace_back([this] { Work(); });
    if (o_.progress) ProgressLoop(jobs);
    for (std::thread& t : workers) t.join();
    if (o_.progress) {
      std::lock_guard<std::mutex> lock(mu_);
      err_ << kClearLine << std::flush;
    }
    result_.seconds = absl::ToDoubleSeconds(absl::Now() - start_);
    return result_;
  }

 private:
  // The case index at position `k` of this shard's sequence, if any.
  std::optional<uint64_t> IndexAt(uint64_t k) const {
    if (o_.only_case) return k == 0 ? o_.only_case : std::nullopt;
    const uint64_t index = k * static_cast<uint64_t>(o_.shard.count) +
                           static_cast<uint64_t>(o_.shard.index - 1);
    if (o_.runs && index >= *o_.runs) return std::nullopt;
    return index;
  }

  bool OverBudget() const { return o_.budget && absl::Now() - start_ >= *o_.budget; }

  void Work() {
    while (true) {
      if (OverBudget()) {
        std::lock_guard<std::mutex> lock(mu_);
        result_.stopped_by_budget = true;
        break;
      }
      std::optional<uint64_t> index = IndexAt(next_.fetch_add(1));
      if (!index) break;
      Commit commit = run_(*index);
      std::lock_guard<std::mutex> lock(mu_);
      Progress progress(err_, o_.progress);
      if (commit) commit(progress);
      ++result_.cases;
      done_.notify_all();
    }
    std::lock_guard<std::mutex> lock(mu_);
    ++finished_workers_;
    done_.notify_all();
  }

  void ProgressLoop(int jobs) {
    std::unique_lock<std::mutex> lock(mu_);
    while (finished_workers_ < jobs) {
      done_.wait_for(lock, std::chrono::milliseconds(250));
      const double elapsed = absl::ToDoubleSeconds(absl::Now() - start_);
      const double rate = elapsed > 0 ? static_cast<double>(result_.cases) / elapsed : 0;
      std::optional<double> left;
      if (total_ && rate > 0) left = static_cast<double>(*total_ - result_.cases) / rate;
      if (o_.budget) {
        const double budget_left = std::max(0.0, absl::ToDoubleSeconds(*o_.budget) - elapsed);
        left = left ? std::min(*left, budget_left) : budget_left;
      }
      err_ << kClearLine << o_.label << ": " << result_.cases
           << (total_ ? absl::StrCat("/", *total_) : std::string()) << " " << o_.unit << "  "
           << absl::StrFormat("%.1f", rate) << "/s  ETA " << (left ? ClockText(*left) : "?")
           << (note_ ? note_() : std::string()) << std::flush;
    }
  }

  const ParallelOptions& o_;
  const RunCase& run_;
  const ProgressNote& note_;
  std::ostream& err_;
  const absl::Time start_;
  std::optional<uint64_t> total_;
  std::atomic<uint64_t> next_{0};
  std::mutex mu_;
  std::condition_variable done_;
  int finished_workers_ = 0;
  ParallelRun result_;
};

}  // namespace

void Progress::Clear() {
  if (shown_) err_ << kClearLine << std::flush;
}

absl::StatusOr<Shard> ParseShard(std::string_view text) {
  Shard shard;
  char slash = 0;
  std::istringstream in{std::string(text)};
  if (!(in >> shard.index >> slash >> shard.count) || slash != '/' || !in.eof() ||
      shard.count < 1 || shard.index < 1 || shard.index > shard.count) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected K/M with 1 <= K <= M, like 2/4; got \"", std::string(text), "\""));
  }
  return shard;
}

std::vector<uint64_t> ShardIndexes(uint64_t runs, int shard, int shards) {
  std::vector<uint64_t> indexes;
  for (uint64_t i = static_cast<uint64_t>(shard - 1); i < runs; i += static_cast<uint64_t>(shards)) {
    indexes.push_back(i);
  }
  return indexes;
}

ParallelRun RunParallel(const ParallelOptions& options, const RunCase& run,
                        const ProgressNote& note, std::ostream& err) {
  return Runner(options, run, note, err).Run();
}

std::string ClockText(double seconds) {
  const int64_t s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return absl::StrFormat("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  return absl::StrFormat("%d:%02d", s / 60, s % 60);
}

}  // namespace discosim::fuzz
