// `discosim real` and `discosim compare` (real_commands.h).
#include "sim/cli/real_commands.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "sim/scenario/duration.h"
#include "sim/scenario/run.h"

#ifdef DISCOSIM_HAVE_REAL
#include "real/compare.h"
#include "real/runner.h"
#endif

namespace discosim::cli {
namespace {

enum ExitCode : int { kPassed = 0, kFailed = 1, kInvalid = 2, kAborted = 3 };

std::vector<std::string> FormatNames() {
  std::vector<std::string> names;
  for (const auto& [name, format] : report::kReportFormatNames) names.emplace_back(name);
  return names;
}

constexpr const char kRealHelp[] =
    "Run scenario files on real Erlang/OTP nodes with the real CETS, judged by the same\n"
    "expectations, in wall time. Each node is an Erlang VM on a loopback address of its own;\n"
    "partitions and cuts are nftables rules (root only), DNS answers come from a DNS server\n"
    "the run starts; everything it started is removed at exit, also on failure and Ctrl-C.\n"
    "A `by:` or `after_heal:` may pass up to --tolerance late (the line says so).\n"
    "Refused in real mode, with the key named: slow_connect, join_lock, hosts, cets,\n"
    "latency other than 1ms, connect_delay, dns_cache_ttl, non-whole-second tick/setup times.\n"
    "Example: sudo discosim real scenarios/real/partition-heal.yaml";
constexpr const char kCompareHelp[] =
    "Run each scenario simulated and real, and print every expectation with both verdicts,\n"
    "their decision times and the difference. Exit 0 only when every verdict agrees (a real\n"
    "pass within --tolerance counts as a pass), 1 when some differ.\n"
    "Example: sudo discosim compare scenarios/real/*.yaml";

#ifdef DISCOSIM_HAVE_REAL

std::atomic<bool> g_interrupted{false};

extern "C" void OnSignal(int) { g_interrupted = true; }

void CatchSignals() {
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGHUP, &action, nullptr);
}

std::optional<real::RealOptions> Options(const RealFlags& flags) {
  real::RealOptions options;
  absl::StatusOr<int64_t> tolerance = scenario::ParseDurationMs(flags.tolerance);
  absl::StatusOr<int64_t> poll = scenario::ParseDurationMs(flags.poll);
  if (!tolerance.ok()) {
    std::cerr << "--tolerance: " << tolerance.status().message() << "\n";
    return std::nullopt;
  }
  if (!poll.ok() || *poll < 1) {
    std::cerr << "--poll: " << (poll.ok() ? "must be 1ms or more" : poll.status().message()) << "\n";
    return std::nullopt;
  }
  options.late_ms = *tolerance;
  options.poll_interval_ms = *poll;
  options.keep_dir = flags.keep_dir;
  options.interrupted = &g_interrupted;
  options.log = flags.verbose ? &std::cerr : nullptr;
  return options;
}

// Loads every file and checks it can run for real; prints each problem.
std::optional<std::vector<scenario::Scenario>> LoadForReal(const RealFlags& flags) {
  std::vector<scenario::Scenario> scenarios;
  bool ok = true;
  for (const std::string& file : flags.files) {
    absl::StatusOr<scenario::Scenario> loaded = scenario::LoadScenarioFile(file, flags.limits);
    if (!loaded.ok()) {
      std::cerr << loaded.status().message() << "\n";
      ok = false;
      continue;
    }
    for (const std::string& problem : real::RealModeProblems(*loaded, geteuid() == 0)) {
      std::cerr << problem << "\n";
      ok = false;
    }
    scenarios.push_back(std::move(*loaded));
  }
  if (!ok) return std::nullopt;
  return scenarios;
}

int Compare(const std::vector<scenario::Scenario>& scenarios, const RealFlags& flags,
            const real::RealOptions& options) {
  int agree = 0, differ = 0;
  bool aborted = false;
  for (const scenario::Scenario& s : scenarios) {
    scenario::RunOptions sim_options;
    sim_options.seed = flags.seed;
    absl::StatusOr<scenario::ScenarioRun> simulated = scenario::RunScenario(s, sim_options);
    absl::StatusOr<scenario::ScenarioRun> real_run =
        simulated.ok() ? real::RunReal(s, options) : simulated.status();
    if (!simulated.ok() || !real_run.ok()) {
      const absl::Status& error = simulated.ok() ? real_run.status() : simulated.status();
      std::cerr << s.source_file << ": " << s.name << ": run stopped: " << error.message() << "\n";
      aborted = true;
      if (g_interrupted) break;
      continue;
    }
    std::vector<real::CompareRow> rows = real::CompareRuns(*simulated, *real_run);
    std::cout << real::CompareText(*simulated, rows) << std::flush;
    for (const real::CompareRow& row : rows) (row.agree ? agree : differ) += 1;
  }
  std::cout << agree << " agree, " << differ << " differ\n";
  if (aborted) return kAborted;
  return differ > 0 ? kFailed : kPassed;
}

int Real(const std::vector<scenario::Scenario>& scenarios, report::ReportFormat format,
         const real::RealOptions& options) {
  std::vector<scenario::ScenarioRun> runs;
  runs.reserve(scenarios.size());
  bool aborted = false;
  for (const scenario::Scenario& s : scenarios) {
    absl::StatusOr<scenario::ScenarioRun> run = real::RunReal(s, options);
    if (!run.ok()) {
      std::cerr << s.source_file << ": " << s.name << ": run stopped: " << run.status().message()
                << "\n";
      aborted = true;
      if (g_interrupted) break;
      continue;
    }
    if (format == report::ReportFormat::kText) std::cout << report::TextLines(*run) << std::flush;
    runs.push_back(std::move(*run));
  }
  std::vector<const scenario::ScenarioRun*> views;
  for (const auto& run : runs) views.push_back(&run);
  std::cout << report::ClosingReport(format, views);
  if (aborted) return kAborted;
  for (const auto& run : runs) {
    if (run.failed() > 0) return kFailed;
  }
  return kPassed;
}

#endif  // DISCOSIM_HAVE_REAL

}  // namespace

