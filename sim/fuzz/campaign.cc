// The fuzzing campaign (campaign.h) on the parallel runner (parallel.h):
// each case is generated, run and judged on its own (no state is shared
// between cases), so the verdict of a case does not depend on the number of
// jobs or on which thread ran it.
#include "sim/fuzz/campaign.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "sim/fuzz/build.h"
#include "sim/fuzz/yaml_writer.h"

namespace discosim::fuzz {
namespace {

std::string Shorten(const std::string& text, size_t max) {
  return text.size() <= max ? text : text.substr(0, max - 3) + "...";
}

bool WriteText(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary);
  file << text;
  file.close();
  return static_cast<bool>(file);
}

class Campaign {
 public:
  Campaign(const CampaignOptions& options, std::ostream& out, std::ostream& err)
      : o_(options), out_(out), err_(err) {}

  CampaignSummary Run() {
    if (!o_.out_dir.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(o_.out_dir, ec);
    }
    ParallelOptions p;
    p.jobs = std::max(1, o_.jobs);
    p.shard = {o_.shard, o_.shards};
    p.runs = o_.runs;
    p.only_case = o_.only_case;
    p.budget = o_.budget;
    p.progress = o_.progress;
    p.label = "fuzz";
    p.unit = "cases";
    const ParallelRun run = RunParallel(
        p, [this](uint64_t index) { return RunCase(index); }, [this] { return ProgressNote(); },
        err_);
    summary_.seconds = run.seconds;
    summary_.stopped_by_budget = run.stopped_by_budget;
    std::sort(summary_.failures.begin(), summary_.failures.end(),
              [](const CampaignFailure& a, const CampaignFailure& b) { return a.index < b.index; });
    return summary_;
  }

 private:
  // Generates, runs and judges case `index` (on a worker, unlocked); the
  // commit counts it and prints what it found.
  Commit RunCase(uint64_t index) {
    const std::vector<Property> properties = WorldProperties();
    const uint64_t case_seed = CaseSeed(o_.seed, index);
    const FuzzCase c = GenerateCase(case_seed, o_.gen);
    CheckOptions check = o_.check;
    check.determinism = o_.determinism_every > 0 && index % o_.determinism_every == 0;
    const absl::Time case_start = absl::Now();
    CaseResult result = CheckCase(c, properties, check);
    const double case_ms = absl::ToDoubleMilliseconds(absl::Now() - case_start);
    std::optional<CampaignFailure> failure;
    if (result.kind == CaseResult::Kind::kFailed || result.kind == CaseResult::Kind::kError) {
      failure = Report(index, case_seed, c, properties, result, check);
    } else if (o_.write_all && !o_.out_dir.empty()) {
      scenario::Scenario s = BuildCase(c, properties).scenario;
      s.name = absl::StrCat("fuzz-", o_.seed, "-", index);
      s.description = absl::StrCat("discosim fuzz --seed ", o_.seed, " --case ", index, ": ",
                                   ToString(result.kind), ", ", result.events, " events. ", Summary(c));
      WriteText((std::filesystem::path(o_.out_dir) / (s.name + ".yaml")).string(),
                WriteScenarioYaml(s));
    }
    std::string summary = Summary(c);
    return [this, index, case_ms, result = std::move(result), failure = std::move(failure),
            summary = std::move(summary)](Progress& progress) {
      Count(result);
      if (o_.list_cases) {
        progress.Clear();
        out_ << "case " << index << ": " << ToString(result.kind)
             << (result.property.empty() ? "" : " (" + result.property + ")") << ", "
             << result.events << " events, " << absl::StrFormat("%.1f", case_ms) << " ms: "
             << summary << "\n";
      }
      if (failure) {
        summary_.failures.push_back(*failure);
        progress.Clear();
        PrintFailure(*failure);
      }
    };
  }

  // REQUIRES: the runner's lock held (called from a commit).
  void Count(const CaseResult& result) {
    ++summary_.cases;
    summary_.events += result.events;
    switch (result.kind) {
      case CaseResult::Kind::kPassed: ++summary_.passed; break;
      case CaseResult::Kind::kTooManyEvents: ++summary_.too_many_events; break;
      case CaseResult::Kind::kKnownFinding: ++summary_.known_findings; break;
      case CaseResult::Kind::kError: ++summary_.errors; break;
      case CaseResult::Kind::kFailed: ++summary_.failed_by_property[result.property]; break;
    }
  }

