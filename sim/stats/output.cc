// Text, JSON and CSV of the statistics (output.h).
#include "sim/stats/output.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "sim/scenario/duration.h"

namespace discosim::stats {
namespace {

using Json = nlohmann::ordered_json;

// Display width of UTF-8 text: one per code point (the bars are one wide).
size_t Width(const std::string& text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// A table printed with columns padded to their widest cell; `right` says
// which columns align right. The last column is not padded.
std::string Table(const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& right) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], Width(row[c]));
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line = "  ";
    for (size_t c = 0; c < row.size(); ++c) {
      const std::string pad(widths[c] - Width(row[c]), ' ');
      const bool last = c + 1 == row.size();
      if (c < right.size() && right[c]) {
        absl::StrAppend(&line, pad, row[c]);
      } else {
        absl::StrAppend(&line, row[c], last ? "" : pad);
      }
      if (!last) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

std::string Percent(double share) { return absl::StrFormat("%.1f%%", 100 * share); }

std::string ValueText(const std::optional<int64_t>& v, bool time) {
  if (time) return TimeText(v);
  return v ? absl::StrCat(*v) : "never";
}

std::string MeanText(const std::optional<double>& mean, bool time) {
  if (!mean) return "-";
  if (time) return TimeText(static_cast<int64_t>(*mean + 0.5));
  return absl::StrFormat("%.1f", *mean);
}

std::string SeedsText(const std::vector<uint64_t>& seeds) {
  return seeds.empty() ? "-" : absl::StrJoin(seeds, " ");
}

std::string ExpectationTable(const Stats& s) {
  std::vector<std::vector<std::string>> rows = {{"line", "passed", "rate", "95% interval", "min",
                                                 "p50", "p90", "p99", "max", "histogram",
                                                 "failed seeds", "expectation"}};
  for (const ExpectationStats& e : s.expectations) {
    std::vector<std::string> row = {
        absl::StrCat(e.line), absl::StrCat(e.passed, "/", e.runs),
        e.runs ? Percent(static_cast<double>(e.passed) / static_cast<double>(e.runs)) : "-",
        absl::StrCat("[", Percent(e.interval.low), ", ", Percent(e.interval.high), "]")};
    if (e.decision) {
      const Summary& d = *e.decision;
      for (const auto& v : {d.min, d.p50, d.p90, d.p99, d.max}) row.push_back(TimeText(v));
      row.push_back(Sparkline(d.histogram));
    } else {
      row.insert(row.end(), {"", "", "", "", "", ""});
    }
    row.push_back(SeedsText(e.failed_seeds));
    row.push_back(e.as_written);
    rows.push_back(std::move(row));
  }
  return Table(rows, {true, true, true, false, true, true, true, true, true});
}

std::string FigureTable(const Stats& s) {
  std::vector<std::vector<std::string>> rows = {
      {"figure", "reached", "min", "p50", "p90", "p99", "max", "mean", "histogram"}};
  for (const FigureStats& f : s.figures) {
    const Summary& m = f.summary;
    std::vector<std::string> row = {f.name, absl::StrCat(m.reached, "/", m.runs)};
    for (const auto& v : {m.min, m.p50, m.p90, m.p99, m.max}) row.push_back(ValueText(v, f.time));
    row.push_back(MeanText(m.mean, f.time));
    row.push_back(Sparkline(m.histogram));
    rows.push_back(std::move(row));
  }
  return Table(rows, {false, true, true, true, true, true, true, true});
}

Json OptionalJson(const std::optional<int64_t>& v) { return v ? Json(*v) : Json(nullptr); }

Json SummaryJson(const Summary& m) {
  Json h = {{"start", m.histogram.start},
            {"width", m.histogram.width},
            {"counts", m.histogram.counts},
            {"never", m.histogram.never}};
  return Json{{"runs", m.runs},       {"reached", m.reached},       {"min", OptionalJson(m.min)},
              {"p50", OptionalJson(m.p50)}, {"p90", OptionalJson(m.p90)}, {"p99", OptionalJson(m.p99)},
              {"max", OptionalJson(m.max)}, {"mean", m.mean ? Json(*m.mean) : Json(nullptr)},
              {"histogram", h}};
}

std::vector<std::string> SummaryCells(const Summary& m) {
  std::vector<std::string> cells = {absl::StrCat(m.reached)};
  for (const auto& v : {m.min, m.p50, m.p90, m.p99, m.max}) {
    cells.push_back(v ? absl::StrCat(*v) : "never");
  }
  cells.push_back(m.mean ? absl::StrFormat("%.3f", *m.mean) : "");
  cells.push_back(absl::StrCat(m.histogram.start));
  cells.push_back(absl::StrCat(m.histogram.width));
  cells.push_back(absl::StrJoin(m.histogram.counts, " "));
  return cells;
}

std::string CsvLine(const std::vector<std::string>& cells) {
  std::vector<std::string> quoted;
  for (const std::string& c : cells) quoted.push_back(CsvField(c));
  return absl::StrCat(absl::StrJoin(quoted, ","), "\n");
}

}  // namespace

std::optional<OutputFormat> OutputFormatNamed(const std::string& name) {
  if (name == "text") return OutputFormat::kText;
  if (name == "json") return OutputFormat::kJson;
  if (name == "csv") return OutputFormat::kCsv;
  return std::nullopt;
}

std::string TimeText(const std::optional<int64_t>& ms) {
  return ms ? scenario::FormatDurationMs(*ms) : "never";
}

std::string Sparkline(const Histogram& h) {
  static constexpr const char* kBars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  uint64_t fullest = 0;
  for (uint64_t c : h.counts) fullest = std::max(fullest, c);
  std::string out;
  for (uint64_t c : h.counts) {
    if (c == 0) {
      out += "·";
      continue;
    }
    const uint64_t level = (c * 8 + fullest - 1) / fullest;  // 1..8
    out += kBars[level - 1];
  }
  return out;
}

std::string TextReport(const Stats& s) {
  std::string out = absl::StrCat(
      "stats: ", s.scenario, " (", s.file, "), seeds ", s.first_seed, "..",
      s.first_seed + s.seeds - 1, s.shard.count > 1
                                      ? absl::StrCat(", shard ", s.shard.index, "/", s.shard.count)
                                      : std::string(),
      ": ", s.runs, " runs\n");
  if (!s.stopped_seeds.empty()) {
    absl::StrAppend(&out, "  ", s.stopped_seeds.size(), " runs stopped at a limit (not counted below), seeds ",
                    SeedsText(std::vector<uint64_t>(
                        s.stopped_seeds.begin(),
                        s.stopped_seeds.begin() + std::min<size_t>(s.stopped_seeds.size(), 10))),
                    s.stopped_seeds.size() > 10 ? " ..." : "", ": ", s.first_stop, "\n");
  }
  if (!s.expectations.empty()) {
    absl::StrAppend(&out, "  every expectation held in ", s.all_held, " of ", s.judged, " runs (",
                    s.judged ? Percent(static_cast<double>(s.all_held) / static_cast<double>(s.judged)) : "-",
                    ", 95% interval [", Percent(s.all_held_interval.low), ", ",
                    Percent(s.all_held_interval.high), "])\n");
    absl::StrAppend(&out,
                    "\nexpectations: pass rate, 95% Wilson interval; decision time (by: from its "
                    "`from`, after_heal: from the last fault removal)\n",
                    ExpectationTable(s));
  }
  absl::StrAppend(&out,
                  "\nper run: time from the start (or the heal) until it first held, and counts; "
                  "quantiles by nearest rank, `never` last\n",
                  FigureTable(s));
  return out;
}

Json StatsJson(const Stats& s) {
  Json expectations = Json::array();
  for (const ExpectationStats& e : s.expectations) {
    Json j = {{"line", e.line},
              {"expectation", e.as_written},
              {"qualifier", e.qualifier},
              {"runs", e.runs},
              {"passed", e.passed},
              {"pass_rate", e.runs ? Json(static_cast<double>(e.passed) / static_cast<double>(e.runs))
                                   : Json(nullptr)},
              {"interval", {e.interval.low, e.interval.high}},
              {"failed_seeds", e.failed_seeds}};
    j["decision_ms"] = e.decision ? SummaryJson(*e.decision) : Json(nullptr);
    expectations.push_back(std::move(j));
  }
  Json figures = Json::array();
  for (const FigureStats& f : s.figures) {
    Json j = {{"name", f.name}, {"unit", f.time ? "ms" : "count"}};
    const Json summary = SummaryJson(f.summary);
    for (const auto& [key, value] : summary.items()) j[key] = value;
    figures.push_back(std::move(j));
  }
  return Json{{"scenario", s.scenario},
              {"file", s.file},
              {"first_seed", s.first_seed},
              {"seeds", s.seeds},
              {"shard", absl::StrCat(s.shard.index, "/", s.shard.count)},
              {"runs", s.runs},
              {"stopped_seeds", s.stopped_seeds},
              {"first_stop", s.first_stop},
              {"judged", s.judged},
              {"all_held", s.all_held},
              {"all_held_interval", {s.all_held_interval.low, s.all_held_interval.high}},
              {"definitions",
               {{"interval", "Wilson score interval, 95% (z = 1.959963984540054)"},
                {"quantile", "nearest rank: the sample of rank ceil(q*n); never-reached runs sort last"},
                {"histogram", "equal-width bins [start + i*width, start + (i+1)*width), width 1, 2 or 5 x 10^k"},
                {"time", "virtual ms from the start (or the heal, or the expectation's from) to the first instant it held"}}},
              {"expectations", expectations},
              {"figures", figures}};
}

Json RecordsJson(const std::vector<RunRecord>& runs) {
  Json records = Json::array();
  for (const RunRecord& r : runs) {
    Json expectations = Json::array();
    for (const ExpectationOutcome& e : r.expectations) {
      expectations.push_back({e.passed, OptionalJson(e.decision_ms)});
    }
    Json times = Json::array();
    for (const auto& t : r.times) times.push_back(OptionalJson(t));
    records.push_back({{"seed", r.seed},
                       {"stopped", r.stopped ? Json(*r.stopped) : Json(nullptr)},
                       {"expectations", expectations},
                       {"times", times},
                       {"counts", r.counts}});
  }
  return records;
}

std::string JsonReport(const Stats& s, const std::vector<RunRecord>& runs) {
  Json j = StatsJson(s);
  j["records"] = RecordsJson(runs);
  return j.dump(2) + "\n";
}

std::string CsvField(const std::string& field) {
  if (field.find_first_of(",\"\n\r") == std::string::npos) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string CsvHeader(const std::vector<std::string>& keys) {
  std::vector<std::string> cells = keys;
  for (const char* c : {"kind", "name", "unit", "runs", "passed", "pass_rate", "interval_low",
                        "interval_high", "failed_seeds", "reached", "min", "p50", "p90", "p99",
                        "max", "mean", "histogram_start", "histogram_width", "histogram_counts"}) {
    cells.emplace_back(c);
  }
  return CsvLine(cells);
}

std::string CsvRows(const Stats& s, const std::vector<std::string>& values) {
  std::string out;
  for (const ExpectationStats& e : s.expectations) {
    std::vector<std::string> cells = values;
    const std::string rate =
        e.runs ? absl::StrFormat("%.6f", static_cast<double>(e.passed) / static_cast<double>(e.runs)) : "";
    cells.insert(cells.end(), {"expectation", e.as_written, "ms", absl::StrCat(e.runs),
                               absl::StrCat(e.passed), rate, absl::StrFormat("%.6f", e.interval.low),
                               absl::StrFormat("%.6f", e.interval.high), absl::StrJoin(e.failed_seeds, " ")});
    if (e.decision) {
      for (std::string& c : SummaryCells(*e.decision)) cells.push_back(std::move(c));
    } else {
      cells.resize(cells.size() + 9);
    }
    out += CsvLine(cells);
  }
  for (const FigureStats& f : s.figures) {
    std::vector<std::string> cells = values;
    cells.insert(cells.end(), {"figure", f.name, f.time ? "ms" : "count", absl::StrCat(f.summary.runs),
                               "", "", "", "", ""});
    for (std::string& c : SummaryCells(f.summary)) cells.push_back(std::move(c));
    out += CsvLine(cells);
  }
  return out;
}

namespace {

std::optional<int64_t> OptionalInt(const nlohmann::json& j) {
  if (j.is_null()) return std::nullopt;
  return j.get<int64_t>();
}

// One record of a JSON report, or why it does not fit the plan.
absl::StatusOr<RunRecord> RecordFromJson(const nlohmann::json& j, const Plan& plan) {
  RunRecord r;
  r.seed = j.at("seed").get<uint64_t>();
  const std::string where = absl::StrCat("the record of seed ", r.seed, ": ");
  if (!j.at("stopped").is_null()) r.stopped = j.at("stopped").get<std::string>();
  const nlohmann::json& expectations = j.at("expectations");
  const nlohmann::json& times = j.at("times");
  const nlohmann::json& counts = j.at("counts");
  if (!r.stopped && (expectations.size() != plan.written || times.size() != plan.times.size() ||
                     counts.size() != kCountFigures)) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, expectations.size(), " expectations, ", times.size(), " times and ", counts.size(),
        " counts, where this scenario has ", plan.written, ", ", plan.times.size(), " and ",
        kCountFigures, ": was it written for another file?"));
  }
  for (const nlohmann::json& e : expectations) {
    r.expectations.push_back({e.at(0).get<bool>(), OptionalInt(e.at(1))});
  }
  for (const nlohmann::json& t : times) r.times.push_back(OptionalInt(t));
  for (const nlohmann::json& c : counts) r.counts.push_back(c.get<int64_t>());
  return r;
}

}  // namespace

absl::StatusOr<std::vector<RunRecord>> RecordsFromJson(const nlohmann::json& records,
                                                       const Plan& plan) {
  if (!records.is_array()) return absl::InvalidArgumentError("no \"records\" list");
  std::vector<RunRecord> out;
  try {
    for (const nlohmann::json& j : records) {
      absl::StatusOr<RunRecord> r = RecordFromJson(j, plan);
      if (!r.ok()) return r.status();
      out.push_back(std::move(*r));
    }
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("a record is malformed: ", e.what()));
  }
  return out;
}

}  // namespace discosim::stats
