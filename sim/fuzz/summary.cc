// A campaign's summary as JSON and JUnit, and the merge of shards (summary.h).
#include "sim/fuzz/summary.h"

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "sim/fuzz/build.h"
#include "sim/fuzz/check.h"

namespace discosim::fuzz {
namespace {

using Json = nlohmann::ordered_json;

constexpr int kFormatVersion = 1;
constexpr char kFormatName[] = "discosim-fuzz-summary";

uint64_t FailedCount(const CampaignSummary& s) {
  uint64_t failed = 0;
  for (const auto& [unused, n] : s.failed_by_property) failed += n;
  return failed;
}

std::string KindName(CaseResult::Kind kind) { return ToString(kind); }

std::optional<CaseResult::Kind> KindNamed(const std::string& name) {
  for (CaseResult::Kind kind : {CaseResult::Kind::kPassed, CaseResult::Kind::kFailed,
                                CaseResult::Kind::kTooManyEvents, CaseResult::Kind::kKnownFinding,
                                CaseResult::Kind::kError}) {
    if (name == ToString(kind)) return kind;
  }
  return std::nullopt;
}

// `file` relative to `dir` when it lies in it.
std::string Relative(const std::string& file, std::string_view dir) {
  if (dir.empty() || file.empty()) return file;
  const std::filesystem::path path(file), base(dir);
  if (path.parent_path().lexically_normal() == base.lexically_normal()) {
    return path.filename().string();
  }
  return file;
}

Json CampaignJson(const CampaignKey& k) {
  Json j;
  j["seed"] = k.seed;
  j["runs"] = k.runs ? Json(*k.runs) : Json(nullptr);
  j["shards"] = k.shards;
  j["max_nodes"] = k.max_nodes;
  j["max_faults"] = k.max_faults;
  j["max_horizon_ms"] = k.max_horizon_ms;
  j["prevent_everywhere"] = k.prevent_everywhere;
  j["max_events"] = k.max_events;
  j["determinism_every"] = k.determinism_every;
  return j;
}

CampaignKey CampaignOf(const Json& j) {
  CampaignKey k;
  k.seed = j.at("seed").get<uint64_t>();
  if (!j.at("runs").is_null()) k.runs = j.at("runs").get<uint64_t>();
  k.shards = j.at("shards").get<int>();
  k.max_nodes = j.at("max_nodes").get<int>();
  k.max_faults = j.at("max_faults").get<int>();
  k.max_horizon_ms = j.at("max_horizon_ms").get<int64_t>();
  k.prevent_everywhere = j.at("prevent_everywhere").get<bool>();
  k.max_events = j.at("max_events").get<uint64_t>();
  k.determinism_every = j.at("determinism_every").get<uint64_t>();
  return k;
}

std::string AgainCommand(const CampaignKey& k, uint64_t index) {
  return absl::StrCat("discosim fuzz --seed ", k.seed, " --case ", index, " --max-nodes ",
                      k.max_nodes, " --max-faults ", k.max_faults, " --horizon ",
                      k.max_horizon_ms, "ms --max-events ", k.max_events,
                      k.prevent_everywhere ? " --prevent-everywhere" : "");
}

Json FailureJson(const CampaignKey& k, const CampaignFailure& f, std::string_view dir) {
  Json j;
  j["case"] = f.index;
  j["case_seed"] = f.case_seed;
  j["kind"] = KindName(f.result.kind);
  j["property"] = f.result.property;
  j["expectation"] = f.result.expectation;
  j["observed"] = f.result.observed;
  j["at_ms"] = f.result.at_ms;
  j["events"] = f.result.events;
  j["minimal"] = f.summary;
  j["reproducer"] = Relative(f.file, dir);
  j["replays"] = f.replays;
  j["again"] = AgainCommand(k, f.index);
  return j;
}

CampaignFailure FailureOf(const Json& j, std::string_view dir) {
  CampaignFailure f;
  f.index = j.at("case").get<uint64_t>();
  f.case_seed = j.at("case_seed").get<uint64_t>();
  std::optional<CaseResult::Kind> kind = KindNamed(j.at("kind").get<std::string>());
  if (!kind) throw std::invalid_argument("unknown failure kind " + j.at("kind").dump());
  f.result.kind = *kind;
  f.result.property = j.at("property").get<std::string>();
  f.result.expectation = j.at("expectation").get<std::string>();
  f.result.observed = j.at("observed").get<std::string>();
  f.result.at_ms = j.at("at_ms").get<int64_t>();
  f.result.events = j.at("events").get<uint64_t>();
  f.summary = j.at("minimal").get<std::string>();
  f.file = j.at("reproducer").get<std::string>();
  if (!f.file.empty() && std::filesystem::path(f.file).is_relative() && !dir.empty()) {
    f.file = (std::filesystem::path(dir) / f.file).string();
  }
  f.replays = j.at("replays").get<bool>();
  return f;
}

std::string XmlEscaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 refuses control characters other than tab and newlines.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += '?';
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string ShardsText(const FuzzReport& r) {
  std::vector<std::string> listed;
  for (int shard : r.shards) listed.push_back(absl::StrCat(shard));
  return absl::StrCat(absl::StrJoin(listed, ","), " of ", r.campaign.shards);
}

// One failing case, for a JUnit failure's text.
std::string FailureText(const CampaignKey& k, const CampaignFailure& f) {
  std::string text = absl::StrCat("case ", f.index, ": ");
  if (!f.result.expectation.empty()) absl::StrAppend(&text, f.result.expectation, " -- ");
  absl::StrAppend(&text, f.result.observed, "\n  minimal: ", f.summary, "\n");
  if (!f.file.empty()) {
    absl::StrAppend(&text, "  reproducer: ", f.file, "\n  replay: discosim run ", f.file,
                    f.replays ? "" : "  (did NOT replay)", "\n");
  }
  absl::StrAppend(&text, "  again: ", AgainCommand(k, f.index), "\n");
  return text;
}

std::string JunitCase(const FuzzReport& r, const std::string& property, bool world) {
  std::vector<const CampaignFailure*> failures;
  for (const CampaignFailure& f : r.summary.failures) {
    const bool is_error = f.result.kind == CaseResult::Kind::kError;
    if (world ? is_error : (!is_error && f.result.property == property)) failures.push_back(&f);
  }
  std::string xml = absl::StrCat("  <testcase classname=\"discosim.fuzz\" name=\"",
                                 XmlEscaped(property), "\"");
  if (failures.empty()) return xml + "/>\n";
  std::string body;
  for (const CampaignFailure* f : failures) body += FailureText(r.campaign, *f);
  const char* element = world ? "error" : "failure";
  absl::StrAppend(&xml, ">\n    <", element, " message=\"", failures.size(),
                  world ? " cases the world refused" : " cases failed", "\" type=\"", property,
                  "\">", XmlEscaped(body), "</", element, ">\n  </testcase>\n");
  return xml;
}

}  // namespace

std::vector<std::string> ReportedProperties() {
  std::vector<std::string> names;
  for (const Property& p : WorldProperties()) names.push_back(p.name);
  names.push_back(kDeterminism);
  return names;
}

FuzzReport ReportOf(const CampaignOptions& o, const CampaignSummary& summary) {
  FuzzReport r;
  r.campaign.seed = o.seed;
  r.campaign.runs = o.only_case ? std::nullopt : o.runs;
  r.campaign.shards = o.shards;
  r.campaign.max_nodes = o.gen.max_nodes;
  r.campaign.max_faults = o.gen.max_faults;
  r.campaign.max_horizon_ms = o.gen.max_horizon_ms;
  r.campaign.prevent_everywhere = o.gen.overlap_prevention_everywhere;
  r.campaign.max_events = o.check.max_events;
  r.campaign.determinism_every = o.determinism_every;
  r.shards = {o.shard};
  if (summary.stopped_by_budget) r.budget_stopped = {o.shard};
  r.summary = summary;
  return r;
}

std::string ReportJson(const FuzzReport& r, std::string_view dir) {
  const CampaignSummary& s = r.summary;
  Json j;
  j["format"] = kFormatName;
  j["version"] = kFormatVersion;
  j["campaign"] = CampaignJson(r.campaign);
  j["shards"] = r.shards;
  j["budget_stopped"] = r.budget_stopped;
  j["cases"] = s.cases;
  j["passed"] = s.passed;
  j["failed"] = FailedCount(s);
  j["too_many_events"] = s.too_many_events;
  j["known_findings"] = s.known_findings;
  j["world_errors"] = s.errors;
  j["events"] = s.events;
  j["seconds"] = s.seconds;
  Json properties = Json::object();
  for (const std::string& name : ReportedProperties()) {
    auto it = s.failed_by_property.find(name);
    properties[name] = it == s.failed_by_property.end() ? 0 : it->second;
  }
  j["failed_by_property"] = properties;
  Json failures = Json::array();
  for (const CampaignFailure& f : s.failures) failures.push_back(FailureJson(r.campaign, f, dir));
  j["failures"] = failures;
  return j.dump(2) + "\n";
}

absl::StatusOr<FuzzReport> ParseReportJson(std::string_view text, std::string_view source,
                                           std::string_view dir) {
  try {
    const Json j = Json::parse(text);
    if (j.at("format") != kFormatName || j.at("version") != kFormatVersion) {
      return absl::InvalidArgumentError(absl::StrCat(
          std::string(source), ": not a discosim fuzz summary of version ", kFormatVersion));
    }
    FuzzReport r;
    r.campaign = CampaignOf(j.at("campaign"));
    r.shards = j.at("shards").get<std::set<int>>();
    r.budget_stopped = j.at("budget_stopped").get<std::set<int>>();
    CampaignSummary& s = r.summary;
    s.cases = j.at("cases").get<uint64_t>();
    s.passed = j.at("passed").get<uint64_t>();
    s.too_many_events = j.at("too_many_events").get<uint64_t>();
    s.known_findings = j.at("known_findings").get<uint64_t>();
    s.errors = j.at("world_errors").get<uint64_t>();
    s.events = j.at("events").get<uint64_t>();
    s.seconds = j.at("seconds").get<double>();
    s.stopped_by_budget = !r.budget_stopped.empty();
    for (const auto& [name, n] : j.at("failed_by_property").items()) {
      if (n.get<uint64_t>() > 0) s.failed_by_property[name] = n.get<uint64_t>();
    }
    for (const Json& f : j.at("failures")) s.failures.push_back(FailureOf(f, dir));
    return r;
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(source), ": ", e.what()));
  }
}

