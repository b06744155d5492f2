// The statistics as text (a table for people), JSON (everything, with the
// run records, so shards can be merged) and CSV (one row per expectation
// and figure). Deterministic: the same Stats and records give the same
// bytes; no wall-clock time is written.
//
//   std::cout << TextReport(stats);
//   std::cout << JsonReport(stats, runs);
//   std::cout << CsvHeader({}) << CsvRows(stats, {});
#ifndef DISCOSIM_SIM_STATS_OUTPUT_H_
#define DISCOSIM_SIM_STATS_OUTPUT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "sim/stats/aggregate.h"
#include "sim/stats/runs.h"

namespace discosim::stats {

enum class OutputFormat { kText, kJson, kCsv };
// "text", "json", "csv"; none for another name.
std::optional<OutputFormat> OutputFormatNamed(const std::string& name);

// A time as scenario files write it ("2m12s930ms"), "never" for none.
std::string TimeText(const std::optional<int64_t>& ms);
// One bar per histogram bin (▁..█ scaled to the fullest bin, "·" for none).
std::string Sparkline(const Histogram& histogram);

std::string TextReport(const Stats& stats);

// The JSON document: the batch, the definitions used, every expectation's
// and figure's statistics (with histograms) and, for merging shards, every
// run record.
nlohmann::ordered_json StatsJson(const Stats& stats);
nlohmann::ordered_json RecordsJson(const std::vector<RunRecord>& runs);
std::string JsonReport(const Stats& stats, const std::vector<RunRecord>& runs);
// The run records of a JSON report, checked against the plan (same
// expectations and figures). Errors name what does not fit.
absl::StatusOr<std::vector<RunRecord>> RecordsFromJson(const nlohmann::json& records,
                                                       const Plan& plan);

// CSV: the header and one row per expectation and figure; `keys` are extra
// first columns (a sweep's varied keys) and `values` their values.
std::string CsvHeader(const std::vector<std::string>& keys);
std::string CsvRows(const Stats& stats, const std::vector<std::string>& values);
// `field` quoted for CSV when it must be (comma, quote, line break).
std::string CsvField(const std::string& field);

}  // namespace discosim::stats

#endif  // DISCOSIM_SIM_STATS_OUTPUT_H_
