// Aggregating run records into the statistics (aggregate.h).
#include "sim/stats/aggregate.h"

#include <algorithm>
#include <variant>

namespace discosim::stats {
namespace {

bool HasDecisionTime(const scenario::Qualifier& q) {
  return std::holds_alternative<scenario::ByQualifier>(q) ||
         std::holds_alternative<scenario::AfterHealQualifier>(q);
}

ExpectationStats ExpectationOver(const scenario::Expectation& e, size_t index,
                                 const std::vector<RunRecord>& runs) {
  ExpectationStats out;
  out.as_written = e.as_written;
  out.line = e.position.line;
  out.qualifier = std::string(scenario::QualifierKey(e.qualifier));
  std::vector<std::optional<int64_t>> decisions;
  for (const RunRecord& r : runs) {
    if (r.stopped) continue;
    const ExpectationOutcome& o = r.expectations[index];
    ++out.runs;
    if (o.passed) {
      ++out.passed;
    } else if (out.failed_seeds.size() < kFailedSeedsShown) {
      out.failed_seeds.push_back(r.seed);
    }
    decisions.push_back(o.decision_ms);
  }
  out.interval = Wilson(out.passed, out.runs);
  if (HasDecisionTime(e.qualifier)) out.decision = Summarize(decisions);
  return out;
}

}  // namespace

Stats Aggregate(const Plan& plan, const std::vector<RunRecord>& runs) {
  Stats s;
  s.scenario = plan.scenario.name;
  s.file = plan.scenario.source_file;
  s.runs = runs.size();
  for (const RunRecord& r : runs) {
    if (!r.stopped) {
      ++s.judged;
      if (std::all_of(r.expectations.begin(), r.expectations.end(),
                      [](const ExpectationOutcome& e) { return e.passed; })) {
        ++s.all_held;
      }
      continue;
    }
    if (s.stopped_seeds.empty()) s.first_stop = *r.stopped;
    s.stopped_seeds.push_back(r.seed);
  }
  s.all_held_interval = Wilson(s.all_held, s.judged);
  for (size_t i = 0; i < plan.written; ++i) {
    s.expectations.push_back(ExpectationOver(plan.scenario.expectations[i], i, runs));
  }
  for (size_t f = 0; f < plan.times.size(); ++f) {
    std::vector<std::optional<int64_t>> values;
    for (const RunRecord& r : runs) {
      if (!r.stopped) values.push_back(r.times[f]);
    }
    s.figures.push_back({plan.times[f].name, true, Summarize(values)});
  }
  for (size_t c = 0; c < kCountFigures; ++c) {
    std::vector<std::optional<int64_t>> values;
    for (const RunRecord& r : runs) {
      if (!r.stopped) values.push_back(r.counts[c]);
    }
    s.figures.push_back({kCountNames[c], false, Summarize(values)});
  }
  return s;
}

const FigureStats* FindFigure(const Stats& stats, const std::string& name) {
  for (const FigureStats& f : stats.figures) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

}  // namespace discosim::stats
