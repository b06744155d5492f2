// A fuzzing campaign: the cases of a seed (or of one shard of it) run on
// worker threads (parallel.h), each failure shrunk and written as a scenario file, with a
// progress line and a summary. This is `discosim fuzz`.
//
// Case i of campaign seed S is GenerateCase(CaseSeed(S, i)). Shard K of M
// (1-based K) runs the cases i with i % M == K - 1, so M shards of one seed
// split the cases with no overlap, and the same seed and shard always run
// the same cases (which of them fit in a --budget depends on the machine).
//
//   CampaignOptions options;
//   options.seed = 7;
//   options.runs = 1000;
//   CampaignSummary summary = RunCampaign(options, std::cout, std::cerr);
#ifndef DISCOSIM_SIM_FUZZ_CAMPAIGN_H_
#define DISCOSIM_SIM_FUZZ_CAMPAIGN_H_

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "sim/fuzz/check.h"
#include "sim/fuzz/fuzz_case.h"
#include "sim/fuzz/parallel.h"  // ShardIndexes, the runner under the campaign

namespace discosim::fuzz {

struct CampaignOptions {
  uint64_t seed = 1;
  std::optional<uint64_t> runs;        // cases over all shards; none: until the budget
  std::optional<uint64_t> only_case;   // run just this case index (replaying one)
  int jobs = 1;                        // worker threads
  int shard = 1;                       // K of --shard K/M, 1-based
  int shards = 1;                      // M
  std::optional<absl::Duration> budget;  // stop starting cases after this
  std::string out_dir;                 // failing cases are written here ("" : not written)
  uint64_t determinism_every = 10;     // run every Nth case twice (0: never)
  bool progress = false;               // a \r progress line on `err`
  bool shrink = true;
  bool list_cases = false;             // one line per case on `out`: verdict, events, time
  bool write_all = false;              // also write passing cases (as generated) to out_dir
  GenOptions gen;
  CheckOptions check;
  MinimizeOptions minimize;
};

struct CampaignFailure {
  uint64_t index = 0;
  uint64_t case_seed = 0;
  CaseResult result;       // of the case as generated
  std::string file;        // where the reproducer was written ("" if not)
  std::string summary;     // Summary() of the minimal case
  bool replays = false;
};

struct CampaignSummary {
  uint64_t cases = 0;
  uint64_t passed = 0;
  uint64_t too_many_events = 0;
  uint64_t known_findings = 0;  // CaseResult::Kind::kKnownFinding: not failures
  uint64_t errors = 0;
  uint64_t events = 0;
  double seconds = 0;
  std::map<std::string, uint64_t> failed_by_property;
  std::vector<CampaignFailure> failures;  // in case order
  bool stopped_by_budget = false;
};

// Runs the campaign. Failures are reported on `out` as they happen; the
// summary is printed at the end. REQUIRES: 1 <= shard <= shards, jobs >= 1.
CampaignSummary RunCampaign(const CampaignOptions& options, std::ostream& out, std::ostream& err);

// The summary as printed at the end of a campaign.
std::string SummaryText(const CampaignOptions& options, const CampaignSummary& summary);

}  // namespace discosim::fuzz

#endif  // DISCOSIM_SIM_FUZZ_CAMPAIGN_H_
