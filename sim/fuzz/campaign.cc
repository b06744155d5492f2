// The fuzzing campaign (campaign.h): worker threads take case indexes of the
// shard from one atomic counter; each case is generated, run and judged on
// its own (no state is shared between cases), so the verdict of a case does
// not depend on the number of jobs or on which thread ran it.
#include "sim/fuzz/campaign.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "sim/fuzz/build.h"
#include "sim/fuzz/yaml_writer.h"

namespace discosim::fuzz {
namespace {

constexpr char kClearLine[] = "\r\x1b[2K";

std::string Clock(double seconds) {
  const int64_t s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return absl::StrFormat("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  return absl::StrFormat("%d:%02d", s / 60, s % 60);
}

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
      : o_(options), out_(out), err_(err), start_(absl::Now()) {
    if (o_.only_case) {
      total_ = 1;
    } else if (o_.runs) {
      total_ = ShardIndexes(*o_.runs, o_.shard, o_.shards).size();
    }
  }

  CampaignSummary Run() {
    if (!o_.out_dir.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(o_.out_dir, ec);
    }
    std::vector<std::thread> workers;
    for (int j = 0; j < std::max(1, o_.jobs); ++j) workers.emplace_back([this] { Work(); });
    if (o_.progress) ProgressLoop();
    for (std::thread& t : workers) t.join();
    if (o_.progress) {
      std::lock_guard<std::mutex> lock(mu_);
      err_ << kClearLine << std::flush;
    }
    summary_.seconds = absl::ToDoubleSeconds(absl::Now() - start_);
    std::sort(summary_.failures.begin(), summary_.failures.end(),
              [](const CampaignFailure& a, const CampaignFailure& b) { return a.index < b.index; });
    return summary_;
  }

 private:
  // The case index at position `k` of this shard's sequence, if any.
  std::optional<uint64_t> IndexAt(uint64_t k) const {
    if (o_.only_case) return k == 0 ? o_.only_case : std::nullopt;
    const uint64_t index = k * static_cast<uint64_t>(o_.shards) + static_cast<uint64_t>(o_.shard - 1);
    if (o_.runs && index >= *o_.runs) return std::nullopt;
    return index;
  }

  bool OverBudget() const { return o_.budget && absl::Now() - start_ >= *o_.budget; }

  void Work() {
    const std::vector<Property> properties = WorldProperties();
    while (true) {
      if (OverBudget()) {
        std::lock_guard<std::mutex> lock(mu_);
        summary_.stopped_by_budget = true;
        break;
      }
      std::optional<uint64_t> index = IndexAt(next_.fetch_add(1));
      if (!index) break;
      const uint64_t case_seed = CaseSeed(o_.seed, *index);
      const FuzzCase c = GenerateCase(case_seed, o_.gen);
      CheckOptions check = o_.check;
      check.determinism = o_.determinism_every > 0 && *index % o_.determinism_every == 0;
      const absl::Time case_start = absl::Now();
      CaseResult result = CheckCase(c, properties, check);
      const double case_ms = absl::ToDoubleMilliseconds(absl::Now() - case_start);
      std::optional<CampaignFailure> failure;
      if (result.kind == CaseResult::Kind::kFailed || result.kind == CaseResult::Kind::kError) {
        failure = Report(*index, case_seed, c, properties, result, check);
      } else if (o_.write_all && !o_.out_dir.empty()) {
        scenario::Scenario s = BuildCase(c, properties).scenario;
        s.name = absl::StrCat("fuzz-", o_.seed, "-", *index);
        s.description = absl::StrCat("discosim fuzz --seed ", o_.seed, " --case ", *index, ": ",
                                     ToString(result.kind), ", ", result.events, " events. ", Summary(c));
        WriteText((std::filesystem::path(o_.out_dir) / (s.name + ".yaml")).string(),
                  WriteScenarioYaml(s));
      }
      std::lock_guard<std::mutex> lock(mu_);
      ++summary_.cases;
      summary_.events += result.events;
      switch (result.kind) {
        case CaseResult::Kind::kPassed: ++summary_.passed; break;
        case CaseResult::Kind::kTooManyEvents: ++summary_.too_many_events; break;
        case CaseResult::Kind::kKnownFinding: ++summary_.known_findings; break;
        case CaseResult::Kind::kError: ++summary_.errors; break;
        case CaseResult::Kind::kFailed: ++summary_.failed_by_property[result.property]; break;
      }
      if (o_.list_cases) {
        if (o_.progress) err_ << kClearLine;
        out_ << "case " << *index << ": " << ToString(result.kind)
             << (result.property.empty() ? "" : " (" + result.property + ")") << ", "
             << result.events << " events, " << absl::StrFormat("%.1f", case_ms) << " ms: "
             << Summary(c) << "\n";
      }
      if (failure) {
        summary_.failures.push_back(*failure);
        PrintFailure(*failure);
      }
      done_.notify_all();
    }
    std::lock_guard<std::mutex> lock(mu_);
    ++finished_workers_;
    done_.notify_all();
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

  // REQUIRES: mu_ held.
  void PrintFailure(const CampaignFailure& f) {
    if (o_.progress) err_ << kClearLine << std::flush;
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

  void ProgressLoop() {
    std::unique_lock<std::mutex> lock(mu_);
    const int jobs = std::max(1, o_.jobs);
    while (finished_workers_ < jobs) {
      done_.wait_for(lock, std::chrono::milliseconds(250));
      const double elapsed = absl::ToDoubleSeconds(absl::Now() - start_);
      const double rate = elapsed > 0 ? static_cast<double>(summary_.cases) / elapsed : 0;
      std::string eta = "?";
      std::optional<double> left;
      if (total_ && rate > 0) left = static_cast<double>(*total_ - summary_.cases) / rate;
      if (o_.budget) {
        const double budget_left = std::max(0.0, absl::ToDoubleSeconds(*o_.budget) - elapsed);
        left = left ? std::min(*left, budget_left) : budget_left;
      }
      if (left) eta = Clock(*left);
      uint64_t failed = 0;
      for (const auto& [unused, n] : summary_.failed_by_property) failed += n;
      err_ << kClearLine << "fuzz: " << summary_.cases
           << (total_ ? absl::StrCat("/", *total_) : std::string()) << " cases  "
           << absl::StrFormat("%.1f", rate) << "/s  ETA " << eta << "  failed " << failed
           << (summary_.too_many_events ? absl::StrCat("  too many events ", summary_.too_many_events) : "")
           << std::flush;
    }
  }

  const CampaignOptions& o_;
  std::ostream& out_;
  std::ostream& err_;
  const absl::Time start_;
  std::optional<uint64_t> total_;
  std::atomic<uint64_t> next_{0};
  std::mutex mu_;
  std::condition_variable done_;
  int finished_workers_ = 0;
  CampaignSummary summary_;
};

}  // namespace

std::vector<uint64_t> ShardIndexes(uint64_t runs, int shard, int shards) {
  std::vector<uint64_t> indexes;
  for (uint64_t i = static_cast<uint64_t>(shard - 1); i < runs; i += static_cast<uint64_t>(shards)) {
    indexes.push_back(i);
  }
  return indexes;
}

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