std::string ReportJunit(const FuzzReport& r) {
  const CampaignSummary& s = r.summary;
  const std::vector<std::string> properties = ReportedProperties();
  uint64_t failed_properties = 0;
  for (const std::string& p : properties) failed_properties += s.failed_by_property.count(p);
  std::string xml = absl::StrCat(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n<testsuite name=\"discosim fuzz\" "
      "tests=\"", properties.size() + 1, "\" failures=\"", failed_properties, "\" errors=\"",
      s.errors > 0 ? 1 : 0, "\" time=\"", absl::StrFormat("%.3f", s.seconds), "\">\n",
      "  <properties>\n", "    <property name=\"seed\" value=\"", r.campaign.seed, "\"/>\n",
      "    <property name=\"shards\" value=\"", ShardsText(r), "\"/>\n",
      "    <property name=\"cases\" value=\"", s.cases, "\"/>\n",
      "    <property name=\"passed\" value=\"", s.passed, "\"/>\n",
      "    <property name=\"too_many_events\" value=\"", s.too_many_events, "\"/>\n",
      "    <property name=\"known_findings\" value=\"", s.known_findings, "\"/>\n",
      "  </properties>\n");
  for (const std::string& p : properties) xml += JunitCase(r, p, /*world=*/false);
  xml += JunitCase(r, "world", /*world=*/true);
  return xml + "</testsuite>\n</testsuites>\n";
}