  // The progress line's tail (under the runner's lock).
  std::string ProgressNote() const {
    uint64_t failed = 0;
    for (const auto& [unused, n] : summary_.failed_by_property) failed += n;
    return absl::StrCat("  failed ", failed,
                        summary_.too_many_events
                            ? absl::StrCat("  too many events ", summary_.too_many_events)
                            : "");
  }

  CampaignFailure Report(uint64_t index, uint64_t case_seed, const FuzzCase& c,
                         const std::vector<Property>& properties, const CaseResult& result,
                         const CheckOptions& check) {
    CampaignFailure f;
    f.index = index;
    f.case_seed = case_seed;
    f.result = result;
    f.summary = Summary(c);
    const std::string origin = absl::StrCat("Found by discosim fuzz --seed ", o_.seed, " --case ", index);
    std::string name;
    std::string yaml;
    if (result.kind == CaseResult::Kind::kFailed) {
      name = absl::StrCat("fuzz-", o_.seed, "-", index, "-", result.property);
      MinimizeOptions minimize = o_.minimize;
      if (!o_.shrink) minimize.max_attempts = 0;
      Reproducer r = Minimize(c, properties, result, check, minimize, name, origin);
      yaml = std::move(r.yaml);
      f.summary = Summary(r.minimal);
      f.replays = r.replays;
    } else {
      name = absl::StrCat("fuzz-", o_.seed, "-", index, "-world-error");
      scenario::Scenario s = BuildCase(c, properties).scenario;
      s.name = name;
      s.description = absl::StrCat(origin, ": the world refused the scenario: ", result.observed);
      yaml = WriteScenarioYaml(s);
    }
    if (!o_.out_dir.empty()) {
      const std::string path = (std::filesystem::path(o_.out_dir) / (name + ".yaml")).string();
      if (WriteText(path, yaml)) f.file = path;
    }
    return f;
  }

  // REQUIRES: the runner's lock held, the progress line cleared.
  void PrintFailure(const CampaignFailure& f) {
    const CaseResult& r = f.result;
    if (r.kind == CaseResult::Kind::kError) {
      out_ << "ERROR case " << f.index << " (seed " << o_.seed << "): " << r.observed << "\n";
    } else {
      out_ << "FAIL  case " << f.index << " (seed " << o_.seed << "): " << r.property << ": "
           << (r.expectation.empty() ? "" : r.expectation + " -- ") << Shorten(r.observed, 300)
           << "\n      minimal: " << f.summary;
      if (!f.file.empty()) {
        out_ << "\n      replay:  discosim run " << f.file << (f.replays ? "" : "  (did NOT replay!)");
      }
      out_ << "\n      again:   discosim fuzz --seed " << o_.seed << " --case " << f.index << "\n";
    }
    out_ << std::flush;
  }

  const CampaignOptions& o_;
  std::ostream& out_;
  std::ostream& err_;
  CampaignSummary summary_;
};

}  // namespace

CampaignSummary RunCampaign(const CampaignOptions& options, std::ostream& out, std::ostream& err) {
  return Campaign(options, out, err).Run();
}

std::string SummaryText(const CampaignOptions& o, const CampaignSummary& s) {
  const double rate = s.seconds > 0 ? static_cast<double>(s.cases) / s.seconds : 0;
  uint64_t failed = 0;
  std::vector<std::string> by_property;
  for (const auto& [property, n] : s.failed_by_property) {
    failed += n;
    by_property.push_back(absl::StrCat(property, " ", n));
  }
  std::string text = absl::StrCat(
      "fuzz: seed ", o.seed, ", shard ", o.shard, "/", o.shards, ": ", s.cases, " cases in ",
      absl::StrFormat("%.1f", s.seconds), "s (", absl::StrFormat("%.1f", rate), " cases/s on ",
      std::max(1, o.jobs), " jobs, ", s.events, " events)", s.stopped_by_budget ? ", budget reached" : "",
      "\n  passed ", s.passed, ", failed ", failed, ", too many events ", s.too_many_events,
      s.known_findings > 0
          ? absl::StrCat(", known findings ", s.known_findings,
                         " (liveness after a stale merge: README, Findings)")
          : "",
      ", world errors ", s.errors, "\n");
  if (!by_property.empty()) absl::StrAppend(&text, "  failed by property: ", absl::StrJoin(by_property, ", "), "\n");
  for (const CampaignFailure& f : s.failures) {
    if (!f.file.empty()) absl::StrAppend(&text, "  written: ", f.file, "\n");
  }
  return text;
}

}  // namespace discosim::fuzz
