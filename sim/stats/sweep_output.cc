// The sweep's outputs (sweep_output.h).
#include "sim/stats/sweep_output.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sim/stats/output.h"

namespace discosim::stats {
namespace {

std::string Cell(const std::optional<int64_t>& v, bool time) {
  if (!v) return "never";
  return time ? TimeText(v) : absl::StrCat(*v);
}

std::vector<std::string> Keys(const SweepResult& r) {
  std::vector<std::string> keys;
  for (const Axis& a : r.axes) keys.push_back(a.key);
  return keys;
}

}  // namespace

std::string DefaultFigure(const SweepResult& r) {
  return HasFigure(r, "converged") ? "converged" : "ready";
}

bool HasFigure(const SweepResult& r, const std::string& name) {
  return !r.stats.empty() && std::all_of(r.stats.begin(), r.stats.end(), [&](const Stats& s) {
    return FindFigure(s, name) != nullptr;
  });
}

std::vector<Series> SeriesOf(const SweepResult& r, const std::string& figure) {
  std::vector<Series> series;
  bool numeric = true;
  for (const auto& v : r.values) numeric = numeric && NumericValue(v[0]).has_value();
  for (size_t p = 0; p < r.stats.size(); ++p) {
    const std::string label = r.values[p].size() > 1 ? r.values[p][1] : "";
    auto it = std::find_if(series.begin(), series.end(), [&](const Series& s) { return s.label == label; });
    if (it == series.end()) {
      series.push_back({label, {}});
      it = series.end() - 1;
    }
    const std::string& x = r.values[p][0];
    it->points.push_back({x, numeric ? NumericValue(x) : std::nullopt, FindFigure(r.stats[p], figure)->summary});
  }
  return series;
}

PlotSpec PlotSpecFor(const SweepResult& r, const std::string& figure, bool log_y) {
  PlotSpec spec;
  spec.figure = figure;
  spec.x_key = r.axes.empty() ? "" : r.axes[0].key;
  spec.series_key = r.axes.size() > 1 ? r.axes[1].key : "";
  const FigureStats* f = r.stats.empty() ? nullptr : FindFigure(r.stats[0], figure);
  spec.y_time = f == nullptr || f->time;
  spec.log_y = log_y && spec.y_time;
  return spec;
}

std::string SweepText(const SweepResult& r, const std::string& figure) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> head = Keys(r);
  for (const char* h : {"runs", "all held", "reached", "min", "p50", "p90", "p99", "max", "histogram"}) {
    head.emplace_back(h);
  }
  rows.push_back(head);
  for (size_t p = 0; p < r.stats.size(); ++p) {
    const Stats& s = r.stats[p];
    const FigureStats& f = *FindFigure(s, figure);
    std::vector<std::string> row = r.values[p];
    row.push_back(absl::StrCat(s.runs, s.stopped_seeds.empty() ? "" : absl::StrCat(" (", s.stopped_seeds.size(), " stopped)")));
    row.push_back(s.expectations.empty() ? "-" : absl::StrCat(s.all_held, "/", s.judged));
    row.push_back(absl::StrCat(f.summary.reached, "/", f.summary.runs));
    for (const auto& v : {f.summary.min, f.summary.p50, f.summary.p90, f.summary.p99, f.summary.max}) {
      row.push_back(Cell(v, f.time));
    }
    row.push_back(Sparkline(f.summary.histogram));
    rows.push_back(std::move(row));
  }
  std::vector<size_t> widths(head.size(), 0);
  auto width = [](const std::string& t) {
    return static_cast<size_t>(std::count_if(t.begin(), t.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
  };
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], width(row[c]));
  }
  std::string out = absl::StrCat("sweep: ", r.stats.empty() ? "" : r.stats[0].scenario, " (", r.file, "), ",
                                 r.stats.size(), " points; figure: ", figure,
                                 " (quantiles by nearest rank, `never` last)\n");
  for (const auto& row : rows) {
    std::string line = " ";
    for (size_t c = 0; c < row.size(); ++c) {
      absl::StrAppend(&line, " ", row[c], c + 1 < row.size() ? std::string(widths[c] - width(row[c]), ' ') : "");
    }
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

std::string SweepCsv(const SweepResult& r) {
  std::string out = CsvHeader(Keys(r));
  for (size_t p = 0; p < r.stats.size(); ++p) out += CsvRows(r.stats[p], r.values[p]);
  return out;
}

std::string SweepJson(const SweepResult& r) {
  nlohmann::ordered_json points = nlohmann::ordered_json::array();
  for (size_t p = 0; p < r.stats.size(); ++p) {
    nlohmann::ordered_json values = nlohmann::ordered_json::object();
    for (size_t a = 0; a < r.axes.size(); ++a) values[r.axes[a].key] = r.values[p][a];
    nlohmann::ordered_json point = {{"values", values}, {"stats", StatsJson(r.stats[p])}};
    point["records"] = RecordsJson(r.records[p]);
    points.push_back(std::move(point));
  }
  nlohmann::ordered_json axes = nlohmann::ordered_json::array();
  for (const Axis& a : r.axes) axes.push_back({{"key", a.key}, {"values", a.values}});
  return nlohmann::ordered_json{{"file", r.file}, {"vary", axes}, {"points", points}}.dump(2) + "\n";
}

}  // namespace discosim::stats