std::string ReportText(const FuzzReport& r) {
  const CampaignSummary& s = r.summary;
  std::vector<std::string> by_property;
  for (const auto& [property, n] : s.failed_by_property) {
    by_property.push_back(absl::StrCat(property, " ", n));
  }
  std::string text = absl::StrCat(
      "fuzz: seed ", r.campaign.seed, ", shards ", ShardsText(r), ": ", s.cases, " cases",
      r.campaign.runs ? absl::StrCat(" of ", *r.campaign.runs) : "", " (", s.events, " events, ",
      absl::StrFormat("%.1f", s.seconds), "s of the shards' time)",
      r.budget_stopped.empty() ? "" : ", budget reached", "\n  passed ", s.passed, ", failed ",
      FailedCount(s), ", too many events ", s.too_many_events, ", known findings ",
      s.known_findings, ", world errors ", s.errors, "\n");
  if (!by_property.empty()) {
    absl::StrAppend(&text, "  failed by property: ", absl::StrJoin(by_property, ", "), "\n");
  }
  for (const CampaignFailure& f : s.failures) {
    absl::StrAppend(&text, f.result.kind == CaseResult::Kind::kError ? "ERROR" : "FAIL ", " ",
                    FailureText(r.campaign, f));
  }
  return text;
}

namespace {

// The shard arithmetic: a shard that ran to its end ran exactly its share.
absl::Status CheckShareOf(const FuzzReport& r, int shard) {
  if (!r.campaign.runs || r.shards.size() != 1 || r.budget_stopped.count(shard) > 0) {
    return absl::OkStatus();
  }
  const uint64_t share = ShardIndexes(*r.campaign.runs, shard, r.campaign.shards).size();
  if (r.summary.cases != share) {
    return absl::InvalidArgumentError(
        absl::StrCat("shard ", shard, "/", r.campaign.shards, " ran ", r.summary.cases,
                     " cases; its share of ", *r.campaign.runs, " is ", share));
  }
  return absl::OkStatus();
}

void Add(CampaignSummary& into, const CampaignSummary& s) {
  into.cases += s.cases;
  into.passed += s.passed;
  into.too_many_events += s.too_many_events;
  into.known_findings += s.known_findings;
  into.errors += s.errors;
  into.events += s.events;
  into.seconds += s.seconds;
  into.stopped_by_budget = into.stopped_by_budget || s.stopped_by_budget;
  for (const auto& [property, n] : s.failed_by_property) into.failed_by_property[property] += n;
  into.failures.insert(into.failures.end(), s.failures.begin(), s.failures.end());
}

}  // namespace

