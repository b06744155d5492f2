// Reporting scenario runs: the human text (one line per expectation, then
// `N passed, N failed`), JSON and JUnit XML for machines. All three carry the
// same facts: scenario, file, seed, each expectation as written with its
// verdict, time and observed value.
#ifndef DISCOSIM_SIM_SCENARIO_REPORT_H_
#define DISCOSIM_SIM_SCENARIO_REPORT_H_

#include <string>
#include <string_view>
#include <vector>

#include "sim/scenario/run.h"

namespace discosim::scenario {

enum class ReportFormat { kText, kJson, kJunit };

// `text` safe inside XML or HTML text and attribute values (& < > " ').
std::string EscapeMarkup(std::string_view text);

// One PASS/FAIL line per expectation of one run (no summary line).
std::string TextLines(const ScenarioRun& run);
// The closing line over all runs: "N passed, N failed".
std::string SummaryLine(const std::vector<const ScenarioRun*>& runs);
std::string JsonReport(const std::vector<const ScenarioRun*>& runs);
std::string JunitReport(const std::vector<const ScenarioRun*>& runs);

}  // namespace discosim::scenario

#endif  // DISCOSIM_SIM_SCENARIO_REPORT_H_
