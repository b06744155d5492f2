// The `discosim` command line: check and run scenario files.
//
// Exit status: 0 every expectation passed; 1 some expectation failed; 2 a
// file is invalid or the command line is wrong (nothing was run); 3 a run
// was stopped by a limit or the world refused an action.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include <algorithm>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>

#include "absl/strings/str_cat.h"
#include "sim/cli/version.h"
#include "sim/fuzz/campaign.h"
#include "sim/fuzz/summary.h"
#include "sim/report/chrome_trace.h"
#include "sim/report/html_report.h"
#include "sim/report/report.h"
#include "sim/scenario/duration.h"
#include "sim/scenario/parse.h"
#include "sim/scenario/run.h"
#include "sim/cli/real_commands.h"
#include "sim/stats/commands.h"

namespace discosim::cli {
namespace {

enum ExitCode : int { kPassed = 0, kFailed = 1, kInvalid = 2, kAborted = 3 };

struct LimitFlags {
  scenario::ScenarioLimits file;
  world::Limits run;
  std::string max_virtual_time = "720h";
};

void AddLimitFlags(CLI::App& cmd, LimitFlags& limits) {
  cmd.add_option("--max-nodes", limits.file.max_nodes, "Refuse files declaring more nodes")
      ->capture_default_str()
      ->group("Limits");
  cmd.add_option("--max-tables", limits.file.max_tables, "Refuse files naming more tables")
      ->capture_default_str()
      ->group("Limits");
  cmd.add_option("--max-timeline-steps", limits.file.max_timeline_steps,
                 "Refuse files with more timeline steps")
      ->capture_default_str()
      ->group("Limits");
  cmd.add_option("--max-expectations", limits.file.max_expectations,
                 "Refuse files with more expectations")
      ->capture_default_str()
      ->group("Limits");
  cmd.add_option("--max-file-bytes", limits.file.max_file_bytes, "Refuse larger files unread")
      ->capture_default_str()
      ->group("Limits");
}

void AddRunLimitFlags(CLI::App& cmd, LimitFlags& limits) {
  cmd.add_option("--max-events", limits.run.max_events,
                 "Stop a run after this many events (exit 3)")
      ->capture_default_str()
      ->group("Limits");
  cmd.add_option("--max-virtual-time", limits.max_virtual_time,
                 "Stop a run whose virtual clock would pass this (exit 3), e.g. 2h")
      ->capture_default_str()
      ->group("Limits");
}

// Loads every file; prints each error; returns the scenarios if all are valid.
std::optional<std::vector<scenario::Scenario>> LoadAll(const std::vector<std::string>& files,
                                                       const scenario::ScenarioLimits& limits) {
  std::vector<scenario::Scenario> scenarios;
  bool all_valid = true;
  for (const std::string& file : files) {
    absl::StatusOr<scenario::Scenario> loaded = scenario::LoadScenarioFile(file, limits);
    if (!loaded.ok()) {
      std::cerr << loaded.status().message() << "\n";
      all_valid = false;
      continue;
    }
    scenarios.push_back(std::move(*loaded));
  }
  if (!all_valid) return std::nullopt;
  return scenarios;
}

int Check(const std::vector<std::string>& files, const LimitFlags& limits) {
  auto scenarios = LoadAll(files, limits.file);
  if (!scenarios) return kInvalid;
  for (const scenario::Scenario& s : *scenarios) {
    std::cout << "ok  " << s.source_file << "  (" << s.name << ": " << s.nodes.size()
              << " nodes, " << s.timeline.size() << " timeline steps, "
              << s.expectations.size() << " expectations)\n";
  }
  return kPassed;
}

struct RunFlags {
  std::vector<std::string> files;
  std::optional<uint64_t> seed;
  std::string format_name = "text";  // --format, one of report::kReportFormatNames
  report::ReportFormat format = report::ReportFormat::kText;  // the format it names
  std::string trace_file;
  std::string report_file;
  bool verbose = false;
  LimitFlags limits;
};

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) {
    std::cerr << path << ": cannot write\n";
    return false;
  }
  return true;
}

