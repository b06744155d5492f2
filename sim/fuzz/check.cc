// Running a case, judging its properties, and minimizing a failure (check.h).
#include "sim/fuzz/check.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "sim/fuzz/shrink.h"
#include "sim/fuzz/yaml_writer.h"
#include "sim/scenario/duration.h"
#include "sim/scenario/parse.h"
#include "sim/scenario/run.h"

namespace discosim::fuzz {
namespace {

struct Judged {
  CaseResult first;                       // the overall result
  std::vector<std::string> failed_props;  // every property with a broken expectation
};

Judged RunBuilt(const BuiltCase& built, const CheckOptions& options) {
  Judged out;
  CaseResult& r = out.first;
  scenario::RunOptions run_options;
  run_options.limits.max_events = options.max_events;
  absl::StatusOr<scenario::ScenarioRun> run = scenario::RunScenario(built.scenario, run_options);
  if (!run.ok()) {
    r.kind = absl::IsResourceExhausted(run.status()) ? CaseResult::Kind::kTooManyEvents
                                                     : CaseResult::Kind::kError;
    r.observed = std::string(run.status().message());
    if (r.kind == CaseResult::Kind::kTooManyEvents) r.events = options.max_events;
    return out;
  }
  r.events = run->run.events;
  r.trace_hash = run->world->TraceHash();
  r.stale_merges = run->world->counters().stale_merges;
  for (size_t i = 0; i < run->results.size(); ++i) {
    const scenario::ExpectationResult& e = run->results[i];
    if (e.passed) continue;
    const std::string& property =
        built.property_names[static_cast<size_t>(built.property_of_expectation[i])];
    if (r.kind == CaseResult::Kind::kPassed) {
      r.kind = CaseResult::Kind::kFailed;
      r.property = property;
      r.expectation = ExpectationYaml(*e.expectation);
      r.observed = e.observed;
      r.at_ms = e.at_ms;
    }
    out.failed_props.push_back(property);
  }
  const bool only_liveness =
      !out.failed_props.empty() &&
      std::all_of(out.failed_props.begin(), out.failed_props.end(),
                  [](const std::string& p) { return p == kLiveness; });
  if (only_liveness && r.stale_merges > 0) {
    r.kind = CaseResult::Kind::kKnownFinding;
    r.observed = absl::StrCat("after a stale merge: ", r.observed);
  }
  if (options.determinism && r.kind == CaseResult::Kind::kPassed) {
    absl::StatusOr<scenario::ScenarioRun> again = scenario::RunScenario(built.scenario, run_options);
    const uint64_t hash = again.ok() ? again->world->TraceHash() : 0;
    if (!again.ok() || hash != r.trace_hash) {
      r.kind = CaseResult::Kind::kFailed;
      r.property = kDeterminism;
      r.observed = absl::StrCat("trace hash ", absl::Hex(r.trace_hash), " then ", absl::Hex(hash));
      out.failed_props.push_back(kDeterminism);
    }
  }
  return out;
}

std::string Describe(const Reproducer& r, const CaseResult& original, const FuzzCase& failing,
                     const Bounds& b, const std::string& origin) {
  using scenario::FormatDurationMs;
  std::string text = absl::StrCat(
      origin, ": property ", r.result.property, " broke. ");
  if (r.result.property == kDeterminism) {
    absl::StrAppend(&text, "Two runs of this file gave different trace hashes (", r.result.observed,
                    "); replay it twice with discosim run --format json and compare trace_hash. ");
  } else {
    absl::StrAppend(&text, "Broken: ", r.result.expectation, " at ", FormatDurationMs(r.result.at_ms),
                    ", observed: ", r.result.observed, ". ");
  }
  absl::StrAppend(
      &text, "Case: ", Summary(r.minimal), " (shrunk in ", r.steps, " steps from ",
      Summary(failing), "; first seen as: ", original.observed, "). Bounds: one discovery round ",
      FormatDurationMs(b.round_ms), " (longest check interval + 2 x backend + ping + sync + join task),",
      " liveness ", FormatDurationMs(b.liveness_ms), " = 2 x round + 10s, settle ",
      FormatDurationMs(b.settle_ms), " = 1.25 x net_ticktime + N x rtt + 1s + liveness;",
      " every fault healed and backends healthy at ", FormatDurationMs(b.healed_at_ms), ".");
  return text;
}

// Parses and runs the written file: does it fail `property` again?
bool Replays(const Reproducer& r, const BuiltCase& built, const CheckOptions& check) {
  absl::StatusOr<scenario::Scenario> parsed = scenario::ParseScenario(r.yaml, r.name + ".yaml");
  if (!parsed.ok()) return false;
  BuiltCase again;
  again.scenario = std::move(*parsed);
  again.property_names = {r.result.property};
  again.property_of_expectation.assign(again.scenario.expectations.size(), 0);
  (void)built;
  Judged judged = RunBuilt(again, check);
  if (r.result.property == kDeterminism) return true;  // a second process is the real replay
  return judged.first.kind == CaseResult::Kind::kFailed &&
         judged.first.trace_hash == r.result.trace_hash;
}

}  // namespace

const char* ToString(CaseResult::Kind kind) {
  switch (kind) {
    case CaseResult::Kind::kPassed: return "passed";
    case CaseResult::Kind::kFailed: return "failed";
    case CaseResult::Kind::kTooManyEvents: return "too many events";
    case CaseResult::Kind::kKnownFinding: return "known finding";
    case CaseResult::Kind::kError: return "error";
  }
  return "?";
}

CaseResult CheckCase(const FuzzCase& c, const std::vector<Property>& properties,
                     const CheckOptions& options) {
  return RunBuilt(BuildCase(c, properties), options).first;
}

bool Fails(const FuzzCase& c, const std::vector<Property>& properties, const std::string& property,
           const CheckOptions& check) {
  CheckOptions options = check;
  options.determinism = property == kDeterminism;
  Judged judged = RunBuilt(BuildCase(c, properties), options);
  if (judged.first.kind == CaseResult::Kind::kKnownFinding) return false;
  for (const std::string& p : judged.failed_props) {
    if (p == property) return true;
  }
  return false;
}

Reproducer Minimize(const FuzzCase& failing, const std::vector<Property>& properties,
                    const CaseResult& failed, const CheckOptions& check,
                    const MinimizeOptions& options, const std::string& name,
                    const std::string& origin) {
  Reproducer r;
  r.minimal = failing;
  r.name = name;
  const std::string& property = failed.property;
  const absl::Time deadline = absl::Now() + options.budget;
  bool progress = true;
  while (progress && r.attempts < options.max_attempts && absl::Now() < deadline) {
    progress = false;
    for (FuzzCase& candidate : ShrinkCandidates(r.minimal)) {
      if (r.attempts >= options.max_attempts || absl::Now() >= deadline) break;
      ++r.attempts;
      if (Fails(candidate, properties, property, check)) {
        r.minimal = std::move(candidate);
        ++r.steps;
        progress = true;
        break;
      }
    }
  }
  CheckOptions final_check = check;
  final_check.determinism = property == kDeterminism;
  BuiltCase built = BuildCase(r.minimal, properties);
  r.result = RunBuilt(built, final_check).first;
  // The minimal case may first break another property; report the one kept.
  if (r.result.property != property) {
    r.result.property = property;
    r.result.expectation.clear();
  }
  // Keep only the property's expectations; the timeline stays whole so the
  // run is the same one.
  scenario::Scenario& s = built.scenario;
  std::vector<scenario::Expectation> kept;
  for (size_t i = 0; i < s.expectations.size(); ++i) {
    if (built.property_names[static_cast<size_t>(built.property_of_expectation[i])] == property) {
      kept.push_back(std::move(s.expectations[i]));
    }
  }
  s.expectations = std::move(kept);
  // The first broken expectation of this property, for the description.
  {
    BuiltCase only;
    only.scenario = s;
    only.property_names = {property};
    only.property_of_expectation.assign(s.expectations.size(), 0);
    Judged judged = RunBuilt(only, final_check);
    if (judged.first.kind == CaseResult::Kind::kFailed) r.result = judged.first;
    r.result.property = property;
  }
  s.name = name;
  s.description = Describe(r, failed, failing, built.bounds, origin);
  r.yaml = WriteScenarioYaml(s);
  r.replays = Replays(r, built, check);
  return r;
}

}  // namespace discosim::fuzz
