// Writing a `Scenario` (sim/scenario/scenario.h) back out as a scenario file
// (docs/scenario-format.md), so that a scenario built in code -- a fuzzed
// case, a shrunk reproducer -- can be saved and replayed with `discosim run`.
//
// The output is block-style YAML at the top, with each node, timeline step and
// expectation on one line in flow style, like the hand-written files in
// scenarios/. Its contract: for every scenario that ValidateScenario accepts,
// ParseScenario(WriteScenarioYaml(s)) succeeds and yields a scenario equal to
// `s` in everything that changes a run or its verdicts (positions and
// `as_written` texts are the parser's own). Setting keys equal to the
// built-in defaults are left out; a backend `nodes` of "every declared node"
// inside an override or a backend step is written as the full list.
//
// Usage:
//   std::string yaml = WriteScenarioYaml(scenario);
//   absl::StatusOr<Scenario> again = ParseScenario(yaml, "again.yaml");
#ifndef DISCOSIM_SIM_FUZZ_YAML_WRITER_H_
#define DISCOSIM_SIM_FUZZ_YAML_WRITER_H_

#include <string>
#include <string_view>

#include "sim/scenario/scenario.h"

namespace discosim::fuzz {

// The scenario file text of `scenario`. REQUIRES: ValidateScenario(scenario) is OK.
std::string WriteScenarioYaml(const scenario::Scenario& scenario);

// `text` as a YAML scalar that reads back as the same string: plain when that
// is safe (a name-like word that YAML does not read as a number, boolean or
// null), double-quoted with escapes otherwise.
std::string YamlString(std::string_view text);

// One expectation / one timeline step in flow style, as the file has it:
// `{by: 3m, ready: all}`, `{at: 1m, stop: [a@h1]}`.
std::string ExpectationYaml(const scenario::Expectation& expectation);
std::string StepYaml(const scenario::TimelineStep& step);

// `text` double-quoted, with `"`, `\` and control characters escaped.
std::string YamlQuoted(std::string_view text);

}  // namespace discosim::fuzz

#endif  // DISCOSIM_SIM_FUZZ_YAML_WRITER_H_