int Run(RunFlags& flags) {
  absl::StatusOr<int64_t> max_time_ms = scenario::ParseDurationMs(flags.limits.max_virtual_time);
  if (!max_time_ms.ok()) {
    std::cerr << "--max-virtual-time: " << max_time_ms.status().message() << "\n";
    return kInvalid;
  }
  flags.limits.run.max_time_ms = *max_time_ms;
  if (!flags.trace_file.empty() && flags.files.size() != 1) {
    std::cerr << "--trace writes one run: give exactly one scenario file\n";
    return kInvalid;
  }
  if (!flags.report_file.empty() && flags.files.size() != 1) {
    std::cerr << "--report writes one run: give exactly one scenario file\n";
    return kInvalid;
  }
  auto scenarios = LoadAll(flags.files, flags.limits.file);
  if (!scenarios) return kInvalid;

  scenario::RunOptions options;
  options.seed = flags.seed;
  options.limits = flags.limits.run;
  options.trace = (flags.verbose || !flags.trace_file.empty() || !flags.report_file.empty())
                      ? world::TraceMode::kKeepLines
                      : world::TraceMode::kHashOnly;
  std::vector<scenario::ScenarioRun> runs;
  runs.reserve(scenarios->size());
  bool aborted = false;
  for (const scenario::Scenario& s : *scenarios) {
    absl::StatusOr<scenario::ScenarioRun> run = scenario::RunScenario(s, options);
    if (!run.ok()) {
      std::cerr << s.source_file << ": " << s.name << ": run stopped: " << run.status().message()
                << "\n";
      aborted = true;
      continue;
    }
    if (flags.verbose) {
      for (const std::string& line : run->world->TraceLines()) std::cout << line << "\n";
    }
    if (flags.format == report::ReportFormat::kText) {
      std::cout << report::TextLines(*run) << std::flush;
    }
    runs.push_back(std::move(*run));
  }
  std::vector<const scenario::ScenarioRun*> views;
  for (const auto& run : runs) views.push_back(&run);
  std::cout << report::ClosingReport(flags.format, views);
  if (!flags.trace_file.empty() && !runs.empty()) {
    if (!WriteFile(flags.trace_file, report::ChromeTraceJson(runs.front()))) return kAborted;
  }
  if (!flags.report_file.empty() && !runs.empty()) {
    if (!WriteFile(flags.report_file, report::HtmlReport(runs.front()))) return kAborted;
  }
  if (aborted) return kAborted;
  for (const auto& run : runs) {
    if (run.failed() > 0) return kFailed;
  }
  return kPassed;
}

// --- discosim fuzz ---------------------------------------------------------

struct FuzzFlags {
  std::optional<uint64_t> runs;
  std::optional<uint64_t> seed;
  std::optional<uint64_t> only_case;
  int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string shard = "1/1";
  std::string budget;
  std::string out_dir = "fuzz-failures";
  std::string horizon = "1h";
  uint64_t determinism_every = 10;
  uint64_t max_events = 100'000;
  int max_nodes = fuzz::kMaxNodes;
  int max_faults = 12;
  bool no_shrink = false;
  bool list = false;
  bool write_all = false;
  bool prevent_everywhere = false;
  std::string format = "text";         // of the closing summary: text, json, junit
  std::vector<std::string> merge_dirs;  // --merge: combine these shards' summary.json
};

