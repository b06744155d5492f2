// The parallel runner: every case of the shard runs exactly once, whatever
// the number of jobs; commits see one case at a time; --shard is read strictly.
#include "sim/fuzz/parallel.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

namespace discosim::fuzz {
namespace {

std::multiset<uint64_t> Ran(int jobs, Shard shard, uint64_t runs) {
  std::multiset<uint64_t> ran;
  ParallelOptions o;
  o.jobs = jobs;
  o.shard = shard;
  o.runs = runs;
  std::ostringstream err;
  const ParallelRun run = RunParallel(
      o, [&ran](uint64_t index) -> Commit { return [&ran, index](Progress&) { ran.insert(index); }; },
      nullptr, err);
  EXPECT_EQ(run.cases, ran.size());
  EXPECT_TRUE(err.str().empty()) << "no progress line unless asked";
  return ran;
}

TEST(Parallel, RunsEachCaseOfTheShardOnce) {
  for (int jobs : {1, 2, 5}) {
    std::multiset<uint64_t> all;
    for (int k = 1; k <= 3; ++k) {
      for (uint64_t i : Ran(jobs, {k, 3}, 20)) {
        EXPECT_EQ(i % 3, static_cast<uint64_t>(k - 1));
        all.insert(i);
      }
    }
    std::multiset<uint64_t> want;
    for (uint64_t i = 0; i < 20; ++i) want.insert(i);
    EXPECT_EQ(all, want) << jobs << " jobs";
  }
}

TEST(Parallel, OnlyCaseRunsThatOne) {
  ParallelOptions o;
  o.jobs = 3;
  o.runs = 100;
  o.only_case = 42;
  std::vector<uint64_t> ran;
  std::ostringstream err;
  RunParallel(o, [&ran](uint64_t i) -> Commit { return [&ran, i](Progress&) { ran.push_back(i); }; },
              nullptr, err);
  EXPECT_EQ(ran, std::vector<uint64_t>{42});
}

TEST(Parallel, ParsesShardStrictly) {
  ASSERT_TRUE(ParseShard("2/4").ok());
  EXPECT_EQ(ParseShard("2/4")->index, 2);
  EXPECT_EQ(ParseShard("2/4")->count, 4);
  for (const char* bad : {"3/2", "0/2", "1/0", "1-2", "1/2x", "", "/2", "1/"}) {
    EXPECT_FALSE(ParseShard(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace discosim::fuzz
