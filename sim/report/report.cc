// Text, JSON and JUnit renderings of scenario runs.
#include "sim/report/report.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sim/scenario/duration.h"

namespace discosim::report {
namespace {

using scenario::ExpectationResult;
using scenario::FormatDurationMs;
using scenario::ScenarioRun;

int Count(const std::vector<const ScenarioRun*>& runs, bool passed) {
  int n = 0;
  for (const ScenarioRun* run : runs) n += passed ? run->passed() : run->failed();
  return n;
}

}  // namespace

std::optional<ReportFormat> ReportFormatNamed(std::string_view name) {
  for (const auto& [known, format] : kReportFormatNames) {
    if (known == name) return format;
  }
  return std::nullopt;
}

std::string_view ToString(ReportFormat format) {
  for (const auto& [name, known] : kReportFormatNames) {
    if (known == format) return name;
  }
  return "?";
}

std::string EscapeMarkup(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string TextLines(const ScenarioRun& run) {
  std::string out;
  for (const ExpectationResult& r : run.results) {
    if (r.passed) {
      absl::StrAppend(&out, "PASS  ", run.scenario->name, "  ", r.expectation->as_written,
                      "  (at ", FormatDurationMs(r.at_ms),
                      r.late_ms > 0 ? absl::StrCat(", ", FormatDurationMs(r.late_ms),
                                                   " late: within the tolerance")
                                    : "",
                      ")\n");
    } else {
      absl::StrAppend(&out, "FAIL  ", run.scenario->name, "  ", r.expectation->as_written,
                      "  observed at ", FormatDurationMs(r.at_ms), ": ", r.observed, "  [",
                      r.expectation->position.file, ":", r.expectation->position.line, "]\n");
    }
  }
  return out;
}

std::string SummaryLine(const std::vector<const ScenarioRun*>& runs) {
  return absl::StrCat(Count(runs, true), " passed, ", Count(runs, false), " failed");
}

std::string JsonReport(const std::vector<const ScenarioRun*>& runs) {
  nlohmann::ordered_json doc;
  doc["passed"] = Count(runs, true);
  doc["failed"] = Count(runs, false);
  doc["scenarios"] = nlohmann::ordered_json::array();
  for (const ScenarioRun* run : runs) {
    nlohmann::ordered_json s;
    s["name"] = run->scenario->name;
    s["file"] = run->scenario->source_file;
    s["seed"] = run->seed;
    s["end_ms"] = run->end_ms;
    s["events"] = run->run.events;
    // A run on real nodes (real/) has no world and no trace.
    if (run->world != nullptr) s["trace_hash"] = absl::StrFormat("%016x", run->world->TraceHash());
    s["expectations"] = nlohmann::ordered_json::array();
    for (const ExpectationResult& r : run->results) {
      nlohmann::ordered_json e;
      e["expectation"] = r.expectation->as_written;
      e["line"] = r.expectation->position.line;
      e["column"] = r.expectation->position.column;
      e["passed"] = r.passed;
      e["at_ms"] = r.at_ms;
      if (r.late_ms > 0) e["late_ms"] = r.late_ms;
      if (!r.passed) e["observed"] = r.observed;
      s["expectations"].push_back(std::move(e));
    }
    doc["scenarios"].push_back(std::move(s));
  }
  return doc.dump(2) + "\n";
}

std::string ClosingReport(ReportFormat format, const std::vector<const ScenarioRun*>& runs) {
  switch (format) {
    case ReportFormat::kText: return SummaryLine(runs) + "\n";
    case ReportFormat::kJson: return JsonReport(runs);
    case ReportFormat::kJunit: return JunitReport(runs);
  }
  return "";
}

std::string JunitReport(const std::vector<const ScenarioRun*>& runs) {
  std::string out = absl::StrCat(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"discosim\" tests=\"",
      Count(runs, true) + Count(runs, false), "\" failures=\"", Count(runs, false), "\">\n");
  for (const ScenarioRun* run : runs) {
    absl::StrAppend(&out, "  <testsuite name=\"", EscapeMarkup(run->scenario->name), "\" tests=\"",
                    run->results.size(), "\" failures=\"", run->failed(), "\" file=\"",
                    EscapeMarkup(run->scenario->source_file), "\">\n");
    absl::StrAppend(&out, "    <properties><property name=\"seed\" value=\"", run->seed,
                    "\"/></properties>\n");
    for (const ExpectationResult& r : run->results) {
      absl::StrAppend(&out, "    <testcase classname=\"", EscapeMarkup(run->scenario->name),
                      "\" name=\"", EscapeMarkup(r.expectation->as_written), "\"");
      if (r.passed) {
        absl::StrAppend(&out, "/>\n");
      } else {
        absl::StrAppend(&out, ">\n      <failure message=\"",
                        EscapeMarkup(absl::StrCat("observed at ", FormatDurationMs(r.at_ms), ": ",
                                               r.observed)),
                        "\"/>\n    </testcase>\n");
      }
    }
    absl::StrAppend(&out, "  </testsuite>\n");
  }
  return out + "</testsuites>\n";
}

}  // namespace discosim::report