void AddFuzzFlags(CLI::App& cmd, FuzzFlags& f) {
  cmd.add_option("--runs", f.runs,
                 "Cases in the whole campaign, over all shards (default 1000; with --budget and "
                 "no --runs: until the budget)");
  cmd.add_option("--seed", f.seed, "Campaign seed; the same seed and shard give the same cases "
                                   "(default: drawn and printed)");
  cmd.add_option("--jobs,-j", f.jobs, "Worker threads (default: all cores)")->capture_default_str();
  cmd.add_option("--shard", f.shard,
                 "K/M: run the cases i with i % M == K-1, e.g. --shard 3/8 on the third of eight "
                 "machines")
      ->capture_default_str();
  cmd.add_option("--budget", f.budget, "Stop starting cases after this wall time, e.g. 60s or 10m");
  cmd.add_option("--out", f.out_dir, "Write each failing case, shrunk, as a scenario file here")
      ->capture_default_str();
  cmd.add_option("--case", f.only_case, "Run only this case index of the seed (to replay one)");
  cmd.add_flag("--no-shrink", f.no_shrink, "Write failing cases as generated, without shrinking");
  cmd.add_flag("--list", f.list, "Print one line per case: verdict, events, time, what it held");
  cmd.add_flag("--write-all", f.write_all, "Write every case to --out, passing ones as generated");
  cmd.add_option("--determinism-every", f.determinism_every,
                 "Run every Nth case twice and compare trace hashes (0: never)")
      ->capture_default_str();
  cmd.add_option("--max-events", f.max_events,
                 "A case past this many events counts as `too many events`, not a failure")
      ->capture_default_str();
  cmd.add_option("--max-nodes", f.max_nodes, "Declared nodes per case, 2 to 8")
      ->capture_default_str()
      ->check(CLI::Range(2, fuzz::kMaxNodes));
  cmd.add_option("--max-faults", f.max_faults, "Faults per case at most")->capture_default_str();
  cmd.add_option("--horizon", f.horizon, "Faults happen and heal within this virtual time")
      ->capture_default_str();
  cmd.add_flag("--prevent-everywhere", f.prevent_everywhere,
               "Keep connect_all and prevent_overlapping_partitions on and dist_auto_connect "
               "always on every node (where the transitivity property applies)");
  cmd.add_option("--format", f.format,
                 "The closing summary on stdout: text, json or junit (one test case per property, "
                 "failures with their reproducers); with json or junit the progress goes to stderr. "
                 "--out always gets summary.json")
      ->check(CLI::IsMember({"text", "json", "junit"}))
      ->capture_default_str();
  cmd.add_option("--merge", f.merge_dirs,
                 "Run nothing: combine the summary.json in each DIR (the --out of each shard) into "
                 "one summary, in --format; exit 2 if they are not the shards of one campaign or "
                 "one is missing")
      ->type_name("DIR...");
}

// The closing summary in --format (text: the campaign's own lines).
std::string SummaryIn(const std::string& format, const fuzz::FuzzReport& report,
                      const std::string& text) {
  if (format == "json") return fuzz::ReportJson(report);
  if (format == "junit") return fuzz::ReportJunit(report);
  return text;
}

int FuzzMerge(const FuzzFlags& f) {
  std::vector<fuzz::FuzzReport> reports;
  for (const std::string& dir : f.merge_dirs) {
    const std::string path = (std::filesystem::path(dir) / fuzz::kSummaryFileName).string();
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      std::cerr << path << ": cannot read (is " << dir << " the --out of a discosim fuzz?)\n";
      return kInvalid;
    }
    absl::StatusOr<fuzz::FuzzReport> report = fuzz::ParseReportJson(text.str(), path, dir);
    if (!report.ok()) {
      std::cerr << report.status().message() << "\n";
      return kInvalid;
    }
    reports.push_back(std::move(*report));
  }
  absl::StatusOr<fuzz::FuzzReport> merged = fuzz::MergeReports(reports, /*require_all=*/true);
  if (!merged.ok()) {
    std::cerr << "--merge: " << merged.status().message() << "\n";
    return kInvalid;
  }
  std::cout << SummaryIn(f.format, *merged, fuzz::ReportText(*merged)) << std::flush;
  return merged->summary.failures.empty() ? kPassed : kFailed;
}

