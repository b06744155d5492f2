// Side-by-side verdicts (compare.h).
#include "real/compare.h"

#include "absl/strings/str_cat.h"
#include "sim/scenario/duration.h"

namespace discosim::real {
namespace {

std::string Verdict(const scenario::ExpectationResult& r) {
  std::string text = absl::StrCat(r.passed ? "PASS" : "FAIL", " at ",
                                  scenario::FormatDurationMs(r.at_ms));
  if (r.late_ms > 0) absl::StrAppend(&text, " (", scenario::FormatDurationMs(r.late_ms), " late)");
  if (!r.passed) absl::StrAppend(&text, ": ", r.observed);
  return text;
}

std::string Signed(int64_t ms) {
  return ms < 0 ? absl::StrCat("-", scenario::FormatDurationMs(-ms))
                : absl::StrCat("+", scenario::FormatDurationMs(ms));
}

}  // namespace

std::vector<CompareRow> CompareRuns(const scenario::ScenarioRun& simulated,
                                    const scenario::ScenarioRun& real) {
  std::vector<CompareRow> rows;
  for (size_t i = 0; i < simulated.results.size() && i < real.results.size(); ++i) {
    CompareRow row;
    row.expectation = simulated.results[i].expectation;
    row.simulated = simulated.results[i];
    row.real = real.results[i];
    row.agree = row.simulated.passed == row.real.passed;
    row.difference_ms = row.real.at_ms - row.simulated.at_ms;
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string CompareText(const scenario::ScenarioRun& simulated,
                        const std::vector<CompareRow>& rows) {
  std::string out;
  for (const CompareRow& row : rows) {
    absl::StrAppend(&out, row.agree ? "AGREE   " : "DIFFER  ", simulated.scenario->name, "  ",
                    row.expectation->as_written, "\n        simulated: ", Verdict(row.simulated),
                    "\n        real:      ", Verdict(row.real), "\n        real - simulated: ",
                    Signed(row.difference_ms), "\n");
  }
  return out;
}

}  // namespace discosim::real
