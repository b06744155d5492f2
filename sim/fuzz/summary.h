// A fuzzing campaign's summary for machines, and the merge of shards.
//
// Each `discosim fuzz` with an --out folder leaves FOLDER/summary.json
// (ReportJson): the campaign (seed, cases, shard count, the settings that
// make its cases), the shards it covers, the counts, and every failure with
// its reproducer file (named relative to the folder). `--format json|junit`
// prints the same summary, as JSON or as JUnit XML (one test case per
// property, each failure with its reproducer and the command replaying it).
// `discosim fuzz --merge DIR...` reads several shards' summary.json and
// combines them (MergeReports): the shards must be of one campaign and
// disjoint, and, for a campaign of a given number of cases, a shard that was
// not stopped by its budget must have run exactly its share (ShardIndexes).
//
//   FuzzReport r = ReportOf(options, summary);
//   WriteText(dir + "/summary.json", ReportJson(r));
//   absl::StatusOr<FuzzReport> back = ParseReportJson(text, dir);
//   absl::StatusOr<FuzzReport> all = MergeReports({*a, *b});
#ifndef DISCOSIM_SIM_FUZZ_SUMMARY_H_
#define DISCOSIM_SIM_FUZZ_SUMMARY_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/fuzz/campaign.h"

namespace discosim::fuzz {

inline constexpr char kSummaryFileName[] = "summary.json";

// What makes a campaign's cases: shards agree on all of it or cannot merge.
struct CampaignKey {
  uint64_t seed = 0;
  std::optional<uint64_t> runs;  // cases over all shards; none: until a budget
  int shards = 1;
  int max_nodes = 0;
  int max_faults = 0;
  int64_t max_horizon_ms = 0;
  bool prevent_everywhere = false;
  uint64_t max_events = 0;
  uint64_t determinism_every = 0;
  bool operator==(const CampaignKey&) const = default;
};

struct FuzzReport {
  CampaignKey campaign;
  std::set<int> shards;          // the shards (1-based) this summary covers
  std::set<int> budget_stopped;  // those a --budget stopped early
  CampaignSummary summary;       // failures' `file`s are paths as written or read
};

// The properties a campaign judges (membership, transitivity, liveness,
// determinism), in that order: the JUnit test cases.
std::vector<std::string> ReportedProperties();

FuzzReport ReportOf(const CampaignOptions& options, const CampaignSummary& summary);

// JSON (version 1). Reproducer files are written relative to `dir` when they
// lie in it (the summary.json of a campaign sits beside its reproducers).
std::string ReportJson(const FuzzReport& report, std::string_view dir = "");
// Reads ReportJson's text; relative reproducer files are put back under `dir`.
// `source` names the text in errors.
absl::StatusOr<FuzzReport> ParseReportJson(std::string_view text, std::string_view source,
                                           std::string_view dir);

// JUnit XML: one <testsuite> "discosim fuzz", a <testcase> per property with a
// <failure> listing its failing cases, and one "world" with an <error> per
// case the world refused.
std::string ReportJunit(const FuzzReport& report);

// The merged summary as text (what --merge prints by default).
std::string ReportText(const FuzzReport& report);

// The shards of one campaign, as one summary. Errors: no reports, a report of
// another campaign, a shard twice, a shard that ran more or fewer cases than
// its share, a shard missing (`require_all`).
absl::StatusOr<FuzzReport> MergeReports(const std::vector<FuzzReport>& reports, bool require_all);

}  // namespace discosim::fuzz

#endif  // DISCOSIM_SIM_FUZZ_SUMMARY_H_
