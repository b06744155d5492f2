// Reporting scenario runs: the human text (one line per expectation, then
// `N passed, N failed`), JSON and JUnit XML for machines. All three carry the
// same facts: scenario, file, seed, each expectation as written with its
// verdict, time and observed value.
//
// Usage:
//   std::optional<ReportFormat> format = ReportFormatNamed("json");
//   std::cout << Report(*format, {&run});
#ifndef DISCOSIM_SIM_REPORT_REPORT_H_
#define DISCOSIM_SIM_REPORT_REPORT_H_

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/scenario/run.h"

namespace discosim::report {

enum class ReportFormat { kText, kJson, kJunit };

// The one table of format names (`discosim run --format NAME`), in the
// order the help text lists them.
inline constexpr std::array<std::pair<std::string_view, ReportFormat>, 3> kReportFormatNames = {{
    {"text", ReportFormat::kText},
    {"json", ReportFormat::kJson},
    {"junit", ReportFormat::kJunit},
}};
// The format called `name` in kReportFormatNames; none for any other name.
std::optional<ReportFormat> ReportFormatNamed(std::string_view name);
std::string_view ToString(ReportFormat format);

// `text` safe inside XML or HTML text and attribute values (& < > " ').
std::string EscapeMarkup(std::string_view text);

// One PASS/FAIL line per expectation of one run (no summary line).
std::string TextLines(const scenario::ScenarioRun& run);
// The closing line over all runs: "N passed, N failed".
std::string SummaryLine(const std::vector<const scenario::ScenarioRun*>& runs);
std::string JsonReport(const std::vector<const scenario::ScenarioRun*>& runs);
std::string JunitReport(const std::vector<const scenario::ScenarioRun*>& runs);
// What stdout carries once every run is done: for kText the summary line
// (the PASS/FAIL lines are printed as each run ends), else the whole document.
std::string ClosingReport(ReportFormat format,
                          const std::vector<const scenario::ScenarioRun*>& runs);

}  // namespace discosim::report

#endif  // DISCOSIM_SIM_REPORT_REPORT_H_