int Fuzz(const FuzzFlags& f) {
  if (!f.merge_dirs.empty()) return FuzzMerge(f);
  fuzz::CampaignOptions o;
  absl::StatusOr<fuzz::Shard> shard = fuzz::ParseShard(f.shard);
  if (!shard.ok()) {
    std::cerr << "--shard: " << shard.status().message() << "\n";
    return kInvalid;
  }
  o.shard = shard->index;
  o.shards = shard->count;
  if (!f.budget.empty()) {
    absl::StatusOr<int64_t> budget_ms = scenario::ParseDurationMs(f.budget);
    if (!budget_ms.ok()) {
      std::cerr << "--budget: " << budget_ms.status().message() << "\n";
      return kInvalid;
    }
    o.budget = absl::Milliseconds(*budget_ms);
  }
  absl::StatusOr<int64_t> horizon_ms = scenario::ParseDurationMs(f.horizon);
  if (!horizon_ms.ok() || *horizon_ms < 60'000) {
    std::cerr << "--horizon: "
              << (horizon_ms.ok() ? "must be 1m or more" : horizon_ms.status().message()) << "\n";
    return kInvalid;
  }
  if (f.jobs < 1) {
    std::cerr << "--jobs: must be 1 or more\n";
    return kInvalid;
  }
  o.seed = f.seed ? *f.seed : std::random_device{}() * uint64_t{0x100000000} + std::random_device{}();
  o.runs = f.runs;
  if (!o.runs && !o.budget) o.runs = 1'000;
  o.only_case = f.only_case;
  o.jobs = f.jobs;
  o.out_dir = f.out_dir;
  o.determinism_every = f.determinism_every;
  o.shrink = !f.no_shrink;
  o.list_cases = f.list;
  o.write_all = f.write_all;
  o.progress = isatty(STDERR_FILENO) != 0;
  o.gen.max_nodes = f.max_nodes;
  o.gen.max_faults = f.max_faults;
  o.gen.max_horizon_ms = *horizon_ms;
  o.gen.overlap_prevention_everywhere = f.prevent_everywhere;
  o.check.max_events = f.max_events;
  // With a machine format, stdout holds the summary alone.
  std::ostream& live = f.format == "text" ? std::cout : std::cerr;
  live << "fuzz: seed " << o.seed << ", shard " << o.shard << "/" << o.shards << ", "
       << (o.only_case ? "case " + std::to_string(*o.only_case)
                       : (o.runs ? std::to_string(*o.runs) + " cases in all" : "until the budget"))
       << ", " << o.jobs << " jobs\n"
       << std::flush;
  fuzz::CampaignSummary summary = fuzz::RunCampaign(o, live, std::cerr);
  const fuzz::FuzzReport report = fuzz::ReportOf(o, summary);
  if (!o.out_dir.empty()) {
    const std::string path = (std::filesystem::path(o.out_dir) / fuzz::kSummaryFileName).string();
    if (!WriteFile(path, fuzz::ReportJson(report, o.out_dir))) return kAborted;
  }
  std::cout << SummaryIn(f.format, report, fuzz::SummaryText(o, summary)) << std::flush;
  return summary.failures.empty() ? kPassed : kFailed;
}

// `discosim fuzz`: its help and flags.
CLI::App* AddFuzzCommand(CLI::App& app, FuzzFlags& flags) {
  CLI::App* fuzz = app.add_subcommand(
      "fuzz",
      "Run generated clusters and fault schedules against the world-level properties\n"
      "(membership, transitivity, liveness, determinism). Each failing case is shrunk and\n"
      "written as a scenario file that fails the same way under `discosim run`.\n"
      "A liveness failure after two joins sent their dumps into one cluster at once, both\n"
      "past cets_join's second check, is counted as a `known finding` (CETS 0.2.0 never\n"
      "repairs that split; README, Findings), not a failure.\n"
      "Example: discosim fuzz --runs 10000 --seed 7 --jobs 8 --shard 1/4 --budget 10m --out failures\n"
      "Merge:   discosim fuzz --merge shard-1 shard-2 shard-3 shard-4 --format junit > fuzz.xml");
  AddFuzzFlags(*fuzz, flags);
  return fuzz;
}

// --format's names, from the report's one table (report::kReportFormatNames).
std::vector<std::string> FormatNames() {
  std::vector<std::string> names;
  for (const auto& [name, format] : report::kReportFormatNames) names.emplace_back(name);
  return names;
}