CLI::App* AddRealCommand(CLI::App& app, RealFlags& flags, bool compare) {
  CLI::App* cmd = app.add_subcommand(compare ? "compare" : "real", compare ? kCompareHelp : kRealHelp);
  cmd->add_option("FILE", flags.files, "Scenario files")->required()->check(CLI::ExistingFile);
  if (compare) {
    cmd->add_option("--seed", flags.seed, "The simulated run's seed instead of the file's");
  } else {
    cmd->add_option("--format", flags.format_name, "text (default), json or junit")
        ->check(CLI::IsMember(FormatNames()));
  }
  cmd->add_option("--tolerance", flags.tolerance,
                  "How late a by: or after_heal: may still pass, e.g. 500ms")
      ->capture_default_str();
  cmd->add_option("--poll", flags.poll, "Time between polls of the nodes")->capture_default_str();
  cmd->add_option("--keep-logs", flags.keep_dir,
                  "Keep the run's directory (each node's log, inetrc, nft log) here");
  cmd->add_flag("--verbose,-v", flags.verbose, "Print what the runner does on stderr");
  return cmd;
}

int RunRealCommand(const RealFlags& flags, bool compare) {
#ifdef DISCOSIM_HAVE_REAL
  std::optional<real::RealOptions> options = Options(flags);
  if (!options) return kInvalid;
  auto scenarios = LoadForReal(flags);
  if (!scenarios) return kInvalid;
  CatchSignals();
  if (compare) return Compare(*scenarios, flags, *options);
  return Real(*scenarios, *report::ReportFormatNamed(flags.format_name), *options);
#else
  (void)flags;
  std::cerr << (compare ? "compare" : "real") << ": real mode was not built: "
            << DISCOSIM_REAL_DISABLED_REASON
            << " (install erlang-nox and erlang-dev, or point DISCOSIM_CETS_SRC at a CETS tree, "
               "and configure again)\n";
  return kInvalid;
#endif
}

}  // namespace discosim::cli