absl::StatusOr<FuzzReport> MergeReports(const std::vector<FuzzReport>& reports, bool require_all) {
  if (reports.empty()) return absl::InvalidArgumentError("no summaries to merge");
  FuzzReport merged;
  merged.campaign = reports.front().campaign;
  for (const FuzzReport& r : reports) {
    if (!(r.campaign == merged.campaign)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the summaries are of different campaigns (seed, cases, shard count or settings "
          "differ): ", CampaignJson(merged.campaign).dump(), " and ", CampaignJson(r.campaign).dump()));
    }
    for (int shard : r.shards) {
      if (!merged.shards.insert(shard).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("shard ", shard, "/", merged.campaign.shards, " is given twice"));
      }
      if (absl::Status share = CheckShareOf(r, shard); !share.ok()) return share;
    }
    merged.budget_stopped.insert(r.budget_stopped.begin(), r.budget_stopped.end());
    Add(merged.summary, r.summary);
  }
  std::vector<std::string> missing;
  for (int shard = 1; shard <= merged.campaign.shards; ++shard) {
    if (merged.shards.count(shard) == 0) missing.push_back(absl::StrCat(shard));
  }
  if (require_all && !missing.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("shards ", absl::StrJoin(missing, ", "), " of ",
                                                   merged.campaign.shards, " are missing"));
  }
  std::sort(merged.summary.failures.begin(), merged.summary.failures.end(),
            [](const CampaignFailure& a, const CampaignFailure& b) { return a.index < b.index; });
  return merged;
}

}  // namespace discosim::fuzz