// The top-level --help.
constexpr const char kAppHelp[] =
    "discosim: deterministic simulation of CETS cluster node discovery.\n"
    "Runs scenario files (YAML) in virtual time and judges their expectations.\n\n"
    "Examples:\n"
    "  discosim check scenarios/*.yaml\n"
    "  discosim run scenarios/partition-heal-rejoin.yaml\n"
    "  discosim run --seed 42 --format junit scenarios/*.yaml > report.xml\n"
    "  discosim run --trace run.json scenarios/slow-dns-blocks-net-kernel.yaml\n"
    "  discosim stats scenarios/partition-heal-rejoin.yaml --seeds 1000 --report stats.html\n"
    "  discosim sweep FILE --vary nodes=2..20:2 --seeds 20 --plot cold-start.svg\n"
    "  sudo discosim compare scenarios/real/*.yaml   # the same files on real Erlang nodes\n\n"
    "Exit status: 0 all expectations passed, 1 some failed, 2 invalid input\n"
    "(nothing run), 3 a run stopped at a limit; stats and sweep: 0 once the\n"
    "statistics are written, whatever the pass rates.";

// The `run` subcommand and its flags.
CLI::App* AddRunCommand(CLI::App& app, RunFlags& flags) {
  CLI::App* run = app.add_subcommand(
      "run",
      "Run scenario files and judge their expectations.\n"
      "Prints one PASS/FAIL line per expectation, then `N passed, N failed`.\n"
      "Example: discosim run --seed 7 --trace out.json scenarios/three-node-cold-start.yaml");
  run->add_option("FILE", flags.files, "Scenario files")->required()->check(CLI::ExistingFile);
  run->add_option("--seed", flags.seed,
                  "Use this seed instead of the file's `seed` (e.g. --seed 42)");
  run->add_option("--format", flags.format_name,
                  "text (default), json or junit; the same facts in each")
      ->check(CLI::IsMember(FormatNames()))
      ->each([&](const std::string& name) {
        flags.format = *report::ReportFormatNamed(name);  // IsMember checked it
      });
  run->add_option("--trace", flags.trace_file,
                  "Write the run as Chrome trace-event JSON (open it in ui.perfetto.dev); "
                  "one scenario only");
  run->add_option("--report", flags.report_file,
                  "Write the run as a self-contained HTML page with a zoomable timeline "
                  "(one lane per node); one scenario only");
  run->add_flag("--verbose,-v", flags.verbose, "Print every event of the run as it happened");
  AddLimitFlags(*run, flags.limits);
  AddRunLimitFlags(*run, flags.limits);
  return run;
}

int Main(int argc, char** argv) {
  CLI::App app{kAppHelp, "discosim"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(VersionText()),
                       "Print the version (and the git commit it was built from) and exit");

  LimitFlags check_limits;
  std::vector<std::string> check_files;
  CLI::App* check = app.add_subcommand(
      "check", "Validate scenario files without running them.\n"
               "Example: discosim check scenarios/*.yaml");
  check->add_option("FILE", check_files, "Scenario files")->required()->check(CLI::ExistingFile);
  AddLimitFlags(*check, check_limits);

  RunFlags run_flags;
  AddRunCommand(app, run_flags);

  FuzzFlags fuzz_flags;
  CLI::App* fuzz = AddFuzzCommand(app, fuzz_flags);
  stats::Commands stats_commands(app);  // stats and sweep (sim/stats/commands.h)

  RealFlags real_flags, compare_flags;
  CLI::App* real = AddRealCommand(app, real_flags, /*compare=*/false);
  CLI::App* compare = AddRealCommand(app, compare_flags, /*compare=*/true);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kPassed : kInvalid;
  }
  if (std::optional<int> code = stats_commands.RunGiven()) return *code;
  if (*fuzz) return Fuzz(fuzz_flags);
  if (*real) return RunRealCommand(real_flags, /*compare=*/false);
  if (*compare) return RunRealCommand(compare_flags, /*compare=*/true);
  if (*check) return Check(check_files, check_limits);
  return Run(run_flags);
}

}  // namespace
}  // namespace discosim::cli

int main(int argc, char** argv) { return discosim::cli::Main(argc, argv); }
