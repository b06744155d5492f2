// Fuzz target: scenario file bytes -> parse and validate -> (when valid) run.
//
// What it holds the code to, beyond "no crash, leak, hang or sanitizer
// report":
//   - bad input is refused with InvalidArgument, and every line of the
//     message starts with `fuzz.yaml:LINE:COL: ` (the promised format);
//   - a scenario the parser accepted passes ValidateScenario again;
//   - a run ends (limits are small, so every run is short) either with one
//     result per expectation or with a non-empty error, and its reports
//     render.
// A broken rule aborts with a message naming it, which libFuzzer reports as
// a crash. Reproduce with `fuzz/run scenario FILE` or, in any build,
// `build/fuzz/scenario_fuzzer FILE`.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "sim/report/report.h"
#include "sim/scenario/parse.h"
#include "sim/scenario/run.h"
#include "sim/scenario/validate.h"

namespace {

namespace sc = ::discosim::scenario;

constexpr std::string_view kFileName = "fuzz.yaml";

[[noreturn]] void Broken(std::string_view rule, std::string_view detail) {
  std::fprintf(stderr, "scenario_fuzzer: rule broken: %.*s\n%.*s\n",
               static_cast<int>(rule.size()), rule.data(), static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

// Small limits: a fuzzed file may ask for anything, and one input must stay
// well under a millisecond or two to keep the fuzzer fast.
sc::ScenarioLimits FileLimits() {
  sc::ScenarioLimits limits;
  limits.max_file_bytes = 64 << 10;
  limits.max_nodes = 12;
  limits.max_tables = 8;
  limits.max_timeline_steps = 64;
  limits.max_expectations = 64;
  return limits;
}

discosim::world::Limits RunLimits() {
  discosim::world::Limits limits;
  limits.max_events = 5'000;
  limits.max_time_ms = 48LL * 3600 * 1000;
  limits.max_queued_events = 20'000;
  limits.max_mailbox = 2'000;
  limits.max_nodes = 12;
  return limits;
}

// Every line of a refusal is `fuzz.yaml:LINE:COL: text`, LINE and COL >= 1.
bool LooksLikePositionedError(std::string_view line) {
  if (line.substr(0, kFileName.size() + 1) != std::string(kFileName) + ":") return false;
  line.remove_prefix(kFileName.size() + 1);
  for (int field = 0; field < 2; ++field) {
    size_t digits = 0;
    while (digits < line.size() && line[digits] >= '0' && line[digits] <= '9') ++digits;
    if (digits == 0 || digits > 9 || line[0] == '0' || digits >= line.size() ||
        line[digits] != ':') {
      return false;
    }
    line.remove_prefix(digits + 1);
  }
  return line.size() > 1 && line[0] == ' ';
}

// The closing line when more than 50 mistakes were found.
bool LooksLikeDroppedCount(std::string_view line) {
  return line.substr(0, kFileName.size() + 2) == std::string(kFileName) + ": " &&
         line.find(" more mistakes not shown") != std::string_view::npos;
}

void CheckRefusal(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kInvalidArgument) {
    Broken("a bad file is refused with InvalidArgument", status.ToString());
  }
  const std::string message(status.message());
  std::string_view rest = message;
  while (!rest.empty()) {
    const size_t end = std::min(rest.find('\n'), rest.size());
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(std::min(end + 1, rest.size()));
    if (!LooksLikePositionedError(line) && !LooksLikeDroppedCount(line)) {
      Broken("every error line is FILE:LINE:COL: message", message);
    }
  }
}

void RunValid(const sc::Scenario& scenario) {
  if (absl::Status again = sc::ValidateScenario(scenario, FileLimits()); !again.ok()) {
    Broken("a parsed scenario passes ValidateScenario", std::string(again.message()));
  }
  sc::RunOptions options;
  options.limits = RunLimits();
  absl::StatusOr<sc::ScenarioRun> run = sc::RunScenario(scenario, options);
  if (!run.ok()) {
    if (run.status().message().empty()) Broken("a stopped run says why", run.status().ToString());
    return;
  }
  if (run->results.size() != scenario.expectations.size()) {
    Broken("a run judges every expectation", scenario.name);
  }
  const std::vector<const sc::ScenarioRun*> runs = {&*run};
  if (::discosim::report::TextLines(*run).empty() && !scenario.expectations.empty()) {
    Broken("the text report has a line per expectation", scenario.name);
  }
  if (::discosim::report::JsonReport(runs).empty() ||
      ::discosim::report::JunitReport(runs).empty()) {
    Broken("json and junit reports render", scenario.name);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<sc::Scenario> scenario = sc::ParseScenario(text, kFileName, FileLimits());
  if (!scenario.ok()) {
    CheckRefusal(scenario.status());
    return 0;
  }
  RunValid(*scenario);
  return 0;
}
